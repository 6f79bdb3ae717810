"""The layer protocol, parameters, and the dense (fully connected) layer.

A mini-batch holds one sample per row: ``A`` has shape ``(n, N)``. The book writes one sample per
column, ``Z = W A + B`` (5.9); with rows that is ``Z = A Wᵀ + b``, and ``W`` keeps the book's shape
``(N_ℓ, N_{ℓ-1})``.

The forward/backward contract of every layer:

- ``forward(A, training=False) -> out`` never modifies ``A``. It keeps what ``backward`` needs:
  references to ``A`` and to arrays it computed, not copies (so do not modify ``A`` in place
  before ``backward``). An output that the layer keeps for its backward pass (sigmoid, tanh,
  softmax) is returned as a read-only view: writing into it raises instead of corrupting the
  gradient.
- ``backward(dout, input_grad=True) -> din`` receives ∂C/∂out for the whole batch and
  differentiates at the input of the *latest* ``forward``: a second forward (on validation
  data, say) replaces the first, so call ``backward`` before it. It *overwrites* the gradients
  of the layer's parameters (it does not accumulate), never modifies ``dout``, and returns
  ∂C/∂in, or None with ``input_grad=False`` (training needs no gradient for the network's input,
  and skipping it saves a product as large as the first layer's forward one).
- ``state()`` maps a name to each array that defines the trained layer (parameters and buffers
  such as batch norm's running statistics): the layer's own arrays, not copies.
  ``load_state(state)`` checks a whole state (names, shapes, finite values) before copying it in.
- ``output_features(n_in)`` is the width of the output for ``n_in`` input features (None when
  the layer cannot tell without running); ``summary()`` tabulates it with the parameter counts.
"""

from __future__ import annotations

import numpy as np

from . import init as initializers
from ._checks import as_float_array, check_batch, check_finite, check_same_shape, integer

__all__ = ["Layer", "Parameter", "Dense", "Summary"]


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


def _takes_input_grad(function) -> bool:
    code = getattr(function, "__code__", None)
    if code is None:  # not a plain function: trust it
        return True
    names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    return "input_grad" in names or bool(code.co_flags & 0x08)  # or **kwargs


def read_only(A: np.ndarray) -> np.ndarray:
    """A read-only view of ``A`` (no copy): what a layer returns of an array it keeps."""
    view = A.view()
    view.flags.writeable = False
    return view


class Summary(str):
    """The table of :meth:`Layer.summary`; shown as the table itself (also as the value of a
    notebook cell)."""

    def __repr__(self) -> str:
        return str(self)


class Layer:
    """Base class. Subclasses list their trainable arrays in ``_params`` as (value, grad) names,
    and in ``_buffers`` the arrays that are not trained but define the model (e.g. the running
    statistics of batch norm); ``state()``, ``mb.save`` and early stopping keep both.
    ``min_training_batch`` is the smallest batch the layer accepts in training mode;
    ``preserves_width`` says that the output has the input's shape (element-wise layers)."""

    _params: tuple[tuple[str, str], ...] = ()
    _buffers: tuple[str, ...] = ()
    min_training_batch: int = 1
    preserves_width: bool = False  # True: output (n, N) for every input (n, N)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        backward = cls.__dict__.get("backward")
        if backward is not None and not _takes_input_grad(backward):
            raise TypeError(f"{cls.__name__}.backward must accept input_grad: the layer protocol "
                            "is backward(self, dout, input_grad=True), returning None when "
                            "input_grad is False")

    def forward(self, A: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
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

    # ---- state: the arrays that define the trained layer -------------------------------------

    def state(self) -> dict[str, np.ndarray]:
        """{name: array} for every parameter and buffer: the layer's own arrays (not copies)."""
        out = {v: getattr(self, v) for v, _ in self._params if getattr(self, v, None) is not None}
        out.update({b: getattr(self, b) for b in self._buffers})
        return out

    def load_state(self, state: dict) -> Layer:
        """Copy ``state`` (as returned by ``state()``) into the layer's arrays, in place. The
        whole state is checked first (the same names, shapes, finite numbers), so a bad state
        changes nothing. Returns the layer."""
        self._check_state(state, type(self).__name__ + ".load_state")
        for key, array in self.state().items():
            array[...] = state[key]
        return self

    def _check_state(self, state: dict, who: str) -> None:
        own = self.state()
        missing = sorted(set(own) - set(state))
        extra = sorted(set(state) - set(own))
        if missing or extra:
            raise ValueError(f"{who}: {self._who} has the arrays {sorted(own)}; missing "
                             f"{missing}, unexpected {extra}")
        for key, array in own.items():
            got = state[key]
            if not isinstance(got, np.ndarray) or got.dtype.kind != "f":
                raise ValueError(f"{who}: array {key!r} of {self._who} must be a floating array; "
                                 f"got {getattr(got, 'dtype', type(got).__name__)}")
            check_same_shape(got, array.shape, who, f"array {key!r} of {self._who}")
            check_finite(got, who, f"array {key!r} of {self._who}")

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

    # ---- shapes and the summary table --------------------------------------------------------

    def output_features(self, n_in: int | None) -> int | None:
        """The output width for ``n_in`` input features, or None when the layer cannot tell."""
        return n_in if self.preserves_width else None

    @property
    def in_features_hint(self) -> int | None:
        """The input width the layer requires, when it fixes one (None otherwise)."""
        return None

    def summary(self, in_features: int | None = None) -> Summary:
        """A table of the layers: output shape for inputs of ``in_features`` columns (default:
        the width the first layer expects), parameters per layer and in total, and dtype.

        >>> print(mb.mlp([4, 5, 1], rng=0).summary())
        """
        in_features = self.in_features_hint if in_features is None else \
            integer(in_features, f"{type(self).__name__}.summary", "in_features")
        rows, _ = self._summary_rows("", in_features)
        head = ("#", "layer", "output shape", "parameters", "dtype")
        body = [(i, name, "(n, ?)" if w is None else f"(n, {w})", f"{k:,}", dt)
                for i, name, w, k, dt in rows]
        width = [max(len(str(r[c])) for r in [head, *body]) for c in range(5)]
        right = (False, False, False, True, False)

        def line(r):
            return "  ".join(str(x).rjust(w) if rj else str(x).ljust(w)
                             for x, w, rj in zip(r, width, right, strict=True)).rstrip()

        lines = [line(r) for r in [head, *body]]
        rule = "-" * max(map(len, lines))
        shown = "?" if in_features is None else in_features
        dtypes = sorted({dt for *_, dt in rows if dt})
        title = (f"{type(self).__name__}: input (n, {shown}), "
                 f"{self.n_params:,} parameters, {', '.join(dtypes) or 'no arrays'}")
        return Summary("\n".join([title, rule, lines[0], rule, *lines[1:], rule,
                                   f"total parameters: {self.n_params:,}"]))

    def _summary_rows(self, index: str, n_in):
        """([(index, layer, output width, parameters, dtype)], output width)."""
        out = self.output_features(n_in)
        arrays = list(self.state().values())
        dtype = arrays[0].dtype.name if arrays else ""
        return [(index or "0", repr(self), out, self.n_params, dtype)], out

    def _width_error(self, n_in, expected) -> ValueError:
        return ValueError(f"{self._who}: expected input of shape (n, {expected}) with {expected} "
                          f"features; got (n, {n_in})")

    @property
    def _who(self) -> str:
        """A short name for error messages (built only when a check fails)."""
        return f"{type(self).__name__}()"

    def _cached(self, name: str):
        value = getattr(self, name, None)
        if value is None:
            raise RuntimeError(f"{self!r}: backward() called before forward(): the layer keeps "
                               "no input (a fused training step of mb.fit or train_step runs no "
                               "layer's forward); call model.forward(X, training=True) first")
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
        self.in_features = integer(in_features, "Dense", "in_features")
        self.out_features = integer(out_features, "Dense", "out_features")
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

    @property
    def dW(self) -> np.ndarray:
        """g_W = δᵀa[ℓ-1] of (5.33), (out, in): of the latest ``backward``, or of the latest
        fused training step, which leaves its factors (:meth:`defer_dW`) and is formed here."""
        if self._dW_factors is not None:
            delta, A_prev = self._dW_factors
            self._dW_factors = None
            np.matmul(delta.T, A_prev, out=self._dW)  # the product backward computes
        return self._dW

    @dW.setter
    def dW(self, value: np.ndarray) -> None:
        self._dW, self._dW_factors = value, None

    def defer_dW(self, delta: np.ndarray, A_prev: np.ndarray) -> None:
        """Make ``dW`` the gradient δᵀa of δ (n, out) and a[ℓ-1] (n, in), formed when it is
        read: the fused step (:mod:`mlpbook.fused`) updates W without forming it. The two
        arrays must keep their values until the next step."""
        self._dW_factors = (delta, A_prev)

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
        or None with ``input_grad=False``."""
        A_prev = self._cached("A_prev")
        dZ = as_float_array(dZ, (self, ".backward"), dtype=self.W.dtype)
        check_same_shape(dZ, (A_prev.shape[0], self.out_features), (self, ".backward"),
                         "upstream gradient ∂C/∂z")
        self._dW_factors = None
        np.matmul(dZ.T, A_prev, out=self._dW)  # g_W = δ a[ℓ-1]ᵀ, summed over the batch   (5.33)
        if self.b is not None:
            np.sum(dZ, axis=0, out=self.db)  # g_b = δ, summed over the batch             (5.33)
        return dZ @ self.W if input_grad else None  # ∂C/∂a[ℓ-1] = W[ℓ]ᵀ δ[ℓ]         (5.29)

    def astype(self, dtype):
        self.dW = self.dW  # form a deferred gradient before converting it
        super().astype(dtype)
        self.A_prev = None
        return self

    def output_features(self, n_in):
        if n_in is not None and n_in != self.in_features:
            raise self._width_error(n_in, self.in_features)
        return self.out_features

    @property
    def in_features_hint(self):
        return self.in_features

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
