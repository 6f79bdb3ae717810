"""The sandbox: runs one submission's code in a child process and answers the grader's requests.

The grader starts it as an isolated interpreter (see :mod:`mlpbook.grading.isolation`) with two
pipes: requests come in on stdin, replies go out on stdout. Trusted code runs first: it reads
the set-up message (ids, limits, cgroups, the library names the questions put off limits;
nothing submitted), confines itself
(:mod:`mlpbook.grading.privileges`: cgroups, a new root with a private /tmp, a user of its own or
no capabilities), lowers its resource limits, keeps private duplicates of the two pipes and
points stdin, stdout and stderr at /dev/null (printed output of the submission is never read),
seals the reference answers and the library's source (:func:`mlpbook.grading.ownwork.seal`),
and only then says it is ready. No submitted byte has reached it before that.

Then it serves requests, one at a time, each carrying a secret token that the reply repeats:

    {"token": t, "run": source}      execute one code cell (in try/except, so a broken cell costs
                                     only what depends on it)
        -> {"token": t, "error": null or "TypeName: message"}
    {"token": t, "ask": {"id", "name", "forbidden", "protocol", "strict_fp", "seconds",
                         "cases"}}
                                     fork, call the function on the cases
                                     (:func:`mlpbook.grading.calling.answer`) in the fork,
                                     under the own-work watch (:mod:`mlpbook.grading.ownwork`)
        -> {"token": t, "answer": {"outcomes": [...]} or {"missing" | "problem" | "timeout": ...}
                                     or {"exit": how the fork ended without an answer}}

The grader makes up each token when it sends the request, so nothing the submission writes
before (on any file descriptor it finds) can pass for a reply; the grader also asks only about
functions that the notebook defines at its top level. A crash or ``os._exit`` in an answer ends
only that fork. When the sandbox is alone in its PID namespace or runs under an id of its own,
every process a cell or an answer leaves behind is killed after it. This process decides
nothing: the grader judges the replies against reference answers computed in its own process
and enforces the time limits.
"""

from __future__ import annotations

import builtins
import itertools
import json
import linecache
import os
import resource
import select
import signal
import sys
import traceback

import numpy as np  # noqa: F401  (loaded during start-up, not in the first cell's time)

from . import calling, feedback, ownwork, privileges
from .isolation import namespace_ids
from .questions import describe_exception as describe
from .submission import python_source

# Captured before any submitted code runs, which could replace the module attributes.
_fork, _exit, _waitpid, _write, _read, _pipe, _close = (os.fork, os._exit, os.waitpid, os.write,
                                                        os.read, os.pipe, os.close)
_select, _dumps, _loads = select.select, json.dumps, json.loads
_TICKS = os.sysconf("SC_CLK_TCK")
_first_document = json.JSONDecoder().raw_decode
_kill_leftovers = privileges.kill_leftovers

#: The largest answer a fork may send back (the grader refuses larger ones anyway).
MAX_ANSWER_BYTES = 64 << 20


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


class Reporter:
    def __init__(self, fd: int):
        self.fd = fd

    def send(self, obj: dict) -> None:
        # on a line of its own, even after a partial line the submission wrote to the pipe
        data = ("\n" + _dumps(obj, separators=(",", ":")) + "\n").encode()
        while data:
            data = data[_write(self.fd, data):]


_cells = itertools.count(1)


def run_cell(src, namespace: dict) -> str | None:
    """Execute one cell; what it raised ("TypeName: message"), or None. Its source is kept
    where tracebacks look for it, so that feedback can quote the line that raised."""
    name = f"<cell {next(_cells)}>"
    text = python_source(src)
    linecache.cache[name] = (len(text), None, text.splitlines(True), name)
    try:
        exec(compile(text, name, "exec"), namespace)
    except BaseException as exc:  # SystemExit, KeyboardInterrupt and MemoryError included
        return describe(exc)
    return None


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


def cpu_seconds(pid: int) -> float:
    """The CPU time process ``pid`` and its collected children have used (0 where unknown)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return sum(int(x) for x in fields[11:15]) / _TICKS  # utime, stime, cutime, cstime
    except (OSError, ValueError, IndexError):
        return 0.0


def _collect(fd: int, pid: int, seconds: float) -> tuple[bytes, int | None]:
    """What the fork ``pid`` writes to ``fd`` until it has ended (data a process it left behind
    still holds the pipe for is not waited for), and how it ended; status None when it was
    stopped after using ``seconds`` of CPU time."""
    os.set_blocking(fd, False)
    data, status, more, stopped = bytearray(), None, True, False
    while True:
        _select([fd], [], [], 0.05)
        if status is None and not stopped and cpu_seconds(pid) > seconds:
            os.kill(pid, signal.SIGKILL)
            stopped = True
        while more:
            try:
                chunk = _read(fd, 1 << 20)
            except BlockingIOError:
                break
            more = bool(chunk)
            data += chunk
            if len(data) > MAX_ANSWER_BYTES:
                os.kill(pid, signal.SIGKILL)
                data, more = bytearray(), False
        if status is None:
            done, st = _waitpid(pid, os.WNOHANG)
            if done:
                status = st
                continue  # read what it wrote just before it ended
        if status is not None:
            return bytes(data), None if stopped else status


def _violation_and_exit(fd: int, message: str, n: int, write=os.write, exit=os._exit,
                        str=str, type=type) -> None:
    """Send ``message`` as the outcome of all ``n`` cases on ``fd`` and end the process. Called
    by the own-work watch at a use of off-limits code, where nothing is watched: so it uses
    only what was bound at import (no json, no module attribute)."""
    try:
        text = message if type(message) is str else "off-limits code was used"
        text = text.replace("\\", "\\\\").replace('"', '\\"')
        text = "".join([c if c >= " " else " " for c in text])
        data = ('{"outcomes":[' + ",".join(['{"raised":"' + text + '"}'] * n) + "]}").encode()
        while data:
            data = data[write(fd, data):]
    finally:
        exit(0)


def ask(spec: dict, namespace: dict, channel_fds: tuple[int, ...] = (), watch=ownwork.watch,
        call_cases=calling.call_cases) -> dict:
    """The answer to one question, found in a fork (which may crash without harm) that is
    stopped once it has used ``spec["seconds"]`` of CPU time. The fork closes ``channel_fds``
    (the grader's pipes), then does everything else under the own-work watch (entered first,
    by functions bound when this module was imported, so that nothing a cell rebinds runs
    unwatched): at the first use of off-limits library code, it sends that verdict for every
    case and ends, before the answer can do anything else."""
    name = spec["name"]
    function = namespace.get(name)
    if function is None:
        return {"missing": f"no function named {name} is defined"}
    if not callable(function):
        return {"problem": f"{name} is a {type(function).__name__}, not a function"}
    r, w = _pipe()
    try:
        pid = _fork()
    except OSError as exc:  # e.g. the process limit, reached by processes a cell left running
        _close(r)
        _close(w)
        return {"exit": f"not started ({describe(exc)})"}
    if pid == 0:
        code = 0
        try:
            for fd in (r, *channel_fds):
                _close(fd)
            n = len(spec["cases"])

            def violated(message, w=w, n=n, send=_violation_and_exit):
                send(w, message, n)

            with watch(spec["id"], tuple(spec["forbidden"]), (), violated):
                data = _dumps(call_cases(function, spec["cases"], spec["protocol"],
                                         spec["strict_fp"]), separators=(",", ":")).encode()
            while data:
                data = data[_write(w, data):]
        except BaseException:
            code = 70
        finally:
            _exit(code)
    _close(w)
    data, status = _collect(r, pid, spec["seconds"])
    _close(r)
    if status is None:
        return {"timeout": calling.timeout_message(spec["seconds"])}
    try:  # the first reply counts (an own-work verdict is sent first, by whichever process)
        reply = _first_document(data.decode())[0] if data else None
    except (ValueError, RecursionError):
        reply = None
    return reply if isinstance(reply, dict) else {"exit": how_it_ended(status)}


def confine(setup: dict) -> dict:
    """Everything the sandbox does to itself before it is ready; returns what it achieved."""
    privileges.join_cgroups(setup["cgroups"])
    if setup["leave_group"]:
        os.setpgid(0, 0)
    user = setup["user"]
    failed: list[str] = []
    if setup["new_root"]:
        workdir, failed = privileges.new_root(os.getcwd(), setup["shown"], user and tuple(user),
                                              setup["tmp_mb"], setup["host_ns"]["mnt"])
    else:
        workdir = setup["workdir"]
    os.chdir(workdir)
    if user is not None:  # started as root: become the sandbox's own user
        privileges.drop(*user, setup["processes"])
        privileges.die_with_parent()  # the change of user cleared unshare's --kill-child
    elif setup["userns"]:  # root of a user namespace of its own: keep the id, lose the powers
        privileges.drop_capabilities()
    set_limits(setup["memory_mb"], setup["cpu_seconds"], setup["file_mb"])
    own = namespace_ids()
    return {"namespaces": sorted(n for n, v in setup["host_ns"].items() if v and own[n] != v),
            "own_user": user is not None, "new_root": setup["new_root"] and not failed,
            "read_only_failures": failed[:5], "cgroup": setup["cgroup"],
            "memory_mb": setup["memory_mb"], "processes": setup["processes"],
            "writable_path": [p for p in sys.path if os.path.exists(p)
                              and os.access(p, os.W_OK)]}


def serve(requests, report: Reporter, tidy, run_cell=run_cell, ask=ask) -> None:
    """Answer requests until the grader closes the pipe (``run_cell`` and ``ask`` are bound
    here, so that a cell rebinding them in this module changes nothing)."""
    namespace = {"__name__": "__main__", "__builtins__": builtins,
                 "display": lambda *objects, **options: None}  # as in Jupyter, minus the output
    while True:
        line = requests.readline()
        if not line:
            return
        try:
            request = _loads(line)
            token = request["token"]
        except (ValueError, RecursionError, TypeError, KeyError):
            continue
        if "run" in request:
            error = run_cell(request["run"], namespace)
            tidy()
            report.send({"token": token, "error": error})
        elif "ask" in request:
            reply = ask(request["ask"], namespace, (requests.fileno(), report.fd))
            tidy()
            report.send({"token": token, "answer": reply})


def start_failure(exc: BaseException) -> str:
    """What went wrong while the sandbox set itself up: the exception and the innermost lines
    of trusted code that raised it (stderr may already point at /dev/null)."""
    where = traceback.extract_tb(exc.__traceback__)[-3:]
    lines = "; ".join(f"{os.path.basename(f.filename)}:{f.lineno} in {f.name}" for f in where)
    return f"{describe(exc)} (at {lines})" if lines else describe(exc)


def main() -> None:
    requests = os.fdopen(os.dup(0), "rb")
    report = Reporter(os.dup(1))  # the grader reads this pipe; fd 1 itself goes to /dev/null
    try:
        setup = _loads(requests.readline())
        achieved = confine(setup)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        # Alone in a PID namespace or under an id of its own, "every process it may signal" is
        # exactly what the submission started: kill those after each cell and each answer.
        alone = setup["user"] is not None or os.getpid() == 1
        if alone:
            privileges.become_reaper()
        feedback.GRADING = True  # check(...) cells do nothing here
        # own work: references unreadable, off-limits library code resolved, guards in place
        ownwork.protect(serve, ask, _violation_and_exit, calling.call_cases)
        ownwork.seal(setup.get("forbidden", ()))
        import site

        site.setquit()  # exit() and quit(), which python -S leaves out
    except BaseException as exc:  # nothing submitted has run yet: say what failed, and where
        report.send({"failed": start_failure(exc)})
        raise
    report.send({"ready": achieved})
    serve(requests, report, _kill_leftovers if alone else (lambda: None))


if __name__ == "__main__":
    main()
