"""Typical mistakes in the answers of exercise set 03 (expressive power)."""

import numpy as np


# 03.relu_interpolation_weights -----------------------------------------------------------------
def _slopes(u, v):
    return np.diff(v) / np.diff(u)


def interpolation_slopes_not_changes(u, v):  # W2 = s instead of the change of slope
    s = _slopes(u, v)
    return np.ones((len(u) - 1, 1)), -u[:-1], s[None, :], np.array([v[0]])


def interpolation_bias_sign(u, v):
    s = _slopes(u, v)
    W2 = (s - np.concatenate(([0.0], s[:-1])))[None, :]
    return np.ones((len(u) - 1, 1)), u[:-1].copy(), W2, np.array([v[0]])


def interpolation_last_value(u, v):
    s = _slopes(u, v)
    W2 = (s - np.concatenate(([0.0], s[:-1])))[None, :]
    return np.ones((len(u) - 1, 1)), -u[:-1], W2, np.array([v[-1]])


def interpolation_one_unit_per_knot(u, v):
    s = np.concatenate((_slopes(u, v), [0.0]))
    W2 = (s - np.concatenate(([0.0], s[:-1])))[None, :]
    return np.ones((len(u), 1)), -u, W2, np.array([v[0]])


def interpolation_inverse_slopes(u, v):
    s = np.diff(u) / np.diff(v)
    W2 = (s - np.concatenate(([0.0], s[:-1])))[None, :]
    return np.ones((len(u) - 1, 1)), -u[:-1], W2, np.array([v[0]])


def interpolation_shapes_transposed(u, v):
    s = _slopes(u, v)
    W2 = (s - np.concatenate(([0.0], s[:-1])))[:, None]
    return np.ones((1, len(u) - 1)), -u[:-1], W2, np.array([v[0]])


def interpolation_changes_shifted(u, v):  # s_{i+1} − s_i: the change at the next knot
    s = np.concatenate((_slopes(u, v), [0.0]))
    W2 = (s[1:] - s[:-1])[None, :]
    return np.ones((len(u) - 1, 1)), -u[:-1], W2, np.array([v[0]])


def interpolation_bias_in_place(u, v):  # b1 is a view of u; negating it changes u
    s = _slopes(u, v)
    W2 = (s - np.concatenate(([0.0], s[:-1])))[None, :]
    b1 = u[:-1]
    b1 *= -1
    return np.ones((len(u) - 1, 1)), b1, W2, np.array([v[0]])


def interpolation_b2_as_a_number(u, v):
    s = _slopes(u, v)
    W2 = (s - np.concatenate(([0.0], s[:-1])))[None, :]
    return np.ones((len(u) - 1, 1)), -u[:-1], W2, float(v[0])


# 03.multiplication_gate_weights ----------------------------------------------------------------
_W1 = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
_W2 = np.array([[1.0, 1.0, -1.0, -1.0]])


def _second(activation, c):
    s, t = 1 / (1 + np.exp(-c)), np.tanh(c)
    return {"softplus": s * (1 - s), "sigmoid": s * (1 - s) * (1 - 2 * s),
            "tanh": -2 * t * (1 - t**2)}[activation]


def _gate(lam, second, shift, W1=_W1, W2=_W2, factor=4.0):
    return lam * W1, np.full(4, float(shift)), W2 / (factor * lam**2 * second)


def gate_first_derivative(lam, activation, shift):  # σ' where the gate needs σ''
    s, t = 1 / (1 + np.exp(-shift)), np.tanh(shift)
    first = {"softplus": s, "sigmoid": s * (1 - s), "tanh": 1 - t**2}[activation]
    return _gate(lam, first, shift)


def gate_lambda_not_squared(lam, activation, shift):
    W1, b1, W2 = _gate(lam, _second(activation, shift), shift)
    return W1, b1, W2 * lam


def gate_two_instead_of_four(lam, activation, shift):
    return _gate(lam, _second(activation, shift), shift, factor=2.0)


def gate_sigmoid_second_sign(lam, activation, shift):
    second = _second(activation, shift)
    return _gate(lam, -second if activation == "sigmoid" else second, shift)


def gate_tanh_second_sign(lam, activation, shift):
    second = _second(activation, shift)
    return _gate(lam, -second if activation == "tanh" else second, shift)


def gate_softplus_as_sigmoid(lam, activation, shift):  # softplus'' taken as σ'' (one too many)
    with np.errstate(divide="ignore"):
        return _gate(lam, _second("sigmoid" if activation == "softplus" else activation,
                                  shift), shift)


def gate_shift_forgotten(lam, activation, shift):
    return _gate(lam, _second(activation, shift), 0.0)


def gate_second_at_zero(lam, activation, shift):  # σ''(0) whatever the shift
    with np.errstate(divide="ignore"):
        return _gate(lam, _second(activation, 0.0), shift)


def gate_output_pattern_mismatched(lam, activation, shift):
    return _gate(lam, _second(activation, shift), shift, W2=np.array([[1.0, -1.0, 1.0, -1.0]]))


def gate_lambda_in_the_output_only(lam, activation, shift):
    W1, b1, W2 = _gate(lam, _second(activation, shift), shift)
    return W1 / lam, b1, W2


# 03.interaction_parameter_counts ---------------------------------------------------------------
def interactions_truncated_units(p, alpha):
    n1 = int(4 * alpha * p)
    return p * (p + 1) // 2, n1 * p + n1 + n1 + 1


def interactions_without_squares(p, alpha):
    n1 = round(4 * alpha * p)
    return p * (p - 1) // 2, n1 * p + n1 + n1 + 1


def interactions_all_ordered_pairs(p, alpha):
    n1 = round(4 * alpha * p)
    return p * p, n1 * p + n1 + n1 + 1


def interactions_no_output_bias(p, alpha):
    n1 = round(4 * alpha * p)
    return p * (p + 1) // 2, n1 * p + n1 + n1


def interactions_no_hidden_biases(p, alpha):
    n1 = round(4 * alpha * p)
    return p * (p + 1) // 2, n1 * p + n1 + 1


def interactions_float_division(p, alpha):
    n1 = 4 * alpha * p
    return p * (p + 1) / 2, n1 * p + n1 + n1 + 1


def interactions_with_intercept(p, alpha):
    n1 = round(4 * alpha * p)
    return p * (p + 1) // 2 + 1, n1 * p + n1 + n1 + 1


# 03.deep_parameter_count -----------------------------------------------------------------------
def deep_one_hidden_layer_too_many(p, N, L):
    return N * p + N + (L - 1) * (N * N + N) + N + 1


def deep_one_hidden_layer_too_few(p, N, L):
    return N * p + N + (L - 3) * (N * N + N) + N + 1


def deep_no_biases(p, N, L):
    return N * p + (L - 2) * N * N + N


def deep_no_output_bias(p, N, L):
    return N * p + N + (L - 2) * (N * N + N) + N


def deep_order_of_magnitude(p, N, L):
    return L * N * N


def deep_first_layer_square(p, N, L):
    return (L - 1) * (N * N + N) + N + 1


# 03.local_affine_map ---------------------------------------------------------------------------
def _walk(x, weights, biases, mask_output=False, mask_c=True, pattern_without_bias=False,
          relu=True):
    J, c, a = np.eye(len(x)), np.zeros(len(x)), x
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        z = W @ a + b
        J, c = W @ J, W @ c + b
        last = ell == len(weights) - 1
        if relu and (not last or mask_output):
            on = ((W @ a if pattern_without_bias else z) > 0).astype(float)
            J = on[:, None] * J
            c = on * c if mask_c else c
            a = np.maximum(z, 0)
        else:
            a = z
    return J, c


def affine_identity_collapse(x, weights, biases):  # the ReLU ignored
    return _walk(x, weights, biases, relu=False)


def affine_mask_on_the_output(x, weights, biases):
    return _walk(x, weights, biases, mask_output=True)


def affine_c_not_masked(x, weights, biases):
    return _walk(x, weights, biases, mask_c=False)


def affine_pattern_without_the_bias(x, weights, biases):  # on = (W a > 0)
    return _walk(x, weights, biases, pattern_without_bias=True)


def affine_c_is_the_output(x, weights, biases):  # c = f(x), forgetting − J x
    J, _ = _walk(x, weights, biases)
    a = x
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        z = W @ a + b
        a = z if ell == len(weights) - 1 else np.maximum(z, 0)
    return J, a


def affine_transposed(x, weights, biases):
    J, c = _walk(x, weights, biases)
    return J.T, c


def affine_input_in_place(x, weights, biases):  # the ReLU applied to the input array
    J, c = _walk(x, weights, biases)
    np.maximum(x, 0, out=x)
    return J, c


MUTANTS = {
    "03.relu_interpolation_weights": {
        "W2 = the slopes instead of their changes": interpolation_slopes_not_changes,
        "b1 = +u": interpolation_bias_sign,
        "b2 = v_r instead of v_1": interpolation_last_value,
        "one unit per knot (r units)": interpolation_one_unit_per_knot,
        "slopes Δu/Δv": interpolation_inverse_slopes,
        "W1 and W2 transposed": interpolation_shapes_transposed,
        "the change of slope at the next knot": interpolation_changes_shifted,
        "b1 negated in place (a view of u)": interpolation_bias_in_place,
        "b2 a number instead of an array of shape (1,)": interpolation_b2_as_a_number,
    },
    "03.multiplication_gate_weights": {
        "σ' instead of σ''": gate_first_derivative,
        "λ instead of λ² in μ": gate_lambda_not_squared,
        "2λ² instead of 4λ²": gate_two_instead_of_four,
        "σ'' of the sigmoid with the wrong sign": gate_sigmoid_second_sign,
        "tanh'' with the wrong sign": gate_tanh_second_sign,
        "softplus'' taken as σ''": gate_softplus_as_sigmoid,
        "the shift left out of b1": gate_shift_forgotten,
        "σ'' taken at 0 instead of at the shift": gate_second_at_zero,
        "output signs that do not match the rows of W1": gate_output_pattern_mismatched,
        "λ left out of W1": gate_lambda_in_the_output_only,
    },
    "03.interaction_parameter_counts": {
        "N1 truncated instead of rounded": interactions_truncated_units,
        "the squares x_i² left out": interactions_without_squares,
        "every ordered pair counted": interactions_all_ordered_pairs,
        "no output bias": interactions_no_output_bias,
        "no hidden biases": interactions_no_hidden_biases,
        "not whole numbers": interactions_float_division,
        "an intercept added to the linear model": interactions_with_intercept,
    },
    "03.deep_parameter_count": {
        "L − 1 hidden-to-hidden layers": deep_one_hidden_layer_too_many,
        "L − 3 hidden-to-hidden layers": deep_one_hidden_layer_too_few,
        "the biases left out": deep_no_biases,
        "no output bias": deep_no_output_bias,
        "L N² (the order of magnitude)": deep_order_of_magnitude,
        "the first layer counted as N × N": deep_first_layer_square,
    },
    "03.local_affine_map": {
        "the ReLU ignored (the identity collapse)": affine_identity_collapse,
        "the output layer masked too": affine_mask_on_the_output,
        "the mask applied to J only": affine_c_not_masked,
        "the pattern read from W a, without the bias": affine_pattern_without_the_bias,
        "c = f(x) (J x not subtracted)": affine_c_is_the_output,
        "J transposed": affine_transposed,
        "the input changed in place": affine_input_in_place,
    },
}
