"""Typical mistakes in the answers of exercise set 06 (backpropagation)."""

import numpy as np


# 06.dense_backward -----------------------------------------------------------------------------
def dense_dw_transposed(A_prev, W, dZ):
    return A_prev.T @ dZ, dZ.sum(axis=0), dZ @ W


def dense_db_wrong_axis(A_prev, W, dZ):
    return dZ.T @ A_prev, dZ.sum(axis=1), dZ @ W


def dense_db_mean(A_prev, W, dZ):
    return dZ.T @ A_prev, dZ.mean(axis=0), dZ @ W


def dense_dw_over_n(A_prev, W, dZ):
    return dZ.T @ A_prev / len(A_prev), dZ.sum(axis=0), dZ @ W


def dense_da_transposed(A_prev, W, dZ):
    return dZ.T @ A_prev, dZ.sum(axis=0), W.T @ dZ.T


def dense_db_keepdims(A_prev, W, dZ):
    return dZ.T @ A_prev, dZ.sum(axis=0, keepdims=True), dZ @ W


def dense_float64(A_prev, W, dZ):
    A_prev, W, dZ = (np.asarray(a, dtype=np.float64) for a in (A_prev, W, dZ))
    return dZ.T @ A_prev, dZ.sum(axis=0), dZ @ W


def dense_da_sign_flip(A_prev, W, dZ):
    return dZ.T @ A_prev, dZ.sum(axis=0), -(dZ @ W)


# 06.mlp_gradients ------------------------------------------------------------------------------
def _forward(X, weights, biases):
    A, As, Zs = X, [X], []
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        Z = A @ W.T + b
        A = Z if ell == len(weights) - 1 else np.maximum(Z, 0)
        Zs.append(Z)
        As.append(A)
    return As, Zs


def _backward(X, Y, weights, biases, *, strict=False, scale=None, sign=1.0, from_a=False,
              keepdims=False, stop=-1):
    As, Zs = _forward(X, weights, biases)
    n = X.shape[0]
    delta = sign * (As[-1] - Y) / (n if scale is None else scale)
    dWs, dbs = [], []
    for ell in range(len(weights) - 1, stop, -1):
        dWs.insert(0, delta.T @ As[ell])
        dbs.insert(0, delta.sum(axis=0, keepdims=keepdims))
        if ell > 0:
            pre = As[ell] if from_a else Zs[ell - 1]  # As[ell] = ReLU(Zs[ell - 1]) ≥ 0
            delta = (delta @ weights[ell]) * ((pre > 0) if strict else (pre >= 0))
    return dWs, dbs


def mlp_relu_strict(X, Y, weights, biases):
    return _backward(X, Y, weights, biases, strict=True)


def mlp_without_1_over_n(X, Y, weights, biases):
    return _backward(X, Y, weights, biases, scale=1)


def mlp_sign_flip(X, Y, weights, biases):
    return _backward(X, Y, weights, biases, sign=-1.0)


def mlp_derivative_of_activation(X, Y, weights, biases):
    return _backward(X, Y, weights, biases, from_a=True)


def mlp_dbs_keepdims(X, Y, weights, biases):
    return _backward(X, Y, weights, biases, keepdims=True)


def mlp_misses_the_first_layer(X, Y, weights, biases):
    return _backward(X, Y, weights, biases, stop=0)


def mlp_relu_on_the_output(X, Y, weights, biases):
    As, Zs = _forward(X, weights, biases)
    out = np.maximum(Zs[-1], 0)
    delta = (out - Y) / X.shape[0] * (Zs[-1] >= 0)
    dWs, dbs = [], []
    for ell in range(len(weights) - 1, -1, -1):
        dWs.insert(0, delta.T @ As[ell])
        dbs.insert(0, delta.sum(axis=0))
        if ell > 0:
            delta = (delta @ weights[ell]) * (Zs[ell - 1] >= 0)
    return dWs, dbs


def mlp_derivative_of_the_wrong_layer(X, Y, weights, biases):
    As, Zs = _forward(X, weights, biases)
    delta = (As[-1] - Y) / X.shape[0]
    dWs, dbs = [], []
    for ell in range(len(weights) - 1, -1, -1):
        dWs.insert(0, delta.T @ As[ell])
        dbs.insert(0, delta.sum(axis=0))
        if ell > 0:
            delta = (delta @ weights[ell]) * (Zs[ell] >= 0)
    return dWs, dbs


def mlp_changes_y_in_place(X, Y, weights, biases):
    As, Zs = _forward(X, weights, biases)
    Y -= As[-1]
    delta = -Y / X.shape[0]
    dWs, dbs = [], []
    for ell in range(len(weights) - 1, -1, -1):
        dWs.insert(0, delta.T @ As[ell])
        dbs.insert(0, delta.sum(axis=0))
        if ell > 0:
            delta = (delta @ weights[ell]) * (Zs[ell - 1] >= 0)
    return dWs, dbs


# 06.example2_epoch -----------------------------------------------------------------------------
def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def example2_updates_v_first(X, D, W, b, V, c, alpha):
    H = _sigmoid(X @ W + b)
    grad_U = -(D - (H @ V + c))
    V = V - alpha * H.T @ grad_U
    c = c - alpha * grad_U.sum(axis=0)
    grad_Z = (grad_U @ V.T) * H * (1 - H)
    return W - alpha * X.T @ grad_Z, b - alpha * grad_Z.sum(axis=0), V, c


def example2_sign_flip(X, D, W, b, V, c, alpha):
    H = _sigmoid(X @ W + b)
    grad_U = D - (H @ V + c)
    grad_Z = (grad_U @ V.T) * H * (1 - H)
    return (W - alpha * X.T @ grad_Z, b - alpha * grad_Z.sum(axis=0),
            V - alpha * H.T @ grad_U, c - alpha * grad_U.sum(axis=0))


def example2_without_sigmoid_derivative(X, D, W, b, V, c, alpha):
    H = _sigmoid(X @ W + b)
    grad_U = -(D - (H @ V + c))
    grad_Z = grad_U @ V.T
    return (W - alpha * X.T @ grad_Z, b - alpha * grad_Z.sum(axis=0),
            V - alpha * H.T @ grad_U, c - alpha * grad_U.sum(axis=0))


def example2_mean_over_patterns(X, D, W, b, V, c, alpha):
    n = X.shape[0]
    H = _sigmoid(X @ W + b)
    grad_U = -(D - (H @ V + c)) / n
    grad_Z = (grad_U @ V.T) * H * (1 - H)
    return (W - alpha * X.T @ grad_Z, b - alpha * grad_Z.sum(axis=0),
            V - alpha * H.T @ grad_U, c - alpha * grad_U.sum(axis=0))


def example2_v_not_transposed(X, D, W, b, V, c, alpha):
    H = _sigmoid(X @ W + b)
    grad_U = -(D - (H @ V + c))
    grad_Z = (grad_U @ V.reshape(V.shape[1], V.shape[0])) * H * (1 - H)
    return (W - alpha * X.T @ grad_Z, b - alpha * grad_Z.sum(axis=0),
            V - alpha * H.T @ grad_U, c - alpha * grad_U.sum(axis=0))


def example2_derivative_of_z(X, D, W, b, V, c, alpha):
    Z = X @ W + b
    H = _sigmoid(Z)
    grad_U = -(D - (H @ V + c))
    grad_Z = (grad_U @ V.T) * Z * (1 - Z)
    return (W - alpha * X.T @ grad_Z, b - alpha * grad_Z.sum(axis=0),
            V - alpha * H.T @ grad_U, c - alpha * grad_U.sum(axis=0))


def example2_in_place(X, D, W, b, V, c, alpha):
    H = _sigmoid(X @ W + b)
    grad_U = -(D - (H @ V + c))
    grad_Z = (grad_U @ V.T) * H * (1 - H)
    W -= alpha * X.T @ grad_Z
    b -= alpha * grad_Z.sum(axis=0)
    V -= alpha * H.T @ grad_U
    c -= alpha * grad_U.sum(axis=0)
    return W, b, V, c


# 06.numerical_gradients ------------------------------------------------------------------------
def _cost(X, Y, weights, biases):
    A = X
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        Z = A @ W.T + b
        A = Z if ell == len(weights) - 1 else np.tanh(Z)
    return 0.5 * np.sum((A - Y) ** 2) / X.shape[0]


def _differences(X, Y, weights, biases, h, quotient, cost=_cost):
    weights = [W.copy() for W in weights]
    biases = [b.copy() for b in biases]
    grads = []
    for params in (weights, biases):
        out = []
        for p in params:
            g = np.zeros_like(p)
            for i in np.ndindex(p.shape):
                old = p[i]
                p[i] = old + h
                plus = cost(X, Y, weights, biases)
                p[i] = old - h
                minus = cost(X, Y, weights, biases)
                p[i] = old
                base = cost(X, Y, weights, biases)
                g[i] = quotient(plus, minus, base, h)
            out.append(g)
        grads.append(out)
    return tuple(grads)


def numerical_forward_difference(X, Y, weights, biases, h):
    return _differences(X, Y, weights, biases, h, lambda p, m, c, h: (p - c) / h)


def numerical_divided_by_h(X, Y, weights, biases, h):
    return _differences(X, Y, weights, biases, h, lambda p, m, c, h: (p - m) / h)


def numerical_sign_flip(X, Y, weights, biases, h):
    return _differences(X, Y, weights, biases, h, lambda p, m, c, h: (m - p) / (2 * h))


def numerical_sum_over_samples(X, Y, weights, biases, h):
    def cost(*args):
        return _cost(*args) * X.shape[0]

    return _differences(X, Y, weights, biases, h, lambda p, m, c, h: (p - m) / (2 * h), cost)


def numerical_relu_network(X, Y, weights, biases, h):
    def cost(X, Y, weights, biases):
        A = X
        for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
            Z = A @ W.T + b
            A = Z if ell == len(weights) - 1 else np.maximum(Z, 0)
        return 0.5 * np.sum((A - Y) ** 2) / X.shape[0]

    return _differences(X, Y, weights, biases, h, lambda p, m, c, h: (p - m) / (2 * h), cost)


def numerical_exact_gradient(X, Y, weights, biases, h):
    """The backpropagated gradient, which is not what central differences with step h give."""
    A, As, Zs = X, [X], []
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        Z = A @ W.T + b
        A = Z if ell == len(weights) - 1 else np.tanh(Z)
        Zs.append(Z)
        As.append(A)
    delta = (As[-1] - Y) / X.shape[0]
    dWs, dbs = [], []
    for ell in range(len(weights) - 1, -1, -1):
        dWs.insert(0, delta.T @ As[ell])
        dbs.insert(0, delta.sum(axis=0))
        if ell > 0:
            delta = (delta @ weights[ell]) * (1 - As[ell] ** 2)
    return dWs, dbs


def numerical_not_restored(X, Y, weights, biases, h):
    grads = []
    for params in (weights, biases):
        out = []
        for p in params:
            g = np.zeros_like(p)
            for i in np.ndindex(p.shape):
                p[i] += h
                plus = _cost(X, Y, weights, biases)
                p[i] -= 2 * h
                minus = _cost(X, Y, weights, biases)
                p[i] += h  # w + h − 2h + h need not give w back exactly
                g[i] = (plus - minus) / (2 * h)
            out.append(g)
        grads.append(out)
    return tuple(grads)


def numerical_one_step_per_layer(X, Y, weights, biases, h):
    """Moves a whole matrix at once: the directional derivative, spread over the entries."""
    weights = [W.copy() for W in weights]
    biases = [b.copy() for b in biases]
    grads = []
    for params in (weights, biases):
        out = []
        for p in params:
            old = p.copy()
            p += h
            plus = _cost(X, Y, weights, biases)
            p[...] = old - h
            minus = _cost(X, Y, weights, biases)
            p[...] = old
            out.append(np.full_like(p, (plus - minus) / (2 * h) / p.size))
        grads.append(out)
    return tuple(grads)


MUTANTS = {
    "06.dense_backward": {
        "dW transposed (Aᵀ δ)": dense_dw_transposed,
        "db summed over the wrong axis": dense_db_wrong_axis,
        "db averaged instead of summed": dense_db_mean,
        "dW divided by n": dense_dw_over_n,
        "dA returned transposed (Wᵀ δᵀ)": dense_da_transposed,
        "db with keepdims (shape (1, N_out))": dense_db_keepdims,
        "float64 returned for float32": dense_float64,
        "dA with the wrong sign": dense_da_sign_flip,
    },
    "06.mlp_gradients": {
        "ReLU'(z) with z > 0 where the statement fixes z ≥ 0": mlp_relu_strict,
        "the 1/n of the mean loss forgotten": mlp_without_1_over_n,
        "sign flip (y − ŷ)": mlp_sign_flip,
        "ReLU' taken from A instead of Z": mlp_derivative_of_activation,
        "dbs with keepdims (shape (1, N))": mlp_dbs_keepdims,
        "off by one: the loop stops before the first layer": mlp_misses_the_first_layer,
        "a ReLU on the output layer too": mlp_relu_on_the_output,
        "ReLU' of the layer above": mlp_derivative_of_the_wrong_layer,
        "changes Y in place": mlp_changes_y_in_place,
    },
    "06.example2_epoch": {
        "V and c updated before ∇_Z J, which needs the old V": example2_updates_v_first,
        "sign flip (d − y)": example2_sign_flip,
        "the sigmoid's derivative forgotten": example2_without_sigmoid_derivative,
        "mean instead of sum over the patterns": example2_mean_over_patterns,
        "V reshaped instead of transposed": example2_v_not_transposed,
        "σ' written as z(1 − z) instead of h(1 − h)": example2_derivative_of_z,
        "updates the parameters in place": example2_in_place,
    },
    "06.numerical_gradients": {
        "forward difference": numerical_forward_difference,
        "divided by h instead of 2h": numerical_divided_by_h,
        "sign flip": numerical_sign_flip,
        "the summed loss instead of the mean": numerical_sum_over_samples,
        "a ReLU network instead of tanh": numerical_relu_network,
        "the backpropagated gradient instead of the differences": numerical_exact_gradient,
        "perturbs the arguments and does not restore them exactly": numerical_not_restored,
        "one step for a whole matrix": numerical_one_step_per_layer,
    },
}
