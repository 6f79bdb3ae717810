"""C ← α·A·B + β·C in place, by the BLAS routine ``gemm`` of the library NumPy itself uses.

NumPy's ``matmul`` calls ``gemm`` with α = 1 and β = 0 and offers nothing else, so an update
such as W ← W − α·δᵀa costs NumPy a product into a gradient array and two more passes over the
weights. ``gemm`` adds the scaled product into C as it computes it. NumPy's wheels bring their
OpenBLAS with 64-bit integers and the symbols ``scipy_cblas_sgemm64_`` (NumPy ≥ 2) or
``cblas_sgemm64_`` (NumPy 1.x); they are looked up through NumPy's own extension module, so the
products run in NumPy's library with NumPy's thread pool and kernel (a second BLAS, such as
SciPy's, would bring a second pool of threads, and two pools taking turns are many times slower).

Where no such routine is found (another BLAS, another platform) or an operand is not laid out
for it, :class:`Product` computes the same with NumPy: ``C *= β`` (unless β = 1), then
``C += α * (A @ B)``.

Rounding: ``gemm`` rounds α·(AB) + β·C once per element where NumPy rounds the product, α times
it, and the sum one after the other; the last bits differ, and both lie within the round-off
bound of the exact result (``tests/test_gemm.py``).
"""

from __future__ import annotations

import ctypes

import numpy as np

__all__ = ["Product", "blas_gemm_found"]

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
_SYMBOLS = {np.dtype(np.float32): ("scipy_cblas_sgemm64_", "cblas_sgemm64_"),
            np.dtype(np.float64): ("scipy_cblas_dgemm64_", "cblas_dgemm64_")}


def _find() -> dict:
    """dtype -> the CBLAS routine ?gemm of NumPy's BLAS (64-bit integers), for those found."""
    try:
        from numpy._core import _multiarray_umath as umath  # NumPy ≥ 2
    except ImportError:  # pragma: no cover - NumPy 1.x
        try:
            from numpy.core import _multiarray_umath as umath
        except ImportError:
            return {}
    try:
        numpy_lib = ctypes.CDLL(umath.__file__)  # dlsym searches the libraries it links too
    except OSError:  # pragma: no cover - a platform without dlopen of extension modules
        return {}
    found = {}
    for dtype, names in _SYMBOLS.items():
        scalar = ctypes.c_float if dtype == np.float32 else ctypes.c_double
        for name in names:
            routine = getattr(numpy_lib, name, None)
            if routine is None:
                continue
            i64, ptr = ctypes.c_int64, ctypes.c_void_p
            routine.argtypes = [ctypes.c_int] * 3 + [i64] * 3 + [scalar, ptr, i64, ptr, i64,
                                                                  scalar, ptr, i64]
            routine.restype = None
            if _works(routine, dtype):
                found[dtype] = routine
                break
    return found


def _works(routine, dtype) -> bool:
    """The routine computes a small product right (integers as 64 bits, operands in order)."""
    A = np.arange(6, dtype=dtype).reshape(2, 3)
    B = np.arange(12, dtype=dtype).reshape(3, 4)
    C = np.ones((2, 4), dtype)
    Product(A, B, C, routine)(2.0, 3.0)
    return bool(np.array_equal(C, 2 * (A @ B) + 3))


def _layout(a: np.ndarray) -> tuple[int, int] | None:
    """(CBLAS transpose flag, leading dimension) of a 2-D operand, or None when it is neither
    row-major nor the transpose of a row-major array."""
    if a.flags.c_contiguous and a.shape[1] > 0:
        return _NO_TRANS, a.shape[1]
    if a.flags.f_contiguous and a.shape[0] > 0:
        return _TRANS, a.shape[0]
    return None


class Product:
    """C ← α·A·B + β·C on three arrays fixed once, for any α and β: ``Product(A, B, C)(α, β)``.

    A (m, k), B (k, n), C (m, n), of one floating dtype; C writable, row-major for the BLAS
    routine and sharing no memory with A or B; A and B may be transposed views (``δ.T``) of
    row-major arrays. The shapes, layouts and addresses are worked out here, once (that is most
    of the cost of a small product), and the arrays are kept alive with the product. Raises
    ValueError on shapes that do not fit.
    """

    __slots__ = ("A", "B", "C", "_args", "_routine")

    def __init__(self, A: np.ndarray, B: np.ndarray, C: np.ndarray, routine=None):
        (m, k), (k2, n) = A.shape, B.shape
        if k != k2 or C.shape != (m, n):
            raise ValueError(f"gemm: expected A (m, k), B (k, n), C (m, n); got A {A.shape}, "
                             f"B {B.shape}, C {C.shape}")
        self.A, self.B, self.C = A, B, C
        routine = _ROUTINES.get(C.dtype) if routine is None else routine
        a, b = _layout(A), _layout(B)
        if (routine is None or not A.dtype == B.dtype == C.dtype or a is None or b is None
                or not (C.flags.c_contiguous and C.flags.writeable) or C.size == 0):
            self._routine = None  # NumPy computes it
            return
        self._routine = routine
        self._args = (_ROW_MAJOR, a[0], b[0], m, n, k, A.ctypes.data, a[1], B.ctypes.data, b[1],
                      C.ctypes.data, n)

    def __call__(self, alpha: float, beta: float) -> None:
        if self._routine is None:
            if beta != 1:
                self.C *= beta
            self.C += alpha * (self.A @ self.B)
            return
        order, ta, tb, m, n, k, a, lda, b, ldb, c, ldc = self._args
        self._routine(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)


_ROUTINES = _find()


def blas_gemm_found(dtype) -> bool:
    """Whether :class:`Product` runs NumPy's BLAS routine for arrays of ``dtype``."""
    return np.dtype(dtype) in _ROUTINES

