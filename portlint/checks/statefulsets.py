"""StatefulSet → its governing Service: the Service that gives its pods their stable DNS names."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterator

from portlint.engine import rule
from portlint.findings import Finding
from portlint.model import Cluster, Service, Workload
from portlint.settings import Settings
from portlint.similar import NearMissIndex


@rule("statefulset-service-missing")
def statefulset_service_missing(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    near_misses = None  # made for the first missing Service's hint
    for workload in cluster.workloads:
        name = workload.service_name
        if workload.kind != "StatefulSet" or not name or not workload.readable("spec.serviceName"):
            continue
        definitions = cluster.service_definitions(workload.namespace, name)
        if definitions:
            if not any(s.headless or not s.readable("spec.clusterIP") for s in definitions):
                yield _not_headless(workload, definitions[0])
            continue
        if cluster.may_hold_unplaced("Service"):
            continue
        near_misses = near_misses or _service_names(cluster)
        yield workload.finding(
            f"spec.serviceName {name} names no Service in namespace {workload.namespace}: the pods do not get "
            f"their stable DNS names (<pod>.{name}.{workload.namespace}.svc)",
            _hint(workload, near_misses.of(workload.namespace, name)), key="spec.serviceName")


def _service_names(cluster: Cluster) -> NearMissIndex:
    """The Service names of each namespace, for near-miss hints."""
    names: dict[str, list[str]] = defaultdict(list)
    for service in cluster.services:
        names[service.namespace].append(service.name)
    return NearMissIndex({namespace: sorted(found) for namespace, found in names.items()})


def _not_headless(statefulset: Workload, service: Service) -> Finding:
    """Only a headless governing Service gets the per-pod records (the DNS spec: <hostname>.<subdomain>)."""
    name, namespace = statefulset.service_name, statefulset.namespace
    return statefulset.finding(
        f"spec.serviceName {name} names a Service that is not headless ({_cluster_ip_text(service)}): only a "
        f"headless Service gives the pods their stable DNS names (<pod>.{name}.{namespace}.svc); clients that "
        f"reach the pods through the Service's cluster IP are not affected",
        f"set clusterIP: None on Service {name} (a Service's clusterIP cannot change: delete and recreate it), or "
        f"point spec.serviceName at a headless Service that selects the StatefulSet's pods",
        key="spec.serviceName", related=[service.related()])


def _cluster_ip_text(service: Service) -> str:
    if service.type == "ExternalName":
        return "type ExternalName"
    return f"clusterIP {service.cluster_ip}" if service.cluster_ip else "it gets a cluster IP"


def _hint(statefulset: Workload, close: list[str]) -> str:
    """`close`: the Services of the namespace named like spec.serviceName, sorted."""
    name, namespace = statefulset.service_name, statefulset.namespace
    if close:
        return f"did you mean serviceName: {close[0]}? That Service exists in namespace {namespace}"
    return (f"add a headless Service (clusterIP: None) named {name} in namespace {namespace} that selects "
            f"the StatefulSet's pods, or set spec.serviceName to the Service that does")
