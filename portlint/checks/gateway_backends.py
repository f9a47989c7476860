"""Route → Service: does each backendRef name a Service and one of its ports, and is a reference into
another namespace permitted by a ReferenceGrant there?"""

from __future__ import annotations

from typing import Iterator

from portlint.checks.ingress_backends import SERVING_KINDS, _operator_may_create
from portlint.engine import rule
from portlint.findings import Finding
from portlint.kinds import GATEWAY_API_GROUP
from portlint.model import BackendRef, Cluster, GrantFrom, Route, RouteRule, Service, ServicePort
from portlint.names import is_placeholder
from portlint.ports import backends, is_named, resolve_target_port
from portlint.settings import Settings
from portlint.similar import similar


def _where(route: Route, route_rule: RouteRule) -> str:
    return f"rules[{route.rules.index(route_rule)}]"


def _service_backends(cluster: Cluster) -> Iterator[tuple[Route, RouteRule, BackendRef]]:
    for route in cluster.routes:
        for route_rule, backend in route.backend_refs():
            if backend.is_service and not is_placeholder(backend.name):
                yield route, route_rule, backend


def _managed_elsewhere(cluster: Cluster, route: Route, backend: BackendRef) -> bool:
    """A backend in another namespace of which the input holds nothing: that namespace is installed elsewhere."""
    return backend.namespace != route.namespace and not cluster.gateway_api.namespace_in_input(backend.namespace)


# --- route-backend-service-missing ----------------------------------------------------------------

@rule("route-backend-service-missing")
def route_backend_service_missing(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    names_by_namespace: dict[str, list[str]] = {}
    namespaces_by_name: dict[str, list[str]] = {}
    for service in cluster.services:  # for the hints, built once
        names_by_namespace.setdefault(service.namespace, []).append(service.name)
        namespaces_by_name.setdefault(service.name, []).append(service.namespace)
    for route, route_rule, backend in _service_backends(cluster):
        namespace, name = backend.namespace, backend.name
        if cluster.service(namespace, name) or _operator_may_create(cluster, namespace, name):
            continue
        if cluster.may_hold_unplaced("Service"):
            continue  # a Service whose name failed validation may be this one
        if _managed_elsewhere(cluster, route, backend):
            continue
        here, elsewhere = names_by_namespace.get(namespace, []), namespaces_by_name.get(name, [])
        finding = route.finding(
            f"backendRef of {_where(route, route_rule)} names Service {name!r}, which does not exist in namespace "
            f"{namespace}: requests for it get a 500 (BackendNotFound)",
            _missing_hint(route, backend, here, elsewhere), at=backend, key="name")
        if not elsewhere and not _close(here, name) and not cluster.unit_holds(route, SERVING_KINDS, namespace):
            finding.downgraded("info", f"nothing applied with this {route.ref.kind} (its apply unit) runs in "
                                       f"namespace {namespace}: no Service and no workload there, so its backends "
                                       f"come from a separate install (a base application, another release)")
        yield finding


def _close(names: list[str], name: str) -> list[str]:
    return sorted(n for n in names if similar(n, name))


def _missing_hint(route: Route, backend: BackendRef, here: list[str], elsewhere: list[str]) -> str:
    close = _close(here, backend.name)
    if close:
        return f"Service {close[0]!r} exists in namespace {backend.namespace}: did you mean it? Names are case-sensitive"
    elsewhere = sorted(elsewhere)
    if elsewhere:
        return (f"a Service {backend.name!r} exists in namespace {elsewhere[0]}: set `namespace: {elsewhere[0]}` in "
                f"the backendRef, with a ReferenceGrant in {elsewhere[0]} that permits {route.ref.kind}s from "
                f"{route.namespace}")
    return f"create the Service {backend.name!r} in namespace {backend.namespace}, or correct the name"


# --- route-backend-port-unmatched -----------------------------------------------------------------

@rule("route-backend-port-unmatched")
def route_backend_port_unmatched(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for route, route_rule, backend in _service_backends(cluster):
        services = cluster.service_definitions(backend.namespace, backend.name)
        if not services or any(s.type == "ExternalName" for s in services):
            continue  # a missing Service is its own rule; ExternalName ports are the external host's
        if not all(s.readable("spec.ports") and s.readable("spec.type") for s in services):
            continue  # a port left out as invalid may be the one
        if backend.port is None:
            service = services[0]
            only = f": use `port: {service.ports[0].port}`" if len(service.ports) == 1 else ""
            yield route.finding(
                f"backendRef of {_where(route, route_rule)} to Service {backend.name} has no port, which a Service "
                f"backend requires (the Service's port, not the targetPort); the API server rejects the route",
                f"add the Service port{only or ' (' + _ports_text(service) + ')'}", at=backend, key="name",
                related=[service.related()])
            continue
        if any(p.port == backend.port for s in services for p in s.ports):
            continue  # one of the alternatives of the Service has the port
        message, hint = _port_problem(cluster, backend.port, services[0])
        yield route.finding(f"backendRef of {_where(route, route_rule)}: {message}", hint, at=backend, key="port",
                            related=[services[0].related()])


def _ports_text(service: Service) -> str:
    return "ports: " + (", ".join(p.describe() for p in service.ports) or "none")


def _targets(cluster: Cluster, service: Service, port: ServicePort, number: int) -> bool:
    """Whether the Service port forwards to container port `number` (a number, or a name that resolves to it)."""
    if not is_named(port.target_port):
        return port.target_port == number
    resolved = (resolve_target_port(port, w.template) for w in backends(cluster, service))
    return any(p is not None and p.number == number for p in resolved)


def _port_problem(cluster: Cluster, number: int, service: Service) -> tuple[str, str]:
    message = f"port {number} is not a port of Service {service.name} ({_ports_text(service)})"
    by_target = [p for p in service.ports if _targets(cluster, service, p, number)]
    if by_target:
        port = by_target[0]
        return message, (f"{number} is the container port that Service port {port.describe()} targets; a backendRef "
                         f"names the Service's port: use {port.port}")
    by_node_port = [p for p in service.ports if p.node_port == number]
    if by_node_port:
        return message, f"{number} is a nodePort; a backendRef names the Service's port: use {by_node_port[0].port}"
    if not service.ports:
        return f"Service {service.name} declares no ports", "add the port to the Service's spec.ports"
    if len(service.ports) == 1:
        return message, f"use the Service's port, {service.ports[0].port}"
    return message, f"use one of the Service's ports: {', '.join(str(p.port) for p in service.ports)}"


# --- route-backend-not-permitted ------------------------------------------------------------------

@rule("route-backend-not-permitted")
def route_backend_not_permitted(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    index = cluster.gateway_api
    for route in cluster.routes:
        source = GrantFrom(GATEWAY_API_GROUP, route.ref.kind, route.namespace)
        for route_rule, backend in route.backend_refs():
            if backend.namespace == route.namespace or is_placeholder(backend.name):
                continue
            if _managed_elsewhere(cluster, route, backend):
                continue
            if index.may_permit(source, backend.namespace, backend.group, backend.kind, backend.name,
                                counts=cluster.may_apply_with(route)):
                continue
            yield route.finding(
                f"backendRef of {_where(route, route_rule)} refers to {backend.kind} {backend.namespace}/{backend.name} "
                f"in another namespace, and no ReferenceGrant in {backend.namespace} permits {route.ref.kind}s from "
                f"{route.namespace} to refer to it: the controller refuses it (RefNotPermitted), requests for it get a "
                f"500", _grant_hint(cluster, route, backend), at=backend, key="namespace")


def _grant_hint(cluster: Cluster, route: Route, backend: BackendRef) -> str:
    grants = cluster.gateway_api.grants_in(backend.namespace, cluster.may_apply_with(route))
    near = ""
    if grants:
        names = ", ".join(g.name for g in grants[:3])
        near = (f" (ReferenceGrant {names} in {backend.namespace} does not match: from must name group "
                f"{GATEWAY_API_GROUP}, kind {route.ref.kind}, namespace {route.namespace}; to must name group "
                f"{backend.group!r}, kind {backend.kind}, and either no name or {backend.name!r})")
    return (f"add a ReferenceGrant in namespace {backend.namespace} with from: [{{group: {GATEWAY_API_GROUP}, kind: "
            f"{route.ref.kind}, namespace: {route.namespace}}}] and to: [{{group: \"{backend.group}\", kind: "
            f"{backend.kind}, name: {backend.name}}}]" + near)
