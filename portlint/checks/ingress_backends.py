"""Ingress → Service: does every Service an Ingress routes to exist in its namespace?

Besides the API's own backends, the controller conventions of portlint/controllers.py: AWS Load
Balancer Controller actions (and the Services a forward action names), Kong's KongServiceFacade,
GKE's default backend add-on, ingress-nginx redirects.
"""

from __future__ import annotations

from typing import Iterator

from portlint.checks.ingress import backend_sites, service_sites
from portlint.controllers import (
    GKE_CLASSES,
    GKE_DEFAULT_BACKEND,
    KONG_FACADE,
    alb_action,
    alb_action_key,
    alb_forward_targets,
    is_alb_action,
    kong_facade,
    kong_facade_service,
    redirects_everything,
)
from portlint.engine import rule
from portlint.findings import Finding
from portlint.kinds import ALL_WORKLOAD_KINDS
from portlint.loader import Mapping
from portlint.model import Cluster, Ingress, Node, Service
from portlint.names import is_placeholder
from portlint.settings import Settings
from portlint.similar import NearMissIndex

# --- ingress-backend-service-missing --------------------------------------------------------------

SERVING_KINDS = ("Service", *ALL_WORKLOAD_KINDS)


@rule("ingress-backend-service-missing")
def ingress_backend_service_missing(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    missing = _MissingServices(cluster)
    for ingress in cluster.ingresses:
        for site in service_sites(ingress):
            yield from missing.check(ingress, site.backend.service_name, f"{site.describe()} routes to",
                                     at=site.node, key=site.name_key)
        if not redirects_everything(ingress):
            yield from _alb_action_findings(ingress, missing)
            yield from _kong_facade_findings(cluster, ingress, missing)


class _MissingServices:
    """Whether a Service an Ingress names exists, and the finding when it does not."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self._services_named: dict[str, list[Service]] | None = None  # made for the first missing one
        self._near_misses: NearMissIndex | None = None

    def _indexes(self) -> tuple[dict[str, list[Service]], NearMissIndex]:
        """Services by name (in every namespace) and the near-miss names of each namespace, for the hints."""
        if self._services_named is None:
            names_by_namespace: dict[str, list[str]] = {}
            self._services_named = {}
            for service in self.cluster.services:
                names_by_namespace.setdefault(service.namespace, []).append(service.name)
                self._services_named.setdefault(service.name, []).append(service)
            self._near_misses = NearMissIndex(names_by_namespace)
        return self._services_named, self._near_misses

    def check(self, ingress: Ingress, name: str, what: str, at: Node | None = None, key: str | None = None,
              position: tuple | None = None) -> Iterator[Finding]:
        namespace, cluster = ingress.namespace, self.cluster
        if cluster.service(namespace, name) or is_placeholder(name) or cluster.may_hold_unplaced("Service"):
            return
        if is_placeholder(namespace) or _operator_may_create(cluster, namespace, name):
            return  # an unrendered template ("<namespace>"): where the Service would be is not known
        if (namespace, name) == GKE_DEFAULT_BACKEND and ingress.class_name in GKE_CLASSES:
            return  # the GKE cluster add-on that serves unmatched requests
        services_named, near_misses = self._indexes()
        elsewhere = [s for s in services_named.get(name, ()) if s.namespace != namespace]
        close = sorted(near_misses.of(namespace, name))
        finding = ingress.finding(f"{what} Service {name!r}, which does not exist in namespace {namespace}",
                                  _missing_service_hint(namespace, name, close, elsewhere), at=at, key=key,
                                  related=[s.related() for s in elsewhere[:1]])
        if position:
            finding.line, finding.column, finding.field_path = position
        if not elsewhere and not close and not cluster.unit_holds(ingress, SERVING_KINDS, namespace):
            finding.downgraded("info", f"nothing applied with this Ingress (its apply unit) runs in namespace "
                                       f"{namespace}: no Service and no workload there, so its backends come from a "
                                       f"separate install (a base application, another release)")
        yield finding


def _alb_action_findings(ingress: Ingress, missing: _MissingServices) -> Iterator[Finding]:
    """`use-annotation` backends: the action must exist, and the Services a forward action names too."""
    for site in backend_sites(ingress):
        if not is_alb_action(site.backend):
            continue
        key, action = alb_action_key(site.backend), alb_action(ingress, site.backend)
        if action is None:
            yield ingress.finding(
                f"{site.describe()} names the AWS Load Balancer Controller action {site.backend.service_name!r} "
                f"(port use-annotation), but the Ingress has no JSON annotation {key}: the controller answers these "
                f"requests with a fixed 503 \"Backend action does not exist\"",
                f"add the annotation {key} with the action (redirect, fixed-response or forward), or route to a "
                f"Service port instead of use-annotation", at=site.backend, key=site.backend.port_key)
            continue
        for target in alb_forward_targets(action):
            yield from missing.check(ingress, target.service_name, f"the ALB action {site.backend.service_name!r} "
                                     f"({key}) forwards to", position=_annotation_position(ingress, key))


def _kong_facade_findings(cluster: Cluster, ingress: Ingress, missing: _MissingServices) -> Iterator[Finding]:
    """A KongServiceFacade backend stands for the Service in its spec.backendRef."""
    for site in backend_sites(ingress):
        name = kong_facade(site.backend)
        facade = next((r for r in cluster.custom_resources.get(ingress.namespace, ())
                       if (r.ref.kind, r.name) == (KONG_FACADE[1], name)), None) if name else None
        service_name = kong_facade_service(facade)[0] if facade else None
        if service_name:
            yield from missing.check(ingress, service_name, f"{site.describe()} routes through KongServiceFacade "
                                     f"{name!r} to", at=site.node, key=f"{site.key}.resource.name")


def _annotation_position(ingress: Ingress, annotation: str) -> tuple[int, int, str]:
    metadata = ingress.raw.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    line, column = annotations.position(annotation) if isinstance(annotations, Mapping) else ingress.position()
    return line, column, f"metadata.annotations[{annotation!r}]"


def _operator_may_create(cluster: Cluster, namespace: str, service_name: str) -> bool:
    """A custom resource in the namespace named like the Service, or like its prefix.

    Operators create Services named after their resource: ECK's Kibana `kibana` makes
    `kibana-kb-http`, Strimzi's Kafka `my` makes `my-kafka-bootstrap`, a Knative Service its own name.
    """
    for resource in cluster.custom_resources.get(namespace, ()):
        if service_name == resource.name or service_name.startswith(resource.name + "-"):
            return True
    return False


def _missing_service_hint(namespace: str, name: str, close: list[str], elsewhere: list[Service]) -> str:
    if close:
        return f"Service {close[0]!r} exists in namespace {namespace}: did you mean it? Names are case-sensitive"
    if elsewhere:
        return (f"a Service {name!r} exists in namespace {elsewhere[0].namespace}, but an Ingress only routes to "
                f"Services in its own namespace: move the Ingress there (or bridge with an ExternalName Service)")
    return f"create the Service {name!r} in namespace {namespace}, or correct the name"
