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


def _nonnegative_float(text: str) -> float:
    value = float(text)
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number, 0 or more; got {text}")
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


_OUTPUTS = ("--json", "--csv", "--gradescope", "--canvas")


def _outputs(args) -> list[tuple[str, Path]]:
    """The reports asked for: (flag, path) for --json, --csv, --gradescope and --canvas."""
    return [(flag, Path(getattr(args, flag[2:]))) for flag in _OUTPUTS if getattr(args, flag[2:])]


def _output_clash(args, files: list[Path]) -> str | None:
    """Why the report files may not be written, or None: never over a submission, never inside a
    folder of submissions (where a submission could have prepared the path), never two reports
    in one file."""
    outputs = _outputs(args)
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
    for i, (flag, out) in enumerate(outputs):
        for other, other_out in outputs[i + 1:]:
            if _same_file(out, other_out):
                return f"{flag} and {other} name the same file ({out})"
    if args.gradescope and len(files) != 1:
        return f"--gradescope writes the results of one submission; {len(files)} were given"
    return None


def _report_texts(args, results, limits, roster) -> dict[str, str]:
    """The text of each report asked for, by flag; Canvas's warnings go to stderr."""
    import json

    from .grading.exports import canvas_csv, gradescope_results
    from .grading.grade import to_csv, to_json

    texts = {}
    if args.json:
        texts["--json"] = to_json(results, limits)
    if args.csv:
        texts["--csv"] = to_csv(results)
    if args.gradescope:
        texts["--gradescope"] = json.dumps(
            gradescope_results(results[0], args.hidden_visibility or "after_due_date"),
            indent=2, ensure_ascii=False) + "\n"
    if args.canvas:
        texts["--canvas"], notes = canvas_csv(results, roster, _canvas_mapping(args),
                                              args.keep or "latest")
        for note in notes:
            print(f"mlpbook grade: {note}", file=sys.stderr)
    return texts


def _canvas_mapping(args) -> dict[str, str]:
    """--canvas-column SET=COLUMN, repeated: {set: column header}; raises ValueError."""
    from .grading.sets import exercise_sets

    mapping = {}
    for item in args.canvas_column or []:
        set_name, sep, header = item.partition("=")
        set_name, header = set_name.strip(), header.strip()
        if not sep or not set_name or not header:
            raise ValueError(f"--canvas-column expects SET=\"Name (ID)\", e.g. "
                             f"04_activation_functions=\"HW4 Activation functions (5101)\"; "
                             f"got {item!r}")
        if set_name not in exercise_sets():
            raise ValueError(f"--canvas-column {item!r}: unknown exercise set {set_name!r}; "
                             f"known: {', '.join(exercise_sets())}")
        if set_name in mapping and mapping[set_name] != header:
            raise ValueError(f"--canvas-column gives {set_name} two columns: "
                             f"{mapping[set_name]!r} and {header!r}")
        mapping[set_name] = header
    return mapping


def _canvas_plan(args, files, roster) -> None:
    """Refuse, before grading, a Canvas column plan that cannot be written (an unknown mapped
    column, a set matching several assignment columns); raises ValueError."""
    from .grading.exports import canvas_columns
    from .grading.sets import exercise_sets
    from .grading.submission import read_submission, set_name_of

    known = list(exercise_sets())
    sets = set()
    for f in files:
        try:
            name = args.set or set_name_of(read_submission(f), known)
        except OSError:
            continue
        if name:
            sets.add(name)
    canvas_columns(sets, roster, _canvas_mapping(args))


def cmd_grade(args) -> int:
    from .grading.exports import read_roster
    from .grading.grade import ReportFile, collect, grade_paths
    from .grading.isolation import describe
    from .grading.questions import KEY_VARIABLE, grading_key
    from .grading.runner import Limits, SandboxError, protections

    try:
        from .grading.grade import exercise_sets

        exercise_sets()
    except RuntimeError as exc:
        print(f"mlpbook grade: {exc}", file=sys.stderr)
        return 2
    if args.set is not None and args.set not in exercise_sets():
        print(f"mlpbook grade: unknown exercise set {args.set!r}; known: "
              f"{', '.join(exercise_sets())}", file=sys.stderr)
        return 2
    for given, flag in ((args.roster, "--roster"), (args.canvas_column, "--canvas-column"),
                        (args.keep, "--keep")):
        if given and not args.canvas:
            print(f"mlpbook grade: {flag} is read only with --canvas", file=sys.stderr)
            return 2
    if args.hidden_visibility and not args.gradescope:
        print("mlpbook grade: --hidden-visibility is read only with --gradescope",
              file=sys.stderr)
        return 2
    limits = Limits(timeout=args.timeout, reserve=args.reserve, memory_mb=args.memory)
    start = time.perf_counter()
    reports = {}
    try:
        files = collect(args.paths)
        clash = _output_clash(args, files)
        if clash:
            print(f"mlpbook grade: {clash}", file=sys.stderr)
            return 2
        try:
            roster = read_roster(args.roster) if args.roster else None
        except (OSError, ValueError) as exc:
            print(f"mlpbook grade: --roster: {exc}", file=sys.stderr)
            return 2
        if args.canvas:
            try:
                _canvas_plan(args, files, roster)
            except ValueError as exc:
                print(f"mlpbook grade: {exc}", file=sys.stderr)
                return 2
        for flag, out in _outputs(args):
            if flag == "--gradescope":  # Gradescope's results/ folder may not exist yet
                out.parent.mkdir(parents=True, exist_ok=True)
            try:
                reports[flag] = ReportFile(out)
            except OSError as exc:
                print(f"mlpbook grade: cannot write {flag} {out}: {exc.strerror}",
                      file=sys.stderr)
                return 2
        try:
            print(describe(protections(limits)), file=sys.stderr)
        except SandboxError as exc:
            print(f"mlpbook grade: {exc}", file=sys.stderr)
            return 2
        if not grading_key():
            print(f"mlpbook grade: {KEY_VARIABLE} is not set: the hidden cases are the ones anyone "
                  "with the instructor's package can draw; set it to a secret of yours",
                  file=sys.stderr)
        results = grade_paths(args.paths, args.set, limits, jobs=args.jobs)
        if not results:
            print("mlpbook grade: no notebooks found", file=sys.stderr)
            return 2
        for flag, text in _report_texts(args, results, limits, roster).items():
            try:
                reports[flag].write(text)
            except OSError as exc:
                print(f"mlpbook grade: cannot write {flag} {reports[flag].path}: {exc}",
                      file=sys.stderr)
                return 1
    except FileNotFoundError as exc:
        print(f"mlpbook grade: {exc}", file=sys.stderr)
        return 2
    finally:
        for report in reports.values():
            report.close()
    for r in results:
        counts = {}
        for q in r["questions"]:
            counts[q["status"]] = counts.get(q["status"], 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in counts.items())
        print(f"{r['score']:>3g}/{r['max_score']:<3} {r['submission']}  {summary}")
        if r["error"]:
            print(f"        {r['error']}")
        for e in r.get("cell_errors", []):
            print(f"        cell {e['cell'] + 1} ({e['first_line']}): {e['error']}")
        for q in r["questions"]:
            if args.verbose or (q["status"] != "passed" and
                                not q["message"].startswith("not attempted")):
                print(f"        {q['id']:<34} {q['status']:<8} {q['points']:g}/{q['max_points']}")
                if q["status"] != "passed":
                    print(f"          {q['message'].splitlines()[0][:160]}")
    print(f"graded {len(results)} submission(s) in {time.perf_counter() - start:.1f} s",
          file=sys.stderr)
    return 0


def cmd_exercises(args) -> int:
    from .grading.exercises import check_exercises, generate_exercises

    if args.action == "gradescope":
        return _gradescope_zip(args)
    if args.key_file or args.hidden_visibility:
        print(f"mlpbook exercises {args.action}: --key-file and --hidden-visibility are for "
              "gradescope", file=sys.stderr)
        return 2
    solutions = Path(args.solutions)
    if not any(solutions.glob("*.ipynb")):
        where = "is not a directory" if not solutions.is_dir() else "holds no notebooks"
        print(f"mlpbook exercises: {args.solutions} {where}; run this command from the root of "
              "the mlpbook repository (where solutions/ and exercises/ are), or pass "
              "--solutions DIR and --exercises DIR", file=sys.stderr)
        return 2
    if args.action == "release":
        from .grading.release import release

        if not args.out:
            print("mlpbook exercises release: give the folder to write (OUT)", file=sys.stderr)
            return 2
        try:
            written = release(Path(args.out), Path(args.solutions), Path(args.exercises))
        except (ValueError, FileExistsError) as exc:
            print(f"mlpbook exercises release: {exc}", file=sys.stderr)
            return 1
        print(f"wrote {len(written)} files to {args.out} (no solutions, no references)")
        return 0
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


def _gradescope_zip(args) -> int:
    from .grading.exports import autograder_zip, grading_key_for
    from .grading.sets import exercise_sets

    where = "mlpbook exercises gradescope"
    if not args.out or not args.out.endswith(".zip"):
        print(f"{where}: give the zip file to write (OUT.zip)", file=sys.stderr)
        return 2
    if args.set not in exercise_sets():
        given = f"got {args.set!r}" if args.set else "none was given"
        print(f"{where}: --set NAME is required: the autograder grades one exercise set, that "
              f"of the assignment; expected one of {', '.join(exercise_sets())}; {given}",
              file=sys.stderr)
        return 2
    try:
        key = grading_key_for(args.out, args.key_file)
        path = autograder_zip(args.out, args.set, args.timeout,
                              args.hidden_visibility or "after_due_date", key)
    except (OSError, ValueError) as exc:
        print(f"{where}: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path} for exercise set {args.set}: upload it as the assignment's autograder")
    if key.new_file is not None:
        print(f"grading key: a new random key, kept in {key.new_file} (readable by you only) and "
              "in the zip; keep it to draw the same hidden cases when you grade yourself "
              f"(MLPBOOK_GRADING_KEY=\"$(cat {key.new_file})\" mlpbook grade ...), or pass it "
              "again with --key-file")
    else:
        print(f"grading key: from {key.source}, now also in the zip")
    print(f"scored tests: visibility {args.hidden_visibility or 'after_due_date'}; the public "
          "cases' results are visible at once")
    return 0


def cmd_report(args) -> int:
    from .grading.report import class_report, format_report, load_results, plot_report

    try:
        report = class_report(load_results(args.grades))
    except ValueError as exc:
        print(f"mlpbook report: {exc}", file=sys.stderr)
        return 2
    if not report["sets"]:
        print("mlpbook report: no graded submissions in the file", file=sys.stderr)
        return 2
    print(format_report(report))
    if args.png:
        print(f"wrote {plot_report(report, args.png)}")
    return 0


def cmd_similarity(args) -> int:
    from .grading.similarity import compare, format_comparison

    if not Path(args.folder).is_dir():
        print(f"mlpbook similarity: no such folder: {args.folder}", file=sys.stderr)
        return 2
    if args.exercises is not None and not Path(args.exercises).is_dir():
        print(f"mlpbook similarity: --exercises {args.exercises} is not a folder; expected the "
              "folder of the exercise notebooks (or leave --exercises out)", file=sys.stderr)
        return 2
    print(format_comparison(compare(args.folder, args.exercises, args.threshold)))
    return 0


def cmd_refresh(args) -> int:
    from .tools.notebooks import refresh

    for path in args.paths:
        try:
            written = refresh(path, timeout=args.timeout)
        except (FileNotFoundError, RuntimeError) as exc:
            print(f"mlpbook {exc}", file=sys.stderr)
            return 1
        print(f"refreshed {', '.join(map(str, written))}")
    return 0


def cmd_site(args) -> int:
    try:
        from .tools.site import build
    except ImportError as exc:  # Sphinx and its extensions are an optional extra
        print(f"mlpbook site: {exc.name} is not installed; install the site extra: "
              'python -m pip install -e ".[site]"', file=sys.stderr)
        return 2
    try:
        report = build(out=args.out, book=args.book, exercises=args.exercises, cache=args.cache,
                       jobs=args.jobs, mathjax=args.mathjax, pdf=args.pdf,
                       log=lambda text: print(text, file=sys.stderr))
    except (RuntimeError, ValueError) as exc:
        print(f"mlpbook {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlpbook", description="The mlpbook command line: grade exercise notebooks, "
        "generate and check the exercises, refresh the notebooks' outputs.")
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
                       "question (default 10); a cell may also use a start-up reserve "
                       "(--reserve), and code that waits instead of computing is stopped "
                       "after 4 S + 2 seconds")
    grade.add_argument("--reserve", type=_nonnegative_float, default=5.0, metavar="S",
                       help="seconds of CPU time that the cells of a submission may use "
                       "together beyond --timeout, for imports and loading data (default 5)")
    grade.add_argument("--memory", type=_positive_int, default=1024, metavar="MB",
                       help="memory budget of each sandbox (default 1024 MB): for all its "
                       "processes together where a cgroup is available, else per process")
    grade.add_argument("--jobs", type=_positive_int, default=min(4, os.cpu_count() or 1),
                       metavar="N", help="submissions graded in parallel (default: up to 4)")
    grade.add_argument("--set", metavar="NAME", help="the exercise set (notebook stem) of every "
                       "submission; by default read from the notebook or its file name")
    grade.add_argument("-v", "--verbose", action="store_true", help="list every question")
    grade.add_argument("--gradescope", metavar="F", help="write Gradescope's results.json for "
                       "the one submission graded to F")
    grade.add_argument("--canvas", metavar="F", help="write a Canvas gradebook import CSV to F "
                       "(one row per student, one column per exercise set)")
    grade.add_argument("--roster", metavar="CSV", help="with --canvas: the students and the "
                       "assignment columns (a Canvas gradebook export); by default the students "
                       "are read from the file names")
    grade.add_argument("--canvas-column", action="append", metavar="SET=COLUMN",
                       help="with --canvas: write exercise set SET into the existing assignment "
                       "column COLUMN, its header in the gradebook export ('Name (ID)', e.g. "
                       "04_activation_functions=\"HW4 Activation functions (5101)\"); "
                       "repeatable. Unmapped sets go to the one assignment column of --roster "
                       "whose name matches the set's topic, else to a new column named after "
                       "the set")
    grade.add_argument("--keep", choices=["latest", "highest"], default=None,
                       help="with --canvas: which of several submissions of one student for "
                       "one set counts: the latest (default: by Canvas submission id, then "
                       "resubmission number -1, -2, then modification time) or the highest "
                       "score; the files set aside are listed")
    grade.add_argument("--hidden-visibility", default=None,
                       choices=["visible", "hidden", "after_due_date", "after_published"],
                       help="with --gradescope: when students see the scored tests (default "
                       "after_due_date); the public cases' tests are always visible")
    grade.set_defaults(func=cmd_grade)

    exercises = commands.add_parser(
        "exercises", help="generate, check or release the exercises",
        description="generate: write exercises/ from solutions/ (solution blocks replaced by "
        "stubs, outputs cleared). check: exit 1 when exercises/ is stale or contains solution "
        "text. release OUT: write the student bundle (exercise notebooks, their data, a "
        "README; no solutions, no references) into the folder OUT. gradescope OUT.zip --set "
        "NAME: write the autograder of one exercise set to upload to Gradescope (setup.sh, "
        "which installs this package as a wheel into a venv of its own, run_autograder, the "
        "wheel and the grading key).")
    exercises.add_argument("action", choices=["generate", "check", "release", "gradescope"])
    exercises.add_argument("out", nargs="?", metavar="OUT", help="release: a new folder; "
                           "gradescope: the zip file")
    exercises.add_argument("--set", metavar="NAME", help="gradescope (required): the exercise "
                           "set of the assignment; a notebook of another set scores 0")
    exercises.add_argument("--hidden-visibility", default=None,
                           choices=["visible", "hidden", "after_due_date", "after_published"],
                           help="gradescope: when students see the scored tests, whose points "
                           "depend on the hidden cases (default after_due_date); the tests of "
                           "the public cases, as check() runs them, are visible at once")
    exercises.add_argument("--key-file", metavar="F", help="gradescope: the grading key to put "
                           "in the zip (default: MLPBOOK_GRADING_KEY, else a new random key "
                           "kept in OUT.zip.key, mode 0600)")
    exercises.add_argument("--timeout", type=_positive_float, default=10.0, metavar="S",
                           help="gradescope: the grader's --timeout (default 10)")
    exercises.add_argument("--solutions", default="solutions", metavar="DIR")
    exercises.add_argument("--exercises", default="exercises", metavar="DIR")
    exercises.set_defaults(func=cmd_exercises)

    report = commands.add_parser(
        "report", help="per-question statistics of a class",
        description="Read the JSON of mlpbook grade --json and print, per question, the pass "
        "rate, the most common failing case and the statuses, and per exercise set the "
        "distribution of the scores.")
    report.add_argument("grades", metavar="GRADES.json")
    report.add_argument("--png", metavar="FILE", help="also draw the report into FILE")
    report.set_defaults(func=cmd_report)

    similarity = commands.add_parser(
        "similarity", help="pairs of submissions with near-identical answers",
        description="Compare the functions of every two submissions of the same exercise set "
        "after normalisation (names, comments, docstrings and formatting removed with ast; "
        "the exercise's starter code left out) and list the pairs that match, with the "
        "matching functions and a score, then the submissions left out of the comparison and "
        "why (not a notebook, or no way to tell its exercise set).")
    similarity.add_argument("folder", metavar="FOLDER")
    similarity.add_argument("--threshold", type=float, default=0.9, metavar="R",
                            help="similarity ratio of a matching function (default 0.9)")
    similarity.add_argument("--exercises", default=None, metavar="DIR",
                            help="the exercise notebooks whose starter code is left out, besides "
                            "the stubs every exercise starts from (default: exercises/ beside "
                            "the package, when the package runs from a checkout)")
    similarity.set_defaults(func=cmd_similarity)

    refresh = commands.add_parser(
        "refresh", help="re-execute notebooks and refresh their outputs and twins",
        description="Run each notebook (the .ipynb or .md given: the file you edited) top to "
        "bottom on a fresh kernel and write the executed .ipynb and, for a paired chapter, its "
        "MyST .md twin. Nothing is written when a cell fails or times out.")
    refresh.add_argument("paths", nargs="+", metavar="PATH", help="a .ipynb or .md notebook")
    refresh.add_argument("--timeout", type=_positive_float, default=300, metavar="S",
                         help="seconds allowed for each cell (default 300)")
    refresh.set_defaults(func=cmd_refresh)

    site = commands.add_parser(
        "site", help="build the book as an offline static website",
        description="build: turn the committed chapter and exercise notebooks (not re-executed) "
        "into a static website with math, figures, search and explorers that work without a "
        "kernel, the guides (docs/, benchmarks/README.md) and each chapter's notebook to "
        "download; every asset is served from OUT. --pdf also prints the book to "
        "OUT/mlpbook.pdf. Needs the site extra: "
        'python -m pip install -e ".[site]".')
    site.add_argument("action", choices=["build"])
    site.add_argument("--out", default="_site", metavar="DIR",
                      help="output folder (default _site); replaced only if empty or built here "
                      "before")
    site.add_argument("--book", default="book", metavar="DIR")
    site.add_argument("--exercises", default="exercises", metavar="DIR")
    site.add_argument("--cache", default=None, metavar="DIR",
                      help="explorer frames and MathJax, reused by later builds (default "
                      "~/.cache/mlpbook/site)")
    site.add_argument("--jobs", type=_positive_int, default=None, metavar="N",
                      help="processes drawing explorer frames (default: one per core)")
    site.add_argument("--mathjax", metavar="DIR", help="an unpacked MathJax 3 es5 folder to "
                      "serve instead of the cached npm copy")
    site.add_argument("--pdf", action="store_true",
                      help="also print the chapters and the appendix to OUT/mlpbook.pdf through "
                      "headless Chromium (/usr/bin/chromium or MLPBOOK_CHROMIUM; no TeX)")
    site.set_defaults(func=cmd_site)
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
