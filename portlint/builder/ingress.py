"""Ingress: rules, paths, backends (v1 fields in v1, the legacy fields in the beta APIs) and TLS entries."""

from __future__ import annotations

from portlint.builder.common import EMPTY, _items, _join, _mapping
from portlint.kinds import LEGACY_INGRESS_VERSIONS
from portlint.loader import Mapping
from portlint.model import Ingress, IngressBackend, IngressPath, IngressRule, IngressTLS


def build_ingress(data: Mapping, common: dict) -> Ingress:
    """Each apiVersion's own fields only: the beta backend fields in the beta APIs, the v1 ones in v1.

    A v1 Ingress that uses serviceName/servicePort has no Service in that backend (the schema
    reports it as manifest-invalid and the entry is left out), and the reverse in the beta APIs.
    """
    spec = _mapping(data.get("spec"))
    base = _join(common["json_path"], "spec")
    legacy = common["ref"].api_version in LEGACY_INGRESS_VERSIONS
    _backend = _legacy_backend if legacy else _v1_backend
    default_key = "backend" if legacy else "defaultBackend"
    default = spec.get(default_key)
    rules = []
    for i, rule in _items(spec.get("rules")):
        http = _mapping(rule.get("http"))
        paths = [IngressPath(raw=p, json_path=f"{base}.rules[{i}].http.paths[{j}]", path=p.get("path"),
                             path_type=p.get("pathType"),
                             backend=_backend(p["backend"], f"{base}.rules[{i}].http.paths[{j}].backend"))
                 for j, p in _items(http.get("paths"))]
        rules.append(IngressRule(raw=rule, json_path=f"{base}.rules[{i}]", host=rule.get("host") or None, paths=paths))
    tls = [IngressTLS(raw=t, json_path=f"{base}.tls[{i}]", hosts=list(t.get("hosts") or []),
                      secret_name=t.get("secretName") or None)
           for i, t in _items(spec.get("tls"))]
    class_name = spec.get("ingressClassName") or common["annotations"].get("kubernetes.io/ingress.class")
    return Ingress(class_name=class_name, rules=rules, tls=tls,
                   default_backend=_backend(default, f"{base}.{default_key}") if default else None, **common)


def _v1_backend(raw, path: str) -> IngressBackend:
    raw = _mapping(raw)
    service = raw.get("service")
    if isinstance(service, Mapping):
        port = _mapping(service.get("port"))
        number, name = port.get("number"), port.get("name") or None
        return IngressBackend(raw=port if port is not EMPTY else service,
                              json_path=f"{path}.service.port" if port is not EMPTY else f"{path}.service",
                              service_name=service.get("name"), port_number=number, port_name=name,
                              port_key="number" if number is not None else ("name" if name else ""),
                              resource=False)
    return IngressBackend(raw=raw, json_path=path, service_name=None, port_number=None, port_name=None,
                          port_key="", resource=raw.get("resource") is not None)


def _legacy_backend(raw, path: str) -> IngressBackend:
    raw = _mapping(raw)
    legacy_port = raw.get("servicePort")
    return IngressBackend(raw=raw, json_path=path, service_name=raw.get("serviceName") or None,
                          port_number=legacy_port if isinstance(legacy_port, int) else None,
                          port_name=legacy_port if isinstance(legacy_port, str) and legacy_port else None,
                          port_key="servicePort", resource=raw.get("resource") is not None)
