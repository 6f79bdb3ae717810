"""Numerical gradient checks by central differences.

``numerical_gradient(f, x)`` perturbs each entry of ``x`` by ±h and returns
(f(x + h e_i) − f(x − h e_i)) / 2h; its error is O(h²) plus round-off of order ε·|f|/h, so
h = 1e-5 in float64 gives about 1e-10. ``rel_error`` compares two gradients as a whole.

A relative error cannot judge a gradient that is exactly zero (a bias before batch norm): its
finite differences are pure round-off, and ‖a − b‖/(‖a‖ + ‖b‖) is then about 1 for a correct
model. So ``check_layer`` and ``check_model`` report a :class:`GradError` for each gradient, a
float with an absolute floor: the relative error, or, when both gradients are smaller in norm
than the floor, the absolute error divided by the floor. It carries both errors and says which
decided. The default floor is 10⁸ times the round-off of one central difference, 10⁸·ε·max(1,
|C|)/h (about 2e-3 for a loss near 1 and h = 1e-5): a wrong gradient larger than round-off
still shows an error far above 1e-7.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .init import as_generator

__all__ = ["numerical_gradient", "rel_error", "GradError", "grad_error", "check_layer",
           "check_model", "below"]


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


class GradError(float):
    """The error of one checked gradient: ‖a − b‖ / max(‖a‖ + ‖b‖, floor), as a float.

    ``absolute`` is ‖a − b‖, ``relative`` is ‖a − b‖ / (‖a‖ + ‖b‖) (0 when both are zero),
    ``floor`` the floor used, and ``decided_by`` says which of the two the value is:
    ``"relative"``, or ``"absolute"`` (both gradients below the floor: the value is
    ``absolute / floor``).
    """

    def __new__(cls, absolute: float, scale: float, floor: float):
        self = super().__new__(cls, absolute / max(scale, floor) if absolute else 0.0)
        self.absolute, self.floor, self._scale = float(absolute), float(floor), float(scale)
        self.relative = float(absolute / scale) if scale else 0.0
        self.decided_by = "relative" if scale >= floor else "absolute"
        return self

    def __getnewargs__(self):  # copies and pickles rebuild it from its three numbers
        return self.absolute, self._scale, self.floor

    def describe(self) -> str:
        """E.g. "relative error 3.2e-11" or "absolute error 1.6e-11 (below the floor 2e-03)"."""
        if self.decided_by == "relative":
            return f"relative error {self.relative:.1e}"
        return f"absolute error {self.absolute:.1e} (gradients below the floor {self.floor:.0e})"


def grad_error(a, b, floor: float = 0.0) -> GradError:
    """The :class:`GradError` of gradient ``a`` against ``b`` with absolute ``floor``."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"grad_error: shapes differ: {a.shape} vs {b.shape}")
    return GradError(float(np.linalg.norm(a - b)), float(np.linalg.norm(a) + np.linalg.norm(b)),
                     floor)


def _floor(value: float, h: float) -> float:
    """10⁸ times the round-off of one central difference of a function of size ``value``."""
    return 1e8 * np.finfo(np.float64).eps * max(1.0, abs(value)) / h


def check_layer(layer, X: np.ndarray, dout: np.ndarray | None = None, rng=None, h: float = 1e-5,
                training: bool = False, floor: float | None = None) -> dict[str, GradError]:
    """Compare a layer's backward pass with central differences of C = Σ out ⊙ G.

    ``G = dout`` is a random upstream gradient unless given (an all-ones G hides errors, e.g. in
    softmax or batch norm, whose outputs sum to a constant). Returns the :class:`GradError` of
    the input gradient (key ``"input"``) and of every parameter (keys are parameter names);
    ``floor`` defaults to the one described in the module's docstring.
    """
    X = np.array(X, dtype=np.float64)
    out = layer.forward(X, training=training)
    G = as_generator(rng).standard_normal(out.shape) if dout is None else np.asarray(dout)

    def f():
        return float(np.sum(layer.forward(X, training=training) * G))

    floor = _floor(float(np.sum(out * G)), h) if floor is None else floor
    layer.forward(X, training=training)
    analytic_input = np.array(layer.backward(G), dtype=np.float64)
    analytic = {p.name: p.grad.copy() for p in layer.parameters()}
    errors = {"input": grad_error(analytic_input, numerical_gradient(f, X, h), floor)}
    for p in layer.parameters():
        errors[p.name] = grad_error(analytic[p.name], numerical_gradient(f, p.value, h), floor)
    return errors


def check_model(model, loss, X: np.ndarray, y: np.ndarray, h: float = 1e-5,
                training: bool = False, floor: float | None = None) -> dict[str, GradError]:
    """Compare ``model.backward(loss.backward())`` with central differences of the loss for every
    parameter and for the input. Returns {name: :class:`GradError`}; ``"input"`` is ∂C/∂X."""
    X = np.array(X, dtype=np.float64)

    def f():
        return loss.forward(model.forward(X, training=training), y)

    value = f()
    floor = _floor(value, h) if floor is None else floor
    analytic_input = np.array(model.backward(loss.backward()), dtype=np.float64)
    analytic = {p.name: p.grad.copy() for p in model.parameters()}
    errors = {"input": grad_error(analytic_input, numerical_gradient(f, X, h), floor)}
    for p in model.parameters():
        errors[p.name] = grad_error(analytic[p.name], numerical_gradient(f, p.value, h), floor)
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
