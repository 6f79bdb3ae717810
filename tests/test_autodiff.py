"""mb.autodiff: every operation's gradient against central differences, and whole networks against
the layer-by-layer backpropagation of mb.Sequential."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook.autodiff import (
    Tensor,
    from_sequential,
    softmax_cross_entropy,
    squared_loss,
    topological_order,
)
from mlpbook.gradcheck import numerical_gradient, rel_error


def check_gradients(f, *arrays, seed=0):
    """Compare the backward pass of ``out = f(*tensors)`` with central differences of
    C = Σ out ⊙ G for a random upstream gradient G. Returns the largest relative error."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    tensors = [Tensor(a) for a in arrays]
    out = f(*tensors)
    G = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(G)

    def C():
        return float(np.sum(f(*[Tensor(a) for a in arrays]).value * G))

    pairs = list(zip(tensors, arrays, strict=True))
    assert all(t.grad.shape == a.shape for t, a in pairs)
    return max(rel_error(t.grad, numerical_gradient(C, a)) for t, a in pairs)


rng = np.random.default_rng(1)
A34, B34, B4, B31, B14 = (rng.standard_normal(s) for s in [(3, 4), (3, 4), (4,), (3, 1), (1, 4)])
POS34, POS4 = rng.uniform(0.5, 2.0, (3, 4)), rng.uniform(0.5, 2.0, 4)
A234 = rng.standard_normal((2, 3, 4))
M42 = rng.standard_normal((4, 2))

CASES = {
    "add": (lambda a, b: a + b, A34, B34),
    "add (n,k)+(k,)": (lambda a, b: a + b, A34, B4),
    "add (k,)+(n,k)": (lambda a, b: a + b, B4, A34),
    "add (n,k)+(n,1)": (lambda a, b: a + b, A34, B31),
    "add (n,1)+(1,k)": (lambda a, b: a + b, B31, B14),
    "add constant": (lambda a: a + 2.5, A34),
    "radd constant": (lambda a: 2.5 + a, A34),
    "sub (n,k)-(1,k)": (lambda a, b: a - b, A34, B14),
    "rsub constant": (lambda a: 1.0 - a, A34),
    "mul": (lambda a, b: a * b, A34, B34),
    "mul (n,k)*(k,)": (lambda a, b: a * b, A34, B4),
    "mul (n,1)*(n,k)": (lambda a, b: a * b, B31, A34),
    "rmul constant": (lambda a: 3.0 * a, A34),
    "neg": (lambda a: -a, A34),
    "pow 2": (lambda a: a**2, A34),
    "pow 3": (lambda a: a**3, A34),
    "pow -1": (lambda a: a**-1, POS34),
    "div (n,k)/(k,)": (lambda a, b: a / b, A34, POS4),
    "rtruediv": (lambda a: 1.0 / a, POS34),
    "matmul": (lambda a, b: a @ b, A34, M42),
    "matmul with transpose": (lambda a, b: a @ b.T, A34, B34),
    "transpose": (lambda a: a.T, A34),
    "transpose 3-D": (lambda a: a.T, A234),
    "sigmoid": (lambda a: a.sigmoid(), A34),
    "tanh": (lambda a: a.tanh(), A34),
    "relu": (lambda a: a.relu(), A34),
    "exp": (lambda a: a.exp(), A34),
    "log": (lambda a: a.log(), POS34),
    "sum": (lambda a: a.sum(), A34),
    "sum axis 0": (lambda a: a.sum(axis=0), A34),
    "sum axis 1 keepdims": (lambda a: a.sum(axis=1, keepdims=True), A34),
    "sum axis -1": (lambda a: a.sum(axis=-1), A234),
    "sum axes (0, 2)": (lambda a: a.sum(axis=(0, 2)), A234),
    "mean": (lambda a: a.mean(), A34),
    "mean axis 0": (lambda a: a.mean(axis=0), A34),
    "mean axes (0, 2) keepdims": (lambda a: a.mean(axis=(0, 2), keepdims=True), A234),
    "softmax_ce labels mean": (lambda z: softmax_cross_entropy(z, np.array([0, 3, 1])), A34),
    "softmax_ce labels sum": (
        lambda z: softmax_cross_entropy(z, np.array([2, 2, 0]), reduction="sum"), A34),
    "softmax_ce one-hot": (lambda z: softmax_cross_entropy(z, np.eye(4)[[1, 0, 3]]), A34),
    "squared_loss mean": (lambda y, t: squared_loss(y, t), A34, B34),
    "squared_loss sum": (lambda y: squared_loss(y, B34, reduction="sum"), A34),
    "composite": (lambda x, w, b: ((x @ w + b).tanh() * 2.0 - 1.0).exp().mean(), A34, M42,
                  B14[:, :2]),
}


@pytest.mark.parametrize("name", CASES)
def test_operation_gradient_matches_finite_differences(name):
    f, *arrays = CASES[name]
    assert check_gradients(f, *arrays) < 1e-7


def test_a_node_used_twice_receives_both_gradients():
    x = Tensor(np.array([0.3, -1.2, 2.0]))
    (x * x + x * 3.0).sum().backward()  # d/dx (x² + 3x) = 2x + 3
    np.testing.assert_allclose(x.grad, 2 * x.value + 3, rtol=1e-15)


def test_backward_overwrites_instead_of_accumulating():
    x = Tensor(np.array([[1.0, -2.0]]))
    loss = (x * x).sum()
    loss.backward()
    first = x.grad.copy()
    loss.backward()
    np.testing.assert_array_equal(x.grad, first)
    np.testing.assert_array_equal(first, 2 * x.value)


def test_gradient_reaches_through_a_long_chain_without_recursion_limit():
    x = Tensor(np.array([0.5]))
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0001**5000], rtol=1e-10)


def test_topological_order_puts_parents_first_and_root_last():
    out, _ = from_sequential(
        mb.Sequential(mb.Dense(3, 4, rng=0), mb.ReLU(), mb.Dense(4, 2, rng=1)),
        np.ones((2, 3)))
    loss = squared_loss(out, np.zeros((2, 2)))
    order = topological_order(loss)
    position = {id(n): i for i, n in enumerate(order)}
    assert len(position) == len(order) and order[-1] is loss
    assert all(position[id(p)] < position[id(n)] for n in order for p in n.parents)


@pytest.mark.parametrize("name", ["add (n,k)+(k,)", "matmul", "sigmoid", "tanh", "relu", "log",
                                  "mean axis 0", "softmax_ce labels mean", "squared_loss mean",
                                  "div (n,k)/(k,)", "composite"])
def test_float32_stays_float32(name):
    f, *arrays = CASES[name]
    tensors = [Tensor(np.asarray(a, dtype=np.float32)) for a in arrays]
    out = f(*tensors)
    out.backward(np.ones(out.shape, dtype=np.float32))
    assert out.value.dtype == np.float32
    assert all(t.grad.dtype == np.float32 for t in tensors)


def test_a_float32_model_runs_in_float32_and_mixed_dtypes_are_refused():
    model = mb.Sequential(mb.Dense(3, 4, rng=0), mb.Tanh(), mb.Dense(4, 2, rng=1))
    model.astype(np.float32)
    out, leaves = from_sequential(model, np.ones((5, 3)))  # float64 data, like Sequential
    squared_loss(out, np.zeros((5, 2))).backward()
    assert out.value.dtype == np.float32
    assert all(leaf.grad.dtype == np.float32 for leaf in leaves.values())
    with pytest.raises(TypeError, match="dtypes differ"):
        Tensor(np.ones(3, dtype=np.float32)) + Tensor(np.ones(3))
    with pytest.raises(TypeError, match="dtypes differ"):
        Tensor(np.ones((2, 2), dtype=np.float32)) @ Tensor(np.ones((2, 2)))


def test_errors_name_expected_and_given_shapes():
    a, b = Tensor(np.ones((3, 4))), Tensor(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"\(3, 4\) and \(2, 4\) do not broadcast"):
        a + b
    with pytest.raises(ValueError, match=r"expected matrices \(n, k\) @ \(k, m\); got \(3, 4\) @ "
                                         r"\(2, 4\)"):
        a @ b
    with pytest.raises(ValueError, match="needs an upstream gradient"):
        a.backward()
    with pytest.raises(ValueError, match=r"expected a gradient of shape \(3, 4\); got \(4,\)"):
        a.backward(np.ones(4))
    with pytest.raises(ValueError, match=r"integer labels in \[0, 3\]"):
        softmax_cross_entropy(a, np.array([0, 1, 4]))
    with pytest.raises(ValueError, match="one-hot targets of shape"):
        softmax_cross_entropy(a, np.ones((3, 3)))
    with pytest.raises(ValueError, match="reduction must be"):
        squared_loss(a, np.ones((3, 4)), reduction="avg")
    with pytest.raises(TypeError, match="array of numbers"):
        Tensor(["a", "b"])
    with pytest.raises(TypeError, match="not supported"):
        from_sequential(mb.Sequential(mb.Dense(4, 4, rng=0), mb.Softplus()), np.ones((3, 4)))


ACTIVATIONS = [mb.Identity, mb.Sigmoid, mb.Tanh, mb.ReLU]


def random_network(seed):
    """A random Sequential of depth 1-4 with mixed activations, a loss and data for it."""
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(1, 5))
    widths = [int(w) for w in rng.integers(1, 7, depth + 1)]
    widths[-1] = max(widths[-1], 2)
    layers = []
    for ell in range(depth):
        layers.append(mb.Dense(widths[ell], widths[ell + 1], init="normal", rng=rng,
                               bias=bool(rng.random() < 0.8)))
        if ell < depth - 1 or rng.random() < 0.5:
            layers.append(ACTIVATIONS[int(rng.integers(len(ACTIVATIONS)))]())
    n = int(rng.integers(1, 9))
    X = rng.standard_normal((n, widths[0]))
    reduction = ["mean", "sum"][int(rng.integers(2))]
    if seed % 2:
        target = rng.integers(0, widths[-1], n)
        return mb.Sequential(*layers), X, target, mb.CrossEntropyLoss(reduction), \
            lambda out: softmax_cross_entropy(out, target, reduction)
    target = rng.standard_normal((n, widths[-1]))
    return mb.Sequential(*layers), X, target, mb.SquaredLoss(reduction), \
        lambda out: squared_loss(out, target, reduction)


@pytest.mark.parametrize("seed", range(40))
def test_autodiff_agrees_with_sequential_backprop(seed):
    model, X, target, loss, ad_loss = random_network(seed)
    value = loss.forward(model.forward(X), target)
    dX = model.backward(loss.backward())

    x = Tensor(X, name="x")
    out, leaves = from_sequential(model, x)
    C = ad_loss(out)
    C.backward()

    assert abs(float(C.value) - value) <= 1e-12 * max(1.0, abs(value))
    assert rel_error(x.grad, dX) < 1e-10
    assert {p.name for p in model.parameters()} == set(leaves)
    for p in model.parameters():
        assert rel_error(leaves[p.name].grad, p.grad) < 1e-10, p.name


def test_random_networks_cover_depths_one_to_four_and_both_losses():
    nets = [random_network(s) for s in range(40)]
    depths = {sum(isinstance(layer, mb.Dense) for layer in net[0]) for net in nets}
    assert depths == {1, 2, 3, 4}
    assert {type(net[3]) for net in nets} == {mb.CrossEntropyLoss, mb.SquaredLoss}
