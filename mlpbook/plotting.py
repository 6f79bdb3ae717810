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

_DERIVATIVE_METHODS = ("function", "derivative", "second_derivative")


def _default_grid(z):
    """401 points on [-4, 4] (the range of seed 000's figures) unless a grid is given."""
    return np.linspace(-4.0, 4.0, 401) if z is None else np.asarray(z, dtype=np.float64)


def _zero_axes(ax):
    """Faint lines through the origin, as in the figures of seed 000 §4.3."""
    ax.axhline(0, color="red", alpha=0.25, lw=1)
    ax.axvline(0, color="red", alpha=0.25, lw=1)


def plot_activation(act, ax=None, z=None, order=0, **style):
    """Draw σ (``order=0``), σ' (1) or σ'' (2) of the scalar activation ``act`` over the grid
    ``z`` (default 401 points on [-4, 4]) as one line; ``style`` goes to ``ax.plot``.
    Returns the axes. Raises ValueError when ``act`` does not define that derivative."""
    if order not in (0, 1, 2):
        raise ValueError(f"plot_activation: order must be 0, 1 or 2; got {order!r}")
    method = getattr(act, _DERIVATIVE_METHODS[order], None)
    if method is None:
        raise ValueError(f"plot_activation: {act!r} defines no {_DERIVATIVE_METHODS[order]}()")
    z = _default_grid(z)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 3))
    ax.plot(z, method(z), **style)
    ax.set_xlabel("z")
    return ax


def plot_activation_and_derivative(act, title, z=None):
    """Figures 4.1-4.4 of seed 000: the activation (left panel) and its derivative (right)."""
    fig, axes = plt.subplots(1, 2, figsize=(8, 2.8))
    for ax, order, name in zip(axes, (0, 1), (title, "Derivative"), strict=True):
        _zero_axes(ax)
        plot_activation(act, ax, z, order, color="C0")
        ax.set_title(name)
    fig.tight_layout()
    return fig


def plot_activation_grid(acts, z=None, ncols=4):
    """One panel per entry of ``acts`` ({name: activation}): σ solid, σ' dashed."""
    nrows = -(-len(acts) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3 * ncols, 2.3 * nrows), squeeze=False)
    for ax, (name, act) in zip(axes.flat, acts.items(), strict=False):  # spare panels stay empty
        _zero_axes(ax)
        plot_activation(act, ax, z, 0, color="C0", label="σ(z)")
        plot_activation(act, ax, z, 1, color="C1", ls="--", label="σ'(z)")
        ax.set_title(name)
        ax.set_xlabel("")
    for ax in axes.flat[len(acts):]:
        ax.axis("off")
    axes.flat[0].legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def plot_figure_5_6(z=None, eps=(0.01, 0.1, 0.3)):
    """Figure 5.6 of seed 001. (a) The step function (5.16), the sigmoid, tanh, and the sigmoid
    rescaled to (-1, 1), 2σ(z) - 1. (b) ReLU (5.17) and leaky ReLU for each ε in ``eps``."""
    from .activations import LeakyReLU, ReLU, Sigmoid, Step, Tanh

    z = _default_grid(z)
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.4))
    _zero_axes(a)
    plot_activation(Step(low=-1), a, z, label="step (5.16)")
    plot_activation(Sigmoid(), a, z, label="sigmoid")
    a.plot(z, 2 * Sigmoid().function(z) - 1, ls="--", label="scaled sigmoid 2σ(z) − 1")
    plot_activation(Tanh(), a, z, label="tanh")
    _zero_axes(b)
    plot_activation(ReLU(), b, z, label="ReLU (5.17)", lw=2.5, alpha=0.6)
    for e in eps:
        plot_activation(LeakyReLU(e), b, z, ls="--", label=f"leaky ReLU, ε = {e:g}")
    for ax, title in ((a, "(a)"), (b, "(b)")):
        ax.set_title(title)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_loss_and_gradient(loss, outputs, targets, x=None, ax=None, label=None):
    """Per-sample loss (solid) and first column of ∂C/∂output (dashed, same colour) of ``loss``
    for each row of ``outputs`` (m, K) and ``targets`` (m, K) or labels (m,), against ``x``
    (default: the first column of ``outputs``). Returns the axes."""
    outputs = np.asarray(outputs, dtype=np.float64)
    targets = np.asarray(targets)
    values, grads = np.empty(len(outputs)), np.empty(len(outputs))
    for i in range(len(outputs)):  # one sample at a time: "mean" and "sum" agree
        values[i] = loss.forward(outputs[i:i + 1], targets[i:i + 1])
        grads[i] = loss.backward()[0, 0]
    x = outputs[:, 0] if x is None else np.asarray(x)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 3))
    (line,) = ax.plot(x, values, label=label)
    ax.plot(x, grads, ls="--", color=line.get_color())
    return ax


# ---- chapters 06-07: backpropagation, computation graphs ----


# ---- chapters 08-09: optimisation trajectories, initialisation histograms ----


# ---- chapters 10-11: batch normalisation, regularisation and dropout ----


# ---- chapter 12: case studies ----
