"""Typical mistakes in the answers of exercise set 12 (case studies: digits)."""

import numpy as np

import mlpbook as mb


# 12.predict_digits ------------------------------------------------------------------------------
def _forward(X, weights, biases, relu_last=False, relu_hidden=True):
    A = X
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        Z = A @ W.T + b
        last = ell == len(weights) - 1
        A = np.maximum(Z, 0.0) if (relu_last if last else relu_hidden) else Z
    return A


def predict_relu_on_the_output(X, weights, biases):
    return np.argmax(_forward(X, weights, biases, relu_last=True), axis=1)


def predict_without_relu(X, weights, biases):
    return np.argmax(_forward(X, weights, biases, relu_hidden=False), axis=1)


def predict_argmax_over_the_batch(X, weights, biases):
    return np.argmax(_forward(X, weights, biases), axis=0)


def predict_naive_softmax_first(X, weights, biases):
    Z = _forward(X, weights, biases)
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    return np.argmax(P, axis=1)


def predict_softmax_with_one_global_max(X, weights, biases):
    Z = _forward(X, weights, biases)
    E = np.exp(Z - Z.max())
    return np.argmax(E / E.sum(axis=1, keepdims=True), axis=1)


def predict_output_bias_left_out(X, weights, biases):
    A = X
    for W, b in zip(weights[:-1], biases[:-1], strict=True):  # the loop stops one layer early
        A = np.maximum(A @ W.T + b, 0.0)
    return np.argmax(A @ weights[-1].T, axis=1)


def predict_weights_not_transposed(X, weights, biases):
    A = X
    for ell, (W, b) in enumerate(zip(weights, biases, strict=True)):
        Z = A @ W + b
        A = Z if ell == len(weights) - 1 else np.maximum(Z, 0.0)
    return np.argmax(A, axis=1)


# 12.confusion_matrix ----------------------------------------------------------------------------
def confusion_transposed(y_true, y_pred, K):
    C = np.zeros((K, K), dtype=np.int64)
    np.add.at(C, (y_pred, y_true), 1)
    return C


def confusion_fancy_index_does_not_accumulate(y_true, y_pred, K):
    C = np.zeros((K, K), dtype=np.int64)
    C[y_true, y_pred] += 1
    return C


def confusion_size_from_the_labels(y_true, y_pred, K):
    k = int(max(y_true.max(), y_pred.max())) + 1
    C = np.zeros((k, k), dtype=np.int64)
    np.add.at(C, (y_true, y_pred), 1)
    return C


def confusion_bincount_without_minlength(y_true, y_pred, K):
    return np.bincount(y_true * K + y_pred).reshape(K, K)


def confusion_labels_counted_from_one(y_true, y_pred, K):
    C = np.zeros((K, K), dtype=np.int64)
    np.add.at(C, (y_true - 1, y_pred - 1), 1)
    return C


def confusion_off_by_one_in_the_loop(y_true, y_pred, K):
    C = np.zeros((K, K), dtype=np.int64)
    for i in range(len(y_true) - 1):
        C[y_true[i], y_pred[i]] += 1
    return C


# 12.train_digit_classifier ----------------------------------------------------------------------
def train_untrained_network(X_train, y_train, rng):
    model = mb.Sequential(mb.Dense(64, 32, init="he", rng=rng), mb.ReLU(),
                          mb.Dense(32, 10, rng=rng))
    return lambda X: np.argmax(mb.predict(model, X), axis=1)


def train_one_short_epoch(X_train, y_train, rng):
    model = mb.Sequential(mb.Dense(64, 32, init="he", rng=rng), mb.ReLU(),
                          mb.Dense(32, 10, rng=rng))
    mb.fit(model, mb.CrossEntropyLoss(), mb.SGD(model.parameters(), lr=1e-3), X_train[:64],
           y_train[:64], epochs=1, batch_size=32, rng=rng, progress=False)
    return lambda X: np.argmax(mb.predict(model, X), axis=1)


def train_argmax_over_the_batch(X_train, y_train, rng):
    model = mb.Sequential(mb.Dense(64, 32, init="he", rng=rng), mb.ReLU(),
                          mb.Dense(32, 10, rng=rng))
    mb.fit(model, mb.CrossEntropyLoss(), mb.Adam(model.parameters(), lr=3e-3), X_train, y_train,
           epochs=3, batch_size=32, rng=rng, progress=False)
    return lambda X: np.argmax(mb.predict(model, X), axis=0)


def train_predicts_the_most_frequent_class(X_train, y_train, rng):
    label = int(np.argmax(np.bincount(y_train)))
    return lambda X: np.full(len(X), label)


def train_labels_of_the_plain_digits(X_train, y_train, rng):
    X, y = mb.datasets.digits()  # the nearest bundled digit's label: the disguise defeats it
    return lambda images: y[np.argmin((X**2).sum(1) - 2 * images @ X.T, axis=1)]


# 12.permute_network -----------------------------------------------------------------------------
def _permute(weights, biases, first, last, bias=True):
    weights, biases = [np.array(W) for W in weights], [np.array(b) for b in biases]
    weights[0] = weights[0][:, first]
    weights[-1] = weights[-1][last]
    if bias:
        biases[-1] = biases[-1][last]
    return weights, biases


def permute_inverse_of_the_pixels(weights, biases, pixels, classes):
    return _permute(weights, biases, np.argsort(pixels), np.argsort(classes))


def permute_classes_not_inverted(weights, biases, pixels, classes):
    return _permute(weights, biases, pixels, classes)


def permute_output_bias_forgotten(weights, biases, pixels, classes):
    return _permute(weights, biases, pixels, np.argsort(classes), bias=False)


def permute_rows_of_the_first_layer(weights, biases, pixels, classes):
    weights, biases = _permute(weights, biases, slice(None), np.argsort(classes))
    weights[0] = weights[0][pixels]
    return weights, biases


def permute_one_layer_gets_only_the_pixels(weights, biases, pixels, classes):
    if len(weights) == 1:
        return _permute(weights, biases, pixels, slice(None), bias=False)
    return _permute(weights, biases, pixels, np.argsort(classes))


def permute_the_caller_lists(weights, biases, pixels, classes):
    back = np.argsort(classes)
    weights[0] = weights[0][:, pixels]
    weights[-1], biases[-1] = weights[-1][back], biases[-1][back]
    return weights, biases


MUTANTS = {
    "12.predict_digits": {
        "ReLU on the output layer too": predict_relu_on_the_output,
        "no ReLU on the hidden layers": predict_without_relu,
        "argmax over the batch (axis 0)": predict_argmax_over_the_batch,
        "a naive softmax before the argmax": predict_naive_softmax_first,
        "a softmax with one maximum for the whole batch": predict_softmax_with_one_global_max,
        "the output layer's bias left out": predict_output_bias_left_out,
        "A @ W instead of A @ W.T": predict_weights_not_transposed,
    },
    "12.confusion_matrix": {
        "rows and columns swapped": confusion_transposed,
        "C[y_true, y_pred] += 1 (repeated pairs counted once)":
            confusion_fancy_index_does_not_accumulate,
        "size taken from the labels instead of K": confusion_size_from_the_labels,
        "np.bincount without minlength": confusion_bincount_without_minlength,
        "labels counted from 1": confusion_labels_counted_from_one,
        "the last sample left out of the loop": confusion_off_by_one_in_the_loop,
    },
    "12.train_digit_classifier": {
        "the network is never trained": train_untrained_network,
        "one short epoch on 64 digits": train_one_short_epoch,
        "argmax over the batch (axis 0)": train_argmax_over_the_batch,
        "always the most frequent class": train_predicts_the_most_frequent_class,
        "the label of the nearest bundled digit": train_labels_of_the_plain_digits,
    },
    "12.permute_network": {
        "the inverse of the pixel permutation": permute_inverse_of_the_pixels,
        "classes used where their inverse is needed": permute_classes_not_inverted,
        "the output bias not permuted": permute_output_bias_forgotten,
        "rows of the first layer permuted instead of columns": permute_rows_of_the_first_layer,
        "a one-layer network gets only the pixel permutation":
            permute_one_layer_gets_only_the_pixels,
        "the caller's lists changed": permute_the_caller_lists,
    },
}
