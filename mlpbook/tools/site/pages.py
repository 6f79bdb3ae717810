"""The pages of the website, prepared from the committed notebooks (never re-executed).

``prepare_chapter`` and ``prepare_exercises`` turn a notebook into the copy that Sphinx renders:
test markers (``# NBVAL_...`` lines) leave the code, widget outputs (which need a kernel) become
the kernel-free explorer of ``explorers.py`` placed in the cell that calls it, or a short note,
and every image output gets alt text (``figure_alt``). The landing, Sources and exercise-index
pages are written here too. Nothing in ``book/``, ``exercises/`` or ``solutions/`` is modified.
"""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_MARKER = re.compile(r"^[ \t]*#[ \t]*NBVAL_[A-Z_]+[ \t]*(?:\n|$)", re.MULTILINE)
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")

WIDGET_NOTE = ('<p class="mlpbook-widget-note">In JupyterLab this cell shows an interactive '
               'explorer; it needs a running kernel.</p>')

# DESIGN §9: the five source documents, by key and full reference.
SOURCES = (
    ("MEDL", "B. Liquet, S. Moka, Y. Nazarathy", "Mathematical Engineering of Deep Learning",
     "book draft of 28 February 2024, chapter 5 “Feedforward Deep Networks” (equations "
     "(5.1)–(5.53), Figures 5.1–5.11, Algorithms 5.1–5.2)."),
    ("FCNN web", None, "4 General Fully Connected Neural Networks",
     "chapter of a web book on deep learning (sections 4.1–4.8, Figures 4.1–4.5; no author "
     "named in the text)."),
    ("DNN slides", None, "Chapter 4: Deep neural networks",
     "lecture slides of a course *Neural networks and deep learning* (chain rule, Jacobians, "
     "Examples 1–5; no author named)."),
    ("Bunescu", "R. C. Bunescu", "CS 6890 Deep Learning: Feed-Forward Neural Networks, "
     "Backpropagation", "lecture slides, Ohio University."),
    ("Peeters", "G. Peeters", "Deep Learning — Multi Layer Perceptron",
     "lecture slides, Télécom Paris, IP Paris."),
)


def strip_test_markers(source: str) -> str:
    """Code without its ``# NBVAL_...`` lines (test markers are not for readers)."""
    return _MARKER.sub("", source)


def notebook_title(nb) -> str:
    """The first level-1 heading of the notebook's markdown."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+?)\s*$", cell.source, re.MULTILINE)
            if m:
                return m.group(1)
    raise ValueError("expected a notebook with a level-1 markdown heading (# Title); found none")


def plain_text(markdown: str) -> str:
    """Markdown reduced to readable plain text (for alt texts): no links, emphasis, code ticks
    or math dollars; whitespace collapsed."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"\$\$(.+?)\$\$", r"\1", text, flags=re.DOTALL)
    text = re.sub(r"[`$]|\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _first_sentence(text: str, limit: int = 240) -> str:
    m = re.match(r"(.+?[.!?:])(\s|$)", text)
    sentence = m.group(1) if m else text
    if len(sentence) > limit:
        sentence = sentence[:limit].rsplit(" ", 1)[0] + " …"
    return sentence


def figure_alt(cells, index: int) -> str:
    """Alt text for the image outputs of code cell ``cells[index]``: the heading of its section,
    a figure title named in its code ("Figure 5.7: ..."), and the first sentence of the prose
    just above it. Never empty."""
    heading, prose = None, None
    for cell in reversed(cells[:index]):
        if cell.cell_type != "markdown":
            continue
        text = cell.source
        headings = list(_HEADING.finditer(text))
        if prose is None:
            body = _HEADING.sub("", text[headings[-1].end():] if headings else text).strip()
            prose = plain_text(body) if body else ""
        if headings:
            heading = plain_text(headings[-1].group(2))
            break
    parts = []
    if heading:
        parts.append(heading.rstrip(".:") + ".")
    source = cells[index].source
    for m in re.finditer(r"""["'](Figures? \d[^"'{}\n]*)""", source):
        parts.append(plain_text(m.group(1)).rstrip(".: ") + ".")
        break
    if prose:
        parts.append(_first_sentence(prose))
    return " ".join(parts) or "Figure drawn by the code above."


def _has_widget(cell) -> bool:
    return any(WIDGET_MIME in o.get("data", {}) for o in cell.get("outputs", []))


def _html_output(markup: str):
    import nbformat

    return nbformat.v4.new_output("display_data", data={"text/html": markup})


DOWNLOAD_CELL = """```{{container}} mlpbook-download
{{download}}`Download this chapter as a notebook <{path}>` (with its outputs; open it in
JupyterLab to run and change every cell).
```"""


def add_download_link(nb, path: str):
    """Put a link that downloads the notebook ``path`` (relative to the page) right under the
    chapter's title cell; returns ``nb``."""
    import nbformat

    at = next((i + 1 for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
               and re.search(r"^#\s", c.source, re.MULTILINE)), 0)
    nb.cells.insert(at, nbformat.v4.new_markdown_cell(DOWNLOAD_CELL.format(path=path)))
    return nb


def prepare_chapter(nb, explorers: dict[str, str]):
    """A copy of chapter notebook ``nb`` ready for the site, and the calls placed.

    ``explorers`` maps the text of a widget call (``"interpolation_explorer("``) to the HTML of
    its kernel-free explorer. The first code cell whose source contains that text and that shows
    a widget (else the first that contains it) has its outputs replaced by the explorer; any
    other widget output is replaced by a note. Returns ``(notebook, placed)`` with ``placed``
    the set of calls found."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)  # saved widget state would need scripts from outside
    home = {}
    for call in explorers:
        found = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and call in c.source]
        if found:
            home[call] = next((i for i in found if _has_widget(nb.cells[i])), found[0])
    placed = set(home)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        calls = [call for call in explorers if home.get(call) == i]
        cell.source = strip_test_markers(cell.source)
        if calls:
            cell.outputs = [_html_output(explorers[call]) for call in calls]
        elif _has_widget(cell):
            cell.outputs = [o for o in cell.outputs if WIDGET_MIME not in o.get("data", {})]
            cell.outputs.append(_html_output(WIDGET_NOTE))
        if any("image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {})
               for o in cell.outputs):
            cell.metadata.setdefault("mystnb", {})["image"] = {"alt": figure_alt(nb.cells, i)}
    return nb, placed


def prepare_exercises(nb, name: str = "exercise notebook"):
    """A copy of exercise notebook ``nb`` for the site: statements and starter code only.

    Raises ValueError if any cell still holds a solution block (the site never publishes
    solutions) or any output (exercise notebooks are committed without outputs)."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for marker in SOLUTION_MARKERS:
            if marker in cell.source:
                raise ValueError(f"{name}: a cell contains {marker!r}; expected statements and "
                                 "starter code only (run `mlpbook exercises generate`)")
        if cell.cell_type == "code":
            if cell.get("outputs"):
                raise ValueError(f"{name}: expected no outputs in an exercise notebook; a cell "
                                 "has some (run `mlpbook exercises generate`)")
            cell.source = strip_test_markers(cell.source)
    return nb


def _toctree(caption: str, docs: list[str], hidden: bool = False) -> str:
    options = f":caption: {caption}\n:maxdepth: 1\n" + (":hidden:\n" if hidden else "")
    return "```{toctree}\n" + options + "\n" + "\n".join(docs) + "\n```\n"


# The guides (docs/ and benchmarks/README.md in the repository): (docname, source path relative
# to the repository, what it is for). "How this book is checked" is the appendix, listed after
# the chapters in the navigation.
GUIDES = (
    ("guides/student-guide", "docs/student-guide.md",
     "installing the handout, checking your answers, submitting"),
    ("guides/instructor-guide", "docs/instructor-guide.md",
     "releasing a handout, grading, Gradescope, Canvas, reviewing a class, the threat model"),
    ("guides/library", "docs/library.md", "the `mlpbook` library in one screen"),
    ("guides/performance", "benchmarks/README.md",
     "the training step and an epoch timed against PyTorch and scikit-learn"),
)
APPENDIX = ("appendix/how-this-book-is-checked", "docs/how-this-book-is-checked.md",
            "how every printed number is kept the same on every machine")


def guide_title(markdown: str) -> str:
    """The first level-1 heading of a guide."""
    m = re.search(r"^#\s+(.+?)\s*$", markdown, re.MULTILINE)
    if not m:
        raise ValueError("expected a guide with a level-1 heading (# Title); found none")
    return m.group(1)


def landing_page(chapters: list[tuple[str, str]], has_exercises: bool,
                 guides: list[tuple[str, str, str]] = (),
                 appendix: tuple[str, str, str] | None = None) -> str:
    """The landing page (MyST markdown): what the book is, how to install it, the chapters, how
    the exercises work, the guides. ``chapters`` lists (docname, title); ``guides`` and
    ``appendix`` give (docname, title, what it is for)."""
    listing = "\n".join(f"- [{html.escape(title)}]({doc}.ipynb)" for doc, title in chapters)
    exercises = ("\n\nThe exercise sets are listed on [the exercises page](exercises/index.md)."
                 if has_exercises else "")
    docs = [doc for doc, _ in chapters]
    trees = _toctree("Chapters", docs, hidden=True)
    if appendix:
        trees += _toctree("Appendix", [appendix[0]], hidden=True)
    if has_exercises:
        trees += _toctree("Exercises", ["exercises/index"], hidden=True)
    if guides:
        trees += _toctree("Guides", [doc for doc, _, _ in guides], hidden=True)
    trees += _toctree("Sources", ["sources"], hidden=True)
    listed = list(guides) + ([appendix] if appendix else [])
    guide_list = "\n".join(f"- [{html.escape(title)}]({doc}.md): {what}"
                            for doc, title, what in listed)
    guide_section = f"\n## Guides\n\n{guide_list}\n" if listed else ""
    return f"""# Feedforward neural networks, checked by code

This is **mlpbook**, a textbook companion for the chapter on feedforward neural networks
(multilayer perceptrons). Each chapter follows the source documents listed under
[Sources](sources.md): it derives a result in LaTeX, then checks it numerically with a small
NumPy library, `mlpbook`, reproduces the documents' figures, and lets the reader move the key
knobs. The pages here show the chapters exactly as they are committed, with their outputs; the
explorers under the figures switch between precomputed images, so they work without Python.

## Install and run the chapters yourself

Everything runs offline on a laptop CPU with NumPy (Python 3.10 or newer). From a copy of the
repository:

```bash
python -m pip install -e ".[book]" && jupyter lab book/
```

In JupyterLab the explorers recompute their figures for any value of their sliders.

## The chapters

{listing}

Every chapter page offers its notebook for download, and the whole book is also a PDF
(`mlpbook site build --pdf`).
{guide_section}
## How the exercises work

Every chapter has an exercise set: a notebook of questions, each asking for one function, with
starter code that raises `NotImplementedError` until you write it. The `check("NN.name")` cell
under a question tests your function at once and says which case fails and why, without showing
the expected answer. The library functions that do the same work are switched off while your
answer is checked, so the work is your own. Instructors grade whole folders of submissions with

```bash
mlpbook grade submissions/ --json grades.json --csv grades.csv
```

which runs each notebook in its own sandbox with time and memory limits, takes its tests from the
installed package (never from the notebook), adds hidden cases drawn from the instructor's
grading key to the public ones that `check` runs, and never modifies a submission. The student
and instructor guides above tell the whole workflow.{exercises}

{trees}"""


def exercises_index(sets: list[tuple[str, str]]) -> str:
    """The page listing the exercise sets; ``sets`` lists (docname relative to exercises/,
    title)."""
    return f"""# Exercises

Each set goes with the chapter of the same number. The pages show the statements and the
starter code; to work on a set, open `exercises/NN_topic.ipynb` in JupyterLab, fill in the
functions and run the `check(...)` cell under each question for immediate feedback.

{_toctree("Exercise sets", [doc for doc, _ in sets])}"""


def sources_page() -> str:
    """The Sources page: the five documents by key, author and title (DESIGN §9)."""
    items = []
    for key, author, title, rest in SOURCES:
        who = f"{author}, " if author else ""
        items.append(f"(source-{key.lower().replace(' ', '-')})=\n"
                     f"**[{key}]** {who}*{title}*, {rest}")
    body = "\n\n".join(items)
    return f"""# Sources

The chapters mirror five documents on feedforward networks, in their own words, and cite them by
the keys below together with the documents' own section, equation and figure numbers. Equation
numbers such as (5.32) and figure numbers such as Figure 5.2 are those of [MEDL]; on these pages
they link to the place in the chapters that treats them.

{body}

Where a document has a slip (a sign, an inequality the wrong way round, a missing square), the
chapter that mirrors it says so and shows the check.
"""


def write_if_changed(path: Path, text: str) -> bool:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True
