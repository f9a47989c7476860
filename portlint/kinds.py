"""Which API group/kind pairs the model reads, and how the removed beta APIs map onto them."""

from __future__ import annotations

from functools import lru_cache

WORKLOAD_KINDS = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                  "ReplicationController", "Job", "CronJob")

GATEWAY_API_GROUP = "gateway.networking.k8s.io"
ROUTE_KINDS = ("HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute")

# kind -> the API groups in which it is the built-in kind (the legacy groups included, so that a
# manifest still written against them is read, and flagged by `deprecated-api`)
BUILTIN_GROUPS = {
    "Service": ("",), "Pod": ("",), "Endpoints": ("",), "Secret": ("",),
    "ReplicationController": ("",), "ConfigMap": ("",), "Namespace": ("",), "ServiceAccount": ("",),
    "Deployment": ("apps", "extensions"), "StatefulSet": ("apps",),
    "DaemonSet": ("apps", "extensions"), "ReplicaSet": ("apps", "extensions"),
    "Job": ("batch",), "CronJob": ("batch",),
    "Ingress": ("networking.k8s.io", "extensions"),
    "EndpointSlice": ("discovery.k8s.io",),
    **{kind: (GATEWAY_API_GROUP,) for kind in ("Gateway", "GatewayClass", "ReferenceGrant")},
    **{kind: (GATEWAY_API_GROUP,) for kind in ROUTE_KINDS},
    "NetworkPolicy": ("networking.k8s.io", "extensions"),
    "HorizontalPodAutoscaler": ("autoscaling",),
    "PodDisruptionBudget": ("policy",),
}

# Kinds outside Kubernetes whose controllers make pods from a pod template at the place a built-in kind
# keeps it: (API group, kind) -> the built-in kind it is read like (template, selector, serviceName).
# - Argo Rollouts: "the rollout spec has the same fields as a deployment spec" (spec.selector,
#   spec.template); a Rollout that instead references a Deployment (spec.workloadRef) runs that
#   Deployment's template, which the input holds as a Deployment. Pods get rollouts-pod-template-hash.
#   https://argoproj.github.io/argo-rollouts/migrating/
# - OpenShift DeploymentConfig: a pod template managed through ReplicationControllers, with an
#   RC-style selector (a plain map); pods get deploymentconfig=<name> and deployment=<name>-<version>
#   (DeploymentConfigLabel, DeploymentLabel in openshift/api apps/v1).
#   https://docs.openshift.com/container-platform/4.1/applications/deployments/what-deployments-are.html
# - OpenKruise CloneSet, Advanced StatefulSet and Advanced DaemonSet: "an enhanced version of the default
#   StatefulSet" (DaemonSet); CloneSet manages stateless pods like a Deployment. https://openkruise.io
POD_TEMPLATE_KINDS = {
    ("argoproj.io", "Rollout"): "Deployment",
    ("apps.openshift.io", "DeploymentConfig"): "ReplicationController",
    ("apps.kruise.io", "CloneSet"): "Deployment",
    ("apps.kruise.io", "StatefulSet"): "StatefulSet",
    ("apps.kruise.io", "DaemonSet"): "DaemonSet",
}
# every kind the model reads as a workload (ref.kind): the built-in ones and those above
ALL_WORKLOAD_KINDS = WORKLOAD_KINDS + tuple(sorted({kind for _, kind in POD_TEMPLATE_KINDS} - set(WORKLOAD_KINDS)))

# Prometheus-operator kinds the model reads: custom resources, so no schema validates them and
# their builder tolerates any shape. Azure's managed Prometheus serves the same CRDs in its own group.
MONITOR_GROUPS = ("monitoring.coreos.com", "azmonitoring.coreos.com")
MONITOR_KINDS = ("ServiceMonitor", "PodMonitor")

# kind -> name of its definition in schemas/manifests.schema.json
SCHEMA_DEFINITION = {
    "Pod": "Pod", "Deployment": "Deployment", "StatefulSet": "Deployment", "DaemonSet": "Deployment",
    "ReplicaSet": "Deployment", "ReplicationController": "ReplicationController", "Job": "Job",
    "CronJob": "CronJob", "Service": "Service", "Ingress": "Ingress", "Endpoints": "Endpoints",
    "EndpointSlice": "EndpointSlice", "Secret": "Secret",
    "Gateway": "Gateway", "GatewayClass": "GatewayClass", "ReferenceGrant": "ReferenceGrant",
    "HTTPRoute": "HTTPRoute", "GRPCRoute": "GRPCRoute",
    "TLSRoute": "routeCommon", "TCPRoute": "routeCommon", "UDPRoute": "routeCommon",
    "Rollout": "Deployment", "DeploymentConfig": "ReplicationController", "CloneSet": "Deployment",
    "NetworkPolicy": "NetworkPolicy", "HorizontalPodAutoscaler": "HorizontalPodAutoscaler",
    "PodDisruptionBudget": "PodDisruptionBudget",
}


# the apiVersions whose fields differ from the kind's current version: (apiVersion, kind) -> definition
LEGACY_INGRESS_VERSIONS = ("extensions/v1beta1", "networking.k8s.io/v1beta1")
VERSIONED_SCHEMA_DEFINITION = {(version, "Ingress"): "IngressLegacy" for version in LEGACY_INGRESS_VERSIONS}


def model_kind(data: dict) -> str | None:
    """The kind the model reads this manifest as: a built-in kind, or a kind of POD_TEMPLATE_KINDS that
    carries its own pod template (a Rollout with spec.workloadRef has none: its Deployment is the workload)."""
    api_version, kind = data.get("apiVersion"), data.get("kind")
    found = builtin_kind(api_version, kind)
    if found or not isinstance(api_version, str) or not isinstance(kind, str):
        return found
    if (api_group(api_version), kind) not in POD_TEMPLATE_KINDS:
        return None
    spec = data.get("spec")
    return kind if isinstance(spec, dict) and spec.get("template") is not None else None


def schema_definition(api_version: object, kind: str | None) -> str | None:
    """The schema definition for this apiVersion of a model kind (fields can depend on the version)."""
    if kind is None:
        return None
    return VERSIONED_SCHEMA_DEFINITION.get((api_version, kind)) or SCHEMA_DEFINITION.get(kind)


# built-in kinds that live outside namespaces: metadata.namespace is ignored (cleared) for them
CLUSTER_SCOPED = {
    ("", "Namespace"), ("", "Node"), ("", "PersistentVolume"), ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"), ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"), ("apiregistration.k8s.io", "APIService"),
    ("scheduling.k8s.io", "PriorityClass"), ("node.k8s.io", "RuntimeClass"),
    ("storage.k8s.io", "StorageClass"), ("storage.k8s.io", "CSIDriver"), ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"), ("storage.k8s.io", "VolumeAttributesClass"),
    ("networking.k8s.io", "IngressClass"), ("networking.k8s.io", "IPAddress"),
    ("networking.k8s.io", "ServiceCIDR"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
    ("policy", "PodSecurityPolicy"), ("certificates.k8s.io", "CertificateSigningRequest"),
    ("certificates.k8s.io", "ClusterTrustBundle"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"), ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("resource.k8s.io", "DeviceClass"), ("resource.k8s.io", "ResourceSlice"),
    ("gateway.networking.k8s.io", "GatewayClass"),
}


def is_cluster_scoped(api_version: object, kind: object) -> bool:
    """A built-in kind that lives outside namespaces (its metadata.namespace is ignored)."""
    return isinstance(api_version, str) and (api_group(api_version), kind) in CLUSTER_SCOPED


def api_group(api_version: str) -> str:
    return api_version.rpartition("/")[0] if "/" in api_version else ""


def builtin_kind(api_version: object, kind: object) -> str | None:
    """The kind if this apiVersion/kind is the Kubernetes built-in one (a Knative `Service` is not)."""
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None
    groups = BUILTIN_GROUPS.get(kind)
    return kind if groups is not None and api_group(api_version) in groups else None


# (group, kind) of a removed beta API -> the group that serves the same stored resource today
LEGACY_GROUP = {
    ("extensions", "Deployment"): "apps", ("extensions", "DaemonSet"): "apps",
    ("extensions", "ReplicaSet"): "apps", ("extensions", "Ingress"): "networking.k8s.io",
    ("extensions", "NetworkPolicy"): "networking.k8s.io", ("extensions", "PodSecurityPolicy"): "policy",
    ("events.k8s.io", "Event"): "",
}


@lru_cache(maxsize=4096)
def stored_resource(api_version: str, kind: str) -> tuple[str, str]:
    """(API group, kind) of the stored resource: versions do not matter, removed beta groups map to today's."""
    group = api_group(api_version)
    return LEGACY_GROUP.get((group, kind), group), kind


def monitor_kind(api_version: object, kind: object) -> str | None:
    """ServiceMonitor or PodMonitor when this is the Prometheus-operator kind."""
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None
    return kind if kind in MONITOR_KINDS and api_group(api_version) in MONITOR_GROUPS else None
