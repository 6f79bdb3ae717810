"""mb.init: every initialiser draws with the variance it documents."""

import numpy as np
import pytest

import mlpbook as mb


def test_initialisers_have_the_documented_variance():
    rng = np.random.default_rng(0)
    shape = (400, 250)  # (N_out, N_in)
    expected = {"xavier": 1 / 250, "he": 2 / 250, "glorot": 2 / 650, "normal": 1.0}
    for name, var in expected.items():
        W = mb.init.get(name)(shape, rng=rng)
        assert abs(W.mean()) < 0.01 * np.sqrt(var) * 10
        assert W.var() == pytest.approx(var, rel=0.02), name
    assert np.all(mb.init.zeros((2, 3)) == 0)
    assert np.all(mb.init.constant((2, 3), value=0.5) == 0.5)
    assert mb.init.normal((2, 2), rng=0, std=0.1).std() < 1
