"""Test-session settings.

The suite runs on every core at once (pytest-xdist workers, each of which may start a notebook
kernel). A BLAS library that also starts one thread per core in every process oversubscribes the
machine, and on a busy 2-core machine a multithreaded product can run more than ten times slower
than a single-threaded one. So every worker and every kernel it starts uses one BLAS thread: the
variables are set here, before the workers start, and are inherited by them and their kernels.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
