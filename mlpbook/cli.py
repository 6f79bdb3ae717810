"""The ``mlpbook`` command line."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import __version__


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number; got {text}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text}")
    return value


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)  # also sees through links
    except OSError:
        return a.resolve() == b.resolve()


def _inside(path: Path, folder: Path) -> bool:
    path, folder = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    return path == folder or folder in path.parents


def _output_clash(args, files: list[Path]) -> str | None:
    """Why the --json/--csv outputs may not be written, or None: never over a submission, never
    inside a folder of submissions (where a submission could have prepared the path)."""
    outputs = [(flag, Path(out)) for flag, out in (("--json", args.json), ("--csv", args.csv))
               if out]
    folders = [p if p.is_dir() else p.parent for p in map(Path, args.paths)]
    for flag, out in outputs:
        for f in files:
            if _same_file(out, f):
                return f"{flag} {out} is one of the submissions being graded ({f}); choose " \
                       "another output file"
        for folder in folders:
            if _inside(out.parent, folder):
                return f"{flag} {out} is inside {folder}, a folder of submissions being " \
                       "graded; write the report elsewhere"
    if len(outputs) == 2 and _same_file(outputs[0][1], outputs[1][1]):
        return "--json and --csv name the same file"
    return None


def cmd_grade(args) -> int:
    from .grading.grade import ReportFile, collect, grade_paths, to_csv, to_json
    from .grading.isolation import describe
    from .grading.runner import Limits, protections
    from .grading.sets import exercise_sets

    if args.set is not None and args.set not in exercise_sets():
        print(f"mlpbook grade: unknown exercise set {args.set!r}; known: "
              f"{', '.join(exercise_sets())}", file=sys.stderr)
        return 2
    limits = Limits(timeout=args.timeout, memory_mb=args.memory)
    start = time.perf_counter()
    reports = {}
    try:
        clash = _output_clash(args, collect(args.paths))
        if clash:
            print(f"mlpbook grade: {clash}", file=sys.stderr)
            return 2
        for flag, out in (("--json", args.json), ("--csv", args.csv)):
            if out:
                try:
                    reports[flag] = ReportFile(out)
                except OSError as exc:
                    print(f"mlpbook grade: cannot write {flag} {out}: {exc.strerror}",
                          file=sys.stderr)
                    return 2
        print(describe(protections(limits)), file=sys.stderr)
        results = grade_paths(args.paths, args.set, limits, jobs=args.jobs)
    except FileNotFoundError as exc:
        print(f"mlpbook grade: {exc}", file=sys.stderr)
        return 2
    if not results:
        print("mlpbook grade: no notebooks found", file=sys.stderr)
        return 2
    for flag, text in (("--json", to_json(results, limits) if "--json" in reports else ""),
                       ("--csv", to_csv(results) if "--csv" in reports else "")):
        if flag in reports:
            try:
                reports[flag].write(text)
            except OSError as exc:
                print(f"mlpbook grade: cannot write {flag} {reports[flag].path}: {exc}",
                      file=sys.stderr)
                return 1
            finally:
                reports[flag].close()
    for r in results:
        counts = {}
        for q in r["questions"]:
            counts[q["status"]] = counts.get(q["status"], 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in counts.items())
        print(f"{r['score']:>3}/{r['max_score']:<3} {r['submission']}  {summary}")
        if r["error"]:
            print(f"        {r['error']}")
        if args.verbose:
            for q in r["questions"]:
                print(f"        {q['id']:<34} {q['status']:<8} {q['points']}/{q['max_points']}")
    print(f"graded {len(results)} submission(s) in {time.perf_counter() - start:.1f} s",
          file=sys.stderr)
    return 0


def cmd_exercises(args) -> int:
    from .exercises import check_exercises, generate_exercises

    if args.action == "generate":
        written = generate_exercises(Path(args.solutions), Path(args.exercises))
        for path in written:
            print(f"wrote {path}")
        return 0
    problems = check_exercises(Path(args.solutions), Path(args.exercises))
    for problem in problems:
        print(problem)
    if problems:
        print("run `mlpbook exercises generate` to refresh exercises/", file=sys.stderr)
        return 1
    print(f"{args.exercises} is up to date")
    return 0


def cmd_refresh(args) -> int:
    from .notebooks import refresh

    for path in args.paths:
        try:
            written = refresh(path, timeout=args.timeout)
        except (FileNotFoundError, RuntimeError) as exc:
            print(f"mlpbook {exc}", file=sys.stderr)
            return 1
        print(f"refreshed {', '.join(map(str, written))}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mlpbook", description=__doc__)
    parser.add_argument("--version", action="version", version=f"mlpbook {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    grade = commands.add_parser(
        "grade", help="grade exercise notebooks",
        description="Grade submitted exercise notebooks (files, or folders of *.ipynb). Each "
        "submission runs in its own sandbox process; the tests come from the installed "
        "mlpbook, never from the notebook. Statuses: passed, failed, error, timeout, missing.")
    grade.add_argument("paths", nargs="+", metavar="PATH", help="a notebook or a folder")
    grade.add_argument("--json", metavar="F", help="write the full results as JSON to F")
    grade.add_argument("--csv", metavar="F", help="write one row per submission as CSV to F")
    grade.add_argument("--timeout", type=_positive_float, default=10.0, metavar="S",
                       help="seconds of CPU time allowed for each code cell and for each "
                       "question (default 10); a cell may also use a start-up reserve of 5 s "
                       "(imports, data), and code that waits instead of computing is stopped "
                       "after 4 S + 2 seconds")
    grade.add_argument("--memory", type=_positive_int, default=1024, metavar="MB",
                       help="memory budget of each sandbox (default 1024 MB): for all its "
                       "processes together where a cgroup is available, else per process")
    grade.add_argument("--jobs", type=_positive_int, default=min(4, os.cpu_count() or 1),
                       metavar="N", help="submissions graded in parallel (default: up to 4)")
    grade.add_argument("--set", metavar="NAME", help="the exercise set (notebook stem) of every "
                       "submission; by default read from the notebook or its file name")
    grade.add_argument("-v", "--verbose", action="store_true", help="list every question")
    grade.set_defaults(func=cmd_grade)

    exercises = commands.add_parser(
        "exercises", help="generate or check exercises/ from solutions/",
        description="generate: write exercises/ from solutions/ (solution blocks replaced by "
        "stubs, outputs cleared). check: exit 1 when exercises/ is stale or contains solution "
        "text.")
    exercises.add_argument("action", choices=["generate", "check"])
    exercises.add_argument("--solutions", default="solutions", metavar="DIR")
    exercises.add_argument("--exercises", default="exercises", metavar="DIR")
    exercises.set_defaults(func=cmd_exercises)

    refresh = commands.add_parser(
        "refresh", help="re-execute notebooks and refresh their outputs and twins",
        description="Run each notebook (the .ipynb or .md given: the file you edited) top to "
        "bottom on a fresh kernel and write the executed .ipynb and, for a paired chapter, its "
        "MyST .md twin. Nothing is written when a cell fails or times out.")
    refresh.add_argument("paths", nargs="+", metavar="PATH", help="a .ipynb or .md notebook")
    refresh.add_argument("--timeout", type=_positive_float, default=300, metavar="S",
                         help="seconds allowed for each cell (default 300)")
    refresh.set_defaults(func=cmd_refresh)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
