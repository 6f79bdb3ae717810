"""What the mini-batch size costs and buys (chapter 08; the [DNN slides], "Mini-batch SGD").

Two measurements, kept apart on purpose:

* :func:`update_times` / :func:`time_per_update` — processor seconds of one training step
  (forward, loss, backward, update) on a batch of B rows: what the slides' "time for weight
  update" is about. It depends on the machine, so it is measured, never asserted exactly.
* :func:`training_curve` / :func:`updates_to_target` — how many updates mini-batch gradient
  descent needs to bring the training loss down. These are counts, exactly reproducible for a
  given random seed.

Their product, updates to a target × time per update, is the training time to that target: it
also depends on how much each update achieves, which the slides' claim leaves aside.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ._checks import integer
from .training import evaluate, train_step, training_updates

__all__ = ["training_step", "training_curve", "updates_to_target", "update_times",
           "time_per_update"]


def _check_batch_size(batch_size, n: int, who: str) -> int:
    return integer(batch_size, who, "batch_size (at most the number of samples)", maximum=n)


def training_step(model, loss, optimizer, Xb, yb) -> float:
    """One update on the mini-batch (Xb, yb): ``mb.training.train_step``, the very step of
    ``mb.fit``. Returns the loss."""
    return train_step(model, loss, optimizer, Xb, yb)[0]


def training_curve(model, loss, optimizer, X, y, batch_size: int, n_updates: int, rng=None,
                   every: int = 1, target: float | None = None):
    """Train by ``mb.fit``'s own loop (:func:`mlpbook.training.training_updates`: reshuffle at
    every epoch, one update per mini-batch, a too small last batch joined to the one before) and
    record the mean loss on all of (X (n, N_0), y), in production mode, before the first update
    and after every ``every`` updates. Stops after ``n_updates`` updates, or at the first
    recorded loss that is ``<= target``.

    Returns ``(updates, losses)``: arrays of shape (k,), the update counts and the losses.
    """
    X, y = np.asarray(X), np.asarray(y)
    batch_size = _check_batch_size(batch_size, X.shape[0], "training_curve")
    n_updates = integer(n_updates, "training_curve", "n_updates")
    every = integer(every, "training_curve", "every")
    updates, losses = [0], [evaluate(model, loss, X, y)[0]]
    steps = training_updates(model, loss, optimizer, X, y, batch_size, rng)
    u = 0
    while u < n_updates and math.isfinite(losses[-1]) \
            and (target is None or losses[-1] > target):  # not reached, not diverged
        next(steps)
        u += 1
        if u % every == 0 or u == n_updates:
            updates.append(u)
            losses.append(evaluate(model, loss, X, y)[0])
    return np.array(updates), np.array(losses)


def updates_to_target(model, loss, optimizer, X, y, batch_size: int, target: float,
                      max_updates: int = 100_000, rng=None, every: int | None = None):
    """Number of updates of mini-batch gradient descent until the loss on all of (X, y) is at
    most ``target``, or None if that does not happen within ``max_updates``.

    The loss is checked every ``every`` updates (default: every ⌈64/B⌉ updates, i.e. about every
    64 samples, so that small batches are not slowed down by the checks); the count returned is
    the first checked one that reaches the target, so it is exact to within ``every``.
    """
    if every is None:
        every = max(1, -(-64 // int(batch_size)))
    updates, losses = training_curve(model, loss, optimizer, X, y, batch_size, max_updates, rng,
                                     every, target)
    return int(updates[-1]) if losses[-1] <= target else None


def update_times(model, loss, optimizer, X, y, batch_sizes, rounds: int = 5,
                 min_time: float = 0.02, threads: int | None = 1) -> np.ndarray:
    """Processor seconds per training step (:func:`training_step`) on the first B rows of X, for
    every B in ``batch_sizes``; returns an array of shape (len(batch_sizes),).

    For each B a number of steps lasting at least ``min_time`` is found; then ``rounds`` rounds
    time every B in turn (round 1 of every batch size, then round 2, ...), and the fastest round of
    each B is kept. The clock is the processor time of this process (``time.process_time``), not
    the wall clock: while other programs hold the processor, this one is not charged, so the
    numbers measure the computation even on a busy machine; interleaving spreads what remains
    (caches shared with other programs, changing clock speeds) evenly over the batch sizes.
    ``threads`` limits the BLAS threads while timing (1: one core, so that the processor time is
    the time of the computation; None: leave as is, and the processor time then adds up the
    threads). The model is trained by these steps.
    """
    X, y = np.asarray(X), np.asarray(y)
    sizes = [_check_batch_size(B, X.shape[0], "update_times") for B in batch_sizes]
    if isinstance(rounds, bool) or not isinstance(rounds, (int, np.integer)) or rounds < 1:
        raise ValueError(f"update_times: rounds must be a positive integer; got {rounds!r}")
    clock = time.process_time

    def steps(B, k):
        Xb, yb = X[:B], y[:B]
        t0 = clock()
        for _ in range(k):
            training_step(model, loss, optimizer, Xb, yb)
        return clock() - t0

    def measure():
        counts = []
        for B in sizes:
            steps(B, 1)  # warm-up
            k = 1
            while steps(B, k) < min_time:  # enough steps to last min_time
                k *= 2
            counts.append(k)
        best = np.full(len(sizes), math.inf)
        for _ in range(rounds):
            for i, (B, k) in enumerate(zip(sizes, counts, strict=True)):
                best[i] = min(best[i], steps(B, k) / k)
        return best

    if threads is None:
        return measure()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # threadpoolctl comes with scikit-learn; without it, time as is
        return measure()
    with threadpool_limits(limits=threads, user_api="blas"):
        return measure()


def time_per_update(model, loss, optimizer, X, y, batch_size: int, repeats: int = 5,
                    min_time: float = 0.02, threads: int | None = 1) -> float:
    """Processor seconds per training step on the first ``batch_size`` rows of X: the fastest
    of ``repeats`` rounds of :func:`update_times` for this one batch size."""
    X = np.asarray(X)
    batch_size = _check_batch_size(batch_size, X.shape[0], "time_per_update")
    return float(update_times(model, loss, optimizer, X, y, [batch_size], repeats, min_time,
                              threads)[0])
