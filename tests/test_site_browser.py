"""The website in a real browser, offline: every page of a built site opened in headless
Chromium with every request that leaves the local server blocked.

Slow (a site build, then every page loaded with MathJax), so marked ``browser`` and left out of
the default run. CI runs it after building the site:

    mlpbook site build --out _site
    MLPBOOK_SITE_DIR=_site python -m pytest tests/test_site_browser.py -m browser -n 0

Without ``MLPBOOK_SITE_DIR`` the site (and its PDF) is built into a temporary folder first.
Chromium is Debian's (``/usr/bin/chromium``, or ``MLPBOOK_CHROMIUM``), driven by playwright; the
PDF is read with poppler's ``pdftotext``, ``pdfinfo`` and ``pdfimages``.
"""

from __future__ import annotations

import functools
import html
import http.server
import os
import re
import shutil
import subprocess
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from mlpbook.tools.site import pages

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("MLPBOOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
CHAPTERS = sorted(p.stem for p in (REPO / "book").glob("[0-9][0-9]_*.ipynb"))
EXERCISES = sorted(p.stem for p in (REPO / "exercises").glob("[0-9][0-9]_*.ipynb"))
# The explorers the site must have, and the chapter page of each.
GUIDES = {"guides/student-guide": "docs/student-guide.md",
          "guides/instructor-guide": "docs/instructor-guide.md",
          "guides/library": "docs/library.md", "guides/performance": "benchmarks/README.md",
          "appendix/how-this-book-is-checked": "docs/how-this-book-is-checked.md"}
REQUIRED_EXPLORERS = {"interpolation": "03", "multiplication-gate": "03", "initialization": "09",
                      "optimizer": "08", "regularization": "11"}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    given = os.environ.get("MLPBOOK_SITE_DIR")
    if given:
        path = Path(given).resolve()
        assert (path / "index.html").is_file(), f"MLPBOOK_SITE_DIR={given} holds no built site"
        return path
    from mlpbook.tools.site import build

    out = tmp_path_factory.mktemp("site") / "_site"
    build(out=out, book=REPO / "book", exercises=REPO / "exercises", log=lambda text: None,
          pdf=True)
    return out


@pytest.fixture(scope="module")
def base_url(site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api", reason="install the site extra")
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM,
            headless=True, args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900})
        yield context
        context.close()


@dataclass
class Visit:
    blocked: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # local responses with status >= 400
    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    broken_images: list = field(default_factory=list)
    images_without_alt: list = field(default_factory=list)
    images: int = 0
    math: int = 0
    math_errors: list = field(default_factory=list)
    ids: set = field(default_factory=set)
    xrefs: list = field(default_factory=list)  # (text, absolute href)
    unlinked: list = field(default_factory=list)  # prose mentions that are not links
    text: str = ""


PAGE_SCRIPT = r"""async () => {
  const imgs = [...document.images];
  imgs.forEach(i => { i.loading = "eager"; });
  await Promise.all(imgs.map(i => i.complete ? null :
    new Promise(done => { i.addEventListener("load", done); i.addEventListener("error", done); })));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const skip = "pre, code, script, style, .math, mjx-container, h1, h2, h3, h4, h5, h6, " +
               ".cell_output, .mlpbook-explorer, nav, .bd-sidebar, .bd-toc";
  const unlinked = [];
  const article = document.querySelector("article") || document.body;
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  const pattern = /\(5\.\d{1,2}\)|\b[Cc]hapters? \d{2}\b/g;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) { continue; }
    if (parent.closest("a.mlpbook-xref, .mlpbook-anchor")) { continue; }
    for (const m of node.textContent.matchAll(pattern)) { unlinked.push(m[0]); }
  }
  return {
    images: imgs.length,
    broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
    noAlt: imgs.filter(i => !(i.getAttribute("alt") || "").trim()).map(i => i.src),
    math: document.querySelectorAll("mjx-container").length,
    mathErrors: [...document.querySelectorAll("mjx-merror")].map(e => e.textContent),
    ids: [...document.querySelectorAll("[id]")].map(e => e.id),
    xrefs: [...document.querySelectorAll("a.mlpbook-xref")].map(a => [a.textContent, a.href]),
    unlinked: unlinked,
    text: article.innerText,
  };
}"""


def _open(browser, url, visit: Visit):
    page = browser.new_page()
    local = url.split("/")[0] + "//" + url.split("/")[2] + "/"

    def route(r):
        if r.request.url.startswith(local):
            r.continue_()
        else:
            visit.blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and visit.console_errors.append(m.text))
    page.on("pageerror", lambda e: visit.page_errors.append(str(e)))
    page.on("response", lambda r: r.status >= 400 and visit.failed.append((r.status, r.url)))
    page.goto(url, wait_until="load")
    return page


@pytest.fixture(scope="module")
def visits(site, base_url, browser) -> dict[str, Visit]:
    """Every HTML page of the site, opened once: what it loaded, showed and linked."""
    out = {}
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        if rel.startswith("_static/"):  # the theme's template fragments, not pages
            continue
        visit = Visit()
        page = _open(browser, base_url + rel, visit)
        data = page.evaluate(PAGE_SCRIPT)
        page.close()
        visit.images, visit.broken_images = data["images"], data["broken"]
        visit.images_without_alt, visit.math = data["noAlt"], data["math"]
        visit.math_errors, visit.ids = data["mathErrors"], set(data["ids"])
        visit.xrefs, visit.unlinked, visit.text = data["xrefs"], data["unlinked"], data["text"]
        out[rel] = visit
    return out


def _problems(visits, attribute):
    return {page: getattr(v, attribute) for page, v in visits.items() if getattr(v, attribute)}


def test_the_pages_are_the_chapters_the_exercise_sets_and_the_site_pages(visits):
    expected = ({f"{s}.html" for s in CHAPTERS} | {f"exercises/{s}.html" for s in EXERCISES}
                | {f"{doc}.html" for doc in GUIDES}
                | {"index.html", "sources.html", "exercises/index.html", "search.html",
                   "genindex.html"})
    assert set(visits) == expected  # no page from a markdown twin, none from solutions/


def test_every_page_is_served_by_the_site_alone(visits):
    assert _problems(visits, "blocked") == {}, "requests that left the site (blocked)"
    assert _problems(visits, "failed") == {}, "local requests that failed"


def test_no_console_or_script_errors(visits):
    assert _problems(visits, "console_errors") == {}
    assert _problems(visits, "page_errors") == {}


def test_every_image_loads_and_has_alt_text(visits):
    assert _problems(visits, "broken_images") == {}
    assert _problems(visits, "images_without_alt") == {}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_pages_have_typeset_math_and_their_figures(visits, chapter):
    visit = visits[f"{chapter}.html"]
    assert visit.math > 0, f"{chapter}: no typeset math (no mjx-container)"
    assert visit.math_errors == [], f"{chapter}: TeX errors {visit.math_errors}"
    nb = nbformat.read(REPO / "book" / f"{chapter}.ipynb", as_version=4)
    figures = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                  for o in c.outputs)
    assert visit.images >= figures, f"{chapter}: {visit.images} images for {figures} figures"


def test_landing_page_introduces_installs_and_lists_everything(visits, site):
    visit = visits["index.html"]
    assert 'pip install -e ".[book]"' in visit.text
    assert "exercise" in visit.text.lower()
    index = (site / "index.html").read_text(encoding="utf-8")
    for stem in CHAPTERS:
        assert f'href="{stem}.html"' in index, f"the landing page does not link {stem}"
    assert 'href="exercises/index.html"' in index and 'href="sources.html"' in index
    for doc in GUIDES:
        assert f'href="{doc}.html"' in index, f"the landing page does not link {doc}"


@pytest.mark.parametrize("doc", sorted(GUIDES))
def test_guide_pages_are_their_markdown_source(visits, doc):
    source = (REPO / GUIDES[doc]).read_text(encoding="utf-8")
    text = visits[f"{doc}.html"].text
    title = re.search(r"^# (.+)$", source, re.MULTILINE).group(1)
    assert title in text
    headings = re.findall(r"^## (.+)$", source, re.MULTILINE)
    assert all(h.replace("`", "") in text for h in headings), f"{doc}: a section is missing"


def test_the_appendix_comes_after_the_chapters_in_the_navigation(browser, base_url):
    visit = Visit()
    page = _open(browser, base_url + "index.html", visit)  # no chapter is the current page
    hrefs = page.eval_on_selector_all(".bd-sidebar-primary nav a",
                                      "links => links.map(a => a.getAttribute('href'))")
    page.close()
    names = [h.split("#")[0].rsplit("/", 1)[-1] for h in hrefs]
    last_chapter = max(names.index(f"{stem}.html") for stem in CHAPTERS)
    assert "how-this-book-is-checked.html" in names[last_chapter + 1:last_chapter + 2], names


NOTES_SCRIPT = """() => [...document.querySelectorAll("article .admonition.dropdown")].map(n => {
  const body = [...n.children].find(c => !c.classList.contains("admonition-title") &&
                                         !c.classList.contains("toggle-button"));
  return {title: (n.querySelector(".admonition-title") || n).innerText.split("\\n")[0],
          hidden: n.classList.contains("toggle-hidden") || !body || body.offsetHeight === 0};
})"""


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_notes_on_the_sources_are_collapsed_and_open_on_click(browser, base_url, chapter):
    md = (REPO / "book" / "md" / f"{chapter}.md").read_text(encoding="utf-8")
    expected = len(re.findall(r"```\{admonition\} Note on .*\n:class: dropdown", md))
    visit = Visit()
    page = _open(browser, base_url + f"{chapter}.html", visit)
    notes = page.evaluate(NOTES_SCRIPT)
    assert len(notes) == expected, f"{chapter}: {len(notes)} dropdown notes for {expected}"
    if not notes:
        page.close()
        return
    assert all(n["hidden"] for n in notes), f"{chapter}: notes shown open: {notes}"
    assert all(n["title"].startswith("Note on") for n in notes)
    first = page.locator("article .admonition.dropdown").first
    first.locator(".admonition-title").click()
    page.wait_for_timeout(400)
    assert page.evaluate(NOTES_SCRIPT)[0]["hidden"] is False, f"{chapter}: a click did not open"
    page.close()
    assert visit.console_errors == [] and visit.page_errors == []


CODE_WIDTH_SCRIPT = """() => [...document.querySelectorAll("article div.cell_input pre")].map(p =>
  [Math.max(...p.innerText.split("\\n").map(l => l.length)), p.scrollWidth, p.clientWidth])"""


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_code_of_88_characters_needs_no_horizontal_scrolling(browser, base_url, chapter):
    page = browser.new_page()  # the default width: the fixture's 1280 x 900 viewport
    page.goto(base_url + f"{chapter}.html")
    blocks = page.evaluate(CODE_WIDTH_SCRIPT)
    page.close()
    assert blocks, f"{chapter}: no code cells found"
    scrolling = [b for b in blocks if b[0] <= 88 and b[1] > b[2] + 1]
    assert scrolling == [], f"{chapter}: code blocks of at most 88 characters scroll: {scrolling}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_page_offers_its_notebook_for_download(browser, base_url, chapter):
    visit = Visit()
    page = _open(browser, base_url + f"{chapter}.html", visit)
    hrefs = page.eval_on_selector_all(".mlpbook-download a", "as => as.map(a => a.href)")
    page.close()
    assert len(hrefs) == 1 and hrefs[0].endswith(f"/{chapter}.ipynb"), hrefs
    assert hrefs[0].startswith(base_url), "the download leaves the site"
    with urllib.request.urlopen(hrefs[0]) as response:  # noqa: S310 (local server)
        served = response.read()
    assert served == (REPO / "book" / f"{chapter}.ipynb").read_bytes(), \
        f"{chapter}: the download is not the committed notebook"


def test_sources_page_cites_the_five_documents_by_author_and_title(visits):
    text = visits["sources.html"].text
    for needle in ("Liquet", "Moka", "Nazarathy", "Mathematical Engineering of Deep Learning",
                   "4 General Fully Connected Neural Networks",
                   "Chapter 4: Deep neural networks", "Bunescu", "CS 6890 Deep Learning",
                   "Peeters", "Deep Learning — Multi Layer Perceptron", "[MEDL]", "[FCNN web]",
                   "[DNN slides]", "[Bunescu]", "[Peeters]"):
        assert needle in text, f"Sources page lacks {needle!r}"
    assert "seed 00" not in text.lower()


def test_cross_references_are_links_to_existing_targets(visits, base_url):
    links = [(page, text, href) for page, v in visits.items() for text, href in v.xrefs]
    missing = []
    for page, text, href in links:
        target, _, fragment = href[len(base_url):].partition("#")
        if target not in visits or (fragment and fragment not in visits[target].ids):
            missing.append((page, text, href))
    assert missing == [], "cross-references to targets that do not exist"
    texts = [text for _, text, _ in links]
    assert "(5.32)" in texts, "(5.32) is not linked anywhere"
    assert any(t.startswith("Figure 5.2") for t in texts), "Figure 5.2 is not linked anywhere"
    assert any(re.fullmatch(r"[Cc]hapters? \d\d", t) for t in texts), "no chapter is linked"
    assert _problems({p: v for p, v in visits.items() if p[:2].isdigit()}, "unlinked") == {}, \
        "equation or chapter numbers in chapter prose that are not links"


def test_search_finds_xavier(browser, base_url):
    visit = Visit()
    page = _open(browser, base_url + "search.html?q=Xavier", visit)
    page.wait_for_selector("#search-results ul.search li", timeout=60_000)
    hrefs = page.eval_on_selector_all("#search-results ul.search li a",
                                      "links => links.map(a => a.href)")
    page.close()
    assert any("09_initialization" in h for h in hrefs), hrefs
    assert visit.blocked == [] and visit.console_errors == []


def _explorer_pages(visits):
    return [p for p, v in visits.items() if "mlpbook-explorer" in v.ids or
            any(i.startswith("explorer-") for i in v.ids)]


def test_required_explorers_are_on_their_chapter_pages(visits):
    for name, chapter in REQUIRED_EXPLORERS.items():
        (stem,) = [s for s in CHAPTERS if s.startswith(chapter)]
        assert f"explorer-{name}" in visits[f"{stem}.html"].ids, f"no {name} explorer in {stem}"


def test_every_frame_of_every_explorer_is_served(site, base_url, browser, visits):
    for page_path in _explorer_pages(visits):
        page = browser.new_page()
        page.goto(base_url + page_path)
        tables = page.eval_on_selector_all(
            ".mlpbook-explorer script.mlpbook-explorer-frames",
            "scripts => scripts.map(s => JSON.parse(s.textContent).frames)")
        page.close()
        for frames in tables:
            for frame in frames.values():
                assert frame["alt"].strip()
                url = base_url + frame["src"]
                with urllib.request.urlopen(url) as response:  # noqa: S310 (local server)
                    assert response.status == 200 and response.read(8) == b"\x89PNG\r\n\x1a\n"


MOVE_SCRIPT = """async ([explorer, index]) => {
  const root = document.getElementById(explorer);
  const img = root.querySelector("img");
  if (!img.complete || img.naturalWidth === 0) {
    await new Promise(done => { img.addEventListener("load", done);
                                img.addEventListener("error", done); });
  }
  return [img.naturalWidth, img.src, img.alt];
}"""


def test_moving_a_slider_changes_the_explorer_image(base_url, browser, visits):
    moved = 0
    for page_path in _explorer_pages(visits):
        visit = Visit()
        page = _open(browser, base_url + page_path, visit)
        explorers = page.eval_on_selector_all(".mlpbook-explorer", "es => es.map(e => e.id)")
        for explorer in explorers:
            sliders = page.locator(f"#{explorer} input[type=range]")
            assert sliders.count() >= 1, f"{explorer} has no range input"
            assert page.locator(f"#{explorer} img").count() == 1
            for i in range(sliders.count()):
                slider = sliders.nth(i)
                if slider.is_disabled():  # inert here (the frames table says so)
                    continue
                before = page.evaluate(MOVE_SCRIPT, [explorer, i])
                at_end = slider.evaluate("s => Number(s.value) === Number(s.max)")
                out_before = page.locator(f"#{explorer} output").nth(i).inner_text()
                slider.focus()
                page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
                after = page.evaluate(MOVE_SCRIPT, [explorer, i])
                assert after[0] > 0, f"{explorer}: the new frame did not load"
                assert after[1] != before[1], f"{explorer}: slider {i} did not change the image"
                assert after[2] and after[2] != before[2], f"{explorer}: alt text unchanged"
                assert page.locator(f"#{explorer} output").nth(i).inner_text() != out_before
                moved += 1
        page.close()
        assert visit.blocked == [] and visit.console_errors == [] and visit.page_errors == []
    assert moved >= len(REQUIRED_EXPLORERS)


def _solution_only_lines(stem):
    """Lines of the solution blocks of solutions/<stem>.ipynb that the exercise set lacks
(anywhere in its text: a statement may quote a line on purpose, as a hint)."""
    solution = nbformat.read(REPO / "solutions" / f"{stem}.ipynb", as_version=4)
    exercise = nbformat.read(REPO / "exercises" / f"{stem}.ipynb", as_version=4)
    given = "\n".join(c.source for c in exercise.cells)  # what the statements show on purpose
    lines = []
    for cell in solution.cells:
        for block in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source,
                                flags=re.DOTALL):
            lines += [s for s in (line.strip() for line in block.splitlines())
                      if len(s) >= 12 and s not in given and not s.startswith("#")]
    return lines


@pytest.mark.parametrize("stem", EXERCISES)
def test_exercise_pages_show_statements_and_starter_code_but_no_solutions(site, stem):
    page = html.unescape(re.sub(r"<[^>]+>", "", (site / "exercises" / f"{stem}.html")
                                .read_text(encoding="utf-8")))
    assert "NotImplementedError" in page, f"{stem}: the starter code is missing"
    assert "BEGIN SOLUTION" not in page
    leaked = [line for line in _solution_only_lines(stem) if line in page]
    assert leaked == [], f"{stem}: solution lines on the exercise page"


# ---- the PDF ------------------------------------------------------------------------------------

def _poppler(tool, *args):
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} not found (apt-get install -y poppler-utils)")
    return subprocess.run([tool, *map(str, args)], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def pdf(site) -> Path:
    path = site / "mlpbook.pdf"
    assert path.is_file(), "no mlpbook.pdf in the site (build it with `mlpbook site build --pdf`)"
    return path


def test_the_pdf_has_every_chapter_and_a_table_of_contents(pdf):
    text = _poppler("pdftotext", pdf, "-")
    text = re.sub(r"^\f?\s*\d+\s*$", "", text, flags=re.MULTILINE)  # the page numbers
    squashed = re.sub(r"\s+", " ", text.replace("\f", " "))
    titles = [pages.notebook_title(nbformat.read(REPO / "book" / f"{c}.ipynb", as_version=4))
              for c in CHAPTERS]
    for title in titles:
        assert squashed.count(title) >= 2, f"{title!r}: not in the contents and the chapter"
    contents = squashed.index("Contents")
    assert all(squashed.index(t) > contents for t in titles)
    assert "How this book is checked" in squashed


def test_the_pdf_has_typeset_math_not_tex_source(pdf):
    text = _poppler("pdftotext", pdf, "-")
    for raw in ("$$", "\\begin{", "\\frac", "\\mathbf", "\\partial", "\\sum_", "\\("):
        assert raw not in text, f"raw TeX {raw!r} in the PDF's text"
    assert "MathJax" not in text


def test_the_pdf_embeds_every_figure_and_has_a_sane_length(pdf):
    figures = sum("image/png" in o.get("data", {})
                  for c in CHAPTERS
                  for cell in nbformat.read(REPO / "book" / f"{c}.ipynb", as_version=4).cells
                  if cell.cell_type == "code" for o in cell.outputs)
    images = [line for line in _poppler("pdfimages", "-list", pdf).splitlines()[2:]
              if line.split()[2] == "image"]
    assert len(images) >= figures, f"{len(images)} images embedded for {figures} figures"
    pages_count = int(re.search(r"^Pages:\s+(\d+)", _poppler("pdfinfo", pdf),
                                re.MULTILINE).group(1))
    assert 10 * len(CHAPTERS) <= pages_count <= 1500, f"{pages_count} pages"


def test_chapter_titles_share_one_heading_style(site):
    titles = []
    for stem in CHAPTERS:
        page = (site / f"{stem}.html").read_text(encoding="utf-8")
        article = page[page.index("<article"):]
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", article, re.DOTALL).group(1)
        titles.append(html.unescape(re.sub(r"<[^>]+>", "", h1)).replace("#", "").strip())
    bad = [t for s, t in zip(CHAPTERS, titles, strict=True)
           if not re.fullmatch(rf"{s[:2]} [A-Z][^·.:]*", t)]
    assert bad == [], f"chapter titles not in the form 'NN Title': {bad}"
