"""What a sandbox does to itself before any submitted code runs (Linux), and the clean-up of the
processes a submission leaves behind. Everything here runs inside the sandbox process.

The grader starts the sandbox as root, either real root or root of a user namespace of its own
(:mod:`mlpbook.grading.isolation`), in private PID, network, IPC and mount namespaces. Before it
reads any submitted byte, the sandbox

1. joins its cgroups (:func:`join_cgroups`), one memory and process budget for all its processes;
2. replaces its view of the file system by a new root (:func:`new_root`): read-only bind mounts
   of the system directories (``/usr``, ``/etc``, ...), the interpreter, ``sys.path`` and the
   package itself (without the rest of a source checkout), a few device files, ``/proc``, and a
   private, size-limited ``/tmp`` and ``/dev/shm`` that vanish with the sandbox. Nothing else of
   the machine (home directories, other submissions, the grader's reports) exists in it, and the
   old root is unmounted, so there is no way back;
3. gives up its privileges for good: as real root it becomes a user and group id of its own
   that no account uses (:func:`drop`), so ``RLIMIT_NPROC``, counted per user, is its own
   process budget; in a user namespace, where that is not possible, it drops every capability
   (:func:`drop_capabilities`). Either way it cannot mount, unmount or gain privileges again.

:func:`kill_leftovers` then ends whatever a cell or an answer left running.
"""

from __future__ import annotations

import ctypes
import os
import platform
import resource
import sys
import time

__all__ = ["join_cgroups", "needed_paths", "new_root", "drop", "drop_capabilities",
           "die_with_parent", "become_reaper", "kill_leftovers", "SYSTEM_DIRS"]

_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_NOATIME, _MS_NODIRATIME, _MS_BIND = 32, 1024, 2048, 4096
_MS_REC, _MS_PRIVATE, _MS_RELATIME, _MS_STRICTATIME = 16384, 1 << 18, 1 << 21, 1 << 24
_MS_NOSYMFOLLOW = 256
_MNT_DETACH = 2
_PER_MOUNT = {"ro": _MS_RDONLY, "nosuid": _MS_NOSUID, "nodev": _MS_NODEV, "noexec": _MS_NOEXEC,
              "noatime": _MS_NOATIME, "nodiratime": _MS_NODIRATIME, "relatime": _MS_RELATIME,
              "strictatime": _MS_STRICTATIME, "nosymfollow": _MS_NOSYMFOLLOW}
_PR_SET_PDEATHSIG, _PR_CAPBSET_DROP = 1, 24
_PR_SET_CHILD_SUBREAPER, _PR_SET_NO_NEW_PRIVS = 36, 38
_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "ppc64": 203,
               "s390x": 217, "i686": 217, "i386": 217, "armv7l": 218}

#: Directories of the machine that a sandbox sees (read-only), where they exist.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
_DEVICES = ("null", "zero", "full", "random", "urandom")


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


def join_cgroups(procs_files: list[str]) -> None:
    """Move this process (and so everything it will start) into the given cgroups."""
    for path in procs_files:
        with open(path, "w") as f:
            f.write(str(os.getpid()))


def needed_paths(*extra: str, entries: list[str] | None = None) -> list[str]:
    """What Python and the sandbox read: the interpreter's prefixes and directory, every existing
    entry of ``entries`` (default ``sys.path``), the directories of ``LD_LIBRARY_PATH``, and
    ``extra``; absolute, as given and resolved."""
    found = [sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix,
             os.path.dirname(sys.executable), os.path.dirname(os.path.realpath(sys.executable)),
             *(p for p in (sys.path if entries is None else entries) if p),
             *(p for p in os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep) if p), *extra]
    out = []
    for p in found:
        for q in (os.path.abspath(p), os.path.realpath(p)):
            if os.path.exists(q) and q not in out:
                out.append(q)
    return out


def _unescape(field: str) -> str:
    """A path as /proc/self/mountinfo writes it (space, tab, newline, backslash as \\ooo)."""
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and field[i + 1:i + 4].isdigit():
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def _mount_table() -> dict[str, int]:
    """{mount point: its per-mount flags}, the last mount on a point winning (it hides the
    others)."""
    table = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            table[_unescape(fields[4])] = sum(_PER_MOUNT.get(o, 0)
                                              for o in fields[5].split(","))
    return table


def _mounted_on(path: str, table: dict[str, int]) -> str:
    """The mount point of the file system holding ``path``."""
    while path not in table and path != "/":
        path = os.path.dirname(path)
    return path


def _outermost(paths: list[str]) -> list[str]:
    chosen: list[str] = []
    for p in sorted(set(paths), key=len):
        if not any(p == c or p.startswith(c.rstrip("/") + "/") for c in chosen):
            chosen.append(p)
    return chosen


def _shared_top(path: str) -> str | None:
    """``/tmp/x`` for a path ``/tmp/x/...`` (likewise in /dev/shm), else None."""
    parts = path.strip("/").split("/")
    if parts[0] == "tmp" and len(parts) >= 2:
        return "/tmp/" + parts[1]
    if parts[:2] == ["dev", "shm"] and len(parts) >= 3:
        return "/dev/shm/" + parts[2]
    return None


def _make_parents(path: str) -> None:
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)


def _bind_read_only(source: str, target: str, table: dict[str, int]) -> list[str]:
    """Bind ``source`` (with what is mounted below it) at ``target``, read-only; returns the
    mount points that could not be made read-only."""
    _make_parents(target)
    if os.path.isdir(source):
        os.makedirs(target, mode=0o755, exist_ok=True)
    elif not os.path.exists(target):
        with open(target, "wb"):
            pass
    _mount(source, target, None, _MS_BIND | _MS_REC)
    failed = []
    inside = [m for m in table if m == source or m.startswith(source.rstrip("/") + "/")]
    for point in [source, *sorted(inside, key=len)]:
        flags = table[_mounted_on(point, table)]
        where = target + point[len(source):]
        try:
            _mount(None, where, None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | flags)
        except OSError:
            failed.append(point)
    return failed


def _pivot_root_here() -> None:
    """Make the current directory the root and unmount the old root (``pivot_root(".", ".")``)."""
    number = _PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise OSError(f"pivot_root: unknown system call number on {platform.machine()}")
    _check(_libc().syscall(number, b".", b"."), "pivot_root")
    _check(_libc().umount2(b".", _MNT_DETACH), "umount the old root")
    os.chdir("/")


def new_root(root: str, paths: list[str], owner: tuple[int, int] | None, tmp_mb: int,
             host_mount_ns: str) -> tuple[str, list[str]]:
    """Make a new root in the empty directory ``root`` and move into it (see the module
    docstring); returns the working directory ``/tmp/work`` (owned by ``owner``, a (uid, gid)
    pair, if given) and the mount points that could not be made read-only.

    Must run as root (of the mount namespace's user namespace) in a private mount namespace:
    ``host_mount_ns``, the grader's, must differ from this process's."""
    if os.readlink("/proc/self/ns/mnt") == host_mount_ns:
        raise RuntimeError("refusing to mount anything outside a private mount namespace")
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)  # nothing propagates back out
    table = _mount_table()
    _mount("tmpfs", root, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0755,size=1m,nr_inodes=4096")
    size = f"mode=1777,size={tmp_mb}m,nr_inodes=16384"
    for d in ("tmp", "dev/shm"):  # first: what is shown from the host's /tmp goes on top
        os.makedirs(f"{root}/{d}", mode=0o755, exist_ok=True)
        _mount("tmpfs", f"{root}/{d}", "tmpfs", _MS_NOSUID | _MS_NODEV, size)
    failed = []
    shown = _outermost([p for p in SYSTEM_DIRS if os.path.lexists(p)] + list(paths))
    # A path shown from inside the host's /tmp or /dev/shm (a checkout in /tmp, say) would get
    # its parent directories on the writable private tmpfs; they go on a small tmpfs of their
    # own instead, made read-only below, so that nothing on sys.path is writable.
    covers = sorted({top for top in map(_shared_top, shown)
                     if top is not None and top not in shown})
    for top in covers:
        os.makedirs(root + top, mode=0o755, exist_ok=True)
        _mount("tmpfs", root + top, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0755,size=1m")
    for p in shown:
        target = root + p
        if p in SYSTEM_DIRS and os.path.islink(p):  # /lib -> usr/lib on merged systems
            os.symlink(os.readlink(p), target)
            continue
        failed += _bind_read_only(os.path.realpath(p), target, table)
    for top in covers:
        _mount(None, root + top, None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    for name in _DEVICES:
        if os.path.exists(f"/dev/{name}"):
            _make_parents(f"{root}/dev/{name}")
            with open(f"{root}/dev/{name}", "wb"):
                pass
            _mount(f"/dev/{name}", f"{root}/dev/{name}", None, _MS_BIND)
    os.mkdir(f"{root}/proc", 0o555)
    _mount("/proc", f"{root}/proc", None, _MS_BIND | _MS_REC)
    os.makedirs(f"{root}/var", mode=0o755, exist_ok=True)
    if not os.path.lexists(f"{root}/var/tmp"):
        os.symlink("/tmp", f"{root}/var/tmp")
    work = f"{root}/tmp/work"
    os.mkdir(work, 0o700)
    if owner is not None:
        os.chown(work, *owner)
    os.chdir(root)
    _pivot_root_here()
    _mount(None, "/", None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    return "/tmp/work", failed


def _drop_bounding_set() -> None:
    with open("/proc/sys/kernel/cap_last_cap") as f:
        last = int(f.read())
    for cap in range(last + 1):
        _prctl(_PR_CAPBSET_DROP, cap)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _effective_capabilities() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16)
    raise RuntimeError("no CapEff in /proc/self/status")


def drop_capabilities() -> None:
    """Give up every capability for good (for a sandbox that is root of a user namespace and
    cannot change to another id): none effective, permitted or inheritable, an empty bounding
    set, and no new privileges through set-user-ID programs."""
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)
    _drop_bounding_set()
    header, data = _CapHeader(0x20080522, 0), (_CapData * 2)()  # _LINUX_CAPABILITY_VERSION_3
    _check(_libc().capset(ctypes.byref(header), data), "capset")
    if _effective_capabilities() != 0:
        raise RuntimeError("the sandbox did not drop its capabilities")


def drop(uid: int, gid: int, processes: int | None) -> None:
    """Become (uid, gid) for good: real, effective and saved ids, no supplementary groups, an
    empty capability bounding set and no new privileges. Then at most ``processes`` processes
    and threads may run under that id (when given)."""
    if os.geteuid() != 0:
        raise PermissionError("dropping privileges needs root")
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)  # set-user-ID programs cannot give privileges back
    _drop_bounding_set()
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
    if _effective_capabilities() != 0:
        raise RuntimeError("the sandbox kept capabilities")
    if processes is not None:
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
