"""Training sweeps: the experiments of Examples 3-5 of [DNN slides] (width, depth, batch size).

>>> net = mb.mlp([10, 16, 1], rng=0)                       # 10-16-1 ReLU network
>>> s = architecture_sweep([[10, w, 1] for w in (2, 8, 32)], (X, y), (Xt, yt), epochs=300)
>>> s.final("test")                                     # test MSE per architecture, mean over seeds
>>> runs = batch_size_sweep(make_model, mb.CrossEntropyLoss(), X, y, [16, 256], epochs=5,
...                         make_optimizer=lambda p: mb.SGD(p, lr=0.05))

Every run starts from a fresh network and records, after every epoch, its error on the whole
training set (and test set) in production mode, so curves of different runs are comparable.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .activations import ReLU
from .losses import SquaredLoss
from .optim import Adam
from .sequential import mlp
from .training import evaluate, fit, predict

__all__ = ["Sweep", "architecture_sweep", "batch_size_sweep", "sweep_table"]


def _mse(model, X, y) -> float:
    """Mean squared error per output entry (not the ½‖·‖² of SquaredLoss)."""
    return float(np.mean((predict(model, X) - y) ** 2))


@dataclass
class Sweep:
    """Results of :func:`architecture_sweep`: A architectures, S seeds, E epochs.

    ``sizes`` (A lists of widths), ``n_params`` (A,), ``train`` and ``test`` (A, S, E): mean squared
    error after each epoch on the training and test sets."""

    sizes: list
    n_params: np.ndarray
    train: np.ndarray
    test: np.ndarray

    def final(self, which: str = "test") -> np.ndarray:
        """Error after the last epoch, averaged over seeds: (A,)."""
        return getattr(self, which)[:, :, -1].mean(axis=1)

    def best(self, which: str = "test") -> np.ndarray:
        """Lowest error over the epochs (what early stopping could reach), mean over seeds: (A,)."""
        return getattr(self, which).min(axis=2).mean(axis=1)

    def select(self, indices) -> Sweep:
        """The sweep restricted to the architectures at ``indices`` (in that order)."""
        idx = list(indices)
        return Sweep([self.sizes[i] for i in idx], self.n_params[idx], self.train[idx],
                     self.test[idx])

    @staticmethod
    def concat(*sweeps: Sweep) -> Sweep:
        """One sweep from several with the same seeds and epochs, their architectures in order
        (to reuse runs that two sweeps share instead of training them twice)."""
        if not sweeps:
            raise ValueError("Sweep.concat: expected at least one sweep; got none")
        shapes = {s.train.shape[1:] for s in sweeps}
        if len(shapes) != 1:
            raise ValueError(f"Sweep.concat: the sweeps differ in (seeds, epochs): "
                             f"{sorted(shapes)}")
        return Sweep([a for s in sweeps for a in s.sizes],
                     np.concatenate([s.n_params for s in sweeps]),
                     np.concatenate([s.train for s in sweeps]),
                     np.concatenate([s.test for s in sweeps]))


def architecture_sweep(architectures, train, test, epochs: int, batch_size: int | None = None,
                       lr: float = 0.01, seeds=(0,), activation=ReLU) -> Sweep:
    """Train one ``mlp(sizes)`` per architecture and seed on a regression problem.

    ``train`` and ``test`` are pairs ``(X (n, N_0), y (n, N_L))``. Each network is trained by
    ``fit`` with ``SquaredLoss`` and ``Adam(lr)`` for ``epochs`` epochs in batches of
    ``batch_size`` (default: the whole training set); the seed sets both the initial weights and
    the shuffling, so the seeds give independent repetitions of the same experiment."""
    (X, y), (Xt, yt) = train, test
    sizes = [list(a) for a in architectures]
    seeds = list(seeds)
    errors = np.zeros((2, len(sizes), len(seeds), epochs))
    n_params = np.zeros(len(sizes), dtype=np.int64)
    for a, arch in enumerate(sizes):
        for s, seed in enumerate(seeds):
            model = mlp(arch, activation, rng=seed)
            n_params[a] = model.n_params

            def record(epoch, history, model=model, a=a, s=s):
                errors[0, a, s, epoch - 1] = _mse(model, X, y)
                errors[1, a, s, epoch - 1] = _mse(model, Xt, yt)

            fit(model, SquaredLoss(), Adam(model.parameters(), lr=lr), X, y, epochs=epochs,
                batch_size=batch_size or len(X), rng=seed, callbacks=record, progress=False)
    return Sweep(sizes, n_params, errors[0], errors[1])


def batch_size_sweep(make_model, loss, X, y, batch_sizes, epochs: int, make_optimizer,
                     rng=0) -> dict:
    """Train ``make_model()`` (a fresh network, the same initial weights each call) with each batch
    size for ``epochs`` epochs, optimizer ``make_optimizer(model.parameters())``, shuffling seed
    ``rng``.

    Returns {batch_size: {"loss", "updates", "seconds"}}, three arrays of shape (epochs + 1,): the
    loss on the whole training set in production mode before training and after each epoch, the
    number of parameter updates made so far, and the training time so far in seconds (the time
    spent measuring the loss is left out)."""
    runs = {}
    for B in batch_sizes:
        model = make_model()
        per_epoch = -(-len(X) // B)  # ceil(n / B): the last, smaller batch is kept
        losses, seconds = [evaluate(model, loss, X, y)[0]], [0.0]
        clock = [time.perf_counter()]

        def record(epoch, history, model=model, losses=losses, seconds=seconds, clock=clock):
            seconds.append(seconds[-1] + time.perf_counter() - clock[0])
            losses.append(evaluate(model, loss, X, y)[0])
            clock[0] = time.perf_counter()  # the evaluation above is not training time

        clock[0] = time.perf_counter()
        fit(model, loss, make_optimizer(model.parameters()), X, y, epochs=epochs, batch_size=B,
            rng=rng, callbacks=record, progress=False)
        runs[B] = {"loss": np.array(losses), "updates": per_epoch * np.arange(epochs + 1),
                   "seconds": np.array(seconds)}
    return runs


# --- chapter 12: the sweeps as tables ---------------------------------------------------------


def sweep_table(values, sweep: Sweep, label: str = "width", best: bool = False) -> str:
    """The final errors of a ``Sweep`` as a text table, one row per swept value.

    ``values`` (A,): the swept setting of each architecture (width, depth, ...). Columns: the value,
    the parameter count, the final training and test error (mean over seeds), the range of the
    final test error over the seeds and, with ``best=True``, the lowest test error reached at any
    epoch (mean over seeds, what early stopping could reach)."""
    values = list(values)
    if len(values) != len(sweep.sizes):
        raise ValueError(f"sweep_table: expected {len(sweep.sizes)} values (one per "
                         f"architecture); got {len(values)}")
    per_seed = sweep.test[:, :, -1]  # (A, S)
    head = f"{label:>6}  params  train   test (range over seeds)"
    lines = [head + ("   best test over the epochs" if best else "")]
    rows = zip(values, sweep.n_params, sweep.final("train"), sweep.final("test"), per_seed,
               sweep.best("test"), strict=True)
    for v, n, tr, te, runs, low in rows:
        line = f"{v:>6} {n:7d}  {tr:.3f}  {te:.3f} ({runs.min():.3f}-{runs.max():.3f})"
        lines.append(line + (f"         {low:.3f}" if best else ""))
    return "\n".join(lines)
