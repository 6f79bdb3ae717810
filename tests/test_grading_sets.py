"""The exercise sets: their reference answers against independent formulas and finite
differences, their cases, and their agreement with the solution notebooks."""

import copy
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from mlpbook.gradcheck import numerical_gradient
from mlpbook.grading import Outcome, exercise_sets, get_question, wire
from mlpbook.grading.feedback import verdict_for
from mlpbook.grading.questions import invoke

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [q for s in exercise_sets().values() for q in s.questions]


def ref(qid):
    return get_question(qid).reference


def sig(z):  # written out separately from the package
    return 1 / (1 + math.exp(-z))


# the sets as a whole --------------------------------------------------------------------------
def test_every_set_has_a_solution_notebook_and_three_to_six_questions():
    assert {"01_perceptron_to_logistic_regression", "02_fully_connected_networks",
            "03_expressive_power", "04_activation_functions", "05_losses_and_output_layers",
            "06_backpropagation", "07_automatic_differentiation",
            "08_training_and_optimization", "09_initialization_and_vanishing_gradients",
            "10_batch_normalization", "11_regularization_and_dropout",
            "12_case_studies"} <= set(exercise_sets())
    assert {p.stem for p in (ROOT / "solutions").glob("*.ipynb")} == set(exercise_sets())
    for s in exercise_sets().values():
        assert 3 <= len(s.questions) <= 6


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q.id)
def test_cases_are_the_same_on_every_call(q):
    first, second = q.make_cases(), q.make_cases()
    assert [c.label for c in first] == [c.label for c in second]
    for a, b in zip(first, second, strict=True):  # byte for byte, as the sandbox receives them
        assert wire.dumps(list(a.args)) == wire.dumps(list(b.args))


def judged_unwatched(q, function):
    """The verdict on ``function`` without the own-work guard (which rejects the reference)."""
    return q.judge([Outcome(returned=wire.loads(wire.dumps(invoke(function, copy.deepcopy(c.args),
                                                           q.protocol))))
                    for c in q.make_cases()])


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q.id)
def test_the_reference_passes_its_own_question(q):
    assert judged_unwatched(q, q.reference).status == "passed"


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q.id)
def test_check_rejects_the_reference_itself(q):
    verdict = verdict_for(q, {q.name: q.reference})
    assert verdict.status == "failed" and verdict.points == 0
    assert f"{q.id} must be your own code: " in verdict.message


@pytest.mark.parametrize("stem", list(exercise_sets()))
def test_solution_notebook_has_one_check_and_a_solution_per_question(stem):
    nb = json.loads((ROOT / "solutions" / f"{stem}.ipynb").read_text())
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    text = "\n".join("".join(c["source"]) for c in nb["cells"])
    checks = re.findall(r'check\("([^"]+)"\)', "\n".join(code))
    questions = exercise_sets()[stem].questions
    assert checks == [q.id for q in questions]
    for q in questions:
        defining = [c for c in code if re.search(rf"^def {q.name}\(", c, re.M)]
        assert len(defining) == 1 and "### BEGIN SOLUTION" in defining[0], q.id
        assert re.search(rf"\({q.points} points?\)", text), f"{q.id}: points not stated"


# 01 -----------------------------------------------------------------------------------------
def test_perceptron_rule_by_hand():
    f = ref("01.perceptron_update")
    w, b = f(np.array([1.0, -1.0]), -2.0, np.array([1.0, 2.0]), 1, 0.5)  # z = -3: predicts 0
    np.testing.assert_allclose(w, [1.5, 0.0])
    assert b == -1.5
    w, b = f(np.zeros(2), 0.0, np.array([2.0, -1.0]), 0, 0.1)  # z = 0 predicts 1
    np.testing.assert_allclose(w, [-0.2, 0.1])
    assert b == pytest.approx(-0.1)


def test_sigmoid_reference_is_accurate_in_both_tails():
    f = ref("01.sigmoid")
    z = np.array([-745.0, -50.0, -1.0, 0.0, 2.0, 40.0])
    expected = [math.exp(-745.0), math.exp(-50) / (1 + math.exp(-50)), sig(-1.0), 0.5, sig(2.0),
                sig(40.0)]
    np.testing.assert_allclose(f(z), expected, rtol=1e-14, atol=0)
    assert f(np.zeros(3, dtype=np.float32)).dtype == np.float32


def test_logistic_gradient_matches_finite_differences_of_the_bce():
    f = ref("01.logistic_gradient")
    rng = np.random.default_rng(5)
    w, x, b, y = rng.standard_normal(3), rng.standard_normal(3), 0.3, 1

    def bce():
        a = sig(float(w @ x + b))
        return -(y * math.log(a) + (1 - y) * math.log(1 - a))

    dw, db = f(w, b, x, y)
    np.testing.assert_allclose(dw, numerical_gradient(bce, w), rtol=1e-7)
    b_arr = np.array([b])

    def bce_b():
        a = sig(float(w @ x + b_arr[0]))
        return -(y * math.log(a) + (1 - y) * math.log(1 - a))

    assert db == pytest.approx(numerical_gradient(bce_b, b_arr)[0], rel=1e-7)


def test_logistic_regression_step_follows_the_gradient_of_the_mean_bce():
    f = ref("01.logistic_regression_step")
    rng = np.random.default_rng(6)
    X, y = rng.standard_normal((7, 2)), (rng.random(7) < 0.5).astype(float)
    w, b, eta = rng.standard_normal(2), -0.2, 0.3
    params = np.append(w, b)

    def cost():
        a = 1 / (1 + np.exp(-(X @ params[:2] + params[2])))
        return float(-np.mean(y * np.log(a) + (1 - y) * np.log(1 - a)))

    g = numerical_gradient(cost, params)
    w_new, b_new = f(w, b, X, y, eta)
    np.testing.assert_allclose(w_new, w - eta * g[:2], rtol=1e-8)
    assert b_new == pytest.approx(b - eta * g[2], rel=1e-8)


def test_logistic_hessian_matches_finite_differences_of_the_gradient_and_ignores_labels():
    f = ref("01.logistic_hessian")
    rng = np.random.default_rng(13)
    X, w, b = rng.standard_normal((9, 2)), rng.standard_normal(2), 0.4
    for y in (np.zeros(9), (rng.random(9) < 0.5).astype(float)):  # the labels drop out

        def gradient(theta, y=y):  # the mean BCE's gradient, written out with the bias first
            a = 1 / (1 + np.exp(-(X @ theta[1:] + theta[0])))
            return np.concatenate([[np.mean(a - y)], X.T @ (a - y) / 9])

        theta, h = np.append(b, w), 1e-6
        numeric = np.stack([(gradient(theta + h * e) - gradient(theta - h * e)) / (2 * h)
                            for e in np.eye(3)], axis=1)
        np.testing.assert_allclose(f(w, b, X), numeric, rtol=1e-6, atol=1e-9)
    assert np.linalg.eigvalsh(f(w, b, X)).min() > 0
    z = np.array([[35.0]])  # one confident sample: a(1 − a) = e^−35 / (1 + e^−35)²
    assert f(np.array([1.0]), 0.0, z)[0, 0] == pytest.approx(
        math.exp(-35) / (1 + math.exp(-35)) ** 2, rel=1e-13)


def test_xor_verification_accepts_xor_networks_and_rejects_others():
    q = get_question("01.xor_weights")
    assert q.verify((), list(q.reference())) is None
    nand_and = [np.array([[-1.0, -1.0], [1.0, 1.0]]), np.array([1.5, -1.5]),
                np.array([[1.0, -1.0]]), np.array([-0.5])]  # NAND and not AND: not XOR
    assert "wrong on inputs" in q.verify((), nand_and)
    assert "shape (2, 2)" in q.verify((), [np.ones(2)] * 4)
    assert "4 arrays" in q.verify((), {"W1": 1})


# 02 -----------------------------------------------------------------------------------------
def test_forward_passes_agree_with_a_per_sample_loop():
    rng = np.random.default_rng(7)
    sizes = [3, 4, 5, 2]
    Ws = [rng.standard_normal((b, a)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    bs = [rng.standard_normal(b) for b in sizes[1:]]
    A0 = rng.standard_normal((3, 6))
    columns = []
    for x in A0.T:
        a = x
        for ell, (W, b) in enumerate(zip(Ws, bs, strict=True)):
            z = sum(W[:, j] * a[j] for j in range(len(a))) + b
            a = z if ell == len(Ws) - 1 else np.where(z > 0, z, 0.0)
        columns.append(a)
    expected = np.stack(columns, axis=1)
    np.testing.assert_allclose(ref("02.forward_columns")(A0, Ws, bs), expected, rtol=1e-12)
    np.testing.assert_allclose(ref("02.forward_rows")(A0.T, [W.T for W in Ws], bs), expected.T,
                               rtol=1e-12)


def test_parameter_counts_of_section_5_1():
    f = ref("02.count_parameters")
    assert f([4, 5, 1]) == 31 and f([4, 4, 3, 5, 1]) == 61
    assert f([784, 512, 512, 10]) == 784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10


def test_collapsed_map_equals_the_network_without_activations():
    rng = np.random.default_rng(8)
    sizes = [3, 6, 2, 4]
    Ws = [rng.standard_normal((b, a)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    bs = [rng.standard_normal(b) for b in sizes[1:]]
    W, b = ref("02.collapse_identity")(Ws, bs)
    for x in rng.standard_normal((5, 3)):
        a = x
        for W_l, b_l in zip(Ws, bs, strict=True):
            a = W_l @ a + b_l
        np.testing.assert_allclose(W @ x + b, a, rtol=1e-12)


def test_the_network_without_biases_computes_the_same_function():
    rng = np.random.default_rng(14)
    sizes = [3, 5, 1, 4, 2]
    Ws = [rng.standard_normal((b, a)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    bs = [rng.standard_normal(b) for b in sizes[1:]]
    Ms = ref("02.absorb_biases")(Ws, bs)
    assert [M.shape for M in Ms] == [(6, 4), (2, 6), (5, 2), (2, 5)]
    for x in rng.standard_normal((6, 3)):
        a, a_tilde = x, np.append(1.0, x)
        for ell, (W, b, M) in enumerate(zip(Ws, bs, Ms, strict=True)):
            last = ell == len(Ws) - 1
            a = W @ a + b if last else np.where(W @ a + b > 0, W @ a + b, 0.0)
            a_tilde = M @ a_tilde if last else np.where(M @ a_tilde > 0, M @ a_tilde, 0.0)
            if not last:
                assert a_tilde[0] == 1.0  # the constant unit
        np.testing.assert_allclose(a_tilde, a, rtol=1e-12, atol=1e-12)


# 04 -----------------------------------------------------------------------------------------
def test_softmax_and_softplus_against_formulas():
    z = np.array([0.5, -1.0, 2.0])
    e = np.exp(z)
    np.testing.assert_allclose(ref("04.softmax")(z), e / e.sum(), rtol=1e-14)
    np.testing.assert_allclose(ref("04.softmax")(np.array([1000.0, 1000.0])), [0.5, 0.5])
    np.testing.assert_allclose(ref("04.softplus")(z), np.log(1 + e), rtol=1e-14)
    assert ref("04.softplus")(np.array([-40.0]))[0] == pytest.approx(math.exp(-40), rel=1e-12)


def test_sigmoid_derivative_and_softmax_jacobian_match_finite_differences():
    z = np.array([-3.0, -0.5, 0.0, 1.5])
    h = 1e-6
    numeric = (np.array([sig(v + h) for v in z]) - np.array([sig(v - h) for v in z])) / (2 * h)
    np.testing.assert_allclose(ref("04.sigmoid_derivative")(z), numeric, rtol=1e-8)
    assert ref("04.sigmoid_derivative")(np.array([0.0]))[0] == 0.25
    z = np.array([0.3, -1.2, 2.0])
    J = ref("04.softmax_jacobian")(z)
    for j in range(3):
        dz = np.zeros(3)
        dz[j] = h
        column = (ref("04.softmax")(z + dz) - ref("04.softmax")(z - dz)) / (2 * h)
        np.testing.assert_allclose(J[:, j], column, rtol=1e-7, atol=1e-10)


def test_softmax_backward_is_the_transposed_jacobian_times_g():
    rng = np.random.default_rng(9)
    Z, G = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    expected = np.stack([ref("04.softmax_jacobian")(z).T @ g for z, g in zip(Z, G, strict=True)])
    np.testing.assert_allclose(ref("04.softmax_backward")(Z, G), expected, rtol=1e-12)


# 05 -----------------------------------------------------------------------------------------
def test_logsumexp_and_cross_entropy_against_direct_formulas():
    rng = np.random.default_rng(10)
    Z, labels = rng.standard_normal((5, 3)), np.array([0, 2, 1, 1, 0])
    np.testing.assert_allclose(ref("05.logsumexp")(Z), np.log(np.exp(Z).sum(axis=1)), rtol=1e-14)
    assert ref("05.logsumexp")(np.array([[1000.0, 1000.0]]))[0] == pytest.approx(1000 + math.log(2))
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    direct = -np.mean(np.log(P[np.arange(5), labels]))
    assert ref("05.cross_entropy")(Z, labels) == pytest.approx(direct, rel=1e-13)


def test_loss_gradients_match_finite_differences():
    rng = np.random.default_rng(11)
    Z, labels = rng.standard_normal((4, 3)), np.array([2, 0, 1, 2])
    numeric = numerical_gradient(lambda: ref("05.cross_entropy")(Z, labels), Z)
    np.testing.assert_allclose(ref("05.cross_entropy_grad")(Z, labels), numeric, rtol=1e-7,
                               atol=1e-10)
    Z2, Y = rng.standard_normal((4, 2)), rng.random((4, 2))

    def bce():
        A = 1 / (1 + np.exp(-Z2))
        return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / 4)

    loss, dZ = ref("05.bce_with_logits")(Z2, Y)
    assert loss == pytest.approx(bce(), rel=1e-12)
    np.testing.assert_allclose(dZ, numerical_gradient(bce, Z2), rtol=1e-7, atol=1e-10)


# 06 -----------------------------------------------------------------------------------------
def test_dense_backward_and_mlp_gradients_match_finite_differences():
    rng = np.random.default_rng(12)
    A, W, G = rng.standard_normal((5, 3)), rng.standard_normal((2, 3)), rng.standard_normal((5, 2))
    dW, db, dA = ref("06.dense_backward")(A, W, G)
    np.testing.assert_allclose(dW, numerical_gradient(lambda: np.sum(G * (A @ W.T)), W), rtol=1e-7)
    np.testing.assert_allclose(dA, numerical_gradient(lambda: np.sum(G * (A @ W.T)), A), rtol=1e-7)
    np.testing.assert_allclose(db, G.sum(axis=0), rtol=1e-14)

    sizes = [3, 4, 2]
    Ws = [rng.standard_normal((b, a)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    bs = [rng.standard_normal(b) for b in sizes[1:]]
    X, Y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))

    def cost():
        H = np.maximum(X @ Ws[0].T + bs[0], 0)
        return 0.5 * np.sum((H @ Ws[1].T + bs[1] - Y) ** 2) / 6

    dWs, dbs = ref("06.mlp_gradients")(X, Y, Ws, bs)
    for got, param in zip(dWs + dbs, Ws + bs, strict=True):
        np.testing.assert_allclose(got, numerical_gradient(cost, param), rtol=1e-6, atol=1e-9)


def test_example2_epoch_reproduces_the_slides():
    from mlpbook.datasets import example2

    [first, *_] = get_question("06.example2_epoch").make_cases()
    for got, key in zip(first.args, ("X", "D", "W", "b", "V", "c", "lr"), strict=True):
        np.testing.assert_array_equal(got, example2()[key])  # the one copy of the data
    W, b, V, c = ref("06.example2_epoch")(*first.args)
    # printed in [DNN slides] after epoch 1; three entries differ by 0.01 (0.72, 3.21, -0.66), see
    # the note in solutions/06_backpropagation.ipynb
    np.testing.assert_allclose(V, [[3.89, -1.74], [-3.14, -1.89], [-2.53, 2.51]], atol=0.006)
    np.testing.assert_allclose(c, [1.09, -0.44], atol=0.006)
    np.testing.assert_allclose(W, [[-3.55, 0.72, 0.03], [3.21, -2.87, 2.94]], atol=0.011)
    np.testing.assert_allclose(b, [0.76, -0.66, -0.70], atol=0.011)
