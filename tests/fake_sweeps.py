"""A sweep with known arrays, and the line of a figure with a given label: shared by the tests
of the chapter-12 figures (test_plotting.py) and of their explorer (test_widgets.py)."""

import numpy as np

from mlpbook.sweeps import Sweep


def fake_sweep(A=4, S=3, E=20, seed=0):
    """A sweep with known arrays: errors decay over the epochs, differently per architecture."""
    rng = np.random.default_rng(seed)
    epochs = np.arange(1, E + 1)
    train = 1 / epochs + 0.1 * rng.random((A, S, 1))
    test = train + np.linspace(0.4, 0.1, A)[:, None, None] + 0.05 * rng.random((A, S, E))
    return Sweep([[2, 2 ** a, 1] for a in range(A)], np.arange(A) * 10 + 5, train, test)


def labelled(ax, label):
    """The one line of ``ax`` labelled ``label``."""
    (found,) = [ln for ln in ax.lines if ln.get_label() == label]
    return found
