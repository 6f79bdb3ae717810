"""Toy generators and real data of mlpbook.datasets (no network: MNIST downloads are faked)."""

import gzip
import hashlib
import struct
import urllib.error

import numpy as np
import pytest

from mlpbook import datasets


def test_xor_truth_table():
    X, y = datasets.xor()
    assert X.shape == (4, 2) and y.dtype.kind == "i"
    np.testing.assert_array_equal(y, np.logical_xor(X[:, 0], X[:, 1]).astype(int))


def test_two_moons_geometry_and_determinism():
    X, y = datasets.two_moons(101, noise=0.0, rng=0)
    assert X.shape == (101, 2) and np.bincount(y).tolist() == [50, 51]
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)  # unit half circle, y ≥ 0
    assert upper[:, 1].min() >= 0
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert lower[:, 1].max() <= 0.5
    a, b = datasets.two_moons(50, 0.2, rng=3), datasets.two_moons(50, 0.2, rng=3)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], datasets.two_moons(50, 0.2, rng=4)[0])
    clean, y0 = datasets.two_moons(20000, noise=0.0, rng=1)
    noisy, y1 = datasets.two_moons(20000, noise=0.1, rng=1)  # the same draws, plus noise
    np.testing.assert_array_equal(y0, y1)
    assert abs(np.std(noisy - clean) - 0.1) < 0.002


def test_circles_and_spirals():
    X, y = datasets.circles(200, noise=0.0, factor=0.3, rng=0)
    np.testing.assert_allclose(np.hypot(*X.T), np.where(y == 1, 0.3, 1.0))
    X, y = datasets.spirals(300, classes=3, noise=0.0, rng=0)
    assert X.shape == (300, 2) and np.bincount(y).tolist() == [100, 100, 100]
    r = np.hypot(*X.T)
    assert r.max() <= 1.0
    # noise-free arm k has angle 2π(r + k/3): check it modulo 2π
    angle = np.arctan2(X[:, 1], X[:, 0])
    expected = 2 * np.pi * (r + y / 3)
    np.testing.assert_allclose(np.cos(angle - expected), 1.0, atol=1e-9)
    with pytest.raises(ValueError, match="noise"):
        datasets.spirals(10, noise=-1)
    with pytest.raises(ValueError, match="n must be"):
        datasets.two_moons(1)


def test_fstar_known_values_and_sampler():
    # (5.11): f*(0) = cos(2 cos 0 + 1/4) + 1, f*(1) = cos(2 cos 1) + 3/2
    assert datasets.fstar(0.0) == pytest.approx(np.cos(2.25) + 1)
    assert datasets.fstar(1.0) == pytest.approx(np.cos(2 * np.cos(1.0)) + 1.5)
    x, y = datasets.fstar_sample(500, rng=0)
    assert x.shape == y.shape == (500, 1) and x.min() >= 0 and x.max() <= 4
    np.testing.assert_allclose(y, datasets.fstar(x))
    _, y_noisy = datasets.fstar_sample(500, noise=0.1, rng=0)
    assert 0.08 < np.std(y_noisy - y) < 0.12


def test_digits_and_split():
    X, y = datasets.digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0 and set(np.unique(y)) == set(range(10))
    Xtr, Xte, ytr, yte = datasets.train_test_split(X, y, test_fraction=0.2, rng=0)
    assert len(Xte) == 359 and len(Xtr) == 1797 - 359
    again = datasets.train_test_split(X, y, test_fraction=0.2, rng=0)
    np.testing.assert_array_equal(again[1], Xte)
    rows = {r.tobytes() for r in Xtr}  # disjoint up to duplicate images in the data
    assert sum(r.tobytes() in rows for r in Xte) < 10
    with pytest.raises(ValueError, match="test_fraction"):
        datasets.train_test_split(X, y, test_fraction=1.0)


# ---- IDX files and MNIST -----------------------------------------------------------------------

def idx_bytes(array, code=0x08):
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    dtype = {0x08: ">u1", 0x0D: ">f4"}[code]
    return header + array.astype(dtype).tobytes()


def test_read_idx_plain_and_gzip(tmp_path):
    images = np.arange(2 * 3 * 4).reshape(2, 3, 4).astype(np.uint8)
    (tmp_path / "a.idx").write_bytes(idx_bytes(images))
    np.testing.assert_array_equal(datasets.read_idx(tmp_path / "a.idx"), images)
    floats = np.array([[1.5, -2.25]], dtype=np.float32)
    with gzip.open(tmp_path / "b.gz", "wb") as f:
        f.write(idx_bytes(floats, 0x0D))
    out = datasets.read_idx(tmp_path / "b.gz")
    np.testing.assert_array_equal(out, floats)
    assert out.dtype == np.float32 and out.dtype.isnative


def test_read_idx_errors(tmp_path):
    good = idx_bytes(np.zeros((2, 2), np.uint8))
    (tmp_path / "short").write_bytes(good[:-1])
    with pytest.raises(ValueError, match="announces shape"):
        datasets.read_idx(tmp_path / "short")
    (tmp_path / "magic").write_bytes(b"\x01\x02" + good[2:])
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.read_idx(tmp_path / "magic")


def fake_mnist(tmp_path, monkeypatch):
    """Tiny stand-ins for the four archives, registered with their own sizes and SHA-256."""
    rng = np.random.default_rng(0)
    src = tmp_path / "server"
    src.mkdir()
    parts = {"train-images-idx3-ubyte.gz": rng.integers(0, 256, (5, 28, 28)),
             "train-labels-idx1-ubyte.gz": rng.integers(0, 10, 5),
             "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (2, 28, 28)),
             "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 2)}
    table = {}
    for name, arr in parts.items():
        data = gzip.compress(idx_bytes(arr.astype(np.uint8)))
        (src / name).write_bytes(data)
        table[name] = (len(data), hashlib.sha256(data).hexdigest())
    monkeypatch.setitem(datasets._MNIST, "digits", ("fake://", table))
    calls = []

    def download(url, dest, timeout=30.0):
        calls.append(url)
        dest.write_bytes((src / url.removeprefix("fake://")).read_bytes())

    monkeypatch.setattr(datasets, "_download", download)
    return parts, calls


def test_mnist_download_checksum_and_cache(tmp_path, monkeypatch):
    parts, calls = fake_mnist(tmp_path, monkeypatch)
    (Xtr, ytr), (Xte, yte) = datasets.mnist(cache_dir=tmp_path / "cache")
    assert Xtr.shape == (5, 784) and Xtr.dtype == np.float32 and Xte.shape == (2, 784)
    np.testing.assert_allclose(Xtr, parts["train-images-idx3-ubyte.gz"].reshape(5, -1) / 255,
                               rtol=1e-6)
    np.testing.assert_array_equal(yte, parts["t10k-labels-idx1-ubyte.gz"])
    assert len(calls) == 4
    datasets.mnist(cache_dir=tmp_path / "cache")  # cached and verified: no new download
    assert len(calls) == 4


def test_mnist_rejects_a_corrupted_download(tmp_path, monkeypatch):
    fake_mnist(tmp_path, monkeypatch)
    (tmp_path / "server" / "train-labels-idx1-ubyte.gz").write_bytes(b"tampered!")
    with pytest.raises(ValueError, match="SHA-256"):
        datasets.mnist(cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache" / "mnist" / "train-labels-idx1-ubyte.gz").exists()


def test_mnist_without_network_says_so(tmp_path, monkeypatch):
    def offline(url, dest, timeout=30.0):
        raise urllib.error.URLError("Temporary failure in name resolution")

    monkeypatch.setattr(datasets, "_download", offline)
    with pytest.raises(ConnectionError, match="network connection"):
        datasets.mnist("fashion", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="kind"):
        datasets.mnist("kmnist", cache_dir=tmp_path)


def test_mnist_unreachable_address(tmp_path):
    # a local port where nothing listens: refused at once, no traffic leaves the machine
    with pytest.raises(ConnectionError, match="could not download http://127.0.0.1:9/"):
        datasets.mnist(cache_dir=tmp_path, base_url="http://127.0.0.1:9/")
    assert not list((tmp_path / "mnist").iterdir())  # no partial file left behind


def test_friedman1_is_friedmans_function_plus_noise():
    X, y = datasets.friedman1(2000, noise=0.0, n_features=7, rng=0)
    assert X.shape == (2000, 7) and y.shape == (2000, 1)
    assert X.min() >= 0 and X.max() <= 1
    x1, x2, x3, x4, x5 = X[:, :5].T
    f = 10 * np.sin(np.pi * x1 * x2) + 20 * (x3 - 0.5) ** 2 + 10 * x4 + 5 * x5
    np.testing.assert_allclose(y[:, 0], f, rtol=1e-13)
    assert 22 < f.var() < 26  # Var f(X) ≈ 23.8 for uniform inputs
    # the noise is added with the stated standard deviation, on the same inputs
    X2, y2 = datasets.friedman1(2000, noise=2.0, n_features=7, rng=0)
    np.testing.assert_array_equal(X2, X)
    assert abs((y2 - y).std() - 2.0) < 0.1
    # a straight line leaves about a quarter of the variance unexplained, the noise-free f none
    A = np.column_stack([X, np.ones(len(X))])
    residual = y - A @ np.linalg.lstsq(A, y, rcond=None)[0]
    assert 0.15 < residual.var() / y.var() < 0.35
    again = datasets.friedman1(50, rng=3)[1]
    np.testing.assert_array_equal(datasets.friedman1(50, rng=3)[1], again)


@pytest.mark.parametrize("kw, match", [({"n_features": 4}, "n_features"),
                                       ({"noise": -1.0}, "noise"), ({"n": 0}, "n must be")])
def test_friedman1_rejects_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        datasets.friedman1(**{"n": 10, **kw})
