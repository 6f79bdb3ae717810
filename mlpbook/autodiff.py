"""Reverse-mode automatic differentiation on NumPy arrays (the computation graph of the
[Peeters] slides, G. Peeters, *Deep Learning — Multi Layer Perceptron*).

Every :class:`Tensor` is a node of a graph: it holds a ``value``, the ``grad`` ∂C/∂value filled in
by ``backward()``, the tensors it was computed from (its parents) and a *local backward rule*.
That rule is the "function node" of those slides: it knows the local derivatives of the
operation and turns the upstream gradient ∂C/∂out into the gradients it sends to its inputs,
∂C/∂in = (∂out/∂in)ᵀ ∂C/∂out.
``backward()`` visits the nodes in reverse topological order, so each node has received the whole
of its gradient before it passes it on. Backpropagation (Algorithm 5.2) is this procedure applied
to the graph of a fully connected network.

>>> x = Tensor(np.array([[1.0, 2.0]]), name="x")
>>> W = Tensor(np.array([[0.5, -1.0]]), name="W")
>>> C = (x @ W.T).sigmoid().sum()
>>> C.backward()
>>> W.grad                           # σ'(x·w) x
array([[0.14914645, 0.2982929 ]])

``backward()`` overwrites the gradients of every node of the graph (it does not accumulate across
calls), like the layers of :mod:`mlpbook`. Values keep their dtype: float32 stays float32.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array
from .activations import log_softmax, sigmoid, softmax

__all__ = [
    "Tensor", "topological_order", "squared_loss", "softmax_cross_entropy", "from_sequential",
]


def _unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, back to ``shape``."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Tensor:
    """A value in a computation graph. ``name`` labels it in tables and drawings."""

    def __init__(self, value, name: str = "", _parents: tuple = (), _op: str = ""):
        self.value = as_float_array(value, f"Tensor({name!r})" if name else "Tensor")
        self.grad = np.zeros_like(self.value)
        self.name = name
        self.parents = tuple(_parents)
        self.op = _op  # "" for a leaf (an input, a parameter or a constant)
        self._backward = lambda: None  # the local rule: adds into the parents' .grad

    # ---- graph construction helpers ------------------------------------------------------------
    def _lift(self, other) -> Tensor:
        """Wrap a number or array as a constant leaf of this tensor's dtype (no silent upcast)."""
        if isinstance(other, Tensor):
            return other
        name = f"{float(other):g}" if np.ndim(other) == 0 else "const"
        return Tensor(np.asarray(other, dtype=self.value.dtype), name=name)

    def _operand(self, other, op: str, broadcast: bool = True) -> Tensor:
        """The other input of a binary node: same dtype (no silent upcast), shapes that
        broadcast against this one."""
        other = self._lift(other)
        if other.value.dtype != self.value.dtype:
            raise TypeError(f"Tensor {op}: dtypes differ ({self.value.dtype} and "
                            f"{other.value.dtype}); convert one with .astype first")
        if broadcast:
            try:
                np.broadcast_shapes(self.shape, other.shape)
            except ValueError:
                raise ValueError(f"Tensor {op}: shapes {self.shape} and {other.shape} do not "
                                 "broadcast") from None
        return other

    def named(self, name: str) -> Tensor:
        """Set the label and return the tensor, so that ``z = (x @ W.T + b).named("z")``."""
        self.name = name
        return self

    @property
    def shape(self) -> tuple:
        return self.value.shape

    @property
    def label(self) -> str:
        return self.name or self.op

    # ---- arithmetic (with broadcasting) --------------------------------------------------------
    def __add__(self, other):
        other = self._operand(other, "+")
        out = Tensor(self.value + other.value, _parents=(self, other), _op="+")

        def backward():  # ∂(a+b)/∂a = ∂(a+b)/∂b = 1, summed over broadcast axes
            self.grad += _unbroadcast(out.grad, self.shape)
            other.grad += _unbroadcast(out.grad, other.shape)
        out._backward = backward
        return out

    def __mul__(self, other):
        other = self._operand(other, "*")
        out = Tensor(self.value * other.value, _parents=(self, other), _op="*")

        def backward():  # ∂(ab)/∂a = b, ∂(ab)/∂b = a
            self.grad += _unbroadcast(out.grad * other.value, self.shape)
            other.grad += _unbroadcast(out.grad * self.value, other.shape)
        out._backward = backward
        return out

    def __neg__(self):
        out = Tensor(-self.value, _parents=(self,), _op="neg")

        def backward():
            self.grad -= out.grad
        out._backward = backward
        return out

    def __sub__(self, other):
        other = self._operand(other, "-")
        out = Tensor(self.value - other.value, _parents=(self, other), _op="-")

        def backward():
            self.grad += _unbroadcast(out.grad, self.shape)
            other.grad -= _unbroadcast(out.grad, other.shape)
        out._backward = backward
        return out

    def __pow__(self, p: float):
        if isinstance(p, Tensor) or np.ndim(p) != 0:
            raise TypeError(f"Tensor **: the exponent must be a number; got {type(p).__name__}")
        out = Tensor(self.value**p, _parents=(self,), _op=f"**{p:g}")

        def backward():  # ∂a^p/∂a = p a^(p-1)
            self.grad += out.grad * p * self.value ** (p - 1)
        out._backward = backward
        return out

    def __truediv__(self, other):
        return self * self._lift(other) ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return self._lift(other) - self

    def __rtruediv__(self, other):
        return self._lift(other) / self

    # ---- linear algebra ------------------------------------------------------------------------
    def __matmul__(self, other):
        other = self._operand(other, "@", broadcast=False)
        if self.value.ndim != 2 or other.value.ndim != 2 or self.shape[1] != other.shape[0]:
            raise ValueError(f"Tensor @: expected matrices (n, k) @ (k, m); got {self.shape} @ "
                             f"{other.shape}")
        out = Tensor(self.value @ other.value, _parents=(self, other), _op="@")

        def backward():  # C = AB: ∂/∂A = G Bᵀ, ∂/∂B = Aᵀ G
            self.grad += out.grad @ other.value.T
            other.grad += self.value.T @ out.grad
        out._backward = backward
        return out

    @property
    def T(self):
        out = Tensor(self.value.T, _parents=(self,), _op="T")

        def backward():
            self.grad += out.grad.T
        out._backward = backward
        return out

    # ---- reductions ----------------------------------------------------------------------------
    def _reduction(self, op: str, axis, keepdims: bool) -> Tensor:
        value = getattr(np, op)(self.value, axis=axis, keepdims=keepdims)
        scale = 1.0 if op == "sum" else value.size / max(self.value.size, 1)  # mean: 1/count
        out = Tensor(value, _parents=(self,), _op=op)

        def backward():  # every reduced entry receives the upstream gradient (× 1/count)
            g = out.grad if keepdims or axis is None else np.expand_dims(out.grad, axis)
            self.grad += np.broadcast_to(g * scale, self.shape)
        out._backward = backward
        return out

    def sum(self, axis=None, keepdims: bool = False):
        return self._reduction("sum", axis, keepdims)

    def mean(self, axis=None, keepdims: bool = False):
        return self._reduction("mean", axis, keepdims)

    # ---- element-wise functions: a = σ(z), δ = σ'(z) ⊙ ζ   (5.31) ------------------------------
    def _unary(self, value: np.ndarray, local_grad, op: str) -> Tensor:
        out = Tensor(value.astype(self.value.dtype, copy=False), _parents=(self,), _op=op)

        def backward():
            self.grad += out.grad * local_grad(out.value)
        out._backward = backward
        return out

    def sigmoid(self):
        return self._unary(sigmoid(self.value), lambda s: s * (1 - s), "sigmoid")

    def tanh(self):
        return self._unary(np.tanh(self.value), lambda t: 1 - t * t, "tanh")

    def relu(self):  # σ'(0) = 1, as in the book and mb.ReLU
        z = self.value
        return self._unary(np.maximum(z, 0), lambda a: (z >= 0).astype(z.dtype), "relu")

    def exp(self):
        return self._unary(np.exp(self.value), lambda e: e, "exp")

    def log(self):
        z = self.value
        return self._unary(np.log(z), lambda _: 1 / z, "log")

    # ---- the backward pass ---------------------------------------------------------------------
    def backward(self, grad=None) -> None:
        """Fill ``.grad`` = ∂self/∂node for every node of the graph that ends here.

        Without ``grad`` the tensor must hold one number (a loss); otherwise ``grad`` is the
        upstream gradient, of this tensor's shape (a vector-Jacobian product).
        """
        if grad is None:
            if self.value.size != 1:
                raise ValueError(f"backward(): a tensor of shape {self.shape} needs an upstream "
                                 "gradient of that shape; only a single number can start alone")
            grad = np.ones_like(self.value)
        grad = np.asarray(grad, dtype=self.value.dtype)
        if grad.shape != self.shape:
            raise ValueError(f"backward(): expected a gradient of shape {self.shape}; got "
                             f"{grad.shape}")
        order = topological_order(self)
        for node in order:
            node.grad = np.zeros_like(node.value)
        self.grad = grad.copy()
        for node in reversed(order):
            node._backward()

    def __repr__(self) -> str:
        kind = f"op={self.op!r}" if self.op else "leaf"
        name = f"{self.name!r}, " if self.name else ""
        return f"Tensor({name}{kind}, shape={self.shape}, dtype={self.value.dtype})"


def topological_order(root: Tensor) -> list[Tensor]:
    """Every node that ``root`` depends on, each after all of its parents; ``root`` is last."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:  # depth first, without recursion (deep graphs would hit the recursion limit)
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents) if id(p) not in seen)
    return order


# ---- losses --------------------------------------------------------------------------------------
def _check_reduction(reduction: str) -> None:
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum'; got {reduction!r}")


def _reduce(per_sample: Tensor, reduction: str) -> Tensor:
    _check_reduction(reduction)
    return per_sample.mean() if reduction == "mean" else per_sample.sum()


def squared_loss(output: Tensor, target, reduction: str = "mean") -> Tensor:
    """½‖ŷ − y‖² per sample (rows), averaged or summed over the batch; built from basic nodes."""
    target = output._lift(target)
    if target.shape != output.shape:
        raise ValueError(f"squared_loss: expected a target of shape {output.shape}; got "
                         f"{target.shape}")
    diff = output - target
    return _reduce((diff * diff).sum(axis=1) * 0.5, reduction)


def softmax_cross_entropy(logits: Tensor, target, reduction: str = "mean") -> Tensor:
    """Cross-entropy of softmax(logits) as one fused node: per sample log Σ e^{z_i} − z_k, and
    ∂C/∂z = softmax(z) − e_k (5.20). ``target``: labels (n,) or one-hot rows (n, K)."""
    Z = logits.value
    if Z.ndim != 2:
        raise ValueError(f"softmax_cross_entropy: expected logits (n, K); got {Z.shape}")
    T = np.asarray(target.value if isinstance(target, Tensor) else target)
    if T.ndim == 1:
        n, K = Z.shape
        if T.shape[0] != n or T.dtype.kind not in "iu" or T.min() < 0 or T.max() >= K:
            raise ValueError(f"softmax_cross_entropy: expected {Z.shape[0]} integer labels in "
                             f"[0, {Z.shape[1] - 1}]; got shape {T.shape}, dtype {T.dtype}")
        T = np.eye(Z.shape[1], dtype=Z.dtype)[T]
    elif T.shape != Z.shape:
        raise ValueError(f"softmax_cross_entropy: expected one-hot targets of shape {Z.shape}; "
                         f"got {T.shape}")
    T = T.astype(Z.dtype, copy=False)
    _check_reduction(reduction)
    scale = 1.0 / Z.shape[0] if reduction == "mean" else 1.0
    value = -np.sum(T * log_softmax(Z, axis=1)) * scale
    out = Tensor(np.asarray(value, dtype=Z.dtype), _parents=(logits,), _op="softmax_ce")

    def backward():
        logits.grad += out.grad * scale * (softmax(Z, axis=1) - T)  # (5.20)
    out._backward = backward
    return out


# ---- a model of mlpbook as a graph ---------------------------------------------------------------
#: The activations of ``mb.activations.ACTIVATIONS`` (by name) that ``from_sequential`` turns
#: into tensor operations.
AUTODIFF_ACTIVATIONS = {"identity": lambda a: a, "sigmoid": Tensor.sigmoid, "tanh": Tensor.tanh,
                        "ReLU": Tensor.relu}


def from_sequential(model, X) -> tuple[Tensor, dict[str, Tensor]]:
    """Run ``model`` (a ``Sequential`` of ``Dense`` and scalar activations) on ``X`` with tensors.

    Returns the output tensor and the parameter leaves, keyed like ``model.parameters()``
    (``"0.W"``, ``"0.b"``, ...); they share memory with the layers' arrays. Nodes are labelled
    in the book's notation: ``W[ℓ]``, ``b[ℓ]``, ``z[ℓ]``, ``a[ℓ]`` for the ℓ-th dense layer.
    """
    from .activations import ACTIVATIONS, Identity
    from .layers import Dense

    rules = {ACTIVATIONS[name].cls: rule for name, rule in AUTODIFF_ACTIVATIONS.items()}
    if not isinstance(X, Tensor):  # the input takes the model's dtype, as in Sequential.forward
        first = next((layer for layer in model.layers if isinstance(layer, Dense)), None)
        dtype = None if first is None else first.W.dtype
        X = Tensor(as_float_array(X, "from_sequential input", dtype=dtype), name="x")
    a = X
    leaves, ell = {}, 0
    for i, layer in enumerate(model.layers):
        if isinstance(layer, Dense):
            ell += 1
            W = leaves[f"{i}.W"] = Tensor(layer.W, name=f"W[{ell}]")
            a = a @ W.T  # z = W a + b (5.2), one sample per row
            if layer.b is not None:
                b = leaves[f"{i}.b"] = Tensor(layer.b, name=f"b[{ell}]")
                a = a + b
            a.named(f"z[{ell}]")
        elif type(layer) in rules:
            a = rules[type(layer)](a)
            a.name = a.name if isinstance(layer, Identity) else f"a[{ell}]"
        else:
            raise TypeError(f"from_sequential: layer {i} ({layer!r}) is not supported; expected "
                            f"Dense or an activation of {list(AUTODIFF_ACTIVATIONS)}")
    return a, leaves


# ---- forward mode, for comparison (chapter 07) ---------------------------------------------------
def jvp(model, X, tangent):
    """Forward mode on a ``Sequential`` of ``Dense`` and scalar activations.

    X : (n, d) input; tangent : dict keyed like ``model.parameters()`` (``"0.W"``, ...) with
    arrays of the parameters' shapes, the direction v (missing entries are zero).
    Returns (output, doutput), both (n, k): the output and its change along v, J v.
    """
    from .layers import Dense

    A, dA = X, np.zeros_like(X)
    for i, layer in enumerate(model.layers):
        if isinstance(layer, Dense):
            dW = tangent.get(f"{i}.W", np.zeros_like(layer.W))
            db = tangent.get(f"{i}.b", 0.0)
            b = 0.0 if layer.b is None else layer.b
            dA = dA @ layer.W.T + A @ dW.T + db  # ż = Ẇa + Wȧ + ḃ
            A = A @ layer.W.T + b  # z = Wa + b
        else:
            A, dA = layer.function(A), layer.derivative(A) * dA  # ȧ = σ'(z) ⊙ ż
    return A, dA


__all__ += ["jvp"]
