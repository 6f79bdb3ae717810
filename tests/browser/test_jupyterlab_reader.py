"""What a reader sees in JupyterLab, checked in a real browser (Chromium driven by playwright).

Opening a chapter or an exercise notebook and closing it without running anything must change no
file, and its tab must not be marked modified (JupyterLab rewrites a notebook whose kernelspec or
language_info differ from what the running kernel reports, and autosave then changes tracked
files). The file browser lists each chapter once (the MyST twins live in ``book/md/``), and the
server started as the README says has a root from which both ``book/`` and ``exercises/`` are
reachable.

Slow (one kernel start per notebook) and needs Chromium: marked ``browser``, deselected by the
default run; ``.ci/run`` runs it with ``python -m pytest -m browser``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("MLPBOOK_CHROMIUM", "/usr/bin/chromium")
NOTEBOOKS = sorted(str(p.relative_to(ROOT)) for folder in ("book", "exercises")
                   for p in (ROOT / folder).glob("[0-9][0-9]_*.ipynb"))


def _tracked_copy(dest: Path) -> None:
    """The files git tracks, copied to ``dest`` (the reader's fresh clone)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)


def _digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file() and ".ipynb_checkpoints" not in p.parts}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _readme_open_command() -> list[str]:
    """The arguments of ``jupyter lab`` in the README's command that opens the book."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^python -m pip install -e \"\.\[book\]\" && jupyter lab (.*)$", text, re.M)
    assert match, "README: no line `python -m pip install -e \".[book]\" && jupyter lab ...`"
    return shlex.split(match.group(1))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server started in a fresh copy of the repository as the README says, and
    a Chromium page; yields (base url, page, copy's root, the file the README opens)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set "
                    "MLPBOOK_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    root = tmp_path_factory.mktemp("clone")
    _tracked_copy(root)
    args = _readme_open_command()
    opened = [a for a in args if a.endswith(".ipynb")]
    port = _free_port()
    home = tmp_path_factory.mktemp("jupyter-home")
    env = dict(os.environ, HOME=str(home), JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    env.pop("JUPYTER_PATH", None)
    log = open(home / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", *args, "--no-browser", f"--port={port}",
         "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.ip=127.0.0.1",
         "--ServerApp.disable_check_xsrf=True",
         "--allow-root"], cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/api/status", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"JupyterLab exited: {(home / 'server.log').read_text()}")
                time.sleep(0.2)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update",
                      "--disable-sync"])
            page = browser.new_page()
            yield base, page, root, opened
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _shutdown_kernels(base: str) -> None:
    with urllib.request.urlopen(f"{base}/api/sessions") as r:
        sessions = json.load(r)
    for s in sessions:
        req = urllib.request.Request(f"{base}/api/sessions/{s['id']}", method="DELETE")
        urllib.request.urlopen(req).close()


CURRENT_TAB = """() => {
    const t = document.querySelector('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current');
    return t.className + ' ' + t.textContent;
}"""


def _kernel_ready(base: str) -> bool:
    """The notebook's kernel is running, idle, and the page is connected to it."""
    with urllib.request.urlopen(f"{base}/api/sessions") as r:
        sessions = json.load(r)
    return any(s["kernel"]["execution_state"] == "idle" and s["kernel"]["connections"] > 0
               for s in sessions)


def _open(page, base: str, rel: str) -> str:
    """Open ``rel`` alone in a reset workspace, wait until its kernel is idle and connected,
    then watch the tab for a few seconds (JupyterLab applies the kernel's kernelspec and
    language_info right after connecting); returns the tab's classes and title."""
    page.goto(f"{base}/lab/tree/{rel}?reset")
    page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell",
                           timeout=120_000)
    deadline = time.monotonic() + 120
    while not _kernel_ready(base):
        assert time.monotonic() < deadline, f"the kernel of {rel} did not start"
        page.wait_for_timeout(200)
    tab = ""
    for _ in range(20):  # 4 s: a modification shows up well within that
        tab = page.evaluate(CURRENT_TAB)
        if "jp-mod-dirty" in tab:
            break
        page.wait_for_timeout(200)
    return tab


def test_the_readme_root_reaches_book_and_exercises(lab):
    base, _, _, opened = lab
    with urllib.request.urlopen(f"{base}/api/contents/") as r:
        names = {c["name"] for c in json.load(r)["content"]}
    assert {"book", "exercises"} <= names, names
    assert opened and all((ROOT / p).is_file() for p in opened), \
        f"the README's command opens {opened}, which should be a chapter"


def test_the_file_browser_lists_each_chapter_once(lab):
    base, page, _, _ = lab
    page.goto(f"{base}/lab/tree/book?reset")
    page.wait_for_selector(".jp-DirListing-item", timeout=60_000)
    names = page.eval_on_selector_all(".jp-DirListing-itemText", "els => els.map(e => e.title "
                                      "|| e.textContent)")
    names = [n.split("\n")[0].strip() for n in names]
    chapters = [n for n in names if re.match(r"\d\d_", n)]
    stems = [n.rsplit(".", 1)[0] for n in chapters]
    assert chapters and len(stems) == len(set(stems)), f"duplicate chapter entries: {chapters}"
    assert all(n.endswith(".ipynb") for n in chapters), chapters


@pytest.mark.parametrize("rel", NOTEBOOKS)
def test_opening_and_closing_changes_nothing(lab, rel):
    base, page, root, _ = lab
    before = _digests(root)
    tab = _open(page, base, rel)
    assert "jp-mod-dirty" not in tab, f"{rel} is marked modified as soon as it opens: {tab}"
    page.keyboard.press("Alt+w")  # close the tab (nothing to save: it is not modified)
    page.wait_for_timeout(300)
    _shutdown_kernels(base)
    after = _digests(root)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"opening and closing {rel} changed {changed}"


NOTES = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const cells = [...panel.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown, '
                                             + '.jp-MarkdownCell .jp-RenderedMySTMarkdown')];
    const boxes = [...panel.querySelectorAll('.jp-MarkdownCell details')];
    return {
        raw: cells.map(c => c.textContent).filter(t => /```|\\{admonition\\}|:class:/.test(t)),
        boxes: boxes.map(d => ({open: d.open,
                                title: (d.querySelector('summary') || d).textContent.trim(),
                                height: d.getBoundingClientRect().height})),
    };
}"""


def _chapter_with_notes() -> str:
    for rel in NOTEBOOKS:
        md = ROOT / "book" / "md" / (Path(rel).stem + ".md")
        if rel.startswith("book/") and md.is_file() and ":class: dropdown" in md.read_text():
            return rel
    pytest.fail("no chapter has a note on a source ({admonition} Note on ... :class: dropdown)")


def test_notes_on_the_sources_render_as_collapsed_boxes(lab):
    base, page, root, _ = lab
    rel = _chapter_with_notes()
    cells = json.loads((root / rel).read_text(encoding="utf-8"))["cells"]
    expected = sum(len(re.findall(r"```\{admonition\} Note on .*\n:class: dropdown",
                                  "".join(c["source"])))
                   for c in cells if c["cell_type"] == "markdown")
    before = _digests(root)
    _open(page, base, rel)
    deadline = time.monotonic() + 60
    while True:  # cells render as they come into view: scroll through the notebook
        notes = page.evaluate(NOTES)
        boxes = [b for b in notes["boxes"] if b["title"].startswith("Note on")]
        if len(boxes) >= expected or time.monotonic() > deadline:
            break
        page.evaluate("""() => { const s = document.querySelector(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer');
            if (s) { s.scrollTop += s.clientHeight; } }""")
        page.wait_for_timeout(300)
    assert notes["raw"] == [], f"{rel}: notes shown as raw MyST text: {notes['raw'][:2]}"
    assert len(boxes) == expected, f"{rel}: {len(boxes)} note boxes for {expected} notes"
    assert not any(b["open"] for b in boxes), f"{rel}: notes rendered open"
    opened = page.evaluate("""() => {
        const d = document.querySelector(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell details');
        d.querySelector('summary').click();  // what a reader's click does
        return d.open;
    }""")
    assert opened, f"{rel}: a click does not open a note"
    page.keyboard.press("Alt+w")
    page.wait_for_timeout(300)
    _shutdown_kernels(base)
    changed = sorted(k for k, v in _digests(root).items() if before.get(k) != v)
    assert not changed, f"opening {rel} and reading a note changed {changed}"
