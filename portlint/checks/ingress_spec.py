"""An Ingress's own spec as ValidateIngressCreate checks it: each backend names one thing, and something is routed.

Source: k8s pkg/apis/networking/validation/validation.go (ValidateIngressCreate: the class
annotation must match spec.ingressClassName; ValidateIngressSpec: rules or defaultBackend;
validateIngressBackend: a Service or a resource, never both, and a Service port by name or by
number, never both and never neither). The beta APIs convert serviceName/servicePort into the
same fields before validation, so the rules are the same there.
"""

from __future__ import annotations

from typing import Iterator

from portlint.checks.ingress import backend_sites, is_legacy
from portlint.engine import rule
from portlint.findings import Finding
from portlint.model import Cluster, Ingress
from portlint.names import is_placeholder
from portlint.settings import Settings

CLASS_ANNOTATION = "kubernetes.io/ingress.class"


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
