"""Cross-references of the website: equation numbers, figures and chapters become links.

The chapters cite the book draft's equations and figures by its own numbers — "(5.32)",
"Figure 5.2" — and each other as "chapter 06". On the site every such mention links to the place
that treats it, its *home*:

- an equation's home is the display that carries ``\\tag{5.32}``, else a section heading that
  names it, else its first mention in the chapter that mentions it most often;
- a figure's home is a section heading that names it, else the first code cell that draws an
  image and names the figure in its source (a title such as "Figure 5.7: ..."); a figure with
  neither (one the chapters only cite) stays plain text;
- a chapter's home is its page.

The first part of this module is pure (finding mentions in a string, choosing homes); the second
is the Sphinx extension that applies them to the parsed pages (``setup``). Homes are chosen among
the chapter pages only, in chapter order.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

# "(5.32)": the equations cited are [MEDL]'s, numbered (5.1)-(5.53) in its chapter 5 (other
# numbers in parentheses, such as "(0.5)" or "(1.5)", are values, not equations).
# "Figure 5.2", "Figures 4.1–4.4", "Figures 5.7 and 5.8"; "chapter 06", "chapters 08–09".
_EQUATION = re.compile(r"\((5\.\d{1,2})\)")
_FIGURES = re.compile(r"\bFigures?\s+\d{1,2}\.\d{1,3}"
                      r"(?:(?:\s*(?:,|–|-|and|to|&)\s*)\d{1,2}\.\d{1,3}(?![\d.]*\d))*")
_CHAPTERS = re.compile(r"\b[Cc]hapters?\s+\d{2}\b(?:(?:\s*(?:,|–|-|and|to|&)\s*)\d{2}\b)*")
_NUMBER = re.compile(r"\d{1,2}\.\d{1,3}")
_TWO_DIGITS = re.compile(r"\d{2}")
_TAG = re.compile(r"\\tag\*?\{\s*([^}]*)\}")
_RANGE = re.compile(r"^(\d{1,2})\.(\d{1,3})\s*[–-]\s*(?:(\d{1,2})\.)?(\d{1,3})$")


@dataclass(frozen=True)
class Mention:
    """``text[start:end]`` names ``key``: ("eq", "5.32"), ("fig", "5.2") or ("ch", "06")."""

    start: int
    end: int
    key: tuple[str, str]


def find_mentions(text: str) -> list[Mention]:
    """Every equation number, figure number and chapter number mentioned in ``text``, in order.
    The span of the first number of a group includes its word: "Figure 5.2", "chapters 08",
    then "09"."""
    found = [Mention(m.start(), m.end(), ("eq", m.group(1))) for m in _EQUATION.finditer(text)]
    for pattern, number, kind in ((_FIGURES, _NUMBER, "fig"), (_CHAPTERS, _TWO_DIGITS, "ch")):
        for m in pattern.finditer(text):
            head = re.match(r"\w+\s+", m.group()).end()
            for i, n in enumerate(number.finditer(m.group(), head)):
                start = m.start() + (0 if i == 0 else n.start())  # "Figure 5.2", then "5.3"
                found.append(Mention(start, m.start() + n.end(), (kind, n.group())))
    return sorted(found, key=lambda m: m.start)


def expand_range(label: str) -> list[str]:
    """The numbers a label names: "5.38" -> ["5.38"]; "5.47–5.48" or "4.1–4" -> every number
    of the range. Anything else -> []."""
    label = label.strip()
    if re.fullmatch(r"\d{1,2}\.\d{1,3}", label):
        return [label]
    m = _RANGE.match(label)
    if not m or (m.group(3) and m.group(3) != m.group(1)):
        return []
    major, first, last = m.group(1), int(m.group(2)), int(m.group(4))
    if not first <= last <= first + 50:
        return []
    return [f"{major}.{i}" for i in range(first, last + 1)]


def title_keys(text: str) -> list[tuple[str, str]]:
    """The equations and figures a heading names, ranges such as "Figures 4.1–4.4" expanded."""
    keys = []
    for m in _FIGURES.finditer(text):
        for part in re.split(r"\s*(?:,|and|to|&)\s*", m.group().split(None, 1)[1]):
            keys += [("fig", n) for n in (expand_range(part) or _NUMBER.findall(part))]
    for m in re.finditer(r"\((5\.\d{1,2})\)\s*[–-]\s*\((5\.\d{1,2})\)", text):
        keys += [("eq", n) for n in expand_range(f"{m.group(1)}–{m.group(2)}")]
    keys += [("eq", m.group(1)) for m in _EQUATION.finditer(text)]
    return list(dict.fromkeys(keys))


def tag_keys(latex: str) -> list[str]:
    """The equation numbers of the ``\\tag{...}``s in a display: "5.38", "5.47–5.48"."""
    return [n for m in _TAG.finditer(latex) for n in expand_range(m.group(1))
            if n.startswith("5.")]


@dataclass(frozen=True)
class Record:
    """A candidate seen while reading a page: ``kind`` is "tag" (a tagged display), "title" (a
    section heading), "code" (a code cell with an image output naming a figure) or "text" (a
    mention in prose)."""

    kind: str
    key: tuple[str, str]


def choose_homes(records: dict[str, list[Record]], order: list[str]) -> dict[tuple, tuple]:
    """The home of every equation and figure key: key -> (docname, kind).

    ``records`` maps each chapter page to its records in reading order; ``order`` lists the
    chapter pages in chapter order. Priority for equations: tag, title, then the page with the
    most text mentions (the earlier page on a tie); for figures: title, then code."""
    ranked = {"eq": ("tag", "title"), "fig": ("title", "code")}
    homes: dict[tuple, tuple] = {}
    for kind_order in (0, 1):
        for doc in order:
            for r in records.get(doc, []):
                prefs = ranked.get(r.key[0], ())
                if len(prefs) > kind_order and r.kind == prefs[kind_order]:
                    homes.setdefault(r.key, (doc, r.kind))
    counts: dict[tuple, Counter] = {}
    for doc in order:
        for r in records.get(doc, []):
            if r.key[0] == "eq" and r.kind == "text":
                counts.setdefault(r.key, Counter())[doc] += 1
    for key, per_doc in counts.items():
        if key not in homes:
            best = max(per_doc.values())
            homes[key] = (next(d for d in order if per_doc.get(d) == best), "text")
    return homes


def anchor(key: tuple[str, str]) -> str:
    """The HTML id of a key's home: ("eq", "5.32") -> "eq-5-32"."""
    return f"{key[0]}-{key[1].replace('.', '-')}"


# ---- the Sphinx extension ---------------------------------------------------------------------

_SKIP_CLASSES = {"cell_input", "cell_output"}


def _skipped(node) -> bool:
    from docutils import nodes

    kinds = (nodes.literal, nodes.literal_block, nodes.math, nodes.math_block, nodes.reference,
             nodes.raw, nodes.title, nodes.comment, nodes.target, nodes.image)
    while node is not None:
        if isinstance(node, kinds) or _SKIP_CLASSES & set(node.get("classes", []) if
                                                           hasattr(node, "get") else []):
            return True
        node = node.parent
    return False


def _collect(app, doctree):
    """doctree-read: the records of a chapter page."""
    from docutils import nodes

    docname = app.env.docname
    if docname not in app.config.mlpbook_chapters.values():
        return
    records = []
    for node in doctree.findall():
        if isinstance(node, nodes.math_block):
            records += [Record("tag", ("eq", n)) for n in tag_keys(node.astext())]
        elif isinstance(node, nodes.title) and isinstance(node.parent, nodes.section):
            records += [Record("title", k) for k in title_keys(node.astext())]
        elif isinstance(node, nodes.container) and "cell" in node.get("classes", []):
            if any(True for _ in node.findall(nodes.image)):
                source = "".join(n.astext() for n in node.findall(nodes.literal_block)
                                 if not _in_output(n))
                records += [Record("code", ("fig", n)) for m in _FIGURES.finditer(source)
                            for n in _NUMBER.findall(m.group())]
        elif isinstance(node, nodes.Text) and not _skipped(node.parent):
            records += [Record("text", m.key) for m in find_mentions(str(node))
                        if m.key[0] == "eq"]
    app.env.mlpbook_xref_records = getattr(app.env, "mlpbook_xref_records", {})
    app.env.mlpbook_xref_records[docname] = records


def _in_output(node) -> bool:
    while node is not None:
        if "cell_output" in (node.get("classes", []) if hasattr(node, "get") else []):
            return True
        node = node.parent
    return False


def _homes(app):
    env = app.env
    if getattr(env, "mlpbook_xref_homes", None) is None:
        chapters = app.config.mlpbook_chapters
        order = [chapters[k] for k in sorted(chapters)]
        env.mlpbook_xref_homes = choose_homes(getattr(env, "mlpbook_xref_records", {}), order)
    return env.mlpbook_xref_homes


def _place_anchors(doctree, docname, homes):
    """Put the ids of the homes on this page; returns the keys whose home is a text mention
    here (the first such mention becomes the anchor instead of a link)."""
    from docutils import nodes

    here = {key: kind for key, (doc, kind) in homes.items() if doc == docname}
    placed = set()

    def add_id(node, key):
        if key not in placed:
            node["ids"].append(anchor(key))
            placed.add(key)

    for node in doctree.findall():
        if isinstance(node, nodes.math_block):
            for n in tag_keys(node.astext()):
                if here.get(("eq", n)) == "tag":
                    add_id(node, ("eq", n))
        elif isinstance(node, nodes.title) and isinstance(node.parent, nodes.section):
            for key in title_keys(node.astext()):
                if here.get(key) == "title":
                    add_id(node.parent, key)
        elif isinstance(node, nodes.container) and "cell" in node.get("classes", []):
            if any(True for _ in node.findall(nodes.image)):
                source = "".join(n.astext() for n in node.findall(nodes.literal_block)
                                 if not _in_output(n))
                for m in _FIGURES.finditer(source):
                    for n in _NUMBER.findall(m.group()):
                        if here.get(("fig", n)) == "code":
                            add_id(node, ("fig", n))
    return {key for key, kind in here.items() if kind == "text"}


def _link(app, doctree, docname):
    """doctree-resolved: anchors at the homes, links at every other mention."""
    from docutils import nodes

    homes = _homes(app)
    chapters = app.config.mlpbook_chapters
    pending_anchor = _place_anchors(doctree, docname, homes)
    builder = app.builder
    for text in list(doctree.findall(nodes.Text)):
        if _skipped(text.parent):
            continue
        value = str(text)
        mentions = find_mentions(value)
        if not mentions:
            continue
        pieces, at = [], 0
        for m in mentions:
            label = value[m.start:m.end]
            if m.key[0] == "ch":
                target, fragment = chapters.get(m.key[1]), ""
                if target == docname:
                    target = None
            else:
                target, fragment = homes.get(m.key, (None, None))[0], "#" + anchor(m.key)
            if target is None:
                continue
            pieces.append(nodes.Text(value[at:m.start]))
            if target == docname and m.key in pending_anchor:
                pieces.append(nodes.inline(label, label, ids=[anchor(m.key)],
                                           classes=["mlpbook-anchor"]))
                pending_anchor.discard(m.key)
            else:
                uri = builder.get_relative_uri(docname, target) + fragment
                if target == docname:
                    uri = fragment
                pieces.append(nodes.reference(label, label, refuri=uri, internal=True,
                                              classes=["mlpbook-xref"]))
            at = m.end
        if not pieces:
            continue
        pieces.append(nodes.Text(value[at:]))
        text.parent.replace(text, [p for p in pieces if not isinstance(p, nodes.Text) or
                                   str(p)])


def _reset(app, env, docnames):
    env.mlpbook_xref_homes = None  # chosen again from the records once every page is read


def setup(app):
    app.add_config_value("mlpbook_chapters", {}, "env")  # "06" -> docname of chapter 06
    app.connect("env-before-read-docs", _reset)
    app.connect("doctree-read", _collect)
    app.connect("doctree-resolved", _link)
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True}
