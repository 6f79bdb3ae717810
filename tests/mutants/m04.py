"""Typical mistakes in the answers of exercise set 04 (activation functions)."""

import numpy as np

from mlpbook.activations import sigmoid


def _stable_softmax(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


# 04.softmax ------------------------------------------------------------------------------------
def softmax_global_max(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_naive(z):
    e = np.exp(z)
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_wrong_axis(z):
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


def softmax_no_keepdims(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1)


def softmax_float64(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_in_place(z):
    z -= np.max(z, axis=-1, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_min_shift(z):
    e = np.exp(z - np.min(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


# 04.sigmoid_derivative ------------------------------------------------------------------------
def derivative_s_one_minus_s(z):
    s = sigmoid(z)
    return s * (1 - s)


def derivative_naive(z):
    e = np.exp(-z)
    return e / (1 + e) ** 2


def derivative_tanh_form(z):
    return (0.25 * (1 - np.tanh(np.asarray(z) / 2) ** 2)).astype(np.asarray(z).dtype)


def derivative_float64(z):
    e = np.exp(-np.abs(np.asarray(z, dtype=np.float64)))
    return e / (1 + e) ** 2


def derivative_no_square(z):
    e = np.exp(-np.abs(z))
    return e / (1 + e)


def derivative_sign_flip(z):
    e = np.exp(-np.abs(z))
    return -e / (1 + e) ** 2


# 04.softplus ----------------------------------------------------------------------------------
def softplus_naive(z):
    return np.log(1 + np.exp(z))


def softplus_without_log1p(z):
    return np.maximum(z, 0) + np.log(1 + np.exp(-np.abs(z)))


def softplus_without_max(z):
    return np.log1p(np.exp(-np.abs(z)))


def softplus_float64(z):
    z = np.asarray(z, dtype=np.float64)
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def softplus_minimum(z):
    return np.minimum(z, 0) + np.log1p(np.exp(-np.abs(z)))


# 04.softmax_jacobian --------------------------------------------------------------------------
def jacobian_sign_flip(z):
    s = _stable_softmax(z)
    return np.outer(s, s) - np.diag(s)


def jacobian_without_diag(z):
    s = _stable_softmax(z)
    return -np.outer(s, s)


def jacobian_only_diagonal(z):
    s = _stable_softmax(z)
    return np.diag(s * (1 - s))


def jacobian_elementwise_square(z):
    s = _stable_softmax(z)
    return np.diag(s) - s * s


def jacobian_naive_softmax(z):
    e = np.exp(z)
    s = e / e.sum()
    return np.diag(s) - np.outer(s, s)


# 04.softmax_backward --------------------------------------------------------------------------
def backward_global_sum(Z, G):
    S = _stable_softmax(Z)
    return S * (G - np.sum(G * S))


def backward_wrong_axis(Z, G):
    S = _stable_softmax(Z)
    return S * (G - np.sum(G * S, axis=0, keepdims=True))


def backward_no_keepdims(Z, G):
    S = _stable_softmax(Z)
    return S * (G - np.sum(G * S, axis=1))


def backward_sign_flip(Z, G):
    S = _stable_softmax(Z)
    return S * (np.sum(G * S, axis=1, keepdims=True) - G)


def backward_diagonal_only(Z, G):
    S = _stable_softmax(Z)
    return S * (1 - S) * G


def backward_naive_softmax(Z, G):
    E = np.exp(Z)
    S = E / E.sum(axis=1, keepdims=True)
    return S * (G - np.sum(G * S, axis=1, keepdims=True))


def backward_in_place(Z, G):
    S = _stable_softmax(Z)
    G -= np.sum(G * S, axis=1, keepdims=True)
    return S * G


# 04.prelu_backward ----------------------------------------------------------------------------
def prelu_strict_inequality(Z, G, alpha):
    dZ = G * np.where(Z > 0, 1.0, alpha)
    return dZ, float(np.sum(G * np.minimum(Z, 0)))


def prelu_dalpha_per_unit(Z, G, alpha):
    dZ = G * np.where(Z >= 0, 1.0, alpha)
    return dZ, np.sum(G * np.minimum(Z, 0), axis=0)


def prelu_dalpha_mean(Z, G, alpha):
    dZ = G * np.where(Z >= 0, 1.0, alpha)
    return dZ, float(np.sum(G * np.minimum(Z, 0)) / Z.shape[0])


def prelu_dalpha_indicator(Z, G, alpha):
    dZ = G * np.where(Z >= 0, 1.0, alpha)
    return dZ, float(np.sum(G * (Z < 0)))


def prelu_dalpha_all_z(Z, G, alpha):
    dZ = G * np.where(Z >= 0, 1.0, alpha)
    return dZ, float(np.sum(G * Z))


def prelu_dalpha_without_upstream(Z, G, alpha):
    dZ = G * np.where(Z >= 0, 1.0, alpha)
    return dZ, float(np.sum(np.minimum(Z, 0)))


def prelu_dz_without_upstream(Z, G, alpha):
    return np.where(Z >= 0, 1.0, alpha), float(np.sum(G * np.minimum(Z, 0)))


def prelu_dz_slope_times_z(Z, G, alpha):
    dZ = G * np.where(Z >= 0, 1.0, alpha * Z)
    return dZ, float(np.sum(G * np.minimum(Z, 0)))


def prelu_in_place(Z, G, alpha):
    dalpha = float(np.sum(G * np.minimum(Z, 0)))
    G[Z < 0] *= alpha
    return G, dalpha


MUTANTS = {
    "04.softmax": {
        "one maximum for the whole batch": softmax_global_max,
        "the naive formula (exp overflows)": softmax_naive,
        "softmax over the wrong axis": softmax_wrong_axis,
        "sum without keepdims": softmax_no_keepdims,
        "float64 returned for float32": softmax_float64,
        "subtracts the maximum in place (changes the argument)": softmax_in_place,
        "subtracts the minimum instead of the maximum": softmax_min_shift,
    },
    "04.sigmoid_derivative": {
        "s(1 − s), which rounds to 0 in the tails": derivative_s_one_minus_s,
        "the naive formula (exp overflows)": derivative_naive,
        "(1 − tanh²(z/2))/4, which rounds to 0 in the tails": derivative_tanh_form,
        "float64 returned for float32": derivative_float64,
        "the square of the denominator forgotten": derivative_no_square,
        "sign flip": derivative_sign_flip,
    },
    "04.softplus": {
        "the naive formula (exp overflows)": softplus_naive,
        "log(1 + u) instead of log1p (zero for very negative z)": softplus_without_log1p,
        "the max(z, 0) part forgotten": softplus_without_max,
        "float64 returned for float32": softplus_float64,
        "min(z, 0) instead of max(z, 0)": softplus_minimum,
    },
    "04.softmax_jacobian": {
        "sign flip": jacobian_sign_flip,
        "the diagonal term forgotten": jacobian_without_diag,
        "only the diagonal": jacobian_only_diagonal,
        "s ⊙ s instead of the outer product": jacobian_elementwise_square,
        "the naive softmax (exp overflows)": jacobian_naive_softmax,
    },
    "04.softmax_backward": {
        "one inner product for the whole batch": backward_global_sum,
        "the inner product over the wrong axis": backward_wrong_axis,
        "inner product without keepdims": backward_no_keepdims,
        "sign flip": backward_sign_flip,
        "only the diagonal of the Jacobian": backward_diagonal_only,
        "the naive softmax (exp overflows)": backward_naive_softmax,
        "changes G in place": backward_in_place,
    },
    "04.prelu_backward": {
        "slope α at z = 0 (z > 0 for z ≥ 0)": prelu_strict_inequality,
        "one dα per unit, though α is shared": prelu_dalpha_per_unit,
        "dα averaged over the samples": prelu_dalpha_mean,
        "∂a/∂α taken as 1{z < 0} instead of min(z, 0)": prelu_dalpha_indicator,
        "∂a/∂α taken as z everywhere": prelu_dalpha_all_z,
        "dα without the upstream gradient": prelu_dalpha_without_upstream,
        "dZ without the upstream gradient": prelu_dz_without_upstream,
        "dZ with slope αz on the negative side": prelu_dz_slope_times_z,
        "scales G in place and returns it": prelu_in_place,
    },
}
