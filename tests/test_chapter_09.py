"""The functions chapter 09 calls from mb.experiments: the W = wI chain of (5.34)–(5.35), the
optimizer wrapper that clips before every step, and the network whose signal explodes."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook.experiments import ClippedOptimizer, exploding_net, identity_chain


@pytest.mark.parametrize("w", [0.5, 1.0, 1.5])
def test_identity_chain_computes_w_to_the_power(w):
    L, x = 12, np.array([[0.6, -0.2], [1.0, 2.0]])
    net = identity_chain(w, L)
    assert len(net.layers) == L
    assert all(layer.b is None or not np.any(layer.b) for layer in net.layers)
    np.testing.assert_allclose(net.forward(x)[:, 0], w ** (L - 1) * x.sum(axis=1), rtol=1e-12)


def test_identity_chain_keeps_its_dtype():
    net = identity_chain(0.5, 5, np.float32)
    assert net.forward(np.ones((1, 2), np.float32)).dtype == np.float32


def test_clipped_optimizer_clips_before_the_step():
    point = mb.surfaces.Point([0.0, 0.0])
    opt = ClippedOptimizer(mb.SGD([point], lr=1.0), mb.clip_grad_norm, 1.0)
    point.grad[...] = [30.0, 40.0]
    opt.step()
    np.testing.assert_allclose(point.value, [-0.6, -0.8], rtol=1e-12)
    opt.zero_grad()
    assert not np.any(point.grad)
    value = ClippedOptimizer(mb.SGD([point], lr=1.0), mb.clip_grad_value, 0.5)
    point.grad[...] = [3.0, -0.1]
    value.step()
    np.testing.assert_allclose(point.value, [-1.1, -0.7], rtol=1e-12)


def test_exploding_net_doubles_the_variance_and_is_reproducible():
    a, b = exploding_net(seed=3), exploding_net(seed=3)
    assert all(np.array_equal(p.value, q.value)
               for p, q in zip(a.parameters(), b.parameters(), strict=True))
    dense = [layer for layer in a.layers if isinstance(layer, mb.Dense)]
    assert len(dense) == 8 and dense[0].W.shape == (32, 1) and dense[-1].W.shape == (1, 32)
    hidden = np.concatenate([layer.W.ravel() for layer in dense[1:-1]])
    assert abs(hidden.var() * 32 / 4 - 1) < 0.1  # variance 4/N
