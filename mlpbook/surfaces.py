"""Two-dimensional loss surfaces for watching optimizers move (chapter 08).

A surface is an object with ``__call__(theta)`` (the value) and ``grad(theta)``, both vectorised
over leading axes: ``theta`` has shape ``(..., 2)``. :class:`Point` is a two-parameter "model" that
the optimizers of :mod:`mlpbook.optim` accept in place of ``model.parameters()``, and
:func:`trajectory` runs any of them on a surface.

>>> import mlpbook as mb
>>> from mlpbook.surfaces import ill_conditioned_bowl, trajectory
>>> path = trajectory(ill_conditioned_bowl(), lambda params: mb.Momentum(params, lr=0.5),
...                   start=(-8, 2), steps=50)
>>> path.shape
(51, 2)

``optimizer_path(name, lr, steps)`` is the experiment of chapter 08's optimizer explorer: the
path of one optimizer of ``BOWL_SETTINGS`` (every one of ``mb.optim.OPTIMIZERS`` but those of
``NOT_ON_THE_BOWL``) on the ill-conditioned bowl.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import optim
from ._checks import integer

__all__ = ["Quadratic", "ill_conditioned_bowl", "Point", "trajectory", "BOWL_START",
           "BowlSetting", "BOWL_SETTINGS", "NOT_ON_THE_BOWL", "OPTIMIZER_SETTINGS",
           "make_optimizer", "optimizer_path"]


class Quadratic:
    """f(θ) = ½ (θ − θ*)ᵀ H (θ − θ*) on the plane, with H symmetric positive definite (2, 2).

    Its gradient is H (θ − θ*); gradient descent with step α converges when α < 2/λ_max(H), and
    along the flattest direction it gains only a factor 1 − αλ_min per step, so the ratio
    κ = λ_max/λ_min (the condition number) sets how slow plain gradient descent is.
    """

    def __init__(self, H, minimum=(0.0, 0.0)):
        H = np.asarray(H, dtype=np.float64)
        if H.shape != (2, 2) or not np.allclose(H, H.T):
            raise ValueError(f"Quadratic: expected a symmetric (2, 2) matrix H; got shape "
                             f"{H.shape}" + ("" if H.shape != (2, 2) else " (not symmetric)"))
        eig = np.linalg.eigvalsh(H)
        if eig[0] <= 0:
            raise ValueError(f"Quadratic: H must be positive definite; its eigenvalues are {eig}")
        self.H, self.eigenvalues = H, eig
        self.minimum = np.asarray(minimum, dtype=np.float64)
        if self.minimum.shape != (2,):
            raise ValueError(f"Quadratic: expected the minimum as 2 numbers; got shape "
                             f"{self.minimum.shape}")

    def _offset(self, theta):
        theta = np.asarray(theta, dtype=np.float64)
        if theta.shape[-1:] != (2,):
            raise ValueError(f"Quadratic: expected points of shape (..., 2); got {theta.shape}")
        return theta - self.minimum

    def __call__(self, theta) -> np.ndarray:
        d = self._offset(theta)
        return 0.5 * np.einsum("...i,ij,...j->...", d, self.H, d)

    def grad(self, theta) -> np.ndarray:
        return self._offset(theta) @ self.H  # H is symmetric: (H d)ᵀ = dᵀ H

    @property
    def condition_number(self) -> float:
        return float(self.eigenvalues[1] / self.eigenvalues[0])

    def __repr__(self) -> str:
        return f"Quadratic(H={self.H.tolist()}, minimum={self.minimum.tolist()})"


def ill_conditioned_bowl() -> Quadratic:
    """Chapter 08's surface f(θ) = 0.01 θ₁² + θ₂²: curvatures 0.02 and 2, condition number 100,
    minimum at the origin. Gradient descent is stable for α < 1."""
    return Quadratic(np.diag([0.02, 2.0]))


class Point:
    """A two-parameter "model": what an optimizer needs from ``model.parameters()`` (``name``,
    ``value``, ``grad``), here a single parameter θ of shape (2,)."""

    def __init__(self, start, name="theta"):
        self.value = np.array(start, dtype=np.float64)
        if self.value.shape != (2,):
            raise ValueError(f"Point: expected a start of 2 numbers; got shape {self.value.shape}")
        self.grad = np.zeros(2)
        self.name = name

    def __repr__(self) -> str:
        return f"Point({self.value.tolist()})"


def trajectory(surface, make_optimizer, start, steps: int) -> np.ndarray:
    """Run ``make_optimizer([point])`` (e.g. ``lambda p: mb.Adam(p, lr=0.5)``) for ``steps`` steps
    on ``surface`` from ``start``; returns the visited points θ[0], ..., θ[steps], shape
    (steps + 1, 2).

    ``mb.Nesterov`` keeps the look-ahead point θ − αβV in the parameter (the point where it needs
    the gradient); the position θ of the formula of the [Peeters] slides is recovered as
    value + αβV.
    """
    steps = integer(steps, "trajectory", "steps", minimum=0)
    point = Point(start)
    opt = make_optimizer([point])
    path = np.empty((steps + 1, 2))
    path[0] = point.value
    for t in range(1, steps + 1):
        point.grad[...] = surface.grad(point.value)
        opt.step()
        path[t] = point.value
        if isinstance(opt, optim.Nesterov):
            path[t] += opt.lr * opt.beta * opt.V[0]
    return path


# ---- chapter 08's optimizer explorer ------------------------------------------------------------

@dataclass(frozen=True)
class BowlSetting:
    """How chapter 08's explorer runs one optimizer of ``mb.optim.OPTIMIZERS`` on the
    ill-conditioned bowl: learning rate ``lr`` (default) and the slider's range [``low``,
    ``high``]; ``examples``, three rates inside it for the website's frames (a small one, the
    default, a large one); ``options``, the other arguments, fixed."""

    lr: float
    low: float
    high: float
    examples: tuple[float, float, float]
    options: dict = field(default_factory=dict)


# Each optimizer on the ill-conditioned bowl. Other hyperparameters are fixed: β = 0.9 for the
# momentum methods, decay 0.9 for RMSprop and AdaDelta, AdaDelta's ε = 1e-2 (with its default
# 1e-6 it barely leaves the start in 100 steps).
BOWL_START = (-8.0, 2.0)
BOWL_SETTINGS: dict[str, BowlSetting] = {
    "SGD": BowlSetting(0.95, 0.05, 1.2, (0.2, 0.95, 1.2)),
    "Momentum": BowlSetting(0.95, 0.05, 5.0, (0.2, 0.95, 2.0), {"beta": 0.9}),
    "Nesterov": BowlSetting(0.95, 0.05, 5.0, (0.2, 0.95, 2.0), {"beta": 0.9}),
    "AdaGrad": BowlSetting(1.0, 0.05, 5.0, (0.2, 1.0, 3.0)),
    "AdaDelta": BowlSetting(1.0, 0.05, 3.0, (0.2, 1.0, 3.0), {"rho": 0.9, "eps": 1e-2}),
    "RMSprop": BowlSetting(0.1, 0.01, 1.0, (0.02, 0.1, 0.5), {"alpha": 0.9}),
    "Adam": BowlSetting(0.5, 0.01, 2.0, (0.1, 0.5, 1.5)),
}
# The optimizers of the registry the bowl leaves out, and why.
NOT_ON_THE_BOWL = {"AdamW": "Adam with decoupled weight decay, which pulls the path toward the "
                            "origin, where the bowl's minimum already is: Adam's path, shrunk"}
# name -> (lr, slider min, slider max), as chapter 08 reads them
OPTIMIZER_SETTINGS = {name: (s.lr, s.low, s.high) for name, s in BOWL_SETTINGS.items()}


def make_optimizer(name, params, lr=None):
    """The optimizer called ``name`` (a key of ``BOWL_SETTINGS``) on ``params``, with
    learning rate ``lr`` (default: the one in ``BOWL_SETTINGS``) and the fixed settings
    listed there."""
    if name not in BOWL_SETTINGS:
        raise ValueError(f"make_optimizer: expected one of {list(BOWL_SETTINGS)}; "
                         f"got {name!r}")
    setting = BOWL_SETTINGS[name]
    return optim.OPTIMIZERS[name](params, setting.lr if lr is None else lr, **setting.options)


def optimizer_path(name, lr=None, steps=100, start=BOWL_START):
    """The points θ[0..steps] visited by optimizer ``name`` on the ill-conditioned bowl:
    an array of shape (steps + 1, 2)."""
    return trajectory(ill_conditioned_bowl(), lambda p: make_optimizer(name, p, lr), start, steps)
