"""Where CI wants a finding's file: relative to the repository's root, whatever directory portlint ran in.

GitHub code scanning, GitHub annotations and GitLab Code Quality place a result by its path from
the root of the checked-out repository. portlint's findings carry paths as the user typed them
(relative to the working directory, or absolute), so the reporters for CI convert them here.
"""

from __future__ import annotations

import os
from pathlib import Path


def repository_root(start: str | None = None) -> Path:
    """The top of the git work tree holding `start` (default: the working directory); outside any
    repository, the working directory itself."""
    here = Path(os.path.abspath(start or os.getcwd()))
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory
    return here


def from_root(path: str, root: Path) -> str | None:
    """`path` as a '/'-separated path below `root`; None for a path outside it or for <stdin>."""
    if path.startswith("<"):
        return None
    try:
        relative = Path(os.path.abspath(path)).relative_to(root)
    except ValueError:
        return None
    return relative.as_posix()


def shown(path: str, root: Path) -> str:
    """The path CI should show: below the root when it is, else as given."""
    return from_root(path, root) or path
