"""Datasets that ship offline: toy generators, the data of the documents' worked examples, and
small real data. Every random generator takes ``rng`` (a ``numpy.random.Generator`` or a seed)."""

from __future__ import annotations

import numpy as np  # noqa: F401

from .init import as_generator  # noqa: F401

# ---- toy generators and real data ----


# ---- seed 002, Example 2: data and initial weights ----
