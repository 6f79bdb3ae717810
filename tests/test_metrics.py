"""mb.metrics.confusion_matrix against a direct count and against scikit-learn."""

import numpy as np
import pytest

from mlpbook.metrics import confusion_matrix


def test_confusion_matrix_counts_pairs():
    from sklearn.metrics import confusion_matrix as sk_confusion_matrix  # (slow to import)

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


def test_reliability_bins_by_hand():
    from mlpbook.metrics import expected_calibration_error, reliability

    p = np.array([0.05, 0.15, 0.12, 0.95, 1.0, 0.55])
    y = np.array([0, 1, 0, 1, 0, 1])
    mean_p, freq, count = reliability(p, y, n_bins=10)
    assert count.tolist() == [1, 2, 0, 0, 0, 1, 0, 0, 0, 2]  # p = 1 falls in the last bin
    assert mean_p[1] == pytest.approx(0.135) and freq[1] == 0.5
    assert mean_p[9] == pytest.approx(0.975) and freq[9] == 0.5
    assert np.isnan(mean_p[2]) and np.isnan(freq[2])
    ece = (1 * 0.05 + 2 * abs(0.135 - 0.5) + 1 * 0.45 + 2 * abs(0.975 - 0.5)) / 6
    assert expected_calibration_error(p, y, n_bins=10) == pytest.approx(ece)


def test_calibrated_predictions_have_a_small_calibration_error():
    from mlpbook.metrics import expected_calibration_error

    rng = np.random.default_rng(0)
    p = rng.uniform(size=20000)
    y = (rng.uniform(size=p.size) < p).astype(int)  # outcomes drawn with the predicted odds
    assert expected_calibration_error(p, y) < 0.02
    overconfident = np.where(p > 0.5, 1.0, 0.0)  # same decisions, certainty instead of odds
    assert expected_calibration_error(overconfident, y) > 0.2


@pytest.mark.parametrize("p, y, match", [
    (np.array([0.2, 1.2]), np.array([0, 1]), "probabilities"),
    (np.array([0.2, 0.4]), np.array([0, 2]), "outcomes 0 and 1"),
    (np.array([0.2, 0.4]), np.array([0, 1, 1]), "same length"),
    (np.zeros((2, 2)), np.zeros((2, 2)), "1-D"),
])
def test_reliability_rejects_bad_input(p, y, match):
    from mlpbook.metrics import reliability

    with pytest.raises(ValueError, match=match):
        reliability(p, y)
