"""Exercises of chapter 05: a stable log-sum-exp, the cross-entropy on logits and its gradient
(5.20), and the binary cross-entropy on logits with its gradient σ(z) − y."""

from __future__ import annotations

import numpy as np

from ...losses import BCEWithLogitsLoss, CrossEntropyLoss
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
             returns=("loss", "dZ"),
             forbidden=("mlpbook.BCEWithLogitsLoss", "mlpbook.BCELoss", "mlpbook.autodiff")),
]
