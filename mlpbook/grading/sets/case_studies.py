"""Exercises of chapter 12: the predictions of a softmax network, a confusion matrix, a digit
classifier trained on the bundled 8×8 digits (``mb.datasets.digits``) that must classify held-out
digits well, and (to be worked out by the student) the weights of a network that classifies
digits whose pixels and classes are permuted, as the grader's disguise below permutes them.

The training question uses the "fit_predict" protocol (:func:`mlpbook.grading.questions.invoke`):
the sandbox receives the training data and the *inputs* of the test set, calls the student's
``train_digit_classifier(X_train, y_train, rng)`` and returns only its predicted labels. The
test labels never leave the grader, which computes the accuracy itself.

Looking the labels up cannot pass: the bundled digits contain the test images, so the grader
disguises the data metamorphically. It shuffles the 64 pixels of every image by one fixed
permutation and renames the ten classes by another (:func:`disguise`). A network with dense
layers learns the disguised task exactly as well as the plain one (it has no notion of which
pixels are neighbours), and must predict the *renamed* labels; a lookup of an image (or of its
nearest neighbour) among the bundled digits finds nothing, or the plain label. The permutations
come from ``SPLIT_SEED`` and, when the grader's environment sets it, the secret
``MLPBOOK_GRADING_KEY`` (which the sandbox's environment does not carry), so that a submission
cannot undo them.
"""

from __future__ import annotations

import zlib
from functools import cache
from itertools import pairwise

import numpy as np

from ... import datasets
from ...activations import ReLU
from ...layers import Dense
from ...losses import CrossEntropyLoss
from ...optim import Adam
from ...sequential import Sequential
from ...training import fit, predict
from ..questions import Question, case, case_key, grading_key
from ..verifiers import verify_accuracy
from .fully_connected_networks import network

NOTEBOOK = "12_case_studies"

#: the grader's split of the digits: not the notebook's (rng=0), whose held-out labels the
#: notebook has at hand
SPLIT_SEED = 12


def predict_digits(X, weights, biases):
    logits = network(weights, biases).forward(X)
    return np.argmax(logits, axis=1)  # softmax is increasing: the largest logit wins


def _predict_cases(rng):
    out = []
    for label, sizes, n, scale, shift in (
            ("64 → 32 → 10, 20 images", [64, 32, 10], 20, 1.0, 0.0),
            ("64 → 10: softmax regression", [64, 10], 15, 1.0, 0.0),
            ("64 → 16 → 16 → 10, one image", [64, 16, 16, 10], 1, 1.0, 0.0),
            ("64 → 24 → 10, every logit negative", [64, 24, 10], 12, 1.0, -20.0),
            ("64 → 32 → 10, logits in the thousands", [64, 32, 10], 12, 1000.0, 0.0),
            ("64 → 32 → 10, the first image 1000 times brighter", [64, 32, 10], 12, 1.0, 0.0)):
        weights = [rng.standard_normal((b, a)) / np.sqrt(a) for a, b in pairwise(sizes)]
        biases = [rng.standard_normal(b) * 0.1 for b in sizes[1:]]
        weights[-1] *= scale
        biases[-1] += shift
        X = rng.random((n, 64))
        if "brighter" in label:
            X[0] *= 1000.0  # its logits dwarf those of the other images
        out.append(case(label, X, weights, biases))
    return out


def confusion_matrix(y_true, y_pred, K):
    C = np.zeros((K, K), dtype=np.int64)
    np.add.at(C, (y_true, y_pred), 1)  # row: the true class, column: the predicted one
    return C


def _confusion_cases(rng):
    y = rng.integers(0, 10, size=200)
    noisy = np.where(rng.random(200) < 0.8, y, rng.integers(0, 10, size=200))
    return [
        case("three classes, by hand", np.array([0, 1, 2, 2, 1]), np.array([0, 2, 2, 2, 1]), 3),
        case("ten classes, 80% right", y, noisy, 10),
        case("a class that never occurs", np.array([0, 0, 1]), np.array([0, 1, 1]), 4),
    ]


def disguise(X, y, key: str = ""):
    """(X with its 64 pixels permuted, y with its 10 classes renamed), by permutations drawn
    from ``SPLIT_SEED`` and ``key``."""
    rng = np.random.default_rng([SPLIT_SEED, zlib.crc32(key.encode())])
    pixels, classes = rng.permutation(X.shape[1]), rng.permutation(10)
    return X[:, pixels], classes[y]


@cache
def _split(key: str):
    X, y = disguise(*datasets.digits(), key)
    return datasets.train_test_split(X, y, test_fraction=0.25, rng=SPLIT_SEED)


def split(key: str = ""):
    """The split of the digits disguised under ``key``: X_train, X_test, y_train, y_test (the
    public case uses the empty key, a hidden case the grading key)."""
    return _split(key)


#: the keys whose cases this process has drawn (besides "" and the grading key), so that the
#: labels of a case drawn under any key can be found again (the tests draw under keys of theirs)
_drawn: dict[str, None] = {}


def _key_of(X_test) -> str:
    """The key whose split has the held-out inputs ``X_test`` (the public one, the grader's or
    one whose cases were drawn here)."""
    for key in dict.fromkeys(("", grading_key(), *_drawn)):
        if np.array_equal(_split(key)[1], X_test):
            return key
    raise ValueError("the test inputs are not the held-out digits of any split")


def train_digit_classifier(X_train, y_train, rng):
    model = Sequential(Dense(64, 64, init="he", rng=rng), ReLU(), Dense(64, 10, rng=rng))
    fit(model, CrossEntropyLoss(), Adam(model.parameters(), lr=3e-3), X_train, y_train,
        epochs=30, batch_size=32, rng=rng, progress=False)
    return lambda X: np.argmax(predict(model, X), axis=1)


def _training_cases(rng):
    _drawn[case_key()] = None
    X_train, X_test, y_train, _ = (a.copy() for a in split(case_key()))
    return [case(f"{len(y_train)} training digits, {len(X_test)} held-out digits (pixels and "
                 "classes permuted)", X_train, y_train, 0, X_test)]


def held_out_labels(args):
    """The labels of the held-out digits whose inputs are the case's last argument."""
    _, X_held, _, y_held = _split(_key_of(args[-1]))
    return y_held


def permute_network(weights, biases, pixels, classes):
    """The network that gives, on the images ``X[:, pixels]``, the logits of (weights, biases) on
    ``X`` with the classes renamed by ``classes`` (class k becomes ``classes[k]``), its hidden
    units unchanged: the first layer reads pixel ``pixels[j]`` at input j, and the last layer's
    row ``classes[k]`` is the old row k."""
    back = np.argsort(classes)  # the old class of each new class
    weights, biases = [np.array(W) for W in weights], [np.array(b) for b in biases]
    weights[0] = weights[0][:, pixels]
    weights[-1], biases[-1] = weights[-1][back], biases[-1][back]
    return weights, biases


def _not_an_involution(rng, n):
    """A permutation that is not its own inverse, so that mixing up the two shows."""
    while True:
        p = rng.permutation(n)
        if not np.array_equal(p[p], np.arange(n)):
            return p


def _permute_cases(rng):
    out = []
    for label, sizes in (("64 → 32 → 10", [64, 32, 10]), ("64 → 10: one layer", [64, 10]),
                         ("64 → 16 → 16 → 10", [64, 16, 16, 10])):
        weights = [rng.standard_normal((b, a)) / np.sqrt(a) for a, b in pairwise(sizes)]
        biases = [rng.standard_normal(b) for b in sizes[1:]]
        out.append(case(label, weights, biases, _not_an_involution(rng, 64),
                        _not_an_involution(rng, 10)))
    return out


QUESTIONS = [
    Question("12.predict_digits", "predict_digits", 2, predict_digits, _predict_cases,
             "Predictions of a softmax network", strict_fp=True,
             forbidden=("mlpbook.Dense.forward", "mlpbook.Sequential.forward", "mlpbook.predict",
                        "mlpbook.evaluate")),
    Question("12.confusion_matrix", "confusion_matrix", 1, confusion_matrix, _confusion_cases,
             "A confusion matrix",
             forbidden=("mlpbook.metrics",)),
    Question("12.train_digit_classifier", "train_digit_classifier", 4, train_digit_classifier,
             _training_cases, "A digit classifier", verify=verify_accuracy, expect=held_out_labels,
             protocol="fit_predict", time_factor=6),
    Question("12.permute_network", "permute_network", 2, permute_network, _permute_cases,
             "The same network for permuted pixels and classes", rtol=0, atol=0,
             returns=("weights", "biases"), credit="outputs"),
]
