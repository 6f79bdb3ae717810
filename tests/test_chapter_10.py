"""Chapter 10 (batch normalization): the library helpers the chapter calls."""

import numpy as np

import mlpbook as mb


def test_bn_sensitivity_is_zero_without_a_perturbation():
    assert mb.experiments.bn_sensitivity(0.03, batchnorm=False, rel=0.0) == 0.0


def test_bn_sensitivity_measures_the_change_of_the_final_loss():
    rel = 1e-8
    change = mb.experiments.bn_sensitivity(0.03, batchnorm=True, rel=rel, seeds=(1, 2))
    base = mb.experiments.bn_run(0.03, True).loss[-1]
    again = [mb.experiments.bn_run(0.03, True, nudge=rel, nudge_seed=s).loss[-1]
             for s in (1, 2)]
    assert change == max(abs(a - base) for a in again)
    assert 0 < change < 1e-6            # a well-conditioned run barely moves
    assert np.isfinite(change)
