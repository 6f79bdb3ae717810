"""Chapters 08-09 figures and explorers (mb.plotting, mb.widgets): the callbacks compute the right
numbers and the plots draw them."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook import plotting, widgets
from mlpbook.diagnostics import LayerRecord
from mlpbook.surfaces import ill_conditioned_bowl

# ---- chapter 08: the optimizer explorer ---------------------------------------------------------

EXPECTED_CLASS = {"SGD": mb.SGD, "Momentum": mb.Momentum, "Nesterov": mb.Nesterov,
                  "AdaGrad": mb.AdaGrad, "AdaDelta": mb.AdaDelta, "RMSprop": mb.RMSprop,
                  "Adam": mb.Adam}


@pytest.mark.parametrize("name", list(EXPECTED_CLASS))
def test_make_optimizer_builds_the_named_optimizer(name):
    assert list(widgets.OPTIMIZER_SETTINGS) == list(EXPECTED_CLASS)
    p = mb.surfaces.Point([1.0, 1.0])
    opt = widgets.make_optimizer(name, [p])
    assert type(opt) is EXPECTED_CLASS[name]
    assert opt.lr == widgets.OPTIMIZER_SETTINGS[name][0]
    assert widgets.make_optimizer(name, [p], lr=0.123).lr == 0.123
    default, lo, hi = widgets.OPTIMIZER_SETTINGS[name]
    assert lo <= default <= hi


def test_make_optimizer_rejects_unknown_names():
    with pytest.raises(ValueError, match="Adam"):
        widgets.make_optimizer("LBFGS", [mb.surfaces.Point([0.0, 0.0])])


def test_optimizer_path_sgd_is_the_closed_form():
    path = widgets.optimizer_path("SGD", lr=0.7, steps=40)
    start = np.array(widgets.BOWL_START)
    t = np.arange(41)[:, None]
    np.testing.assert_allclose(path, (1 - 0.7 * np.array([0.02, 2.0])) ** t * start, rtol=1e-12)


def test_optimizer_path_rmsprop_by_hand():
    path = widgets.optimizer_path("RMSprop", lr=0.1, steps=5)
    theta, S = np.array(widgets.BOWL_START), np.zeros(2)
    for t in range(1, 6):
        g = np.array([0.02, 2.0]) * theta
        S = 0.9 * S + 0.1 * g * g
        theta = theta - 0.1 * g / (np.sqrt(S) + 1e-8)
        np.testing.assert_allclose(path[t], theta, rtol=1e-12)


def test_optimizer_explorer_figure_draws_both_paths():
    fig = widgets.optimizer_explorer_figure("Momentum", lr=2.0, steps=50)
    traj_ax, dist_ax = fig.axes
    momentum = widgets.optimizer_path("Momentum", 2.0, 50)
    lines = {ln.get_label(): ln for ln in dist_ax.get_lines()}
    assert set(lines) == {"Momentum, lr = 2", "SGD, lr = 2"}
    np.testing.assert_allclose(lines["Momentum, lr = 2"].get_ydata(),
                               np.linalg.norm(momentum, axis=1))
    labels = [ln.get_label() for ln in traj_ax.get_lines()]
    assert "SGD, lr = 2 (leaves the view)" in labels  # SGD diverges for lr > 1
    assert len(widgets.optimizer_explorer_figure("SGD", steps=10).axes[1].get_lines()) == 1


def test_optimizer_explorer_builds():
    w = widgets.optimizer_explorer()
    names = [c.description for c in w.children[:3]]
    assert names == ["optimizer", "learning rate", "steps"]
    w.children[0].value = "Adam"  # the learning rate follows the choice
    assert w.children[1].value == pytest.approx(widgets.OPTIMIZER_SETTINGS["Adam"][0], rel=0.05)


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


# ---- chapter 09: the initialisation explorer ---------------------------------------------------

def test_initializers_have_the_stated_variance():
    rng = np.random.default_rng(0)
    shape = (300, 200)  # N_out, N_in
    expected = {"normal(1)": 1.0, "normal(0.01)": 1e-4, "xavier": 1 / 200, "he": 2 / 200,
                "glorot": 2 / 500}
    for name, init in widgets.INITIALIZERS.items():
        W = mb.Dense(200, 300, init=init, rng=rng).W
        assert W.shape == shape and W.var() == pytest.approx(expected[name], rel=0.02)


def test_init_records_small_weights_shrink_by_the_predicted_factor():
    """normal(0.01), width 100, tanh ≈ identity for tiny inputs: each layer multiplies the
    standard deviation by 0.01·√100 = 0.1, forward (a) and backward (δ)."""
    recs = widgets.init_records(depth=6, init="normal(0.01)", activation="tanh", width=100, n=400)
    a_std = np.array([r.a.std() for r in recs])
    d_std = np.array([r.delta.std() for r in recs])
    np.testing.assert_allclose(a_std[1:] / a_std[:-1], 0.1, rtol=0.1)
    np.testing.assert_allclose(d_std[:-1] / d_std[1:], 0.1, rtol=0.1)


def test_init_records_identity_xavier_keeps_the_variance():
    recs = widgets.init_records(depth=8, init="xavier", activation="identity", width=200, n=400)
    assert all(0.7 < r.a.var() < 1.4 for r in recs)
    assert len(recs) == 8 and recs[0].a.shape == (400, 200)


def test_init_records_is_deterministic_and_checks_names():
    a = widgets.init_records(3, "he", "ReLU", width=20, n=10)
    b = widgets.init_records(3, "he", "ReLU", width=20, n=10)
    assert all(np.array_equal(x.delta, y.delta) for x, y in zip(a, b, strict=True))
    with pytest.raises(ValueError, match="xavier"):
        widgets.init_records(3, "orthogonal", "tanh")


def test_init_explorer_figure_plots_the_records():
    fig = widgets.init_explorer_figure(depth=5, init="he", activation="ReLU")
    recs = widgets.init_records(5, "he", "ReLU")
    spread_ax = fig.axes[2]
    lines = {ln.get_label(): ln.get_ydata() for ln in spread_ax.get_lines()}
    np.testing.assert_allclose(lines["a[ℓ]"], [r.a.std() for r in recs])
    np.testing.assert_allclose(lines["δ[ℓ]"], [r.delta.std() for r in recs])
    assert "exact zeros left out" in fig.axes[0].get_title()


def test_init_explorer_builds():
    w = widgets.init_explorer()
    assert [c.description for c in w.children[:3]] == ["depth", "initialiser", "activation"]


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
