"""Exercises of chapter 03: the weights of the ReLU interpolation of Figure 5.2, the weights of the
multiplication gate (5.13) for an activation and a shift, the parameter counts of §5.2 (a
linear model on all pairwise interactions against one hidden layer, and a deep network), and the
affine map that a ReLU network equals around a point (its linear region)."""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from ... import activations, linear_regions
from ...constructions import GATE_SHIFTS, multiplication_gate, relu_interpolation
from ...datasets import fstar as f_star
from ...layers import Dense
from ...sequential import Sequential
from ..questions import Question, case
from .fully_connected_networks import network

NOTEBOOK = "03_expressive_power"

#: activation names of question 2 -> mlpbook classes (those with a gate shift in the registry)
GATE_ACTIVATIONS = {name: activations.ACTIVATIONS[name].cls for name in GATE_SHIFTS}


def interpolation_weights(u, v):
    hidden, _, output, _ = relu_interpolation(u, v).layers
    return hidden.W.copy(), hidden.b.copy(), output.W.copy(), output.b.copy()


def _interpolation_cases(rng):
    u10, u30 = np.linspace(0.0, 4.0, 10), np.linspace(0.0, 4.0, 30)
    knots = np.sort(rng.uniform(-3.0, 3.0, 7))
    return [
        case("two knots: a single segment", np.array([0.0, 2.0]), np.array([1.0, -1.0])),
        case("f* of (5.11) at r = 10 equally spaced knots (Figure 5.2 b)", u10, f_star(u10)),
        case("r = 30 (Figure 5.2 c)", u30, f_star(u30)),
        case("7 random knots, random values", knots, rng.standard_normal(7)),
    ]


def gate_weights(lam, activation, shift):
    gate = multiplication_gate(lam, GATE_ACTIVATIONS[activation](), shift=shift)
    hidden, _, output, _ = gate.layers
    b1 = hidden.b.copy() if hidden.b is not None else np.zeros(4)
    return hidden.W.copy(), b1, output.W.copy()


def _gate_cases(rng):
    return [
        case("softplus, no shift, λ = 0.1", 0.1, "softplus", 0.0),
        case("sigmoid shifted to c = 1, λ = 0.05", 0.05, "sigmoid", 1.0),
        case("tanh shifted to c = 0.5, λ = 0.2", 0.2, "tanh", 0.5),
        case("softplus shifted to c = −2, λ = 0.5", 0.5, "softplus", -2.0),
        case("sigmoid shifted to c = −0.7, random λ", float(rng.uniform(0.01, 0.1)), "sigmoid",
             -0.7),
    ]


def interaction_counts(p, alpha):
    linear = Dense(p * (p + 1) // 2, 1, init="zeros", bias=False)  # one weight per x_i x_j
    n1 = round(4 * alpha * p)
    network = Sequential(Dense(p, n1, init="zeros"), activations.Sigmoid(),
                         Dense(n1, 1, init="zeros"))
    return int(linear.n_params), int(network.n_params)


def _interaction_cases(rng):
    return [
        case("p = 1000, α = 0.02 (the text's example)", 1000, 0.02),
        case("p = 10, α = 0.25", 10, 0.25),
        case("p = 50, α = 0.1", 50, 0.1),
        case("p = 3, α = 1", 3, 1.0),
        case("p = 400, α = 0.125 (the break-even α = 1/8)", 400, 0.125),
        case("p = 7, α = 0.35: 4αp = 9.8 is not a whole number", 7, 0.35),
        _fractional_units(rng),
    ]


def _fractional_units(rng):
    """A random p and α with 4αp at least 0.1 away from a whole number and from a tie."""
    while True:
        p, alpha = int(rng.integers(5, 300)), float(rng.uniform(0.01, 0.5))
        frac = (4 * alpha * p) % 1
        if 0.1 < frac < 0.4 or 0.6 < frac < 0.9:
            return case(f"p = {p}, random α: 4αp is not a whole number", p, alpha)


def deep_count(p, N, L):
    layers = [Dense(p, N, init="zeros"), activations.ReLU()]
    for _ in range(L - 2):
        layers += [Dense(N, N, init="zeros"), activations.ReLU()]
    return int(Sequential(*layers, Dense(N, 1, init="zeros")).n_params)


def _deep_cases(rng):
    return [
        case("p = 1000, N = 80, L = 10 (Figure 5.5)", 1000, 80, 10),
        case("L = 2: one hidden layer", 4, 5, 2),
        case("p = 1, N = 2, L = 5", 1, 2, 5),
        case("p = 784, N = 512, L = 3", 784, 512, 3),
    ]


def affine_map_at(x, weights, biases):
    J, c = linear_regions.local_affine_map(network(weights, biases), x[None, :])
    return J[0], c[0]


def _affine_cases(rng):
    out = []
    for label, sizes in (("one hidden layer [2, 5, 1]", [2, 5, 1]),
                         ("two hidden layers [3, 6, 6, 2]", [3, 6, 6, 2]),
                         ("no hidden layer [4, 3]", [4, 3]),
                         ("sizes [4, 4, 3, 5, 3]", [4, 4, 3, 5, 3])):
        weights, biases = _network(rng, sizes)
        out.append(case(label, rng.standard_normal(sizes[0]), weights, biases))
    weights, biases = _network(rng, [2, 4, 3, 2])
    biases[1] = biases[1] - 100.0  # every unit of the second hidden layer is off
    out.append(case("a hidden layer with every unit off, [2, 4, 3, 2]",
                    rng.standard_normal(2), weights, biases))
    return out


def _network(rng, sizes):
    weights = [rng.standard_normal((n_out, n_in)) for n_in, n_out in pairwise(sizes)]
    return weights, [rng.standard_normal(n_out) for n_out in sizes[1:]]


QUESTIONS = [
    Question("03.relu_interpolation_weights", "relu_interpolation_weights", 3,
             interpolation_weights, _interpolation_cases, "The ReLU interpolant of Figure 5.2",
             rtol=1e-12, atol=1e-12, returns=("W1", "b1", "W2", "b2"),
             forbidden=("mlpbook.constructions",)),
    Question("03.multiplication_gate_weights", "multiplication_gate_weights", 3, gate_weights,
             _gate_cases, "The multiplication gate (5.13)", rtol=1e-10, atol=1e-12,
             returns=("W1", "b1", "W2"),
             forbidden=("mlpbook.constructions",)),
    Question("03.interaction_parameter_counts", "interaction_parameter_counts", 1,
             interaction_counts, _interaction_cases, "Interactions: linear model or network",
             returns=("linear", "network"), credit="outputs",
             forbidden=("mlpbook.Layer.n_params", "mlpbook.Layer.parameters",
                        "mlpbook.Sequential.parameters")),
    Question("03.deep_parameter_count", "deep_parameter_count", 1, deep_count, _deep_cases,
             "Parameters of a deep network",
             forbidden=("mlpbook.Layer.n_params", "mlpbook.Layer.parameters",
                        "mlpbook.Sequential.parameters")),
    Question("03.local_affine_map", "local_affine_map", 2, affine_map_at, _affine_cases,
             "The linear region of a point", rtol=1e-9, atol=1e-10, returns=("J", "c"),
             credit="outputs",
             forbidden=("mlpbook.linear_regions", "mlpbook.Dense.forward",
                        "mlpbook.Dense.backward", "mlpbook.Sequential.forward",
                        "mlpbook.Sequential.backward", "mlpbook.predict", "mlpbook.autodiff")),
]
