"""Run one submission in sandbox processes and collect the answers to the grader's own requests:
the report protocol (the sandbox side is :mod:`mlpbook.grading.sandbox`; how sandboxes are
started, confined and cleaned up is :mod:`mlpbook.grading.isolation`).

Nothing here trusts the sandbox. The grader sends one request at a time (a code cell to run, or
a question to answer) with a token it makes up then (:func:`secrets.token_hex`), and accepts
exactly one reply carrying that token; everything else the sandbox writes is ignored. It asks
only about functions that the notebook defines at its top level (:func:`defined_names`); any
other question is "missing" whatever the sandbox writes. A silent or dead sandbox is killed and
started again, fresh, without the cell or the question that hung or crashed, and the answers
are judged by the caller against reference answers computed in this process.

Time is CPU time of all the sandbox's processes together (a busy machine does not change it),
measured here (from its cgroup, or from /proc), with a wall-clock backstop for code that waits:

- start-up (interpreter, confinement, NumPy) may take ``STARTUP_SECONDS`` of wall-clock time;
- each code cell may use ``timeout`` seconds, and beyond that what remains of a reserve of
  ``reserve`` seconds per sandbox start (for importing libraries and loading data);
- each question may use ``timeout`` times its ``time_factor`` (1 for most) seconds; the
  sandbox's own limit (:func:`mlpbook.grading.calling.time_limit`, the one ``check()`` uses)
  normally stops it, the grader's, a little later, is the backstop;
- a cell or a question that waits (sleeps, blocks) for :func:`mlpbook.grading.calling.wall_limit`
  of its CPU limit is stopped as well; time in which it was ready to run but kept from a CPU by
  other work on the machine does not count as waiting (:class:`isolation.Meter`);
- a whole submission, restarts included, may spend (in CPU time and waiting together) at most
  the backstop of ``timeout * (sum of the time factors + 4) + reserve`` seconds (start-ups not
  counted); questions not reached by then are "timeout".
"""

from __future__ import annotations

import json
import os
import secrets
import select
import subprocess
import tempfile
import time
from dataclasses import dataclass
from functools import cache

from . import isolation
from .calling import DEFAULT_TIMEOUT, Answer, encode_cases, read_answer, timeout_message, wall_limit
from .isolation import SandboxError
from .questions import Question
from .submission import defined_names

__all__ = ["Limits", "Answer", "Run", "SandboxError", "protections", "run_submission"]

STARTUP_SECONDS = 60.0
MAX_LINE = 64 << 20  # a reply longer than this ends the sandbox
MAX_OUTPUT = 256 << 20  # and so does writing more than this in all
POLL = 0.2  # seconds between two readings of the CPU time


@dataclass(frozen=True)
class Limits:
    timeout: float = DEFAULT_TIMEOUT  # CPU seconds per cell and per question
    reserve: float = 5.0  # CPU seconds the cells of one sandbox start may use beyond that
    memory_mb: int = 1024  # memory budget of a sandbox
    file_mb: int = 16  # largest file a submission may write
    processes: int = 64  # processes and threads of a sandbox (when it has a cgroup)


@dataclass
class Run:
    answers: dict[str, Answer]
    cell_errors: dict[int, str]  # index among the code cells -> what went wrong
    restarts: int = 0


class _Timeout(Exception):
    def __init__(self, waiting: bool):
        self.waiting = waiting


class _Ended(Exception):
    pass


class _GiveUp(Exception):
    pass


class _Channel:
    """The two pipes of one sandbox start: requests written, replies read, without blocking."""

    def __init__(self, started: isolation.Started):
        self.started = started
        self.rfd, self.wfd = started.proc.stdout.fileno(), started.proc.stdin.fileno()
        self.used = 0.0
        os.set_blocking(self.rfd, False)
        os.set_blocking(self.wfd, False)
        self.inbox, self.outbox, self.total = bytearray(), bytearray(), 0
        self.meter = started.meter
        self.cpu = started.meter.cpu_seconds

    def send(self, message: dict) -> None:
        self.outbox += json.dumps(message, separators=(",", ":")).encode() + b"\n"

    def _next_line(self, deadline: float) -> bytes | None:
        """The next line the sandbox wrote, or None at ``deadline``; writes what is queued."""
        while True:
            end = self.inbox.find(b"\n")
            if end >= 0:
                line = bytes(self.inbox[:end])
                del self.inbox[:end + 1]
                return line
            if len(self.inbox) > MAX_LINE:
                raise _Ended
            remaining = deadline - time.monotonic()
            poll = select.poll()
            poll.register(self.rfd, select.POLLIN)
            if self.outbox:
                poll.register(self.wfd, select.POLLOUT)
            events = poll.poll(max(remaining, 0.0) * 1000)  # past the deadline: a last look
            if not events and remaining <= 0:
                return None
            for fd, _ in events:
                if fd == self.rfd:
                    try:
                        chunk = os.read(self.rfd, 1 << 20)
                    except BlockingIOError:
                        continue
                    if not chunk:
                        raise _Ended
                    self.total += len(chunk)
                    if self.total > MAX_OUTPUT:
                        raise _Ended
                    self.inbox += chunk
                elif fd == self.wfd:
                    try:
                        sent = os.write(self.wfd, self.outbox[:1 << 16])
                    except BlockingIOError:
                        continue
                    except OSError:  # the sandbox closed its end
                        raise _Ended from None
                    del self.outbox[:sent]

    def ready(self) -> dict:
        """What the sandbox achieved in confining itself, once it is ready."""
        deadline = time.monotonic() + STARTUP_SECONDS
        try:
            while True:
                line = self._next_line(deadline)
                if line is None:
                    raise _Ended
                try:
                    message = json.loads(line)
                except (ValueError, RecursionError):
                    continue
                if isinstance(message, dict) and isinstance(message.get("ready"), dict):
                    return message["ready"]
                if isinstance(message, dict) and isinstance(message.get("failed"), str):
                    failed = message["failed"][:2000]
                    break
        except _Ended:
            failed = ""
        with open(self.started.stderr_path, "rb") as f:
            detail = f.read()[-4000:].decode(errors="replace").strip()
        if not (failed or detail):
            proc = self.started.proc
            try:
                code = proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # still running, silent for STARTUP_SECONDS
                code = None
            detail = (f"it said nothing within {STARTUP_SECONDS:g} s" if code is None else
                      f"it ended (exit status {code}) without saying why")
        raise SandboxError("the grading sandbox did not start: "
                           f"{'; '.join(s for s in (failed, detail) if s)}")

    def reply(self, token: str, cpu_limit: float, wait_limit: float, allowance: float) -> dict:
        """The one reply to the request ``token``. Raises _Timeout once the sandbox has used
        ``cpu_limit`` seconds of CPU time or waited ``wait_limit`` seconds (see
        :class:`isolation.Meter`), _GiveUp once CPU time and waiting together exceed
        ``allowance``, _Ended when it is gone; ``self.used`` is then what it used."""
        checked, cpu0, waited, key = time.monotonic(), self.cpu(), 0.0, token.encode()
        self.meter.busy_seconds()
        self.used = 0.0
        while True:
            line = self._next_line(checked + POLL)
            if line is not None and key in line:
                try:
                    message = json.loads(line)
                except (ValueError, RecursionError):
                    message = None
                if isinstance(message, dict) and message.get("token") == token:
                    self.used = self.cpu() - cpu0 + waited
                    return message
            now = time.monotonic()
            if now >= checked + POLL:
                waited += max(0.0, now - checked - self.meter.busy_seconds())
                checked = now
                cpu = self.cpu() - cpu0
                self.used = cpu + waited
                if self.used > allowance:
                    raise _GiveUp
                if cpu > cpu_limit:
                    raise _Timeout(waiting=False)
                if waited >= wait_limit:
                    raise _Timeout(waiting=True)


@cache
def protections(limits: Limits = Limits()) -> dict:  # noqa: B008  (frozen, hashable)
    """What a sandbox with ``limits`` achieves on this machine: one is started (no submission in
    it) and asked. Adds why a cgroup is missing, and the memory budget."""
    with isolation.lease_slot() as slot, tempfile.TemporaryDirectory(
            prefix="mlpbook-probe-", ignore_cleanup_errors=True) as home:
        with isolation.sandbox_process(slot, 0, home, limits.memory_mb, limits.file_mb,
                                       limits.processes, 60) as started:
            channel = _Channel(started)
            channel.send(started.setup)
            found = channel.ready()
    found["why_not_cgroup"] = isolation.cgroup_support()[1]
    found["budget_mb"] = limits.memory_mb
    return found


def run_submission(cells: list[str], questions: list[Question], limits: Limits,
                   cases: dict[str, list] | None = None) -> Run:
    """Execute ``cells`` and call the function of every question on its cases, in sandboxes:
    ``cases`` maps each question id to its encoded cases (default: the public cases)."""
    state = _State(cells, list(questions), limits, cases)
    defined = defined_names(cells)
    for q in questions:
        if q.name not in defined:
            state.answers[q.id] = Answer("missing", f"not attempted: no function named {q.name}"
                                                    " is defined at the top level of the notebook")
    state.pending = [q for q in questions if q.name in defined]
    if cells or state.pending:
        with isolation.lease_slot() as slot, tempfile.TemporaryDirectory(
                prefix="mlpbook-grade-", ignore_cleanup_errors=True) as home:
            while True:
                with isolation.sandbox_process(slot, state.restarts, home, limits.memory_mb,
                                               limits.file_mb, limits.processes,
                                               int(state.budget) + 5) as started:
                    channel = _Channel(started)
                    # the off-limits names of the questions, resolved before any submitted byte
                    channel.send({**started.setup, "forbidden": sorted(
                        {n for q in state.pending for n in q.forbidden})})
                    channel.ready()
                    again = state.follow(channel)
                if not again:
                    break
                state.restarts += 1
    for q in state.pending:
        state.answers[q.id] = Answer("timeout", "not graded: the submission used up its time "
                                                f"({wall_limit(state.budget):g} s)")
    return Run({q.id: state.answers[q.id] for q in questions},
               dict(sorted(state.cell_errors.items())), state.restarts)


class _State:
    """What is known about a submission so far, across restarts of its sandbox."""

    def __init__(self, cells: list[str], questions: list[Question], limits: Limits,
                 cases: dict[str, list] | None = None):
        self.cells, self.timeout, self.start_reserve = cells, limits.timeout, limits.reserve
        self.budget = limits.timeout * (sum(q.time_factor for q in questions) + 4) + \
            limits.reserve
        self.left = wall_limit(self.budget)  # CPU time plus waiting, for everything
        self.encoded = {q.id: cases[q.id] if cases is not None else encode_cases(q)
                        for q in questions}
        self.pending: list[Question] = []
        self.answers: dict[str, Answer] = {}
        self.cell_errors: dict[int, str] = {}
        self.skip: set[int] = set()
        self.restarts = 0
        self.reserve = limits.reserve

    def follow(self, channel: _Channel) -> bool:
        """Drive one sandbox start; True when it must be restarted (after a hang or crash)."""
        self.reserve = self.start_reserve
        try:
            for i, src in enumerate(self.cells):
                if i not in self.skip and not self._cell(channel, i, src):
                    return True
            while self.pending:
                q = self.pending[0]
                answer, again = self._question(channel, q)
                self.answers[q.id] = answer
                self.pending.pop(0)
                if again:
                    return True
        except _GiveUp:  # the whole submission's time is up
            return False
        return False

    def _cell(self, channel: _Channel, i: int, src: str) -> bool:
        """Run cell ``i``; False when it hung or crashed (it is skipped from now on)."""
        limit = self.timeout + self.reserve
        token = secrets.token_hex(16)
        channel.send({"token": token, "run": src})
        cpu0 = channel.cpu()
        try:
            report = channel.reply(token, limit, wall_limit(limit), self.left)
        except _GiveUp:
            self.cell_errors[i] = "not finished: the submission used up its time"
            raise
        except _Timeout as t:
            self.cell_errors[i] = (
                f"timeout: waited for {wall_limit(limit):.3g} s without computing (sleeping or "
                "blocked?); skipped" if t.waiting else
                f"timeout: still running after {limit:.3g} s of CPU time; skipped")
            self.skip.add(i)
            return False
        except _Ended:
            self.cell_errors[i] = ("crashed: its process died (os._exit, a crash in compiled "
                                   "code, or a resource limit); skipped")
            self.skip.add(i)
            return False
        finally:
            self.left -= channel.used
        self.reserve = max(0.0, self.reserve - max(0.0, channel.cpu() - cpu0 - self.timeout))
        if isinstance(report.get("error"), str):
            self.cell_errors.setdefault(i, report["error"][:500])
        return True

    def _question(self, channel: _Channel, q: Question) -> tuple[Answer, bool]:
        """The answer to ``q``, and whether the sandbox must be restarted afterwards."""
        seconds = self.timeout * q.time_factor
        token = secrets.token_hex(16)
        channel.send({"token": token, "ask": {"id": q.id, "name": q.name,
                                              "forbidden": list(q.forbidden),
                                              "protocol": q.protocol,
                                              "strict_fp": q.strict_fp, "seconds": seconds,
                                              "cases": self.encoded[q.id]}})
        try:
            # a little more than the sandbox's own limit, which normally stops the answer first
            report = channel.reply(token, 1.25 * seconds + 0.5, wall_limit(seconds), self.left)
        except _Timeout as t:
            return Answer("timeout", timeout_message(seconds, t.waiting)), True
        except _Ended:
            return Answer("error", "the sandbox died while running the answer"), True
        finally:
            self.left -= channel.used
        found = report.get("answer")
        if isinstance(found, dict) and set(found) == {"exit"}:
            return Answer("error", _ended_message(str(found["exit"]))), False
        return read_answer(found, len(self.encoded[q.id])), False


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
