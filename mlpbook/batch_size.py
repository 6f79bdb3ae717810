"""What the mini-batch size costs and buys (chapter 08; seed 002, "Mini-batch SGD").

Two measurements, kept apart on purpose:

* :func:`time_per_update` — wall-clock seconds of one training step (forward, loss, backward,
  update) on a batch of B rows. It is noisy (it depends on the machine and on what else runs).
* :func:`training_curve` / :func:`updates_to_target` — how many updates mini-batch gradient
  descent needs to bring the training loss down. These are counts, exactly reproducible for a
  given seed.

Their product, updates to a target × time per update, is the training time to that target.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ._checks import integer
from .init import as_generator
from .training import evaluate, train_step

__all__ = ["training_step", "training_curve", "updates_to_target", "time_per_update"]


def _check_batch_size(batch_size, n: int, who: str) -> int:
    try:
        checked = integer(batch_size, who, "batch_size")
    except ValueError:
        checked = n + 1
    if checked > n:
        raise ValueError(f"{who}: batch_size must be an integer in [1, {n}] (the number of "
                         f"samples); got {batch_size!r}")
    return checked


def training_step(model, loss, optimizer, Xb, yb) -> float:
    """One update on the mini-batch (Xb, yb): ``mb.training.train_step``, the very step of
    ``mb.fit``. Returns the loss."""
    return train_step(model, loss, optimizer, Xb, yb)[0]


def training_curve(model, loss, optimizer, X, y, batch_size: int, n_updates: int, rng=None,
                   every: int = 1, target: float | None = None):
    """Train as ``mb.fit`` does (reshuffle at every epoch, one update per mini-batch) and record
    the mean loss on all of (X, y), in production mode, before the first update and after every
    ``every`` updates. Stops after ``n_updates`` updates, or at the first recorded loss that is
    ``<= target``.

    Returns ``(updates, losses)``: arrays of shape (k,), the update counts and the losses.
    """
    X, y = np.asarray(X), np.asarray(y)
    n = X.shape[0]
    batch_size = _check_batch_size(batch_size, n, "training_curve")
    for what, v in (("n_updates", n_updates), ("every", every)):
        integer(v, "training_curve", what)
    rng = as_generator(rng)
    updates, losses = [0], [evaluate(model, loss, X, y)[0]]

    def done():  # target reached, or diverged
        return not math.isfinite(losses[-1]) or (target is not None and losses[-1] <= target)

    u = 0
    while u < n_updates and not done():
        order = rng.permutation(n)  # a new epoch, shuffled as in mb.fit
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            training_step(model, loss, optimizer, X[idx], y[idx])
            u += 1
            if u % every == 0 or u == n_updates:
                updates.append(u)
                losses.append(evaluate(model, loss, X, y)[0])
            if u == n_updates or done():
                break
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


def time_per_update(model, loss, optimizer, X, y, batch_size: int, repeats: int = 5,
                    min_time: float = 0.02, threads: int | None = 1) -> float:
    """Seconds per training step (:func:`training_step`) on the first ``batch_size`` rows of X.

    Steps are run in rounds of at least ``min_time`` seconds, ``repeats`` rounds in all, and the
    fastest round is kept (interruptions by other programs only ever add time). ``threads``
    limits the BLAS threads while timing (1: one core, so that the numbers measure the
    computation and not the competition for cores on a shared machine; None: leave as is).
    The model is trained by these steps.
    """
    X, y = np.asarray(X), np.asarray(y)
    batch_size = _check_batch_size(batch_size, X.shape[0], "time_per_update")
    Xb, yb = X[:batch_size], y[:batch_size]

    def rounds():
        training_step(model, loss, optimizer, Xb, yb)  # warm-up
        k, best = 1, math.inf
        while True:  # find a number of steps that lasts at least min_time
            t0 = time.perf_counter()
            for _ in range(k):
                training_step(model, loss, optimizer, Xb, yb)
            elapsed = time.perf_counter() - t0
            if elapsed >= min_time:
                break
            k *= 2
        best = elapsed / k
        for _ in range(repeats - 1):
            t0 = time.perf_counter()
            for _ in range(k):
                training_step(model, loss, optimizer, Xb, yb)
            best = min(best, (time.perf_counter() - t0) / k)
        return best

    if threads is None:
        return rounds()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # threadpoolctl comes with scikit-learn; without it, time as is
        return rounds()
    with threadpool_limits(limits=threads, user_api="blas"):
        return rounds()
