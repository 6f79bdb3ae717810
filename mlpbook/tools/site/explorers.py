"""The website's explorers: the chapters' interactive figures as precomputed frames.

In JupyterLab an explorer recomputes its figure whenever a slider moves. A static page has no
kernel, so the build calls the same figure callbacks of ``mlpbook.widgets`` once for every
combination of slider positions listed here and saves one PNG per combination; the page switches
between them (``static/mlpbook-explorer.js``). ``EXPLORERS`` is the one place that says which
callback, which slider values and which labels make each explorer, and which notebook cell (the
one whose source calls ``Explorer.call``) it replaces on the page.

The HTML contract (checked by the browser test): each explorer is an element of class
``mlpbook-explorer`` holding ``<input type="range">`` controls and one ``<img>`` whose ``src``
follows them.
"""

from __future__ import annotations

import hashlib
import html
import io
import itertools
import json
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ...activations import ACTIVATIONS
from ...constructions import GATE_SHIFTS
from ...diagnostics import INITIALIZERS
from ...surfaces import BOWL_SETTINGS

# Frames are rendered at twice the resolution of a notebook figure (matplotlib's 100 dpi) and
# shown at the notebook's size: crisp on high-density screens.
FRAME_DPI = 200
DISPLAY_DPI = 100


def _g(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Control:
    """One slider: ``values`` are its positions (left to right), ``start`` the initial one.

    ``readout(value, kwargs)`` is the text shown beside the slider (default: the value); it may
    depend on the callback's keyword arguments of the frame (see the optimizer explorer).
    """

    name: str
    label: str
    values: tuple
    start: object
    readout: Callable | None = None

    def __post_init__(self):
        if not self.values:
            raise ValueError(f"control {self.name!r}: expected at least one value; got none")
        if self.start not in self.values:
            raise ValueError(f"control {self.name!r}: start {self.start!r} is not one of its "
                             f"values {self.values!r}")

    def text(self, value, kwargs) -> str:
        return self.readout(value, kwargs) if self.readout else _g(value)


@dataclass(frozen=True)
class Explorer:
    """An explorer of the site: ``callback`` (a function of ``mlpbook.widgets`` returning a
    matplotlib Figure) called with ``kwargs(knobs)`` for every combination of the controls'
    values; ``caption`` (a format string over those keyword arguments) is each frame's alt text.
    ``chapter`` is the notebook's two-digit prefix and ``call`` the text that identifies the
    widget cell in it."""

    name: str
    chapter: str
    call: str
    callback: str
    controls: tuple[Control, ...]
    caption: str | Callable[[dict], str]
    kwargs: Callable[[dict], dict] = field(default=dict)
    note: str = ""

    def combinations(self) -> list[tuple[tuple[int, ...], dict, dict]]:
        """Every slider combination as (positions, knob values, callback kwargs)."""
        out = []
        for positions in itertools.product(*(range(len(c.values)) for c in self.controls)):
            knobs = {c.name: c.values[i] for c, i in zip(self.controls, positions, strict=True)}
            out.append((positions, knobs, self.kwargs(knobs)))
        return out

    def alt(self, kwargs: dict) -> str:
        """The alt text of the frame drawn with ``kwargs``."""
        return self.caption(kwargs) if callable(self.caption) else self.caption.format(**kwargs)

    def start(self) -> tuple[int, ...]:
        return tuple(c.values.index(c.start) for c in self.controls)


# ---- the table --------------------------------------------------------------------------------

GATE_LAMBDAS = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)

# Chapter 04: every scalar activation of the registry, with the three parameter values a page
# offers for each parametrised one (None: no parameter).
ACTIVATION_PARAMS = {name: spec.examples for name, spec in ACTIVATIONS.items() if spec.scalar}


def _activation_kwargs(knobs):
    params = ACTIVATION_PARAMS[knobs["name"]]
    return {"name": knobs["name"], "param": None if params is None else params[knobs["param"]]}


# Chapter 08: every optimizer of the bowl (mb.surfaces.BOWL_SETTINGS), with three learning rates
# inside the range of the notebook's slider: a small one, the notebook's default, a large one.
OPTIMIZER_LRS = {name: setting.examples for name, setting in BOWL_SETTINGS.items()}


def _optimizer_kwargs(knobs):
    return {"name": knobs["name"], "lr": OPTIMIZER_LRS[knobs["name"]][knobs["lr"]], "steps": 100}


def _activation_caption(kwargs):
    param = "" if kwargs["param"] is None else f" with parameter {kwargs['param']:g}"
    return (f"The {kwargs['name']} activation{param}: the function σ(z), its derivative σ'(z) "
            "and its second derivative σ''(z) for z in [−4, 4].")


def _param_readout(index, kwargs):
    return "none" if kwargs["param"] is None else _g(kwargs["param"])


EXPLORERS: tuple[Explorer, ...] = (
    Explorer(
        "interpolation", "03", "interpolation_explorer(", "interpolation_figure",
        (Control("r", "knots r", (2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60), 10),),
        "Figure 5.2 with r = {r} equally spaced knots on [0, 4]: the target f* of (5.11), the "
        "ReLU network that interpolates it at the knots, and the knots; the title gives the "
        "maximum error.",
        kwargs=dict),
    Explorer(
        "staircase", "03", "staircase_explorer(", "staircase_figure",
        (Control("r", "knots r", (5, 20, 100), 20),
         Control("steepness", "steepness k", (1.0, 10.0, 50.0, 300.0, 3000.0), 50.0)),
        "The target f* of (5.11) against a sum of r = {r} sigmoid steps of steepness "
        "k = {steepness:g}; the title gives the maximum error.",
        kwargs=dict),
    Explorer(
        "decision-boundary", "03", "decision_boundary_explorer(", "decision_boundary_figure",
        (Control("hidden_units", "hidden units", (0, 1, 2, 4, 10, 20), 4),),
        "Figure 5.3 for a network with {hidden_units} hidden sigmoid units (0: logistic "
        "regression): its decision boundary on the two-class data with a wavy boundary; the "
        "title gives the training accuracy.",
        kwargs=dict),
    Explorer(
        "multiplication-gate", "03", "gate_explorer(", "gate_error_figure",
        (Control("lam", "λ", GATE_LAMBDAS, 0.1),
         Control("activation", "activation", tuple(GATE_SHIFTS), "softplus")),
        "The multiplication gate of Figure 5.4 with the {activation} activation at "
        "λ = {lam:g}: left, its error f(x) − x1 x2 over the square [−1, 1]²; right, the "
        "maximum error against λ on log-log axes, with this λ marked.",
        kwargs=dict),
    Explorer(
        "activation", "04", "activation_explorer(", "activation_explorer_figure",
        (Control("name", "activation", tuple(ACTIVATION_PARAMS), "sigmoid"),
         Control("param", "parameter", (0, 1, 2), 1, readout=_param_readout)),
        _activation_caption,
        kwargs=_activation_kwargs,
        note="The parameter slider moves the parameter of "
             + ", ".join(f"{name} ({spec.symbol})" for name, spec in ACTIVATIONS.items()
                         if spec.scalar and spec.param is not None)
             + "; the other activations have none."),
    Explorer(
        "optimizer", "08", "optimizer_explorer(", "optimizer_explorer_figure",
        (Control("name", "optimizer", tuple(OPTIMIZER_LRS), "Momentum"),
         Control("lr", "learning rate", (0, 1, 2), 1, readout=lambda i, kw: _g(kw["lr"]))),
        "100 steps of {name} with learning rate {lr:g} on the ill-conditioned bowl, next to "
        "plain SGD at the same learning rate: left, the paths over the contours of the bowl; "
        "right, the distance to the minimum against the step number on a log scale.",
        kwargs=_optimizer_kwargs,
        note="Each optimizer offers a small learning rate, its default and a large one; the "
             "notebook's explorer offers any learning rate and number of steps (100 here)."),
    Explorer(
        "initialization", "09", "init_explorer(", "init_explorer_figure",
        (Control("depth", "depth", (3, 10, 30), 10),
         Control("init", "initialisation", tuple(INITIALIZERS), "xavier"),
         Control("activation", "activation", ("tanh", "ReLU"), "tanh")),
        "A network of {depth} layers of 100 {activation} units initialised with {init}: "
        "histograms of the activations a[ℓ] and of log10 |δ[ℓ]| for each layer ℓ, and the "
        "standard deviation of both against ℓ.",
        kwargs=dict,
        note="With equal widths Glorot's initialisation is Xavier's. The notebook's explorer "
             "also offers the sigmoid and identity activations."),
    Explorer(
        "batchnorm", "10", "bn_explorer(", "bn_explorer_figure",
        (Control("lr", "learning rate", (0.01, 0.1, 1.0, 3.0), 1.0),
         Control("depth", "depth", (2, 10), 10)),
        "Training loss per epoch of a ReLU network with {depth} hidden layers trained by SGD at "
        "learning rate {lr:g}, without and with batch normalisation (log scale; a cross marks a "
        "run that diverged).",
        kwargs=dict),
    Explorer(
        "regularization", "11", "regularization_explorer(", "regularization_explorer_figure",
        (Control("p_keep", "dropout: keep probability",
                 (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0), 1.0),
         Control("lam", "L2 strength λ", (0.0, 0.01), 0.0)),
        "The small network of the chapter trained with keep probability {p_keep:g} (dropout) and "
        "L2 strength λ = {lam:g}, next to the unregularised run: left, training and validation "
        "loss per epoch; right, its decision regions with the training points.",
        kwargs=dict,
        note="The notebook's explorer also offers any λ in [0, 0.03] and data augmentation by "
             "jitter."),
)


# ---- frames -----------------------------------------------------------------------------------


def library_fingerprint(package_dir: Path | None = None) -> str:
    """A hash of the library's source (every ``mlpbook/**/*.py`` outside ``mlpbook/tools``) and
    of matplotlib's version: cached frames are reused only while both are unchanged."""
    import matplotlib

    root = Path(package_dir) if package_dir else Path(__file__).resolve().parents[2]
    h = hashlib.sha256(f"matplotlib {matplotlib.__version__}; {FRAME_DPI} dpi, tight, 256 "
                       "colours".encode())
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("tools/"):
            continue
        h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def frame_key(callback: str, kwargs: dict, fingerprint: str) -> str:
    """The cache key of one frame: the callback, its keyword arguments and the library."""
    text = json.dumps([callback, kwargs, fingerprint], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@dataclass
class Frame:
    key: str
    callback: str
    kwargs: dict


def plan_frames(explorers=EXPLORERS, fingerprint: str = "") -> dict[str, Frame]:
    """The distinct frames that ``explorers`` need, by key (equal kwargs share one frame)."""
    frames = {}
    for ex in explorers:
        for _, _, kwargs in ex.combinations():
            key = frame_key(ex.callback, kwargs, fingerprint)
            frames.setdefault(key, Frame(key, ex.callback, kwargs))
    return frames


def _render(frame: Frame, path: str) -> str:
    """Draw one frame with the Agg backend and save it as PNG (run in a worker process)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image  # a dependency of matplotlib

    from mlpbook import plotting, widgets  # noqa: F401  (plotting sets the house style)

    fig = getattr(widgets, frame.callback)(**frame.kwargs)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FRAME_DPI, bbox_inches="tight")  # as notebooks do
    plt.close(fig)
    tmp = f"{path}.{os.getpid()}.tmp"
    with Image.open(buffer) as image:  # 256 colours: a third of the bytes, same sharpness
        image.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE,
                                      dither=Image.Dither.NONE).save(tmp, format="PNG")
    os.replace(tmp, path)
    return path


def render_frames(frames: dict[str, Frame], cache: Path, jobs: int = 1, log=print) -> int:
    """Render every frame of ``frames`` missing from ``cache`` (``cache/<key>.png``), with
    ``jobs`` worker processes. Returns the number rendered."""
    import concurrent.futures as cf
    import multiprocessing

    cache.mkdir(parents=True, exist_ok=True)
    todo = [f for f in frames.values() if not (cache / f"{f.key}.png").is_file()]
    if not todo:
        return 0
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")  # inherited by the workers: one BLAS thread each
    ctx = multiprocessing.get_context("spawn")  # no fork of a process with BLAS threads
    with cf.ProcessPoolExecutor(max_workers=max(1, min(jobs, len(todo))), mp_context=ctx) as pool:
        futures = {pool.submit(_render, f, str(cache / f"{f.key}.png")): f for f in todo}
        for done, future in enumerate(cf.as_completed(futures), 1):
            f = futures[future]
            try:
                future.result()
            except Exception as exc:
                raise RuntimeError(f"site: drawing the frame {f.callback}(**{f.kwargs}) failed: "
                                   f"{exc!r}") from exc
            if done % 20 == 0 or done == len(todo):
                log(f"  frames: {done}/{len(todo)} drawn")
    return len(todo)


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) in pixels of a PNG file, read from its header."""
    head = Path(path).read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: expected a PNG file")
    return struct.unpack(">II", head[16:24])


# ---- HTML -------------------------------------------------------------------------------------


def explorer_html(ex: Explorer, fingerprint: str, src: Callable[[str], str],
                  size: Callable[[str], tuple[int, int]]) -> str:
    """The explorer's element: a slider per control with its readout, the image of the start
    frame, and (in a JSON script) every frame's image, alt text, readouts and inert sliders
    (those that would not change the frame, shown disabled) by slider positions. ``src(key)``
    is the URL of a frame's image, ``size(key)`` its pixel size."""
    combos = ex.combinations()
    keys = {positions: frame_key(ex.callback, kwargs, fingerprint)
            for positions, _, kwargs in combos}

    def inert(positions, i):  # moving control i alone would not change the frame
        return len({keys[positions[:i] + (j,) + positions[i + 1:]]
                    for j in range(len(ex.controls[i].values))}) == 1

    frames = {}
    for positions, _, kwargs in combos:
        key = keys[positions]
        frames[",".join(map(str, positions))] = {
            "src": src(key),
            "width": round(size(key)[0] * DISPLAY_DPI / FRAME_DPI),
            "alt": ex.alt(kwargs),
            "out": [c.text(c.values[i], kwargs)
                    for c, i in zip(ex.controls, positions, strict=True)],
            "off": [inert(positions, i) for i in range(len(ex.controls))],
        }
    start_key = keys[ex.start()]
    start = ",".join(map(str, ex.start()))
    first = frames[start]
    width, height = (round(n * DISPLAY_DPI / FRAME_DPI) for n in size(start_key))
    rows = []
    for i, (c, pos) in enumerate(zip(ex.controls, ex.start(), strict=True)):
        cid = f"explorer-{ex.name}-{c.name}"
        rows.append(
            f'<div class="mlpbook-explorer-control"><label for="{cid}">{html.escape(c.label)}'
            f'</label><input type="range" id="{cid}" min="0" max="{len(c.values) - 1}" '
            f'step="1" value="{pos}" data-index="{i}"{" disabled" if first["off"][i] else ""} '
            f'aria-valuetext="{html.escape(first["out"][i])}"><output for="{cid}">'
            f'{html.escape(first["out"][i])}</output></div>')
    data = json.dumps({"frames": frames}, ensure_ascii=False).replace("</", "<\\/")
    note = f'<p class="mlpbook-explorer-note">{html.escape(ex.note)}</p>' if ex.note else ""
    return (
        f'<div class="mlpbook-explorer" id="explorer-{ex.name}">'
        f'<div class="mlpbook-explorer-controls">{"".join(rows)}</div>'
        f'<img src="{first["src"]}" alt="{html.escape(first["alt"])}" width="{width}" '
        f'height="{height}">{note}'
        f'<script type="application/json" class="mlpbook-explorer-frames">{data}</script>'
        f'</div>')

