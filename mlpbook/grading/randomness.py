"""Checks that random answers (dropout masks, initial weights) are random, not only right on
average: neighbouring entries are uncorrelated, and the draws for different seeds are different
and independent, also up to a shift (a fixed pattern rolled by the seed fails).

For independent draws of ``n`` entries a sample correlation is about normal with standard
deviation ``1/sqrt(n)``; the bounds below sit many standard deviations out (6 for one
correlation; for the largest of ``n`` shifted correlations, which grows like
``sqrt(2 ln n / n)``, 2.5 times that), so an honest answer fails with negligible probability.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["neighbour_correlation", "shifted_correlation", "check_neighbours",
           "check_independent"]


def _standardized(a) -> np.ndarray | None:
    a = np.asarray(a, dtype=float)
    s = a.std()
    return None if s == 0 else (a - a.mean()) / s


def neighbour_correlation(a: np.ndarray, axis: int) -> float:
    """Correlation between each entry of the 2-D array ``a`` and its neighbour along ``axis``."""
    z = _standardized(a)
    if z is None or z.shape[axis] < 2:
        return 0.0
    first = np.take(z, np.arange(z.shape[axis] - 1), axis=axis)
    second = np.take(z, np.arange(1, z.shape[axis]), axis=axis)
    return float(np.corrcoef(first.ravel(), second.ravel())[0, 1])


def shifted_correlation(a: np.ndarray, b: np.ndarray) -> tuple[float, tuple[int, int]]:
    """The largest |correlation| between ``a`` and ``b`` (2-D, same shape) over every circular
    shift of ``b`` along both axes (by FFT), and the shift where it is reached."""
    za, zb = _standardized(a), _standardized(b)
    if za is None or zb is None:
        return (1.0 if np.array_equal(a, b) else 0.0), (0, 0)
    c = np.fft.irfft2(np.fft.rfft2(za) * np.conj(np.fft.rfft2(zb)), s=za.shape) / za.size
    i = int(np.argmax(np.abs(c)))
    shift = np.unravel_index(i, c.shape)
    return float(np.abs(c).flat[i]), (int(shift[0]), int(shift[1]))


def check_neighbours(a: np.ndarray, what: str) -> str | None:
    """A message when neighbouring entries of ``a`` (units of a sample, samples of a unit) are
    correlated."""
    for axis, along in ((1, "neighbouring units of a sample"), (0, "neighbouring samples")):
        n = a.size - a.shape[1 - axis]
        r = neighbour_correlation(a, axis)
        if n > 0 and abs(r) > 6 / math.sqrt(n):
            return f"{what}: {along} are correlated (correlation {r:.2f}): draw every entry " \
                   "independently"
    return None


def check_independent(cases: list[tuple], arrays: list, what: str) -> str | None:
    """For every two cases with arrays of the same shape (drawn with different seeds): the
    arrays must differ, and be uncorrelated under every shift."""
    for i in range(len(arrays)):
        for j in range(i + 1, len(arrays)):
            a, b = np.asarray(arrays[i]), np.asarray(arrays[j])
            if a.shape != b.shape or a.ndim != 2 or cases[i][-1] == cases[j][-1]:
                continue
            r, shift = shifted_correlation(a, b)
            bound = 2.5 * math.sqrt(2 * math.log(a.size) / a.size)
            if r > bound:
                how = "the same" if shift == (0, 0) else f"shifted by {shift}"
                return f"{what} of cases {i + 1} and {j + 1} (seeds {cases[i][-1]} and " \
                       f"{cases[j][-1]}) are {how} up to a correlation of {r:.2f}: different " \
                       "seeds must give independent draws"
    return None
