"""Figures of chapters 01-02: points, decision lines and regions, network diagrams."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Circle

from mlpbook import plotting


def circles(ax):
    return [p for p in ax.patches if isinstance(p, Circle)]


# ---- draw_network ---------------------------------------------------------------------------

@pytest.mark.parametrize("sizes", [[4, 5, 1], [4, 4, 3, 5, 1], [2, 1], [1, 7, 7, 3]])
def test_draw_network_one_circle_per_neuron_and_one_line_per_weight(sizes):
    ax = plotting.draw_network(sizes)
    assert len(circles(ax)) == sum(sizes)
    n_weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    assert len(ax.lines) == n_weights


def test_draw_network_layers_are_columns_inside_the_limits():
    sizes = [4, 4, 3, 5, 1]
    ax = plotting.draw_network(sizes)
    centres = np.array([c.center for c in circles(ax)])
    columns = np.unique(np.round(centres[:, 0], 9))
    assert len(columns) == len(sizes)
    counts = [int(np.sum(np.isclose(centres[:, 0], x))) for x in columns]
    assert counts == sizes
    r = circles(ax)[0].radius
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 < centres[:, 0].min() - r and centres[:, 0].max() + r < x1
    assert y0 < centres[:, 1].min() - r and centres[:, 1].max() + r < y1
    # every column is centred vertically: the network is symmetric about y = 0
    for x in columns:
        assert np.isclose(centres[np.isclose(centres[:, 0], x), 1].mean(), 0.0)


def test_draw_network_every_line_joins_neighbouring_columns():
    ax = plotting.draw_network([3, 2, 2])
    xs = sorted({round(c.center[0], 9) for c in circles(ax)})
    for line in ax.lines:
        (xa, xb) = line.get_xdata()
        left = [x for x in xs if x < xa][-1]
        right = [x for x in xs if x > xb][0]
        assert xs.index(right) == xs.index(left) + 1


def test_draw_network_labels_are_written():
    ax = plotting.draw_network([2, 3, 1], node_labels=[["a", "b"], None, ["out"]],
                               layer_labels=["in", "hidden", "output"], title="T")
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == sorted(["a", "b", "out", "in", "hidden", "output"])
    assert ax.get_title() == "T"


def test_draw_network_uses_a_given_axes():
    fig, ax = plt.subplots()
    assert plotting.draw_network([2, 2], ax=ax) is ax
    assert len(fig.axes) == 1


def test_draw_model_draws_exactly_the_non_zero_weights():
    import mlpbook as mb

    net = mb.Sequential(mb.Dense(3, 2, init="zeros"), mb.ReLU(), mb.Dense(2, 1, init="zeros"))
    net[0].W[...] = [[1.0, 0.0, 2.0], [0.0, 0.0, -1.0]]  # x1 -> h1, x3 -> h1, x3 -> h2
    net[2].W[...] = [[0.0, 3.0]]  # h2 -> output
    ax = plotting.draw_model(net)
    assert len(circles(ax)) == 6
    centre = {}  # (column, row from the top) -> centre of the circle
    for c in circles(ax):
        centre.setdefault(round(c.center[0], 9), []).append(c.center)
    cols = [sorted(centre[x], key=lambda p: -p[1]) for x in sorted(centre)]
    r = circles(ax)[0].radius
    drawn = set()
    for line in ax.lines:
        (xa, _), (ya, yb) = line.get_xdata(), line.get_ydata()
        ell = [i for i, col in enumerate(cols) if np.isclose(col[0][0] + r, xa)][0]
        k = [i for i, p in enumerate(cols[ell]) if np.isclose(p[1], ya)][0]
        j = [i for i, p in enumerate(cols[ell + 1]) if np.isclose(p[1], yb)][0]
        drawn.add((ell, j, k))
    assert drawn == {(0, 0, 0), (0, 0, 2), (0, 1, 2), (1, 0, 1)}


def test_draw_model_rejects_what_has_no_dense_layers():
    with pytest.raises(ValueError, match="Dense layers"):
        plotting.draw_model([1, 2, 3])


@pytest.mark.parametrize("sizes", [[3], [], [3, 0, 1], [2.5, 1]])
def test_draw_network_rejects_bad_sizes(sizes):
    with pytest.raises(ValueError, match="positive integer layer sizes"):
        plotting.draw_network(sizes)


def test_draw_network_rejects_labels_of_the_wrong_length():
    with pytest.raises(ValueError, match="expected 3 layer_labels"):
        plotting.draw_network([2, 2, 1], layer_labels=["a", "b"])
    with pytest.raises(ValueError, match="layer 1 has 2 neurons; got 3"):
        plotting.draw_network([2, 2, 1], node_labels=[None, ["a", "b", "c"], None])


# ---- points, lines and regions --------------------------------------------------------------

def test_plot_points_draws_each_class_once():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    ax = plotting.plot_points(X, y)
    offsets = [c.get_offsets() for c in ax.collections]
    assert len(offsets) == 2
    np.testing.assert_array_equal(offsets[0], X[y == 0])
    np.testing.assert_array_equal(offsets[1], X[y == 1])


def test_plot_points_rejects_mismatched_labels():
    with pytest.raises(ValueError, match=r"expected points X of shape \(n, 2\)"):
        plotting.plot_points(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="expected 4 labels"):
        plotting.plot_points(np.zeros((4, 2)), np.zeros(3))


@pytest.mark.parametrize("w, b", [([1.0, 2.0], -0.5), ([3.0, 0.1], 1.0), ([0.0, -1.0], 0.25)])
def test_plot_decision_line_lies_on_the_line(w, b):
    bounds = ((-2.0, 2.0), (-2.0, 2.0))
    ax = plotting.plot_decision_line(w, b, bounds=bounds)
    (line,) = ax.lines
    xs, ys = line.get_xdata(), line.get_ydata()
    np.testing.assert_allclose(w[0] * xs + w[1] * ys + b, 0.0, atol=1e-12)
    assert ax.get_xlim() == bounds[0] and ax.get_ylim() == bounds[1]


def test_plot_decision_line_rejects_zero_weights():
    with pytest.raises(ValueError, match="w = 0"):
        plotting.plot_decision_line([0.0, 0.0], 1.0)


def test_plot_decision_regions_colours_by_class_and_traces_the_boundary():
    # class 1 when x1 >= 0.3: the boundary is the vertical line x1 = 0.3
    def predict(P):
        return (P[:, 0] >= 0.3).astype(float).reshape(-1, 1)

    ax = plotting.plot_decision_regions(predict, bounds=((-1, 1), (-1, 1)), resolution=101)
    filled, boundary = ax.collections[:2]
    assert len(ax.collections) == 2  # no data given: no scatter
    vertices = np.vstack([p.vertices for p in boundary.get_paths()])
    assert len(vertices) > 0
    np.testing.assert_allclose(vertices[:, 0], 0.3, atol=0.02)
    assert ax.get_xlim() == (-1.0, 1.0) and ax.get_ylim() == (-1.0, 1.0)


def test_plot_decision_regions_with_one_class_draws_no_boundary():
    ax = plotting.plot_decision_regions(lambda P: np.zeros(len(P)), bounds=((0, 1), (0, 1)))
    assert len(ax.collections) == 1  # the filled regions only


def test_plot_decision_regions_scatters_the_data_and_fits_its_extent():
    X = np.array([[-2.0, 0.0], [3.0, 1.0], [0.0, -4.0]])
    y = np.array([0, 1, 1])
    ax = plotting.plot_decision_regions(lambda P: P[:, 0], X, y)
    assert len(ax.collections) == 4  # regions, boundary, two classes of points
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    assert x0 < -2 and x1 > 3 and y0 < -4 and y1 > 1


def test_plot_decision_regions_rejects_a_predict_of_the_wrong_size():
    with pytest.raises(ValueError, match="one score per point"):
        plotting.plot_decision_regions(lambda P: np.zeros((len(P), 2)), bounds=((0, 1), (0, 1)))
