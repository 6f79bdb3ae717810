"""The reader's path (DESIGN §4): every chapter has one shape, keeps its notes on the sources in
collapsed boxes of one kind, stays within its word budget, shows no test machinery, and has code
a reader can read on the website's column."""

import json
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))

#: prose outside the notes on the sources, per chapter (math and code not counted)
MAIN_PATH_WORDS = 2500
MAX_CELL_LINES, MAX_LINE = 25, 88
TITLE = re.compile(r"^# (\d\d) [A-Z][^·]*$")
#: what a reader must never meet (the appendix page "How this book is checked" says it once)
MACHINERY = re.compile(r"\b(nbval|OpenBLAS|BLAS|ulps?|nudg\w*|threadpool\w*|pytest|CI|"
                       r"test (machine|suite|files?)|our (busy )?(\w+-core )?machine)\b|tests/")
NOTE = re.compile(r"^(`{3,}|:{3,})\{admonition\}[ \t]*([^\n]*)\n((?::[^\n]*\n)*)(.*?)^\1[ \t]*$",
                  re.M | re.S)


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell) -> str:
    return "".join(cell["source"])


def _main_path(markdown: str) -> str:
    """The prose of a markdown cell outside the notes, without math, code and markup."""
    text = NOTE.sub("", markdown)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"\$[^$\n]+\$", " ", text)
    text = re.sub(r"`{3,}.*?`{3,}", " ", text, flags=re.S)
    text = re.sub(r"`[^`\n]+`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
    return text


def words(path) -> int:
    return sum(len(re.findall(r"[A-Za-z][A-Za-z'’-]*", _main_path(_source(c))))
               for c in _cells(path) if c["cell_type"] == "markdown")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_one_shape_for_every_chapter(path):
    cells = _cells(path)
    markdown = [_source(c) for c in cells if c["cell_type"] == "markdown"]
    title = markdown[0].splitlines()[0]
    assert TITLE.match(title) and title[2:4] == path.stem[:2], title
    opening = "\n".join(markdown[:3])
    assert re.search(r"^#+ What you will learn", opening, re.M), "no 'What you will learn'"
    assert re.search(r"prerequisite", opening, re.I), "no prerequisites at the top"
    assert re.search(r"^#+ Key ideas", markdown[-1], re.M) or \
        re.search(r"^#+ Key ideas", markdown[-2], re.M), "no closing 'Key ideas'"
    headings = [line for m in markdown for line in m.splitlines() if line.startswith("## ")]
    assert not [h for h in headings if re.match(r"## (\d+[.·]|\d\d ·)", h)], headings


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_notes_on_the_sources_are_collapsed_boxes_of_one_kind(path):
    notes = [m for c in _cells(path) if c["cell_type"] == "markdown"
             for m in NOTE.finditer(_source(c))]
    assert notes, "a chapter compares with its sources in notes"
    for m in notes:
        title, options = m.group(2), m.group(3)
        assert re.match(r"Note on \[(MEDL|FCNN web|DNN slides|Bunescu|Peeters)\]", title), title
        assert re.search(r"^:class: dropdown\s*$", options, re.M), title


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_the_main_path_stays_within_its_budget(path):
    assert words(path) <= MAIN_PATH_WORDS


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_test_machinery_reaches_the_reader(path):
    found = []
    for i, c in enumerate(_cells(path)):
        texts = [_source(c)] + ["".join(o.get("text", "")) for o in c.get("outputs", [])]
        found += [(i, m.group(0)) for t in texts for m in MACHINERY.finditer(t)]
    assert not found


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_code_fits_the_column(path):
    code = [_source(c) for c in _cells(path) if c["cell_type"] == "code"]
    assert not [c.splitlines()[0] for c in code if len(c.splitlines()) > MAX_CELL_LINES]
    assert not [line for c in code for line in c.splitlines() if len(line) > MAX_LINE]


def test_the_checks_can_fail(tmp_path):
    """Each check above fails on a chapter that breaks it."""
    def chapter(*sources):
        nb = {"cells": [{"cell_type": "markdown" if not s.startswith("print") else "code",
                         "source": s, "metadata": {}, "outputs": []} for s in sources],
              "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        p = tmp_path / str(len(list(tmp_path.iterdir()))) / "01_x.ipynb"
        p.parent.mkdir()
        p.write_text(json.dumps(nb))
        return p

    checks = (test_one_shape_for_every_chapter,
              test_notes_on_the_sources_are_collapsed_boxes_of_one_kind,
              test_the_main_path_stays_within_its_budget,
              test_no_test_machinery_reaches_the_reader, test_code_fits_the_column)
    good = chapter("# 01 Title\n\n## What you will learn\n\nPrerequisites: none.",
                   "Words.\n\n```{admonition} Note on [MEDL]\n:class: dropdown\nbox\n```",
                   "print(1)", "## Key ideas\n\n- one")
    for test in checks:
        test(good)
    note = "```{admonition} Note on [MEDL]\n:class: dropdown\nbox\n```"
    bad = [chapter("# 01 · Title", note, "print(1)", "## Key ideas"),
           chapter("# 01 Title", "```{admonition} Note on [MEDL]\nno class\n```"),
           chapter("# 01 Title", " ".join(["word"] * (MAIN_PATH_WORDS + 1))),
           chapter("# 01 Title", "so that nbval does not compare this"),
           chapter("# 01 Title", "print(1)\n" * 26)]
    for test, path in zip(checks, bad, strict=True):
        with pytest.raises(AssertionError):
            test(path)
