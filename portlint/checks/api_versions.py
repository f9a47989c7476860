"""Objects written against API versions that Kubernetes no longer serves (the Deprecated API Migration Guide)."""

from __future__ import annotations

from typing import Iterator, NamedTuple

from portlint.engine import rule
from portlint.findings import Finding
from portlint.model import Cluster, KubeObject
from portlint.settings import Settings


class Removal(NamedTuple):
    removed_in: str  # the Kubernetes minor release that stopped serving it
    replacement: str | None  # the apiVersion to use instead; None: the kind is gone
    changes: str = ""  # what else to rewrite when moving
    served_by: str = "Kubernetes"  # who stopped serving it: Kubernetes, or a CRD project's releases


_APPS = "spec.selector is required in apps/v1 (copy the template's labels into spec.selector.matchLabels)"
_INGRESS = ("in networking.k8s.io/v1 the backend is service: {name, port: {number | name}} instead of "
            "serviceName/servicePort, spec.backend is spec.defaultBackend, and every path needs a pathType "
            "(ImplementationSpecific keeps the old matching)")
_TO_V1 = "no schema changes"

# (apiVersion, kind) -> removal, per https://kubernetes.io/docs/reference/using-api/deprecation-guide/
REMOVED_KINDS: dict[tuple[str, str], Removal] = {
    # v1.16
    ("extensions/v1beta1", "Deployment"): Removal("1.16", "apps/v1", _APPS),
    ("extensions/v1beta1", "DaemonSet"): Removal("1.16", "apps/v1", _APPS),
    ("extensions/v1beta1", "ReplicaSet"): Removal("1.16", "apps/v1", _APPS),
    **{(version, kind): Removal("1.16", "apps/v1", _APPS)
       for version, kinds in (("apps/v1beta1", ("Deployment", "StatefulSet", "ReplicaSet")),
                              ("apps/v1beta2", ("Deployment", "StatefulSet", "ReplicaSet", "DaemonSet")))
       for kind in kinds},
    ("extensions/v1beta1", "NetworkPolicy"): Removal("1.16", "networking.k8s.io/v1", _TO_V1),
    ("extensions/v1beta1", "PodSecurityPolicy"): Removal(
        "1.16", None, "PodSecurityPolicy itself was removed in v1.25: use Pod Security Admission"),
    # v1.22
    ("extensions/v1beta1", "Ingress"): Removal("1.22", "networking.k8s.io/v1", _INGRESS),
    ("networking.k8s.io/v1beta1", "Ingress"): Removal("1.22", "networking.k8s.io/v1", _INGRESS),
    ("networking.k8s.io/v1beta1", "IngressClass"): Removal("1.22", "networking.k8s.io/v1", _TO_V1),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"): Removal(
        "1.22", "apiextensions.k8s.io/v1",
        "v1 needs spec.versions[*].schema.openAPIV3Schema and an explicit spec.scope"),
    ("admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration"): Removal(
        "1.22", "admissionregistration.k8s.io/v1", "v1 requires webhooks[*].sideEffects and admissionReviewVersions"),
    ("admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration"): Removal(
        "1.22", "admissionregistration.k8s.io/v1", "v1 requires webhooks[*].sideEffects and admissionReviewVersions"),
    ("apiregistration.k8s.io/v1beta1", "APIService"): Removal("1.22", "apiregistration.k8s.io/v1", _TO_V1),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"): Removal(
        "1.22", "certificates.k8s.io/v1", "v1 requires spec.signerName and spec.usages"),
    ("coordination.k8s.io/v1beta1", "Lease"): Removal("1.22", "coordination.k8s.io/v1", _TO_V1),
    ("scheduling.k8s.io/v1beta1", "PriorityClass"): Removal("1.22", "scheduling.k8s.io/v1", _TO_V1),
    **{("rbac.authorization.k8s.io/v1beta1", kind): Removal("1.22", "rbac.authorization.k8s.io/v1", _TO_V1)
       for kind in ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")},
    **{("storage.k8s.io/v1beta1", kind): Removal("1.22", "storage.k8s.io/v1", _TO_V1)
       for kind in ("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment")},
    # v1.25
    ("batch/v1beta1", "CronJob"): Removal("1.25", "batch/v1", _TO_V1),
    ("policy/v1beta1", "PodDisruptionBudget"): Removal(
        "1.25", "policy/v1", "in policy/v1 an empty spec.selector selects every pod in the namespace"),
    ("policy/v1beta1", "PodSecurityPolicy"): Removal(
        "1.25", None, "PodSecurityPolicy was removed without a successor API: use Pod Security Admission"),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler"): Removal(
        "1.25", "autoscaling/v2", "metric targets moved to metrics[*].*.target"),
    ("discovery.k8s.io/v1beta1", "EndpointSlice"): Removal(
        "1.25", "discovery.k8s.io/v1", "endpoints[*].topology became nodeName and zone"),
    ("events.k8s.io/v1beta1", "Event"): Removal("1.25", "events.k8s.io/v1", "several fields were renamed"),
    ("node.k8s.io/v1beta1", "RuntimeClass"): Removal("1.25", "node.k8s.io/v1", _TO_V1),
    # v1.26 and later
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler"): Removal("1.26", "autoscaling/v2", _TO_V1),
    **{("flowcontrol.apiserver.k8s.io/v1beta1", kind): Removal("1.26", "flowcontrol.apiserver.k8s.io/v1", _TO_V1)
       for kind in ("FlowSchema", "PriorityLevelConfiguration")},
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity"): Removal("1.27", "storage.k8s.io/v1", _TO_V1),
    **{("flowcontrol.apiserver.k8s.io/v1beta2", kind): Removal("1.29", "flowcontrol.apiserver.k8s.io/v1", _TO_V1)
       for kind in ("FlowSchema", "PriorityLevelConfiguration")},
    **{("flowcontrol.apiserver.k8s.io/v1beta3", kind): Removal("1.32", "flowcontrol.apiserver.k8s.io/v1", _TO_V1)
       for kind in ("FlowSchema", "PriorityLevelConfiguration")},
}

# Gateway API versions its CRDs no longer serve (kubernetes-sigs/gateway-api #2069 in v0.7.0, #3361 in v1.2.0)
_GATEWAY_API = "Gateway API's CRDs"
REMOVED_KINDS.update({
    **{("gateway.networking.k8s.io/v1alpha2", kind): Removal("0.7.0", "gateway.networking.k8s.io/v1", _TO_V1, _GATEWAY_API)
       for kind in ("Gateway", "GatewayClass", "HTTPRoute")},
    ("gateway.networking.k8s.io/v1alpha2", "GRPCRoute"): Removal("1.2.0", "gateway.networking.k8s.io/v1", _TO_V1,
                                                                 _GATEWAY_API),
    ("gateway.networking.k8s.io/v1alpha2", "ReferenceGrant"): Removal("1.2.0", "gateway.networking.k8s.io/v1beta1",
                                                                      _TO_V1, _GATEWAY_API),
})

# API versions that are gone as a whole: any kind in them (other versions of these groups, such as
# networking.k8s.io/v1beta1 or storage.k8s.io/v1beta1, serve newer beta kinds, so they are per kind)
REMOVED_VERSIONS: dict[str, Removal] = {
    "extensions/v1beta1": Removal("1.22", None),
    "apps/v1beta1": Removal("1.16", "apps/v1", _TO_V1),
    "apps/v1beta2": Removal("1.16", "apps/v1", _TO_V1),
}


def removal(obj: KubeObject) -> Removal | None:
    api_version, kind = obj.ref.api_version, obj.ref.kind
    return REMOVED_KINDS.get((api_version, kind)) or REMOVED_VERSIONS.get(api_version)


@rule("deprecated-api")
def deprecated_api(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for obj in cluster.objects:
        gone = removal(obj)
        if gone is None:
            continue
        api_version, kind = obj.ref.api_version, obj.ref.kind
        yield obj.finding(
            f"{kind} is written against {api_version}, which {gone.served_by} stopped serving in v{gone.removed_in}: "
            f"the API server rejects it", _hint(obj, gone), key="apiVersion")


def _hint(obj: KubeObject, gone: Removal) -> str:
    if gone.replacement is None:
        return gone.changes or "this kind is not served in any supported API version: move to its current API"
    changes = gone.changes
    if changes == _APPS and _has_selector(obj):
        changes = _TO_V1  # the one required change is already made
    return f"use apiVersion: {gone.replacement}" + (f" ({changes})" if changes == _TO_V1 else f"; {changes}")


def _has_selector(obj: KubeObject) -> bool:
    spec = obj.raw.get("spec")
    return isinstance(spec, dict) and bool(spec.get("selector"))
