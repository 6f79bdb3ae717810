"""Penalties added to the loss: C̃(θ) = C(θ) + R_λ(θ) ([MEDL] §5.7, [Peeters] "Regularisation").

``L2(lam)``: R = (λ/2) Σ ‖W‖²_F, gradient λW; with gradient descent this is the weight decay
(5.53), θ ← (1 − αλ)θ − α∇C(θ). ``L1(lam)``: R = λ Σ |w|, (sub)gradient λ sign(w), which pushes
weights to exactly zero (sparsity). ``ElasticNet(l1, l2)``: both together,
λ₁ Σ|w| + (λ₂/2)‖W‖² (the "L1+L2" of [Peeters]). By default only weight matrices are penalised,
not biases (the parameters whose name is ``"W"`` or ends with ``".W"``); pass ``include=`` (a
predicate on the parameter name) to choose others.

The losses of this package average over the batch, so λ here plays the role of the λ/m of [Peeters].

>>> reg = L2(1e-3)
>>> value = loss.forward(model.forward(X, training=True), y) + reg.penalty(model.parameters())
>>> model.backward(loss.backward()); reg.add_grad(model.parameters())
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._checks import number

__all__ = ["Regularizer", "L1", "L2", "ElasticNet", "is_weight"]


def is_weight(name: str) -> bool:
    """The default selection: weight matrices ``W`` of dense layers, not biases or BN parameters."""
    return name == "W" or name.endswith(".W")


class Regularizer:
    """Base class: ``penalty(params) -> float`` and ``add_grad(params)`` (adds ∂R/∂θ in place)."""

    def __init__(self, lam: float, include: Callable[[str], bool] | None = None):
        who = type(self).__name__
        self.lam = number(lam, who, "lam", 0)
        if include is not None and not callable(include):
            raise TypeError(f"{who}: include must be a function of the parameter name; got "
                            f"{type(include).__name__}")
        self.include = is_weight if include is None else include

    def selected(self, params) -> list:
        return [p for p in params if self.include(p.name)]

    def penalty(self, params) -> float:
        return float(sum(self._penalty(p.value) for p in self.selected(params)))

    def add_grad(self, params) -> None:
        for p in self.selected(params):
            p.grad += self._grad(p.value)

    def _penalty(self, w: np.ndarray) -> float:
        raise NotImplementedError

    def _grad(self, w: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        sel = "" if self.include is is_weight else f", include={self.include!r}"
        return f"{type(self).__name__}({self.lam!r}{sel})"


class L2(Regularizer):
    """Ridge penalty (λ/2)‖W‖², gradient λW."""

    def _penalty(self, w):
        return 0.5 * self.lam * float(np.sum(np.square(w, dtype=np.float64)))

    def _grad(self, w):
        return self.lam * w


class L1(Regularizer):
    """Lasso penalty λ Σ|w|, subgradient λ sign(w) (0 at w = 0)."""

    def _penalty(self, w):
        return self.lam * float(np.sum(np.abs(w), dtype=np.float64))

    def _grad(self, w):
        return self.lam * np.sign(w)


class ElasticNet(Regularizer):
    """Elastic net (Zou and Hastie): λ₁ Σ|w| + (λ₂/2)‖W‖², (sub)gradient λ₁ sign(w) + λ₂ w. The
    L1 part sets weights to (nearly) zero, the L2 part shrinks the rest. ``lam`` is λ₁."""

    def __init__(self, l1: float, l2: float, include: Callable[[str], bool] | None = None):
        super().__init__(l1, include)
        self.l2 = L2(l2).lam  # the same check of the number

    def _penalty(self, w):
        return (self.lam * float(np.sum(np.abs(w), dtype=np.float64))
                + 0.5 * self.l2 * float(np.sum(np.square(w, dtype=np.float64))))

    def _grad(self, w):
        return self.lam * np.sign(w) + self.l2 * w

    def __repr__(self) -> str:
        sel = "" if self.include is is_weight else f", include={self.include!r}"
        return f"ElasticNet({self.lam!r}, {self.l2!r}{sel})"
