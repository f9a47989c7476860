"""The cluster model: typed Kubernetes objects, in Kubernetes' own vocabulary, and the indexes rules query.

Every element keeps the YAML mapping it came from (`raw`, which knows line and column of each
key) and its JSON path inside the object (`path`), so a finding can point at the exact field.
One module per area (objects, pods, services, ingress, policy, gateway), the cluster with its indexes
and the apply units its files form (units: the cross-object API every rule uses);
everything is importable from `portlint.model`.
"""

from portlint.model.cluster import Cluster, PodIndex
from portlint.model.gateway import (
    BackendRef,
    Gateway,
    GatewayClass,
    GatewayIndex,
    GrantFrom,
    GrantTo,
    Listener,
    ParentRef,
    ReferenceGrant,
    RequestRedirect,
    Route,
    RouteMatch,
    RouteRule,
    SecretRef,
    ValueMatch,
)
from portlint.model.ingress import Ingress, IngressBackend, IngressPath, IngressRule, IngressTLS
from portlint.model.objects import DEFAULT_PROTOCOL, NODE_PORT_TYPES, PROBE_KINDS, KubeObject, Node
from portlint.model.policy import (
    NAMESPACE_NAME_LABEL,
    HorizontalPodAutoscaler,
    IPBlock,
    Monitor,
    MonitorEndpoint,
    Namespace,
    NetworkPolicy,
    PodDisruptionBudget,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
)
from portlint.model.pods import Container, ContainerPort, PodTemplate, Probe, Workload
from portlint.model.services import EndpointsObject, Service, ServicePort
from portlint.model.units import ApplyUnit, ApplyUnits, Member, UnitClaims

__all__ = [
    "ApplyUnit", "ApplyUnits", "Member", "UnitClaims", "DEFAULT_PROTOCOL", "NODE_PORT_TYPES", "PROBE_KINDS", "Cluster", "Container", "ContainerPort",
    "EndpointsObject", "Ingress", "IngressBackend", "IngressPath", "IngressRule", "IngressTLS", "KubeObject",
    "Node", "PodIndex", "PodTemplate", "Probe", "Service", "ServicePort", "Workload",
    "BackendRef", "Gateway", "GatewayClass", "GatewayIndex", "GrantFrom", "GrantTo", "Listener", "ParentRef",
    "ReferenceGrant", "RequestRedirect", "Route", "RouteMatch", "RouteRule", "SecretRef", "ValueMatch",
    "NAMESPACE_NAME_LABEL", "HorizontalPodAutoscaler", "IPBlock", "Monitor", "MonitorEndpoint", "Namespace",
    "NetworkPolicy", "PodDisruptionBudget", "PolicyPeer", "PolicyPort", "PolicyRule",
]
