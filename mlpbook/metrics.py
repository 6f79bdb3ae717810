"""Classification metrics computed from labels: the confusion matrix and what it gives."""

from __future__ import annotations

import numpy as np

__all__ = ["confusion_matrix"]


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
