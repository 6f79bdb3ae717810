"""The library helpers of chapter 04 (activation functions)."""

import numpy as np

import mlpbook as mb
from mlpbook.experiments import derivative_errors


def test_derivative_errors_are_small_for_the_library_activations():
    z = np.linspace(-4, 4, 400)  # avoids z = 0
    first, second = derivative_errors(mb.Sigmoid(), z)
    assert first < 1e-8 and second < 1e-8
    first, second = derivative_errors(mb.ReLU(), z)
    assert first < 1e-8 and second is None  # ReLU has no second derivative


def test_derivative_errors_catch_a_wrong_derivative():
    class Off(mb.Tanh):
        def derivative(self, z):
            return super().derivative(z) + 1e-6

        def second_derivative(self, z):
            return super().second_derivative(z) + 1e-3

    first, second = derivative_errors(Off(), np.linspace(-4, 4, 400))
    assert abs(first - 1e-6) < 1e-8 and abs(second - 1e-3) < 1e-6
