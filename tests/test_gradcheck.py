"""The gradient checker itself: exact on known functions, and able to catch a wrong backward."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook.gradcheck import check_layer, check_model, grad_error, numerical_gradient, rel_error


def test_numerical_gradient_of_a_known_function_restores_x():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    before = x.copy()
    g = numerical_gradient(lambda: float(np.sum(np.sin(x) * x**2)), x)
    np.testing.assert_allclose(g, np.cos(x) * x**2 + 2 * x * np.sin(x), rtol=1e-9)
    assert np.array_equal(x, before)


def test_rel_error():
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert rel_error([1.0], [-1.0]) == 1.0
    with pytest.raises(ValueError, match="shapes"):
        rel_error(np.zeros(2), np.zeros(3))


class WrongTanh(mb.Tanh):
    """A tanh layer with a subtly wrong backward pass (forgets the square)."""

    def backward(self, dA, input_grad=True):
        return dA * (1 - self.A)


def test_checks_catch_a_wrong_backward():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 3))
    assert check_layer(WrongTanh(), X, rng=rng)["input"] > 1e-3
    model = mb.Sequential(mb.Dense(3, 4, rng=rng), WrongTanh(), mb.Dense(4, 2, rng=rng))
    errors = check_model(model, mb.SquaredLoss(), X, rng.standard_normal((5, 2)))
    assert errors["0.W"] > 1e-3 and errors["2.W"] < 1e-7  # only layers below the bug are wrong


def test_numerical_gradient_rejects_what_it_cannot_perturb():
    with pytest.raises(TypeError, match="floating"):
        numerical_gradient(lambda: 0.0, np.arange(3))


def test_an_exactly_zero_gradient_passes_by_its_absolute_error():
    """A bias before batch norm has gradient exactly 0 (the batch mean removes it): its finite
    differences are pure round-off, so a relative error alone says 1.0 for a correct model."""
    rng = np.random.default_rng(0)
    for n in (5, 50):
        model = mb.Sequential(mb.Dense(3, 4, rng=rng), mb.BatchNorm(4), mb.Tanh(),
                              mb.Dense(4, 2, rng=rng))
        X, y = rng.standard_normal((n, 3)), rng.standard_normal((n, 2))
        errors = check_model(model, mb.SquaredLoss(), X, y, training=True)
        assert max(errors.values()) < 1e-7, errors
        bias = errors["0.b"]
        assert bias.decided_by == "absolute" and bias.absolute < 1e-10
        assert "absolute error" in bias.describe() and bias.floor > 0
        assert errors["0.W"].decided_by == "relative"
        assert float(errors["0.W"]) == errors["0.W"].relative


def test_the_floor_never_hides_a_wrong_gradient():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((5, 3))
    model = mb.Sequential(mb.Dense(3, 4, rng=rng), WrongTanh(), mb.Dense(4, 2, rng=rng))
    model[0].W *= 1e-3  # small weights: small, and wrong, gradients below
    errors = check_model(model, mb.SquaredLoss(), X, rng.standard_normal((5, 2)))
    assert errors["0.W"] > 1e-5  # far above the bar of 1e-7
    small = grad_error([1e-5, 0.0], [2e-5, 0.0], floor=1e-3)  # 100% wrong, below the floor
    assert small.decided_by == "absolute" and small == pytest.approx(1e-2)
    assert small.relative == pytest.approx(1 / 3)


def test_grad_errors_are_floats_that_copy_and_pickle():
    import copy
    import pickle

    e = grad_error([1.0, 2.0], [1.0, 2.1])
    assert e == pytest.approx(rel_error([1.0, 2.0], [1.0, 2.1])) and repr(e) == repr(float(e))
    for again in (copy.deepcopy(e), pickle.loads(pickle.dumps(e))):
        assert again == e and again.absolute == e.absolute and again.decided_by == "relative"


def test_below_prints_the_bound_and_fails_above_it_or_on_nan():
    from mlpbook.gradcheck import below

    assert below(3.2e-11, 1e-9) == "relative error < 1e-9"
    assert below(0.0, 1e-12, "largest gap") == "largest gap < 1e-12"
    assert below(-1.0, 0.5, "x") == "x < 5e-1"
    for bad in (1e-9, 2e-9, float("nan")):
        with pytest.raises(AssertionError, match="not below"):
            below(bad, 1e-9)
