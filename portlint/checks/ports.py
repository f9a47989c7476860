"""Port fields as the API server validates them: numbers in range, names in the right syntax, no duplicates.

Sources: k8s pkg/apis/core/validation (validateContainerPorts, validateServicePort, ValidateService,
ValidatePortNumOrName, the probe handlers), pkg/apis/networking/validation (validateIngressBackend),
pkg/api/pod/warnings.go (duplicate port definitions) and pkg/api/v1/pod/util.go (FindPort).
"""

from __future__ import annotations

from typing import Iterator

from portlint.engine import rule
from portlint.findings import Finding
from portlint.model import (
    Cluster,
    Container,
    ContainerPort,
    Ingress,
    IngressBackend,
    Service,
    ServicePort,
    Workload,
)
from portlint.names import dns1123_label, iana_svc_name
from portlint.ports import MAX_PORT, MIN_PORT, in_port_range
from portlint.settings import Settings

IANA_SHAPE = ("at most 15 characters of lowercase letters, digits and '-', with at least one letter "
              "and no '-' at either end or twice in a row (an IANA service name such as \"http\")")


def all_containers(workload: Workload) -> list[Container]:
    """Every container of the pod template: the API validates plain init containers' ports too."""
    return workload.template.containers + workload.template.init_containers


def container_label(container: Container) -> str:
    kind = "init container" if ".initContainers[" in container.json_path else "container"
    return f"{kind} {container.name}"


# --- port-number-invalid ----------------------------------------------------------------------------

@rule("port-number-invalid")
def port_number_invalid(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for service in cluster.services:
        for port in service.ports:
            yield from _service_port_numbers(service, port)
    for workload in cluster.workloads:
        for container in all_containers(workload):
            yield from _container_port_numbers(workload, container)
            yield from _probe_port_numbers(workload, container)
    for ingress in cluster.ingresses:
        for backend in ingress.backends():
            yield from _backend_port_number(ingress, backend)


def _out_of_range(field: str, number: int) -> str:
    return f"{field} {number} is not a port number: the API server accepts only {MIN_PORT}-{MAX_PORT}"


def _service_port_numbers(service: Service, port: ServicePort) -> Iterator[Finding]:
    if not in_port_range(port.port):
        yield service.finding(_out_of_range("port", port.port),
                              "set port to the number clients connect to on the Service (1-65535)",
                              at=port, key="port")
    # 0 (like an absent targetPort) is defaulted to `port`; other numbers are validated as they are
    if port.target_port_given and isinstance(port.target_port, int) and not in_port_range(port.target_port):
        yield service.finding(_out_of_range("targetPort", port.target_port),
                              f"set targetPort to the port the pods listen on, or remove it to use port {port.port}",
                              at=port, key="targetPort")
    # nodePort is left to node-port-out-of-range: the allocator rejects it against the node-port range


def _container_port_numbers(workload: Workload, container: Container) -> Iterator[Finding]:
    label = container_label(container)
    for port in container.ports:
        if port.number == 0:
            yield workload.finding(
                f"{label}: containerPort 0 is not a port: the API server requires a containerPort from 1 to 65535",
                "set containerPort to the port the process listens on", at=port, key="containerPort")
        elif not in_port_range(port.number):
            yield workload.finding(f"{label}: {_out_of_range('containerPort', port.number)}",
                                   "set containerPort to the port the process listens on", at=port, key="containerPort")
        # hostPort 0 or absent means "no host port"; any other value must be a port
        if port.host_port is not None and not in_port_range(port.host_port):
            yield workload.finding(f"{label}: {_out_of_range('hostPort', port.host_port)}",
                                   "use a host port from 1 to 65535, or remove hostPort (absent or 0: none)",
                                   at=port, key="hostPort")


def _probe_port_numbers(workload: Workload, container: Container) -> Iterator[Finding]:
    for probe in container.probes:
        # probe ports have no default: 0 is invalid too
        if isinstance(probe.port, int) and not in_port_range(probe.port):
            yield workload.finding(
                f"{container_label(container)}: {probe.kind}.{probe.handler} {_out_of_range('port', probe.port)}",
                "point the probe at the port the container listens on", at=probe, key="port")


def _backend_port_number(ingress: Ingress, backend: IngressBackend) -> Iterator[Finding]:
    number = backend.port_number
    if number is None or (backend.port_name and backend.port_key != "servicePort"):
        return  # no number, or both name and number: a different API error ("cannot set both")
    field = "servicePort" if backend.port_key == "servicePort" else "port.number"
    if number == 0:
        yield ingress.finding(
            f"backend {field} 0 reads as unset: the API server rejects a backend without a port name or number",
            f"set {field} to one of the ports of Service {backend.service_name}", at=backend, key=backend.port_key)
    elif not in_port_range(number):
        yield ingress.finding(f"backend {_out_of_range(field, number)}",
                              f"set {field} to one of the ports of Service {backend.service_name}",
                              at=backend, key=backend.port_key)


# --- port-name-invalid ------------------------------------------------------------------------------

@rule("port-name-invalid")
def port_name_invalid(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for service in cluster.services:
        for port in service.ports:
            yield from _service_port_names(service, port)
    for workload in cluster.workloads:
        for container in all_containers(workload):
            yield from _container_port_names(workload, container)
            yield from _probe_port_names(workload, container)
    for ingress in cluster.ingresses:
        for backend in ingress.backends():
            yield from _backend_port_name(ingress, backend)


def _problems(problems: list[str]) -> str:
    return "; ".join(problems)


def _lowercase_fix(name: str) -> str | None:
    """A name that is valid once lowercased: port names are case-sensitive and lowercase only."""
    return name.lower() if name != name.lower() and not iana_svc_name(name.lower()) else None


def _quoted_number(value: str) -> bool:
    """A string of digits: a number that YAML quoting turned into a port name."""
    return value.isdigit()


def _rename_hint(name: str, otherwise: str) -> str:
    lower = _lowercase_fix(name)
    if lower:
        return f"port names are lowercase: use {lower!r} here and wherever the port is declared or referred to"
    return otherwise


def _service_port_name_hint(name: str) -> str:
    if not dns1123_label(name.lower()):
        return f"Service port names are lowercase: use {name.lower()!r}"
    return ("use lowercase letters, digits and '-', starting and ending with a letter or digit, "
            "at most 63 characters (e.g. \"http\", \"grpc-web\")")


def _service_port_names(service: Service, port: ServicePort) -> Iterator[Finding]:
    if port.name:
        problems = dns1123_label(port.name)
        if problems:
            yield service.finding(
                f"Service port name {port.name!r} is not a DNS-1123 label: {_problems(problems)}",
                _service_port_name_hint(port.name), at=port, key="name")
    target = port.target_port
    if port.target_port_given and isinstance(target, str):
        problems = iana_svc_name(target)
        if problems and _quoted_number(target):
            yield service.finding(
                f"targetPort \"{target}\" is a string, so the API server reads it as a port name, and a port "
                f"name needs at least one letter: the Service is rejected",
                f"write the number without quotes: targetPort: {target}", at=port, key="targetPort")
        elif problems:
            yield service.finding(
                f"targetPort {target!r} is not a valid port name: {_problems(problems)}",
                _rename_hint(target, f"name the container port with {IANA_SHAPE}, and use that name here"),
                at=port, key="targetPort")


def _container_port_names(workload: Workload, container: Container) -> Iterator[Finding]:
    first: dict[str, ContainerPort] = {}
    for port in container.ports:
        problems = iana_svc_name(port.name) if port.name else []
        if not problems and port.name:
            # validateContainerPorts: names are unique within a container ("Duplicate value")
            earlier = first.setdefault(port.name, port)
            if earlier is not port:
                yield _name_duplicate_in_container(workload, container, port, earlier)
        if not problems:
            continue
        hint = (f"a port name needs a letter: name it e.g. \"http\" or \"p{port.name}\", or remove the name"
                if _quoted_number(port.name) else _rename_hint(port.name, f"use {IANA_SHAPE}"))
        yield workload.finding(
            f"{container_label(container)}: port name {port.name!r} is not a valid port name: {_problems(problems)}",
            hint, at=port, key="name")


def _probe_port_names(workload: Workload, container: Container) -> Iterator[Finding]:
    for probe in container.probes:
        if not isinstance(probe.port, str):
            continue
        problems = iana_svc_name(probe.port)
        if problems and _quoted_number(probe.port):
            yield workload.finding(
                f"{container_label(container)}: {probe.kind}.{probe.handler}.port \"{probe.port}\" is a string, so "
                f"the API server reads it as a port name, and a port name needs at least one letter",
                f"write the number without quotes: port: {probe.port}", at=probe, key="port")
        elif problems:
            yield workload.finding(
                f"{container_label(container)}: {probe.kind}.{probe.handler}.port {probe.port!r} is not a valid "
                f"port name: {_problems(problems)}",
                _rename_hint(probe.port, "use the port number, or the name of one of this container's ports"),
                at=probe, key="port")


def _backend_port_name(ingress: Ingress, backend: IngressBackend) -> Iterator[Finding]:
    name = backend.port_name
    if not name or (backend.port_number and backend.port_key != "servicePort"):
        return
    problems = iana_svc_name(name)
    if not problems:
        return
    field = "servicePort" if backend.port_key == "servicePort" else "port.name"
    if _quoted_number(name):
        fix = (f"write the number without quotes: servicePort: {name}" if field == "servicePort"
               else f"refer to the port by number: port: {{number: {name}}}")
        yield ingress.finding(
            f"backend {field} \"{name}\" is a string, so the API server reads it as a port name, and a port "
            f"name needs at least one letter", fix, at=backend, key=backend.port_key)
        return
    hint = _rename_hint(name, f"use port.number, or a Service port name that is {IANA_SHAPE}")
    if len(name) > 15 and not dns1123_label(name):
        hint = ("a Service port name may have up to 63 characters, but an Ingress can refer to it by name only "
                "if it is an IANA service name (at most 15): use port.number, or shorten the Service port's name")
    yield ingress.finding(f"backend {field} {name!r} is not a valid port name: {_problems(problems)}",
                          hint, at=backend, key=backend.port_key)


# --- service-port-duplicate / service-port-name-missing ---------------------------------------------

@rule("service-port-duplicate")
def service_port_duplicate(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for service in cluster.services:
        first_by_number: dict[tuple[int, str], ServicePort] = {}
        first_by_name: dict[str, ServicePort] = {}
        for port in service.ports:
            earlier = first_by_number.setdefault((port.port, port.protocol), port)
            if earlier is not port:
                yield service.finding(
                    f"port {port.port}/{port.protocol} appears twice in spec.ports (also {_entry(earlier)}): "
                    f"the API server rejects the Service",
                    "remove the repeated entry, or give it another port number or protocol", at=port, key="port")
                continue
            if port.name:
                earlier = first_by_name.setdefault(port.name, port)
                if earlier is not port:
                    yield service.finding(
                        f"port name {port.name!r} appears twice in spec.ports (also {_entry(earlier)}): "
                        f"the API server rejects the Service",
                        "give every Service port its own name", at=port, key="name")


def _entry(port: ServicePort) -> str:
    """`ports[0]: http (80/TCP)`: which entry of spec.ports, for messages."""
    return f"{port.json_path.rsplit('.', 1)[-1]}: {port.describe()}"


@rule("service-port-name-missing")
def service_port_name_missing(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for service in cluster.services:
        if len(service.ports) < 2:
            continue
        for port in service.ports:
            if not port.name:
                yield service.finding(
                    f"port {port.describe()} has no name, and the Service has {len(service.ports)} ports: the API "
                    f"server requires a name on every port of a multi-port Service",
                    "add a name, e.g. name: http (lowercase letters, digits and '-')", at=port, key="name")


# --- container-port-duplicate -----------------------------------------------------------------------

@rule("container-port-duplicate")
def container_port_duplicate(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for workload in cluster.workloads:
        yield from _duplicates_in_pod(workload)


def _duplicates_in_pod(workload: Workload) -> Iterator[Finding]:
    repeated = list(_repeated_numbers(workload))
    for container, port, other_container, other in repeated:
        yield _number_duplicate(workload, container, port, other_container, other)
    # a port entry repeated as a whole is reported once, for its number
    yield from _repeated_names(workload, skip={id(port) for _, port, _, _ in repeated})


def _repeated_numbers(workload: Workload) -> Iterator[tuple]:
    """(container, port, earlier container, earlier port) for each number+protocol declared again."""
    seen: dict[tuple[int, str], list[tuple[Container, ContainerPort]]] = {}
    for container, port in workload.template.ports():  # app containers, then sidecars
        earlier = seen.setdefault((port.number, port.protocol), [])
        same = _same_binding(earlier, port)
        earlier.append((container, port))
        if same:
            yield container, port, *same


def _repeated_names(workload: Workload, skip: set[int]) -> Iterator[Finding]:
    serving = {id(c) for c in workload.template.serving_containers}
    in_pod: dict[tuple[str, str], tuple[Container, ContainerPort]] = {}
    for container in all_containers(workload):
        in_container: dict[str, ContainerPort] = {}
        for port in container.ports:
            if not port.name or iana_svc_name(port.name) or id(port) in skip:
                continue  # invalid names are port-name-invalid's; the API skips them here too
            if port.name in in_container:
                continue  # a name repeated in one container is rejected: port-name-invalid says so
            in_container[port.name] = port
            if id(container) in serving:
                earlier = in_pod.setdefault((port.name, port.protocol), (container, port))
                if earlier[1] is not port:
                    yield _name_duplicate_in_pod(workload, container, port, *earlier)


def _same_binding(earlier: list[tuple[Container, ContainerPort]], port: ContainerPort):
    """The first earlier declaration that `port` repeats, unless the two publish distinct host ports."""
    for container, other in earlier:
        if not _distinct_host_bindings(port, other):
            return container, other
    return None


def _distinct_host_bindings(a: ContainerPort, b: ContainerPort) -> bool:
    # one container port published on two host ports (or host IPs) is deliberate, not a duplicate
    if not a.host_port or not b.host_port:
        return False
    ip_a, ip_b = a.raw.get("hostIP") or "", b.raw.get("hostIP") or ""
    return a.host_port != b.host_port or (bool(ip_a) and bool(ip_b) and ip_a != ip_b)


def _where(container: Container, port: ContainerPort) -> str:
    return f"{container_label(container)} ({port.describe()})"


def _number_duplicate(workload, container, port, other_container, other) -> Finding:
    label = container_label(container)
    if other_container is container:
        return workload.finding(
            f"{label}: containerPort {port.number}/{port.protocol} is declared twice in this container (also as "
            f"{other.describe()}): the API server warns \"duplicate port definition\", and kubectl apply merges "
            f"container ports by number, so the two entries collide on updates",
            "declare the port once, under one name; Services can all use that name or the number",
            at=port, key="containerPort")
    return workload.finding(
        f"{label}: containerPort {port.number}/{port.protocol} is also declared by {_where(other_container, other)}: "
        f"the containers of a pod share one network namespace, so only one of them can listen on it (the API "
        f"server warns \"duplicate port definition\")",
        "declare the port only in the container that listens on it; the same number under TCP and UDP is fine",
        at=port, key="containerPort")


def _name_duplicate_in_container(workload, container, port, other) -> Finding:
    return workload.finding(
        f"{container_label(container)}: port name {port.name!r} is used twice in this container "
        f"(also {other.describe()}): the API server rejects the pod template",
        "give each port of the container its own name", at=port, key="name")


def _name_duplicate_in_pod(workload, container, port, other_container, other) -> Finding:
    return workload.finding(
        f"{container_label(container)}: port name {port.name!r} ({port.protocol}) is also declared by "
        f"{_where(other_container, other)}: a Service targetPort {port.name!r} reaches only the first one",
        "give the ports different names, and point each Service at the one it means", at=port, key="name")
