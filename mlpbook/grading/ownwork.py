"""The student's own work: while an answer runs, the library code that implements what the
question asks may not run.

Each question declares the ``mlpbook`` names that implement what it asks (``forbidden``: a
function or method such as ``"mlpbook.Dense.backward"``, a class such as ``"mlpbook.Dropout"``
(all of its methods), or a module such as ``"mlpbook.autodiff"`` (everything defined in it)).
Everything else (NumPy, and the library's other functions: the allowed building blocks) stays
usable. :func:`watch` wraps the one call of a student's function on one case::

    with watch("06.dense_backward", ("mlpbook.Dense.backward",)):
        value = invoke(function, args)

How it sees a use
-----------------
A profile function (``sys.setprofile``) sees every Python call while the answer runs and
compares the code object of the called frame with the code objects of the forbidden names,
nested functions and lambdas included. So the route to the code does not matter: an alias, a
``getattr`` chain, ``importlib``, a subclass calling ``super()``, or a copy of the function
taken in an earlier cell (``types.FunctionType(f.__code__, ...)``, ``copy``) all end in the
same code object. Code that was *rebuilt* from the library (the package's source files read
and ``exec``-ed again, ``importlib.reload``, ``marshal``, ``code.replace``) has new code objects
with the same structure: each code object with at least :data:`MIN_UNITS` bytecode units is
also compared by a fingerprint of its bytecode, constants and the names it uses (not its own
name, local variable names, file, line numbers or docstring). Fingerprints that also belong to
allowed library code are left out, so structural matching never rejects an allowed building
block.

A use is recorded at once and fails the case even when the answer catches the exception
raised at the forbidden call: the ``with`` block then raises :class:`OwnWorkError` whatever the
answer did, and a callback (``on_violation``, used by the sandbox) reports it before the answer
can do anything else. While an answer is watched, an audit hook (installed once, before any
submitted code runs in the grader's sandbox) also rejects what would take code out of sight:
switching the profile function off (``sys.setprofile``, ``sys.settrace``), starting a thread,
running another program (``subprocess``, ``os.exec*``, ``os.system``), loading new C symbols
(``ctypes``), walking the garbage collector, and importing a loaded module afresh. If the
profile function is gone when the answer returns, the case fails too.

In the grader's sandbox, :func:`seal` additionally makes the reference answers and the source
of the loaded library unreadable (see its docstring). ``check(...)`` in the student's own
kernel uses the same :func:`watch`, which there also forbids the reference answer itself
(the ``globals()[q.name] = q.reference`` trick); the kernel is the student's, so what check
says is feedback and the grade is decided in the sandbox.
"""

from __future__ import annotations

import _thread
import builtins
import hashlib
import os
import sys
import threading
import types
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from functools import cache
from importlib import import_module

__all__ = ["OwnWorkError", "PREFIX", "MIN_UNITS", "watch", "seal", "codes_of", "statement",
           "check_names"]

#: What a violation's outcome starts with (the judge reports it as "failed").
PREFIX = "OwnWorkError: "
#: Code objects at least this long (in 2-byte bytecode units) are also matched by structure.
MIN_UNITS = 24

# Captured when this module is imported, before any submitted code runs.
_setprofile, _getprofile, _write, _stat = sys.setprofile, sys.getprofile, os.write, os.stat
_get_ident, _isinstance, _Exception = _thread.get_ident, builtins.isinstance, Exception
_start_new_thread = _thread.start_new_thread

_DENIED_WHILE_WATCHED = {
    "sys.setprofile": "switching off the grader's watch (sys.setprofile)",
    "sys.settrace": "sys.settrace",
    "subprocess.Popen": "running another program",
    "os.system": "running another program",
    "os.exec": "running another program",
    "os.posix_spawn": "running another program",
    "os.spawn": "running another program",
    "ctypes.dlopen": "loading C code (ctypes)",
    "ctypes.dlsym": "loading C code (ctypes)",
    "gc.get_objects": "walking the garbage collector",
    "gc.get_referrers": "walking the garbage collector",
    "gc.get_referents": "walking the garbage collector",
}
_DENIED_WHEN_SEALED = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                       "ctypes.dlopen", "ctypes.dlsym")


class OwnWorkError(Exception):
    """An answer used library code that its question puts off limits."""


# names -> code objects ---------------------------------------------------------------------
def _resolve(name: str):
    if not (isinstance(name, str) and name.startswith("mlpbook.")):
        raise ValueError(f"an off-limits name must be a dotted name in mlpbook, such as "
                         f"'mlpbook.Dense.backward'; got {name!r}")
    parts = name.split(".")
    obj = import_module(parts[0])
    for i, part in enumerate(parts[1:], start=1):
        if isinstance(obj, types.ModuleType) and part not in vars(obj):
            try:
                import_module(".".join(parts[: i + 1]))  # a submodule not loaded yet
            except ImportError:
                pass
        if isinstance(obj, type):  # the attribute as the class defines it (a property stays one)
            obj = next((vars(k)[part] for k in obj.__mro__ if part in vars(k)), None)
        else:
            obj = vars(obj).get(part)
        if obj is None:
            raise ValueError(f"off-limits name {name!r}: {'.'.join(parts[:i])} has no "
                             f"attribute {part!r}")
    return obj


def _functions_of(obj, module: str | None = None) -> Iterable[types.FunctionType]:
    """The Python functions that make up ``obj`` (a function, property, class or module)."""
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    if isinstance(obj, property):
        yield from (f for f in (obj.fget, obj.fset, obj.fdel) if f is not None)
    elif isinstance(obj, types.FunctionType):
        yield obj
        wrapped = getattr(obj, "__wrapped__", None)
        if isinstance(wrapped, types.FunctionType):
            yield wrapped
    elif isinstance(obj, types.MethodType):
        yield from _functions_of(obj.__func__)
    elif isinstance(obj, type):
        for value in vars(obj).values():
            if not isinstance(value, type):
                yield from _functions_of(value)
    elif isinstance(obj, types.ModuleType):
        for value in vars(obj).values():
            if getattr(value, "__module__", None) == obj.__name__:
                yield from _functions_of(value)


def _nested(code: types.CodeType) -> Iterable[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _nested(const)


def codes_of(names: Iterable[str]) -> dict[types.CodeType, str]:
    """{code object: the declared name it belongs to} for every function behind ``names``."""
    out: dict[types.CodeType, str] = {}
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for name in names:
        # the library's own code (and what dataclasses generate for its classes), not helpers
        # of the standard library that wrap it
        found = [c for f in _functions_of(_resolve(name)) for c in _nested(f.__code__)
                 if c.co_filename.startswith(package) or c.co_filename == "<string>"]
        if not found:
            raise ValueError(f"off-limits name {name!r} names no Python code")
        for code in found:
            out.setdefault(code, name)
    return out


def check_names(names: Iterable[str]) -> None:
    """Raise ValueError unless every name resolves to library code."""
    codes_of(names)


# structure ---------------------------------------------------------------------------------
def _shape(code: types.CodeType) -> tuple:
    consts = list(code.co_consts)
    if consts and isinstance(consts[0], str):
        consts = consts[1:]  # the docstring (or a first string constant): never telling
    return (code.co_code, code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount,
            code.co_flags, code.co_names,
            tuple(_shape(c) if isinstance(c, types.CodeType) else (type(c).__name__, repr(c))
                  for c in consts))


def fingerprint(code: types.CodeType) -> bytes | None:
    """A digest of what ``code`` does (None for code too short to tell apart)."""
    if len(code.co_code) // 2 < MIN_UNITS:
        return None
    return hashlib.sha256(repr(_shape(code)).encode()).digest()


@cache
def _library_fingerprints(modules: frozenset) -> dict[bytes, int]:
    """{fingerprint: how many code objects of the loaded library have it}."""
    count: dict[bytes, int] = {}
    for name in modules:
        module = sys.modules.get(name)
        if module is None:
            continue
        for f in _functions_of(module):
            for code in _nested(f.__code__):
                fp = fingerprint(code)
                if fp is not None:
                    count[fp] = count.get(fp, 0) + 1
    return count


@cache
def _table(names: tuple[str, ...]) -> tuple[dict, dict]:
    """(codes, fingerprints) of the forbidden names; a fingerprint shared with allowed library
    code is left out."""
    codes = codes_of(names)
    library = _library_fingerprints(frozenset(
        m for m in list(sys.modules) if m == "mlpbook" or m.startswith("mlpbook.")
        and not m.startswith("mlpbook.grading")))
    mine: dict[bytes, int] = {}
    for code in codes:
        fp = fingerprint(code)
        if fp is not None:
            mine[fp] = mine.get(fp, 0) + 1
    prints = {}
    for code, name in codes.items():
        fp = fingerprint(code)
        if fp is not None and library.get(fp, 0) <= mine[fp]:
            prints.setdefault(fp, name)
    return codes, prints


def statement(names: Iterable[str]) -> str:
    """The line of an exercise statement that says what is off limits."""
    names = list(names)
    if not names:
        return ("**Off limits:** nothing in `mlpbook`: NumPy and the library may help (the "
                "reference answer itself excepted).")
    listed = ", ".join(f"`{n}`" for n in names)
    them = "it" if len(names) == 1 else "them"
    return (f"**Off limits:** {listed}. Your function may not use {them} (`check` and the "
            "grader reject an answer that does); NumPy and the rest of the library may help.")


# watching ----------------------------------------------------------------------------------
class _Watch:
    def __init__(self, question_id: str, codes: dict, prints: dict,
                 on_violation: Callable[[str], None] | None):
        self.question_id, self.codes, self.prints = question_id, dict(codes), prints
        self.on_violation, self.violation = on_violation, None
        self.thread = _get_ident()
        self.modules = frozenset(sys.modules)
        self.seen: dict = {}

    def violate(self, what: str) -> None:
        if self.violation is None:
            self.violation = f"{self.question_id} must be your own code: {what} is not allowed " \
                             "in this answer"
            if self.on_violation is not None:
                try:
                    self.on_violation(PREFIX + self.violation)
                except _Exception:
                    pass
        raise OwnWorkError(self.violation)

    def classify(self, code) -> str | None:
        name = self.codes.get(code)
        if name is None and _isinstance(code, types.CodeType):
            fp = fingerprint(code)
            name = self.prints.get(fp) if fp is not None else None
        self.seen[code] = name
        return name

    def profile(self, frame, event, arg):
        if event != "call":
            return
        code = frame.f_code
        try:
            name = self.seen[code] if code in self.seen else self.classify(code)
        except _Exception:
            name = "code the grader could not inspect"
        if name is not None:
            self.violate(name)


_active: list[_Watch] = []
_sealed: dict = {}


def _audit(event: str, args: tuple) -> None:
    w = _active[-1] if _active else None
    if w is not None and _get_ident() == w.thread:  # (other threads: the kernel's)
        what = _DENIED_WHILE_WATCHED.get(event)
        if what is None and event == "import" and args and args[0] in w.modules:
            what = f"importing the loaded module {args[0]} afresh"
        if what is not None:
            w.violate(what)
    if _sealed:
        _sealed_audit(event, args)


def _sealed_audit(event: str, args: tuple) -> None:
    if event == "open" and args and not _isinstance(args[0], int):
        path = args[0]
        try:
            text = os.fsdecode(path)
            st = _stat(path)
        except (OSError, TypeError, ValueError):
            return
        if (st.st_dev, st.st_ino) in _sealed["inodes"] or \
                _sealed["marker"] in os.path.realpath(text).replace(os.sep, "/"):
            raise PermissionError(f"{text} is out of reach of submitted code")
    elif event == "import" and args and _isinstance(args[0], str) and (
            args[0] in _sealed["modules"] or args[0].startswith("mlpbook.grading.sets")):
        raise ImportError(f"{args[0]} may not be imported (again) by submitted code")
    elif event in _DENIED_WHEN_SEALED:
        raise PermissionError(f"submitted code may not do this in the grader ({event})")


_installed = []


def _install_audit_hook() -> None:
    if not _installed:
        sys.addaudithook(_audit)
        _installed.append(True)


def _no_threads(*args, **kwargs):
    if _active and _get_ident() == _active[-1].thread:
        _active[-1].violate("starting a thread")
    return _start_new_thread(*args, **kwargs)


@contextmanager
def watch(question_id: str, forbidden: Iterable[str] = (), also: Iterable[Callable] = (),
          on_violation: Callable[[str], None] | None = None):
    """Run the body with the code of ``forbidden`` (and of the functions ``also``, matched by
    identity only) off limits; raises :class:`OwnWorkError` at the end if it was used, whatever
    the body did with the exception raised at the use."""
    codes, prints = _table(tuple(forbidden))
    extra = {c: "the reference answer" for f in also for g in _functions_of(f)
             for c in _nested(g.__code__)}
    w = _Watch(question_id, {**extra, **codes}, prints, on_violation)
    _install_audit_hook()
    previous = _getprofile()
    threads = (_thread.start_new_thread, threading._start_new_thread)
    _thread.start_new_thread = threading._start_new_thread = _no_threads
    _setprofile(w.profile)
    _active.append(w)
    try:
        yield w
    finally:
        intact = _getprofile() == w.profile
        _active.remove(w)
        _setprofile(previous)
        if not _sealed:  # in the sandbox, the guards stay in place (see seal)
            _thread.start_new_thread, threading._start_new_thread = threads
        if w.violation is None and not intact:
            w.violation = f"{question_id} must be your own code: switching off the grader's " \
                          "watch is not allowed in this answer"
        if w.violation is not None:
            raise OwnWorkError(w.violation)


def seal(forbidden: Iterable[str] = ()) -> None:
    """In the grader's sandbox, before any submitted code runs: resolve the off-limits names of
    the questions to come (loading their modules), then make out of reach for good

    - the reference answers: ``mlpbook.grading.sets`` cannot be imported, and no file of it
      (nor of any other copy of it, by path or through a link) can be opened;
    - the source of every library module loaded so far (structural matching would catch its
      rebuilt functions anyway; this stops the reading);
    - running other programs and loading C symbols with ctypes (a program started from the
      sandbox would not be watched);
    - a fresh import of a loaded module (a second ``_thread`` would start unwatched threads);
    - threads started with the original ``_thread.start_new_thread``, which is replaced here.
    """
    names = tuple(dict.fromkeys(forbidden))
    if names:
        _table(names)
    sets_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sets")
    if "mlpbook.grading.sets" in sys.modules:
        raise RuntimeError("the reference answers are loaded in this process; the sandbox must "
                           "not import mlpbook.grading.sets")
    files = []
    for root, _, found in os.walk(sets_dir):
        files += [os.path.join(root, f) for f in found]
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if (name == "mlpbook" or name.startswith("mlpbook.")) and path:
            files.append(path)
    inodes = set()
    for f in files:
        try:
            st = os.stat(f)
        except OSError:
            continue
        inodes.add((st.st_dev, st.st_ino))
    sys.modules["mlpbook.grading.sets"] = None  # an import raises ImportError
    _thread.start_new_thread = threading._start_new_thread = _no_threads
    _sealed.update(inodes=frozenset(inodes), marker="/mlpbook/grading/sets/",
                   modules=frozenset(sys.modules))
    _install_audit_hook()
