"""The functions chapter 12 (case studies) added to the library: the text table of a sweep and
the learning curves of a classifier."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from fake_sweeps import fake_sweep

from mlpbook.plotting import plot_history
from mlpbook.sweeps import sweep_table
from mlpbook.training import History


def test_sweep_table_shows_the_sweeps_own_numbers():
    s = fake_sweep(A=3, S=2)
    lines = sweep_table([1, 2, 4], s, label="width", best=True).splitlines()
    assert len(lines) == 4 and lines[0].split()[:2] == ["width", "params"]
    for row, a in zip(lines[1:], range(3), strict=True):
        fields = row.split()
        assert int(fields[0]) == [1, 2, 4][a] and int(fields[1]) == s.n_params[a]
        assert fields[2] == f"{s.train[a, :, -1].mean():.3f}"
        assert fields[3] == f"{s.test[a, :, -1].mean():.3f}"
        low, high = fields[4].strip("()").split("-")
        assert (low, high) == (f"{s.test[a, :, -1].min():.3f}", f"{s.test[a, :, -1].max():.3f}")
        assert fields[5] == f"{s.test[a].min(axis=1).mean():.3f}"
    assert len(sweep_table([1, 2, 4], s).splitlines()[1].split()) == 5  # no best column


def test_sweep_table_wants_one_value_per_architecture():
    with pytest.raises(ValueError, match="expected 3 values"):
        sweep_table([1, 2], fake_sweep(A=3))


def test_plot_history_draws_the_four_curves():
    h = History(["loss", "accuracy", "val_loss", "val_accuracy"])
    for e in range(5):
        for key, v in zip(h, (1 / (e + 1), 0.8 + e / 50, 1.2 / (e + 1), 0.79 + e / 60),
                          strict=True):
            h[key].append(v)
    axes = plot_history(h, title="Example 5")
    for ax, key in zip(axes, ("loss", "accuracy"), strict=True):
        train, test = ax.lines
        assert np.array_equal(train.get_ydata(), h[key])
        assert np.array_equal(test.get_ydata(), h["val_" + key])
        assert ax.get_title() == f"Example 5: {key}"
    assert axes[0].get_yscale() == "log"
    plt.close("all")


def test_plot_history_names_what_is_missing():
    with pytest.raises(ValueError, match="val_loss"):
        plot_history({"loss": [1.0], "accuracy": [0.5]})
