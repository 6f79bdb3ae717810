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
can do anything else. While an answer is watched, an audit hook (installed when this module is
imported, before any submitted code runs in the grader's sandbox) also rejects what would take
code out of sight: switching the profile or trace function (``sys.setprofile``,
``sys.settrace``), adding an audit hook, walking the garbage collector, ctypes (all but reading
memory), running another
program (``subprocess``, ``os.exec*``, ``os.system``), sending signals and importing a loaded
module afresh; the profile function rejects starting a thread and setting up signals or the
garbage collector (seen as calls of those C functions). A trace function is suspended and
automatic garbage collection paused for the duration (both would run code unseen: the profile
function sees nothing inside a trace function, a finalizer or a callback that runs while it
runs itself). If the profile function is gone when the answer returns, the case fails too.

What the watch defends against
------------------------------
The answer runs in the same interpreter as the watch, so it can read everything the watch holds.
The watch therefore keeps nothing that the answer could change and that the verdict depends on:

- the functions that run while an answer is watched read no global name and no builtin (module
  attributes, ``sys.modules`` and ``builtins`` can be rebound by anyone) and keep no closure
  (cells can be set without an audit event); what they use is bound in their defaults when this
  module is imported, and the audit hook refuses to change their ``__code__`` or
  ``__defaults__``. ``watch`` itself is such a function, bound to its kit (a method of a tuple);
- the off-limits code is held in frozensets, compared by id, by an exact digest and by the
  structural fingerprint; the cache of verdicts is a C lru cache keyed by code ids (its entries
  are out of reach without the garbage collector);
- a use advances an ``itertools.count``, which nothing can set back, so a recorded violation
  stays recorded; the messages only word it;
- which watch is open in which thread is known only to the audit hook, and only the exit called
  by the ``with`` statement (from the frame that called ``watch``) may close it;
- nothing of the watch's runs a method of an object the answer handed it (a path object, a
  constant in a code object, an argument of an audit event) unless its type is exactly a builtin
  one, so no code of the answer's runs where the profile function cannot see it;
- in the sandbox, :func:`seal` hands the tables of the questions to come to the audit hook before
  any submitted code runs; from then on they are the only ones the watch uses, so a cell that
  rewrites this module, the library or ``sys.modules`` changes nothing.

What it cannot defend against
-----------------------------
Checking inside the process is not isolation. Code that can write any memory (ctypes,
a C extension built by the answer, a bug in CPython) defeats it; the watch therefore refuses
ctypes (all but reading memory) while watched and, once sealed, at all, and leaves other
processes to the sandbox. In the
student's own kernel (``check``), cells run unwatched before ``check`` and may rewrite this
module, install an audit hook or a thread that works unseen, or prepare objects with the garbage
collector: ``check`` is feedback, and the grade is decided in the sandbox, where those routes are
sealed. The sandbox's own trusted code (the module that calls ``watch``, its reports) is as
reachable from a cell as any other Python code; guarding it is the sandbox's job, not this
module's. Signals sent to the answer's process from outside (another process left running) run
their handlers unseen if they arrive while the profile function runs.

In the grader's sandbox, :func:`seal` additionally makes the reference answers and the source
of the loaded library unreadable (see its docstring). ``check(...)`` in the student's own
kernel uses the same :func:`watch`, which there also forbids the reference answer itself
(the ``globals()[q.name] = q.reference`` trick); the kernel is the student's, so what check
says is feedback and the grade is decided in the sandbox.
"""

from __future__ import annotations

import _thread
import gc
import hashlib
import itertools
import operator
import os
import signal
import sys
import types
from collections.abc import Callable, Iterable
from functools import _CacheInfo, _lru_cache_wrapper, cache
from importlib import import_module

try:
    import _posixsubprocess
except ImportError:  # pragma: no cover - not on POSIX
    _posixsubprocess = None

__all__ = ["OwnWorkError", "PREFIX", "MIN_UNITS", "watch", "protect", "seal", "codes_of",
           "statement",
           "fingerprint"]

#: What a violation's outcome starts with (the judge reports it as "failed").
PREFIX = "OwnWorkError: "
#: Code objects at least this long (in 2-byte bytecode units) are also matched by structure.
MIN_UNITS = 24

#: Audit events refused while an answer is watched: {event: what the message calls it}.
_DENIED_WHILE_WATCHED = {
    "sys.setprofile": "switching off the grader's watch (sys.setprofile)",
    "sys.settrace": "sys.settrace",
    "sys.addaudithook": "adding an audit hook",
    "subprocess.Popen": "running another program",
    "os.system": "running another program",
    "os.exec": "running another program",
    "os.posix_spawn": "running another program",
    "os.spawn": "running another program",
    "os.kill": "sending a signal",
    "os.killpg": "sending a signal",
    "gc.get_objects": "walking the garbage collector",
    "gc.get_referrers": "walking the garbage collector",
    "gc.get_referents": "walking the garbage collector",
}
#: ... and refused for good once the sandbox is sealed (cells included).
_DENIED_WHEN_SEALED = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                       "sys.addaudithook", "gc.get_objects", "gc.get_referrers",
                       "gc.get_referents")


#: ctypes events that neither write memory nor reach objects by address (reading may crash the
#: process, which costs only the answer or cell that does it)
_CTYPES_HARMLESS = frozenset({"ctypes.string_at", "ctypes.wstring_at", "ctypes.get_errno",
                              "ctypes.set_errno", "ctypes.get_last_error", "ctypes.set_last_error",
                              "ctypes.create_string_buffer", "ctypes.create_unicode_buffer"})


def _c_functions() -> tuple:
    """(C function, what the message calls it) refused while watched; seen as profile "c_call"
    events, so that no module attribute (``_thread.start_new_thread = ...``) matters."""
    found = [(_thread.start_new_thread, "starting a thread"),
             (getattr(_thread, "start_new", None), "starting a thread"),
             (getattr(_thread, "start_joinable_thread", None), "starting a thread"),
             (getattr(_posixsubprocess, "fork_exec", None), "running another program"),
             (gc.enable, "switching the garbage collector on"),
             (signal.signal, "installing a signal handler")]
    for name in ("setitimer", "alarm", "raise_signal", "pthread_kill", "set_wakeup_fd"):
        found.append((getattr(signal, name, None), "raising a signal"))
    return tuple((f, what) for f, what in found if f is not None)


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


# Everything below that runs while an answer is watched is "bound": it reads no global name (not
# even a builtin) and keeps no closure, only its own arguments and default values, all bound
# when this module is imported, before any submitted code runs. A function's ``__code__`` and
# ``__defaults__`` cannot be replaced without the audit event ``object.__setattr__``, which the
# audit hook refuses for these functions; its defaults are tuples, frozensets, strings, numbers,
# C functions or other bound functions, none of which submitted code can change. Module
# attributes, classes and dicts are never consulted, since submitted code can rewrite all of
# them (a class's ``__dict__`` too, through ``mappingproxy.__eq__``). Nothing bound calls a
# method of an object it was handed unless its type is exactly a builtin one, so no code of the
# answer's runs inside the profile function or the audit hook, where it would not be seen.
# tests/test_grading_ownwork.py checks that none of them loads a global name.

# structure ---------------------------------------------------------------------------------
#: A code object's qualified name (Python 3.11 and later; before, its name, which the exact
#: digest has anyway). A C attribute getter: no code of the answer's runs in it.
_qualname = operator.attrgetter("co_qualname" if hasattr(types.CodeType, "co_qualname")
                                else "co_name")


def _digest(code, exact, sha256=hashlib.sha256, repr=repr, type=type, tuple=tuple,
            sorted=sorted, len=len, str=str, bytes=bytes, int=int, float=float, complex=complex,
            bool=bool, frozenset=frozenset, CodeType=types.CodeType, min_units=MIN_UNITS,
            qualname=_qualname):
    """A digest of what ``code`` does: its bytecode, constants and the names it uses, and with
    ``exact`` also its own names, file and first line (None for a structural digest of code too
    short to tell apart). Constants of other types than the builtin ones count as "?"."""
    def text(s):
        return s if type(s) is str else "?"

    def const(c):
        t = type(c)
        if t is CodeType:
            return shape(c)
        if t is str or t is bytes or t is int or t is float or t is complex or t is bool \
                or c is None or c is ...:
            return repr(c)
        if t is tuple:
            return tuple(const(x) for x in c)
        if t is frozenset:
            return ("frozenset",) + tuple(sorted(repr(const(x)) for x in c))
        return "?"

    def shape(c):
        consts = c.co_consts
        if consts and type(consts[0]) is str:
            consts = consts[1:]  # the docstring (or a first string constant): never telling
        out = (c.co_code, c.co_argcount, c.co_posonlyargcount, c.co_kwonlyargcount, c.co_flags,
               c.co_names, tuple(const(x) for x in consts))
        if exact:
            out += (text(c.co_name), text(qualname(c)), text(c.co_filename), c.co_firstlineno,
                    c.co_varnames)
        return out

    if not exact and len(code.co_code) // 2 < min_units:
        return None
    return sha256(repr(shape(code)).encode()).digest()


def fingerprint(code: types.CodeType) -> bytes | None:
    """A digest of what ``code`` does (None for code too short to tell apart)."""
    return _digest(code, False)


def _combine(names, entries, extra=(), dict=dict, set=set, id=id, len=len, frozenset=frozenset,
             tuple=tuple, ValueError=ValueError):
    """The tables of one watch, from the entries of its off-limits names (see :func:`_entry`)
    and ``extra`` ((code, name) pairs matched by identity and exact copies only):
    (ids of the code objects, exact digests, fingerprints, ((id or digest, name), ...),
    co_code lengths, the code objects). A fingerprint that allowed library code also has is
    left out."""
    found, library = {}, {}
    for name in names:
        for entry in entries:
            if entry[0] == name:
                for code, fp, exact in entry[1]:
                    if id(code) not in found:
                        found[id(code)] = (code, fp, exact, name)
                for fp, n in entry[2]:
                    library[fp] = n
                break
        else:
            raise ValueError(f"the off-limits name {name!r} was not sealed in this process")
    for code, exact, name in extra:
        if id(code) not in found:
            found[id(code)] = (code, None, exact, name)
    mine = {}
    for _, fp, _, _ in found.values():
        if fp is not None:
            mine[fp] = mine.get(fp, 0) + 1
    named, prints, sizes = [], set(), set()
    for key, (code, fp, exact, name) in found.items():
        named += [(key, name), (exact, name)]
        sizes.add(len(code.co_code))
        if fp is not None and library.get(fp, 0) <= mine[fp]:
            prints.add(fp)
            named.append((fp, name))
    exacts = frozenset(exact for code, fp, exact, name in found.values())
    return (frozenset(found), exacts, frozenset(prints), tuple(named), frozenset(sizes),
            tuple(code for code, fp, exact, name in found.values()))


def _classify(context, key, id=id, len=len, digest=_digest, ValueError=ValueError):
    """(code, the off-limits name it belongs to or None) for the code object in ``slot[0]``,
    whose id is ``key``. Called through a per-watch cache keyed by the id, which keeps the code
    alive (so that no other code gets its id while the watch lasts)."""
    tables, slot = context
    code = slot[0]
    if id(code) != key:
        raise ValueError("the grader's watch was handed the wrong code object")
    ids, exacts, prints, named, sizes, _ = tables
    hit = key if key in ids else None
    if hit is None and len(code.co_code) in sizes:
        exact = digest(code, True)
        if exact in exacts:
            hit = exact
        else:
            fp = digest(code, False)
            if fp is not None and fp in prints:
                hit = fp
    if hit is None:
        return code, None
    for k, name in named:
        if k == hit:
            return code, name
    return code, "code off limits"


# watching ----------------------------------------------------------------------------------
# The state of one watch is a tuple: (question id, cache, slot, strikes, messages, on_violation,
# id of the frame that runs the with statement, modules loaded when it started). ``strikes`` is
# an itertools.count: a use is recorded by advancing it, and nothing can set it back, so a
# violation stays recorded whatever the answer does with the state it can read
# (``sys.getprofile().__self__``). The cache is a C lru cache (its entries are out of reach
# without the garbage collector, refused while watched). ``messages`` only words the error.

def _strike(state, what, next=next, Exception=Exception, OwnWorkError=OwnWorkError,
            prefix=PREFIX):
    """Record a use of ``what`` for good, report it once, and raise."""
    message = f"{state[0]} must be your own code: {what} is not allowed in this answer"
    if next(state[3]) == 0:
        state[4].append(message)
        if state[5] is not None:
            try:
                state[5](prefix + message)
            except Exception:
                pass
    raise OwnWorkError(message)


_REFUSED_C = _c_functions()
# (C functions hash and compare by identity: no code of the answer's runs in the lookup)
_REFUSED_C_SET = frozenset(f for f, _ in _REFUSED_C)


def _profile(state, frame, event, arg, id=id, strike=_strike, Exception=Exception,
             refused=_REFUSED_C_SET, named=_REFUSED_C):
    if event == "call":
        code = frame.f_code
        state[2][0] = code  # (the cache keeps it alive: no code is freed in here)
        try:
            name = state[1](id(code))[1]
        except Exception:
            name = "code the grader could not inspect"
        if name is not None:
            strike(state, name)
    elif event == "c_call" and arg in refused:
        for f, what in named:
            if f is arg:
                strike(state, what)


def _enter(context, setprofile=sys.setprofile, settrace=sys.settrace, audit=sys.audit,
           gc_disable=gc.disable):
    state, profile, previous, trace, collecting = context
    setprofile(profile)  # refused inside another watch
    settrace(None)  # a trace function runs unseen by the profile function
    gc_disable()  # finalizers and gc callbacks could run inside the profile function, unseen
    audit("mlpbook.ownwork.open", state)


def _exit(context, kind, value, tb, getprofile=sys.getprofile, setprofile=sys.setprofile,
          settrace=sys.settrace, audit=sys.audit, gc_enable=gc.enable, next=next, type=type,
          str=str, OwnWorkError=OwnWorkError):
    state, profile, previous, trace, collecting = context
    intact = getprofile() is profile
    audit("mlpbook.ownwork.close", state)  # the hook checks that this is the with statement
    setprofile(previous)
    settrace(trace)
    if collecting:
        gc_enable()
    strikes = next(state[3])
    if strikes == 0 and intact:
        return False
    messages, own = state[4], f"{state[0]} must be your own code: "
    if strikes == 0:
        message = own + "switching off the grader's watch is not allowed in this answer"
    elif messages and type(messages[0]) is str and messages[0].startswith(own):
        message = messages[0]
    else:
        message = own + "code off limits ran in this answer"
    raise OwnWorkError(message)


def _watch(kit, question_id, forbidden=(), also=(), on_violation=None):
    """Run the body with the code of ``forbidden`` (and of the functions ``also``, matched by
    identity and exact copies only) off limits; raises :class:`OwnWorkError` at the end if it
    was used, whatever the body did with the exception raised at the use. ``on_violation`` is
    called at the first use, with the message. The ``with`` statement must run in the frame
    that called ``watch``."""
    (getframe, getprofile, gettrace, audit, gc_isenabled, MethodType, staticmethod, type, tuple,
     list, id, frozenset, count, lru, CacheInfo, modules, classify, profile_f, enter, exit_,
     unsealed_tables) = kit
    names = tuple(forbidden)
    found = []
    audit("mlpbook.ownwork.tables", names, found)  # the tables sealed in this process, if any
    tables = found[0] if found else unsealed_tables(names, also)
    slot = [None]
    cache = lru(MethodType(classify, (tables, slot)), None, False, CacheInfo)
    state = (question_id, cache, slot, count(), [], on_violation, id(getframe(1)),
             frozenset(modules))
    context = (state, MethodType(profile_f, state), getprofile(), gettrace(), gc_isenabled())
    return type("watching", (), {"__slots__": (), "__enter__": staticmethod(MethodType(
        enter, context)), "__exit__": staticmethod(MethodType(exit_, context))})()


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


_DENIED_PAIRS = tuple(_DENIED_WHILE_WATCHED.items())  # (immutable: the hook's copy)


# the audit hook ------------------------------------------------------------------------------
def _hook(registry, event, args, get_ident=_thread.get_ident, getframe=sys._getframe, type=type,
          tuple=tuple, list=list, str=str, bytes=bytes, int=int, len=len, id=id, all=all,
          frozenset=frozenset,
          strike=_strike, combine=_combine, exit_code=_exit.__code__,
          denied=frozenset(_DENIED_WHILE_WATCHED), named=_DENIED_PAIRS,
          denied_sealed=frozenset(_DENIED_WHEN_SEALED), repr=repr, harmless=_CTYPES_HARMLESS,
          fsdecode=os.fsdecode, stat=os.stat, realpath=os.path.realpath, sep=os.sep,
          OSError=OSError, TypeError=TypeError, ValueError=ValueError,
          PermissionError=PermissionError, ImportError=ImportError):
    """The one audit hook (installed when this module is imported). ``registry`` maps a thread
    to the state of the watch open in it, and "sealed" to what :func:`seal` sealed; both are
    out of reach of submitted code (the garbage collector is refused while watched and once
    sealed)."""
    if event == "object.__getattr__" or event == "sys._getframe":
        return
    state = registry.get(get_ident())
    sealed = registry.get("sealed")
    if event == "object.__setattr__" or event == "object.__delattr__":
        if args and id(args[0]) in registry["guarded"]:
            if state is not None:
                strike(state, "changing the grader's watch")
            raise PermissionError("the grader's watch cannot be changed")
        return
    if event.startswith("mlpbook.ownwork."):
        what = event[16:]
        if what == "open" and len(args) == 1 and type(args[0]) is tuple:
            if state is not None:
                strike(state, "starting a watch inside a watch")
            registry[get_ident()] = args[0]
        elif what == "close" and state is not None:
            caller = getframe(1)
            if not (len(args) == 1 and args[0] is state and caller.f_code is exit_code
                    and id(caller.f_back) == state[6]):
                strike(state, "switching off the grader's watch")
            del registry[get_ident()]
        elif what == "tables" and sealed is not None and len(args) == 2 \
                and type(args[0]) is tuple and all(type(n) is str for n in args[0]) \
                and type(args[1]) is list:
            list.append(args[1], combine(args[0], sealed[3]))
        elif what == "seal" and sealed is None and len(args) == 1 and type(args[0]) is tuple:
            registry["sealed"] = args[0]
        elif what == "protect" and sealed is None and len(args) == 1 and type(args[0]) is tuple:
            guarded = registry["guarded"]
            for f in args[0]:
                guarded = guarded | frozenset((id(f),))
            registry["guarded"] = guarded
        return
    if state is not None:
        what = None
        if event in denied:
            if event == "sys.setprofile" and repr(state[3]) != "count(0)":
                return  # CPython drops the profile function after it raised at a use
            for e, said in named:
                if e == event:
                    what = said
        if what is None and event.startswith("ctypes.") and event not in harmless:
            what = "raw memory access (ctypes)"
        if what is None and event == "import" and args and type(args[0]) is str \
                and args[0] in state[7]:
            what = f"importing the loaded module {args[0]} afresh"
        if what is not None:
            strike(state, what)
    if sealed is None:
        return
    if event == "open" and args and type(args[0]) is not int:
        path = args[0]
        if type(path) is not str and type(path) is not bytes:
            if state is not None:  # os.fspath would run the answer's code in here, unseen
                raise PermissionError("while graded, open files by str or bytes paths")
        try:
            text = fsdecode(path)
            st = stat(path)
        except (OSError, TypeError, ValueError):
            return
        if (st.st_dev, st.st_ino) in sealed[0] or sealed[1] in text.replace(sep, "/") or \
                sealed[1] in realpath(text).replace(sep, "/"):
            raise PermissionError(f"{text} is out of reach of submitted code")
    elif event == "import" and args and type(args[0]) is str and (
            args[0] in sealed[2] or args[0].startswith("mlpbook.grading.sets")):
        raise ImportError(f"{args[0]} may not be imported (again) by submitted code")
    elif event in denied_sealed or event.startswith("ctypes.") and event not in harmless:
        raise PermissionError(f"submitted code may not do this in the grader ({event})")


def _unsealed_tables(names: tuple, also: Iterable[Callable]) -> tuple:
    """The tables of a watch where nothing is sealed (``check`` in the student's kernel)."""
    extra = tuple((c, _digest(c, True), "the reference answer") for f in also
                  for g in _functions_of(f) for c in _nested(g.__code__))
    return _combine(names, _table(names), extra) if extra else _combine(names, _table(names))


@cache
def _library_fingerprints(modules: frozenset) -> tuple:
    """((fingerprint, how many code objects of the loaded library have it), ...)."""
    count: dict[bytes, int] = {}
    for name in sorted(modules):
        module = sys.modules.get(name)
        if module is None:
            continue
        for f in _functions_of(module):
            for code in _nested(f.__code__):
                fp = fingerprint(code)
                if fp is not None:
                    count[fp] = count.get(fp, 0) + 1
    return tuple(count.items())


def _entry(name: str, library: dict) -> tuple:
    """(name, ((code, fingerprint, exact digest), ...), ((fingerprint, count in the library),
    ...)) for one off-limits name."""
    found = tuple((c, fingerprint(c), _digest(c, True)) for c in codes_of([name]))
    return (name, found, tuple((fp, library.get(fp, 0)) for _, fp, _ in found if fp is not None))


@cache
def _table(names: tuple[str, ...]) -> tuple:
    """The entries of ``names`` (immutable, so that a cached one cannot be altered)."""
    library = dict(_library_fingerprints(frozenset(
        m for m in list(sys.modules) if m == "mlpbook" or m.startswith("mlpbook.")
        and not m.startswith("mlpbook.grading"))))
    return tuple(_entry(n, library) for n in dict.fromkeys(names))


_KIT = (sys._getframe, sys.getprofile, sys.gettrace, sys.audit, gc.isenabled, types.MethodType,
        staticmethod, type, tuple, list, id, frozenset, itertools.count, _lru_cache_wrapper,
        _CacheInfo, sys.modules, _classify, _profile, _enter, _exit, _unsealed_tables)
#: ``watch(question_id, forbidden=(), also=(), on_violation=None)``: see :func:`_watch`.
watch = types.MethodType(_watch, _KIT)

#: The functions the audit hook refuses to let change (``__code__``, ``__defaults__``, ...).
_BOUND = (_digest, _combine, _classify, _strike, _profile, _enter, _exit, _watch, _hook)
_registry: dict = {"guarded": frozenset(id(f) for f in _BOUND)}
sys.addaudithook(types.MethodType(_hook, _registry))
del _registry  # from here on, only the hook holds it


def protect(*functions: Callable) -> None:
    """Before :func:`seal`: refuse from now on any change of the code or defaults of
    ``functions`` (the grader's own functions that enter a watch; they keep what they use as
    default values). The functions are kept alive, so no other object takes their ids."""
    _protected.extend(functions)
    sys.audit("mlpbook.ownwork.protect", tuple(functions))


_protected: list = []


def seal(forbidden: Iterable[str] = ()) -> None:
    """In the grader's sandbox, before any submitted code runs: resolve the off-limits names of
    the questions to come (loading their modules) and hand their tables to the audit hook, which
    from then on is the only source of tables for :func:`watch` (so no later change to this
    module, the library or ``sys.modules`` alters them), then make out of reach for good

    - the reference answers: ``mlpbook.grading.sets`` cannot be imported, and no file of it
      (nor of any other copy of it, by path or through a link) can be opened;
    - the source of every library module loaded so far, and its bytecode (structural matching
      would catch its rebuilt functions anyway; this stops the reading);
    - running other programs and ctypes, all but reading memory (a program started from the
      sandbox would not be watched; ctypes writes any memory);
    - audit hooks and the garbage collector's walks (a hook runs unseen by the profile
      function; the walks reach the hook's own state);
    - a fresh import of a loaded module.

    Only the first call seals; a later one cannot replace what it sealed.
    """
    names = tuple(dict.fromkeys(forbidden))
    entries = _table(names) if names else ()
    sets_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sets")
    if "mlpbook.grading.sets" in sys.modules:
        raise RuntimeError("the reference answers are loaded in this process; the sandbox must "
                           "not import mlpbook.grading.sets")
    files = []
    for root, _, found in os.walk(sets_dir):
        files += [os.path.join(root, f) for f in found]
    for name, module in list(sys.modules.items()):
        if name == "mlpbook" or name.startswith("mlpbook."):
            # the source and its compiled bytecode, where Python keeps one (a reload reads it)
            files += [p for p in (getattr(module, "__file__", None),
                                  getattr(module, "__cached__", None)) if p]
    inodes = set()
    for f in files:
        try:
            st = os.stat(f)
        except OSError:
            continue
        inodes.add((st.st_dev, st.st_ino))
    sys.modules["mlpbook.grading.sets"] = None  # an import raises ImportError
    sys.audit("mlpbook.ownwork.seal", (frozenset(inodes), "/mlpbook/grading/sets/",
                                       frozenset(sys.modules), entries))
