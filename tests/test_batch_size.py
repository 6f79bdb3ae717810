"""mb.batch_size: the recorded training loop is mb.fit's loop; counts and timings behave."""

import time

import numpy as np
import pytest

import mlpbook as mb
from mlpbook.batch_size import (
    time_per_update,
    training_curve,
    training_step,
    update_times,
    updates_to_target,
)


def problem(seed=0):
    r = np.random.default_rng(seed)
    X = r.standard_normal((60, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]) + 0.1 * r.standard_normal(60))[:, None]
    model = mb.Sequential(mb.Dense(3, 8, rng=r), mb.Tanh(), mb.Dense(8, 1, rng=r))
    return model, X, y


def networks(r):
    """A tanh network trained by momentum, a batch-norm network (its training needs batches of
    two samples) and a Dense/ReLU chain trained by plain SGD (the fused step)."""
    return {
        "tanh, momentum": (mb.Sequential(mb.Dense(3, 8, rng=r), mb.Tanh(), mb.Dense(8, 1, rng=r)),
                           lambda params: mb.Momentum(params, lr=0.05)),
        "batch norm, SGD": (mb.Sequential(mb.Dense(3, 8, rng=r), mb.BatchNorm(8), mb.ReLU(),
                                          mb.Dense(8, 1, rng=r)),
                            lambda params: mb.SGD(params, lr=0.05)),
        "ReLU chain, SGD": (mb.mlp([3, 8, 8, 1], rng=r), lambda params: mb.SGD(params, lr=0.05)),
    }


@pytest.mark.parametrize("name", list(networks(np.random.default_rng(0))))
@pytest.mark.parametrize("n, batch_size", [(60, 16), (21, 10)],
                         ids=["4 batches", "a last batch of one sample"])
def test_training_curve_follows_fit_exactly(name, n, batch_size):
    X, y = problem()[1:]
    X, y = X[:n], y[:n]
    loss = mb.SquaredLoss()
    (a, opt_a), (b, opt_b) = (networks(np.random.default_rng(3))[name] for _ in range(2))
    mb.fit(a, loss, opt_a(a.parameters()), X, y, epochs=3, batch_size=batch_size, rng=4,
           progress=False)
    per_epoch = mb.training.epoch_batches(n, batch_size, a.min_training_batch)
    updates, losses = training_curve(b, loss, opt_b(b.parameters()), X, y, batch_size,
                                     n_updates=3 * per_epoch, rng=4)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p.value, q.value)
        assert p.value.dtype == q.value.dtype  # the same arrays, bit for bit
    assert list(updates) == list(range(3 * per_epoch + 1))
    assert losses[-1] == mb.evaluate(b, loss, X, y)[0]


def test_training_curve_records_every_k_and_the_last_update():
    model, X, y = problem()
    loss = mb.SquaredLoss()
    first = mb.evaluate(model, loss, X, y)[0]
    updates, losses = training_curve(model, loss, mb.SGD(model.parameters(), lr=0.05), X, y, 7,
                                     n_updates=20, rng=0, every=6)
    assert list(updates) == [0, 6, 12, 18, 20]  # 9 batches per epoch: crosses an epoch boundary
    assert losses[0] == first and losses[-1] < first


def test_updates_to_target_is_the_first_update_reaching_it():
    loss = mb.SquaredLoss()
    model, X, y = problem()
    updates, losses = training_curve(model, loss, mb.SGD(model.parameters(), lr=0.05), X, y, 10,
                                     n_updates=200, rng=1)
    target = 0.5 * (losses[0] + losses[-1])
    expected = updates[np.argmax(losses <= target)]
    model, _, _ = problem()
    got = updates_to_target(model, loss, mb.SGD(model.parameters(), lr=0.05), X, y, 10, target,
                            rng=1, every=1)
    assert got == expected
    assert mb.evaluate(model, loss, X, y)[0] <= target  # training stopped there


def test_updates_to_target_checks_every_64_samples_by_default():
    loss = mb.SquaredLoss()
    model, X, y = problem()
    _, losses = training_curve(model, loss, mb.SGD(model.parameters(), lr=0.02), X, y, 4,
                               n_updates=300, rng=2)
    target = losses[-1] * 1.5
    model, _, _ = problem()
    got = updates_to_target(model, loss, mb.SGD(model.parameters(), lr=0.02), X, y, 4, target,
                            rng=2)
    assert got % 16 == 0  # B = 4: a check every 16 updates


def test_updates_to_target_none_when_unreachable():
    model, X, y = problem()
    assert updates_to_target(model, mb.SquaredLoss(), mb.SGD(model.parameters(), lr=0.01), X, y,
                             30, target=-1.0, max_updates=10, rng=0) is None


def test_training_step_is_one_update():
    model, X, y = problem()
    loss = mb.SquaredLoss()
    before = [p.value.copy() for p in model.parameters()]
    value = loss.forward(model.forward(X[:5]), y[:5])
    model.backward(loss.backward())
    expected = [b - 0.1 * p.grad for b, p in zip(before, model.parameters(), strict=True)]
    for p, b in zip(model.parameters(), before, strict=True):
        p.value[...] = b
    assert training_step(model, loss, mb.SGD(model.parameters(), 0.1), X[:5], y[:5]) == value
    for p, e in zip(model.parameters(), expected, strict=True):
        np.testing.assert_allclose(p.value, e, rtol=1e-14)


@pytest.mark.parametrize("threads", [1, None])
def test_time_per_update_is_a_positive_duration(threads):
    model, X, y = problem()
    t = time_per_update(model, mb.SquaredLoss(), mb.SGD(model.parameters(), 1e-3), X, y, 8,
                        repeats=2, min_time=1e-3, threads=threads)
    assert 0 < t < 0.1


def test_update_times_one_positive_duration_per_batch_size():
    model, X, y = problem()
    t = update_times(model, mb.SquaredLoss(), mb.SGD(model.parameters(), 1e-3), X, y,
                     [1, 8, 60], rounds=2, min_time=1e-3)
    assert t.shape == (3,) and np.all((0 < t) & (t < 0.1))


class Sleepy:
    """A stand-in for model, loss and optimizer whose forward pass waits without computing."""

    def __init__(self, seconds):
        self.seconds = seconds

    def forward(self, A, training=False):
        time.sleep(self.seconds)
        return A

    def backward(self, dout=None, input_grad=True):
        return dout

    def step(self):
        pass


def test_update_times_charge_processor_time_not_waiting():
    # each step waits 2 ms: a wall clock would report at least that; the processor time of a
    # step that only waits is a few microseconds
    sleepy, X = Sleepy(2e-3), np.zeros((4, 1))
    t = update_times(sleepy, Sleepy(0), Sleepy(0), X, X, [1, 4], rounds=2, min_time=2e-4)
    assert np.all(t < 1e-3)


def test_update_times_rounds_must_be_positive():
    model, X, y = problem()
    with pytest.raises(ValueError, match="rounds"):
        update_times(model, mb.SquaredLoss(), mb.SGD(model.parameters(), 0.1), X, y, [4], 0)


@pytest.mark.parametrize("B", [0, 61, 2.0, True])
def test_batch_size_must_fit_the_data(B):
    model, X, y = problem()
    with pytest.raises(ValueError, match=r"batch_size \(at most the number of samples\) must be "
                       r"an integer in \[1, 60\]"):
        training_curve(model, mb.SquaredLoss(), mb.SGD(model.parameters(), 0.1), X, y, B, 5)
    with pytest.raises(ValueError, match="batch_size"):
        time_per_update(model, mb.SquaredLoss(), mb.SGD(model.parameters(), 0.1), X, y, B)
    with pytest.raises(ValueError, match="batch_size"):
        update_times(model, mb.SquaredLoss(), mb.SGD(model.parameters(), 0.1), X, y, [4, B])


def test_n_updates_and_every_must_be_positive():
    model, X, y = problem()
    with pytest.raises(ValueError, match="every"):
        training_curve(model, mb.SquaredLoss(), mb.SGD(model.parameters(), 0.1), X, y, 5, 5,
                       every=0)
    with pytest.raises(ValueError, match="n_updates"):
        training_curve(model, mb.SquaredLoss(), mb.SGD(model.parameters(), 0.1), X, y, 5, 0)
