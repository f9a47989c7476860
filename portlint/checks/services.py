"""Service → pods: does the selector pick any pods, and do the pods serve the ports the Service targets?"""

from __future__ import annotations

from typing import Callable, Iterator

from portlint.engine import rule
from portlint.findings import Finding
from portlint.kinds import ALL_WORKLOAD_KINDS
from portlint.model import Cluster, ContainerPort, Service, ServicePort, Workload, answers
from portlint.names import iana_svc_name
from portlint.references import pods_come_from_elsewhere, references
from portlint.ports import (
    backends,
    declared_ports,
    describe_ports,
    in_port_range,
    is_named,
    listens_on,
    ports_named,
    ports_numbered,
    resolve_target_port,
    selects_pods,
)
from portlint.selectors import format_labels
from portlint.settings import Settings
from portlint.similar import similar


@rule("service-selector-no-match")
def service_selector_no_match(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    refs = references(cluster)
    for service in cluster.services:
        if not selects_pods(service) or not _selection_readable(service):
            continue
        if cluster.pods.select(service.namespace, service.selector):
            continue
        if cluster.pods.may_select(service.namespace, service.selector) or cluster.may_hold_unplaced(*ALL_WORKLOAD_KINDS):
            continue  # a pod template whose labels (or name) failed validation may be the one
        if (refs.made_by_an_operator(service.namespace, service.selector) or _is_traffic_split_apex(cluster, service)
                or pods_come_from_elsewhere(cluster, service, service.namespace, service.selector)):
            continue
        yield service.finding(
            f"selector {format_labels(service.selector)} matches no pod template in namespace "
            f"{service.namespace}: the Service gets no endpoints",
            _near_miss_hint(cluster, service), key="spec.selector")


def _selection_readable(service: Service) -> bool:
    """The selector and the type (ExternalName selects nothing) were read as written."""
    return service.readable("spec.selector") and service.readable("spec.type")


def _is_traffic_split_apex(cluster: Cluster, service: Service) -> bool:
    """The apex Service of an SMI TrafficSplit: the mesh sends its traffic to the split's backends."""
    for resource in cluster.custom_resources.get(service.namespace, ()):
        spec = resource.raw.get("spec")
        if resource.ref.kind == "TrafficSplit" and isinstance(spec, dict) and spec.get("service") == service.name:
            return True
    return False


def _near_miss_hint(cluster: Cluster, service: Service) -> str:
    namespace, selector = service.namespace, service.selector
    for key, value in selector.items():
        present = cluster.pods.values(namespace, key)
        if value in present:
            continue
        close = cluster.pods.near_values(namespace, key, value)
        if close:
            return (f"pods in namespace {namespace} have {key}={close[0]}, not {key}={value}; "
                    f"make the selector and the pod template labels agree exactly (values are case-sensitive)")
        if not present:
            break
    elsewhere = set.intersection(*(cluster.pods.namespaces_with(k, v) for k, v in selector.items()))
    elsewhere.discard(namespace)
    if elsewhere:
        return (f"pods with these labels exist in namespace {sorted(elsewhere)[0]}; a Service only selects "
                f"pods in its own namespace: move one of them")
    return "set the selector to the labels of the pod template (spec.template.metadata.labels) it should serve"


# --- the port chain: Service port → targetPort → a port the selected pods serve ---------------------

def _served_services(cluster: Cluster) -> list[tuple[Service, list[Workload]]]:
    """Each Service whose pods come from its selector, with the workloads that serve it (if any): four rules
    walk the port chain from it, so it is listed once per cluster."""
    served = cluster.answers.get("served services")
    if served is None:
        served = cluster.answers["served services"] = []
        for service in cluster.services:
            if not _selection_readable(service):
                continue
            # a workload whose pod template failed validation in some part cannot be judged port by port
            workloads = [w for w in backends(cluster, service) if w.template.readable()]
            if workloads:
                served.append((service, workloads))
    return served


def _workload_text(workload: Workload) -> str:
    return f"{workload.ref.kind} {workload.name}"


def _target_key(service_port: ServicePort) -> str:
    """The field a finding about the target points at: targetPort, or port when targetPort defaults to it."""
    return "targetPort" if service_port.target_port_given else "port"


def _target_text(service_port: ServicePort) -> str:
    if service_port.target_port_given:
        return f"port {service_port.describe()} targets {service_port.target_port}/{service_port.protocol}"
    return f"port {service_port.describe()} (targetPort defaults to it)"


def _named_targets(service: Service) -> Iterator[ServicePort]:
    # an invalid port name makes the API server reject the Service: nothing to resolve then
    return (p for p in service.ports if is_named(p.target_port) and not iana_svc_name(p.target_port))


def _numeric_targets(service: Service) -> Iterator[ServicePort]:
    # a number outside 1-65535 makes the API server reject the Service: port-number-invalid says so
    return (p for p in service.ports if not is_named(p.target_port) and in_port_range(p.target_port))


def _port_chain(cluster: Cluster, rule_id: str, judge: Callable[[Service, list[Workload]], Iterator[Finding]]):
    """`judge`'s findings on each served Service and its workloads. `judge` reads those objects alone: in a
    re-check, a Service whose workloads are the same objects as in the check before gets the same findings."""
    for service, workloads in _served_services(cluster):
        yield from answers.findings(cluster, rule_id, id(service), (service, *workloads),
                                    lambda: judge(service, workloads))


@rule("service-target-port-name-unresolved")
def service_target_port_name_unresolved(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    return _port_chain(cluster, "service-target-port-name-unresolved", _unresolved_names)


def _unresolved_names(service: Service, workloads: list[Workload]) -> Iterator[Finding]:
    for workload in workloads:
        for service_port in _named_targets(service):
            if resolve_target_port(service_port, workload.template) is None:
                yield _unresolved_name(service, service_port, workload)


def _unresolved_name(service: Service, service_port: ServicePort, workload: Workload) -> Finding:
    name, protocol = service_port.target_port, service_port.protocol
    message = (f"targetPort {name} of port {service_port.describe()}: {_workload_text(workload)} declares "
               f"no {protocol} container port named {name}")
    other = ports_named(workload.template, name)
    if other:
        message += f" (it declares {describe_ports(other)}; a named port resolves only under the same protocol)"
    message += ", so its pods get no endpoint for this port"
    return service.finding(message, _name_hint(service_port, workload, other), at=service_port,
                           key="targetPort", related=[workload.related()])


def _name_hint(service_port: ServicePort, workload: Workload, other_protocol: list[ContainerPort]) -> str:
    name, protocol = service_port.target_port, service_port.protocol
    if other_protocol:
        return (f"set the Service port's protocol to {other_protocol[0].protocol}, or declare the container "
                f"port {name} with protocol {protocol}")
    names = sorted({p.name for p in declared_ports(workload.template) if p.name and p.protocol == protocol})
    close = [n for n in names if similar(n, name)]
    if close and close[0].lower() == name:
        return (f"{_workload_text(workload)} names the port {close[0]}: port names are lowercase IANA service "
                f"names, rename it to {name}")
    if close:
        return f"did you mean targetPort: {close[0]}? {_workload_text(workload)} declares that name"
    if names:
        return (f"set targetPort to one of the {protocol} port names {_workload_text(workload)} declares "
                f"({', '.join(names)}), or add `name: {name}` to the containerPort the Service should reach")
    return (f"add `name: {name}` to the containerPort the Service should reach in {_workload_text(workload)}, "
            f"or set targetPort to that port's number")


@rule("service-target-port-unmatched")
def service_target_port_unmatched(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    return _port_chain(cluster, "service-target-port-unmatched", _unmatched_numbers)


def _unmatched_numbers(service: Service, workloads: list[Workload]) -> Iterator[Finding]:
    for workload in workloads:
        declared = declared_ports(workload.template)
        if not declared:
            continue  # container-port-undeclared
        for service_port in _numeric_targets(service):
            number = service_port.target_port
            if not ports_numbered(workload.template, number) and not listens_on(workload.template, number):
                yield _unmatched_number(service, service_port, workload, declared)


def _unmatched_number(service: Service, service_port: ServicePort, workload: Workload,
                      declared: list[ContainerPort]) -> Finding:
    target = service_port.target_port
    message = (f"{_target_text(service_port)}, but {_workload_text(workload)} declares only "
               f"{describe_ports(declared)}")
    close = [p for p in declared if p.protocol == service_port.protocol]
    hint = (f"if the pods listen on {target}, declare `containerPort: {target}`; otherwise set targetPort "
            f"to the port they listen on" + (f" (e.g. {close[0].name or close[0].number})" if len(close) == 1 else ""))
    return service.finding(message, hint, at=service_port, key=_target_key(service_port),
                           related=[workload.related()])


@rule("service-protocol-mismatch")
def service_protocol_mismatch(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    return _port_chain(cluster, "service-protocol-mismatch", _protocol_mismatches)


def _protocol_mismatches(service: Service, workloads: list[Workload]) -> Iterator[Finding]:
    for workload in workloads:
        for service_port in _numeric_targets(service):
            same_number = ports_numbered(workload.template, service_port.target_port)
            if same_number and resolve_target_port(service_port, workload.template) is None:
                yield _protocol_mismatch(service, service_port, workload, same_number)


def _protocol_mismatch(service: Service, service_port: ServicePort, workload: Workload,
                       same_number: list[ContainerPort]) -> Finding:
    protocols = sorted({p.protocol for p in same_number})
    message = (f"{_target_text(service_port)}, but {_workload_text(workload)} declares port "
               f"{service_port.target_port} only as {describe_ports(same_number)}")
    hint = (f"set the Service port's protocol to {protocols[0]} if that is what the pods serve, or declare "
            f"containerPort {service_port.target_port} with protocol {service_port.protocol} "
            f"(a port served over both protocols needs one entry per protocol, in the Service too)")
    return service.finding(message, hint, at=service_port, key="protocol" if "protocol" in service_port.raw
                           else _target_key(service_port), related=[workload.related()])


@rule("container-port-undeclared")
def container_port_undeclared(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    return _port_chain(cluster, "container-port-undeclared", _undeclared_ports)


def _undeclared_ports(service: Service, workloads: list[Workload]) -> Iterator[Finding]:
    numeric = list(_numeric_targets(service))  # named targets: service-target-port-name-unresolved
    for workload in workloads:
        if declared_ports(workload.template):
            continue
        unverified = [p for p in numeric if not listens_on(workload.template, p.target_port)]
        if unverified:
            yield _undeclared(service, workload, unverified)


def _undeclared(service: Service, workload: Workload, unverified: list[ServicePort]) -> Finding:
    ports = ", ".join(_arrow(p) for p in unverified)
    return service.finding(
        f"{_workload_text(workload)} declares no containerPort, so the Service's "
        f"{'port' if len(unverified) == 1 else 'ports'} {ports} cannot be checked against what its pods serve",
        f"list the ports the containers of {_workload_text(workload)} listen on under `ports:` "
        f"(containerPort, protocol, name)",
        at=unverified[0], key=_target_key(unverified[0]), related=[workload.related()])


def _arrow(service_port: ServicePort) -> str:
    return f"{service_port.port}/{service_port.protocol} → {service_port.target_port}"


# --- Services whose endpoints nobody fills --------------------------------------------------------

# The API server itself keeps the endpoints of default/kubernetes (its own addresses).
APISERVER_SERVICE = ("default", "kubernetes")


@rule("service-no-selector")
def service_no_selector(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for service in cluster.services:
        if service.selector or service.type == "ExternalName" or not _selection_readable(service):
            continue
        if cluster.has_endpoints_for(service) or (service.namespace, service.name) == APISERVER_SERVICE:
            continue
        if cluster.may_hold_unplaced("Endpoints", "EndpointSlice"):
            continue
        yield service.finding(
            f"Service {service.name} has no selector and the input holds no Endpoints or EndpointSlice for it "
            f"in namespace {service.namespace}: nothing gives it endpoints, so connections to it fail",
            f"add a selector with the labels of the pods that serve it; for backends outside the cluster, add "
            f"an EndpointSlice labelled kubernetes.io/service-name: {service.name} (or use type: ExternalName "
            f"for a DNS name)",
            key="spec.selector" if "selector" in _spec(service) else "spec")


def _spec(service: Service):
    spec = service.raw.get("spec")
    return spec if isinstance(spec, dict) else {}
