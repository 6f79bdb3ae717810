"""Compare a returned value with the reference answer, and say what is wrong without saying
what the answer is.

``compare(got, want, rtol, atol, names)`` returns ``None`` when ``got`` matches ``want`` and
otherwise says what is wrong: for a function that returns several values, a line listing every
output with ✓ or ✗ (``W ✗  b ✗  V ✓  c ✓``), then a sentence for each wrong one; for one value,
the sentence. A sentence names the type, the number of returned items, the shape, the dtype, NaN
or infinity, or which entries are off and by which tolerance, and recognises the usual slips
without showing the answer: a transposed result, a result off by one constant factor ("every
entry is 4.00× the expected one", a missing 1/n), a sign flip, the wrong axis. It reports what
was *returned* and the expected shape and dtype, never an expected value.
:func:`outputs` gives the same verdict per output (for partial credit).
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["compare", "outputs", "describe", "show"]

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


def outputs(got, want, rtol: float = 1e-7, atol: float = 1e-10, names=None
            ) -> list[tuple[str, str | None]]:
    """(name, None or what is wrong) for every output of a result: the items of a returned
    tuple (a list of arrays among them counted item by item, ``dWs[0]``, ``dWs[1]``), or the
    result itself."""
    if not isinstance(want, (tuple, list)) or not names:
        return [("the result", _compare(got, want, rtol, atol, "the result"))]
    if not isinstance(got, (tuple, list)) or len(got) != len(want):
        label = f" ({', '.join(names)})"
        found = describe(got) if not isinstance(got, (tuple, list)) else f"{len(got)} values"
        problem = f"returned {found}; expected {len(want)} values{label}"
        return [("the result", problem)]
    out = []
    for name, g, w in zip(names, got, want, strict=True):
        if isinstance(w, (list, tuple)) and w and all(isinstance(x, np.ndarray) for x in w) \
                and isinstance(g, (list, tuple)) and len(g) == len(w):
            out += [(f"{name}[{i}]", _compare(gi, wi, rtol, atol, f"{name}[{i}]"))
                    for i, (gi, wi) in enumerate(zip(g, w, strict=True))]
        else:
            out.append((name, _compare(g, w, rtol, atol, name)))
    return out


def compare(got, want, rtol: float = 1e-7, atol: float = 1e-10, names=None, what="the result"):
    """None when ``got`` matches ``want``; otherwise what is wrong (see the module docstring)."""
    if not isinstance(want, (tuple, list)) or not names:
        return _compare(got, want, rtol, atol, what)
    found = outputs(got, want, rtol, atol, names)
    if all(problem is None for _, problem in found):
        return None
    if len(found) == 1:
        return f"{what}: {found[0][1]}" if found[0][0] == "the result" else found[0][1]
    marks = "  ".join(f"{name} {'✓' if problem is None else '✗'}" for name, problem in found)
    return "\n".join([marks, *(problem for _, problem in found if problem is not None)])


def _compare(got, want, rtol, atol, what):
    """One output (a tuple without names compared item by item)."""
    if isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)):
            return f"{what}: returned {describe(got)}; expected {len(want)} values"
        if len(got) != len(want):
            return f"{what}: returned {len(got)} values; expected {len(want)}"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            msg = _compare(g, w, rtol, atol, f"item {i} of {what}")
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


def _slip(g: np.ndarray, w: np.ndarray, rtol: float, atol: float) -> str:
    """A usual slip that turns the expected ``w`` into ``g`` (same shape), in words that do not
    give ``w`` away: a sign flip, one constant factor, a transpose. Only for arrays with two
    nonzero entries or more (between two numbers, any factor would do)."""
    if np.count_nonzero(np.abs(w) > atol) < 2:
        return ""
    with np.errstate(all="ignore"):
        if np.allclose(g, -w, rtol=rtol, atol=atol) and np.any(np.abs(w) > atol):
            return ": every entry has the wrong sign"
        scale = float(np.vdot(w, w))
        if scale > 0:
            factor = float(np.vdot(w, g)) / scale
            if np.isfinite(factor) and abs(factor) > 1e-12 and \
                    np.allclose(g, factor * w, rtol=max(rtol, 1e-9), atol=atol):
                return f": every entry is {factor:.2f}× the expected one (a missing or extra " \
                       "factor, such as 1/n or 2?)"
        if g.ndim == 2 and g.shape[0] == g.shape[1] and g.shape[0] > 1 and \
                np.allclose(g.T, w, rtol=rtol, atol=atol):
            return ": it is the transpose of the expected array"
    return ""


def _compare_arrays(got, want: np.ndarray, rtol, atol, what):
    if not isinstance(got, np.ndarray):
        if isinstance(got, (list, tuple)) or _is_real(got):
            return f"{what}: returned {describe(got)}; expected a NumPy array of shape " \
                   f"{want.shape} (use np.asarray or NumPy operations)"
        return f"{what}: returned {describe(got)}; expected an array of shape {want.shape}"
    if got.shape != want.shape:
        hint = ""
        same = _close_as(got, want, rtol, atol)
        if got.ndim == 2 and got.shape == want.shape[::-1]:
            hint = " (it is the transpose of the expected array)" if same(got.T) else \
                " (transposed? and the entries differ as well)"
        elif got.size == want.size:
            hint = " (same entries, wrong shape: check for a missing reshape or an extra axis)" \
                if same(got.reshape(want.shape)) else \
                " (as many entries, but not the expected ones in another shape)"
        elif got.ndim == want.ndim + 1 or got.ndim + 1 == want.ndim:
            hint = " (check keepdims and the axis you sum over)"
        elif got.ndim == want.ndim:
            hint = " (check the axis you sum or take the maximum over)"
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
           f"tolerance rtol={rtol:g}, atol={atol:g}{at}{_slip(g, w, rtol, atol)}"


def _close_as(got, want, rtol, atol):
    """A test: is this rearrangement of ``got`` the expected array?"""
    def same(candidate) -> bool:
        if candidate.dtype.kind not in "biuf":
            return False
        with np.errstate(all="ignore"):
            return bool(np.allclose(candidate.astype(np.float64), want.astype(np.float64),
                                    rtol=rtol, atol=atol, equal_nan=True))
    return same


def _index(idx) -> tuple:
    return tuple(int(i) for i in idx)
