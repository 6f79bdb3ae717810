"""Exercises of chapter 06: the backward pass of a dense layer, the gradients of a ReLU network
by Algorithm 5.2 in mini-batch form, one epoch of Example 2 of [DNN slides], and a
central-difference gradient estimate, the check behind every derivation of the chapter."""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from ...activations import ReLU, Sigmoid, Tanh
from ...datasets import example2
from ...gradcheck import numerical_gradient
from ...layers import Dense
from ...losses import SquaredLoss
from ...sequential import Sequential
from ..questions import Question, case

NOTEBOOK = "06_backpropagation"


def _dense(W, b, dtype=np.float64) -> Dense:
    layer = Dense(W.shape[1], W.shape[0], init="zeros", dtype=dtype)
    layer.W[...], layer.b[...] = W, b
    return layer


def dense_backward(A_prev, W, dZ):
    layer = _dense(W, np.zeros(W.shape[0], dtype=W.dtype), dtype=W.dtype)
    layer.forward(A_prev)
    dA_prev = layer.backward(dZ)
    return layer.dW, layer.db, dA_prev


def _dense_cases(rng):
    out = []
    for label, n, n_in, n_out, dtype in (("one sample, 3 → 2", 1, 3, 2, np.float64),
                                         ("5 samples, 4 → 3", 5, 4, 3, np.float64),
                                         ("32 samples, 10 → 1", 32, 10, 1, np.float64),
                                         ("float32 keeps float32", 6, 3, 4, np.float32)):
        out.append(case(label, rng.standard_normal((n, n_in)).astype(dtype),
                        rng.standard_normal((n_out, n_in)).astype(dtype),
                        rng.standard_normal((n, n_out)).astype(dtype)))
    return out


def mlp_gradients(X, Y, weights, biases):
    layers = []
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        layers += [_dense(W, b)] if ell == len(weights) - 1 else [_dense(W, b), ReLU()]
    model, loss = Sequential(*layers), SquaredLoss()
    loss.forward(model.forward(X), Y)
    model.backward(loss.backward())
    dense = [layer for layer in layers if isinstance(layer, Dense)]
    return [d.dW for d in dense], [d.db for d in dense]


def _mlp_cases(rng):
    out = []
    for label, sizes, n in (("sizes [2, 3, 1], 4 samples", [2, 3, 1], 4),
                            ("sizes [3, 5, 4, 2], 6 samples", [3, 5, 4, 2], 6),
                            ("linear regression [1, 1], one sample", [1, 1], 1),
                            ("sizes [4, 8, 8, 8, 3] (L = 4), 10 samples", [4, 8, 8, 8, 3], 10)):
        weights = [rng.standard_normal((b, a)) for a, b in pairwise(sizes)]
        biases = [rng.standard_normal(b) * 0.1 for b in sizes[1:]]
        out.append(case(label, rng.standard_normal((n, sizes[0])),
                        rng.standard_normal((n, sizes[-1])), weights, biases))
    # a sample of zeros and zero first-layer biases: the first hidden layer sees z = 0 exactly,
    # where the statement fixes σ'(0) = 1
    X = rng.standard_normal((5, 3))
    X[rng.integers(0, 5)] = 0.0
    weights = [rng.standard_normal((4, 3)), rng.standard_normal((2, 4))]
    biases = [np.zeros(4), rng.standard_normal(2) * 0.1]
    out.append(case("a sample of zeros, zero first biases (z = 0 in layer 1)", X,
                    rng.standard_normal((5, 2)), weights, biases))
    return out


def example2_epoch(X, D, W, b, V, c, alpha):
    hidden, output = _dense(W.T, b), _dense(V.T, c)  # W_book = W_slides.T
    model, loss = Sequential(hidden, Sigmoid(), output), SquaredLoss(reduction="sum")
    loss.forward(model.forward(X), D)  # J = ½ Σ_p ‖d_p − y_p‖², as the slides
    model.backward(loss.backward())  # ∇_U J = −(D − Y)
    return (W - alpha * hidden.dW.T, b - alpha * hidden.db,
            V - alpha * output.dW.T, c - alpha * output.db)


def _example2_cases(rng):
    other = [(5, 3, 4, 2), (1, 2, 3, 1)]
    ex = example2()  # the data and initial weights of the slides, in their row convention
    out = [case("Example 2 of [DNN slides], epoch 1", ex["X"], ex["D"], ex["W"], ex["b"], ex["V"],
                ex["c"], ex["lr"])]
    for n, n_in, m, k in other:
        out.append(case(f"{n} patterns, {n_in} inputs, {m} hidden, {k} outputs",
                        rng.random((n, n_in)), rng.standard_normal((n, k)),
                        rng.uniform(-4, 4, (n_in, m)), rng.standard_normal(m) * 0.1,
                        rng.uniform(-4, 4, (m, k)), rng.standard_normal(k) * 0.1, 0.1))
    return out


def _tanh_network(weights, biases) -> tuple[Sequential, list[Dense]]:
    dense = [_dense(W, b) for W, b in zip(weights, biases, strict=True)]
    layers = []
    for ell, layer in enumerate(dense):
        layers += [layer] if ell == len(dense) - 1 else [layer, Tanh()]
    return Sequential(*layers), dense


def numerical_gradients(X, Y, weights, biases, h):
    model, dense = _tanh_network(weights, biases)
    loss = SquaredLoss()

    def cost():
        return loss.forward(model.forward(X), Y)

    return ([numerical_gradient(cost, d.W, h) for d in dense],
            [numerical_gradient(cost, d.b, h) for d in dense])


def _numerical_cases(rng):
    out = [case("sizes [2, 3, 1], 4 samples, h = 0.1", rng.standard_normal((4, 2)),
                rng.standard_normal((4, 1)), [rng.standard_normal((3, 2)),
                                              rng.standard_normal((1, 3))],
                [rng.standard_normal(3) * 0.1, rng.standard_normal(1) * 0.1], 0.1)]
    for label, sizes, n, h in (("sizes [3, 4, 2], 6 samples, a large step", [3, 4, 2], 6,
                                float(np.round(rng.uniform(0.2, 0.5), 2))),
                               ("sizes [4, 6, 5, 3] (L = 3), 8 samples, h = 0.01",
                                [4, 6, 5, 3], 8, 0.01),
                               ("sizes [2, 5, 1], 3 samples, h = 1e-4", [2, 5, 1], 3, 1e-4)):
        weights = [rng.standard_normal((b, a)) for a, b in pairwise(sizes)]
        biases = [rng.standard_normal(b) * 0.3 for b in sizes[1:]]
        out.append(case(label, rng.standard_normal((n, sizes[0])),
                        rng.standard_normal((n, sizes[-1])), weights, biases, h))
    return out


QUESTIONS = [
    Question("06.dense_backward", "dense_backward", 3, dense_backward, _dense_cases,
             "Backward pass of a dense layer", rtol=1e-9, atol=1e-12,
             returns=("dW", "db", "dA_prev"), credit="outputs",
             forbidden=("mlpbook.Dense.backward", "mlpbook.Sequential.backward",
                        "mlpbook.autodiff")),
    Question("06.mlp_gradients", "mlp_gradients", 3, mlp_gradients, _mlp_cases,
             "Gradients of a ReLU network", rtol=1e-9, atol=1e-12, returns=("dWs", "dbs"),
             credit="outputs",
             forbidden=("mlpbook.Dense.backward", "mlpbook.Sequential.backward",
                        "mlpbook.autodiff", "mlpbook.gradcheck")),
    Question("06.example2_epoch", "example2_epoch", 3, example2_epoch, _example2_cases,
             "One epoch of Example 2", rtol=1e-9, atol=1e-12, returns=("W", "b", "V", "c"),
             credit="outputs",
             forbidden=("mlpbook.Dense.backward", "mlpbook.Sequential.backward",
                        "mlpbook.autodiff", "mlpbook.gradcheck", "mlpbook.optim", "mlpbook.fit")),
    Question("06.numerical_gradients", "numerical_gradients", 2, numerical_gradients,
             _numerical_cases, "Gradients by central differences", rtol=1e-7, atol=1e-9,
             returns=("dWs", "dbs"),
             forbidden=("mlpbook.gradcheck", "mlpbook.autodiff", "mlpbook.Dense.backward",
                        "mlpbook.Sequential.backward")),
]
