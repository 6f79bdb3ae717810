"""Time one training step of a 784-512-512-10 ReLU MLP with softmax cross-entropy, batch 64.

One step = forward, loss, backward, plain SGD update. Measured in one run on this machine, in
float32 and float64, for:

- ``mlpbook``          mb.Sequential + mb.CrossEntropyLoss + mb.SGD
- ``numpy (plain)``    the same math written the obvious way in NumPy, no care for allocations
- ``torch``            PyTorch's CPU nn.Sequential + CrossEntropyLoss + SGD (when importable)
- ``sklearn``          scikit-learn's MLPClassifier.partial_fit on one batch (when importable)
- ``matmul floor``     only the step's eight matrix products, into preallocated outputs: three
                       forward, and dW, ∂C/∂A for the two upper layers plus dW for the first.
                       No implementation of the step can beat it.

Every implementation runs in a fresh process of its own (so that the thread pools of OpenBLAS
and PyTorch never compete inside one process), in rounds that alternate the implementations.
A shared machine drifts, so ratios are taken within each round (where the implementations ran
seconds apart) and the table gives their median over the rounds, with the range. Peak memory is
the high-water mark of the resident set while building the model and taking the steps, above the
process's size after imports (Linux ``/proc/self/status``).

    python benchmarks/train_step.py              # full table (about a minute)
    python benchmarks/train_step.py --quick      # fewer steps
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

SIZES = (784, 512, 512, 10)
BATCH = 64
LR = 0.01


def data(dtype, rng):
    X = rng.standard_normal((BATCH, SIZES[0])).astype(dtype)
    y = rng.integers(0, SIZES[-1], BATCH)
    return X, y


# ---- implementations: each returns a zero-argument step function -------------------------------

def make_mlpbook(dtype, rng):
    import mlpbook as mb

    layers = []
    for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:], strict=True)):
        layers.append(mb.Dense(n_in, n_out, init="he", rng=rng, dtype=dtype))
        if i < len(SIZES) - 2:
            layers.append(mb.ReLU())
    model = mb.Sequential(*layers)
    loss = mb.CrossEntropyLoss()
    opt = mb.SGD(model.parameters(), lr=LR)
    X, y = data(dtype, rng)

    def step():
        loss.forward(model.forward(X, training=True), y)
        model.backward(loss.backward(), input_grad=False)
        opt.step()

    return step


def make_numpy_plain(dtype, rng):
    Ws = [(rng.standard_normal((o, i)) * np.sqrt(2 / i)).astype(dtype)
          for i, o in zip(SIZES[:-1], SIZES[1:], strict=True)]
    bs = [np.zeros(o, dtype) for o in SIZES[1:]]
    X, y = data(dtype, rng)

    def step():
        As, Zs = [X], []
        for ell, (W, b) in enumerate(zip(Ws, bs, strict=True)):
            Z = As[-1] @ W.T + b
            Zs.append(Z)
            As.append(np.maximum(Z, 0) if ell < len(Ws) - 1 else Z)
        Z = Zs[-1]
        P = np.exp(Z - Z.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        P[np.arange(BATCH), y] -= 1
        delta = P / BATCH
        for ell in reversed(range(len(Ws))):
            dW, db = delta.T @ As[ell], delta.sum(axis=0)
            if ell > 0:
                delta = (delta @ Ws[ell]) * (Zs[ell - 1] > 0)
            Ws[ell] -= LR * dW
            bs[ell] -= LR * db

    return step


def make_torch(dtype, rng):
    import torch

    torch.manual_seed(0)
    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    layers = []
    for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:], strict=True)):
        layers.append(torch.nn.Linear(n_in, n_out, dtype=tdtype))
        if i < len(SIZES) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loss = torch.nn.CrossEntropyLoss()
    X, y = data(dtype, rng)
    X, y = torch.from_numpy(X), torch.from_numpy(y)

    def step():
        opt.zero_grad()
        loss(model(X), y).backward()
        opt.step()

    return step


def make_sklearn(dtype, rng):
    import warnings

    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=SIZES[1:-1], activation="relu", solver="sgd",
                        batch_size=BATCH, learning_rate_init=LR, momentum=0.0, alpha=0.0,
                        shuffle=False, random_state=0)
    X, y = data(dtype, rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.partial_fit(X, y, classes=np.arange(SIZES[-1]))

    def step():
        clf.partial_fit(X, y)

    return step


def make_floor(dtype, rng):
    Ws = [rng.standard_normal((o, i)).astype(dtype) for i, o in zip(SIZES[:-1], SIZES[1:],
                                                                     strict=True)]
    X, _ = data(dtype, rng)
    Zs = [np.empty((BATCH, o), dtype) for o in SIZES[1:]]
    dWs = [np.empty_like(W) for W in Ws]
    dAs = [np.empty((BATCH, n), dtype) for n in SIZES[1:-1]]

    def step():
        A = X
        for W, Z in zip(Ws, Zs, strict=True):  # forward: three products
            np.matmul(A, W.T, out=Z)
            A = Z
        np.matmul(Zs[2].T, Zs[1], out=dWs[2])  # backward: five products
        np.matmul(Zs[2], Ws[2], out=dAs[1])
        np.matmul(dAs[1].T, Zs[0], out=dWs[1])
        np.matmul(dAs[1], Ws[1], out=dAs[0])
        np.matmul(dAs[0].T, X, out=dWs[0])

    return step


IMPLEMENTATIONS = {
    "mlpbook": make_mlpbook,
    "numpy (plain)": make_numpy_plain,
    "torch": make_torch,
    "sklearn": make_sklearn,
    "matmul floor": make_floor,
}


def available(name: str) -> bool:
    module = {"torch": "torch", "sklearn": "sklearn"}.get(name)
    if module is None:
        return True
    try:
        __import__(module)
        return True
    except ImportError:
        return False


# ---- measurement ---------------------------------------------------------------------------------

def _status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def child(name: str, dtype: str, steps: int, warmup: int) -> None:
    """Run in a fresh process: build one implementation, time its steps, print JSON with the
    step times (seconds) and the peak resident memory above the size after imports (bytes)."""
    import importlib

    for module in {"torch": "torch", "sklearn": "sklearn.neural_network"}.get(name, "mlpbook"),:
        importlib.import_module(module)
    base = _status("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:  # reset VmHWM, the peak resident set size
        f.write("5")
    step = IMPLEMENTATIONS[name](np.dtype(dtype).type, np.random.default_rng(0))
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    print(json.dumps({"times": times, "peak": _status("VmHWM") - base}))


def run_child(name: str, dtype: str, steps: int, warmup: int) -> dict:
    cmd = [sys.executable, __file__, "--child", name, dtype, str(steps), str(warmup)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=os.environ, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and steps")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        name, dtype, steps, warmup = args.child
        child(name, dtype, int(steps), int(warmup))
        return

    rounds, steps = (3, 100) if args.quick else (12, 300)
    names = [n for n in IMPLEMENTATIONS if available(n)]
    missing = [n for n in IMPLEMENTATIONS if n not in names]
    dtypes = ["float32", "float64"]
    medians = {(n, d): [] for n in names for d in dtypes}  # per round: median ms per step
    peaks = {(n, d): [] for n in names for d in dtypes}
    for _ in range(rounds):  # rounds of one process per implementation: machine drift hits all
        for d in dtypes:
            for n in names:
                result = run_child(n, d, steps, warmup=50)
                medians[(n, d)].append(1e3 * float(np.median(result["times"])))
                peaks[(n, d)].append(result["peak"])

    import platform

    versions = f"numpy {np.__version__}"
    if "torch" in names:
        versions += f", torch {__import__('torch').__version__}"
    if "sklearn" in names:
        versions += f", scikit-learn {__import__('sklearn').__version__}"
    print(f"Training step of a {'-'.join(map(str, SIZES))} ReLU MLP, batch {BATCH}, softmax "
          f"cross-entropy, SGD; {rounds} rounds of {steps} steps, one process per implementation "
          "and round. ms / step: median over rounds of each round's median; ratios: median over "
          "rounds of the ratio within the round (min–max in brackets).")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {versions}")
    if missing:
        print(f"not installed, so not measured: {', '.join(missing)}")
    print()
    print("| implementation | dtype | ms / step | × torch | × matmul floor | peak memory (MiB) |")
    print("|---|---|---:|---:|---:|---:|")
    for d in dtypes:
        floor = np.array(medians[("matmul floor", d)])
        torch = np.array(medians[("torch", d)]) if "torch" in names else None
        for n in names:
            t = np.array(medians[(n, d)])
            vs_torch = _ratio(t / torch) if torch is not None else "–"
            peak = max(peaks[(n, d)]) / 2**20
            print(f"| {n} | {d} | {np.median(t):.3f} | {vs_torch} | {_ratio(t / floor)} | "
                  f"{peak:.1f} |")


def _ratio(r: np.ndarray) -> str:
    return f"{np.median(r):.2f} [{r.min():.2f}–{r.max():.2f}]"


if __name__ == "__main__":
    main()
