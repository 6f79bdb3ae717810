"""Chapter 10's experiments in mb.experiments: nudged starting points and the first SGD steps."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook import experiments as ex


def test_nudge_parameters_is_a_small_reproducible_relative_change():
    model = mb.mlp([2, 8, 1], rng=0)
    model.layers[0].b[...] = 1.0  # a non-zero bias, so biases are seen to be nudged too
    before = [p.value.copy() for p in model.parameters()]
    assert ex.nudge_parameters(model, 1e-6, rng=3) is model
    after = [p.value.copy() for p in model.parameters()]
    for b, a in zip(before, after, strict=True):
        assert np.array_equal(a[b == 0], b[b == 0])  # a relative nudge leaves zeros alone
        if np.any(b != 0):
            rel = np.abs(a[b != 0] / b[b != 0] - 1)
            assert rel.max() <= 1e-6 and rel.max() > 1e-7  # within the bound, and not nothing
    again = ex.nudge_parameters(mb.mlp([2, 8, 1], rng=0), 1e-6, rng=3)
    assert np.array_equal(again.layers[0].W, after[0])  # same generator, same nudge
    untouched = ex.nudge_parameters(mb.mlp([2, 8, 1], rng=0), 0.0, rng=3)
    assert np.array_equal(untouched.layers[0].W, before[0])


@pytest.mark.parametrize("rel", [-1e-8, float("nan"), "small"])
def test_nudge_parameters_rejects_bad_sizes(rel):
    with pytest.raises(ValueError, match="rel must be a number >= 0"):
        ex.nudge_parameters(mb.mlp([2, 3, 1], rng=0), rel)


def test_bn_run_is_one_half_of_bn_comparison_and_nudge_changes_it():
    runs = ex.bn_comparison(lr=0.05, depth=3, width=8, epochs=2, seed=1)
    for name, bn in (("plain", False), ("batchnorm", True)):
        h = ex.bn_run(lr=0.05, batchnorm=bn, depth=3, width=8, epochs=2, seed=1)
        assert h.loss == runs[name].loss
    nudged = ex.bn_run(lr=0.05, batchnorm=True, depth=3, width=8, epochs=2, seed=1, nudge=1e-6)
    gap = abs(nudged.loss[-1] - runs["batchnorm"].loss[-1])
    assert 0 < gap < 1e-3  # a small, smooth run: a tiny nudge gives a tiny change


def test_bn_first_updates_replays_the_batches_of_fit():
    # 400 points in batches of 50: 8 updates per epoch. The mean of the recorded batch losses of
    # each epoch is the epoch loss that fit reports, so the same batches and steps are used.
    kw = {"lr": 0.05, "depth": 3, "width": 8, "seed": 2}
    for bn in (False, True):
        first = ex.bn_first_updates(batchnorm=bn, updates=16, **kw)
        h = ex.bn_run(batchnorm=bn, epochs=2, **kw)
        assert np.allclose(first["loss"].reshape(2, 8).mean(axis=1), h.loss, rtol=1e-12)
        assert first["act_std"].shape == (3,) and np.all(first["act_std"] > 0)
        assert first["grad_norm"].shape == (16, 4) and first["weight_norm"].shape == (17, 4)
        # SGD: W changes by lr·∂C/∂W, so ‖W_{k+1} − W_k‖ ≥ |‖W_{k+1}‖ − ‖W_k‖|
        assert np.all(np.abs(np.diff(first["weight_norm"], axis=0))
                      <= 0.05 * first["grad_norm"] + 1e-12)


def test_bn_first_updates_shows_the_plain_blow_up_at_lr_1():
    plain = ex.bn_first_updates(lr=1.0, batchnorm=False, updates=6)
    bn = ex.bn_first_updates(lr=1.0, batchnorm=True, updates=6)
    assert plain["act_std"][-1] < plain["act_std"][0]  # at He initialisation the signal shrinks
    assert np.all(np.diff(plain["loss"]) > 0) and plain["loss"][-1] > 1e100
    assert bn["loss"].max() < 1
