"""mlpbook: a NumPy companion to the chapter on feedforward neural networks.

>>> import numpy as np, mlpbook as mb
>>> rng = np.random.default_rng(0)
>>> model = mb.Sequential(mb.Dense(4, 5, init="he", rng=rng), mb.ReLU(), mb.Dense(5, 1, rng=rng))

Importing the package imports NumPy only; ``mb.plotting`` and ``mb.widgets`` (matplotlib,
ipywidgets) load on first use.
"""

from importlib import import_module as _import_module

from . import gradcheck, init
from .activations import (
    ELU,
    SELU,
    Activation,
    Arctan,
    Identity,
    LeakyReLU,
    PReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Softsign,
    Step,
    Swish,
    Tanh,
)
from .layers import Dense, Layer, Parameter
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, Loss, SquaredLoss
from .sequential import Sequential

__version__ = "0.1.0"

# Submodules loaded on first attribute access, so that `import mlpbook` stays light.
_LAZY = {"plotting", "widgets", "constructions", "datasets", "autodiff", "grading", "exercises"}


def __getattr__(name):
    if name in _LAZY:
        return _import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'mlpbook' has no attribute {name!r}")


__all__ = [
    "Activation", "Arctan", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dense", "ELU",
    "Identity", "Layer", "LeakyReLU", "Loss", "PReLU", "Parameter", "ReLU", "SELU", "Sequential",
    "Sigmoid", "Softmax", "Softplus", "Softsign", "SquaredLoss", "Step", "Swish", "Tanh",
    "gradcheck", "init",
]
