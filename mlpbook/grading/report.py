"""A class report from the grader's JSON (``mlpbook grade ... --json GRADES.json``): for every
question the pass rate, the most common failing case and the statuses; for every exercise set
the distribution of the scores. :func:`class_report` computes it, :func:`format_report` prints
it, :func:`plot_report` draws it."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

__all__ = ["load_results", "class_report", "format_report", "plot_report", "failing_case"]



def load_results(path) -> list[dict]:
    """The submissions of a grades file written by ``mlpbook grade --json``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a grades file written by mlpbook grade --json ({exc})") \
            from None
    if not isinstance(data, dict) or not isinstance(data.get("submissions"), list):
        raise ValueError(f"{path}: expected the JSON of mlpbook grade --json (with "
                         "'submissions'); got something else")
    return data["submissions"]


def failing_case(message: str, name: str) -> str | None:
    """The label of the failing case in the message of question ``name`` (the grader writes
    "public case i of n, LABEL: name(arguments)...", or "hidden case ...", or "case ..."), e.g.
    'huge logits'."""
    m = re.match(rf"(?:(?:public|hidden) )?case \d+ of \d+, (.*?): {re.escape(name)}\(",
                 message or "", re.S)
    return m.group(1) if m else None


def class_report(results: list[dict]) -> dict:
    """{"sets": {set: {"max_score", "scores": [...], "questions": [{"id", "max_points",
    "n", "passed", "pass_rate", "statuses", "common_failure", "common_failure_count"}]}}}"""
    sets: dict[str, dict] = {}
    for r in results:
        if not r.get("set"):
            continue
        s = sets.setdefault(r["set"], {"max_score": r["max_score"], "scores": [],
                                       "questions": {}})
        s["scores"].append(r["score"])
        for q in r["questions"]:
            entry = s["questions"].setdefault(q["id"], {"id": q["id"],
                                                        "max_points": q["max_points"],
                                                        "statuses": Counter(),
                                                        "failures": Counter()})
            entry["statuses"][q["status"]] += 1
            label = failing_case(q["message"], q["name"]) if q["status"] != "passed" else None
            if label:
                entry["failures"][label] += 1
    for s in sets.values():
        questions = []
        for entry in s["questions"].values():
            n = sum(entry["statuses"].values())
            common = entry["failures"].most_common(1)
            questions.append({"id": entry["id"], "max_points": entry["max_points"], "n": n,
                              "passed": entry["statuses"]["passed"],
                              "pass_rate": 100.0 * entry["statuses"]["passed"] / n,
                              "statuses": dict(entry["statuses"]),
                              "common_failure": common[0][0] if common else None,
                              "common_failure_count": common[0][1] if common else 0})
        s["questions"] = questions
        s["scores"].sort()
    return {"sets": dict(sorted(sets.items()))}


def format_report(report: dict) -> str:
    lines = []
    for name, s in report["sets"].items():
        scores = s["scores"]
        mean = sum(scores) / len(scores)
        lines.append(f"{name}: {len(scores)} submission(s), mean {mean:.1f}/{s['max_score']}, "
                     f"median {scores[len(scores) // 2]}/{s['max_score']}")
        counts = Counter(scores)
        lines.append("  scores: " + ", ".join(f"{v}/{s['max_score']}: {counts[v]}"
                                              for v in sorted(counts)))
        lines.append(f"  {'question':<34} {'pass rate':>9}  most common failing case")
        for q in s["questions"]:
            fail = f"{q['common_failure']} ({q['common_failure_count']}×)" \
                if q["common_failure"] else "-"
            others = ", ".join(f"{k} {v}" for k, v in sorted(q["statuses"].items())
                               if k != "passed")
            lines.append(f"  {q['id']:<34} {q['pass_rate']:>8.0f}%  {fail}"
                         + (f"  [{others}]" if others else ""))
    return "\n".join(lines)


def plot_report(report: dict, path) -> Path:
    """A figure: per set, the pass rate of each question and the histogram of the scores."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    sets = list(report["sets"].items())
    fig, axes = plt.subplots(len(sets), 2, figsize=(11, 3 * len(sets)), squeeze=False)
    for (name, s), (left, right) in zip(sets, axes, strict=True):
        ids = [q["id"] for q in s["questions"]]
        left.barh(ids, [q["pass_rate"] for q in s["questions"]], color="tab:green")
        left.set_xlim(0, 100)
        left.invert_yaxis()
        left.set_xlabel("pass rate (%)")
        left.set_title(name)
        right.hist(s["scores"], bins=range(s["max_score"] + 2), align="left", color="tab:blue")
        right.set_xlabel(f"score (out of {s['max_score']})")
        right.set_ylabel("submissions")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)
