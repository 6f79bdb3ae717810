"""mb.save / mb.load: exact round trips, and clear ValueErrors for damaged or hostile files."""

import json
import pickle

import numpy as np
import pytest

import mlpbook as mb
from mlpbook.io import ARCH_KEY


def trained_model(dtype=np.float64):
    rng = np.random.default_rng(0)
    model = mb.Sequential(
        mb.Dense(3, 6, init="he", rng=rng, dtype=dtype), mb.BatchNorm(6, momentum=0.7, dtype=dtype),
        mb.PReLU(0.1, n=6, dtype=dtype), mb.Dropout(0.8, inverted=False, rng=1),
        mb.Sequential(mb.Dense(6, 4, bias=False, rng=rng, dtype=dtype), mb.LeakyReLU(0.05)),
        mb.Dense(4, 3, rng=rng, dtype=dtype), mb.Softmax(),
    )
    for p in model.parameters():  # move every array away from its initial value
        p.value[...] = rng.standard_normal(p.value.shape)
    model.forward(rng.standard_normal((10, 3)), training=True)  # BN running statistics
    return model


def arrays(model):
    out = {p.name: p.value for p in model.parameters()}
    for i, layer in enumerate(model.layers):
        for b in getattr(layer, "_buffers", ()):
            out[f"{i}.{b}"] = getattr(layer, b)
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_exact_round_trip(tmp_path, dtype):
    model = trained_model(dtype)
    path = mb.save(model, tmp_path / "model")
    assert path.name == "model.npz"
    again = mb.load(path)
    assert repr(again) == repr(model)
    a, b = arrays(model), arrays(again)
    assert a.keys() == b.keys() and "1.running_var" in a and "2.alpha" in a
    for k in a:
        assert b[k].dtype == a[k].dtype == dtype
        np.testing.assert_array_equal(a[k], b[k])
    assert [layer.config() for layer in again.layers[:4]] == \
        [layer.config() for layer in model.layers[:4]]
    X = np.random.default_rng(1).standard_normal((5, 3))
    np.testing.assert_array_equal(again.forward(X), model.forward(X))  # production mode
    assert again[0].dW.dtype == dtype  # gradients follow the dtype too


def test_file_is_plain_npz_without_pickles(tmp_path):
    path = mb.save(trained_model(), tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as f:
        arch = json.loads(str(f[ARCH_KEY]))
        assert all(f[k].dtype != object for k in f.files)
    assert arch["format"] == "mlpbook-model" and arch["model"]["class"] == "Sequential"
    assert arch["model"]["layers"][0] == {"class": "Dense", "config": trained_model()[0].config()}


def test_single_layer_and_unknown_class_on_save(tmp_path):
    bn = mb.BatchNorm(2)
    bn.running_mean[...] = [1.0, 2.0]
    again = mb.load(mb.save(bn, tmp_path / "bn.npz"))
    np.testing.assert_array_equal(again.running_mean, [1.0, 2.0])

    class Custom(mb.Dense):
        pass

    with pytest.raises(ValueError, match="cannot save a Custom layer"):
        mb.save(mb.Sequential(Custom(2, 2, rng=0)), tmp_path / "c.npz")


# ---- damaged and hostile files -----------------------------------------------------------------

def rewrite(tmp_path, edit_arch=None, edit_arrays=None, name="bad.npz"):
    path = mb.save(trained_model(), tmp_path / "good.npz")
    with np.load(path, allow_pickle=False) as f:
        data = {k: f[k] for k in f.files}
    arch = json.loads(str(data.pop(ARCH_KEY)))
    if edit_arch:
        arch = edit_arch(arch)
    if edit_arrays:
        edit_arrays(data)
    bad = tmp_path / name
    text = arch if isinstance(arch, str) else json.dumps(arch)
    np.savez(bad, **{ARCH_KEY: np.array(text)}, **data)
    return bad


def test_truncated_file(tmp_path):
    path = mb.save(trained_model(), tmp_path / "m.npz")
    raw = path.read_bytes()
    for cut in (len(raw) // 3, len(raw) - 10):
        short = tmp_path / f"short{cut}.npz"
        short.write_bytes(raw[:cut])
        with pytest.raises(ValueError, match="not a readable mlpbook model file"):
            mb.load(short)


def test_not_an_npz(tmp_path):
    path = tmp_path / "text.npz"
    path.write_text("hello")
    with pytest.raises(ValueError, match="not a readable"):
        mb.load(path)
    with pytest.raises(FileNotFoundError):
        mb.load(tmp_path / "missing.npz")


def test_pickled_payload_is_never_executed(tmp_path):
    marker = tmp_path / "executed"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.npy"
    with open(path, "wb") as f:
        np.save(f, np.array([Evil()], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError):
        mb.load(path)
    zipped = tmp_path / "evil.npz"
    np.savez(zipped, **{ARCH_KEY: np.array("{}"), "0.W": np.array([Evil()], dtype=object)})
    with pytest.raises(ValueError):
        mb.load(zipped)
    assert not marker.exists()
    assert pickle  # the module is only needed for the payload above


def test_tampered_json(tmp_path):
    with pytest.raises(ValueError, match="not valid JSON"):
        mb.load(rewrite(tmp_path, edit_arch=lambda a: json.dumps(a)[:-5]))
    with pytest.raises(ValueError, match="format"):
        mb.load(rewrite(tmp_path, edit_arch=lambda a: {**a, "format": "other"}))
    with pytest.raises(ValueError, match="version"):
        mb.load(rewrite(tmp_path, edit_arch=lambda a: {**a, "version": 99}))

    def bad_config(a):
        a["model"]["layers"][0]["config"]["in_features"] = "three"
        return a

    with pytest.raises(ValueError, match="invalid config for Dense"):
        mb.load(rewrite(tmp_path, edit_arch=bad_config))

    def huge(a):
        a["model"]["layers"][0]["config"].update(in_features=10**9, out_features=10**9)
        return a

    with pytest.raises(ValueError, match="cannot fill"):
        mb.load(rewrite(tmp_path, edit_arch=huge))

    def nested(a):
        a["model"]["layers"][2]["config"]["alpha"] = {"__class__": "os.system"}
        return a

    with pytest.raises(ValueError, match="numbers and strings"):
        mb.load(rewrite(tmp_path, edit_arch=nested))


def test_unknown_layer_name(tmp_path):
    def evil(a):
        a["model"]["layers"][1]["class"] = "os.system"
        return a

    with pytest.raises(ValueError, match="unknown layer class 'os.system'"):
        mb.load(rewrite(tmp_path, edit_arch=evil))


def test_missing_misshaped_extra_and_non_float_arrays(tmp_path):
    with pytest.raises(ValueError, match=r"missing in the file"):
        mb.load(rewrite(tmp_path, edit_arrays=lambda d: d.pop("1.running_var")))

    def misshape(d):
        d["0.W"] = d["0.W"][:, :2]

    with pytest.raises(ValueError, match=r"'0.W'.*shape \(6, 2\); expected \(6, 3\)"):
        mb.load(rewrite(tmp_path, edit_arrays=misshape))

    def extra(d):
        d["9.W"] = np.zeros(2)

    with pytest.raises(ValueError, match="does not use"):
        mb.load(rewrite(tmp_path, edit_arrays=extra))

    def ints(d):
        d["5.b"] = np.zeros(3, dtype=np.int64)

    with pytest.raises(ValueError, match="dtype int64"):
        mb.load(rewrite(tmp_path, edit_arrays=ints))

    def mixed(d):
        d["5.b"] = d["5.b"].astype(np.float32)

    with pytest.raises(ValueError, match=r"mix the dtypes \['float32', 'float64'\]"):
        mb.load(rewrite(tmp_path, edit_arrays=mixed))


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["0.W"].__setitem__((1, 2), np.nan), r"array 'W' of Dense\(3→6\) contains NaN"),
    (lambda d: d["5.b"].__setitem__(0, np.inf), "contains infinity"),
    (lambda d: d["1.running_var"].__setitem__(3, -0.5), "running_var of BatchNorm.*must be >= 0"),
])
def test_arrays_no_trained_model_holds_are_refused(tmp_path, edit, message):
    with pytest.raises(ValueError, match=f"load: .*{message}"):
        mb.load(rewrite(tmp_path, edit_arrays=edit))


def test_saving_nan_weights_is_refused_and_writes_nothing(tmp_path):
    model = trained_model()
    model[0].W[0, 0] = np.nan
    with pytest.raises(ValueError, match="save: .*NaN"):
        mb.save(model, tmp_path / "m.npz")
    assert not list(tmp_path.iterdir())


def test_a_directory_is_named_as_such(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a directory; expected an .npz file"):
        mb.load(tmp_path)
    with pytest.raises(FileNotFoundError, match="no such file"):
        mb.load(tmp_path / "missing.npz")


def test_saved_arrays_are_the_models_state(tmp_path):
    model = trained_model()
    with np.load(mb.save(model, tmp_path / "m.npz"), allow_pickle=False) as f:
        assert sorted(set(f.files) - {ARCH_KEY}) == sorted(model.state())
