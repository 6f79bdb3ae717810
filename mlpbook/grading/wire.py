"""Plain data on the wire between the grader and its sandbox, without pickle.

Values are nested JSON: ``None``, ``bool``, ``int``, ``float``, ``str``, lists (tuples become
lists) and dicts with string keys. NumPy arrays and NumPy scalars travel as ``.npy`` bytes written
by ``np.save(..., allow_pickle=False)``, base64-encoded inside ``{"__npy__": ...}``; decoding uses
``np.load(..., allow_pickle=False)``, so an object array can be neither sent nor received.

``encode`` never calls methods of the value it is given (only exact built-in types and arrays
are accepted), so encoding a student's return value cannot run the student's code. Both
directions bound what they accept, so that nothing received from a sandbox can make the grader
work without end: at most ``MAX_DEPTH`` levels of nesting, ``MAX_ITEMS`` numbers and items in
all, integers of at most 64 bits (``10**400`` is refused, not compared).
"""

from __future__ import annotations

import base64
import io
import json

import numpy as np

__all__ = ["WireError", "encode", "decode", "dumps", "loads"]

MAX_DEPTH = 16
MAX_ITEMS = 2_000_000  # array entries plus list items, over a whole value
MAX_INT = 2**63  # integers in [-MAX_INT, MAX_INT)


class WireError(ValueError):
    """A value that cannot be sent: unsupported type, too big, too deep, or malformed data."""


def _checked_int(value: int) -> int:
    if not -MAX_INT <= value < MAX_INT:
        raise WireError("an integer of more than 64 bits")
    return value


def _npy_bytes(arr: np.ndarray) -> str:
    if arr.dtype.kind not in "biufc":
        raise WireError(f"an array of dtype {arr.dtype} (expected numbers)")
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return base64.b64encode(buf.getvalue()).decode("ascii")


_PLAIN = frozenset({str, float, bool, type(None)})  # JSON as they are
_INTEGERS = frozenset({int, bool})


def _flat(items) -> list | None:
    """``items`` (an exact list or tuple) as a new list when every item is a plain scalar, else
    None. One pass in C (``type`` calls no method of an item), not a Python call per item."""
    kinds = set(map(type, items))
    if kinds <= _PLAIN:
        return list(items)
    if kinds <= _INTEGERS and items:
        _checked_int(min(items))
        _checked_int(max(items))
        return list(items)
    return None


def encode(value, _depth: int = 0, _budget: list | None = None):
    """A JSON-ready form of ``value``; raises :class:`WireError` for anything else."""
    budget = [MAX_ITEMS] if _budget is None else _budget
    if _depth > MAX_DEPTH:
        raise WireError(f"a value nested more than {MAX_DEPTH} levels deep")
    kind = type(value)
    if kind is int:
        return _checked_int(value)
    if value is None or kind in (bool, float, str):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        budget[0] -= arr.size
        if budget[0] < 0:
            raise WireError(f"more than {MAX_ITEMS} numbers")
        out = {"__npy__": _npy_bytes(np.array(arr))}  # np.array drops ndarray subclasses
        if isinstance(value, np.generic):
            out["scalar"] = True
        return out
    if kind in (list, tuple):
        budget[0] -= len(value)
        if budget[0] < 0:
            raise WireError(f"more than {MAX_ITEMS} items")
        flat = _flat(value) if _depth < MAX_DEPTH else None  # (items one level deeper)
        return flat if flat is not None else [encode(v, _depth + 1, budget) for v in value]
    if kind is dict:
        if not all(type(k) is str for k in value):
            raise WireError("a dict with keys that are not strings")
        budget[0] -= len(value)
        if budget[0] < 0:
            raise WireError(f"more than {MAX_ITEMS} items")
        return {"__dict__": {k: encode(v, _depth + 1, budget) for k, v in value.items()}}
    raise WireError(f"a value of type {kind.__name__}")


def _load_npy(text) -> np.ndarray:
    """An array from base64 ``.npy`` text, checking the header before anything is allocated."""
    try:
        raw = base64.b64decode(text, validate=True)
        fp = io.BytesIO(raw)
        version = np.lib.format.read_magic(fp)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) \
            else np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(fp)
    except Exception as exc:
        raise WireError(f"malformed array data ({type(exc).__name__})") from None
    if dtype.kind not in "biufc":
        raise WireError(f"an array of dtype {dtype} (expected numbers)")
    count = 1
    for n in shape:
        count *= n
    if count > MAX_ITEMS or count * dtype.itemsize > len(raw) - fp.tell():
        raise WireError(f"an array of shape {shape} that is too big or truncated")
    try:
        return np.load(io.BytesIO(raw), allow_pickle=False)
    except Exception as exc:
        raise WireError(f"malformed array data ({type(exc).__name__})") from None


def decode(data, _depth: int = 0, _budget: list | None = None):
    """Inverse of :func:`encode`: arrays come back as arrays, NumPy scalars as NumPy scalars.
    Raises :class:`WireError` for anything :func:`encode` would not have produced."""
    budget = [MAX_ITEMS] if _budget is None else _budget
    if _depth > MAX_DEPTH:
        raise WireError(f"a value nested more than {MAX_DEPTH} levels deep")
    kind = type(data)
    if kind is int:
        return _checked_int(data)
    if data is None or kind in (bool, float, str):
        return data
    if kind is list:
        budget[0] -= len(data)
        if budget[0] < 0:
            raise WireError(f"more than {MAX_ITEMS} items")
        flat = _flat(data) if _depth < MAX_DEPTH else None
        return flat if flat is not None else [decode(v, _depth + 1, budget) for v in data]
    if kind is dict:
        if set(data) <= {"__npy__", "scalar"} and "__npy__" in data:
            arr = _load_npy(data["__npy__"])
            budget[0] -= arr.size
            if budget[0] < 0:
                raise WireError(f"more than {MAX_ITEMS} numbers")
            return arr[()] if data.get("scalar") is True and arr.ndim == 0 else arr
        if set(data) == {"__dict__"} and type(data["__dict__"]) is dict:
            budget[0] -= len(data["__dict__"])
            if budget[0] < 0:
                raise WireError(f"more than {MAX_ITEMS} items")
            return {k: decode(v, _depth + 1, budget) for k, v in data["__dict__"].items()}
    raise WireError(f"unexpected data of type {kind.__name__}")


def dumps(value) -> str:
    """One line of JSON (no newline inside) holding ``encode(value)``."""
    return json.dumps(encode(value), separators=(",", ":"))


def loads(text: str | bytes):
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise WireError(f"malformed JSON ({type(exc).__name__})") from None
    return decode(data)
