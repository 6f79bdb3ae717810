"""Optimizers and gradient clipping ([Peeters] "alternatives to gradient descent"; [MEDL] §5.7).

An optimizer holds a list of parameters (``model.parameters()``: objects with ``.name``,
``.value`` and ``.grad``) and updates every ``.value`` in place with ``step()``, using the
gradients left by ``model.backward``. Notation: θ a parameter, g = ∂C/∂θ its gradient, α the
learning rate ``lr``, t the number of steps taken so far (starting at 1).

==============  ==========================================================================
``SGD``         θ ← θ − α g
``Momentum``    V ← βV + (1−β) g;   θ ← θ − α V                         ([Peeters])
``Nesterov``    the same with g taken at the look-ahead point θ − αβV        ([Peeters])
``AdaGrad``     G ← G + g²;   θ ← θ − α g / (√G + ε)                    (as torch.optim.Adagrad)
``AdaDelta``    Zeiler (2012): step size from running averages of g² and of past steps
``RMSprop``     S ← ρS + (1−ρ) g²;   θ ← θ − α g / (√S + ε)              (as torch.optim.RMSprop)
``Adam``        Kingma–Ba with bias correction, ε added to √v̂            (as torch.optim.Adam)
``AdamW``       Adam with decoupled weight decay θ ← θ − αλθ             (as torch.optim.AdamW)
==============  ==========================================================================

``weight_decay=λ`` (all but AdamW) adds λθ to the gradient before the update: the gradient of the
L2 penalty (λ/2)‖θ‖², which for plain gradient descent gives the weight-decay form (5.53),
θ ← (1 − αλ)θ − α∇C(θ). [Peeters]'s RMSprop/AdaDelta lines forget to square the gradient and its
Adam has no bias correction; the updates here are those of the original papers.

Optimizer state (moving averages, accumulators) is created at the first ``step()`` with the
dtype of each parameter, so float32 models stay float32.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import number
from .layers import Layer

__all__ = [
    "OPTIMIZERS", "Optimizer", "SGD", "Momentum", "Nesterov", "AdaGrad", "AdaDelta", "RMSprop",
    "Adam", "AdamW",
    "clip_grad_value", "clip_grad_norm",
]


# ---- argument checks --------------------------------------------------------------------------

def _as_param_list(params, who: str) -> list:
    if isinstance(params, Layer):
        raise TypeError(f"{who}: expected a list of parameters such as model.parameters(); got the "
                        f"{type(params).__name__} itself (pass model.parameters())")
    try:
        params = list(params)
    except TypeError:
        raise TypeError(f"{who}: expected a list of parameters such as model.parameters(); got "
                        f"{type(params).__name__}") from None
    if not params:
        raise ValueError(f"{who}: got an empty parameter list (a model with no trainable arrays, "
                         "or a generator that was already consumed?)")
    seen = set()
    for i, p in enumerate(params):
        if not (hasattr(p, "value") and hasattr(p, "grad")):
            raise TypeError(f"{who}: item {i} is a {type(p).__name__}, not a parameter with "
                            ".value and .grad (use model.parameters())")
        value, grad = p.value, p.grad
        if not isinstance(value, np.ndarray) or not np.issubdtype(value.dtype, np.floating):
            raise TypeError(f"{who}: parameter {_name(p, i)} must be a floating numpy array; got "
                            f"{type(value).__name__} {getattr(value, 'dtype', '')}")
        if not isinstance(grad, np.ndarray) or grad.shape != value.shape:
            raise ValueError(f"{who}: the gradient of parameter {_name(p, i)} must be an array of "
                             f"shape {value.shape}; got {getattr(grad, 'shape', type(grad))}")
        if id(value) in seen:
            raise ValueError(f"{who}: parameter {_name(p, i)} appears twice in the list")
        seen.add(id(value))
    return params


def _name(p, i: int) -> str:
    return repr(getattr(p, "name", f"#{i}"))


def _positive(x, what: str, who: str) -> float:
    return number(x, who, what, 0, low_open=True)


def _nonnegative(x, what: str, who: str) -> float:
    return number(x, who, what, 0)


def _unit(x, what: str, who: str) -> float:
    """A decay rate in [0, 1)."""
    return number(x, who, what, 0, 1, high_open=True)


# ---- optimizers -------------------------------------------------------------------------------

class Optimizer:
    """Base class. Subclasses implement ``_update(i, theta, g)``, which changes ``theta`` (the
    parameter's own array) in place; ``g`` already includes the weight decay of ``_decay``."""

    _state_names: tuple[str, ...] = ()

    def __init__(self, params, lr, weight_decay=0.0):
        who = type(self).__name__
        self.params = _as_param_list(params, who)
        self.lr = _positive(lr, "lr (the learning rate)", who)
        self.weight_decay = _nonnegative(weight_decay, "weight_decay", who)
        self.t = 0  # number of steps taken

    def zero_grad(self) -> None:
        """Set every gradient to zero (``model.backward`` overwrites them anyway)."""
        for p in self.params:
            p.grad[...] = 0

    def step(self) -> None:
        """One update of every parameter from its current gradient."""
        if self.t == 0:  # state arrays, created now so that they take the parameters' dtype
            for name in self._state_names:
                setattr(self, name, [np.zeros_like(p.value) for p in self.params])
        self.t += 1
        for i, p in enumerate(self.params):
            g = self._decay(p.value, p.grad) if self.weight_decay else p.grad
            self._update(i, p.value, g)

    def _decay(self, theta: np.ndarray, g: np.ndarray) -> np.ndarray:
        return g + self.weight_decay * theta  # coupled: ∇(C + (λ/2)‖θ‖²) = ∇C + λθ

    def _update(self, i: int, theta: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items()
                         if k not in ("params", "t") + self._state_names)
        return f"{type(self).__name__}({len(self.params)} parameters, {args})"


class SGD(Optimizer):
    """Plain (mini-batch) gradient descent: θ ← θ − α(g + λθ).

    With ``weight_decay=λ`` this is the update (5.53): θ ← (1 − αλ)θ − α g.
    """

    def step(self) -> None:
        """One update of every parameter from its current gradient."""
        self.t += 1
        for p in self.params:
            self.update(p.value, p.grad)

    def update(self, theta: np.ndarray, g: np.ndarray, out: np.ndarray | None = None) -> None:
        """θ ← θ − α(g + λθ) for one parameter θ (changed in place) of gradient g, both of one
        shape; the temporaries go into ``out`` (that shape and dtype) when it is given. The
        rule of ``step``, also used by the fused step (:mod:`mlpbook.fused`) for the biases."""
        if self.weight_decay:
            g = np.add(g, np.multiply(theta, self.weight_decay, out=out), out=out)  # g + λθ
        theta -= np.multiply(g, self.lr, out=out)  # θ − α(g + λθ)


class Momentum(Optimizer):
    """Gradient descent with momentum in the form of [Peeters]:

        V ← βV + (1 − β) g,    θ ← θ − α V.

    V is an exponential moving average of the gradients (no ``1−β`` factor in PyTorch's SGD).
    """

    _state_names = ("V",)

    def __init__(self, params, lr, beta=0.9, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)
        self.beta = _unit(beta, "beta", "Momentum")

    def _update(self, i, theta, g):
        V = self.V[i]
        V *= self.beta
        V += (1 - self.beta) * g  # V[t] = β V[t-1] + (1-β) g
        theta -= self.lr * V  # θ[t] = θ[t-1] - α V[t]


class Nesterov(Optimizer):
    """Nesterov accelerated gradient in the form of [Peeters]:

        V[t] = βV[t-1] + (1 − β) ∇C(θ[t-1] − αβV[t-1]),    θ[t] = θ[t-1] − αV[t].

    The gradient is needed at the look-ahead point θ − αβV, so the parameter arrays hold that
    point, φ = θ − αβV: the usual forward/backward pass then yields exactly the gradient the
    formula asks for. From φ[t] = θ[t] − αβV[t] the update of the stored arrays is

        φ ← φ + αβV[t-1] − α(1 + β)V[t],

    and the seed's θ is recovered as φ + αβV (both agree once V has decayed, at convergence).
    """

    _state_names = ("V",)

    def __init__(self, params, lr, beta=0.9, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)
        self.beta = _unit(beta, "beta", "Nesterov")

    def _update(self, i, theta, g):
        V, a, b = self.V[i], self.lr, self.beta
        theta += (a * b) * V  # back from the look-ahead point to θ[t-1]
        V *= b
        V += (1 - b) * g  # V[t] = β V[t-1] + (1-β) ∇C(look-ahead)
        theta -= (a * (1 + b)) * V  # θ[t] = θ[t-1] - α V[t], then look ahead by -αβ V[t]


class AdaGrad(Optimizer):
    """AdaGrad (Duchi et al.), as ``torch.optim.Adagrad`` with its defaults:

        G ← G + g²,    θ ← θ − α g / (√G + ε).

    [Peeters] puts ε inside the square root; PyTorch (and this class) adds it outside.
    """

    _state_names = ("G",)

    def __init__(self, params, lr=1e-2, eps=1e-10, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)
        self.eps = _nonnegative(eps, "eps", "AdaGrad")

    def _update(self, i, theta, g):
        G = self.G[i]
        G += g * g  # G[t] = G[t-1] + g²   (sum of all past squared gradients)
        theta -= self.lr * (g / (np.sqrt(G) + self.eps))


class AdaDelta(Optimizer):
    """AdaDelta (Zeiler, 2012), as ``torch.optim.Adadelta``:

        S ← ρS + (1−ρ) g²                           running average of squared gradients
        Δ = √(D + ε) / √(S + ε) · g                 D: running average of squared steps
        D ← ρD + (1−ρ) Δ²
        θ ← θ − α Δ

    Zeiler's method has no learning rate (α = 1, the default). Zeiler used ρ = 0.95, ε = 1e-6;
    the defaults here are PyTorch's, ρ = 0.9, ε = 1e-6.
    """

    _state_names = ("S", "D")

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)
        self.rho = _unit(rho, "rho", "AdaDelta")
        self.eps = _positive(eps, "eps", "AdaDelta")

    def _update(self, i, theta, g):
        S, D, rho, eps = self.S[i], self.D[i], self.rho, self.eps
        S *= rho
        S += (1 - rho) * g * g  # E[g²][t]
        delta = np.sqrt(D + eps) / np.sqrt(S + eps) * g  # RMS[Δθ][t-1] / RMS[g][t] · g
        D *= rho
        D += (1 - rho) * delta * delta  # E[Δθ²][t]
        theta -= self.lr * delta


class RMSprop(Optimizer):
    """RMSprop (Hinton), as ``torch.optim.RMSprop`` with its defaults (no momentum, not
    centered); ``alpha`` is the decay rate of the average, named as in PyTorch:

        S ← αS + (1−α) g²,    θ ← θ − lr · g / (√S + ε).
    """

    _state_names = ("S",)

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)
        self.alpha = _unit(alpha, "alpha (the decay rate)", "RMSprop")
        self.eps = _nonnegative(eps, "eps", "RMSprop")

    def _update(self, i, theta, g):
        S = self.S[i]
        S *= self.alpha
        S += (1 - self.alpha) * g * g  # S[t] = α S[t-1] + (1-α) g²
        theta -= self.lr * (g / (np.sqrt(S) + self.eps))


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015), the same update as ``torch.optim.Adam``:

        m ← β₁m + (1−β₁) g,    v ← β₂v + (1−β₂) g²              (moving averages)
        m̂ = m / (1 − β₁ᵗ),     v̂ = v / (1 − β₂ᵗ)                 (bias correction)
        θ ← θ − α m̂ / (√v̂ + ε)

    ``weight_decay=λ`` is the coupled L2 form (g ← g + λθ) of PyTorch's Adam; for decoupled
    decay use :class:`AdamW`. [Peeters] writes Adam without the bias correction (and with ε under
    the root): ``bias_correction=False`` gives that variant (m̂ = m, v̂ = v), whose first steps
    are off because m and v start at zero: with the default betas they are too large (α(1−β₁)/
    √(1−β₂) ≈ 3.2α at t = 1), with β₁ = β₂ too small (α√(1−βᵗ)).
    """

    _state_names = ("m", "v")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 bias_correction: bool = True):
        super().__init__(params, lr, weight_decay)
        who = type(self).__name__
        self.bias_correction = bool(bias_correction)
        try:
            b1, b2 = betas
        except (TypeError, ValueError):
            raise ValueError(f"{who}: betas must be a pair (beta1, beta2); got {betas!r}") from None
        self.betas = (_unit(b1, "betas[0]", who), _unit(b2, "betas[1]", who))
        self.eps = _nonnegative(eps, "eps", who)

    def _update(self, i, theta, g):
        m, v, (b1, b2), t = self.m[i], self.v[i], self.betas, self.t
        m *= b1
        m += (1 - b1) * g  # m = β₁m + (1−β₁) g
        v *= b2
        v += (1 - b2) * g * g  # v = β₂v + (1−β₂) g²
        # θ ← θ − α m̂ / (√v̂ + ε) with m̂ = m / (1−β₁ᵗ), v̂ = v / (1−β₂ᵗ), in place:
        c1, c2 = (1 - b1**t, 1 - b2**t) if self.bias_correction else (1.0, 1.0)
        step = np.sqrt(v)
        step /= math.sqrt(c2)
        step += self.eps  # √v̂ + ε
        np.divide(m, step, out=step)
        step *= self.lr / c1  # α m̂ / (√v̂ + ε)
        theta -= step


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter), as ``torch.optim.AdamW``:
    first θ ← θ − αλθ, then the Adam step on the plain gradient (λ never enters m or v)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01,
                 bias_correction: bool = True):
        super().__init__(params, lr, betas, eps, weight_decay, bias_correction)

    def _decay(self, theta, g):
        theta *= 1 - self.lr * self.weight_decay  # decoupled: θ ← θ − αλθ, then the Adam step
        return g


#: Every optimizer by name: the one list the chapters' explorers and the website derive from.
OPTIMIZERS: dict[str, type[Optimizer]] = {cls.__name__: cls for cls in (
    SGD, Momentum, Nesterov, AdaGrad, AdaDelta, RMSprop, Adam, AdamW)}


# ---- gradient clipping ------------------------------------------------------------------------

def clip_grad_value(params, clip: float) -> None:
    """Clip every gradient entry to [−clip, clip], in place."""
    params = _as_param_list(params, "clip_grad_value")
    clip = _positive(clip, "clip", "clip_grad_value")
    for p in params:
        np.clip(p.grad, -clip, clip, out=p.grad)


def clip_grad_norm(params, max_norm: float) -> float:
    """Rescale all gradients together so that their global norm ‖(g₁, …, g_k)‖₂ is at most
    ``max_norm``; directions are kept. Returns the global norm *before* clipping.

    Raises ``ValueError`` when a gradient holds NaN or infinity (no rescaling can fix that).
    """
    params = _as_param_list(params, "clip_grad_norm")
    max_norm = _positive(max_norm, "max_norm", "clip_grad_norm")
    total = math.sqrt(sum(float(np.sum(np.square(p.grad, dtype=np.float64))) for p in params))
    if not math.isfinite(total):
        bad = [getattr(p, "name", f"#{i}") for i, p in enumerate(params)
               if not np.all(np.isfinite(p.grad))]
        raise ValueError(f"clip_grad_norm: the gradients are not finite (NaN or infinity in {bad})")
    if total > max_norm:
        for p in params:
            p.grad *= max_norm / total
    return total
