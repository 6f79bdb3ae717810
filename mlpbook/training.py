"""The training loop: mini-batch gradient descent over epochs (seed 004, seed 002, seed 001 §5.1).

>>> history = mb.fit(model, mb.BCEWithLogitsLoss(), mb.Adam(model.parameters(), lr=1e-2),
...                  X, y, epochs=100, batch_size=32, rng=0, validation=(Xv, yv))
>>> history.loss[-1], history.val_accuracy[-1]

Each epoch visits the training set once in a new random order (a permutation of the indices
drawn from ``rng``; only the mini-batches are copied), in batches of ``batch_size`` with the last,
smaller batch kept. Training runs the model in training mode (dropout active, batch statistics
in batch norm); validation and ``evaluate`` run it in production mode.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

import numpy as np

from ._checks import as_float_array, check_finite
from .init import as_generator
from .layers import Layer
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, Loss
from .progress import ProgressBar

__all__ = ["History", "fit", "predict", "evaluate"]


class History(dict):
    """Per-epoch lists, readable as ``history["loss"]`` or ``history.loss``.

    Keys: ``loss`` (mean training loss per sample over the epoch's batches, in training mode,
    without the penalty), ``accuracy`` (classification losses only), ``val_loss`` and
    ``val_accuracy`` (with ``validation``), ``penalty`` (the regularizer's value at the end of each
    epoch, with ``regularizer``). Attributes: ``epochs`` (epochs run), ``best_epoch`` (with early
    stopping: the epoch whose weights the model holds), ``stopped_early``, ``diverged`` (the loss
    became NaN or infinite and training stopped).
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


def _leaf_layers(layer):
    if isinstance(getattr(layer, "layers", None), list):  # a Sequential, possibly nested
        for child in layer.layers:
            yield from _leaf_layers(child)
    else:
        yield layer


def _state_arrays(model) -> list[np.ndarray]:
    """Every array that defines the trained model: parameters and buffers (BN statistics)."""
    arrays = [p.value for p in model.parameters()]
    for layer in _leaf_layers(model):
        arrays += [getattr(layer, name) for name in layer._buffers]
    return arrays


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
    if y.dtype == object or not (np.issubdtype(y.dtype, np.number) or y.dtype == bool):
        raise TypeError(f"{who}: expected y as an array of numbers; got dtype {y.dtype}")
    if y.ndim == 0 or y.shape[0] != X.shape[0]:
        raise ValueError(f"{who}: X has {X.shape[0]} samples but y has shape {y.shape}; expected "
                         f"one target per row of X")
    if np.issubdtype(y.dtype, np.floating):
        check_finite(y, f"{who}: y", "target")
    if X.shape[0] == 0:
        raise ValueError(f"{who}: X has no samples")
    return X, y


def _positive_int(v, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"fit: {what} must be a positive integer; got {v!r}")
    return int(v)


def _model_dtype(model):
    params = model.parameters()
    return params[0].value.dtype if params else None


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
    epochs, batch_size : number of passes over the data and mini-batch size.
    rng : ``numpy.random.Generator`` or seed for the shuffling (same seed, same history).
    validation : ``(X_val, y_val)`` evaluated in production mode after each epoch, or None.
    regularizer : e.g. ``mb.L2(1e-3)``; its gradient is added to the loss gradient at each step.
    callbacks : functions ``f(epoch, history)`` called after each epoch (epoch counts from 1);
        one returning True stops training.
    early_stopping : patience: stop after that many epochs without improvement of ``val_loss``
        (``loss`` without validation), then restore the weights and BN statistics of the best
        epoch.
    progress : show a progress bar (a widget in Jupyter, a line on stderr in a terminal). In
        notebooks whose outputs are compared (nbval), pass ``progress=False``.
    """
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
    epochs, batch_size = _positive_int(epochs, "epochs"), _positive_int(batch_size, "batch_size")
    if early_stopping is not None:
        early_stopping = _positive_int(early_stopping, "early_stopping (the patience)")
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
    dtype = _model_dtype(model)
    X, y = _check_data(X, y, "fit", dtype)
    if validation is not None:
        if not (isinstance(validation, (tuple, list)) and len(validation) == 2):
            raise TypeError("fit: validation must be a pair (X_val, y_val) or None")
        Xv, yv = _check_data(*validation, "fit: validation", dtype)
    rng = as_generator(rng)

    keys = ["loss"]
    classify = isinstance(loss, (CrossEntropyLoss, BCEWithLogitsLoss, BCELoss))
    keys += ["accuracy"] if classify else []
    keys += (["val_loss"] + (["val_accuracy"] if classify else [])) if validation else []
    keys += ["penalty"] if regularizer is not None else []
    history = History(keys)
    monitor = "val_loss" if validation is not None else "loss"
    best, best_state, waited = math.inf, None, 0

    # no ∂C/∂X is needed for training: skip it where the model's backward allows that
    backward_kw = ({"input_grad": False}
                   if "input_grad" in inspect.signature(model.backward).parameters else {})
    n = X.shape[0]
    bar = ProgressBar(epochs, "fit", enabled=progress)
    try:
        for epoch in range(1, epochs + 1):
            order = rng.permutation(n)  # shuffle by index; only batches are copied
            total, correct = 0.0, 0.0
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                Xb, yb = X[idx], y[idx]
                out = model.forward(Xb, training=True)
                value = loss.forward(out, yb)
                model.backward(loss.backward(), **backward_kw)  # fills every gradient
                if regularizer is not None:
                    regularizer.add_grad(params)
                optimizer.step()
                total += value if loss.reduction == "sum" else value * len(idx)
                if classify:
                    correct += _n_correct(loss, out, yb)
                if not math.isfinite(value):
                    history.diverged = True
                    break
            history["loss"].append(total / n)
            if classify:
                history["accuracy"].append(correct / n)
            if validation is not None and not history.diverged:
                v_loss, v_acc = evaluate(model, loss, Xv, yv)
                history["val_loss"].append(v_loss)
                if classify:
                    history["val_accuracy"].append(v_acc)
            if regularizer is not None:
                history["penalty"].append(regularizer.penalty(params))
            if history.diverged:
                break
            bar.update(epoch, "  ".join(f"{k} {v[-1]:.4f}" for k, v in history.items()))

            if early_stopping is not None:
                current = history[monitor][-1]
                if current < best:
                    best, waited, history.best_epoch = current, 0, epoch
                    best_state = [a.copy() for a in _state_arrays(model)]
                else:
                    waited += 1
                    if waited >= early_stopping:
                        history.stopped_early = True
            stop = [bool(cb(epoch, history)) for cb in callbacks]  # call every callback
            if any(stop) or history.stopped_early:
                break
    finally:
        bar.close()
    if best_state is not None and history.best_epoch != history.epochs:
        for array, saved in zip(_state_arrays(model), best_state, strict=True):
            array[...] = saved
    return history
