"""PATH arguments → the files to read: directories walked (sorted, without recursion), each file once,
hidden entries and followed-nowhere symbolic links accounted for, what lies outside the checked roots
marked. portlint/loader.py reads what this finds."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from portlint.findings import Finding
from portlint.loader import KUSTOMIZATION_FILE, STDIN, YAML_SUFFIXES, file_finding


@dataclass
class Discovered:
    """What the PATH arguments expand to, and what a directory walk could not read or did not follow."""

    files: list[str] = field(default_factory=list)  # in order, each file once
    missing: list[str] = field(default_factory=list)  # PATH arguments that do not exist
    unreadable: list[Finding] = field(default_factory=list)  # directories that could not be listed
    outside: dict[str, str] = field(default_factory=dict)  # file → where its symbolic link leads, outside the roots
    unfollowed: list[str] = field(default_factory=list)  # symbolic links to directories (never followed: no loops)
    hidden: set[str] = field(default_factory=set)  # files outside the roots (by a link, or a PATH outside them)


def discover(paths: list[str], skip=None) -> tuple[list[str], list[str]]:
    """Expand PATH arguments into files (sorted per directory). Returns (files, missing paths)."""
    found = explore(paths, skip)
    return found.files, found.missing


def explore(paths: list[str], skip=None, roots: list[str] | None = None) -> Discovered:
    """Expand PATH arguments into files, sorted per directory, walking directories without recursion
    (a chain of any depth is fine). A file reached twice (`portlint check . deploy/`, a file named
    twice, a symbolic link to a file also found) is read once. `skip(path, is_dir)` prunes what a
    walk finds (exclude globs, .gitignore); a path named as an argument is never skipped. What lies
    outside `roots` (default: `paths`) is `hidden`: the files of a PATH outside them, and walked
    symbolic links that lead out of them, which are also listed in `outside`."""
    found = Discovered()
    real_roots = [os.path.realpath(p) for p in (roots if roots is not None else paths) if p != STDIN]
    seen: set[str] = set()
    for path in paths:
        if path == STDIN:
            files = [(STDIN, STDIN)]
        elif os.path.isdir(path):
            files = _walk(path, skip, real_roots, found)
        elif os.path.exists(path) or os.path.islink(path):
            files = [(path, os.path.realpath(path))]
        else:
            found.missing.append(path)
            continue
        if path != STDIN and not _inside(os.path.realpath(path), real_roots):
            found.hidden.update(file for file, _ in files)
        for file, key in files:
            if key not in seen:
                seen.add(key)
                found.files.append(file)
    return found


def missing(paths: list[str]) -> list[str]:
    """The PATH arguments that do not exist (checked without walking any directory)."""
    return [p for p in paths if p != STDIN and not os.path.exists(p) and not os.path.islink(p)]


def _walk(root: str, skip, real_roots: list[str], found: Discovered) -> list[tuple[str, str]]:
    """(file, its real path) below `root`, depth first and sorted as os.walk gives them, from a stack
    instead of recursion. A directory that cannot be listed is a finding; hidden entries are skipped;
    symbolic links to directories are not followed. Real paths come from each directory's, so only
    a root and a symbolic link cost a realpath."""
    files: list[tuple[str, str]] = []
    stack = [(root, os.path.realpath(root))]
    while stack:
        directory, real = stack.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            found.unreadable.append(file_finding(
                "yaml-syntax-error", directory, f"cannot read directory: {error.strerror or error}; "
                "the files below it were not checked", "make it readable, or exclude it"))
            continue
        subdirectories = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            path = os.path.join(directory, name)
            if _is_directory(entry):
                if skip and skip(path, True):
                    continue
                if entry.is_symlink():
                    found.unfollowed.append(path)
                else:
                    subdirectories.append((path, os.path.join(real, name)))
            elif (name.endswith(YAML_SUFFIXES) or name == KUSTOMIZATION_FILE) and not (skip and skip(path, False)):
                target = os.path.join(real, name)
                if entry.is_symlink():
                    target = os.path.realpath(path)
                    if not _inside(target, real_roots) and _inside(real, real_roots):
                        found.outside[path] = target
                        found.hidden.add(path)
                files.append((path, target))
        stack.extend(reversed(subdirectories))
    return files


def _is_directory(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a symbolic link loop: the loader reports it as a file
        return False


def _inside(path: str, real_roots: list[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in real_roots)
