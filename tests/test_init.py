"""mb.init: every initialiser draws with the variance it documents.

The bounds are a few standard errors wide: for n draws of variance v the sample mean has
standard error √(v/n) and the sample variance a relative standard error √(2/n), so an
initialiser whose variance is off by a few percent, or whose mean is not zero, fails."""

import numpy as np
import pytest

import mlpbook as mb

SHAPE = (400, 250)  # (N_out, N_in): 100,000 draws
N = SHAPE[0] * SHAPE[1]
# the variances the docstrings state, written out from the papers, not read from the library
DOCUMENTED = {"xavier": 1 / 250, "he": 2 / 250, "glorot": 2 / (250 + 400)}


def assert_drawn_with_variance(W, var, name):
    assert abs(W.mean()) < 5 * np.sqrt(var / N), name  # 5 standard errors of the mean
    assert W.var() == pytest.approx(var, rel=5 * np.sqrt(2 / N)), name  # 5 of the variance


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_initialisers_have_the_documented_variance(name):
    W = mb.init.get(name)(SHAPE, rng=np.random.default_rng(0))
    assert W.shape == SHAPE and W.dtype == np.float64
    assert_drawn_with_variance(W, DOCUMENTED[name], name)
    assert mb.init.VARIANCES[name](250, 400) == pytest.approx(DOCUMENTED[name], rel=1e-15)


def test_every_scaled_initialiser_is_checked_here():
    assert set(mb.init.VARIANCES) == set(DOCUMENTED)
    assert set(mb.init.INITIALIZERS) == set(DOCUMENTED) | {"zeros", "constant", "normal"}


@pytest.mark.parametrize("std", [1.0, 0.1, 3.0])
def test_normal_draws_with_the_given_standard_deviation(std):
    W = mb.init.normal(SHAPE, rng=np.random.default_rng(1), std=std)
    assert_drawn_with_variance(W, std**2, f"normal(std={std})")


def test_constant_initialisers_and_dtypes():
    assert np.all(mb.init.zeros((2, 3)) == 0)
    assert np.all(mb.init.constant((2, 3), value=0.5) == 0.5)
    for name in mb.init.INITIALIZERS:
        assert mb.init.get(name)((3, 2), rng=0, dtype=np.float32).dtype == np.float32, name


def test_the_same_seed_gives_the_same_weights_and_another_seed_others():
    a, b, c = (mb.init.he((5, 4), rng=seed) for seed in (0, 0, 1))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
