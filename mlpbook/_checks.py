"""Input validation shared by layers, losses and the training loop.

Every check raises a ``ValueError`` (or ``TypeError``) whose message names who is complaining and
what was expected and what was given, so that a wrong shape is never broadcast silently.
``integer`` and ``number`` check the scalar arguments of every constructor (layers, losses,
optimizers, regularizers, ``fit``): a bool is not a number here (``Dense(True, 3)`` is refused,
not read as ``Dense(1, 3)``), and neither is NaN or infinity.

``who`` names the complainer: a string, an object with a ``_who`` name (a layer or a loss), or a
pair ``(object, suffix)`` such as ``(layer, ".backward")``. Names are only built when a check
fails, so the checks cost next to nothing on every call of a training step.
"""

from __future__ import annotations

import numpy as np


def _name(who) -> str:
    if isinstance(who, str):
        return who
    if isinstance(who, tuple):
        return _name(who[0]) + who[1]
    return who._who


def as_float_array(x, who, dtype=None) -> np.ndarray:
    """Return ``x`` as a floating array (no copy when it already is one of ``dtype``)."""
    if type(x) is np.ndarray:  # the common case, decided without any conversion
        if (x.dtype == dtype) if dtype is not None else (x.dtype.kind == "f"):
            return x
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{_name(who)}: expected an array of numbers; got {type(x).__name__}"
                        ) from exc
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{_name(who)}: expected an array of numbers; got dtype {arr.dtype}")
    if arr.dtype.kind == "c":
        raise TypeError(f"{_name(who)}: expected real numbers; got complex dtype {arr.dtype} "
                        "(take .real or abs() explicitly)")
    if dtype is not None:
        return arr.astype(dtype, copy=False)
    if not np.issubdtype(arr.dtype, np.floating):
        return arr.astype(np.float64)
    return arr


def check_batch(A: np.ndarray, n_features: int | None, who) -> None:
    """A mini-batch is 2-D, one sample per row, with ``n_features`` columns."""
    if A.ndim == 2 and (n_features is None or A.shape[1] == n_features):
        return
    who = _name(who)
    want = f"(n, {n_features})" if n_features is not None else "(n, features)"
    if A.ndim != 2:
        hint = ""
        if A.ndim == 1:
            hint = " (one sample per row; use x.reshape(1, -1) for a single sample)"
        raise ValueError(f"{who}: expected a 2-D batch of shape {want}{hint}; got shape {A.shape}")
    if n_features is not None and A.shape[1] != n_features:
        raise ValueError(
            f"{who}: expected input of shape {want} with {n_features} features; got shape {A.shape}"
        )


def check_finite(A: np.ndarray, who, what: str = "input") -> None:
    """Raise when ``A`` holds NaN or infinity. Cheap: one reduction, a full scan only on failure."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(A, axis=None)
    if np.isfinite(total):
        return
    bad = ~np.isfinite(A)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        kind = "NaN" if np.isnan(A[where]) else "infinity"
        raise ValueError(f"{_name(who)}: {what} contains {kind} (first at index {where}); "
                         f"shape {A.shape}")


def check_same_shape(got: np.ndarray, want_shape: tuple, who, what: str) -> None:
    """``got`` has exactly the shape ``want_shape`` (no broadcasting)."""
    if got.shape != tuple(want_shape):
        raise ValueError(f"{_name(who)}: expected {what} of shape {tuple(want_shape)}; got "
                         f"{got.shape}")


# ---- scalar arguments -------------------------------------------------------------------------

def _is_bool(v) -> bool:
    return isinstance(v, (bool, np.bool_))


def integer(v, who, what: str, minimum: int = 1, maximum: int | None = None) -> int:
    """``v`` as an int in [``minimum``, ``maximum``] (None: unbounded); bools and floats (even
    2.0) are refused."""
    if _is_bool(v) or not isinstance(v, (int, np.integer)) or v < minimum \
            or (maximum is not None and v > maximum):
        kind = (f"an integer in [{minimum}, {maximum}]" if maximum is not None else
                "a positive integer" if minimum == 1 else f"an integer >= {minimum}")
        raise ValueError(f"{_name(who)}: {what} must be {kind}; got {v!r}")
    return int(v)


def number(v, who, what: str, low: float | None = None, high: float | None = None,
           low_open: bool = False, high_open: bool = False) -> float:
    """``v`` as a finite float in the interval from ``low`` to ``high`` (each bound included
    unless ``*_open``; None: unbounded); bools are refused."""
    ok = (not _is_bool(v) and isinstance(v, (int, float, np.integer, np.floating))
          and np.isfinite(v)
          and (low is None or (v > low if low_open else v >= low))
          and (high is None or (v < high if high_open else v <= high)))
    if ok:
        return float(v)
    if low is None and high is None:
        kind = "a finite number"
    elif high is None:
        kind = "a positive number" if (low == 0 and low_open) else \
            f"a number {'>' if low_open else '>='} {low:g}"
    elif low is None:
        kind = f"a number {'<' if high_open else '<='} {high:g}"
    else:
        kind = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    raise ValueError(f"{_name(who)}: {what} must be {kind}; got {v!r}")
