"""Writing a fixed file without ever losing it, through outputs.atomic_write (every file portlint
writes goes through portlint/outputs.py): a temporary file beside it, renamed over it.

The temporary file gets the original's permission bits (and owner, where allowed); a symbolic
link is followed and its target replaced, never the link. A file that changed on disk since
portlint read it is left alone. An interrupted run leaves the original whole.
"""

from __future__ import annotations

import os
from typing import TextIO

from portlint.fixes.apply import FileChange, Result
from portlint.limits import Refused, read_file
from portlint.outputs import OutputError, atomic_write


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
    """Write `change` (outputs.atomic_write: beside it, then renamed over it, with its mode and owner); None
    when written, else why not (the file is then as it was)."""
    target = change.target
    try:
        if read_file(target) != (change.bom + change.original).encode("utf-8"):
            return "it changed on disk while portlint ran"
        with atomic_write(target, "--fix") as stream:
            stream.write(change.bom + change.text)
    except OSError as error:
        return f"cannot write it: {error.strerror or error}"
    except (Refused, OutputError) as error:
        return f"cannot write it: {error}"
    return None
