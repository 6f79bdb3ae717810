"""Typical mistakes in the answers of exercise set 08 (training and optimisation)."""

import numpy as np


# 08.momentum_step -----------------------------------------------------------------------------
def momentum_pytorch_form(theta, V, g, lr, beta):
    V = beta * V + g
    return theta - lr * V, V


def momentum_step_with_the_old_V(theta, V, g, lr, beta):
    new_theta = theta - lr * V  # the parameters move before V has taken in g
    return new_theta, beta * V + (1 - beta) * g


def momentum_sign(theta, V, g, lr, beta):
    V = beta * V + (1 - beta) * g
    return theta + lr * V, V


def momentum_beta_swapped(theta, V, g, lr, beta):
    V = (1 - beta) * V + beta * g
    return theta - lr * V, V


def momentum_lr_inside_V(theta, V, g, lr, beta):
    V = beta * V + (1 - beta) * lr * g
    return theta - V, V


def momentum_in_place(theta, V, g, lr, beta):
    V *= beta
    V += (1 - beta) * g
    theta -= lr * V
    return theta, V


def momentum_float64(theta, V, g, lr, beta):
    V = beta * V.astype(np.float64) + (1 - beta) * g
    return theta - lr * V, V


# 08.adam_step ---------------------------------------------------------------------------------
def _adam(theta, m, v, g, t, lr, beta1, beta2, eps, correct=True, eps_inside=False, t_used=None,
          square=True, sign=1.0):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * (g * g if square else np.abs(g))
    k = t if t_used is None else t_used
    m_hat = m / (1 - beta1**k) if correct else m
    v_hat = v / (1 - beta2**k) if correct else v
    root = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
    return theta - sign * lr * m_hat / root, m, v


def adam_no_bias_correction(theta, m, v, g, t, lr, beta1, beta2, eps):
    return _adam(theta, m, v, g, t, lr, beta1, beta2, eps, correct=False)


def adam_eps_inside_the_root(theta, m, v, g, t, lr, beta1, beta2, eps):
    return _adam(theta, m, v, g, t, lr, beta1, beta2, eps, eps_inside=True)


def adam_t_minus_one(theta, m, v, g, t, lr, beta1, beta2, eps):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _adam(theta, m, v, g, t, lr, beta1, beta2, eps, t_used=t - 1)


def adam_t_plus_one(theta, m, v, g, t, lr, beta1, beta2, eps):
    return _adam(theta, m, v, g, t, lr, beta1, beta2, eps, t_used=t + 1)


def adam_g_not_squared(theta, m, v, g, t, lr, beta1, beta2, eps):
    return _adam(theta, m, v, g, t, lr, beta1, beta2, eps, square=False)


def adam_sign(theta, m, v, g, t, lr, beta1, beta2, eps):
    return _adam(theta, m, v, g, t, lr, beta1, beta2, eps, sign=-1.0)


def adam_step_with_the_old_averages(theta, m, v, g, t, lr, beta1, beta2, eps):
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    new_theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_theta, beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g * g


def adam_returns_the_corrected_averages(theta, m, v, g, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat


def adam_in_place(theta, m, v, g, t, lr, beta1, beta2, eps):
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    return theta - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


def adam_float64(theta, m, v, g, t, lr, beta1, beta2, eps):
    return _adam(theta.astype(np.float64), m.astype(np.float64), v.astype(np.float64), g, t, lr,
                 beta1, beta2, eps)


# 08.rmsprop_step ------------------------------------------------------------------------------
def _rmsprop(theta, S, g, lr, alpha, eps, square=True, root=True, eps_inside=False,
             swapped=False, old_S=False):
    new_S = (1 - alpha) * S + alpha * g * g if swapped else \
        alpha * S + (1 - alpha) * (g * g if square else g)
    used = S if old_S else new_S
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.sqrt(used + eps) if eps_inside else (np.sqrt(used) if root else used) + eps
        return theta - lr * g / scale, new_S


def rmsprop_g_not_squared(theta, S, g, lr, alpha, eps):
    return _rmsprop(theta, S, g, lr, alpha, eps, square=False)


def rmsprop_no_root(theta, S, g, lr, alpha, eps):
    return _rmsprop(theta, S, g, lr, alpha, eps, root=False)


def rmsprop_eps_inside_the_root(theta, S, g, lr, alpha, eps):
    return _rmsprop(theta, S, g, lr, alpha, eps, eps_inside=True)


def rmsprop_alpha_swapped(theta, S, g, lr, alpha, eps):
    return _rmsprop(theta, S, g, lr, alpha, eps, swapped=True)


def rmsprop_step_with_the_old_S(theta, S, g, lr, alpha, eps):
    return _rmsprop(theta, S, g, lr, alpha, eps, old_S=True)


def rmsprop_sign(theta, S, g, lr, alpha, eps):
    new_theta, S = _rmsprop(theta, S, g, lr, alpha, eps)
    return 2 * theta - new_theta, S


def rmsprop_in_place(theta, S, g, lr, alpha, eps):
    S *= alpha
    S += (1 - alpha) * g * g
    return theta - lr * g / (np.sqrt(S) + eps), S


def rmsprop_float64(theta, S, g, lr, alpha, eps):
    return _rmsprop(theta.astype(np.float64), S.astype(np.float64), g, lr, alpha, eps)


# 08.standardize -------------------------------------------------------------------------------
def _standardize(X_train, X_test, ddof=0, axis=0, guard=True, report_scale=False, own_test=False):
    mean = X_train.mean(axis=axis, keepdims=axis == 1)
    std = X_train.std(axis=axis, ddof=ddof, keepdims=axis == 1)
    scale = np.where(std > 0, std, 1.0) if guard else std
    with np.errstate(invalid="ignore", divide="ignore"):
        return _finish(X_train, X_test, mean, std, scale, axis, report_scale, own_test)


def _finish(X_train, X_test, mean, std, scale, axis, report_scale, own_test):
    if own_test:
        t_std = X_test.std(axis=0)
        test = (X_test - X_test.mean(axis=0)) / np.where(t_std > 0, t_std, 1.0)
    else:
        test = (X_test - mean) / scale if axis == 0 else (X_test - X_test.mean(1, keepdims=True))
    return (X_train - mean) / scale, test, mean, scale if report_scale else std


def standardize_sample_std(X_train, X_test):
    return _standardize(X_train, X_test, ddof=1)


def standardize_per_sample(X_train, X_test):
    return _standardize(X_train, X_test, axis=1)


def standardize_constant_feature_not_handled(X_train, X_test):
    return _standardize(X_train, X_test, guard=False)


def standardize_returns_the_divisor(X_train, X_test):
    return _standardize(X_train, X_test, report_scale=True)


def standardize_test_with_its_own_statistics(X_train, X_test):
    return _standardize(X_train, X_test, own_test=True)


def standardize_one_mean_for_all_features(X_train, X_test):
    mean, std = X_train.mean(), X_train.std()
    return (X_train - mean) / std, (X_test - mean) / std, np.full(X_train.shape[1], mean), \
        np.full(X_train.shape[1], std)


def standardize_in_place(X_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    scale = np.where(std > 0, std, 1.0)
    X_train -= mean
    X_train /= scale
    return X_train, (X_test - mean) / scale, mean, std


def standardize_float64(X_train, X_test):
    return _standardize(X_train.astype(np.float64), X_test.astype(np.float64))


# 08.largest_stable_lr -------------------------------------------------------------------------
def _limit(X, beta, hessian=lambda X: X.T @ X / len(X),
           curvature=lambda H: np.linalg.eigvalsh(H)[-1], numerator=lambda beta: 2 * (1 + beta),
           factor=lambda beta: 1 - beta):
    return float(numerator(beta) / (factor(beta) * curvature(hessian(X))))


def stable_lr_without_1_over_m(X, beta):
    return _limit(X, beta, hessian=lambda X: X.T @ X)


def stable_lr_loss_without_one_half(X, beta):
    return _limit(X, beta, hessian=lambda X: 2 * X.T @ X / len(X))


def stable_lr_of_plain_gradient_descent(X, beta):
    return _limit(X, beta, numerator=lambda beta: 2.0, factor=lambda beta: 1.0)


def stable_lr_of_the_pytorch_form(X, beta):
    return _limit(X, beta, factor=lambda beta: 1.0)


def stable_lr_missing_the_factor_2(X, beta):
    return _limit(X, beta, numerator=lambda beta: 1 + beta)


def stable_lr_smallest_eigenvalue(X, beta):
    return _limit(X, beta, curvature=lambda H: np.linalg.eigvalsh(H)[0])


def stable_lr_largest_diagonal_entry(X, beta):
    return _limit(X, beta, curvature=lambda H: np.diag(H).max())


def stable_lr_trace(X, beta):
    return _limit(X, beta, curvature=np.trace)


def stable_lr_centred_features(X, beta):
    return _limit(X, beta, hessian=lambda X: np.cov(X.T, bias=True).reshape(X.shape[1], -1))


def stable_lr_zig_zag_limit(X, beta):
    return _limit(X, beta, numerator=lambda beta: 1.0 + 0 * beta)


def stable_lr_sqrt_beta(X, beta):
    return _limit(X, beta, numerator=lambda beta: (1 + np.sqrt(beta)) ** 2)


MUTANTS = {
    "08.momentum_step": {
        "PyTorch's form, without 1 − β": momentum_pytorch_form,
        "θ moved with the old V": momentum_step_with_the_old_V,
        "a sign flip": momentum_sign,
        "β and 1 − β swapped": momentum_beta_swapped,
        "the learning rate inside V": momentum_lr_inside_V,
        "θ and V modified in place": momentum_in_place,
        "float64 returned for float32": momentum_float64,
    },
    "08.adam_step": {
        "no bias correction": adam_no_bias_correction,
        "ε inside the square root": adam_eps_inside_the_root,
        "the correction with t − 1": adam_t_minus_one,
        "the correction with t + 1": adam_t_plus_one,
        "|g| instead of g²": adam_g_not_squared,
        "a sign flip": adam_sign,
        "θ moved with the old averages": adam_step_with_the_old_averages,
        "the corrected averages returned as the state": adam_returns_the_corrected_averages,
        "m and v modified in place": adam_in_place,
        "float64 returned for float32": adam_float64,
    },
    "08.rmsprop_step": {
        "g instead of g² (the slides' misprint)": rmsprop_g_not_squared,
        "divided by S, not √S": rmsprop_no_root,
        "ε inside the square root": rmsprop_eps_inside_the_root,
        "α and 1 − α swapped": rmsprop_alpha_swapped,
        "θ moved with the old S": rmsprop_step_with_the_old_S,
        "a sign flip": rmsprop_sign,
        "S modified in place": rmsprop_in_place,
        "float64 returned for float32": rmsprop_float64,
    },
    "08.standardize": {
        "the sample standard deviation (n − 1)": standardize_sample_std,
        "statistics per sample (wrong axis)": standardize_per_sample,
        "a constant feature divided by 0": standardize_constant_feature_not_handled,
        "the divisor returned as the standard deviation": standardize_returns_the_divisor,
        "the test set with its own statistics": standardize_test_with_its_own_statistics,
        "one mean and deviation for all features": standardize_one_mean_for_all_features,
        "X_train standardised in place": standardize_in_place,
        "float64 returned for float32": standardize_float64,
    },
    "08.largest_stable_lr": {
        "the Hessian without 1/m": stable_lr_without_1_over_m,
        "the Hessian of a loss without ½": stable_lr_loss_without_one_half,
        "the limit of plain gradient descent, 2/λ": stable_lr_of_plain_gradient_descent,
        "the limit of PyTorch's form, without 1 − β": stable_lr_of_the_pytorch_form,
        "ηλ < 1 + β instead of 2(1 + β)": stable_lr_missing_the_factor_2,
        "the smallest eigenvalue": stable_lr_smallest_eigenvalue,
        "the largest diagonal entry of H instead of λmax": stable_lr_largest_diagonal_entry,
        "the trace of H instead of λmax": stable_lr_trace,
        "the covariance (centred features) instead of XᵀX/m": stable_lr_centred_features,
        "the edge of the zig-zag, ηλ < 1": stable_lr_zig_zag_limit,
        "the edge of the complex roots, (1 + √β)²": stable_lr_sqrt_beta,
    },
}
