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


# ---- chapters 10-11: batch normalisation, regularisation and dropout ----


# ---- chapter 12: case studies ----
