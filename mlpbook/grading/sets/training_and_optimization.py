"""Exercises of chapter 08: one step of Momentum in the form of [Peeters], of Adam with bias
correction (as ``torch.optim.Adam``) and of RMSprop, each checked against :mod:`mlpbook.optim`,
input standardisation with the statistics of the training set, and the largest learning rate at
which Momentum still converges on the least-squares loss of a linear model, which the student
derives from the chapter's Hessian and its analysis of the heavy-ball recursion."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ...optim import Adam, Momentum, RMSprop
from ..questions import Question, case

NOTEBOOK = "08_training_and_optimization"


def _param(theta, g):
    return SimpleNamespace(name="W", value=np.array(theta), grad=np.array(g))


def momentum_step(theta, V, g, lr, beta):
    p = _param(theta, g)
    opt = Momentum([p], lr=lr, beta=beta)
    opt.V = [np.array(V)]
    opt.t = 1  # the state exists: step() must not reset V
    opt.step()
    return p.value, opt.V[0]


def _momentum_cases(rng):
    return [
        case("the first step (V = 0)", np.array([1.0, -2.0]), np.zeros(2), np.array([0.5, 0.5]),
             0.1, 0.9),
        case("a (3, 4) weight matrix, V from earlier steps", rng.standard_normal((3, 4)),
             rng.standard_normal((3, 4)) * 0.1, rng.standard_normal((3, 4)), 0.05, 0.9),
        case("β = 0 is plain gradient descent", rng.standard_normal(5), rng.standard_normal(5),
             rng.standard_normal(5), 0.2, 0.0),
        case("float32 keeps float32", rng.standard_normal(4).astype(np.float32),
             rng.standard_normal(4).astype(np.float32), rng.standard_normal(4).astype(np.float32),
             0.01, 0.99),
    ]


def adam_step(theta, m, v, g, t, lr, beta1, beta2, eps):
    p = _param(theta, g)
    opt = Adam([p], lr=lr, betas=(beta1, beta2), eps=eps)
    opt.m, opt.v = [np.array(m)], [np.array(v)]
    opt.t = t  # the step being taken is step t (1, 2, ...)
    opt._update(0, p.value, p.grad)
    return p.value, opt.m[0], opt.v[0]


def _adam_cases(rng):
    def state(shape):
        return rng.standard_normal(shape) * 0.1, rng.random(shape) * 0.01

    m2, v2 = state((2, 3))
    m3, v3 = state(4)
    return [
        case("the first step (t = 1, m = v = 0)", np.array([1.0, -1.0]), np.zeros(2), np.zeros(2),
             np.array([0.3, -4.0]), 1, 1e-3, 0.9, 0.999, 1e-8),
        case("step t = 5 of a (2, 3) matrix", rng.standard_normal((2, 3)), m2, v2,
             rng.standard_normal((2, 3)), 5, 1e-2, 0.9, 0.999, 1e-8),
        case("step t = 1000: the correction has almost faded", rng.standard_normal(4), m3, v3,
             rng.standard_normal(4), 1000, 1e-3, 0.9, 0.999, 1e-8),
        case("other betas and a large eps", rng.standard_normal(3), np.zeros(3), np.zeros(3),
             rng.standard_normal(3) * 1e-3, 1, 0.1, 0.5, 0.9, 1e-3),
        case("float32 keeps float32, step t = 3", *(rng.standard_normal(4).astype(np.float32)
                                                   for _ in range(2)),
             (rng.random(4) * 0.01).astype(np.float32), rng.standard_normal(4).astype(np.float32),
             3, 1e-2, 0.9, 0.999, 1e-8),
    ]


def rmsprop_step(theta, S, g, lr, alpha, eps):
    p = _param(theta, g)
    opt = RMSprop([p], lr=lr, alpha=alpha, eps=eps)
    opt.S = [np.array(S)]
    opt.t = 1
    opt.step()
    return p.value, opt.S[0]


def _rmsprop_cases(rng):
    return [
        case("the first step (S = 0)", np.array([1.0, 2.0]), np.zeros(2), np.array([0.1, -3.0]),
             0.01, 0.99, 1e-8),
        case("a (3, 3) matrix, S from earlier steps", rng.standard_normal((3, 3)),
             rng.random((3, 3)), rng.standard_normal((3, 3)), 1e-3, 0.9, 1e-8),
        case("a zero gradient entry and a large eps", np.array([0.5, -0.5, 2.0]),
             np.array([0.0, 0.2, 1.0]), np.array([0.0, 1.0, -1.0]), 0.1, 0.9, 1e-2),
        case("float32 keeps float32", rng.standard_normal(5).astype(np.float32),
             rng.random(5).astype(np.float32), rng.standard_normal(5).astype(np.float32), 1e-2,
             0.99, 1e-8),
    ]


def standardize(X_train, X_test):
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    scale = np.where(std > 0, std, 1.0)  # a constant feature is only centred
    return (X_train - mean) / scale, (X_test - mean) / scale, mean, std


def _standardize_cases(rng):
    scales = np.array([1.0, 100.0, 0.01])
    X = rng.standard_normal((40, 3)) * scales + np.array([5.0, -300.0, 0.2])
    Xt = rng.standard_normal((10, 3)) * scales
    constant = np.column_stack([rng.standard_normal(6), np.full(6, 7.0)])
    return [
        case("features on very different scales", X, Xt),
        case("one feature, a single test sample", np.array([[1.0], [2.0], [3.0], [6.0]]),
             np.array([[4.0]])),
        case("a constant feature (standard deviation 0)", constant,
             np.array([[0.0, 7.0], [1.0, 8.0]])),
        case("float32 keeps float32", (rng.standard_normal((20, 2)) * 3 + 1).astype(np.float32),
             rng.standard_normal((5, 2)).astype(np.float32)),
    ]


def largest_stable_lr(X, beta):
    """The supremum of the learning rates α at which Momentum in the form of [Peeters] (with the
    factor 1 − β) converges on J(w) = ‖Xw − y‖² / (2m): 2(1 + β) / ((1 − β) λmax(XᵀX / m))."""
    H = X.T @ X / len(X)  # the Hessian of J (chapter 08, "Standardising the inputs")
    lam = np.linalg.eigvalsh(H)[-1]
    return float(2 * (1 + beta) / ((1 - beta) * lam))  # stable iff 0 < ηλ < 2(1 + β), η = α(1 − β)


def _stable_lr_cases(rng):
    n = 30
    correlated = rng.standard_normal((n, 1)) @ np.ones((1, 3)) + 0.1 * rng.standard_normal((n, 3))
    return [
        case("one feature, plain gradient descent (β = 0)", np.array([[1.0], [2.0], [3.0]]), 0.0),
        case("two features on scales 10 and 1, β = 0.9",
             rng.standard_normal((n, 2)) * np.array([10.0, 1.0]), 0.9),
        case("strongly correlated features, β = 0.5", correlated, 0.5),
        case("five features, not centred, β = 0.99", rng.standard_normal((n, 5)) + 2.0, 0.99),
        case("more features than samples, β = 0.8", rng.standard_normal((4, 6)), 0.8),
    ]


QUESTIONS = [
    Question("08.momentum_step", "momentum_step", 2, momentum_step, _momentum_cases,
             "One step of Momentum", rtol=1e-10, atol=1e-12, returns=("theta", "V"),
             forbidden=("mlpbook.optim",), credit="outputs"),
    Question("08.adam_step", "adam_step", 3, adam_step, _adam_cases,
             "One step of Adam with bias correction", rtol=1e-9, atol=1e-12,
             returns=("theta", "m", "v"),
             forbidden=("mlpbook.optim",), credit="outputs"),
    Question("08.rmsprop_step", "rmsprop_step", 2, rmsprop_step, _rmsprop_cases,
             "One step of RMSprop", rtol=1e-9, atol=1e-12, returns=("theta", "S"),
             forbidden=("mlpbook.optim",), credit="outputs"),
    Question("08.standardize", "standardize", 2, standardize, _standardize_cases,
             "Standardising with training statistics", rtol=1e-10, atol=1e-12,
             returns=("Z_train", "Z_test", "mean", "std"), credit="outputs"),
    Question("08.largest_stable_lr", "largest_stable_lr", 3, largest_stable_lr,
             _stable_lr_cases, "The largest stable learning rate of Momentum", rtol=1e-9,
             atol=0.0, forbidden=("mlpbook.surfaces",)),
]
