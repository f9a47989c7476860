"""`--diff`: what --fix would change, as a unified diff (`patch -p0` and `git apply` read it)."""

from __future__ import annotations

import difflib
from typing import TextIO

NO_NEWLINE = "\\ No newline at end of file\n"


def write(changes, out: TextIO) -> None:
    """Each changed file's diff, in the order of the paths."""
    for path in sorted(changes):
        change = changes[path]
        lines = difflib.unified_diff(change.original.splitlines(keepends=True), change.text.splitlines(keepends=True),
                                     fromfile=path, tofile=path)
        for line in lines:
            out.write(line if line.endswith("\n") else line + "\n" + NO_NEWLINE)
