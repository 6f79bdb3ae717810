"""Losses: values against independent formulas, gradients against finite differences, stability for
logits of magnitude 1e4 in float32 and float64, and clear errors for bad targets."""

import warnings

import numpy as np
import pytest

import mlpbook as mb
from mlpbook.gradcheck import numerical_gradient, rel_error

rng = np.random.default_rng(7)


def logistic(z):
    return 1 / (1 + np.exp(-z))


def case(name, n=6, K=3):
    """(loss class, output, target, reference per-sample loss)."""
    if name == "squared":
        Y, T = rng.standard_normal((n, K)), rng.standard_normal((n, K))
        return mb.SquaredLoss, Y, T, lambda Y: 0.5 * ((Y - T) ** 2).sum(axis=1)
    if name == "bce":
        P, T = rng.uniform(0.05, 0.95, (n, K)), rng.integers(0, 2, (n, K)).astype(float)
        return mb.BCELoss, P, T, lambda P: -(T * np.log(P) + (1 - T) * np.log(1 - P)).sum(axis=1)
    if name == "bce_logits":
        Z, T = rng.standard_normal((n, K)) * 3, rng.integers(0, 2, (n, K)).astype(float)
        return mb.BCEWithLogitsLoss, Z, T, lambda Z: -(
            T * np.log(logistic(Z)) + (1 - T) * np.log(1 - logistic(Z))).sum(axis=1)
    if name == "ce_labels":
        Z, k = rng.standard_normal((n, K)) * 3, rng.integers(0, K, n)
        return mb.CrossEntropyLoss, Z, k, lambda Z: (
            np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(n), k])
    if name == "ce_onehot":
        Z, k = rng.standard_normal((n, K)) * 3, rng.integers(0, K, n)
        T = np.eye(K)[k]
        return mb.CrossEntropyLoss, Z, T, lambda Z: (
            np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(n), k])
    raise KeyError(name)


CASES = ["squared", "bce", "bce_logits", "ce_labels", "ce_onehot"]


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("name", CASES)
def test_value_and_gradient(name, reduction):
    cls, Y, T, per_sample = case(name)
    loss = cls(reduction=reduction)
    value = loss.forward(Y, T)
    expected = per_sample(Y).mean() if reduction == "mean" else per_sample(Y).sum()
    assert isinstance(value, float)
    assert abs(value - expected) < 1e-12 * max(1, abs(expected))
    grad = loss.backward()
    numerical = numerical_gradient(lambda: cls(reduction=reduction).forward(Y, T), Y)
    assert rel_error(grad, numerical) < 1e-7


@pytest.mark.parametrize("name", ["bce_logits", "ce_labels"])
def test_fused_gradient_is_prediction_minus_target(name):
    cls, Z, T, _ = case(name)
    loss = cls(reduction="sum")
    loss.forward(Z, T)
    if cls is mb.CrossEntropyLoss:  # (5.20): softmax(z) − e_k
        expected = mb.activations.softmax(Z) - np.eye(Z.shape[1])[T]
    else:
        expected = logistic(Z) - T
    np.testing.assert_allclose(loss.backward(), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls", [mb.BCEWithLogitsLoss, mb.CrossEntropyLoss])
def test_stable_for_huge_logits(cls, dtype):
    Z = np.array([[1e4, -1e4], [-1e4, 1e4], [0.0, 1e4]], dtype=dtype)
    T = np.array([[1, 0], [1, 0], [0, 1]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = cls()
        value = loss.forward(Z, T)
        grad = loss.backward()
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    assert grad.dtype == dtype
    # the confidently wrong second row costs about 2e4 (two labels) or 2e4 (one label, CE)
    assert value == pytest.approx(2e4 / 3, rel=1e-3)


def test_bce_on_saturated_probabilities_is_finite_and_clamped():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = mb.BCELoss()
        value = loss.forward(np.array([[0.0], [1.0]]), np.array([[1.0], [1.0]]))
        grad = loss.backward()
    assert value == pytest.approx(50.0)  # log clamped at −100, mean of 100 and 0
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_stays_float32(dtype):
    for name in CASES:
        cls, Y, T, _ = case(name)
        loss = cls()
        loss.forward(Y.astype(dtype), T)
        assert loss.backward().dtype == dtype


def test_column_target_accepted_for_single_output_but_never_broadcast():
    Y, y = rng.standard_normal((5, 1)), rng.standard_normal(5)
    a = mb.SquaredLoss().forward(Y, y)
    b = mb.SquaredLoss().forward(Y, y[:, None])
    assert a == b
    with pytest.raises(ValueError, match=r"SquaredLoss.*\(5, 1\).*\(4,\)"):
        mb.SquaredLoss().forward(Y, y[:4])
    with pytest.raises(ValueError, match=r"SquaredLoss.*\(5, 2\).*\(5,\)"):
        mb.SquaredLoss().forward(rng.standard_normal((5, 2)), y)


def test_label_errors_name_the_range_and_what_was_given():
    Z = rng.standard_normal((4, 3))
    with pytest.raises(ValueError, match=r"CrossEntropyLoss.*\[0, 2\].*\[0, 3\]"):
        mb.CrossEntropyLoss().forward(Z, np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match=r"CrossEntropyLoss.*-1"):
        mb.CrossEntropyLoss().forward(Z, np.array([0, -1, 2, 1]))
    with pytest.raises(ValueError, match=r"CrossEntropyLoss.*4 labels.*\(3,\)"):
        mb.CrossEntropyLoss().forward(Z, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="non-integer"):
        mb.CrossEntropyLoss().forward(Z, np.array([0, 1.5, 2, 1]))
    with pytest.raises(ValueError, match=r"CrossEntropyLoss.*\(4, 3\).*\(4, 2\)"):
        mb.CrossEntropyLoss().forward(Z, np.eye(2)[[0, 1, 0, 1]])


def test_other_bad_inputs():
    with pytest.raises(ValueError, match="NaN"):
        mb.SquaredLoss().forward(np.zeros((2, 1)), np.array([[0.0], [np.nan]]))
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        mb.BCELoss().forward(np.array([[1.5]]), np.array([[1.0]]))
    with pytest.raises(ValueError, match="2-D"):
        mb.SquaredLoss().forward(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="reduction"):
        mb.SquaredLoss(reduction="avg")
    with pytest.raises(RuntimeError, match="before forward"):
        mb.CrossEntropyLoss().backward()


# ---- targets the losses refuse, and the gradient the caller cannot change ----

@pytest.mark.parametrize("loss, output, target, message", [
    (mb.BCELoss(), np.array([[0.5]]), np.array([2.0]), r"targets in \[0, 1\]"),
    (mb.BCELoss(), np.array([[0.5], [0.5]]), np.array([0.0, -0.5]), r"targets in \[0, 1\]"),
    (mb.BCEWithLogitsLoss(), np.array([[0.5], [0.1]]), np.array([-1.0, 1.0]),
     r"labels −1/\+1\? use \(y \+ 1\) / 2"),
    (mb.CrossEntropyLoss(), np.array([[0.0, 1.0]]), np.array([[-0.5, 1.5]]), "negative entry"),
    (mb.CrossEntropyLoss(), np.array([[0.0, 1.0]]), np.array([[0.5, 0.6]]), "sum to 1"),
    (mb.CrossEntropyLoss(), np.zeros((3, 4)), np.array([[0], [1], [2]]), r"y\.ravel\(\)"),
])
def test_targets_outside_the_loss_domain_are_refused(loss, output, target, message):
    with pytest.raises(ValueError, match=message):
        loss.forward(output, target)
    with pytest.raises(ValueError, match=message):  # the same check, for a whole data set
        loss.check_target(target, output.shape[1])


def test_soft_targets_that_are_probabilities_are_accepted_with_the_right_gradient():
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((4, 3))
    T = np.full((4, 3), 1 / 3)  # uniform rows: entries >= 0 summing to 1 up to round-off
    loss = mb.CrossEntropyLoss()
    fd = numerical_gradient(lambda: loss.forward(Z, T), Z)
    loss.forward(Z, T)
    assert rel_error(loss.backward(), fd) < 1e-8
    mb.BCEWithLogitsLoss().forward(Z, rng.uniform(0, 1, Z.shape))  # probabilities in [0, 1]


@pytest.mark.parametrize("loss, output, target", [
    (mb.SquaredLoss(), np.ones((3, 2)), np.zeros((3, 2))),
    (mb.BCEWithLogitsLoss(), np.ones((3, 1)), np.zeros(3)),
    (mb.CrossEntropyLoss(), np.ones((3, 2)), np.array([0, 1, 1])),
])
def test_the_gradient_returned_by_backward_cannot_be_edited(loss, output, target):
    loss.forward(output, target)
    g = loss.backward()
    before = g.copy()
    with pytest.raises(ValueError, match="read-only"):
        g *= 0
    np.testing.assert_array_equal(loss.backward(), before)
