"""The affine pieces of a ReLU network (a network of piecewise linear units computes a piecewise
linear function, as the CS 6890 slides of R. C. Bunescu [Bunescu] remark).

Fix which hidden units are on (z > 0) and which are off: the *activation pattern*. On the set of
inputs that share a pattern every ReLU acts as a fixed 0/1 diagonal matrix D[ℓ], so the network is
the affine map x ↦ J x + c with J = W[L] D[L−1] W[L−1] ⋯ D[1] W[1]. Each such set is a convex
polyhedron (the pattern fixes the sign of affine functions of x), and these are the linear regions.

- ``activation_patterns(model, X)``: (n, units) booleans, one column per hidden ReLU unit.
- ``region_labels(model, X)``: (n,) integers, equal exactly when the patterns are equal.
- ``input_jacobian(model, X)``: ∂f/∂x at every row by backpropagation, (n, N_L, N_0).
- ``local_affine_map(model, X)``: the (J, c) of the region of every row.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array
from .activations import ACTIVATIONS, Identity
from .layers import Dense

__all__ = ["activation_patterns", "region_labels", "input_jacobian", "local_affine_map"]

_PIECEWISE_LINEAR = tuple(s.cls for s in ACTIVATIONS.values() if s.piecewise_linear)


def activation_patterns(model, X) -> np.ndarray:
    """Which hidden units are on (z > 0) at each row of X: (n, N_0) -> (n, total hidden units).

    Only layers that keep a network piecewise affine are accepted: ``Dense``, ``Identity`` and the
    ReLU family (each unit of which contributes one column).
    """
    A = as_float_array(X, "activation_patterns: X")
    if A.ndim != 2:
        raise ValueError(f"activation_patterns: expected X of shape (n, features); got {A.shape}")
    columns = []
    for layer in model.layers:
        if not isinstance(layer, (Dense, Identity, *_PIECEWISE_LINEAR)):
            raise TypeError(f"activation_patterns: expected a network of Dense, ReLU-type and "
                            f"Identity layers (a piecewise affine one); got {layer!r}")
        if isinstance(layer, _PIECEWISE_LINEAR):
            columns.append(A > 0)
        A = layer.forward(A)
    if not columns:
        return np.zeros((A.shape[0], 0), dtype=bool)
    return np.concatenate(columns, axis=1)


def region_labels(model, X) -> np.ndarray:
    """Label every row of X by its activation pattern: (n, N_0) -> (n,) integers 0, 1, ...,
    numbered in the order the patterns first appear in X."""
    patterns = activation_patterns(model, X)
    packed = np.ascontiguousarray(np.packbits(patterns, axis=1))  # 8 units per byte
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).reshape(-1)  # one key per row
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))  # renumber by first appearance
    return order[inverse.reshape(-1)]


def input_jacobian(model, X) -> np.ndarray:
    """∂f_j/∂x_k at every row of X by one backward pass per output: (n, N_0) -> (n, N_L, N_0).

    Backward overwrites the model's parameter gradients (a side effect of using backprop)."""
    Y = model.forward(X)
    J = np.empty((Y.shape[0], Y.shape[1], np.shape(X)[1]), dtype=Y.dtype)
    for j in range(Y.shape[1]):
        G = np.zeros_like(Y)
        G[:, j] = 1  # start the backward pass from ∂f_j/∂f = e_j for every row
        J[:, j, :] = model.backward(G)
    return J


def local_affine_map(model, X) -> tuple[np.ndarray, np.ndarray]:
    """The affine map f(x) = J x + c that the network equals on the region of each row of X.

    Returns J (n, N_L, N_0) and c (n, N_L). Only meaningful for piecewise affine networks
    (checked through ``activation_patterns``) and for rows not on a region boundary."""
    X = as_float_array(X, "local_affine_map: X")
    activation_patterns(model, X[:1])  # raises for layers that are not piecewise affine
    J = input_jacobian(model, X)
    c = model.forward(X) - np.einsum("njk,nk->nj", J, np.asarray(X, dtype=J.dtype))
    return J, c
