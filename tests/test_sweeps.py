"""mb.sweeps: the width/depth and batch-size sweeps of chapter 12, and the Sweep record of their
runs."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook import mlp
from mlpbook.sweeps import Sweep, architecture_sweep, batch_size_sweep


def regression_data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.standard_normal((n, 1))
    return X, y


def test_architecture_sweep_records_what_an_independent_run_gives():
    X, y = regression_data()
    Xt, yt = regression_data(30, seed=1)
    archs, seeds, epochs = [[3, 2, 1], [3, 8, 8, 1]], (4, 5), 12
    s = architecture_sweep(archs, (X, y), (Xt, yt), epochs=epochs, batch_size=16, lr=0.02,
                           seeds=seeds)
    assert s.train.shape == s.test.shape == (2, 2, epochs)
    assert list(s.n_params) == [3 * 2 + 2 + 2 + 1, 3 * 8 + 8 + 8 * 8 + 8 + 8 + 1]
    # the same run repeated by hand, error measured after every epoch
    model = mlp(archs[1], rng=seeds[1])
    errors = []
    mb.fit(model, mb.SquaredLoss(), mb.Adam(model.parameters(), lr=0.02), X, y, epochs=epochs,
           batch_size=16, rng=seeds[1], progress=False,
           callbacks=lambda e, h: errors.append((np.mean((model.forward(X) - y) ** 2),
                                                  np.mean((model.forward(Xt) - yt) ** 2))))
    np.testing.assert_allclose(s.train[1, 1], [e[0] for e in errors], rtol=1e-12)
    np.testing.assert_allclose(s.test[1, 1], [e[1] for e in errors], rtol=1e-12)
    assert s.train[1, 1, -1] < 0.25 * s.train[1, 1, 0]  # it learns the linear map


def test_architecture_sweep_default_is_full_batch():
    X, y = regression_data(20)
    s = architecture_sweep([[3, 4, 1]], (X, y), (X, y), epochs=3, seeds=(0,))
    model = mlp([3, 4, 1], rng=0)
    opt, loss = mb.Adam(model.parameters(), lr=0.01), mb.SquaredLoss()
    for _ in range(3):  # one step per epoch on all samples (the order does not matter then)
        loss.forward(model.forward(X, training=True), y)
        model.backward(loss.backward())
        opt.step()
    np.testing.assert_allclose(s.train[0, 0, -1], np.mean((model.forward(X) - y) ** 2),
                               rtol=1e-12)


def test_sweep_final_and_best_average_over_seeds():
    train = np.array([[[3.0, 2.0, 1.0], [5.0, 1.0, 4.0]]])  # 1 architecture, 2 seeds, 3 epochs
    s = Sweep([[1, 1]], np.array([4]), train, train + 1)
    assert s.final("train")[0] == pytest.approx((1.0 + 4.0) / 2)
    assert s.best("train")[0] == pytest.approx((1.0 + 1.0) / 2)
    assert s.final()[0] == pytest.approx((2.0 + 5.0) / 2)


def test_sweep_select_and_concat_keep_each_architectures_runs():
    rng = np.random.default_rng(0)
    a = Sweep([[2, 1, 1], [2, 4, 1]], np.array([5, 17]), rng.random((2, 3, 4)),
              rng.random((2, 3, 4)))
    b = Sweep([[2, 4, 4, 1]], np.array([37]), rng.random((1, 3, 4)), rng.random((1, 3, 4)))
    both = Sweep.concat(a.select([1]), b)
    assert both.sizes == [[2, 4, 1], [2, 4, 4, 1]] and list(both.n_params) == [17, 37]
    np.testing.assert_array_equal(both.train[0], a.train[1])
    np.testing.assert_array_equal(both.test[1], b.test[0])
    np.testing.assert_array_equal(both.final(), [a.final()[1], b.final()[0]])
    other_seeds = Sweep([[2, 3, 1]], np.array([13]), np.zeros((1, 2, 4)), np.zeros((1, 2, 4)))
    with pytest.raises(ValueError, match="differ in"):
        Sweep.concat(a, other_seeds)
    with pytest.raises(ValueError, match="at least one"):
        Sweep.concat()


def test_batch_size_sweep_counts_updates_and_matches_fit():
    X, y = mb.datasets.spirals(90, rng=0)
    loss = mb.CrossEntropyLoss()

    def make_model():
        return mlp([2, 16, 3], rng=1)

    def make_optimizer(params):
        return mb.SGD(params, lr=0.1)

    runs = batch_size_sweep(make_model, loss, X, y, [7, 90], epochs=4,
                            make_optimizer=make_optimizer, rng=2)
    assert list(runs) == [7, 90]
    np.testing.assert_array_equal(runs[7]["updates"], [0, 13, 26, 39, 52])  # ceil(90 / 7) = 13
    np.testing.assert_array_equal(runs[90]["updates"], [0, 1, 2, 3, 4])
    # before training: the cross-entropy of the fresh network, written out
    Z = make_model().forward(X)
    logp = Z - Z.max(axis=1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
    for run in runs.values():
        assert run["loss"][0] == pytest.approx(-np.mean(logp[np.arange(90), y]), rel=1e-12)
        assert run["seconds"][0] == 0 and np.all(np.diff(run["seconds"]) >= 0)
    # after training: the same as fit with the same settings
    model = make_model()
    mb.fit(model, loss, make_optimizer(model.parameters()), X, y, epochs=4, batch_size=7, rng=2,
           progress=False)
    assert runs[7]["loss"][-1] == pytest.approx(mb.evaluate(model, loss, X, y)[0], rel=1e-12)
    assert runs[7]["loss"][-1] < runs[7]["loss"][0]
