"""Peak memory of ``mb.fit`` on a 60,000 × 784 float32 dataset (the size of MNIST).

``fit`` shuffles by index and copies only mini-batches, so its peak memory should be the data
plus a small multiple of the model (parameters, gradients, optimizer state, one batch of
activations), never a second copy of the data. The script builds the data, resets the process's
high-water mark of resident memory (Linux ``/proc/self/clear_refs``), trains a 784-512-512-10
ReLU MLP for one epoch with ``mb.fit`` (batch 64, SGD, with a 10,000-sample validation set), and
reports the peak above the size of the process after building the data.

    python benchmarks/fit_memory.py [--epochs 1] [--optimizer sgd|adam]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from train_step import _status  # the /proc/self/status reader of the step benchmark

import mlpbook as mb

MiB = 2**20


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    X = rng.random((60_000, 784), dtype=np.float32)
    y = rng.integers(0, 10, 60_000)
    Xv = rng.random((10_000, 784), dtype=np.float32)
    yv = rng.integers(0, 10, 10_000)
    data_bytes = X.nbytes + y.nbytes + Xv.nbytes + yv.nbytes

    base = _status("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM, the peak resident set size

    model = mb.Sequential(mb.Dense(784, 512, init="he", rng=rng, dtype=np.float32), mb.ReLU(),
                          mb.Dense(512, 512, init="he", rng=rng, dtype=np.float32), mb.ReLU(),
                          mb.Dense(512, 10, rng=rng, dtype=np.float32))
    params = model.parameters()
    opt = (mb.SGD(params, lr=0.01) if args.optimizer == "sgd"
           else mb.Adam(params, lr=1e-3))
    t = time.perf_counter()
    history = mb.fit(model, mb.CrossEntropyLoss(), opt, X, y, epochs=args.epochs, batch_size=64,
                     rng=rng, validation=(Xv, yv), progress=False)
    elapsed = time.perf_counter() - t
    peak = _status("VmHWM") - base
    model_bytes = sum(p.value.nbytes for p in params)

    print(f"data (train + validation): {data_bytes / MiB:.1f} MiB, model parameters: "
          f"{model_bytes / MiB:.2f} MiB ({model.n_params:,} float32)")
    print(f"mb.fit, {args.epochs} epoch(s), batch 64, {args.optimizer}: {elapsed:.1f} s, "
          f"final loss {history.loss[-1]:.4f}")
    print(f"peak memory above the data: {peak / MiB:.1f} MiB = {peak / model_bytes:.1f} × the "
          f"model ({peak / data_bytes:.3f} × the data)")


if __name__ == "__main__":
    main()
