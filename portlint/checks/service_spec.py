"""A Service's own spec as ValidateService checks it: the fields its type requires or forbids, ports where required.

Source: k8s pkg/apis/core/validation/validation.go (ValidateService,
ValidateServiceClusterIPsRelatedFields), pkg/registry/core/service/strategy.go (clusterIP is
copied into clusterIPs before validation).
"""

from __future__ import annotations

from typing import Iterator

from portlint.checks.ingress_spec import is_ip  # Go's sloppy IP parsing, as the API server uses
from portlint.engine import rule
from portlint.findings import Finding
from portlint.model import NODE_PORT_TYPES, Cluster, Service
from portlint.names import dns1123_subdomain, is_placeholder
from portlint.settings import Settings


def _readable(service: Service) -> bool:
    return all(service.readable(f"spec.{key}") for key in ("type", "clusterIP", "ports"))


@rule("service-cluster-ip-invalid")
def service_cluster_ip_invalid(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for service in cluster.services:
        cluster_ip = service.cluster_ip
        if not cluster_ip or not _readable(service) or is_placeholder(cluster_ip):
            continue
        problem = _problem(service, cluster_ip)
        if problem:
            message, hint = problem
            yield service.finding(message, hint, key="spec.clusterIP")


def _problem(service: Service, cluster_ip: str) -> tuple[str, str] | None:
    if service.type == "ExternalName":
        return (f"clusterIP {cluster_ip!r} is set on an ExternalName Service: the API server rejects it "
                f"(\"spec.clusterIPs: Forbidden: may not be set for ExternalName services\"); an ExternalName "
                f"Service is a DNS CNAME and has no cluster IP",
                "remove spec.clusterIP (or set it to \"\")")
    if cluster_ip == "None":
        if service.type in NODE_PORT_TYPES:
            return (f"clusterIP: None (headless) on a {service.type} Service: the API server rejects it "
                    f"(\"may not be set to 'None' for {service.type} services\"): node ports and load balancers "
                    f"forward to the cluster IP",
                    f"remove clusterIP: None, or make the Service headless with type ClusterIP (no {service.type})")
        return None
    if not is_ip(cluster_ip):
        return (f"clusterIP {cluster_ip!r} is neither an IP address, \"None\" (headless) nor \"\" (allocate one): "
                f"the API server rejects the Service",
                "remove spec.clusterIP to let Kubernetes allocate an address, or write None for a headless Service")
    return None


@rule("service-ports-missing")
def service_ports_missing(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for service in cluster.services:
        if service.ports or service.headless or service.type == "ExternalName" or not _readable(service):
            continue
        yield service.finding(
            "the Service has no ports, and it is neither headless (clusterIP: None) nor ExternalName: the API "
            "server rejects it (\"spec.ports: Required value\")",
            "add the ports clients connect to under spec.ports (port, targetPort, name), or set clusterIP: None "
            "for a headless Service that only gives its pods DNS names",
            key="spec.ports" if "ports" in _spec(service) else "spec")


def _spec(service: Service):
    spec = service.raw.get("spec")
    return spec if isinstance(spec, dict) else {}


@rule("service-type-field-invalid")
def service_type_field_invalid(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for service in cluster.services:
        if not (service.readable("spec.type") and service.readable("spec.externalName")):
            continue
        if service.type == "ExternalName":
            yield from _external_name(service)
        policy = service.external_traffic_policy
        if policy and service.readable("spec.externalTrafficPolicy") and not _externally_accessible(service):
            yield service.finding(
                f"externalTrafficPolicy {policy} is set on a Service that is reachable only inside the cluster (type "
                f"{service.type}, no externalIPs): the API server rejects it (\"may only be set for "
                f"externally-accessible services\")",
                "remove externalTrafficPolicy, or make the Service type NodePort or LoadBalancer",
                key="spec.externalTrafficPolicy")


def _externally_accessible(service: Service) -> bool:
    """apiservice.ExternallyAccessible: node ports, a load balancer, or external IPs."""
    external_ips = _spec(service).get("externalIPs")
    return service.type in NODE_PORT_TYPES or (service.type == "ClusterIP" and bool(external_ips))


def _external_name(service: Service) -> Iterator[Finding]:
    name = service.external_name or ""
    if is_placeholder(name):
        return
    cname = name[:-1] if name.endswith(".") else name  # a trailing dot marks it fully qualified
    if not cname:
        yield service.finding(
            "an ExternalName Service without spec.externalName: the API server rejects it (\"spec.externalName: "
            "Required value\")", "set spec.externalName to the DNS name the Service stands for (e.g. db.example.com)",
            key="spec.externalName" if "externalName" in _spec(service) else "spec.type")
        return
    problems = dns1123_subdomain(cname)
    if problems:
        yield service.finding(
            f"externalName {name!r} is not a DNS name: {'; '.join(problems)}; the API server rejects the Service",
            f"write it as a lowercase DNS name ({cname.lower()!r}?)", key="spec.externalName")
