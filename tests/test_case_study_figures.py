"""Figures and the width/depth explorer of chapter 12 (mb.plotting, mb.widgets)."""

import numpy as np
import pytest

from mlpbook import plotting, widgets
from mlpbook.sweeps import Sweep


def fake_sweep(A=4, S=3, E=20, seed=0):
    """A sweep with known arrays: errors decay over the epochs, differently per architecture."""
    rng = np.random.default_rng(seed)
    epochs = np.arange(1, E + 1)
    train = 1 / epochs + 0.1 * rng.random((A, S, 1))
    test = train + np.linspace(0.4, 0.1, A)[:, None, None] + 0.05 * rng.random((A, S, E))
    return Sweep([[2, 2 ** a, 1] for a in range(A)], np.arange(A) * 10 + 5, train, test)


def line(ax, label):
    (found,) = [ln for ln in ax.lines if ln.get_label() == label]
    return found


def test_plot_sweep_draws_means_range_and_best():
    s = fake_sweep()
    values = [1, 2, 4, 8]
    ax = plotting.plot_sweep(values, s, logx=True, reference=("baseline", 0.3))
    np.testing.assert_allclose(line(ax, "train error").get_ydata(), s.train[:, :, -1].mean(1))
    np.testing.assert_allclose(line(ax, "test error").get_ydata(), s.test[:, :, -1].mean(1))
    best = np.argmin(s.test[:, :, -1].mean(1))
    np.testing.assert_allclose(line(ax, "lowest test error").get_xydata(),
                               [[values[best], s.test[best, :, -1].mean()]])
    assert line(ax, "baseline").get_ydata()[0] == 0.3
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
    np.testing.assert_allclose(line(ax, "test error").get_ydata(), s.test[2].mean(axis=0))
    np.testing.assert_array_equal(line(ax, "train error").get_xdata(), np.arange(1, 21))
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


def test_sweep_explorer_figure_marks_the_setting_and_shows_its_curves():
    s, d = fake_sweep(), fake_sweep(A=3, seed=1)
    sweeps = {"width": ([1, 2, 4, 8], s), "depth": ([1, 2, 3], d)}
    fig = widgets.sweep_explorer_figure(sweeps, "depth", 1)
    left, right = fig.axes
    marker = [ln for ln in left.lines if ln.get_linestyle() == ":"]
    assert len(marker) == 1 and marker[0].get_xdata()[0] == 2
    np.testing.assert_allclose(line(right, "train error").get_ydata(), d.train[1].mean(axis=0))
    assert right.get_title() == "2-2-1 (15 parameters)"
    assert left.get_xscale() == "linear"
    assert widgets.sweep_explorer_figure(sweeps, "width", 3).axes[0].get_xscale() == "log"
    # the same vertical scale for every setting of a sweep
    tops = {widgets.sweep_explorer_figure(sweeps, "width", i).axes[1].get_ylim()[1]
            for i in range(4)}
    assert len(tops) == 1


@pytest.mark.parametrize("name, index, match", [("height", 0, "name must be one of"),
                                                ("width", 4, r"index must be in \[0, 3\]"),
                                                ("width", -1, "index must be")])
def test_sweep_explorer_figure_rejects_bad_choices(name, index, match):
    with pytest.raises(ValueError, match=match):
        widgets.sweep_explorer_figure({"width": ([1, 2, 4, 8], fake_sweep())}, name, index)


def test_sweep_explorer_slider_follows_the_sweep():
    sweeps = {"width": ([1, 2, 4, 8], fake_sweep()), "depth": ([1, 2, 3], fake_sweep(A=3))}
    ui = widgets.sweep_explorer(sweeps)
    name, index = ui.children[:2]
    assert [label for label, _ in index.options] == ["1", "2", "4", "8"]
    name.value = "depth"
    assert [label for label, _ in index.options] == ["1", "2", "3"]
    assert index.value == 0
