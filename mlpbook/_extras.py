"""The optional dependencies of the book (``pip install "mlpbook[book]"``): matplotlib for the
figures, ipywidgets for the explorers. ``import mlpbook`` needs only NumPy; the modules that need
an extra import it through :func:`import_extra`, which says how to install it when it is missing.
"""

from __future__ import annotations

from importlib import import_module

INSTALL = 'pip install "mlpbook[book]"'


def import_extra(module: str, who: str):
    """``import module`` for ``who`` (e.g. "mlpbook.plotting"), or a ``ModuleNotFoundError`` that
    names the missing package and the command that installs it."""
    try:
        return import_module(module)
    except ImportError as exc:
        missing = exc.name or module.split(".")[0]
        raise ModuleNotFoundError(
            f"{who} needs {missing}, one of the book's extras, which is not installed; install "
            f"them with: {INSTALL}", name=missing) from exc
