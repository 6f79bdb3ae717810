"""Batch normalisation ([MEDL] §5.6, [FCNN web] §4.6, [Peeters] "Batch Normalisation").

For each unit j, over the n_b samples of a mini-batch (rows of Z):

    μ̂ = mean of z,   σ̂² = mean of (z − μ̂)²                     (5.38)
    z̄ = (z − μ̂) / √(σ̂² + ε)                                     (5.39)
    z̃ = γ z̄ + β                                                  (5.40)

In production the batch statistics are replaced by running averages collected during training
(5.41). ``fold_batchnorm`` merges a trained BN into the dense layer before it (footnote 6 of §5.6).
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_batch, check_same_shape, integer, number
from .layers import Dense, Layer

__all__ = ["BatchNorm", "fold_batchnorm"]


class BatchNorm(Layer):
    """Batch normalisation of ``n`` units.

    Parameters
    ----------
    n : number of units (columns of the input).
    momentum : weight of the *old* value in the running averages (exponential smoothing, as the
        book's moving averages (4.14) and its optimizers use β):
        ``running = momentum * running + (1 − momentum) * batch statistic``.
        The default 0.9 is PyTorch's ``momentum=0.1``: PyTorch's momentum is the weight of the
        *new* value, i.e. ``1 − momentum`` here.
    eps : ε of (5.39).
    dtype : float64 or float32.

    Arrays: ``gamma``, ``beta`` (trained, start at 1 and 0) with gradients ``dgamma``, ``dbeta``;
    ``running_mean``, ``running_var`` (start at 0 and 1). The running variance averages the
    batch variance σ̂² of (5.38), which divides by n_b; PyTorch averages the unbiased variance
    (divided by n_b − 1) instead, so its running_var is larger by n_b/(n_b − 1).

    Forward maps (n, units) -> (n, units). In training mode a batch needs at least two samples
    (``min_training_batch``); ``mb.fit`` merges a last batch of one sample into the one before.
    """

    _params = (("gamma", "dgamma"), ("beta", "dbeta"))
    _buffers = ("running_mean", "running_var")  # state that is not trained but must be saved
    min_training_batch = 2  # a variance needs two samples
    preserves_width = True

    def __init__(self, n: int, momentum: float = 0.9, eps: float = 1e-5, dtype=np.float64):
        self.n = integer(n, "BatchNorm", "n")
        self.momentum = number(momentum, "BatchNorm", "momentum (weight of the old running "
                               "value)", 0, 1, high_open=True)
        self.eps = number(eps, "BatchNorm", "eps", 0, low_open=True)
        dtype = np.dtype(dtype)
        self.gamma = np.ones(self.n, dtype=dtype)
        self.beta = np.zeros(self.n, dtype=dtype)
        self.dgamma = np.zeros_like(self.gamma)
        self.dbeta = np.zeros_like(self.beta)
        self.running_mean = np.zeros(self.n, dtype=dtype)
        self.running_var = np.ones(self.n, dtype=dtype)
        self.cache = None

    def forward(self, Z, training=False):
        Z = as_float_array(Z, self, dtype=self.gamma.dtype)
        check_batch(Z, self.n, self)
        if training:
            if Z.shape[0] < 2:
                raise ValueError(f"{self._who}: training mode needs a batch of at least 2 samples "
                                 f"to estimate a variance; got shape {Z.shape}")
            mu = Z.mean(axis=0)  # μ̂   (5.38)
            var = Z.var(axis=0)  # σ̂²  (5.38), divided by n_b
            m = self.momentum  # exponential smoothing of the batch statistics
            self.running_mean *= m
            self.running_mean += (1 - m) * mu
            self.running_var *= m
            self.running_var += (1 - m) * var
        else:
            mu, var = self.running_mean, self.running_var  # production statistics (5.41)
        inv_std = 1 / np.sqrt(var + self.eps)
        Zbar = (Z - mu) * inv_std  # z̄ (5.39)
        self.cache = (Z, mu, inv_std, Zbar, training)
        return self.gamma * Zbar + self.beta  # z̃ = γ z̄ + β   (5.40), (5.41)

    def backward(self, dZt, input_grad=True):
        Z, mu, inv_std, Zbar, training = self._cached("cache")
        dZt = as_float_array(dZt, (self, ".backward"), dtype=Z.dtype)
        check_same_shape(dZt, Z.shape, (self, ".backward"), "upstream gradient ∂C/∂z̃")
        self.dgamma[...] = np.sum(dZt * Zbar, axis=0)  # ∂C/∂γ = Σ_i ∂C/∂z̃ z̄   (5.42)
        self.dbeta[...] = np.sum(dZt, axis=0)  # ∂C/∂β = Σ_i ∂C/∂z̃              (5.42)
        if not input_grad:
            return None
        dZbar = dZt * self.gamma  # ∂C/∂z̄ = ∂C/∂z̃ γ
        if not training:  # production: μ, σ are constants and z ↦ z̃ is affine
            return dZbar * inv_std
        n = Z.shape[0]
        dvar = np.sum(dZbar * (Z - mu), axis=0) * -0.5 * inv_std**3  # ∂C/∂σ̂²
        dmu = -np.sum(dZbar, axis=0) * inv_std + dvar * np.sum(-2 * (Z - mu), axis=0) / n  # ∂C/∂μ̂
        return dZbar * inv_std + dvar * 2 * (Z - mu) / n + dmu / n  # ∂C/∂z   (5.43)-(5.44)

    def astype(self, dtype):
        super().astype(dtype)
        self.cache = None
        return self

    def output_features(self, n_in):
        if n_in is not None and n_in != self.n:
            raise self._width_error(n_in, self.n)
        return self.n

    @property
    def in_features_hint(self):
        return self.n

    def _check_state(self, state, who):
        super()._check_state(state, who)
        var = state["running_var"]
        if np.any(var < 0):
            i = int(np.argmax(var < 0))
            raise ValueError(f"{who}: running_var of {self._who} must be >= 0 (a variance); got "
                             f"{float(var[i])!r} at index {i}")

    def config(self):
        return {"n": self.n, "momentum": self.momentum, "eps": self.eps,
                "dtype": self.gamma.dtype.name}

    @property
    def _who(self) -> str:
        return f"BatchNorm({self.n})"

    def __repr__(self):
        return f"BatchNorm({self.n}, momentum={self.momentum}, eps={self.eps})"


def fold_batchnorm(dense: Dense, bn: BatchNorm) -> Dense:
    """The dense layer equal to ``bn`` (in production mode) applied after ``dense``.

    With s = γ / √(σ²_run + ε), (5.41) applied to z = W a + b is z̃ = (s W) a + s (b − μ_run) + β:
    a single affine map W̃ = Diag(s) W, b̃ = s (b − μ_run) + β. Returns a new ``Dense``.
    """
    if not isinstance(dense, Dense) or not isinstance(bn, BatchNorm):
        raise TypeError(f"fold_batchnorm: expected (Dense, BatchNorm); got "
                        f"({type(dense).__name__}, {type(bn).__name__})")
    if dense.out_features != bn.n:
        raise ValueError(f"fold_batchnorm: {dense!r} has {dense.out_features} outputs but "
                         f"{bn!r} normalises {bn.n} units")
    s = bn.gamma / np.sqrt(bn.running_var + bn.eps)
    b = dense.b if dense.b is not None else np.zeros(dense.out_features, dtype=dense.W.dtype)
    folded = Dense(dense.in_features, dense.out_features, init="zeros", dtype=dense.W.dtype)
    folded.W[...] = s[:, None] * dense.W  # W̃ = Diag(s) W
    folded.b[...] = s * (b - bn.running_mean) + bn.beta  # b̃ = s (b − μ) + β
    return folded
