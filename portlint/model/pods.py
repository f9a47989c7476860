"""Pods: workloads, their pod templates, containers, container ports and probes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from portlint.model.objects import KubeObject, Node
from portlint.selectors import LabelSelector, PodLabels


@dataclass(eq=False)
class ContainerPort(Node):
    """One entry of a container's ports."""

    name: str | None
    number: int  # containerPort
    protocol: str
    host_port: int | None

    def describe(self) -> str:
        named = f"{self.name}=" if self.name else ""
        return f"{named}{self.number}/{self.protocol}"


@dataclass(eq=False)
class Probe(Node):
    """A liveness, readiness or startup probe's handler that names a port (httpGet, tcpSocket, grpc)."""

    kind: str  # livenessProbe, readinessProbe, startupProbe
    handler: str  # httpGet, tcpSocket, grpc
    port: int | str


@dataclass(eq=False)
class Container(Node):
    """A container, or an init container (a native sidecar when its restartPolicy is Always)."""

    name: str
    ports: list[ContainerPort]
    probes: list[Probe]
    sidecar: bool  # an init container with restartPolicy: Always runs beside the app containers


@dataclass(eq=False)
class PodTemplate(Node):
    """The pod a workload creates: its labels and containers."""

    labels: dict[str, str]
    containers: list[Container]
    init_containers: list[Container]

    @property
    def serving_containers(self) -> list[Container]:
        """The containers whose ports a Service can reach: app containers and sidecars, not plain init containers."""
        if not self.init_containers:
            return self.containers  # most pods: no copy, every port rule asks for every template
        return self.containers + [c for c in self.init_containers if c.sidecar]

    def ports(self) -> list[tuple[Container, ContainerPort]]:
        """(container, port) of every port the serving containers declare, in FindPort's order."""
        return self._serving_ports

    @cached_property
    def _serving_ports(self) -> list[tuple[Container, ContainerPort]]:
        # listed once per template: the port rules and the tracer walk every template's ports many times
        return [(container, port) for container in self.serving_containers for port in container.ports]


@dataclass(eq=False)
class Workload(KubeObject):
    """An object that creates pods from a template (Deployment, StatefulSet, Job, Pod, ...)."""

    selector: LabelSelector | None
    template: PodTemplate
    pod_labels: PodLabels  # template labels plus the ones the controller adds
    service_name: str | None = None  # StatefulSet spec.serviceName

    @property
    def labels_readable(self) -> bool:
        """The labels its pods are made with were read whole (a Pod's own, or its template's)."""
        if self.kind == "Pod":
            return self.readable("metadata.labels")
        return self.template.readable("metadata.labels")
