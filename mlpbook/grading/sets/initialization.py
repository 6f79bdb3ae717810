"""Exercises of chapter 09: the standard deviations of the Xavier, He and Glorot initialisations,
initialisers checked by the statistics of their draws, the variance of the activations across the
layers of a deep network (checked against a simulation of the reference within a tolerance),
gradient clipping by the global norm, and the He-type standard deviation for a leaky ReLU, which
the student derives by redoing the chapter's He argument."""

from __future__ import annotations

import math
from functools import lru_cache
from types import SimpleNamespace

import numpy as np

from ... import init as initializers
from ...activations import ACTIVATIONS as REGISTRY
from ...layers import Dense
from ...optim import clip_grad_norm
from ...sequential import Sequential
from ..questions import Question, case
from ..verifiers import verify_draws, verify_variances, verify_weights

NOTEBOOK = "09_initialization_and_vanishing_gradients"

#: the activations of question 3 by the names its statement uses ("relu", "tanh", "sigmoid"):
#: the library's registry, looked up without regard to case
ACTIVATIONS = {name.lower(): spec.cls for name, spec in REGISTRY.items()}


def init_std(kind, n_in, n_out):
    return math.sqrt(initializers.VARIANCES[kind](n_in, n_out))  # the table of mlpbook.init


def _std_cases(rng):
    return [
        case("Xavier, 784 inputs", "xavier", 784, 512),
        case("He, 784 inputs", "he", 784, 512),
        case("Glorot, 784 inputs, 512 outputs", "glorot", 784, 512),
        case("He, a square layer of 100", "he", 100, 100),
        case("Glorot, 3 inputs, 1 output", "glorot", 3, 1),
        case("Xavier, one input", "xavier", 1, 10),
    ]


def init_weights(kind, n_out, n_in, seed):
    return initializers.get(kind)((n_out, n_in), rng=np.random.default_rng(seed))


def _weights_cases(rng):
    return [
        case("Xavier, 400 × 300", "xavier", 400, 300, 1),
        case("He, 256 × 512", "he", 256, 512, 2),
        case("Glorot, 300 × 700", "glorot", 300, 700, 3),
        case("He, 1000 × 100 (many outputs)", "he", 1000, 100, 4),
        case("He, 256 × 512 again, another seed", "he", 256, 512, 5),
    ]


def activation_variances(depth, width, n, init, activation, seed):
    rng = np.random.default_rng(seed)
    layers = []
    for _ in range(depth):
        layers += [Dense(width, width, init=init, bias=False, rng=rng), ACTIVATIONS[activation]()]
    model = Sequential(*layers)
    A = rng.standard_normal((n, width))
    out = []
    for ell in range(depth):
        A = model[2 * ell + 1].forward(model[2 * ell].forward(A))
        out.append(float(A.var()))
    return np.array(out)


def _variance_cases(rng):
    return [
        case("ReLU with He: the variance stays put", 8, 256, 128, "he", "relu", 11),
        case("ReLU with Xavier: it halves at every layer", 8, 256, 128, "xavier", "relu", 12),
        case("tanh with Xavier", 8, 256, 128, "xavier", "tanh", 13),
        case("tanh with N(0, 1) weights: saturation", 6, 256, 128, "normal", "tanh", 14),
        case("sigmoid with Xavier", 6, 256, 128, "xavier", "sigmoid", 15),
    ]


@lru_cache(maxsize=32)
def _reference_variances(depth, width, n, init, activation, seed) -> tuple:
    """Mean and spread of log(variance) per layer over 5 independent runs of the reference."""
    runs = np.log([activation_variances(depth, width, n, init, activation, 1000 * seed + k)
                   for k in range(5)])
    return runs.mean(axis=0), runs.std(axis=0, ddof=1)


def expected_variances(args) -> tuple:
    """What :func:`~mlpbook.grading.verifiers.verify_variances` compares with: the mean and
    spread of log(variance) per layer over 5 runs of the reference."""
    return tuple(list(map(float, a)) for a in _reference_variances(*args))


def expected_std(args) -> float:
    kind, n_out, n_in, _ = args
    return init_std(kind, n_in, n_out)


def clip_by_norm(grads, max_norm):
    params = [SimpleNamespace(name=f"g{i}", value=np.zeros_like(g), grad=np.array(g))
              for i, g in enumerate(grads)]
    total = clip_grad_norm(params, max_norm)
    return [p.grad for p in params], total


def _clip_cases(rng):
    return [
        case("one vector longer than the limit", [np.array([3.0, 4.0])], 1.0),
        case("a matrix and a bias together", [rng.standard_normal((4, 3)) * 5,
                                              rng.standard_normal(4) * 5], 2.0),
        case("already inside the limit: unchanged", [np.array([0.1, -0.2]), np.array([[0.3]])],
             10.0),
        case("four gradients of a small network", [rng.standard_normal((5, 2)),
                                                   rng.standard_normal(5),
                                                   rng.standard_normal((1, 5)) * 30,
                                                   rng.standard_normal(1)], 5.0),
    ]


def leaky_relu_std(n_in, slope):
    """He's argument redone for a leaky ReLU f(z) = z (z ≥ 0), slope · z (z < 0): for z symmetric
    about 0, E[f(z)²] = (1 + slope²) Var(z) / 2, so N_in s² (1 + slope²) / 2 = 1."""
    return math.sqrt(2 / ((1 + slope * slope) * n_in))


def _leaky_cases(rng):
    return [
        case("slope 0: the ReLU of He", 256, 0.0),
        case("slope 1: no activation at all", 100, 1.0),
        case("slope 0.01", 784, 0.01),
        case("slope 0.2, 50 inputs", 50, 0.2),
        case("a random slope and width", int(rng.integers(10, 1000)),
             float(rng.uniform(0.05, 0.9))),
        case("a negative slope, -0.5", int(rng.integers(10, 1000)), -0.5),
        case("one input, slope 3", 1, 3.0),
    ]


QUESTIONS = [
    Question("09.init_std", "init_std", 1, init_std, _std_cases,
             "Xavier, He and Glorot standard deviations", rtol=1e-12, atol=1e-15,
             forbidden=("mlpbook.init",), credit="cases"),
    Question("09.init_weights", "init_weights", 2, init_weights, _weights_cases,
             "Initialisers, checked by their statistics", verify=verify_weights,
             expect=expected_std, verify_cases=verify_draws,
             forbidden=("mlpbook.init",)),
    Question("09.activation_variances", "activation_variances", 3, activation_variances,
             _variance_cases, "Variance across the layers", verify=verify_variances,
             expect=expected_variances,
             forbidden=("mlpbook.Dense.forward", "mlpbook.Sequential.forward", "mlpbook.predict",
                        "mlpbook.diagnostics"), credit="cases"),
    Question("09.clip_grad_norm", "clip_grad_norm", 2, clip_by_norm, _clip_cases,
             "Clipping by the global norm", rtol=1e-10, atol=1e-12,
             returns=("clipped", "total_norm"), credit="outputs",
             forbidden=("mlpbook.clip_grad_norm", "mlpbook.clip_grad_value")),
    Question("09.leaky_relu_std", "leaky_relu_std", 2, leaky_relu_std, _leaky_cases,
             "He's argument for a leaky ReLU", rtol=1e-12, atol=0.0,
             forbidden=("mlpbook.init",)),
]
