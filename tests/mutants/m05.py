"""Typical mistakes in the answers of exercise set 05 (losses and output layers)."""

import numpy as np

from mlpbook.activations import sigmoid


def _lse(Z):
    m = np.max(Z, axis=1, keepdims=True)
    return (m + np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True)))[:, 0]


# 05.logsumexp ----------------------------------------------------------------------------------
def lse_naive(Z):
    return np.log(np.sum(np.exp(Z), axis=1))


def lse_global_max(Z):
    m = np.max(Z)
    return m + np.log(np.sum(np.exp(Z - m), axis=1))


def lse_keeps_the_axis(Z):
    m = np.max(Z, axis=1, keepdims=True)
    return m + np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True))


def lse_wrong_axis(Z):
    m = np.max(Z, axis=0, keepdims=True)
    return (m + np.log(np.sum(np.exp(Z - m), axis=0, keepdims=True)))[0]


def lse_forgets_the_shift(Z):
    m = np.max(Z, axis=1, keepdims=True)
    return np.log(np.sum(np.exp(Z - m), axis=1))


def lse_float64(Z):
    Z = np.asarray(Z, dtype=np.float64)
    m = np.max(Z, axis=1, keepdims=True)
    return (m + np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True)))[:, 0]


def lse_in_place(Z):
    m = np.max(Z, axis=1, keepdims=True)
    Z -= m
    return m[:, 0] + np.log(np.sum(np.exp(Z), axis=1))


# 05.cross_entropy ------------------------------------------------------------------------------
def ce_sum(Z, labels):
    return float(np.sum(_lse(Z) - Z[np.arange(len(Z)), labels]))


def ce_sign_flip(Z, labels):
    return float(np.mean(Z[np.arange(len(Z)), labels] - _lse(Z)))


def ce_naive_log_softmax(Z, labels):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    return float(np.mean(-np.log(P[np.arange(len(Z)), labels])))


def ce_label_columns(Z, labels):
    return float(np.mean(_lse(Z)[:, None] - Z[:, labels]))


def ce_mean_over_entries(Z, labels):
    return float(np.sum(_lse(Z) - Z[np.arange(len(Z)), labels]) / Z.size)


def ce_global_max(Z, labels):
    m = np.max(Z)
    lse = m + np.log(np.sum(np.exp(Z - m), axis=1))
    return float(np.mean(lse - Z[np.arange(len(Z)), labels]))


def ce_largest_logit(Z, labels):
    return float(np.mean(_lse(Z) - Z.max(axis=1)))


# 05.cross_entropy_grad -------------------------------------------------------------------------
def _softmax(Z):
    return np.exp(Z - _lse(Z)[:, None])


def grad_without_1_over_n(Z, labels):
    P = _softmax(Z)
    P[np.arange(len(Z)), labels] -= 1
    return P


def grad_sign_flip(Z, labels):
    P = _softmax(Z)
    P[np.arange(len(Z)), labels] -= 1
    return -P / len(Z)


def grad_one_hot_columns(Z, labels):
    P = _softmax(Z)
    P[:, labels] -= 1
    return P / len(Z)


def grad_divided_by_classes(Z, labels):
    P = _softmax(Z)
    P[np.arange(len(Z)), labels] -= 1
    return P / Z.shape[1]


def grad_global_max(Z, labels):
    E = np.exp(Z - np.max(Z))
    P = E / E.sum(axis=1, keepdims=True)
    P[np.arange(len(Z)), labels] -= 1
    return P / len(Z)


def grad_in_place(Z, labels):
    Z -= Z.max(axis=1, keepdims=True)
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    P[np.arange(len(Z)), labels] -= 1
    return P / len(Z)


def grad_transposed(Z, labels):
    P = _softmax(Z)
    P[np.arange(len(Z)), labels] -= 1
    return (P / len(Z)).T


# 05.bce_with_logits ----------------------------------------------------------------------------
def _bce_terms(Z, Y):
    return np.maximum(Z, 0) - Z * Y + np.log1p(np.exp(-np.abs(Z)))


def bce_naive(Z, Y):
    S = 1 / (1 + np.exp(-Z))
    loss = -np.sum(Y * np.log(S) + (1 - Y) * np.log(1 - S)) / len(Z)
    return float(loss), (S - Y) / len(Z)


def bce_mean_over_entries(Z, Y):
    return float(np.mean(_bce_terms(Z, Y))), (sigmoid(Z) - Y) / len(Z)


def bce_grad_without_1_over_n(Z, Y):
    return float(_bce_terms(Z, Y).sum() / len(Z)), sigmoid(Z) - Y


def bce_grad_sign_flip(Z, Y):
    return float(_bce_terms(Z, Y).sum() / len(Z)), (Y - sigmoid(Z)) / len(Z)


def bce_loss_sign_slip(Z, Y):
    terms = np.maximum(Z, 0) + Z * Y + np.log1p(np.exp(-np.abs(Z)))
    return float(terms.sum() / len(Z)), (sigmoid(Z) - Y) / len(Z)


def bce_without_max(Z, Y):
    terms = -Z * Y + np.log1p(np.exp(-np.abs(Z)))
    return float(terms.sum() / len(Z)), (sigmoid(Z) - Y) / len(Z)


def bce_naive_gradient(Z, Y):
    return float(_bce_terms(Z, Y).sum() / len(Z)), (1 / (1 + np.exp(-Z)) - Y) / len(Z)


# 05.sigmoid_squared_loss -----------------------------------------------------------------------
def _squared(S, Y):
    return float(0.5 * np.sum((S - Y) ** 2) / len(S))


def mismatched_natural_gradient(Z, Y):
    S = sigmoid(Z)
    return _squared(S, Y), (S - Y) / len(Z)


def mismatched_without_1_over_n(Z, Y):
    S = sigmoid(Z)
    return _squared(S, Y), (S - Y) * S * (1 - S)


def mismatched_sign_flip(Z, Y):
    S = sigmoid(Z)
    return _squared(S, Y), (Y - S) * S * (1 - S) / len(Z)


def mismatched_without_half(Z, Y):
    S = sigmoid(Z)
    return 2 * _squared(S, Y), (S - Y) * S * (1 - S) / len(Z)


def mismatched_loss_mean_over_entries(Z, Y):
    S = sigmoid(Z)
    return float(0.5 * np.mean((S - Y) ** 2)), (S - Y) * S * (1 - S) / len(Z)


def mismatched_derivative_at_the_output(Z, Y):
    S = sigmoid(Z)
    T = sigmoid(S)
    return _squared(S, Y), (S - Y) * T * (1 - T) / len(Z)


def mismatched_naive_sigmoid(Z, Y):
    S = 1 / (1 + np.exp(-Z))
    return _squared(S, Y), (S - Y) * S * (1 - S) / len(Z)


def mismatched_bce_loss(Z, Y):
    S = sigmoid(Z)
    loss = np.sum(_bce_terms(Z, Y)) / len(Z)
    return float(loss), (S - Y) * S * (1 - S) / len(Z)


MUTANTS = {
    "05.logsumexp": {
        "the naive formula (exp overflows)": lse_naive,
        "one maximum for the whole batch": lse_global_max,
        "returns shape (n, 1) (keepdims left on)": lse_keeps_the_axis,
        "over the wrong axis": lse_wrong_axis,
        "the maximum not added back": lse_forgets_the_shift,
        "float64 returned for float32": lse_float64,
        "shifts Z in place (changes the argument)": lse_in_place,
    },
    "05.cross_entropy": {
        "sum instead of mean over the batch": ce_sum,
        "sign flip": ce_sign_flip,
        "log of the softmax (log 0 for huge logits)": ce_naive_log_softmax,
        "Z[:, labels] picks whole columns": ce_label_columns,
        "mean over every entry (n·K) instead of the samples": ce_mean_over_entries,
        "the largest logit instead of the label's": ce_largest_logit,
        "one maximum for the whole batch": ce_global_max,
    },
    "05.cross_entropy_grad": {
        "the 1/n forgotten": grad_without_1_over_n,
        "sign flip": grad_sign_flip,
        "one-hot subtracted from whole columns": grad_one_hot_columns,
        "divided by K instead of n": grad_divided_by_classes,
        "one maximum for the whole batch": grad_global_max,
        "shifts Z in place (changes the argument)": grad_in_place,
        "transposed": grad_transposed,
    },
    "05.bce_with_logits": {
        "the naive formula (log 0 and overflow)": bce_naive,
        "loss averaged over every entry instead of the samples": bce_mean_over_entries,
        "gradient without 1/n": bce_grad_without_1_over_n,
        "gradient sign flip": bce_grad_sign_flip,
        "+zy instead of −zy in the loss": bce_loss_sign_slip,
        "the max(z, 0) part forgotten": bce_without_max,
        "the naive sigmoid in the gradient (exp overflows)": bce_naive_gradient,
    },
    "05.sigmoid_squared_loss": {
        "ŷ − y, the gradient of the natural pair": mismatched_natural_gradient,
        "gradient without 1/n": mismatched_without_1_over_n,
        "gradient sign flip": mismatched_sign_flip,
        "loss without the ½": mismatched_without_half,
        "loss averaged over every entry instead of the samples": mismatched_loss_mean_over_entries,
        "σ' taken at σ(z) instead of z": mismatched_derivative_at_the_output,
        "the naive sigmoid (exp overflows)": mismatched_naive_sigmoid,
        "the BCE as loss": mismatched_bce_loss,
    },
}
