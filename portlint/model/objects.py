"""What every part of the model is: a node that knows where it sits in its manifest, and the objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from portlint.findings import Finding, ObjectRef, Related
from portlint.loader import Mapping, Source

DEFAULT_PROTOCOL = "TCP"
NODE_PORT_TYPES = ("NodePort", "LoadBalancer")  # the Service types that get node ports
PROBE_KINDS = ("livenessProbe", "readinessProbe", "startupProbe")


@dataclass(eq=False)
class Node:
    """A part of an object that findings can point at."""

    raw: Mapping
    json_path: str  # where this node sits in its manifest, e.g. "spec.ports[0]"
    # JSON paths of the object's parts that failed validation and were left out (portlint/builder)
    unreadable: tuple[str, ...] = field(default=(), kw_only=True, repr=False)

    def readable(self, key: str | None = None) -> bool:
        """Whether this node's field `key` (or the node itself) was read whole.

        False when the field failed validation, sits inside a part that did, or contains one (a
        Service's `spec.ports` when one port was left out): its value in the model is then not
        what the manifest says, and a rule must not conclude anything from it, least of all
        from its absence.
        """
        if not self.unreadable:
            return True
        wanted = self.field_path(key)
        return not any(_overlaps(wanted, path) for path in self.unreadable)

    def field_path(self, key: str | None) -> str:
        if not key:
            return self.json_path
        return f"{self.json_path}.{key}" if self.json_path else key

    def position(self, key: str | None = None) -> tuple[int, int]:
        """Line/column of `key` (a dotted path such as "spec.selector") below this node, or of the node."""
        mapping = self.raw
        *parents, last = key.split(".") if key else [None]
        for part in parents:
            child = mapping.get(part)
            if not isinstance(child, Mapping):
                return mapping.position(part)
            mapping = child
        return mapping.position(last)


def _overlaps(a: str, b: str) -> bool:
    """One JSON path is the other or lies inside it ("spec.ports" and "spec.ports[1].port")."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return long == short or not short or (long.startswith(short) and long[len(short)] in ".[")


@dataclass(eq=False)
class KubeObject(Node):
    """One manifest: who it is (apiVersion, kind, namespace, name), its labels, and where it is written."""

    ref: ObjectRef
    kind: str  # the kind the model reads it as (built-in, or one of kinds.POD_TEMPLATE_KINDS), or None
    source: Source
    labels: dict[str, str]
    annotations: dict[str, str]
    builtin: bool

    @property
    def name(self) -> str:
        return self.ref.name

    @property
    def namespace(self) -> str:
        return self.ref.namespace

    @property
    def file(self) -> str:
        return self.source.path

    def related(self) -> Related:
        return Related(self.ref.kind, self.ref.namespace, self.ref.name, self.source.path, self.raw.line)

    def finding(self, message: str, hint: str | None = None, at: Node | None = None,
                key: str | None = None, related: Iterable[Related] = ()) -> Finding:
        """A finding on this object, at `at`'s field `key` (or at `at`, or at the object itself)."""
        node = at or self
        line, column = node.position(key)
        return Finding("", message, hint, object=self.ref, file=self.source.path, line=line,
                       column=column, related=list(related), field_path=node.field_path(key))
