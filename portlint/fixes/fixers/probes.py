"""Probe fix: a probe's port name that is one near miss away from a port name of its own container,
or the name (or number) of that container's only TCP port."""

from __future__ import annotations

from portlint.findings import Finding
from portlint.fixes import fixer
from portlint.fixes.model import Fix, ReplaceValue
from portlint.fixes.subjects import Subjects, node_at
from portlint.model import Container, Probe, Workload
from portlint.names import iana_svc_name
from portlint.similar import similar


@fixer("probe-port-unresolved", reads_only_its_object=True)
def probe_port(finding: Finding, subjects: Subjects) -> Fix | None:
    workload = subjects.object(finding, Workload)
    if workload is None:
        return None
    for container in workload.template.serving_containers:
        probe = node_at(container.probes, finding.field_path, "port")
        if isinstance(probe, Probe) and isinstance(probe.port, str):
            answer = _candidate(container, probe.port)
            edit = ReplaceValue.at(workload.file, probe.raw, "port", answer[0]) if answer else None
            if edit:
                return Fix(True, f"set {probe.kind}.{probe.handler}.port to {answer[0]}: {answer[1]}", (edit,),
                           (probe.json_path,))
    return None


def _candidate(container: Container, name: str) -> tuple[str | int, str] | None:
    """The kubelet resolves the name among this container's ports only (whatever their protocol); an
    httpGet or tcpSocket probe connects over TCP."""
    names = sorted({p.name for p in container.ports if p.name and not iana_svc_name(p.name)})
    close = [candidate for candidate in names if similar(candidate, name)]
    if len(close) == 1:
        return close[0], f"the port name of container {container.name} nearest to {name!r}"
    tcp = [p for p in container.ports if p.protocol == "TCP"]
    if close or len(tcp) != 1:
        return None
    only = tcp[0]
    if not only.name:
        return only.number, f"the only TCP port of container {container.name}, which has no name"
    if iana_svc_name(only.name):
        return None  # port-name-invalid's finding comes first
    return only.name, f"the only TCP port of container {container.name} ({only.describe()})"
