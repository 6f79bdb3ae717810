"""Figures of the book, drawn with matplotlib (imported only when this module is used; without
it, importing this module says how to install the book's extras).

Each function draws on an ``Axes`` (a new figure when ``ax`` is None) and returns it, so the
notebooks stay short and the figures stay consistent across chapters.
"""

from __future__ import annotations

import numpy as np

from ._extras import import_extra

plt = import_extra("matplotlib.pyplot", "mlpbook.plotting")

# House style, set once when this module is first imported. Lines cycle through the Okabe–Ito
# colours, which stay distinct for colour-blind readers (yellow, weak on white, comes last). In a
# notebook kernel figures are sent as PNG at twice the resolution ("retina"), shown at the same
# size: crisp on high-density screens, while text outputs (what nbval compares) stay the same.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000",
             "#F0E442")


def _house_style():
    import sys

    plt.rcParams["axes.prop_cycle"] = plt.cycler(color=OKABE_ITO)
    ipython = sys.modules.get("IPython")  # loaded in a notebook kernel, not imported here
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and "inline" in plt.get_backend():
        from matplotlib_inline.config import InlineBackend

        InlineBackend.instance(parent=shell).figure_formats = {"retina"}


_house_style()

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


def draw_model(model, ax=None, **kwargs):
    """Draw the network of ``model`` (a ``Sequential``) with a line for every non-zero weight
    only, so that a sparse construction shows its structure (for instance two multiplication
    gates side by side, Figure 5.4 composed).

    The layer sizes come from the model's ``Dense`` layers (N_0 = in_features of the first).
    ``kwargs`` go to ``draw_network`` (node_labels, layer_labels, spacing, title, ...).
    Returns the Axes; ``ax.lines`` holds one line per non-zero entry of the W matrices.
    """
    from .layers import Dense

    denses = [layer for layer in getattr(model, "layers", ()) if isinstance(layer, Dense)]
    if not denses:
        raise ValueError(f"draw_model: expected a Sequential with Dense layers; got {model!r}")
    sizes = [denses[0].in_features] + [d.out_features for d in denses]
    ax = draw_network(sizes, ax=ax, **kwargs)
    # draw_network adds the connections layer by layer, input k before output j: entry W[j, k]
    lines = list(ax.lines)[-sum(d.W.size for d in denses):]
    for line, weight in zip(lines, np.concatenate([d.W.T.ravel() for d in denses]), strict=True):
        if weight == 0:
            line.remove()
    return ax


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

_DERIVATIVE_METHODS = ("function", "derivative", "second_derivative")


def _default_grid(z):
    """401 points on [-4, 4] (the range of the [FCNN web] §4.3 figures) unless a grid is given."""
    return np.linspace(-4.0, 4.0, 401) if z is None else np.asarray(z, dtype=np.float64)


def draw_zero_axes(ax):
    """Faint lines through the origin, as in the figures of [FCNN web] §4.3."""
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
    """Figures 4.1-4.4 of [FCNN web]: the activation (left panel) and its derivative (right)."""
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
    """Figure 5.6 of [MEDL]. (a) The step function (5.16), the sigmoid, tanh, and the sigmoid
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
def draw_backprop_flow(L: int = 3, kind: str = "zeta", ax=None):
    """Figures 5.7 (``kind="zeta"``) and 5.9 (``kind="delta"``): the flow of information in
    backpropagation. Forward values run left to right on top, the backward quantities (ζ[ℓ] or
    δ[ℓ]) right to left below, each layer's parameter gradient drops out at the bottom, and dotted
    lines show which stored forward values each backward step reads."""
    if kind not in ("zeta", "delta"):
        raise ValueError(f"draw_backprop_flow: kind must be 'zeta' or 'delta'; got {kind!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(2.2 * L + 3, 3.6))
    box = dict(boxstyle="round,pad=0.35", ec="0.3")
    arrow = dict(arrowstyle="-|>", color="0.3", lw=1.0, shrinkA=14, shrinkB=14)
    dotted = dict(arrowstyle="-", color="0.55", lw=0.8, ls=":", shrinkA=12, shrinkB=12)

    def node(x, y, text, color):
        ax.text(x, y, text, ha="center", va="center", fontsize=10, zorder=3,
                bbox=dict(box, fc=color))

    def link(p, q, style=arrow):
        ax.annotate("", xy=q, xytext=p, arrowprops=style, zorder=1)

    back = r"\zeta" if kind == "zeta" else r"\delta"
    node(0, 2, r"$x = a^{[0]}$", "#d0ebff")
    for ell in range(1, L + 1):
        x = 2 * ell
        if kind == "delta":
            node(x - 1, 2, f"$z^{{[{ell}]}}$", "white")
            link((x - 2, 2), (x - 1, 2))
            link((x - 1, 2), (x, 2))
        else:
            link((x - 2, 2), (x, 2))
        theta = r"\theta" if kind == "zeta" else "W, b"
        ax.text(x - 1, 2.45, f"${theta}^{{[{ell}]}}$", ha="center", fontsize=9, color="0.25")
        node(x, 2, f"$a^{{[{ell}]}}$", "white")
        bx = x if kind == "zeta" else x - 1
        node(bx, 0.8, f"${back}^{{[{ell}]}}$", "#ffe3e3")
        grad = (f"g_\\theta^{{[{ell}]}}" if kind == "zeta"
                else f"g_W^{{[{ell}]}},\\ g_b^{{[{ell}]}}")
        node(bx, -0.4, f"${grad}$", "#d3f9d8")
        link((bx, 0.8), (bx, -0.4))
        link((x - 2, 2), (bx, 0.8), dotted)
        if kind == "delta":
            link((x - 1, 2), (bx, 0.8), dotted)
        if ell < L:
            link((bx + 2, 0.8), (bx, 0.8))
    node(2 * L + 1.5, 2, r"$C(a^{[L]}, y)$", "#ffd8a8")
    link((2 * L, 2), (2 * L + 1.5, 2))
    link((2 * L + 1.5, 2), (2 * L if kind == "zeta" else 2 * L - 1, 0.8))
    ax.text(-0.6, 2.75, "forward pass →", fontsize=9, color="0.3")
    ax.text(-0.6, 1.3, "← backward pass", fontsize=9, color="0.3")
    ax.set_xlim(-1, 2 * L + 2.6)
    ax.set_ylim(-0.9, 3.0)
    ax.axis("off")
    return ax


_OP_SYMBOL = {"sigmoid": "σ", "softmax_ce": "CE", "neg": "−", "-": "−", "@": "@", "*": "×"}


def draw_graph(root, ax=None):
    """Draw the computation graph of ``root`` (an ``mb.autodiff.Tensor``) from left to right.

    Function nodes (the operations) are circles; variables are boxes with their shapes: leaves
    (inputs, parameters, constants) in blue, named intermediate results in white, ``root`` in
    orange. Unnamed intermediate results are shown by their function node only.
    """
    from collections import defaultdict

    from .autodiff import topological_order

    order = topological_order(root)
    children = defaultdict(list)
    for node in order:
        for p in node.parents:
            children[id(p)].append(node)
    level = {}  # as late as possible: each node one step before its first use, root last
    for node in reversed(order):
        uses = [level[id(c)] for c in children[id(node)]]
        level[id(node)] = min(uses) - 1 if uses else 0
    first = min(level.values())
    level = {k: v - first for k, v in level.items()}
    columns = defaultdict(list)
    for node in order:
        columns[level[id(node)]].append(node)
    y = {id(n): float(i) for col in columns.values() for i, n in enumerate(col)}
    for _ in range(6):  # order each column by the mean height of its neighbours (fewer crossings)
        for col in columns.values():
            def key(n):
                nb = [y[id(m)] for m in (*n.parents, *children[id(n)])]
                return sum(nb) / len(nb) if nb else y[id(n)]
            col.sort(key=key)
            for i, n in enumerate(col):
                y[id(n)] = i - (len(col) - 1) / 2
    if ax is None:
        width = 0.8 * max(level.values()) + 1.5
        height = 0.9 * max(len(c) for c in columns.values()) + 0.6
        _, ax = plt.subplots(figsize=(min(max(width, 6), 16), min(max(height, 2.5), 10)))
    boxed = {id(n) for n in order if not n.parents or n.name}

    def out_xy(n):  # where an arrow leaves n: its box, or its circle when it has no box
        x = 2 * level[id(n)] - (0 if id(n) in boxed else 1)
        return x, y[id(n)]

    arrow = dict(arrowstyle="-|>", color="0.35", lw=0.9, shrinkA=11, shrinkB=11)
    for n in order:
        x, yy = 2 * level[id(n)], y[id(n)]
        if n.parents:
            ax.text(x - 1, yy, _OP_SYMBOL.get(n.op, n.op), ha="center", va="center", fontsize=8,
                    zorder=3, bbox=dict(boxstyle="circle,pad=0.3", fc="#fff3bf", ec="0.3"))
            for k, p in enumerate(n.parents):  # an input used twice gets a second, curved edge
                bend = dict(connectionstyle="arc3,rad=0.4") if p in n.parents[:k] else {}
                ax.annotate("", xy=(x - 1, yy), xytext=out_xy(p), arrowprops={**arrow, **bend},
                            zorder=1)
            if id(n) in boxed:
                ax.annotate("", xy=(x, yy), xytext=(x - 1, yy), arrowprops=arrow, zorder=1)
        if id(n) in boxed:
            shape = "×".join(str(k) for k in n.shape) or "scalar"
            color = "#ffd8a8" if n is root else "#d0ebff" if not n.parents else "white"
            ax.text(x, yy, f"{n.label}\n{shape}", ha="center", va="center", fontsize=8,
                    zorder=3, bbox=dict(boxstyle="round,pad=0.3", fc=color, ec="0.3"))
    xs = [2 * v for v in level.values()]
    ax.set_xlim(min(xs) - 1.5, max(xs) + 1)
    ax.set_ylim(min(y.values()) - 0.8, max(y.values()) + 0.8)
    ax.axis("off")
    return ax


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

def plot_learning_curves(histories, ax=None, keys=("loss", "val_loss"), logy=False):
    """Training and validation curves of several runs: ``histories`` maps a label to a
    ``History`` (or a dict of per-epoch lists). With two keys the first is drawn dashed and the
    second solid, both in the run's colour; a single key is drawn solid. Returns the Axes (one
    line per run and key)."""
    if not histories:
        raise ValueError("plot_learning_curves: expected at least one history; got none")
    ax = _ensure_axes(ax, figsize=(6.0, 3.8))
    for i, (label, h) in enumerate(histories.items()):
        missing = [k for k in keys if k not in h]
        if missing:
            raise ValueError(f"plot_learning_curves: history {label!r} has no {missing}; it has "
                             f"{sorted(h)}")
        for key, style in zip(keys, ("-",) if len(keys) == 1 else ("--", "-"), strict=False):
            values = np.asarray(h[key], dtype=float)
            ax.plot(np.arange(1, len(values) + 1), values, style, color=f"C{i}",
                    label=f"{label}: {key.replace('_', ' ')}")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(keys[0].replace("val_", ""))
    ax.legend(fontsize=8)
    return ax


def plot_reliability_diagram(predictions, ax=None, n_bins: int = 10):
    """Reliability diagrams of several binary classifiers: ``predictions`` maps a label to a pair
    (p (n,) predicted probabilities of class 1, y (n,) outcomes 0/1). Each model is one line
    through the points (mean prediction, observed frequency) of ``mb.metrics.reliability``, with
    marker areas proportional to the bin counts; the diagonal is perfect calibration. Returns
    the Axes."""
    from .metrics import reliability

    if not predictions:
        raise ValueError("plot_reliability_diagram: expected at least one model; got none")
    ax = _ensure_axes(ax, figsize=(4.6, 4.2))
    ax.plot([0, 1], [0, 1], ":", color="0.5", label="calibrated")
    for i, (label, (p, y)) in enumerate(predictions.items()):
        mean_p, frequency, count = reliability(p, y, n_bins)
        full = count > 0
        ax.plot(mean_p[full], frequency[full], "-", color=f"C{i}", lw=1.2, label=label)
        ax.scatter(mean_p[full], frequency[full], s=200 * count[full] / count.sum(),
                   color=f"C{i}", alpha=0.7, zorder=3)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("predicted probability of class 1 (bin mean)")
    ax.set_ylabel("observed frequency of class 1")
    ax.legend(fontsize=8)
    return ax


# The nodes of Figure 5.10: label and (x, y) position; the edges follow (5.38)-(5.40).
_FIG_5_10_NODES = {
    "z1": ("$z^{(1)}$", (0.0, 2.0)), "zi": ("$z^{(i)}$", (0.0, 1.0)),
    "zn": ("$z^{(n_b)}$", (0.0, 0.0)),
    "mu": (r"$\hat\mu$", (1.6, 1.9)), "var": (r"$\hat\sigma^2$", (1.6, 0.1)),
    "zbar": (r"$\bar z^{(i)}$", (3.2, 1.0)), "gamma": (r"$\gamma$", (3.2, 2.2)),
    "beta": (r"$\beta$", (3.2, -0.2)), "ztil": (r"$\tilde z^{(i)}$", (4.6, 1.0)),
    "C": ("$C$", (5.9, 1.0)),
}
_FIG_5_10_EDGES = [("z1", "mu"), ("zi", "mu"), ("zn", "mu"), ("z1", "var"), ("zi", "var"),
                   ("zn", "var"), ("mu", "var"), ("zi", "zbar"), ("mu", "zbar"),
                   ("var", "zbar"), ("zbar", "ztil"), ("gamma", "ztil"), ("beta", "ztil"),
                   ("ztil", "C")]


def plot_figure_5_10(ax=None):
    """Figure 5.10: the computation graph of batch normalisation for one unit. Each sample's
    z⁽ⁱ⁾ feeds the batch mean μ̂ and variance σ̂² (5.38); z⁽ⁱ⁾, μ̂, σ̂² give z̄⁽ⁱ⁾ (5.39); z̄⁽ⁱ⁾, γ,
    β give z̃⁽ⁱ⁾ (5.40), which reaches the loss C. Every edge is an arrow annotation
    (``len(ax.texts)`` is the number of nodes plus edges). Returns the Axes."""
    ax = _ensure_axes(ax, figsize=(7.0, 3.0))
    box = {"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "k"}
    for name, (label, (x, y)) in _FIG_5_10_NODES.items():
        trained = name in ("gamma", "beta")
        ax.text(x, y, label, ha="center", va="center", fontsize=12, zorder=3,
                bbox={**box, "facecolor": "#fdd0a2" if trained else "white"})
    for a, b in _FIG_5_10_EDGES:
        (xa, ya), (xb, yb) = _FIG_5_10_NODES[a][1], _FIG_5_10_NODES[b][1]
        ax.annotate("", xy=(xb, yb), xytext=(xa, ya), zorder=2,
                    arrowprops={"arrowstyle": "->", "color": "0.35", "shrinkA": 14,
                                "shrinkB": 14})
    for y in (1.55, 0.45):
        ax.text(0.0, y, r"$\vdots$", ha="center", va="center", fontsize=12)
    ax.set_xlim(-0.6, 6.4)
    ax.set_ylim(-0.7, 2.7)
    ax.axis("off")
    ax.set_title("Figure 5.10: batch normalisation of one unit (γ, β trained)")
    return ax


def plot_figure_5_11(keep, ax=None, title=None):
    """One training step of dropout, as in Figure 5.11: the network whose layer sizes are the
    lengths of ``keep`` (a list of boolean arrays, input layer first; True = kept), with every
    dropped unit drawn dashed and without its connections. Returns the Axes; the connections
    still drawn are ``[l for l in ax.lines if l.get_visible()]``."""
    keep = [np.asarray(k, dtype=bool).reshape(-1) for k in keep]
    ax = draw_network([k.size for k in keep], ax=ax, title=title)
    centres = [(round(c.center[0], 6), round(c.center[1], 6)) for c in ax.patches]
    kept = dict(zip(centres, np.concatenate(keep), strict=True))
    for circle, centre in zip(ax.patches, centres, strict=True):
        if not kept[centre]:
            circle.set_facecolor("white")
            circle.set_linestyle("--")
            circle.set_edgecolor("0.5")
    radius = ax.patches[0].radius
    for line in ax.lines:
        (xa, xb), (ya, yb) = line.get_xdata(), line.get_ydata()
        ends = ((round(xa - radius, 6), round(ya, 6)), (round(xb + radius, 6), round(yb, 6)))
        line.set_visible(all(kept[e] for e in ends))
    return ax


def constrained_minimum(A, center, t, norm, n=40001):
    """The minimiser of the quadratic error (β − c)ᵀA(β − c) over the ball ‖β‖ ≤ t of the
    ``norm`` "l1" (the diamond |β₁| + |β₂| ≤ t, lasso) or "l2" (the disc, ridge), for a centre c
    (2,) outside the ball, so that the minimiser lies on its boundary (searched on ``n`` points,
    the diamond's corners among them). A: (2, 2) symmetric positive definite. Returns β (2,)."""
    A, c = np.asarray(A, dtype=float), np.asarray(center, dtype=float)
    if A.shape != (2, 2) or c.shape != (2,):
        raise ValueError(f"constrained_minimum: expected A (2, 2) and center (2,); got "
                         f"{A.shape} and {c.shape}")
    if norm not in ("l1", "l2"):
        raise ValueError(f"constrained_minimum: norm must be 'l1' or 'l2'; got {norm!r}")
    if np.sum(np.abs(c) if norm == "l1" else c**2) <= (t if norm == "l1" else t**2):
        raise ValueError("constrained_minimum: the centre lies inside the ball; the minimiser is "
                         "the centre itself")
    phi = np.linspace(0.0, 2 * np.pi, 4 * ((n - 1) // 4) + 1)  # contains 0, π/2, π, 3π/2
    u = np.column_stack([np.cos(phi), np.sin(phi)])
    u[np.abs(u) < 1e-12] = 0.0  # exact corners on the axes
    if norm == "l1":
        u /= np.abs(u).sum(axis=1, keepdims=True)
    boundary = t * u
    d = boundary - c
    return boundary[np.argmin(np.einsum("ni,ij,nj->n", d, A, d))]


def plot_figure_3_11(A, center, t, axes=None):
    """[Peeters]'s Figure 3.11 (from Hastie, Tibshirani and Friedman): contours of a quadratic
    error (β − c)ᵀA(β − c) around the unconstrained minimiser c and the constraint regions
    |β₁| + |β₂| ≤ t (lasso, left) and β₁² + β₂² ≤ t² (ridge, right), each with its constrained
    minimiser (``constrained_minimum``) marked. Returns the two Axes."""
    from matplotlib.patches import Circle, Polygon

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(8.0, 4.0))
    c = np.asarray(center, dtype=float)
    lim = 1.25 * max(t, np.abs(c).max() + t)
    g1, g2 = np.meshgrid(np.linspace(-lim, lim, 201), np.linspace(-lim, lim, 201))
    d = np.stack([g1 - c[0], g2 - c[1]], axis=-1)
    err = np.einsum("...i,ij,...j->...", d, np.asarray(A, dtype=float), d)
    for ax, norm, name in zip(axes, ("l1", "l2"), ("lasso (L1)", "ridge (L2)"), strict=True):
        beta = constrained_minimum(A, c, t, norm)
        best = float((beta - c) @ np.asarray(A, dtype=float) @ (beta - c))
        region = (Polygon([(t, 0), (0, t), (-t, 0), (0, -t)], closed=True) if norm == "l1"
                  else Circle((0, 0), t))
        region.set(facecolor="#6baed6", alpha=0.6, edgecolor="k")
        ax.add_patch(region)
        ax.contour(g1, g2, err, levels=best * np.array([1.0, 2.0, 3.5, 5.5]), colors="tab:red",
                   linewidths=1.0)
        ax.plot(*c, "k.", ms=8)
        ax.annotate(r"$\hat\beta$", c, xytext=(5, 5), textcoords="offset points")
        ax.plot(*beta, "o", color="k", mfc="yellow", ms=7, zorder=4)
        draw_zero_axes(ax)
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.set_xlabel(r"$\beta_1$")
        ax.set_ylabel(r"$\beta_2$")
        ax.set_title(f"{name}: minimiser ({beta[0]:.2f}, {beta[1]:.2f})")
    return axes


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


def plot_sweep_learning_curves(sweep, index, ax=None, title=None):
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



# --- chapter 12: a classifier's learning curves -----------------------------------------------


def plot_history(history, title: str = "", axes=None, ylim=(0.8, 1.005)):
    """Loss (log scale) and accuracy of a classifier after each epoch, training and validation,
    side by side. ``history``: a ``History`` of ``fit`` with ``loss``, ``val_loss``,
    ``accuracy`` and ``val_accuracy`` (E values each). Returns the two axes."""
    missing = [k for k in ("loss", "val_loss", "accuracy", "val_accuracy") if k not in history]
    if missing:
        raise ValueError(f"plot_history: the history has no {missing}; it has {sorted(history)}")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 3.4))
    epochs = np.arange(1, len(history["loss"]) + 1)
    for ax, key, ylabel in zip(axes, ("loss", "accuracy"), ("cross-entropy", "accuracy"),
                               strict=True):
        ax.plot(epochs, history[key], label="training")
        ax.plot(epochs, history["val_" + key], label="test")
        ax.set(xlabel="epoch", ylabel=ylabel, title=f"{title}: {key}" if title else key)
        ax.legend()
    axes[0].set_yscale("log")
    axes[1].set_ylim(*ylim)
    return axes
