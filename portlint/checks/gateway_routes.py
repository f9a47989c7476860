"""Route → Gateway: does each parentRef name a Gateway and a listener, does a listener admit the route,
and do their hostnames meet? (The attachment itself is decided in portlint.attachment.)"""

from __future__ import annotations

from typing import Iterator

from portlint.attachment import Attachment, ListenerFit, allowed_kinds, attachment, gateway_parents, refusal, selects
from portlint.engine import rule
from portlint.findings import Finding
from portlint.model import Cluster, Gateway, ParentRef, Route
from portlint.names import is_placeholder
from portlint.settings import Settings
from portlint.similar import similar


def _attachments(cluster: Cluster) -> Iterator[Attachment]:
    for route in cluster.routes:
        for parent in gateway_parents(route):
            if not is_placeholder(parent.name):
                yield attachment(cluster, route, parent)


def _listeners_readable(found: Attachment) -> bool:
    """Whether every listener of the Gateway was read: one left out as invalid may be the one that fits."""
    return all(gateway.readable("spec.listeners") for gateway in found.gateways)


def _listeners_text(gateway: Gateway) -> str:
    return ", ".join(listener.describe() for listener in gateway.listeners) or "none"


# --- route-parent-missing -------------------------------------------------------------------------

@rule("route-parent-missing")
def route_parent_missing(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    index = cluster.gateway_api
    for found in _attachments(cluster):
        route, parent = found.route, found.parent
        if not found.gateways:
            if cluster.may_hold_unplaced("Gateway"):
                continue  # a Gateway whose name failed validation may be this one
            elsewhere = [g for g in index.gateway_named(parent.name) if g.namespace != parent.namespace]
            if not index.gateways_in(parent.namespace) and not elsewhere:
                continue  # the platform's Gateways are installed from another repository
            yield route.finding(
                f"parentRef names Gateway {parent.name!r}, which is not in namespace {parent.namespace}: "
                f"the route attaches to nothing and serves no request",
                _missing_gateway_hint(cluster, route, parent, elsewhere), at=parent, key="name",
                related=[g.related() for g in elsewhere[:1]])
        elif not found.fits and _listeners_readable(found):
            gateway = found.gateways[0]
            wanted = " and ".join(w for w in (f"sectionName {parent.section_name!r}" if parent.section_name else "",
                                              f"port {parent.port}" if parent.port else "") if w)
            yield route.finding(
                f"parentRef {wanted} matches no listener of Gateway {gateway.namespace}/{gateway.name} "
                f"(listeners: {_listeners_text(gateway)}): the route is not accepted (NoMatchingParent)",
                _listener_hint(gateway, parent), at=parent, key="sectionName" if parent.section_name else "port",
                related=[gateway.related()])


def _missing_gateway_hint(cluster: Cluster, route: Route, parent: ParentRef, elsewhere: list[Gateway]) -> str:
    if elsewhere:
        gateway = elsewhere[0]
        where = gateway.namespace
        if _admits_only_its_own_namespace(cluster, gateway, parent, route):
            # naming the namespace in the parentRef would only trade this finding for NotAllowedByListeners
            return (f"a Gateway {parent.name!r} exists in namespace {where}, and the listeners the parentRef selects "
                    f"admit only routes in {where} (allowedRoutes.namespaces.from: Same): set the route's "
                    f"metadata.namespace to {where} (or apply it with -n {where})")
        return (f"a Gateway {parent.name!r} exists in namespace {where}: set `namespace: {where}` in the parentRef "
                f"(a parentRef without namespace means the route's own namespace, {route.namespace})")
    here = sorted(cluster.gateway_api.gateways_in(parent.namespace))
    close = [name for name in here if similar(name, parent.name)]
    if close:
        return f"did you mean Gateway {close[0]!r}? Names are case-sensitive"
    return f"Gateways in namespace {parent.namespace}: {', '.join(here[:6])}; name one of them, or create the Gateway"


def _admits_only_its_own_namespace(cluster: Cluster, gateway: Gateway, parent: ParentRef, route: Route) -> bool:
    """Whether no listener the parentRef selects would take the route from its namespace, and one would take
    it from the Gateway's own (from: Same, the route's kind allowed)."""
    if not gateway.readable("spec.listeners"):
        return False
    listeners = [listener for listener in gateway.listeners if selects(parent, listener)]
    if any(refusal(cluster, gateway, listener, route) is None for listener in listeners):
        return False
    return any(listener.namespaces_from == "Same" and route.ref.kind in (allowed_kinds(listener) or (route.ref.kind,))
               for listener in listeners)


def _listener_hint(gateway: Gateway, parent: ParentRef) -> str:
    names = [listener.name for listener in gateway.listeners]
    close = [name for name in names if parent.section_name and similar(name, parent.section_name)]
    if close:
        return f"did you mean sectionName: {close[0]}? sectionName is a listener's name"
    if parent.section_name and parent.port and parent.section_name in names:
        port = next(listener.port for listener in gateway.listeners if listener.name == parent.section_name)
        return f"listener {parent.section_name} listens on port {port}: set the parentRef's port to it, or drop port"
    return "set sectionName to a listener's name (or drop it to attach to every listener that admits the route)"


# --- route-not-allowed ----------------------------------------------------------------------------

@rule("route-not-allowed")
def route_not_allowed(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for found in _attachments(cluster):
        if not found.fits or found.admitting or not _listeners_readable(found) or not _labels_known(cluster, found):
            continue
        route, gateway = found.route, found.fits[0].gateway
        reasons = "; ".join(f"listener {fit.listener.name} {fit.refusal}" for fit in found.fits)
        yield route.finding(
            f"no listener of Gateway {gateway.namespace}/{gateway.name} that the parentRef selects admits this "
            f"{route.ref.kind} from namespace {route.namespace}: {reasons} (NotAllowedByListeners)",
            _admission_hint(cluster, route, found.fits[0]), at=found.parent, key="name", related=[gateway.related()])


def _labels_known(cluster: Cluster, found: Attachment) -> bool:
    """A namespace selector is judged only on labels that were read (and no Namespace is unplaced)."""
    if not any(fit.listener.namespaces_from == "Selector" for fit in found.fits):
        return True
    return cluster.gateway_api.labels_readable(found.route.namespace) and not cluster.may_hold_unplaced("Namespace")


def _admission_hint(cluster: Cluster, route: Route, fit: ListenerFit) -> str:
    listener, gateway = fit.listener, fit.gateway
    if "allowedRoutes.namespaces.from" in (fit.refusal or "") and listener.namespaces_from != "None":
        return (f"on listener {listener.name} of Gateway {gateway.name}, set allowedRoutes.namespaces.from: All, or "
                f"Selector with a selector that picks namespace {route.namespace}; or move the route to namespace "
                f"{gateway.namespace}")
    if listener.namespaces_from == "Selector":
        where = "" if cluster.gateway_api.namespace_defined(route.namespace) else (
            f" (the input has no Namespace {route.namespace}, so only its kubernetes.io/metadata.name label is known)")
        return (f"label namespace {route.namespace} to match {listener.namespace_selector}{where}, or widen the "
                f"listener's selector")
    if listener.namespaces_from == "None":
        return f"set allowedRoutes.namespaces.from on listener {listener.name} to Same, All or Selector"
    return (f"attach the route to a listener whose protocol carries {route.ref.kind} "
            f"(HTTPRoute and GRPCRoute: HTTP/HTTPS; TLSRoute: TLS; TCPRoute: TCP; UDPRoute: UDP), "
            f"or add it to allowedRoutes.kinds")


# --- route-hostname-mismatch ----------------------------------------------------------------------

@rule("route-hostname-mismatch")
def route_hostname_mismatch(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for found in _attachments(cluster):
        admitting = found.admitting
        if not admitting or found.attached:
            continue
        route = found.route
        if any(is_placeholder(h) for h in route.hostnames) or not route.readable("spec.hostnames"):
            continue
        if not _listeners_readable(found):
            continue
        listeners = ", ".join(f"{fit.listener.name} ({fit.listener.hostname})" for fit in admitting)
        gateway = admitting[0].gateway
        yield route.finding(
            f"none of the route's hostnames ({', '.join(route.hostnames)}) intersects the hostname of the listeners "
            f"of Gateway {gateway.namespace}/{gateway.name} that admit it: {listeners}; the route is not accepted "
            f"(NoMatchingListenerHostname)",
            _hostname_hint(admitting), at=route, key="spec.hostnames", related=[gateway.related()])


def _hostname_hint(admitting: list[ListenerFit]) -> str:
    host = admitting[0].listener.hostname or ""
    if host.startswith("*."):
        return (f"a listener wildcard {host} matches one or more labels in front of {host[2:]}, never {host[2:]} "
                f"itself: use a hostname below it, or add a listener for {host[2:]}")
    return f"add {host} to the route's hostnames (or drop hostnames to take the listener's), or change the listener"
