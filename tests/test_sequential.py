"""mlpbook.sequential: Sequential and mlp; whole-model gradients, parameters, state, widths and
the summary table.

The property tests build random architectures (depth 1–5, mixed activations) and compare the
library's backward pass with (a) central differences and (b) an independent implementation of
Algorithm 5.2 written below, one sample at a time, in the book's column convention."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook import mlp
from mlpbook.gradcheck import check_model, rel_error

# ---- mlp: the network builder --------------------------------------------------------------------

@pytest.mark.parametrize("bn", [False, True])
def test_mlp_with_and_without_batchnorm_layers_and_parameter_count(bn):
    model = mb.mlp([2, 5, 5, 5, 1], batchnorm=bn, rng=0)
    kinds = [type(layer).__name__ for layer in model.layers]
    block = ["Dense", "BatchNorm", "ReLU"] if bn else ["Dense", "ReLU"]
    assert kinds == block * 3 + ["Dense"]
    hidden = [layer for layer in model.layers[:-1] if isinstance(layer, mb.Dense)]
    assert all((layer.b is None) == bn for layer in hidden)
    weights = 2 * 5 + 5 * 5 + 5 * 5 + 5 * 1
    extra = 3 * 2 * 5 if bn else 3 * 5  # γ and β per unit, or a bias per unit
    assert model.n_params == weights + extra + 1


def test_mlp_uses_he_initialisation():
    model = mb.mlp([2, 400, 400, 1], rng=0)
    W = model.layers[2].W  # 400 -> 400
    assert abs(W.var() * 400 / 2 - 1) < 0.02


def relu(z):
    return np.maximum(z, 0)


@pytest.mark.parametrize("sizes", [[3, 1], [3, 4, 2], [5, 4, 4, 4, 1]])
def test_mlp_computes_the_forward_pass_of_its_sizes(sizes):
    model = mlp(sizes, rng=0)
    dense = [layer for layer in model.layers if isinstance(layer, mb.Dense)]
    pairs = list(zip(sizes[:-1], sizes[1:], strict=True))
    assert [(d.in_features, d.out_features) for d in dense] == pairs
    assert sum(isinstance(layer, mb.ReLU) for layer in model.layers) == len(sizes) - 2
    X = np.random.default_rng(1).standard_normal((7, sizes[0]))
    A = X
    for i, d in enumerate(dense):  # written out: z = a Wᵀ + b, ReLU on every hidden layer
        A = A @ d.W.T + d.b
        if i < len(dense) - 1:
            A = relu(A)
    np.testing.assert_allclose(model.forward(X), A, rtol=1e-13, atol=1e-13)
    assert model.n_params == sum(o * (i + 1) for i, o in pairs)


def test_mlp_seed_activation_and_dtype():
    a, b = mlp([4, 6, 2], rng=3), mlp([4, 6, 2], rng=3)
    pairs = zip(a.parameters(), b.parameters(), strict=True)
    assert all(np.array_equal(p.value, q.value) for p, q in pairs)
    assert isinstance(mlp([4, 6, 2], activation=mb.Tanh).layers[1], mb.Tanh)
    f32 = mlp([4, 6, 2], rng=0, dtype=np.float32)
    assert all(p.value.dtype == np.float32 for p in f32.parameters())
    assert f32.forward(np.ones((2, 4), dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize("sizes", [[4], [], [4, 0, 1], [4, -2], [2]])
def test_mlp_rejects_bad_sizes(sizes):
    with pytest.raises(ValueError, match="mlp: expected at least two positive widths"):
        mlp(sizes)


# ---- Sequential: whole-model gradients, parameters, counts, seeds, dtypes, errors ----------------

# Independent scalar activations and derivatives, as (5.16)–(5.17) and §5.3 write them.
REF = {
    "Identity": (lambda z: z, lambda z: np.ones_like(z)),
    "Sigmoid": (lambda z: 1 / (1 + np.exp(-z)),
                lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    "Tanh": (np.tanh, lambda z: 1 / np.cosh(z) ** 2),
    "ReLU": (lambda z: np.maximum(z, 0), lambda z: (z >= 0) * 1.0),
    "LeakyReLU": (lambda z: np.where(z >= 0, z, 0.01 * z), lambda z: np.where(z >= 0, 1, 0.01)),
    "ELU": (lambda z: np.where(z > 0, z, np.exp(z) - 1), lambda z: np.where(z > 0, 1, np.exp(z))),
    "Softplus": (lambda z: np.log1p(np.exp(z)), lambda z: 1 / (1 + np.exp(-z))),
    "Softsign": (lambda z: z / (1 + abs(z)), lambda z: 1 / (1 + abs(z)) ** 2),
    "Arctan": (np.arctan, lambda z: 1 / (1 + z**2)),
    "Swish": (lambda z: z / (1 + np.exp(-z)),
              lambda z: 1 / (1 + np.exp(-z)) + z * np.exp(-z) / (1 + np.exp(-z)) ** 2),
}
LOSSES = ["squared", "bce_logits", "ce"]


def random_model(rng, depth, n_in, n_out):
    sizes = [n_in] + list(rng.integers(1, 7, depth - 1)) + [n_out]
    layers, acts = [], []
    for i in range(depth):
        layers.append(mb.Dense(int(sizes[i]), int(sizes[i + 1]), init="glorot", rng=rng))
        if i < depth - 1:
            name = str(rng.choice(list(REF)))
            layers.append(getattr(mb, name)())
            acts.append(name)
    return mb.Sequential(*layers), acts


def reference_gradients(model, acts, X, y, loss_name):
    """Algorithm 5.2 per sample, column vectors, W of shape (N_ℓ, N_{ℓ-1}); mean over samples."""
    dense = [layer for layer in model if isinstance(layer, mb.Dense)]
    gW = [np.zeros_like(d.W) for d in dense]
    gb = [np.zeros_like(d.b) for d in dense]
    n = X.shape[0]
    for i in range(n):
        a = [X[i][:, None]]  # a[0] = x
        zs = []
        for ell, d in enumerate(dense):  # forward pass (5.4)
            z = d.W @ a[-1] + d.b[:, None]
            zs.append(z)
            a.append(REF[acts[ell]][0](z) if ell < len(acts) else z)
        zL = zs[-1]
        if loss_name == "squared":
            delta = zL - y[i][:, None]
        elif loss_name == "bce_logits":
            delta = 1 / (1 + np.exp(-zL)) - y[i][:, None]
        else:  # (5.20)
            e = np.exp(zL - zL.max())
            delta = e / e.sum() - np.eye(zL.shape[0])[:, [y[i]]]
        for ell in reversed(range(len(dense))):
            gW[ell] += delta @ a[ell].T / n  # (5.33)
            gb[ell] += delta[:, 0] / n
            if ell > 0:  # (5.32)
                delta = REF[acts[ell - 1]][1](zs[ell - 1]) * (dense[ell].W.T @ delta)
    return gW, gb


def make_loss(name, rng, n, n_out):
    if name == "squared":
        return mb.SquaredLoss(), rng.standard_normal((n, n_out))
    if name == "bce_logits":
        return mb.BCEWithLogitsLoss(), rng.integers(0, 2, (n, n_out)).astype(float)
    return mb.CrossEntropyLoss(), rng.integers(0, n_out, n)


@pytest.mark.parametrize("seed", range(24))
def test_random_architectures_match_algorithm_5_2_and_finite_differences(seed):
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(1, 6))
    n, n_in, n_out = int(rng.integers(1, 9)), int(rng.integers(1, 6)), int(rng.integers(2, 5))
    model, acts = random_model(rng, depth, n_in, n_out)
    loss_name = LOSSES[seed % 3]
    loss, y = make_loss(loss_name, rng, n, n_out)
    X = rng.standard_normal((n, n_in))

    loss.forward(model.forward(X, training=True), y)
    model.backward(loss.backward())
    gW, gb = reference_gradients(model, acts, X, y, loss_name)
    dense = [layer for layer in model if isinstance(layer, mb.Dense)]
    for d, w, b in zip(dense, gW, gb, strict=True):
        assert rel_error(d.dW, w) < 1e-10
        assert rel_error(d.db, b) < 1e-10

    errors = check_model(model, loss, X, y)
    assert max(errors.values()) < 1e-7, errors


def test_parameters_are_the_layer_arrays():
    rng = np.random.default_rng(0)
    model = mb.Sequential(mb.Dense(4, 5, rng=rng), mb.ReLU(), mb.Dense(5, 1, rng=rng))
    params = model.parameters()
    assert [p.name for p in params] == ["0.W", "0.b", "2.W", "2.b"]
    assert params[0].value is model[0].W and params[0].grad is model[0].dW
    params[0].value -= 1.0  # an in-place update reaches the layer
    assert np.all(model[0].W == params[0].value)
    X, y = rng.standard_normal((6, 4)), rng.standard_normal((6, 1))
    loss = mb.SquaredLoss()
    loss.forward(model.forward(X), y)
    model.backward(loss.backward())
    assert params[2].grad is model[2].dW and np.any(params[2].grad != 0)
    model.zero_grad()
    assert all(np.all(p.grad == 0) for p in params)


def test_parameter_counts_of_figure_5_1():
    rng = np.random.default_rng(0)
    a = mb.Sequential(mb.Dense(4, 5, rng=rng), mb.Sigmoid(), mb.Dense(5, 1, rng=rng))
    b = mb.Sequential(mb.Dense(4, 4, rng=rng), mb.ReLU(), mb.Dense(4, 3, rng=rng), mb.ReLU(),
                      mb.Dense(3, 5, rng=rng), mb.ReLU(), mb.Dense(5, 1, rng=rng))
    assert (a.n_params, b.n_params) == (31, 61)  # [MEDL] §5.1


def test_identity_network_collapses_to_one_affine_map():
    """[MEDL] §5.2: W̃ = W[L]⋯W[1] and b̃ = Σ_ℓ (Π_{ℓ̃>ℓ} W[ℓ̃]) b[ℓ]."""
    rng = np.random.default_rng(3)
    sizes = [3, 6, 4, 5, 2]
    dense = [mb.Dense(sizes[i], sizes[i + 1], init="normal", rng=rng) for i in range(4)]
    for d in dense:
        d.b[...] = rng.standard_normal(d.b.shape)
    model = mb.Sequential(*[x for d in dense for x in (d, mb.Identity())])
    W_tilde = np.eye(sizes[-1])
    for d in reversed(dense):
        W_tilde = W_tilde @ d.W
    b_tilde = np.zeros(sizes[-1])
    for ell, d in enumerate(dense):
        P = np.eye(sizes[-1])
        for later in reversed(dense[ell + 1:]):
            P = P @ later.W
        b_tilde += P @ d.b
    X = rng.standard_normal((10, 3))
    np.testing.assert_allclose(model.forward(X), X @ W_tilde.T + b_tilde, rtol=1e-12, atol=1e-12)


def test_same_seed_same_model_and_no_global_state():
    def build(seed):
        rng = np.random.default_rng(seed)
        return mb.Sequential(mb.Dense(3, 4, rng=rng), mb.Tanh(), mb.Dense(4, 2, rng=rng))
    np.random.seed(0)  # noqa: NPY002 -- global state must not matter
    a = build(5)
    np.random.seed(1)  # noqa: NPY002 -- global state must not matter
    b = build(5)
    pairs = zip(a.parameters(), b.parameters(), strict=True)
    assert all(np.array_equal(p.value, q.value) for p, q in pairs)


def test_float32_end_to_end():
    rng = np.random.default_rng(0)
    model = mb.Sequential(mb.Dense(4, 8, rng=rng, dtype=np.float32), mb.ReLU(),
                          mb.Dense(8, 3, rng=rng, dtype=np.float32), mb.Softmax())
    X = rng.standard_normal((5, 4))  # float64 input is cast down, never the model up
    out = model.forward(X)
    assert out.dtype == np.float32
    dX = model.backward(np.ones_like(out))
    assert dX.dtype == np.float32
    assert all(p.value.dtype == p.grad.dtype == np.float32 for p in model.parameters())
    m64 = mb.Sequential(mb.Dense(4, 3, rng=rng)).astype(np.float32)
    assert m64[0].W.dtype == np.float32 and m64.forward(X).dtype == np.float32


def test_clear_errors_for_bad_input():
    rng = np.random.default_rng(0)
    model = mb.Sequential(mb.Dense(4, 5, rng=rng), mb.ReLU(), mb.Dense(5, 1, rng=rng))
    with pytest.raises(ValueError, match=r"Dense\(4→5\).*\(n, 4\).*\(10, 3\)"):
        model.forward(np.ones((10, 3)))
    with pytest.raises(ValueError, match=r"2-D.*\(n, 4\).*reshape.*\(4,\)"):
        model.forward(np.ones(4))
    X = np.ones((3, 4))
    X[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"NaN.*\(1, 2\)"):
        model.forward(X)
    X[1, 2] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        model.forward(X)
    with pytest.raises(ValueError, match=r"Dense\(5→1\).*\(3, 1\).*\(3, 2\)"):
        model.forward(np.ones((3, 4)))
        model.backward(np.ones((3, 2)))
    with pytest.raises(TypeError, match="ReLU\\(\\)"):
        mb.Sequential(mb.Dense(2, 2), mb.ReLU)
    with pytest.raises(TypeError, match="numbers"):
        model.forward([["a", "b", "c", "d"]])
    with pytest.raises(ValueError, match="positive integer"):
        mb.Dense(0, 3)
    with pytest.raises(ValueError, match="init"):
        mb.Dense(2, 3, init="uniformish")


def test_backward_without_input_gradient_fills_the_same_parameter_gradients():
    rng = np.random.default_rng(11)
    for first in (mb.Dense(3, 4, rng=rng), mb.Tanh()):
        model = mb.Sequential(first, mb.Dense(first.out_features if hasattr(first, "W") else 3,
                                              2, rng=rng))
        X, y = rng.standard_normal((5, 3)), rng.integers(0, 2, 5)
        loss = mb.CrossEntropyLoss()
        loss.forward(model.forward(X, training=True), y)
        dX = model.backward(loss.backward())
        full = [p.grad.copy() for p in model.parameters()]
        model.zero_grad()
        assert model.backward(loss.backward(), input_grad=False) is None
        assert dX.shape == X.shape
        for g, p in zip(full, model.parameters(), strict=True):
            np.testing.assert_array_equal(g, p.grad)


# ---- through a network: input_grad, state, widths, summary ----


def test_the_first_layer_of_a_network_may_be_any_layer():
    rng = np.random.default_rng(3)
    for first in (mb.BatchNorm(3), mb.PReLU(n=3), mb.Dropout(0.5, rng=0), mb.Sequential(mb.Tanh())):
        model = mb.Sequential(first, mb.Dense(3, 1, rng=rng))
        X = rng.standard_normal((8, 3))
        loss = mb.SquaredLoss()
        loss.forward(model.forward(X, training=True), np.zeros(8))
        assert model.backward(loss.backward(), input_grad=False) is None


def bn_model(seed=0):
    rng = np.random.default_rng(seed)
    return mb.Sequential(mb.Dense(2, 3, rng=rng), mb.BatchNorm(3),
                         mb.Sequential(mb.PReLU(n=3), mb.Dense(3, 1, rng=rng)))


def test_state_names_every_array_of_every_layer_and_is_the_layers_own():
    model = bn_model()
    state = model.state()
    assert list(state) == ["0.W", "0.b", "1.gamma", "1.beta", "1.running_mean",
                           "1.running_var", "2.0.alpha", "2.1.W", "2.1.b"]
    assert state["0.W"] is model[0].W and state["1.running_var"] is model[1].running_var
    assert [p.name for p in model.parameters()] == [k for k in state if "running" not in k]


def test_load_state_copies_a_checked_state_in_place():
    model, other = bn_model(0), bn_model(1)
    W = model[0].W
    model.load_state({k: v.copy() for k, v in other.state().items()})
    assert model[0].W is W  # in place: parameters and optimizers keep pointing at it
    for k, v in other.state().items():
        np.testing.assert_array_equal(model.state()[k], v)


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.pop("1.running_var"), r"missing \['running_var'\]"),
    (lambda s: s.update({"9.W": np.zeros(1)}), r"no arrays \['9.W'\]"),
    (lambda s: s.update({"2.1.W": np.zeros((3, 1))}), r"shape \(1, 3\)"),
    (lambda s: s["2.1.b"].__setitem__(0, np.nan), "NaN"),
    (lambda s: s["1.running_var"].__setitem__(1, -1.0), "must be >= 0"),
])
def test_load_state_refuses_a_bad_state_and_changes_nothing(edit, message):
    model = bn_model()
    before = {k: v.copy() for k, v in model.state().items()}
    state = {k: v + 1.0 for k, v in bn_model(1).state().items()}
    edit(state)
    with pytest.raises(ValueError, match=message):
        model.load_state(state)
    for k, v in before.items():
        np.testing.assert_array_equal(model.state()[k], v)


def test_output_widths_follow_the_layers_and_check_the_input():
    model = mb.Sequential(mb.Dense(4, 5, rng=0), mb.ReLU(), mb.BatchNorm(5), mb.Dense(5, 2, rng=0))
    assert model.output_features(4) == 2 and model.in_features_hint == 4
    assert mb.Sequential(mb.Dropout(0.5), mb.Dense(3, 1)).in_features_hint == 3
    with pytest.raises(ValueError, match=r"Dense\(4→5\): expected input of shape \(n, 4\)"):
        model.output_features(3)

    class Unknown(mb.Layer):  # a layer that does not say what it does to widths
        pass

    assert mb.Sequential(Unknown(), mb.ReLU()).output_features(3) is None


def test_summary_lists_layers_shapes_parameters_and_dtype():
    model = mb.mlp([784, 512, 512, 10], rng=0, dtype=np.float32)
    text = model.summary()
    lines = text.splitlines()
    assert lines[0] == "Sequential: input (n, 784), 669,706 parameters, float32"
    rows = [line.split("  ") for line in lines[4:9]]
    assert [r[0] for r in rows] == ["0", "1", "2", "3", "4"]
    assert "(n, 512)" in lines[4] and "401,920" in lines[4] and "float32" in lines[4]
    assert "ReLU()" in lines[5] and lines[5].rstrip().endswith("0")
    assert "(n, 10)" in lines[8] and "5,130" in lines[8]
    assert lines[-1] == "total parameters: 669,706"
    assert 784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10 == model.n_params == 669_706
    assert repr(text) == str(text)  # a notebook cell ending in model.summary() shows the table
    nested = bn_model().summary(2)
    assert "2.0  PReLU" in nested and "2.1  Dense(3, 1)" in nested
    with pytest.raises(ValueError, match="expected input of shape"):
        model.summary(100)
    with pytest.raises(ValueError, match="in_features must be a positive integer"):
        model.summary(True)
