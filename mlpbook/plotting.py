"""Figures of the book, drawn with matplotlib (imported only when this module is used).

Each function draws on an ``Axes`` (a new figure when ``ax`` is None) and returns it, so the
notebooks stay short and the figures stay consistent across chapters.
"""

from __future__ import annotations

import matplotlib.pyplot as plt  # noqa: F401
import numpy as np  # noqa: F401

# ---- chapters 01-02: perceptron, logistic regression, network diagrams ----


# ---- chapter 03: function approximation, decision boundaries, linear regions ----

def plot_interpolation(model, f, u, ax=None, x=None, label="network $f_\\theta$"):
    """Figure 5.2 (b), (c): the target f (a callable), the network's output on ``x`` and the
    knots (u_i, f(u_i)). ``model`` maps (n, 1) -> (n, 1); ``x`` defaults to 1,000 points on
    [u_1, u_r]. Returns the Axes."""
    u = np.asarray(u, dtype=float)
    x = np.linspace(u[0], u[-1], 1000) if x is None else np.asarray(x, dtype=float)
    ax = plt.subplots(figsize=(5, 3.2))[1] if ax is None else ax
    ax.plot(x, f(x), color="0.6", lw=3, label="target $f^*$")
    ax.plot(x, model.forward(x[:, None])[:, 0], color="C0", lw=1.5, label=label)
    ax.plot(u, f(u), "o", color="C3", ms=4, label=f"knots ($r={u.size}$)")
    ax.set_xlabel("$x$")
    ax.legend(loc="upper left", fontsize=8)
    return ax


def plot_error_rate(n, errors, ax=None, label=None, reference_slope=None, marker="o"):
    """Errors against a size or scale ``n`` on log-log axes, optionally with a dashed line of
    slope ``reference_slope`` through the first point (a guide to the eye). Returns the Axes."""
    n, errors = np.asarray(n, dtype=float), np.asarray(errors, dtype=float)
    ax = plt.subplots(figsize=(5, 3.2))[1] if ax is None else ax
    ax.loglog(n, errors, marker=marker, ms=4, label=label)
    if reference_slope is not None:
        ax.loglog(n, errors[0] * (n / n[0]) ** reference_slope, "k--", lw=0.8,
                  label=f"slope {reference_slope:g}")
    if label is not None or reference_slope is not None:
        ax.legend(fontsize=8)
    return ax


def decision_grid(X, n_grid=200, pad=0.5):
    """A square grid covering the rows of X (n, 2) with margin ``pad``: returns (xs, ys, G) with
    G (n_grid², 2) listing the grid points row by row (y outer, x inner)."""
    lo, hi = np.min(X, axis=0) - pad, np.max(X, axis=0) + pad
    xs, ys = np.linspace(lo[0], hi[0], n_grid), np.linspace(lo[1], hi[1], n_grid)
    G = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    return xs, ys, G


def plot_decision_boundary(model, X, y, ax=None, n_grid=200, pad=0.5, title=None):
    """Figure 5.3: the two classes of a binary classifier whose output is a logit z (n, 1), so
    the predicted class is 1{z > 0}. Shades the predicted class on a grid, draws the boundary
    z = 0 and the data (X (n, 2), y (n,) in {0, 1}). Returns the Axes."""
    X, y = np.asarray(X, dtype=float), np.asarray(y).reshape(-1)
    xs, ys, G = decision_grid(X, n_grid, pad)
    Z = model.forward(G)[:, 0].reshape(n_grid, n_grid)
    ax = plt.subplots(figsize=(4, 4))[1] if ax is None else ax
    ax.imshow((Z > 0).astype(float), origin="lower", extent=(xs[0], xs[-1], ys[0], ys[-1]),
              cmap="coolwarm", alpha=0.25, vmin=0, vmax=1, aspect="auto")
    ax.contour(xs, ys, Z, levels=[0.0], colors="k", linewidths=1.2)
    ax.scatter(X[y == 0, 0], X[y == 0, 1], s=10, color="C0", label="$y=0$")
    ax.scatter(X[y == 1, 0], X[y == 1, 1], s=10, color="C3", marker="^", label="$y=1$")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title is not None:
        ax.set_title(title, fontsize=10)
    return ax


def region_colours(labels):
    """An RGB colour per integer label (..., ) -> (..., 3); neighbouring labels get distant hues
    (the golden-ratio sequence), so adjacent regions stay distinguishable."""
    from matplotlib.colors import hsv_to_rgb

    labels = np.asarray(labels)
    hue = (labels * 0.6180339887498949) % 1.0
    hsv = np.stack([hue, np.full(hue.shape, 0.45), np.full(hue.shape, 0.95)], axis=-1)
    return hsv_to_rgb(hsv)


def plot_linear_regions(labels, xs, ys, ax=None):
    """Colour the plane by linear region: ``labels`` (len(ys), len(xs)) integer region labels
    of the grid points (e.g. from ``mlpbook.linear_regions.region_labels``). Returns the Axes."""
    labels = np.asarray(labels)
    ax = plt.subplots(figsize=(4, 4))[1] if ax is None else ax
    ax.imshow(region_colours(labels), origin="lower", extent=(xs[0], xs[-1], ys[0], ys[-1]),
              aspect="auto", interpolation="nearest")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax



# ---- chapters 04-05: activation functions, losses and output layers ----


# ---- chapters 06-07: backpropagation, computation graphs ----


# ---- chapters 08-09: optimisation trajectories, initialisation histograms ----


# ---- chapters 10-11: batch normalisation, regularisation and dropout ----


# ---- chapter 12: case studies ----
