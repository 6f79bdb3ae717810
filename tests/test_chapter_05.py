"""The library functions behind chapter 05 (losses and output layers): the target-scaling
experiment of its "Output scaling for regression" section."""

import numpy as np

import mlpbook as mb
from mlpbook.experiments import scaling_net, target_scaling_run


def data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 10))
    y = (X @ rng.standard_normal((10, 1))) * 50 + 150  # targets in the hundreds
    order = rng.permutation(n)
    return X, y, order[:40], order[40:]


def test_scaling_net_has_the_same_start_every_time_and_takes_output_layers():
    a, b = scaling_net(), scaling_net()
    assert [L.__class__.__name__ for L in a.layers] == ["Dense", "Tanh", "Dense"]
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert np.array_equal(p.value, q.value)
    s = scaling_net(mb.Sigmoid())
    out = s.forward(np.zeros((3, 10)))
    assert out.shape == (3, 1) and np.all((0 < out) & (out < 1))
    assert not np.array_equal(scaling_net(seed=1).layers[0].W, a.layers[0].W)


def test_target_scaling_run_records_the_test_error_in_the_original_units():
    X, y, train, test = data()
    mu, sd = y[train].mean(), y[train].std()
    model = scaling_net()
    history = target_scaling_run(model, X, (y - mu) / sd, y, train, test,
                                 undo=lambda t: mu + sd * t, epochs=50)
    assert history.shape == (50,) and np.all(np.isfinite(history))
    assert history[-1] < history[0]  # training on the standardised target helps
    last = np.mean((mu + sd * model.forward(X[test]) - y[test]) ** 2) / y[test].var()
    assert np.isclose(history[-1], last, rtol=1e-12)


def test_standardised_runs_do_not_depend_on_the_unit():
    X, y, train, test = data()
    runs = []
    for unit in (0.01, 100.0):
        Y = unit * y
        mu, sd = Y[train].mean(), Y[train].std()
        runs.append(target_scaling_run(scaling_net(), X, (Y - mu) / sd, Y, train, test,
                                       undo=lambda t, mu=mu, sd=sd: mu + sd * t, epochs=20))
    assert np.allclose(runs[0], runs[1], rtol=1e-8)


def test_without_undo_the_targets_are_compared_as_they_are():
    X, y, train, test = data()
    T = y / 100
    history = target_scaling_run(scaling_net(), X, T, T, train, test, epochs=5)
    assert history.shape == (5,)
