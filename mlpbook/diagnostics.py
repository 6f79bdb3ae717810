"""What every layer of a network sees at a given moment (chapter 09): pre-activations z[ℓ],
activations a[ℓ], and the back-propagated gradients δ[ℓ] = ∂C/∂z[ℓ] and ζ[ℓ] = ∂C/∂a[ℓ].

>>> model = deep_mlp([100] * 11, activation="tanh", init="xavier", rng=0)  # 10 layers
>>> records = record_layers(model, X, dout)        # X, dout: (n, 100)
>>> [r.a.std() for r in records]                    # the spread of a[1], ..., a[10]

``init_records`` is the experiment of chapter 09's initialisation explorer: the records of a deep
network of equal widths for one initialiser (a key of ``INITIALIZERS``) and one activation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from .activations import ACTIVATIONS
from .init import VARIANCES, as_generator, normal
from .layers import Dense
from .sequential import Sequential

__all__ = ["ACTIVATIONS", "deep_mlp", "LayerRecord", "record_layers", "INITIALIZERS",
           "init_records"]


def deep_mlp(widths, activation="tanh", init="xavier", rng=None, bias: bool = True) -> Sequential:
    """A stack of L = len(widths) − 1 blocks Dense(N_{ℓ-1} → N_ℓ) + activation, for
    ``widths = [N_0, N_1, ..., N_L]``: a[ℓ] = σ(W[ℓ] a[ℓ-1] + b[ℓ]), biases 0 (the setting of
    [MEDL] §5.4-5.5; with equal widths, the network of its Figure 5.5).

    activation : a name in ``mb.activations.ACTIVATIONS`` (e.g. "tanh") or a layer class such
        as ``mb.Tanh``.
    init : a name of :mod:`mlpbook.init` or a callable ``f(shape, rng, dtype)``.
    """
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            raise ValueError(f"deep_mlp: expected an activation in {list(ACTIVATIONS)} or a "
                             f"layer class; got {activation!r}")
        activation = ACTIVATIONS[activation].make
    widths = list(widths)
    if len(widths) < 2:
        raise ValueError(f"deep_mlp: expected widths [N_0, ..., N_L] with L >= 1; got {widths}")
    rng = as_generator(rng)
    layers = []
    for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
        layers += [Dense(n_in, n_out, init=init, rng=rng, bias=bias), activation()]
    return Sequential(*layers)


@dataclass
class LayerRecord:
    """One dense layer ℓ and the activation after it, for a batch of n samples (rows).

    z : (n, N_ℓ) pre-activations z[ℓ];  a : (n, N_ℓ) activations a[ℓ] (= z when no activation
    follows);  delta : (n, N_ℓ) δ[ℓ] = ∂C/∂z[ℓ];  zeta : (n, N_ℓ) ζ[ℓ] = ∂C/∂a[ℓ];
    dW : (N_ℓ, N_{ℓ-1}) the weight gradient g_W[ℓ] of (5.33) (a copy).
    """

    z: np.ndarray
    a: np.ndarray
    delta: np.ndarray
    zeta: np.ndarray
    dW: np.ndarray


def record_layers(model: Sequential, X, dout) -> list[LayerRecord]:
    """Run ``model`` forward on X (production mode) and backward from ``dout`` = ∂C/∂ŷ, keeping
    what enters and leaves every layer; returns one :class:`LayerRecord` per Dense layer, first
    layer first. The model's gradients are filled as by ``model.backward(dout)``."""
    layers = model.layers
    if any(isinstance(layer, Sequential) for layer in layers):
        raise ValueError("record_layers: expected a flat Sequential (no nested Sequential)")
    outputs, A = [], X
    for layer in layers:
        A = layer.forward(A, training=False)
        outputs.append(A)
    dout = np.asarray(dout)
    if dout.shape != A.shape:
        raise ValueError(f"record_layers: dout must have the shape of the output {A.shape}; "
                         f"got {dout.shape}")
    upstream = [None] * len(layers)  # upstream[i] = ∂C/∂(output of layer i)
    for i in reversed(range(len(layers))):
        upstream[i] = dout
        dout = layers[i].backward(dout)
    records = []
    for i, layer in enumerate(layers):
        if not isinstance(layer, Dense):
            continue
        after = i + 1 if i + 1 < len(layers) and not isinstance(layers[i + 1], Dense) else i
        records.append(LayerRecord(z=outputs[i], a=outputs[after], delta=upstream[i],
                                   zeta=upstream[after], dW=layer.dW.copy()))
    return records


# ---- chapter 09's initialisation explorer -------------------------------------------------------

def _normal(std):
    f = partial(normal, std=std)
    f.__name__ = f"normal({std:g})"
    return f


# The initialisers the explorer offers, by name: two fixed standard deviations, then every
# initialiser of ``mb.init.VARIANCES`` (scaled by the fans).
INITIALIZERS = {"normal(1)": _normal(1.0), "normal(0.01)": _normal(0.01),
                **{name: name for name in VARIANCES}}


def init_records(depth=10, init="xavier", activation="tanh", width=100, n=500, seed=0):
    """Per-layer records (:func:`record_layers`) of a ``depth``-layer network of equal ``width``
    built with ``init`` (a key of ``INITIALIZERS``) and ``activation`` ("tanh", "ReLU",
    "sigmoid", "identity", ...), on n standard normal inputs, back-propagating a standard normal
    upstream gradient ∂C/∂a[L]. Returns the list of records, layer 1 first."""
    if init not in INITIALIZERS:
        raise ValueError(f"init_records: expected init in {list(INITIALIZERS)}; got {init!r}")
    rng = np.random.default_rng(seed)
    model = deep_mlp([width] * (depth + 1), activation, INITIALIZERS[init], rng=rng)
    X = rng.standard_normal((n, width))
    dout = rng.standard_normal((n, width))
    return record_layers(model, X, dout)
