"""Ingress: rules, paths, backends and TLS entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from portlint.model.objects import KubeObject, Node


@dataclass(eq=False)
class IngressBackend(Node):
    """Where an Ingress path (or the default backend) sends requests: a Service port, or a resource."""

    service_name: str | None
    port_number: int | None
    port_name: str | None
    port_key: str  # the key to point findings at: "port.number", "servicePort", ...
    resource: bool


@dataclass(eq=False)
class IngressPath(Node):
    """One entry of an Ingress rule's http.paths."""

    path: str | None
    path_type: str | None
    backend: IngressBackend


@dataclass(eq=False)
class IngressRule(Node):
    """One entry of an Ingress's spec.rules: a host (or every host) and its paths."""

    host: str | None
    paths: list[IngressPath]


@dataclass(eq=False)
class IngressTLS(Node):
    """One entry of an Ingress's spec.tls: the hosts that a Secret's certificate serves."""

    hosts: list[str]
    secret_name: str | None


@dataclass(eq=False)
class Ingress(KubeObject):
    """An Ingress: its class, its rules and its default backend."""

    class_name: str | None
    default_backend: IngressBackend | None
    rules: list[IngressRule]
    tls: list[IngressTLS]

    def backends(self) -> Iterator[IngressBackend]:
        if self.default_backend:
            yield self.default_backend
        for rule in self.rules:
            for path in rule.paths:
                yield path.backend
