"""mb.metrics.confusion_matrix against a direct count and against scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix as sk_confusion_matrix

from mlpbook.metrics import confusion_matrix


def test_confusion_matrix_counts_pairs():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    cm = confusion_matrix(y_true, y_pred, 4)
    expected = np.zeros((4, 4), dtype=int)
    for t, p in zip(y_true, y_pred, strict=True):
        expected[t, p] += 1
    np.testing.assert_array_equal(cm, expected)
    np.testing.assert_array_equal(cm, sk_confusion_matrix(y_true, y_pred, labels=range(4)))
    assert np.trace(cm) == np.sum(y_true == y_pred)


def test_confusion_matrix_keeps_absent_classes():
    cm = confusion_matrix(np.array([0, 0, 2]), np.array([0, 2, 2]), 4)
    np.testing.assert_array_equal(cm, [[1, 0, 1, 0], [0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]])


@pytest.mark.parametrize("y_true, y_pred, match", [
    (np.array([0, 3]), np.array([0, 1]), r"y_true must lie in \[0, 2\]; got values in \[0, 3\]"),
    (np.array([0, 1]), np.array([-1, 1]), r"y_pred must lie in \[0, 2\]"),
    (np.array([0, 1]), np.array([0, 1, 1]), "y_true has 2 labels but y_pred has 3"),
    (np.array([0.0, 1.0]), np.array([0, 1]), "integer labels"),
    (np.array([[0, 1]]), np.array([0, 1]), "1-D array"),
])
def test_confusion_matrix_rejects_bad_labels(y_true, y_pred, match):
    with pytest.raises(ValueError, match=match):
        confusion_matrix(y_true, y_pred, 3)
