"""Typical mistakes in the answers of exercise set 07 (automatic differentiation)."""

import numpy as np


# 07.matmul_backward ---------------------------------------------------------------------------
def matmul_dB_transposed(A, B, G):
    return G @ B.T, G.T @ A


def matmul_swapped(A, B, G):
    return A.T @ G, G @ B.T


def matmul_mean(A, B, G):
    return G @ B.T / len(A), A.T @ G / len(A)


def matmul_sign(A, B, G):
    return -(G @ B.T), -(A.T @ G)


def matmul_float64(A, B, G):
    return (G @ B.T).astype(np.float64), (A.T @ G).astype(np.float64)


def matmul_dA_without_G(A, B, G):
    return np.ones_like(G) @ B.T, A.T @ G


# 07.add_backward ------------------------------------------------------------------------------
def _reduce(G, shape, keepdims=True, leading=True, stretched=True, mean=False):
    g = G
    reduce = np.mean if mean else np.sum
    while leading and g.ndim > len(shape):
        g = reduce(g, axis=0)
    for axis, size in enumerate(shape):
        if stretched and size == 1 and g.shape[axis] != 1:
            g = reduce(g, axis=axis, keepdims=keepdims)
    return g


def add_no_keepdims(G, shape_a, shape_b):
    return _reduce(G, shape_a, keepdims=False), _reduce(G, shape_b, keepdims=False)


def add_only_leading_axes(G, shape_a, shape_b):
    return _reduce(G, shape_a, stretched=False), _reduce(G, shape_b, stretched=False)


def add_mean(G, shape_a, shape_b):
    return _reduce(G, shape_a, mean=True), _reduce(G, shape_b, mean=True)


def add_G_for_both(G, shape_a, shape_b):
    return G, G


def add_aligned_on_the_left(G, shape_a, shape_b):
    def reduce(shape):
        g = G
        while g.ndim > len(shape):  # drops the *last* axes: shapes aligned on the left
            g = g.sum(axis=-1)
        for axis, size in enumerate(shape):
            if size == 1 and g.shape[axis] != 1:
                g = g.sum(axis=axis, keepdims=True)
        return g
    return reduce(shape_a), reduce(shape_b)


def add_sum_everything_for_b(G, shape_a, shape_b):
    return _reduce(G, shape_a), G.sum() * np.ones(shape_b)


# 07.sigmoid_backward --------------------------------------------------------------------------
def _sigmoid(Z):
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_naive_exp(Z, G):
    s = 1 / (1 + np.exp(-Z))
    return G * s * (1 - s)


def sigmoid_without_G(Z, G):
    s = _sigmoid(Z)
    return s * (1 - s)


def sigmoid_sign(Z, G):
    s = _sigmoid(Z)
    return -G * s * (1 - s)


def sigmoid_of_the_sigmoid(Z, G):
    s = _sigmoid(Z)
    return G * _sigmoid(s) * (1 - _sigmoid(s))


def sigmoid_tanh_derivative(Z, G):
    return G * (1 - np.tanh(Z) ** 2)


def sigmoid_in_place(Z, G):
    s = _sigmoid(Z)
    G *= s * (1 - s)
    return G


def sigmoid_float64(Z, G):
    s = _sigmoid(Z.astype(np.float64))
    return G.astype(np.float64) * s * (1 - s)


# 07.softmax_ce_backward -----------------------------------------------------------------------
def _ce(Z, labels, g, shift=None, n=None, sign=1.0):
    Z = Z - (Z.max(axis=1, keepdims=True) if shift is None else shift(Z))
    E = np.exp(Z)
    P = E / E.sum(axis=1, keepdims=True)
    P[np.arange(len(labels)), labels] -= 1.0
    return sign * g * P / (Z.shape[0] if n is None else n)


def ce_one_global_max(Z, labels, g):
    return _ce(Z, labels, g, shift=np.max)


def ce_no_shift(Z, labels, g):
    return _ce(Z, labels, g, shift=lambda Z: 0.0)


def ce_sum_not_mean(Z, labels, g):
    return _ce(Z, labels, g, n=1)


def ce_divided_by_classes(Z, labels, g):
    return _ce(Z, labels, g, n=Z.shape[1])


def ce_without_upstream(Z, labels, g):
    return _ce(Z, labels, 1.0)


def ce_sign(Z, labels, g):
    return _ce(Z, labels, g, sign=-1.0)


def ce_in_place(Z, labels, g):
    Z -= Z.max(axis=1, keepdims=True)
    return _ce(Z, labels, g)


def ce_softmax_over_the_batch(Z, labels, g):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    P = E / E.sum(axis=0, keepdims=True)
    P[np.arange(len(labels)), labels] -= 1.0
    return g * P / Z.shape[0]


def ce_float64(Z, labels, g):
    return _ce(Z.astype(np.float64), labels, g)


# 07.topological_order -------------------------------------------------------------------------
def topo_duplicates(parents, root):
    order = []

    def visit(name):
        for p in parents.get(name, []):
            visit(p)
        order.append(name)
    visit(root)
    return order


def topo_root_first(parents, root):
    order, seen = [], set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        order.append(name)
        for p in parents.get(name, []):
            visit(p)
    visit(root)
    return order


def topo_every_node(parents, root):
    order, seen = [], set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        for p in parents.get(name, []):
            visit(p)
        order.append(name)
    for name in parents:
        visit(name)
    visit(root)
    return order


def topo_reversed_breadth_first(parents, root):
    order, seen, queue = [], {root}, [root]
    while queue:
        name = queue.pop(0)
        order.append(name)
        for p in parents.get(name, []):
            if p not in seen:
                seen.add(p)
                queue.append(p)
    return order[::-1]


def topo_without_root(parents, root):
    return _dfs(parents, root)[:-1]


def _dfs(parents, root):
    order, seen = [], set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        for p in parents.get(name, []):
            visit(p)
        order.append(name)
    visit(root)
    return order


# 07.forward_mode ------------------------------------------------------------------------------
def _forward(Ws, bs, X, dWs, dbs, weight_term=True, input_term=True, bias_term=True,
             derivative=lambda Z, A: 1 - A * A, last_tanh=False, transpose=True):
    A, dA = X, np.zeros_like(X)
    for ell, (W, b, dW, db) in enumerate(zip(Ws, bs, dWs, dbs, strict=True)):
        Z = A @ W.T + b
        dZ = np.zeros_like(Z)
        if input_term:
            dZ = dZ + dA @ (W.T if transpose else W)
        if weight_term:
            dZ = dZ + A @ dW.T
        if bias_term:
            dZ = dZ + db
        if ell < len(Ws) - 1 or last_tanh:
            A = np.tanh(Z)
            dA = derivative(Z, A) * dZ
        else:
            A, dA = Z, dZ
    return dA


def forward_without_the_weight_tangent(Ws, bs, X, dWs, dbs):
    return _forward(Ws, bs, X, dWs, dbs, weight_term=False)


def forward_without_the_input_tangent(Ws, bs, X, dWs, dbs):
    return _forward(Ws, bs, X, dWs, dbs, input_term=False)


def forward_without_the_bias_tangent(Ws, bs, X, dWs, dbs):
    return _forward(Ws, bs, X, dWs, dbs, bias_term=False)


def forward_derivative_at_z(Ws, bs, X, dWs, dbs):
    return _forward(Ws, bs, X, dWs, dbs, derivative=lambda Z, A: 1 - Z * Z)


def forward_tanh_on_the_output(Ws, bs, X, dWs, dbs):
    return _forward(Ws, bs, X, dWs, dbs, last_tanh=True)


def forward_W_not_transposed(Ws, bs, X, dWs, dbs):
    return _forward(Ws, bs, X, dWs, dbs, transpose=False)


def forward_derivative_forgotten(Ws, bs, X, dWs, dbs):
    return _forward(Ws, bs, X, dWs, dbs, derivative=lambda Z, A: 1.0)


def forward_last_layer_only(Ws, bs, X, dWs, dbs):
    A = X
    for W, b in zip(Ws[:-1], bs[:-1], strict=True):
        A = np.tanh(A @ W.T + b)
    return A @ dWs[-1].T + dbs[-1]


def forward_the_output_not_its_tangent(Ws, bs, X, dWs, dbs):
    A = X
    for ell, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        A = A @ W.T + b
        A = np.tanh(A) if ell < len(Ws) - 1 else A
    return A


MUTANTS = {
    "07.matmul_backward": {
        "dB transposed (Gᵀ A)": matmul_dB_transposed,
        "dA and dB swapped": matmul_swapped,
        "an extra 1/n": matmul_mean,
        "a sign flip": matmul_sign,
        "float64 returned for float32": matmul_float64,
        "dA without G": matmul_dA_without_G,
    },
    "07.add_backward": {
        "the sum drops the axes of length 1 (no keepdims)": add_no_keepdims,
        "only the added leading axes are summed": add_only_leading_axes,
        "the mean instead of the sum": add_mean,
        "G returned for both inputs": add_G_for_both,
        "shapes aligned on the left": add_aligned_on_the_left,
        "b gets the sum of all of G in every entry": add_sum_everything_for_b,
    },
    "07.sigmoid_backward": {
        "the naive exp(-z) overflows": sigmoid_naive_exp,
        "the upstream gradient G is left out": sigmoid_without_G,
        "a sign flip": sigmoid_sign,
        "σ′ evaluated at σ(z)": sigmoid_of_the_sigmoid,
        "the derivative of tanh": sigmoid_tanh_derivative,
        "G modified in place": sigmoid_in_place,
        "float64 returned for float32": sigmoid_float64,
    },
    "07.softmax_ce_backward": {
        "one maximum for the whole batch": ce_one_global_max,
        "no shift: exp overflows": ce_no_shift,
        "the sum over the samples, no 1/n": ce_sum_not_mean,
        "divided by the number of classes": ce_divided_by_classes,
        "the upstream gradient g is left out": ce_without_upstream,
        "a sign flip (Y − P)": ce_sign,
        "Z shifted in place": ce_in_place,
        "softmax over the wrong axis": ce_softmax_over_the_batch,
        "float64 returned for float32": ce_float64,
    },
    "07.topological_order": {
        "no memory of visited nodes: duplicates": topo_duplicates,
        "a node before its inputs (pre-order)": topo_root_first,
        "every node of the dict, not only the root's ancestors": topo_every_node,
        "the reverse of a breadth-first search": topo_reversed_breadth_first,
        "the root left out": topo_without_root,
    },
    "07.forward_mode": {
        "the tangent of W is left out (Ẇa)": forward_without_the_weight_tangent,
        "the tangent of the input is not propagated (Wȧ)": forward_without_the_input_tangent,
        "the tangent of b is left out": forward_without_the_bias_tangent,
        "tanh′ evaluated as 1 − z²": forward_derivative_at_z,
        "tanh on the output layer too": forward_tanh_on_the_output,
        "W instead of Wᵀ in the propagated tangent": forward_W_not_transposed,
        "the derivative of tanh is forgotten": forward_derivative_forgotten,
        "only the last layer's tangent": forward_last_layer_only,
        "the output instead of its tangent": forward_the_output_not_its_tangent,
    },
}
