"""Time one training step of a 784-512-512-10 ReLU MLP with softmax cross-entropy, batch 64.

One step = forward, loss, backward, plain SGD update. Measured in one run on this machine, in
float32 and float64, for:

- ``mlpbook``          ``mb.training.train_step`` with mb.Sequential + mb.CrossEntropyLoss + mb.SGD
                       (the step ``mb.fit`` takes: here the fused step of ``mlpbook.fused``, its
                       weight updates folded into BLAS products)
- ``mlpbook (plain)``  the layers' own forward/backward and ``SGD.step``, as the book shows them
- ``numpy (plain)``    the same math written the obvious way in NumPy, no care for allocations
- ``torch``            PyTorch's CPU nn.Sequential + CrossEntropyLoss + SGD (when importable)
- ``sklearn``          scikit-learn's MLPClassifier trained as its users train it, by ``fit``
                       (one epoch per call, ``max_iter=1``, over 16 batches of 64; the time
                       of one of its steps is the epoch's over 16), when importable
- ``matmul floor``     only the step's eight matrix products, by ``np.matmul`` into preallocated
                       outputs: three forward, and dW, ∂C/∂A for the two upper layers plus dW
                       for the first. A step that adds its weight products into W (BLAS β = 1,
                       as ``mlpbook`` does) can come out below it where the BLAS kernel writes
                       fresh outputs (β = 0) more slowly.

Every implementation runs in a fresh process of its own (so that the thread pools of OpenBLAS
and PyTorch never compete inside one process), in rounds that alternate the implementations (the
order rotates from round to round). A shared machine drifts and interrupts, so each process
reports a low quantile of its step times (``--quantile``, default the 10th percentile: other
programs can only ever add time to a step), ratios are taken within each round (where the
implementations ran seconds apart), and the table gives their median over the rounds with the
range. Peak memory is the high-water mark of the resident set while building the model and taking
the steps, above the process's size after imports (Linux ``/proc/self/status``). The header says
which BLAS library, kernel and thread count each implementation ran with (threadpoolctl), and the
load average of the machine before and after.

    python benchmarks/train_step.py                    # full table (several minutes)
    python benchmarks/train_step.py --quick            # fewer rounds and steps
    OPENBLAS_CORETYPE=Sandybridge python benchmarks/train_step.py   # another OpenBLAS kernel
    python benchmarks/train_step.py --threads 1        # one BLAS thread everywhere
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

def _mlpbook_problem(dtype, rng):
    import mlpbook as mb

    layers = []
    for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:], strict=True)):
        layers.append(mb.Dense(n_in, n_out, init="he", rng=rng, dtype=dtype))
        if i < len(SIZES) - 2:
            layers.append(mb.ReLU())
    model = mb.Sequential(*layers)
    return model, mb.CrossEntropyLoss(), mb.SGD(model.parameters(), lr=LR), *data(dtype, rng)


def make_mlpbook(dtype, rng):
    from mlpbook.fused import fused_sgd_step
    from mlpbook.training import train_step

    model, loss, opt, X, y = _mlpbook_problem(dtype, rng)
    assert fused_sgd_step(model, opt) is not None  # the step of mb.fit is the fused one

    def step():
        train_step(model, loss, opt, X, y)

    return step


def make_mlpbook_plain(dtype, rng):
    model, loss, opt, X, y = _mlpbook_problem(dtype, rng)

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


SKLEARN_BATCHES = 16  # batches per call of fit: one epoch of 16 steps


def make_sklearn(dtype, rng):
    """scikit-learn trained as its users train it: ``fit`` over the data, here one epoch
    (``max_iter=1``, ``warm_start=True`` to continue from the last call) of 16 batches of 64;
    the step's time is the epoch's over 16 (``step.updates``)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=SIZES[1:-1], activation="relu", solver="sgd",
                        batch_size=BATCH, learning_rate_init=LR, momentum=0.0, alpha=0.0,
                        shuffle=False, max_iter=1, warm_start=True, random_state=0)
    parts = [data(dtype, rng) for _ in range(SKLEARN_BATCHES)]
    X = np.concatenate([X for X, _ in parts])
    y = np.concatenate([y for _, y in parts])
    y[:SIZES[-1]] = np.arange(SIZES[-1])  # every class present

    def step():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=1, as intended
            clf.fit(X, y)

    step.updates = SKLEARN_BATCHES
    step()  # the first fit builds the network
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
    "mlpbook (plain)": make_mlpbook_plain,
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


def blas_info(name: str) -> str:
    """The BLAS libraries loaded in this process: library, version, kernel, threads."""
    parts = []
    if name == "torch":
        import torch

        mkl = "MKL" if torch.backends.mkl.is_available() else "its own BLAS"
        parts.append(f"torch: {mkl} + oneDNN, {torch.get_num_threads()} threads")
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "; ".join(parts + ["(threadpoolctl not installed: BLAS unknown)"])
    for lib in threadpool_info():
        if lib.get("user_api") == "blas":
            where = os.path.basename(lib.get("filepath", ""))
            parts.append(f"{lib.get('internal_api')} {lib.get('version')} {where}: kernel "
                         f"{lib.get('architecture')}, {lib.get('num_threads')} threads")
    return "; ".join(parts)


def child(name: str, dtype: str, steps: int, warmup: int, quantile: float) -> None:
    """Run in a fresh process: build one implementation, time its steps, print JSON with the
    ``quantile`` of the step times and their median (seconds), the BLAS it ran with, and the peak
    resident memory above the size after imports (bytes)."""
    import importlib

    threads = os.environ.get("BENCH_THREADS")
    for module in {"torch": ("torch",), "sklearn": ("sklearn.neural_network",)}.get(
            name, ("mlpbook", "scipy.linalg")):  # SciPy's BLAS: the fused step's gemm
        importlib.import_module(module)
    if name == "torch" and threads:
        __import__("torch").set_num_threads(int(threads))
    base = _status("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:  # reset VmHWM, the peak resident set size
        f.write("5")
    step = IMPLEMENTATIONS[name](np.dtype(dtype).type, np.random.default_rng(0))
    for _ in range(warmup):
        step()
    times = []
    updates = getattr(step, "updates", 1)  # training steps per call
    for _ in range(max(1, steps // updates)):
        t = time.perf_counter()
        step()
        times.append((time.perf_counter() - t) / updates)
    print(json.dumps({"time": float(np.quantile(times, quantile)),
                      "median": float(np.median(times)), "peak": _status("VmHWM") - base,
                      "blas": blas_info(name)}))


def run_child(name: str, dtype: str, steps: int, warmup: int, quantile: float, env) -> dict:
    cmd = [sys.executable, __file__, "--child", name, dtype, str(steps), str(warmup),
           str(quantile)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def child_env(threads: int | None) -> dict:
    env = dict(os.environ)
    if threads is not None:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
        env["BENCH_THREADS"] = str(threads)
    return env


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and steps")
    parser.add_argument("--rounds", type=int, help="rounds (default 12, 3 with --quick)")
    parser.add_argument("--threads", type=int, help="BLAS and torch threads (default: as is)")
    parser.add_argument("--quantile", type=float, default=0.1,
                        help="quantile of each process's step times (default 0.1)")
    parser.add_argument("--only", nargs="+", choices=list(IMPLEMENTATIONS),
                        help="measure only these (the ratios need torch and matmul floor)")
    parser.add_argument("--dtypes", nargs="+", default=["float32", "float64"])
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        name, dtype, steps, warmup, quantile = args.child
        child(name, dtype, int(steps), int(warmup), float(quantile))
        return

    rounds, steps = (3, 100) if args.quick else (12, 300)
    rounds = args.rounds or rounds
    names = [n for n in (args.only or IMPLEMENTATIONS) if available(n)]
    missing = [n for n in (args.only or IMPLEMENTATIONS) if n not in names]
    dtypes = args.dtypes
    env = child_env(args.threads)
    times = {(n, d): [] for n in names for d in dtypes}  # per round: the quantile, ms per step
    peaks = {(n, d): [] for n in names for d in dtypes}
    blas = {}
    load_before = os.getloadavg()
    for r in range(rounds):  # rounds of one process per implementation: machine drift hits all
        order = names[r % len(names):] + names[:r % len(names)]
        for d in dtypes:
            for n in order:
                result = run_child(n, d, steps, 50, args.quantile, env)
                times[(n, d)].append(1e3 * result["time"])
                peaks[(n, d)].append(result["peak"])
                blas[n] = result["blas"]
    load_after = os.getloadavg()

    import platform

    versions = f"numpy {np.__version__}"
    if "torch" in names:
        versions += f", torch {__import__('torch').__version__}"
    if "sklearn" in names:
        versions += f", scikit-learn {__import__('sklearn').__version__}"
    q = f"{100 * args.quantile:g}th percentile" if args.quantile != 0.5 else "median"
    print(f"Training step of a {'-'.join(map(str, SIZES))} ReLU MLP, batch {BATCH}, softmax "
          f"cross-entropy, SGD; {rounds} rounds of {steps} steps, one process per implementation "
          f"and round. ms / step: median over rounds of each process's {q} of its step times; "
          "ratios: median over rounds of the ratio within the round (min–max in brackets).")
    print(f"machine: {platform.machine()}, {_cpu_name()}, {os.cpu_count()} cores; {versions}")
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; threads: "
          f"{args.threads if args.threads is not None else 'default'}; load average (1 min) "
          f"{load_before[0]:.1f} before, {load_after[0]:.1f} after")
    for n in names:
        print(f"  {n}: {blas.get(n, '?')}")
    if missing:
        print(f"not installed, so not measured: {', '.join(missing)}")
    print()
    print("| implementation | dtype | ms / step | × torch | × matmul floor | × sklearn "
          "| peak memory (MiB) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for d in dtypes:
        floor = np.array(times[("matmul floor", d)]) if "matmul floor" in names else None
        torch = np.array(times[("torch", d)]) if "torch" in names else None
        sk = np.array(times[("sklearn", d)]) if "sklearn" in names else None
        for n in names:
            t = np.array(times[(n, d)])
            vs_torch = _ratio(t / torch) if torch is not None else "–"
            vs_floor = _ratio(t / floor) if floor is not None else "–"
            vs_sk = _ratio(t / sk) if sk is not None else "–"
            peak = max(peaks[(n, d)]) / 2**20
            print(f"| {n} | {d} | {np.median(t):.3f} | {vs_torch} | {vs_floor} | {vs_sk} "
                  f"| {peak:.1f} |")


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or "unknown CPU"


def _ratio(r: np.ndarray) -> str:
    return f"{np.median(r):.2f} [{r.min():.2f}–{r.max():.2f}]"


if __name__ == "__main__":
    main()
