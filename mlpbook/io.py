"""Saving and loading models: one ``.npz`` file, no pickle.

The file holds every array of the model's ``state()`` (parameters, and buffers such as batch-norm
running statistics) under its name (``"0.W"``, ``"2.running_var"``, ...) and, under
``"__architecture__"``, a JSON string describing the layers: their class names and ``config()``.
``load`` rebuilds the layers from a fixed registry of mlpbook classes, never by importing or
executing anything named in the file, and reads the arrays with ``allow_pickle=False``. A file that
is truncated, tampered with or inconsistent raises ``ValueError`` saying what is wrong, and so do
arrays that no trained model holds (NaN or infinite weights, a negative running variance): each
layer's ``load_state`` checks its whole state before anything is copied.

>>> mb.save(model, "model.npz"); same = mb.load("model.npz")
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

__all__ = ["save", "load", "layer_registry"]

FORMAT, VERSION, ARCH_KEY = "mlpbook-model", 1, "__architecture__"


def layer_registry() -> dict[str, type]:
    """The layer classes ``load`` can rebuild, by class name."""
    from .activations import ACTIVATIONS
    from .batchnorm import BatchNorm
    from .dropout import Dropout
    from .layers import Dense
    from .sequential import Sequential

    classes = [Dense, Sequential, BatchNorm, Dropout] + [s.cls for s in ACTIVATIONS.values()]
    return {c.__name__: c for c in classes}


# ---- save -------------------------------------------------------------------------------------

def _describe(layer, registry: dict) -> dict:
    name = type(layer).__name__
    if registry.get(name) is not type(layer):
        raise ValueError(f"save: cannot save a {name} layer; known layer classes are "
                         f"{sorted(registry)}")
    if name == "Sequential":
        return {"class": name, "layers": [_describe(child, registry) for child in layer.layers]}
    return {"class": name, "config": layer.config()}


def save(model, path) -> Path:
    """Write ``model`` (a layer or ``Sequential``) to ``path`` (``.npz`` is appended if missing);
    returns the path written. A model whose arrays hold NaN or infinity is refused (``load``
    would refuse the file)."""
    arch = {"format": FORMAT, "version": VERSION, "model": _describe(model, layer_registry())}
    arrays = model.state()
    model._check_state(arrays, "save")
    path = Path(os.fspath(path))
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    np.savez(path, **{ARCH_KEY: np.array(json.dumps(arch))}, **arrays)
    return path


# ---- load -------------------------------------------------------------------------------------

def _read(path) -> tuple[str, dict[str, np.ndarray]]:
    if Path(os.fspath(path)).is_dir():
        raise IsADirectoryError(f"load: {os.fspath(path)!r} is a directory; expected an .npz "
                                "file written by mb.save")
    if not Path(os.fspath(path)).is_file():
        raise FileNotFoundError(f"load: no such file: {os.fspath(path)!r}")
    try:
        with np.load(path, allow_pickle=False) as f:
            if not hasattr(f, "files"):
                raise ValueError("it holds a single array, not an .npz archive")
            if ARCH_KEY not in f.files:
                raise ValueError(f"it has no {ARCH_KEY!r} entry (not saved by mlpbook.save)")
            arrays = {k: f[k] for k in f.files}
    except Exception as exc:  # truncated or corrupted archives fail in many different ways
        raise ValueError(f"load: {os.fspath(path)!r} is not a readable mlpbook model file: "
                         f"{type(exc).__name__}: {exc}") from exc
    arch = arrays.pop(ARCH_KEY)
    if arch.ndim != 0 or arch.dtype.kind != "U":
        raise ValueError(f"load: the {ARCH_KEY!r} entry must be a JSON string; got an array of "
                         f"dtype {arch.dtype} and shape {arch.shape}")
    return str(arch), arrays


def load(path):
    """Rebuild the model saved by :func:`save`. Dropout layers get a fresh random generator."""
    text, arrays = _read(path)
    try:
        arch = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"load: the architecture is not valid JSON: {exc}") from None
    if not isinstance(arch, dict) or arch.get("format") != FORMAT:
        raise ValueError(f"load: the architecture must be a JSON object with format {FORMAT!r}")
    if arch.get("version") != VERSION:
        raise ValueError(f"load: unsupported format version {arch.get('version')!r}; this "
                         f"mlpbook reads version {VERSION}")
    budget = sum(a.size for a in arrays.values())
    used: set[str] = set()
    try:
        model = _build(arch.get("model"), "", arrays, used, layer_registry(), budget)
    except RecursionError:
        raise ValueError("load: the architecture is nested too deeply") from None
    extra = sorted(set(arrays) - used)
    if extra:
        raise ValueError(f"load: the file holds arrays that the architecture does not use: {extra}")
    return model


def _build(desc, prefix: str, arrays: dict, used: set, registry: dict, budget: int):
    where = f"layer {prefix[:-1]!r}" if prefix else "the model"
    if not isinstance(desc, dict) or not isinstance(desc.get("class"), str):
        raise ValueError(f"load: {where} must be described by an object with a 'class' name; "
                         f"got {desc!r:.80}")
    name = desc["class"]
    if name not in registry:
        raise ValueError(f"load: unknown layer class {name!r} for {where}; known classes are "
                         f"{sorted(registry)}")
    if name == "Sequential":
        children = desc.get("layers")
        if not isinstance(children, list):
            raise ValueError(f"load: Sequential ({where}) needs a list 'layers'")
        return registry[name](*[_build(child, f"{prefix}{i}.", arrays, used, registry, budget)
                                for i, child in enumerate(children)])
    config = desc.get("config", {})
    if not isinstance(config, dict) or not all(
            isinstance(v, (bool, int, float, str)) for v in config.values()):
        raise ValueError(f"load: the config of {name} ({where}) must be an object of numbers and "
                         f"strings; got {config!r:.120}")
    sizes = [v for v in config.values() if isinstance(v, int) and not isinstance(v, bool)]
    if any(v < 0 for v in sizes) or math.prod(sizes) > max(budget, 1):
        raise ValueError(f"load: the config of {name} ({where}) asks for sizes {sizes} that the "
                         f"arrays in the file ({budget} numbers) cannot fill")
    kwargs = dict(config)
    if "init" in kwargs:  # the weights come from the file: skip the random initialisation
        kwargs["init"] = "zeros"
    try:
        layer = registry[name](**kwargs)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"load: invalid config for {name} ({where}): {exc}") from None
    if "init" in config:
        layer.init = config["init"]
    _fill(layer, name, prefix, arrays, used, where)
    return layer


def _fill(layer, name: str, prefix: str, arrays: dict, used: set, where: str) -> None:
    expected = layer.state()
    missing = [prefix + k for k in expected if prefix + k not in arrays]
    if missing:
        raise ValueError(f"load: {name} ({where}) needs the arrays {missing}, missing in the file")
    dtypes = {arrays[prefix + k].dtype for k in expected}
    for key, current in expected.items():
        got = arrays[prefix + key]
        if got.shape != current.shape:
            raise ValueError(f"load: array {prefix + key!r} of {name} ({where}) has shape "
                             f"{got.shape}; expected {current.shape}")
        if not np.issubdtype(got.dtype, np.floating):
            raise ValueError(f"load: array {prefix + key!r} of {name} ({where}) has dtype "
                             f"{got.dtype}; expected a floating dtype")
    if len(dtypes) > 1:
        raise ValueError(f"load: the arrays of {name} ({where}) mix the dtypes "
                         f"{sorted(d.name for d in dtypes)}; expected one floating dtype")
    if expected:
        layer.astype(dtypes.pop())
    try:
        layer.load_state({key: arrays[prefix + key] for key in expected})
    except ValueError as exc:
        raise ValueError(f"load: {name} ({where}): {exc}") from None
    used.update(prefix + key for key in expected)
