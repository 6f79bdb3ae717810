"""mb.fit: batches, shuffling, modes, history, early stopping, callbacks, errors, determinism, and
float32 end to end (no layer, loss, penalty or optimizer upcasts a float32 model)."""

import numpy as np
import pytest

import mlpbook as mb
from mlpbook.datasets import two_moons


def moons_model(seed=1, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return mb.Sequential(mb.Dense(2, 16, init="he", rng=rng, dtype=dtype), mb.ReLU(),
                         mb.Dense(16, 16, init="he", rng=rng, dtype=dtype), mb.ReLU(),
                         mb.Dense(16, 1, rng=rng, dtype=dtype))


class Recorder(mb.Layer):
    """An identity layer that records what it sees: the batches and the mode."""

    def __init__(self):
        self.seen = []

    def forward(self, A, training=False):
        self.seen.append((A.copy(), training))
        return A

    def backward(self, dout, input_grad=True):
        return dout if input_grad else None


def test_two_moons_2_16_16_1_reaches_95_percent():
    X, y = two_moons(400, noise=0.15, rng=0)
    Xt, yt = two_moons(400, noise=0.15, rng=100)
    model = moons_model()
    history = mb.fit(model, mb.BCEWithLogitsLoss(), mb.Adam(model.parameters(), lr=1e-2), X, y,
                     epochs=60, batch_size=32, rng=2, validation=(Xt, yt), progress=False)
    test_accuracy = np.mean((mb.predict(model, Xt)[:, 0] > 0) == yt)  # independent of fit
    assert test_accuracy >= 0.95
    assert history.val_accuracy[-1] == pytest.approx(test_accuracy)
    assert history.loss[-1] < history.loss[0] / 5


def test_same_seed_bit_identical_history_and_weights():
    X, y = two_moons(120, noise=0.2, rng=3)

    def train(seed):
        model = moons_model(7)
        drop = mb.Dropout(0.8, rng=seed)
        model.layers.insert(2, drop)
        h = mb.fit(model, mb.BCEWithLogitsLoss(), mb.Momentum(model.parameters(), lr=0.1), X, y,
                   epochs=5, batch_size=16, rng=seed, validation=(X, y), progress=False)
        return h, model

    (h1, m1), (h2, m2), (h3, _) = train(11), train(11), train(12)
    assert h1 == h2  # dict equality of float lists: bit for bit
    for a, b in zip(m1.parameters(), m2.parameters(), strict=True):
        np.testing.assert_array_equal(a.value, b.value)
    assert h1["loss"] != h3["loss"]


def test_batches_shuffle_by_index_and_keep_last_partial_batch():
    n, bs = 23, 5
    X = np.arange(n, dtype=float).reshape(-1, 1)
    rec = Recorder()
    model = mb.Sequential(rec, mb.Dense(1, 1, rng=0))
    mb.fit(model, mb.SquaredLoss(), mb.SGD(model.parameters(), lr=1e-3), X, np.zeros(n),
           epochs=3, batch_size=bs, rng=np.random.default_rng(0), progress=False)
    batches = [a[:, 0] for a, training in rec.seen]
    assert all(training for _, training in rec.seen)
    assert [len(b) for b in batches] == [5, 5, 5, 5, 3] * 3
    epochs = [np.concatenate(batches[5 * e:5 * e + 5]) for e in range(3)]
    orders = [rng_order for rng_order in epochs]
    for order in orders:
        assert sorted(order) == list(range(n))  # every sample exactly once per epoch
    assert not np.array_equal(orders[0], orders[1])  # reshuffled each epoch
    perm = np.random.default_rng(0)  # the documented order: one permutation per epoch
    for order in orders:
        np.testing.assert_array_equal(order, perm.permutation(n))


def test_validation_runs_in_production_mode():
    rec = Recorder()
    model = mb.Sequential(mb.Dense(2, 2, rng=0), rec, mb.Dense(2, 1, rng=1))
    X, y = np.ones((6, 2)), np.zeros(6)
    Xv = np.full((4, 2), 2.0)
    mb.fit(model, mb.SquaredLoss(), mb.SGD(model.parameters(), lr=0.01), X, y, epochs=2,
           batch_size=6, validation=(Xv, np.zeros(4)), progress=False)
    assert [(len(a), t) for a, t in rec.seen] == [(6, True), (4, False)] * 2


def test_history_keys_and_accuracy_values():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((30, 3))
    labels = rng.integers(0, 3, 30)
    model = mb.Sequential(mb.Dense(3, 3, rng=rng))
    h = mb.fit(model, mb.CrossEntropyLoss(), mb.SGD(model.parameters(), lr=0.1), X, labels,
               epochs=2, batch_size=7, validation=(X, labels), progress=False)
    assert set(h) == {"loss", "accuracy", "val_loss", "val_accuracy"} and h.epochs == 2
    out = mb.predict(model, X)
    assert h.val_accuracy[-1] == np.mean(out.argmax(axis=1) == labels)
    loss = mb.CrossEntropyLoss()
    assert h.val_loss[-1] == pytest.approx(loss.forward(out, labels), rel=1e-12)
    h = mb.fit(model, mb.SquaredLoss(), mb.SGD(model.parameters(), lr=0.01), X, X, epochs=1,
               progress=False)
    assert set(h) == {"loss"}
    with pytest.raises(AttributeError, match="val_loss"):
        h.val_loss  # noqa: B018


def test_epoch_loss_is_mean_over_samples_for_both_reductions():
    X = np.arange(10, dtype=float).reshape(-1, 1)
    y = np.zeros(10)
    for reduction in ("mean", "sum"):
        model = mb.Sequential(mb.Dense(1, 1, init="constant", rng=0))
        # tiny lr: the weights hardly move, so the epoch loss ≈ the loss of the initial model
        h = mb.fit(model, mb.SquaredLoss(reduction=reduction),
                   mb.SGD(model.parameters(), lr=1e-12), X, y, epochs=1, batch_size=3,
                   progress=False)
        assert h.loss[0] == pytest.approx(np.mean(0.5 * (0.1 * X[:, 0]) ** 2), rel=1e-6)


def test_early_stopping_restores_the_best_weights_and_statistics():
    X, y = two_moons(200, noise=0.1, rng=5)
    rng = np.random.default_rng(5)
    model = mb.Sequential(mb.Dense(2, 8, rng=rng), mb.BatchNorm(8), mb.ReLU(),
                          mb.Dense(8, 1, rng=rng))
    y_val = 1 - y  # validation labels flipped: the better the fit, the worse the val loss
    h = mb.fit(model, mb.BCEWithLogitsLoss(), mb.Adam(model.parameters(), lr=0.05), X, y,
               epochs=50, batch_size=20, rng=0, validation=(X, y_val), early_stopping=3,
               progress=False)
    assert h.stopped_early and h.epochs < 50
    best = int(np.argmin(h.val_loss))
    assert h.best_epoch == best + 1 and h.epochs == h.best_epoch + 3
    val_loss, _ = mb.evaluate(model, mb.BCEWithLogitsLoss(), X, y_val)
    assert val_loss == h.val_loss[best]  # weights and BN running statistics of that epoch


def test_callbacks_get_epoch_and_history_and_can_stop():
    seen = []

    def spy(epoch, history):
        seen.append((epoch, len(history.loss)))

    def stop_at_3(epoch, history):
        return epoch == 3

    model = mb.Sequential(mb.Dense(2, 1, rng=0))
    h = mb.fit(model, mb.SquaredLoss(), mb.SGD(model.parameters(), lr=0.01), np.ones((8, 2)),
               np.zeros(8), epochs=10, callbacks=[spy, stop_at_3], progress=False)
    assert h.epochs == 3 and seen == [(1, 1), (2, 2), (3, 3)]


def test_regularizer_is_applied_and_recorded():
    X, y = two_moons(100, noise=0.2, rng=6)

    def train(reg):
        model = moons_model(8)
        h = mb.fit(model, mb.BCEWithLogitsLoss(), mb.SGD(model.parameters(), lr=0.1), X, y,
                   epochs=20, batch_size=10, rng=1, regularizer=reg, progress=False)
        return h, sum(float(np.sum(p.value**2)) for p in model.parameters() if p.name.endswith("W"))

    h_plain, norm_plain = train(None)
    reg = mb.L2(0.05)
    h_reg, norm_reg = train(reg)
    assert "penalty" not in h_plain and len(h_reg.penalty) == 20
    assert norm_reg < 0.8 * norm_plain
    assert h_reg.penalty[-1] == pytest.approx(0.5 * 0.05 * norm_reg)


def test_float32_training_stays_float32():
    X, y = two_moons(64, noise=0.1, rng=7)
    model = moons_model(9, dtype=np.float32)
    mb.fit(model, mb.BCEWithLogitsLoss(), mb.Adam(model.parameters(), lr=1e-2), X, y, epochs=2,
           progress=False)
    assert all(p.value.dtype == np.float32 for p in model.parameters())


def test_divergence_stops_training_and_is_reported():
    X = np.linspace(-1, 1, 20).reshape(-1, 1) * 100
    model = mb.Sequential(mb.Dense(1, 1, rng=0))
    with np.errstate(all="ignore"):
        h = mb.fit(model, mb.SquaredLoss(), mb.SGD(model.parameters(), lr=10.0), X, X,
                   epochs=50, batch_size=20, progress=False)
    assert h.diverged and h.epochs < 50 and not np.isfinite(h.loss[-1])


@pytest.mark.parametrize("X, y, message", [
    (np.array([[0.0, np.nan]] * 4), np.zeros(4), "NaN"),
    (np.ones((4, 2)), np.array([0.0, np.inf, 0, 0]), "infinity"),
    (np.ones((4, 2)), np.zeros(3), "4 samples"),
    (np.ones(4), np.zeros(4), r"reshape\(-1, 1\)"),
    (np.ones((4, 3)), np.zeros(4), r"\(n, 2\)"),
])
def test_bad_data_gets_clear_errors(X, y, message):
    model = mb.Sequential(mb.Dense(2, 1, rng=0))
    with pytest.raises(ValueError, match=message):
        mb.fit(model, mb.SquaredLoss(), mb.SGD(model.parameters(), lr=0.1), X, y,
               progress=False)


def test_bad_arguments_get_clear_errors():
    model = mb.Sequential(mb.Dense(2, 1, rng=0))
    X, y = np.ones((4, 2)), np.zeros(4)
    opt = mb.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="add parentheses"):
        mb.fit(model, mb.SquaredLoss, opt, X, y)
    with pytest.raises(ValueError, match="epochs"):
        mb.fit(model, mb.SquaredLoss(), opt, X, y, epochs=0)
    with pytest.raises(ValueError, match="batch_size"):
        mb.fit(model, mb.SquaredLoss(), opt, X, y, batch_size=2.5)
    other = mb.Sequential(mb.Dense(2, 1, rng=0))
    with pytest.raises(ValueError, match="not this model's"):
        mb.fit(other, mb.SquaredLoss(), opt, X, y)
    with pytest.raises(TypeError, match="validation"):
        mb.fit(model, mb.SquaredLoss(), opt, X, y, validation=X)


def terminal(columns):
    """A pseudo-terminal of ``columns`` columns: (file to write to, function reading the text)."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    os.set_blocking(master, False)
    file = os.fdopen(slave, "w", buffering=1)

    def read():
        file.flush()
        chunks = []
        while True:
            try:
                chunks.append(os.read(master, 1 << 16))
            except BlockingIOError:
                return b"".join(chunks).decode()

    return file, read


def test_progress_bar_fits_a_narrow_terminal_and_is_silent_otherwise(monkeypatch, capsys):
    model = mb.Sequential(mb.Dense(2, 1, rng=0))
    X, y = np.ones((40, 2)), np.zeros(40)
    args = (model, mb.BCEWithLogitsLoss(), mb.SGD(model.parameters(), lr=0.1), X, y)
    mb.fit(*args, epochs=2, validation=(X, y))  # stderr is captured: not a terminal, silent
    assert capsys.readouterr().err == ""
    file, read = terminal(60)
    monkeypatch.setattr("sys.stderr", file)
    mb.fit(*args, epochs=30, validation=(X, y))
    text = read()
    lines = [line for chunk in text.split("\n") for line in chunk.split("\r") if line]
    assert lines and "30/30" in lines[-1] and lines[-1].startswith("fit")
    assert max(len(line) for line in lines) <= 60  # cut to the terminal, however long the info
    assert text.count("\n") <= 1  # one line, rewritten in place: not one line per epoch
    mb.fit(*args, epochs=2, progress=False)
    assert read() == ""
    file.close()


def test_history_prints_as_a_short_summary():
    X, y = two_moons(60, noise=0.2, rng=1)
    model = moons_model(3)
    h = mb.fit(model, mb.BCEWithLogitsLoss(), mb.Adam(model.parameters(), lr=1e-2), X, y,
               epochs=12, batch_size=16, rng=0, validation=(X, y), progress=False)
    text = repr(h)
    lines = text.splitlines()
    assert lines[0] == "History: 12 epochs"
    assert [line.split()[0] for line in lines[1:]] == ["loss", "accuracy", "val_loss",
                                                        "val_accuracy"]
    best = int(np.argmin(h.loss))
    assert f"last {h.loss[-1]:.4g}   best {h.loss[best]:.4g} (epoch {best + 1})" in lines[1]
    best = int(np.argmax(h.val_accuracy))
    assert f"best {h.val_accuracy[best]:.4g} (epoch {best + 1})" in lines[4]
    assert len(text) < 400 and str(h) == text
    from IPython.lib.pretty import pretty  # what a notebook cell ending in `history` shows

    assert pretty(h) == text


# ---- batch norm's last batch, and checks before the first update ----

def test_batch_norm_with_a_last_batch_of_one_sample_merges_it_into_the_one_before():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((65, 4)), rng.standard_normal(65)
    model = mb.mlp([4, 8, 1], batchnorm=True, rng=0)
    rec = Recorder()
    model.layers.insert(0, rec)
    h = mb.fit(model, mb.SquaredLoss(), mb.SGD(model.parameters(), lr=0.01), X, y, epochs=2,
               batch_size=32, rng=0, progress=False)
    assert h.epochs == 2 and all(np.isfinite(h.loss))
    assert [len(a) for a, training in rec.seen if training] == [32, 33] * 2
    plain = mb.Sequential(Recorder(), mb.Dense(4, 1, rng=0))  # no batch norm: batches as before
    mb.fit(plain, mb.SquaredLoss(), mb.SGD(plain.parameters(), lr=0.01), X, y, epochs=1,
           batch_size=32, progress=False)
    assert [len(a) for a, _ in plain[0].seen] == [32, 32, 1]


@pytest.mark.parametrize("n, batch_size, message", [
    (1, 32, "got 1 samples"), (10, 1, "got batch_size=1"),
])
def test_batch_norm_batches_too_small_are_refused_before_training(n, batch_size, message):
    model = mb.mlp([4, 8, 1], batchnorm=True, rng=0)
    before = {k: v.copy() for k, v in model.state().items()}
    with pytest.raises(ValueError, match=f"fit: .*at least 2 samples.*{message}"):
        mb.fit(model, mb.SquaredLoss(), mb.SGD(model.parameters(), lr=0.1), np.ones((n, 4)),
               np.zeros(n), batch_size=batch_size, progress=False)
    for k, v in model.state().items():
        np.testing.assert_array_equal(v, before[k])


@pytest.mark.parametrize("loss, bad, message", [
    (mb.CrossEntropyLoss(), lambda y: y.__setitem__(-1, 3), "labels out of range"),
    (mb.BCEWithLogitsLoss(), lambda y: y.__setitem__(-1, 2), r"targets in \[0, 1\]"),
])
def test_a_bad_target_anywhere_is_found_before_the_first_update(loss, bad, message):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((50, 2))
    y = rng.integers(0, 2, 50)
    bad(y)  # the very last sample: without the check it meets the loss in the last batch
    width = 3 if isinstance(loss, mb.CrossEntropyLoss) else 1
    model = mb.Sequential(mb.Dense(2, width, rng=0))
    before = model[0].W.copy()
    for args in ({}, {"validation": (X, y)}):
        y_train = y if not args else rng.integers(0, 2, 50)
        with pytest.raises(ValueError, match=message):
            mb.fit(model, loss, mb.SGD(model.parameters(), lr=0.1), X, y_train, batch_size=10,
                   progress=False, **args)
        np.testing.assert_array_equal(model[0].W, before)


def test_fit_and_batch_size_take_the_same_step():
    from mlpbook.batch_size import training_step

    X, y = two_moons(16, noise=0.2, rng=4)
    a, b = moons_model(5), moons_model(5)
    mb.fit(a, mb.BCEWithLogitsLoss(), mb.Adam(a.parameters(), lr=1e-2), X, y, epochs=1,
           batch_size=16, rng=0, progress=False)
    order = np.random.default_rng(0).permutation(16)  # fit's order of the samples
    value = training_step(b, mb.BCEWithLogitsLoss(), mb.Adam(b.parameters(), lr=1e-2), X[order],
                          y[order])
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p.value, q.value)
    assert np.isfinite(value)


# ---- float32 end to end --------------------------------------------------------------------------

ACTIVATIONS = [mb.Identity, mb.Sigmoid, mb.Tanh, mb.ReLU, mb.LeakyReLU, mb.ELU, mb.SELU,
               mb.Softplus, mb.Softsign, mb.Arctan, mb.Swish]
OPTIMIZERS = [mb.SGD, mb.Momentum, mb.Nesterov, mb.AdaGrad, mb.AdaDelta, mb.RMSprop, mb.Adam,
              mb.AdamW]


def every_layer_model(rng):
    layers = [mb.Dense(5, 8, rng=rng), mb.BatchNorm(8), mb.PReLU(n=8)]
    for act in ACTIVATIONS:
        layers += [act(), mb.Dense(8, 8, rng=rng)]
    layers += [mb.Dropout(0.8, rng=rng), mb.Dense(8, 3, rng=rng)]
    return mb.Sequential(*layers).astype(np.float32)


class DtypeRecorder:
    """Wraps every layer's forward and backward and records the dtypes they return."""

    def __init__(self, model):
        self.dtypes = []
        for layer in model.layers:
            layer.forward = self._wrap(layer.forward, f"{layer!r}.forward")
            layer.backward = self._wrap(layer.backward, f"{layer!r}.backward")

    def _wrap(self, fn, name):
        def wrapped(*args, **kwargs):
            out = fn(*args, **kwargs)
            if out is not None:
                self.dtypes.append((name, out.dtype))
            return out
        return wrapped


@pytest.mark.parametrize("opt_cls", OPTIMIZERS, ids=lambda c: c.__name__)
def test_a_training_epoch_of_a_float32_model_stays_float32(opt_cls):
    rng = np.random.default_rng(0)
    model = every_layer_model(rng)
    recorder = DtypeRecorder(model)
    X = rng.standard_normal((40, 5))  # float64 data: cast down on entry, never the model up
    y = rng.integers(0, 3, 40)
    opt = opt_cls(model.parameters(), lr=1e-3)
    mb.fit(model, mb.CrossEntropyLoss(), opt, X, y, epochs=1, batch_size=16, rng=rng,
           regularizer=mb.L2(1e-3), progress=False)
    upcast = [(name, dt) for name, dt in recorder.dtypes if dt != np.float32]
    assert recorder.dtypes and not upcast, upcast
    for p in model.parameters():
        assert p.value.dtype == p.grad.dtype == np.float32, p.name
    for value in vars(opt).values():
        if isinstance(value, list) and value and isinstance(value[0], np.ndarray):
            assert all(a.dtype == np.float32 for a in value)
    bn = model.layers[1]
    assert bn.running_mean.dtype == bn.running_var.dtype == np.float32
    assert mb.predict(model, X).dtype == np.float32
