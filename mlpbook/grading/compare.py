"""Compare a returned value with the reference answer, and say what is wrong without saying
what the answer is.

``compare(got, want, rtol, atol, names)`` returns ``None`` when ``got`` matches ``want`` and
otherwise one sentence about the first problem: the type, the number of returned items, the shape,
the dtype, NaN or infinity, or which entries are off and by which tolerance. It reports what was
*returned* and the expected shape and dtype, never an expected value.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["compare", "describe", "show"]

# float32 answers are compared at float32 precision at least
FLOAT32_TOL = (2e-5, 1e-6)


def show(value, limit: int = 12) -> str:
    """A short, deterministic rendering of an input or returned value for a feedback message."""
    if isinstance(value, np.ndarray):
        if value.size > limit:
            return f"array of shape {value.shape}, dtype {value.dtype}"
        text = np.array2string(value, precision=4, separator=", ", threshold=limit,
                               max_line_width=1000, floatmode="maxprec")
        text = " ".join(text.split())
        return f"array({text}, dtype={value.dtype})" if value.dtype != np.float64 else \
            f"array({text})"
    if isinstance(value, np.generic):
        return f"{type(value).__name__}({value.item()!r})"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(show(v, limit) for v in value[:limit])
        more = ", ..." if len(value) > limit else ""
        return f"[{inner}{more}]" if isinstance(value, list) else f"({inner}{more})"
    if isinstance(value, dict):
        items = [f"{k!r}: {show(v, limit)}" for k, v in list(value.items())[:limit]]
        return "{" + ", ".join(items) + (", ..." if len(value) > limit else "") + "}"
    if isinstance(value, float):
        text = repr(value)
        return text if len(text) <= 12 else f"{value:.6g}"
    return repr(value)


def describe(value) -> str:
    """The kind of a value in a few words: 'an array of shape (3,), float64', 'a tuple of 2'."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}, dtype {value.dtype}"
    if isinstance(value, np.generic):
        return f"a NumPy {value.dtype} scalar"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    if value is None:
        return "None (did you forget `return`?)"
    return f"a {type(value).__name__}"


def _is_real(x) -> bool:
    return isinstance(x, numbers.Real) or (isinstance(x, np.ndarray) and x.ndim == 0
                                           and x.dtype.kind in "biuf")


def compare(got, want, rtol: float = 1e-7, atol: float = 1e-10, names=None, what="the result"):
    """None when ``got`` matches ``want``; otherwise a sentence saying what is wrong."""
    if isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)):
            label = f" ({', '.join(names)})" if names else ""
            return f"{what}: returned {describe(got)}; expected {len(want)} values{label}"
        if len(got) != len(want):
            label = f" ({', '.join(names)})" if names else ""
            return f"{what}: returned {len(got)} values; expected {len(want)}{label}"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            part = names[i] if names else f"item {i} of {what}"
            msg = compare(g, w, rtol, atol, None, part)
            if msg:
                return msg
        return None
    if isinstance(want, np.ndarray):
        return _compare_arrays(got, want, rtol, atol, what)
    if isinstance(want, (bool, np.bool_)):
        if not isinstance(got, (bool, np.bool_)):
            return f"{what}: returned {describe(got)}; expected True or False"
        return None if bool(got) == bool(want) else f"{what}: returned {bool(got)}, which is wrong"
    if isinstance(want, (numbers.Integral, np.integer)):
        if not _is_real(got) or isinstance(got, (bool, np.bool_)):
            return f"{what}: returned {describe(got)}; expected an integer"
        value = float(np.asarray(got))
        if not value.is_integer():
            return f"{what}: returned {show(got)}; expected a whole number"
        return None if int(value) == int(want) else f"{what}: returned {int(value)}, which is wrong"
    if isinstance(want, (numbers.Real, np.floating)):
        if not _is_real(got):
            return f"{what}: returned {describe(got)}; expected a single number"
        value = float(np.asarray(got))
        if not np.isfinite(value) and np.isfinite(want):
            return f"{what}: returned {value} (overflow or 0/0? compute it in a stable way)"
        if abs(value - float(want)) <= atol + rtol * abs(float(want)):
            return None
        return f"{what}: returned {value:.8g}, which is off by more than the tolerance " \
               f"(rtol={rtol:g}, atol={atol:g})"
    raise TypeError(f"compare: unsupported reference value of type {type(want).__name__}")


def _compare_arrays(got, want: np.ndarray, rtol, atol, what):
    if not isinstance(got, np.ndarray):
        if isinstance(got, (list, tuple)) or _is_real(got):
            return f"{what}: returned {describe(got)}; expected a NumPy array of shape " \
                   f"{want.shape} (use np.asarray or NumPy operations)"
        return f"{what}: returned {describe(got)}; expected an array of shape {want.shape}"
    if got.shape != want.shape:
        hint = ""
        if got.size == want.size:
            hint = " (same entries, wrong shape: check for a missing reshape or an extra axis)"
        elif got.ndim == want.ndim + 1 or got.ndim + 1 == want.ndim:
            hint = " (check keepdims and the axis you sum over)"
        return f"{what}: returned shape {got.shape}; expected shape {want.shape}{hint}"
    if want.dtype.kind == "f" and got.dtype != want.dtype:
        hint = " (keep the dtype of the input: float32 in, float32 out)" \
            if want.dtype == np.float32 or got.dtype == np.float32 else ""
        return f"{what}: returned dtype {got.dtype}; expected {want.dtype}{hint}"
    if want.dtype.kind in "biu" and got.dtype.kind not in "biuf":
        return f"{what}: returned dtype {got.dtype}; expected numbers"
    if want.dtype == np.float32:
        rtol, atol = max(rtol, FLOAT32_TOL[0]), max(atol, FLOAT32_TOL[1])
    g = got.astype(np.float64)
    w = want.astype(np.float64)
    bad_finite = ~np.isfinite(g) & np.isfinite(w)
    if bad_finite.any():
        idx = _index(np.argwhere(bad_finite)[0])
        return f"{what}: returned {g[idx]} at index {idx} (overflow or 0/0? compute it in a " \
               "numerically stable way)"
    with np.errstate(invalid="ignore"):
        close = np.isclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    first = _index(np.argwhere(~close)[0])
    at = f" (first at index {first}, where you returned {g[first]:.8g})" if g.ndim else \
        f" (you returned {g[()]:.8g})"
    return f"{what}: {int((~close).sum())} of {close.size} entries are off by more than the " \
           f"tolerance rtol={rtol:g}, atol={atol:g}{at}"


def _index(idx) -> tuple:
    return tuple(int(i) for i in idx)
