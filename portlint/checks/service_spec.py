"""A Service's own spec as ValidateService checks it: the cluster IP for the type, and ports where they are required.

Source: k8s pkg/apis/core/validation/validation.go (ValidateService,
ValidateServiceClusterIPsRelatedFields), pkg/registry/core/service/strategy.go (clusterIP is
copied into clusterIPs before validation).
"""

from __future__ import annotations

from typing import Iterator

from portlint.checks.ingress import is_ip  # Go's sloppy IP parsing, as the API server uses
from portlint.engine import rule
from portlint.findings import Finding
from portlint.model import NODE_PORT_TYPES, Cluster, Service
from portlint.names import is_placeholder
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
