"""Datasets that ship offline: toy generators, the data of the documents' worked examples, and
small real data. Every random generator takes ``rng`` (a ``numpy.random.Generator`` or a seed)."""

from __future__ import annotations

import numpy as np  # noqa: F401

from .init import as_generator  # noqa: F401

# ---- toy generators and real data ----


# ---- seed 002, Example 2: data and initial weights ----
def example2() -> dict:
    """Example 2 of seed 002: a 2-3-2 network (sigmoid hidden layer, linear output) trained by
    gradient descent with summed gradients and learning factor 0.05.

    Everything is in the slides' row convention ``Z = X W + B``, ``U = H V + C``: ``X`` (8, 2)
    inputs, ``D`` (8, 2) targets, ``W`` (2, 3) and ``b`` (3,) of the hidden layer, ``V`` (3, 2)
    and ``c`` (2,) of the output layer, ``lr`` the learning factor. The library stores weights as
    the book does, so ``Dense(2, 3).W = W.T`` and ``Dense(3, 2).W = V.T``. Fresh arrays each call.
    """
    X = [[0.77, 0.02], [0.63, 0.75], [0.50, 0.22], [0.20, 0.76],
         [0.17, 0.09], [0.69, 0.95], [0.00, 0.51], [0.81, 0.61]]
    D = [[0.44, -0.42], [0.84, 0.43], [0.09, -0.72], [-0.25, 0.35],
         [-0.12, -0.13], [0.24, 0.03], [0.30, 0.20], [0.61, 0.04]]
    W = [[-3.97, 1.10, 0.42], [2.79, -2.64, 3.13]]
    V = [[3.58, -1.58], [-3.58, -1.75], [-3.38, 2.88]]
    return {"X": np.array(X), "D": np.array(D), "W": np.array(W), "b": np.zeros(3),
            "V": np.array(V), "c": np.zeros(2), "lr": 0.05}
