"""A network as a chain of layers: f_θ(x) = f[L](... f[1](x)) (5.1)."""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_finite
from .layers import Dense, Layer, Parameter

__all__ = ["Sequential"]


class Sequential(Layer):
    """Layers applied in order. ``forward`` runs the forward pass (5.4); ``backward`` runs the
    backward pass of Algorithm 5.2 from ∂C/∂ŷ, filling every layer's gradients, and returns ∂C/∂X.

    >>> model = Sequential(Dense(4, 5, rng=rng), ReLU(), Dense(5, 1, rng=rng))
    >>> model.forward(X).shape          # X: (n, 4)
    (n, 1)
    """

    def __init__(self, *layers: Layer):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"Sequential: item {i} is a {type(layer).__name__}, not a layer "
                    "(did you pass the class instead of an instance, e.g. ReLU instead of ReLU()?)"
                )
        self.layers = list(layers)

    def forward(self, X, training: bool = False) -> np.ndarray:
        """X: (n, N_0) -> ŷ: (n, N_L)."""
        first = self._first_dense()
        dtype = first.W.dtype if first is not None else None
        X = as_float_array(X, "Sequential input", dtype=dtype)
        check_finite(X, "Sequential input")  # shapes are checked by each layer
        A = X
        for layer in self.layers:
            A = layer.forward(A, training=training)
        return A

    def backward(self, dout, input_grad: bool = True) -> np.ndarray | None:
        """dout = ∂C/∂ŷ: (n, N_L) -> ∂C/∂X: (n, N_0). Training loops pass ``input_grad=False``:
        every parameter gradient is still filled, but ∂C/∂X is not computed (returns None)."""
        for layer in reversed(self.layers[1:]):
            dout = layer.backward(dout)
        if not self.layers:
            return dout
        first = self.layers[0]
        if not input_grad and isinstance(first, (Dense, Sequential)):
            return first.backward(dout, input_grad=False)
        din = first.backward(dout)
        return din if input_grad else None

    def parameters(self) -> list[Parameter]:
        """Every trainable array, named ``"<layer index>.<array>"`` (e.g. ``"0.W"``)."""
        out = []
        for i, layer in enumerate(self.layers):
            for p in layer.parameters():
                out.append(Parameter(p.layer, p.attr, p.grad_attr, name=f"{i}.{p.name}"))
        return out

    def astype(self, dtype) -> Sequential:
        for layer in self.layers:
            layer.astype(dtype)
        return self

    def _first_dense(self):
        for layer in self.layers:
            if hasattr(layer, "W"):
                return layer
            if isinstance(layer, Sequential):
                return layer._first_dense()
        return None

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self) -> str:
        inner = ",\n".join(f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)" if self.layers else "Sequential()"
