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
   first rows); every product writes into them;
2. **the ReLU as a multiplication by its mask**, kept in the dtype it multiplies:
   M = 1{z ≥ 0} (σ' of (5.17)), a = z·M in place of z, and δ = ζ·M (5.31) in the backward pass,
   each one plain floating-point multiplication; −∞·0 = NaN, so a non-finite input stays
   non-finite up to the output, where one cheap check catches it (see below);
3. **the update folded into the product**: W ← (1 − αλ)·W − α·δᵀa (5.33) is one call of the
   BLAS routine ``gemm`` (C ← α·A·B + β·C, SciPy's public ``scipy.linalg.blas.sgemm`` /
   ``dgemm``, imported at the first fused step), which adds the scaled product into W as it
   computes it, so g_W is not written out and read back by the update. Every product of the
   step (forward, ζ and update) runs in that one library: NumPy's wheels bring an OpenBLAS of
   their own and SciPy's another, each with its pool of threads, and two pools taking turns on
   the same cores are many times slower than one (their idle threads spin before they sleep).
   A program that alternates fused steps with large NumPy products of its own, an evaluation
   after every step say, pays that at each switch; ``fit`` evaluates once per epoch;
4. **no checks per layer**: the input is checked once, against the first layer.

Same numbers: from the same state, the loss, the output and the biases and their gradients are
the plain step's, bit for bit where NumPy and SciPy load one OpenBLAS build (the same
operations on the same operands; where the two builds differ, the products agree to round-off);
the weights agree to
round-off, because ``gemm`` rounds α·(δᵀa) + β·W once where the plain step rounds g_W, α·g_W and
the difference one after the other (``tests/test_fused.py`` bounds the difference at every step).
Over many steps such a difference grows or shrinks with training as any round-off does (a
different BLAS kernel makes one of the same size), so a long training by ``fit`` and one by the
plain step agree as closely as the training lets round-off through.

What a reader sees afterwards: ``layer.dW`` is the gradient g_W = δᵀa of the last step, formed
from the kept δ and a when it is first read (the same product the plain step computes, so the
same numbers); the output returned is an array of its own; the caches the layers keep for
``backward`` (``A_prev``, the ReLU's ``Z``) are emptied, since the step did not run the layers,
so ``model.backward`` says that it needs a ``model.forward`` first.

Anything else takes the plain step: any other layer or optimizer, a regularizer, an input that
is not a 2-D array of the model's dtype and width, a non-finite output (from a non-finite input,
which the plain step then reports, or from an overflow, which the plain step then reproduces),
and a Python without SciPy.
"""

from __future__ import annotations

import weakref

import numpy as np

from .activations import ReLU
from .layers import Dense
from .optim import SGD
from .sequential import Sequential

__all__ = ["FusedSGDStep", "fused_sgd_step", "blas_gemm"]


def blas_gemm(dtype):
    """SciPy's BLAS routine ``?gemm`` for ``dtype`` (float32: ``sgemm``, float64: ``dgemm``),
    imported now; None without SciPy or for another dtype."""
    try:
        from scipy.linalg import blas
    except ImportError:
        return None
    return {np.dtype(np.float32): blas.sgemm, np.dtype(np.float64): blas.dgemm}.get(
        np.dtype(dtype))


def _chain(model) -> list[tuple[Dense, bool]] | None:
    """[(dense layer, followed by a ReLU)] when ``model`` is exactly a chain of Dense layers, each
    optionally followed by one ReLU, all of one dtype, with row-major weights; None otherwise."""
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
    """What the step depends on: the layers, their weight arrays, and which arrays the optimizer
    updates."""
    layers = tuple(model.layers) if type(model) is Sequential else (model,)
    weights = tuple(id(getattr(layer, "W", None)) for layer in layers)
    params = tuple((getattr(p, "layer", None), getattr(p, "attr", None))
                   for p in optimizer.params)
    return layers, weights, params


class FusedSGDStep:
    """One SGD update of a Dense/ReLU chain, fused; see the module's docstring.

    ``step(X, y, loss)`` returns (loss value, output (n, N_L)) as ``train_step`` does, or None,
    having changed nothing, when the plain step must run instead: X is not a non-empty 2-D array
    (n, N_0) of the model's dtype, or the output is not finite.
    """

    def __init__(self, model, optimizer, blocks: list[tuple[Dense, bool]], gemm):
        self.model, self.optimizer, self.blocks, self.gemm = model, optimizer, blocks, gemm
        self.signature = _signature(model, optimizer)
        self.dtype = blocks[0][0].W.dtype
        self.in_features = blocks[0][0].in_features
        self.relus = [layer for layer in model.layers if type(layer) is ReLU] \
            if type(model) is Sequential else []
        sums = np.empty(max(layer.out_features for layer, _ in blocks), self.dtype)
        self.scratch_b = [sums[:layer.out_features] for layer, _ in blocks]  # for α g_b
        self.rows = 0  # rows of the batch buffers
        self.views: dict[int, tuple] = {}  # batch size -> views of the buffers' first rows

    def _buffers(self, n: int) -> tuple[list, list, list]:
        """Per layer: z (then a), the mask M (None without ReLU), δ, each (n, N_ℓ)."""
        views = self.views.get(n)
        if views is not None:
            return views
        if n > self.rows:  # grow: allocate for n rows, forget the old views
            dt = self.dtype
            self.Z = [np.empty((n, layer.out_features), dt) for layer, _ in self.blocks]
            self.M = [np.empty((n, layer.out_features), dt) if relu else None
                      for layer, relu in self.blocks]
            self.D = [np.empty((n, layer.out_features), dt) for layer, _ in self.blocks]
            self.rows, self.views = n, {}
        self.views[n] = ([Z[:n] for Z in self.Z], [None if M is None else M[:n] for M in self.M],
                         [D[:n] for D in self.D])
        return self.views[n]

    def step(self, X: np.ndarray, y, loss):
        if not (type(X) is np.ndarray and X.dtype == self.dtype and X.ndim == 2
                and X.shape[1] == self.in_features and X.shape[0] > 0):
            return None  # the plain step converts or explains
        Z, M, D = self._buffers(X.shape[0])
        gemm, A = self.gemm, X
        with np.errstate(over="ignore", invalid="ignore"):  # the plain step warns, if need be
            for (layer, relu), Zl, Ml in zip(self.blocks, Z, M, strict=True):
                gemm(1.0, layer.W.T, A.T, 0.0, Zl.T, trans_a=1, overwrite_c=1)  # Z = A Wᵀ
                # z = W a + b    (5.2), rows are samples
                if layer.b is not None:
                    Zl += layer.b
                if relu:
                    np.greater_equal(Zl, 0, out=Ml)  # M = 1{z ≥ 0} = σ'(z)   (5.17)
                    Zl *= Ml  # a = z·M = max(z, 0)
                A = Zl
            if not np.isfinite(np.add.reduce(A, axis=None)):
                return None  # non-finite input or overflow: the plain step decides
        out = A.copy()  # the caller's own array; the buffer is the next step's
        value = loss.forward(out, y)
        np.copyto(D[-1], loss.backward())  # ∂C/∂(output)
        lr, decay = self.optimizer.lr, self.optimizer.weight_decay
        for i in range(len(self.blocks) - 1, -1, -1):
            (layer, relu), delta = self.blocks[i], D[i]
            a_prev = Z[i - 1] if i > 0 else X
            if relu:
                delta *= M[i]  # δ[ℓ] = ζ[ℓ]·σ'(z[ℓ])   (5.31)
            if i > 0:  # ζ[ℓ−1] = δ[ℓ] W[ℓ]   (5.29), with W[ℓ] before its update
                gemm(1.0, layer.W.T, delta.T, 0.0, D[i - 1].T, overwrite_c=1)
            # W ← (1 − αλ)W − α δᵀa (5.33) in one BLAS product, on the transposes: SciPy's BLAS
            # takes column-major arrays, and Wᵀ, aᵀ, δᵀ are column-major views of W, a, δ
            gemm(-lr, a_prev.T, delta.T, 1 - lr * decay, layer.W.T, trans_b=1, overwrite_c=1)
            layer.defer_dW(delta, a_prev)  # g_W = δᵀa, formed if it is read
            layer.A_prev = None  # the layers did not run: no input kept for their backward
            if layer.b is not None:
                np.add.reduce(delta, axis=0, out=layer.db)  # g_b = Σ_rows δ[ℓ]   (5.33)
                self.optimizer.update(layer.b, layer.db, self.scratch_b[i])
        for relu in self.relus:
            relu.Z = None
        self.optimizer.t += 1
        return value, out


_STEPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # optimizer -> its fused step


def fused_sgd_step(model, optimizer) -> FusedSGDStep | None:
    """The fused step for training ``model`` with ``optimizer``, or None when the plain step must
    be used: the model is not a chain of Dense layers each optionally followed by a ReLU (exact
    types, one dtype, row-major weights), the optimizer is not exactly ``SGD``, it does not update
    exactly the model's parameters, or SciPy (whose BLAS the step calls) is not installed. The
    step (with its buffers) is kept with the optimizer and rebuilt when the model's layers, their
    weight arrays or the optimizer's parameters change."""
    if type(optimizer) is not SGD:
        return None
    step = _STEPS.get(optimizer)
    if step is not None and step.model is model \
            and step.signature == _signature(model, optimizer):
        return step
    _STEPS.pop(optimizer, None)
    blocks = _chain(model)
    if blocks is None or not all(layer.W.flags.c_contiguous and layer.W.flags.writeable
                                 for layer, _ in blocks):
        return None
    own = {(layer, attr) for layer, _ in blocks
           for attr in ("W", "b") if getattr(layer, attr) is not None}
    params = _signature(model, optimizer)[2]
    if len(params) != len(own) or set(params) != own:
        return None
    gemm = blas_gemm(blocks[0][0].W.dtype)
    if gemm is None:
        return None
    step = _STEPS[optimizer] = FusedSGDStep(model, optimizer, blocks, gemm)
    return step
