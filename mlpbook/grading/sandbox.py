"""The sandbox: runs one submission's code in a child process and reports plain data.

The grader starts ``python -m mlpbook.grading.sandbox JOB`` in an empty temporary directory.
Trusted code runs first: it reads the job (code cells, cells to skip, and for each question the
function name, how to call it and the inputs to call it on), points stdin, stdout and stderr at
/dev/null, keeping a private duplicate of stdout for its reports (printed output of the
submission is therefore never read), drops to a user of its own when started as root
(:mod:`mlpbook.grading.privileges`; then at most ``processes`` processes may run), and lowers its
resource limits (address space, CPU time, file size, no core dumps).

Then it executes the code cells in order, each in ``try/except``, so a broken cell costs only
what depends on it, and for each question forks a process that calls the student's function on
each input and reports what it returned, encoded by :mod:`mlpbook.grading.wire` (no pickle). A
crash or ``os._exit`` in an answer ends only that fork. When the sandbox is alone in its PID
namespace or runs under an id of its own, every process a cell or an answer leaves behind is
killed after that cell or answer, so the next one starts clean. This process decides nothing:
the grader compares the reports with reference answers computed in its own process, and
enforces the time limits by killing this process group.

Reports, one JSON object per line:
    {"ready": true}                                          before the first cell
    {"cell": i, "error": null or "TypeName: message"}      after each executed cell
    {"question": id, "outcomes": [...]} or {"question": id, "missing": "..."}   from the fork
    {"question": id, "exit": "ok" or "how the fork ended"}                    after the fork
"""

from __future__ import annotations

import builtins
import json
import os
import re
import resource
import signal
import sys

import numpy as np

from . import feedback, ownwork, privileges, wire
from .questions import describe_exception as describe
from .questions import invoke

# Captured before any submitted code runs, which could replace the module attributes.
_fork, _exit, _waitpid, _write = os.fork, os._exit, os.waitpid, os.write
_dumps, _errstate = json.dumps, np.errstate
_encode, _decode, _WireError, _invoke = wire.encode, wire.decode, wire.WireError, invoke
_kill_leftovers = privileges.kill_leftovers
_watch = ownwork.watch

_MAGIC = re.compile(r"^\s*[%!]")


def set_limits(memory_mb: int, cpu_seconds: int, file_mb: int) -> None:
    """Lower (never raise) the limits of this process and of everything it starts."""
    for which, value in ((resource.RLIMIT_AS, memory_mb << 20),
                         (resource.RLIMIT_CPU, cpu_seconds),
                         (resource.RLIMIT_FSIZE, file_mb << 20),
                         (resource.RLIMIT_CORE, 0)):
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))


def python_source(src: str) -> str:
    """IPython magics and shell escapes (``%...``, ``!...``) are not Python: drop them."""
    return "\n".join("pass" if _MAGIC.match(line) else line for line in src.splitlines())


class Reporter:
    def __init__(self, fd: int):
        self.fd = fd

    def send(self, obj: dict) -> None:
        data = (_dumps(obj, separators=(",", ":")) + "\n").encode()
        while data:
            data = data[_write(self.fd, data):]


def run_cells(cells: list[str], skip: set[int], namespace: dict, report: Reporter,
              tidy=lambda: None) -> None:
    for i, src in enumerate(cells):
        if i in skip:
            continue
        error = None
        try:
            exec(compile(python_source(src), "<cell>", "exec"), namespace)
        except BaseException as exc:  # SystemExit, KeyboardInterrupt and MemoryError included
            error = describe(exc)
        tidy()
        report.send({"cell": i, "error": error})


def answer(question: dict, namespace: dict, report: Reporter) -> None:
    """In the forked process: call the student's function on every input and report."""
    qid, name = question["id"], question["name"]
    function = namespace.get(name)
    if function is None:
        report.send({"question": qid, "missing": f"no function named {name} is defined"})
        return
    if not callable(function):
        report.send({"question": qid, "problem": f"{name} is a {type(function).__name__}, "
                                                 "not a function"})
        return
    outcomes, protocol = [], question["protocol"]
    # own work: a use of an off-limits name is reported at once, for every case
    forbidden, n = tuple(question.get("forbidden", ())), len(question["cases"])

    def violated(message):
        report.send({"question": qid, "outcomes": [{"raised": message}] * n})

    for encoded in question["cases"]:
        args = _decode(encoded)
        try:
            if question["strict_fp"]:
                with _errstate(over="raise", divide="raise", invalid="raise"), \
                        _watch(qid, forbidden, on_violation=violated):
                    value = _invoke(function, args, protocol)
            else:
                with _watch(qid, forbidden, on_violation=violated):
                    value = _invoke(function, args, protocol)
        except NotImplementedError:
            outcomes.append({"raised": "NotImplementedError", "not_implemented": True})
            continue
        except BaseException as exc:
            outcomes.append({"raised": describe(exc)})
            continue
        try:
            outcomes.append({"returned": _encode(value)})
        except _WireError as exc:
            outcomes.append({"problem": f"returned {exc}, which cannot be graded"})
        except BaseException as exc:
            outcomes.append({"problem": f"returned a value that cannot be read ({describe(exc)})"})
    report.send({"question": qid, "outcomes": outcomes})


def how_it_ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return f"killed by signal {name}"
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
    return "ok" if code == 0 else f"exited with code {code}"


def ask(question: dict, namespace: dict, report: Reporter) -> None:
    try:
        pid = _fork()
    except OSError as exc:  # e.g. the process limit, reached by processes a cell left running
        report.send({"question": question["id"], "exit": f"not started ({describe(exc)})"})
        return
    if pid == 0:
        code = 0
        try:
            answer(question, namespace, report)
        except BaseException:
            code = 70
        finally:
            _exit(code)
    _, status = _waitpid(pid, 0)
    report.send({"question": question["id"], "exit": how_it_ended(status)})


def main(job_path: str) -> None:
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    report = Reporter(os.dup(1))  # the grader reads this pipe; fd 1 itself goes to /dev/null
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    if job["leave_group"]:
        os.setpgid(0, 0)
    user = job["user"]
    if user is not None:  # started as root: become the sandbox's own user before anything else
        uid, gid = user
        needed = privileges.needed_paths(os.getcwd()) if job["reveal"] else None
        privileges.drop(uid, gid, job["processes"], needed, os.path.dirname(job_path),
                        job["host_mount_ns"])
        privileges.die_with_parent()  # the change of user cleared unshare's --kill-child
    set_limits(job["memory_mb"], job["cpu_seconds"], job["file_mb"])
    # Alone in a PID namespace or under an id of its own, "every process it may signal" is
    # exactly what the submission started: kill those after each cell and each answer.
    alone = user is not None or os.getpid() == 1
    if alone:
        privileges.become_reaper()
    tidy = _kill_leftovers if alone else (lambda: None)
    feedback.GRADING = True  # check(...) cells do nothing here
    # own work: references unreadable, off-limits library code resolved, guards in place
    ownwork.seal(n for q in job["questions"] for n in q.get("forbidden", ()))
    report.send({"ready": True})
    namespace = {"__name__": "__main__", "__builtins__": builtins,
                 "display": lambda *objects, **options: None}  # as in Jupyter, minus the output
    run_cells(job["cells"], set(job["skip"]), namespace, report, tidy)
    for question in job["questions"]:
        ask(question, namespace, report)
        tidy()


if __name__ == "__main__":
    main(sys.argv[1])
