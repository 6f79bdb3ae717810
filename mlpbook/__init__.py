"""mlpbook: a NumPy companion to the chapter on feedforward neural networks.

>>> import numpy as np, mlpbook as mb
>>> rng = np.random.default_rng(0)
>>> model = mb.Sequential(mb.Dense(4, 5, init="he", rng=rng), mb.ReLU(), mb.Dense(5, 1, rng=rng))

Importing the package imports NumPy and the core only; the chapters' modules load on first use
(``mb.plotting`` and ``mb.widgets`` need matplotlib and ipywidgets). The authoring and publishing
tools (``mlpbook refresh``, ``mlpbook site build``) live in :mod:`mlpbook.tools`, outside ``mb.*``.
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
from .batchnorm import BatchNorm, fold_batchnorm
from .dropout import Dropout
from .io import load, save
from .layers import Dense, Layer, Parameter
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, Loss, SquaredLoss
from .optim import (
    SGD,
    AdaDelta,
    AdaGrad,
    Adam,
    AdamW,
    Momentum,
    Nesterov,
    Optimizer,
    RMSprop,
    clip_grad_norm,
    clip_grad_value,
)
from .regularization import L1, L2
from .sequential import Sequential, mlp
from .training import History, evaluate, fit, predict

__version__ = "0.2.0"

# Submodules loaded on first attribute access, so that `import mlpbook` stays light.
_LAZY = {
    "plotting", "widgets", "constructions", "datasets", "autodiff", "grading", "linear_regions",
    "surfaces", "diagnostics", "batch_size", "sweeps", "metrics", "experiments", "example2",
    "profiling",
}


def __getattr__(name):
    if name in _LAZY:
        return _import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'mlpbook' has no attribute {name!r}")


__all__ = [
    "mlp",
    "Activation", "Arctan", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dense", "ELU",
    "Identity", "Layer", "LeakyReLU", "Loss", "PReLU", "Parameter", "ReLU", "SELU", "Sequential",
    "Sigmoid", "Softmax", "Softplus", "Softsign", "SquaredLoss", "Step", "Swish", "Tanh",
    "gradcheck", "init",
    "SGD", "AdaDelta", "AdaGrad", "Adam", "AdamW", "Momentum", "Nesterov", "Optimizer", "RMSprop",
    "clip_grad_norm", "clip_grad_value",
    "BatchNorm", "Dropout", "History", "L1", "L2", "evaluate", "fit", "fold_batchnorm", "load",
    "predict", "save",
]
