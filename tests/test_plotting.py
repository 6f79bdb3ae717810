"""mb.plotting: every figure of the chapters draws what it says, checked against independent
references (the data it was given, closed forms, hand-set models)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from fake_sweeps import fake_sweep, labelled
from matplotlib.patches import Circle
from matplotlib.text import Annotation

import mlpbook as mb
from mlpbook import plotting
from mlpbook.autodiff import Tensor, from_sequential, squared_loss, topological_order
from mlpbook.constructions import relu_interpolation
from mlpbook.datasets import fstar as f_star
from mlpbook.diagnostics import LayerRecord
from mlpbook.metrics import reliability
from mlpbook.plotting import draw_backprop_flow, draw_graph
from mlpbook.surfaces import ill_conditioned_bowl

# ---- chapters 01-02: network diagrams, points, decision lines and regions ------------------------

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


# ---- chapter 03: Figure 5.2, error rates, decision boundaries, linear regions --------------------

def line_by_label(ax, start):
    return next(line for line in ax.get_lines() if line.get_label().startswith(start))


def test_plot_interpolation_draws_target_network_and_knots():
    u = np.array([0.0, 1.0, 2.5, 4.0])
    ax = plotting.plot_interpolation(relu_interpolation(u, f_star(u)), f_star, u)
    x, y = line_by_label(ax, "network").get_data()
    np.testing.assert_allclose(y, np.interp(x, u, f_star(u)), atol=1e-12)
    x, y = line_by_label(ax, "target").get_data()
    np.testing.assert_allclose(y, f_star(x))
    x, y = line_by_label(ax, "knots").get_data()
    np.testing.assert_array_equal(x, u)


def test_plot_error_rate_reference_line_has_the_slope():
    n = np.array([10.0, 100.0, 1000.0])
    ax = plotting.plot_error_rate(n, [1.0, 0.02, 3e-4], reference_slope=-2)
    x, y = line_by_label(ax, "slope").get_data()
    np.testing.assert_allclose(np.diff(np.log(y)) / np.diff(np.log(x)), -2)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"


def test_decision_grid_covers_the_data():
    X = np.array([[0.0, -1.0], [2.0, 3.0]])
    xs, ys, G = plotting.decision_grid(X, n_grid=5, pad=0.5)
    np.testing.assert_allclose([xs[0], xs[-1], ys[0], ys[-1]], [-0.5, 2.5, -1.5, 3.5])
    assert G.shape == (25, 2)
    np.testing.assert_array_equal(G[:5, 1], ys[0])  # first grid row: y fixed, x varying
    np.testing.assert_array_equal(G[:5, 0], xs)


def test_plot_decision_boundary_shades_the_predicted_class():
    # a hand-set linear classifier: class 1 where x1 − 2 x2 + 0.5 > 0
    model = mb.Sequential(mb.Dense(2, 1, init="zeros"))
    model[0].W[:] = [[1.0, -2.0]]
    model[0].b[:] = [0.5]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] - 2 * X[:, 1] + 0.5 > 0).astype(float)
    ax = plotting.plot_decision_boundary(model, X, y, n_grid=50)
    xs, ys, G = plotting.decision_grid(X, 50, 0.5)
    want = (G[:, 0] - 2 * G[:, 1] + 0.5 > 0).reshape(50, 50)
    np.testing.assert_array_equal(np.asarray(ax.images[0].get_array()), want)


def test_region_colours_tell_neighbouring_labels_apart():
    rgb = plotting.region_colours(np.arange(40))
    assert rgb.shape == (40, 3)
    assert np.all(np.linalg.norm(np.diff(rgb, axis=0), axis=1) > 0.1)
    assert len({tuple(c) for c in np.round(rgb, 6)}) == 40


def test_plot_linear_regions_paints_each_label():
    labels = np.array([[0, 0, 1], [2, 2, 1]])
    ax = plotting.plot_linear_regions(labels, np.arange(3.0), np.arange(2.0))
    np.testing.assert_allclose(ax.images[0].get_array(), plotting.region_colours(labels))


# ---- chapters 04-05: activations and losses, compared with formulas written out here -------------

Z = np.linspace(-3.0, 3.0, 61)


def data_lines(ax):
    """The curves of an axes, without the faint zero lines (axhline/axvline)."""
    return [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 2]


@pytest.mark.parametrize("act, order, formula", [
    (mb.Sigmoid(), 0, lambda z: 1 / (1 + np.exp(-z))),
    (mb.Tanh(), 1, lambda z: 1 / np.cosh(z) ** 2),
    (mb.Arctan(), 2, lambda z: -2 * z / (1 + z * z) ** 2),
    (mb.LeakyReLU(0.2), 1, lambda z: np.where(z >= 0, 1.0, 0.2)),
])
def test_plot_activation_draws_the_requested_derivative(act, order, formula):
    ax = plotting.plot_activation(act, z=Z, order=order)
    (line,) = data_lines(ax)
    np.testing.assert_allclose(line.get_xdata(), Z)
    np.testing.assert_allclose(line.get_ydata(), formula(Z), rtol=1e-12, atol=1e-14)


def test_plot_activation_default_grid_is_the_web_chapters_range():
    (line,) = data_lines(plotting.plot_activation(mb.ReLU()))
    assert line.get_xdata()[0] == -4 and line.get_xdata()[-1] == 4


def test_plot_activation_rejects_missing_derivative_and_bad_order():
    with pytest.raises(ValueError, match="second_derivative"):
        plotting.plot_activation(mb.ReLU(), order=2)
    with pytest.raises(ValueError, match="order must be 0, 1 or 2"):
        plotting.plot_activation(mb.Sigmoid(), order=3)


def test_figures_4_x_show_function_then_derivative():
    fig = plotting.plot_activation_and_derivative(mb.ReLU(), "ReLU", z=Z)
    left, right = fig.axes
    assert (left.get_title(), right.get_title()) == ("ReLU", "Derivative")
    np.testing.assert_array_equal(data_lines(left)[0].get_ydata(), np.maximum(Z, 0))
    np.testing.assert_array_equal(data_lines(right)[0].get_ydata(), (Z >= 0).astype(float))


def test_activation_grid_one_panel_per_activation_and_spares_hidden():
    acts = {"softplus": mb.Softplus(), "softsign": mb.Softsign(), "tanh": mb.Tanh()}
    fig = plotting.plot_activation_grid(acts, z=Z, ncols=2)
    assert len(fig.axes) == 4 and not fig.axes[3].axison
    ax = fig.axes[0]
    assert ax.get_title() == "softplus"
    sigma, dsigma = data_lines(ax)
    np.testing.assert_allclose(sigma.get_ydata(), np.log(1 + np.exp(Z)), rtol=1e-12)
    np.testing.assert_allclose(dsigma.get_ydata(), 1 / (1 + np.exp(-Z)), rtol=1e-12)
    assert dsigma.get_linestyle() == "--"
    np.testing.assert_allclose(data_lines(fig.axes[1])[1].get_ydata(), 1 / (1 + np.abs(Z)) ** 2)


def test_figure_5_6_panels():
    fig = plotting.plot_figure_5_6(z=Z, eps=(0.1, 0.3))
    a, b = fig.axes
    curves = {ln.get_label(): ln.get_ydata() for ln in data_lines(a)}
    np.testing.assert_array_equal(curves["step (5.16)"], np.where(Z >= 0, 1.0, -1.0))
    # the rescaled sigmoid of panel (a) is tanh(z/2), not tanh(z)
    np.testing.assert_allclose(curves["scaled sigmoid 2σ(z) − 1"], np.tanh(Z / 2), atol=1e-14)
    np.testing.assert_allclose(curves["tanh"], np.tanh(Z))
    lines = {ln.get_label(): ln.get_ydata() for ln in data_lines(b)}
    assert set(lines) == {"ReLU (5.17)", "leaky ReLU, ε = 0.1", "leaky ReLU, ε = 0.3"}
    neg = Z < 0
    np.testing.assert_allclose(lines["leaky ReLU, ε = 0.3"][neg] / Z[neg], 0.3)
    np.testing.assert_allclose(lines["leaky ReLU, ε = 0.3"][~neg], Z[~neg])


@pytest.mark.parametrize("loss, targets, value, grad", [
    (mb.SquaredLoss(), np.full((61, 1), 0.5), lambda z: 0.5 * (z - 0.5) ** 2, lambda z: z - 0.5),
    (mb.BCEWithLogitsLoss(), np.ones((61, 1)), lambda z: np.log1p(np.exp(-z)),
     lambda z: 1 / (1 + np.exp(-z)) - 1),
    (mb.CrossEntropyLoss(reduction="sum"), np.zeros(61, dtype=int),  # logits (z, 0), label 0
     lambda z: np.log(np.exp(z) + 1) - z, lambda z: np.exp(z) / (np.exp(z) + 1) - 1),
])
def test_plot_loss_and_gradient_per_sample(loss, targets, value, grad):
    outputs = Z[:, None] if targets.ndim == 2 else np.column_stack([Z, np.zeros_like(Z)])
    ax = plotting.plot_loss_and_gradient(loss, outputs, targets, label="pair")
    values, grads = ax.get_lines()
    np.testing.assert_allclose(values.get_xdata(), Z)
    np.testing.assert_allclose(values.get_ydata(), value(Z), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grads.get_ydata(), grad(Z), rtol=1e-10, atol=1e-12)
    assert values.get_label() == "pair" and grads.get_color() == values.get_color()


# ---- chapters 06-07: the computation-graph drawing and Figures 5.7 / 5.9 -------------------------

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


# ---- chapters 08-09: contours, trajectories and per-layer histograms -----------------------------

def test_plot_trajectories_truncates_a_diverging_path():
    bowl = ill_conditioned_bowl()
    inside = np.array([[-8.0, 2.0], [-4.0, 1.0], [0.0, 0.0]])
    leaving = np.array([[-8.0, 2.0], [-8.0, -3.0], [-8.0, 30.0], [-8.0, -300.0]])
    ax = plotting.plot_trajectories(bowl, {"in": inside, "out": leaving})
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    np.testing.assert_array_equal(lines["in"].get_xydata(), inside)
    np.testing.assert_array_equal(lines["out (leaves the view)"].get_xydata(), leaving[:2])
    assert ax.get_xlim() == plotting.BOWL_BOUNDS[0]


def test_plot_contours_levels_follow_the_surface():
    bowl = ill_conditioned_bowl()
    ax = plotting.plot_contours(bowl, bounds=((-1, 1), (-1, 1)), n=11)
    levels = ax.collections[0].levels
    assert levels.max() == pytest.approx(bowl(np.array([1.0, 1.0])))
    assert np.all(np.diff(levels) > 0)


def test_plot_layer_histograms_counts_every_nonzero_entry():
    rng = np.random.default_rng(1)
    records = []
    for k in range(3):
        z = rng.standard_normal((20, 4)) * 10.0**-k
        a = np.maximum(z, 0)
        records.append(LayerRecord(z=z, a=a, delta=z * (z > 0), zeta=z, dW=np.zeros((4, 4))))
    ax_a, ax_d = plotting.plot_layer_histograms(records)
    assert len(ax_a.patches) == len(ax_d.patches) == 3
    for k, (pa, pd) in enumerate(zip(ax_a.patches, ax_d.patches, strict=True)):
        nonzero = np.count_nonzero(records[k].a)
        # a step histogram's outline: heights at the vertices; sum of bar heights = count
        heights_a = pa.get_xy()[1:-1:2, 1]
        heights_d = pd.get_xy()[1:-1:2, 1]
        assert heights_a.sum() == nonzero and heights_d.sum() == np.count_nonzero(records[k].delta)
    assert "exact zeros left out" in ax_a.get_title()


def test_plot_layer_spread_draws_the_values_and_two_decades_at_least():
    ax = plotting.plot_layer_spread({"x": [1.0, 1.1, 0.9]})
    line = ax.get_lines()[0]
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(line.get_ydata(), [1.0, 1.1, 0.9])
    lo, hi = ax.get_ylim()
    assert hi / lo >= 99


# ---- chapters 10-11: learning curves, Figures 5.10, 5.11, 3.11, reliability diagrams -------------

def test_learning_curves_draw_each_run_and_key_with_its_values():
    hist = {"a": {"loss": [3.0, 2.0, 1.0], "val_loss": [3.5, 2.5, 2.0]},
            "b": {"loss": [1.0, 0.5], "val_loss": [1.5, 1.4]}}
    ax = plotting.plot_learning_curves(hist)
    assert len(ax.lines) == 4
    for line, (run, key) in zip(ax.lines, [("a", "loss"), ("a", "val_loss"), ("b", "loss"),
                                           ("b", "val_loss")], strict=True):
        assert list(line.get_ydata()) == hist[run][key]
        assert list(line.get_xdata()) == list(range(1, len(hist[run][key]) + 1))
        assert line.get_linestyle() == ("--" if key == "loss" else "-")
    assert ax.lines[0].get_color() == ax.lines[1].get_color() != ax.lines[2].get_color()
    one = plotting.plot_learning_curves(hist, keys=("val_loss",))
    assert len(one.lines) == 2 and all(line.get_linestyle() == "-" for line in one.lines)


def test_learning_curves_errors():
    with pytest.raises(ValueError, match="at least one history"):
        plotting.plot_learning_curves({})
    with pytest.raises(ValueError, match="has no \\['val_loss'\\]"):
        plotting.plot_learning_curves({"a": {"loss": [1.0]}})


def test_figure_5_10_has_one_arrow_per_edge_of_the_bn_graph():
    ax = plotting.plot_figure_5_10()
    arrows = [t for t in ax.texts if isinstance(t, Annotation)]
    # every sample feeds μ̂ and σ̂² (3 drawn samples), μ̂ feeds σ̂², z⁽ⁱ⁾, μ̂, σ̂² feed z̄⁽ⁱ⁾,
    # z̄, γ, β feed z̃ and z̃ feeds C
    assert len(arrows) == 3 + 3 + 1 + 3 + 3 + 1
    labels = {t.get_text() for t in ax.texts if not isinstance(t, Annotation)}
    for label in (r"$\hat\mu$", r"$\hat\sigma^2$", r"$\bar z^{(i)}$", r"$\tilde z^{(i)}$",
                  r"$\gamma$", r"$\beta$", "$C$"):
        assert label in labels


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_figure_5_11_keeps_exactly_the_connections_between_kept_units(seed):
    rng = np.random.default_rng(seed)
    keep = [rng.random(5) < 0.7, rng.random(6) < 0.5, rng.random(4) < 0.5, np.ones(1, bool)]
    ax = plotting.plot_figure_5_11(keep)
    visible = [line for line in ax.lines if line.get_visible()]
    kept = [int(k.sum()) for k in keep]
    assert len(ax.lines) == 5 * 6 + 6 * 4 + 4
    assert len(visible) == sum(a * b for a, b in zip(kept[:-1], kept[1:], strict=True))
    dashed = [c for c in ax.patches if c.get_linestyle() == "--"]
    assert len(dashed) == sum(k.size - k.sum() for k in keep)


def test_figure_5_11_with_every_unit_kept_is_the_full_network():
    ax = plotting.plot_figure_5_11([np.ones(3, bool), np.ones(2, bool)])
    assert all(line.get_visible() for line in ax.lines) and len(ax.lines) == 6


def project_l1_ball(c, t):
    """Euclidean projection onto {|β₁| + |β₂| ≤ t} by soft thresholding (Duchi et al.)."""
    u = np.sort(np.abs(c))[::-1]
    css = np.cumsum(u)
    k = max(j for j in range(1, len(u) + 1) if u[j - 1] - (css[j - 1] - t) / j > 0)
    theta = (css[k - 1] - t) / k
    return np.sign(c) * np.maximum(np.abs(c) - theta, 0)


@pytest.mark.parametrize("c", [(2.0, 0.5), (1.5, 1.2), (-0.3, 2.0), (-1.0, -1.4)])
def test_constrained_minimum_with_identity_error_is_the_projection(c):
    c = np.array(c)
    l2 = plotting.constrained_minimum(np.eye(2), c, 1.0, "l2")
    l1 = plotting.constrained_minimum(np.eye(2), c, 1.0, "l1")
    assert np.allclose(l2, c / np.linalg.norm(c), atol=1e-3)
    assert np.allclose(l1, project_l1_ball(c, 1.0), atol=1e-3)


def test_constrained_minimum_lasso_corner_is_exactly_on_an_axis():
    beta = plotting.constrained_minimum(np.eye(2), (2.0, 0.5), 1.0, "l1")
    assert beta[1] == 0.0 and beta[0] == 1.0


def test_constrained_minimum_beats_every_other_boundary_point():
    A, c = np.array([[1.0, 0.5], [0.5, 2.0]]), np.array([1.5, 1.8])
    phi = np.random.default_rng(0).uniform(0, 2 * np.pi, 2000)
    disc = np.column_stack([np.cos(phi), np.sin(phi)])
    diamond = disc / np.abs(disc).sum(axis=1, keepdims=True)

    def err(b):
        d = b - c
        return np.einsum("...i,ij,...j->...", d, A, d)

    for norm, pts in (("l2", disc), ("l1", diamond)):
        best = plotting.constrained_minimum(A, c, 1.0, norm)
        assert err(best) <= err(pts).min() + 1e-9


def test_constrained_minimum_errors():
    with pytest.raises(ValueError, match="inside the ball"):
        plotting.constrained_minimum(np.eye(2), (0.2, 0.1), 1.0, "l2")
    with pytest.raises(ValueError, match="'l1' or 'l2'"):
        plotting.constrained_minimum(np.eye(2), (2.0, 0.1), 1.0, "l3")
    with pytest.raises(ValueError, match="expected A"):
        plotting.constrained_minimum(np.eye(3), (2.0, 0.1), 1.0, "l1")


def test_figure_3_11_marks_both_minimisers():
    A, c = [[1.0, 0.5], [0.5, 2.0]], (1.5, 1.8)
    axes = plotting.plot_figure_3_11(A, c, 1.0)
    assert len(axes) == 2
    for ax, norm in zip(axes, ("l1", "l2"), strict=True):
        beta = plotting.constrained_minimum(A, c, 1.0, norm)
        marker = [line for line in ax.lines if line.get_marker() == "o"]
        assert len(marker) == 1 and np.allclose(marker[0].get_xydata()[0], beta)
        assert f"({beta[0]:.2f}, {beta[1]:.2f})" in ax.get_title()


def test_reliability_diagram_draws_each_model_through_its_bins():
    rng = np.random.default_rng(1)
    p = rng.uniform(size=300)
    y = (rng.uniform(size=300) < p).astype(int)
    ax = plotting.plot_reliability_diagram({"a": (p, y), "b": (p**2, y)}, n_bins=5)
    lines = [line for line in ax.lines if line.get_label() in ("a", "b")]
    for line, q in zip(lines, (p, p**2), strict=True):
        mean_p, freq, count = reliability(q, y, 5)
        full = count > 0
        np.testing.assert_allclose(line.get_xdata(), mean_p[full])
        np.testing.assert_allclose(line.get_ydata(), freq[full])
    with pytest.raises(ValueError, match="at least one model"):
        plotting.plot_reliability_diagram({})


# ---- chapter 12: sweeps, confusion matrices, digit images, batch-size runs -----------------------

def test_plot_sweep_draws_means_range_and_best():
    s = fake_sweep()
    values = [1, 2, 4, 8]
    ax = plotting.plot_sweep(values, s, logx=True, reference=("baseline", 0.3))
    np.testing.assert_allclose(labelled(ax, "train error").get_ydata(), s.train[:, :, -1].mean(1))
    np.testing.assert_allclose(labelled(ax, "test error").get_ydata(), s.test[:, :, -1].mean(1))
    best = np.argmin(s.test[:, :, -1].mean(1))
    np.testing.assert_allclose(labelled(ax, "lowest test error").get_xydata(),
                               [[values[best], s.test[best, :, -1].mean()]])
    assert labelled(ax, "baseline").get_ydata()[0] == 0.3
    assert len(ax.collections) == 2  # the two bands over seeds
    band = ax.collections[1].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(s.test[:, :, -1].min())
    assert band.max() == pytest.approx(s.test[:, :, -1].max())
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "4", "8"]


def test_plot_sweep_needs_one_value_per_architecture():
    with pytest.raises(ValueError, match="expected 4 values"):
        plotting.plot_sweep([1, 2, 3], fake_sweep())


def test_plot_sweep_learning_curves_shows_every_seed_and_the_mean():
    s = fake_sweep()
    ax = plotting.plot_sweep_learning_curves(s, 2)
    np.testing.assert_allclose(labelled(ax, "test error").get_ydata(), s.test[2].mean(axis=0))
    np.testing.assert_array_equal(labelled(ax, "train error").get_xdata(), np.arange(1, 21))
    assert len(ax.lines) == 2 * (3 + 1)
    assert ax.get_title() == "2-4-1"


def test_plot_confusion_matrix_image_and_counts():
    cm = np.array([[5, 0, 1], [0, 7, 0], [2, 0, 4]])
    ax = plotting.plot_confusion_matrix(cm, class_names=["a", "b", "c"])
    np.testing.assert_array_equal(ax.images[0].get_array(), cm)
    texts = {(t.get_position(), t.get_text()) for t in ax.texts}
    assert texts == {((j, i), str(cm[i, j])) for i in range(3) for j in range(3) if cm[i, j]}
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="square"):
        plotting.plot_confusion_matrix(np.zeros((2, 3)))


def test_plot_digit_images_grid():
    images = np.random.default_rng(0).random((5, 64))
    fig = plotting.plot_digit_images(images, [f"t{k}" for k in range(5)], ncols=3)
    axes = fig.axes
    assert len(axes) == 6
    shown = [ax for ax in axes if ax.images]
    assert len(shown) == 5 and [ax.get_title() for ax in shown] == [f"t{k}" for k in range(5)]
    np.testing.assert_array_equal(shown[3].images[0].get_array(), images[3].reshape(8, 8))
    with pytest.raises(ValueError, match="expected images"):
        plotting.plot_digit_images(images, ["too few"])
    with pytest.raises(ValueError, match=r"expected images \(n, 64\)"):
        plotting.plot_digit_images(np.zeros((2, 63)), ["a", "b"])


def test_plot_batch_size_runs_three_views():
    runs = {4: {"loss": np.array([2.0, 1.0, 0.5]), "updates": np.array([0, 5, 10]),
                "seconds": np.array([0.0, 0.2, 0.4])},
            20: {"loss": np.array([2.0, 1.5, 1.2]), "updates": np.array([0, 1, 2]),
                 "seconds": np.array([0.0, 0.05, 0.1])}}
    axes = plotting.plot_batch_size_runs(runs)
    for ax, key in zip(axes, (None, "updates", "seconds"), strict=True):
        assert len(ax.lines) == 2
        x = ax.lines[1].get_xdata()
        np.testing.assert_array_equal(x, np.arange(3) if key is None else runs[20][key])
        np.testing.assert_array_equal(ax.lines[1].get_ydata(), runs[20]["loss"])
    assert axes[1].get_xlim()[0] == 0
