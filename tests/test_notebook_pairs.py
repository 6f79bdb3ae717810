"""Chapter notebooks are committed with outputs from one fresh run, match their MyST twins in
book/md/, carry the metadata JupyterLab itself writes, and keep nbval markers in cell tags."""

import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from mlpbook.notebooks import paired_files

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))
TWINS = sorted((BOOK / "md").glob("[0-9][0-9]_*.md"))
ALL = NOTEBOOKS + sorted((ROOT / "solutions").glob("*.ipynb")) + \
    sorted((ROOT / "exercises").glob("*.ipynb"))
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
NBVAL_COMMENT = re.compile(r"^\s*#\s*NBVAL_[A-Z_]+", re.M)


def cells(nb):
    return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]


def test_every_notebook_has_a_twin_and_every_twin_a_notebook():
    assert NOTEBOOKS, "no chapter notebooks found"
    assert {p.stem for p in NOTEBOOKS} == {p.stem for p in TWINS}
    assert not list(BOOK.glob("[0-9][0-9]_*.md")), \
        "twins belong in book/md/, not beside the notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_twin_in_sync(path):
    ipynb, twin = paired_files(path)
    assert ipynb == path and twin == BOOK / "md" / f"{path.stem}.md"
    assert paired_files(twin) == (ipynb, twin)
    assert cells(jupytext.read(path)) == cells(jupytext.read(twin)), (
        f"{path.name} and md/{twin.name} differ: run `mlpbook refresh` on the one you edited"
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


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_metadata_as_jupyterlab_writes_it(path):
    """JupyterLab marks a notebook modified when its kernelspec differs from the kernel's, and
    the cells carry no execution timestamps; the pairing lives in book/jupytext.toml."""
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.get("kernelspec") == KERNELSPEC, nb.metadata.get("kernelspec")
    assert "jupytext" not in nb.metadata
    timed = [i for i, c in enumerate(nb.cells) if "execution" in c.metadata]
    assert not timed, f"{path.name}: cells {timed} carry execution timestamps"
    if path.parent.name != "exercises":  # never executed, so no language_info
        assert nb.metadata.get("language_info", {}).get("name") == "python"


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_nbval_markers_are_tags_not_comments(path):
    nb = nbformat.read(path, as_version=4)
    marked = [i for i, c in enumerate(nb.cells)
              if c.cell_type == "code" and NBVAL_COMMENT.search(c.source)]
    assert not marked, f"{path.name}: cells {marked} carry an nbval comment; use a cell tag"
