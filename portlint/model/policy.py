"""Objects that point at pods and Services: NetworkPolicies, Namespaces, autoscalers, disruption
budgets and Prometheus-operator monitors.

A NetworkPolicy is kept as the API defines it (k8s.io/api networking/v1 types.go): `None` for
an omitted list, so that `ingress: []` (admits nothing) and an absent `from` (every source)
stay distinct.
"""

from __future__ import annotations

from dataclasses import dataclass

from portlint.model.objects import KubeObject, Node
from portlint.selectors import LabelSelector

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"  # set on every Namespace by the API server (1.21+)


@dataclass(eq=False)
class IPBlock(Node):
    """A policy peer's ipBlock: a CIDR, except the CIDRs listed."""

    cidr: str
    excepts: tuple[str, ...]


@dataclass(eq=False)
class PolicyPeer(Node):
    """One item of `from`/`to`: the selectors in one item are ANDed, the items ORed."""

    pod_selector: LabelSelector | None
    namespace_selector: LabelSelector | None
    ip_block: IPBlock | None


@dataclass(eq=False)
class PolicyPort(Node):
    """One entry of a NetworkPolicy rule's ports: a protocol and a port, a named port or a range."""

    protocol: str
    port: int | str | None  # None: every port of the protocol
    end_port: int | None


@dataclass(eq=False)
class PolicyRule(Node):
    """One entry of a NetworkPolicy's ingress or egress: which peers, on which ports."""

    peers: list[PolicyPeer] | None  # None or []: every source (destination)
    ports: list[PolicyPort] | None  # None or []: every port

    @property
    def any_peer(self) -> bool:
        return not self.peers

    @property
    def any_port(self) -> bool:
        return not self.ports


@dataclass(eq=False)
class NetworkPolicy(KubeObject):
    """A NetworkPolicy: the pods it selects, and the traffic it admits to and from them."""

    pod_selector: LabelSelector  # empty: every pod of the namespace
    policy_types: tuple[str, ...]  # after defaulting: Ingress always, Egress when egress rules exist
    ingress: list[PolicyRule]
    egress: list[PolicyRule]

    def isolates(self, direction: str) -> bool:
        return direction in self.policy_types

    def rules(self, direction: str) -> list[PolicyRule]:
        return self.ingress if direction == "Ingress" else self.egress


@dataclass(eq=False)
class Namespace(KubeObject):
    """A Namespace: the labels namespace selectors match."""

    @property
    def namespace_labels(self) -> dict[str, str]:
        return {**self.labels, NAMESPACE_NAME_LABEL: self.name}


@dataclass(eq=False)
class HorizontalPodAutoscaler(KubeObject):
    """A HorizontalPodAutoscaler: the workload its scaleTargetRef names."""

    target_api_version: str | None
    target_kind: str | None
    target_name: str | None


@dataclass(eq=False)
class PodDisruptionBudget(KubeObject):
    """A PodDisruptionBudget: the pods its selector protects."""

    selector: LabelSelector | None  # None: matches no pods
    empty_selects_all: bool  # policy/v1: {} selects every pod of the namespace; v1beta1: none


@dataclass(eq=False)
class MonitorEndpoint(Node):
    """One endpoint of a ServiceMonitor or PodMonitor: the port it scrapes."""

    port: str | None  # ServiceMonitor: a Service port name; PodMonitor: a pod port name
    target_port: int | str | None  # deprecated: a port of the pods behind the Service
    port_number: int | None = None  # PodMonitor portNumber (operator v0.81+)


@dataclass(eq=False)
class Monitor(KubeObject):
    """A ServiceMonitor (selects Services by their labels) or a PodMonitor (selects pods)."""

    selector: LabelSelector | None
    any_namespace: bool
    match_namespaces: tuple[str, ...]  # empty and not any_namespace: the monitor's own namespace
    endpoints: list[MonitorEndpoint]

    @property
    def selects_services(self) -> bool:
        return self.ref.kind == "ServiceMonitor"

    def namespaces(self) -> tuple[str, ...] | None:
        """The namespaces it discovers targets in; None: every namespace."""
        if self.any_namespace:
            return None
        return self.match_namespaces or (self.namespace,)
