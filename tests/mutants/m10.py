"""Typical mistakes in the answers of exercise set 10 (batch normalisation)."""

import numpy as np


# 10.batchnorm_forward ---------------------------------------------------------------------------
def _forward(Z, gamma, beta, eps, mean=None, var=None):
    mu = Z.mean(axis=0) if mean is None else mean
    v = Z.var(axis=0) if var is None else var
    return gamma * (Z - mu) / np.sqrt(v + eps) + beta, (Z, mu, v, gamma, eps)


def forward_unbiased_variance(Z, gamma, beta, eps):
    return _forward(Z, gamma, beta, eps, var=Z.var(axis=0, ddof=1))


def forward_wrong_axis(Z, gamma, beta, eps):
    mu, var = Z.mean(axis=1, keepdims=True), Z.var(axis=1, keepdims=True)
    return gamma * (Z - mu) / np.sqrt(var + eps) + beta, (Z, mu[:, 0], var[:, 0], gamma, eps)


def forward_global_statistics(Z, gamma, beta, eps):
    return _forward(Z, gamma, beta, eps, mean=Z.mean(), var=Z.var())


def forward_eps_outside_the_root(Z, gamma, beta, eps):
    mu, var = Z.mean(axis=0), Z.var(axis=0)
    return gamma * (Z - mu) / (np.sqrt(var) + eps) + beta, (Z, mu, var, gamma, eps)


def forward_without_eps(Z, gamma, beta, eps):
    mu, var = Z.mean(axis=0), Z.var(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return gamma * (Z - mu) / np.sqrt(var) + beta, (Z, mu, var, gamma, eps)


def forward_gamma_and_beta_swapped(Z, gamma, beta, eps):
    return _forward(Z, beta, gamma, eps)


def forward_float64_for_float32(Z, gamma, beta, eps):
    return _forward(Z.astype(np.float64), gamma.astype(np.float64), beta.astype(np.float64), eps)


def forward_centres_the_input_in_place(Z, gamma, beta, eps):
    mu, var = Z.mean(axis=0), Z.var(axis=0)
    Z -= mu
    return gamma * Z / np.sqrt(var + eps) + beta, (Z + mu, mu, var, gamma, eps)


def forward_caches_the_standard_deviation(Z, gamma, beta, eps):
    out, (Z, mu, var, gamma, eps) = _forward(Z, gamma, beta, eps)
    return out, (Z, mu, np.sqrt(var + eps), gamma, eps)


# 10.batchnorm_backward --------------------------------------------------------------------------
def _backward(dout, cache, mean_path=True, variance_path=True, n=None, gamma_factor=True,
              dgamma_of=None):
    Z, mu, var, gamma, eps = cache
    n = Z.shape[0] if n is None else n
    inv_std = 1 / np.sqrt(var + eps)
    Zbar = (Z - mu) * inv_std
    dgamma = np.sum(dout * (Zbar if dgamma_of is None else dgamma_of), axis=0)
    dbeta = np.sum(dout, axis=0)
    dZbar = dout * gamma if gamma_factor else dout
    dvar = np.sum(dZbar * (Z - mu), axis=0) * -0.5 * inv_std**3 if variance_path else 0 * dbeta
    dmu = -np.sum(dZbar, axis=0) * inv_std if mean_path else 0 * dbeta
    return dZbar * inv_std + dvar * 2 * (Z - mu) / n + dmu / n, dgamma, dbeta


def backward_without_the_mean_path(dout, cache):
    return _backward(dout, cache, mean_path=False)


def backward_without_the_variance_path(dout, cache):
    return _backward(dout, cache, variance_path=False)


def backward_statistics_held_constant(dout, cache):
    return _backward(dout, cache, mean_path=False, variance_path=False)


def backward_n_from_the_wrong_axis(dout, cache):
    return _backward(dout, cache, n=cache[0].shape[1])


def backward_forgets_gamma(dout, cache):
    return _backward(dout, cache, gamma_factor=False)


def backward_dgamma_from_z_not_zbar(dout, cache):
    return _backward(dout, cache, dgamma_of=cache[0])


def backward_sums_over_everything(dout, cache):
    dZ, _, _ = _backward(dout, cache)
    Z, mu, var, gamma, eps = cache
    return dZ, np.sum(dout * (Z - mu) / np.sqrt(var + eps)), np.sum(dout)


def backward_compact_form_with_a_sign_slip(dout, cache):
    Z, mu, var, gamma, eps = cache
    n, s = Z.shape[0], 1 / np.sqrt(var + eps)
    Zbar = (Z - mu) * s
    dgamma, dbeta = np.sum(dout * Zbar, axis=0), np.sum(dout, axis=0)
    return gamma * s / n * (n * dout + dbeta - Zbar * dgamma), dgamma, dbeta


def backward_recomputes_the_unbiased_variance(dout, cache):
    Z, mu, var, gamma, eps = cache
    return _backward(dout, [Z, mu, Z.var(axis=0, ddof=1), gamma, eps])


def backward_float64_for_float32(dout, cache):
    Z, mu, var, gamma, eps = cache
    return _backward(dout.astype(np.float64), [Z.astype(np.float64), mu, var, gamma, eps])


def backward_scales_dout_in_place(dout, cache):
    Z, mu, var, gamma, eps = cache
    n, s = Z.shape[0], 1 / np.sqrt(var + eps)
    Zbar = (Z - mu) * s
    dgamma, dbeta = np.sum(dout * Zbar, axis=0), np.sum(dout, axis=0)
    dout *= gamma  # dout becomes ∂C/∂z̄, on the caller's array
    return s / n * (n * dout - dout.sum(axis=0) - Zbar * np.sum(dout * Zbar, axis=0)), \
        dgamma, dbeta


# 10.running_averages ----------------------------------------------------------------------------
def running_momentum_on_the_new_value(running_mean, running_var, Z, momentum):
    return ((1 - momentum) * running_mean + momentum * Z.mean(axis=0),
            (1 - momentum) * running_var + momentum * Z.var(axis=0))


def running_unbiased_variance(running_mean, running_var, Z, momentum):
    return (momentum * running_mean + (1 - momentum) * Z.mean(axis=0),
            momentum * running_var + (1 - momentum) * Z.var(axis=0, ddof=1))


def running_smooths_the_standard_deviation(running_mean, running_var, Z, momentum):
    std = momentum * np.sqrt(running_var) + (1 - momentum) * Z.std(axis=0)
    return momentum * running_mean + (1 - momentum) * Z.mean(axis=0), std**2


def running_variance_around_the_running_mean(running_mean, running_var, Z, momentum):
    mean = momentum * running_mean + (1 - momentum) * Z.mean(axis=0)
    return mean, momentum * running_var + (1 - momentum) * np.mean((Z - mean) ** 2, axis=0)


def running_wrong_axis(running_mean, running_var, Z, momentum):
    return (momentum * running_mean + (1 - momentum) * Z.mean(axis=1),
            momentum * running_var + (1 - momentum) * Z.var(axis=1))


def running_updated_in_place(running_mean, running_var, Z, momentum):
    running_mean *= momentum
    running_mean += (1 - momentum) * Z.mean(axis=0)
    running_var *= momentum
    running_var += (1 - momentum) * Z.var(axis=0)
    return running_mean, running_var


# 10.fold_batchnorm ------------------------------------------------------------------------------
def _scale(gamma, running_var, eps):
    return gamma / np.sqrt(running_var + eps)


def fold_scales_the_columns(W, b, gamma, beta, running_mean, running_var, eps):
    s = _scale(gamma, running_var, eps)
    return W * s, s * (b - running_mean) + beta


def fold_forgets_the_bias(W, b, gamma, beta, running_mean, running_var, eps):
    s = _scale(gamma, running_var, eps)
    return s[:, None] * W, beta - s * running_mean


def fold_mean_not_scaled(W, b, gamma, beta, running_mean, running_var, eps):
    s = _scale(gamma, running_var, eps)
    return s[:, None] * W, s * b - running_mean + beta


def fold_mean_sign_flipped(W, b, gamma, beta, running_mean, running_var, eps):
    s = _scale(gamma, running_var, eps)
    return s[:, None] * W, s * (b + running_mean) + beta


def fold_without_eps(W, b, gamma, beta, running_mean, running_var, eps):
    s = gamma / np.sqrt(running_var)
    return s[:, None] * W, s * (b - running_mean) + beta


def fold_variance_not_standard_deviation(W, b, gamma, beta, running_mean, running_var, eps):
    s = gamma / (running_var + eps)
    return s[:, None] * W, s * (b - running_mean) + beta


def fold_scales_w_in_place(W, b, gamma, beta, running_mean, running_var, eps):
    s = _scale(gamma, running_var, eps)
    W *= s[:, None]
    return W, s * (b - running_mean) + beta


# 10.fold_into_next ------------------------------------------------------------------------------
def _next(gamma, beta, running_mean, running_var, eps, W, b):
    return gamma / np.sqrt(running_var + eps)


def next_scales_the_rows(gamma, beta, running_mean, running_var, eps, W, b):
    s = _next(gamma, beta, running_mean, running_var, eps, W, b)
    return s[:, None] * W, W @ (beta - s * running_mean) + b


def next_divides_by_the_scale(gamma, beta, running_mean, running_var, eps, W, b):
    s = _next(gamma, beta, running_mean, running_var, eps, W, b)
    return W / s, W @ (beta - s * running_mean) + b


def next_bias_without_w(gamma, beta, running_mean, running_var, eps, W, b):
    s = _next(gamma, beta, running_mean, running_var, eps, W, b)
    return W * s, b + np.sum(beta - s * running_mean)


def next_forgets_the_old_bias(gamma, beta, running_mean, running_var, eps, W, b):
    s = _next(gamma, beta, running_mean, running_var, eps, W, b)
    return W * s, W @ (beta - s * running_mean)


def next_mean_sign_flipped(gamma, beta, running_mean, running_var, eps, W, b):
    s = _next(gamma, beta, running_mean, running_var, eps, W, b)
    return W * s, W @ (beta + s * running_mean) + b


def next_mean_not_scaled(gamma, beta, running_mean, running_var, eps, W, b):
    s = _next(gamma, beta, running_mean, running_var, eps, W, b)
    return W * s, W @ (beta - running_mean) + b


def next_forgets_beta(gamma, beta, running_mean, running_var, eps, W, b):
    s = _next(gamma, beta, running_mean, running_var, eps, W, b)
    return W * s, b - W @ (s * running_mean)


def next_without_eps(gamma, beta, running_mean, running_var, eps, W, b):
    s = gamma / np.sqrt(running_var)
    return W * s, W @ (beta - s * running_mean) + b


def next_scales_w_in_place(gamma, beta, running_mean, running_var, eps, W, b):
    s = _next(gamma, beta, running_mean, running_var, eps, W, b)
    bias = W @ (beta - s * running_mean) + b
    W *= s
    return W, bias


MUTANTS = {
    "10.batchnorm_forward": {
        "variance divided by n - 1": forward_unbiased_variance,
        "statistics over the units (axis 1) instead of the samples": forward_wrong_axis,
        "one mean and variance for the whole batch": forward_global_statistics,
        "ε added to the standard deviation, outside the root": forward_eps_outside_the_root,
        "no ε": forward_without_eps,
        "γ and β swapped": forward_gamma_and_beta_swapped,
        "float64 returned for float32": forward_float64_for_float32,
        "Z centred in place": forward_centres_the_input_in_place,
        "the standard deviation cached instead of the variance":
            forward_caches_the_standard_deviation,
    },
    "10.batchnorm_backward": {
        "the path through the mean left out": backward_without_the_mean_path,
        "the path through the variance left out": backward_without_the_variance_path,
        "the statistics treated as constants": backward_statistics_held_constant,
        "n_b taken from the wrong axis": backward_n_from_the_wrong_axis,
        "γ forgotten in ∂C/∂z̄": backward_forgets_gamma,
        "∂C/∂γ from z instead of z̄": backward_dgamma_from_z_not_zbar,
        "∂C/∂γ and ∂C/∂β summed over every axis": backward_sums_over_everything,
        "compact form with a sign slip": backward_compact_form_with_a_sign_slip,
        "variance recomputed with n - 1": backward_recomputes_the_unbiased_variance,
        "float64 returned for float32": backward_float64_for_float32,
        "dout scaled in place": backward_scales_dout_in_place,
    },
    "10.running_averages": {
        "momentum weights the new value": running_momentum_on_the_new_value,
        "variance divided by n - 1": running_unbiased_variance,
        "standard deviation smoothed instead of the variance":
            running_smooths_the_standard_deviation,
        "batch variance around the running mean": running_variance_around_the_running_mean,
        "statistics over the wrong axis": running_wrong_axis,
        "running statistics updated in place": running_updated_in_place,
    },
    "10.fold_batchnorm": {
        "columns of W scaled instead of rows": fold_scales_the_columns,
        "b forgotten in the folded bias": fold_forgets_the_bias,
        "running mean not scaled": fold_mean_not_scaled,
        "sign of the running mean flipped": fold_mean_sign_flipped,
        "no ε": fold_without_eps,
        "divided by the variance instead of the standard deviation":
            fold_variance_not_standard_deviation,
        "W scaled in place": fold_scales_w_in_place,
    },
    "10.fold_into_next": {
        "rows of W scaled instead of columns": next_scales_the_rows,
        "W divided by the scale": next_divides_by_the_scale,
        "the shift added to the bias without going through W": next_bias_without_w,
        "the old bias b forgotten": next_forgets_the_old_bias,
        "sign of the running mean flipped": next_mean_sign_flipped,
        "running mean not scaled": next_mean_not_scaled,
        "β forgotten": next_forgets_beta,
        "no ε": next_without_eps,
        "W scaled in place": next_scales_w_in_place,
    },
}
