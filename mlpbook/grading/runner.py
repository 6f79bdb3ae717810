"""Run one submission in sandbox processes, with time and memory limits, and collect what its
answers returned.

Nothing here trusts the sandbox (:mod:`mlpbook.grading.sandbox`): its reports are validated, a
silent or dead sandbox is killed with its whole process group and started again without the cell
or the question that hung or crashed, and the answers are judged by the caller against reference
answers computed in this process.

Time: each code cell may take ``timeout`` seconds of wall-clock time, and each question
``timeout`` times its ``time_factor`` (1 for most); a whole submission, restarts included, at most
``timeout * (sum of the time factors + 4)`` seconds.

Isolation: on Linux, where ``unshare`` works, each sandbox also gets its own PID and network
namespaces: it sees no other process (so it cannot signal the grader), has no network, and
everything it started dies with it. Without root this needs user namespaces. Elsewhere (or with
the environment variable ``MLPBOOK_GRADER_NAMESPACES=0``) it is an ordinary child process; see
:func:`isolation`.

Privileges: when the grader runs as root, each sandbox runs under a user and group id of its
own (:func:`sandbox_ids`) with at most ``Limits.processes`` processes, so a submission can
neither change files it does not own nor fork-bomb the machine (see
:mod:`mlpbook.grading.privileges`), and when a sandbox is killed every process of its id dies
with it, even one that left its process group. As root, the namespaces include a private mount
namespace and a fresh ``/proc``.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from . import wire
from .questions import Outcome, Question

__all__ = ["Limits", "Answer", "Run", "SandboxError", "isolation", "privileges_dropped",
           "sandbox_ids", "run_submission"]

MAX_REPORT_BYTES = 64 << 20  # a sandbox that writes more than this is cut off
STARTUP_SECONDS = 30.0

#: First user/group id of the sandboxes of a grader running as root (override with the
#: environment variable MLPBOOK_GRADER_UID_BASE). The ids up to UID_BASE + SLOTS * pid_max
#: (2^26 for the largest pid_max) must not belong to any account.
UID_BASE = 0x70000000
#: Sandboxes one grader process runs at the same time as root (more submissions wait their turn).
SLOTS = 16


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0  # seconds per cell and per question
    memory_mb: int = 1024  # address space of each sandbox process
    file_mb: int = 16  # largest file a submission may write (in its temporary directory)
    processes: int = 64  # processes and threads of a sandbox (when it runs under its own id)


@dataclass
class Answer:
    """What the sandbox reported for one question: ``kind`` is "outcomes" (with ``outcomes``),
    "missing", "timeout" or "error" (with ``message``)."""

    kind: str
    message: str = ""
    outcomes: list[Outcome] = field(default_factory=list)


@dataclass
class Run:
    answers: dict[str, Answer]
    cell_errors: dict[int, str]  # index among the code cells -> what went wrong
    restarts: int = 0


class SandboxError(RuntimeError):
    """The sandbox could not start (a problem of the grader's installation, not of a submission)."""


class _Timeout(Exception):
    pass


class _Ended(Exception):
    pass


def _child_env(workdir: str) -> dict:
    """A small environment: none of the grader's variables, one BLAS thread, no display."""
    keep = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "LD_LIBRARY_PATH", "SYSTEMROOT",
            "VIRTUAL_ENV", "CONDA_PREFIX")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    package_root = str(Path(__file__).resolve().parents[2])  # the directory holding mlpbook/
    env.update(HOME=workdir, PYTHONPATH=package_root, PYTHONHASHSEED="0",
               PYTHONDONTWRITEBYTECODE="1", MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1",
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


@cache
def _namespace_prefix() -> tuple[str, ...]:
    """The ``unshare`` command that runs a program in new PID and network namespaces (and, as
    root, a mount namespace with its own /proc; otherwise a user namespace), or () where that
    does not work (not Linux, no unshare, namespaces not allowed)."""
    exe = shutil.which("unshare")
    if exe is None or not sys.platform.startswith("linux") or \
            os.environ.get("MLPBOOK_GRADER_NAMESPACES") == "0":
        return ()
    if privileges_dropped():  # root needs no user namespace; it could not switch users in one
        prefix = (exe, "--pid", "--fork", "--net", "--mount", "--mount-proc")
    else:
        prefix = (exe, "--user", "--map-root-user", "--pid", "--fork", "--net")
    # --kill-child: the namespace's first process dies with unshare, even if it left the
    # process group that the runner kills (older unshare lacks the option)
    for candidate in ((*prefix, "--kill-child"), prefix):
        try:
            probe = subprocess.run([*candidate, sys.executable, "-c",
                                    "import os; print(os.getpid())"],
                                   capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError):
            continue
        if probe.returncode == 0 and probe.stdout.strip() == b"1":
            return candidate
    return ()


def isolation() -> str:
    """"namespaces" when sandboxes run in their own PID and network namespaces, else "process"."""
    return "namespaces" if _namespace_prefix() else "process"


def privileges_dropped() -> bool:
    """True when the grader runs as root, so that each sandbox drops to a user of its own."""
    return hasattr(os, "setresuid") and os.geteuid() == 0


class _Slots:
    """The sandbox slots of this grader process (each one a user id while it is leased)."""

    def __init__(self, n: int):
        self.free, self.cond = list(range(n)), threading.Condition()

    @contextmanager
    def lease(self):
        with self.cond:
            while not self.free:
                self.cond.wait()
            slot = self.free.pop(0)
        try:
            yield slot
        finally:
            with self.cond:
                self.free.append(slot)
                self.cond.notify()


_slots = _Slots(SLOTS)


def sandbox_ids(slot: int, pid: int | None = None) -> int:
    """The user and group id of sandbox ``slot`` of the grader process ``pid`` (default: this
    one): ``UID_BASE + SLOTS * pid + slot``. Distinct for every sandbox running on the machine at
    the same time, even across grader processes, since no two live processes share a pid."""
    if not 0 <= slot < SLOTS:
        raise ValueError(f"slot must be in [0, {SLOTS}); got {slot}")
    base = int(os.environ.get("MLPBOOK_GRADER_UID_BASE", UID_BASE))
    ident = base + SLOTS * (os.getpid() if pid is None else pid) + slot
    if not 65536 <= ident < 2**31:
        raise SandboxError(f"sandbox user id {ident} is out of range (check "
                           "MLPBOOK_GRADER_UID_BASE)")
    import grp
    import pwd

    for lookup, what in ((pwd.getpwuid, "user"), (grp.getgrgid, "group")):
        try:
            entry = lookup(ident)
        except KeyError:
            continue
        raise SandboxError(f"sandbox id {ident} belongs to the {what} {entry[0]!r}; choose "
                           "another MLPBOOK_GRADER_UID_BASE")
    return ident


class _Sandbox:
    """One sandbox process (leader of its own process group) and the reader of its reports.

    ``home`` holds the job and the sandbox's stderr (the submission can neither replace nor read
    them when it runs under its own id); ``workdir`` is the submission's, inside it."""

    def __init__(self, job: dict, home: str, workdir: str):
        self.user = job["user"]
        job_path = os.path.join(home, "job.json")
        with open(os.open(job_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w",
                  encoding="utf-8") as f:
            json.dump(job, f)
        self.stderr_path = os.path.join(home, "sandbox-stderr.txt")
        with open(os.open(self.stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                  "wb") as stderr:
            self.proc = subprocess.Popen(
                [*_namespace_prefix(), sys.executable, "-m", "mlpbook.grading.sandbox", job_path],
                cwd=workdir,
                env=_child_env(workdir), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=stderr, start_new_session=True)
        self.fd = self.proc.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.fd, selectors.EVENT_READ)
        self.buffer = b""
        self.total = 0

    def wait_ready(self) -> None:
        try:
            while not self.next_report(time.monotonic() + STARTUP_SECONDS).get("ready"):
                pass
        except (_Timeout, _Ended):
            with open(self.stderr_path, "rb") as f:
                detail = f.read(4000).decode(errors="replace").strip()
            raise SandboxError(f"the grading sandbox did not start: {detail or 'no message'}") \
                from None

    def next_report(self, deadline: float) -> dict:
        """The next report (a JSON object on one line); raises _Timeout or _Ended."""
        while True:
            line, sep, rest = self.buffer.partition(b"\n")
            if sep:
                self.buffer = rest
                try:
                    report = json.loads(line)
                except (ValueError, RecursionError):
                    continue
                if isinstance(report, dict):
                    return report
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Timeout
            if not self.selector.select(remaining):
                continue
            try:
                chunk = os.read(self.fd, 1 << 20)
            except BlockingIOError:
                continue
            if not chunk:
                raise _Ended
            self.total += len(chunk)
            if self.total > MAX_REPORT_BYTES:
                raise _Ended
            self.buffer += chunk

    def kill(self) -> None:
        """Kill the sandbox and everything it started: its process group, and under an id of its
        own every process of that id (also those that left the group with setsid)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.user is not None:
            _kill_all_of(self.user[0])
        self.proc.wait()
        self.selector.close()
        self.proc.stdout.close()


def _kill_all_of(uid: int, rounds: int = 100) -> None:
    """Kill every live process whose real user id is ``uid`` (a sandbox's own id, so nothing
    else), as found in /proc. No fork: a thread of the grader may be inside OpenBLAS, whose
    fork handler can deadlock. Repeated while any is left, since they may still be forking."""
    for _ in range(rounds):
        found = []
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(os.path.join(entry.path, "status"), "rb") as f:
                    fields = dict(line.split(b":", 1) for line in f if b":" in line)
                if int(fields[b"Uid"].split()[0]) == uid and \
                        fields[b"State"].split()[0] not in (b"Z", b"X"):
                    found.append(int(entry.name))
            except (OSError, KeyError, ValueError, IndexError):
                continue  # gone meanwhile, or not a process we can read
        if not found:
            return
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.005)


def run_submission(cells: list[str], questions: list[Question], limits: Limits) -> Run:
    """Execute ``cells`` and call the function of every question on its cases, in sandboxes."""
    budget = limits.timeout * (sum(q.time_factor for q in questions) + 4)
    state = _State(cells, list(questions), limits.timeout, time.monotonic() + budget)
    job = {"cells": cells, "memory_mb": limits.memory_mb, "file_mb": limits.file_mb,
           "cpu_seconds": int(budget) + 5, "processes": limits.processes, "user": None,
           "reveal": False, "host_mount_ns": None,
           # the sandbox dies with unshare: it may leave unshare's process group, out of reach
           # of a kill(0) in a cell (which would otherwise take unshare and so itself down)
           "leave_group": "--kill-child" in _namespace_prefix()}
    with _slots.lease() as slot, tempfile.TemporaryDirectory(
            prefix="mlpbook-grade-", ignore_cleanup_errors=True) as home:
        workdir = os.path.join(home, "work")
        os.mkdir(workdir, 0o700)
        if privileges_dropped():
            ident = sandbox_ids(slot)
            job["user"] = [ident, ident]
            os.chown(workdir, ident, ident)
            os.chmod(home, 0o711)  # the sandbox may pass through to its workdir, not list
            if _namespace_prefix():
                job["reveal"] = True
                job["host_mount_ns"] = os.readlink("/proc/self/ns/mnt")
        while True:
            job["skip"] = sorted(state.skip)
            job["questions"] = [{"id": q.id, "name": q.name, "strict_fp": q.strict_fp,
                                 "protocol": q.protocol, "cases": state.encoded[q.id],
                                 "forbidden": list(q.forbidden)}
                                for q in state.pending]
            box = _Sandbox(job, home, workdir)
            try:
                box.wait_ready()
                again = state.follow(box)
            finally:
                box.kill()
            if not again:
                break
            state.restarts += 1
    for q in state.pending:
        state.answers[q.id] = Answer("timeout", "not graded: the submission used up its time "
                                                f"({budget:g} s)")
    return Run({q.id: state.answers[q.id] for q in questions},
               dict(sorted(state.cell_errors.items())), state.restarts)


class _State:
    """What is known about a submission so far, across restarts of its sandbox."""

    def __init__(self, cells, questions, timeout, give_up):
        self.cells, self.pending, self.timeout, self.give_up = cells, questions, timeout, give_up
        self.encoded = {q.id: [wire.encode(list(c.args)) for c in q.make_cases()]
                        for q in questions}
        self.answers: dict[str, Answer] = {}
        self.cell_errors: dict[int, str] = {}
        self.skip: set[int] = set()
        self.restarts = 0

    def deadline(self, factor: float = 1.0) -> float:
        return min(time.monotonic() + self.timeout * factor, self.give_up)

    def follow(self, box: _Sandbox) -> bool:
        """Read the sandbox's reports; True when it must be restarted (after a hang or crash)."""
        try:
            for i in range(len(self.cells)):
                if i not in self.skip and not self._cell(box, i):
                    return True
            while self.pending:
                q = self.pending[0]
                answer, again = self._question(box, q)
                self.answers[q.id] = answer
                self.pending.pop(0)
                if again:
                    return True
        except _Timeout:  # the whole submission's time is up
            return False
        return False

    def _cell(self, box: _Sandbox, i: int) -> bool:
        """Wait for cell ``i``; False when it hung or crashed (it is skipped from now on)."""
        try:
            while True:
                report = box.next_report(self.deadline())
                if report.get("cell") == i and "error" in report:
                    break
        except _Timeout:
            if time.monotonic() >= self.give_up:
                raise
            self.cell_errors[i] = f"timeout: still running after {self.timeout:g} s; skipped"
            self.skip.add(i)
            return False
        except _Ended:
            self.cell_errors[i] = ("crashed: its process died (os._exit, a crash in compiled "
                                   "code, or a resource limit); skipped")
            self.skip.add(i)
            return False
        if isinstance(report["error"], str):
            self.cell_errors.setdefault(i, report["error"][:500])
        return True

    def _question(self, box: _Sandbox, q: Question) -> tuple[Answer, bool]:
        """The answer to ``q``, and whether the sandbox must be restarted afterwards."""
        answer, deadline = None, self.deadline(q.time_factor)
        try:
            while True:
                report = box.next_report(deadline)
                if report.get("question") != q.id:
                    continue
                if "exit" in report:
                    how = report["exit"] if isinstance(report["exit"], str) else "ended"
                    if answer is None:
                        answer = Answer("error", _ended_message(how))
                    return answer, False
                if answer is None:
                    answer = _answer_from(report, len(self.encoded[q.id]))
        except _Timeout:
            if time.monotonic() >= self.give_up:
                raise
            return Answer("timeout", f"did not return within {self.timeout * q.time_factor:g} s "
                                     "(an infinite loop?)"), True
        except _Ended:
            return answer or Answer("error", "the sandbox died while running the answer"), True


def _answer_from(report: dict, n_cases: int) -> Answer | None:
    if isinstance(report.get("missing"), str):
        return Answer("missing", f"not attempted: {report['missing'][:200]}")
    if isinstance(report.get("problem"), str):
        return Answer("error", report["problem"][:500])
    outcomes = report.get("outcomes")
    if isinstance(outcomes, list) and len(outcomes) == n_cases:
        return Answer("outcomes", outcomes=[_outcome(o) for o in outcomes])
    return None


def _outcome(data) -> Outcome:
    if not isinstance(data, dict):
        return Outcome(problem="the sandbox sent a malformed result")
    if "returned" in data:
        try:
            return Outcome(returned=wire.decode(data["returned"]))
        except wire.WireError as exc:
            return Outcome(problem=f"returned {exc}, which cannot be graded")
        except RecursionError:
            return Outcome(problem="returned a value nested too deeply")
    if isinstance(data.get("raised"), str):
        not_implemented = data.get("not_implemented") is True and \
            data["raised"] == "NotImplementedError"
        return Outcome(raised=data["raised"][:500], not_implemented=not_implemented)
    if isinstance(data.get("problem"), str):
        return Outcome(problem=data["problem"][:500])
    return Outcome(problem="the sandbox sent a malformed result")


def _ended_message(how: str) -> str:
    if how.startswith("not started"):
        return (f"the answer's process could not be started: {how[len('not started'):].strip()}"
                " (does the notebook leave processes running?)")
    if how == "ok":
        return "the answer's process ended without returning a result (os._exit?)"
    if how.startswith("exited with code"):
        return f"the answer ended its process ({how}): does it call sys.exit or os._exit?"
    if "SIGKILL" in how or "SIGXCPU" in how:
        return f"the answer's process was {how} (CPU or memory limit)"
    return f"the answer's process was {how}"
