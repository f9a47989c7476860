"""Glob matching with gitignore semantics: the config's `exclude` and `paths`, and `.gitignore` files.

Each glob is translated by pathspec (gitignore's rules: `*` and `?` stay within one path segment,
`**` spans any number, a trailing `/` matches only directories, a glob without an inner `/`
matches at any depth, `!` re-includes, the last matching glob wins). Compiling one regular
expression per glob, or one alternation of all of them, costs seconds for a list of 40,000
(Python's regex compiler is slow), and trying every glob on every file is quadratic. So a
GlobSet indexes the globs once by a literal that a path must contain for the glob to match (a
whole segment, or a segment's literal prefix or suffix), and compiles and tries only the few
globs whose literal a path has.
"""

from __future__ import annotations

import os
import re
from typing import Callable, Iterable

GITIGNORE = ".gitignore"
_SPECIAL = re.compile(r"[*?\[\\]")
_NAMED_GROUP = "(?P<ps_d>"  # pathspec's directory marker group; not needed here


class GlobSet:
    """Globs relative to one directory, compiled once; `match` says what the last matching glob says."""

    def __init__(self, globs: Iterable[str]):
        # imported here: pathspec takes about as long to import as the check of a small input, and a run
        # without `exclude` outside a git work tree (or without .gitignore files) compiles no glob at all
        from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

        self._regexes: list[str] = []
        self._includes: list[bool] = []
        self._compiled: dict[int, re.Pattern] = {}
        self._by_segment: dict[str, list[int]] = {}
        self._by_prefix: dict[str, list[int]] = {}
        self._by_suffix: dict[str, list[int]] = {}
        self._always: list[int] = []
        for glob in globs:
            regex, include = GitIgnoreSpecPattern.pattern_to_regex(glob)
            if regex is None:  # blank line or comment
                continue
            index = len(self._regexes)
            # A glob names the path itself, not what is below it: the walk never enters an excluded
            # directory (as git), and a directory given as a PATH is walked even when it is ignored
            # (as ruff and ripgrep). Only `dir/**` matches what is below `dir` (not `dir` itself).
            self._regexes.append(_whole_path(regex.replace(_NAMED_GROUP, "(?:"), glob))
            self._includes.append(include)
            kind, literal = _key(glob)
            bucket = {"segment": self._by_segment, "prefix": self._by_prefix,
                      "suffix": self._by_suffix}.get(kind)
            (self._always if bucket is None else bucket.setdefault(literal, [])).append(index)
        self._prefix_lengths = sorted({len(p) for p in self._by_prefix})
        self._suffix_lengths = sorted({len(s) for s in self._by_suffix})

    def __len__(self) -> int:
        return len(self._regexes)

    def match(self, relative: str, is_dir: bool = False) -> bool | None:
        """True: excluded (ignored); False: re-included by a `!` glob; None: no glob matches.
        `relative` is a '/'-separated path below the set's directory; what is below an excluded
        directory is not matched here (the walk does not enter it)."""
        candidates = self._candidates(relative)
        if not candidates:
            return None
        subject = relative + "/" if is_dir else relative
        for index in sorted(candidates, reverse=True):
            if self._regex(index).search(subject):  # as pathspec does: `*/` gives an unanchored regex
                return self._includes[index]
        return None

    def _candidates(self, relative: str) -> set[int]:
        found = set(self._always)
        for segment in relative.split("/"):
            found.update(self._by_segment.get(segment, ()))
            size = len(segment)
            for length in self._prefix_lengths:
                if length > size:
                    break
                found.update(self._by_prefix.get(segment[:length], ()))
            for length in self._suffix_lengths:
                if length > size:
                    break
                found.update(self._by_suffix.get(segment[size - length:], ()))
        return found

    def _regex(self, index: int) -> re.Pattern:
        compiled = self._compiled.get(index)
        if compiled is None:
            compiled = self._compiled[index] = re.compile(self._regexes[index])
        return compiled


def _whole_path(regex: str, glob: str) -> str:
    """pathspec's regex, made to match the path itself rather than also what is below it."""
    if regex == ".":  # `**`, `/**`: everything
        return regex
    return regex + "." if glob.rstrip().endswith("/**") else regex + "$"


def _key(glob: str) -> tuple[str, str]:
    """A literal that every path the glob matches contains: ('segment', a whole path segment),
    ('prefix'|'suffix', the start or end of one segment), or ('always', '') when there is none."""
    glob = glob.removeprefix("!")
    if "\\" in glob or glob != glob.strip():  # escapes and significant spaces: too rare to index
        return "always", ""
    segments = [s for s in glob.strip("/").split("/") if s and s != "**"]
    literal = [s for s in segments if not _SPECIAL.search(s)]
    if literal:
        return "segment", max(literal, key=len)
    best = ("always", "")
    for segment in segments:
        if "[" in segment:
            prefix, suffix = segment[:_SPECIAL.search(segment).start()], ""
        else:
            prefix = segment[:_SPECIAL.search(segment).start()]
            suffix = segment[max(segment.rfind("*"), segment.rfind("?")) + 1:]
        for kind, text in (("prefix", prefix), ("suffix", suffix)):
            if len(text) > len(best[1]):
                best = (kind, text)
    return best


class PathFilter:
    """What a directory walk skips: the config's `exclude` globs (relative to the config file's
    directory) and, inside a git repository, what its .gitignore files and .git/info/exclude ignore.

    A deeper .gitignore overrides a shallower one, as in git. Global git excludes
    (core.excludesFile) are not read.
    """

    def __init__(self, exclude: list[str], base_dir: str, gitignore: bool = True):
        # `./deploy/gen/` as the config file's `deploy/gen/` (git has no `./`, earlier portlint had)
        self.exclude = GlobSet("/" + g[2:] if g.startswith("./") else g for g in exclude) if exclude else None
        self.base_dir = os.path.abspath(base_dir)
        self.gitignore = gitignore
        self._ignore_files: dict[str, GlobSet | None] = {}
        self._tops: dict[str, str | None] = {}

    def __bool__(self) -> bool:
        return self.exclude is not None or self.gitignore

    def skips(self, path: str, is_dir: bool = False) -> bool:
        absolute = os.path.abspath(path)
        if self.exclude is not None:
            relative = _below(absolute, self.base_dir)
            if relative and self.exclude.match(relative, is_dir):
                return True
        return self.gitignore and self._ignored(absolute, is_dir)

    def _ignored(self, absolute: str, is_dir: bool) -> bool:
        parent = os.path.dirname(absolute)
        top = self._top(parent)
        if top is None:
            return False
        directory = parent
        while True:  # the deepest .gitignore with a matching glob decides
            globs = self._globs(directory, top)
            if globs is not None:
                verdict = globs.match(_below(absolute, directory), is_dir)
                if verdict is not None:
                    return verdict
            if directory == top:
                return False
            directory = os.path.dirname(directory)

    def _top(self, directory: str) -> str | None:
        """The top of the git work tree that holds `directory`, or None outside one."""
        if directory not in self._tops:
            parent = os.path.dirname(directory)
            if os.path.exists(os.path.join(directory, ".git")):
                self._tops[directory] = directory
            else:
                self._tops[directory] = None if parent == directory else self._top(parent)
        return self._tops[directory]

    def _globs(self, directory: str, top: str) -> GlobSet | None:
        """The globs of `directory`'s .gitignore (and, at the top, .git/info/exclude)."""
        if directory not in self._ignore_files:
            lines = _read_lines(os.path.join(directory, GITIGNORE))
            if directory == top:  # the repository's own excludes rank below its root .gitignore
                lines = _read_lines(os.path.join(directory, ".git", "info", "exclude")) + lines
            self._ignore_files[directory] = GlobSet(lines) if lines else None
        return self._ignore_files[directory]


def _read_lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read().splitlines()
    except OSError:
        return []


def _below(absolute: str, directory: str) -> str:
    """`absolute` relative to `directory` with '/' separators; '' when it is not below it."""
    prefix = directory.rstrip(os.sep) + os.sep
    if not absolute.startswith(prefix):
        return ""
    relative = absolute[len(prefix):]
    return relative.replace(os.sep, "/") if os.sep != "/" else relative


def expand(glob: str, base_dir: str) -> list[str]:
    """The files and directories below `base_dir` that a `paths` glob names (anchored at `base_dir`,
    gitignore's wildcard rules), sorted; a matching directory is returned whole, not descended."""
    anchored = GlobSet(["/" + glob.removeprefix("./").lstrip("/")])
    static = _static_prefix(glob)
    start = os.path.join(base_dir, static) if static else base_dir
    found = []
    for directory, subdirs, names in os.walk(start):
        kept = []
        for name in sorted(subdirs):
            path = os.path.join(directory, name)
            if anchored.match(_relative(path, base_dir), is_dir=True):
                found.append(path)
            elif not name.startswith("."):
                kept.append(name)
        subdirs[:] = kept
        found.extend(os.path.join(directory, name) for name in sorted(names)
                     if anchored.match(_relative(os.path.join(directory, name), base_dir)))
    return sorted(found)


def _static_prefix(glob: str) -> str:
    """The leading directories of a glob that hold no wildcard: where its walk starts."""
    parts = glob.removeprefix("./").lstrip("/").split("/")[:-1]
    static = []
    for part in parts:
        if _SPECIAL.search(part):
            break
        static.append(part)
    return "/".join(static)


def _relative(path: str, base_dir: str) -> str:
    return os.path.relpath(path, base_dir).replace(os.sep, "/")


def is_glob(path: str) -> bool:
    return bool(_SPECIAL.search(path))


Skip = Callable[[str, bool], bool]
