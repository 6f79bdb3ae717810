"""Typical mistakes in the answers of exercise set 11 (regularisation and dropout)."""

import numpy as np


# 11.dropout_forward -----------------------------------------------------------------------------
def forward_not_rescaled(A, p_keep, seed):
    mask = np.random.default_rng(seed).random(A.shape) < p_keep
    return A * mask, mask


def forward_multiplies_by_p_keep(A, p_keep, seed):
    mask = np.random.default_rng(seed).random(A.shape) < p_keep
    return A * mask * p_keep, mask


def forward_keeps_with_probability_one_minus_p(A, p_keep, seed):
    mask = np.random.default_rng(seed).random(A.shape) > p_keep
    return A * mask / p_keep, mask


def forward_one_mask_for_the_batch(A, p_keep, seed):
    mask = np.broadcast_to(np.random.default_rng(seed).random(A.shape[1]) < p_keep, A.shape)
    return A * mask / p_keep, mask.copy()


def forward_ignores_the_seed(A, p_keep, seed):
    mask = np.random.default_rng(0).random(A.shape) < p_keep
    return A * mask / p_keep, mask


def forward_float_mask(A, p_keep, seed):
    mask = (np.random.default_rng(seed).random(A.shape) < p_keep).astype(A.dtype)
    return A * mask / p_keep, mask


def forward_drops_in_place(A, p_keep, seed):
    mask = np.random.default_rng(seed).random(A.shape) < p_keep
    A *= mask / p_keep
    return A, mask


# 11.dropout_backward ----------------------------------------------------------------------------
def backward_not_rescaled(dout, mask, p_keep):
    return dout * mask


def backward_multiplies_by_p_keep(dout, mask, p_keep):
    return dout * mask * p_keep


def backward_inverted_mask(dout, mask, p_keep):
    return dout * ~mask / p_keep


def backward_ignores_the_mask(dout, mask, p_keep):
    return dout / p_keep


def backward_in_place(dout, mask, p_keep):
    dout *= mask / p_keep
    return dout


# 11.l2_step -------------------------------------------------------------------------------------
def l2_decay_halved(theta, grad, lr, lam):
    return (1 - lr * lam / 2) * theta - lr * grad


def l2_decay_doubled(theta, grad, lr, lam):  # the gradient of λ‖θ‖² instead of (λ/2)‖θ‖²
    return (1 - 2 * lr * lam) * theta - lr * grad


def l2_gradient_sign_flipped(theta, grad, lr, lam):
    return (1 - lr * lam) * theta + lr * grad


def l2_decay_without_the_learning_rate(theta, grad, lr, lam):
    return (1 - lam) * theta - lr * grad


def l2_decay_after_the_step(theta, grad, lr, lam):
    return (1 - lr * lam) * (theta - lr * grad)


def l2_in_place(theta, grad, lr, lam):
    theta -= lr * (grad + lam * theta)
    return theta


# 11.l1_step -------------------------------------------------------------------------------------
def l1_sign_by_division(theta, grad, lr, lam):
    with np.errstate(divide="ignore", invalid="ignore"):
        return theta - lr * (grad + lam * theta / np.abs(theta))


def l1_subgradient_one_at_zero(theta, grad, lr, lam):
    return theta - lr * (grad + lam * np.where(theta >= 0, 1.0, -1.0))


def l1_the_l2_pull(theta, grad, lr, lam):
    return theta - lr * (grad + lam * theta)


def l1_penalty_sign_flipped(theta, grad, lr, lam):
    return theta - lr * (grad - lam * np.sign(theta))


def l1_sign_of_the_gradient(theta, grad, lr, lam):
    return theta - lr * (grad + lam * np.sign(grad))


def l1_in_place(theta, grad, lr, lam):
    theta -= lr * (grad + lam * np.sign(theta))
    return theta


# 11.l1_prox_step --------------------------------------------------------------------------------
def _soft(u, t):
    return np.sign(u) * np.maximum(np.abs(u) - t, 0.0)


def prox_sign_of_theta(theta, grad, lr, lam):
    u = theta - lr * grad
    return np.sign(theta) * np.maximum(np.abs(u) - lr * lam, 0.0)


def prox_threshold_lambda(theta, grad, lr, lam):
    return _soft(theta - lr * grad, lam)


def prox_hard_threshold(theta, grad, lr, lam):
    u = theta - lr * grad
    return np.where(np.abs(u) > lr * lam, u, 0.0)


def prox_the_subgradient_step(theta, grad, lr, lam):
    return theta - lr * (grad + lam * np.sign(theta))


def prox_before_the_gradient_step(theta, grad, lr, lam):
    return _soft(theta, lr * lam) - lr * grad


def prox_clipped_subgradient_step(theta, grad, lr, lam):
    v = theta - lr * (grad + lam * np.sign(theta))
    crossed = np.sign(v) * np.sign(theta) < 0
    return np.where(crossed, 0.0, v)


def prox_negative_entries_zeroed(theta, grad, lr, lam):
    return np.maximum(theta - lr * grad - lr * lam, 0.0)


def prox_in_place(theta, grad, lr, lam):
    theta -= lr * grad
    return _soft(theta, lr * lam)


MUTANTS = {
    "11.dropout_forward": {
        "kept values not divided by p_keep": forward_not_rescaled,
        "kept values multiplied by p_keep": forward_multiplies_by_p_keep,
        "keeps with probability 1 - p_keep": forward_keeps_with_probability_one_minus_p,
        "one mask for every sample of the batch": forward_one_mask_for_the_batch,
        "the seed ignored": forward_ignores_the_seed,
        "mask of 0.0 and 1.0 instead of booleans": forward_float_mask,
        "A dropped in place": forward_drops_in_place,
    },
    "11.dropout_backward": {
        "not divided by p_keep": backward_not_rescaled,
        "multiplied by p_keep": backward_multiplies_by_p_keep,
        "the mask inverted": backward_inverted_mask,
        "the mask ignored": backward_ignores_the_mask,
        "dout changed in place": backward_in_place,
    },
    "11.l2_step": {
        "decay λ/2 instead of λ": l2_decay_halved,
        "decay 2λ (the gradient of λ‖θ‖²)": l2_decay_doubled,
        "gradient added instead of subtracted": l2_gradient_sign_flipped,
        "decay without the learning rate": l2_decay_without_the_learning_rate,
        "decay applied after the gradient step": l2_decay_after_the_step,
        "θ updated in place": l2_in_place,
    },
    "11.l1_step": {
        "sign as θ/|θ| (0/0 at θ = 0)": l1_sign_by_division,
        "subgradient 1 at θ = 0": l1_subgradient_one_at_zero,
        "the L2 pull λθ": l1_the_l2_pull,
        "penalty with the wrong sign": l1_penalty_sign_flipped,
        "sign of the gradient instead of θ": l1_sign_of_the_gradient,
        "θ updated in place": l1_in_place,
    },
    "11.l1_prox_step": {
        "sign of θ instead of the stepped value": prox_sign_of_theta,
        "threshold λ instead of αλ": prox_threshold_lambda,
        "hard thresholding": prox_hard_threshold,
        "the subgradient step": prox_the_subgradient_step,
        "thresholding before the gradient step": prox_before_the_gradient_step,
        "subgradient step clipped at zero": prox_clipped_subgradient_step,
        "negative entries set to zero": prox_negative_entries_zeroed,
        "θ stepped in place": prox_in_place,
    },
}
