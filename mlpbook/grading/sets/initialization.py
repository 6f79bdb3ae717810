"""Exercises of chapter 09: the standard deviations of the Xavier, He and Glorot initialisations,
initialisers checked by the statistics of their draws, the variance of the activations across the
layers of a deep network (checked against a simulation of the reference within a tolerance), and
gradient clipping by the global norm."""

from __future__ import annotations

import math
from functools import lru_cache
from types import SimpleNamespace

import numpy as np

from ... import init as initializers
from ...activations import ReLU, Sigmoid, Tanh
from ...layers import Dense
from ...optim import clip_grad_norm
from ...sequential import Sequential
from ..questions import Question, case
from ..randomness import check_independent, check_neighbours

NOTEBOOK = "09_initialization_and_vanishing_gradients"

ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}


def init_std(kind, n_in, n_out):
    variance = {"xavier": 1 / n_in, "he": 2 / n_in, "glorot": 2 / (n_in + n_out)}[kind]
    return math.sqrt(variance)  # the table of mlpbook.init (tests compare it with its draws)


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


def verify_weights(args, got) -> str | None:
    """Shape, dtype, no repeated values, then the statistics of the 100,000 or so draws: mean 0,
    the right standard deviation, and a normal shape (68.3% within one standard deviation)."""
    kind, n_out, n_in, _ = args
    if not isinstance(got, np.ndarray):
        return "expected a NumPy array of weights"
    if got.shape != (n_out, n_in):
        return f"returned shape {got.shape}; expected (N_out, N_in) = {(n_out, n_in)}"
    if got.dtype != np.float64:
        return f"returned dtype {got.dtype}; expected float64"
    if not np.all(np.isfinite(got)):
        return "the weights contain NaN or infinity"
    n, std = got.size, init_std(kind, n_in, n_out)
    if np.unique(got).size < 0.99 * n:
        return "many weights repeat: draw every entry independently"
    message = check_neighbours(got, "the weights")
    if message:
        return message
    mean, spread = float(got.mean()), float(got.std())
    if abs(mean) > 6 * std / math.sqrt(n):  # 6 standard errors of the mean
        return f"the mean of the weights is {mean:.3g}, too far from 0 for {n} draws"
    if abs(spread / std - 1) > 6 / math.sqrt(2 * n):  # 6 standard errors of the std
        return f"the standard deviation of the weights is {spread:.4g}, which is not the " \
               f"{kind} one for N_in = {n_in}, N_out = {n_out}"
    inside = float(np.mean(np.abs(got) < std))
    if abs(inside - 0.6827) > 6 * math.sqrt(0.6827 * 0.3173 / n):
        return f"{inside:.1%} of the weights lie within one standard deviation of 0; a " \
               "normal distribution has 68.3% there (draw from a normal distribution)"
    return None


def verify_draws(cases, got) -> str | None:
    """Weights drawn with different seeds are different and independent, even up to a shift."""
    return check_independent(cases, got, "the weights")


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


def verify_variances(args, got) -> str | None:
    """Each layer's variance must match the reference's within a tolerance on a log scale that
    covers the run-to-run spread of the simulation many times over (15 % or 8 spreads): the
    random draws may differ, the statistics may not."""
    depth = args[0]
    if not isinstance(got, np.ndarray) or got.shape != (depth,):
        return f"expected a NumPy array of shape ({depth},): one variance per layer"
    if not np.all(np.isfinite(got)) or np.any(got <= 0):
        return "the variances must be positive, finite numbers"
    mean, spread = _reference_variances(*args)
    tolerance = np.maximum(0.15, 8 * spread)
    off = np.abs(np.log(got.astype(float)) - mean) > tolerance
    if off.any():
        ell = int(np.argmax(off)) + 1
        return f"the variance of layer {ell} ({got[ell - 1]:.4g}) is off by more than the " \
               f"tolerance (a factor of {float(np.exp(tolerance[ell - 1])):.3f})"
    return None


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


QUESTIONS = [
    Question("09.init_std", "init_std", 1, init_std, _std_cases,
             "Xavier, He and Glorot standard deviations", rtol=1e-12, atol=1e-15,
             forbidden=("mlpbook.init",)),
    Question("09.init_weights", "init_weights", 2, init_weights, _weights_cases,
             "Initialisers, checked by their statistics", verify=verify_weights,
             verify_cases=verify_draws,
             forbidden=("mlpbook.init",)),
    Question("09.activation_variances", "activation_variances", 3, activation_variances,
             _variance_cases, "Variance across the layers", verify=verify_variances,
             forbidden=("mlpbook.Dense.forward", "mlpbook.Sequential.forward", "mlpbook.predict",
                        "mlpbook.diagnostics")),
    Question("09.clip_grad_norm", "clip_grad_norm", 2, clip_by_norm, _clip_cases,
             "Clipping by the global norm", rtol=1e-10, atol=1e-12,
             returns=("clipped", "total_norm"),
             forbidden=("mlpbook.clip_grad_norm", "mlpbook.clip_grad_value")),
]
