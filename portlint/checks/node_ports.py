"""Service nodePorts: allowed for the Service's type, inside the cluster's range, and not taken twice."""

from __future__ import annotations

from typing import Iterator

from portlint.engine import rule
from portlint.findings import Finding
from portlint.model import NODE_PORT_TYPES, Cluster, Service, ServicePort
from portlint.settings import Settings



def _type_readable(service: Service) -> bool:
    """Whether the Service's type was read (when it failed validation, ClusterIP is only a stand-in)."""
    return service.readable("spec.type")


def _type_was_defaulted(service: Service) -> bool:
    spec = service.raw.get("spec")
    return not (isinstance(spec, dict) and spec.get("type"))


def _in_range(number: int, settings: Settings) -> bool:
    low, high = settings.node_port_range
    return low <= number <= high


def _allocated(service: Service, port: ServicePort, settings: Settings) -> bool:
    """The allocator reserves this port's nodePort (if validation lets the Service through)."""
    return service.type in NODE_PORT_TYPES and _type_readable(service) and _in_range(port.node_port, settings)


def needs_health_check(service: Service) -> bool:
    """kube-proxy answers health checks on a node port only for LoadBalancer Services with the Local policy."""
    return service.type == "LoadBalancer" and service.external_traffic_policy == "Local"


@rule("node-port-not-allowed")
def node_port_not_allowed(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for service in cluster.services:
        if not _type_readable(service):
            continue
        if (service.health_check_node_port and not needs_health_check(service)
                and service.readable("spec.externalTrafficPolicy")):
            yield service.finding(
                f"healthCheckNodePort {service.health_check_node_port} is set, but the Service is not type "
                f"LoadBalancer with externalTrafficPolicy: Local: the API server rejects it (\"may only be set "
                f"when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'\")",
                "remove healthCheckNodePort, or make the Service a LoadBalancer with externalTrafficPolicy: Local",
                key="spec.healthCheckNodePort")
        if service.type not in ("ClusterIP", "ExternalName"):
            continue
        for port in service.ports:
            if port.node_port:
                yield _not_allowed(service, port)


def _not_allowed(service: Service, port: ServicePort) -> Finding:
    if service.type == "ExternalName":
        return service.finding(
            f"nodePort {port.node_port} on an ExternalName Service does nothing: the API server stores it, "
            f"but no node port is allocated and no node listens on it",
            "remove nodePort; to expose a port on every node, use a Service of type NodePort with a selector",
            at=port, key="nodePort")
    typed = "has no type, so it is a ClusterIP Service" if _type_was_defaulted(service) else "is type ClusterIP"
    headless = " (headless or not)" if service.headless else ""
    return service.finding(
        f"nodePort {port.node_port} is set, but the Service {typed}{headless}: the API server rejects it "
        f"(\"nodePort: Forbidden: may not be used when `type` is 'ClusterIP'\")",
        "set spec.type: NodePort (or LoadBalancer) to expose the port on every node, or remove nodePort",
        at=port, key="nodePort")


@rule("node-port-out-of-range")
def node_port_out_of_range(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    low, high = settings.node_port_range
    for service in cluster.services:
        health = service.health_check_node_port
        if health and needs_health_check(service) and not _in_range(health, settings):
            yield service.finding(
                f"healthCheckNodePort {health} is outside the cluster's node port range {low}-{high}: it comes "
                f"from the same allocator as nodePorts, so the API server rejects the Service",
                f"use a port in {low}-{high}, or remove healthCheckNodePort and let Kubernetes allocate one",
                key="spec.healthCheckNodePort")
        if service.type not in NODE_PORT_TYPES:
            continue  # elsewhere a nodePort is forbidden or ignored: node-port-not-allowed says so
        for port in service.ports:
            if port.node_port and not _in_range(port.node_port, settings):
                yield service.finding(
                    f"nodePort {port.node_port} is outside the cluster's node port range {low}-{high}: the API "
                    f"server rejects the Service (\"provided port is not in the valid range\")",
                    f"use a port in {low}-{high}, or remove nodePort and let Kubernetes allocate one; if the "
                    f"cluster runs with another --service-node-port-range, pass it as --node-port-range",
                    at=port, key="nodePort")


@rule("node-port-conflict")
def node_port_conflict(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    """Claims clash only within one apply unit: examples that are never applied together may reuse a nodePort."""
    reported: set[tuple] = set()
    for number, users in cluster.node_ports.items():
        users = [(s, p) for s, p in users if _allocated(s, p, settings)]
        if len(users) > 1:
            for unit_users in cluster.by_unit(users, lambda user: user[0]):
                yield from _once(_conflicts(number, unit_users), reported)
    for number, services in cluster.health_check_node_ports.items():
        claims = [(s, p) for s, p in cluster.node_ports.get(number, ()) if _allocated(s, p, settings)]
        for group in cluster.by_unit([*claims, *((s, None) for s in services)], lambda claim: claim[0]):
            node_port_claims = [s for s, p in group if p is not None]
            in_unit = [s for s, p in group if p is None]
            yield from _once(_health_check_conflicts(number, node_port_claims, in_unit, settings), reported)


def _once(findings: Iterator[Finding], reported: set[tuple]) -> Iterator[Finding]:
    """A Service of a file shared by several units is compared in each: report each clash once."""
    for finding in findings:
        identity = (finding.file, finding.line, finding.column, finding.message)
        if identity not in reported:
            reported.add(identity)
            yield finding


def _health_check_conflicts(number: int, node_port_claims: list[Service], services: list[Service],
                            settings: Settings) -> Iterator[Finding]:
    """A healthCheckNodePort comes from the nodePort allocator: any earlier claim on the number clashes.

    nodePorts count as the earlier claims, then healthCheckNodePorts in input order.
    """
    first = node_port_claims[0] if node_port_claims else None
    for service in services:
        if not needs_health_check(service) or not _in_range(number, settings):
            continue
        if first is None:
            first = service
            continue
        if first is not service and (first.namespace, first.name) == (service.namespace, service.name):
            continue  # two definitions of one Service: duplicate-object, not a second claim
        yield _health_check_clash(number, service, first, as_node_port=bool(node_port_claims))


def _health_check_clash(number: int, service: Service, first: Service, as_node_port: bool) -> Finding:
    if first is service:
        what, related = "a nodePort of this Service", []
    else:
        kind = "a nodePort" if as_node_port else "the healthCheckNodePort"
        what, related = f"{kind} of Service {first.namespace}/{first.name}", [first.related()]
    return service.finding(
        f"healthCheckNodePort {number} is already {what}: health check and service node ports come from one "
        f"allocator, so the API server rejects the Service (\"provided port is already allocated\")",
        "remove healthCheckNodePort and let Kubernetes allocate one, or pick a port no Service uses",
        key="spec.healthCheckNodePort", related=related)


def _conflicts(number: int, users: list[tuple[Service, ServicePort]]) -> Iterator[Finding]:
    owner, owner_port = users[0]
    earlier: dict[int, list[ServicePort]] = {}  # Service id -> its ports already seen with this nodePort
    for service, port in users:
        mine = earlier.setdefault(id(service), [])
        if service is owner or mine:
            clash = next((p for p in mine if not _may_share(p, port)), None)
            if clash is not None:
                yield _within_service(number, service, port, clash)
        elif (service.namespace, service.name) != (owner.namespace, owner.name):
            # a same-named Service is a duplicate object (an update of the first), not a second claim
            yield service.finding(
                f"nodePort {number} is already used by Service {owner.namespace}/{owner.name} "
                f"(port {owner_port.describe()}): node ports are allocated cluster-wide by number, whatever the "
                f"protocol, so the API server rejects this Service (\"provided port is already allocated\")",
                "give one of the Services another nodePort, or remove it from this one and let Kubernetes "
                "allocate a free port", at=port, key="nodePort", related=[owner.related()])
        mine.append(port)


def _may_share(first: ServicePort, later: ServicePort) -> bool:
    """One Service may reuse a nodePort only for the same port number with another protocol (TCP+UDP DNS)."""
    return first.port == later.port and first.protocol != later.protocol


def _within_service(number: int, service: Service, port: ServicePort, clash: ServicePort) -> Finding:
    if clash.protocol == port.protocol:
        why = f"port {clash.describe()} of this Service already uses it with the same protocol"
    else:
        why = (f"port {clash.describe()} of this Service already uses it; only ports with the same port "
               f"number may share a nodePort (one per protocol)")
    return service.finding(
        f"nodePort {number} is used twice: {why}, so the API server rejects the Service",
        "give each port its own nodePort", at=port, key="nodePort")
