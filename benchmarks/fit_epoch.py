"""One epoch of training on 60,000 × 784 float32 inputs (MNIST's size): time and peak memory.

The network is the 784-512-512-10 ReLU MLP of ``train_step.py``, trained for one epoch with
mini-batches of 64 in a new random order, softmax cross-entropy, then evaluated on a
10,000-sample validation set (loss and accuracy on both, as ``mb.fit``'s history has them):

- ``mb.fit``               SGD (lr 0.01): the fused step of ``mlpbook.fused``
- ``mb.fit (plain step)``  the same with the fused step switched off: the layers' own
                           forward/backward and ``SGD.step``
- ``mb.fit, Adam``         Adam (lr 1e-3), which keeps two more arrays per parameter
- ``torch DataLoader``     PyTorch: ``TensorDataset`` + ``DataLoader(batch_size=64,
                           shuffle=True)``, the same model in ``nn.Sequential``, SGD, the usual
                           loop (``zero_grad``, forward, ``backward``, ``step``, ``loss.item()``)

``fit`` shuffles by index and copies only mini-batches, so its peak memory should be the data
plus a small multiple of the model (parameters, optimizer state, one batch of activations and
buffers), never a second copy of the data. Each implementation runs in a fresh process of its
own, in rounds that alternate them; the epoch time (training and validation) has its median and
range over the rounds, the ratio to torch is taken within each round. Peak memory is the
high-water mark of the resident set during training above the process's size after building the
data (Linux ``/proc/self/clear_refs``).

    python benchmarks/fit_epoch.py                 # 5 rounds
    python benchmarks/fit_epoch.py --rounds 3 --threads 1
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
from train_step import _cpu_name, _status, blas_info, child_env

N_TRAIN, N_VAL, SIZES, BATCH, MiB = 60_000, 10_000, (784, 512, 512, 10), 64, 2**20


def make_data():
    rng = np.random.default_rng(0)
    X = rng.random((N_TRAIN, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], N_TRAIN)
    Xv = rng.random((N_VAL, SIZES[0]), dtype=np.float32)
    yv = rng.integers(0, SIZES[-1], N_VAL)
    return X, y, Xv, yv


def run_mlpbook(data, optimizer: str, fused: bool) -> tuple[float, int]:
    """(seconds for one epoch of mb.fit with validation, parameter bytes)."""
    import mlpbook as mb
    import mlpbook.training

    if not fused:
        mlpbook.training.fused_sgd_step = lambda model, optimizer: None  # the plain step only
    X, y, Xv, yv = data
    model = mb.mlp(SIZES, rng=1, dtype=np.float32)
    params = model.parameters()
    opt = mb.SGD(params, lr=0.01) if optimizer == "sgd" else mb.Adam(params, lr=1e-3)
    t = time.perf_counter()
    mb.fit(model, mb.CrossEntropyLoss(), opt, X, y, epochs=1, batch_size=BATCH, rng=0,
           validation=(Xv, yv), progress=False)
    return time.perf_counter() - t, sum(p.value.nbytes for p in params)


def run_torch(data) -> tuple[float, int]:
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    threads = os.environ.get("BENCH_THREADS")
    if threads:
        torch.set_num_threads(int(threads))
    X, y, Xv, yv = (torch.from_numpy(a) for a in data)  # no copies
    torch.manual_seed(0)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:], strict=True)):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(SIZES) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(X, y), batch_size=BATCH, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    t = time.perf_counter()
    model.train()
    total, correct = 0.0, 0
    for xb, yb in loader:
        opt.zero_grad()
        out = model(xb)
        loss = loss_fn(out, yb)
        loss.backward()
        opt.step()
        total += loss.item() * len(xb)
        correct += int((out.argmax(1) == yb).sum())
    model.eval()
    with torch.no_grad():  # validation in chunks of 1024, as mb.evaluate
        v_total, v_correct = 0.0, 0
        for i in range(0, N_VAL, 1024):
            out = model(Xv[i:i + 1024])
            v_total += float(loss_fn(out, yv[i:i + 1024])) * len(out)
            v_correct += int((out.argmax(1) == yv[i:i + 1024]).sum())
    elapsed = time.perf_counter() - t
    return elapsed, sum(p.numel() * p.element_size() for p in model.parameters())


IMPLEMENTATIONS = {
    "mb.fit": lambda d: run_mlpbook(d, "sgd", fused=True),
    "mb.fit (plain step)": lambda d: run_mlpbook(d, "sgd", fused=False),
    "mb.fit, Adam": lambda d: run_mlpbook(d, "adam", fused=True),
    "torch DataLoader": run_torch,
}


def child(name: str) -> None:
    import importlib

    importlib.import_module("torch" if name.startswith("torch") else "mlpbook")
    data = make_data()
    base = _status("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM, the peak resident set size
    seconds, param_bytes = IMPLEMENTATIONS[name](data)
    print(json.dumps({"seconds": seconds, "peak": _status("VmHWM") - base,
                      "params": param_bytes, "blas": blas_info(name.split()[0])}))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, help="BLAS and torch threads (default: as is)")
    parser.add_argument("--only", nargs="+", choices=list(IMPLEMENTATIONS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return
    try:
        __import__("torch")
        names = list(args.only or IMPLEMENTATIONS)
    except ImportError:
        names = [n for n in (args.only or IMPLEMENTATIONS) if not n.startswith("torch")]
    env = child_env(args.threads)
    results = {n: [] for n in names}
    load_before = os.getloadavg()
    for r in range(args.rounds):
        for n in names[r % len(names):] + names[:r % len(names)]:
            out = subprocess.run([sys.executable, __file__, "--child", n], capture_output=True,
                                 text=True, env=env, check=True)
            results[n].append(json.loads(out.stdout.strip().splitlines()[-1]))
    load_after = os.getloadavg()

    data_bytes = sum(a.nbytes for a in make_data())
    print(f"One epoch, {N_TRAIN:,} × {SIZES[0]} float32 inputs, batch {BATCH}, "
          f"{'-'.join(map(str, SIZES))} ReLU MLP, then validation on {N_VAL:,} samples; "
          f"{args.rounds} rounds, one process per implementation and round.")
    print(f"machine: {_cpu_name()}, {os.cpu_count()} cores; OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; threads: "
          f"{args.threads if args.threads is not None else 'default'}; load average (1 min) "
          f"{load_before[0]:.1f} before, {load_after[0]:.1f} after")
    for n in names:
        print(f"  {n}: {results[n][-1]['blas']}")
    print(f"data (train + validation): {data_bytes / MiB:.1f} MiB")
    print()
    print("| implementation | s / epoch | × torch | peak memory above the data (MiB) "
          "| × the parameters |")
    print("|---|---:|---:|---:|---:|")
    torch = np.array([r["seconds"] for r in results.get("torch DataLoader", [])])
    for n in names:
        s = np.array([r["seconds"] for r in results[n]])
        ratio = s / torch if torch.size else None
        vs = f"{np.median(ratio):.2f} [{ratio.min():.2f}–{ratio.max():.2f}]" if torch.size \
            else "–"
        peak = max(r["peak"] for r in results[n])
        params = results[n][0]["params"]
        print(f"| {n} | {np.median(s):.2f} [{s.min():.2f}–{s.max():.2f}] | {vs} | "
              f"{peak / MiB:.1f} | {peak / params:.1f} |")


if __name__ == "__main__":
    main()
