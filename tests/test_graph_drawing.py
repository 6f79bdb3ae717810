"""Figures of chapters 06-07: the computation-graph drawing and Figures 5.7 / 5.9."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.text import Annotation

import mlpbook as mb
from mlpbook.autodiff import Tensor, from_sequential, squared_loss, topological_order
from mlpbook.plotting import draw_backprop_flow, draw_graph


def small_graph():
    net = mb.Sequential(mb.Dense(2, 3, rng=0), mb.Sigmoid(), mb.Dense(3, 2, rng=1))
    out, _ = from_sequential(net, np.ones((1, 2)))
    return squared_loss(out, Tensor(np.zeros((1, 2)), name="d")).named("C")


def boxes(ax, style):
    return [t for t in ax.texts if not isinstance(t, Annotation) and t.get_bbox_patch() is not None
            and type(t.get_bbox_patch().get_boxstyle()).__name__ == style]


def test_draw_graph_has_one_circle_per_operation_and_a_box_per_named_variable():
    C = small_graph()
    order = topological_order(C)
    ax = draw_graph(C)
    circles, rounded = boxes(ax, "Circle"), boxes(ax, "Round")
    assert len(circles) == sum(1 for n in order if n.parents)
    labelled = [n for n in order if not n.parents or n.name]
    assert len(rounded) == len(labelled)
    shown = {t.get_text().split("\n")[0] for t in rounded}
    assert {"x", "W[1]", "b[1]", "z[1]", "a[1]", "W[2]", "z[2]", "d", "C"} <= shown
    plt.close(ax.figure)


def test_draw_graph_edges_run_left_to_right_one_per_input():
    C = small_graph()
    order = topological_order(C)
    ax = draw_graph(C)
    arrows = [t for t in ax.texts if isinstance(t, Annotation)]
    n_boxed_results = sum(1 for n in order if n.parents and n.name)
    assert len(arrows) == sum(len(n.parents) for n in order) + n_boxed_results
    assert all(a.xyann[0] < a.xy[0] for a in arrows)  # from parent (left) to child (right)
    plt.close(ax.figure)


@pytest.mark.parametrize("kind, symbol", [("zeta", r"\zeta"), ("delta", r"\delta")])
def test_backprop_flow_shows_one_backward_node_and_gradient_per_layer(kind, symbol):
    ax = draw_backprop_flow(L=4, kind=kind)
    text = [t.get_text() for t in ax.texts]
    for ell in range(1, 5):
        assert f"${symbol}^{{[{ell}]}}$" in text
        assert f"$a^{{[{ell}]}}$" in text
        assert any(t.startswith("$g_") and f"[{ell}]" in t for t in text)
    assert any("z^{[1]}" in t for t in text) == (kind == "delta")
    plt.close(ax.figure)


def test_backprop_flow_rejects_an_unknown_kind():
    with pytest.raises(ValueError, match="kind must be 'zeta' or 'delta'; got 'eta'"):
        draw_backprop_flow(kind="eta")
