"""The reference answers of the exercise sets of chapters 03 and 07-12 against independent
formulas, finite differences, Monte Carlo and known values; and their verify functions, which
must accept right answers and reject the usual wrong ones."""

import math

import numpy as np
import pytest

from mlpbook import datasets
from mlpbook import init as initializers
from mlpbook.gradcheck import numerical_gradient
from mlpbook.grading import get_question


def ref(qid):
    return get_question(qid).reference


def verify(qid):
    """The question's judge, given what its ``expect`` computes on the instructor's side."""
    q = get_question(qid)
    return lambda args, got: q.verify(args, got, q.expect(args) if q.expect else None)


def sig(z):
    return 1 / (1 + np.exp(-z))


# 03 -----------------------------------------------------------------------------------------
def test_relu_interpolation_weights_give_the_piecewise_linear_interpolant():
    rng = np.random.default_rng(0)
    u, v = np.sort(rng.uniform(-2, 2, 6)), rng.standard_normal(6)
    W1, b1, W2, b2 = ref("03.relu_interpolation_weights")(u, v)
    x = np.linspace(u[0], u[-1], 1001)[:, None]
    f = np.maximum(x @ W1.T + b1, 0) @ W2.T + b2
    np.testing.assert_allclose(f[:, 0], np.interp(x[:, 0], u, v), atol=1e-12)
    assert W1.shape == (5, 1) and b1.shape == (5,) and W2.shape == (1, 5) and b2.shape == (1,)


@pytest.mark.parametrize("activation, function, shift", [
    ("softplus", lambda t: np.logaddexp(0, t), 0.0),
    ("sigmoid", sig, 1.0),
    ("tanh", np.tanh, 0.5),
])
def test_multiplication_gate_multiplies(activation, function, shift):
    lam = 1e-3
    W1, b1, W2 = ref("03.multiplication_gate_weights")(lam, activation, shift)
    h = 1e-3  # μ = 1/(4λ²σ''(c)) with σ'' by central differences
    d2 = (function(shift + h) - 2 * function(shift) + function(shift - h)) / h**2
    np.testing.assert_allclose(W2[0], np.array([1, 1, -1, -1]) / (4 * lam**2 * d2), rtol=1e-5)
    np.testing.assert_array_equal(b1, np.full(4, shift))
    X = np.array([[0.5, -0.8], [1.0, 1.0], [-0.3, 0.2]])
    out = function(X @ W1.T + b1) @ W2.T
    np.testing.assert_allclose(out[:, 0], X[:, 0] * X[:, 1], atol=1e-5)


def test_parameter_counts_of_section_5_2():
    assert ref("03.interaction_parameter_counts")(1000, 0.02) == (500_500, 80_161)
    assert ref("03.interaction_parameter_counts")(400, 0.125)[1] == 4 * 0.125 * 400 * 402 + 1
    assert ref("03.deep_parameter_count")(1000, 80, 10) == 132_001
    assert ref("03.deep_parameter_count")(4, 5, 2) == 31  # Figure 5.1, left
    assert ref("03.interaction_parameter_counts")(7, 0.35) == (28, 10 * 7 + 10 + 10 + 1)


def test_local_affine_map_is_the_network_near_the_point_and_its_slope():
    rng = np.random.default_rng(1)
    sizes = [3, 5, 4, 2]
    Ws = [rng.standard_normal((b, a)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    bs = [rng.standard_normal(b) for b in sizes[1:]]

    def f(x):  # written out without the package
        for ell, (W, b) in enumerate(zip(Ws, bs, strict=True)):
            x = W @ x + b if ell == len(Ws) - 1 else np.where(W @ x + b > 0, W @ x + b, 0.0)
        return x

    x = rng.standard_normal(3)
    J, c = ref("03.local_affine_map")(x, Ws, bs)
    assert J.shape == (2, 3) and c.shape == (2,)
    h = 1e-6
    slopes = np.stack([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(3)], axis=1)
    np.testing.assert_allclose(J, slopes, rtol=1e-6, atol=1e-9)
    for near in x + 1e-5 * rng.standard_normal((5, 3)):
        np.testing.assert_allclose(J @ near + c, f(near), rtol=1e-10, atol=1e-12)
    # with every unit of the first hidden layer off, the network is the constant it passes on
    J0, c0 = ref("03.local_affine_map")(x, Ws, [bs[0] - 1e3, *bs[1:]])
    np.testing.assert_array_equal(J0, np.zeros((2, 3)))
    np.testing.assert_allclose(c0, Ws[2] @ np.maximum(bs[1], 0) + bs[2], rtol=1e-12)


# 07 -----------------------------------------------------------------------------------------
def test_node_rules_match_finite_differences():
    rng = np.random.default_rng(1)
    A, B, G = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal((3, 2))
    dA, dB = ref("07.matmul_backward")(A, B, G)
    np.testing.assert_allclose(dA, numerical_gradient(lambda: np.sum(G * (A @ B)), A), rtol=1e-7)
    np.testing.assert_allclose(dB, numerical_gradient(lambda: np.sum(G * (A @ B)), B), rtol=1e-7)

    a, b = rng.standard_normal((4, 1)), rng.standard_normal((1, 3))
    G = rng.standard_normal((4, 3))
    da, db = ref("07.add_backward")(G, [4, 1], [1, 3])
    np.testing.assert_allclose(da, numerical_gradient(lambda: np.sum(G * (a + b)), a), rtol=1e-7)
    np.testing.assert_allclose(db, numerical_gradient(lambda: np.sum(G * (a + b)), b), rtol=1e-7)
    assert ref("07.add_backward")(G, [4, 3], [])[1] == pytest.approx(G.sum())

    Z, G = rng.standard_normal((2, 3)) * 3, rng.standard_normal((2, 3))
    np.testing.assert_allclose(ref("07.sigmoid_backward")(Z, G),
                               numerical_gradient(lambda: np.sum(G * sig(Z)), Z), rtol=1e-7)

    Z, labels, g = rng.standard_normal((4, 5)), np.array([0, 4, 2, 2]), 0.7

    def loss():
        return g * np.mean(np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(4), labels])

    np.testing.assert_allclose(ref("07.softmax_ce_backward")(Z, labels, g),
                               numerical_gradient(loss, Z), rtol=1e-6, atol=1e-10)


def test_topological_order_verification():
    check = verify("07.topological_order")
    graph = {"c": ["a", "b"], "d": ["c", "a"], "e": ["x"]}
    assert check((graph, "d"), ["a", "b", "c", "d"]) is None
    assert check((graph, "d"), ["b", "a", "c", "d"]) is None  # orders are not unique
    assert check((graph, "d"), ref("07.topological_order")(graph, "d")) is None
    assert check((graph, "d"), ["a", "c", "b", "d"]) == "'c' comes before its parent 'b'"
    assert "does not depend on" in check((graph, "d"), ["a", "b", "x", "c", "d"])
    assert "misses 1 of the 4 nodes" in check((graph, "d"), ["a", "b", "c"])
    assert "more than once" in check((graph, "d"), ["a", "b", "a", "c", "d"])
    assert "list of node names" in check((graph, "d"), "abcd")


# 08 -----------------------------------------------------------------------------------------
def test_optimizer_steps_by_hand():
    theta, V, g = np.array([1.0, -2.0]), np.array([0.5, 0.0]), np.array([0.2, 0.4])
    new, V_new = ref("08.momentum_step")(theta, V, g, 0.1, 0.9)
    np.testing.assert_allclose(V_new, [0.47, 0.04])
    np.testing.assert_allclose(new, [1.0 - 0.047, -2.0 - 0.004])

    S = np.array([0.0, 1.0])
    new, S_new = ref("08.rmsprop_step")(theta, S, g, 0.01, 0.9, 1e-8)
    np.testing.assert_allclose(S_new, [0.004, 0.916])
    np.testing.assert_allclose(new, theta - 0.01 * g / (np.sqrt([0.004, 0.916]) + 1e-8))


def test_adam_steps_match_a_loop_written_out_and_move_by_lr_at_first():
    rng = np.random.default_rng(2)
    b1, b2, lr, eps = 0.9, 0.999, 1e-2, 1e-8
    theta, m, v = rng.standard_normal(3), np.zeros(3), np.zeros(3)
    mine, m_, v_ = theta.copy(), np.zeros(3), np.zeros(3)
    for t in range(1, 6):
        g = rng.standard_normal(3)
        theta, m, v = ref("08.adam_step")(theta, m, v, g, t, lr, b1, b2, eps)
        m_ = b1 * m_ + (1 - b1) * g
        v_ = b2 * v_ + (1 - b2) * g**2
        mine = mine - lr * (m_ / (1 - b1**t)) / (np.sqrt(v_ / (1 - b2**t)) + eps)
    np.testing.assert_allclose(theta, mine, rtol=1e-12)
    first, *_ = ref("08.adam_step")(np.zeros(2), np.zeros(2), np.zeros(2),
                                   np.array([5.0, -1e-3]), 1, 0.1, 0.9, 0.999, 1e-12)
    np.testing.assert_allclose(first, [-0.1, 0.1], rtol=1e-6)  # one lr, whatever the gradient


def test_standardize_uses_the_training_statistics():
    rng = np.random.default_rng(3)
    X, Xt = rng.standard_normal((50, 3)) * [1, 10, 100] + [0, 5, -7], rng.standard_normal((4, 3))
    Z, Zt, mean, std = ref("08.standardize")(X, Xt)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, rtol=1e-12)
    np.testing.assert_allclose(Zt, (Xt - X.mean(axis=0)) / X.std(axis=0), rtol=1e-12)
    Z, Zt, _, std = ref("08.standardize")(np.array([[1.0, 2.0], [1.0, 4.0]]), np.ones((1, 2)))
    assert std[0] == 0 and np.all(Z[:, 0] == 0) and Zt[0, 0] == 0


# 09 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["xavier", "he", "glorot"])
def test_init_std_is_the_spread_of_mlpbook_init(kind):
    W = getattr(initializers, kind)((300, 500), rng=np.random.default_rng(4))
    assert W.std() == pytest.approx(ref("09.init_std")(kind, 500, 300), rel=0.01)


def test_init_weights_verification_accepts_normal_draws_and_rejects_the_rest():
    check, args = verify("09.init_weights"), ("he", 400, 300, 1)
    s = math.sqrt(2 / 300)
    rng = np.random.default_rng(5)
    assert check(args, ref("09.init_weights")(*args)) is None
    assert check(args, s * rng.standard_normal((400, 300))) is None  # any seed will do
    uniform = rng.uniform(-s * math.sqrt(3), s * math.sqrt(3), (400, 300))  # same std
    assert "68.3%" in check(args, uniform)
    assert "standard deviation" in check(args, math.sqrt(1 / 300) * rng.standard_normal((400, 300)))
    assert "shape" in check(args, s * rng.standard_normal((300, 400)))
    assert "mean" in check(args, 0.01 + s * rng.standard_normal((400, 300)))
    assert "repeat" in check(args, np.repeat(s * rng.standard_normal((400, 1)), 300, axis=1))


def test_activation_variances_of_relu_with_he_start_at_one_minus_one_over_pi():
    v = ref("09.activation_variances")(3, 400, 400, "he", "relu", 6)
    # z ~ N(0, 2) per unit; relu(z) has second moment 1 and mean 1/√π
    assert v[0] == pytest.approx(1 - 1 / math.pi, rel=0.03)


def test_activation_variances_verification_separates_the_initialisations():
    q, check = get_question("09.activation_variances"), verify("09.activation_variances")
    he_case, xavier_case = q.make_cases()[:2]
    he_answer = ref("09.activation_variances")(*he_case.args[:-1], 99)
    assert check(he_case.args, he_answer) is None  # another seed passes
    assert "off by more than the tolerance" in check(xavier_case.args, he_answer)
    assert "shape" in check(he_case.args, he_answer[:-1])


def test_clip_grad_norm_by_hand():
    clipped, total = ref("09.clip_grad_norm")([np.array([3.0, 4.0]), np.array([[12.0]])], 1.0)
    assert total == pytest.approx(13.0)
    np.testing.assert_allclose(clipped[0], [3 / 13, 4 / 13])
    np.testing.assert_allclose(clipped[1], [[12 / 13]])
    same, total = ref("09.clip_grad_norm")([np.array([0.3, 0.4])], 1.0)
    np.testing.assert_array_equal(same[0], [0.3, 0.4])
    assert total == pytest.approx(0.5)


# 10 -----------------------------------------------------------------------------------------
def test_batchnorm_forward_against_the_formulas():
    rng = np.random.default_rng(7)
    Z = rng.standard_normal((6, 3)) * 4 + 1
    gamma, beta = rng.uniform(1, 2, 3), rng.standard_normal(3)
    out, (Z_, mu, var, gamma_, eps) = ref("10.batchnorm_forward")(Z, gamma, beta, 1e-5)
    n = Z.shape[0]
    mu_direct = Z.sum(axis=0) / n
    var_direct = ((Z - mu_direct) ** 2).sum(axis=0) / n
    np.testing.assert_allclose(mu, mu_direct, rtol=1e-13)
    np.testing.assert_allclose(var, var_direct, rtol=1e-13)
    np.testing.assert_allclose(out, gamma * (Z - mu_direct) / np.sqrt(var_direct + 1e-5) + beta,
                               rtol=1e-12)
    assert eps == 1e-5 and np.array_equal(Z_, Z) and np.array_equal(gamma_, gamma)


def test_batchnorm_backward_matches_finite_differences():
    rng = np.random.default_rng(8)
    Z, gamma, beta = rng.standard_normal((5, 3)), rng.uniform(0.5, 2, 3), rng.standard_normal(3)
    G = rng.standard_normal((5, 3))

    def cost():
        return np.sum(G * ref("10.batchnorm_forward")(Z, gamma, beta, 1e-5)[0])

    _, cache = ref("10.batchnorm_forward")(Z, gamma, beta, 1e-5)
    dZ, dgamma, dbeta = ref("10.batchnorm_backward")(G, cache)
    np.testing.assert_allclose(dZ, numerical_gradient(cost, Z), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(dgamma, numerical_gradient(cost, gamma), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(dbeta, numerical_gradient(cost, beta), rtol=1e-6, atol=1e-9)


def test_running_averages_and_folding_by_hand():
    Z = np.array([[1.0, 2.0], [3.0, 6.0]])  # means (2, 4), variances (1, 4)
    mean, var = ref("10.running_averages")(np.zeros(2), np.ones(2), Z, 0.9)
    np.testing.assert_allclose(mean, [0.2, 0.4])
    np.testing.assert_allclose(var, [1.0, 1.3])
    rng = np.random.default_rng(9)
    W, b, A = rng.standard_normal((2, 3)), rng.standard_normal(2), rng.standard_normal((4, 3))
    gamma, beta, mu = np.array([2.0, 0.5]), np.array([1.0, -1.0]), b + 0.3
    var = np.array([4.0, 9.0])
    Wf, bf = ref("10.fold_batchnorm")(W, b, gamma, beta, mu, var, 1e-12)
    np.testing.assert_allclose(A @ Wf.T + bf, gamma * (A @ W.T + b - mu) / np.sqrt(var) + beta,
                               rtol=1e-10)


# 11 -----------------------------------------------------------------------------------------
def test_dropout_forward_verification():
    q = get_question("11.dropout_forward")
    c = q.make_cases()[0]
    A, p, seed = c.args
    assert q.verify(c.args, ref("11.dropout_forward")(A, p, seed)) is None
    mask = np.random.default_rng(0).random(A.shape) < p
    assert q.verify(c.args, (A * mask / p, mask)) is None  # any generator will do
    assert "A · mask / p_keep" in q.verify(c.args, (A * mask, mask))  # classic scaling
    rows = np.broadcast_to(np.random.default_rng(1).random((A.shape[0], 1)) < p, A.shape)
    assert "each sample as a whole" in q.verify(c.args, (A * rows / p, rows))
    assert "keeps 100.0%" in q.verify(c.args, (A / p, np.ones(A.shape, dtype=bool)))
    assert "boolean" in q.verify(c.args, (A, mask.astype(float)))


def test_dropout_backward_and_penalty_steps_by_hand():
    mask = np.array([[True, False], [False, True]])
    np.testing.assert_allclose(ref("11.dropout_backward")(np.ones((2, 2)), mask, 0.25),
                               [[4.0, 0.0], [0.0, 4.0]])
    theta, g = np.array([1.0, -2.0, 0.0]), np.array([0.5, 0.5, 0.5])
    np.testing.assert_allclose(ref("11.l2_step")(theta, g, 0.1, 0.5),
                               (1 - 0.05) * theta - 0.1 * g)
    np.testing.assert_allclose(ref("11.l1_step")(theta, g, 0.1, 0.5),
                               [1.0 - 0.1, -2.0 - 0.0, -0.05])  # sign(0) = 0


def test_l2_step_follows_the_gradient_of_the_penalised_cost():
    rng = np.random.default_rng(10)
    theta, target, lam, lr = rng.standard_normal(4), rng.standard_normal(4), 0.3, 0.1

    def cost():
        return 0.5 * np.sum((theta - target) ** 2) + 0.5 * lam * np.sum(theta**2)

    step = theta - lr * numerical_gradient(cost, theta)
    np.testing.assert_allclose(ref("11.l2_step")(theta, theta - target, lr, lam), step,
                               rtol=1e-7)


# 12 -----------------------------------------------------------------------------------------
def test_predict_digits_and_confusion_matrix_against_loops():
    rng = np.random.default_rng(11)
    X = rng.random((7, 64))
    Ws, bs = [rng.standard_normal((5, 64)), rng.standard_normal((10, 5))], [np.zeros(5),
                                                                            np.ones(10)]
    expected = []
    for x in X:
        h = [max(0.0, float(w @ x)) for w in Ws[0]]
        logits = [float(w @ np.array(h)) + 1.0 for w in Ws[1]]
        expected.append(logits.index(max(logits)))
    assert ref("12.predict_digits")(X, Ws, bs).tolist() == expected
    y, p = np.array([0, 1, 2, 2]), np.array([0, 2, 2, 1])
    C = ref("12.confusion_matrix")(y, p, 3)
    assert C.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 1]] and C.dtype.kind == "i"


def test_digit_accuracy_verification():
    from mlpbook.grading.sets import case_studies

    q, check = get_question("12.train_digit_classifier"), verify("12.train_digit_classifier")
    [c] = q.make_cases()
    _, _, _, y_test = case_studies.split()
    assert check(c.args, y_test.copy()) is None
    wrong = y_test.copy()
    wrong[: len(wrong) // 5] = (wrong[: len(wrong) // 5] + 1) % 10  # 80 % right
    assert check(c.args, wrong).startswith("accuracy 0.80")
    assert check(c.args, wrong).endswith("on the 449 held-out digits; at least 0.90 is needed")
    assert "labels 0, 1, ..., 9" in check(c.args, y_test + 0.5)
    X, y = datasets.digits()  # the split of the notebook, whose held-out labels it has at hand
    notebook_labels = datasets.train_test_split(X, y, test_fraction=0.25, rng=0)[3]
    message = check(c.args, notebook_labels)
    assert message.startswith("accuracy ") and float(message.split()[1]) < 0.2  # chance level
    assert "one predicted label per test image" in check(c.args, y_test[:-1])
