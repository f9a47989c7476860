"""Services and their ports, and the hand-made endpoints of Services without a selector."""

from __future__ import annotations

from dataclasses import dataclass

from portlint.model.objects import KubeObject, Node


@dataclass(eq=False)
class ServicePort(Node):
    """One entry of a Service's spec.ports, with targetPort defaulted as the API server does."""

    name: str | None
    protocol: str
    port: int
    target_port: int | str  # defaults to `port`
    target_port_given: bool
    node_port: int | None

    def describe(self) -> str:
        return f"{self.name} ({self.port}/{self.protocol})" if self.name else f"{self.port}/{self.protocol}"


@dataclass(eq=False)
class Service(KubeObject):
    """A Service: its type, selector and ports."""

    type: str
    selector: dict[str, str] | None  # None: no selector (an empty one reads the same)
    ports: list[ServicePort]
    cluster_ip: str | None
    external_name: str | None
    health_check_node_port: int | None = None  # LoadBalancer + externalTrafficPolicy: Local
    external_traffic_policy: str | None = None

    @property
    def headless(self) -> bool:
        return self.cluster_ip == "None"


@dataclass(eq=False)
class EndpointsObject(KubeObject):
    """An Endpoints or EndpointSlice: hand-made endpoints for a Service without a selector."""

    service_name: str
