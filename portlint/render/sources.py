"""The files a render reads (kustomizations, patches, bases), each read once per run with positions."""

from __future__ import annotations

import os
from dataclasses import dataclass

import yaml

from portlint import loader
from portlint.loader import Source


@dataclass
class SourceFile:
    """A file that a rendering reads, read once with positions."""

    path: str  # absolute
    source: Source  # its text and the lines that mention "portlint:" (for suppression comments)
    documents: list  # every top-level document, with positions: mappings, or a JSON 6902 list of operations

    @property
    def manifests(self) -> list:
        return [d for d in self.documents if isinstance(d, loader.Mapping)]


class SourceFiles:
    """A cache of files by absolute path; None for a file that cannot be read as YAML text."""

    def __init__(self) -> None:
        self._files: dict[str, SourceFile | None] = {}

    def get(self, path: str) -> SourceFile | None:
        if path not in self._files:
            self._files[path] = _read(path)
        return self._files[path]


def _read(path: str) -> SourceFile | None:
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > loader.MAX_FILE_BYTES:
            return None
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
        documents = loader.parse_yaml(text)
    except (OSError, UnicodeError, yaml.YAMLError, RecursionError):
        return None  # kustomize refuses it too, and its message says why
    directives = {n: line for n, line in enumerate(text.splitlines(), 1) if loader.DIRECTIVE in line}
    return SourceFile(path, Source(path, text, directives), [d for d in documents if d is not None])
