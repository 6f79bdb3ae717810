"""Read a submitted notebook: its bytes (once, read-only), its code cells, and its exercise set.

Reading is strict and never executes anything: the file must be UTF-8 JSON in the nbformat 4
layout. Anything else (a text file, a truncated download, an nbformat 3 notebook) raises
:class:`SubmissionError` with a message for the report.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Submission", "SubmissionError", "read_submission", "set_name_of"]

MAX_BYTES = 32 << 20


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
