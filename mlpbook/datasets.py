"""Datasets that ship offline: toy generators, the data of the documents' worked examples, and
small real data. Every random generator takes ``rng`` (a ``numpy.random.Generator`` or a seed)."""

from __future__ import annotations

import numpy as np

from ._checks import integer, number
from .init import as_generator

# ---- toy generators and real data ----

def xor():
    """The four XOR points: X (4, 2) float and labels y (4,) int, y = x₁ XOR x₂."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([0, 1, 1, 0])


def _check_n(n, who: str, minimum: int = 1) -> int:
    return integer(n, who, "n", minimum)


def _check_noise(noise, who: str) -> float:
    return number(noise, who, "noise", 0)


def _shuffled(X, y, rng):
    order = rng.permutation(len(y))
    return X[order], y[order]


def two_moons(n: int = 200, noise: float = 0.1, rng=None):
    """Two interleaving half circles: X (n, 2), y (n,) in {0, 1} (n//2 and n − n//2 points).

    Class 0 lies on the upper unit half circle, class 1 on the lower one shifted to (1, 0.5);
    angles are uniform, and Gaussian noise of standard deviation ``noise`` is added."""
    n = _check_n(n, "two_moons", 2)
    noise = _check_noise(noise, "two_moons")
    rng = as_generator(rng)
    n0 = n // 2
    t = rng.uniform(0, np.pi, n)
    X = np.where((np.arange(n) < n0)[:, None],
                 np.column_stack([np.cos(t), np.sin(t)]),
                 np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)]))
    X = X + noise * rng.standard_normal((n, 2))
    return _shuffled(X, (np.arange(n) >= n0).astype(np.int64), rng)


def circles(n: int = 200, noise: float = 0.05, factor: float = 0.5, rng=None):
    """Two concentric circles: X (n, 2), y (n,) with 1 on the inner circle of radius ``factor``
    and 0 on the unit circle; Gaussian noise of standard deviation ``noise``."""
    n = _check_n(n, "circles", 2)
    noise = _check_noise(noise, "circles")
    if not 0 < factor < 1:
        raise ValueError(f"circles: factor (inner radius) must be in (0, 1); got {factor!r}")
    rng = as_generator(rng)
    y = (np.arange(n) >= n // 2).astype(np.int64)
    t = rng.uniform(0, 2 * np.pi, n)
    r = np.where(y == 1, factor, 1.0)
    X = r[:, None] * np.column_stack([np.cos(t), np.sin(t)])
    return _shuffled(X + noise * rng.standard_normal((n, 2)), y, rng)


def spirals(n: int = 300, classes: int = 3, noise: float = 0.2, turns: float = 1.0, rng=None):
    """``classes`` interleaved spiral arms around the origin: X (n, 2), y (n,) in
    {0, …, classes−1}. Arm k at radius r ∈ [0, 1] has angle 2π(turns·r + k/classes) plus
    Gaussian noise of standard deviation ``noise`` (radians), so no straight line separates them."""
    n = _check_n(n, "spirals", 1)
    classes = _check_n(classes, "spirals (classes)", 2)
    noise = _check_noise(noise, "spirals")
    rng = as_generator(rng)
    y = np.arange(n) % classes
    r = rng.uniform(0, 1, n)
    angle = 2 * np.pi * (turns * r + y / classes) + noise * rng.standard_normal(n)
    X = r[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return _shuffled(X, y.astype(np.int64), rng)


def fstar(x):
    """The function of (5.11): f*(x) = cos(2 cos(x²) + (x − 1)²/4) + x/2 + 1, for x in [0, 4]."""
    x = np.asarray(x, dtype=float)
    return np.cos(2 * np.cos(x**2) + 0.25 * (x - 1) ** 2) + x / 2 + 1


def fstar_sample(n: int = 100, noise: float = 0.0, rng=None):
    """n points x uniform on [0, 4] and y = f*(x) + noise·ε: arrays of shape (n, 1), (n, 1)."""
    n = _check_n(n, "fstar_sample")
    noise = _check_noise(noise, "fstar_sample")
    rng = as_generator(rng)
    x = rng.uniform(0, 4, (n, 1))
    return x, fstar(x) + noise * rng.standard_normal((n, 1))


def friedman1(n: int = 500, noise: float = 1.0, n_features: int = 10, rng=None):
    """Friedman's first regression problem, generated offline: X uniform on [0, 1]^p (n, p) with
    p = ``n_features`` >= 5, and y (n, 1) = f(X) + noise·ε with

        f(x) = 10 sin(π x₁ x₂) + 20 (x₃ − ½)² + 10 x₄ + 5 x₅,

    so only the first five features matter (the others are noise inputs) and f mixes an
    interaction, a curve and two linear terms: a straight line cannot fit it, a small network can.
    Var f(X) ≈ 24, so ``noise`` = 1 leaves about 96 % of the variance to be explained.
    (J. H. Friedman, "Multivariate adaptive regression splines", Ann. Statist. 19, 1991.)"""
    n = _check_n(n, "friedman1")
    noise = _check_noise(noise, "friedman1")
    n_features = _check_n(n_features, "friedman1 (n_features)", 5)
    rng = as_generator(rng)
    X = rng.uniform(0.0, 1.0, (n, n_features))
    f = (10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2 + 10 * X[:, 3]
         + 5 * X[:, 4])
    return X, (f + noise * rng.standard_normal(n)).reshape(-1, 1)


def train_test_split(X, y, test_fraction: float = 0.25, rng=0):
    """A random split (deterministic for a given ``rng``/seed): X_train, X_test, y_train, y_test."""
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"train_test_split: X has {len(X)} samples but y has {len(y)}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"train_test_split: test_fraction must be in (0, 1); got "
                         f"{test_fraction!r}")
    order = as_generator(rng).permutation(len(y))
    n_test = max(1, round(test_fraction * len(y)))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def digits():
    """scikit-learn's bundled 8×8 handwritten digits (1,797 images, no download): X (1797, 64)
    with pixel values scaled from 0..16 to [0, 1], and integer labels y (1797,) in 0..9.
    Split it with :func:`train_test_split`."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise ImportError("digits() needs scikit-learn (pip install scikit-learn)") from exc
    data = load_digits()
    return data.data.astype(np.float64) / 16.0, data.target.astype(np.int64)


_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path) -> np.ndarray:
    """Read an IDX file (the format of MNIST), gzip-compressed or not.

    Layout: two zero bytes, a type code, the number of dimensions d, then d big-endian uint32
    sizes, then the values in C order."""
    import gzip

    with open(path, "rb") as fh:
        opener = gzip.open if fh.read(2) == b"\x1f\x8b" else open
    with opener(path, "rb") as fh:
        data = fh.read()
    if len(data) < 4 or data[:2] != b"\x00\x00" or data[2] not in _IDX_DTYPES:
        raise ValueError(f"read_idx: {path} is not an IDX file (bad magic number {data[:4]!r})")
    dtype, ndim = np.dtype(_IDX_DTYPES[data[2]]), data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"read_idx: {path} is truncated inside its header")
    shape = tuple(int(s) for s in np.frombuffer(data, ">u4", count=ndim, offset=4))
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - header != expected:
        raise ValueError(f"read_idx: {path} holds {len(data) - header} bytes of data; its header "
                         f"announces shape {shape}, i.e. {expected} bytes")
    return np.frombuffer(data, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


# SHA-256 and sizes of the four archives (the files published by the datasets' authors).
_MNIST = {
    "digits": ("https://ossci-datasets.s3.amazonaws.com/mnist/", {
        "train-images-idx3-ubyte.gz": (
            9912422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
        "train-labels-idx1-ubyte.gz": (
            28881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
        "t10k-images-idx3-ubyte.gz": (
            1648877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
        "t10k-labels-idx1-ubyte.gz": (
            4542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    }),
    "fashion": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", {
        "train-images-idx3-ubyte.gz": (
            26421880, "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
        "train-labels-idx1-ubyte.gz": (
            29515, "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
        "t10k-images-idx3-ubyte.gz": (
            4422102, "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
        "t10k-labels-idx1-ubyte.gz": (
            5148, "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
    }),
}


def _sha256(path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _download(url: str, dest, timeout: float = 30.0) -> None:
    """Fetch ``url`` into the file ``dest`` (through a temporary file, so no partial file stays)."""
    import os
    import urllib.request

    tmp = f"{dest}.part"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
            while block := response.read(1 << 20):
                out.write(block)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def mnist(kind: str = "digits", cache_dir=None, base_url: str | None = None):
    """MNIST (``kind="digits"``) or Fashion-MNIST (``kind="fashion"``), downloaded once into
    ``cache_dir`` (default ``~/.cache/mlpbook``) and checked against the published sizes and
    SHA-256 sums. Returns ``(X_train, y_train), (X_test, y_test)`` with X float32 of shape
    (n, 784) scaled to [0, 1] (float32 keeps the 70,000 images at 220 MB) and y int64.

    Needs a network the first time; without one it raises ``ConnectionError`` saying so."""
    from pathlib import Path

    if kind not in _MNIST:
        raise ValueError(f"mnist: kind must be one of {sorted(_MNIST)}; got {kind!r}")
    url, files = _MNIST[kind]
    url = url if base_url is None else base_url
    cache = Path(cache_dir) if cache_dir is not None else Path.home() / ".cache" / "mlpbook"
    folder = cache / ("mnist" if kind == "digits" else "fashion-mnist")
    folder.mkdir(parents=True, exist_ok=True)
    for name, (size, sha) in files.items():
        path = folder / name
        if not (path.is_file() and path.stat().st_size == size and _sha256(path) == sha):
            try:
                _download(url + name, path)
            except OSError as exc:  # URLError, timeouts and refused connections are OSErrors
                raise ConnectionError(
                    f"mnist: could not download {url + name} ({exc}). This dataset needs a "
                    f"network connection the first time; the offline alternative is digits()."
                ) from exc
            if path.stat().st_size != size or _sha256(path) != sha:
                path.unlink()
                raise ValueError(f"mnist: {name} from {url} does not match the published size "
                                 f"and SHA-256 checksum; the file was removed")
    arrays = {name: read_idx(folder / name) for name in files}

    def images(name):
        a = arrays[name]
        return a.reshape(a.shape[0], -1).astype(np.float32) / np.float32(255)

    def labels(name):
        return arrays[name].astype(np.int64)

    return ((images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")),
            (images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")))



# ---- [DNN slides], Example 2: data and initial weights ----
def example2() -> dict:
    """Example 2 of the slides "Chapter 4: Deep neural networks" [DNN slides]: a 2-3-2 network
    (sigmoid hidden layer, linear output) trained by gradient descent with summed gradients and
    learning factor 0.05.

    Everything is in the slides' row convention ``Z = X W + B``, ``U = H V + C``: ``X`` (8, 2)
    inputs, ``D`` (8, 2) targets, ``W`` (2, 3) and ``b`` (3,) of the hidden layer, ``V`` (3, 2)
    and ``c`` (2,) of the output layer, ``lr`` the learning factor. The library stores weights as
    the book does, so ``Dense(2, 3).W = W.T`` and ``Dense(3, 2).W = V.T``. Fresh arrays each call.
    The numbers the slides print, and unrounded inputs that reproduce them, are in
    ``mlpbook.example2``.
    """
    X = [[0.77, 0.02], [0.63, 0.75], [0.50, 0.22], [0.20, 0.76],
         [0.17, 0.09], [0.69, 0.95], [0.00, 0.51], [0.81, 0.61]]
    D = [[0.44, -0.42], [0.84, 0.43], [0.09, -0.72], [-0.25, 0.35],
         [-0.12, -0.13], [0.24, 0.03], [0.30, 0.20], [0.61, 0.04]]
    W = [[-3.97, 1.10, 0.42], [2.79, -2.64, 3.13]]
    V = [[3.58, -1.58], [-3.58, -1.75], [-3.38, 2.88]]
    return {"X": np.array(X), "D": np.array(D), "W": np.array(W), "b": np.zeros(3),
            "V": np.array(V), "c": np.zeros(2), "lr": 0.05}
