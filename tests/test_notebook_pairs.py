"""Chapter notebooks are committed with outputs, were run top to bottom, and match their twins."""

from pathlib import Path

import jupytext
import nbformat
import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
NOTEBOOKS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))
TWINS = sorted(BOOK.glob("[0-9][0-9]_*.md"))


def cells(nb):
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def test_every_notebook_has_a_twin_and_every_twin_a_notebook():
    assert {p.stem for p in NOTEBOOKS} == {p.stem for p in TWINS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_twin_in_sync(path):
    twin = path.with_suffix(".md")
    assert cells(jupytext.read(path)) == cells(jupytext.read(twin)), (
        f"{path.name} and {twin.name} differ: run `jupytext --sync {path}`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_with_outputs_from_one_fresh_run(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), (
        f"{path.name}: execution counts {counts} show it was not run once top to bottom "
        "on a fresh kernel; re-execute it (see README, 'Refreshing notebooks')"
    )
    assert any(c.outputs for c in code), f"{path.name} is committed without outputs"
    errors = [c.source[:60] for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{path.name}: committed outputs contain errors in {errors}"
