"""What of a manifest the model may read: its data without the parts that failed validation.

The schema (portlint/schema.py) gives the JSON paths of the failing elements. `readable_view`
copies the manifest along those paths only and leaves each failing element out: a mapping key
is dropped, a list entry (always a whole mapping: a port, a container, an Ingress path) becomes
a hole (None) so that the other entries keep their index and JSON path. The builders read the
view, skip holes, and never see a wrong type. `mark_unreadable` then tells every node of the
built object which paths were left out, so rules can tell "absent" from "unreadable"
(`Node.readable`).
"""

from __future__ import annotations

import dataclasses

from portlint.loader import Mapping, Sequence
from portlint.model import Node


def readable_view(data: Mapping, paths: tuple) -> Mapping:
    """`data` without the elements at `paths` (copy-on-write: the original document is not changed)."""
    for path in paths:
        data = _without(data, path)
    return data


def _without(node, path: tuple):
    step, rest = path[0], path[1:]
    if isinstance(node, Mapping) and step in node:
        if not rest:
            return node.replaced(step, drop=True)
        return node.replaced(step, _without(node[step], rest))
    if isinstance(node, Sequence) and isinstance(step, int) and 0 <= step < len(node):
        return node.replaced(step, _without(node[step], rest) if rest else None)
    return node  # the path leaves the data (a required key that is absent anyway)


def mark_unreadable(obj: Node, paths: tuple[str, ...]) -> None:
    """Give every node of the built object the JSON paths (as text) that were left out of it."""
    stack = [obj]
    while stack:
        node = stack.pop()
        node.unreadable = paths
        for item in dataclasses.fields(node):
            value = getattr(node, item.name)
            if isinstance(value, Node):
                stack.append(value)
            elif isinstance(value, list):
                stack.extend(v for v in value if isinstance(v, Node))
