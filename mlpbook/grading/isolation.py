"""Host-side isolation of grading sandboxes: what this machine allows, how a sandbox process is
started, and everything that makes sure nothing of it is left afterwards.

What a sandbox gets (each start, and each restart, gets all of it afresh):

- **An isolated interpreter**: ``python -s -S -B`` (and ``-P`` from Python 3.11), so no user
  site-packages, no ``.pth`` or ``sitecustomize`` file, no bytecode written, and ``sys.path``
  set explicitly to the package and the interpreter's own directories (never the working
  directory); it starts in a fresh, empty directory owned by the grader, with an environment of
  its own (none of the grader's variables but a few such as ``PATH`` and ``LANG``). Of an
  installation (site-packages, a venv) the sandbox gets the packages beside this one (NumPy);
  of a source checkout, only the package (:func:`sandbox_path`, :func:`shown_paths`).
- **Namespaces** (:func:`namespace_prefix`, where ``unshare`` works): private PID, network, IPC
  and mount namespaces (with a user namespace when the grader is not root). The sandbox then
  builds a new root for itself (:func:`mlpbook.grading.privileges.new_root`): it sees only the
  system directories, the interpreter and the package, read-only, and a private ``/tmp`` and
  ``/dev/shm``; its shared memory, message queues and files vanish with it.
- **A user id of its own** when the grader runs as root (:func:`sandbox_ids`), so it can change
  nothing the grader or another sandbox owns, and every process of that id is killed at the end.
  That id may read only what everyone may: before a start the grader checks that it can read
  the package and every directory of its ``sys.path`` and otherwise refuses, naming the fix
  (:func:`readable_by_sandboxes`). Where such a directory lies below a private folder (an
  interpreter or a checkout under ``/root``), a sandbox with a new root sees it anyway (the new
  root's folders are open); one without opens it while it is still root and imports through
  that open directory (:func:`behind_private_folders`).
- **A cgroup** when the grader runs as root and the machine has a memory controller it may use
  (:func:`make_cgroup`, v2 or v1): one memory budget and one process limit for all its processes
  together, and exact CPU accounting. Without one, a process limit is set instead, small enough
  that processes times the per-process memory limit stays within the budget (:func:`memory_plan`).

After a sandbox ends, :func:`sandbox_process` kills every process of it (process group, own id,
cgroup, PID namespace) and removes its cgroups and directories; without a mount namespace it also
removes the shared-memory segments, message queues, semaphores and files in ``/tmp``,
``/var/tmp`` and ``/dev/shm`` of the sandbox's own id. :func:`describe` says in one line which of
these protections are active. The environment variables ``MLPBOOK_GRADER_NAMESPACES=0`` and
``MLPBOOK_GRADER_CGROUP=0`` switch off namespaces and cgroups (to test the fallbacks).
"""

from __future__ import annotations

import ctypes
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["UID_BASE", "SLOTS", "SandboxError", "own_uid", "namespace_prefix", "sandbox_ids",
           "lease_slot", "Cgroup", "make_cgroup", "cgroup_support", "memory_plan",
           "kill_all_of", "tree_cpu_seconds", "Meter", "remove_ipc_of", "remove_files_of",
           "python_command", "sandbox_path", "shown_paths", "behind_private_folders",
           "unreadable_by_sandboxes", "readable_by_sandboxes", "child_env", "namespace_ids",
           "Started", "sandbox_process", "describe"]

#: First user/group id of the sandboxes of a grader running as root (override with the
#: environment variable MLPBOOK_GRADER_UID_BASE). The ids up to UID_BASE + SLOTS * pid_max
#: (2^26 for the largest pid_max) must not belong to any account.
UID_BASE = 0x70000000
#: Sandboxes one grader process runs at the same time as root (more submissions wait their turn).
SLOTS = 16
#: Without a cgroup, a sandbox under its own id may run this many processes (threads included):
#: itself and the process that calls an answer, each with this fraction of the memory budget.
FALLBACK_PROCESSES = 2
#: World-writable directories cleaned of a sandbox's files when it had no mount namespace.
SHARED_DIRS = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
_NAMESPACES = ("pid", "net", "ipc", "mnt", "user")
# The sandbox's first lines, run as root where the grader is root. Entries of sys.path that a
# private folder above them hides from the sandbox's own id are opened now and used through
# /proc/self/fd from then on (by sys.path and by every package loaded so far), so that what the
# sandbox imports after the drop of its privileges is found where it was found before.
_BOOT = """import json, os, sys
path, via = json.loads(sys.argv[1]), {}
for p in sorted(json.loads(sys.argv[2]), key=len, reverse=True):
    via[p] = "/proc/self/fd/%d" % os.open(p, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
def moved(p):
    for h, v in via.items():
        if p == h or p.startswith(h + "/"):
            return v + p[len(h):]
    return p
sys.path[:] = [moved(p) for p in path]
for m in list(sys.modules.values()):
    if type(getattr(m, "__path__", None)) is list:
        m.__path__[:] = [moved(p) for p in m.__path__]
sys.path_importer_cache.clear()
from mlpbook.grading.sandbox import main
main()"""


def _sigkill(pids) -> None:
    """SIGKILL each of ``pids`` (those already gone are no error)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class SandboxError(RuntimeError):
    """The sandbox could not start (a problem of the grader's installation, not of a submission)."""


def own_uid() -> bool:
    """True when the grader runs as root, so that each sandbox drops to a user of its own."""
    return hasattr(os, "setresuid") and os.geteuid() == 0


@cache
def namespace_prefix() -> tuple[str, ...]:
    """The ``unshare`` command that runs a program in new PID, network, IPC and mount
    namespaces (with a user namespace when not root), or () where that does not work (not Linux,
    no unshare, namespaces not allowed, or ``MLPBOOK_GRADER_NAMESPACES=0``)."""
    exe = shutil.which("unshare")
    if exe is None or not sys.platform.startswith("linux") or \
            os.environ.get("MLPBOOK_GRADER_NAMESPACES") == "0":
        return ()
    prefix = (exe, "--pid", "--fork", "--net", "--ipc", "--mount", "--mount-proc")
    if not own_uid():  # root needs no user namespace; it could not switch users in one
        prefix = (exe, "--user", "--map-root-user", *prefix[1:])
    # --kill-child: the namespace's first process dies with unshare, even if it left the
    # process group that the runner kills (older unshare lacks the option)
    for candidate in ((*prefix, "--kill-child"), prefix):
        try:
            probe = subprocess.run([*candidate, sys.executable, "-S", "-c",
                                    "import os; print(os.getpid())"],
                                   capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError):
            continue
        if probe.returncode == 0 and probe.stdout.strip() == b"1":
            return candidate
    return ()


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


def lease_slot():
    """A context manager giving a free sandbox slot (waits while all SLOTS are in use)."""
    return _slots.lease()


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


# cgroups ---------------------------------------------------------------------------------------
def _mountinfo() -> list[tuple[str, str, list[str]]]:
    """(mount point, file system type, super options) of every mount."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fstype, _, options = (right.split() + ["", "", ""])[:3]
            out.append((left.split()[4].replace("\\040", " "), fstype, options.split(",")))
    return out


def _own_cgroups() -> dict[str, str]:
    """{controller (or "" for cgroup v2): this process's cgroup path}."""
    out = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for c in controllers.split(",") if controllers else [""]:
                out[c] = path
    return out


def _write(path: str, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


@dataclass
class Cgroup:
    """The cgroups of one sandbox start: ``dirs`` (one for v2; memory, pids and cpuacct for v1),
    the ``cgroup.procs`` files the sandbox joins, and where its CPU time is counted."""

    version: str
    dirs: list[str]
    cpu_file: str | None

    @property
    def procs_files(self) -> list[str]:
        return [os.path.join(d, "cgroup.procs") for d in self.dirs]

    def cpu_seconds(self) -> float:
        with open(self.cpu_file) as f:
            if self.version == "v1":
                return int(f.read()) / 1e9
            fields = dict(line.split() for line in f)
        return int(fields["usage_usec"]) / 1e6

    def pids(self) -> set[int]:
        found = set()
        for path in self.procs_files:
            try:
                with open(path) as f:
                    found.update(int(p) for p in f.read().split())
            except OSError:
                pass
        return found

    def kill(self, rounds: int = 200) -> None:
        """SIGKILL every process in these cgroups until none is left."""
        for _ in range(rounds):
            pids = self.pids()
            if not pids:
                return
            _sigkill(pids)
            time.sleep(0.005)

    def remove(self) -> None:
        self.kill()
        for d in self.dirs:
            for _ in range(400):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:  # busy while the last processes are being reaped
                    time.sleep(0.005)


def _v2_parent() -> str | None:
    own = _own_cgroups().get("")
    mount = next((m for m, fstype, _ in _mountinfo() if fstype == "cgroup2"), None)
    if own is None or mount is None:
        return None
    parent = mount + own.rstrip("/") if own != "/" else mount
    try:
        with open(os.path.join(parent, "cgroup.subtree_control")) as f:
            enabled = set(f.read().split())
        if not {"memory", "pids"} <= enabled:
            _write(os.path.join(parent, "cgroup.subtree_control"), "+memory +pids")
    except OSError:
        return None
    return parent


def _v1_parents() -> dict[str, str]:
    own = _own_cgroups()
    parents = {}
    for mount, fstype, options in _mountinfo():
        for controller in ("memory", "pids", "cpuacct"):
            if fstype == "cgroup" and controller in options and controller in own:
                parents[controller] = mount + own[controller].rstrip("/") \
                    if own[controller] != "/" else mount
    return parents


def _create(version: str, parents: dict[str, str], name: str, memory_mb: int,
            processes: int) -> Cgroup:
    dirs = []
    try:
        for controller, parent in parents.items():
            d = os.path.join(parent, name)
            os.mkdir(d, 0o755)
            dirs.append(d)
            if controller in ("memory", "v2"):
                limit = str(memory_mb << 20)
                if version == "v2":
                    _write(os.path.join(d, "memory.max"), limit)
                    if os.path.exists(os.path.join(d, "memory.swap.max")):
                        _write(os.path.join(d, "memory.swap.max"), "0")
                else:
                    _write(os.path.join(d, "memory.limit_in_bytes"), limit)
                    if os.path.exists(os.path.join(d, "memory.memsw.limit_in_bytes")):
                        _write(os.path.join(d, "memory.memsw.limit_in_bytes"), limit)
            if controller in ("pids", "v2"):
                _write(os.path.join(d, "pids.max"), str(processes))
    except OSError:
        for d in reversed(dirs):
            try:
                os.rmdir(d)
            except OSError:
                pass
        raise
    if version == "v2":
        cpu = os.path.join(dirs[0], "cpu.stat")
    elif "cpuacct" in parents:
        cpu = os.path.join(dirs[list(parents).index("cpuacct")], "cpuacct.usage")
    else:
        cpu = None
    return Cgroup(version, dirs, cpu)


@cache
def cgroup_support() -> tuple[str | None, str]:
    """("v2" or "v1", "") where this grader can give sandboxes a memory and process budget of
    their own, else (None, why not); found by creating and removing a test cgroup."""
    if not own_uid():
        return None, "not root"
    if os.environ.get("MLPBOOK_GRADER_CGROUP") == "0" or not sys.platform.startswith("linux"):
        return None, "switched off" if sys.platform.startswith("linux") else "not Linux"
    candidates = []
    parent = _v2_parent()
    if parent is not None:
        candidates.append(("v2", {"v2": parent}))
    v1 = _v1_parents()
    if "memory" in v1 and "pids" in v1:
        candidates.append(("v1", v1))
    for version, parents in candidates:
        try:
            probe = _create(version, parents, f"mlpbook-probe-{os.getpid()}", 64, 8)
        except OSError:
            continue
        probe.remove()
        return version, ""
    return None, "no memory and pids controllers this process may use"


def make_cgroup(name: str, memory_mb: int, processes: int) -> Cgroup | None:
    """New cgroups for one sandbox start (None where :func:`cgroup_support` finds none)."""
    version, _ = cgroup_support()
    if version is None:
        return None
    parents = {"v2": _v2_parent()} if version == "v2" else _v1_parents()
    return _create(version, parents, f"mlpbook-{name}", memory_mb, processes)


def memory_plan(memory_mb: int, processes: int, cgroup: bool, own: bool) -> tuple[int, int | None]:
    """(address-space limit of each process in MB, process limit or None) for a budget of
    ``memory_mb`` for the whole sandbox. With a cgroup the budget holds for all processes
    together and each may use all of it; without one, but under an id of its own, at most
    FALLBACK_PROCESSES processes of ``memory_mb / FALLBACK_PROCESSES`` each; as an ordinary user
    only the per-process limit can be set."""
    if cgroup:
        return memory_mb, processes
    if own:
        return memory_mb // FALLBACK_PROCESSES, FALLBACK_PROCESSES
    return memory_mb, None


# processes and leftovers -----------------------------------------------------------------------
def _proc_status(pid: str) -> dict[bytes, bytes]:
    with open(f"/proc/{pid}/status", "rb") as f:
        return dict(line.split(b":", 1) for line in f if b":" in line)


def kill_all_of(uid: int, rounds: int = 100) -> None:
    """Kill every live process whose real user id is ``uid`` (a sandbox's own id, so nothing
    else), as found in /proc. No fork: a thread of the grader may be inside OpenBLAS, whose
    fork handler can deadlock. Repeated while any is left, since they may still be forking."""
    for _ in range(rounds):
        found = []
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                fields = _proc_status(entry.name)
                if int(fields[b"Uid"].split()[0]) == uid and \
                        fields[b"State"].split()[0] not in (b"Z", b"X"):
                    found.append(int(entry.name))
            except (OSError, KeyError, ValueError, IndexError):
                continue  # gone meanwhile, or not a process we can read
        if not found:
            return
        _sigkill(found)
        time.sleep(0.005)


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_table() -> tuple[dict[int, list[int]], dict[int, float]]:
    """{parent pid: child pids} and {pid: CPU seconds it and its collected children used}."""
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        times[pid] = sum(int(x) for x in fields[11:15]) / _TICK  # utime stime cutime cstime
    return children, times


def _tree(root: int, children: dict[int, list[int]]) -> list[int]:
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def tree_cpu_seconds(root: int) -> float:
    """CPU time used by process ``root`` and its descendants (what they used themselves and
    what their collected children used), from /proc."""
    children, times = _process_table()
    return sum(times.get(pid, 0.0) for pid in _tree(root, children))


class Meter:
    """How much a sandbox computes and how long it waits, measured from outside.

    ``cpu_seconds()``: CPU time of all its processes (from its cgroup, else from /proc).
    ``busy_seconds()``: time its threads spent running or ready to run (waiting for a CPU) since
    the previous call, summed over threads (from /proc/*/task/*/schedstat). A wall-clock interval
    minus that is time in which the sandbox waited for nothing but itself (sleep, a blocked
    read): on a busy machine, being kept from a CPU does not count as waiting."""

    def __init__(self, root: int, cgroup: Cgroup | None):
        self.root, self.cgroup = root, cgroup
        self.seen: dict[str, int] = {}

    def pids(self) -> list[int]:
        if self.cgroup is not None:
            return sorted(self.cgroup.pids())
        return _tree(self.root, _process_table()[0])

    def cpu_seconds(self) -> float:
        if self.cgroup is not None and self.cgroup.cpu_file:
            return self.cgroup.cpu_seconds()
        return tree_cpu_seconds(self.root)

    def busy_seconds(self) -> float:
        seen, total = {}, 0
        for pid in [self.root, *self.pids()]:
            try:
                tids = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for tid in tids:
                try:
                    with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                        run, wait = f.read().split()[:2]
                except (OSError, ValueError):
                    continue
                seen[tid] = int(run) + int(wait)
                total += seen[tid] - self.seen.get(tid, 0)
        self.seen = seen
        return total / 1e9


def _ipc_ids(kind: str, uid: int) -> list[int]:
    try:
        with open(f"/proc/sysvipc/{kind}") as f:
            header = f.readline().split()
            rows = [line.split() for line in f]
    except OSError:
        return []
    ident, owner = header.index({"shm": "shmid", "msg": "msqid", "sem": "semid"}[kind]), \
        header.index("uid")
    return [int(r[ident]) for r in rows if int(r[owner]) == uid]


def remove_ipc_of(uid: int) -> None:
    """Remove the System V shared-memory segments, message queues and semaphore sets of
    ``uid`` (those of a sandbox that had no IPC namespace of its own)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for ident in _ipc_ids("shm", uid):
        libc.shmctl(ident, 0, None)  # IPC_RMID
    for ident in _ipc_ids("msg", uid):
        libc.msgctl(ident, 0, None)
    for ident in _ipc_ids("sem", uid):
        libc.semctl(ident, 0, 0)


def remove_files_of(uid: int, dirs=SHARED_DIRS) -> None:
    """Remove what ``uid`` owns at the top of each of ``dirs`` (files and folders a sandbox that
    had no private /tmp left in the shared ones)."""
    for d in dirs:
        try:
            entries = list(os.scandir(d))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass


# starting a sandbox ----------------------------------------------------------------------------
def _package_root() -> str:
    return str(Path(__file__).resolve().parents[2])  # the directory holding mlpbook/


def _inside(p: str, d: str) -> bool:
    return p == d or p.startswith(d.rstrip(os.sep) + os.sep)


#: Files that mark the directory holding the package as a source checkout (whose tests and
#: solutions the sandbox must not see), not an installation (site-packages, a --target folder).
CHECKOUT_MARKS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")


def _checkout() -> str | None:
    """The source checkout holding this package (an editable install or PYTHONPATH), or None
    when the package is installed (then the directory holding it is site-packages or the like,
    whose other packages the sandbox needs)."""
    root = _package_root()
    prefixes = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix}
    if any(_inside(root, os.path.realpath(d)) or _inside(root, d) for d in prefixes):
        return None
    return root if any(os.path.lexists(os.path.join(root, m)) for m in CHECKOUT_MARKS) else None


def sandbox_path() -> list[str]:
    """The sandbox's ``sys.path``: the directory holding this package, then the grader's own
    ``sys.path`` without the working directory and without the rest of a source checkout
    holding the package (its tests, say; an interpreter's directories inside it stay)."""
    root, checkout = _package_root(), _checkout()
    cwd = os.getcwd()
    prefixes = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix}
    out = [root]
    for p in sys.path:
        if not p or not os.path.isabs(p) or not os.path.exists(p):
            continue
        p = os.path.normpath(p)
        if p in out or p == cwd or (checkout is not None and _inside(p, checkout)
                                    and not any(_inside(p, d) for d in prefixes)):
            continue
        out.append(p)
    return out


def shown_paths(path: list[str] | None = None) -> list[str]:
    """What a sandbox's new root shows (read-only), worked out here, where the interpreter's
    prefixes are those of the grader (a venv's among them; the sandbox's ``python -S`` knows
    only the base interpreter's): what Python and the sandbox read
    (:func:`mlpbook.grading.privileges.needed_paths` for the sandbox's ``sys.path``), except
    that of a source checkout holding the package only the package itself is shown (not its
    tests or solutions)."""
    from .privileges import needed_paths

    package = os.path.join(_package_root(), "mlpbook")
    found = needed_paths(package, entries=sandbox_path() if path is None else path)
    checkout = _checkout()
    if checkout is None:
        return found
    prefixes = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix}
    prefixes |= {os.path.realpath(d) for d in prefixes}
    return [p for p in found if _inside(p, package) or any(_inside(p, d) for d in prefixes)
            or not (_inside(p, checkout) or _inside(p, os.path.realpath(checkout)))]


def _others_may(st: os.stat_result, bits: int) -> bool:
    """Whether a user of no group but its own (a sandbox's id) may do ``bits`` (read 4,
    enter 1) with the file of ``st``."""
    return st.st_mode & bits == bits


def behind_private_folders(path: list[str]) -> list[str]:
    """The entries of ``path`` that a sandbox under an id of its own could not reach, because a
    directory above them is private (``/root``, a home directory of mode 0700), although they
    are readable themselves. A sandbox without a root of its own opens them while it is still
    root and reaches them through those open directories (see ``_BOOT``)."""
    out = []
    for p in path:
        parts = Path(os.path.realpath(p)).parents
        try:
            if not all(_others_may(os.stat(d), 1) for d in parts):
                out.append(p)
        except OSError:
            continue
    return out


@cache
def unreadable_by_sandboxes(path: tuple[str, ...]) -> list[str]:
    """What a sandbox under an id of its own could not read of what it needs: the entries of
    ``path`` (directories it must list and enter) and every directory and file of the package.
    Only the permissions for "others" count: that id belongs to no account and no group."""
    out = []
    for p in path:
        try:
            if os.path.isdir(p) and not _others_may(os.stat(p), 5):
                out.append(p)
        except OSError:
            continue
    package = os.path.join(_package_root(), "mlpbook")
    for d, dirs, files in os.walk(package):
        dirs[:] = [x for x in dirs if x != "__pycache__"]
        for name, bits in [(d, 5), *((os.path.join(d, f), 4) for f in files)]:
            try:
                if not _others_may(os.stat(name), bits):
                    out.append(name)
            except OSError:
                continue
    return out


def readable_by_sandboxes(path: list[str]) -> None:
    """Raise :class:`SandboxError`, naming the fix, when a sandbox under an id of its own could
    not read what it needs (see :func:`unreadable_by_sandboxes`)."""
    found = unreadable_by_sandboxes(tuple(path))
    if found:
        listed = ", ".join(found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
        package = os.path.join(_package_root(), "mlpbook")
        fix = package if _inside(found[0], package) else found[0]
        raise SandboxError(
            f"the grading sandboxes cannot read {listed}: they run under an id of their own, "
            f"which may read only what everyone may. Make it readable to everyone "
            f"(chmod -R o+rX {shlex.quote(fix)}), or install mlpbook with pip into an "
            "environment everyone may read")


def python_command(hidden: list[str] | None = None) -> list[str]:
    """The isolated interpreter that runs :func:`mlpbook.grading.sandbox.main`; it reaches the
    entries ``hidden`` of its ``sys.path`` through directories it opens at once (see
    :func:`behind_private_folders`)."""
    flags = ["-s", "-S", "-B"] + (["-P"] if sys.version_info >= (3, 11) else [])
    return [sys.executable, *flags, "-c", _BOOT, json.dumps(sandbox_path()),
            json.dumps(hidden or [])]


def child_env(home: str) -> dict:
    """A small environment: none of the grader's variables, one BLAS thread, no display."""
    keep = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "LD_LIBRARY_PATH", "SYSTEMROOT")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(HOME=home, PYTHONHASHSEED="0", MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1",
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def namespace_ids() -> dict[str, str]:
    """{namespace: its id} of this process (pid, net, ipc, mnt, user)."""
    out = {}
    for name in _NAMESPACES:
        try:
            out[name] = os.readlink(f"/proc/self/ns/{name}")
        except OSError:
            out[name] = ""
    return out


@dataclass
class Started:
    """A sandbox process that has not been told anything yet: ``setup`` is its first message
    (limits and ids only, nothing submitted); ``meter`` measures it."""

    proc: subprocess.Popen
    setup: dict
    meter: Meter
    stderr_path: str


@contextmanager
def sandbox_process(slot: int, n: int, home: str, memory_mb: int, file_mb: int, processes: int,
                    cpu_cap: int):
    """Start the ``n``-th sandbox process of a submission (its files in ``home``, a directory of
    the grader's) in slot ``slot``; on leaving, kill it and remove everything it left."""
    uid = sandbox_ids(slot) if own_uid() else None
    prefix = namespace_prefix()
    path = sandbox_path()
    if uid is not None:
        readable_by_sandboxes(path)
    start = os.path.join(home, f"start-{n}")  # the fresh, empty directory it starts in
    os.mkdir(start, 0o700)
    if uid is not None:
        os.chmod(home, 0o711)  # the sandbox may pass through to its workdir, not list
    workdir = None
    if not prefix:
        workdir = os.path.join(home, f"work-{n}")
        os.mkdir(workdir, 0o700)
        if uid is not None:
            os.chown(workdir, uid, uid)
    cgroup = make_cgroup(f"{os.getpid()}-{slot}-{n}", memory_mb, processes) \
        if uid is not None else None
    per_process_mb, nproc = memory_plan(memory_mb, processes, cgroup is not None, uid is not None)
    setup = {"user": None if uid is None else [uid, uid], "userns": bool(prefix) and uid is None,
             "new_root": bool(prefix), "shown": shown_paths(path) if prefix else [],
             "host_ns": namespace_ids(), "workdir": workdir,
             "cgroups": cgroup.procs_files if cgroup else [],
             "cgroup": cgroup.version if cgroup else None, "memory_mb": per_process_mb,
             "tmp_mb": memory_mb, "processes": nproc, "file_mb": file_mb, "cpu_seconds": cpu_cap,
             # the sandbox dies with unshare: it may leave unshare's process group, out of
             # reach of a kill(0) in a cell (which would otherwise take unshare and so itself)
             "leave_group": "--kill-child" in prefix}
    stderr_path = os.path.join(home, f"stderr-{n}.txt")
    try:
        with open(os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as err:
            proc = subprocess.Popen(
                [*prefix, *python_command(
                    behind_private_folders(path) if uid is not None and not prefix else [])],
                cwd=start, env=child_env(workdir or "/tmp/work"),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                start_new_session=True)
    except BaseException:
        _clean(None, uid, cgroup, prefix, (start, workdir))
        raise
    try:
        yield Started(proc, setup, Meter(proc.pid, cgroup), stderr_path)
    finally:
        _clean(proc, uid, cgroup, prefix, (start, workdir))


def _clean(proc, uid, cgroup, prefix, dirs) -> None:
    """Kill everything of a sandbox and remove what it left (see the module docstring)."""
    if proc is not None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if cgroup is not None:
        cgroup.kill()
    if uid is not None:
        kill_all_of(uid)
    if proc is not None:
        proc.kill()
        proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass
    if cgroup is not None:
        cgroup.remove()
    if uid is not None and not prefix:
        remove_ipc_of(uid)
        remove_files_of(uid)
    for d in dirs:
        if d is not None:
            shutil.rmtree(d, ignore_errors=True)


def describe(protections: dict) -> str:
    """One line: which protections the sandboxes have here, and which they lack (from
    :func:`mlpbook.grading.runner.protections`)."""
    on, off = [], []
    spaces = protections.get("namespaces", [])
    if {"pid", "net", "ipc", "mnt"} <= set(spaces):
        on.append("private PID, network, IPC and mount namespaces")
    else:
        off.append(f"private namespaces (has: {', '.join(spaces) or 'none'}; a submission may "
                   "see and signal your processes and use the network)")
    if protections.get("new_root"):
        on.append("a read-only root file system of its own (system, Python, mlpbook) with a "
                  "private /tmp")
    else:
        off.append("a file system of its own (a submission may read and write what its user "
                   "may, and leave files in /tmp)")
    if protections.get("writable_path"):
        off.append(f"a read-only sys.path ({', '.join(protections['writable_path'])} is "
                   "writable)")
    if protections.get("own_user"):
        on.append("a user id of its own")
    else:
        off.append("a user id of its own (not root: submissions run under your id)")
    memory, processes = protections.get("memory_mb"), protections.get("processes")
    why = protections.get("why_not_cgroup", "")
    if protections.get("cgroup"):
        on.append(f"one memory budget for all its processes (cgroup {protections['cgroup']}: "
                  f"{protections.get('budget_mb')} MB, {processes} processes)")
    elif processes is not None:
        on.append(f"one memory budget for all its processes ({processes} processes of {memory} "
                  f"MB; no cgroup: {why})")
    else:
        off.append(f"one memory budget for all its processes (no cgroup: {why}; {memory} MB per "
                   "process, no process limit)")
    return f"sandbox protections: active: {'; '.join(on) or 'none'} | not active: " \
           f"{'; '.join(off) or 'none'}"
