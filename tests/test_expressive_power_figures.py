"""Chapter 03 figures and widget callbacks: what they draw and compute, checked against
independent references (np.interp, the gate's error formula, a hand-set linear classifier)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import mlpbook as mb
from mlpbook import plotting, widgets
from mlpbook.constructions import relu_interpolation
from mlpbook.datasets import fstar as f_star


def line_by_label(ax, start):
    return next(line for line in ax.get_lines() if line.get_label().startswith(start))


# ---- plotting -------------------------------------------------------------------------------

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


# ---- widgets: Figure 5.2 and the sigmoid steps ----------------------------------------------

@pytest.mark.parametrize("r", [2, 10, 30])
def test_interpolation_figure_plots_the_piecewise_linear_interpolant(r):
    fig = widgets.interpolation_figure(r)
    ax = fig.axes[0]
    u = np.linspace(0, 4, r)
    x, y = line_by_label(ax, "network").get_data()
    np.testing.assert_allclose(y, np.interp(x, u, f_star(u)), atol=1e-12)
    err = np.max(np.abs(np.interp(x, u, f_star(u)) - f_star(x)))
    assert f"max error {err:.3g}" in ax.get_title()


def test_staircase_figure_approaches_the_staircase_for_steep_units():
    fig = widgets.staircase_figure(r=5, steepness=1e4)
    x, y = line_by_label(fig.axes[0], "sigmoid").get_data()
    u = np.linspace(0, 4, 5)
    nearest = f_star(u)[np.argmin(np.abs(x[:, None] - u[None, :]), axis=1)]
    far_from_steps = np.min(np.abs(x[:, None] - (u[:-1] + u[1:])[None, :] / 2), axis=1) > 0.01
    np.testing.assert_allclose(y[far_from_steps], nearest[far_from_steps], atol=1e-12)


# ---- widgets: the multiplication gate -------------------------------------------------------

def test_gate_errors_softplus_match_the_leading_term():
    # f_θ − x1x2 ≈ −λ² x1x2(x1² + x2²)/12 for softplus: largest at x1 = x2 = ±1, value λ²/6
    lams = np.array([1e-3, 1e-2])
    np.testing.assert_allclose(widgets.gate_errors(lams, "softplus"), lams**2 / 6, rtol=1e-3)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_gate_errors_shifted_fall_like_lambda_squared(activation):
    e = widgets.gate_errors([1e-2, 1e-3], activation)
    assert 90 < e[0] / e[1] < 110


def test_gate_errors_rise_again_for_tiny_lambda():
    e = widgets.gate_errors([1e-4, 1e-7], "softplus")
    assert e[1] > 1e3 * e[0]  # round-off, amplified by μ ∝ 1/λ², takes over


def test_gate_errors_rejects_unknown_activation():
    with pytest.raises(ValueError, match="one of"):
        widgets.gate_errors([0.1], "relu")


def test_gate_error_figure_shows_the_error_field_of_5_14():
    lam = 0.2
    fig = widgets.gate_error_figure(lam, "tanh")
    n = 101
    g = np.linspace(-1, 1, n)
    x1, x2 = np.meshgrid(g, g)
    c = widgets.GATE_ACTIVATIONS["tanh"][1]
    d2 = -2 * np.tanh(c) * (1 - np.tanh(c) ** 2)
    f = (np.tanh(c + lam * (x1 + x2)) + np.tanh(c - lam * (x1 + x2)) - np.tanh(c + lam * (x1 - x2))
         - np.tanh(c - lam * (x1 - x2))) / (4 * lam**2 * d2)
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), f - x1 * x2, atol=1e-12)
    star = [line for line in fig.axes[1].get_lines() if line.get_marker() == "*"][0]
    np.testing.assert_allclose(star.get_ydata(), [np.max(np.abs(f - x1 * x2))], rtol=1e-9)


# ---- widgets: Figure 5.3 --------------------------------------------------------------------

def test_wavy_boundary_data_labels_follow_the_curve():
    X, y = widgets.wavy_boundary_data(200, rng=3)
    assert X.shape == (200, 2) and np.all(np.abs(X) <= 2)
    np.testing.assert_array_equal(y, X[:, 1] > np.sin(3 * X[:, 0]))
    X2, _ = widgets.wavy_boundary_data(200, rng=3)
    np.testing.assert_array_equal(X, X2)


def test_train_full_batch_first_step_is_gradient_descent_on_bce():
    X, y = widgets.wavy_boundary_data(50, rng=0)
    model = widgets.boundary_classifier(0, rng=0)
    w0, b0 = model[0].W.copy(), model[0].b.copy()
    history = widgets.train_full_batch(model, X, y, lr=0.5, epochs=1)
    z = X @ w0[0] + b0[0]
    p = 1 / (1 + np.exp(-z))
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert history[0] == pytest.approx(bce, rel=1e-12)
    np.testing.assert_allclose(model[0].W[0], w0[0] - 0.5 * X.T @ (p - y) / 50, rtol=1e-12)
    np.testing.assert_allclose(model[0].b, b0 - 0.5 * np.mean(p - y), rtol=1e-12)


def test_hidden_units_bend_the_boundary():
    X, y = widgets.wavy_boundary_data()
    results = {}
    for n in (0, 10):
        model = widgets.boundary_classifier(n)
        history = widgets.train_full_batch(model, X, y, epochs=1500)
        assert history[-1] < history[0]
        results[n] = np.mean((model.forward(X)[:, 0] > 0) == y)
    assert results[0] < 0.9 < 0.95 < results[10]


def test_decision_boundary_figure_reports_the_accuracy_of_its_model():
    fig = widgets.decision_boundary_figure(hidden_units=0, epochs=300)
    X, y = widgets.wavy_boundary_data()
    model = widgets.boundary_classifier(0)
    widgets.train_full_batch(model, X, y, epochs=300)
    acc = np.mean((model.forward(X)[:, 0] > 0) == y)
    assert f"accuracy {acc:.3f}" in fig.axes[0].get_title()


# ---- explorers ------------------------------------------------------------------------------

@pytest.mark.parametrize("explorer, knobs", [
    (widgets.interpolation_explorer, {"knots r"}),
    (widgets.staircase_explorer, {"knots r", "steepness k"}),
    (widgets.gate_explorer, {"λ", "activation"}),
    (widgets.decision_boundary_explorer, {"hidden units"}),
])
def test_explorers_wire_their_knobs(explorer, knobs):
    box = explorer().widget
    assert {getattr(c, "description", "") for c in box.children} - {""} == knobs
    assert not plt.get_fignums()  # the figure drawn by the first call is closed
