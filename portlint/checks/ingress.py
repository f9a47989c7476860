"""Ingress → Service: do the backends name ports that the Services have, do two routes fight over one
URL, is the TLS Secret there? Where each backend sits, for every Ingress rule (ingress_spec.py: what the
API server accepts; ingress_backends.py: whether the Services exist)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from portlint.engine import rule
from portlint.findings import Finding
from portlint.kinds import LEGACY_INGRESS_VERSIONS
from portlint.loader import Mapping
from portlint.model import (
    Cluster,
    Ingress,
    IngressBackend,
    IngressPath,
    IngressRule,
    Node,
    Service,
    UnitClaims,
)
from portlint.controllers import is_alb_action, redirects_everything
from portlint.names import is_placeholder
from portlint.settings import Settings
from portlint.similar import similar

LEGACY_INGRESS_APIS = LEGACY_INGRESS_VERSIONS
IMPLEMENTATION_SPECIFIC = "ImplementationSpecific"
# validateHTTPIngressPath (pkg/apis/networking/validation): forbidden in Exact and Prefix paths
# classes whose controller gives every Ingress its own load balancer: no merging across Ingresses
OWN_LOAD_BALANCER_CLASSES = ("gce", "gce-internal")
ALB_GROUP = "alb.ingress.kubernetes.io/group.name"
NGINX_CANARY = "nginx.ingress.kubernetes.io/canary"
# annotations on which cert-manager's ingress-shim creates the TLS Secret
CERT_MANAGER_ANNOTATIONS = ("cert-manager.io/cluster-issuer", "cert-manager.io/issuer",
                            "certmanager.k8s.io/cluster-issuer", "certmanager.k8s.io/issuer")


# --- where each backend sits ----------------------------------------------------------------------

@dataclass
class BackendSite:
    """One backend of an Ingress, and the node + dotted key of its mapping (to point at service.name)."""

    ingress: Ingress
    backend: IngressBackend
    node: Node
    key: str
    path: IngressPath | None = None
    ingress_rule: IngressRule | None = None

    @property
    def v1_form(self) -> bool:
        return not is_legacy(self.ingress)

    @property
    def raw_backend(self) -> Mapping:
        """The backend's own mapping in the manifest."""
        raw = _lookup(self.node.raw, self.key)
        return raw if isinstance(raw, Mapping) else Mapping()

    @property
    def name_key(self) -> str:
        return f"{self.key}.service.name" if self.v1_form else f"{self.key}.serviceName"

    def describe(self) -> str:
        if self.path is None:
            return "the default backend"
        host = self.ingress_rule.host or "any host"
        return f"the backend of {host}{self.path.path or ''}"


def backend_sites(ingress: Ingress) -> Iterator[BackendSite]:
    if ingress.default_backend:
        key = "spec.backend" if is_legacy(ingress) else "spec.defaultBackend"
        yield BackendSite(ingress, ingress.default_backend, ingress, key)
    for ingress_rule in ingress.rules:
        for path in ingress_rule.paths:
            yield BackendSite(ingress, path.backend, path, "backend", path, ingress_rule)


def service_sites(ingress: Ingress) -> Iterator[BackendSite]:
    """The backends that route to a Service, as far as they were read whole: not a `resource`, not an AWS Load
    Balancer Controller action, and not in an Ingress that ingress-nginx answers with a redirect (see
    portlint/controllers.py)."""
    if redirects_everything(ingress):
        return
    for site in backend_sites(ingress):
        backend = site.backend
        if not backend.resource and backend.service_name and backend.readable() and not is_alb_action(backend):
            yield site


def _lookup(mapping, dotted: str):
    for part in dotted.split("."):
        if not isinstance(mapping, Mapping):
            return None
        mapping = mapping.get(part)
    return mapping


def is_legacy(ingress: Ingress) -> bool:
    return ingress.ref.api_version in LEGACY_INGRESS_APIS


def effective_path_type(ingress: Ingress, path: IngressPath) -> str | None:
    """The legacy APIs defaulted a missing pathType to ImplementationSpecific; v1 requires it."""
    if path.path_type:
        return path.path_type
    return IMPLEMENTATION_SPECIFIC if is_legacy(ingress) else None


# --- ingress-backend-port-unmatched ---------------------------------------------------------------

@rule("ingress-backend-port-unmatched")
def ingress_backend_port_unmatched(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for ingress in cluster.ingresses:
        for site in service_sites(ingress):
            backend = site.backend
            # the definitions applied with the Ingress; if none is, the nearest (see Cluster.nearest)
            candidates = cluster.nearest(ingress, cluster.service_definitions(ingress.namespace, backend.service_name))
            if not candidates or not backend.port_key:
                continue  # a missing Service is its own rule; a missing port the API server rejects
            if not all(s.readable("spec.ports") and s.readable("spec.type") for s in candidates):
                continue  # a port left out as invalid may be the one the backend names
            problems = [_port_problem(backend, service) for service in candidates]
            if None in problems:
                continue  # one of the alternatives of the Service has the port
            message, hint = problems[0]
            yield ingress.finding(f"{site.describe()}: {message}", hint, at=backend, key=backend.port_key,
                                  related=[candidates[0].related()])


def _port_problem(backend: IngressBackend, service: Service) -> tuple[str, str] | None:
    if backend.port_name is not None:
        return _port_name_problem(backend.port_name, service)
    if backend.port_number is None or service.type == "ExternalName":
        # for an ExternalName Service, controllers connect to the backend's number on the external
        # host, declared among the Service's ports or not (ingress-nginx externalNamePorts)
        return None
    return _port_number_problem(backend.port_number, service)


def _port_number_problem(number: int, service: Service) -> tuple[str, str] | None:
    if any(p.port == number for p in service.ports):
        return None
    message = f"port {number} is not a port of Service {service.name} ({_ports_text(service)})"
    by_target = [p for p in service.ports if p.target_port == number]
    by_node_port = [p for p in service.ports if p.node_port == number]
    if by_target:
        port = by_target[0]
        return message, (f"{number} is the targetPort (the container's port); an Ingress names the Service's "
                         f"port: use {port.port}. Only ingress-nginx also accepts a targetPort; GKE, AWS, "
                         f"Traefik, HAProxy and NGINX Inc's controller do not")
    if by_node_port:
        return message, f"{number} is a nodePort; an Ingress names the Service's port: use {by_node_port[0].port}"
    if not service.ports:
        return f"Service {service.name} declares no ports", "add the port to the Service's spec.ports"
    if len(service.ports) == 1:
        return message, f"use the Service's port, {service.ports[0].port}"
    return message, f"use one of the Service's ports: {', '.join(p.describe() for p in service.ports)}"


def _port_name_problem(name: str, service: Service) -> tuple[str, str] | None:
    names = [p.name for p in service.ports if p.name]
    if name in names:
        return None
    if name.isdigit():
        # a quoted servicePort is a port *name*; port names must contain a letter (IsValidPortName)
        return (f"servicePort {name!r} is a string, so it names a port, and no port name is all digits",
                f"write the number unquoted: servicePort: {name}")
    message = f"port name {name!r} is not a port name of Service {service.name} ({_ports_text(service)})"
    close = [n for n in names if similar(n, name)]
    if close:
        return message, f"did you mean {close[0]!r}? Port names are case-sensitive"
    if not names and len(service.ports) == 1:
        return message, f"the Service's only port has no name: refer to it by number, {service.ports[0].port}"
    if not service.ports:
        return f"Service {service.name} declares no ports, so port name {name!r} names nothing", \
            "add a named port to the Service's spec.ports"
    return message, "name a port the Service declares (spec.ports[].name), or refer to the port by number"


def _ports_text(service: Service) -> str:
    if not service.ports:
        return "no ports"
    return "ports: " + ", ".join(p.describe() for p in service.ports)


# --- ingress-rule-conflict ------------------------------------------------------------------------

@rule("ingress-rule-conflict")
def ingress_rule_conflict(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    first_route = UnitClaims(cluster)  # Ingresses that are never applied together never conflict
    for ingress in cluster.ingresses:
        if ingress.annotations.get(NGINX_CANARY) == "true":
            continue  # a canary Ingress shadows a route on purpose
        if not (ingress.readable("spec.ingressClassName") and ingress.readable("metadata.annotations")):
            continue  # which controller merges its rules is not known
        domain = merge_domain(ingress)
        for ingress_rule in ingress.rules:
            for path in ingress_rule.paths:
                path_type = effective_path_type(ingress, path)
                if path_type is None or is_placeholder(ingress_rule.host or ""):
                    continue
                route = (domain, ingress_rule.host or "", path.path or "", path_type)
                target = backend_identity(cluster, ingress, path.backend)
                earlier = first_route.claim(route, ingress, (ingress, path, target))
                if earlier is None:
                    continue
                other, other_path, other_target = earlier
                if other_target == target or (other is not ingress and other.ref == ingress.ref):
                    continue  # same backend, or the same object written twice (alternative files)
                yield _conflict(ingress, ingress_rule, path, other, other_path, path_type)


def merge_domain(ingress: Ingress) -> tuple:
    """The set of Ingresses whose rules one controller merges into one routing table.

    ingress-nginx, Traefik, HAProxy, Contour and most others serve every Ingress of their class
    from one proxy, across namespaces. GKE gives each Ingress its own load balancer, and the AWS
    Load Balancer Controller too unless Ingresses join a group.
    """
    class_name = ingress.class_name
    if class_name in OWN_LOAD_BALANCER_CLASSES:
        return ("ingress", id(ingress))
    if class_name == "alb":
        group = ingress.annotations.get(ALB_GROUP)
        return ("alb-group", group) if group else ("ingress", id(ingress))
    return ("class", class_name)


def backend_identity(cluster: Cluster, ingress: Ingress, backend: IngressBackend) -> tuple:
    """Where a backend sends requests: a Service port (a port name resolved to its number), or a resource."""
    if backend.resource:
        resource = backend.raw.get("resource")
        return ("resource", ingress.namespace, tuple(sorted(resource.items())) if isinstance(resource, dict) else ())
    port = backend.port_number if backend.port_number is not None else backend.port_name
    services = cluster.nearest(ingress, cluster.service_definitions(ingress.namespace, backend.service_name))
    service = services[0] if services else None
    if service:
        port = next((p.port for p in service.ports if p.name and p.name == backend.port_name), port)
    return ("service", ingress.namespace, backend.service_name, port)


def _conflict(ingress: Ingress, ingress_rule: IngressRule, path: IngressPath, other: Ingress,
              other_path: IngressPath, path_type: str) -> Finding:
    where = f"host {ingress_rule.host!r}" if ingress_rule.host else "any host"
    mine, theirs = _target_text(ingress, path.backend), _target_text(other, other_path.backend)
    if other is ingress:
        message = (f"{path_type} path {path.path or ''!r} on {where} is routed twice in this Ingress: "
                   f"to {theirs} and to {mine}")
        hint = "keep one of the two paths; controllers use only one of them"
    else:
        message = (f"{path_type} path {path.path or ''!r} on {where} is also routed by Ingress "
                   f"{other.namespace}/{other.name} (to {theirs}); this one routes it to {mine}")
        hint = ("the controller merges both Ingresses of this class into one routing table and serves only one "
                "of the two backends (ingress-nginx: the older Ingress); remove one path or change its host")
    return ingress.finding(message, hint, at=path, key="path" if "path" in path.raw else None,
                           related=[other.related()] if other is not ingress else [])


def _target_text(ingress: Ingress, backend: IngressBackend) -> str:
    if backend.resource:
        return "a resource backend"
    port = backend.port_number if backend.port_number is not None else backend.port_name
    return f"Service {ingress.namespace}/{backend.service_name}:{port}"


# --- ingress-tls-secret-missing -------------------------------------------------------------------

@rule("ingress-tls-secret-missing")
def ingress_tls_secret_missing(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    namespaces_by_name: dict[str, list[str]] = {}
    for namespace, name in cluster.secrets:
        namespaces_by_name.setdefault(name, []).append(namespace)
    known = cluster.known_secrets
    for ingress in cluster.ingresses:
        if _cert_manager_issues(ingress) or cluster.may_hold_unplaced("Secret"):
            continue
        for tls in ingress.tls:
            secret = tls.secret_name
            if not secret or (ingress.namespace, secret) in known or is_placeholder(secret):
                continue  # no secretName: the controller serves its default certificate
            elsewhere = sorted(n for n in namespaces_by_name.get(secret, ()) if n != ingress.namespace)
            hint = (f"a Secret {secret!r} exists in namespace {elsewhere[0]}, but the Ingress reads it from its own "
                    f"namespace: copy it to {ingress.namespace}" if elsewhere else
                    f"create the kubernetes.io/tls Secret (kubectl create secret tls {secret} -n {ingress.namespace} "
                    f"--cert=... --key=...), or have cert-manager issue it")
            yield ingress.finding(
                f"TLS Secret {secret!r} for {_tls_hosts(tls.hosts)} is not among the Secrets of namespace "
                f"{ingress.namespace} in the input; unless it is created separately, the controller has no "
                f"certificate to serve (ingress-nginx falls back to its default one)",
                hint, at=tls, key="secretName")


def _cert_manager_issues(ingress: Ingress) -> bool:
    """cert-manager's ingress-shim creates the Secret named in spec.tls for such an Ingress."""
    annotations = ingress.annotations
    return (any(annotations.get(a) for a in CERT_MANAGER_ANNOTATIONS)
            or annotations.get("kubernetes.io/tls-acme") == "true")


def _tls_hosts(hosts: list[str]) -> str:
    return ", ".join(hosts) if hosts else "every host"
