"""The fused training step: the update of ``train_step`` for Dense/ReLU chains trained by SGD,
in fewer passes over memory and with no allocation.

The layers' ``forward``/``backward`` pairs are the book's algorithm, one array operation per line
of the math, and :func:`mlpbook.training.train_step` runs them: forward, loss, the backward pass
of Algorithm 5.2 filling every gradient, then the optimizer. Read for speed, that step allocates
every activation and gradient afresh, checks every layer's input, passes over the ReLU's input
twice (``max(z, 0)`` forward, ``z ≥ 0`` again backward), writes each gradient g_W = δᵀa into
an array the size of W, and lets ``SGD`` pass over it twice more (a temporary for α·g, then the
subtraction). For the most common training, a chain of ``Dense`` and ``ReLU`` layers trained by
plain ``SGD``, this module computes the same step with

1. **buffers kept across steps**: pre-activations, masks and the δ's live in arrays allocated at
   the first step and reused (a smaller batch, such as the last one of an epoch, uses their
   first rows); every product writes into them (``np.matmul(..., out=...)``);
2. **the ReLU as a multiplication by its mask**, kept in the dtype it multiplies:
   M = 1{z ≥ 0} (σ' of (5.17)), a = z·M in place of z, and δ = ζ·M (5.31) in the backward pass,
   each one plain floating-point multiplication; −∞·0 = NaN, so a non-finite input stays
   non-finite up to the output, where one cheap check catches it (see below);
3. **the update folded into the product**: W ← (1 − αλ)·W − α·δᵀa (5.33) is one call of the
   BLAS routine ``gemm`` (C ← α·A·B + β·C, :mod:`mlpbook._gemm`), which adds the scaled
   product into W as it computes it; g_W is never formed; each such product is prepared once
   per batch size, with the buffers;
4. **no checks per layer**: the input is checked once, against the first layer.

Same numbers: from the same state, the loss, the output and the biases and their gradients are
the plain step's, bit for bit (the same operations on the same operands); the weights agree to
round-off, because ``gemm`` rounds α·(δᵀa) + β·W once where the plain step rounds g_W, α·g_W and
the difference one after the other (``tests/test_fused.py`` bounds the difference at every step).
Over many steps such a difference grows or shrinks with training as any round-off does (a
different BLAS kernel makes one of the same size), so a long training by ``fit`` and one by the
plain step agree as closely as the training lets round-off through. Since g_W is not formed,
the layers' ``dW`` hold NaN after a fused step (``model.backward`` fills them again).

What it does not do: it does not fill the caches the layers keep for ``backward`` (``A_prev``,
the ReLU's ``Z``), which keep their values from before. Anything else falls back to the plain
step: any other layer or optimizer, a regularizer, an input that is not a 2-D array of the
model's dtype and width, and a non-finite output (from a non-finite input, which the plain step
then reports, or from an overflow, which the plain step then reproduces).
"""

from __future__ import annotations

import weakref

import numpy as np

from ._gemm import Product
from .activations import ReLU
from .layers import Dense, read_only
from .optim import SGD
from .sequential import Sequential

__all__ = ["FusedSGDStep", "fused_sgd_step"]


def _chain(model) -> list[tuple[Dense, bool]] | None:
    """[(dense layer, followed by a ReLU)] when ``model`` is exactly a chain of Dense layers, each
    optionally followed by one ReLU, all of one dtype; None otherwise."""
    layers = model.layers if type(model) is Sequential else [model]
    blocks: list[list] = []
    for layer in layers:
        if type(layer) is Dense:
            blocks.append([layer, False])
        elif type(layer) is ReLU and blocks and not blocks[-1][1]:
            blocks[-1][1] = True
        else:
            return None
    if not blocks or len({layer.W.dtype for layer, _ in blocks}) != 1:
        return None
    return [(layer, relu) for layer, relu in blocks]


def _signature(model, optimizer) -> tuple:
    """What the step depends on: the layers, and which arrays the optimizer updates."""
    layers = tuple(model.layers) if type(model) is Sequential else (model,)
    params = tuple((getattr(p, "layer", None), getattr(p, "attr", None))
                   for p in optimizer.params)
    return layers, params


class FusedSGDStep:
    """One SGD update of a Dense/ReLU chain, fused; see the module's docstring.

    ``step(X, y, loss)`` returns (loss value, output) as ``train_step`` does (the output is a
    read-only view of a buffer that the next step overwrites), or None, having changed nothing,
    when the plain step must run instead: X is not a non-empty 2-D array (n, N_0) of the model's
    dtype, or the output is not finite.
    """

    def __init__(self, model, optimizer, blocks: list[tuple[Dense, bool]]):
        self.model, self.optimizer, self.blocks = model, optimizer, blocks
        self.signature = _signature(model, optimizer)
        self.dtype = blocks[0][0].W.dtype
        self.in_features = blocks[0][0].in_features
        sums = np.empty(max(layer.out_features for layer, _ in blocks), self.dtype)
        self.scratch_b = [sums[:layer.out_features] for layer, _ in blocks]  # for α g_b
        self.rows = 0  # rows of the batch buffers
        self.views: dict[int, tuple] = {}  # batch size -> views of the buffers' first rows

    def _buffers(self, n: int) -> tuple[list, list, list, list]:
        """Per layer: z (then a), the mask M (None without ReLU), δ, each (n, N_ℓ), and the
        update W[ℓ] ← β·W[ℓ] − α·δ[ℓ]ᵀa[ℓ−1] prepared as a BLAS product (None for the first
        layer, whose a[0] is each step's input)."""
        views = self.views.get(n)
        if views is not None and all(u is None or u.C is layer.W
                                     for u, (layer, _) in zip(views[3], self.blocks, strict=True)):
            return views
        if n > self.rows:  # grow: allocate for n rows, forget the old views
            dt = self.dtype
            self.Z = [np.empty((n, layer.out_features), dt) for layer, _ in self.blocks]
            self.M = [np.empty((n, layer.out_features), dt) if relu else None
                      for layer, relu in self.blocks]
            self.D = [np.empty((n, layer.out_features), dt) for layer, _ in self.blocks]
            self.rows, self.views = n, {}
        Z, D = [Z[:n] for Z in self.Z], [D[:n] for D in self.D]
        updates = [None] + [Product(D[i].T, Z[i - 1], layer.W)
                            for i, (layer, _) in enumerate(self.blocks) if i > 0]
        self.views[n] = (Z, [None if M is None else M[:n] for M in self.M], D, updates)
        return self.views[n]

    def step(self, X: np.ndarray, y, loss):
        if not (type(X) is np.ndarray and X.dtype == self.dtype and X.ndim == 2
                and X.shape[1] == self.in_features and X.shape[0] > 0):
            return None  # the plain step converts or explains
        Z, M, D, updates = self._buffers(X.shape[0])
        A = X
        with np.errstate(over="ignore", invalid="ignore"):  # the plain step warns, if need be
            for (layer, relu), Zl, Ml in zip(self.blocks, Z, M, strict=True):
                np.matmul(A, layer.W.T, out=Zl)  # z = W a + b    (5.2), rows are samples
                if layer.b is not None:
                    Zl += layer.b
                if relu:
                    np.greater_equal(Zl, 0, out=Ml)  # M = 1{z ≥ 0} = σ'(z)   (5.17)
                    Zl *= Ml  # a = z·M = max(z, 0)
                A = Zl
            if not np.isfinite(np.add.reduce(A, axis=None)):
                return None  # non-finite input or overflow: the plain step decides
        out = read_only(A)
        value = loss.forward(out, y)
        np.copyto(D[-1], loss.backward())  # ∂C/∂(output)
        for i in range(len(self.blocks) - 1, -1, -1):
            (layer, relu), delta = self.blocks[i], D[i]
            if relu:
                delta *= M[i]  # δ[ℓ] = ζ[ℓ]·σ'(z[ℓ])   (5.31)
            if i > 0:  # ζ[ℓ−1] = δ[ℓ] W[ℓ]   (5.29), with W[ℓ] before its update
                np.matmul(delta, layer.W, out=D[i - 1])
            update = updates[i] if i > 0 else Product(delta.T, X, layer.W)
            lr, decay = self.optimizer.lr, self.optimizer.weight_decay
            update(-lr, 1 - lr * decay)  # W ← W − α(δᵀa + λW) in one BLAS product   (5.33)
            if layer.dW.flat[0] == layer.dW.flat[0]:  # g_W was not formed: say so
                layer.dW.fill(np.nan)
            if layer.b is not None:
                np.add.reduce(delta, axis=0, out=layer.db)  # g_b = Σ_rows δ[ℓ]   (5.33)
                self._update(layer.b, layer.db, self.scratch_b[i])
        self.optimizer.t += 1
        return value, out

    def _update(self, theta, g, scratch) -> None:
        """θ ← θ − α(g + λθ), as ``SGD.step`` computes it, with ``scratch`` for the temporaries
        (the biases)."""
        lr, decay = self.optimizer.lr, self.optimizer.weight_decay
        if decay:
            np.multiply(theta, decay, out=scratch)
            np.add(g, scratch, out=scratch)  # g + λθ
            g = scratch
        np.multiply(g, lr, out=scratch)  # α g
        np.subtract(theta, scratch, out=theta)


_STEPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # optimizer -> its fused step


def fused_sgd_step(model, optimizer) -> FusedSGDStep | None:
    """The fused step for training ``model`` with ``optimizer``, or None when the plain step must
    be used: the model is not a chain of Dense layers each optionally followed by a ReLU (exact
    types, one dtype), the optimizer is not exactly ``SGD``, or it does not
    update exactly the model's parameters. The step (with its buffers) is kept with the optimizer
    and rebuilt when the model's layers, their dtype or the optimizer's parameters change."""
    if type(optimizer) is not SGD:
        return None
    step = _STEPS.get(optimizer)
    if (step is not None and step.model is model and step.signature == _signature(model, optimizer)
            and all(layer.W.dtype == step.dtype for layer, _ in step.blocks)):
        return step
    _STEPS.pop(optimizer, None)
    blocks = _chain(model)
    if blocks is None:
        return None
    own = {(layer, attr) for layer, _ in blocks
           for attr in ("W", "b") if getattr(layer, attr) is not None}
    params = _signature(model, optimizer)[1]
    if len(params) != len(own) or set(params) != own:
        return None
    step = _STEPS[optimizer] = FusedSGDStep(model, optimizer, blocks)
    return step
