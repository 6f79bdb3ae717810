"""The helpers chapter 06 (backpropagation) calls from mlpbook.experiments."""

import numpy as np
import pytest

from mlpbook.experiments import bunescu_softmax, shortest_time
from mlpbook.gradcheck import numerical_gradient, rel_error


def test_shortest_time_returns_the_result_and_a_nonnegative_time():
    calls = []
    result, seconds = shortest_time(lambda a, b: calls.append(1) or a + b, 2, 3, repeats=4)
    assert result == 5 and len(calls) == 4 and 0 <= seconds < 1
    with pytest.raises(ValueError, match="repeats"):
        shortest_time(lambda: None, repeats=0)


def _network(rng):
    sizes = {1: 3, 2: 5, 3: 4, 4: 2}
    W = {l: rng.standard_normal((sizes[l + 1], sizes[l])) for l in range(1, 4)}
    b = {l: rng.standard_normal(sizes[l + 1]) for l in range(1, 4)}
    return W, b


def test_bunescu_softmax_gives_the_cross_entropy_gradients():
    rng = np.random.default_rng(0)
    W, b = _network(rng)
    x, label = rng.standard_normal(3), 1
    delta, a = bunescu_softmax(W, b, x, label, levels=[3, 2])
    assert np.isclose(a[4].sum(), 1.0)

    def J():
        return -np.log(bunescu_softmax(W, b, x, label, levels=[])[1][4][label])

    for l in (1, 2, 3):
        grad = np.outer(delta[l + 1], a[l])
        assert rel_error(grad, numerical_gradient(J, W[l])) < 1e-7


def test_bunescu_softmax_shows_the_slips_as_errors():
    rng = np.random.default_rng(1)
    W, b = _network(rng)
    x = rng.standard_normal(3)
    with pytest.raises(KeyError):          # W(l + 1) at the first step: there is no W(4)
        bunescu_softmax(W, b, x, 0, levels=[3, 2], shift=1)
    with pytest.raises(KeyError):          # a loop that skips n_l − 1
        bunescu_softmax(W, b, x, 0, levels=[3, 1])
