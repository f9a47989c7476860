"""Which Gateway listeners a route attaches to, decided as the Gateway API specifies it.

Shared by the route rules and `portlint trace` (as ports.py is for Service → pod). The spec,
from kubernetes-sigs/gateway-api apis/v1 (shared_types.go ParentReference, gateway_types.go
Listener and AllowedRoutes, httproute_types.go Hostnames):
- a parentRef selects the Gateway's listeners whose name is its sectionName and whose port is its
  port (each when set); no such listener → the route is not accepted (NoMatchingParent). When the
  input holds several definitions of the Gateway, those in the route's apply unit count, else the
  nearest across units (as for a Service's workloads: Cluster.nearest, portlint/model/units.py);
- a selected listener admits the route when allowedRoutes.namespaces allows the route's
  namespace (Same by default; All; Selector on the route's Namespace labels) and the route's kind
  is among allowedRoutes.kinds, or among the kinds the listener protocol carries when the list is
  empty (NotAllowedByListeners otherwise);
- an admitting listener takes the route when their hostnames intersect (a listener or route
  without hostnames matches every host); none → NoMatchingListenerHostname. A route attaches
  when any one listener takes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portlint.kinds import GATEWAY_API_GROUP
from portlint.model import NAMESPACE_NAME_LABEL, Cluster, Gateway, Listener, ParentRef, Route
from portlint.selectors import PodLabels

# the route kinds each core listener protocol carries (GRPCRoute over HTTP/2: h2c on HTTP, ALPN on
# HTTPS, apis/v1/grpcroute_types.go); TCPRoute on a TLS listener in Terminate mode was allowed
# before Gateway API v1.5, so it is not reported
PROTOCOL_KINDS = {
    "HTTP": ("HTTPRoute", "GRPCRoute"),
    "HTTPS": ("HTTPRoute", "GRPCRoute"),
    "TLS": ("TLSRoute",),
    "TCP": ("TCPRoute",),
    "UDP": ("UDPRoute",),
}
HOSTNAME_KINDS = ("HTTPRoute", "GRPCRoute", "TLSRoute")  # TCP and UDP routes and listeners have none


# --- hostnames ------------------------------------------------------------------------------------

def _suffix_of(wildcard: str, host: str) -> bool:
    """`*.example.com` matches one or more labels in front of example.com, never example.com itself."""
    return host.endswith(wildcard[1:])


def hostnames_intersect(listener_host: str | None, route_host: str) -> bool:
    if not listener_host:
        return True
    a, b = listener_host.lower(), route_host.lower()
    if a.startswith("*.") and b.startswith("*."):
        return _suffix_of(a, b) or _suffix_of(b, a) or a == b
    if a.startswith("*."):
        return _suffix_of(a, b)
    if b.startswith("*."):
        return _suffix_of(b, a)
    return a == b


def intersection(listener_host: str | None, route_hostnames: list[str]) -> list[str]:
    """The route's hostnames that the listener serves; without route hostnames, the listener's own."""
    if not route_hostnames:
        return [listener_host] if listener_host else []
    return [h for h in route_hostnames if hostnames_intersect(listener_host, h)]


# --- listener admission ---------------------------------------------------------------------------

def allowed_kinds(listener: Listener) -> tuple[str, ...] | None:
    """The Gateway API route kinds the listener accepts; None for an implementation-specific protocol."""
    carried = PROTOCOL_KINDS.get(listener.core_protocol)
    if carried is None:
        return None
    if listener.core_protocol == "TLS" and listener.tls_mode == "Terminate":
        carried += ("TCPRoute",)
    if not listener.kinds:
        return carried
    return tuple(kind for group, kind in listener.kinds if group == GATEWAY_API_GROUP and kind in carried)


def refusal(cluster: Cluster, gateway: Gateway, listener: Listener, route: Route) -> str | None:
    """Why the listener does not admit the route (namespace or kind), or None when it does."""
    allowed_from = listener.namespaces_from
    if allowed_from == "None":
        return "admits routes from no namespace (allowedRoutes.namespaces.from: None)"
    if allowed_from == "Same" and route.namespace != gateway.namespace:
        return (f"admits only routes in the Gateway's namespace {gateway.namespace} "
                f"(allowedRoutes.namespaces.from: {_from_text(listener)})")
    selector = listener.namespace_selector
    if allowed_from == "Selector" and selector is not None:
        namespace = cluster.namespace_near(route, route.namespace)
        labels = namespace.namespace_labels if namespace else {NAMESPACE_NAME_LABEL: route.namespace}
        if not selector.matches(PodLabels(labels)):
            return f"admits routes from namespaces labelled {selector}, and namespace {route.namespace} is not"
    kinds = allowed_kinds(listener)
    if kinds is not None and route.ref.kind not in kinds:
        carried = ", ".join(kinds) or "no route kind"
        why = "allowedRoutes.kinds" if listener.kinds else f"protocol {listener.core_protocol}"
        return f"accepts {carried} ({why}), not {route.ref.kind}"
    return None


def _from_text(listener: Listener) -> str:
    return "Same" if "from" in _namespaces_raw(listener) else "Same, the default"


def _namespaces_raw(listener: Listener) -> dict:
    allowed = listener.raw.get("allowedRoutes")
    namespaces = allowed.get("namespaces") if isinstance(allowed, dict) else None
    return namespaces if isinstance(namespaces, dict) else {}


# --- a parentRef's attachment ---------------------------------------------------------------------

@dataclass
class ListenerFit:
    """Whether one listener of a Gateway admits a route, and with which hostnames."""

    gateway: Gateway
    listener: Listener
    refusal: str | None  # why it does not admit the route
    hostnames: list[str] = field(default_factory=list)  # the intersected hostnames, when it admits it
    hostname_ok: bool = True

    @property
    def attached(self) -> bool:
        return self.refusal is None and self.hostname_ok


@dataclass
class Attachment:
    """What one parentRef of a route reaches: the Gateway's definitions and each selected listener's verdict."""

    route: Route
    parent: ParentRef
    gateways: list[Gateway]
    fits: list[ListenerFit]  # the listeners the parentRef selects (sectionName, port), over every definition

    @property
    def admitting(self) -> list[ListenerFit]:
        return [fit for fit in self.fits if fit.refusal is None]

    @property
    def attached(self) -> list[ListenerFit]:
        return [fit for fit in self.fits if fit.attached]


def attachment(cluster: Cluster, route: Route, parent: ParentRef) -> Attachment:
    """How `parent` (a Gateway parentRef of `route`) attaches; computed once for rules and trace."""
    answers = cluster.answers.setdefault("attachments", {})  # id(parent) → Attachment: its route is in the cluster
    found = answers.get(id(parent))
    if found is None:
        # of several definitions of the Gateway (variants, examples): those applied with the route, else the nearest
        gateways = cluster.nearest(route, cluster.gateway_api.parent_gateways(route, parent))
        fits = [_fit(cluster, gateway, listener, route)
                for gateway in gateways for listener in gateway.listeners if selects(parent, listener)]
        found = answers[id(parent)] = Attachment(route, parent, gateways, fits)
    return found


def selects(parent: ParentRef, listener: Listener) -> bool:
    return ((parent.section_name is None or parent.section_name == listener.name)
            and (parent.port is None or parent.port == listener.port))


def _fit(cluster: Cluster, gateway: Gateway, listener: Listener, route: Route) -> ListenerFit:
    fit = ListenerFit(gateway, listener, refusal(cluster, gateway, listener, route))
    if route.ref.kind in HOSTNAME_KINDS:
        fit.hostnames = intersection(listener.hostname, route.hostnames)
        fit.hostname_ok = not (listener.hostname and route.hostnames) or bool(fit.hostnames)
    return fit


def gateway_parents(route: Route) -> list[ParentRef]:
    return [parent for parent in route.parent_refs if parent.is_gateway]
