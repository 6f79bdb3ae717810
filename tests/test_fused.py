"""The fused SGD step (mlpbook.fused) computes what the plain step computes.

The plain step is the layers' own forward/backward and SGD.step, as the book shows them. Taken
from the same state, the fused step must give the same loss, output, biases and bias gradients
exactly (array equality, so only the sign of a zero may differ) where NumPy and SciPy load one
OpenBLAS build, and within round-off where their builds differ (:data:`SAME_BLAS`; the fused
step's products run in SciPy's), and weights within round-off of
the plain step's (its update W ← (1 − αλ)W − α·δᵀa is one BLAS ``gemm``, rounded once), for
every learning rate and weight decay; read afterwards, ``dW`` is the plain step's gradient bit
for bit. It must be taken where it is valid and only there: every other layer, optimizer,
regularizer, unusual input, and a Python without SciPy go to the plain step. A spy on
``FusedSGDStep.step`` records which path ran.
"""

import sys

import numpy as np
import pytest

import mlpbook as mb
import mlpbook.training
from mlpbook.fused import FusedSGDStep, fused_sgd_step
from mlpbook.training import train_step

DTYPES = [np.float32, np.float64]


def _openblas_builds() -> set:
    """The OpenBLAS builds loaded by NumPy and by SciPy (whose BLAS the fused step calls)."""
    import scipy.linalg.blas  # noqa: F401
    from threadpoolctl import threadpool_info

    return {(i["version"], i["architecture"]) for i in threadpool_info()
            if i["internal_api"] == "openblas"}


#: NumPy and SciPy each ship an OpenBLAS. Where both are one build (one version, one kernel),
#: the fused step's products are the plain step's bit for bit; where the builds differ, they
#: round differently in the last bits, and the two steps agree to round-off instead.
SAME_BLAS = len(_openblas_builds()) <= 1


def _same_products(dtype):
    """Equality of arrays computed by the two steps: exact where both use one BLAS build."""
    if SAME_BLAS:
        return np.testing.assert_array_equal
    tol = 1e3 * np.finfo(dtype).eps
    return lambda a, b: np.testing.assert_allclose(a, b, rtol=tol, atol=tol * np.abs(b).max())
dtype_id = lambda d: d.__name__  # noqa: E731


@pytest.fixture
def fused_runs(monkeypatch):
    """A list that receives True each time the fused step computed an update, False each time it
    declined (and the plain step ran instead)."""
    runs = []
    original = FusedSGDStep.step

    def spy(self, X, y, loss):
        result = original(self, X, y, loss)
        runs.append(result is not None)
        return result

    monkeypatch.setattr(FusedSGDStep, "step", spy)
    return runs


@pytest.fixture
def deltas(monkeypatch):
    """A dict that receives, for each Dense layer, the δ its last ``backward`` was given."""
    seen = {}
    original = mb.Dense.backward

    def spy(self, dZ, input_grad=True):
        seen[self] = np.array(dZ)
        return original(self, dZ, input_grad)

    monkeypatch.setattr(mb.Dense, "backward", spy)
    return seen


def chain(dtype, seed=1):
    """Every shape the fused step handles: ReLU after Dense, Dense without bias, two Dense
    layers in a row, a ReLU on the output."""
    rng = np.random.default_rng(seed)
    return mb.Sequential(mb.Dense(6, 9, init="he", rng=rng), mb.ReLU(),
                         mb.Dense(9, 7, init="he", bias=False, rng=rng), mb.ReLU(),
                         mb.Dense(7, 5, rng=rng), mb.Dense(5, 4, rng=rng), mb.ReLU()
                         ).astype(dtype)


def plain_step(model, loss, opt, X, y, regularizer=None):
    """The step as the book writes it: forward, loss, backward, (penalty,) optimizer."""
    out = model.forward(X, training=True)
    value = loss.forward(out, y)
    model.backward(loss.backward(), input_grad=False)
    if regularizer is not None:
        regularizer.add_grad(model.parameters())
    opt.step()
    return value, out


def data(dtype, n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 6)).astype(dtype)
    X[3] = 0  # a zero row: with zero biases z = 0 exactly, where the book takes σ'(0) = 1
    return X, rng.integers(0, 4, n), np.abs(rng.standard_normal((n, 4))).astype(dtype)


def batches(n):
    """Batches of 16, 16 and 8 rows: the buffers are reused and a smaller batch uses views."""
    return [slice(0, 16), slice(16, 32), slice(32, n)] * 3


def assert_same_state(fused, plain, dtype):
    """Parameters and gradients equal: for models that both took the plain step."""
    for p, q in zip(fused.parameters(), plain.parameters(), strict=True):
        assert p.value.dtype == p.grad.dtype == dtype, p.name
        np.testing.assert_array_equal(p.value, q.value, err_msg=p.name)
        np.testing.assert_array_equal(p.grad, q.grad, err_msg=f"gradient of {p.name}")


def compare_step(fused, plain, loss, opt_f, opt_p, X, y, deltas):
    """Set ``plain`` to the state of ``fused``, take one step with each (``train_step`` and the
    book's step) and check that they agree: loss, output, biases and their gradients exactly;
    each W within round-off, |W_f − W_p| ≤ 2(n + 3)·ε·(|1 − αλ|·|W| + α·|δ|ᵀ|a|), the error
    bound of the two ways of rounding one update (n: the batch size); the same dW, formed when
    read. Returns the largest |W_f − W_p| in units of that bound."""
    for p, q in zip(fused.parameters(), plain.parameters(), strict=True):
        q.value[...] = p.value
    dense = [layer for layer in plain.layers if isinstance(layer, mb.Dense)]
    before = [layer.W.copy() for layer in dense]
    vf, of = train_step(fused, loss, opt_f, X, y)
    vp, op = plain_step(plain, loss, opt_p, X, y)
    same = _same_products(X.dtype)
    assert vf == vp if SAME_BLAS else abs(vf - vp) <= 1e3 * np.finfo(X.dtype).eps * abs(vp)
    assert of.dtype == op.dtype
    same(of, op)
    worst = 0.0
    fused_dense = [layer for layer in fused.layers if isinstance(layer, mb.Dense)]
    for f, p, W in zip(fused_dense, dense, before, strict=True):
        dtype = W.dtype
        assert f.W.dtype == f.dW.dtype == dtype
        same(f.dW, p.dW)  # g_W of this step, formed when read
        if p.b is not None:
            same(f.b, p.b)
            same(f.db, p.db)
        if not SAME_BLAS:  # the products themselves differ in their last bits
            np.testing.assert_allclose(f.W, p.W, rtol=1e3 * np.finfo(dtype).eps,
                                       atol=1e3 * np.finfo(dtype).eps * np.abs(W).max())
            continue
        lr, decay = opt_p.lr, opt_p.weight_decay
        scale = abs(1 - lr * decay) * np.abs(W.astype(np.float64)) \
            + lr * (np.abs(deltas[p].T.astype(np.float64)) @ np.abs(p.A_prev.astype(np.float64)))
        bound = 2 * (len(X) + 3) * np.finfo(dtype).eps * scale
        error = np.abs(f.W.astype(np.float64) - p.W)
        assert np.all(error <= bound), float(np.max(error / bound))
        worst = max(worst, float(np.max(error / np.maximum(bound, np.finfo(float).tiny))))
        # a real update, far larger than where the two ways of rounding it differ
        assert np.max(np.abs(p.W.astype(np.float64) - W)) > 100 * np.max(error)
    return worst


@pytest.mark.parametrize("dtype", DTYPES, ids=dtype_id)
@pytest.mark.parametrize("lr", [2.0**-5, 0.01, 0.037], ids=["lr=2^-5", "lr=0.01", "lr=0.037"])
@pytest.mark.parametrize("weight_decay", [0.0, 0.07], ids=["no decay", "decay=0.07"])
@pytest.mark.parametrize("loss", [mb.CrossEntropyLoss(), mb.SquaredLoss(reduction="sum")],
                         ids=["cross-entropy", "squared-sum"])
def test_fused_step_equals_the_plain_step_to_round_off(dtype, lr, weight_decay, loss, fused_runs,
                                                       deltas):
    X, labels, targets = data(dtype)
    y = labels if isinstance(loss, mb.CrossEntropyLoss) else targets
    fused, plain = chain(dtype), chain(dtype)
    opt_f = mb.SGD(fused.parameters(), lr, weight_decay=weight_decay)
    opt_p = mb.SGD(plain.parameters(), lr, weight_decay=weight_decay)
    for rows in batches(len(X)):
        compare_step(fused, plain, loss, opt_f, opt_p, X[rows], y[rows], deltas)
    assert fused_runs == [True] * 9  # every step was the fused one
    assert opt_f.t == opt_p.t == 9


def test_fused_step_equals_the_plain_step_on_the_benchmark_network(fused_runs, deltas):
    # 784-512-512-10 in float32, batches of 64 and a last one of 32: products large enough for
    # the BLAS to use its threads and blocked kernels
    rng = np.random.default_rng(5)
    models = []
    for _ in range(2):
        r = np.random.default_rng(0)
        models.append(mb.Sequential(mb.Dense(784, 512, init="he", rng=r), mb.ReLU(),
                                    mb.Dense(512, 512, init="he", rng=r), mb.ReLU(),
                                    mb.Dense(512, 10, rng=r)).astype(np.float32))
    fused, plain = models
    X = rng.standard_normal((160, 784)).astype(np.float32)
    y = rng.integers(0, 10, 160)
    loss = mb.CrossEntropyLoss()
    opt_f, opt_p = mb.SGD(fused.parameters(), 0.05), mb.SGD(plain.parameters(), 0.05)
    for rows in (slice(0, 64), slice(64, 128), slice(128, 160)):
        compare_step(fused, plain, loss, opt_f, opt_p, X[rows], y[rows], deltas)
    assert fused_runs == [True] * 3


def test_without_scipy_the_step_is_the_plain_one_bit_for_bit(fused_runs, monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy.linalg", None)  # import scipy.linalg fails
    X, y, _ = data(np.float32)
    fused, plain = chain(np.float32), chain(np.float32)
    opt_f, opt_p = mb.SGD(fused.parameters(), 0.01), mb.SGD(plain.parameters(), 0.01)
    assert fused_sgd_step(fused, opt_f) is None
    for rows in batches(len(X)):
        train_step(fused, mb.CrossEntropyLoss(), opt_f, X[rows], y[rows])
        plain_step(plain, mb.CrossEntropyLoss(), opt_p, X[rows], y[rows])
    assert fused_runs == []
    assert_same_state(fused, plain, np.float32)
    monkeypatch.undo()  # SciPy back: the next step is the fused one
    assert fused_sgd_step(fused, opt_f) is not None


def test_after_a_fused_step_the_model_tells_the_truth(fused_runs):
    """After mb.fit and train_step take the fused step: every gradient read is the true
    gradient of the last step (the book's backward pass from the same state, bit for bit), the
    output returned is the caller's own array, and backward without a forward says why."""
    X, y, _ = data(np.float64, n=16)
    loss = mb.CrossEntropyLoss()
    model, twin = chain(np.float64), chain(np.float64)
    opt = mb.SGD(model.parameters(), 0.05)
    mb.fit(model, loss, opt, X, y, epochs=2, batch_size=16, rng=0, progress=False)
    twin.load_state(model.state())  # the state before the last step
    _, out = train_step(model, loss, opt, X, y)
    assert fused_runs == [True] * 3
    value = loss.forward(twin.forward(X, training=True), y)
    twin.backward(loss.backward())
    for p, q in zip(model.parameters(), twin.parameters(), strict=True):
        np.testing.assert_array_equal(p.grad, q.grad, err_msg=p.name)
    assert loss.forward(out, y) == value
    kept = out.copy()
    train_step(model, loss, opt, X[:8], y[:8])  # the next step overwrites the buffers
    np.testing.assert_array_equal(out, kept)  # not the returned output
    for layer in model.layers:
        with pytest.raises(RuntimeError, match=r"keeps no input.*model\.forward\(X, training"):
            layer.backward(np.ones((8, 4)))
    model.forward(X, training=True)  # after a forward, backward runs as ever
    model.backward(np.ones((16, 4)))


@pytest.mark.parametrize("dtype", DTYPES, ids=dtype_id)
def test_fit_takes_the_fused_step_and_gives_the_plain_history(dtype, fused_runs, monkeypatch):
    X, y, _ = data(np.float64, n=45)  # float64 data into a float32 model: cast on entry
    runs = []
    for fused in (True, False):
        if not fused:
            monkeypatch.setattr(mlpbook.training, "fused_sgd_step", lambda model, opt: None)
        model = chain(dtype)
        opt = mb.SGD(model.parameters(), 0.05)
        history = mb.fit(model, mb.CrossEntropyLoss(), opt, X, y, epochs=3, batch_size=16,
                         rng=0, validation=(X[:10], y[:10]), progress=False)
        runs.append((model, history))
    assert fused_runs == [True] * 9  # 3 epochs of 3 batches (16, 16, 13), then none
    (a, ha), (b, hb) = runs
    assert ha.keys() == hb.keys()
    rtol = 1e3 * np.finfo(dtype).eps  # 9 steps of round-off, barely amplified by this training
    for key in ha:  # loss, accuracy, val_loss, val_accuracy
        np.testing.assert_allclose(ha[key], hb[key], rtol=rtol, err_msg=key)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_allclose(p.value, q.value, rtol=rtol, atol=rtol, err_msg=p.name)
        assert p.value.dtype == dtype
    assert mb.predict(a, X).dtype == dtype


def fallback_models(rng):
    """Models the fused step does not handle: each other layer type inside a Dense chain, a
    ReLU first, two ReLUs in a row, a nested Sequential, mixed dtypes, subclasses."""

    class MyReLU(mb.ReLU):
        pass

    class MyDense(mb.Dense):
        pass

    def dense(n_in=5, n_out=5):
        return mb.Dense(n_in, n_out, rng=rng)

    others = [mb.Identity(), mb.Step(), mb.Sigmoid(), mb.Tanh(), mb.LeakyReLU(0.1),
              mb.PReLU(n=5), mb.ELU(), mb.SELU(), mb.Softplus(), mb.Softsign(), mb.Arctan(),
              mb.Swish(), mb.Softmax(), mb.BatchNorm(5), mb.Dropout(0.8, rng=rng), MyReLU()]
    models = {repr(layer): mb.Sequential(dense(), layer, dense(5, 3)) for layer in others}
    models["ReLU first"] = mb.Sequential(mb.ReLU(), dense(), mb.ReLU(), dense(5, 3))
    models["ReLU, ReLU"] = mb.Sequential(dense(), mb.ReLU(), mb.ReLU(), dense(5, 3))
    models["nested"] = mb.Sequential(mb.Sequential(dense(), mb.ReLU()), dense(5, 3))
    models["Dense subclass"] = mb.Sequential(MyDense(5, 5, rng=rng), mb.ReLU(), dense(5, 3))
    models["mixed dtypes"] = mb.Sequential(dense(), mb.ReLU(),
                                           mb.Dense(5, 3, rng=rng, dtype=np.float32))
    return models


@pytest.mark.parametrize("name", list(fallback_models(np.random.default_rng(0))))
def test_every_other_layer_falls_back_to_the_plain_step(name, fused_runs):
    a = fallback_models(np.random.default_rng(0))[name]
    b = fallback_models(np.random.default_rng(0))[name]
    X, y, _ = data(np.float64, n=16)
    X, y = X[:, :5], y % 3
    opt_a, opt_b = mb.SGD(a.parameters(), 0.01), mb.SGD(b.parameters(), 0.01)
    assert fused_sgd_step(a, opt_a) is None
    for _ in range(2):
        va, _ = train_step(a, mb.CrossEntropyLoss(), opt_a, X, y)
        vb, _ = plain_step(b, mb.CrossEntropyLoss(), opt_b, X, y)
        assert va == vb
    assert fused_runs == []  # never even tried
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p.value, q.value)
        np.testing.assert_array_equal(p.grad, q.grad)


def other_optimizers(params):
    return {cls.__name__: cls(params, lr=0.01) for cls in
            (mb.Momentum, mb.Nesterov, mb.AdaGrad, mb.AdaDelta, mb.RMSprop, mb.Adam, mb.AdamW)}


class MySGD(mb.SGD):
    def update(self, theta, g, out=None):
        theta -= 2 * self.lr * g


OPTIMIZER_CASES = [*other_optimizers([mb.Parameter(mb.Dense(1, 1), "W", "dW")]),
                   "SGD subclass", "SGD on part of the model", "SGD listing a parameter twice",
                   "SGD with a regularizer"]


def make_optimizer(case, model):
    params = model.parameters()
    if case in other_optimizers(params):
        return other_optimizers(params)[case], None
    if case == "SGD listing a parameter twice":  # the same arrays under two Parameter objects
        opt = mb.SGD(params[:-1], 0.01)
        opt.params.append(mb.Parameter(params[0].layer, "W", "dW"))
        return opt, None
    return {"SGD subclass": (MySGD(params, 0.01), None),
            "SGD on part of the model": (mb.SGD(params[2:], 0.01), None),
            "SGD with a regularizer": (mb.SGD(params, 0.01), mb.L2(0.1))}[case]


@pytest.mark.parametrize("case", OPTIMIZER_CASES)
def test_every_other_optimizer_falls_back_to_the_plain_step(case, fused_runs):
    X, y, _ = data(np.float64, n=16)
    a, b = chain(np.float64), chain(np.float64)
    (opt_a, reg), (opt_b, _) = make_optimizer(case, a), make_optimizer(case, b)
    if reg is None:
        assert fused_sgd_step(a, opt_a) is None
    loss = mb.CrossEntropyLoss()
    for _ in range(2):
        va, _ = train_step(a, loss, opt_a, X, y, regularizer=reg)
        vb, _ = plain_step(b, loss, opt_b, X, y, regularizer=reg)
        assert va == vb
    assert fused_runs == []
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p.value, q.value)
        np.testing.assert_array_equal(p.grad, q.grad)


def test_unusual_inputs_go_to_the_plain_step_and_its_errors(fused_runs, deltas):
    X, y, _ = data(np.float32, n=16)
    model = chain(np.float32)
    opt = mb.SGD(model.parameters(), 0.05)
    loss = mb.CrossEntropyLoss()
    twin = chain(np.float32)
    twin_opt = mb.SGD(twin.parameters(), 0.05)
    # float64 input and a list go to the plain step, which converts them to float32; a
    # column-major float32 array is taken as it is
    for Xb in (X.astype(np.float64), X.tolist()):
        v, out = train_step(model, loss, opt, Xb, y)
        assert out.dtype == np.float32
        assert v == plain_step(twin, loss, twin_opt, Xb, y)[0]
    assert_same_state(model, twin, np.float32)
    compare_step(model, twin, loss, opt, twin_opt, np.asfortranarray(X), y, deltas)
    assert fused_runs == [False, False, True]
    fused_runs.clear()
    bad = X.copy()
    bad[2, 1] = np.nan
    before = [p.value.copy() for p in model.parameters()]
    with pytest.raises(ValueError, match=r"Sequential input: input contains NaN"):
        train_step(model, loss, opt, bad, y)
    bad[2, 1] = -np.inf  # −∞ would vanish in max(z, 0); z·M keeps it non-finite
    with pytest.raises(ValueError, match=r"contains infinity"):
        train_step(model, loss, opt, bad, y)
    with pytest.raises(ValueError, match=r"expected input of shape \(n, 6\)"):
        train_step(model, loss, opt, X[:, :5], y)
    with pytest.raises(ValueError, match=r"expected a 2-D batch"):
        train_step(model, loss, opt, X[0], y[:1])
    assert fused_runs == [False] * 4  # each one declined by the fused step, refused by the plain
    with pytest.raises(ValueError, match=r"labels out of range"):
        train_step(model, loss, opt, X, y + 10)  # refused by the loss, inside the fused step
    for p, b in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.value, b)  # nothing was updated


def test_an_infinite_input_is_refused_even_where_relu_would_hide_it():
    # all weights positive: x = −∞ makes every z = −∞, and max(z, 0) = 0 would let a finite
    # output through; z·M = −∞·0 = NaN reaches the output, and the plain step refuses the input
    model = mb.Sequential(mb.Dense(6, 3, rng=0), mb.ReLU(), mb.Dense(3, 2, rng=0))
    model[0].W[...] = np.abs(model[0].W) + 0.1
    X, _, _ = data(np.float64, n=4)
    X[1, 4] = -np.inf
    with pytest.raises(ValueError, match=r"contains infinity"):
        train_step(model, mb.CrossEntropyLoss(), mb.SGD(model.parameters(), 0.1), X,
                   np.array([0, 1, 0, 1]))


def test_an_overflow_gives_the_plain_steps_divergence(fused_runs):
    X, y, _ = data(np.float32, n=16)
    runs = []
    for fused in (True, False):
        model = chain(np.float32)
        model[0].W *= 1e20
        model[2].W *= 1e20  # the second layer overflows to infinity
        opt = mb.SGD(model.parameters(), 0.01)
        step = train_step if fused else plain_step
        with np.errstate(all="ignore"):
            runs.append((step(model, mb.CrossEntropyLoss(), opt, X, y)[0], model))
    assert fused_runs == [False]  # declined, so the plain step diverged in its own way
    (va, a), (vb, b) = runs
    assert np.isnan(va) and np.isnan(vb)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p.value, q.value)  # NaN where the plain step has NaN


def test_the_step_follows_changes_of_the_model_and_the_optimizer(fused_runs, deltas):
    X, y, _ = data(np.float64, n=16)
    loss = mb.CrossEntropyLoss()
    model, twin = chain(np.float64), chain(np.float64)
    opt, twin_opt = mb.SGD(model.parameters(), 0.05), mb.SGD(twin.parameters(), 0.05)
    first = fused_sgd_step(model, opt)
    assert fused_sgd_step(model, opt) is first  # kept with its buffers
    compare_step(model, twin, loss, opt, twin_opt, X, y, deltas)
    opt.lr = twin_opt.lr = 0.11  # a schedule changing the rate and the decay between steps
    opt.weight_decay = twin_opt.weight_decay = 0.02
    compare_step(model, twin, loss, opt, twin_opt, X, y, deltas)
    assert fused_runs == [True, True]
    model.astype(np.float32)  # new arrays, new dtype: a new step with float32 buffers
    again = fused_sgd_step(model, opt)
    assert again is not first and again.dtype == np.float32
    _, out = train_step(model, loss, opt, X.astype(np.float32), y)
    assert out.dtype == model[0].W.dtype == model[0].dW.dtype == np.float32
    model.layers.insert(1, mb.Tanh())  # no longer a Dense/ReLU chain
    assert fused_sgd_step(model, opt) is None
    del model.layers[1]
    assert fused_sgd_step(model, opt) is not None  # a chain again
    opt.params = opt.params[1:]  # no longer all of the model's parameters
    assert fused_sgd_step(model, opt) is None
