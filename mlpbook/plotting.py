"""Figures of the book, drawn with matplotlib (imported only when this module is used).

Each function draws on an ``Axes`` (a new figure when ``ax`` is None) and returns it, so the
notebooks stay short and the figures stay consistent across chapters.
"""

from __future__ import annotations

import matplotlib.pyplot as plt  # noqa: F401
import numpy as np  # noqa: F401

# ---- chapters 01-02: perceptron, logistic regression, network diagrams ----


# ---- chapter 03: function approximation, decision boundaries, linear regions ----


# ---- chapters 04-05: activation functions, losses and output layers ----


# ---- chapters 06-07: backpropagation, computation graphs ----


# ---- chapters 08-09: optimisation trajectories, initialisation histograms ----


# ---- chapters 10-11: batch normalisation, regularisation and dropout ----


# ---- chapter 12: case studies ----
