"""Validated documents → the typed cluster model.

One module per area builds its kinds; `BUILDERS` says which module builds which built-in kind.

Invalid objects still exist. A manifest that fails schema validation in some field is built
like any other, from what of it can be read, so that it counts for every rule that asks whether
an object is there (a Service an Ingress names, the pods in a namespace) and its valid parts
(template labels, the other ports) are matched and checked. The mechanism is generic, driven by
the JSON paths of the schema errors (schema.unreadable_paths), with no per-kind code:

1. Each failing field is widened to its *element*: the innermost list entry that is a mapping
   and holds it (one Service port, one container, one container port, one Ingress path, one TLS
   entry); outside list entries, the field itself. Elements are read whole or not at all.
2. The builders read `readable.readable_view(...)`: the manifest without those elements (a dropped
   key, or a hole in a list that the builders skip, so JSON paths of the others stay right).
   They never see a wrong type and never need to guard against one.
3. Every node of the built object knows which paths were left out (`Node.unreadable`), and
   `Node.readable(key)` tells a rule whether a field was read whole. A rule that concludes
   from a field's value or absence, or from "all ports"/"all containers", asks first: the model
   holds a default where the manifest had garbage (a Service whose `spec.type` failed reads
   as ClusterIP), and the rule must not report on that default.
4. When the object's identity (apiVersion, kind, metadata, name, namespace) fails, nothing of it
   can be placed, and it stays out of the model: its `manifest-invalid` findings are all. Its
   kind is remembered (`Cluster.unplaced_kinds`), so that no rule reports an object of that
   kind as missing: it may be the one.

New kinds adopt it by building through `_items`/`_mapping`/`_list` (holes and absent fields are
skipped) and by checking `readable()` in their rules before they conclude from a field.
"""

from __future__ import annotations

from portlint import schema
from portlint.findings import Finding, ObjectRef
from portlint.builder.common import _mapping
from portlint.builder.gateway import build_gateway, build_gateway_class, build_reference_grant, build_route
from portlint.builder.readable import mark_unreadable, readable_view
from portlint.builder.ingress import build_ingress
from portlint.builder.pods import build_workload
from portlint.builder.policy import (
    build_autoscaler,
    build_disruption_budget,
    build_monitor,
    build_namespace,
    build_network_policy,
)
from portlint.builder.services import build_service
from portlint.kinds import (
    ALL_WORKLOAD_KINDS,
    MONITOR_KINDS,
    ROUTE_KINDS,
    api_group,
    builtin_kind,
    is_cluster_scoped,
    model_kind,
    monitor_kind,
)
from portlint.loader import Document
from portlint.model import Cluster, EndpointsObject, KubeObject


def build_cluster(documents: list[Document], namespace: str = "default",
                  built: dict[int, tuple[Document, KubeObject]] | None = None,
                  previous: Cluster | None = None) -> tuple[Cluster, list[Finding]]:
    """The cluster of `documents`. `built` (id of a document → (document, object), filled here) lets a
    re-check reuse the objects of the documents it did not parse again: an object is a function of its
    document and the namespace alone (the per-cluster answers live on the Cluster), except that a
    CustomResourceDefinition of the input may make it cluster-scoped, which the caller must rule out.
    `previous` (the re-check's cluster before) lends its pod index when the workloads are the same objects."""
    cluster = Cluster()
    findings: list[Finding] = []
    schema.validate_all(documents, namespace)
    for document in documents:
        if not schema.is_manifest(document.data):
            continue
        cluster.manifest_count += 1
        findings.extend(document.problems or ())
        if document.unreadable == ((),):  # which object this is cannot be told
            cluster.unplaced_kinds.add(builtin_kind(document.data.get("apiVersion"), document.data.get("kind")))
            continue
        known = built.get(id(document)) if built is not None else None
        if known is not None and known[0] is document:
            cluster.add(known[1])
            continue
        obj = build_object(document, namespace)
        if built is not None:
            built[id(document)] = (document, obj)  # the document kept with it: its id stays its own
        cluster.add(obj)
    _unnamespace_custom_cluster_scoped(cluster)
    cluster.build_indexes(previous.pods if previous is not None else None)
    return cluster, findings


def built_objects(documents: list[Document], cluster: Cluster) -> dict[int, tuple[Document, KubeObject]]:
    """The `built` of build_cluster for a cluster built from `documents` without one: its objects are
    those of the manifests it could place, in their order (empty when they do not line up)."""
    placed = [d for d in documents if schema.is_manifest(d.data) and d.unreadable != ((),)]
    if len(placed) != len(cluster.objects) or any(d.source is not o.source or (o.raw is not d.data and not d.unreadable)
                                                  for d, o in zip(placed, cluster.objects)):
        return {}
    return {id(d): (d, o) for d, o in zip(placed, cluster.objects)}


def _unnamespace_custom_cluster_scoped(cluster: Cluster) -> None:
    """Objects of the kinds that a CustomResourceDefinition in the input declares `scope: Cluster`."""
    scoped = set()
    for obj in cluster.objects:
        if obj.ref.kind != "CustomResourceDefinition":
            continue
        spec = obj.raw.get("spec")
        if isinstance(spec, dict) and spec.get("scope") == "Cluster":
            names = spec.get("names")
            if isinstance(names, dict) and isinstance(names.get("kind"), str) and isinstance(spec.get("group"), str):
                scoped.add((spec["group"], names["kind"]))
    if scoped:
        for obj in cluster.objects:
            if obj.ref.namespace and (api_group(obj.ref.api_version), obj.ref.kind) in scoped:
                obj.ref = obj.ref._replace(namespace="")


def build_object(document: Document, default_namespace: str) -> KubeObject:
    data = readable_view(document.data, document.unreadable) if document.unreadable else document.data
    metadata = _mapping(data.get("metadata"))  # other kinds (a Kustomization) may have none
    kind = model_kind(data)
    namespace = "" if is_cluster_scoped(data["apiVersion"], data["kind"]) else (
        metadata.get("namespace") or default_namespace)
    ref = ObjectRef(data["apiVersion"], data["kind"], namespace, metadata.get("name") or metadata.get("generateName", ""))
    common = dict(raw=data, json_path=schema.json_path_text(list(document.path_prefix)), ref=ref, kind=kind,
                  source=document.source, labels=metadata.get("labels") or {},
                  annotations=metadata.get("annotations") or {},
                  builtin=builtin_kind(data["apiVersion"], data["kind"]) is not None)
    build = BUILDERS.get(kind or monitor_kind(data["apiVersion"], data["kind"]))
    obj = build(data, common) if build else KubeObject(**common)
    if document.unreadable:
        prefix = list(document.path_prefix)
        mark_unreadable(obj, tuple(schema.json_path_text(prefix + list(p)) for p in document.unreadable))
    return obj


def _endpoints(data, common: dict) -> EndpointsObject:
    return EndpointsObject(service_name=common["ref"].name, **common)


def _endpoint_slice(data, common: dict) -> EndpointsObject:
    return EndpointsObject(service_name=common["labels"].get("kubernetes.io/service-name", ""), **common)


# built-in kind -> the function that builds its model object from (manifest, common fields)
BUILDERS = {
    "Service": build_service,
    "Ingress": build_ingress,
    "Endpoints": _endpoints,
    "EndpointSlice": _endpoint_slice,
    "NetworkPolicy": build_network_policy,
    "Namespace": build_namespace,
    "HorizontalPodAutoscaler": build_autoscaler,
    "PodDisruptionBudget": build_disruption_budget,
    **{kind: build_monitor for kind in MONITOR_KINDS},
    **{kind: (lambda data, common, kind=kind: build_workload(data, kind, common)) for kind in ALL_WORKLOAD_KINDS},
    "Gateway": build_gateway,
    "GatewayClass": build_gateway_class,
    "ReferenceGrant": build_reference_grant,
    **{kind: build_route for kind in ROUTE_KINDS},
}
