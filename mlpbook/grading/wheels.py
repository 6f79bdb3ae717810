"""The two wheels a course hands out, made from the installed package with its own metadata.

- The **instructor wheel** (``student=False``) is the package as installed: the library, the
  grader and the exercise sets with their reference answers (``mlpbook.grading.sets``). It goes
  into Gradescope's autograder (:func:`mlpbook.grading.exports.autograder_zip`).
- The **student wheel** (``student=True``, version ``<version>+student``) leaves the exercise
  sets out and carries the public cases as data instead (:mod:`mlpbook.grading.public`): what
  ``check(...)`` needs, and nothing that computes an answer or draws a hidden case. It goes into
  the handout (:func:`mlpbook.grading.release.release`).

Both carry the distribution's own metadata (every dependency, the extras, the license), read
from the installed distribution, so ``pip install "mlpbook-...whl[book]"`` works as from the
index. The wheel is written without build tools, so an instructor can make one offline.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import zipfile
from importlib import metadata
from pathlib import Path

__all__ = ["build_wheel", "package_files", "STUDENT_LEFT_OUT"]

#: What the student wheel leaves out (paths inside the package).
STUDENT_LEFT_OUT = ("grading/sets/",)
_EPOCH = (2020, 1, 1, 0, 0, 0)


def _package_dir() -> Path:
    return Path(__file__).resolve().parents[1]


def package_files(student: bool = False) -> list[tuple[str, bytes]]:
    """(path in the wheel, contents) of every file of the package, sorted; for the student
    wheel without :data:`STUDENT_LEFT_OUT` and with the public cases."""
    from . import public

    root = _package_dir()
    out = []
    for p in sorted(root.rglob("*")):
        inside = p.relative_to(root).as_posix()
        if not p.is_file() or "__pycache__" in p.parts or p.suffix in (".pyc", ".pyo") or \
                inside.startswith("grading/public/"):
            continue
        if student and inside.startswith(STUDENT_LEFT_OUT):
            continue
        out.append((f"mlpbook/{inside}", p.read_bytes()))
    if student:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            for path in public.write(tmp):
                out.append((f"mlpbook/grading/public/{path.name}", path.read_bytes()))
    return sorted(out)


def _metadata(version: str) -> tuple[str, list[tuple[str, bytes]]]:
    """The distribution's METADATA with ``version``, and its license files."""
    from .. import __version__

    # the installed distribution of this version (a build folder's egg-info may come first)
    found = [(d, d.read_text("METADATA") or d.read_text("PKG-INFO") or "")
             for d in metadata.distributions(name="mlpbook") if d.version == __version__]
    found = [(d, text) for d, text in found if "Requires-Dist:" in text]
    if not found:
        raise RuntimeError(f"mlpbook {__version__} is not installed with its metadata (needed "
                           "for the wheel): run `python -m pip install -e .` in the repository")
    dist, text = found[0]
    head, sep, body = text.partition("\n\n")
    lines = [f"Version: {version}" if line.startswith("Version:") else line
             for line in head.splitlines()]
    licenses = []
    for line in lines:
        if line.startswith("License-File:"):
            name = line.split(":", 1)[1].strip()
            found = dist.read_text(f"licenses/{name}") or dist.read_text(name)
            if found is None:
                local = _package_dir().parent / name
                found = local.read_text(encoding="utf-8") if local.is_file() else None
            if found is not None:
                licenses.append((name, found.encode()))
    return "\n".join(lines) + sep + body, licenses


def build_wheel(dest_dir, *, student: bool = False) -> Path:
    """Write the instructor's (or with ``student`` the students') wheel into ``dest_dir``."""
    from .. import __version__

    version = f"{__version__}+student" if student else __version__
    info = f"mlpbook-{version}.dist-info"
    text, licenses = _metadata(version)
    files = package_files(student)
    files += [(f"{info}/METADATA", text.encode()),
              (f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: mlpbook\nRoot-Is-Purelib: "
                                b"true\nTag: py3-none-any\n"),
              (f"{info}/entry_points.txt", b"[console_scripts]\nmlpbook = mlpbook.cli:main\n")]
    files += [(f"{info}/licenses/{name}", data) for name, data in licenses]
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for arcname, data in files:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        writer.writerow([arcname, f"sha256={digest}", len(data)])
    writer.writerow([f"{info}/RECORD", "", ""])
    files.append((f"{info}/RECORD", record.getvalue().encode()))
    dest = Path(dest_dir) / f"mlpbook-{version}-py3-none-any.whl"
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for arcname, data in files:
            z.writestr(zipfile.ZipInfo(arcname, _EPOCH), data, zipfile.ZIP_DEFLATED)
    return dest
