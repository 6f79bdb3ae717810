"""Exercises of chapter 02: the forward pass in the book's column convention and in the slides'
row convention, parameter counts (the 31 and 61 of §5.1), the collapse of a network with
identity activations into one affine map, and a network without biases that computes the same
function as one with biases (a constant unit carried through the layers)."""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from ...activations import ReLU
from ...layers import Dense
from ...sequential import Sequential
from ..questions import Question, case

NOTEBOOK = "02_fully_connected_networks"


def network(weights, biases) -> Sequential:
    """ReLU hidden layers, identity output; weights in the book's shapes (N_ℓ, N_{ℓ−1})."""
    layers = []
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        dense = Dense(W.shape[1], W.shape[0], init="zeros")
        dense.W[...], dense.b[...] = W, b
        layers += [dense] if ell == len(weights) - 1 else [dense, ReLU()]
    return Sequential(*layers)


def forward_columns(A0, weights, biases):
    return network(weights, biases).forward(A0.T).T  # one sample per column: Z = W A + B


def forward_rows(X, weights_rows, biases):
    return network([W.T for W in weights_rows], biases).forward(X)  # W_slides = W_book.T


def _randomnetwork(rng, sizes):
    weights = [rng.standard_normal((n_out, n_in)) for n_in, n_out in pairwise(sizes)]
    biases = [rng.standard_normal(n_out) * 0.5 for n_out in sizes[1:]]
    return weights, biases


def _column_cases(rng):
    out = []
    for label, sizes, n in (("sizes [3, 4, 2], 5 samples", [3, 4, 2], 5),
                            ("sizes [2, 5, 5, 1], one sample", [2, 5, 5, 1], 1),
                            ("one layer [4, 3], no hidden layer", [4, 3], 3),
                            ("sizes [4, 4, 3, 5, 1] of Figure 5.1 (right), 7 samples",
                             [4, 4, 3, 5, 1], 7)):
        weights, biases = _randomnetwork(rng, sizes)
        out.append(case(label, rng.standard_normal((sizes[0], n)), weights, biases))
    return out


def _row_cases(rng):
    return [case(c.label, c.args[0].T, [W.T for W in c.args[1]], c.args[2])
            for c in _column_cases(rng)]


def count_parameters(sizes):
    layers = [Dense(a, b, init="zeros") for a, b in pairwise(sizes)]
    return int(Sequential(*layers).n_params)


def _count_cases(rng):
    return [
        case("Figure 5.1, left", [4, 5, 1]),
        case("Figure 5.1, right", [4, 4, 3, 5, 1]),
        case("one neuron with 3 inputs", [3, 1]),
        case("784-512-512-10", [784, 512, 512, 10]),
        case("random sizes", [int(v) for v in rng.integers(1, 20, size=6)]),
    ]


def collapse_identity(weights, biases):
    W, b = np.eye(weights[0].shape[1]), np.zeros(weights[0].shape[1])
    for W_l, b_l in zip(weights, biases, strict=True):
        W, b = W_l @ W, W_l @ b + b_l  # W_l (W a + b) + b_l
    return W, b


def _collapse_cases(rng):
    return [case(label, *_randomnetwork(rng, sizes)) for label, sizes in (
        ("two layers [3, 4, 2]", [3, 4, 2]),
        ("one layer [2, 5]", [2, 5]),
        ("four layers [4, 4, 3, 5, 1]", [4, 4, 3, 5, 1]),
        ("a bottleneck [6, 1, 6]", [6, 1, 6]),
    )]


def absorb_biases(weights, biases):
    matrices = []
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        M = np.column_stack([b, W])  # the bias is the weight of the constant input, in front
        if ell < len(weights) - 1:  # a hidden layer passes the constant on: ReLU(1) = 1
            keep = np.zeros((1, M.shape[1]))
            keep[0, 0] = 1.0
            M = np.vstack([keep, M])
        matrices.append(M)
    return matrices


def _absorb_cases(rng):
    out = [case(label, *_randomnetwork(rng, sizes)) for label, sizes in (
        ("one layer [4, 3], no hidden layer", [4, 3]),
        ("two layers [3, 4, 2]", [3, 4, 2]),
        ("sizes [4, 4, 3, 5, 1] of Figure 5.1 (right)", [4, 4, 3, 5, 1]),
    )]
    sizes = [int(v) for v in rng.integers(1, 6, size=int(rng.integers(3, 6)))]
    return out + [case(f"random sizes {sizes}", *_randomnetwork(rng, sizes))]


QUESTIONS = [
    Question("02.forward_columns", "forward_columns", 2, forward_columns, _column_cases,
             "Forward pass, one sample per column", rtol=1e-10, atol=1e-12,
             forbidden=("mlpbook.Dense.forward", "mlpbook.Sequential.forward", "mlpbook.predict",
                        "mlpbook.autodiff")),
    Question("02.forward_rows", "forward_rows", 2, forward_rows, _row_cases,
             "Forward pass, one sample per row", rtol=1e-10, atol=1e-12,
             forbidden=("mlpbook.Dense.forward", "mlpbook.Sequential.forward", "mlpbook.predict",
                        "mlpbook.autodiff")),
    Question("02.count_parameters", "count_parameters", 1, count_parameters, _count_cases,
             "Counting parameters",
             forbidden=("mlpbook.Layer.n_params", "mlpbook.Layer.parameters",
                        "mlpbook.Sequential.parameters")),
    Question("02.collapse_identity", "collapse_identity", 3, collapse_identity, _collapse_cases,
             "Identity activations collapse", rtol=1e-10, atol=1e-12, returns=("W", "b"),
             credit="outputs",
             forbidden=("mlpbook.Dense.forward", "mlpbook.Sequential.forward", "mlpbook.predict",
                        "mlpbook.autodiff")),
    Question("02.absorb_biases", "absorb_biases", 2, absorb_biases, _absorb_cases,
             "A network without biases", rtol=1e-12, atol=1e-12),
]
