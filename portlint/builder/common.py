"""Small readers shared by the per-kind builders: tolerant of absent fields, never of wrong types (the schema checked those)."""

from __future__ import annotations

import sys

from portlint.loader import Mapping

EMPTY = Mapping()


def _mapping(value) -> Mapping:
    return value if isinstance(value, Mapping) else EMPTY


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _items(value) -> list[tuple[int, Mapping]]:
    """(index, entry) for each mapping of a list: entries left out as unreadable are holes, skipped."""
    return [(i, item) for i, item in enumerate(_list(value)) if isinstance(item, Mapping)]


def _join(base: str, key: str) -> str:
    return f"{base}.{key}" if base else key


def _shared(json_path: str) -> str:
    """A node's JSON path as the model keeps it: interned, since the manifests of a kind repeat the same
    few (`spec.template.spec.containers[0].ports[0]`); one string per node was 4 MiB at 10k objects."""
    return sys.intern(json_path)
