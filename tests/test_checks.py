"""mlpbook._checks: the scalar arguments of every constructor, and inputs that are not real
numbers."""

import warnings

import numpy as np
import pytest

import mlpbook as mb


@pytest.mark.parametrize("build", [
    lambda: mb.Step(low=True), lambda: mb.LeakyReLU(eps=True), lambda: mb.PReLU(n=True),
    lambda: mb.PReLU(alpha=np.nan), lambda: mb.ELU(alpha="1"), lambda: mb.Swish(beta=np.inf),
    lambda: mb.Dense(True, 3), lambda: mb.Dense(3, False), lambda: mb.BatchNorm(True),
    lambda: mb.BatchNorm(3, momentum=True), lambda: mb.Dropout(True),
    lambda: mb.L2(True), lambda: mb.SGD([mb.Dense(1, 1).parameters()[0]], lr=True),
    lambda: mb.mlp([4, True, 1]),
], ids=["Step", "LeakyReLU", "PReLU n", "PReLU alpha", "ELU", "Swish", "Dense in", "Dense out",
        "BatchNorm n", "BatchNorm momentum", "Dropout", "L2", "SGD", "mlp"])
def test_bools_and_non_numbers_are_refused_as_scalar_arguments(build):
    with pytest.raises(ValueError, match="got (True|False|nan|inf|'1'|\\[4, True, 1\\])"):
        build()


def test_complex_input_is_refused_not_cast():
    Z = np.array([[1.0 + 2.0j, 0.5]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for layer in (mb.ReLU(), mb.Dense(2, 1, rng=0), mb.Sequential(mb.Dense(2, 1, rng=0))):
            with pytest.raises(TypeError, match="complex"):
                layer.forward(Z)
        with pytest.raises(TypeError, match="complex"):
            mb.SquaredLoss().forward(np.zeros((1, 2)), Z)
