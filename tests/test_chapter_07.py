"""The library functions behind chapter 07 (automatic differentiation): forward mode,
``mb.autodiff.jvp``, against finite differences and against reverse mode."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook.autodiff import jvp


def model(bias=True):
    return mb.Sequential(mb.Dense(4, 5, bias=bias, rng=0), mb.Tanh(),
                         mb.Dense(5, 3, bias=bias, rng=1), mb.Sigmoid())


@pytest.mark.parametrize("bias", [True, False])
def test_jvp_is_the_directional_derivative(bias):
    net = model(bias)
    rng = np.random.default_rng(2)
    X = rng.standard_normal((6, 4))
    v = {p.name: rng.standard_normal(p.shape) for p in net.parameters()}
    out, dout = jvp(net, X, v)
    assert out.shape == dout.shape == (6, 3)
    assert np.allclose(out, net.forward(X), rtol=1e-14, atol=0)
    h = 1e-6
    shifted = []
    for sign in (1, -1):
        for p in net.parameters():
            p.value += sign * h * v[p.name]
        shifted.append(net.forward(X))
        for p in net.parameters():
            p.value -= sign * h * v[p.name]
    assert np.allclose(dout, (shifted[0] - shifted[1]) / (2 * h), rtol=1e-6, atol=1e-9)


def test_jvp_matches_reverse_mode_and_treats_missing_entries_as_zero():
    net = model()
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    loss = mb.SquaredLoss()
    loss.forward(net.forward(X), Y)
    net.backward(loss.backward())
    first = net.parameters()[0]
    v = {first.name: rng.standard_normal(first.shape)}  # every other entry is zero
    out, dout = jvp(net, X, v)
    directional = np.sum((out - Y) * dout) / len(X)
    assert np.isclose(directional, np.sum(first.grad * v[first.name]), rtol=1e-12)
    assert np.array_equal(jvp(net, X, {})[1], np.zeros((6, 3)))
