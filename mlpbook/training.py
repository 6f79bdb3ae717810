"""The training loop: mini-batch gradient descent over epochs ([Peeters], [DNN slides], [MEDL]
§5.1).

>>> history = mb.fit(model, mb.BCEWithLogitsLoss(), mb.Adam(model.parameters(), lr=1e-2),
...                  X, y, epochs=100, batch_size=32, rng=0, validation=(Xv, yv))
>>> history                      # epochs run, last and best value of each curve
>>> history.loss[-1], history.val_accuracy[-1]

Each epoch visits the training set once in a new random order (a permutation of the indices
drawn from ``rng``; only the mini-batches are copied), in batches of ``batch_size`` with the last,
smaller batch kept; when the model has a layer that needs more samples per batch in training
mode (batch norm needs two) and the last batch is smaller than that, it joins the batch before.
Training runs the model in training mode (dropout active, batch statistics in batch norm);
validation and ``evaluate`` run it in production mode. Every argument, the data and the targets
are checked before the first update, so a mistake never leaves a half-trained model.

One update is :func:`train_step` (for Dense/ReLU chains trained by plain SGD, the fused step of
:mod:`mlpbook.fused`), and one loop takes them, :func:`training_updates`: ``fit`` runs it, and
so do the experiments and sweeps of the chapters (``mb.batch_size``, ``mb.experiments``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator

import numpy as np

from ._checks import as_float_array, check_finite, integer
from .fused import fused_sgd_step
from .init import as_generator
from .layers import Layer
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, Loss

__all__ = ["History", "fit", "train_step", "training_updates", "epoch_batches", "predict",
           "evaluate"]


class History(dict):
    """Per-epoch lists, readable as ``history["loss"]`` or ``history.loss``.

    Keys: ``loss`` (mean training loss per sample over the epoch's batches, in training mode,
    without the penalty), ``accuracy`` (classification losses only), ``val_loss`` and
    ``val_accuracy`` (with ``validation``), ``penalty`` (the regularizer's value at the end of each
    epoch, with ``regularizer``). Attributes: ``epochs`` (epochs run), ``best_epoch`` (with early
    stopping: the epoch whose weights the model holds), ``stopped_early``, ``diverged`` (the loss
    became NaN or infinite and training stopped).

    It prints as a short summary: epochs run and, per curve, the last and the best value.
    """

    def __init__(self, keys):
        super().__init__((k, []) for k in keys)
        self.best_epoch = None
        self.stopped_early = False
        self.diverged = False

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"History has no {name!r}; it has {sorted(self)}") from None

    @property
    def epochs(self) -> int:
        return len(self["loss"])

    def __repr__(self) -> str:
        status = ("diverged" if self.diverged else
                  f"stopped early, weights of epoch {self.best_epoch}" if self.stopped_early else
                  f"weights of epoch {self.best_epoch}" if self.best_epoch is not None else "")
        lines = [f"History: {self.epochs} epoch{'s' if self.epochs != 1 else ''}"
                 + (f" ({status})" if status else "")]
        width = max((len(k) for k in self), default=0)
        for key, values in self.items():
            if not values:
                continue
            finite = [(v, i) for i, v in enumerate(values, 1) if math.isfinite(v)]
            best = ""
            if finite and key != "penalty":
                pick = max if key.endswith("accuracy") else min
                value, epoch = pick(finite, key=lambda t: t[0])
                best = f"   best {value:.4g} (epoch {epoch})"
            lines.append(f"  {key:<{width}}  last {values[-1]:.4g}{best}")
        return "\n".join(lines)  # also what a notebook cell ending in `history` shows


# ---- helpers ----------------------------------------------------------------------------------

def predict(model, X, batch_size: int = 1024) -> np.ndarray:
    """The model's output on ``X`` in production mode, computed in chunks of ``batch_size`` rows."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] <= batch_size:
        return model.forward(X, training=False)
    return np.concatenate([model.forward(X[i:i + batch_size], training=False)
                           for i in range(0, X.shape[0], batch_size)])


def evaluate(model, loss: Loss, X, y, batch_size: int = 1024) -> tuple[float, float | None]:
    """(mean loss per sample, accuracy or None) of the model on (X, y) in production mode."""
    out = predict(model, X, batch_size)
    value = loss.forward(out, y)
    if loss.reduction == "sum":
        value /= out.shape[0]
    correct = _n_correct(loss, out, np.asarray(y))
    return float(value), (None if correct is None else correct / out.shape[0])


def _n_correct(loss: Loss, out: np.ndarray, y: np.ndarray) -> float | None:
    """Number of correctly classified samples (for several binary labels: the fraction of
    correct labels, summed over samples); None when the loss is not a classification loss."""
    if isinstance(loss, CrossEntropyLoss):
        labels = y if y.ndim == 1 else np.argmax(y, axis=1)
        return float(np.sum(np.argmax(out, axis=1) == labels))
    if isinstance(loss, (BCEWithLogitsLoss, BCELoss)):
        threshold = 0.0 if isinstance(loss, BCEWithLogitsLoss) else 0.5  # σ(z) > ½ ⇔ z > 0
        target = y.reshape(out.shape) > 0.5
        return float(np.sum((out > threshold) == target) / out.shape[1])
    return None


def train_step(model, loss: Loss, optimizer, Xb, yb, regularizer=None, params=None
               ) -> tuple[float, np.ndarray]:
    """One update on the mini-batch (Xb, yb): forward in training mode, loss, backward (every
    parameter gradient, no ∂C/∂X), the regularizer's gradient added to the parameters ``params``
    (default ``model.parameters()``), one optimizer step. Returns (loss value, model output
    (n, N_L)).

    A chain of Dense and ReLU layers trained by plain SGD without a regularizer takes the fused
    step of :mod:`mlpbook.fused` instead (where SciPy is installed), in fewer passes over memory
    and with no allocation: the same loss, output, biases and gradients bit for bit, the weights
    to round-off (each update rounded once, in the BLAS product). Each ``dW`` is then formed
    when it is read; the layers keep no input for ``backward``."""
    fused = None if regularizer is not None else fused_sgd_step(model, optimizer)
    result = None if fused is None else fused.step(Xb, yb, loss)  # None: take the plain step
    if result is not None:
        return result
    out = model.forward(Xb, training=True)  # forward
    value = loss.forward(out, yb)  # loss
    model.backward(loss.backward(), input_grad=False)  # backward: fills every gradient
    if regularizer is not None:
        regularizer.add_grad(model.parameters() if params is None else params)
    optimizer.step()  # update
    return value, out


def _check_data(X, y, who: str, dtype):
    if y is None:
        raise TypeError(f"{who}: expected targets y; got None")
    X = as_float_array(X, f"{who}: X", dtype=dtype)
    if X.ndim != 2:
        hint = " (for one feature use X.reshape(-1, 1))" if X.ndim == 1 else ""
        raise ValueError(f"{who}: expected X as a 2-D array (n_samples, n_features){hint}; got "
                         f"shape {X.shape}")
    check_finite(X, f"{who}: X")
    y = np.asarray(y)
    if y.dtype == object or not (np.issubdtype(y.dtype, np.number) or y.dtype == bool) \
            or y.dtype.kind == "c":
        raise TypeError(f"{who}: expected y as an array of real numbers; got dtype {y.dtype}")
    if y.ndim == 0 or y.shape[0] != X.shape[0]:
        raise ValueError(f"{who}: X has {X.shape[0]} samples but y has shape {y.shape}; expected "
                         f"one target per row of X")
    if np.issubdtype(y.dtype, np.floating):
        check_finite(y, f"{who}: y", "target")
    if X.shape[0] == 0:
        raise ValueError(f"{who}: X has no samples")
    return X, y


def _check_targets(model, loss: Loss, X, y, who: str, dtype) -> None:
    """The targets of the whole data set against the loss, for the model's output width."""
    n_out = model.output_features(X.shape[1])  # also checks the input width layer by layer
    if n_out is not None:
        try:
            loss.check_target(y, n_out, dtype if dtype is not None else np.float64)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{who}: y does not fit the loss: {exc}") from None


def _batch_bounds(n: int, batch_size: int, min_batch: int) -> list[tuple[int, int]]:
    """(start, stop) of each batch of an epoch: batches of ``batch_size``, the last one smaller;
    a last batch below ``min_batch`` samples joins the one before."""
    bounds = [(start, min(start + batch_size, n)) for start in range(0, n, batch_size)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < min_batch:
        bounds[-2:] = [(bounds[-2][0], n)]
    return bounds


def _fit_arguments(model, loss, optimizer, X, y, epochs, batch_size, validation, regularizer,
                   callbacks, early_stopping):
    """Check every argument of ``fit``; return the checked data, validation data, callbacks."""
    if not isinstance(model, Layer):
        raise TypeError(f"fit: expected a model (a Layer or Sequential); got "
                        f"{type(model).__name__}")
    if not isinstance(loss, Loss):
        hint = " (the class itself: add parentheses)" if isinstance(loss, type) else ""
        raise TypeError(f"fit: expected a loss such as mb.SquaredLoss(); got "
                        f"{type(loss).__name__}{hint}")
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"fit: expected an optimizer with a step() method; got "
                        f"{type(optimizer).__name__}")
    integer(epochs, "fit", "epochs")
    integer(batch_size, "fit", "batch_size")
    if early_stopping is not None:
        integer(early_stopping, "fit", "early_stopping (the patience)")
    if regularizer is not None and not (callable(getattr(regularizer, "add_grad", None))
                                        and callable(getattr(regularizer, "penalty", None))):
        raise TypeError(f"fit: expected a regularizer such as mb.L2(1e-3); got "
                        f"{type(regularizer).__name__}")
    if callbacks is None:
        callbacks = []
    elif callable(callbacks):
        callbacks = [callbacks]
    elif not all(callable(c) for c in callbacks):
        raise TypeError("fit: callbacks must be a function f(epoch, history) or a list of them")

    params = model.parameters()
    own = {id(p.value) for p in params}
    if any(id(p.value) not in own for p in getattr(optimizer, "params", [])):
        raise ValueError("fit: the optimizer was built on parameters that are not this model's "
                         "(build it with optimizer(model.parameters(), ...))")
    dtype = params[0].value.dtype if params else None
    X, y = _check_data(X, y, "fit", dtype)
    _check_targets(model, loss, X, y, "fit", dtype)
    if validation is not None:
        if not (isinstance(validation, (tuple, list)) and len(validation) == 2):
            raise TypeError("fit: validation must be a pair (X_val, y_val) or None")
        Xv, yv = _check_data(*validation, "fit: validation", dtype)
        _check_targets(model, loss, Xv, yv, "fit: validation", dtype)
        validation = (Xv, yv)
    need = model.min_training_batch
    if min(X.shape[0], batch_size) < need:
        what = f"{X.shape[0]} samples" if X.shape[0] < need else f"batch_size={batch_size}"
        raise ValueError(f"fit: the model has a layer that needs batches of at least {need} "
                         f"samples in training mode (batch norm estimates a variance); got {what}")
    return X, y, validation, callbacks, params


def training_updates(model, loss: Loss, optimizer, X, y, batch_size: int, rng=None,
                     regularizer=None, params=None
                     ) -> Iterator[tuple[np.ndarray, float, np.ndarray]]:
    """The updates of mini-batch training, epoch after epoch, for as long as the caller asks:
    the loop of ``fit``, which every experiment of the library runs.

    Each epoch visits (X (n, N_0), y) once in a new order (``rng.permutation(n)``, drawn when
    the epoch starts), in batches of ``batch_size`` rows with the last, smaller batch kept; a
    last batch below ``model.min_training_batch`` samples (batch norm needs two) joins the one
    before. Each batch is one :func:`train_step`. Yields, after each update, (the batch's row
    indices (B,), its loss value, the model's output (B, N_L)). The arguments are not checked
    here: ``fit`` checks them.
    """
    rng = as_generator(rng)
    n = X.shape[0]
    bounds = _batch_bounds(n, batch_size, model.min_training_batch)
    while True:
        order = rng.permutation(n)  # shuffle by index; only batches are copied
        for start, stop in bounds:
            idx = order[start:stop]
            value, out = train_step(model, loss, optimizer, X[idx], y[idx], regularizer, params)
            yield idx, value, out


def epoch_batches(n: int, batch_size: int, min_batch: int = 1) -> int:
    """The number of batches (updates) of one epoch of ``n`` samples, as ``training_updates``
    forms them."""
    return len(_batch_bounds(n, batch_size, min_batch))


class _EarlyStopping:
    """Stop after ``patience`` epochs without improvement of the monitored curve, keeping a copy
    of the model's state at its best epoch."""

    def __init__(self, patience: int, monitor: str):
        self.patience, self.monitor = patience, monitor
        self.best, self.best_state, self.waited = math.inf, None, 0

    def update(self, model, history: History, epoch: int) -> bool:
        """Record the epoch; True when training should stop."""
        current = history[self.monitor][-1]
        if current < self.best:
            self.best, self.waited, history.best_epoch = current, 0, epoch
            self.best_state = {k: a.copy() for k, a in model.state().items()}
            return False
        self.waited += 1
        history.stopped_early = self.waited >= self.patience
        return history.stopped_early

    def restore(self, model, history: History) -> None:
        if self.best_state is not None and history.best_epoch != history.epochs:
            model.load_state(self.best_state)


def _progress_bar(epochs: int, enabled: bool):
    """tqdm's bar (a widget in Jupyter, a line fitted to the terminal's width), or None when
    disabled; silent when stderr is not a terminal."""
    if not enabled:
        return None
    from tqdm.auto import tqdm  # imported only here: `import mlpbook` stays light

    return tqdm(total=epochs, desc="fit", unit="epoch", disable=None, dynamic_ncols=True)


# ---- the loop ---------------------------------------------------------------------------------

def fit(model, loss: Loss, optimizer, X, y, epochs: int = 10, batch_size: int = 32, rng=None,
        validation=None, regularizer=None,
        callbacks: Callable | list[Callable] | None = None, early_stopping: int | None = None,
        progress: bool = True) -> History:
    """Train ``model`` in place and return its :class:`History`.

    Parameters
    ----------
    model : a layer or ``Sequential``; X (n, N_0) -> output (n, N_L).
    loss : an ``mb`` loss; optimizer : an ``mb`` optimizer built on ``model.parameters()``.
    X, y : training data, one sample per row; ``y`` holds one target (or target row) per sample.
    epochs, batch_size : number of passes over the data and mini-batch size (a last batch of one
        sample joins the one before when the model has batch norm).
    rng : ``numpy.random.Generator`` or seed for the shuffling (same seed, same history).
    validation : ``(X_val, y_val)`` evaluated in production mode after each epoch, or None.
    regularizer : e.g. ``mb.L2(1e-3)``; its gradient is added to the loss gradient at each step.
    callbacks : functions ``f(epoch, history)`` called after each epoch (epoch counts from 1);
        one returning True stops training.
    early_stopping : patience: stop after that many epochs without improvement of ``val_loss``
        (``loss`` without validation), then restore the weights and BN statistics of the best
        epoch.
    progress : show a progress bar (tqdm: a widget in Jupyter, a line on stderr in a terminal,
        nothing when stderr is not a terminal). In notebooks whose outputs are compared (nbval),
        pass ``progress=False``.
    """
    X, y, validation, callbacks, params = _fit_arguments(
        model, loss, optimizer, X, y, epochs, batch_size, validation, regularizer, callbacks,
        early_stopping)
    classify = isinstance(loss, (CrossEntropyLoss, BCEWithLogitsLoss, BCELoss))
    keys = ["loss"] + (["accuracy"] if classify else [])
    keys += (["val_loss"] + (["val_accuracy"] if classify else [])) if validation else []
    keys += ["penalty"] if regularizer is not None else []
    history = History(keys)
    stopper = None if early_stopping is None else \
        _EarlyStopping(early_stopping, "val_loss" if validation is not None else "loss")
    n = X.shape[0]
    updates = training_updates(model, loss, optimizer, X, y, batch_size, rng, regularizer, params)
    per_epoch = epoch_batches(n, batch_size, model.min_training_batch)
    bar = _progress_bar(epochs, progress)
    try:
        for epoch in range(1, epochs + 1):
            total, correct = 0.0, 0.0
            for idx, value, out in itertools.islice(updates, per_epoch):
                total += value if loss.reduction == "sum" else value * len(idx)
                if classify:
                    correct += _n_correct(loss, out, y[idx])
                if not math.isfinite(value):
                    history.diverged = True
                    break
            history["loss"].append(total / n)
            if classify:
                history["accuracy"].append(correct / n)
            if validation is not None and not history.diverged:
                v_loss, v_acc = evaluate(model, loss, *validation)
                history["val_loss"].append(v_loss)
                if classify:
                    history["val_accuracy"].append(v_acc)
            if regularizer is not None:
                history["penalty"].append(regularizer.penalty(params))
            if history.diverged:
                break
            if bar is not None:
                bar.set_postfix_str("  ".join(f"{k} {v[-1]:.4f}" for k, v in history.items()),
                                    refresh=False)
                bar.update(1)
            stop = stopper is not None and stopper.update(model, history, epoch)
            stop = any([bool(cb(epoch, history)) for cb in callbacks]) or stop  # call every one
            if stop:
                break
    finally:
        if bar is not None:
            bar.close()
    if stopper is not None:
        stopper.restore(model, history)
    return history
