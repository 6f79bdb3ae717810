"""Near-identical answers across a class's submissions.

Every function a submission defines is normalised with :mod:`ast`: comments, docstrings and
formatting disappear, and every local name (arguments, assigned variables, loop variables,
inner functions) is renamed by its order of appearance, so that renaming variables or
rewording comments changes nothing. Names the function takes from outside (``np``, ``mb``,
builtins, attributes such as ``.sum``) are kept. The exercise's starter code is left out,
wherever the package is installed: a function that still ends by raising
``NotImplementedError`` (the stub every question of an exercise notebook starts from, see
:data:`mlpbook.grading.exercises.STUB`) answers nothing; and where the exercise notebooks are
at hand (a checkout's ``exercises/``, or ``starter_dir``), any function identical to one of them
is left out too. Two submissions of the same set are compared function by function with
:class:`difflib.SequenceMatcher` on the normalised token sequences; a pair is listed when at
least ``min_functions`` answered functions match with a ratio of at least ``threshold``.

A submission's exercise set is read from its own metadata (``mlpbook.exercise_set``), else from a
set name in its file name; a submission whose set cannot be told, or that is not a readable
notebook, is listed as left out (:class:`Comparison`), never dropped silently.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import json
import re
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

__all__ = ["normalized_functions", "Pair", "Comparison", "compare", "similar_pairs",
           "format_pairs", "format_comparison", "is_stub", "starter_sources"]

_BUILTINS = set(dir(builtins))
_MAGIC = re.compile(r"^\s*[%!]")


class _Renamer(ast.NodeTransformer):
    def __init__(self, local: set[str]):
        self.local, self.names = local, {}

    def _new(self, name: str) -> str:
        if name not in self.local:
            return name
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_Name(self, node):
        node.id = self._new(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self._new(node.arg)
        node.annotation = None
        return node

    def visit_FunctionDef(self, node):
        node.name = self._new(node.name)
        node.returns = None
        if node.body and isinstance(node.body[0], ast.Expr) and \
                isinstance(node.body[0].value, ast.Constant) and \
                isinstance(node.body[0].value.value, str):
            node.body = node.body[1:] or [ast.Pass()]
        self.generic_visit(node)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self.generic_visit(node)
        return node


def _locals(fn: ast.FunctionDef) -> set[str]:
    names = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node is not fn:
            names.add(node.name)
    return names - _BUILTINS


def _tokens(fn: ast.FunctionDef) -> tuple[str, ...]:
    fn = ast.parse(ast.unparse(fn)).body[0]  # a private copy
    fn.name = "f"
    tree = _Renamer(_locals(fn) - {"f"}).visit(fn)
    return tuple(t for t in re.split(r"[\s(),=']+", ast.dump(tree, annotate_fields=False))
                 if t and t not in ("Load", "Store"))


def is_stub(fn: ast.FunctionDef) -> bool:
    """Whether ``fn`` still ends by raising ``NotImplementedError``: the stub of an exercise
    (lines given before it included), not an answer."""
    last = fn.body[-1] if fn.body else None
    if not isinstance(last, ast.Raise) or last.exc is None:
        return False
    exc = last.exc.func if isinstance(last.exc, ast.Call) else last.exc
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def _functions(sources: list[str]) -> dict[str, tuple[ast.FunctionDef, str]]:
    """{name: (the top-level function, the text of its cell)} in ``sources``; a later
    definition replaces an earlier one; cells that do not parse are skipped."""
    out = {}
    for src in sources:
        text = "\n".join("pass" if _MAGIC.match(line) else line for line in src.splitlines())
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out[node.name] = (node, text)
    return out


def normalized_functions(sources: list[str], stubs: bool = True) -> dict[str, tuple[str, ...]]:
    """{function name: normalised tokens} of the top-level functions in ``sources`` (code
    cells; a later definition replaces an earlier one; cells that do not parse are skipped);
    with ``stubs=False``, without the functions that are still stubs (:func:`is_stub`)."""
    return {name: _tokens(fn) for name, (fn, _) in _functions(sources).items()
            if stubs or not is_stub(fn)}


def starter_sources(sources: list[str]) -> dict[str, str]:
    """{name: source} of the functions given in full in starter code (not stubs): what an
    exercise notebook records in its metadata (``mlpbook.starter``); the source, not its
    tokens, since how Python parses it differs between versions."""
    return {name: ast.get_source_segment(text, fn)
            for name, (fn, text) in _functions(sources).items() if not is_stub(fn)}


def _given(sub) -> dict[str, tuple[str, ...]]:
    """{name: normalised tokens} of the starter functions a submission's own metadata records
    (see :func:`starter_sources`)."""
    meta = sub.notebook.get("metadata") if isinstance(sub.notebook, dict) else None
    given = meta.get("mlpbook", {}).get("starter") if isinstance(meta, dict) and \
        isinstance(meta.get("mlpbook"), dict) else None
    if not isinstance(given, dict):
        return {}
    return normalized_functions([s for s in given.values() if isinstance(s, str)])


def _code_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"] if c.get("cell_type") == "code"]


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    set: str
    score: float  # mean ratio over the functions both answered
    functions: tuple[tuple[str, float], ...]  # (name, ratio) of the matching functions


@dataclass(frozen=True)
class Comparison:
    pairs: list[Pair]
    left_out: list[tuple[str, str]]  # (submission, why it was not compared)
    compared: int  # submissions compared


_SET_NAME = re.compile(r"^\d\d_[a-z0-9_]+$")


def _default_starter_dir() -> Path | None:
    """``exercises/`` beside the package when it runs from a checkout; None when installed."""
    folder = Path(__file__).resolve().parents[2] / "exercises"
    return folder if folder.is_dir() else None


def _known_sets(starter_dir: Path | None) -> list[str]:
    try:
        from .sets import exercise_sets
    except ImportError:  # an install without the exercise sets: the starter notebooks' names
        known = set()
    else:
        known = set(exercise_sets())
    if starter_dir is not None:
        known |= {p.stem for p in starter_dir.glob("*.ipynb")}
    return sorted(known)


def _set_of(sub, known: list[str]) -> str | None:
    """The submission's exercise set: its own metadata (even a set this install does not
    have), else a known set name in its file name."""
    from .submission import set_name_of

    meta = sub.notebook.get("metadata") if isinstance(sub.notebook, dict) else None
    name = meta.get("mlpbook", {}).get("exercise_set") if isinstance(meta, dict) and \
        isinstance(meta.get("mlpbook"), dict) else None
    if isinstance(name, str) and _SET_NAME.match(name):
        return name
    return set_name_of(sub, known)


def compare(folder, starter_dir=None, threshold: float = 0.9,
            min_functions: int = 1) -> Comparison:
    """Compare the submissions under ``folder`` set by set (see the module's docstring)."""
    from .grade import collect
    from .submission import read_submission

    starter_dir = Path(starter_dir) if starter_dir else _default_starter_dir()
    known = _known_sets(starter_dir)
    starters: dict[str, dict] = {}
    by_set: dict[str, list[tuple[str, dict]]] = {}
    left_out = []
    for path in collect([folder]):
        try:
            sub = read_submission(path)
        except OSError as exc:
            left_out.append((str(path), f"cannot read it: {exc.strerror}"))
            continue
        if sub.notebook is None:
            left_out.append((str(path), sub.error))
            continue
        name = _set_of(sub, known)
        if name is None:
            left_out.append((str(path), "cannot tell which exercise set this is (no "
                             "mlpbook.exercise_set in its metadata, no set name in its file "
                             "name)"))
            continue
        if name not in starters:
            notebook = starter_dir / f"{name}.ipynb" if starter_dir else None
            starters[name] = normalized_functions(_code_cells(notebook)) \
                if notebook is not None and notebook.is_file() else {}
        given = _given(sub)
        functions = {f: t for f, t in normalized_functions(sub.code_cells, stubs=False).items()
                     if starters[name].get(f) != t and given.get(f) != t
                     and len(t) > 12}
        by_set.setdefault(name, []).append((str(path), functions))
    return Comparison(_pairs(by_set, threshold, min_functions), left_out,
                      sum(map(len, by_set.values())))


def similar_pairs(folder, starter_dir=None, threshold: float = 0.9,
                  min_functions: int = 1) -> list[Pair]:
    """Pairs of submissions under ``folder`` with near-identical answers, best first."""
    return compare(folder, starter_dir, threshold, min_functions).pairs


def _pairs(by_set, threshold, min_functions) -> list[Pair]:
    pairs = []
    for name, subs in by_set.items():
        for (pa, fa), (pb, fb) in combinations(subs, 2):
            common = sorted(set(fa) & set(fb))
            if not common:
                continue
            ratios = {f: difflib.SequenceMatcher(None, fa[f], fb[f], autojunk=False).ratio()
                      for f in common}
            matching = tuple((f, r) for f, r in ratios.items() if r >= threshold)
            if len(matching) >= min_functions:
                pairs.append(Pair(pa, pb, name, sum(ratios.values()) / len(ratios), matching))
    return sorted(pairs, key=lambda p: -p.score)


def format_pairs(pairs: list[Pair]) -> str:
    if not pairs:
        return "no near-identical answers found"
    lines = []
    for p in pairs:
        lines.append(f"{p.score:.2f}  {p.a}  {p.b}  ({p.set})")
        lines += [f"      {f}: {r:.2f}" for f, r in p.functions]
    return "\n".join(lines)


def format_comparison(comparison: Comparison) -> str:
    """The pairs, then the submissions left out and why."""
    text = format_pairs(comparison.pairs)
    if comparison.left_out:
        text += (f"\n{len(comparison.left_out)} submission(s) left out of the comparison "
                 f"({comparison.compared} compared):")
        text += "".join(f"\n  {path}: {why}" for path, why in comparison.left_out)
    return text
