"""Hand-built networks of chapter 03 against independent references: np.interp, the formulas
of [MEDL] §5.2 written out separately, Taylor coefficients known in closed form."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook.constructions import (
    multiplication_gate,
    product_network,
    relu_interpolation,
    sawtooth,
    sigmoid_staircase,
)


def knots(rng, r):
    u = np.sort(rng.uniform(-3, 5, r))
    return u, rng.normal(size=r)


def run(model, x):
    return model.forward(np.asarray(x, dtype=float).reshape(-1, 1))[:, 0]


# ---- relu_interpolation (Figure 5.2) --------------------------------------------------------

def test_relu_interpolation_weights_by_hand():
    # u = (0, 1, 3), v = (0, 2, 0): slopes s = (2, −1), so w[2] = (2 − 0, −1 − 2) = (2, −3)
    net = relu_interpolation([0.0, 1.0, 3.0], [0.0, 2.0, 0.0])
    hidden, relu, out, ident = net.layers
    assert isinstance(relu, mb.ReLU) and isinstance(ident, mb.Identity)
    np.testing.assert_array_equal(hidden.W, [[1.0], [1.0]])
    np.testing.assert_array_equal(hidden.b, [0.0, -1.0])
    np.testing.assert_array_equal(out.W, [[2.0, -3.0]])
    np.testing.assert_array_equal(out.b, [0.0])


@pytest.mark.parametrize("r", [2, 3, 10, 57])
def test_relu_interpolation_hits_knots_and_is_affine_between(r):
    rng = np.random.default_rng(r)
    u, v = knots(rng, r)
    net = relu_interpolation(u, v)
    assert net[0].W.shape == (r - 1, 1)  # N_1 = r − 1
    np.testing.assert_allclose(run(net, u), v, rtol=0, atol=1e-11)
    x = np.linspace(u[0], u[-1], 2001)
    np.testing.assert_allclose(run(net, x), np.interp(x, u, v), rtol=0, atol=1e-10)


def test_relu_interpolation_slopes_and_outside():
    rng = np.random.default_rng(1)
    u, v = knots(rng, 8)
    net = relu_interpolation(u, v)
    s = np.diff(v) / np.diff(u)
    a, b = u[:-1] + 0.25 * np.diff(u), u[:-1] + 0.75 * np.diff(u)  # two points in each cell
    np.testing.assert_allclose((run(net, b) - run(net, a)) / (b - a), s, rtol=1e-9)
    np.testing.assert_allclose(run(net, u[0] - np.array([1.0, 5.0])), v[0], atol=1e-12)
    np.testing.assert_allclose(run(net, [u[-1] + 2.0]), v[-1] + 2.0 * s[-1], atol=1e-10)


def test_relu_interpolation_float32():
    net = relu_interpolation([0.0, 1.0, 2.0], [1.0, 0.0, 1.0]).astype(np.float32)
    y = net.forward(np.array([[0.5], [1.5]], dtype=np.float32))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y[:, 0], [0.5, 0.5], atol=1e-6)


@pytest.mark.parametrize("u, v, match", [
    ([0.0, 1.0, 2.0], [1.0, 2.0], "3 knots and 2 values"),
    ([0.0], [1.0], "at least 2 knots"),
    ([0.0, 2.0, 1.0], [0.0, 0.0, 0.0], "strictly increasing"),
    ([0.0, 1.0, 1.0], [0.0, 0.0, 0.0], "strictly increasing"),
    ([[0.0, 1.0]], [[0.0, 1.0]], "1-D"),
    ([0.0, np.nan], [0.0, 1.0], "finite"),
])
def test_relu_interpolation_rejects_bad_knots(u, v, match):
    with pytest.raises(ValueError, match=match):
        relu_interpolation(u, v)


# ---- sigmoid_staircase ----------------------------------------------------------------------

def test_sigmoid_staircase_tends_to_the_staircase():
    rng = np.random.default_rng(2)
    u, v = knots(rng, 9)
    mids = (u[:-1] + u[1:]) / 2
    # points inside each knot's cell, well away from the steps at the midpoints
    x = np.concatenate([[u[0] - 0.5], (mids[:-1] + mids[1:]) / 2, [u[-1] + 0.5]])
    for k, tol in [(1e3, 1e-2), (1e5, 1e-12)]:
        np.testing.assert_allclose(run(sigmoid_staircase(u, v, k), x), v, atol=tol)
    # at a midpoint the step is half-way: F(c_i) → (v_i + v_{i+1}) / 2
    np.testing.assert_allclose(run(sigmoid_staircase(u, v, 1e6), mids), (v[:-1] + v[1:]) / 2,
                               atol=1e-9)


def test_sigmoid_staircase_rejects_bad_steepness():
    for k in (0.0, -1.0, np.inf):
        with pytest.raises(ValueError, match="positive finite steepness"):
            sigmoid_staircase([0.0, 1.0], [0.0, 1.0], k)


# ---- multiplication_gate (Figure 5.4) -------------------------------------------------------

def grid(n=21):
    g = np.linspace(-1, 1, n)
    return np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)


def test_gate_weights_and_formula_5_14():
    lam = 0.3
    gate = multiplication_gate(lam, mb.Softplus())  # σ''(0) = 1/4, so μ = 1/λ²
    np.testing.assert_allclose(gate[0].W, [[lam, lam], [-lam, -lam], [lam, -lam], [-lam, lam]])
    assert gate[0].b is None and gate[2].b is None  # no biases without a shift
    np.testing.assert_allclose(gate[2].W, [[1, 1, -1, -1]] / np.float64(lam**2))
    X = grid()
    x1, x2 = X[:, 0], X[:, 1]

    def sp(t):
        return np.log1p(np.exp(t))

    by_hand = (sp(lam * (x1 + x2)) + sp(-lam * (x1 + x2)) - sp(lam * (x1 - x2))
               - sp(-lam * (x1 - x2))) / (4 * lam**2 * 0.25)  # (5.14)
    np.testing.assert_allclose(gate.forward(X)[:, 0], by_hand, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation, shift", [(mb.Softplus, 0.0), (mb.Sigmoid, 1.0),
                                               (mb.Tanh, 0.5), (mb.Arctan(), 0.7)])
def test_gate_error_vanishes_quadratically(activation, shift):
    X = grid()
    errors = [np.max(np.abs(multiplication_gate(lam, activation, shift).forward(X)[:, 0]
                            - X[:, 0] * X[:, 1])) for lam in (1e-1, 1e-2, 1e-3)]
    assert errors[2] < 1e-5
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert np.all((ratios > 80) & (ratios < 120)), ratios  # λ² : a factor 100 per decade


def test_gate_leading_error_term_softplus():
    # softplus'' = σ(1−σ) = 1/4 and softplus'''' = σ(1−σ)(1−6σ+6σ²) = −1/8 at 0, so
    # f_θ = x1x2 (1 + λ²(x1² + x2²) σ''''/(6σ'') + O(λ⁴)) = x1x2 (1 − λ²(x1² + x2²)/12 + ...)
    lam = 1e-2
    X = np.array([[1.0, 1.0], [0.5, -0.8], [-0.3, 0.9]])
    x1, x2 = X[:, 0], X[:, 1]
    err = multiplication_gate(lam, mb.Softplus).forward(X)[:, 0] - x1 * x2
    np.testing.assert_allclose(err / (lam**2 * x1 * x2 * (x1**2 + x2**2)), -1 / 12, rtol=1e-3)


def test_gate_shift_puts_bias_on_hidden_units():
    gate = multiplication_gate(0.1, mb.Sigmoid(), shift=1.0)
    np.testing.assert_array_equal(gate[0].b, [1.0, 1.0, 1.0, 1.0])
    s = 1 / (1 + np.exp(-1.0))
    np.testing.assert_allclose(gate[2].W[0, 0], 1 / (4 * 0.01 * s * (1 - s) * (1 - 2 * s)))


@pytest.mark.parametrize("activation, shift, error, match", [
    (mb.ReLU(), 0.0, ValueError, "no second_derivative"),
    (mb.Sigmoid(), 0.0, ValueError, "needs σ''\\(shift\\) ≠ 0"),
    (mb.Tanh, 0.0, ValueError, "needs σ''\\(shift\\) ≠ 0"),
    (mb.ELU(), 0.0, ValueError, "not twice differentiable"),
    ("softplus", 0.0, TypeError, "expected an mb activation"),
])
def test_gate_rejects_unusable_activations(activation, shift, error, match):
    with pytest.raises(error, match=match):
        multiplication_gate(0.1, activation, shift)


@pytest.mark.parametrize("lam", [0.0, -0.1, np.nan])
def test_gate_rejects_bad_lambda(lam):
    with pytest.raises(ValueError, match="λ > 0"):
        multiplication_gate(lam, mb.Softplus())


# ---- gate_errors: the gate's largest error against λ (the chapter-03 explorer) -------------------

def test_gate_errors_softplus_match_the_leading_term():
    # f_θ − x1x2 ≈ −λ² x1x2(x1² + x2²)/12 for softplus: largest at x1 = x2 = ±1, value λ²/6
    lams = np.array([1e-3, 1e-2])
    np.testing.assert_allclose(mb.constructions.gate_errors(lams, "softplus"), lams**2 / 6,
                               rtol=1e-3)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_gate_errors_shifted_fall_like_lambda_squared(activation):
    e = mb.constructions.gate_errors([1e-2, 1e-3], activation)
    assert 90 < e[0] / e[1] < 110


def test_gate_errors_rise_again_for_tiny_lambda():
    e = mb.constructions.gate_errors([1e-4, 1e-7], "softplus")
    assert e[1] > 1e3 * e[0]  # round-off, amplified by μ ∝ 1/λ², takes over


def test_gate_errors_rejects_unknown_activation():
    with pytest.raises(ValueError, match="one of"):
        mb.constructions.gate_errors([0.1], "relu")


# ---- product_network: gates composed into x1 x2 ... xn -----------------------------------------

def hypercube_grid(n, points=5):
    g = np.linspace(-1, 1, points)
    return np.stack(np.meshgrid(*[g] * n), axis=-1).reshape(-1, n)


def test_product_network_of_two_inputs_is_the_gate():
    net, gate = product_network(2, 0.1, mb.Softplus()), multiplication_gate(0.1, mb.Softplus())
    assert [type(layer) for layer in net] == [type(layer) for layer in gate]
    np.testing.assert_array_equal(net[0].W, gate[0].W)
    np.testing.assert_array_equal(net[2].W, gate[2].W)


@pytest.mark.parametrize("activation, shift", [(mb.Softplus(), 0.0), (mb.Sigmoid(), 1.0)])
def test_product_network_equals_gates_composed_by_hand(activation, shift):
    lam = 0.05
    gate = multiplication_gate(lam, activation, shift)

    def g(a, b):
        return gate.forward(np.column_stack([a, b]))[:, 0]

    X = np.random.default_rng(3).uniform(-1, 1, size=(50, 8))
    tree = g(g(g(X[:, 0], X[:, 1]), g(X[:, 2], X[:, 3])),
             g(g(X[:, 4], X[:, 5]), g(X[:, 6], X[:, 7])))
    net = product_network(8, lam, activation, shift)
    assert [d.W.shape for d in net.layers[::2]] == [(16, 8), (8, 16), (4, 8), (1, 4)]
    assert all(layer is not net[1] for layer in net.layers[3::2])  # one activation per layer
    np.testing.assert_allclose(net.forward(X)[:, 0], tree, rtol=0, atol=1e-9)
    assert np.max(np.abs(tree - X.prod(axis=1))) < 1e-2


def test_product_network_error_is_quadratic_with_the_predicted_constant():
    # each gate: ab (1 + λ²K(a² + b²)) with K = σ⁗/(6σ″) = −1/12 for softplus at 0; composed
    # twice, the relative error at the corners of [−1, 1]^4 is λ²K(4 + 2) = −λ²/2
    X = hypercube_grid(4)
    errors = []
    for lam in (1e-1, 1e-2):
        err = product_network(4, lam, mb.Softplus()).forward(X)[:, 0] - X.prod(axis=1)
        errors.append(np.max(np.abs(err)))
    np.testing.assert_allclose(errors[1] / 1e-4, 0.5, rtol=1e-3)
    assert 90 < errors[0] / errors[1] < 110


@pytest.mark.parametrize("n", [0, 1, 3, 6, 2.0])
def test_product_network_rejects_sizes_other_than_powers_of_two(n):
    with pytest.raises(ValueError, match="power of 2"):
        product_network(n, 0.1, mb.Softplus())


def test_product_network_keeps_the_gate_checks():
    with pytest.raises(ValueError, match="≠ 0"):
        product_network(4, 0.1, mb.Tanh())


# ---- sawtooth -------------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [1, 2, 3, 5])
def test_sawtooth_is_the_composed_tent_map(depth):
    x = np.linspace(0, 1, 1001)
    t = x.copy()
    for _ in range(depth):
        t = np.where(t <= 0.5, 2 * t, 2 - 2 * t)
    np.testing.assert_allclose(run(sawtooth(depth), x), t, atol=1e-12)
    # 2^depth pieces, each of slope ±2^depth: sample the middle of each piece
    pieces = 2**depth
    mid = (np.arange(pieces) + 0.5) / pieces
    h = 0.1 / pieces
    slopes = (run(sawtooth(depth), mid + h) - run(sawtooth(depth), mid - h)) / (2 * h)
    np.testing.assert_allclose(slopes, 2.0**depth * (-1.0) ** np.arange(pieces), rtol=1e-9)
    assert sum(layer.W.shape[0] for layer in sawtooth(depth).layers[:-2:2]) == 2 * depth


def test_sawtooth_rejects_bad_depth():
    with pytest.raises(ValueError, match="positive integer"):
        sawtooth(0)
