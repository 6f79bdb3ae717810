"""A user of its own for each sandbox when the grader runs as root (Linux), and clean-up of the
processes a submission leaves behind.

Run as root, the grader gives every sandbox an unprivileged user and group id that no account
uses (see :func:`mlpbook.grading.runner.sandbox_ids`). Before any submitted code runs, the sandbox
drops to it for good (:func:`drop`): real, effective and saved ids, no supplementary groups, and
no way to gain privileges again through set-user-ID programs. From then on a submission can write
only in its own working directory and where everyone may write: it cannot modify or delete
other submissions, the grader's reports or anything else the grader owns. Because that id
belongs to one sandbox, ``RLIMIT_NPROC`` (counted per user) is that sandbox's own budget: a fork
bomb runs into it without starving the sandboxes graded next to it, and :func:`kill_leftovers`
may kill every process of that id without touching anyone else's.

Python and the package must stay readable after the drop. Where they sit below a directory
other users may not enter (an interpreter under ``/root``, say), the sandbox, still root inside
its private mount namespace, covers that directory with an empty tmpfs and binds back only the
paths it needs (:func:`reveal`): the interpreter's prefixes, ``sys.path``, the package and its
working directory. Everything else in that directory stays hidden from the submission, and
nothing changes outside the namespace.
"""

from __future__ import annotations

import ctypes
import os
import resource
import stat
import sys
import time

__all__ = ["drop", "reveal", "blocked_ancestor", "needed_paths", "die_with_parent",
           "become_reaper", "kill_leftovers"]

_MS_NOSUID, _MS_NODEV, _MS_BIND, _MS_MOVE, _MS_REC, _MS_PRIVATE = 2, 4, 4096, 8192, 16384, 1 << 18
_PR_SET_PDEATHSIG, _PR_SET_CHILD_SUBREAPER, _PR_SET_NO_NEW_PRIVS = 1, 36, 38


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source, target, fstype, flags: int, data=None) -> None:
    libc = _libc()
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                           ctypes.c_char_p]
    enc = [None if s is None else os.fsencode(s) for s in (source, target, fstype, data)]
    _check(libc.mount(enc[0], enc[1], enc[2], flags, enc[3]), f"mount {target}")


def _prctl(option: int, value: int) -> None:
    _check(_libc().prctl(option, ctypes.c_ulong(value), 0, 0, 0), f"prctl {option}")


def _can_search(st: os.stat_result, uid: int, gid: int) -> bool:
    """Whether (uid, gid), without supplementary groups, may enter a directory (ACLs ignored)."""
    if st.st_uid == uid:
        return bool(st.st_mode & stat.S_IXUSR)
    if st.st_gid == gid:
        return bool(st.st_mode & stat.S_IXGRP)
    return bool(st.st_mode & stat.S_IXOTH)


def blocked_ancestor(path: str, uid: int, gid: int) -> str | None:
    """The highest directory above ``path`` that (uid, gid) may not enter, or None."""
    ancestors, d = [], os.path.dirname(os.path.abspath(path))
    while True:
        ancestors.append(d)
        if d == os.path.dirname(d):
            break
        d = os.path.dirname(d)
    for d in reversed(ancestors):
        try:
            st = os.stat(d)
        except OSError:
            return None
        if not _can_search(st, uid, gid):
            return d
    return None


def needed_paths(*extra: str) -> list[str]:
    """What Python, the package and the sandbox read after the drop: the interpreter's prefixes
    and directory, every existing ``sys.path`` entry, and ``extra``; as given and resolved."""
    found = [sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix,
             os.path.dirname(sys.executable), *(p for p in sys.path if p), *extra]
    out = []
    for p in found:
        for q in (os.path.abspath(p), os.path.realpath(p)):
            if os.path.exists(q) and q not in out:
                out.append(q)
    return out


def reveal(paths: list[str], uid: int, gid: int, staging: str) -> list[str]:
    """Make every one of ``paths`` reachable for (uid, gid); returns the directories covered.

    Must run as root in a private mount namespace. Each directory that blocks the way is covered
    by an empty tmpfs (mode 0711: enter, not list) into which the needed entries just below it are
    bound back (staged in ``staging``, a root-owned directory, while the tmpfs goes on)."""
    covered = []
    for _ in range(32):  # each round uncovers one level of nested blocking directories
        blocked: dict[str, list[str]] = {}
        for p in paths:
            top = blocked_ancestor(p, uid, gid)
            if top is not None:
                child = os.path.join(top, os.path.relpath(p, top).split(os.sep)[0])
                blocked.setdefault(top, [])
                if child not in blocked[top]:
                    blocked[top].append(child)
        if not blocked:
            return covered
        for top, children in blocked.items():
            _cover(top, children, staging)
            covered.append(top)
    raise OSError(f"cannot make {paths} reachable: too many nested blocked directories")


def _cover(top: str, children: list[str], staging: str) -> None:
    staged = []
    for i, child in enumerate(children):
        spot = os.path.join(staging, f"stage-{i}")
        _make_like(child, spot)
        _mount(child, spot, None, _MS_BIND | _MS_REC)
        staged.append((os.path.basename(child), spot))
    _mount("tmpfs", top, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0711,size=1m")
    for name, spot in staged:
        target = os.path.join(top, name)
        _make_like(spot, target)
        _mount(spot, target, None, _MS_MOVE)
        (os.rmdir if os.path.isdir(spot) else os.remove)(spot)


def _make_like(model: str, path: str) -> None:
    """An empty directory or file at ``path`` (a mount point for ``model``)."""
    if os.path.isdir(model):
        os.mkdir(path, 0o755)
    else:
        with open(path, "wb"):
            pass


def drop(uid: int, gid: int, processes: int, reveal_paths: list[str] | None = None,
         staging: str | None = None, host_mount_ns: str | None = None) -> None:
    """Become (uid, gid) for good, after revealing ``reveal_paths`` when they are given (that
    needs a private mount namespace: ``host_mount_ns``, the grader's, must differ from ours).
    Then at most ``processes`` processes and threads may run under that id."""
    if os.geteuid() != 0:
        raise PermissionError("dropping privileges needs root")
    if reveal_paths:
        if host_mount_ns is None or os.readlink("/proc/self/ns/mnt") == host_mount_ns:
            raise RuntimeError("refusing to mount anything outside a private mount namespace")
        _mount(None, "/", None, _MS_REC | _MS_PRIVATE)  # nothing propagates back out
        reveal(reveal_paths, uid, gid, staging)
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)  # set-user-ID programs cannot give privileges back
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid) or os.getgroups():
        raise RuntimeError("the sandbox did not drop its privileges")
    try:
        os.setuid(0)
    except PermissionError:
        pass
    else:
        raise RuntimeError("the sandbox could become root again")
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))


def die_with_parent() -> None:
    """SIGKILL this process when its parent ends (a change of user clears that setting)."""
    _prctl(_PR_SET_PDEATHSIG, 9)


def become_reaper() -> None:
    """Orphaned descendants are re-parented to this process (a PID namespace's first process
    is their reaper anyway), so :func:`kill_leftovers` can collect them."""
    if os.getpid() != 1:
        _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def kill_leftovers(wait: float = 2.0) -> None:
    """Kill every other process this process may signal, then collect the dead children.

    Only for a sandbox that is alone in its PID namespace or runs under an id of its own: then
    "every process it may signal" means exactly the processes the submission started."""
    try:
        os.kill(-1, 9)  # SIGKILL to all we may signal, except ourselves (and a namespace's init)
    except ProcessLookupError:
        pass  # nobody else is running; dead children may still wait to be collected
    end = time.monotonic() + wait
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.002)
