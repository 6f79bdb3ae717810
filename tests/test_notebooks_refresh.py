"""`mlpbook refresh`: runs a notebook, writes outputs and twin; fails loudly, writes nothing."""

import jupytext
import nbformat
import pytest

from mlpbook.cli import main
from mlpbook.notebooks import refresh

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
