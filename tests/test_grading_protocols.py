"""How answers are called and timed: the fit_predict protocol (only predictions leave the
sandbox, the test labels never enter it), a question's time factor, and the validation of both."""

import time

import numpy as np
import pytest

from mlpbook.grading import Limits, Question, case, get_question
from mlpbook.grading.questions import invoke
from mlpbook.grading.runner import run_submission

LABELS = np.array([0, 1, 1, 0, 1])


def fit_cases(rng):
    X_train = np.arange(10.0).reshape(5, 2)
    return [case("five points", X_train, LABELS, 7, np.array([[0.0, 1.0], [8.0, 9.0]]))]


def verify_labels(args, got, expected=None):
    if not isinstance(got, np.ndarray) or got.shape != (2,):
        return "expected two labels"
    return None if got.tolist() == [0, 1] else "wrong labels"


def threshold(X_train, y_train, rng):  # a "training" function: learns a threshold on x0
    assert isinstance(rng, np.random.Generator)
    cut = X_train[:, 0].mean()
    return lambda X: (X[:, 0] > cut).astype(int)


FIT = Question("99.fit", "fit", 2, threshold, fit_cases, verify=verify_labels,
               protocol="fit_predict")


class Model:
    def predict(self, X):
        return (X[:, 0] > 4).astype(int)


def test_fit_predict_calls_the_trainer_then_its_predictor():
    args = fit_cases(None)[0].args
    assert invoke(threshold, args, "fit_predict").tolist() == [0, 1]
    assert invoke(lambda X, y, rng: Model(), args, "fit_predict").tolist() == [0, 1]
    seeds = []
    invoke(lambda X, y, rng: seeds.append(rng.integers(1 << 30)) or Model(), args, "fit_predict")
    invoke(lambda X, y, rng: seeds.append(rng.integers(1 << 30)) or Model(), args, "fit_predict")
    assert seeds[0] == seeds[1]  # the same seed, the same generator
    with pytest.raises(TypeError, match="expected a function of the inputs or a model with a "
                                        "predict method"):
        invoke(lambda X, y, rng: 42, args, "fit_predict")
    assert invoke(max, (3, 5)) == 5


def test_the_digit_question_sends_inputs_but_never_the_test_labels():
    from mlpbook.grading.sets import case_studies

    q = get_question("12.train_digit_classifier")
    [c] = q.make_cases()
    _, X_test, _, y_test = case_studies.split()
    X_train, y_train, seed, X_sent = c.args
    np.testing.assert_array_equal(X_sent, X_test)
    assert isinstance(seed, int) and len(y_train) == len(X_train) != len(y_test)
    assert not any(isinstance(a, np.ndarray) and a.shape == y_test.shape for a in c.args)


def test_fit_predict_in_the_sandbox():
    cells = ["import numpy as np",
             "def fit(X_train, y_train, rng):\n    cut = X_train[:, 0].mean()\n"
             "    return lambda X: (X[:, 0] > cut).astype(int)"]
    run = run_submission(cells, [FIT], Limits(timeout=5))
    assert FIT.judge(run.answers["99.fit"].outcomes).status == "passed"
    cells[1] = "def fit(X_train, y_train, rng):\n    return 'not a model'"
    run = run_submission(cells, [FIT], Limits(timeout=5))
    verdict = FIT.judge(run.answers["99.fit"].outcomes)
    assert verdict.status == "error" and "returned str; expected a function" in verdict.message


def slow_cases(rng):
    return [case("one", 1.0)]


def test_a_time_factor_gives_a_question_more_time():
    slow = Question("99.slow", "slow", 1, lambda x: x, slow_cases, time_factor=4)
    quick = Question("99.quick", "quick", 1, lambda x: x, slow_cases)
    spin = "    start = time.process_time()\n    while time.process_time() - start < 2:\n" \
           "        pass\n    return x"  # 2 s of CPU time (limits count CPU time)
    cells = ["import time", "def slow(x):\n" + spin, "def quick(x):\n" + spin]
    start = time.monotonic()
    run = run_submission(cells, [slow, quick], Limits(timeout=1))
    assert run.answers["99.slow"].kind == "outcomes"  # 2 s of the 4 s it may take
    assert run.answers["99.quick"].kind == "timeout"
    assert run.answers["99.quick"].message == "did not return within 1 s (an infinite loop?)"
    assert time.monotonic() - start < 15


@pytest.mark.parametrize("kwargs, words", [
    ({"protocol": "pickle"}, "protocol must be one of"),
    ({"time_factor": 0.5}, "time_factor must be at least 1"),
    ({"protocol": "fit_predict"}, "needs verify"),
])
def test_questions_validate_protocol_and_time_factor(kwargs, words):
    with pytest.raises(ValueError, match=words):
        Question("99.x", "x", 1, abs, slow_cases, **kwargs)


def test_fit_predict_feedback_names_the_training_call(capsys):
    from mlpbook.grading.feedback import verdict_for

    verdict = verdict_for(FIT, {"fit": lambda X, y, rng: (lambda X: np.zeros(2, dtype=int))})
    assert verdict.status == "failed" and verdict.message.endswith("wrong labels")
    assert "np.random.default_rng(7)), then its predictions on" in verdict.message
