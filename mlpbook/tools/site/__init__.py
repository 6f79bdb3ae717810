"""``mlpbook site build``: the book as an offline static website.

The site is built from the committed notebooks without executing them (Sphinx, myst-nb with
``nb_execution_mode = "off"``, sphinx-book-theme), in four steps:

1. **Frames** (``explorers.py``): the figure of every slider combination of each explorer, drawn
   by the callbacks of ``mlpbook.widgets`` in worker processes and cached in
   ``CACHE/frames/<key>.png``; a key covers the callback, its arguments and the library's source,
   so a frame is drawn again only when something it depends on changed. ``CACHE`` defaults to
   ``~/.cache/mlpbook/site`` (``$XDG_CACHE_HOME`` is honoured), shared by every copy of the
   repository on the machine; frames no build has used for 30 days are deleted.
2. **Sources** (``pages.py``): copies of the chapter and exercise notebooks prepared for the site
   (explorers in place of widget outputs, alt texts, no test markers), a landing page, an
   exercises page and a Sources page, written with ``conf.py`` to a temporary folder.
3. **Assets** (``assets.py``): MathJax 3 (from the npm registry, cached), the explorers' script
   and the stylesheet, under ``_static``: a page loads nothing from outside the site.
4. **Sphinx** into ``OUT`` (default ``_site/``), with ``xref.py`` linking equation numbers,
   figures and chapters. ``OUT`` is replaced only if it is empty or a site built here before.
5. With ``--pdf``, **the PDF** (``pdf.py``): the chapters and the appendix as one HTML page,
   printed by headless Chromium to ``OUT/mlpbook.pdf``.

The guides (``docs/*.md`` and ``benchmarks/README.md`` beside ``book/``) become pages of the
site as they are, one source each; every chapter page links its committed notebook for
download (``_notebooks/``, served from the site).
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import assets, explorers, pages

MARKER = ".mlpbook-site"  # marks a folder written by this build, which it may replace
UNUSED_FRAME_DAYS = 30


def default_cache() -> Path:
    """``$XDG_CACHE_HOME/mlpbook/site``, by default ``~/.cache/mlpbook/site``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mlpbook" / "site"


@dataclass
class BuildReport:
    out: Path
    seconds: dict = field(default_factory=dict)
    frames_drawn: int = 0
    frames_total: int = 0
    pages: int = 0
    explorers: list = field(default_factory=list)
    missing_explorers: list = field(default_factory=list)
    warnings: int = 0
    pdf: Path | None = None

    def summary(self) -> str:
        times = ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items())
        lines = [f"site: {self.pages} pages in {self.out} ({times})",
                 f"site: {len(self.explorers)} explorers, {self.frames_total} frames "
                 f"({self.frames_drawn} drawn, {self.frames_total - self.frames_drawn} cached)"]
        for name, chapter, call in self.missing_explorers:
            lines.append(f"site: warning: no cell of chapter {chapter} calls {call}...); "
                         f"explorer {name!r} left out")
        if self.pdf:
            lines.append(f"site: the book as one PDF: {self.pdf}")
        if self.warnings:
            lines.append(f"site: Sphinx reported {self.warnings} warning(s) (above)")
        return "\n".join(lines)


def _numbered(folder: Path) -> list[Path]:
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def _check_out(out: Path) -> None:
    """Refuse to replace a folder that this build did not write."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and
                                              not (out / MARKER).is_file())):
        raise RuntimeError(f"site: {out} exists and was not written by `mlpbook site build` "
                           f"(no {MARKER} file); choose an empty or new folder for --out")


CONF = '''# Written by `mlpbook site build`; edit mlpbook/tools/site/__init__.py instead.
project = "mlpbook"
author = "the mlpbook authors"
language = "en"
version = release = {version!r}
extensions = ["myst_nb", "sphinx_togglebutton", "mlpbook.tools.site.xref"]
nb_execution_mode = "off"  # the committed outputs are the pages' outputs
nb_ipywidgets_js = {{}}  # no widget manager from a CDN: explorers replace widget outputs
myst_enable_extensions = ["dollarmath", "amsmath"]
html_theme = "sphinx_book_theme"
html_title = "mlpbook " + version
html_static_path = ["_static"]
html_css_files = ["mlpbook.css"]
html_js_files = ["mlpbook-explorer.js"]
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {{"use_download_button": False, "home_page_in_toc": True,
                      "show_toc_level": 2}}
html_context = {{"default_mode": "auto"}}  # light or dark as the reader's system says
mathjax_path = "mathjax/tex-chtml.js"  # MathJax 3, served from _static
mathjax3_config = {{"options": {{"enableMenu": True}}}}
mlpbook_chapters = {chapters!r}
exclude_patterns = ["**/.ipynb_checkpoints", "_notebooks"]  # notebooks to download, not pages
'''


def build(out="_site", book="book", exercises="exercises", cache=None, jobs=None,
          mathjax=None, log=print, pdf=False) -> BuildReport:
    """Build the website into ``out``; see the module docstring. With ``pdf``, also print the
    book to ``out/mlpbook.pdf`` (``pdf.py``). Returns a BuildReport."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="mlpbook-site-") as work:
        return _build(Path(out).resolve(), Path(book).resolve(), Path(exercises).resolve(),
                      Path(cache or default_cache()).resolve(), Path(work), jobs, mathjax, log,
                      pdf)


def _build(out, book, exercises, cache, work, jobs, mathjax, log, pdf=False) -> BuildReport:
    import nbformat

    repo = book.parent  # the guides: docs/ and benchmarks/README.md beside book/

    chapter_files = _numbered(book)
    if not chapter_files:
        raise RuntimeError(f"site: expected chapter notebooks NN_topic.ipynb in {book}; "
                           "found none")
    exercise_files = _numbered(exercises) if exercises.is_dir() else []
    _check_out(out)
    report = BuildReport(out)
    clock = time.perf_counter()

    def lap(name):
        nonlocal clock
        now = time.perf_counter()
        report.seconds[name] = now - clock
        clock = now

    # 1. frames of the explorers whose widget cell exists
    chapters = {p.name[:2]: nbformat.read(p, as_version=4) for p in chapter_files}
    active = []
    for ex in explorers.EXPLORERS:
        nb = chapters.get(ex.chapter)
        if nb is not None and any(c.cell_type == "code" and ex.call in c.source
                                  for c in nb.cells):
            active.append(ex)
        else:
            report.missing_explorers.append((ex.name, ex.chapter, ex.call.rstrip("(")))
    fingerprint = explorers.library_fingerprint()
    frames = explorers.plan_frames(active, fingerprint)
    frame_cache = cache / "frames"
    report.frames_total = len(frames)
    report.frames_drawn = explorers.render_frames(frames, frame_cache,
                                                  jobs=jobs or os.cpu_count() or 1, log=log)
    report.explorers = [ex.name for ex in active]
    lap("frames")

    _prune(frame_cache, keep=frames)

    # 2. sources
    src = work / "src"
    static = src / "_static"
    (static / "explorers").mkdir(parents=True)
    for key in frames:
        shutil.copy2(frame_cache / f"{key}.png", static / "explorers" / f"{key}.png")
    html_of = {}
    for ex in active:
        html_of[ex.name] = explorers.explorer_html(
            ex, fingerprint, src=lambda key: f"_static/explorers/{key}.png",
            size=lambda key: explorers.png_size(frame_cache / f"{key}.png"))
    titles = []
    for path in chapter_files:
        nb = chapters[path.name[:2]]
        calls = {ex.call: html_of[ex.name] for ex in active if ex.chapter == path.name[:2]}
        staged, _ = pages.prepare_chapter(nb, calls)
        (src / "_notebooks").mkdir(exist_ok=True)
        shutil.copyfile(path, src / "_notebooks" / path.name)  # the committed notebook as is
        pages.add_download_link(staged, f"_notebooks/{path.name}")
        nbformat.write(staged, src / path.name)
        titles.append((path.stem, pages.notebook_title(nb)))
    sets = []
    if exercise_files:
        (src / "exercises").mkdir()
    for path in exercise_files:
        nb = pages.prepare_exercises(nbformat.read(path, as_version=4), str(path))
        nbformat.write(nb, src / "exercises" / path.name)
        sets.append((path.stem, pages.notebook_title(nb)))
    if sets:
        pages.write_if_changed(src / "exercises" / "index.md", pages.exercises_index(sets))
    guides = {}
    for doc, source, what in (*pages.GUIDES, pages.APPENDIX):
        if not (repo / source).is_file():  # a book folder outside a checkout has no guides
            continue
        text = (repo / source).read_text(encoding="utf-8")
        pages.write_if_changed(src / f"{doc}.md", text)
        guides[doc] = (doc, pages.guide_title(text), what)
    appendix = guides.pop(pages.APPENDIX[0], None)
    pages.write_if_changed(src / "index.md", pages.landing_page(
        titles, bool(sets), list(guides.values()), appendix))
    pages.write_if_changed(src / "sources.md", pages.sources_page())
    from mlpbook import __version__

    pages.write_if_changed(src / "conf.py", CONF.format(
        chapters={p.name[:2]: p.stem for p in chapter_files}, version=__version__))
    lap("sources")

    # 3. assets
    es5 = assets.ensure_mathjax(cache / "npm", mathjax or os.environ.get("MLPBOOK_MATHJAX"),
                                log=log)
    assets.copy_mathjax(es5, static / "mathjax")
    assets.copy_static(static)
    lap("assets")

    # 4. Sphinx
    report.warnings = _sphinx(src, out, work / "doctrees", log)
    (out / MARKER).write_text("written by `mlpbook site build`; the next build replaces this "
                              "folder\n", encoding="utf-8")
    report.pages = sum(1 for p in out.rglob("*.html") if "_static" not in p.parts
                       and p.name not in ("genindex.html", "search.html"))
    lap("sphinx")
    if pdf:
        from .pdf import build_pdf

        report.pdf = build_pdf(src, work, out, [p.stem for p in chapter_files],
                               [appendix[0]] if appendix else [], log=log)
        lap("pdf")
    return report


def _prune(frame_cache: Path, keep) -> None:
    """Mark the frames of this build as used and delete those unused for UNUSED_FRAME_DAYS."""
    now = time.time()
    for key in keep:
        os.utime(frame_cache / f"{key}.png", (now, now))
    for path in frame_cache.glob("*.png"):
        if path.stem not in keep and now - path.stat().st_mtime > UNUSED_FRAME_DAYS * 86400:
            path.unlink(missing_ok=True)


def _sphinx(src: Path, out: Path, doctrees: Path, log) -> int:
    """Run a fresh Sphinx HTML build of ``src`` into ``out``; returns the number of warnings."""
    import io

    from sphinx.application import Sphinx

    if out.exists():
        shutil.rmtree(out)
    warnings = io.StringIO()
    app = Sphinx(str(src), str(src), str(out), str(doctrees), "html", status=None,
                 warning=warnings, freshenv=True, verbosity=0)
    app.build(force_all=True)
    text = warnings.getvalue().strip()
    if text:
        log(text)
    if app.statuscode:
        raise RuntimeError(f"site: Sphinx failed (status {app.statuscode})")
    return len([line for line in text.splitlines() if "WARNING" in line or "ERROR" in line])
