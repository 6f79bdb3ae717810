"""Exercise set 07: the new question (forward mode) against a central difference and against
reverse mode, and the cases that catch the usual slips of the backward rules."""

from itertools import pairwise

import numpy as np
import pytest

import mlpbook as mb
from mlpbook.grading import get_question


def ref(qid):
    return get_question(qid).reference


def network(rng, sizes):
    return ([rng.standard_normal((b, a)) for a, b in pairwise(sizes)],
            [rng.standard_normal(b) * 0.3 for b in sizes[1:]])


def output(Ws, bs, X):
    A = X
    for ell, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        A = A @ W.T + b
        A = np.tanh(A) if ell < len(Ws) - 1 else A
    return A


@pytest.mark.parametrize("sizes", [(3, 2), (3, 5, 2), (4, 6, 3, 1)])
def test_forward_mode_is_the_derivative_along_the_direction(sizes):
    rng = np.random.default_rng(len(sizes))
    (Ws, bs), (dWs, dbs) = network(rng, sizes), network(rng, sizes)
    X = rng.standard_normal((7, sizes[0]))

    def moved(t):
        return output([W + t * d for W, d in zip(Ws, dWs, strict=True)],
                      [b + t * d for b, d in zip(bs, dbs, strict=True)], X)

    h = 1e-5
    central = (moved(h) - moved(-h)) / (2 * h)
    np.testing.assert_allclose(ref("07.forward_mode")(Ws, bs, X, dWs, dbs), central, rtol=1e-7,
                               atol=1e-9)


def test_forward_mode_agrees_with_reverse_mode():
    """⟨Ȳ, Ẏ⟩ = ⟨∇θ ⟨Ȳ, Ŷ⟩, θ̇⟩: one forward pass against the library's backward pass."""
    rng = np.random.default_rng(5)
    sizes = (4, 6, 5, 3)
    net = mb.Sequential(mb.Dense(4, 6, rng=rng), mb.Tanh(), mb.Dense(6, 5, rng=rng), mb.Tanh(),
                        mb.Dense(5, 3, rng=rng))
    dense = [layer for layer in net.layers if isinstance(layer, mb.Dense)]
    dWs, dbs = network(rng, sizes)
    X, Ybar = rng.standard_normal((8, 4)), rng.standard_normal((8, 3))
    net.forward(X)
    net.backward(Ybar)
    reverse = sum(np.sum(d.dW * dW) + np.sum(d.db * db)
                  for d, dW, db in zip(dense, dWs, dbs, strict=True))
    Ydot = ref("07.forward_mode")([d.W for d in dense], [d.b for d in dense], X, dWs, dbs)
    assert np.sum(Ybar * Ydot) == pytest.approx(reverse, rel=1e-12)


def test_a_global_maximum_breaks_the_softmax_on_a_public_case():
    q = get_question("07.softmax_ce_backward")
    Z = next(c.args[0] for c in q.make_cases() if c.label == "rows on very different scales")
    with np.errstate(all="ignore"):
        E = np.exp(Z - Z.max())
        assert np.isnan(E / E.sum(axis=1, keepdims=True)).any()


def test_the_reverse_of_a_breadth_first_search_fails_a_public_case():
    q = get_question("07.topological_order")
    c = next(c for c in q.make_cases() if c.label.startswith("a node reached by"))
    parents, root = c.args
    order, queue = [], [root]
    while queue:
        name = queue.pop(0)
        if name not in order:
            order.append(name)
            queue += parents.get(name, [])
    assert q.verify(c.args, order[::-1], None) is not None
    assert q.verify(c.args, ref("07.topological_order")(parents, root), None) is None
