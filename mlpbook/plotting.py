"""Figures of the book, drawn with matplotlib (imported only when this module is used).

Each function draws on an ``Axes`` (a new figure when ``ax`` is None) and returns it, so the
notebooks stay short and the figures stay consistent across chapters.
"""

from __future__ import annotations

import matplotlib.pyplot as plt  # noqa: F401
import numpy as np  # noqa: F401

# ---- chapters 01-02: perceptron, logistic regression, network diagrams ----


def _ensure_axes(ax, figsize=(4.5, 4.0)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _plane_bounds(X, bounds, margin=0.5):
    """((x_min, x_max), (y_min, y_max)) from ``bounds`` or from the points ``X`` (n, 2)."""
    if bounds is not None:
        (x0, x1), (y0, y1) = bounds
        return (float(x0), float(x1)), (float(y0), float(y1))
    if X is None:
        raise ValueError("expected bounds ((x_min, x_max), (y_min, y_max)) or points X to fit")
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def _check_points_2d(X, y, who):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"{who}: expected points X of shape (n, 2); got shape {X.shape}")
    y = np.asarray(y).reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"{who}: expected {X.shape[0]} labels (one per point); got {y.shape[0]}")
    return X, y


def plot_points(X, y, ax=None, labels=("class 0", "class 1"), size=40):
    """Scatter 2-D points ``X`` (n, 2) with binary labels ``y`` (n,): class 0 as blue circles,
    class 1 as orange squares. Returns the Axes."""
    X, y = _check_points_2d(X, y, "plot_points")
    ax = _ensure_axes(ax)
    for cls, marker, color in ((0, "o", "tab:blue"), (1, "s", "tab:orange")):
        pts = X[y == cls]
        ax.scatter(pts[:, 0], pts[:, 1], s=size, marker=marker, c=color, edgecolors="k",
                   linewidths=0.6, label=labels[cls], zorder=3)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax


def plot_decision_line(w, b, ax=None, bounds=((-0.5, 1.5), (-0.5, 1.5)), **line_kw):
    """Draw the line w₁x₁ + w₂x₂ + b = 0 of a linear classifier inside ``bounds``.

    w : (2,) weights (a (1, 2) Dense weight is accepted), b : scalar bias. Returns the Axes.
    """
    w = np.asarray(w, dtype=float).reshape(-1)
    b = float(np.asarray(b, dtype=float).reshape(-1)[0])
    if w.shape != (2,):
        raise ValueError(f"plot_decision_line: expected 2 weights; got shape {w.shape}")
    if not np.any(w):
        raise ValueError("plot_decision_line: w = 0 defines no line")
    ax = _ensure_axes(ax)
    (x0, x1), (y0, y1) = _plane_bounds(None, bounds)
    line_kw = {"color": "k", "lw": 1.5} | line_kw
    if abs(w[1]) >= abs(w[0]):  # solve for x₂
        xs = np.array([x0, x1])
        ys = -(w[0] * xs + b) / w[1]
    else:  # nearly vertical: solve for x₁
        ys = np.array([y0, y1])
        xs = -(w[1] * ys + b) / w[0]
    ax.plot(xs, ys, **line_kw)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return ax


def plot_decision_regions(predict, X=None, y=None, ax=None, bounds=None, threshold=0.5,
                          resolution=200):
    """Colour the plane by the class a 2-D classifier predicts and draw its decision boundary.

    predict : callable mapping points (m, 2) to scores (m,) or (m, 1) (probabilities, or 0/1
        outputs of a step unit); a point is class 1 when its score is ≥ ``threshold``.
    X, y : optional data (n, 2) and labels (n,) to scatter on top.
    bounds : ((x_min, x_max), (y_min, y_max)); by default the data's extent plus a margin.
    Returns the Axes (the regions are its first collection, the boundary a contour set).
    """
    if X is not None:
        X, y = _check_points_2d(X, y, "plot_decision_regions")
    (x0, x1), (y0, y1) = _plane_bounds(X, bounds)
    g1, g2 = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.column_stack([g1.ravel(), g2.ravel()])
    scores = np.asarray(predict(grid), dtype=float)
    if scores.size != grid.shape[0]:
        raise ValueError(f"plot_decision_regions: predict must return one score per point, shape "
                         f"({grid.shape[0]},) or ({grid.shape[0]}, 1); got {scores.shape}")
    scores = scores.reshape(g1.shape)
    ax = _ensure_axes(ax)
    ax.contourf(g1, g2, (scores >= threshold).astype(float), levels=[-0.5, 0.5, 1.5],
                colors=["#c6dbef", "#fdd0a2"])
    if scores.min() < threshold <= scores.max():
        ax.contour(g1, g2, scores, levels=[threshold], colors="k", linewidths=1.5)
    if X is not None:
        plot_points(X, y, ax=ax)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax


def draw_network(sizes, ax=None, node_labels=None, layer_labels=None, radius=0.22,
                 spacing=(1.6, 0.7), title=None):
    """Draw a fully connected feedforward network (Figure 5.1 of the book).

    sizes : neurons per layer, input first, e.g. ``[4, 5, 1]``: N_0, N_1, ..., N_L.
    node_labels : optional, one entry per layer: a list of N_ℓ strings written in the circles,
        or None for an unlabelled layer.
    layer_labels : optional list of len(sizes) captions written under the columns.
    radius, spacing : circle radius; horizontal distance between layers and vertical distance
        between neurons (data units; the axes have equal aspect).
    Inputs are drawn white, hidden neurons grey, outputs dark. Each neuron is a
    ``matplotlib.patches.Circle`` in ``ax.patches`` and each connection a line in ``ax.lines``
    (Σ_ℓ N_{ℓ-1} N_ℓ of them). Returns the Axes.
    """
    from matplotlib.patches import Circle

    sizes = list(sizes)
    if len(sizes) < 2 or not all(isinstance(n, (int, np.integer)) and n >= 1 for n in sizes):
        raise ValueError("draw_network: expected at least two positive integer layer sizes "
                         f"(input, ..., output); got {sizes!r}")
    for what, labels in (("node_labels", node_labels), ("layer_labels", layer_labels)):
        if labels is not None and len(labels) != len(sizes):
            raise ValueError(f"draw_network: expected {len(sizes)} {what} (one per layer); "
                             f"got {len(labels)}")
    if node_labels is not None:
        for ell, (n, labels) in enumerate(zip(sizes, node_labels, strict=True)):
            if labels is not None and len(labels) != n:
                raise ValueError(f"draw_network: layer {ell} has {n} neurons; got {len(labels)} "
                                 "node labels for it")
    dx, dy = spacing
    pos = [[(ell * dx, ((n - 1) / 2 - j) * dy) for j in range(n)] for ell, n in enumerate(sizes)]
    ax = _ensure_axes(ax, figsize=(1.4 * len(sizes) + 0.6, 0.55 * max(sizes) + 1.2))
    for left, right in zip(pos[:-1], pos[1:], strict=True):
        for xa, ya in left:
            for xb, yb in right:
                ax.plot([xa + radius, xb - radius], [ya, yb], color="0.55", lw=0.8, zorder=1)
    last = len(sizes) - 1
    for ell, column in enumerate(pos):
        face = "white" if ell == 0 else ("0.25" if ell == last else "0.8")
        for j, (x, y) in enumerate(column):
            ax.add_patch(Circle((x, y), radius, facecolor=face, edgecolor="k", lw=1.2, zorder=2))
            if node_labels is not None and node_labels[ell] is not None:
                ax.text(x, y, node_labels[ell][j], ha="center", va="center", zorder=3,
                        fontsize=9, color="white" if ell == last else "black")
    half = (max(sizes) - 1) / 2 * dy + radius
    if layer_labels is not None:
        for ell, caption in enumerate(layer_labels):
            ax.text(ell * dx, -half - 0.25, caption, ha="center", va="top", fontsize=9)
    ax.set_xlim(-radius - 0.3, last * dx + radius + 0.3)
    ax.set_ylim(-half - (0.75 if layer_labels is not None else 0.3), half + 0.3)
    ax.set_aspect("equal")
    ax.axis("off")
    if title is not None:
        ax.set_title(title)
    return ax


# ---- chapter 03: function approximation, decision boundaries, linear regions ----


# ---- chapters 04-05: activation functions, losses and output layers ----

_DERIVATIVE_METHODS = ("function", "derivative", "second_derivative")


def _default_grid(z):
    """401 points on [-4, 4] (the range of seed 000's figures) unless a grid is given."""
    return np.linspace(-4.0, 4.0, 401) if z is None else np.asarray(z, dtype=np.float64)


def draw_zero_axes(ax):
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
        draw_zero_axes(ax)
        plot_activation(act, ax, z, order, color="C0")
        ax.set_title(name)
    fig.tight_layout()
    return fig


def plot_activation_grid(acts, z=None, ncols=4):
    """One panel per entry of ``acts`` ({name: activation}): σ solid, σ' dashed."""
    nrows = -(-len(acts) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3 * ncols, 2.3 * nrows), squeeze=False)
    for ax, (name, act) in zip(axes.flat, acts.items(), strict=False):  # spare panels stay empty
        draw_zero_axes(ax)
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
    draw_zero_axes(a)
    plot_activation(Step(low=-1), a, z, label="step (5.16)")
    plot_activation(Sigmoid(), a, z, label="sigmoid")
    a.plot(z, 2 * Sigmoid().function(z) - 1, ls="--", label="scaled sigmoid 2σ(z) − 1")
    plot_activation(Tanh(), a, z, label="tanh")
    draw_zero_axes(b)
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

BOWL_BOUNDS = ((-9.0, 1.5), (-2.6, 2.6))  # the view of chapter 08's ill-conditioned bowl


def plot_contours(surface, ax=None, bounds=BOWL_BOUNDS, levels=None, n=201):
    """Contour lines of a 2-D ``surface`` (a callable on points of shape (..., 2)) over
    ``bounds`` = ((θ₁ min, θ₁ max), (θ₂ min, θ₂ max)); the default levels are spaced
    geometrically, so that the flat valley floor shows. Returns the axes."""
    (x0, x1), (y0, y1) = bounds
    T1, T2 = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    F = surface(np.stack([T1, T2], axis=-1))
    if levels is None:
        low = max(F.min(), 1e-3 * F.max())
        levels = np.geomspace(low, F.max(), 14)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.2))
    ax.contour(T1, T2, F, levels=levels, colors="0.75", linewidths=0.8)
    ax.set_xlabel("θ₁")
    ax.set_ylabel("θ₂")
    return ax


def plot_trajectories(surface, paths, ax=None, bounds=BOWL_BOUNDS, minimum=(0.0, 0.0),
                      colors=None):
    """The contours of ``surface`` and, for each ``name: path`` of ``paths`` (arrays (k, 2) of
    visited points), the path drawn as a line with dots (in ``colors[name]`` if given); the start
    is the first point of each path, the minimum is marked with a star. Returns the axes."""
    ax = plot_contours(surface, ax, bounds)
    (x0, x1), (y0, y1) = bounds
    for name, path in paths.items():
        path = np.asarray(path)
        outside = ~((path[:, 0] >= x0) & (path[:, 0] <= x1) & (path[:, 1] >= y0)
                    & (path[:, 1] <= y1))
        if outside.any():  # a diverging path: draw it until it leaves the view
            path = path[:np.argmax(outside) + 1]
        color = None if colors is None else colors[name]
        ax.plot(path[:, 0], path[:, 1], marker="o", ms=2.5, lw=1.2, color=color,
                label=name + (" (leaves the view)" if outside.any() else ""))
    ax.plot(*minimum, marker="*", ms=12, color="k", ls="none")
    ax.set_xlim(bounds[0])
    ax.set_ylim(bounds[1])
    ax.legend(fontsize=8, ncol=2)
    return ax


def plot_layer_histograms(records, axes=None, bins=60, title=None):
    """Overlaid per-layer histograms, one colour per layer (dark: first, light: last), of the
    activations a[ℓ] (left panel) and of log₁₀|δ[ℓ]|, the size of the back-propagated
    gradients δ[ℓ] = ∂C/∂z[ℓ] (right panel). Exact zeros (switched-off ReLU units) are left out
    of both, and the panel title says so. ``records`` is the list returned by
    ``mlpbook.diagnostics.record_layers``. On the log scale a layer whose gradients vanish or
    explode shows as a shift. Returns the two axes."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 2.8))
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(records)))
    a = [np.ravel(r.a)[np.ravel(r.a) != 0] for r in records]
    d = [np.ravel(r.delta)[np.ravel(r.delta) != 0] for r in records]
    zeros = sum(r.a.size for r in records) - sum(v.size for v in a)
    nonempty = [v for v in a if v.size] or [np.zeros(1)]
    lo, hi = min(v.min() for v in nonempty), max(v.max() for v in nonempty)
    logs = [np.log10(np.abs(v)) for v in d]
    finite = np.concatenate([v[np.isfinite(v)] for v in logs] + [np.zeros(1)])
    llo, lhi = np.floor(finite.min()), np.ceil(finite.max())
    for i, c in enumerate(colors):
        axes[0].hist(a[i], bins=np.linspace(lo, hi + (hi == lo), bins), histtype="step",
                     color=c, label=f"layer {i + 1}")
        axes[1].hist(logs[i], bins=np.linspace(llo, lhi + (lhi == llo), bins), histtype="step",
                     color=c)
    share = zeros / sum(r.a.size for r in records)
    axes[0].set_title("activations a[ℓ]" + (f" ({share:.0%} exact zeros left out)" if zeros
                                             else ""), fontsize=9)
    axes[1].set_title("log₁₀ |δ[ℓ]|,  δ[ℓ] = ∂C/∂z[ℓ]", fontsize=9)
    for ax in axes:
        ax.set_yticks([])
    if title is not None:
        axes[0].set_ylabel(title, fontsize=9)
    return axes


def plot_layer_spread(spreads, ax=None, ylabel="standard deviation"):
    """One line per ``name: values`` of ``spreads`` (a statistic per layer, first layer first)
    against the layer index, on a log scale. Returns the axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.2))
    for name, values in spreads.items():
        values = np.asarray(values, dtype=np.float64)
        ax.semilogy(np.arange(1, len(values) + 1), values, marker="o", ms=3, label=name)
    lo, hi = ax.get_ylim()
    if hi < 100 * lo:  # show at least two decades, so that noise does not look like a trend
        mid = np.sqrt(lo * hi)
        ax.set_ylim(mid / 10, mid * 10)
    ax.set_xlabel("layer ℓ")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    return ax


# ---- chapters 10-11: batch normalisation, regularisation and dropout ----


# ---- chapter 12: case studies ----
