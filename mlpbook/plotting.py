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


# ---- chapters 10-11: batch normalisation, regularisation and dropout ----


# ---- chapter 12: case studies ----

def plot_sweep(values, sweep, ax=None, xlabel="", logx=False, reference=None):
    """Final training and test mean squared error of an ``mb.sweeps.Sweep`` against the swept
    ``values`` (one per architecture): the mean over seeds as a line, their range as a band, the
    best test value circled. ``reference``: (label, error) drawn as a horizontal line."""
    values = np.asarray(values, dtype=float)
    if values.shape != (len(sweep.sizes),):
        raise ValueError(f"plot_sweep: expected {len(sweep.sizes)} values (one per architecture); "
                         f"got shape {values.shape}")
    ax = _ensure_axes(ax, (5.0, 3.6))
    for which, color in (("train", "C0"), ("test", "C1")):
        final = getattr(sweep, which)[:, :, -1]  # (A, S)
        ax.plot(values, final.mean(axis=1), "o-", color=color, label=f"{which} error")
        if final.shape[1] > 1:
            ax.fill_between(values, final.min(axis=1), final.max(axis=1), color=color, alpha=0.2)
    best = int(np.argmin(sweep.final("test")))
    ax.plot(values[best], sweep.final("test")[best], "o", ms=14, mfc="none", mec="C3",
            label="lowest test error")
    if reference is not None:
        ax.axhline(reference[1], color="0.4", ls="--", lw=1, label=reference[0])
    if logx:
        ax.set_xscale("log", base=2)
    ax.set_xticks(values, [f"{v:g}" for v in values])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("mean squared error")
    ax.legend(fontsize=8)
    return ax


def plot_learning_curves(sweep, index, ax=None, title=None):
    """Training and test error of architecture ``index`` of a ``Sweep`` after each epoch (mean over
    seeds, thin lines for each seed)."""
    ax = _ensure_axes(ax, (5.0, 3.6))
    epochs = np.arange(1, sweep.train.shape[2] + 1)
    for which, color in (("train", "C0"), ("test", "C1")):
        curves = getattr(sweep, which)[index]  # (S, E)
        ax.plot(epochs, curves.T, color=color, lw=0.6, alpha=0.4)
        ax.plot(epochs, curves.mean(axis=0), color=color, label=f"{which} error")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean squared error")
    ax.set_title(title or "-".join(str(s) for s in sweep.sizes[index]))
    ax.legend(fontsize=8)
    return ax


def plot_confusion_matrix(cm, ax=None, class_names=None):
    """A confusion matrix (rows: true class, columns: predicted class) as an image with the count
    written in every nonzero cell."""
    cm = np.asarray(cm)
    K = cm.shape[0]
    if cm.ndim != 2 or cm.shape != (K, K):
        raise ValueError(f"plot_confusion_matrix: expected a square matrix; got shape {cm.shape}")
    names = [str(k) for k in range(K)] if class_names is None else list(class_names)
    ax = _ensure_axes(ax, (4.6, 4.2))
    ax.imshow(cm, cmap="Blues")
    for i in range(K):
        for j in range(K):
            if cm[i, j]:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_xticks(range(K), names)
    ax.set_yticks(range(K), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    return ax


def plot_digit_images(images, titles, shape=(8, 8), ncols=8):
    """Images given as rows of pixels (n, h·w) in a grid of ``ncols`` columns, each with its title;
    dark is ink. Returns the figure."""
    images = np.asarray(images)
    if images.ndim != 2 or images.shape[1] != shape[0] * shape[1] or len(titles) != len(images):
        raise ValueError(f"plot_digit_images: expected images (n, {shape[0] * shape[1]}) and n "
                         f"titles; got shape {images.shape} and {len(titles)} titles")
    nrows = max(1, -(-len(images) // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.2 * ncols, 1.45 * nrows), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < len(images):
            ax.imshow(images[k].reshape(shape), cmap="gray_r")
            ax.set_title(titles[k], fontsize=8)
    fig.tight_layout()
    return fig


def plot_batch_size_runs(runs, axes=None):
    """Training loss of ``mb.sweeps.batch_size_sweep`` runs against epochs, parameter updates and
    seconds of training, one line per batch size. Returns the three axes."""
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(12, 3.4), sharey=True)
    for k, (B, run) in enumerate(runs.items()):
        epochs = np.arange(len(run["loss"]))
        for ax, x in zip(axes, (epochs, run["updates"], run["seconds"]), strict=True):
            ax.plot(x, run["loss"], "o-", ms=3, color=f"C{k}", label=f"batch {B}")
    axes[0].set_ylabel("training loss")
    for ax, label in zip(axes, ("epoch", "parameter updates", "training time (s)"), strict=True):
        ax.set_xlabel(label)
        ax.set_yscale("log")
    axes[1].set_xscale("symlog", linthresh=1)  # linear below one update: room for the start at 0
    axes[1].set_xlim(left=0)
    axes[0].legend(fontsize=8)
    return axes

