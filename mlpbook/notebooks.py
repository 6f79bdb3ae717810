"""Re-execute notebooks on a fresh kernel and refresh their committed outputs and twins.

``mlpbook refresh book/03_expressive_power.md`` (or the ``.ipynb``) reads the given file — the
one you edited — runs it top to bottom on a fresh kernel in its own folder, and writes the
executed ``.ipynb`` and, for a notebook paired by jupytext, its MyST ``.md`` twin. Every cell has
a time limit, so a stuck kernel fails with a message instead of hanging.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["refresh"]


def refresh(path: str | Path, timeout: float = 300) -> list[Path]:
    """Execute the notebook at ``path`` (``.ipynb`` or a jupytext ``.md``) and write the results.

    Returns the files written: the ``.ipynb`` and, when the notebook is paired
    (``jupytext.formats`` contains ``md``), the ``.md`` twin.
    """
    import jupytext
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(path)
    if path.suffix not in (".ipynb", ".md") or not path.is_file():
        raise FileNotFoundError(f"refresh: expected an existing .ipynb or .md notebook; got {path}")
    nb = jupytext.read(path)
    ipynb = path.with_suffix(".ipynb")
    if path.suffix == ".md" and ipynb.is_file():  # keep cell ids and metadata of the notebook
        from jupytext.combine import combine_inputs_with_outputs

        nb = combine_inputs_with_outputs(nb, jupytext.read(ipynb), fmt="md:myst")
    formats = nb.metadata.get("jupytext", {}).get("formats", "")
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    try:
        client.execute()
    except CellTimeoutError as exc:
        raise RuntimeError(f"refresh: a cell of {path} ran longer than {timeout:g} s") from exc
    except DeadKernelError as exc:
        raise RuntimeError(f"refresh: the kernel died while executing {path}") from exc
    except CellExecutionError as exc:
        raise RuntimeError(f"refresh: {path} raised an error (nothing written):\n{exc}") from exc
    written = [ipynb]
    jupytext.write(nb, written[0], fmt="ipynb")
    if "md" in formats:
        written.append(path.with_suffix(".md"))
        jupytext.write(nb, written[1], fmt="md:myst")
    return written
