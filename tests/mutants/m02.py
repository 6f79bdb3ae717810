"""Typical mistakes in the answers of exercise set 02 (fully connected networks)."""

import numpy as np


def _relu(Z):
    return np.maximum(Z, 0)


# 02.forward_columns ----------------------------------------------------------------------------
def columns_bias_on_rows(A0, weights, biases):  # b added as it is: lines up with the columns
    A = A0
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        Z = W @ A + b
        A = Z if ell == len(weights) - 1 else _relu(Z)
    return A


def columns_relu_on_the_output(A0, weights, biases):
    A = A0
    for W, b in zip(weights, biases, strict=True):
        A = _relu(W @ A + b[:, None])
    return A


def columns_no_relu(A0, weights, biases):
    A = A0
    for W, b in zip(weights, biases, strict=True):
        A = W @ A + b[:, None]
    return A


def columns_last_layer_skipped(A0, weights, biases):
    A = A0
    for W, b in zip(weights[:-1], biases[:-1], strict=True):
        A = _relu(W @ A + b[:, None])
    return A


def columns_transposed_result(A0, weights, biases):
    A = A0
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        Z = W @ A + b[:, None]
        A = Z if ell == len(weights) - 1 else _relu(Z)
    return A.T


def columns_bias_subtracted(A0, weights, biases):
    A = A0
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        Z = W @ A - b[:, None]
        A = Z if ell == len(weights) - 1 else _relu(Z)
    return A


def columns_weights_transposed(A0, weights, biases):
    A = A0
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        Z = W.T @ A + b[:, None]
        A = Z if ell == len(weights) - 1 else _relu(Z)
    return A


# 02.forward_rows -------------------------------------------------------------------------------
def rows_book_weights(X, weights_rows, biases):  # H W.T, as if the weights were the book's
    H = X
    for ell, (W, b) in enumerate(zip(weights_rows, biases, strict=True)):
        Z = H @ W.T + b
        H = Z if ell == len(weights_rows) - 1 else _relu(Z)
    return H


def rows_bias_as_column(X, weights_rows, biases):
    H = X
    for ell, (W, b) in enumerate(zip(weights_rows, biases, strict=True)):
        Z = H @ W + b[:, None]
        H = Z if ell == len(weights_rows) - 1 else _relu(Z)
    return H


def rows_relu_on_the_output(X, weights_rows, biases):
    H = X
    for W, b in zip(weights_rows, biases, strict=True):
        H = _relu(H @ W + b)
    return H


def rows_no_relu(X, weights_rows, biases):
    H = X
    for W, b in zip(weights_rows, biases, strict=True):
        H = H @ W + b
    return H


def rows_columns_returned(X, weights_rows, biases):
    H = X
    for ell, (W, b) in enumerate(zip(weights_rows, biases, strict=True)):
        Z = H @ W + b
        H = Z if ell == len(weights_rows) - 1 else _relu(Z)
    return H.T


# 02.count_parameters ---------------------------------------------------------------------------
def count_no_biases(sizes):
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def count_biases_of_the_inputs(sizes):  # one bias per unit, the inputs included
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)) + sum(sizes)


def count_bias_per_input(sizes):
    return sum(a * b + a for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def count_last_layer_left_out(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-2], sizes[1:-1], strict=True))


def count_units_squared(sizes):
    return sum(n * n + n for n in sizes[1:])


def count_as_float(sizes):
    return float(np.sum([a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True)])) + 0.5


# 02.collapse_identity --------------------------------------------------------------------------
def collapse_wrong_order(weights, biases):
    W, b = weights[0], biases[0]
    for W_l, b_l in zip(weights[1:], biases[1:], strict=True):
        W, b = W @ W_l, W_l @ b + b_l
    return W, b


def collapse_biases_added(weights, biases):  # the earlier biases not sent through W_l
    W, b = weights[0], biases[0]
    for W_l, b_l in zip(weights[1:], biases[1:], strict=True):
        W, b = W_l @ W, b + b_l if b.shape == b_l.shape else b_l
    return W, b


def collapse_last_bias_only(weights, biases):
    W = weights[0]
    for W_l in weights[1:]:
        W = W_l @ W
    return W, biases[-1]


def collapse_later_biases_forgotten(weights, biases):  # W_l b without + b_l
    W, b = weights[0], biases[0]
    for W_l in weights[1:]:
        W, b = W_l @ W, W_l @ b
    return W, b


def collapse_first_layer_skipped(weights, biases):  # the loop starts at the second layer
    W, b = np.eye(weights[0].shape[0]), np.zeros(weights[0].shape[0])
    for W_l, b_l in zip(weights[1:], biases[1:], strict=True):
        W, b = W_l @ W, W_l @ b + b_l
    return W, b


def collapse_transposed(weights, biases):
    W, b = weights[0], biases[0]
    for W_l, b_l in zip(weights[1:], biases[1:], strict=True):
        W, b = W_l @ W, W_l @ b + b_l
    return W.T, b


# 02.absorb_biases ------------------------------------------------------------------------------
def _keep(columns):
    row = np.zeros((1, columns))
    row[0, 0] = 1.0
    return row


def absorb_no_constant_unit(weights, biases):
    return [np.column_stack([b, W]) for W, b in zip(weights, biases, strict=True)]


def absorb_bias_last(weights, biases):
    out = []
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        M = np.column_stack([W, b])
        if ell < len(weights) - 1:
            row = np.zeros((1, M.shape[1]))
            row[0, -1] = 1.0
            M = np.vstack([M, row])
        out.append(M)
    return out


def absorb_constant_unit_fed_nothing(weights, biases):  # a zero row: ReLU(0) = 0, not 1
    out = []
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        M = np.column_stack([b, W])
        if ell < len(weights) - 1:
            M = np.vstack([np.zeros((1, M.shape[1])), M])
        out.append(M)
    return out


def absorb_constant_unit_everywhere(weights, biases):  # the output gets one too
    return [np.vstack([_keep(W.shape[1] + 1), np.column_stack([b, W])])
            for W, b in zip(weights, biases, strict=True)]


def absorb_transposed(weights, biases):
    out = []
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        M = np.column_stack([b, W])
        if ell < len(weights) - 1:
            M = np.vstack([_keep(M.shape[1]), M])
        out.append(M.T)
    return out


def absorb_keep_row_of_ones(weights, biases):  # the constant unit sums the previous layer
    out = []
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        M = np.column_stack([b, W])
        if ell < len(weights) - 1:
            M = np.vstack([np.ones((1, M.shape[1])), M])
        out.append(M)
    return out


MUTANTS = {
    "02.forward_columns": {
        "b added as (N,) to an (N, n) array": columns_bias_on_rows,
        "ReLU on the output layer too": columns_relu_on_the_output,
        "no ReLU in the hidden layers": columns_no_relu,
        "the last layer left out": columns_last_layer_skipped,
        "the result transposed": columns_transposed_result,
        "the bias subtracted": columns_bias_subtracted,
        "W.T instead of W": columns_weights_transposed,
    },
    "02.forward_rows": {
        "H @ W.T as in the column convention": rows_book_weights,
        "b as a column": rows_bias_as_column,
        "ReLU on the output layer too": rows_relu_on_the_output,
        "no ReLU in the hidden layers": rows_no_relu,
        "the result transposed": rows_columns_returned,
    },
    "02.count_parameters": {
        "the biases left out": count_no_biases,
        "a bias for every unit, inputs included": count_biases_of_the_inputs,
        "one bias per input instead of per unit": count_bias_per_input,
        "the last layer left out": count_last_layer_left_out,
        "N_ℓ² instead of N_ℓ N_ℓ−1": count_units_squared,
        "not a whole number": count_as_float,
    },
    "02.collapse_identity": {
        "W W_l instead of W_l W": collapse_wrong_order,
        "the biases added without W_l": collapse_biases_added,
        "the last bias only": collapse_last_bias_only,
        "+ b_l forgotten after the first layer": collapse_later_biases_forgotten,
        "the first layer left out": collapse_first_layer_skipped,
        "W transposed": collapse_transposed,
    },
    "02.absorb_biases": {
        "no constant unit in the hidden layers": absorb_no_constant_unit,
        "bias column and constant unit last": absorb_bias_last,
        "a constant unit that is fed nothing": absorb_constant_unit_fed_nothing,
        "a constant unit in the output layer too": absorb_constant_unit_everywhere,
        "the matrices transposed": absorb_transposed,
        "the constant unit fed by every unit": absorb_keep_row_of_ones,
    },
}
