"""A network as a chain of layers: f_θ(x) = f[L](... f[1](x)) (5.1)."""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_finite, integer
from .layers import Dense, Layer, Parameter

__all__ = ["Sequential", "mlp"]


class Sequential(Layer):
    """Layers applied in order. ``forward`` runs the forward pass (5.4); ``backward`` runs the
    backward pass of Algorithm 5.2 from ∂C/∂ŷ, filling every layer's gradients, and returns ∂C/∂X.

    >>> model = Sequential(Dense(4, 5, rng=rng), ReLU(), Dense(5, 1, rng=rng))
    >>> model.forward(X).shape          # X: (n, 4)
    (n, 1)
    >>> print(model.summary())          # layers, output shapes, parameters, dtype
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
        """dout = ∂C/∂ŷ: (n, N_L) -> ∂C/∂X: (n, N_0). Training passes ``input_grad=False``:
        every parameter gradient is still filled, but ∂C/∂X is not computed (returns None)."""
        if not self.layers:
            return dout if input_grad else None
        for layer in reversed(self.layers[1:]):
            dout = layer.backward(dout)
        return self.layers[0].backward(dout, input_grad=input_grad)

    def parameters(self) -> list[Parameter]:
        """Every trainable array, named ``"<layer index>.<array>"`` (e.g. ``"0.W"``)."""
        out = []
        for i, layer in enumerate(self.layers):
            for p in layer.parameters():
                out.append(Parameter(p.layer, p.attr, p.grad_attr, name=f"{i}.{p.name}"))
        return out

    def state(self) -> dict[str, np.ndarray]:
        """Every parameter and buffer of every layer, named like the parameters (``"0.W"``,
        ``"1.running_var"``): the layers' own arrays, not copies."""
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers)
                for k, v in layer.state().items()}

    def _check_state(self, state: dict, who: str) -> None:
        own = self.state()
        extra = sorted(set(state) - set(own))
        if extra:
            raise ValueError(f"{who}: the model has no arrays {extra}")
        for i, layer in enumerate(self.layers):
            prefix = f"{i}."
            layer._check_state({k[len(prefix):]: v for k, v in state.items()
                                if k.startswith(prefix)}, f"{who}: layer {i}")

    @property
    def min_training_batch(self) -> int:
        return max((layer.min_training_batch for layer in self.layers), default=1)

    def output_features(self, n_in):
        for layer in self.layers:
            n_in = layer.output_features(n_in)
        return n_in

    @property
    def in_features_hint(self):
        for layer in self.layers:  # the first layer that fixes a width, after width-keepers
            if layer.in_features_hint is not None:
                return layer.in_features_hint
            if not layer.preserves_width:
                return None
        return None

    def _summary_rows(self, index: str, n_in):
        rows = []
        for i, layer in enumerate(self.layers):
            sub, n_in = layer._summary_rows(f"{index}{i}" if not index else f"{index}.{i}", n_in)
            rows += sub
        return rows, n_in

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


def mlp(sizes, activation=None, init="he", batchnorm: bool = False, rng=None,
        dtype=np.float64) -> Sequential:
    """A fully connected network with widths ``sizes = [N_0, N_1, ..., N_L]``.

    Each hidden layer is Dense → [BatchNorm] → ``activation()`` (ReLU by default, any ``mb``
    activation class); the output layer Dense(N_{L−1} → N_L) is linear, giving regression outputs
    or logits for ``BCEWithLogitsLoss`` / ``CrossEntropyLoss``. With ``batchnorm`` the hidden
    Dense layers have no bias: the batch mean of (5.38) removes it and β takes its place. Every
    Dense layer uses ``init`` and draws from ``rng`` in order. Maps (n, N_0) -> (n, N_L).

    >>> mb.mlp([784, 512, 512, 10], rng=0, dtype=np.float32)   # the network of Example 5
    """
    from .activations import ReLU
    from .batchnorm import BatchNorm
    from .init import as_generator

    sizes = list(sizes)
    try:
        if len(sizes) < 2:
            raise ValueError
        sizes = [integer(s, "mlp", "a width") for s in sizes]
    except ValueError:
        raise ValueError(f"mlp: expected at least two positive widths [N_0, ..., N_L] (integers); "
                         f"got {sizes}") from None
    activation = ReLU if activation is None else activation
    rng = as_generator(rng)
    layers = []
    for n_in, n_out in zip(sizes[:-2], sizes[1:-1], strict=True):
        layers.append(Dense(n_in, n_out, init=init, bias=not batchnorm, rng=rng, dtype=dtype))
        if batchnorm:
            layers.append(BatchNorm(n_out).astype(dtype))
        layers.append(activation())
    layers.append(Dense(sizes[-2], sizes[-1], init=init, rng=rng, dtype=dtype))
    return Sequential(*layers)
