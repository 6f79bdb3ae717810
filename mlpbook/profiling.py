"""Counting the work a function does instead of timing it.

Seconds depend on the machine and on what else runs on it; the number of lines of Python the
interpreter executes does not. Chapters 01 and 02 use it to show why loops over samples and
neurons are slow and matrix products fast: the looped code executes a few lines per scalar
multiply-add, the vectorised code a few lines per layer, whatever the batch size.

- ``count_lines(f, *args, **kwargs)``: run ``f`` and count the line events of its own body.
"""

from __future__ import annotations

import sys

__all__ = ["count_lines"]


def count_lines(f, *args, **kwargs):
    """Run ``f(*args, **kwargs)``; return ``(result, n)`` with n the number of lines of f's own
    body that the interpreter executed.

    A line inside a loop counts once per pass, and so does the ``for`` line itself (one event per
    iteration, as Python's tracing reports it since 3.10, PEP 626). Lines of the functions f calls
    (NumPy's, the library's, a comprehension's or a nested function's own frame) are not counted:
    the count measures the interpreted work written in f, independently of how the callees are
    implemented. Keep the statements of f on single lines for counts that do not depend on the
    Python version.

    f : a plain Python function (not a builtin, which has no lines to count).
    """
    code = getattr(f, "__code__", None)
    if code is None:
        raise TypeError(f"count_lines: expected a Python function; got {f!r}, which has no "
                        "__code__ (builtins and C functions execute no Python lines)")
    n = 0

    def local(frame, event, arg):
        nonlocal n
        if event == "line":
            n += 1
        return local

    def dispatch(frame, event, arg):
        return local if frame.f_code is code else None

    previous = sys.gettrace()
    sys.settrace(dispatch)
    try:
        result = f(*args, **kwargs)
    finally:
        sys.settrace(previous)
    return result, n
