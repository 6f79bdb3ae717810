"""Test-session settings.

The suite runs on every core at once (pytest-xdist workers, each of which may start a notebook
kernel). A BLAS library that also starts one thread per core in every process oversubscribes the
machine, and on a busy 2-core machine a multithreaded product can run more than ten times slower
than a single-threaded one. So every worker and every kernel it starts uses one BLAS thread: the
variables are set here, before the workers start, and are inherited by them and their kernels.

The unit tests draw their figures off screen (matplotlib's Agg backend, selected here for the test
process only: notebook kernels keep their own backend), and every figure a test leaves open is
closed after it.
"""

import os
import sys

import pytest

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

try:
    import matplotlib
except ImportError:  # without the book extras the figure tests cannot run anyway
    matplotlib = None
else:
    matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every figure a test leaves open (nothing to do for tests that never import pyplot)."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
