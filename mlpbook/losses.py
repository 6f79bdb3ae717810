"""Loss functions C(ŷ, y) and their gradients ∂C/∂ŷ ([Peeters]; [MEDL] §3.3, (5.20)).

Each loss has ``forward(output, target) -> float`` and ``backward() -> ∂C/∂output``. The loss of
one sample is summed over its outputs; ``reduction="mean"`` (default) averages it over the batch,
``reduction="sum"`` adds it up, as the slides of [DNN slides] do.

Per-sample losses and gradients with respect to the output:

- ``SquaredLoss`` (any output): ½‖ŷ − y‖², gradient ŷ − y.
- ``BCELoss`` (probabilities p): −Σ [y log p + (1−y) log(1−p)], gradient (p − y)/(p(1 − p)).
- ``BCEWithLogitsLoss`` (logits z): the same on p = σ(z), gradient σ(z) − y.
- ``CrossEntropyLoss`` (logits z, label k): log Σ_i e^{z_i} − z_k, gradient softmax(z) − e_k (5.20).

Targets are checked: the shape of the output (or labels (n,)), finite values, [0, 1] for the
binary cross-entropies, probability rows or labels in range for the cross-entropy.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_finite
from .activations import sigmoid
from .layers import read_only

__all__ = ["Loss", "SquaredLoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss"]


class Loss:
    """Base class: validates inputs, applies the reduction, remembers what ``backward`` needs.

    ``check_target(target, n_outputs)`` runs the target checks of ``forward`` on a whole data
    set without an output (``mb.fit`` calls it before the first update). ``backward()`` returns
    a read-only array: editing it cannot change what later calls return.
    """

    def __init__(self, reduction: str = "mean"):
        if reduction not in ("mean", "sum"):
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean' or 'sum'; "
                             f"got {reduction!r}")
        self.reduction = reduction
        self._grad = None

    def __call__(self, output, target) -> float:
        return self.forward(output, target)

    def forward(self, output, target) -> float:
        raise NotImplementedError

    def backward(self) -> np.ndarray:
        """∂C/∂output for the last ``forward`` call, shape and dtype of that output (read-only)."""
        if self._grad is None:
            raise RuntimeError(f"{type(self).__name__}: backward() called before forward()")
        return self._grad

    def check_target(self, target, n_outputs: int, dtype=np.float64) -> None:
        """Raise the error ``forward`` would raise for ``target`` and an output of ``n_outputs``
        columns (one row per target)."""
        n = np.shape(target)[0] if np.ndim(target) else 0
        self._target(target, (n, int(n_outputs)), np.dtype(dtype))

    # helpers ------------------------------------------------------------------------------------
    @property
    def _who(self) -> str:
        return type(self).__name__

    def _output(self, output) -> np.ndarray:
        Y = as_float_array(output, (self, " output"))
        if Y.ndim != 2:
            raise ValueError(f"{self._who}: expected the network output as a 2-D array "
                             f"(n, outputs); got shape {Y.shape}")
        return Y

    def _target(self, target, shape: tuple, dtype) -> np.ndarray:
        """The target for an output of ``shape`` and ``dtype``, checked; subclasses add checks
        of its values."""
        return self._target_like(target, shape, dtype)

    def _target_like(self, target, shape: tuple, dtype) -> np.ndarray:
        """A target with the output's shape; (n,) is accepted for an output (n, 1)."""
        T = as_float_array(target, (self, " target"), dtype=dtype)
        if T.ndim == 1 and shape[1] == 1 and T.shape[0] == shape[0]:
            T = T.reshape(-1, 1)
        if T.shape != tuple(shape):
            raise ValueError(f"{self._who}: expected a target of shape {tuple(shape)} (the shape "
                             f"of the output); got {np.shape(target)}")
        check_finite(T, self, "target")
        return T

    def _in_unit_interval(self, T: np.ndarray, hint: str = "") -> np.ndarray:
        if T.size and (T.min() < 0 or T.max() > 1):
            raise ValueError(f"{self._who}: expected targets in [0, 1] (labels 0/1 or "
                             f"probabilities); got values in [{T.min():.4g}, {T.max():.4g}]{hint}")
        return T

    def _reduce(self, per_sample: np.ndarray, grad: np.ndarray) -> float:
        """Sum or average the per-sample losses; scale the per-sample gradients to match.
        ``grad`` is a fresh array (of the output's dtype) owned by the loss, scaled in place and
        kept read-only for ``backward``."""
        n = per_sample.shape[0]
        value = per_sample.sum(dtype=np.float64)
        if self.reduction == "mean":
            grad /= n
            value /= n
        self._grad = read_only(grad)
        return float(value)


class SquaredLoss(Loss):
    """½‖ŷ − y‖² per sample; ∂C/∂ŷ = ŷ − y (divided by n for the mean)."""

    def forward(self, output, target) -> float:
        Y = self._output(output)
        T = self._target(target, Y.shape, Y.dtype)
        diff = Y - T
        return self._reduce(0.5 * np.sum(diff * diff, axis=1), diff)


class BCELoss(Loss):
    """Binary cross-entropy on probabilities p ∈ [0, 1] (a sigmoid output), one column per label;
    targets in [0, 1].

    Logarithms are clamped at −100 so that p = 0 or 1 gives a large finite loss, as in PyTorch;
    prefer :class:`BCEWithLogitsLoss` on logits, which needs no clamping.
    """

    def _target(self, target, shape, dtype):
        return self._in_unit_interval(self._target_like(target, shape, dtype))

    def forward(self, output, target) -> float:
        P = self._output(output)
        T = self._target(target, P.shape, P.dtype)
        check_finite(P, self, "output")
        if P.min() < 0 or P.max() > 1:
            raise ValueError(f"{self._who}: expected probabilities in [0, 1] as output; got values "
                             f"in [{P.min():.4g}, {P.max():.4g}] (use BCEWithLogitsLoss on logits)")
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(P), -100)
            log_1mp = np.maximum(np.log1p(-P), -100)
        per_sample = -np.sum(T * log_p + (1 - T) * log_1mp, axis=1)
        eps = np.asarray(1e-12, dtype=P.dtype)
        grad = (P - T) / np.maximum(P * (1 - P), eps)  # ∂C/∂p = (p − y) / (p(1 − p))
        return self._reduce(per_sample, grad)


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy on logits z (sigmoid fused in), for one or several binary labels;
    targets in [0, 1].

    Per entry: max(z, 0) − z y + log(1 + e^{−|z|}), which never overflows; ∂C/∂z = σ(z) − y.
    """

    def _target(self, target, shape, dtype):
        T = self._target_like(target, shape, dtype)
        hint = " (labels −1/+1? use (y + 1) / 2)" if T.size and T.min() == -1 else ""
        return self._in_unit_interval(T, hint)

    def forward(self, output, target) -> float:
        Z = self._output(output)
        T = self._target(target, Z.shape, Z.dtype)
        per_entry = np.maximum(Z, 0) - Z * T + np.log1p(np.exp(-np.abs(Z)))
        return self._reduce(per_entry.sum(axis=1), sigmoid(Z) - T)


class CrossEntropyLoss(Loss):
    """Categorical cross-entropy on logits z (n, K) with the softmax fused in.

    ``target`` is either integer labels of shape (n,) in {0, ..., K−1} or rows of shape (n, K)
    that are probability distributions (one-hot, or soft targets: entries ≥ 0 summing to 1).
    Per sample C = log Σ_i e^{z_i} − z_k and, by (5.20), ∂C/∂z = softmax(z) − e_k.
    """

    def forward(self, output, target) -> float:
        Z = self._output(output)
        n, K = Z.shape
        T = self._target(target, Z.shape, Z.dtype)
        shifted = Z - Z.max(axis=1, keepdims=True)  # log-sum-exp trick: every exponent ≤ 0
        E = np.exp(shifted)
        total = E.sum(axis=1, keepdims=True)
        grad = E / total  # softmax(z)
        if T.ndim == 1:
            rows = np.arange(n)
            per_sample = np.log(total[:, 0]) - shifted[rows, T]  # log Σ_i e^{z_i} − z_k
            grad[rows, T] -= 1  # (5.20): softmax(z) − e_k
        else:
            per_sample = -np.sum(T * (shifted - np.log(total)), axis=1)
            grad -= T  # (5.20), for a target distribution
        return self._reduce(per_sample, grad)

    def _target(self, target, shape, dtype):
        """Integer labels (n,) or probability rows (n, K)."""
        n, K = shape
        T = np.asarray(target)
        if T.ndim == 1:
            return self._labels(T, n, K)
        if T.ndim == 2 and T.shape == (n, 1) and K > 1:
            raise ValueError(f"{self._who}: expected integer labels of shape ({n},) or "
                             f"probability rows of shape ({n}, {K}); got shape (n, 1) = {T.shape}"
                             " (for labels pass a 1-D array: y.ravel())")
        T = self._target_like(T, shape, dtype)
        if T.size and T.min() < 0:
            raise ValueError(f"{self._who}: expected target rows that are probabilities (entries "
                             f">= 0 summing to 1); got a negative entry {T.min():.4g}")
        sums = T.sum(axis=1)
        tol = 100 * K * np.finfo(T.dtype).eps
        if sums.size and np.max(np.abs(sums - 1)) > tol:
            i = int(np.argmax(np.abs(sums - 1)))
            raise ValueError(f"{self._who}: expected target rows that sum to 1 (probabilities: "
                             f"the gradient softmax(z) − y of (5.20) needs it); row {i} sums to "
                             f"{sums[i]:.6g}")
        return T

    def _labels(self, labels: np.ndarray, n: int, K: int) -> np.ndarray:
        """Validate integer class labels (n,) in {0, ..., K−1}."""
        if labels.shape[0] != n:
            raise ValueError(f"{self._who}: expected {n} labels (one per row of the output); got "
                             f"shape {labels.shape}")
        if labels.dtype.kind not in "iuf":
            raise TypeError(f"{self._who}: expected integer class labels; got dtype {labels.dtype}")
        if labels.dtype.kind == "f":
            if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
                raise ValueError(f"{self._who}: expected integer class labels in [0, {K - 1}]; got "
                                 "non-integer values")
            labels = labels.astype(np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= K):
            raise ValueError(f"{self._who}: labels out of range: expected integers in [0, {K - 1}] "
                             f"for an output with K={K} columns; got values in "
                             f"[{labels.min()}, {labels.max()}]")
        return labels
