"""What a trace is made of: hops, the paths they form, and the engine findings that judge each hop.

A hop does not re-check anything: it claims the findings `portlint check` reported on the fields
it depends on (its object's file, ref and field paths). An error breaks the hop: the request does
not get through. A warning is shown on the hop, which still counts as passed: warnings mean "may
break" (a numeric targetPort no container declares still receives the traffic; a route another
Ingress also claims may be served). Info findings stay notes. Where the engine has nothing to say but the chain still ends
(no Service with that nodePort, no Ingress rule for the host), the hop carries its own reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portlint.findings import SEVERITY_RANK, Finding, ObjectRef
from portlint.kinds import ALL_WORKLOAD_KINDS
from portlint.model import KubeObject

HOP_TYPES = ("client", "ingress", "gateway", "route", "redirect", "node-port", "load-balancer", "service", "workload",
             "network-policy", "container")
ENDS = ("container", "redirect")  # a path reaches its goal at a container, or when the client is redirected
BREAKS, CAUTION = SEVERITY_RANK["error"], SEVERITY_RANK["warning"]


@dataclass(frozen=True)
class Claim:
    """The fields of one object a hop depends on: `under` covers a field and everything below it."""

    ref: ObjectRef
    file: str  # the input may hold several variants of one object (overlays): only this one's findings
    under: tuple[str, ...] = ()
    exactly: tuple[str, ...] = ()
    workload: ObjectRef | None = None  # findings about other workloads (in `related`) are not this hop's
    rules: tuple[str, ...] | None = None  # only findings of these rules (None: any)
    not_rules: tuple[str, ...] = ()  # never findings of these rules (another hop claims them)

    def covers(self, finding: Finding) -> bool:
        if finding.object != self.ref or finding.file != self.file:
            return False
        path = finding.field_path
        if path not in self.exactly and not any(_below(path, p) for p in self.under):
            return False
        return self.accepts(finding)

    def accepts(self, finding: Finding) -> bool:
        """What the claim asks beyond the object and its fields (which FindingIndex looks up): the rule
        and the workload."""
        if finding.rule in self.not_rules or (self.rules is not None and finding.rule not in self.rules):
            return False
        return self.workload is None or _about_workload(finding, self.workload)


class FindingIndex:
    """The findings a Claim covers, looked up by object, file and field path prefix instead of testing
    every finding of the object for every hop: an Ingress with a thousand rules has a finding per rule."""

    def __init__(self, findings: list[Finding], rendered: frozenset[str] = frozenset()):
        """`rendered`: the names of the rendered roots and charts. A finding moved from one to its source
        file (render.relocate) is indexed under the root, the file its object has in the cluster."""
        self._below: dict[tuple, list[tuple[int, Finding]]] = {}
        self._exact: dict[tuple, list[tuple[int, Finding]]] = {}
        self.examined = 0  # findings looked at, for tests/test_scaling.py
        for order, finding in enumerate(f for f in findings if f.object):
            path = finding.field_path
            where = (finding.object, finding.rendered_from if finding.rendered_from in rendered else finding.file)
            self._exact.setdefault((*where, path), []).append((order, finding))
            for prefix in _prefixes(path):
                self._below.setdefault((*where, prefix), []).append((order, finding))

    def covered(self, claim: Claim) -> list[Finding]:
        """The findings claim.covers() accepts, in input order."""
        found: dict[int, Finding] = {}
        for table, paths in ((self._below, claim.under), (self._exact, claim.exactly)):
            for path in paths:
                for order, finding in table.get((claim.ref, claim.file, path), ()):
                    self.examined += 1
                    found[order] = finding
        return [found[order] for order in sorted(found) if claim.accepts(found[order])]


def _prefixes(path: str) -> list[str]:
    """Every prefix that _below() accepts for the path: the path, and each cut before a '.' or a '['."""
    return [path] + [path[:i] for i, char in enumerate(path) if char in ".["]


def _below(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "[")


def _about_workload(finding: Finding, workload: ObjectRef) -> bool:
    named = [r for r in finding.related if r.kind in ALL_WORKLOAD_KINDS]
    return not named or any((r.kind, r.namespace, r.name) == (workload.kind, workload.namespace, workload.name)
                            for r in named)


@dataclass(eq=False)
class Hop:
    type: str
    label: str  # one line for people: the object and the ports on both sides
    obj: KubeObject | None = None
    port: int | None = None  # where the request arrives at this hop
    file: str | None = None
    line: int | None = None
    column: int | None = None  # with `line`: where the hop's field is written (moved to its source when rendered)
    ok: bool = True
    rule: str | None = None
    reason: str | None = None
    hint: str | None = None
    severity: str | None = None
    notes: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # every finding claimed, info included
    node: tuple = ()  # identity in the routing graph
    edge: str = ""  # the label of the graph edge that leads into this hop

    def fail(self, reason: str, hint: str | None = None) -> Hop:
        """Broken for a reason the engine has no rule for (nothing routes the request any further)."""
        if self.ok:
            if self.rule:  # a warning the hop carried is no longer the point
                self.notes.append(f"{self.rule} ({self.severity}): {self.reason}")
            self.ok, self.rule, self.severity, self.reason, self.hint = False, None, None, reason, hint
        return self

    def judge(self, findings: list[Finding]) -> Hop:
        """Take the findings on this hop's fields: the worst error or warning is the hop's, info ones are notes."""
        self.findings = sorted(findings, key=lambda f: (-SEVERITY_RANK[f.severity], f.sort_key()))
        for finding in self.findings:
            rank = SEVERITY_RANK[finding.severity]
            if rank >= CAUTION and self.rule is None and self.ok:
                self.rule, self.reason, self.hint = finding.rule, finding.message, finding.hint
                self.severity, self.ok = finding.severity, self.ok and rank < BREAKS
            elif rank < CAUTION or self.rule != finding.rule:
                self.notes.append(f"{finding.rule} ({finding.severity}): {finding.message}")
        return self

    def to_json(self) -> dict:
        return {"type": self.type, "object": self.obj.ref.to_json() if self.obj else None, "port": self.port,
                "ok": self.ok, "rule": self.rule, "reason": self.reason}


@dataclass
class TracePath:
    hops: list[Hop]
    rendered_from: str | None = None  # the kustomization root or chart of its environment (None: raw files)

    @property
    def ok(self) -> bool:
        return all(hop.ok for hop in self.hops) and self.hops[-1].type in ENDS

    @property
    def broken(self) -> bool:
        return not all(hop.ok for hop in self.hops)

    def to_json(self) -> dict:
        return {"ok": self.ok, "rendered_from": self.rendered_from, "hops": [hop.to_json() for hop in self.hops]}


@dataclass
class Entry:
    """One way into the application (a URL, a nodePort, a load balancer port) and the paths it takes."""

    title: str
    paths: list[TracePath]
    rendered_from: str | None = None  # the environment traced: a kustomization root or chart (None: raw files)

    def render_from(self, name: str | None) -> Entry:
        """Label the entry and its paths with the environment they were traced in."""
        self.rendered_from = name
        for path in self.paths:
            path.rendered_from = name
        return self

    @property
    def found(self) -> bool:
        """Something in the input answers to the target (an Ingress rule or Gateway listener for the URL,
        the Service, a Service with the nodePort): the first hop after the client names an object."""
        return any(len(path.hops) > 1 and path.hops[1].obj is not None for path in self.paths)

    @property
    def ok(self) -> bool:
        return any(path.ok for path in self.paths)

    @property
    def status(self) -> str:
        """ok; broken (a hop fails); or untraced (every hop is fine but the path leaves the manifests)."""
        if self.ok:
            return "ok"
        return "broken" if any(path.broken for path in self.paths) else "untraced"


@dataclass
class Trace:
    target: str
    entries: list[Entry]
    unreadable: list[Finding] = field(default_factory=list)  # manifests that never reached the model

    @property
    def paths(self) -> list[TracePath]:
        return [path for entry in self.entries for path in entry.paths]

    @property
    def ok(self) -> bool:
        """A single target: some path reaches a container. --all: every entry point does."""
        return all(entry.ok for entry in self.entries)

    @property
    def findings(self) -> list[Finding]:
        seen: dict[int, Finding] = {}
        for path in self.paths:
            for hop in path.hops:
                seen.update((id(f), f) for f in hop.findings)
        return sorted(seen.values(), key=Finding.sort_key)

    def to_json(self) -> dict:
        return {"target": self.target, "ok": self.ok, "paths": [path.to_json() for path in self.paths],
                "findings": [finding.to_json() for finding in self.findings]}
