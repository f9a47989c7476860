"""Service fixes: a selector value one near miss away from the pods' label, a targetPort name one
near miss away from (or the only port of that protocol of) the workload the Service selects."""

from __future__ import annotations

import dataclasses

from portlint.findings import Finding
from portlint.fixes import fixer
from portlint.fixes.model import Fix, ReplaceValue
from portlint.fixes.subjects import Subjects, node_at
from portlint.loader import Mapping
from portlint.model import Service, ServicePort, Workload
from portlint.names import iana_svc_name
from portlint.ports import backends, declared_ports, resolve_target_port
from portlint.similar import similar


@fixer("service-selector-no-match")
def selector_near_miss(finding: Finding, subjects: Subjects) -> Fix | None:
    service = subjects.object(finding, Service)
    spec = service.raw.get("spec") if service else None
    selector = spec.get("selector") if isinstance(spec, Mapping) else None
    if not isinstance(selector, Mapping):
        return None
    cluster, pods = subjects.cluster, subjects.cluster.pods
    # a candidate counts only if it picks pods applied with the Service (its apply unit): pods that only
    # another example or release runs are not its pods, and the selector would still miss when applied
    candidates = [(key, label) for key, value in service.selector.items() if isinstance(selector.get(key), str)
                  for label in pods.near_values(service.namespace, key, value)
                  if any(cluster.same_unit(service, workload)
                         for workload in pods.select(service.namespace, {**service.selector, key: label}))]
    if len(candidates) != 1:
        return None  # none, or a guess between two
    key, label = candidates[0]
    edit = ReplaceValue.at(service.file, selector, key, label)
    chosen = [w for w in pods.select(service.namespace, {**service.selector, key: label})
              if cluster.same_unit(service, w)]
    serves = ", ".join(f"{w.ref.kind} {w.name}" for w in chosen[:3]) + (", ..." if len(chosen) > 3 else "")
    return edit and Fix(True, f"set the selector's {key} to {label!r}, the label of the pods of {serves}",
                        (edit,), (service.field_path("spec.selector"),))


@fixer("service-target-port-name-unresolved")
def target_port_near_miss(finding: Finding, subjects: Subjects) -> Fix | None:
    service = subjects.object(finding, Service)
    port = node_at(service.ports, finding.field_path, "targetPort") if service else None
    if port is None or "targetPort" not in port.raw:
        return None
    workloads = [w for w in backends(subjects.cluster, service) if w.template.readable()]
    unresolved = [w for w in workloads if resolve_target_port(port, w.template) is None]
    proposals = [_candidate(port, w) for w in unresolved]
    if not proposals or None in proposals or len({answer for answer, _ in proposals}) != 1:
        return None  # nothing to go by, or workloads that disagree
    answer, why = proposals[0]
    moved = dataclasses.replace(port, target_port=answer)
    if any(resolve_target_port(moved, w.template) is None for w in workloads):
        return None  # it would break the port for another workload the Service selects
    edit = ReplaceValue.at(service.file, port.raw, "targetPort", answer)
    return edit and Fix(True, f"set targetPort to {answer}: {why}", (edit,), (port.json_path,))


def _candidate(port: ServicePort, workload: Workload) -> tuple[str | int, str] | None:
    """The one port of `workload` the targetPort name must mean: the only near miss among its port
    names of the Service port's protocol, or else its only port of that protocol."""
    same_protocol = [p for p in declared_ports(workload.template) if p.protocol == port.protocol]
    if any(p.name == port.target_port for p in declared_ports(workload.template)):
        return None  # declared under another protocol: the protocol is what differs
    names = sorted({p.name for p in same_protocol if p.name and not iana_svc_name(p.name)})
    close = [name for name in names if similar(name, port.target_port)]
    subject = f"{workload.ref.kind} {workload.name}"
    if len(close) == 1:
        return close[0], f"the {port.protocol} port name {subject} declares that is nearest to {port.target_port!r}"
    if close or len(same_protocol) != 1:
        return None
    only = same_protocol[0]
    if only.name is None:
        return only.number, f"the only {port.protocol} port {subject} declares (it has no name)"
    if iana_svc_name(only.name):
        return None
    return only.name, f"the only {port.protocol} port {subject} declares ({only.describe()})"
