"""mlpbook.tools.notebooks: `mlpbook refresh` runs a notebook in its folder and writes it and its
twin (nothing when a cell fails); every committed notebook is paired with its MyST twin in book/md/,
carries the outputs of one fresh run and the metadata JupyterLab writes, and keeps nbval markers
in cell tags."""

import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from mlpbook.cli import main
from mlpbook.tools.notebooks import paired_files, refresh

HEADER = """---
jupytext:
  formats: ipynb,md:myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A chapter

"""


def write_md(tmp_path, code):
    path = tmp_path / "01_x.md"
    path.write_text(HEADER + "".join(f"```{{code-cell}} ipython3\n{c}\n```\n\n" for c in code))
    return path


def test_refresh_executes_in_the_notebook_folder_and_writes_both_files(tmp_path):
    (tmp_path / "data.txt").write_text("41")
    md = write_md(tmp_path, ["x = int(open('data.txt').read()) + 1", "print(f'x = {x}')"])
    assert main(["refresh", str(md)]) == 0
    nb = nbformat.read(tmp_path / "01_x.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2]
    assert code[1].outputs[0]["text"] == "x = 42\n"
    twin = jupytext.read(tmp_path / "01_x.md")
    assert [c.source for c in twin.cells] == [c.source for c in nb.cells]
    ids = [c.id for c in nb.cells]
    refresh(md)  # a second refresh from the twin keeps the cell ids
    assert [c.id for c in nbformat.read(tmp_path / "01_x.ipynb", as_version=4).cells] == ids


def test_refresh_writes_nothing_when_a_cell_fails_or_hangs(tmp_path):
    md = write_md(tmp_path, ["1 / 0"])
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        refresh(md)
    assert not (tmp_path / "01_x.ipynb").exists()
    md = write_md(tmp_path, ["import time; time.sleep(30)"])
    with pytest.raises(RuntimeError, match="longer than 2 s"):
        refresh(md, timeout=2)
    assert not (tmp_path / "01_x.ipynb").exists()
    assert main(["refresh", str(tmp_path / "missing.md")]) == 1


def test_refresh_follows_the_pairing_of_jupytext_toml_from_either_file(tmp_path):
    """As in book/: NN_x.ipynb beside jupytext.toml, its twin in md/; either file can be given,
    and the notebook gets the metadata JupyterLab writes (the kernel's own kernelspec)."""
    (tmp_path / "jupytext.toml").write_text('formats = "ipynb,md//md:myst"\n')
    (tmp_path / "md").mkdir()
    twin = write_md(tmp_path / "md", ["print(2 + 2)"])
    written = refresh(twin)
    ipynb = tmp_path / "01_x.ipynb"
    assert written == [ipynb, twin]
    nb = nbformat.read(ipynb, as_version=4)
    assert nb.metadata.kernelspec.display_name == "Python 3 (ipykernel)"
    assert "jupytext" not in nb.metadata
    assert nb.metadata.language_info.name == "python"
    assert all("execution" not in c.metadata for c in nb.cells)
    twin.unlink()
    assert refresh(ipynb) == [ipynb, twin]  # from the notebook, the twin is written in md/
    assert [c.source for c in jupytext.read(twin).cells] == [c.source for c in nb.cells]
    assert not (tmp_path / "01_x.md").exists()


# ---- the committed notebooks: twins, one fresh run, JupyterLab's metadata, nbval tags ------------

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
