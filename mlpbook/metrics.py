"""Classification metrics: the confusion matrix (from labels) and calibration (from predicted
probabilities: does a predicted 0.9 come true nine times in ten?)."""

from __future__ import annotations

import numpy as np

__all__ = ["confusion_matrix", "reliability", "expected_calibration_error"]


def _labels(y, name: str, n_classes: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise ValueError(f"confusion_matrix: expected {name} as a 1-D array of integer labels; got "
                         f"shape {y.shape}, dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"confusion_matrix: {name} must lie in [0, {n_classes - 1}]; got "
                         f"values in [{y.min()}, {y.max()}]")
    return y


def confusion_matrix(y_true, y_pred, n_classes: int) -> np.ndarray:
    """Counts C (n_classes, n_classes) with C[i, j] = number of samples of class i predicted as j.

    The diagonal holds the correct predictions, so ``trace(C) / C.sum()`` is the accuracy and
    ``diag(C) / C.sum(axis=1)`` the recall of each class."""
    y_true = _labels(y_true, "y_true", n_classes)
    y_pred = _labels(y_pred, "y_pred", n_classes)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"confusion_matrix: y_true has {y_true.shape[0]} labels but y_pred has "
                         f"{y_pred.shape[0]}")
    return np.bincount(n_classes * y_true + y_pred, minlength=n_classes**2).reshape(
        n_classes, n_classes)


def _probabilities_and_outcomes(p, y, who: str):
    p, y = np.asarray(p, dtype=float), np.asarray(y)
    if p.ndim != 1 or y.shape != p.shape:
        raise ValueError(f"{who}: expected p and y as 1-D arrays of the same length; got shapes "
                         f"{p.shape} and {y.shape}")
    if p.size == 0 or not np.all((p >= 0) & (p <= 1)):
        raise ValueError(f"{who}: p must be probabilities in [0, 1] (at least one); got "
                         f"{p.size} values" + (f" in [{p.min()}, {p.max()}]" if p.size else ""))
    if not np.all((y == 0) | (y == 1)):
        raise ValueError(f"{who}: y must hold the outcomes 0 and 1; got values {np.unique(y)}")
    return p, y.astype(float)


def reliability(p, y, n_bins: int = 10):
    """The points of a reliability diagram for binary predictions.

    ``p`` (n,): predicted probabilities of class 1; ``y`` (n,): outcomes 0/1. The interval [0, 1]
    is cut into ``n_bins`` equal bins (p = 1 goes to the last). Returns three arrays (n_bins,):
    the mean predicted probability in each bin, the observed frequency of class 1 in it (both
    NaN for an empty bin), and the number of predictions in it. A calibrated model has mean
    prediction ≈ observed frequency in every bin."""
    p, y = _probabilities_and_outcomes(p, y, "reliability")
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"reliability: n_bins must be a positive integer; got {n_bins!r}")
    bins = np.minimum((p * n_bins).astype(np.int64), n_bins - 1)
    count = np.bincount(bins, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_p = np.bincount(bins, weights=p, minlength=n_bins) / count
        frequency = np.bincount(bins, weights=y, minlength=n_bins) / count
    return mean_p, frequency, count


def expected_calibration_error(p, y, n_bins: int = 10) -> float:
    """Σ_bins (count/n)·|mean prediction − observed frequency| over the bins of ``reliability``:
    the average distance, weighted by the predictions, between what a model predicts and what
    happens. 0 for a calibrated model."""
    mean_p, frequency, count = reliability(p, y, n_bins)
    full = count > 0
    return float(np.sum(count[full] * np.abs(mean_p[full] - frequency[full])) / count.sum())
