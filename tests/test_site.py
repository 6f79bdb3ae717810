"""The website's pure parts: finding cross-references, choosing their homes, preparing notebooks
for the pages, the explorers' frame tables and HTML. (The build itself and the browser test are
in test_site_browser.py, marked ``browser``.)"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import nbformat
import pytest

from mlpbook.cli import build_parser
from mlpbook.tools.site import MARKER, _check_out, explorers, pages
from mlpbook.tools.site.explorers import EXPLORERS, Control, Explorer, explorer_html, plan_frames
from mlpbook.tools.site.xref import (
    Record,
    anchor,
    choose_homes,
    expand_range,
    find_mentions,
    tag_keys,
    title_keys,
)


def spans(text):
    return [(text[m.start:m.end], m.key) for m in find_mentions(text)]


# ---- mentions ---------------------------------------------------------------------------------

def test_find_mentions_of_equations_figures_and_chapters():
    text = ("By (5.32) and (5.12)–(5.15), see Figure 5.2 and Figures 4.1–4.4; chapters 08 and "
            "09 follow chapter 06.")
    assert spans(text) == [
        ("(5.32)", ("eq", "5.32")), ("(5.12)", ("eq", "5.12")), ("(5.15)", ("eq", "5.15")),
        ("Figure 5.2", ("fig", "5.2")), ("Figures 4.1", ("fig", "4.1")), ("4.4", ("fig", "4.4")),
        ("chapters 08", ("ch", "08")), ("09", ("ch", "09")), ("chapter 06", ("ch", "06"))]


def test_find_mentions_leaves_other_numbers_alone():
    # a source's own chapter title, a single-digit chapter, values in parentheses, a bare number
    text = ("the slides 'Chapter 4: Deep neural networks', its Chapter 3, f(0.5) = 2, w = (1.5),"
            " (12), 5.3, (5.3.1)")
    assert spans(text) == []


def test_expand_range_and_tags():
    assert expand_range("5.38") == ["5.38"]
    assert expand_range("5.47–5.48") == ["5.47", "5.48"]
    assert expand_range("4.1-4") == ["4.1", "4.2", "4.3", "4.4"]
    assert expand_range("5.9–4.2") == [] and expand_range("x") == []
    assert tag_keys(r"a = b \tag{5.38} \\ c \tag*{5.47–5.48}") == ["5.38", "5.47", "5.48"]
    assert tag_keys(r"\tag{1}") == []


def test_title_keys_expand_figure_ranges():
    assert title_keys("Figures 4.1–4.4: activations") == [("fig", f"4.{i}") for i in (1, 2, 3, 4)]
    assert title_keys("The multiplication gate (5.12)–(5.15), Figure 5.4") == [
        ("fig", "5.4"), ("eq", "5.12"), ("eq", "5.13"), ("eq", "5.14"), ("eq", "5.15")]


# ---- homes ------------------------------------------------------------------------------------

def test_homes_prefer_tag_then_title_then_the_page_that_mentions_most():
    order = ["01", "02", "03"]
    records = {
        "01": [Record("text", ("eq", "5.1")), Record("text", ("eq", "5.2")),
               Record("code", ("fig", "5.3")), Record("text", ("eq", "5.9"))],
        "02": [Record("text", ("eq", "5.2")), Record("text", ("eq", "5.2")),
               Record("title", ("fig", "5.3")), Record("text", ("eq", "5.9"))],
        "03": [Record("tag", ("eq", "5.1")), Record("code", ("fig", "5.4"))],
    }
    homes = choose_homes(records, order)
    assert homes[("eq", "5.1")] == ("03", "tag")      # a tag beats an earlier mention
    assert homes[("eq", "5.2")] == ("02", "text")     # mentioned most on page 02
    assert homes[("eq", "5.9")] == ("01", "text")     # a tie goes to the earlier page
    assert homes[("fig", "5.3")] == ("02", "title")   # a heading beats a drawing cell
    assert homes[("fig", "5.4")] == ("03", "code")
    assert ("fig", "9.9") not in homes
    assert anchor(("eq", "5.32")) == "eq-5-32"


def test_a_figure_only_mentioned_in_prose_has_no_home():
    assert choose_homes({"01": [Record("text", ("fig", "3.11"))]}, ["01"]) == {}


# ---- notebooks for the pages ------------------------------------------------------------------

def _widget_output():
    return nbformat.v4.new_output("display_data", data={
        pages.WIDGET_MIME: {"model_id": "abc", "version_major": 2, "version_minor": 0},
        "text/plain": "interactive(...)"})


def _image_output():
    return nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=",
                                                        "text/plain": "<Figure>"})


def _chapter():
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 3. Expressive power\n\nIntro."),
        nbformat.v4.new_markdown_cell("## 1. Figure 5.2: a ReLU network\n\nThe network of "
                                      "Figure 5.2 has $r-1$ units. More text."),
        nbformat.v4.new_code_cell('ax.set_title("Figure 5.2 (b): r = 10")\nplt.show()',
                                  outputs=[_image_output()]),
        nbformat.v4.new_code_cell("# NBVAL_IGNORE_OUTPUT\nexplorer = "
                                  "widgets.interpolation_explorer()", outputs=[_widget_output()]),
        nbformat.v4.new_code_cell("# NBVAL_IGNORE_OUTPUT\nmb.widgets.sweep_explorer(sweeps)",
                                  outputs=[_widget_output()]),
    ]
    return nb


def test_prepare_chapter_places_explorers_by_their_call_and_notes_other_widgets():
    nb = _chapter()
    before = json.dumps(nb, sort_keys=True)
    staged, placed = pages.prepare_chapter(nb, {"interpolation_explorer(": "<div>EX</div>"})
    assert json.dumps(nb, sort_keys=True) == before          # the committed notebook untouched
    assert placed == {"interpolation_explorer("}
    assert "widgets" not in staged.metadata
    explorer_cell, other = staged.cells[3], staged.cells[4]
    assert explorer_cell.source == "explorer = widgets.interpolation_explorer()"  # no marker
    assert [o.data for o in explorer_cell.outputs] == [{"text/html": "<div>EX</div>"}]
    assert other.source == "mb.widgets.sweep_explorer(sweeps)"
    assert [o.data for o in other.outputs] == [{"text/html": pages.WIDGET_NOTE}]
    assert not any(pages.WIDGET_MIME in o.get("data", {}) for c in staged.cells
                   if c.cell_type == "code" for o in c.outputs)


def test_each_explorer_is_placed_once_in_the_cell_that_shows_the_widget():
    nb = _chapter()
    check = nbformat.v4.new_code_cell("assert widgets.interpolation_explorer().children")
    nb.cells.insert(3, check)  # an asserting cell before the widget cell: no output
    staged, placed = pages.prepare_chapter(nb, {"interpolation_explorer(": "<div>EX</div>",
                                                "missing_explorer(": "<div>NO</div>"})
    assert placed == {"interpolation_explorer("}
    shown = [i for i, c in enumerate(staged.cells) if c.cell_type == "code"
             and any("text/html" in o.get("data", {}) and "EX" in o.data["text/html"]
                     for o in c.outputs)]
    assert shown == [4]


def test_figures_get_alt_text_from_heading_title_and_prose():
    staged, _ = pages.prepare_chapter(_chapter(), {})
    alt = staged.cells[2].metadata["mystnb"]["image"]["alt"]
    assert alt == ("1. Figure 5.2: a ReLU network. Figure 5.2 (b): r = 10. The network of "
                   "Figure 5.2 has r-1 units.")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("plt.plot(x)", outputs=[_image_output()])]
    assert pages.prepare_chapter(nb, {})[0].cells[0].metadata["mystnb"]["image"]["alt"]


def test_plain_text_and_markers():
    assert pages.plain_text("**Bold** `code` $x^2$ and [a link](u.html)\n  more") == \
        "Bold code x^2 and a link more"
    assert pages.strip_test_markers("# NBVAL_IGNORE_OUTPUT\nx = 1\n  # NBVAL_SKIP\ny") == \
        "x = 1\ny"
    assert pages.strip_test_markers("# keep NBVAL_ in a sentence\n") == \
        "# keep NBVAL_ in a sentence\n"


def test_prepare_exercises_refuses_solutions_and_outputs():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Exercises 01"),
                nbformat.v4.new_code_cell("def f(x):\n    raise NotImplementedError")]
    assert pages.prepare_exercises(nb).cells[1].source.endswith("NotImplementedError")
    leaked = nbformat.v4.new_notebook()
    leaked.cells = [nbformat.v4.new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return x\n"
                                              "    ### END SOLUTION")]
    with pytest.raises(ValueError, match="BEGIN SOLUTION"):
        pages.prepare_exercises(leaked, "exercises/01.ipynb")
    ran = nbformat.v4.new_notebook()
    ran.cells = [nbformat.v4.new_code_cell("1", outputs=[_image_output()])]
    with pytest.raises(ValueError, match="no outputs"):
        pages.prepare_exercises(ran)


def test_generated_pages():
    landing = pages.landing_page([("01_a", "01 · A"), ("02_b", "02 · B")], True)
    assert "[01 · A](01_a.ipynb)" in landing and 'pip install -e ".[book]"' in landing
    assert "exercises/index" in landing and "sources" in landing
    sources = pages.sources_page()
    for key in ("[MEDL]", "[FCNN web]", "[DNN slides]", "[Bunescu]", "[Peeters]"):
        assert key in sources
    assert "Liquet, S. Moka, Y. Nazarathy" in sources and "seed" not in sources.lower()
    assert pages.notebook_title(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("intro\n# 05 · Losses\n")])) == "05 · Losses"
    with pytest.raises(ValueError, match="level-1"):
        pages.notebook_title(nbformat.v4.new_notebook())


# ---- explorers --------------------------------------------------------------------------------

def test_every_explorer_calls_a_widgets_callback_with_its_own_arguments():
    from mlpbook import widgets

    assert len({ex.name for ex in EXPLORERS}) == len(EXPLORERS)
    for ex in EXPLORERS:
        callback = getattr(widgets, ex.callback)
        for _, _, kwargs in ex.combinations():
            inspect.signature(callback).bind(**kwargs)  # raises on an unknown argument
            assert ex.alt(kwargs).strip() and "{" not in ex.alt(kwargs)
        assert ex.start() in [p for p, _, _ in ex.combinations()]


def test_frames_are_shared_by_equal_arguments():
    ex = Explorer("t", "03", "t_explorer(", "interpolation_figure",
                  (Control("r", "r", (2, 3), 2), Control("unused", "u", (0, 1, 2), 0)),
                  "r = {r}", kwargs=lambda knobs: {"r": knobs["r"]})
    assert len(ex.combinations()) == 6
    frames = plan_frames([ex], "fp")
    assert len(frames) == 2 and {f.kwargs["r"] for f in frames.values()} == {2, 3}
    assert plan_frames([ex], "other") .keys().isdisjoint(frames)  # a new library: new frames


def test_explorer_html_follows_the_contract():
    ex = Explorer("demo", "03", "demo_explorer(", "interpolation_figure",
                  (Control("r", "knots r", (2, 5, 10), 5),
                   Control("k", "k", (1.0, 2.0), 1.0, readout=lambda v, kw: f"×{v:g}")),
                  "r = {r}, k = {k:g} </script>")
    markup = explorer_html(ex, "fp", src=lambda key: f"_static/explorers/{key}.png",
                           size=lambda key: (1600, 800))
    assert markup.startswith('<div class="mlpbook-explorer" id="explorer-demo">')
    assert len(re.findall(r'<input type="range"', markup)) == 2
    assert len(re.findall(r"<img ", markup)) == 1
    assert 'value="1"' in markup and 'width="800" height="400"' in markup
    table = re.search(r'<script type="application/json" class="mlpbook-explorer-frames">(.*?)'
                      r"</script>", markup, re.DOTALL).group(1)
    frames = json.loads(table)["frames"]
    assert sorted(frames) == ["0,0", "0,1", "1,0", "1,1", "2,0", "2,1"]
    assert frames["2,1"]["out"] == ["10", "×2"] and frames["2,1"]["alt"].startswith("r = 10")
    assert frames["2,1"]["off"] == [False, False] and " disabled" not in markup
    assert len({f["src"] for f in frames.values()}) == 6
    start = re.search(r'<img src="([^"]+)"', markup).group(1)
    assert start == frames["1,0"]["src"]


def test_sliders_that_change_nothing_are_marked_inert():
    ex = Explorer("a", "04", "a_explorer(", "activation_explorer_figure",
                  (Control("name", "activation", ("tanh", "ELU"), "tanh"),
                   Control("param", "parameter", (0, 1), 0)), "{name}",
                  kwargs=lambda k: {"name": k["name"],
                                    "param": None if k["name"] == "tanh" else k["param"]})
    markup = explorer_html(ex, "fp", src=str, size=lambda key: (10, 10))
    frames = json.loads(re.search(r"frames\">(.*?)</script>", markup).group(1))["frames"]
    assert frames["0,0"]["off"] == [False, True] and frames["1,0"]["off"] == [False, False]
    assert markup.count(" disabled") == 1  # the start frame is tanh: its parameter is inert


def test_control_rejects_bad_tables():
    with pytest.raises(ValueError, match="at least one value"):
        Control("r", "r", (), 1)
    with pytest.raises(ValueError, match="start 7"):
        Control("r", "r", (1, 2), 7)


def test_png_size_reads_the_header(tmp_path):
    path = tmp_path / "a.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + (640).to_bytes(4, "big")
                     + (480).to_bytes(4, "big"))
    assert explorers.png_size(path) == (640, 480)
    (tmp_path / "b.png").write_bytes(b"GIF89a" + bytes(30))
    with pytest.raises(ValueError, match="PNG"):
        explorers.png_size(tmp_path / "b.png")


# ---- the command ------------------------------------------------------------------------------

def test_build_never_replaces_a_folder_it_did_not_write(tmp_path):
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "thesis.md").write_text("mine")
    with pytest.raises(RuntimeError, match="not written by"):
        _check_out(mine)
    assert (mine / "thesis.md").read_text() == "mine"
    (tmp_path / "file").write_text("x")
    with pytest.raises(RuntimeError):
        _check_out(tmp_path / "file")
    built = tmp_path / "_site"
    built.mkdir()
    (built / MARKER).write_text("")
    _check_out(built)            # a site built before may be replaced
    _check_out(tmp_path / "new")  # and so may a folder that does not exist


def test_cli_has_site_build():
    args = build_parser().parse_args(["site", "build", "--out", "x", "--jobs", "2"])
    assert (args.action, args.out, args.jobs, args.cache) == ("build", "x", 2, None)


def test_landing_page_links_the_guides_and_the_appendix_comes_after_the_chapters():
    landing = pages.landing_page([("01_a", "01 A")], True,
                                 [("guides/student-guide", "Student guide", "for students")],
                                 ("appendix/how-this-book-is-checked", "How this book is checked",
                                  "the checks"))
    assert "[Student guide](guides/student-guide.md)" in landing
    assert "[How this book is checked](appendix/how-this-book-is-checked.md)" in landing
    order = [landing.index(f":caption: {c}") for c in ("Chapters", "Appendix", "Guides")]
    assert order == sorted(order)


def test_every_guide_source_exists_and_has_a_title():
    root = Path(__file__).resolve().parents[1]
    for _, source, _ in (*pages.GUIDES, pages.APPENDIX):
        assert pages.guide_title((root / source).read_text(encoding="utf-8"))
    with pytest.raises(ValueError, match="level-1"):
        pages.guide_title("no title here")


def test_chapters_get_a_download_link_under_their_title():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 01 A\n\ntext"),
                                         nbformat.v4.new_code_cell("1")])
    pages.add_download_link(nb, "_notebooks/01_a.ipynb")
    assert nb.cells[0].source.startswith("# 01 A")
    assert "{download}`Download this chapter as a notebook <_notebooks/01_a.ipynb>`" \
        in nb.cells[1].source
    assert nb.cells[2].cell_type == "code"


def test_the_site_uses_the_package_version_and_collapses_notes():
    from mlpbook.tools import site

    conf = site.CONF.format(chapters={}, version="9.9.9")
    assert "version = release = '9.9.9'" in conf and '"sphinx_togglebutton"' in conf
    assert '"_notebooks"' in conf
