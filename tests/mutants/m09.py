"""Typical mistakes in the answers of exercise set 09 (initialisation and vanishing gradients)."""

import math

import numpy as np


# 09.init_std ----------------------------------------------------------------------------------
def _std(kind, n_in, n_out, table=None, root=True):
    table = table or {"xavier": lambda i, o: 1 / i, "he": lambda i, o: 2 / i,
                      "glorot": lambda i, o: 2 / (i + o)}
    variance = table[kind](n_in, n_out)
    return math.sqrt(variance) if root else variance


def std_returns_the_variance(kind, n_in, n_out):
    return _std(kind, n_in, n_out, root=False)


def std_fan_out_for_xavier_and_he(kind, n_in, n_out):
    return _std(kind, n_out, n_out) if kind != "glorot" else _std(kind, n_in, n_out)


def std_he_without_the_2(kind, n_in, n_out):
    return _std(kind, n_in, n_out, {"xavier": lambda i, o: 1 / i, "he": lambda i, o: 1 / i,
                                    "glorot": lambda i, o: 2 / (i + o)})


def std_glorot_without_the_2(kind, n_in, n_out):
    return _std(kind, n_in, n_out, {"xavier": lambda i, o: 1 / i, "he": lambda i, o: 2 / i,
                                    "glorot": lambda i, o: 1 / (i + o)})


def std_glorot_arithmetic_mean(kind, n_in, n_out):
    return _std(kind, n_in, n_out, {"xavier": lambda i, o: 1 / i, "he": lambda i, o: 2 / i,
                                    "glorot": lambda i, o: (1 / i + 1 / o) / 2})


def std_he_as_sqrt2_over_n(kind, n_in, n_out):
    return math.sqrt(2) / n_in if kind == "he" else _std(kind, n_in, n_out)


def std_xavier_as_he(kind, n_in, n_out):
    return _std("he" if kind == "xavier" else kind, n_in, n_out)


# 09.init_weights ------------------------------------------------------------------------------
def _s(kind, n_in, n_out):
    return _std(kind, n_in, n_out)


def weights_transposed(kind, n_out, n_in, seed):
    return _s(kind, n_in, n_out) * np.random.default_rng(seed).standard_normal((n_in, n_out))


def weights_scaled_by_the_variance(kind, n_out, n_in, seed):
    return _s(kind, n_in, n_out) ** 2 * np.random.default_rng(seed).standard_normal((n_out, n_in))


def weights_uniform(kind, n_out, n_in, seed):
    a = _s(kind, n_in, n_out) * math.sqrt(3)  # the same standard deviation, not normal
    return np.random.default_rng(seed).uniform(-a, a, (n_out, n_in))


def weights_seed_ignored(kind, n_out, n_in, seed):
    return _s(kind, n_in, n_out) * np.random.default_rng(0).standard_normal((n_out, n_in))


def weights_fan_in_and_out_swapped(kind, n_out, n_in, seed):
    return _s(kind, n_out, n_in) * np.random.default_rng(seed).standard_normal((n_out, n_in))


def weights_float32(kind, n_out, n_in, seed):
    rng = np.random.default_rng(seed)
    return (_s(kind, n_in, n_out) * rng.standard_normal((n_out, n_in))).astype(np.float32)


def weights_one_row_repeated(kind, n_out, n_in, seed):
    row = _s(kind, n_in, n_out) * np.random.default_rng(seed).standard_normal(n_in)
    return np.tile(row, (n_out, 1))


# 09.activation_variances ----------------------------------------------------------------------
FUNCTIONS = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh,
             "sigmoid": lambda z: 1 / (1 + np.exp(-z))}


def _variances(depth, width, n, init, activation, seed, record=lambda Z, A: A.var(),
               std=None, shift=0, function=None):
    f = function or FUNCTIONS[activation]
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, width))
    out = [A.var()] if shift else []
    for _ in range(depth):
        s = std(init, width) if std else (1.0 if init == "normal" else _std(init, width, width))
        Z = A @ (s * rng.standard_normal((width, width))).T
        A = f(Z)
        out.append(record(Z, A))
    return np.array(out[:depth])


def variances_before_the_activation(depth, width, n, init, activation, seed):
    return _variances(depth, width, n, init, activation, seed, record=lambda Z, A: Z.var())


def variances_std_instead_of_var(depth, width, n, init, activation, seed):
    return _variances(depth, width, n, init, activation, seed, record=lambda Z, A: A.std())


def variances_normal_read_as_xavier(depth, width, n, init, activation, seed):
    return _variances(depth, width, n, init, activation, seed,
                      std=lambda init, w: _std("xavier" if init == "normal" else init, w, w))


def variances_variance_as_std(depth, width, n, init, activation, seed):
    return _variances(depth, width, n, init, activation, seed,
                      std=lambda init, w: 1.0 if init == "normal" else _std(init, w, w) ** 2)


def variances_input_counted_as_layer_1(depth, width, n, init, activation, seed):
    return _variances(depth, width, n, init, activation, seed, shift=1)


def variances_tanh_for_every_activation(depth, width, n, init, activation, seed):
    return _variances(depth, width, n, init, activation, seed, function=np.tanh)


def variances_mean_square_not_variance(depth, width, n, init, activation, seed):
    return _variances(depth, width, n, init, activation, seed,
                      record=lambda Z, A: np.mean(A * A))


# 09.clip_grad_norm ----------------------------------------------------------------------------
def _norm(grads):
    return float(np.sqrt(sum(np.sum(g * g) for g in grads)))


def clip_each_array_on_its_own(grads, max_norm):
    out = []
    for g in grads:
        n = float(np.linalg.norm(g))
        out.append(g * (max_norm / n) if n > max_norm else g.copy())
    return out, _norm(grads)


def clip_sum_of_norms(grads, max_norm):
    total = float(sum(np.linalg.norm(g) for g in grads))
    factor = max_norm / total if total > max_norm else 1.0
    return [g * factor for g in grads], total


def clip_always_rescaled(grads, max_norm):
    total = _norm(grads)
    return [g * (max_norm / total) for g in grads], total


def clip_returns_the_norm_after(grads, max_norm):
    total = _norm(grads)
    factor = max_norm / total if total > max_norm else 1.0
    return [g * factor for g in grads], total * factor


def clip_by_value(grads, max_norm):
    return [np.clip(g, -max_norm, max_norm) for g in grads], _norm(grads)


def clip_squared_norm(grads, max_norm):
    total = _norm(grads) ** 2
    factor = max_norm / total if total > max_norm else 1.0
    return [g * factor for g in grads], total


def clip_inverted_factor(grads, max_norm):
    total = _norm(grads)
    factor = total / max_norm if total > max_norm else 1.0
    return [g / factor / factor for g in grads], total


def clip_in_place(grads, max_norm):
    total = _norm(grads)
    if total > max_norm:
        for g in grads:
            g *= max_norm / total
    return grads, total


def clip_first_array_only(grads, max_norm):
    total = float(np.linalg.norm(grads[0]))
    factor = max_norm / total if total > max_norm else 1.0
    return [g * factor for g in grads], total


# 09.leaky_relu_std ----------------------------------------------------------------------------
def leaky_linear_in_the_slope(n_in, slope):
    return math.sqrt(2 / ((1 + slope) * n_in))


def leaky_slope_ignored(n_in, slope):
    return math.sqrt(2 / n_in)


def leaky_without_the_2(n_in, slope):
    return math.sqrt(1 / ((1 + slope * slope) * n_in))


def leaky_returns_the_variance(n_in, slope):
    return 2 / ((1 + slope * slope) * n_in)


def leaky_mean_of_the_slopes_squared(n_in, slope):
    return math.sqrt(1 / (((1 + slope) / 2) ** 2 * n_in))


def leaky_slope_multiplies(n_in, slope):
    return math.sqrt(2 * (1 + slope * slope) / n_in)


def leaky_slope_not_squared_abs(n_in, slope):
    return math.sqrt(2 / ((1 + abs(slope)) * n_in))


MUTANTS = {
    "09.init_std": {
        "the variance, not the standard deviation": std_returns_the_variance,
        "N_out instead of N_in for Xavier and He": std_fan_out_for_xavier_and_he,
        "He without the factor 2": std_he_without_the_2,
        "Glorot without the factor 2": std_glorot_without_the_2,
        "Glorot with the mean of the variances 1/N_in and 1/N_out": std_glorot_arithmetic_mean,
        "He as √2 / N_in": std_he_as_sqrt2_over_n,
        "Xavier computed as He": std_xavier_as_he,
    },
    "09.init_weights": {
        "the shape (N_in, N_out)": weights_transposed,
        "scaled by the variance, not the standard deviation": weights_scaled_by_the_variance,
        "a uniform distribution": weights_uniform,
        "the seed ignored": weights_seed_ignored,
        "N_in and N_out swapped in s": weights_fan_in_and_out_swapped,
        "float32 returned": weights_float32,
        "one row repeated": weights_one_row_repeated,
    },
    "09.activation_variances": {
        "the variance before the activation": variances_before_the_activation,
        "the standard deviation instead of the variance": variances_std_instead_of_var,
        "'normal' read as Xavier": variances_normal_read_as_xavier,
        "the weights scaled by s²": variances_variance_as_std,
        "the input counted as layer 1 (off by one)": variances_input_counted_as_layer_1,
        "tanh for every activation": variances_tanh_for_every_activation,
        "the mean square instead of the variance": variances_mean_square_not_variance,
    },
    "09.clip_grad_norm": {
        "each array clipped on its own": clip_each_array_on_its_own,
        "the sum of the norms as the global norm": clip_sum_of_norms,
        "rescaled even inside the limit": clip_always_rescaled,
        "the norm after clipping returned": clip_returns_the_norm_after,
        "clipping by value": clip_by_value,
        "the squared norm": clip_squared_norm,
        "the factor applied twice": clip_inverted_factor,
        "the gradients modified in place": clip_in_place,
        "the norm of the first array only": clip_first_array_only,
    },
    "09.leaky_relu_std": {
        "E[f(z)²] taken as (1 + a) Var(z) / 2": leaky_linear_in_the_slope,
        "the slope ignored (He)": leaky_slope_ignored,
        "without the factor 2": leaky_without_the_2,
        "the variance, not the standard deviation": leaky_returns_the_variance,
        "the square of the mean slope": leaky_mean_of_the_slopes_squared,
        "(1 + a²) multiplies instead of divides": leaky_slope_multiplies,
        "|a| instead of a²": leaky_slope_not_squared_abs,
    },
}
