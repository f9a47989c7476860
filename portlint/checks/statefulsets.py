"""StatefulSet → its governing Service: the Service that gives its pods their stable DNS names."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterator

from portlint.engine import rule
from portlint.findings import Finding
from portlint.model import Cluster, Workload
from portlint.settings import Settings
from portlint.similar import similar


@rule("statefulset-service-missing")
def statefulset_service_missing(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    service_names: dict[str, list[str]] = defaultdict(list)  # namespace → Service names, for hints
    for service in cluster.services:
        service_names[service.namespace].append(service.name)
    for workload in cluster.workloads:
        name = workload.service_name
        if workload.kind != "StatefulSet" or not name or cluster.service(workload.namespace, name):
            continue
        if cluster.may_hold_unplaced("Service") or not workload.readable("spec.serviceName"):
            continue
        yield workload.finding(
            f"spec.serviceName {name} names no Service in namespace {workload.namespace}: the pods do not get "
            f"their stable DNS names (<pod>.{name}.{workload.namespace}.svc)",
            _hint(workload, sorted(service_names[workload.namespace])), key="spec.serviceName")


def _hint(statefulset: Workload, services: list[str]) -> str:
    name, namespace = statefulset.service_name, statefulset.namespace
    close = [s for s in services if similar(s, name)]
    if close:
        return f"did you mean serviceName: {close[0]}? That Service exists in namespace {namespace}"
    return (f"add a headless Service (clusterIP: None) named {name} in namespace {namespace} that selects "
            f"the StatefulSet's pods, or set spec.serviceName to the Service that does")
