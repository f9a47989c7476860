"""Gateway API routing of an http(s) request: which listener of each Gateway takes it, and which HTTPRoute rule.

As the Gateway API specifies it (kubernetes-sigs/gateway-api apis/v1):
- a request arrives at the listeners on its port whose protocol is HTTP (http) or HTTPS (https);
  among those whose hostname matches the Host, the most specific wins: an exact hostname, then
  the wildcard with the most labels, then a listener without hostname (GatewaySpec.Listeners,
  "Listeners that are distinct only by Hostname"); each Gateway is its own entry point;
- the routes attached to that listener (portlint.attachment) apply when one of their hostnames,
  intersected with the listener's, matches the Host; a route without hostnames takes the listener's;
- across those routes' rules the match wins that has, in order (HTTPRouteRule.Matches): the
  route with the longest matching non-wildcard hostname, then the longest matching hostname
  (HTTPRouteSpec.Hostnames); an Exact path; the longest PathPrefix (element-wise by `/`, a
  trailing `/` ignored); a method; the most header matches (names case-insensitive); the most
  query parameter matches. Remaining ties go to the oldest route (creationTimestamp, when the
  manifest has one), then to the first by namespace/name, then to the first rule and match in
  the route. RegularExpression paths are implementation-specific: matched here with Python's
  `re` and ranked after the other path types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from portlint.attachment import ListenerFit, attachment, gateway_parents, hostnames_intersect
from portlint.model import Cluster, Gateway, Listener, ParentRef, Route, RouteMatch, RouteRule
from portlint.trace.routing import path_matches
from portlint.trace.targets import UrlTarget

EXACT, PREFIX, REGEX = "Exact", "PathPrefix", "RegularExpression"


@dataclass
class Attached:
    """A route attached to a listener through one of its parentRefs."""

    route: Route
    parent: ParentRef
    fit: ListenerFit


@dataclass
class Selection:
    """The rule of an HTTPRoute that a Gateway's listener sends the request to, and why."""

    gateway: Gateway
    listener: Listener
    route: Route | None = None  # None: the listener takes the request, but no rule matches it
    parent: ParentRef | None = None
    rule: RouteRule | None = None
    match: RouteMatch | None = None
    hostname: str | None = None  # the route (or listener) hostname that matched the Host
    notes: list[str] = field(default_factory=list)


def routes_by_listener(cluster: Cluster) -> dict[int, list[Attached]]:
    """Every route whose parentRef selects each listener (keyed by id of the listener), attached or not:
    built once per trace."""
    selected: dict[int, list[Attached]] = {}
    for route in cluster.routes:
        for parent in gateway_parents(route):
            for fit in attachment(cluster, route, parent).fits:
                selected.setdefault(id(fit.listener), []).append(Attached(route, parent, fit))
    return selected


def host_matches(pattern: str | None, host: str) -> bool:
    """Whether a hostname (exact, `*.` wildcard, or None for any) matches the request's Host."""
    if not pattern:
        return True
    return hostnames_intersect(pattern, host) if pattern.startswith("*.") else pattern.lower() == host


def _specificity(hostname: str | None) -> tuple[int, int]:
    if not hostname:
        return 0, 0
    return (1, hostname.count(".")) if hostname.startswith("*.") else (2, len(hostname))


def listener_for(gateway: Gateway, target: UrlTarget) -> Listener | None:
    protocol = "HTTPS" if target.tls else "HTTP"
    candidates = [listener for listener in gateway.listeners
                  if listener.port == target.port and listener.core_protocol == protocol
                  and host_matches(listener.hostname, target.host)]
    return max(candidates, key=lambda listener: _specificity(listener.hostname), default=None)


def select(cluster: Cluster, target: UrlTarget, attached: dict[int, list[Attached]]) -> list[Selection]:
    """One selection per Gateway with a listener that takes the request (its route may be None)."""
    selections = []
    for gateway in cluster.gateways:
        listener = listener_for(gateway, target)
        if listener is None:
            continue
        selection = _best_rule(gateway, listener, attached.get(id(listener), []), target)
        selections.append(selection)
    return selections


def _route_hostname(item: Attached, target: UrlTarget) -> tuple[bool, str | None, tuple[int, int]]:
    """Whether the route applies to the Host, the hostname that matched, and its precedence."""
    if not item.route.hostnames:
        listener_host = item.fit.listener.hostname
        return True, listener_host, (0, 0)
    matching = [h for h in item.fit.hostnames if host_matches(h, target.host)]
    if not matching:
        return False, None, (0, 0)
    best = max(matching, key=lambda h: (0 if h.startswith("*.") else len(h), len(h)))
    return True, best, (0 if best.startswith("*.") else len(best), len(best))


def _best_rule(gateway: Gateway, listener: Listener, candidates: list[Attached], target: UrlTarget) -> Selection:
    ranked = []
    for item in candidates:
        if item.route.ref.kind != "HTTPRoute" or not item.fit.attached:
            continue
        applies, hostname, host_rank = _route_hostname(item, target)
        if not applies:
            continue
        tie = (_created(item.route), f"{item.route.namespace}/{item.route.name}")
        for r, route_rule in enumerate(item.route.rules):
            for m, match in enumerate(route_rule.matches or [None]):
                if match is None or matches(match, target):
                    ranked.append((host_rank + _match_rank(match), tie, (r, m), item, route_rule, match, hostname))
    if not ranked:
        return Selection(gateway, listener)
    best = max(r[0] for r in ranked)
    winners = sorted((r for r in ranked if r[0] == best), key=lambda r: (r[1], r[2]))
    _, _, _, item, route_rule, match, hostname = winners[0]
    selection = Selection(gateway, listener, item.route, item.parent, route_rule, match, hostname)
    rivals = {(w[3].route.namespace, w[3].route.name) for w in winners[1:] if w[3].route is not item.route}
    if rivals:
        names = ", ".join(f"{ns}/{name}" for ns, name in sorted(rivals))
        selection.notes.append(f"HTTPRoute {names} matches as specifically; {_tie_text(item.route)} wins the tie")
    if match is not None and match.path_type == REGEX:
        selection.notes.append("the path is a RegularExpression: its dialect and precedence are the implementation's "
                               "(matched here with Python's re)")
    return selection


def _created(route: Route) -> str:
    metadata = route.raw.get("metadata")
    stamp = metadata.get("creationTimestamp") if isinstance(metadata, dict) else None
    return str(stamp) if stamp else "~"  # without a timestamp: after every timestamped route


def _tie_text(route: Route) -> str:
    if _created(route) != "~":
        return "the oldest route"
    return f"{route.namespace}/{route.name}, first by namespace/name,"


def _match_rank(match: RouteMatch | None) -> tuple:
    if match is None:  # a rule without matches: PathPrefix /
        return (0, 1, 1, 0, 0, 0)
    exact = match.path_type == EXACT
    prefix = len((match.path or "/").rstrip("/")) + 1 if match.path_type == PREFIX else 0
    return (int(exact), prefix, int(match.path_type != REGEX), int(match.method is not None),
            len(match.headers), len(match.query_params))


def matches(match: RouteMatch, target: UrlTarget) -> bool:
    return (_path_matches(match, target.path) and (match.method is None or match.method == target.method)
            and all(_header_matches(h.type, h.name, h.value, target.headers) for h in match.headers)
            and all(_query_matches(q.type, q.name, q.value, target.query) for q in match.query_params))


def _path_matches(match: RouteMatch, path: str) -> bool:
    value = match.path or "/"
    if match.path_type == EXACT:
        return path == value
    if match.path_type == REGEX:
        return _regex(value, path)
    return path_matches("Prefix", value, path)


def _regex(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return False


def _header_matches(kind: str, name: str, value: str, headers: tuple[tuple[str, str], ...]) -> bool:
    given = next((v for n, v in headers if n.lower() == name.lower()), None)
    return given is not None and (_regex(value, given) if kind == REGEX else given == value)


def _query_matches(kind: str, name: str, value: str, query: tuple[tuple[str, str], ...]) -> bool:
    given = next((v for n, v in query if n == name), None)  # the first value of a repeated parameter
    return given is not None and (_regex(value, given) if kind == REGEX else given == value)


def match_text(match: RouteMatch | None) -> str:
    if match is None:
        return "path / (PathPrefix, every request)"
    parts = [f"path {match.path} ({match.path_type})"]
    if match.method:
        parts.append(f"method {match.method}")
    parts += [f"header {h.name}{'~' if h.type == REGEX else '='}{h.value}" for h in match.headers]
    parts += [f"query {q.name}{'~' if q.type == REGEX else '='}{q.value}" for q in match.query_params]
    return " · ".join(parts)
