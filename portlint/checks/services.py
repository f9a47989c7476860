"""Service → pods: does the selector pick any pods, and do the pods serve the ports the Service targets?"""

from __future__ import annotations

from typing import Iterator

from portlint.engine import rule
from portlint.findings import Finding
from portlint.model import Cluster, Service
from portlint.selectors import format_labels
from portlint.settings import Settings
from portlint.similar import similar


def selects_pods(service: Service) -> bool:
    """ExternalName Services and Services without a selector get no endpoints from the controller."""
    return bool(service.selector) and service.type != "ExternalName"


@rule("service-selector-no-match")
def service_selector_no_match(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for service in cluster.services:
        if not selects_pods(service) or cluster.pods.select(service.namespace, service.selector):
            continue
        if _operator_may_create_pods(cluster, service):
            continue
        yield service.finding(
            f"selector {format_labels(service.selector)} matches no pod template in namespace "
            f"{service.namespace}: the Service gets no endpoints",
            _near_miss_hint(cluster, service), key="spec.selector")


def _operator_may_create_pods(cluster: Cluster, service: Service) -> bool:
    """A custom resource in the namespace whose name and labels carry every selector value.

    Operators (Prometheus, Alertmanager, ...) create the pods such a Service selects; their
    labels are not in the manifests, so an unmatched selector there is not evidence of a break.
    """
    wanted = set(service.selector.values())
    for resource in cluster.custom_resources.get(service.namespace, ()):
        if wanted <= set(resource.labels.values()) | {resource.name}:
            return True
    return False


def _near_miss_hint(cluster: Cluster, service: Service) -> str:
    namespace, selector = service.namespace, service.selector
    for key, value in selector.items():
        present = cluster.pods.values(namespace, key)
        if value in present:
            continue
        close = sorted(v for v in present if similar(v, value))
        if close:
            return (f"pods in namespace {namespace} have {key}={close[0]}, not {key}={value}; "
                    f"make the selector and the pod template labels agree exactly (values are case-sensitive)")
        if not present:
            break
    elsewhere = set.intersection(*(cluster.pods.namespaces_with(k, v) for k, v in selector.items()))
    elsewhere.discard(namespace)
    if elsewhere:
        return (f"pods with these labels exist in namespace {sorted(elsewhere)[0]}; a Service only selects "
                f"pods in its own namespace: move one of them")
    return "set the selector to the labels of the pod template (spec.template.metadata.labels) it should serve"
