"""Exercise set 12: the network for permuted pixels and classes gives the renamed logits of the
original network, and its hidden units are those of the original."""

import numpy as np

from mlpbook.grading import get_question


def logits(X, weights, biases, upto=None):
    A = X
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        A = A @ W.T + b
        if ell < len(weights) - 1:
            A = np.maximum(A, 0.0)
        if upto == ell:
            return A
    return A


def test_permute_network_renames_the_logits():
    rng = np.random.default_rng(12)
    for sizes in ([64, 10], [64, 20, 10], [64, 8, 8, 10]):
        weights = [rng.standard_normal((b, a)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
        biases = [rng.standard_normal(b) for b in sizes[1:]]
        pixels, classes = rng.permutation(64), rng.permutation(10)
        W2, b2 = get_question("12.permute_network").reference(weights, biases, pixels, classes)
        X = rng.random((25, 64))
        old, new = logits(X, weights, biases), logits(X[:, pixels], W2, b2)
        for k in range(10):
            np.testing.assert_allclose(new[:, classes[k]], old[:, k], rtol=1e-12, atol=1e-12)
        if len(sizes) > 2:  # the hidden units are unchanged
            np.testing.assert_allclose(logits(X[:, pixels], W2, b2, upto=0),
                                       logits(X, weights, biases, upto=0), rtol=1e-12)


def test_permute_network_cases_tell_a_permutation_from_its_inverse():
    for c in get_question("12.permute_network").make_cases():
        _, _, pixels, classes = c.args
        for p in (pixels, classes):
            assert not np.array_equal(p, np.argsort(p))
