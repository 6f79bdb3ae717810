"""Re-execute notebooks on a fresh kernel and refresh their committed outputs and twins.

``mlpbook refresh book/md/03_expressive_power.md`` (or ``book/03_expressive_power.ipynb``) reads
the given file — the one you edited — runs it top to bottom on a fresh kernel in the notebook's
folder, and writes the executed ``.ipynb`` and, for a notebook paired by jupytext (the chapters:
``book/jupytext.toml`` pairs ``book/NN_topic.ipynb`` with ``book/md/NN_topic.md``), its MyST twin.
Every cell has a time limit, so a stuck kernel fails with a message instead of hanging.

The notebook is written as JupyterLab itself would write it after opening it with that kernel
(the kernel's own ``kernelspec`` and ``language_info``, no execution timestamps), so that opening
it in JupyterLab and closing it again changes nothing.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["paired_files", "refresh"]


def paired_files(path: str | Path) -> tuple[Path, Path | None]:
    """(the ``.ipynb``, its jupytext twin or None) of the notebook given by either file.

    The pairing comes from the jupytext configuration that applies to the file (a
    ``jupytext.toml`` in its folder or above), e.g. ``formats = "ipynb,md//md:myst"``.
    """
    from jupytext.config import load_jupytext_config
    from jupytext.formats import long_form_multiple_formats
    from jupytext.paired_paths import InconsistentPath, paired_paths

    path = Path(path)
    if path.suffix not in (".ipynb", ".md"):
        raise FileNotFoundError(f"refresh: expected a .ipynb or .md notebook; got {path}")
    config = load_jupytext_config(str(path.resolve().parent))
    formats = config.default_formats(str(path)) if config is not None else None
    fmt = "ipynb" if path.suffix == ".ipynb" else "md:myst"
    if not formats:
        return (path, None) if path.suffix == ".ipynb" else (path.with_suffix(".ipynb"), path)
    try:
        pairs = paired_paths(str(path), fmt, long_form_multiple_formats(formats))
    except InconsistentPath as exc:
        raise FileNotFoundError(f"refresh: {path} does not match the pairing {formats!r} of "
                                f"its jupytext.toml ({exc})") from None
    ipynb = next(Path(p) for p, f in pairs if f["extension"] == ".ipynb")
    twin = next((Path(p) for p, f in pairs if f["extension"] == ".md"), None)
    return ipynb, twin


def _kernelspec(name: str) -> dict:
    """The ``kernelspec`` metadata JupyterLab writes for the kernel ``name``."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(name)
    return {"display_name": spec.display_name, "language": spec.language, "name": name}


def refresh(path: str | Path, timeout: float = 300) -> list[Path]:
    """Execute the notebook at ``path`` (``.ipynb`` or its jupytext ``.md`` twin) and write it.

    Returns the files written: the ``.ipynb`` and, when the notebook is paired, the twin.
    Nothing is written when a cell fails or runs longer than ``timeout`` seconds.
    """
    import jupytext
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"refresh: expected an existing .ipynb or .md notebook; got {path}")
    ipynb, twin = paired_files(path)
    nb = jupytext.read(path)
    if path.suffix == ".md" and ipynb.is_file():  # keep the cell ids and outputs' metadata
        from jupytext.combine import combine_inputs_with_outputs

        nb = combine_inputs_with_outputs(nb, jupytext.read(ipynb), fmt="md:myst")
    nb.metadata.pop("jupytext", None)  # the pairing lives in jupytext.toml
    kernel = "python3"
    nb.metadata["kernelspec"] = _kernelspec(kernel)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel, record_timing=False,
                            resources={"metadata": {"path": str(ipynb.parent.resolve())}})
    try:
        client.execute()
    except CellTimeoutError as exc:
        raise RuntimeError(f"refresh: a cell of {path} ran longer than {timeout:g} s") from exc
    except DeadKernelError as exc:
        raise RuntimeError(f"refresh: the kernel died while executing {path}") from exc
    except CellExecutionError as exc:
        raise RuntimeError(f"refresh: {path} raised an error (nothing written):\n{exc}") from exc
    written = [ipynb]
    nbformat.write(nb, ipynb)  # the writer of Jupyter itself: the bytes JupyterLab would save
    if twin is not None:
        twin.parent.mkdir(parents=True, exist_ok=True)
        jupytext.write(nb, twin, fmt="md:myst")
        written.append(twin)
    return written
