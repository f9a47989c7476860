"""What a rule reports: a finding about one object (or one file), at one position."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import NamedTuple

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {name: rank for rank, name in enumerate(reversed(SEVERITIES))}  # info 0 < error 2


class ObjectRef(NamedTuple):
    api_version: str
    kind: str
    namespace: str
    name: str

    def to_json(self) -> dict:
        return {"apiVersion": self.api_version, "kind": self.kind,
                "namespace": self.namespace, "name": self.name}

    def __str__(self) -> str:
        return f"{self.kind} {self.qualified_name}"

    @property
    def qualified_name(self) -> str:
        """namespace/name; a cluster-scoped object (namespace "") is just its name."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


class Related(NamedTuple):
    """The other side of a relation: the pods a Service misses, the Service an Ingress names."""

    kind: str
    namespace: str
    name: str
    file: str | None
    line: int | None

    def to_json(self) -> dict:
        return self._asdict()

    @property
    def qualified_name(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


class Downgrade(NamedTuple):
    """A rule's judgement that one finding is less severe than its rule's default, and why.

    The engine applies it when it stamps severities (`engine.stamp`): the finding gets `severity`
    instead of the catalog's default, unless the user's `severity:` setting names the rule, which
    always wins. `default` is the catalog severity it replaced, filled in then.
    """

    severity: str
    reason: str
    default: str = ""

    def to_json(self) -> dict:
        return {"from": self.default, "reason": self.reason}


@dataclass
class Finding:
    """One problem found: its rule, message and hint, the object and the position it is about."""

    rule: str
    message: str
    hint: str | None = None
    object: ObjectRef | None = None
    file: str = ""
    line: int = 1
    column: int = 1
    related: list[Related] = field(default_factory=list)
    severity: str = "error"
    field_path: str = ""  # e.g. "spec.ports[0].targetPort": stable across edits, for baselines
    rendered_from: str | None = None  # the kustomize root, chart or Helm template this was rendered from
    downgrade: Downgrade | None = None
    fix: object = None  # a portlint.fixes.Fix when the finding has one right answer (--fix)

    def downgraded(self, severity: str, reason: str) -> "Finding":
        """This finding at a lower severity than its rule's default, for `reason` (see Downgrade)."""
        self.downgrade = Downgrade(severity, reason)
        return self

    def copy(self) -> "Finding":
        """A finding that the changes later made to this one (severity, suppression, relocation, fix) leave alone."""
        return dataclasses.replace(self, related=list(self.related))

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, self.rule, self.message)

    def to_json(self) -> dict:
        data = {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "object": self.object.to_json() if self.object else None,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "related": [r.to_json() for r in self.related],
            "downgraded": self.downgrade.to_json() if self.downgrade else None,
            "fix": self.fix.to_json() if self.fix is not None else None,
        }
        if self.rendered_from is not None:
            data["rendered_from"] = self.rendered_from
        return data
