"""Exercises of chapter 07: the local backward rules of the nodes of a computation graph (matrix
product, a broadcasting addition, the sigmoid, the fused softmax cross-entropy) and a topological
order of a graph, all checked against :mod:`mlpbook.autodiff`, and a forward-mode pass (a
Jacobian-vector product) through a small tanh network, whose tangent rules the student derives."""

from __future__ import annotations

import numpy as np

from ...autodiff import Tensor, softmax_cross_entropy, topological_order
from ..questions import Question, case
from ..verifiers import verify_order

NOTEBOOK = "07_automatic_differentiation"


def _backward(out: Tensor, G) -> None:
    """Run only the local rule of ``out`` with upstream gradient ``G``, as ``backward`` would."""
    out.grad = np.array(G, dtype=out.value.dtype)
    out._backward()


def matmul_backward(A, B, G):
    a, b = Tensor(A), Tensor(B)
    _backward(a @ b, G)
    return a.grad, b.grad


def _matmul_cases(rng):
    out = []
    for label, (n, k, m), dtype in (("(1, 3) @ (3, 1)", (1, 3, 1), np.float64),
                                    ("(4, 3) @ (3, 5)", (4, 3, 5), np.float64),
                                    ("(8, 2) @ (2, 6)", (8, 2, 6), np.float64),
                                    ("float32 keeps float32", (3, 4, 2), np.float32)):
        out.append(case(label, rng.standard_normal((n, k)).astype(dtype),
                        rng.standard_normal((k, m)).astype(dtype),
                        rng.standard_normal((n, m)).astype(dtype)))
    return out


def add_backward(G, shape_a, shape_b):
    a, b = Tensor(np.zeros(shape_a)), Tensor(np.zeros(shape_b))
    _backward(a + b, G)
    return tuple(g[()] if g.ndim == 0 else g for g in (a.grad, b.grad))  # shape (): a number


def _add_cases(rng):
    out = []
    for label, sa, sb in (("same shapes (3, 2) + (3, 2)", (3, 2), (3, 2)),
                          ("a bias: (5, 3) + (3,)", (5, 3), (3,)),
                          ("a row: (4, 3) + (1, 3)", (4, 3), (1, 3)),
                          ("a column and a row: (4, 1) + (1, 3)", (4, 1), (1, 3)),
                          ("a scalar: (2, 3) + ()", (2, 3), ()),
                          ("three axes: (2, 3, 4) + (3, 1)", (2, 3, 4), (3, 1))):
        G = rng.standard_normal(np.broadcast_shapes(sa, sb))
        out.append(case(label, G, list(sa), list(sb)))
    return out


def sigmoid_backward(Z, G):
    z = Tensor(Z)
    _backward(z.sigmoid(), G)
    return z.grad


def _sigmoid_cases(rng):
    return [
        case("a few values", np.array([-2.0, 0.0, 3.0]), np.array([1.0, 1.0, 1.0])),
        case("a (4, 3) batch", rng.standard_normal((4, 3)) * 3, rng.standard_normal((4, 3))),
        case("huge inputs (a naive exp overflows)", np.array([[-1000.0, 1000.0, -40.0]]),
             np.array([[1.0, -2.0, 0.5]])),
        case("float32 keeps float32", (rng.standard_normal(5) * 4).astype(np.float32),
             rng.standard_normal(5).astype(np.float32)),
    ]


def softmax_ce_backward(Z, labels, g):
    z = Tensor(Z)
    _backward(softmax_cross_entropy(z, labels), g)
    return z.grad


def _ce_cases(rng):
    return [
        case("one sample, 3 classes, upstream 1", np.array([[1.0, 2.0, 3.0]]), np.array([2]),
             1.0),
        case("6 samples, 4 classes, upstream 1", rng.standard_normal((6, 4)) * 2,
             rng.integers(0, 4, size=6), 1.0),
        case("an upstream gradient of 0.25", rng.standard_normal((3, 5)),
             rng.integers(0, 5, size=3), 0.25),
        case("huge logits", np.array([[1000.0, -1000.0, 0.0], [0.0, 900.0, -900.0]]),
             np.array([1, 2]), 2.0),
        # one maximum for the whole batch instead of one per row leaves exp(-1000) = 0 in the
        # second row: 0/0
        case("rows on very different scales", np.array([[1000.0, 999.0, 998.0], [0.0, 1.0, 2.0]]),
             np.array([0, 1]), 1.0),
        case("float32 keeps float32", (rng.standard_normal((4, 3)) * 3).astype(np.float32),
             rng.integers(0, 3, size=4), 1.0),
    ]


def topo_order(parents, root):
    nodes = {}

    def node(name):
        if name not in nodes:
            nodes[name] = Tensor(0.0, name=name,
                                 _parents=tuple(node(p) for p in parents.get(name, [])))
        return nodes[name]

    return [t.name for t in topological_order(node(root))]


def _graph_cases(rng):
    network = {"z1": ["x", "W1", "b1"], "a1": ["z1"], "z2": ["a1", "W2", "b2"], "a2": ["z2"],
               "C": ["a2", "y"]}
    chain = {f"v{i}": [f"v{i - 1}"] for i in range(1, 60)}
    names = [f"n{i}" for i in range(12)]
    random_dag = {names[i]: sorted(set(rng.choice(names[:i], size=min(i, 3)).tolist()))
                  for i in range(1, 12)}
    return [
        case("the two-layer network of the chapter", network, "C"),
        case("a diamond: a node used twice", {"b": ["a"], "c": ["a"], "d": ["b", "c"]}, "d"),
        case("nodes the root does not depend on are left out",
             {"u": ["x"], "w": ["u", "y"], "q": ["x"], "r": ["q", "w"]}, "w"),
        # the reverse of a breadth-first search puts u before its input x here
        case("a node reached by a short and a long path",
             {"u": ["x"], "w": ["u", "y"], "q": ["x"], "r": ["q", "w"]}, "r"),
        case("a chain of 60 nodes", chain, "v59"),
        case("a random graph of 12 nodes", random_dag, "n11"),
        case("a leaf alone", {"z": ["x"]}, "x"),
    ]


def forward_mode(Ws, bs, X, dWs, dbs):
    """The tangent of the output of the network (tanh hidden layers, linear output layer) when
    the parameters move along (dWs, dbs): one forward-mode pass (ż = Ẇa + Wȧ + ḃ, ȧ = σ'(z) ż)."""
    A, dA = X, np.zeros_like(X)
    for ell, (W, b, dW, db) in enumerate(zip(Ws, bs, dWs, dbs, strict=True)):
        Z, dZ = A @ W.T + b, dA @ W.T + A @ dW.T + db
        if ell < len(Ws) - 1:
            A = np.tanh(Z)
            dA = (1 - A * A) * dZ
        else:
            A, dA = Z, dZ
    return dA


def _network(rng, sizes, scale=1.0):
    Ws = [rng.standard_normal((m, k)) * scale / np.sqrt(k) for k, m in
          zip(sizes[:-1], sizes[1:], strict=True)]
    bs = [rng.standard_normal(m) * 0.5 for m in sizes[1:]]
    return Ws, bs


def _forward_cases(rng):
    out = []
    for label, sizes, n, scale, moving in (
            ("one layer: the output is linear in W and b", (3, 2), 4, 1.0, "all"),
            ("two layers, 3 → 5 → 2", (3, 5, 2), 6, 1.0, "all"),
            ("three layers, 4 → 6 → 3 → 1", (4, 6, 3, 1), 5, 1.0, "all"),
            ("only the biases move", (2, 4, 3), 3, 1.0, "biases"),
            ("only the first layer moves", (3, 4, 4, 2), 4, 1.0, "first"),
            ("large weights: saturated tanh units", (5, 3, 2), 4, 4.0, "all")):
        Ws, bs = _network(rng, sizes, scale)
        dWs, dbs = _network(rng, sizes)
        if moving == "biases":
            dWs = [np.zeros_like(W) for W in Ws]
        if moving == "first":
            dWs = [dWs[0]] + [np.zeros_like(W) for W in Ws[1:]]
            dbs = [dbs[0]] + [np.zeros_like(b) for b in bs[1:]]
        out.append(case(label, Ws, bs, rng.standard_normal((n, sizes[0])), dWs, dbs))
    return out


QUESTIONS = [
    Question("07.matmul_backward", "matmul_backward", 2, matmul_backward, _matmul_cases,
             "The matrix-product node", rtol=1e-10, atol=1e-12, returns=("dA", "dB"),
             forbidden=("mlpbook.autodiff", "mlpbook.Dense.backward"), credit="outputs"),
    Question("07.add_backward", "add_backward", 3, add_backward, _add_cases,
             "A broadcasting addition", rtol=1e-10, atol=1e-12, returns=("dA", "dB"),
             forbidden=("mlpbook.autodiff",), credit="outputs"),
    Question("07.sigmoid_backward", "sigmoid_backward", 2, sigmoid_backward, _sigmoid_cases,
             "The sigmoid node", rtol=1e-9, atol=1e-12, strict_fp=True,
             forbidden=("mlpbook.autodiff", "mlpbook.Sigmoid")),
    Question("07.softmax_ce_backward", "softmax_ce_backward", 2, softmax_ce_backward, _ce_cases,
             "The fused softmax cross-entropy node", rtol=1e-9, atol=1e-12, strict_fp=True,
             forbidden=("mlpbook.autodiff", "mlpbook.CrossEntropyLoss", "mlpbook.Softmax")),
    Question("07.topological_order", "topological_order", 3, topo_order, _graph_cases,
             "A topological order", verify=verify_order,
             forbidden=("mlpbook.autodiff",)),
    Question("07.forward_mode", "forward_mode", 3, forward_mode, _forward_cases,
             "Forward mode: a Jacobian-vector product", rtol=1e-10, atol=1e-12,
             forbidden=("mlpbook.autodiff",)),
]
