"""mb.diagnostics: deep_mlp builds what it says, record_layers returns the forward and backward
quantities of (5.2), (5.31)-(5.33), checked against a recursion written out here and finite
differences, and the initialisation explorer's records shrink, grow or keep their spread as
predicted."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook.diagnostics import deep_mlp, record_layers
from mlpbook.gradcheck import numerical_gradient


def test_deep_mlp_structure():
    model = deep_mlp([5, 7, 3, 4], "ReLU", "he", rng=0)
    dense = model.layers[::2]
    assert [(d.in_features, d.out_features) for d in dense] == [(5, 7), (7, 3), (3, 4)]
    assert all(isinstance(a, mb.ReLU) for a in model.layers[1::2])
    assert all(np.all(d.b == 0) for d in dense)
    assert isinstance(deep_mlp([2, 2], mb.Softsign).layers[1], mb.Softsign)


def test_deep_mlp_uses_the_initialiser():
    model = deep_mlp([400, 400, 400], "tanh", "he", rng=1)
    for d in model.layers[::2]:
        assert d.W.var() == pytest.approx(2 / 400, rel=0.02)


@pytest.mark.parametrize("kwargs, match", [
    ({"widths": [3], "activation": "tanh"}, "L >= 1"),
    ({"widths": [3, 3], "activation": "relu6"}, "activation"),
])
def test_deep_mlp_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        deep_mlp(**kwargs)


def manual_backward(model, X, dout):
    """z, a and δ of every Dense layer of an alternating Dense/activation model, by (5.31)-(5.32)
    written with numpy and the activations' derivative()."""
    dense, acts = model.layers[::2], model.layers[1::2]
    zs, As, A = [], [], X
    for d, act in zip(dense, acts, strict=True):
        z = A @ d.W.T + d.b
        A = act.function(z)
        zs.append(z)
        As.append(A)
    deltas = [None] * len(dense)
    zeta = dout
    for k in reversed(range(len(dense))):
        deltas[k] = zeta * acts[k].derivative(zs[k])  # δ = Diag(σ'(z)) ζ
        zeta = deltas[k] @ dense[k].W  # ζ[ℓ-1] = W[ℓ]ᵀ δ[ℓ]
    return zs, As, deltas


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "ReLU", "identity"])
def test_records_match_the_recursion(activation):
    rng = np.random.default_rng(3)
    model = deep_mlp([4, 6, 5, 3], activation, "xavier", rng=rng)
    for d in model.layers[::2]:
        d.b[...] = rng.standard_normal(d.b.shape)
    X, dout = rng.standard_normal((7, 4)), rng.standard_normal((7, 3))
    records = record_layers(model, X, dout)
    zs, As, deltas = manual_backward(model, X, dout)
    assert len(records) == 3
    for k, r in enumerate(records):
        np.testing.assert_allclose(r.z, zs[k], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(r.a, As[k], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(r.delta, deltas[k], rtol=1e-12, atol=1e-15)
        zeta_next = dout if k == 2 else deltas[k + 1] @ model.layers[2 * (k + 1)].W
        np.testing.assert_allclose(r.zeta, zeta_next, rtol=1e-12, atol=1e-15)
        inputs = X if k == 0 else As[k - 1]
        np.testing.assert_allclose(r.dW, deltas[k].T @ inputs, rtol=1e-12, atol=1e-15)  # (5.33)


def test_dW_is_the_gradient_of_the_contracted_output():
    """With C = Σ dout ⊙ ŷ, ∂C/∂ŷ = dout, so each record's dW is ∂C/∂W[ℓ]."""
    rng = np.random.default_rng(4)
    model = deep_mlp([3, 4, 2], "tanh", "xavier", rng=rng)
    X, dout = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    records = record_layers(model, X, dout)
    for k, d in enumerate(model.layers[::2]):
        fd = numerical_gradient(lambda: np.sum(dout * model.forward(X)), d.W)
        np.testing.assert_allclose(records[k].dW, fd, rtol=1e-7, atol=1e-10)


def test_dense_without_activation_after_it():
    rng = np.random.default_rng(5)
    model = mb.Sequential(mb.Dense(3, 4, rng=rng), mb.Tanh(), mb.Dense(4, 2, rng=rng))
    X, dout = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    last = record_layers(model, X, dout)[-1]
    np.testing.assert_array_equal(last.a, last.z)
    np.testing.assert_array_equal(last.delta, dout)
    np.testing.assert_array_equal(last.zeta, dout)


def test_record_layers_errors():
    model = deep_mlp([3, 2], "tanh", rng=0)
    with pytest.raises(ValueError, match="shape of the output \\(4, 2\\)"):
        record_layers(model, np.zeros((4, 3)), np.zeros((4, 3)))
    nested = mb.Sequential(model, mb.Dense(2, 1, rng=0))
    with pytest.raises(ValueError, match="flat Sequential"):
        record_layers(nested, np.zeros((4, 3)), np.zeros((4, 1)))


def test_dW_is_a_copy():
    model = deep_mlp([3, 2], "tanh", rng=0)
    rec = record_layers(model, np.ones((2, 3)), np.ones((2, 2)))[0]
    model.layers[0].dW[...] = 0
    assert np.any(rec.dW != 0)


# ---- the initialisation explorer's records (chapter 09) ------------------------------------------

def test_initializers_have_the_stated_variance():
    rng = np.random.default_rng(0)
    shape = (300, 200)  # N_out, N_in
    expected = {"normal(1)": 1.0, "normal(0.01)": 1e-4, "xavier": 1 / 200, "he": 2 / 200,
                "glorot": 2 / 500}
    for name, init in mb.diagnostics.INITIALIZERS.items():
        W = mb.Dense(200, 300, init=init, rng=rng).W
        assert W.shape == shape and W.var() == pytest.approx(expected[name], rel=0.02)


def test_init_records_small_weights_shrink_by_the_predicted_factor():
    """normal(0.01), width 100, tanh ≈ identity for tiny inputs: each layer multiplies the
    standard deviation by 0.01·√100 = 0.1, forward (a) and backward (δ)."""
    recs = mb.diagnostics.init_records(depth=6, init="normal(0.01)", activation="tanh",
                                       width=100, n=400)
    a_std = np.array([r.a.std() for r in recs])
    d_std = np.array([r.delta.std() for r in recs])
    np.testing.assert_allclose(a_std[1:] / a_std[:-1], 0.1, rtol=0.1)
    np.testing.assert_allclose(d_std[:-1] / d_std[1:], 0.1, rtol=0.1)


def test_init_records_identity_xavier_keeps_the_variance():
    recs = mb.diagnostics.init_records(depth=8, init="xavier", activation="identity",
                                       width=200, n=400)
    assert all(0.7 < r.a.var() < 1.4 for r in recs)
    assert len(recs) == 8 and recs[0].a.shape == (400, 200)


def test_init_records_is_deterministic_and_checks_names():
    a = mb.diagnostics.init_records(3, "he", "ReLU", width=20, n=10)
    b = mb.diagnostics.init_records(3, "he", "ReLU", width=20, n=10)
    assert all(np.array_equal(x.delta, y.delta) for x, y in zip(a, b, strict=True))
    with pytest.raises(ValueError, match="xavier"):
        mb.diagnostics.init_records(3, "orthogonal", "tanh")
