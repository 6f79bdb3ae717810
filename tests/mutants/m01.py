"""Typical mistakes in the answers of exercise set 01 (perceptron to logistic regression)."""

import numpy as np

from mlpbook.activations import sigmoid


# 01.perceptron_update --------------------------------------------------------------------------
def perceptron_strict_threshold(w, b, x, y, eta):
    y_hat = 1.0 if w @ x + b > 0 else 0.0
    return w + eta * (y - y_hat) * x, float(b + eta * (y - y_hat))


def perceptron_sign_flip(w, b, x, y, eta):
    y_hat = 1.0 if w @ x + b >= 0 else 0.0
    return w + eta * (y_hat - y) * x, float(b + eta * (y_hat - y))


def perceptron_bias_not_updated(w, b, x, y, eta):
    y_hat = 1.0 if w @ x + b >= 0 else 0.0
    return w + eta * (y - y_hat) * x, float(b)


def perceptron_always_updates(w, b, x, y, eta):
    return w + eta * y * x, float(b + eta * y)


def perceptron_raw_score(w, b, x, y, eta):  # the error of the score, not of the decision
    z = w @ x + b
    return w + eta * (y - z) * x, float(b + eta * (y - z))


def perceptron_in_place(w, b, x, y, eta):
    y_hat = 1.0 if w @ x + b >= 0 else 0.0
    w += eta * (y - y_hat) * x
    return w, float(b + eta * (y - y_hat))


def perceptron_no_learning_rate(w, b, x, y, eta):
    y_hat = 1.0 if w @ x + b >= 0 else 0.0
    return w + (y - y_hat) * x, float(b + (y - y_hat))


# 01.sigmoid ------------------------------------------------------------------------------------
def sigmoid_naive(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_naive_other_form(z):
    e = np.exp(z)
    return e / (1 + e)


def sigmoid_float64(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_one_minus(z):  # σ(z) = 1 − σ(−z) for z < 0: the left tail rounds to 0
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), 1 - 1 / (1 + e)).astype(z.dtype)


def sigmoid_clipped(z):  # clipping the input to ±30 loses the tails
    z = np.asarray(z)
    return (1 / (1 + np.exp(-np.clip(z, -30, 30)))).astype(z.dtype)


def sigmoid_clipped_wide(z):  # ±500: no overflow, yet σ(−1000) is not 0
    z = np.asarray(z)
    return (1 / (1 + np.exp(-np.clip(z, -500, 500)))).astype(z.dtype)


def sigmoid_branches_swapped(z):
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1 + e), 1 / (1 + e)).astype(z.dtype)


def sigmoid_in_place(z):
    e = np.exp(-np.abs(z))
    positive = z >= 0
    z[...] = np.where(positive, 1 / (1 + e), e / (1 + e))
    return z


def sigmoid_tanh_wrong_scale(z):  # σ(z) = (1 + tanh(z/2))/2, written without the /2 inside
    z = np.asarray(z)
    return ((1 + np.tanh(z)) / 2).astype(z.dtype)


# 01.logistic_gradient ------------------------------------------------------------------------
def gradient_sign_flip(w, b, x, y):
    a = float(sigmoid(w @ x + b))
    return (y - a) * x, y - a


def gradient_naive_sigmoid(w, b, x, y):
    a = float(1 / (1 + np.exp(-(w @ x + b))))
    return (a - y) * x, a - y


def gradient_chain_rule_unsimplified(w, b, x, y):  # 0/0 once the neuron saturates
    a = float(sigmoid(w @ x + b))
    dz = (a - y) / (a * (1 - a)) * (a * (1 - a))
    return dz * x, dz


def gradient_extra_sigmoid_slope(w, b, x, y):  # the squared-error gradient
    a = float(sigmoid(w @ x + b))
    return (a - y) * a * (1 - a) * x, (a - y) * a * (1 - a)


def gradient_no_input(w, b, x, y):
    a = float(sigmoid(w @ x + b))
    return (a - y) * np.ones_like(x), a - y


def gradient_of_the_weights_for_the_bias(w, b, x, y):
    a = float(sigmoid(w @ x + b))
    return (a - y) * x, float(np.sum((a - y) * x))


# 01.logistic_regression_step ---------------------------------------------------------------
def step_no_mean(w, b, X, y, eta):
    g = sigmoid(X @ w + b) - y
    return w - eta * (X.T @ g), float(b - eta * g.sum())


def step_sign_flip(w, b, X, y, eta):
    g = (sigmoid(X @ w + b) - y) / X.shape[0]
    return w + eta * (X.T @ g), float(b + eta * g.sum())


def step_no_transpose(w, b, X, y, eta):
    g = (sigmoid(X @ w + b) - y) / X.shape[0]
    return w - eta * (X @ g), float(b - eta * g.sum())


def step_mean_twice_for_the_bias(w, b, X, y, eta):
    g = (sigmoid(X @ w + b) - y) / X.shape[0]
    return w - eta * (X.T @ g), float(b - eta * g.mean())


def step_divided_by_features(w, b, X, y, eta):
    g = (sigmoid(X @ w + b) - y) / X.shape[1]
    return w - eta * (X.T @ g), float(b - eta * g.sum())


def step_naive_sigmoid(w, b, X, y, eta):
    g = (1 / (1 + np.exp(-(X @ w + b))) - y) / X.shape[0]
    return w - eta * (X.T @ g), float(b - eta * g.sum())


def step_bias_after_update(w, b, X, y, eta):  # b's gradient from the already updated w
    n = X.shape[0]
    w_new = w - eta * (X.T @ (sigmoid(X @ w + b) - y)) / n
    return w_new, float(b - eta * np.sum(sigmoid(X @ w_new + b) - y) / n)


def step_in_place(w, b, X, y, eta):
    g = (sigmoid(X @ w + b) - y) / X.shape[0]
    w -= eta * (X.T @ g)
    return w, float(b - eta * g.sum())


def step_first_sample_only(w, b, X, y, eta):  # a loop that stops after one sample
    g = (sigmoid(X[:1] @ w + b) - y[:1]) / X.shape[0]
    return w - eta * (X[:1].T @ g), float(b - eta * g.sum())


# 01.xor_weights --------------------------------------------------------------------------------
def xor_for_a_strict_threshold():  # right for "1 if z > 0", wrong for "1 if z ≥ 0"
    return (np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([0.0, -1.0]),
            np.array([[1.0, -1.0]]), np.array([0.0]))


def xor_output_weights_swapped():  # AND and not OR
    return (np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-0.5, -1.5]),
            np.array([[-1.0, 1.0]]), np.array([-0.5]))


def xor_output_bias_sign():
    return (np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-0.5, -1.5]),
            np.array([[1.0, -1.0]]), np.array([0.5]))


def xor_output_as_a_vector():
    return (np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-0.5, -1.5]),
            np.array([1.0, -1.0]), np.array([-0.5]))


def xor_or_only():  # both hidden units compute OR
    return (np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-0.5, -0.5]),
            np.array([[1.0, -1.0]]), np.array([-0.5]))


# 01.logistic_hessian -------------------------------------------------------------------------
def _tilde(X):
    return np.column_stack([np.ones(X.shape[0]), X])


def _curvature(z):
    return sigmoid(z) * sigmoid(-z)


def hessian_no_mean(w, b, X):
    Xt = _tilde(X)
    return (Xt.T * _curvature(X @ w + b)) @ Xt


def hessian_without_the_curvature(w, b, X):  # the Hessian of the squared error of z
    Xt = _tilde(X)
    return Xt.T @ Xt / X.shape[0]


def hessian_a_instead_of_a_one_minus_a(w, b, X):
    Xt = _tilde(X)
    return (Xt.T * sigmoid(X @ w + b)) @ Xt / X.shape[0]


def hessian_naive_curvature(w, b, X):  # a(1 − a) loses every digit once a rounds to 1
    a = sigmoid(X @ w + b)
    Xt = _tilde(X)
    return (Xt.T * (a * (1 - a))) @ Xt / X.shape[0]


def hessian_sign_flip(w, b, X):
    Xt = _tilde(X)
    return -(Xt.T * _curvature(X @ w + b)) @ Xt / X.shape[0]


def hessian_bias_last(w, b, X):
    Xt = np.column_stack([X, np.ones(X.shape[0])])
    return (Xt.T * _curvature(X @ w + b)) @ Xt / X.shape[0]


def hessian_weights_only(w, b, X):
    return (X.T * _curvature(X @ w + b)) @ X / X.shape[0]


def hessian_mean_curvature(w, b, X):  # one average curvature for every sample
    Xt = _tilde(X)
    return np.mean(_curvature(X @ w + b)) * (Xt.T @ Xt) / X.shape[0]


def hessian_outer_of_gradient(w, b, X):  # the square of the gradient, not its derivative
    Xt = _tilde(X)
    g = Xt.T @ _curvature(X @ w + b) / X.shape[0]
    return np.outer(g, g)


MUTANTS = {
    "01.perceptron_update": {
        "threshold z > 0 where the statement fixes z ≥ 0": perceptron_strict_threshold,
        "error ŷ − y instead of y − ŷ": perceptron_sign_flip,
        "the bias is not updated": perceptron_bias_not_updated,
        "updates on every sample, right or wrong": perceptron_always_updates,
        "the error of the score z instead of the decision": perceptron_raw_score,
        "w updated in place (w += ...)": perceptron_in_place,
        "the learning rate left out": perceptron_no_learning_rate,
    },
    "01.sigmoid": {
        "the naive 1/(1 + exp(−z))": sigmoid_naive,
        "the naive exp(z)/(1 + exp(z))": sigmoid_naive_other_form,
        "float64 returned for float32": sigmoid_float64,
        "1 − σ(−z) for negative z": sigmoid_one_minus,
        "input clipped to ±30": sigmoid_clipped,
        "input clipped to ±500": sigmoid_clipped_wide,
        "the two branches swapped": sigmoid_branches_swapped,
        "the result written into the input array": sigmoid_in_place,
        "(1 + tanh z)/2 without halving z": sigmoid_tanh_wrong_scale,
    },
    "01.logistic_gradient": {
        "y − a instead of a − y": gradient_sign_flip,
        "the naive sigmoid": gradient_naive_sigmoid,
        "the chain rule's two factors not cancelled (0/0 when saturated)":
            gradient_chain_rule_unsimplified,
        "an extra factor a(1 − a) (the squared-error gradient)": gradient_extra_sigmoid_slope,
        "the input x left out of dw": gradient_no_input,
        "db summed over the inputs like dw": gradient_of_the_weights_for_the_bias,
    },
    "01.logistic_regression_step": {
        "the 1/n of the mean left out": step_no_mean,
        "a step up the gradient": step_sign_flip,
        "X instead of X.T": step_no_transpose,
        "1/n twice in the bias step": step_mean_twice_for_the_bias,
        "divided by the number of features": step_divided_by_features,
        "the naive sigmoid": step_naive_sigmoid,
        "b's gradient computed with the updated w": step_bias_after_update,
        "w updated in place (w -= ...)": step_in_place,
        "only the first sample used": step_first_sample_only,
    },
    "01.xor_weights": {
        "thresholds placed for z > 0": xor_for_a_strict_threshold,
        "AND and not OR": xor_output_weights_swapped,
        "the output bias with the wrong sign": xor_output_bias_sign,
        "W2 of shape (2,) instead of (1, 2)": xor_output_as_a_vector,
        "two OR units": xor_or_only,
    },
    "01.logistic_hessian": {
        "the 1/m of the mean left out": hessian_no_mean,
        "the curvature a(1 − a) left out": hessian_without_the_curvature,
        "a instead of a(1 − a)": hessian_a_instead_of_a_one_minus_a,
        "a(1 − a) computed from a rounded a": hessian_naive_curvature,
        "sign flip": hessian_sign_flip,
        "the bias last instead of first": hessian_bias_last,
        "the bias left out": hessian_weights_only,
        "one mean curvature for every sample": hessian_mean_curvature,
        "the outer product of a gradient-like vector": hessian_outer_of_gradient,
    },
}
