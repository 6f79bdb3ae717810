"""Weight initialisers ([MEDL] §5.5).

Every initialiser has the signature ``f(shape, rng=None, dtype=np.float64) -> array``. For a dense
layer ``shape == (N_out, N_in)`` as in the book, so ``N_in = shape[1]`` and ``N_out = shape[0]``.
The random ones draw from a normal distribution with mean zero and the variance named below.

============  ==========================  ==========================================
name          variance of each weight     reference
============  ==========================  ==========================================
``zeros``     0 (all weights 0)           breaks nothing for biases; symmetric for W
``constant``  0 (all weights ``value``)   shows the symmetry problem
``normal``    ``std**2`` (default 1)      the basic i.i.d. standard normal choice
``xavier``    ``1 / N_in``                Xavier, derived in §5.5
``he``        ``2 / N_in``                He et al., for ReLU
``glorot``    ``2 / (N_in + N_out)``      Glorot and Bengio
============  ==========================  ==========================================
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["zeros", "constant", "normal", "xavier", "he", "glorot", "get", "fans", "INITIALIZERS",
           "VARIANCES"]


def as_generator(rng) -> np.random.Generator:
    """Accept a ``numpy.random.Generator``, an integer seed or ``None`` (fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    raise TypeError(
        f"rng: expected a numpy.random.Generator, an int seed or None; got {type(rng).__name__}"
    )


def fans(shape) -> tuple[int, int]:
    """``(N_in, N_out)`` of a weight matrix of shape ``(N_out, N_in)``."""
    shape = tuple(shape)
    if len(shape) != 2:
        raise ValueError(f"init: expected a weight shape (N_out, N_in); got {shape}")
    return shape[1], shape[0]


def zeros(shape, rng=None, dtype=np.float64) -> np.ndarray:
    return np.zeros(shape, dtype=dtype)


def constant(shape, rng=None, dtype=np.float64, value: float = 0.1) -> np.ndarray:
    return np.full(shape, value, dtype=dtype)


def normal(shape, rng=None, dtype=np.float64, std: float = 1.0) -> np.ndarray:
    return (std * as_generator(rng).standard_normal(shape)).astype(dtype, copy=False)


#: The variance of each weight of the initialisers scaled by the layer's fans, as a function
#: of (N_in, N_out): the one table of these variances (the functions below draw from it).
VARIANCES: dict[str, Callable[[int, int], float]] = {
    "xavier": lambda n_in, n_out: 1.0 / n_in,  # Xavier, derived in [MEDL] §5.5
    "he": lambda n_in, n_out: 2.0 / n_in,  # He et al., for ReLU
    "glorot": lambda n_in, n_out: 2.0 / (n_in + n_out),  # Glorot and Bengio
}


def _scaled_normal(name: str, shape, rng, dtype) -> np.ndarray:
    return normal(shape, rng, dtype, std=np.sqrt(VARIANCES[name](*fans(shape))))


def xavier(shape, rng=None, dtype=np.float64) -> np.ndarray:
    return _scaled_normal("xavier", shape, rng, dtype)


def he(shape, rng=None, dtype=np.float64) -> np.ndarray:
    return _scaled_normal("he", shape, rng, dtype)


def glorot(shape, rng=None, dtype=np.float64) -> np.ndarray:
    return _scaled_normal("glorot", shape, rng, dtype)


#: Every initialiser by name.
INITIALIZERS: dict[str, Callable] = {
    "zeros": zeros,
    "constant": constant,
    "normal": normal,
    "xavier": xavier,
    "he": he,
    "glorot": glorot,
}


def get(init: str | Callable) -> Callable:
    """Look an initialiser up by name, or pass a callable ``f(shape, rng, dtype)`` through."""
    if callable(init):
        return init
    try:
        return INITIALIZERS[init]
    except (KeyError, TypeError):
        raise ValueError(
            f"init: expected one of {sorted(INITIALIZERS)} or a callable f(shape, rng, dtype); "
            f"got {init!r}"
        ) from None
