"""Every explorer offers every entry of the registry it draws from: the activations of
``mb.activations.ACTIVATIONS``, the optimizers of ``mb.optim.OPTIMIZERS``, the initialisers of
``mb.init.VARIANCES``, in the notebooks' widgets and on the website's precomputed pages, so that
an entry added to a registry reaches every explorer without another list to edit."""

import pytest

import mlpbook as mb

pytest.importorskip("ipywidgets", reason="the explorers need the book extras")
widgets = pytest.importorskip("mlpbook.widgets")
from mlpbook.tools.site.explorers import EXPLORERS  # noqa: E402


def options(explorer, label):
    """The options of the control labelled ``label`` of a notebook explorer."""
    box = explorer()
    box = getattr(box, "widget", box)  # an interact() call returns its function
    return [c for c in box.children if getattr(c, "description", None) == label][0].options


def site_values(name, control):
    explorer = next(e for e in EXPLORERS if e.name == name)
    return next(c for c in explorer.controls if c.name == control).values


SCALAR = [name for name, spec in mb.activations.ACTIVATIONS.items() if spec.scalar]
GATE = list(mb.constructions.GATE_SHIFTS)


def test_the_activation_explorers_offer_every_scalar_activation():
    assert list(options(widgets.activation_explorer, "activation")) == SCALAR
    assert list(site_values("activation", "name")) == SCALAR
    for name in SCALAR:  # a page offers three values of each parameter, inside the slider's range
        spec = mb.activations.ACTIVATIONS[name]
        if spec.param is None:
            assert spec.examples is None, name
        else:
            assert len(spec.examples) == 3 and spec.default in spec.examples, name
            assert all(spec.low <= v <= spec.high for v in spec.examples), name


def test_the_gate_explorers_offer_every_activation_that_makes_a_gate():
    registry = mb.activations.ACTIVATIONS
    assert sorted(GATE) == sorted(n for n, s in registry.items() if s.gate_shift is not None)
    assert GATE[0] == "softplus"  # the gate of Figure 5.4 first
    assert list(options(widgets.gate_explorer, "activation")) == GATE
    assert list(site_values("multiplication-gate", "activation")) == GATE


def test_the_optimizer_explorers_offer_every_optimizer_but_those_left_out_with_a_reason():
    on_bowl, left_out = mb.surfaces.BOWL_SETTINGS, mb.surfaces.NOT_ON_THE_BOWL
    assert sorted([*on_bowl, *left_out]) == sorted(mb.optim.OPTIMIZERS)
    assert not set(on_bowl) & set(left_out)
    assert list(options(widgets.optimizer_explorer, "optimizer")) == list(on_bowl)
    assert list(site_values("optimizer", "name")) == list(on_bowl)
    for name, setting in on_bowl.items():
        assert setting.low <= min(setting.examples) and max(setting.examples) <= setting.high
        assert setting.examples[1] == setting.lr, name


def test_the_initialisation_explorers_offer_every_initialiser_scaled_by_the_fans():
    offered = list(options(widgets.init_explorer, "initialiser"))
    assert set(mb.init.VARIANCES) <= set(offered)
    assert list(site_values("initialization", "init")) == offered == list(
        mb.diagnostics.INITIALIZERS)
