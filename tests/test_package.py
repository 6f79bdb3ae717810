"""Package hygiene: no module defines the same top-level name twice (a later definition silently
replaces the earlier one, as can happen when two chapters' helpers merge into one module)."""

import ast
import collections
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mlpbook"
MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_top_level_name_is_defined_twice(path):
    tree = ast.parse(path.read_text())
    names = [node.name for node in tree.body
             if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    twice = [n for n, c in collections.Counter(names).items() if c > 1]
    assert not twice, f"{path.name} defines {twice} more than once"
