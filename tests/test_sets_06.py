"""Exercise set 06: the new question (central differences) and the cases that catch the usual
slips, checked against a loop written out here and the exact gradient."""

from itertools import pairwise

import numpy as np
import pytest

from mlpbook.grading import get_question


def ref(qid):
    return get_question(qid).reference


def cost(X, Y, weights, biases):
    A = X
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        Z = A @ W.T + b
        A = Z if ell == len(weights) - 1 else np.tanh(Z)
    return 0.5 * np.sum((A - Y) ** 2) / len(X)


def exact(X, Y, weights, biases):
    As = [X]
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        Z = As[-1] @ W.T + b
        As.append(Z if ell == len(weights) - 1 else np.tanh(Z))
    delta, dWs, dbs = (As[-1] - Y) / len(X), [], []
    for ell in range(len(weights) - 1, -1, -1):
        dWs.insert(0, delta.T @ As[ell])
        dbs.insert(0, delta.sum(axis=0))
        if ell:
            delta = (delta @ weights[ell]) * (1 - As[ell] ** 2)
    return dWs, dbs


def network(rng, sizes):
    return ([rng.standard_normal((b, a)) for a, b in pairwise(sizes)],
            [rng.standard_normal(b) * 0.3 for b in sizes[1:]])


def test_numerical_gradients_are_the_central_quotients():
    rng = np.random.default_rng(60)
    weights, biases = network(rng, [2, 3, 2])
    X, Y, h = rng.standard_normal((4, 2)), rng.standard_normal((4, 2)), 0.3
    dWs, dbs = ref("06.numerical_gradients")(X, Y, weights, biases, h)
    W = weights[0]
    for i, j in np.ndindex(W.shape):
        plus, minus = W.copy(), W.copy()
        plus[i, j] += h
        minus[i, j] -= h
        quotient = (cost(X, Y, [plus, weights[1]], biases)
                    - cost(X, Y, [minus, weights[1]], biases)) / (2 * h)
        assert dWs[0][i, j] == pytest.approx(quotient, rel=1e-12, abs=1e-14)
    assert [d.shape for d in dbs] == [(3,), (2,)]


def test_they_approach_the_exact_gradient_like_h_squared():
    rng = np.random.default_rng(61)
    weights, biases = network(rng, [3, 4, 1])
    X, Y = rng.standard_normal((5, 3)), rng.standard_normal((5, 1))
    dW0 = exact(X, Y, weights, biases)[0][0]
    gaps = [np.abs(ref("06.numerical_gradients")(X, Y, weights, biases, h)[0][0] - dW0).max()
            for h in (0.04, 0.02)]
    assert 3.5 < gaps[0] / gaps[1] < 4.5


def test_the_large_steps_tell_the_quotient_from_the_exact_gradient():
    q = get_question("06.numerical_gradients")
    far = 0
    for c, (dWs, _) in zip(q.make_cases(), q.expected, strict=True):
        exact_dWs, _ = exact(*c.args[:4])
        far += not np.allclose(dWs[0], exact_dWs[0], rtol=q.rtol, atol=q.atol)
    assert far >= 2


def test_mlp_gradients_has_a_case_with_z_exactly_zero():
    [c] = [c for c in get_question("06.mlp_gradients").make_cases() if "z = 0" in c.label]
    X, _, weights, biases = c.args
    assert ((X @ weights[0].T + biases[0]) == 0).any()
