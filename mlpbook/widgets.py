"""Interactive explorers for the chapters.

Each explorer is a plain callback ``f(**knobs) -> Figure`` (unit-tested directly, no widgets
needed) plus a thin ``*_explorer()`` that wires it to ipywidgets sliders for JupyterLab.
"""

from __future__ import annotations

import numpy as np  # noqa: F401

# ---- chapter 03: expressive power ----


# ---- chapters 04-05: activation functions, losses ----


# ---- chapters 08-09: optimisation, initialisation ----


# ---- chapters 10-12: batch normalisation, regularisation, case studies ----
