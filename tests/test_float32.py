"""float32 end to end: no layer, loss, penalty or optimizer silently upcasts a float32 model."""

import numpy as np
import pytest

import mlpbook as mb

ACTIVATIONS = [mb.Identity, mb.Sigmoid, mb.Tanh, mb.ReLU, mb.LeakyReLU, mb.ELU, mb.SELU,
               mb.Softplus, mb.Softsign, mb.Arctan, mb.Swish]
OPTIMIZERS = [mb.SGD, mb.Momentum, mb.Nesterov, mb.AdaGrad, mb.AdaDelta, mb.RMSprop, mb.Adam,
              mb.AdamW]


def every_layer_model(rng):
    layers = [mb.Dense(5, 8, rng=rng), mb.BatchNorm(8), mb.PReLU(n=8)]
    for act in ACTIVATIONS:
        layers += [act(), mb.Dense(8, 8, rng=rng)]
    layers += [mb.Dropout(0.8, rng=rng), mb.Dense(8, 3, rng=rng)]
    return mb.Sequential(*layers).astype(np.float32)


class Recorder:
    """Wraps every layer's forward and backward and records the dtypes they return."""

    def __init__(self, model):
        self.dtypes = []
        for layer in model.layers:
            layer.forward = self._wrap(layer.forward, f"{layer!r}.forward")
            layer.backward = self._wrap(layer.backward, f"{layer!r}.backward")

    def _wrap(self, fn, name):
        def wrapped(*args, **kwargs):
            out = fn(*args, **kwargs)
            if out is not None:
                self.dtypes.append((name, out.dtype))
            return out
        return wrapped


@pytest.mark.parametrize("opt_cls", OPTIMIZERS, ids=lambda c: c.__name__)
def test_a_training_epoch_of_a_float32_model_stays_float32(opt_cls):
    rng = np.random.default_rng(0)
    model = every_layer_model(rng)
    recorder = Recorder(model)
    X = rng.standard_normal((40, 5))  # float64 data: cast down on entry, never the model up
    y = rng.integers(0, 3, 40)
    opt = opt_cls(model.parameters(), lr=1e-3)
    mb.fit(model, mb.CrossEntropyLoss(), opt, X, y, epochs=1, batch_size=16, rng=rng,
           regularizer=mb.L2(1e-3), progress=False)
    upcast = [(name, dt) for name, dt in recorder.dtypes if dt != np.float32]
    assert recorder.dtypes and not upcast, upcast
    for p in model.parameters():
        assert p.value.dtype == p.grad.dtype == np.float32, p.name
    for value in vars(opt).values():
        if isinstance(value, list) and value and isinstance(value[0], np.ndarray):
            assert all(a.dtype == np.float32 for a in value)
    bn = model.layers[1]
    assert bn.running_mean.dtype == bn.running_var.dtype == np.float32
    assert mb.predict(model, X).dtype == np.float32
