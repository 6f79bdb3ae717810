"""mlpbook.layers: the dense layer against finite differences and the book's convention, and the
layer protocol every layer follows (backward(dout, input_grad=False) returns None)."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook.gradcheck import check_layer


def test_dense_gradcheck_with_random_upstream_gradient():
    rng = np.random.default_rng(0)
    for bias in (True, False):
        layer = mb.Dense(5, 3, bias=bias, rng=rng)
        errors = check_layer(layer, rng.standard_normal((4, 5)), rng=rng)
        assert max(errors.values()) < 1e-7
        assert set(errors) == ({"input", "W", "b"} if bias else {"input", "W"})


def test_dense_shapes_and_the_book_convention():
    rng = np.random.default_rng(0)
    layer = mb.Dense(4, 5, rng=rng)
    assert layer.W.shape == (5, 4) and layer.b.shape == (5,)
    X = rng.standard_normal((3, 4))
    Z = layer.forward(X)
    # rows are samples: each row is the book's column z = W x + b
    for i in range(3):
        np.testing.assert_allclose(Z[i], layer.W @ X[i] + layer.b)


# ---- the layer protocol: input_grad --------------------------------------------------------------

EVERY_LAYER = [
    lambda: mb.Dense(3, 3, rng=0), lambda: mb.BatchNorm(3), lambda: mb.PReLU(n=3),
    lambda: mb.Dropout(0.7, rng=0), lambda: mb.Softmax(), lambda: mb.Sequential(mb.Tanh()),
] + [lambda s=s: s.make() for s in mb.activations.ACTIVATIONS.values()]


@pytest.mark.parametrize("make", EVERY_LAYER)
def test_every_layer_takes_input_grad(make):
    """backward(dout, input_grad=False) returns None and fills the same parameter gradients."""
    rng = np.random.default_rng(2)
    layer = make()
    X, G = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    layer.forward(X, training=True)
    dX = layer.backward(G)
    full = [p.grad.copy() for p in layer.parameters()]
    layer.zero_grad()
    assert layer.backward(G, input_grad=False) is None and dX.shape == X.shape
    for g, p in zip(full, layer.parameters(), strict=True):
        np.testing.assert_array_equal(g, p.grad)


def test_a_layer_whose_backward_ignores_the_protocol_is_refused_at_once():
    with pytest.raises(TypeError, match=r"backward must accept input_grad"):
        class Old(mb.Layer):
            def backward(self, dout):
                return dout

    class New(mb.Layer):
        def backward(self, dout, input_grad=True):
            return dout if input_grad else None

    class Flexible(mb.Layer):
        def backward(self, dout, **options):
            return dout

    assert New().backward(1.0, input_grad=False) is None and Flexible().backward(2.0) == 2.0
