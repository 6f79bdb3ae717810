"""Authoring and publishing tools, reached from the command line and not from ``mb.*``:
``mlpbook refresh`` (:mod:`mlpbook.tools.notebooks`, re-executing a chapter and its MyST twin)
and ``mlpbook site build`` (:mod:`mlpbook.tools.site`, the static website). They use the library;
the library never imports them (``tests/test_layering.py``).
"""
