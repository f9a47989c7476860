"""Which Ingress rule serves a URL, with the matching semantics of the Ingress API.

From the Ingress documentation ("Path types", "Examples", "Multiple matches", "Hostname
wildcards") and what the controllers do with it:
- a rule host matches exactly (case-insensitively, as DNS names compare); `*.example.com`
  matches exactly one extra leading label (`a.example.com`, not `example.com` nor `a.b.example.com`);
  a rule without a host matches every host. A host that has rules of its own is served by them
  only: the host-less rules are the catch-all server (ingress-nginx's `_`), consulted for other hosts;
- `Exact` matches the path exactly, case-sensitively; `Prefix` matches element by element on
  `/` (`/foo` matches `/foo`, `/foo/` and `/foo/bar`, not `/foobar`; a trailing slash is ignored);
  `ImplementationSpecific` is up to the controller: treated here as `Prefix`, with a note;
- the longest matching path wins, and `Exact` wins over `Prefix` of the same length;
- with no matching path, the Ingress `defaultBackend` (if any) gets the request.
Rules of every Ingress a controller serves are merged by host (the merge domain of the
ingress-rule-conflict check: the IngressClass; GKE: each Ingress alone; ALB: its group).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portlint.checks.ingress import NGINX_CANARY, effective_path_type, merge_domain
from portlint.model import Ingress, IngressBackend, IngressPath, IngressRule, IngressTLS
from portlint.similar import similar

EXACT, PREFIX, IMPLEMENTATION_SPECIFIC = "Exact", "Prefix", "ImplementationSpecific"
HOST_EXACT, HOST_WILDCARD, HOST_ANY, NO_MATCH = 2, 1, 0, -1


@dataclass
class Route:
    """The backend an ingress controller sends the request to, and why."""

    ingress: Ingress
    backend: IngressBackend
    rule: IngressRule | None = None
    path: IngressPath | None = None  # None: the Ingress defaultBackend
    path_type: str | None = None
    tls: tuple[Ingress, IngressTLS] | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Miss:
    """No Ingress serves the request: why, and what to do."""

    reason: str
    hint: str


# --- matching -------------------------------------------------------------------------------------

def host_match(rule_host: str | None, host: str) -> int:
    """How a rule's host matches the request's: HOST_EXACT, HOST_WILDCARD, HOST_ANY, or NO_MATCH."""
    if not rule_host:
        return HOST_ANY
    rule_host = rule_host.lower()
    if rule_host.startswith("*."):
        first, dot, rest = host.partition(".")
        return HOST_WILDCARD if dot and first and rest == rule_host[2:] else NO_MATCH
    return HOST_EXACT if rule_host == host else NO_MATCH


def path_matches(path_type: str | None, rule_path: str | None, request_path: str) -> bool:
    rule_path = rule_path or "/"
    if path_type == EXACT:
        return request_path == rule_path
    wanted = _elements(rule_path)
    return _elements(request_path)[: len(wanted)] == wanted


def _elements(path: str) -> list[str]:
    return [element for element in path.split("/") if element]


def precedence(path_type: str | None, rule_path: str | None) -> tuple[int, bool]:
    """Longest path first, then Exact before Prefix (a Prefix's trailing slash does not count)."""
    rule_path = rule_path or "/"
    if path_type == EXACT:
        return len(rule_path), True
    return len(rule_path.rstrip("/")), False


# --- routing --------------------------------------------------------------------------------------

def route_url(ingresses: list[Ingress], host: str, request_path: str) -> list[Route] | Miss:
    """One Route per ingress controller (merge domain) that serves the URL, or why none does."""
    domains: dict[tuple, list[Ingress]] = {}
    for ingress in ingresses:
        if ingress.annotations.get(NGINX_CANARY) != "true":  # a canary only takes a share of a route
            domains.setdefault(merge_domain(ingress), []).append(ingress)
    by_rule, by_default = [], []
    for members in domains.values():
        candidates = _host_rules(members, host)
        route = _best_path(candidates, request_path)
        if route:
            by_rule.append(route)
            continue
        default = _default_backend(members, [ingress for ingress, _ in candidates])
        if default:
            by_default.append(default)
            default.notes.append(_default_note(candidates, host, request_path))
    routes = by_rule or by_default
    tls = TlsIndex(ingresses)
    for route in routes:
        route.tls = tls.lookup(route.ingress, host)
    return routes or _miss(domains, host, request_path)


def _host_rules(members: list[Ingress], host: str) -> list[tuple[Ingress, IngressRule]]:
    """The rules of the best host match level (exact, then wildcard, then host-less) in one controller."""
    scored = [(host_match(rule.host, host), ingress, rule) for ingress in members for rule in ingress.rules]
    best = max((level for level, _, _ in scored), default=NO_MATCH)
    return [(ingress, rule) for level, ingress, rule in scored if level == best and best != NO_MATCH]


def _best_path(candidates: list[tuple[Ingress, IngressRule]], request_path: str) -> Route | None:
    matching = []
    for ingress, rule in candidates:
        for path in rule.paths:
            path_type = effective_path_type(ingress, path)
            if path_matches(path_type, path.path, request_path):
                matching.append((precedence(path_type, path.path), ingress, rule, path, path_type))
    if not matching:
        return None
    best = max(key for key, *_ in matching)
    (_, ingress, rule, path, path_type), *ties = [m for m in matching if m[0] == best]  # input order breaks ties
    route = Route(ingress, path.backend, rule, path, path_type)
    if path_type != EXACT and path_type != PREFIX:
        route.notes.append(f"pathType {path_type or '(none)'} is matched here as Prefix; the controller decides "
                           f"(ingress-nginx: a prefix, or a regular expression with use-regex)")
    for _, other, _, other_path, _ in ties:
        if _same_backend(ingress, path.backend, other, other_path.backend):
            continue
        route.notes.append(f"Ingress {other.namespace}/{other.name} routes the same path {other_path.path or '/'!r} "
                           f"too; the controller serves only one of them (ingress-nginx: the older Ingress)")
    return route


def _same_backend(ingress: Ingress, backend: IngressBackend, other: Ingress, other_backend: IngressBackend) -> bool:
    return (ingress.namespace, backend.service_name, backend.port_number, backend.port_name) == (
        other.namespace, other_backend.service_name, other_backend.port_number, other_backend.port_name)


def _default_backend(members: list[Ingress], holding_host: list[Ingress]) -> Route | None:
    """The defaultBackend of an Ingress that has rules for the host, else of any Ingress of the controller."""
    for ingress in holding_host + members:
        if ingress.default_backend:
            return Route(ingress, ingress.default_backend)
    return None


def _default_note(candidates: list[tuple[Ingress, IngressRule]], host: str, request_path: str) -> str:
    if candidates:
        return f"no path of the rules for host {host} matches {request_path}: the defaultBackend serves it"
    return f"no rule matches host {host}: the defaultBackend serves it"


class TlsIndex:
    """Which TLS entry terminates a host, per controller (merge domain): built once, asked per route."""

    def __init__(self, ingresses: list[Ingress]):
        self._by_host: dict[tuple, dict[str, tuple[Ingress, IngressTLS]]] = {}
        self._own: dict[int, tuple[dict[str, int], int | None]] = {}  # per Ingress, made when first asked
        for ingress in ingresses:
            table = self._by_host.setdefault(merge_domain(ingress), {})
            for tls in ingress.tls:
                for tls_host in tls.hosts:
                    table.setdefault(tls_host.lower(), (ingress, tls))

    def lookup(self, ingress: Ingress, host: str | None) -> tuple[Ingress, IngressTLS] | None:
        """The TLS entry for `host` (None: a host-less rule): the route's own Ingress first, then the
        others its controller merges. An entry without hosts covers the hosts of its own Ingress."""
        own = self._own_entry(ingress, host)
        if own is not None:
            return ingress, own
        if host is None:
            return None
        table = self._by_host.get(merge_domain(ingress), {})
        host = host.lower()
        _, _, parent = host.partition(".")
        return table.get(host) or (table.get(f"*.{parent}") if parent else None)


    def _own_entry(self, ingress: Ingress, host: str | None) -> IngressTLS | None:
        """The first of the Ingress's own TLS entries that has no hosts or a host that host_match()es
        `host` exactly or as a wildcard: by look-up, as an Ingress may have a TLS host per rule."""
        if id(ingress) not in self._own:
            first: dict[str, int] = {}
            for index, tls in enumerate(ingress.tls):
                for tls_host in tls.hosts:
                    first.setdefault(tls_host.lower(), index)
            hostless = next((index for index, tls in enumerate(ingress.tls) if not tls.hosts), None)
            self._own[id(ingress)] = first, hostless
        first, hostless = self._own[id(ingress)]
        found = [hostless] if hostless is not None else []
        if host is not None:
            label, dot, parent = host.partition(".")
            found += [first[h] for h in (host, f"*.{parent}" if dot and label else None) if h in first]
        return ingress.tls[min(found)] if found else None


def _miss(domains: dict[tuple, list[Ingress]], host: str, request_path: str) -> Miss:
    members = [ingress for group in domains.values() for ingress in group]
    if not members:
        return Miss("the input has no Ingress, so nothing routes http(s) requests into the cluster",
                    f"add an Ingress with a rule for host {host}")
    with_host = [(ingress, rule) for ingress in members for rule in ingress.rules
                 if host_match(rule.host, host) != NO_MATCH]
    if with_host:
        paths = sorted({f"{p.path or '/'} ({effective_path_type(i, p) or 'no pathType'})"
                        for i, r in with_host for p in r.paths})
        owners = sorted({f"{i.namespace}/{i.name}" for i, _ in with_host})
        return Miss(f"Ingress {', '.join(owners)} has rules for host {host}, but no path matches {request_path} "
                    f"(paths: {', '.join(paths) or 'none'})",
                    f"add a path that matches {request_path} (Prefix paths match whole '/'-separated elements), "
                    f"or a defaultBackend")
    hosts = sorted({rule.host.lower() for ingress in members for rule in ingress.rules if rule.host})
    close = [h for h in hosts if similar(h, host)]
    hint = (f"did you mean {close[0]}?" if close else
            f"add a rule for host {host} to an Ingress (hosts in the input: {', '.join(hosts[:6]) or 'none'})")
    return Miss(f"no Ingress rule matches host {host}, and no Ingress has a defaultBackend", hint)
