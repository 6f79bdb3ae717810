"""The layer protocol, parameters, and the dense (fully connected) layer.

A mini-batch holds one sample per row: ``A`` has shape ``(n, N)``. The book writes one sample per
column, ``Z = W A + B`` (5.9); with rows that is ``Z = A Wᵀ + b``, and ``W`` keeps the book's shape
``(N_ℓ, N_{ℓ-1})``.

Every layer has ``forward(A, training=False) -> out`` and ``backward(dout) -> din``. ``backward``
receives ∂C/∂out for the whole batch, *overwrites* the gradients of the layer's parameters (it does
not accumulate) and returns ∂C/∂in.
"""

from __future__ import annotations

import numpy as np

from . import init as initializers
from ._checks import as_float_array, check_batch, check_same_shape

__all__ = ["Layer", "Parameter", "Dense"]


class Parameter:
    """A view of one trainable array of a layer.

    ``value`` *is* the layer's array (``p.value is layer.W``) and ``grad`` its gradient
    (``p.grad is layer.dW``), so an optimizer updating ``p.value`` in place updates the layer.
    """

    __slots__ = ("layer", "attr", "grad_attr", "name")

    def __init__(self, layer: Layer, attr: str, grad_attr: str, name: str | None = None):
        self.layer, self.attr, self.grad_attr = layer, attr, grad_attr
        self.name = attr if name is None else name

    @property
    def value(self) -> np.ndarray:
        return getattr(self.layer, self.attr)

    @value.setter
    def value(self, new) -> None:
        old = getattr(self.layer, self.attr)
        if new is not old:
            old[...] = new  # keep the array identity: other views of it stay valid

    @property
    def grad(self) -> np.ndarray:
        return getattr(self.layer, self.grad_attr)

    @grad.setter
    def grad(self, new) -> None:
        old = getattr(self.layer, self.grad_attr)
        if new is not old:
            old[...] = new

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    def __repr__(self) -> str:
        return f"Parameter({self.name}, shape={self.value.shape}, dtype={self.value.dtype})"


class Layer:
    """Base class. Subclasses list their trainable arrays in ``_params`` as (value, grad) names,
    and in ``_buffers`` the arrays that are not trained but define the model (e.g. the running
    statistics of batch norm), which ``mb.save`` and early stopping keep."""

    _params: tuple[tuple[str, str], ...] = ()
    _buffers: tuple[str, ...] = ()

    def forward(self, A: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, A: np.ndarray, training: bool = False) -> np.ndarray:
        return self.forward(A, training=training)

    def parameters(self) -> list[Parameter]:
        return [
            Parameter(self, v, g) for v, g in self._params if getattr(self, v, None) is not None
        ]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad[...] = 0

    @property
    def n_params(self) -> int:
        return sum(p.value.size for p in self.parameters())

    def astype(self, dtype) -> Layer:
        """Convert every floating array of the layer (parameters, gradients, statistics) in place
        of the layer object; returns the layer."""
        dtype = np.dtype(dtype)
        if not np.issubdtype(dtype, np.floating):
            raise ValueError(f"{self!r}.astype: expected a floating dtype; got {dtype}")
        for name, value in list(vars(self).items()):
            if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
                setattr(self, name, value.astype(dtype))
        self.dtype = dtype
        return self

    def config(self) -> dict:
        """The constructor arguments that rebuild this layer (used by ``mb.save``)."""
        return {}

    @property
    def _who(self) -> str:
        """A short name for error messages (cheap: built on every call of forward/backward)."""
        return f"{type(self).__name__}()"

    def _cached(self, name: str):
        value = getattr(self, name, None)
        if value is None:
            raise RuntimeError(f"{self!r}: backward() called before forward()")
        return value

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"


class Dense(Layer):
    """Fully connected layer ``z = W a + b`` (5.2), applied to every row of a batch.

    Parameters
    ----------
    in_features, out_features : N_{ℓ-1} and N_ℓ.
    init : name of an initialiser in :mod:`mlpbook.init` or a callable ``f(shape, rng, dtype)``.
    bias : whether the layer has a bias vector ``b``.
    rng : ``numpy.random.Generator`` (or int seed) used by the initialiser.
    dtype : float64 (default, for gradient checks) or float32 (for speed).

    Arrays: ``W`` (out, in), ``b`` (out,); after ``backward``: ``dW`` (out, in), ``db`` (out,).
    Forward maps (n, in) -> (n, out).
    """

    _params = (("W", "dW"), ("b", "db"))

    def __init__(
        self,
        in_features: int,
        out_features: int,
        init="xavier",
        bias: bool = True,
        rng=None,
        dtype=np.float64,
    ):
        for what, v in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"Dense: {what} must be a positive integer; got {v!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.dtype = np.dtype(dtype)
        self.init = init if isinstance(init, str) else getattr(init, "__name__", "custom")
        shape = (self.out_features, self.in_features)
        W = np.asarray(initializers.get(init)(shape, rng=initializers.as_generator(rng),
                                              dtype=self.dtype))
        if W.shape != shape:
            raise ValueError(f"Dense: init returned shape {W.shape}; expected {shape}")
        self.W = W.astype(self.dtype, copy=False)
        self.b = np.zeros(self.out_features, dtype=self.dtype) if bias else None
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b) if bias else None
        self.A_prev = None

    def forward(self, A, training=False):
        A = as_float_array(A, self, dtype=self.W.dtype)
        check_batch(A, self.in_features, self)
        self.A_prev = A  # a[ℓ-1], kept for g_W in (5.33)
        Z = A @ self.W.T  # z[ℓ] = W[ℓ] a[ℓ-1] + b[ℓ]   (5.2), rows are samples
        if self.b is not None:
            Z += self.b
        return Z

    def backward(self, dZ, input_grad: bool = True):
        """dZ = δ[ℓ] for every sample, (n, out). Fills dW and db; returns ∂C/∂a[ℓ-1], (n, in),
        or None with ``input_grad=False`` (the first layer of a network needs no input gradient,
        and skipping it saves a product as large as the forward one)."""
        A_prev = self._cached("A_prev")
        dZ = as_float_array(dZ, (self, ".backward"), dtype=self.W.dtype)
        check_same_shape(dZ, (A_prev.shape[0], self.out_features), (self, ".backward"),
                         "upstream gradient ∂C/∂z")
        np.matmul(dZ.T, A_prev, out=self.dW)  # g_W = δ a[ℓ-1]ᵀ, summed over the batch   (5.33)
        if self.b is not None:
            np.sum(dZ, axis=0, out=self.db)  # g_b = δ, summed over the batch             (5.33)
        return dZ @ self.W if input_grad else None  # ∂C/∂a[ℓ-1] = W[ℓ]ᵀ δ[ℓ]         (5.29)

    def astype(self, dtype):
        super().astype(dtype)
        self.A_prev = None
        return self

    def config(self):
        return {
            "in_features": self.in_features,
            "out_features": self.out_features,
            "init": self.init,
            "bias": self.b is not None,
            "dtype": self.W.dtype.name,
        }

    @property
    def _who(self) -> str:
        return f"Dense({self.in_features}→{self.out_features})"

    def __repr__(self):
        extra = "" if self.b is not None else ", bias=False"
        dt = "" if self.W.dtype == np.float64 else f", dtype={self.W.dtype.name}"
        return f"Dense({self.in_features}, {self.out_features}{extra}{dt})"
