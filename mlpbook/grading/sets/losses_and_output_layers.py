"""Exercises of chapter 05: a stable log-sum-exp, the cross-entropy on logits and its gradient
(5.20), the binary cross-entropy on logits with its gradient σ(z) − y, and the gradient of a
sigmoid output trained with the squared loss (a pair that is not natural)."""

from __future__ import annotations

import numpy as np

from ...activations import Sigmoid
from ...losses import BCEWithLogitsLoss, CrossEntropyLoss, SquaredLoss
from ..questions import Question, case

NOTEBOOK = "05_losses_and_output_layers"


def logsumexp(Z):
    m = np.max(Z, axis=1, keepdims=True)
    return (m + np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True)))[:, 0]


def _lse_cases(rng):
    return [
        case("one row", np.array([[1.0, 2.0, 3.0]])),
        case("a (4, 6) batch", rng.standard_normal((4, 6)) * 3),
        case("huge logits (naive exp overflows or underflows)",
             np.array([[1000.0, 1000.0], [-1000.0, -1000.0], [1e4, -1e4]])),
        case("float32 input keeps float32", (rng.standard_normal((3, 5)) * 30)
             .astype(np.float32)),
    ]


def cross_entropy(Z, labels):
    return CrossEntropyLoss().forward(Z, labels)


def cross_entropy_grad(Z, labels):
    loss = CrossEntropyLoss()
    loss.forward(Z, labels)
    return loss.backward()


def _ce_cases(rng):
    return [
        case("one sample, 3 classes", np.array([[1.0, 2.0, 3.0]]), np.array([0])),
        case("8 samples, 4 classes", rng.standard_normal((8, 4)) * 2,
             rng.integers(0, 4, size=8)),
        case("huge logits, the right class far below", np.array([[1000.0, -1000.0, 0.0],
                                                                 [0.0, 900.0, -900.0]]),
             np.array([1, 2])),
        case("confident and right", np.array([[50.0, 0.0], [0.0, 50.0]]), np.array([0, 1])),
        case("rows at very different offsets (one maximum per row)",
             np.vstack([1000.0 + rng.standard_normal(3), -1000.0 + rng.standard_normal(3)]),
             rng.integers(0, 3, size=2)),
    ]


def bce_with_logits(Z, Y):
    loss = BCEWithLogitsLoss()
    value = loss.forward(Z, Y)
    return value, loss.backward()


def _bce_cases(rng):
    return [
        case("one sample, one label", np.array([[0.3]]), np.array([[1.0]])),
        case("6 samples, 3 labels each (multi-label)", rng.standard_normal((6, 3)) * 2,
             (rng.random((6, 3)) < 0.5).astype(float)),
        case("huge logits, wrong and right", np.array([[1000.0, -1000.0], [-1000.0, 1000.0]]),
             np.array([[0.0, 1.0], [0.0, 1.0]])),
        case("soft targets", rng.standard_normal((4, 2)), rng.random((4, 2))),
    ]


def sigmoid_squared_loss(Z, Y):
    out, loss = Sigmoid(), SquaredLoss()
    value = loss.forward(out.forward(Z), Y)
    return value, out.backward(loss.backward())


def _mismatched_cases(rng):
    return [
        case("one sample, one output", np.array([[0.3]]), np.array([[1.0]])),
        case("8 samples, 2 outputs", rng.standard_normal((8, 2)) * 2, rng.random((8, 2))),
        case("confidently wrong: z = ±8 against the opposite label",
             np.array([[8.0, -8.0], [-8.0, 8.0]]), np.array([[0.0, 1.0], [1.0, 0.0]])),
        case("huge logits (naive exp overflows)", np.array([[1000.0, -1000.0, 0.0]]),
             np.array([[0.0, 1.0, 0.5]])),
        case("5 samples, 3 targets in [0, 1]", rng.standard_normal((5, 3)) * 3,
             rng.random((5, 3))),
    ]


QUESTIONS = [
    Question("05.logsumexp", "logsumexp", 2, logsumexp, _lse_cases, "A stable log-sum-exp",
             rtol=1e-10, atol=1e-12, strict_fp=True,
             forbidden=("mlpbook.activations.softmax", "mlpbook.activations.log_softmax",
                        "mlpbook.Softmax", "mlpbook.CrossEntropyLoss", "mlpbook.autodiff")),
    Question("05.cross_entropy", "cross_entropy", 2, cross_entropy, _ce_cases,
             "Cross-entropy on logits", rtol=1e-10, atol=1e-12, strict_fp=True,
             forbidden=("mlpbook.CrossEntropyLoss", "mlpbook.activations.log_softmax",
                        "mlpbook.autodiff")),
    Question("05.cross_entropy_grad", "cross_entropy_grad", 2, cross_entropy_grad, _ce_cases,
             "The gradient (5.20)", rtol=1e-9, atol=1e-12, strict_fp=True,
             forbidden=("mlpbook.CrossEntropyLoss", "mlpbook.autodiff")),
    Question("05.bce_with_logits", "bce_with_logits", 3, bce_with_logits, _bce_cases,
             "Binary cross-entropy on logits", rtol=1e-9, atol=1e-12, strict_fp=True,
             returns=("loss", "dZ"), credit="outputs",
             forbidden=("mlpbook.BCEWithLogitsLoss", "mlpbook.BCELoss", "mlpbook.autodiff")),
    Question("05.sigmoid_squared_loss", "sigmoid_squared_loss", 2, sigmoid_squared_loss,
             _mismatched_cases, "A pair that is not natural: sigmoid output, squared loss",
             rtol=1e-9, atol=1e-12, strict_fp=True, returns=("loss", "dZ"), credit="outputs",
             forbidden=("mlpbook.Sigmoid", "mlpbook.SquaredLoss", "mlpbook.autodiff",
                        "mlpbook.gradcheck")),
]
