"""mlpbook._gemm: C ← α·A·B + β·C in place, by NumPy's own BLAS routine where there is one.

The routine is found on NumPy's wheels (its OpenBLAS); the product agrees with an exact
reference to round-off for every layout of the operands, the NumPy path gives the same, bad
shapes are refused, and operands the routine cannot take are computed by NumPy.
"""

import numpy as np
import pytest

from mlpbook import _gemm
from mlpbook._gemm import Product, blas_gemm_found

DTYPES = [np.float32, np.float64]


def test_numpys_own_blas_routine_is_found():
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    if blas["name"] not in ("scipy-openblas", "openblas64"):
        pytest.fail(f"this test knows NumPy's wheels (OpenBLAS); NumPy here uses {blas['name']}")
    assert blas_gemm_found(np.float32) and blas_gemm_found(np.float64)
    assert not blas_gemm_found(np.int64)


def operands(dtype, m, k, n, layout, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((k, m) if layout[0] == "T" else (m, k)).astype(dtype)
    B = rng.standard_normal((n, k) if layout[1] == "T" else (k, n)).astype(dtype)
    A = A.T if layout[0] == "T" else A
    B = B.T if layout[1] == "T" else B
    return A, B, rng.standard_normal((m, n)).astype(dtype)


def bound(dtype, alpha, A, B, beta, C):
    """Round-off allowed: k+2 roundings of the terms' magnitudes (|α|·|A||B| + |β C|)."""
    k = A.shape[1]
    scale = abs(alpha) * (np.abs(A.astype(np.float64)) @ np.abs(B.astype(np.float64))) \
        + abs(beta) * np.abs(C.astype(np.float64))
    return (k + 2) * np.finfo(dtype).eps * scale


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("layout", ["NN", "TN", "NT", "TT"])
@pytest.mark.parametrize("alpha, beta", [(1.0, 0.0), (-0.01, 1.0), (0.3, 0.999), (-2.0, -0.5)])
@pytest.mark.parametrize("path", ["blas", "numpy"])
def test_gemm_agrees_with_the_exact_product(dtype, layout, alpha, beta, path, monkeypatch):
    if path == "numpy":
        monkeypatch.setattr(_gemm, "_ROUTINES", {})
    for m, k, n in [(64, 784, 512), (10, 64, 512), (1, 1, 1), (7, 3, 5)]:
        A, B, C = operands(dtype, m, k, n, layout, seed=m + k + n)
        exact = alpha * (A.astype(np.float64) @ B.astype(np.float64)) + beta * C
        allowed = bound(dtype, alpha, A, B, beta, C)
        out = C.copy()
        Product(A, B, out)(alpha, beta)
        assert out.dtype == dtype
        error = np.abs(out - exact)
        assert np.all(error <= allowed), (m, k, n, float(np.max(error / allowed)))
        # and not merely within a loose bound: an error of one term's size would show
        assert np.max(error) < 1e-3 * np.max(np.abs(exact))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_the_numpy_path_with_beta_one_is_numpys_own_arithmetic(dtype, monkeypatch):
    # C += α·(A @ B): bit for bit what SGD computes as θ − α·g with g = A @ B
    monkeypatch.setattr(_gemm, "_ROUTINES", {})
    A, B, C = operands(dtype, 20, 30, 40, "TN")
    out = C.copy()
    Product(A, B, out)(-0.01, 1.0)
    np.testing.assert_array_equal(out, C - 0.01 * (A @ B))


def test_operands_the_routine_cannot_take_are_computed_by_numpy():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((8, 12))[:, ::2]  # neither row- nor column-major
    B = rng.standard_normal((6, 5)).astype(np.float32)  # another dtype than C
    C = np.zeros((8, 5))
    Product(A, B, C)(2.0, 0.0)
    np.testing.assert_allclose(C, 2 * A @ B, rtol=1e-6)
    C = np.ones((8, 10))[:, ::2]  # C not contiguous: updated in place all the same
    Product(A, B.astype(np.float64), C)(1.0, 1.0)
    np.testing.assert_allclose(C, 1 + A @ B, rtol=1e-12)
    C = np.ones((8, 5))
    Product(A[:, :0], B[:0], C)(1.0, 1.0)  # k = 0: the product is zero
    np.testing.assert_array_equal(C, 1)


def test_shapes_that_do_not_fit_are_refused():
    A, B, C = np.ones((3, 4)), np.ones((5, 2)), np.ones((3, 2))
    with pytest.raises(ValueError, match=r"expected A \(m, k\), B \(k, n\), C \(m, n\); got A "
                                         r"\(3, 4\), B \(5, 2\), C \(3, 2\)"):
        Product(A, B, C)(1.0, 0.0)
    with pytest.raises(ValueError, match=r"C \(2, 2\)"):
        Product(A, np.ones((4, 2)), np.ones((2, 2)))(1.0, 0.0)
    np.testing.assert_array_equal(C, 1)  # untouched



def test_the_blas_path_rounds_once_where_numpy_rounds_three_times():
    # the two paths are different arithmetic, not the same code twice: on the benchmark's update
    # their results differ in last places, and both lie within round-off of the exact update
    A, B, C = operands(np.float32, 512, 64, 784, "TN", seed=7)
    blas, plain = C.copy(), C - np.float32(0.01) * (A @ B)
    Product(A, B, blas)(-0.01, 1.0)
    assert not np.array_equal(blas, plain)
    exact = C.astype(np.float64) - 0.01 * (A.astype(np.float64) @ B.astype(np.float64))
    allowed = bound(np.float32, -0.01, A, B, 1.0, C)
    assert np.all(np.abs(blas - exact) <= allowed) and np.all(np.abs(plain - exact) <= allowed)
