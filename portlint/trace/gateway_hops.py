"""The Gateway API entry point of `portlint trace`: client → Gateway listener → route → Service → ...

For a URL, each Gateway whose listener takes the request is one way in (portlint.trace.gateway
picks the listener and the HTTPRoute rule); the rule's backendRefs split the traffic by weight,
so each backendRef with a weight above 0 is one path, from the route on through the Service
chain of the Tracer. A RequestRedirect filter answers the client instead: the path ends at a
redirect hop that says where to. `--all` lists every listener with the routes attached to it,
whatever their kind.
"""

from __future__ import annotations

from portlint.attachment import ListenerFit, attachment
from portlint.model import BackendRef, Gateway, Listener, ParentRef, RequestRedirect, Route, RouteMatch, RouteRule
from portlint.trace.gateway import Attached, Selection, match_text, routes_by_listener, select
from portlint.trace.hops import Claim, Entry, Hop, TracePath
from portlint.trace.backends import UNTRACED, _hop, _name
from portlint.trace.paths import EXTERNAL, Tracer
from portlint.trace.targets import UrlTarget

SCHEMES = {"HTTP": "http", "HTTPS": "https", "TLS": "tls", "TCP": "tcp", "UDP": "udp"}
WELL_KNOWN_PORTS = {"http": 80, "https": 443}


class GatewayEntries:
    """Builds the Gateway API paths for the Tracer (which judges hops and follows Services)."""

    def __init__(self, tracer: Tracer):  # the base Tracer (trace/paths.py): it judges hops and follows Services
        self.tracer = tracer
        self.cluster = tracer.cluster
        self._attached = routes_by_listener(self.cluster)
        self._classes = {obj.name: obj for obj in self.cluster.objects if obj.ref.kind == "GatewayClass"}

    @property
    def present(self) -> bool:
        return bool(self.cluster.gateways)

    # --- a URL ------------------------------------------------------------------------------------

    def url_paths(self, client: Hop, target: UrlTarget) -> list[TracePath]:
        selections = select(self.cluster, target, self._attached)
        if not selections:
            return [TracePath([client, self._no_listener(target)])]
        paths = []
        for selection in selections:
            self.tracer.send_through(selection.gateway)
            gateway_hop = self.gateway_hop(selection.gateway, selection.listener, edge=f"{target.host}:{target.port}")
            if selection.route is None:
                paths.append(TracePath([client, gateway_hop, self._no_rule(selection, target)]))
                continue
            match = selection.match
            edge = f"{selection.hostname or target.host}{match.path if match and match.path else '/'}"
            paths += self.rule_paths([client, gateway_hop], selection.route, selection.rule, selection.parent,
                                     match, edge, selection.notes, target)
        return paths

    def _no_listener(self, target: UrlTarget) -> Hop:
        protocol = "HTTPS" if target.tls else "HTTP"
        hop = Hop("gateway", f"Gateway listener for {target.scheme}://{target.host}:{target.port}",
                  node=("gateway", None))
        listeners = sorted({f"{_name(g)} {listener.describe()}" for g in self.cluster.gateways for listener in g.listeners})
        return hop.fail(f"no Gateway has a {protocol} listener on port {target.port} whose hostname matches "
                        f"{target.host}", f"listeners in the input: {'; '.join(listeners[:6]) or 'none'}")

    def _no_rule(self, selection: Selection, target: UrlTarget) -> Hop:
        selected = [a for a in self._attached.get(id(selection.listener), []) if a.route.ref.kind == "HTTPRoute"]
        refused = self._refused(selected)
        if refused:  # a route meant for this listener is not accepted: its finding is the reason
            return self._refused_hop(refused[0], f"{target.host}{target.path}")
        hop = Hop("route", f"HTTPRoute for {target.method} {target.host}{target.path}",
                  node=("route", selection.gateway.ref, selection.listener.name))
        names = ", ".join(sorted({_name(a.route) for a in selected})) or "none"
        return hop.fail(f"listener {selection.listener.name} takes the request, but no rule of the HTTPRoutes attached "
                        f"to it matches {target.method} {target.host}{target.path}: the Gateway answers 404 "
                        f"(HTTPRoutes attached: {names})",
                        "add a rule that matches the request (a PathPrefix matches whole '/'-separated elements), "
                        "or attach the route to this listener")

    def _refused(self, selected: list[Attached]) -> list[Attached]:
        """The routes a listener refuses that attach nowhere else through that parentRef."""
        return [a for a in selected if not a.fit.attached and not attachment(self.cluster, a.route, a.parent).attached]

    def _refused_hop(self, item: Attached, edge: str) -> Hop:
        route, listener = item.route, item.fit.listener
        hop = _hop("route", f"{route.ref.kind} {_name(route)} (not attached to listener {listener.name})",
                   route, item.parent, node=("route", route.ref), edge=edge)
        self.tracer.judge(hop, Claim(route.ref, route.file, under=(item.parent.json_path,
                                                                   route.field_path("spec.hostnames"))))
        if hop.ok:
            hop.fail(f"the route is not attached to listener {listener.name}: "
                     f"{item.fit.refusal or 'their hostnames do not intersect'}")
        return hop

    # --- hops -------------------------------------------------------------------------------------

    def gateway_hop(self, gateway: Gateway, listener: Listener, edge: str) -> Hop:
        label = f"Gateway {_name(gateway)} · {self._class_text(gateway)} · listener {listener.describe()}"
        hop = _hop("gateway", label, gateway, listener, port=listener.port,
                   node=("gateway", gateway.ref, listener.name), edge=edge)
        hop.notes.append(_tls_note(listener))
        fields = (listener.json_path, gateway.field_path("apiVersion"), gateway.field_path("spec.gatewayClassName"))
        return self.tracer.judge(hop, Claim(gateway.ref, gateway.file, under=fields))

    def route_hop(self, route: Route, parent: ParentRef, route_rule: RouteRule, what: str, backend: BackendRef | None,
                  share: str, edge: str, port: int | None) -> Hop:
        target = f" → {backend.describe()}{share}" if backend else ""
        label = f"{route.ref.kind} {_name(route)} · {what}{target}"
        at, key = (backend, "name") if backend else (route_rule, None)
        hop = _hop("route", label, route, at, key=key, port=port, node=("route", route.ref), edge=edge)
        fields = [parent.json_path, route.field_path("spec.hostnames"), route.field_path("apiVersion"),
                  f"{route_rule.json_path}.matches", f"{route_rule.json_path}.filters"]
        fields += [backend.json_path] if backend else []
        return self.tracer.judge(hop, Claim(route.ref, route.file, under=tuple(fields)))

    def rule_paths(self, before: list[Hop], route: Route, route_rule: RouteRule, parent: ParentRef,
                   match: RouteMatch | None, edge: str, notes: list[str], target: UrlTarget | None,
                   what: str | None = None) -> list[TracePath]:
        what = what or match_text(match)
        if route_rule.redirect is not None:
            hop = self.route_hop(route, parent, route_rule, what, None, "", edge, before[-1].port)
            hop.notes += notes
            host = edge.split("/", 1)[0]
            return [TracePath(before + [hop, self._redirect_hop(route, route_rule.redirect, match, target, host)])]
        carrying = [b for b in route_rule.backend_refs if b.weight > 0]
        total = sum(b.weight for b in carrying)
        if not carrying:
            hop = self.route_hop(route, parent, route_rule, what, None, "", edge, before[-1].port)
            hop.notes += notes
            reason = ("every backendRef of the rule has weight 0" if route_rule.backend_refs
                      else "the rule has no backendRefs and no redirect")
            return [TracePath(before + [hop.fail(f"{reason}: the Gateway answers 500",
                                                 "give a backendRef a weight above 0, or add one")])]
        paths = []
        for backend in carrying:
            share = f" · weight {backend.weight}/{total}" if len(route_rule.backend_refs) > 1 else ""
            hop = self.route_hop(route, parent, route_rule, what, backend, share, edge, before[-1].port)
            hop.notes += notes + [f"backendRef {b.describe()} has weight 0: it gets no traffic (it is still checked)"
                                  for b in route_rule.backend_refs if b.weight == 0]
            for path in self.backend_paths(before + [hop], backend):
                if share and len(path.hops) > len(before) + 1:  # the graph's edge into the Service shows the share
                    path.hops[len(before) + 1].edge = f"{round(100 * backend.weight / total)}% :{backend.port}"
                paths.append(path)
        return paths

    def backend_paths(self, before: list[Hop], backend: BackendRef) -> list[TracePath]:
        hop = before[-1]
        if not backend.is_service:
            hop.notes.append(UNTRACED + f"the backend is a {backend.kind} ({backend.group}), not a Service")
            return [TracePath(before)]
        services = self.cluster.service_definitions(backend.namespace, backend.name)
        if not services:
            if hop.ok:
                hop.notes.append(UNTRACED + f"Service {backend.name} is not in the input for namespace {backend.namespace}")
            return [TracePath(before)]
        for service in services:
            chosen = [sp for sp in service.ports if sp.port == backend.port]
            if chosen:
                return self.tracer.service_paths(before, service, chosen[0])
        if hop.ok:
            hop.notes.append(UNTRACED + f"Service {backend.name} has no port {backend.port}")
        return [TracePath(before)]

    def _redirect_hop(self, route: Route, redirect: RequestRedirect, match: RouteMatch | None,
                      target: UrlTarget | None, hostname: str) -> Hop:
        location = _location(redirect, match, target, hostname)
        hop = _hop("redirect", f"redirect {redirect.status_code} → {location}", route, redirect,
                   node=("redirect", location), edge=str(redirect.status_code))
        hop.notes.append("the Gateway answers the client with this redirect; the request reaches no backend")
        return hop

    # --- --all ------------------------------------------------------------------------------------

    def entries(self) -> list[Entry]:
        entries = []
        for gateway in self.cluster.gateways:
            for listener in gateway.listeners:
                selected = self._attached.get(id(listener), [])
                attached = [a for a in selected if a.fit.attached]
                if not attached:
                    entries.append(self._unused_listener(gateway, listener, self._refused(selected)))
                for item in attached:
                    entries += self._attached_entries(gateway, listener, item)
        return entries

    def _unused_listener(self, gateway: Gateway, listener: Listener, refused: list[Attached]) -> Entry:
        title = _title(gateway, listener, listener.hostname, "")
        client = _hop("client", f"client → {title}", None, None, port=listener.port, node=EXTERNAL)
        hop = self.gateway_hop(gateway, listener, edge=f":{listener.port}")
        if refused:
            return Entry(title, [TracePath([client, hop, self._refused_hop(item, f":{listener.port}")])
                                 for item in refused])
        hop.notes.append(UNTRACED + "no route in the input is attached to this listener")
        return Entry(title, [TracePath([client, hop])])

    def _attached_entries(self, gateway: Gateway, listener: Listener, item: Attached) -> list[Entry]:
        entries = []
        route, fit = item.route, item.fit
        hostname = _shown_hostname(fit)
        self.tracer.send_through(gateway)
        for route_rule in route.rules:
            for match in route_rule.matches or [None]:
                path = match.path if match is not None and match.path else ""
                title = _title(gateway, listener, hostname, path)
                client = _hop("client", f"client → {title}", None, None, port=listener.port, node=EXTERNAL)
                gateway_hop = self.gateway_hop(gateway, listener, edge=f":{listener.port}")
                what = match_text(match) if route.ref.kind == "HTTPRoute" else _rule_text(route, fit)
                edge = f"{hostname or '*'}{path}" if listener.core_protocol in ("HTTP", "HTTPS") else f":{listener.port}"
                entries.append(Entry(title, self.rule_paths([client, gateway_hop], route, route_rule, item.parent,
                                                             match, edge, [], None, what)))
                if route.ref.kind != "HTTPRoute":
                    break
        return entries

    # --- texts ------------------------------------------------------------------------------------

    def _class_text(self, gateway: Gateway) -> str:
        obj = self._classes.get(gateway.class_name or "")
        controller = getattr(obj, "controller_name", None)
        return f"class {gateway.class_name}" + (f" ({controller})" if controller else "")


def _tls_note(listener: Listener) -> str:
    if listener.core_protocol in ("HTTP", "TCP", "UDP"):
        return f"no TLS: plain {listener.core_protocol.lower()}"
    if listener.core_protocol not in ("HTTPS", "TLS"):
        return f"protocol {listener.protocol} is the implementation's own: not traced by its rules"
    if listener.tls_mode == "Passthrough":
        return "TLS passthrough: the Gateway routes by the server name and does not terminate TLS"
    secrets = ", ".join(f"Secret {r.namespace}/{r.name}" if r.is_secret else f"{r.kind} {r.name}"
                        for r in listener.certificate_refs) or "no certificateRefs"
    return f"TLS is terminated at the Gateway with {secrets}"


def _location(redirect: RequestRedirect, match: RouteMatch | None, target: UrlTarget | None, hostname: str) -> str:
    """The Location header (HTTPRequestRedirectFilter): each part from the filter, else from the request
    (without a request, as --all traces: the route's hostname, and … for the request's path)."""
    scheme = redirect.scheme or (target.scheme if target else "")
    host = redirect.hostname or (target.host if target else hostname)
    if redirect.port:
        port = redirect.port
    elif redirect.scheme:
        port = WELL_KNOWN_PORTS[redirect.scheme]  # a scheme redirect goes to the scheme's port
    else:
        port = target.port if target else None  # the listener's port
    port_text = f":{port}" if port and port != WELL_KNOWN_PORTS.get(scheme) else ""
    path = target.path if target else "/…"
    if redirect.path_type == "ReplaceFullPath":
        path = redirect.path_value or "/"
    elif redirect.path_type == "ReplacePrefixMatch" and target is not None and match is not None:
        rest = target.path[len((match.path or "/").rstrip("/")):]
        path = ((redirect.path_value or "").rstrip("/") + rest) or "/"
        path = path if path.startswith("/") else "/" + path
    return f"{scheme + '://' if scheme else '//'}{host}{port_text}{path}"


def _shown_hostname(fit: ListenerFit) -> str | None:
    return fit.hostnames[0] if fit.hostnames else fit.listener.hostname


def _title(gateway: Gateway, listener: Listener, hostname: str | None, path: str) -> str:
    scheme = SCHEMES.get(listener.core_protocol, listener.protocol)
    port = "" if listener.port == WELL_KNOWN_PORTS.get(scheme) else f":{listener.port}"
    host = hostname or ("*" if scheme in ("http", "https", "tls") else f"{_name(gateway)}")
    return f"{scheme}://{host}{port}{path or ('/' if scheme in ('http', 'https') else '')}"


def _rule_text(route: Route, fit: ListenerFit) -> str:
    if route.ref.kind in ("TLSRoute", "GRPCRoute") and fit.hostnames:
        return f"hostnames {', '.join(fit.hostnames)}"
    return "every connection" if route.ref.kind in ("TCPRoute", "UDPRoute", "TLSRoute") else "every request"
