"""A pytest plugin (loaded by ``-p xdist_optional`` in pyproject's addopts) that lets the default
``-n auto --dist loadscope`` of addopts coexist with ``-p no:xdist``: when pytest-xdist is
disabled or not installed, those options are dropped instead of failing as unknown arguments."""

from __future__ import annotations

import pytest

XDIST_OPTIONS = {"-n": 1, "--numprocesses": 1, "--dist": 1, "--maxprocesses": 1}


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    if early_config.pluginmanager.has_plugin("xdist"):
        return
    kept, skip = [], 0
    for arg in args:
        if skip:
            skip -= 1
            continue
        name = arg.split("=", 1)[0]
        if name in XDIST_OPTIONS:
            skip = 0 if "=" in arg else XDIST_OPTIONS[name]
            continue
        kept.append(arg)
    args[:] = kept
