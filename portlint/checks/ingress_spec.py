"""An Ingress's own spec as ValidateIngressCreate checks it: each backend names one thing, something is
routed, and the hosts and paths are ones the API server accepts.

Source: k8s pkg/apis/networking/validation/validation.go (ValidateIngressCreate: the class
annotation must match spec.ingressClassName; ValidateIngressSpec: rules or defaultBackend;
validateIngressBackend: a Service or a resource, never both, and a Service port by name or by
number, never both and never neither). The beta APIs convert serviceName/servicePort into the
same fields before validation, so the rules are the same there.
"""

from __future__ import annotations

import re
from typing import Iterator

from portlint.checks.ingress import IMPLEMENTATION_SPECIFIC, backend_sites, effective_path_type, is_legacy
from portlint.engine import rule
from portlint.findings import Finding
from portlint.loader import Sequence
from portlint.model import Cluster, Ingress, IngressPath
from portlint.names import dns1123_subdomain, is_placeholder, wildcard_dns1123_subdomain
from portlint.settings import Settings

CLASS_ANNOTATION = "kubernetes.io/ingress.class"
INVALID_PATH_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
INVALID_PATH_SUFFIXES = ("/..", "/.")
_IPV4_SLOPPY = re.compile(r"[0-9]+(\.[0-9]+){3}")


@rule("ingress-backend-invalid")
def ingress_backend_invalid(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for ingress in cluster.ingresses:
        yield from _nothing_routed(ingress)
        for site in backend_sites(ingress):
            backend = site.backend
            if not backend.readable():
                continue
            problem = _problem(ingress, site.raw_backend, backend)
            if problem:
                message, hint, key = problem
                yield ingress.finding(f"{site.describe()}: {message}", hint, at=site.node,
                                      key=f"{site.key}.{key}" if key else site.key)


def _problem(ingress: Ingress, raw: dict, backend) -> tuple[str, str, str] | None:
    legacy = is_legacy(ingress)
    has_service = bool(backend.service_name) if legacy else raw.get("service") is not None
    has_resource = backend.resource
    if has_service and has_resource:
        return ("it names both a Service and a resource: the API server rejects it (\"cannot set both resource and "
                "service backends\")", "keep one of the two", "resource")
    if has_resource:
        return None
    if not has_service:
        field = "serviceName" if legacy else "service"
        return ("it names no Service (and no resource): the API server rejects it (\"resource or service backend is "
                "required\")", f"add {field} with the Service that should get the traffic" +
                ("" if legacy else " (service: {name: ..., port: {number: ...}})"), "")
    if legacy:
        if backend.port_number is None and backend.port_name is None:
            return ("servicePort is missing: the API server rejects a backend without a port (\"port name or number "
                    "is required\")", f"add servicePort: the port (or port name) of Service {backend.service_name}",
                    "serviceName")
        return None
    port = raw["service"].get("port") if isinstance(raw.get("service"), dict) else None
    port = port if isinstance(port, dict) else {}
    number, name = port.get("number") or 0, port.get("name") or ""
    if number and name:
        return (f"service.port sets both name {name!r} and number {number}: the API server rejects it (\"cannot set "
                f"both port name & port number\")", "keep one: the number, or the Service port's name",
                "service.port")
    if not number and not name:
        return (f"Service {backend.service_name} is named without a port: the API server rejects it (\"port name or "
                f"number is required\")", f"add service.port.number (or service.port.name) with a port of Service "
                f"{backend.service_name}", "service.port" if port else "service.name")
    return None


def _nothing_routed(ingress: Ingress) -> Iterator[Finding]:
    spec = ingress.raw.get("spec")
    spec = spec if isinstance(spec, dict) else {}
    default_key = "backend" if is_legacy(ingress) else "defaultBackend"
    if ingress.rules or spec.get(default_key) is not None or spec.get("rules"):
        return
    if not (ingress.readable("spec.rules") and ingress.readable(f"spec.{default_key}")):
        return
    yield ingress.finding(
        f"the Ingress has neither rules nor spec.{default_key}: the API server rejects it (\"either `defaultBackend` "
        f"or `rules` must be specified\")",
        f"add rules (host, paths, backends) or a spec.{default_key} that gets every request",
        key="spec" if spec else None)


@rule("ingress-class-mismatch")
def ingress_class_mismatch(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for ingress in cluster.ingresses:
        spec = ingress.raw.get("spec")
        class_name = spec.get("ingressClassName") if isinstance(spec, dict) else None
        annotation = ingress.annotations.get(CLASS_ANNOTATION)
        if not class_name or annotation is None or annotation == class_name:
            continue
        if is_placeholder(class_name) or is_placeholder(annotation):
            continue
        if not (ingress.readable("spec.ingressClassName") and ingress.readable("metadata.annotations")):
            continue
        yield ingress.finding(
            f"spec.ingressClassName {class_name!r} and the annotation {CLASS_ANNOTATION}: {annotation!r} name different "
            f"classes: the API server rejects the Ingress (\"must match `ingressClassName` when both are specified\")",
            f"remove the deprecated {CLASS_ANNOTATION} annotation and keep spec.ingressClassName (or make them "
            f"agree)", key="spec.ingressClassName")


# --- ingress-path-invalid -------------------------------------------------------------------------

@rule("ingress-path-invalid")
def ingress_path_invalid(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for ingress in cluster.ingresses:
        for ingress_rule in ingress.rules:
            for path in ingress_rule.paths:
                yield from _path_findings(ingress, path)


def _path_findings(ingress: Ingress, path: IngressPath) -> Iterator[Finding]:
    path_type = effective_path_type(ingress, path)
    key = "path" if "path" in path.raw else None
    if path_type is None:
        yield ingress.finding(
            f"path {path.path or ''!r} has no pathType, which {ingress.ref.api_version} requires",
            "add pathType: Prefix (or Exact); ImplementationSpecific keeps the controller's own matching, "
            "which is what the beta APIs did", at=path, key=key)
        return
    problems = _path_problems(path.path or "", path_type)
    if problems:
        yield ingress.finding(
            f"{path_type} path {path.path or ''!r} is rejected by the API server: {'; '.join(problems)}",
            _path_hint(path.path or "", path_type), at=path, key=key or "pathType")


def _path_problems(value: str, path_type: str) -> list[str]:
    if path_type == IMPLEMENTATION_SPECIFIC:
        return ["must be an absolute path (start with '/')"] if value and not value.startswith("/") else []
    problems = [] if value.startswith("/") else ["must be an absolute path (start with '/')"]
    problems += [f"must not contain {s!r}" for s in INVALID_PATH_SEQUENCES if s in value]
    problems += [f"must not end with {s!r}" for s in INVALID_PATH_SUFFIXES if value.endswith(s)]
    return problems


def _path_hint(value: str, path_type: str) -> str:
    if not value:
        return f"a {path_type} path cannot be empty: use '/' to match every path"
    if not value.startswith("/"):
        return f"start the path with '/': '/{value}'"
    if "%2f" in value.lower():
        return ("an Exact or Prefix path cannot hold an encoded '/'; for a pattern use pathType: "
                "ImplementationSpecific with a controller that supports it")
    return "write a normalized absolute path: no empty, '.' or '..' segments"


# --- ingress-host-invalid -------------------------------------------------------------------------

@rule("ingress-host-invalid")
def ingress_host_invalid(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for ingress in cluster.ingresses:
        for ingress_rule in ingress.rules:
            if ingress_rule.host and not is_placeholder(ingress_rule.host):
                problems = host_problems(ingress_rule.host, rule_host=True)
                if problems:
                    yield ingress.finding(f"host {ingress_rule.host!r} is rejected by the API server: "
                                          f"{'; '.join(problems)}", _host_hint(ingress_rule.host),
                                          at=ingress_rule, key="host")
        for tls in ingress.tls:
            hosts = tls.raw.get("hosts")
            for index, host in enumerate(tls.hosts):
                problems = [] if is_placeholder(host) else host_problems(host, rule_host=False)
                if problems:
                    finding = ingress.finding(f"TLS host {host!r} is rejected by the API server: "
                                              f"{'; '.join(problems)}", _host_hint(host), at=tls, key="hosts")
                    yield _at_item(finding, hosts, index)


def host_problems(host: str, rule_host: bool) -> list[str]:
    """As validateIngressRules / validateIngressTLS: rule hosts must not be IPs; TLS hosts may be."""
    problems = []
    if rule_host and is_ip(host):
        problems.append("must be a DNS name, not an IP address")
    if "*" in host:
        problems += wildcard_dns1123_subdomain(host)
    else:
        problems += dns1123_subdomain(host)
    return problems


def is_ip(host: str) -> bool:
    """Like Go's sloppy IP parsing: dotted quads (leading zeros allowed) and IPv6 literals."""
    import ipaddress

    if _IPV4_SLOPPY.fullmatch(host):
        return all(int(part) <= 255 for part in host.split("."))
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        return False
    return True


def _host_hint(host: str) -> str:
    if is_ip(host):
        return "an Ingress rule matches the Host header by name: use a DNS name, or omit host to match every host"
    if ":" in host:
        return f"drop the port: the host is matched without it ({host.split(':')[0]!r})"
    if host != host.lower():
        return f"write the host in lowercase: {host.lower()!r}"
    if "*" in host:
        return "a wildcard may only be the whole first label, e.g. '*.example.com'"
    return "use a DNS name: lowercase letters, digits, '-' and '.', each label starting and ending alphanumeric"


def _at_item(finding: Finding, sequence, index: int) -> Finding:
    """Move a finding from the `hosts` key to its `index`-th item."""
    if isinstance(sequence, Sequence):
        finding.line, finding.column = sequence.position(index)
        finding.field_path = f"{finding.field_path}[{index}]"
    return finding
