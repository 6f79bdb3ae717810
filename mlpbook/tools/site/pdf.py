"""``mlpbook site build --pdf``: the book as one PDF, printed by headless Chromium (no TeX).

The sources staged for the website are built once more with Sphinx's ``singlehtml`` builder
from a root page that lists the chapters and the appendix (``print.md``): one HTML page with a
table of contents, every chapter with its committed outputs and figures, and the notes on the
sources opened. Chromium (Debian's ``/usr/bin/chromium``, or ``MLPBOOK_CHROMIUM``, driven by
playwright) loads it from a local server with every request that leaves it blocked, waits for
MathJax to typeset the math and for every image to load, and prints it to ``OUT/mlpbook.pdf``
with the chapters as bookmarks.
"""

from __future__ import annotations

import functools
import http.server
import io
import os
import threading
from pathlib import Path

PDF_NAME = "mlpbook.pdf"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def print_root(title: str, chapters: list[str], appendix: list[str]) -> str:
    """The root page of the printed book: its title and a visible table of contents."""
    def tree(caption, docs):
        return ("```{toctree}\n" f":caption: {caption}\n:maxdepth: 1\n:numbered: 0\n\n"
                + "\n".join(docs) + "\n```\n")
    return (f"# {title}\n\nThe chapters as committed, with their outputs; notes on the sources "
            "are printed open.\n\n" + tree("Contents", chapters)
            + (tree("Appendix", appendix) if appendix else ""))


# Before printing: every note open, explorers reduced to their figure, lazy images loaded.
PREPARE = r"""async () => {
  document.querySelectorAll(".toggle-hidden").forEach(e => e.classList.remove("toggle-hidden"));
  document.querySelectorAll("details").forEach(d => { d.open = true; });
  document.querySelectorAll("button.toggle-button").forEach(b => b.remove());
  const imgs = [...document.images];
  imgs.forEach(i => { i.loading = "eager"; });
  await Promise.all(imgs.map(i => i.complete ? null :
    new Promise(done => { i.addEventListener("load", done); i.addEventListener("error", done); })));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  return {images: imgs.length, broken: imgs.filter(i => !(i.naturalWidth > 0)).map(i => i.src),
          math: document.querySelectorAll("mjx-container").length};
}"""

PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm; }
.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .header-article, .prev-next-area,
.bd-footer, .bd-footer-content, footer, .mlpbook-explorer-controls, .mlpbook-download,
.toggle-button, .headerlink { display: none !important; }
.bd-main .bd-content .bd-article-container { max-width: 100% !important; }
div.cell, div.admonition, img, table, pre, mjx-container { break-inside: avoid; }
h1 { break-before: page; }
pre { white-space: pre-wrap; }
"""


def build_pdf(src: Path, work: Path, out: Path, chapters: list[str], appendix: list[str],
              log=print) -> Path:
    """Print the staged sources ``src`` to ``out/mlpbook.pdf``; returns its path."""
    from sphinx.application import Sphinx

    (src / "print.md").write_text(print_root("mlpbook: feedforward neural networks",
                                             chapters, appendix), encoding="utf-8")
    html_dir = work / "print"
    app = Sphinx(str(src), str(src), str(html_dir), str(work / "print-doctrees"), "singlehtml",
                 confoverrides={"root_doc": "print"}, status=None, warning=io.StringIO(),
                 freshenv=True, verbosity=0)
    app.build(force_all=True)
    if app.statuscode:
        raise RuntimeError(f"site: the print build failed (status {app.statuscode})")
    target = out / PDF_NAME
    _print(html_dir, "print.html", target, log)
    return target


def _print(folder: Path, page_name: str, target: Path, log) -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise RuntimeError("site: --pdf needs playwright (the site extra)") from exc
    chromium = os.environ.get("MLPBOOK_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).is_file():
        raise RuntimeError(f"site: --pdf needs Chromium at {chromium} "
                           "(apt-get install -y chromium, or set MLPBOOK_CHROMIUM)")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True,
                                        args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1000, "height": 1400})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base)
                       else r.abort())
            page.goto(base + page_name, wait_until="load", timeout=300_000)
            page.add_style_tag(content=PRINT_CSS)
            page.emulate_media(media="print")
            state = page.evaluate(PREPARE)
            if state["broken"]:
                raise RuntimeError(f"site: images that did not load for the PDF: "
                                   f"{state['broken'][:5]}")
            page.pdf(path=str(target), format="A4", print_background=True, outline=True,
                     display_header_footer=True, header_template="<span></span>",
                     footer_template='<div style="font-size:8px;width:100%;text-align:center">'
                                     '<span class="pageNumber"></span></div>',
                     margin={"top": "14mm", "bottom": "16mm", "left": "12mm",
                             "right": "12mm"})
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    log(f"site: {state['images']} images and {state['math']} formulas printed to {target}")

