"""Gateway API (gateway.networking.k8s.io): Gateways and their listeners, the route kinds, ReferenceGrants.

Defaults are applied as the CRDs apply them (kubebuilder:default in kubernetes-sigs/gateway-api
apis/v1): a parentRef is group gateway.networking.k8s.io, kind Gateway, in the route's namespace; a
backendRef is core group, kind Service, in the route's namespace, weight 1; a certificateRef is a
core Secret in the Gateway's namespace; allowedRoutes.namespaces.from is Same.

`GatewayIndex` answers every "which object does this reference mean" question (Gateways by
namespace and name, ReferenceGrants by namespace, Namespace labels, Secrets): built once, and the
only place the checks and the tracer resolve a Gateway API reference.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from portlint.kinds import GATEWAY_API_GROUP
from portlint.model.objects import KubeObject, Node
from portlint.selectors import LabelSelector

CORE_GROUPS = ("", "core")  # a reference's group "" means the core API group; some write "core"


@dataclass(eq=False)
class SecretRef(Node):
    """A listener's tls.certificateRefs[] entry (SecretObjectReference)."""

    group: str
    kind: str
    namespace: str
    name: str

    @property
    def is_secret(self) -> bool:
        return self.group in CORE_GROUPS and self.kind == "Secret"


@dataclass(eq=False)
class Listener(Node):
    """One entry of a Gateway's spec.listeners: where it accepts which routes."""

    name: str
    hostname: str | None
    port: int
    protocol: str  # as written; core protocols compare case-insensitively
    tls_mode: str | None  # None: no tls block; Terminate is the default mode
    certificate_refs: list[SecretRef]
    namespaces_from: str  # allowedRoutes.namespaces.from: Same (default), All, Selector, None
    namespace_selector: LabelSelector | None
    kinds: list[tuple[str, str]]  # allowedRoutes.kinds as (group, kind); empty: decided by the protocol

    @property
    def core_protocol(self) -> str:
        return self.protocol.upper()

    def describe(self) -> str:
        return f"{self.name} ({self.core_protocol} :{self.port}{' ' + self.hostname if self.hostname else ''})"


@dataclass(eq=False)
class Gateway(KubeObject):
    """A Gateway API Gateway: its class and its listeners."""

    class_name: str | None
    listeners: list[Listener]


@dataclass(eq=False)
class GatewayClass(KubeObject):
    """A GatewayClass: the controller that implements its Gateways."""

    controller_name: str | None


@dataclass(eq=False)
class ParentRef(Node):
    """A route's spec.parentRefs[] entry: the Gateway (or listener, or port of it) it attaches to."""

    group: str
    kind: str
    namespace: str
    name: str
    section_name: str | None
    port: int | None

    @property
    def is_gateway(self) -> bool:
        return self.group == GATEWAY_API_GROUP and self.kind == "Gateway"

    def describe(self) -> str:
        section = f" listener {self.section_name}" if self.section_name else ""
        port = f" port {self.port}" if self.port else ""
        return f"Gateway {self.namespace}/{self.name}{section}{port}"


@dataclass(eq=False)
class BackendRef(Node):
    """A route rule's backendRefs[] entry: by default a Service and one of its ports."""

    group: str
    kind: str
    namespace: str
    name: str
    port: int | None
    weight: int

    @property
    def is_service(self) -> bool:
        return self.group in CORE_GROUPS and self.kind == "Service"

    def describe(self) -> str:
        what = "Service" if self.is_service else f"{self.kind}"
        return f"{what} {self.namespace}/{self.name}" + (f":{self.port}" if self.port else "")


@dataclass(frozen=True)
class ValueMatch:
    """A header or query parameter match: Exact (the default) or RegularExpression."""

    name: str
    value: str
    type: str


@dataclass(eq=False)
class RouteMatch(Node):
    """One entry of a route rule's matches: path, method and headers, all of which must match."""

    path_type: str | None  # HTTPRoute: Exact, PathPrefix (the default), RegularExpression
    path: str | None
    method: str | None
    headers: list[ValueMatch]
    query_params: list[ValueMatch]
    grpc_service: str | None = None
    grpc_method: str | None = None


@dataclass(eq=False)
class RequestRedirect(Node):
    """A rule's RequestRedirect filter: where the request is sent back to instead of a backend."""

    scheme: str | None
    hostname: str | None
    port: int | None
    status_code: int  # 302 by default
    path_type: str | None  # ReplaceFullPath, ReplacePrefixMatch
    path_value: str | None


@dataclass(eq=False)
class RouteRule(Node):
    """One entry of a route's spec.rules: its matches and where matching requests go."""

    matches: list[RouteMatch]  # empty: every request (HTTPRoute's default is PathPrefix /)
    backend_refs: list[BackendRef]
    redirect: RequestRedirect | None


@dataclass(eq=False)
class Route(KubeObject):
    """An HTTPRoute, GRPCRoute, TLSRoute, TCPRoute or UDPRoute (`kind` says which)."""

    hostnames: list[str]
    parent_refs: list[ParentRef]
    rules: list[RouteRule]

    def backend_refs(self) -> Iterator[tuple[RouteRule, BackendRef]]:
        for route_rule in self.rules:
            for backend in route_rule.backend_refs:
                yield route_rule, backend


@dataclass(frozen=True)
class GrantFrom:
    """A ReferenceGrant's spec.from[] entry: the kind of object, and its namespace, that may refer."""

    group: str
    kind: str
    namespace: str


@dataclass(frozen=True)
class GrantTo:
    """A ReferenceGrant's spec.to[] entry: what objects of its namespace may be referred to."""

    group: str
    kind: str
    name: str | None  # None: every object of the group and kind in the grant's namespace


@dataclass(eq=False)
class ReferenceGrant(KubeObject):
    """A ReferenceGrant: which references from other namespaces its namespace admits."""

    sources: list[GrantFrom]  # spec.from
    targets: list[GrantTo]  # spec.to


def sets_namespace(obj: KubeObject) -> bool:
    """Whether the manifest sets metadata.namespace (otherwise it is applied to the current namespace)."""
    metadata = obj.raw.get("metadata")
    return isinstance(metadata, dict) and bool(metadata.get("namespace"))


def _every_grant(_grant: ReferenceGrant) -> bool:
    return True


def _permitting(grants: Iterable[ReferenceGrant], source: GrantFrom, group: str, kind: str,
                name: str) -> ReferenceGrant | None:
    """The grant that lets `source` refer to that object, if any: from and to are matched exactly — group
    (core as "" or "core"), kind, namespace, and to.name when the grant names one."""
    for grant in grants:
        if not any(_same_group(f.group, source.group) and f.kind == source.kind and f.namespace == source.namespace
                   for f in grant.sources):
            continue
        if any(_same_group(t.group, group) and t.kind == kind and t.name in (None, name) for t in grant.targets):
            return grant
    return None


def _same_group(a: str, b: str) -> bool:
    return a == b or (a in CORE_GROUPS and b in CORE_GROUPS)


class GatewayIndex:
    """Gateways by namespace and name, grants by namespace, Namespace labels, Secrets: built once."""

    def __init__(self, gateways: Iterable[Gateway], grants: Iterable[ReferenceGrant],
                 namespaces: Iterable[KubeObject], secrets: set[tuple[str, str]], object_namespaces: set[str],
                 grants_unplaced: bool = False):
        self._gateways: dict[tuple[str, str], list[Gateway]] = defaultdict(list)
        self._unplaced: dict[str, list[Gateway]] = defaultdict(list)  # Gateways whose manifest sets no namespace
        self._by_name: dict[str, list[Gateway]] = defaultdict(list)
        self._names_in: dict[str, set[str]] = defaultdict(set)  # namespace → names of its Gateways
        for gateway in gateways:
            self._gateways[gateway.namespace, gateway.name].append(gateway)
            self._by_name[gateway.name].append(gateway)
            self._names_in[gateway.namespace].add(gateway.name)
            if not sets_namespace(gateway):
                self._unplaced[gateway.name].append(gateway)
        self._grants: dict[str, list[ReferenceGrant]] = defaultdict(list)
        for grant in grants:
            self._grants[grant.namespace].append(grant)
        self._namespace_labels = {ns.name: dict(ns.labels) for ns in namespaces}
        self._labels_unreadable = {ns.name for ns in namespaces if not ns.readable("metadata.labels")}
        self._secrets = secrets
        self._object_namespaces = object_namespaces
        self.grants_unplaced = grants_unplaced  # a ReferenceGrant whose identity failed validation is in the input

    def gateways(self, namespace: str, name: str) -> list[Gateway]:
        """Every definition of the Gateway (the input may hold variants of one object)."""
        return self._gateways.get((namespace, name), [])

    def parent_gateways(self, route: Route, parent: ParentRef) -> list[Gateway]:
        """The Gateway a route's parentRef means.

        When neither the route nor a Gateway of that name sets metadata.namespace, both land in the
        namespace they are applied to (`kubectl apply -n NS`), which may be the one the parentRef
        names: that Gateway is taken.
        """
        found = self.gateways(parent.namespace, parent.name)
        if found or sets_namespace(route) or "namespace" not in parent.raw:
            return found
        return self._unplaced.get(parent.name, [])

    def gateways_in(self, namespace: str) -> set[str]:
        """The names of the Gateways in the namespace (empty: it holds none)."""
        return self._names_in.get(namespace, set())

    def gateway_named(self, name: str) -> list[Gateway]:
        """Gateways of this name in any namespace (for hints and the installed-elsewhere exemption)."""
        return self._by_name.get(name, [])

    def labels_readable(self, namespace: str) -> bool:
        """Whether the Namespace's labels were read whole (a label that failed validation is not known)."""
        return namespace not in self._labels_unreadable

    def namespace_defined(self, namespace: str) -> bool:
        """Whether the input holds the Namespace object (and so its labels)."""
        return namespace in self._namespace_labels

    def namespace_in_input(self, namespace: str) -> bool:
        """Whether the input holds any object in the namespace (else it is managed elsewhere)."""
        return namespace in self._object_namespaces

    def grants_in(self, namespace: str, counts: Callable[[ReferenceGrant], bool] = _every_grant) -> list[ReferenceGrant]:
        """The ReferenceGrants in `namespace` that `counts` keeps (those that may be applied with the reference)."""
        return [grant for grant in self._grants.get(namespace, ()) if counts(grant)]

    def may_permit(self, source: GrantFrom, namespace: str, group: str, kind: str, name: str,
                   counts: Callable[[ReferenceGrant], bool] = _every_grant) -> bool:
        """Whether a ReferenceGrant permits the reference, or one that could not be read may."""
        grants = self.grants_in(namespace, counts)
        if _permitting(grants, source, group, kind, name) or self.grants_unplaced:
            return True
        return not all(grant.readable("spec") for grant in grants)

    def secret_known(self, namespace: str, name: str) -> bool:
        return (namespace, name) in self._secrets
