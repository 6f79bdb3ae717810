"""Dropout ([MEDL] §5.7, [FCNN web] §4.7, [Peeters] "DropOut regularisation").

In training, each unit of each sample is kept with probability p_keep and zeroed otherwise, with
independent coin flips. Placed after the activation of layer ℓ, the layer acts on a[ℓ] and the
next dense layer sees only the kept units, as in (5.45).

- ``inverted=True`` (the practical form): kept units are divided by p_keep in training (5.47),
  and the layer is the identity in production (5.48).
- ``inverted=False`` (the classic form): kept units pass unchanged in training (5.45), and in
  production every unit is multiplied by p_keep, which is the same as using p_keep·W[ℓ+1] in the
  next layer (5.46).

Either way the expected training output equals the production output.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_same_shape, number
from .init import as_generator
from .layers import Layer

__all__ = ["Dropout"]


class Dropout(Layer):
    """Dropout with keep probability ``p_keep`` ∈ (0, 1].

    ``rng``: a ``numpy.random.Generator`` or seed; the same seed gives the same masks.
    The mask drawn by a training-mode ``forward`` is the one ``backward`` uses. Setting
    ``hold_mask = True`` makes later training-mode forwards reuse that mask instead of drawing a
    new one, so that a finite-difference gradient check sees one fixed function.

    Arrays: ``mask`` (n, units), True for kept units (after a training-mode forward).
    """

    preserves_width = True

    def __init__(self, p_keep: float = 0.5, inverted: bool = True, rng=None):
        self.p_keep = number(p_keep, "Dropout", "p_keep (the probability of keeping a unit)", 0,
                             1, low_open=True)
        self.inverted = bool(inverted)
        self.rng = as_generator(rng)
        self.mask = None
        self.hold_mask = False
        self._scale = None  # the factor that multiplied the input in the last forward

    def forward(self, A, training=False):
        A = as_float_array(A, self)
        if not training:  # production: (5.48) identity when inverted, (5.46) times p_keep if not
            self._scale = A.dtype.type(1.0 if self.inverted else self.p_keep)
            return A * self._scale
        if self.hold_mask and self.mask is not None:
            check_same_shape(self.mask, A.shape, (self, " with hold_mask=True"),
                             "input (the shape of the held mask)")
        else:
            self.mask = self.rng.random(A.shape) < self.p_keep  # keep with probability p_keep
        scale = 1 / self.p_keep if self.inverted else 1.0  # (5.47) or (5.45)
        self._scale = self.mask * A.dtype.type(scale)
        return A * self._scale

    def backward(self, dout, input_grad=True):
        scale = self._cached("_scale")
        dout = as_float_array(dout, (self, ".backward"), dtype=np.asarray(scale).dtype)
        if np.ndim(scale):
            check_same_shape(dout, scale.shape, (self, ".backward"), "upstream gradient")
        return dout * scale if input_grad else None  # the same (masked, scaled) product

    @property
    def _who(self):
        return repr(self)

    def config(self):
        return {"p_keep": self.p_keep, "inverted": self.inverted}
