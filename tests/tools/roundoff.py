"""Run notebooks under nbval with every random draw nudged by about one unit in the last place.

A different BLAS kernel, thread count or CPU changes results in their last bits; a printed digit
that such a change can move is not portable (README, "Portable digits"). The kernels one machine
can run show only some of those changes, so this check makes its own: in every notebook kernel,
``numpy.random.default_rng`` returns generators whose floating draws (``standard_normal``,
``normal``, ``random``, ``uniform``) are multiplied by 1 + 4e-16·u, u uniform in [-1, 1] (drawn
by a second generator seeded by the first one's state, so the same seed gives the same nudges).
Discrete draws (``integers``, ``permutation``, ``choice``) and data that is not drawn are
untouched. A cell whose output changes prints a digit that round-off can reach.

    python tests/tools/roundoff.py book/05_losses_and_output_layers.ipynb [more paths]

Extra pytest arguments follow ``--``. The exit status is pytest's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

STARTUP = '''
import numpy as _np

import zlib as _zlib

_Generator, _default_rng = _np.random.Generator, _np.random.default_rng


class _Nudged(_Generator):
    """Draws as usual, each float times 1 + u·4e-16, u uniform in [-1, 1] from a second
    generator seeded by this one's starting state (same seed, same nudges)."""

    def __init__(self, bit_generator):
        super().__init__(bit_generator)
        self._noise = _default_rng(_zlib.crc32(repr(bit_generator.state).encode()))

    def _nudge(self, x):
        if isinstance(x, _np.ndarray) and x.dtype.kind == "f":
            u = self._noise.uniform(-1, 1, size=x.shape)
            return (x * (1 + 4e-16 * u)).astype(x.dtype, copy=False)
        if isinstance(x, float):
            return x * (1 + 4e-16 * float(self._noise.uniform(-1, 1)))
        return x

    def standard_normal(self, *a, **k):
        return self._nudge(super().standard_normal(*a, **k))

    def normal(self, *a, **k):
        return self._nudge(super().normal(*a, **k))

    def random(self, *a, **k):
        return self._nudge(super().random(*a, **k))

    def uniform(self, *a, **k):
        return self._nudge(super().uniform(*a, **k))


def default_rng(seed=None):
    if isinstance(seed, _Generator):
        return seed
    return _Nudged(_default_rng(seed).bit_generator)


_np.random.default_rng = default_rng
'''


def main(argv: list[str]) -> int:
    if "--" in argv:
        i = argv.index("--")
        paths, extra = argv[:i], argv[i + 1:]
    else:
        paths, extra = argv, []
    if not paths:
        print(__doc__)
        return 2
    with tempfile.TemporaryDirectory(prefix="mlpbook-roundoff-") as ipython_dir:
        startup = Path(ipython_dir) / "profile_default" / "startup"
        startup.mkdir(parents=True)
        (startup / "00-nudge-random-draws.py").write_text(STARTUP)
        env = dict(os.environ, IPYTHONDIR=ipython_dir)
        root = Path(__file__).resolve().parents[2]
        return subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                *paths, *extra], cwd=root, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
