"""Read a submitted notebook: its bytes (once, read-only), its code cells, the names its code
defines at the top level, and its exercise set.

Reading is strict and never executes anything: the file must be UTF-8 JSON in the nbformat 4
layout. Anything else (a text file, a truncated download, an nbformat 3 notebook) raises
:class:`SubmissionError` with a message for the report. :func:`defined_names` reads the code
without running it: the grader asks a sandbox only about functions the notebook defines.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Submission", "SubmissionError", "read_submission", "set_name_of", "python_source",
           "defined_names"]

MAX_BYTES = 32 << 20
#: Cells larger than this are scanned line by line instead of parsed (bounded memory).
MAX_PARSED = 1 << 20

_MAGIC = re.compile(r"^\s*[%!]")
_DEFINITION = re.compile(r"^(?:async\s+def|def|class)\s+(\w+)|^(\w+)\s*(?::[^=\n]*)?=(?!=)",
                         re.MULTILINE)


class SubmissionError(ValueError):
    pass


@dataclass(frozen=True)
class Submission:
    path: Path
    sha256: str
    notebook: dict | None  # None when the file is not a readable notebook
    error: str | None

    @property
    def code_cells(self) -> list[str]:
        return code_cells(self.notebook) if self.notebook is not None else []

    @property
    def code_positions(self) -> list[int]:
        """Position in the notebook (0-based, all cells counted) of each code cell."""
        if self.notebook is None:
            return []
        return [i for i, c in enumerate(self.notebook["cells"]) if c["cell_type"] == "code"]


def read_submission(path: Path) -> Submission:
    """Read ``path`` once (the file is opened read-only and never written)."""
    with open(path, "rb") as f:
        data = f.read(MAX_BYTES + 1)
    digest = hashlib.sha256(data).hexdigest()
    try:
        if len(data) > MAX_BYTES:
            raise SubmissionError(f"the file is larger than {MAX_BYTES >> 20} MB")
        notebook = parse_notebook(data)
    except SubmissionError as exc:
        return Submission(Path(path), digest, None, str(exc))
    return Submission(Path(path), digest, notebook, None)


def parse_notebook(data: bytes) -> dict:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionError("not a notebook: the file is not UTF-8 text") from None
    try:
        nb = json.loads(text)
    except ValueError as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if hasattr(exc, "lineno") else ""
        kind = "truncated or malformed notebook" if text.lstrip().startswith("{") else \
            "not a notebook"
        raise SubmissionError(f"{kind}: invalid JSON{where}") from None
    except RecursionError:
        raise SubmissionError("not a notebook: JSON nested too deeply") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        if isinstance(nb, dict) and "worksheets" in nb:
            raise SubmissionError("unsupported notebook format (nbformat 3); save it with a "
                                  "recent Jupyter")
        raise SubmissionError("not a notebook: no list of cells")
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise SubmissionError(f"malformed notebook: cell {i} has no cell_type")
        if cell["cell_type"] == "code" and _source(cell) is None:
            raise SubmissionError(f"malformed notebook: cell {i} has no source text")
    return nb


def _source(cell: dict) -> str | None:
    src = cell.get("source", "")
    if isinstance(src, str):
        return src
    if isinstance(src, list) and all(isinstance(s, str) for s in src):
        return "".join(src)
    return None


def code_cells(nb: dict) -> list[str]:
    return [_source(c) for c in nb["cells"] if c["cell_type"] == "code"]


def set_name_of(submission: Submission, known: list[str]) -> str | None:
    """The exercise set a submission answers: the notebook's metadata ``mlpbook.exercise_set``,
    else the known set name contained in the file name (e.g. ``alice_01_perceptron...``)."""
    if submission.notebook is not None:
        meta = submission.notebook.get("metadata")
        name = meta.get("mlpbook", {}).get("exercise_set") if isinstance(meta, dict) and \
            isinstance(meta.get("mlpbook"), dict) else None
        if name in known:
            return name
    matches = [k for k in known if k in submission.path.name]
    return max(matches, key=len) if matches else None


def python_source(src: str) -> str:
    """IPython magics and shell escapes (``%...``, ``!...``) are not Python: drop them."""
    return "\n".join("pass" if _MAGIC.match(line) else line for line in src.splitlines())


def defined_names(cells: list[str]) -> set[str]:
    """The names that some code cell binds at its top level: ``def`` and ``class`` statements,
    assignments and imports, also inside top-level ``if``, ``for``, ``while``, ``with`` and
    ``try`` blocks (not inside functions or classes, and not through ``exec`` or
    ``globals()``). A cell that does not parse defines nothing."""
    names: set[str] = set()
    for src in cells:
        src = python_source(src)
        if len(src) > MAX_PARSED:
            names.update(a or b for a, b in _DEFINITION.findall(src))
            continue
        try:
            tree = ast.parse(src)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        _bound_by(tree.body, names)
    return names


def _bound_by(statements, names: set[str]) -> None:
    for s in statements:
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(s.name)
        elif isinstance(s, ast.Assign):
            for target in s.targets:
                _targets(target, names)
        elif isinstance(s, (ast.AnnAssign, ast.AugAssign)):
            _targets(s.target, names)
        elif isinstance(s, (ast.Import, ast.ImportFrom)):
            names.update(a.asname or a.name.split(".")[0] for a in s.names)
        elif isinstance(s, (ast.For, ast.AsyncFor)):
            _targets(s.target, names)
            _bound_by(s.body + s.orelse, names)
        elif isinstance(s, (ast.If, ast.While)):
            _bound_by(s.body + s.orelse, names)
        elif isinstance(s, (ast.With, ast.AsyncWith)):
            for item in s.items:
                if item.optional_vars is not None:
                    _targets(item.optional_vars, names)
            _bound_by(s.body, names)
        elif isinstance(s, ast.Try) or type(s).__name__ == "TryStar":
            for handler in s.handlers:
                if handler.name:
                    names.add(handler.name)
                _bound_by(handler.body, names)
            _bound_by(s.body + s.orelse + s.finalbody, names)
        elif isinstance(s, ast.Match):
            for c in s.cases:
                _bound_by(c.body, names)


def _targets(node, names: set[str]) -> None:
    if isinstance(node, ast.Name):
        names.add(node.id)
    elif isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            _targets(element, names)
    elif isinstance(node, ast.Starred):
        _targets(node.value, names)
