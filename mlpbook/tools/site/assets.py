"""Scripts and fonts the website serves itself: MathJax 3 and the explorers' script.

Sphinx's default MathJax comes from a CDN, and MathJax 4's bundle fetches its fonts from one, so
the build serves MathJax 3.2.2's es5 bundle, which carries its own fonts, from ``_static/mathjax``.
It comes from the npm registry (package ``mathjax``, pinned version): ``ensure_mathjax`` runs
``npm install`` once into the build cache and reuses that copy on later builds, so only the first
build on a machine needs npm and the registry. ``--mathjax DIR`` (or ``MLPBOOK_MATHJAX``) points the
build at an unpacked copy instead (a folder holding ``tex-chtml.js``, i.e. the package's ``es5/``).
The theme's own scripts, stylesheets and icon fonts ship inside its PyPI package.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

MATHJAX_VERSION = "3.2.2"
# The parts of es5/ a page uses: the TeX-to-HTML bundle, the TeX extensions it loads on demand
# (\boldsymbol, \cancel, ...), the HTML output's fonts, and the menu's accessibility modules.
MATHJAX_PARTS = ("tex-chtml.js", "input", "output/chtml", "a11y", "ui", "sre")
STATIC = Path(__file__).with_name("static")


def ensure_mathjax(cache: Path, given: Path | None = None, log=print) -> Path:
    """The es5/ folder of MathJax 3: ``given`` if set, else the copy in ``cache`` (installed from
    the npm registry on first use). Raises RuntimeError with what to do when neither works."""
    if given is not None:
        given = Path(given)
        if not (given / "tex-chtml.js").is_file():
            raise RuntimeError(f"site: expected a MathJax 3 es5 folder with tex-chtml.js at "
                               f"{given}; found none")
        return given
    prefix = cache / f"mathjax-{MATHJAX_VERSION}"
    es5 = prefix / "node_modules" / "mathjax" / "es5"
    package = prefix / "node_modules" / "mathjax" / "package.json"
    if (es5 / "tex-chtml.js").is_file() and package.is_file() and \
            json.loads(package.read_text())["version"] == MATHJAX_VERSION:
        return es5
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("site: MathJax 3 is needed and not cached yet; install Node.js's npm "
                           f"(it fetches mathjax@{MATHJAX_VERSION} once), or pass --mathjax DIR "
                           "with an unpacked MathJax 3 es5 folder")
    log(f"  fetching mathjax@{MATHJAX_VERSION} from the npm registry into {prefix}")
    prefix.mkdir(parents=True, exist_ok=True)
    cmd = [npm, "install", "--prefix", str(prefix), "--no-save", "--no-audit", "--no-fund",
           "--ignore-scripts", "--loglevel=error", f"mathjax@{MATHJAX_VERSION}"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not (es5 / "tex-chtml.js").is_file():
        raise RuntimeError(f"site: `{' '.join(cmd)}` failed ({done.returncode}):\n"
                           f"{done.stderr.strip()}")
    return es5


def copy_mathjax(es5: Path, dest: Path) -> None:
    """Copy the parts of MathJax the pages use (``MATHJAX_PARTS``) and its licence to
    ``dest``."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for part in MATHJAX_PARTS:
        src = es5 / part
        if src.is_dir():
            shutil.copytree(src, dest / part)
        elif src.is_file():
            (dest / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / part)
        elif part == "tex-chtml.js":
            raise RuntimeError(f"site: {src} is missing; the MathJax copy is incomplete")
    licence = es5.parent / "LICENSE"
    if licence.is_file():
        shutil.copy2(licence, dest / "LICENSE")


def copy_static(dest: Path) -> None:
    """The explorers' script and the site's stylesheet."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in STATIC.iterdir():
        if path.is_file():
            shutil.copy2(path, dest / path.name)
