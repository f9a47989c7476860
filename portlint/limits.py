"""The bounds on everything portlint reads: manifests, stdin, the configuration file and the baseline.

A hostile repository controls all of these, so each is read the same way: only a regular file
(a FIFO would block, /dev/zero never ends), at most MAX_FILE_BYTES, nested at most MAX_NESTING
levels deep (YAML's aliases are bounded by the loader, which configuration files go through too). Whatever breaks a bound
is a `Refused` whose text says which one, for a finding or a one-line usage error.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from typing import BinaryIO, Callable

MAX_FILE_BYTES = 32 * 1024 * 1024
# libyaml's own nesting limit for YAML; JSON and TOML files are held to the same depth
MAX_NESTING = 1000
_MIB = 1024 * 1024


class Refused(Exception):
    """An input that breaks a bound: the message says which."""


def read_file(path: str) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES; Refused for anything else.

    The file is opened without blocking and checked on the open descriptor, so a file replaced by
    a FIFO or a device after it was listed is refused too, not waited on or read forever."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    descriptor = os.open(path, flags)
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise Refused("is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise Refused("not a regular file (a FIFO, socket or device)")
        if info.st_size > MAX_FILE_BYTES:
            raise Refused(too_large())
        # with os.read, no file object per manifest: its size first (one read of the right size, not into a
        # 1 MiB buffer), then on to the end, in case it grew
        return _bounded(functools.partial(os.read, descriptor), info.st_size + 1)
    finally:
        os.close(descriptor)


def read_stream(stream: BinaryIO) -> bytes:
    """At most MAX_FILE_BYTES of a stream (stdin); Refused, without reading on, when there is more."""
    return _bounded(stream.read)


def _bounded(read: Callable[[int], bytes], first: int = _MIB) -> bytes:
    """At most MAX_FILE_BYTES from `read`, asking `first` bytes first, then 1 MiB at a time."""
    chunks, size, want = [], 0, first
    while size <= MAX_FILE_BYTES:
        chunk = read(min(want, MAX_FILE_BYTES + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        want = _MIB
    raise Refused(too_large())  # it grew after the size check, or it is a stream


def too_large() -> str:
    return f"file is larger than {MAX_FILE_BYTES // _MIB} MiB"


def nesting_refusal(text: str, syntax: str = "json") -> str | None:
    """Why a JSON or TOML text is refused before it is parsed: nested deeper than MAX_NESTING.

    Python's JSON and TOML parsers recurse once per level of arrays and tables and stop with a
    RecursionError; tomllib also takes time quadratic in the parts of a dotted key (`a.b.c...`),
    so 100,000 of them never finish. Counting brackets, and for TOML the dots of each line's keys,
    outside strings and comments is linear and catches both."""
    skeleton = _skeleton(text, syntax)
    depth = 0
    openings = skeleton.count("[") + skeleton.count("{")
    for char in skeleton if openings > MAX_NESTING else "":
        if char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return f"nested more than {MAX_NESTING:,} levels deep"
        elif char in "]}":
            depth -= 1
    if syntax == "toml":
        for line in skeleton.splitlines():
            if line.count(".") > MAX_NESTING and _key_dots(line) > MAX_NESTING:
                return f"a dotted key has more than {MAX_NESTING:,} parts"
    return None


_FLOAT = re.compile(r"[+-]?[0-9_]+\.[0-9_]+(?:[eE][+-]?[0-9_]+)?")
_BARE = re.compile(r"[A-Za-z0-9_.+-]+")


def _key_dots(line: str) -> int:
    """The dots of a TOML line that separate key parts (not those of a float such as 1.5)."""
    return sum(token.count(".") for token in _BARE.findall(line) if not _FLOAT.fullmatch(token))


def _skeleton(text: str, syntax: str) -> str:
    """`text` with each string replaced by "" and, for TOML, each comment removed.

    (A multi-line TOML string becomes "" on one line: that joins two lines, which can only add
    to the dots counted on a line.)"""
    return (_TOML_STRINGS if syntax == "toml" else _JSON_STRINGS).sub('""', text)


_JSON_STRINGS = re.compile(r'"(?:[^"\\\n]|\\.)*"?')
_TOML_STRINGS = re.compile(r'"""[\s\S]*?(?:"""|\Z)|\'\'\'[\s\S]*?(?:\'\'\'|\Z)|"(?:[^"\\\n]|\\.)*"?|\'[^\'\n]*\'?|#[^\n]*')
