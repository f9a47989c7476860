"""Gateway API: Gateways and listeners, GatewayClasses, the five route kinds, ReferenceGrants.

The CRDs' defaults are applied here (see portlint.model.gateway), so rules and trace read
effective values; a field's own position stays reachable through each node's `raw`. Entries
that failed validation are holes in the readable view, skipped (`_items`).
"""

from __future__ import annotations

from portlint.builder.common import _items, _join, _list, _mapping
from portlint.builder.pods import _label_selector
from portlint.kinds import GATEWAY_API_GROUP
from portlint.loader import Mapping
from portlint.model import (
    BackendRef,
    Gateway,
    GatewayClass,
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

DEFAULT_WEIGHT = 1
DEFAULT_REDIRECT_STATUS = 302


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _group(raw: Mapping, default: str) -> str:
    value = raw.get("group")
    return value if isinstance(value, str) else default


def build_gateway(data: Mapping, common: dict) -> Gateway:
    spec = _mapping(data.get("spec"))
    base = _join(common["json_path"], "spec")
    namespace = common["ref"].namespace
    listeners = [_listener(raw, f"{base}.listeners[{i}]", namespace)
                 for i, raw in _items(spec.get("listeners"))]
    return Gateway(class_name=_text(spec.get("gatewayClassName")), listeners=listeners, **common)


def _listener(raw: Mapping, path: str, namespace: str) -> Listener:
    tls = raw.get("tls")
    tls = tls if isinstance(tls, Mapping) else None
    refs = [SecretRef(raw=r, json_path=f"{path}.tls.certificateRefs[{i}]", group=_group(r, ""),
                      kind=_text(r.get("kind")) or "Secret", namespace=_text(r.get("namespace")) or namespace,
                      name=r["name"])
            for i, r in _items(tls.get("certificateRefs") if tls else None)]
    allowed = _mapping(raw.get("allowedRoutes"))
    namespaces = _mapping(allowed.get("namespaces"))
    kinds = [(_group(k, GATEWAY_API_GROUP), k["kind"]) for _, k in _items(allowed.get("kinds"))]
    return Listener(raw=raw, json_path=path, name=raw["name"], hostname=_text(raw.get("hostname")),
                    port=raw["port"], protocol=raw["protocol"],
                    tls_mode=(_text(tls.get("mode")) or "Terminate") if tls is not None else None,
                    certificate_refs=refs, namespaces_from=_text(namespaces.get("from")) or "Same",
                    namespace_selector=_label_selector(namespaces.get("selector")), kinds=kinds)


def build_gateway_class(data: Mapping, common: dict) -> GatewayClass:
    return GatewayClass(controller_name=_text(_mapping(data.get("spec")).get("controllerName")), **common)


def build_route(data: Mapping, common: dict) -> Route:
    spec = _mapping(data.get("spec"))
    base = _join(common["json_path"], "spec")
    namespace = common["ref"].namespace
    parents = [ParentRef(raw=p, json_path=f"{base}.parentRefs[{i}]", group=_group(p, GATEWAY_API_GROUP),
                         kind=_text(p.get("kind")) or "Gateway", namespace=_text(p.get("namespace")) or namespace,
                         name=p["name"], section_name=_text(p.get("sectionName")), port=p.get("port") or None)
               for i, p in _items(spec.get("parentRefs"))]
    grpc = common["kind"] == "GRPCRoute"
    rules = [_rule(raw, f"{base}.rules[{i}]", namespace, grpc) for i, raw in _items(spec.get("rules"))]
    hostnames = [h for h in _list(spec.get("hostnames")) if isinstance(h, str)]
    return Route(hostnames=hostnames, parent_refs=parents, rules=rules, **common)


def _rule(raw: Mapping, path: str, namespace: str, grpc: bool) -> RouteRule:
    backends = [_backend(b, f"{path}.backendRefs[{i}]", namespace) for i, b in _items(raw.get("backendRefs"))]
    matches = [(_grpc_match if grpc else _http_match)(m, f"{path}.matches[{i}]")
               for i, m in _items(raw.get("matches"))]
    redirect = None
    for i, rule_filter in _items(raw.get("filters")):
        if rule_filter.get("type") == "RequestRedirect":
            redirect = _redirect(_mapping(rule_filter.get("requestRedirect")), f"{path}.filters[{i}]", rule_filter)
    return RouteRule(raw=raw, json_path=path, matches=matches, backend_refs=backends, redirect=redirect)


def _backend(raw: Mapping, path: str, namespace: str) -> BackendRef:
    weight = raw.get("weight")
    return BackendRef(raw=raw, json_path=path, group=_group(raw, ""), kind=_text(raw.get("kind")) or "Service",
                      namespace=_text(raw.get("namespace")) or namespace, name=raw["name"],
                      port=raw.get("port") or None, weight=DEFAULT_WEIGHT if weight is None else weight)


def _http_match(raw: Mapping, path: str) -> RouteMatch:
    path_match = _mapping(raw.get("path"))
    return RouteMatch(raw=raw, json_path=path, path_type=_text(path_match.get("type")) or "PathPrefix",
                      path=_text(path_match.get("value")) or "/", method=_text(raw.get("method")),
                      headers=_value_matches(raw.get("headers")), query_params=_value_matches(raw.get("queryParams")))


def _grpc_match(raw: Mapping, path: str) -> RouteMatch:
    method = _mapping(raw.get("method"))
    return RouteMatch(raw=raw, json_path=path, path_type=None, path=None, method=None,
                      headers=_value_matches(raw.get("headers")), query_params=[],
                      grpc_service=_text(method.get("service")), grpc_method=_text(method.get("method")))


def _value_matches(raw) -> list[ValueMatch]:
    return [ValueMatch(m["name"], str(m.get("value") or ""), _text(m.get("type")) or "Exact") for _, m in _items(raw)]


def _redirect(raw: Mapping, path: str, rule_filter: Mapping) -> RequestRedirect:
    path_modifier = _mapping(raw.get("path"))
    kind = _text(path_modifier.get("type"))
    value = path_modifier.get("replaceFullPath" if kind == "ReplaceFullPath" else "replacePrefixMatch")
    return RequestRedirect(raw=rule_filter, json_path=path, scheme=_text(raw.get("scheme")),
                           hostname=_text(raw.get("hostname")), port=raw.get("port") or None,
                           status_code=raw.get("statusCode") or DEFAULT_REDIRECT_STATUS, path_type=kind,
                           path_value=value if isinstance(value, str) else None)


def build_reference_grant(data: Mapping, common: dict) -> ReferenceGrant:
    spec = _mapping(data.get("spec"))
    sources = [GrantFrom(_group(f, ""), f["kind"], f["namespace"]) for _, f in _items(spec.get("from"))]
    targets = [GrantTo(_group(t, ""), t["kind"], _text(t.get("name"))) for _, t in _items(spec.get("to"))]
    return ReferenceGrant(sources=sources, targets=targets, **common)
