"""Numerical gradient checks by central differences.

``numerical_gradient(f, x)`` perturbs each entry of ``x`` by ±h and returns
(f(x + h e_i) − f(x − h e_i)) / 2h; its error is O(h²) plus round-off of order ε·|f|/h, so
h = 1e-5 in float64 gives about 1e-10. ``rel_error`` compares two gradients as a whole.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .init import as_generator

__all__ = ["numerical_gradient", "rel_error", "check_layer", "check_model", "below"]


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """∂f/∂x by central differences. ``f`` takes no argument and reads ``x``, which is perturbed
    in place one entry at a time and always restored. Returns an array shaped like ``x``."""
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError("numerical_gradient: x must be a floating numpy array (it is perturbed in "
                        f"place); got {type(x).__name__}")
    grad = np.zeros(x.shape, dtype=np.float64)
    flat = x.reshape(-1)  # a view: x is contiguous or reshape would copy
    if not np.shares_memory(flat, x):
        raise ValueError("numerical_gradient: x must be contiguous so it can be perturbed in place")
    for i in range(flat.size):
        old = flat[i]
        try:
            flat[i] = old + h
            f_plus = float(f())
            flat[i] = old - h
            f_minus = float(f())
        finally:
            flat[i] = old
        grad.reshape(-1)[i] = (f_plus - f_minus) / (2 * h)
    return grad


def rel_error(a, b) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖), and 0 when both are zero."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ: {a.shape} vs {b.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def check_layer(layer, X: np.ndarray, dout: np.ndarray | None = None, rng=None, h: float = 1e-5,
                training: bool = False) -> dict[str, float]:
    """Compare a layer's backward pass with central differences of C = Σ out ⊙ G.

    ``G = dout`` is a random upstream gradient unless given (an all-ones G hides errors, e.g. in
    softmax or batch norm, whose outputs sum to a constant). Returns the relative error of the
    input gradient (key ``"input"``) and of every parameter (keys are parameter names).
    """
    X = np.array(X, dtype=np.float64)
    out = layer.forward(X, training=training)
    G = as_generator(rng).standard_normal(out.shape) if dout is None else np.asarray(dout)

    def f():
        return float(np.sum(layer.forward(X, training=training) * G))

    layer.forward(X, training=training)
    analytic_input = np.array(layer.backward(G), dtype=np.float64)
    analytic = {p.name: p.grad.copy() for p in layer.parameters()}
    errors = {"input": rel_error(analytic_input, numerical_gradient(f, X, h))}
    for p in layer.parameters():
        errors[p.name] = rel_error(analytic[p.name], numerical_gradient(f, p.value, h))
    return errors


def check_model(model, loss, X: np.ndarray, y: np.ndarray, h: float = 1e-5,
                training: bool = False) -> dict[str, float]:
    """Compare ``model.backward(loss.backward())`` with central differences of the loss for every
    parameter and for the input. Returns {name: relative error}; ``"input"`` is ∂C/∂X."""
    X = np.array(X, dtype=np.float64)

    def f():
        return loss.forward(model.forward(X, training=training), y)

    f()
    analytic_input = np.array(model.backward(loss.backward()), dtype=np.float64)
    analytic = {p.name: p.grad.copy() for p in model.parameters()}
    errors = {"input": rel_error(analytic_input, numerical_gradient(f, X, h))}
    for p in model.parameters():
        errors[p.name] = rel_error(analytic[p.name], numerical_gradient(f, p.value, h))
    return errors


def below(value, bound: float, what: str = "relative error") -> str:
    """Assert ``value < bound`` and return the sentence ``"relative error < 1e-9"`` to print.

    Round-off-level numbers (a gradient-check error, the gap between two ways of computing the
    same thing) change in their digits with the BLAS kernel, thread count and CPU, so a notebook
    prints the bound it asserts, never the number itself. NaN is never below anything.
    """
    value = float(value)
    if not value < bound:
        raise AssertionError(f"{what} {value:.1e} is not below {bound:.0e}")
    mantissa, exponent = f"{bound:.0e}".split("e")
    return f"{what} < {mantissa}e{int(exponent)}"
