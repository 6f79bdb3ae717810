"""Exercises of chapter 04: a stable softmax, the sigmoid's derivative, a stable softplus, the
softmax Jacobian (5.19), the softmax backward pass without the Jacobian, and the backward pass of
PReLU with the gradient of its learned slope."""

from __future__ import annotations

import numpy as np

from ...activations import PReLU, Sigmoid, Softmax, Softplus
from ...activations import softmax as _softmax
from ..questions import Question, case

NOTEBOOK = "04_activation_functions"


def softmax(z):
    return _softmax(z, axis=-1)


def _softmax_cases(rng):
    return [
        case("a vector", np.array([1.0, 2.0, 3.0])),
        case("a (4, 5) batch, one sample per row", rng.standard_normal((4, 5)) * 3),
        case("huge logits (naive exp overflows)", np.array([[1000.0, 1000.0, -1000.0],
                                                            [-800.0, 0.0, 800.0]])),
        case("float32 input keeps float32", (rng.standard_normal((3, 4)) * 40)
             .astype(np.float32)),
        case("a large common offset", 1e4 + rng.standard_normal((2, 3))),
        case("rows at very different offsets (one maximum per row)",
             np.vstack([1000.0 + rng.standard_normal(3), -1000.0 + rng.standard_normal(3)])),
    ]


def sigmoid_derivative(z):
    # σ(z)σ(−z): both factors are accurate, so the product is accurate far out in the tails,
    # where s(1 − s) rounds 1 − s to 0 (σ'(40) ≈ 4.2e-18)
    s = Sigmoid()
    return s.function(z) * s.function(-np.asarray(z))


def _derivative_cases(rng):
    return [
        case("a few values", np.array([-2.0, 0.0, 3.0])),
        case("a (3, 4) batch", rng.standard_normal((3, 4)) * 4),
        case("huge inputs (naive exp overflows)", np.array([-1000.0, -40.0, 40.0, 1000.0])),
        case("the tails: σ(z) rounds to 1, σ'(z) does not vanish",
             np.concatenate([rng.uniform(37, 700, 4), -rng.uniform(37, 700, 4)])),
        case("float32 input keeps float32", (rng.standard_normal(5) * 5).astype(np.float32)),
    ]


def softplus(z):
    return Softplus().function(z)


def _softplus_cases(rng):
    return [
        case("a few values", np.array([-2.0, 0.0, 3.0])),
        case("a (3, 4) batch", rng.standard_normal((3, 4)) * 4),
        case("huge inputs (naive exp overflows)", np.array([-1000.0, 1000.0])),
        case("very negative inputs (log(1 + tiny) needs log1p)", np.array([-40.0, -60.0])),
        case("float32 input keeps float32", (rng.standard_normal(5) * 5).astype(np.float32)),
    ]


def softmax_jacobian(z):
    return Softmax.jacobian(z)


def _jacobian_cases(rng):
    return [
        case("K = 3", np.array([1.0, 2.0, 3.0])),
        case("K = 5, random logits", rng.standard_normal(5) * 2),
        case("K = 1", np.array([0.7])),
        case("huge logits", np.array([1000.0, 0.0, -1000.0])),
    ]


def softmax_backward(Z, G):
    layer = Softmax()
    layer.forward(Z)
    return layer.backward(G)


def _backward_cases(rng):
    return [
        case("one sample, K = 3", np.array([[1.0, 2.0, 3.0]]), np.array([[0.5, -1.0, 2.0]])),
        case("a (4, 5) batch", rng.standard_normal((4, 5)), rng.standard_normal((4, 5))),
        case("K = 300", rng.standard_normal((2, 300)), rng.standard_normal((2, 300))),
        case("huge logits", np.array([[1000.0, 0.0, -1000.0]]), np.array([[1.0, 2.0, 3.0]])),
    ]


def prelu_backward(Z, G, alpha):
    layer = PReLU(alpha=alpha)
    layer.forward(Z)
    dZ = layer.backward(G)
    return dZ, float(layer.dalpha[0])


def _prelu_cases(rng):
    out = [case("one sample, 3 units", np.array([[-2.0, 0.5, 1.5]]), np.array([[1.0, -1.0, 2.0]]),
                0.25)]
    for label, n, N, alpha in (("a (6, 4) batch", 6, 4, 0.1), ("a (20, 3) batch", 20, 3, 0.7)):
        out.append(case(label, rng.standard_normal((n, N)), rng.standard_normal((n, N)),
                        float(np.round(alpha + rng.uniform(-0.05, 0.05), 3))))
    Z = rng.standard_normal((4, 3))
    Z[rng.random((4, 3)) < 0.4] = 0.0  # the statement fixes the slope at z = 0 to 1
    out.append(case("some z exactly 0", Z, rng.standard_normal((4, 3)), 0.3))
    out.append(case("every z negative (a dead ReLU would pass no gradient)",
                    -rng.uniform(0.1, 3, (5, 2)), rng.standard_normal((5, 2)), 0.05))
    return out


QUESTIONS = [
    Question("04.softmax", "softmax", 2, softmax, _softmax_cases, "A stable softmax",
             rtol=1e-10, atol=1e-15, strict_fp=True,
             forbidden=("mlpbook.activations.softmax", "mlpbook.activations.log_softmax",
                        "mlpbook.Softmax", "mlpbook.CrossEntropyLoss", "mlpbook.autodiff")),
    Question("04.sigmoid_derivative", "sigmoid_derivative", 1, sigmoid_derivative,
             _derivative_cases, "The derivative of the sigmoid", rtol=1e-7, atol=1e-300,
             strict_fp=True,
             forbidden=("mlpbook.Sigmoid", "mlpbook.autodiff")),
    Question("04.softplus", "softplus", 2, softplus, _softplus_cases, "A stable softplus",
             rtol=1e-9, atol=1e-300, strict_fp=True,
             forbidden=("mlpbook.Softplus", "mlpbook.BCEWithLogitsLoss", "mlpbook.autodiff")),
    Question("04.softmax_jacobian", "softmax_jacobian", 2, softmax_jacobian, _jacobian_cases,
             "The softmax Jacobian (5.19)", rtol=1e-10, atol=1e-14, strict_fp=True,
             forbidden=("mlpbook.Softmax", "mlpbook.autodiff")),
    Question("04.softmax_backward", "softmax_backward", 2, softmax_backward, _backward_cases,
             "Softmax backward without the Jacobian", rtol=1e-9, atol=1e-12, strict_fp=True,
             forbidden=("mlpbook.Softmax", "mlpbook.autodiff")),
    Question("04.prelu_backward", "prelu_backward", 2, prelu_backward, _prelu_cases,
             "PReLU backward: the gradient of the learned slope", rtol=1e-9, atol=1e-12,
             returns=("dZ", "dalpha"), credit="outputs",
             forbidden=("mlpbook.PReLU", "mlpbook.LeakyReLU", "mlpbook.autodiff",
                        "mlpbook.gradcheck")),
]
