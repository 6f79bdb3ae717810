"""Exercises of chapter 01: the perceptron rule, a stable sigmoid, the gradient a − y of the
binary cross-entropy, a vectorised logistic-regression step, XOR with one hidden layer, and the
Hessian of the mean BCE (the convexity argument of the chapter, turned into code)."""

from __future__ import annotations

import numpy as np

from ...activations import sigmoid as _sigmoid
from ..questions import Question, case
from ..verifiers import verify_xor

NOTEBOOK = "01_perceptron_to_logistic_regression"


def _step(z):
    return np.where(np.asarray(z) >= 0, 1.0, 0.0)  # Threshold(z) = 1 if z ≥ 0 else 0 ([Peeters])


# Q1 -------------------------------------------------------------------------------------------
def perceptron_update(w, b, x, y, eta):
    y_hat = float(_step(w @ x + b))
    return w + eta * (y - y_hat) * x, float(b + eta * (y - y_hat))


def _perceptron_cases(rng):
    w, x = rng.standard_normal(3), rng.standard_normal(3)
    b = -float(w @ x) - 1.0  # w·x + b = −1 < 0: predicts 0
    return [
        case("a misclassified positive (prediction 0, label 1)", w, b, x, 1, 0.5),
        case("a correctly classified negative: no update", w, b, x, 0, 0.5),
        case("w·x + b = 0 exactly predicts 1; label 0", np.zeros(2), 0.0, np.array([2.0, -1.0]),
             0, 0.1),
        case("a misclassified negative in 5 dimensions", rng.standard_normal(5), 3.0,
             np.abs(rng.standard_normal(5)), 0, 0.25),
        case("a correctly classified positive: no update", np.array([1.0, 1.0]), 0.5,
             np.array([0.2, 0.3]), 1, 1.0),
        case("w·x + b = 0 exactly with a nonzero bias; label 1: no update",
             np.array([1.0, -2.0, 0.5]), -1.0, np.array([3.0, 1.0, 0.0]), 1, 0.3),
    ]


# Q2 -------------------------------------------------------------------------------------------
def _sigmoid_cases(rng):
    return [
        case("a few values", np.array([-2.0, 0.0, 3.0])),
        case("a (3, 4) batch", rng.standard_normal((3, 4)) * 5),
        case("huge logits (naive formulas overflow)", np.array([-1000.0, -50.0, 50.0, 1000.0])),
        case("float32 input keeps float32", (rng.standard_normal(6) * 10).astype(np.float32)),
        case("huge float32 logits", np.array([-200.0, 200.0], dtype=np.float32)),
        case("the far tails, random", np.concatenate([-rng.uniform(30.0, 700.0, 4),
                                                      rng.uniform(30.0, 700.0, 4)])),
    ]


# Q3 -------------------------------------------------------------------------------------------
def logistic_gradient(w, b, x, y):
    a = float(_sigmoid(w @ x + b))
    return (a - y) * x, a - y  # ∂L/∂z = a − y, then ∂z/∂w = x and ∂z/∂b = 1


def _gradient_cases(rng):
    return [
        case("label 1", rng.standard_normal(2), 0.1, rng.standard_normal(2), 1),
        case("label 0", rng.standard_normal(4), -0.3, rng.standard_normal(4), 0),
        case("a saturated neuron (z ≈ 60), label 0", np.array([30.0, 30.0]), 0.0,
             np.array([1.0, 1.0]), 0),
        case("z = −800, label 1", np.array([400.0]), 0.0, np.array([-2.0]), 1),
        case("a saturated neuron (z ≈ −45), label 1, random inputs",
             np.full(3, 15.0), 0.0, -np.abs(rng.standard_normal(3)) / np.abs(
                 rng.standard_normal(3)).sum() * 3.0, 1),
    ]


# Q4 -------------------------------------------------------------------------------------------
def logistic_regression_step(w, b, X, y, eta):
    a = _sigmoid(X @ w + b)  # (n,)
    g = (a - y) / X.shape[0]  # ∂J/∂z for the mean BCE J
    return w - eta * (X.T @ g), float(b - eta * g.sum())


def _step_cases(rng):
    X = rng.standard_normal((20, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]) > 0).astype(float)
    Xb = rng.standard_normal((500, 8)) * 3
    yb = (rng.random(500) < 0.5).astype(float)
    return [
        case("one sample", np.array([0.5, -0.5]), 0.0, np.array([[1.0, 2.0]]), np.array([1.0]),
             0.1),
        case("20 samples, 3 features", rng.standard_normal(3), 0.2, X, y, 0.5),
        case("500 samples, 8 features, large logits", rng.standard_normal(8) * 20, -1.0, Xb,
             yb, 0.01),
        case("logits beyond ±750 (exp(−z) overflows)", np.array([300.0, -200.0]), 0.5,
             np.vstack([[[3.0, -1.0], [-3.0, 1.0]], rng.standard_normal((4, 2))]),
             np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0]), 0.001),
    ]


# Q5 -------------------------------------------------------------------------------------------
def xor_weights():
    W1 = np.array([[1.0, 1.0], [1.0, 1.0]])  # hidden unit 1: OR, hidden unit 2: AND
    b1 = np.array([-0.5, -1.5])
    W2 = np.array([[1.0, -1.0]])  # OR and not AND
    b2 = np.array([-0.5])
    return W1, b1, W2, b2


def _xor_cases(rng):
    return [case("the four inputs of XOR")]


# Q6 -------------------------------------------------------------------------------------------
def logistic_hessian(w, b, X):
    z = X @ w + b
    curvature = _sigmoid(z) * _sigmoid(-z)  # σ'(z) = a(1 − a), accurate in both tails
    X_tilde = np.column_stack([np.ones(X.shape[0]), X])  # parameters in the order (b, w)
    return (X_tilde.T * curvature) @ X_tilde / X.shape[0]


def _hessian_cases(rng):
    d = int(rng.integers(2, 5))
    X = rng.standard_normal((30, d))
    return [
        case("one sample, one feature", np.array([0.5]), -0.25, np.array([[2.0]])),
        case("10 samples, 2 features", rng.standard_normal(2), 0.3,
             rng.standard_normal((10, 2))),
        case(f"30 samples, {d} features, logits of a few units", rng.standard_normal(d) * 2,
             float(rng.normal()), X),
        case("logits up to about ±40 (a(1 − a) down to 1e-17)", np.array([8.0, -6.0]), 1.0,
             rng.standard_normal((12, 2)) * 3.0),
        case("every sample confidently classified: 30 < |z| < 40", np.array([1.0]), 0.0,
             (rng.uniform(30.0, 40.0, 8) * rng.choice([-1.0, 1.0], 8))[:, None]),
    ]


QUESTIONS = [
    Question("01.perceptron_update", "perceptron_update", 2, perceptron_update,
             _perceptron_cases, "One step of the perceptron rule", returns=("w", "b")),
    Question("01.sigmoid", "sigmoid", 2, _sigmoid, _sigmoid_cases, "A stable sigmoid",
             rtol=1e-12, atol=1e-300, strict_fp=True,
             forbidden=("mlpbook.activations.sigmoid", "mlpbook.Sigmoid", "mlpbook.autodiff")),
    Question("01.logistic_gradient", "logistic_gradient", 2, logistic_gradient, _gradient_cases,
             "The BCE gradient of one sample", returns=("dw", "db"), strict_fp=True,
             credit="outputs",
             forbidden=("mlpbook.BCELoss", "mlpbook.BCEWithLogitsLoss", "mlpbook.autodiff")),
    Question("01.logistic_regression_step", "logistic_regression_step", 3,
             logistic_regression_step, _step_cases, "A vectorised gradient step",
             returns=("w", "b"), strict_fp=True, credit="outputs",
             forbidden=("mlpbook.BCELoss", "mlpbook.BCEWithLogitsLoss", "mlpbook.Dense.backward",
                        "mlpbook.Sequential.backward", "mlpbook.optim", "mlpbook.fit",
                        "mlpbook.autodiff")),
    Question("01.xor_weights", "xor_weights", 2, xor_weights, _xor_cases,
             "XOR with a hidden layer", verify=verify_xor),
    Question("01.logistic_hessian", "logistic_hessian", 2, logistic_hessian, _hessian_cases,
             "The curvature of the mean BCE", rtol=1e-10, atol=1e-300, strict_fp=True,
             forbidden=("mlpbook.BCELoss", "mlpbook.BCEWithLogitsLoss", "mlpbook.gradcheck",
                        "mlpbook.autodiff")),
]
