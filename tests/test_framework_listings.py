"""The PyTorch and JAX listings of chapter 07 run as printed and give mb.autodiff's gradients.

The chapter shows them as text (neither package is a requirement, and a notebook cell whose output
depended on an optional package would not be portable). These tests take each listing from the
chapter's MyST twin, run it where its package is installed (skipped otherwise) and compare what
it computes with the engine on the same network.
"""

import re
from pathlib import Path

import numpy as np
import pytest

import mlpbook as mb
from mlpbook.gradcheck import rel_error

CHAPTER = Path(__file__).resolve().parents[1] / "book" / "md" / "07_automatic_differentiation.md"


def listings(package):
    """The ```python blocks of chapter 07 that use ``package`` (as text, in order)."""
    blocks = re.findall(r"^```python\n(.*?)^```$", CHAPTER.read_text(encoding="utf-8"),
                        flags=re.DOTALL | re.MULTILINE)
    return [b for b in blocks if re.search(rf"\b{package}\.", b)]


def engine_gradients():
    """∂C/∂(W[1], b[1], W[2], b[2]) of Example 2 (summed squared loss), by mb.autodiff."""
    ex = mb.datasets.example2()
    net = mb.Sequential(mb.Dense(2, 3), mb.Sigmoid(), mb.Dense(3, 2))
    net[0].W[...], net[2].W[...] = ex["W"].T, ex["V"].T
    out, params = mb.autodiff.from_sequential(net, mb.autodiff.Tensor(ex["X"]))
    mb.autodiff.squared_loss(out, ex["D"], reduction="sum").backward()
    return ex, [params[k].grad for k in ("0.W", "0.b", "2.W", "2.b")]


def run(code, ex, namespace=None):
    """Execute a listing as a reader would, after the chapter's cells (``ex``, ``X``, ``D``)."""
    namespace = {"ex": ex, "X": ex["X"], "D": ex["D"], "np": np} if namespace is None else namespace
    exec(compile(code, str(CHAPTER), "exec"), namespace)  # the book's own listing
    return namespace


def test_the_chapter_has_the_listings():
    assert len(listings("torch")) == 2 and len(listings("jax")) == 1


def test_pytorch_listing_gives_the_engine_gradients():
    torch = pytest.importorskip("torch")
    ex, want = engine_gradients()
    first, function_node = listings("torch")
    ns = run(first, ex)
    got = [ns[k].grad.numpy() for k in ("W1", "b1", "W2", "b2")]
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape and rel_error(g, w) < 1e-12
    # the custom function node (run after the first listing): its backward rule is σ(1 − σ)
    ns = run(function_node, ex, ns)
    z = torch.linspace(-4, 4, 9, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(ns["Sigmoid"].apply, (z,))
    ns["Sigmoid"].apply(z).sum().backward()
    s = torch.sigmoid(z.detach())
    assert torch.allclose(z.grad, s * (1 - s), rtol=1e-14, atol=0)


def test_jax_listing_gives_the_engine_gradients():
    pytest.importorskip("jax")
    ex, want = engine_gradients()
    (listing,) = listings("jax")
    ns = run(listing, ex)
    for name in ("grads", "grads_again"):
        for g, w in zip(ns[name], want, strict=True):
            g = np.asarray(g)
            assert g.dtype == np.float64 and rel_error(g, w) < 1e-12, name
    directional = sum(np.sum(w) for w in want)  # ⟨∇C, v⟩ with v = all ones
    assert abs(float(ns["directional"]) - directional) < 1e-12 * abs(directional)
