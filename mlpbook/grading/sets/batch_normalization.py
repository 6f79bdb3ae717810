"""Exercises of chapter 10: the training forward pass of batch normalisation (5.38)-(5.40) with
its cache, the backward pass (5.42)-(5.44) with random upstream gradients, the running averages,
folding a trained normalisation into the dense layer before it, and (to be worked out by the
student) into the dense layer after it, all checked against :class:`mlpbook.BatchNorm` and
:func:`mlpbook.fold_batchnorm`. The questions with several outputs give points per output."""

from __future__ import annotations

import numpy as np

from ...batchnorm import BatchNorm, fold_batchnorm
from ...layers import Dense
from ..questions import Question, case

NOTEBOOK = "10_batch_normalization"


def _layer(gamma, beta, eps, momentum=0.9) -> BatchNorm:
    bn = BatchNorm(gamma.shape[0], momentum=momentum, eps=eps, dtype=gamma.dtype)
    bn.gamma[...], bn.beta[...] = gamma, beta
    return bn


def batchnorm_forward(Z, gamma, beta, eps):
    out = _layer(gamma, beta, eps).forward(Z, training=True)
    return out, (Z, Z.mean(axis=0), Z.var(axis=0), gamma, eps)  # the cache: (z, μ̂, σ̂², γ, ε)


def _bn_inputs(rng, n, units, dtype=np.float64, shift=0.0, scale=1.0):
    Z = (rng.standard_normal((n, units)) * scale + shift).astype(dtype)
    gamma = rng.uniform(0.5, 2.0, units).astype(dtype)
    beta = rng.standard_normal(units).astype(dtype)
    return Z, gamma, beta


def _forward_cases(rng):
    return [
        case("a batch of 4, 3 units", *_bn_inputs(rng, 4, 3), 1e-5),
        case("a batch of 32, 10 units, far from zero mean", *_bn_inputs(rng, 32, 10, shift=50.0,
                                                                          scale=7.0), 1e-5),
        case("a batch of 2 (the smallest)", *_bn_inputs(rng, 2, 5), 1e-3),
        case("a constant unit: ε keeps it finite", np.array([[1.0, 2.0], [1.0, 4.0], [1.0, 0.0]]),
             np.ones(2), np.zeros(2), 1e-5),
        case("float32 keeps float32", *_bn_inputs(rng, 16, 4, dtype=np.float32), 1e-5),
    ]


def batchnorm_backward(dout, cache):
    Z, mu, var, gamma, eps = cache
    bn = _layer(gamma, np.zeros_like(gamma), eps)
    bn.forward(Z, training=True)
    dZ = bn.backward(dout)
    return dZ, bn.dgamma.copy(), bn.dbeta.copy()


def _backward_cases(rng):
    out = []
    for label, n, units, dtype, shift in (("a batch of 4, 3 units", 4, 3, np.float64, 0.0),
                                          ("a batch of 64, 8 units", 64, 8, np.float64, 3.0),
                                          ("a batch of 2", 2, 3, np.float64, 0.0),
                                          ("float32 keeps float32", 16, 5, np.float32, 0.0)):
        Z, gamma, beta = _bn_inputs(rng, n, units, dtype, shift)
        _, cache = batchnorm_forward(Z, gamma, beta, 1e-5)
        dout = rng.standard_normal((n, units)).astype(dtype)  # a random upstream gradient
        out.append(case(f"{label}, random upstream gradient", dout, cache))
    return out


def running_averages(running_mean, running_var, Z, momentum):
    bn = BatchNorm(Z.shape[1], momentum=momentum)
    bn.running_mean[...], bn.running_var[...] = running_mean, running_var
    bn.forward(Z, training=True)
    return bn.running_mean, bn.running_var


def _running_cases(rng):
    return [
        case("the first batch (mean 0, variance 1 so far)", np.zeros(3), np.ones(3),
             rng.standard_normal((8, 3)) * 2 + 1, 0.9),
        case("later in training", rng.standard_normal(4), rng.uniform(0.5, 2.0, 4),
             rng.standard_normal((16, 4)), 0.99),
        case("momentum 0: only the last batch counts", np.ones(2), np.ones(2),
             rng.standard_normal((5, 2)), 0.0),
    ]


def fold(W, b, gamma, beta, running_mean, running_var, eps):
    dense = Dense(W.shape[1], W.shape[0], init="zeros")
    dense.W[...], dense.b[...] = W, b
    bn = BatchNorm(W.shape[0], eps=eps)
    bn.gamma[...], bn.beta[...] = gamma, beta
    bn.running_mean[...], bn.running_var[...] = running_mean, running_var
    folded = fold_batchnorm(dense, bn)
    return folded.W, folded.b


def _fold_cases(rng):
    out = []
    for label, n_in, n_out in (("3 inputs, 2 units", 3, 2), ("10 inputs, 6 units", 10, 6),
                               ("one unit", 4, 1), ("4 inputs, 4 units: W is square", 4, 4)):
        out.append(case(label, rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out),
                        rng.uniform(0.5, 2.0, n_out), rng.standard_normal(n_out),
                        rng.standard_normal(n_out), rng.uniform(0.1, 3.0, n_out), 1e-5))
    return out


def fold_into_next(gamma, beta, running_mean, running_var, eps, W, b):
    """The dense layer equal to batch normalisation (production mode) followed by the dense layer
    (W, b): both are affine, so their composition is found by probing it at 0 and at the unit
    vectors."""
    bn = BatchNorm(W.shape[1], eps=eps)
    bn.gamma[...], bn.beta[...] = gamma, beta
    bn.running_mean[...], bn.running_var[...] = running_mean, running_var
    dense = Dense(W.shape[1], W.shape[0], init="zeros")
    dense.W[...], dense.b[...] = W, b
    probes = np.vstack([np.zeros(W.shape[1]), np.eye(W.shape[1])])
    out = dense.forward(bn.forward(probes, training=False))  # (5.41), then z' = W x + b
    return (out[1:] - out[0]).T, out[0]


def _next_cases(rng):
    out = []
    for label, units, n_out, eps in (("3 units feeding 2", 3, 2, 1e-5),
                                     ("5 units feeding 5: W is square", 5, 5, 1e-5),
                                     ("one unit feeding 4", 1, 4, 1e-5),
                                     ("6 units feeding 3, a larger ε", 6, 3, 1e-2)):
        out.append(case(label, rng.uniform(0.5, 2.0, units), rng.standard_normal(units),
                        rng.standard_normal(units) * 2, rng.uniform(0.05, 3.0, units), eps,
                        rng.standard_normal((n_out, units)), rng.standard_normal(n_out)))
    return out


QUESTIONS = [
    Question("10.batchnorm_forward", "batchnorm_forward", 3, batchnorm_forward, _forward_cases,
             "Batch normalisation, training forward pass", rtol=1e-9, atol=1e-12,
             returns=("out", "cache"), credit="outputs",
             forbidden=("mlpbook.batchnorm",)),
    Question("10.batchnorm_backward", "batchnorm_backward", 4, batchnorm_backward,
             _backward_cases, "Batch normalisation, backward pass", rtol=1e-8, atol=1e-11,
             returns=("dZ", "dgamma", "dbeta"), credit="outputs",
             forbidden=("mlpbook.batchnorm", "mlpbook.autodiff")),
    Question("10.running_averages", "running_averages", 1, running_averages, _running_cases,
             "Running averages for production", rtol=1e-10, atol=1e-12,
             returns=("running_mean", "running_var"), credit="outputs",
             forbidden=("mlpbook.batchnorm",)),
    Question("10.fold_batchnorm", "fold_batchnorm", 2, fold, _fold_cases,
             "Folding batch normalisation into the dense layer", rtol=1e-10, atol=1e-12,
             returns=("W", "b"), credit="outputs",
             forbidden=("mlpbook.batchnorm",)),
    Question("10.fold_into_next", "fold_into_next", 2, fold_into_next, _next_cases,
             "Folding batch normalisation into the dense layer after it", rtol=1e-10,
             atol=1e-12, returns=("W", "b"), credit="outputs",
             forbidden=("mlpbook.batchnorm",)),
]
