"""Chapter 11 (regularization and dropout): the library helpers the chapter calls."""

import numpy as np
import pytest

import mlpbook as mb


def test_overfit_sensitivity_is_small_and_vanishes_without_a_perturbation():
    assert mb.experiments.overfit_sensitivity(rel=0.0) < 1e-12
    assert 0 < mb.experiments.overfit_sensitivity(rel=1e-6, seed=3) < 1e-3


def test_calibration_summary_on_three_hand_made_predictions():
    model = mb.Sequential(mb.Dense(1, 1, rng=0))
    model.layers[0].W[...], model.layers[0].b[...] = 1.0, 0.0      # logit = x
    X = np.array([[2.0], [-1.0], [3.0]])
    y = np.array([[1.0], [1.0], [0.0]])                            # right, wrong, wrong
    r = mb.experiments.calibration_summary({"m": model}, X, y)["m"]
    bce = np.array([np.log1p(np.exp(-2.0)), np.log1p(np.exp(1.0)), np.log1p(np.exp(3.0))])
    sig = 1 / (1 + np.exp(-X[:, 0]))
    confidence = np.maximum(sig, 1 - sig)
    assert r["mistakes"] == 2
    assert r["per correct"] == pytest.approx(bce[0])
    assert r["per mistake"] == pytest.approx(bce[1:].mean())
    assert r["loss"] == pytest.approx(bce.mean())
    assert r["confidence"] == pytest.approx(confidence.mean())
    np.testing.assert_allclose(r["outcomes"][0], confidence)
    np.testing.assert_array_equal(r["outcomes"][1], [1.0, 0.0, 0.0])
    assert r["ECE"] == pytest.approx(
        mb.metrics.expected_calibration_error(confidence, np.array([1.0, 0.0, 0.0])))
