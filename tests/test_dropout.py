"""Dropout: (5.45)-(5.48), Monte Carlo checks of the scaling, fixed-mask gradient checks."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook.gradcheck import check_layer


@pytest.mark.parametrize("p", [0, -0.1, 1.5, float("nan"), True, "0.5"])
def test_p_keep_is_validated(p):
    with pytest.raises(ValueError, match="p_keep"):
        mb.Dropout(p)


def test_production_inverted_is_identity_classic_scales_by_p_keep():
    A = np.random.default_rng(0).standard_normal((4, 6))
    np.testing.assert_array_equal(mb.Dropout(0.3).forward(A), A)  # (5.48)
    np.testing.assert_allclose(mb.Dropout(0.3, inverted=False).forward(A), 0.3 * A)  # (5.46)


def test_classic_production_equals_scaling_the_next_weights():
    """(5.46): multiplying a[ℓ] by p_keep is using p_keep·W[ℓ+1] in the next layer."""
    rng = np.random.default_rng(1)
    A, dense = rng.standard_normal((5, 4)), mb.Dense(4, 3, rng=rng)
    out = dense.forward(mb.Dropout(0.6, inverted=False).forward(A))
    np.testing.assert_allclose(out, A @ (0.6 * dense.W).T + dense.b)


@pytest.mark.parametrize("inverted", [True, False])
def test_training_mask_and_scale(inverted):
    d = mb.Dropout(0.25, inverted=inverted, rng=0)
    A = np.random.default_rng(2).uniform(1, 2, (200, 50))  # no zeros in A
    out = d.forward(A, training=True)
    kept = out != 0
    np.testing.assert_array_equal(kept, d.mask)
    scale = 1 / 0.25 if inverted else 1.0  # (5.47) or (5.45)
    np.testing.assert_allclose(out[kept], scale * A[kept])
    assert abs(kept.mean() - 0.25) < 0.01  # 10,000 coin flips: std of the mean ≈ 0.0043


@pytest.mark.parametrize("inverted", [True, False])
def test_monte_carlo_mean_of_training_output_is_production_output(inverted):
    d = mb.Dropout(0.4, inverted=inverted, rng=3)
    A = np.random.default_rng(3).standard_normal((1, 5))
    draws = np.array([d.forward(A, training=True)[0] for _ in range(20000)])
    prod = d.forward(A)[0]
    # each entry: mean of 20,000 draws of A·Bernoulli(0.4)·scale; 5 standard errors of tolerance
    se = np.abs(A[0]) * np.sqrt(0.4 * 0.6) * (1 / 0.4 if inverted else 1) / np.sqrt(20000)
    assert np.all(np.abs(draws.mean(axis=0) - prod) < 5 * se)


def test_same_seed_same_masks_and_new_mask_each_call():
    A = np.ones((6, 8))
    a, b = mb.Dropout(0.5, rng=42), mb.Dropout(0.5, rng=np.random.default_rng(42))
    first = a.forward(A, training=True)
    np.testing.assert_array_equal(first, b.forward(A, training=True))
    assert not np.array_equal(first, a.forward(A, training=True))


def test_backward_uses_the_forward_mask():
    d = mb.Dropout(0.5, rng=4)
    A, G = np.ones((3, 7)), np.random.default_rng(4).standard_normal((3, 7))
    d.forward(A, training=True)
    np.testing.assert_allclose(d.backward(G), G * d.mask / 0.5)
    d.forward(A)
    np.testing.assert_array_equal(d.backward(G), G)  # production inverted: identity
    c = mb.Dropout(0.5, inverted=False)
    c.forward(A)
    np.testing.assert_allclose(c.backward(G), 0.5 * G)


@pytest.mark.parametrize("inverted", [True, False])
def test_gradient_check_with_held_mask(inverted):
    d = mb.Dropout(0.6, inverted=inverted, rng=5)
    d.hold_mask = True  # the first forward draws the mask, later ones reuse it
    X = np.random.default_rng(5).standard_normal((4, 6))
    errors = check_layer(d, X, rng=5, training=True)
    assert errors["input"] < 1e-9
    assert 0 < d.mask.sum() < d.mask.size  # a real mask, not all kept or all dropped


def test_network_gradient_check_with_held_masks():
    rng = np.random.default_rng(6)
    drop = mb.Dropout(0.7, rng=rng)
    model = mb.Sequential(mb.Dense(3, 8, rng=rng), mb.Tanh(), drop, mb.Dense(8, 1, rng=rng))
    drop.hold_mask = True
    X, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 1))
    errors = mb.gradcheck.check_model(model, mb.SquaredLoss(), X, y, training=True)
    assert max(errors.values()) < 1e-7, errors


def test_held_mask_of_wrong_shape_and_backward_before_forward():
    d = mb.Dropout(0.5, rng=0)
    with pytest.raises(RuntimeError, match="before forward"):
        d.backward(np.ones((2, 2)))
    d.hold_mask = True
    d.forward(np.ones((2, 3)), training=True)
    with pytest.raises(ValueError, match="held mask"):
        d.forward(np.ones((4, 3)), training=True)


def test_p_keep_one_is_identity_and_float32_kept():
    A = np.random.default_rng(7).standard_normal((3, 4)).astype(np.float32)
    d = mb.Dropout(1.0, rng=0)
    out = d.forward(A, training=True)
    np.testing.assert_array_equal(out, A)
    assert out.dtype == np.float32
    assert d.backward(np.ones_like(A)).dtype == np.float32
    assert mb.Dropout(0.5, rng=0).forward(A, training=True).dtype == np.float32
    assert d.parameters() == [] and d.config() == {"p_keep": 1.0, "inverted": True}
