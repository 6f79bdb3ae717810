"""In-notebook feedback: what `check(...)` and the comparison say, and what they never say."""

import numpy as np
import pytest

from mlpbook.grading import Outcome, Question, case, check, get_question
from mlpbook.grading import feedback as feedback_module
from mlpbook.grading.compare import compare, show


def test_compare_accepts_matches_within_tolerance():
    assert compare(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-12])) is None
    assert compare((np.ones(2), 3.0), (np.ones(2), 3.0 + 1e-12), names=("w", "b")) is None
    assert compare(31, 31) is None and compare(np.int64(61), 61) is None
    assert compare(np.float64(0.5), 0.5) is None and compare(np.array(0.5), 0.5) is None


@pytest.mark.parametrize("got, want, words", [
    (np.ones((3, 1)), np.ones(3), "returned shape (3, 1); expected shape (3,) (same entries"),
    (np.ones(3, dtype=np.float64), np.ones(3, dtype=np.float32), "dtype float64; expected float32"),
    ([1.0, 2.0], np.array([1.0, 2.0]), "expected a NumPy array of shape (2,)"),
    (np.array([1.0, np.nan]), np.array([1.0, 2.0]), "returned nan at index (1,)"),
    (np.array([1.0, 2.5]), np.array([1.0, 2.0]), "1 of 2 entries are off"),
    (np.ones(2), (np.ones(2), 1.0), "expected 2 values"),
    ((np.ones(2),), (np.ones(2), 1.0), "returned 1 values; expected 2"),
    (np.ones(2), 1.0, "expected a single number"),
    (30, 31, "returned 30, which is wrong"),
    (30.5, 31, "expected a whole number"),
    (None, np.ones(2), "None (did you forget `return`?)"),
])
def test_compare_names_the_problem(got, want, words):
    msg = compare(got, want)
    assert msg is not None and words in msg


def test_compare_never_shows_expected_values():
    want = np.array([0.123456789, 9.87654321])
    for got in (np.array([0.5, 0.5]), np.array([0.5, np.inf]), 0.5, np.ones(3)):
        msg = compare(got, want)
        assert msg is not None
        for text in ("0.1234", "9.876", "0.12346", "9.8765"):
            assert text not in msg
    assert "3.14" not in compare(2.0, 3.14159)


def test_compare_names_items_and_tolerance():
    msg = compare((np.ones(2), 2.0), (np.ones(2), 1.0), rtol=1e-6, atol=1e-9, names=("w", "b"))
    first, second = msg.splitlines()
    assert first == "w ✓  b ✗"  # every output is listed
    assert second.startswith("b: returned 2") and "rtol=1e-06, atol=1e-09" in second


def test_feedback_lists_every_output_and_names_the_usual_slips():
    rng = np.random.default_rng(0)
    W, b, V, c = (rng.standard_normal(s) for s in ((3, 4), (3,), (2, 3), (2,)))
    names = ("W", "b", "V", "c")
    msg = compare((-W, -b, V, c), (W, b, V, c), names=names)
    assert msg.splitlines()[0] == "W ✗  b ✗  V ✓  c ✓"
    assert msg.count("every entry has the wrong sign") == 2
    # a missing 1/n: every layer off by the same factor
    dWs = [rng.standard_normal((3, 2)), rng.standard_normal((1, 3))]
    msg = compare(([4 * d for d in dWs], dWs), (dWs, dWs), names=("dWs", "dbs"))
    assert msg.splitlines()[0] == "dWs[0] ✗  dWs[1] ✗  dbs[0] ✓  dbs[1] ✓"
    assert msg.count("every entry is 4.00× the expected one") == 2
    # dW = A.T @ dZ: the transpose, named as such (not "a missing reshape")
    A, dZ = rng.standard_normal((5, 2)), rng.standard_normal((5, 3))
    msg = compare(A.T @ dZ, dZ.T @ A)
    assert "transpose" in msg and "reshape" not in msg
    square = rng.standard_normal((3, 3))
    assert "transpose" in compare(square.T, square)
    assert "axis" in compare(np.ones((2, 1)), np.ones(2)) or "keepdims" in \
        compare(np.ones((2, 1)), np.ones(2))
    # nothing of the expected values is shown
    for m in (compare(-W, W), compare(4 * W, W)):
        assert not any(f"{x:.3f}" in m for x in W.ravel())


def test_float32_results_are_compared_at_float32_precision():
    want = np.array([1.0, 2.0], dtype=np.float32)
    assert compare(want * np.float32(1 + 1e-6), want, rtol=1e-12, atol=0) is None
    assert compare(want * np.float32(1.01), want, rtol=1e-12, atol=0) is not None


def test_show_is_short_and_deterministic():
    assert show(np.array([1.0, -2.5])) == "array([ 1. , -2.5])"
    assert show(np.zeros((50, 3))) == "array of shape (50, 3), dtype float64"
    assert show(np.array([1, 2], dtype=np.float32)) == "array([1., 2.], dtype=float32)"
    assert show(0.1) == "0.1" and show([1, (2, 3)]) == "[1, (2, 3)]"


# check(...) ------------------------------------------------------------------------------------
def stable_sigmoid(z):
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype, copy=False)


def run_check(capsys, namespace, qid="01.sigmoid"):
    check(qid, namespace)
    return capsys.readouterr().out


def test_check_passes_a_right_answer(capsys):
    assert run_check(capsys, {"sigmoid": stable_sigmoid}) == \
        "✓ 01.sigmoid: passed, 6/6 public cases (2/2 points)\n"


def test_check_reports_not_attempted_without_a_traceback(capsys):
    def sigmoid(z):
        raise NotImplementedError

    assert run_check(capsys, {"sigmoid": sigmoid}) == \
        "· 01.sigmoid: not attempted: sigmoid raises NotImplementedError (0/2 points)\n"
    assert run_check(capsys, {}) == ("· 01.sigmoid: not attempted: no function named sigmoid is "
                                     "defined (run its cell first) (0/2 points)\n")


def test_check_shows_the_failing_case_and_the_problem(capsys):
    out = run_check(capsys, {"sigmoid": lambda z: stable_sigmoid(z).astype(np.float64)})
    head, where, problem = out.splitlines()
    assert head == "✗ 01.sigmoid: failed (0/2 points)"
    z = get_question("01.sigmoid").make_cases()[3].args[0]  # the failing input is shown
    assert where.startswith("  public case 4 of 6, float32 input keeps float32: sigmoid(array([")
    assert where.endswith("dtype=float32))") and f"{float(z[0]):.4f}" in where
    assert problem == ("  the result: returned dtype float64; expected float32 (keep the dtype "
                       "of the input: float32 in, float32 out)")


def test_check_reports_overflow_as_an_error(capsys):
    out = run_check(capsys, {"sigmoid": lambda z: 1 / (1 + np.exp(-z))})
    assert out.startswith("✗ 01.sigmoid: error (0/2 points)\n")
    assert "huge logits" in out and "raised FloatingPointError: overflow encountered in exp" in out


def test_check_reports_a_wrong_return_type_and_a_non_function(capsys):
    out = run_check(capsys, {"sigmoid": lambda z: (v for v in z)})
    assert "returned a value of type generator, which cannot be graded" in out
    assert run_check(capsys, {"sigmoid": 3}) == \
        "✗ 01.sigmoid: error (0/2 points)\n  sigmoid is a int, not a function\n"


def test_check_finds_the_function_in_the_callers_globals(capsys):
    global sigmoid
    sigmoid = stable_sigmoid
    try:
        check("01.sigmoid")
    finally:
        del sigmoid
    assert capsys.readouterr().out.startswith("✓ 01.sigmoid: passed")


def test_check_does_not_let_the_answer_change_the_inputs_of_the_next_case(capsys):
    def perceptron_update(w, b, x, y, eta):  # right answer that also scribbles on its inputs
        y_hat = 1.0 if w @ x + b >= 0 else 0.0
        new = w + eta * (y - y_hat) * x
        w[...] = 1e6
        x[...] = -1e6
        return new, float(b + eta * (y - y_hat))

    out = run_check(capsys, {"perceptron_update": perceptron_update}, "01.perceptron_update")
    # every case gets fresh inputs; an answer that changes its arguments is named for it
    assert out.startswith("✗ 01.perceptron_update: failed (0/2 points)")
    assert "perceptron_update changed its arguments 1, 3 in place" in out


def test_an_exception_shows_the_line_of_the_students_code(capsys):
    namespace = {}
    lines = ["import numpy as np\n", "def sigmoid(z):\n", "    z = np.asarray(z)\n",
             "    return 1 / (1 + np.exp(-z) @ np.ones(7))\n"]  # a bad product
    exec(compile("".join(lines), "<cell>", "exec"), namespace)
    import linecache

    linecache.cache["<cell>"] = (0, None, lines, "<cell>")
    try:
        out = run_check(capsys, {"sigmoid": namespace["sigmoid"]})
    finally:
        del linecache.cache["<cell>"]
    assert "\n    at line 3 of sigmoid: return 1 / (1 + np.exp(-z) @ np.ones(7))" in out


def test_a_correct_answer_that_calls_an_unfinished_helper_says_so(capsys):
    def helper(z):
        raise NotImplementedError

    def sigmoid(z):
        return helper(z)

    out = run_check(capsys, {"sigmoid": sigmoid})
    assert "NotImplementedError in helper, which sigmoid calls: helper is not finished" in out
    assert "not attempted" not in out


def test_partial_credit_per_output():
    q = Question("99.f", "f", 3, None, None, returns=("a", "b", "c"), credit="outputs")
    cases = [case("one", 1.0), case("two", 2.0)]
    want = [(np.ones(2), np.ones(2), np.ones(2)), (np.ones(2), np.ones(2), np.ones(2))]
    half = [Outcome(returned=(np.ones(2), np.ones(2), np.zeros(2))),
            Outcome(returned=(np.ones(2), np.ones(2), np.zeros(2)))]
    v = q.judge_cases(cases, want, half)
    assert (v.status, v.points) == ("failed", 2.0) and "a ✓  b ✓  c ✗" in v.message
    assert "partial credit: 2 of 3 points" in v.message
    all_or_nothing = Question("99.g", "f", 3, None, None, returns=("a", "b", "c"))
    assert all_or_nothing.judge_cases(cases, want, half).points == 0
    per_case = Question("99.h", "f", 3, None, None, returns=("a", "b", "c"), credit="cases")
    mixed = [Outcome(returned=want[0]), half[1]]
    assert per_case.judge_cases(cases, want, mixed).points == 1.5
    with pytest.raises(ValueError, match="credit"):
        Question("99.i", "f", 3, None, None, credit="outputs")  # needs returns


def test_check_is_silent_inside_the_grader(capsys, monkeypatch):
    monkeypatch.setattr(feedback_module, "GRADING", True)
    assert run_check(capsys, {"sigmoid": stable_sigmoid}) == ""


def test_unknown_question_id_lists_the_known_ones():
    with pytest.raises(KeyError, match="01.sigmoid"):
        get_question("01.no_such_question")


def test_judge_status_order_and_points():
    q = Question("99.double", "double", 3, lambda x: 2 * x,
                 lambda rng: [case("one", 1.0), case("two", 2.0)])
    ok = Outcome(returned=2.0)
    assert q.judge([ok, Outcome(returned=4.0)]).status == "passed"
    assert q.judge([ok, Outcome(returned=4.0)]).points == 3
    assert q.judge([Outcome(returned=5.0), Outcome(raised="ValueError: x")]).status == "failed"
    assert q.judge([Outcome(raised="ValueError: x"), Outcome(returned=5.0)]).status == "error"
    assert q.judge([Outcome(problem="died"), ok]).status == "error"
    nie = Outcome(raised="NotImplementedError", not_implemented=True)
    assert q.judge([nie, nie]).status == "missing"
    assert q.judge([ok, nie]).status == "error"  # partly attempted: graded, not "missing"
    assert q.judge([ok]).status == "error"  # wrong number of results


def test_questions_validate_their_definition():
    with pytest.raises(ValueError, match="identifier"):
        Question("99.x", "not a name", 1, abs, lambda rng: [case("c", 1)])
    with pytest.raises(ValueError, match="positive integer"):
        Question("99.x", "x", 0, abs, lambda rng: [case("c", 1)])


def test_exercise_sets_validate_ids_and_names():
    from mlpbook.grading import ExerciseSet

    def q(qid, name):
        return Question(qid, name, 1, abs, lambda rng: [case("c", 1.0)])

    with pytest.raises(ValueError, match="must start with '07.'"):
        ExerciseSet("07_topic", (q("08.f", "f"),))
    with pytest.raises(ValueError, match="unique"):
        ExerciseSet("07_topic", (q("07.f", "f"), q("07.g", "f")))
    assert ExerciseSet("07_topic", (q("07.f", "f"), q("07.g", "g"))).max_points == 2


# time limits and one implementation of calling a case -------------------------------------------
def test_check_stops_an_answer_that_never_returns(capsys, monkeypatch):
    """An endless loop, and one that catches the interruption once, are stopped after the CPU
    time limit; a sleeping answer after the waiting backstop."""
    monkeypatch.setattr(feedback_module, "TIMEOUT", 0.5)

    def loops(z):
        while True:
            pass

    def catches(z):
        try:
            while True:
                pass
        except BaseException:
            pass
        while True:
            pass

    for answer in (loops, catches):
        assert run_check(capsys, {"sigmoid": answer}) == ("✗ 01.sigmoid: timeout (0/2 points)\n"
                                                          "  did not return within 0.5 s (an "
                                                          "infinite loop?)\n")

    def sleeps(z):
        import time
        time.sleep(60)

    assert run_check(capsys, {"sigmoid": sleeps}) == (
        "✗ 01.sigmoid: timeout (0/2 points)\n  waited for 4 s without computing (sleeping or "
        "blocked?)\n")


def test_check_and_the_grader_say_the_same(tmp_path):
    """The same wrong answers give the same status and message in check() and in the grader."""
    from mlpbook.grading.calling import verdict
    from mlpbook.grading.runner import Limits, run_submission

    cells = ["import numpy as np",
             "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))",  # overflows
             "def perceptron_update(w, b, x, y, eta):\n    return w, b + 1",
             "def xor_weights():\n    return (v for v in range(4))"]
    questions = [get_question(f"01.{n}") for n in ("sigmoid", "perceptron_update",
                                                     "xor_weights", "logistic_gradient")]
    run = run_submission(cells, questions, Limits(timeout=10))
    namespace = {}
    for src in cells:
        exec(src, namespace)
    for q in questions:
        graded, checked = verdict(q, run.answers[q.id]), feedback_module.verdict_for(q, namespace)
        assert graded.status == checked.status != "passed"
        if q.name != "logistic_gradient":  # not defined: the messages differ in their hint
            # check() names its cases public ones (the grader's run here had only those); the
            # grader's sandbox also quotes the line that raised, where this test's cells,
            # executed without a notebook, have no source to quote
            lines = [line.split(": ", 1)[0] if line.startswith("  at line") else line
                     for line in graded.message.splitlines()]
            mine = [line.split(": ", 1)[0] if line.startswith("  at line") else line
                    for line in checked.message.splitlines()]
            assert ["public " + lines[0], *lines[1:]] == mine or lines == mine


def test_a_failure_while_judging_costs_only_that_question():
    from mlpbook.grading.calling import Answer, verdict

    def verify(args, got, expected):
        raise ZeroDivisionError("a bug in the check")

    q = Question("99.f", "f", 1, abs, lambda rng: [case("one", 1.0)], verify=verify)
    v = verdict(q, Answer("outcomes", outcomes=[Outcome(returned=1.0)]))
    assert v.status == "error" and v.points == 0
    assert v.message == "the answer could not be judged (ZeroDivisionError: a bug in the check)"
