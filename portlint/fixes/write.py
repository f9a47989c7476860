"""Writing a fixed file without ever losing it: a temporary file beside it, renamed over it.

The temporary file gets the original's permission bits (and owner, where allowed); a symbolic
link is followed and its target replaced, never the link. A file that changed on disk since
portlint read it is left alone. An interrupted run leaves the original whole.
"""

from __future__ import annotations

import os
import stat
import tempfile

from typing import TextIO

from portlint.fixes.apply import FileChange, Result


def write_changes(result: Result, stdout: TextIO, stdin: str | None) -> list[str]:
    """Write every changed file, and the text read from stdin (named `stdin` in the report) to
    `stdout`, fixed or not; the notes to print. A file that cannot be written stays as it was, and
    its findings count as remaining. Nothing read from stdin is ever written to a file."""
    notes = []
    for path, change in sorted(result.changes.items()):
        if not change.target:
            continue
        why = write_change(change)
        if why:
            notes.append(f"not fixed: {path}: {why}")
            result.unwritten.append(path)
        elif os.path.realpath(path) != os.path.abspath(path):
            notes.append(f"{path} is a symbolic link: its target {change.target} was fixed, the link kept")
    if stdin is not None:
        source = result.report.sources.get(stdin)
        change = result.changes.get(stdin)
        stdout.write(change.text if change else (source.text if source and source.text is not None else ""))
        stdout.flush()
    return notes


def write_change(change: FileChange) -> str | None:
    """Write `change`; None when written, else why not (the file is then as it was)."""
    target = change.target
    expected = (change.bom + change.original).encode("utf-8")
    try:
        info = os.stat(target)
        with open(target, "rb") as handle:
            if handle.read() != expected:
                return "it changed on disk while portlint ran"
        descriptor, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".portlint-fix",
                                                 dir=os.path.dirname(target) or ".")
    except OSError as error:
        return f"cannot write it: {error.strerror or error}"
    try:
        with open(descriptor, "wb") as handle:
            handle.write((change.bom + change.text).encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        try:
            os.chown(temporary, info.st_uid, info.st_gid)
        except OSError:
            pass  # only root may give a file away
        os.replace(temporary, target)
    except BaseException as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(error, OSError):
            return f"cannot write it: {error.strerror or error}"
        raise
    return None
