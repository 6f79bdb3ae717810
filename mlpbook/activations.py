"""Activation functions as layers ([MEDL] §5.3, [FCNN web] §4.3).

A scalar activation σ acts on every entry: ``a = σ(z)`` (5.3). Its backward pass multiplies the
upstream gradient by σ'(z) entry by entry, which is ``δ = Diag(σ'(z)) ζ`` of (5.31). Each scalar
activation also exposes ``derivative(z)`` and, where it exists, ``second_derivative(z)``.

``Softmax`` is the vector activation of (5.18); its backward pass multiplies by the Jacobian (5.19)
without forming it, and ``Softmax.jacobian(z)`` builds the matrix itself.

``ACTIVATIONS`` names every activation once (display name → :class:`ActivationSpec`: the class,
and for a parametrised one its argument, symbol, default and range; the multiplication gate's
shift; whether it is piecewise linear); the chapters' explorers and the website's, the gate of
:mod:`mlpbook.constructions`, :mod:`mlpbook.linear_regions`, ``diagnostics.deep_mlp`` and
``mb.load`` all look activations up there, and
``make_activation("leaky ReLU", 0.1)`` builds one by name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, check_same_shape, integer, number
from .layers import Layer, read_only

__all__ = [
    "Activation", "Identity", "Step", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "PReLU", "ELU",
    "SELU", "Softplus", "Softsign", "Arctan", "Swish", "Softmax", "sigmoid", "softmax",
    "log_softmax", "ActivationSpec", "ACTIVATIONS", "make_activation",
]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^{-z}), computed without overflow for any z."""
    z = np.asarray(z)
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(e.dtype, copy=False)


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``; subtracting the maximum first keeps every exponent ≤ 0."""
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax(z) = z − logsumexp(z), stable for logits of any magnitude."""
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


class Activation(Layer):
    """An element-wise activation. Subclasses define ``function`` and ``derivative``."""

    preserves_width = True

    def function(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def forward(self, Z, training=False):
        Z = as_float_array(Z, self)
        self.Z = Z
        return self.function(Z)

    def backward(self, dA, input_grad=True):
        Z = self._cached("Z")
        dA = self._upstream(dA, Z)
        return dA * self.derivative(Z) if input_grad else None  # δ = Diag(σ'(z)) ζ   (5.31)

    def _upstream(self, dA, like: np.ndarray) -> np.ndarray:
        """The upstream gradient ∂C/∂a, checked to have the shape (and given the dtype) of
        ``like``, the array cached by forward."""
        dA = as_float_array(dA, (self, ".backward"), dtype=like.dtype)
        check_same_shape(dA, like.shape, (self, ".backward"), "upstream gradient ∂C/∂a")
        return dA


class Identity(Activation):
    """σ(z) = z."""

    def function(self, z):
        return np.asarray(z).copy()

    def derivative(self, z):
        return np.ones_like(z)

    def second_derivative(self, z):
        return np.zeros_like(z)

    def backward(self, dA, input_grad=True):
        dA = self._upstream(dA, self._cached("Z"))
        return dA.copy() if input_grad else None


class Step(Activation):
    """σ(z) = 1 for z ≥ 0 and ``low`` for z < 0. ``low=0`` is the perceptron's threshold
    ([Bunescu], [Peeters]); ``low=-1`` is σ_Step of (5.16). The derivative is 0 everywhere (taken
    as 0 at 0)."""

    def __init__(self, low: float = 0.0):
        self.low = number(low, "Step", "low")

    def function(self, z):
        z = np.asarray(z)
        return np.where(z >= 0, 1.0, self.low).astype(z.dtype, copy=False)

    def derivative(self, z):
        return np.zeros_like(z)

    def config(self):
        return {"low": self.low}


class Sigmoid(Activation):
    """σ(z) = 1/(1+e^{-z}),  σ' = σ(1−σ),  σ'' = σ(1−σ)(1−2σ)."""

    def function(self, z):
        return sigmoid(z)

    def derivative(self, z):
        s = sigmoid(z)
        return s * (1 - s)

    def second_derivative(self, z):
        s = sigmoid(z)
        return s * (1 - s) * (1 - 2 * s)

    def forward(self, Z, training=False):
        self.A = super().forward(Z, training)
        return read_only(self.A)  # kept for backward: the caller cannot change it

    def backward(self, dA, input_grad=True):
        A = self._cached("A")
        dA = self._upstream(dA, A)
        return dA * A * (1 - A) if input_grad else None  # σ'(z) = σ(z)(1 − σ(z)), from the output


class Tanh(Activation):
    """tanh z,  tanh' = 1 − tanh²,  tanh'' = −2 tanh (1 − tanh²)."""

    def function(self, z):
        return np.tanh(z)

    def derivative(self, z):
        return 1 - np.tanh(z) ** 2

    def second_derivative(self, z):
        t = np.tanh(z)
        return -2 * t * (1 - t**2)

    def forward(self, Z, training=False):
        self.A = super().forward(Z, training)
        return read_only(self.A)  # kept for backward: the caller cannot change it

    def backward(self, dA, input_grad=True):
        A = self._cached("A")
        dA = self._upstream(dA, A)
        return dA * (1 - A * A) if input_grad else None  # tanh' = 1 − tanh², from the output


class ReLU(Activation):
    """max(0, z) (5.17), with σ'(z) = 1{z ≥ 0} (the book takes σ'(0) = 1)."""

    def function(self, z):
        return np.maximum(z, 0)

    def derivative(self, z):
        return (np.asarray(z) >= 0).astype(np.asarray(z).dtype)

    def backward(self, dA, input_grad=True):
        Z = self._cached("Z")
        dA = self._upstream(dA, Z)
        return dA * (Z >= 0) if input_grad else None  # σ'(z) = 1{z ≥ 0}


class LeakyReLU(Activation):
    """max(0, z) + min(0, εz), σ'(z) = 1{z ≥ 0} + ε 1{z < 0}."""

    def __init__(self, eps: float = 0.01):
        self.eps = number(eps, "LeakyReLU", "eps (the slope for z < 0)")

    def function(self, z):
        return np.where(z >= 0, z, self.eps * z)

    def derivative(self, z):
        z = np.asarray(z)
        return np.where(z >= 0, 1.0, self.eps).astype(z.dtype, copy=False)

    def config(self):
        return {"eps": self.eps}


class PReLU(Activation):
    """Leaky ReLU whose slope ``alpha`` is learned (§5.3). ``n=1`` shares one slope across all
    units; ``n=N`` gives each of N units its own. Arrays: ``alpha`` (n,), ``dalpha`` (n,)."""

    _params = (("alpha", "dalpha"),)

    def __init__(self, alpha: float = 0.25, n: int = 1, dtype=np.float64):
        n = integer(n, "PReLU", "n (the number of slopes)")
        self.alpha = np.full(n, number(alpha, "PReLU", "alpha (the initial slope)"), dtype=dtype)
        self.dalpha = np.zeros_like(self.alpha)

    def function(self, z):
        return np.where(z >= 0, z, self.alpha.astype(np.asarray(z).dtype) * z)

    def derivative(self, z):
        return np.where(z >= 0, 1.0, self.alpha).astype(np.asarray(z).dtype, copy=False)

    def forward(self, Z, training=False):
        Z = as_float_array(Z, self, dtype=self.alpha.dtype)
        if self.alpha.size != 1 and (Z.ndim != 2 or Z.shape[1] != self.alpha.size):
            raise ValueError(f"{self._who}: expected input of shape (n, {self.alpha.size}); got "
                             f"{Z.shape}")
        return super().forward(Z, training)

    def backward(self, dA, input_grad=True):
        Z = self._cached("Z")
        dA = self._upstream(dA, Z)
        contrib = np.where(Z < 0, dA * Z, 0)  # ∂a/∂α = min(z, 0)
        self.dalpha[...] = contrib.sum() if self.alpha.size == 1 else contrib.sum(axis=0)
        return dA * self.derivative(Z) if input_grad else None

    def output_features(self, n_in):
        if n_in is not None and self.alpha.size != 1 and n_in != self.alpha.size:
            raise self._width_error(n_in, self.alpha.size)
        return n_in

    @property
    def in_features_hint(self):
        return self.alpha.size if self.alpha.size != 1 else None

    @property
    def _who(self):
        return f"PReLU(n={self.alpha.size})"

    def config(self):
        return {"alpha": float(self.alpha[0]), "n": int(self.alpha.size),
                "dtype": self.alpha.dtype.name}


class ELU(Activation):
    """z for z > 0, α(e^z − 1) otherwise."""

    def __init__(self, alpha: float = 1.0):
        self.alpha = number(alpha, type(self).__name__, "alpha")

    def function(self, z):
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0)))

    def derivative(self, z):
        return np.where(z > 0, 1.0, self.alpha * np.exp(np.minimum(z, 0)))

    def second_derivative(self, z):
        return np.where(z > 0, 0.0, self.alpha * np.exp(np.minimum(z, 0)))

    def config(self):
        return {"alpha": self.alpha}


class SELU(ELU):
    """λ·ELU_α(z) with the self-normalising constants of Klambauer et al."""

    LAMBDA = 1.0507009873554804934193349852946
    ALPHA = 1.6732632423543772848170429916717

    def __init__(self):
        super().__init__(alpha=self.ALPHA)

    def function(self, z):
        return self.LAMBDA * super().function(z)

    def derivative(self, z):
        return self.LAMBDA * super().derivative(z)

    def second_derivative(self, z):
        return self.LAMBDA * super().second_derivative(z)

    def config(self):
        return {}


class Softplus(Activation):
    """log(1 + e^z),  derivative σ(z) (the sigmoid),  second derivative σ(z)(1 − σ(z))."""

    def function(self, z):
        return np.logaddexp(0, z)

    def derivative(self, z):
        return sigmoid(z)

    def second_derivative(self, z):
        s = sigmoid(z)
        return s * (1 - s)


class Softsign(Activation):
    """z / (1 + |z|),  derivative 1/(1+|z|)²,  second derivative −2 sign(z)/(1+|z|)³."""

    def function(self, z):
        return z / (1 + np.abs(z))

    def derivative(self, z):
        return 1 / (1 + np.abs(z)) ** 2

    def second_derivative(self, z):
        return -2 * np.sign(z) / (1 + np.abs(z)) ** 3


class Arctan(Activation):
    """arctan z,  derivative 1/(1+z²),  second derivative −2z/(1+z²)²."""

    def function(self, z):
        return np.arctan(z)

    def derivative(self, z):
        return 1 / (1 + np.square(z))

    def second_derivative(self, z):
        with np.errstate(over="ignore"):  # (1 + z²)² = inf for |z| > 1e77: the value is then ±0
            return -2 * (z / (1 + np.square(z)) ** 2)  # −2z overflows first; ×2 is exact


class Swish(Activation):
    """z σ(βz) (β = 1 is SiLU),  derivative σ(βz) + βz σ(βz)(1 − σ(βz))."""

    def __init__(self, beta: float = 1.0):
        self.beta = number(beta, "Swish", "beta")

    def _scaled(self, z):
        """βz, which overflows to ±inf beyond the float range (σ(βz) is then exactly 0 or 1)."""
        with np.errstate(over="ignore"):
            return self.beta * np.asarray(z)

    def function(self, z):
        return z * sigmoid(self._scaled(z))

    def derivative(self, z):
        bz = self._scaled(z)
        s = sigmoid(bz)
        with np.errstate(invalid="ignore"):  # ∞ · 0 where βz overflowed
            d = s + bz * s * (1 - s)
        return np.where(np.isinf(bz), s, d)  # the limits: σ' → 1 as z → ∞, 0 as z → −∞

    def second_derivative(self, z):
        b, bz = self.beta, self._scaled(z)
        s = sigmoid(bz)
        with np.errstate(invalid="ignore"):
            d2 = b * s * (1 - s) * (2 + bz * (1 - 2 * s))
        return np.where(np.isinf(bz), 0.0, d2).astype(d2.dtype, copy=False)  # σ'' → 0

    def config(self):
        return {"beta": self.beta}


class Softmax(Layer):
    """S(z)_i = e^{z_i} / Σ_k e^{z_k} over each row (5.18). Maps (n, K) -> (n, K).

    Backward multiplies the upstream gradient of each row by the Jacobian (5.19),
    J = Diag(s) − s sᵀ, which gives s ⊙ (g − ⟨g, s⟩) without building J.
    """

    preserves_width = True

    def forward(self, Z, training=False):
        Z = as_float_array(Z, "Softmax()")
        self.A = softmax(Z, axis=-1)
        return read_only(self.A)  # kept for backward: the caller cannot change it

    def backward(self, dA, input_grad=True):
        S = self._cached("A")
        dA = as_float_array(dA, "Softmax().backward", dtype=S.dtype)
        check_same_shape(dA, S.shape, "Softmax().backward", "upstream gradient ∂C/∂a")
        if not input_grad:
            return None
        return S * (dA - np.sum(dA * S, axis=-1, keepdims=True))  # Jᵀ g with J of (5.19)

    @staticmethod
    def jacobian(z: np.ndarray) -> np.ndarray:
        """The Jacobian (5.19): [J]_ij = s_i(1{i=j} − s_j). ``z`` (K,) -> (K, K), or a batch
        (n, K) -> (n, K, K)."""
        s = softmax(np.asarray(z, dtype=float), axis=-1)
        return s[..., :, None] * (np.eye(s.shape[-1]) - s[..., None, :])


# ---- the activations by name ------------------------------------------------------------------

@dataclass(frozen=True)
class ActivationSpec:
    """An activation known by its display name: its class and, when it takes a parameter, the
    constructor argument ``param``, the ``symbol`` the chapters write for it, its ``default``, a
    range ``[low, high]`` for sliders and the ``examples`` a static page shows (three values).

    ``gate_shift``: for an activation that can make the multiplication gate of Figure 5.4 (a
    smooth σ with σ''(shift) ≠ 0), the shift it uses there, else None; ``piecewise_linear``: the
    activation is affine on each side of 0 (the ReLU family), so a network of it and ``Dense``
    layers is piecewise affine (:mod:`mlpbook.linear_regions`)."""

    name: str
    cls: type
    param: str | None = None
    symbol: str | None = None
    default: float | None = None
    low: float | None = None
    high: float | None = None
    examples: tuple[float, ...] | None = None
    gate_shift: float | None = None
    piecewise_linear: bool = False

    @property
    def scalar(self) -> bool:
        """True for an element-wise activation (with ``derivative``), False for softmax."""
        return issubclass(self.cls, Activation)

    def make(self, value=None) -> Layer:
        """A new layer, its parameter set to ``value`` (default: ``default``)."""
        if self.param is None:
            if value is not None:
                raise ValueError(f"make_activation: {self.name} has no parameter; got "
                                 f"param={value!r}")
            return self.cls()
        return self.cls(**{self.param: float(self.default if value is None else value)})


ACTIVATIONS: dict[str, ActivationSpec] = {s.name: s for s in (
    ActivationSpec("identity", Identity),
    ActivationSpec("step", Step, "low", "low", 0.0, -1.0, 0.0, examples=(-1.0, -0.5, 0.0)),
    ActivationSpec("sigmoid", Sigmoid, gate_shift=1.0),
    ActivationSpec("tanh", Tanh, gate_shift=0.5),
    ActivationSpec("ReLU", ReLU, piecewise_linear=True),
    ActivationSpec("leaky ReLU", LeakyReLU, "eps", "ε", 0.01, 0.0, 1.0, examples=(0.01, 0.1, 0.3),
                   piecewise_linear=True),
    ActivationSpec("PReLU", PReLU, "alpha", "α", 0.25, 0.0, 1.0, examples=(0.1, 0.25, 0.5),
                   piecewise_linear=True),
    ActivationSpec("ELU", ELU, "alpha", "α", 1.0, 0.0, 2.0, examples=(0.5, 1.0, 2.0)),
    ActivationSpec("SELU", SELU),
    ActivationSpec("softplus", Softplus, gate_shift=0.0),
    ActivationSpec("softsign", Softsign),
    ActivationSpec("arctan", Arctan),
    ActivationSpec("swish", Swish, "beta", "β", 1.0, 0.0, 5.0, examples=(0.5, 1.0, 5.0)),
    ActivationSpec("softmax", Softmax),
)}


def make_activation(name: str, param=None) -> Layer:
    """The activation called ``name`` (a key of ``ACTIVATIONS``), its parameter set to ``param``
    (default: the one listed there); ``param`` must be None for an activation without one."""
    if name not in ACTIVATIONS:
        raise ValueError(f"make_activation: expected one of {list(ACTIVATIONS)}; got {name!r}")
    return ACTIVATIONS[name].make(param)
