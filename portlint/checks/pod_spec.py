"""A pod template's containers as ValidatePodSpec checks them: names, host ports, and what init containers may have.

Source: k8s pkg/apis/core/validation/validation.go: validateContainers and validateInitContainers
(unique names across both lists, checkHostPortConflicts, the fields forbidden on plain init
containers and on app containers), validateContainerCommon (DNS-1123 label names) and
validatePodHostNetworkDeps (hostPort = containerPort under hostNetwork).
"""

from __future__ import annotations

from typing import Iterator

from portlint.checks.ports import container_label
from portlint.engine import rule
from portlint.findings import Finding
from portlint.loader import Mapping
from portlint.model import PROBE_KINDS, Cluster, Container, ContainerPort, Workload
from portlint.names import dns1123_label, is_placeholder
from portlint.settings import Settings


def _pod_spec(workload: Workload) -> Mapping:
    template = workload.template
    spec = template.raw.get("spec") if template.json_path != "spec" else template.raw
    return spec if isinstance(spec, Mapping) else Mapping()


@rule("container-name-invalid")
def container_name_invalid(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for workload in cluster.workloads:
        template = workload.template
        seen: dict[str, Container] = {}
        for container in template.containers + template.init_containers:
            name = container.name
            problems = dns1123_label(name) if name else ["must not be empty"]
            if problems and is_placeholder(name):
                continue  # tested second: a valid name is never a placeholder (see names.py)
            if problems:
                yield workload.finding(
                    f"{container_label(container)}: name {name!r} is not a DNS-1123 label: {'; '.join(problems)}; "
                    f"the API server rejects the pod template", f"name it e.g. {_label_like(name)!r}",
                    at=container, key="name")
            elif name in seen:
                yield workload.finding(
                    f"{container_label(container)}: the name {name!r} is also the name of "
                    f"{container_label(seen[name])}: container names are unique across containers and init "
                    f"containers, and the API server rejects the pod template (\"Duplicate value\")",
                    "give each container its own name", at=container, key="name")
            else:
                seen[name] = container


def _label_like(name: str) -> str:
    cleaned = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    return cleaned[:63].strip("-") or "app"


@rule("host-port-invalid")
def host_port_invalid(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for workload in cluster.workloads:
        template = workload.template
        if not template.readable():
            continue  # a container or port left out as invalid may hold the other half of a clash
        yield from _host_network_ports(workload)
        # app containers share one set of host ports; init containers run one at a time, each on its own
        yield from _host_port_clashes(workload, template.containers)
        for init in template.init_containers:
            yield from _host_port_clashes(workload, [init])


def _host_network_ports(workload: Workload) -> Iterator[Finding]:
    if _pod_spec(workload).get("hostNetwork") is not True:
        return
    for container in workload.template.containers:  # validatePodHostNetworkDeps reads app containers only
        for port in container.ports:
            if port.host_port and port.host_port != port.number:
                yield workload.finding(
                    f"{container_label(container)}: hostPort {port.host_port} differs from containerPort "
                    f"{port.number}, but the pod uses hostNetwork: true, so it listens on the node's own interfaces "
                    f"and the API server rejects the pod template (\"must match `containerPort` when `hostNetwork` "
                    f"is true\")", f"set hostPort to {port.number} or remove it (with hostNetwork the container "
                    f"port is the node port)", at=port, key="hostPort")


def _host_port_clashes(workload: Workload, containers: list[Container]) -> Iterator[Finding]:
    claimed: dict[tuple[str, str, int], tuple[Container, ContainerPort]] = {}
    for container in containers:
        for port in container.ports:
            if not port.host_port:
                continue
            host_ip = port.raw.get("hostIP") or ""
            key = (port.protocol, host_ip if isinstance(host_ip, str) else "", port.host_port)
            if key not in claimed:
                claimed[key] = (container, port)
                continue
            other_container, other = claimed[key]
            where = "this container" if other_container is container else container_label(other_container)
            yield workload.finding(
                f"{container_label(container)}: hostPort {port.host_port}/{port.protocol}"
                f"{f' on {host_ip}' if key[1] else ''} is also claimed by {where} ({other.describe()}): the API "
                f"server rejects the pod template (\"Duplicate value\"): one node port can be bound once",
                "give each hostPort its own number (or hostIP), or remove the repeated one", at=port, key="hostPort")


@rule("container-field-forbidden")
def container_field_forbidden(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for workload in cluster.workloads:
        for container in workload.template.containers:
            if container.raw.get("restartPolicy") is not None:
                yield workload.finding(
                    f"{container_label(container)}: restartPolicy is set on an app container: the API server "
                    f"rejects it (\"may not be set for non-init containers\")",
                    "remove it (the pod's spec.restartPolicy applies), or move the container to initContainers "
                    "with restartPolicy: Always to run it as a sidecar", at=container, key="restartPolicy")
        for init in workload.template.init_containers:
            yield from _init_container_fields(workload, init)


def _init_container_fields(workload: Workload, init: Container) -> Iterator[Finding]:
    policy = init.raw.get("restartPolicy")
    if policy is not None and policy != "Always":
        yield workload.finding(
            f"{container_label(init)}: restartPolicy {policy!r} is not supported on an init container: the API "
            f"server accepts only Always (a sidecar)", "remove restartPolicy for a plain init container, or set it "
            "to Always for a sidecar", at=init, key="restartPolicy")
        return
    if init.sidecar:
        return
    for probe_kind in PROBE_KINDS:
        if init.raw.get(probe_kind) is not None:
            yield workload.finding(
                f"{container_label(init)}: {probe_kind} on a plain init container: the API server rejects it "
                f"(\"may not be set for init containers without restartPolicy=Always\"); an init container runs "
                f"to completion before the app containers start, and is never probed",
                "remove the probe, or add restartPolicy: Always to run the container as a sidecar next to the app "
                "containers", at=init, key=probe_kind)
