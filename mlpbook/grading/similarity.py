"""Near-identical answers across a class's submissions.

Every function a submission defines is normalised with :mod:`ast`: comments, docstrings and
formatting disappear, and every local name (arguments, assigned variables, loop variables,
inner functions) is renamed by its order of appearance, so that renaming variables or
rewording comments changes nothing. Names the function takes from outside (``np``, ``mb``,
builtins, attributes such as ``.sum``) are kept. A function that is the exercise's starter code
(the stub of the exercise notebook) is left out. Two submissions of the same set are compared
function by function with :class:`difflib.SequenceMatcher` on the normalised token sequences;
a pair is listed when at least ``min_functions`` answered functions match with a ratio of at
least ``threshold``.
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

__all__ = ["normalized_functions", "Pair", "similar_pairs", "format_pairs"]

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


def normalized_functions(sources: list[str]) -> dict[str, tuple[str, ...]]:
    """{function name: normalised tokens} of the top-level functions in ``sources`` (code
    cells; a later definition replaces an earlier one; cells that do not parse are skipped)."""
    out = {}
    for src in sources:
        text = "\n".join("pass" if _MAGIC.match(line) else line for line in src.splitlines())
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out[node.name] = _tokens(node)
    return out


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


def similar_pairs(folder, starter_dir=None, threshold: float = 0.9,
                  min_functions: int = 1) -> list[Pair]:
    """Pairs of submissions under ``folder`` with near-identical answers, best first."""
    from .grade import collect
    from .submission import read_submission, set_name_of

    starter_dir = Path(starter_dir) if starter_dir else \
        Path(__file__).resolve().parents[2] / "exercises"
    known = sorted(p.stem for p in starter_dir.glob("*.ipynb"))
    starters: dict[str, dict] = {}
    by_set: dict[str, list[tuple[str, dict]]] = {}
    for path in collect([folder]):
        sub = read_submission(path)
        if sub.notebook is None:
            continue
        name = set_name_of(sub, known)
        if name is None:
            continue
        if name not in starters:
            starters[name] = normalized_functions(_code_cells(starter_dir / f"{name}.ipynb"))
        functions = {f: t for f, t in normalized_functions(sub.code_cells).items()
                     if starters[name].get(f) != t and len(t) > 12}
        by_set.setdefault(name, []).append((str(path), functions))
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
