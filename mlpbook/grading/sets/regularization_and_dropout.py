"""Exercises of chapter 11: inverted dropout (5.47)-(5.48) forward with a generator and backward
with a given mask, a gradient step with the L2 penalty (the weight decay of (5.53)), one with
the L1 penalty (a subgradient step) and, to be derived by the student, the proximal step of the
L1 penalty (soft thresholding), checked against :class:`mlpbook.Dropout`, :class:`mlpbook.L2`,
:class:`mlpbook.L1` and :class:`mlpbook.SGD`."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ...dropout import Dropout
from ...optim import SGD
from ...regularization import L1, L2
from ..questions import Question, case
from ..verifiers import verify_forward, verify_masks

NOTEBOOK = "11_regularization_and_dropout"


def dropout_forward(A, p_keep, seed):
    layer = Dropout(p_keep, rng=np.random.default_rng(seed))
    out = layer.forward(A, training=True)
    return out, layer.mask


def _forward_cases(rng):
    return [
        case("p_keep = 0.5 on a (200, 100) batch", rng.standard_normal((200, 100)), 0.5, 1),
        case("p_keep = 0.8", rng.standard_normal((300, 50)), 0.8, 2),
        case("p_keep = 1: nothing is dropped", rng.standard_normal((20, 10)), 1.0, 3),
        case("p_keep = 0.1, positive activations", np.abs(rng.standard_normal((500, 40))), 0.1, 4),
        case("p_keep = 0.5 again, another seed", rng.standard_normal((200, 100)), 0.5, 5),
    ]


def dropout_backward(dout, mask, p_keep):
    layer = Dropout(p_keep)
    layer.mask, layer.hold_mask = mask, True  # the mask of the forward pass
    layer.forward(np.zeros(mask.shape), training=True)
    return layer.backward(dout)


def _backward_cases(rng):
    out = []
    for label, shape, p in (("p_keep = 0.5, a (4, 6) batch", (4, 6), 0.5),
                            ("p_keep = 0.9, a (32, 16) batch", (32, 16), 0.9),
                            ("p_keep = 0.25, one sample", (1, 8), 0.25)):
        out.append(case(label, rng.standard_normal(shape), rng.random(shape) < p, p))
    return out


def _weight(theta, grad):
    return SimpleNamespace(name="W", value=np.array(theta), grad=np.array(grad))


def l2_step(theta, grad, lr, lam):
    p = _weight(theta, grad)
    L2(lam).add_grad([p])  # ∇(C + (λ/2)‖θ‖²) = ∇C + λθ
    SGD([p], lr=lr).step()  # θ ← θ − α(∇C + λθ) = (1 − αλ)θ − α∇C   (5.53)
    return p.value


def _l2_cases(rng):
    return [
        case("a vector", np.array([1.0, -2.0, 0.5]), np.array([0.1, 0.1, -0.3]), 0.1, 0.01),
        case("a (4, 5) weight matrix", rng.standard_normal((4, 5)), rng.standard_normal((4, 5)),
             0.05, 0.1),
        case("a zero gradient: pure decay by 1 − αλ", rng.standard_normal(6), np.zeros(6), 0.5,
             0.2),
        case("λ = 0 is plain gradient descent", rng.standard_normal(3), rng.standard_normal(3),
             0.3, 0.0),
    ]


def l1_step(theta, grad, lr, lam):
    p = _weight(theta, grad)
    L1(lam).add_grad([p])  # subgradient λ sign(θ), 0 at θ = 0
    SGD([p], lr=lr).step()
    return p.value


def _l1_cases(rng):
    return [
        case("a vector", np.array([1.0, -2.0, 0.5]), np.array([0.1, 0.1, -0.3]), 0.1, 0.5),
        case("a (3, 4) weight matrix", rng.standard_normal((3, 4)), rng.standard_normal((3, 4)),
             0.05, 0.1),
        case("weights exactly 0 (subgradient 0)", np.array([0.0, 0.3, 0.0, -0.3]),
             np.array([0.2, 0.0, -0.1, 0.0]), 0.1, 1.0),
    ]


def l1_prox_step(theta, grad, lr, lam):
    p = _weight(theta, grad)
    SGD([p], lr=lr).step()  # u = θ − α∇C: the step on the cost alone
    u, t = p.value, lr * lam
    # argmin_v ½(v − u)² + t|v|: v = u − t where u > t, u + t where u < −t, and 0 in between
    return np.sign(u) * np.maximum(np.abs(u) - t, 0.0)


def _prox_cases(rng):
    return [
        case("entries on both sides of the threshold αλ = 0.05",
             np.array([0.5, 0.02, -0.03, -0.8, 0.0]), np.array([0.0, 0.1, -0.1, 0.0, 0.2]),
             0.1, 0.5),
        case("the step on the cost crosses zero", np.array([0.3, -0.3, 0.3]),
             np.array([5.0, -5.0, 3.2]), 0.1, 1.0),
        case("a (4, 5) weight matrix", rng.standard_normal((4, 5)) * 0.2,
             rng.standard_normal((4, 5)), 0.05, rng.uniform(0.5, 2.0)),
        case("λ = 0 is plain gradient descent", rng.standard_normal(4), rng.standard_normal(4),
             0.3, 0.0),
        case("weights already at zero, small gradients", np.zeros(6),
             rng.uniform(-0.5, 0.5, 6), 0.1, 1.0),
    ]


QUESTIONS = [
    Question("11.dropout_forward", "dropout_forward", 2, dropout_forward, _forward_cases,
             "Inverted dropout, forward", verify=verify_forward,
             verify_cases=verify_masks,
             forbidden=("mlpbook.Dropout",)),
    Question("11.dropout_backward", "dropout_backward", 2, dropout_backward, _backward_cases,
             "Inverted dropout, backward", rtol=1e-12, atol=1e-15,
             forbidden=("mlpbook.Dropout",)),
    Question("11.l2_step", "l2_step", 2, l2_step, _l2_cases, "Weight decay (5.53)", rtol=1e-12,
             atol=1e-15,
             forbidden=("mlpbook.regularization", "mlpbook.optim")),
    Question("11.l1_step", "l1_step", 2, l1_step, _l1_cases, "A step with the L1 penalty",
             rtol=1e-12, atol=1e-15,
             forbidden=("mlpbook.regularization", "mlpbook.optim")),
    Question("11.l1_prox_step", "l1_prox_step", 2, l1_prox_step, _prox_cases,
             "The proximal step of the L1 penalty", rtol=1e-12, atol=1e-15,
             forbidden=("mlpbook.regularization", "mlpbook.optim")),
]
