"""Ingress fix: a backend port that names the container's side of exactly one Service port (its
targetPort, the containerPort it reaches, or its nodePort) becomes that Service port; a port name
one near miss away from exactly one of the Service's port names becomes that name."""

from __future__ import annotations

from portlint.findings import Finding
from portlint.fixes import fixer
from portlint.fixes.model import Fix, ReplaceValue
from portlint.fixes.subjects import Subjects
from portlint.model import Cluster, Ingress, IngressBackend, Service
from portlint.ports import backends, resolve_target_port
from portlint.similar import similar


@fixer("ingress-backend-port-unmatched")
def backend_port(finding: Finding, subjects: Subjects) -> Fix | None:
    ingress = subjects.object(finding, Ingress)
    backend = next((b for b in ingress.backends() if b.port_key and b.field_path(b.port_key) == finding.field_path),
                   None) if ingress else None
    if backend is None:
        return None
    cluster = subjects.cluster
    # the definitions the check compared: those applied with the Ingress, else the nearest (Cluster.nearest)
    definitions = cluster.nearest(ingress, cluster.service_definitions(ingress.namespace, backend.service_name))
    proposals = [_candidate(cluster, backend, service) for service in definitions]
    if not proposals or None in proposals or len({answer for answer, _ in proposals}) != 1:
        return None  # no answer, or alternatives of the Service that disagree
    answer, why = proposals[0]
    edit = ReplaceValue.at(ingress.file, backend.raw, backend.port_key, answer)
    return edit and Fix(True, f"set the backend's port to {answer}: {why}", (edit,),
                        (backend.json_path,))


def _candidate(cluster: Cluster, backend: IngressBackend, service: Service) -> tuple[int | str, str] | None:
    name = backend.port_name
    if name is not None and name.isdigit():
        if backend.port_key != "servicePort":
            return None  # port.name cannot hold a number; moving it to port.number is a structural change
        number = int(name)  # a quoted servicePort: the string names a port
        return (number, f"Service {service.name} has port {number}; unquoted it is a number, not a name") \
            if any(p.port == number for p in service.ports) else None
    if name is not None:
        close = sorted({p.name for p in service.ports if p.name and similar(p.name, name)})
        return (close[0], f"the port name of Service {service.name} nearest to {name!r}") if len(close) == 1 else None
    return meant_service_port(cluster, service, backend.port_number, "an Ingress")


def meant_service_port(cluster: Cluster, service: Service, number: int, who: str) -> tuple[int, str] | None:
    """The one port of `service` whose container side (targetPort, the containerPort it reaches, or
    nodePort) is `number`, with why; None when no port or several have it."""
    meant = {p.port: why for p in service.ports if (why := _container_side(cluster, service, p, number))}
    if len(meant) != 1:
        return None
    (port, why), = meant.items()
    return port, f"{number} is {why}; {who} names the Service port"


def _container_side(cluster: Cluster, service: Service, port, number: int) -> str | None:
    """How `number` is the container's side of the Service port (to complete "8080 is ..."), or None."""
    which = f"Service {service.name}'s port {port.port}"
    if port.target_port == number:
        return f"the targetPort of {which}"
    if port.node_port == number:
        return f"the nodePort of {which}"
    for workload in backends(cluster, service):
        reached = resolve_target_port(port, workload.template)
        if reached is not None and reached.number == number:
            return (f"the containerPort that {which} reaches (targetPort {port.target_port}, in "
                    f"{workload.ref.kind} {workload.name})")
    return None
