"""Validated documents → the typed cluster model. Only schema-valid manifests reach this package.

One module per area builds its kinds; `BUILDERS` says which module builds which built-in kind.
"""

from __future__ import annotations

from portlint import schema
from portlint.findings import Finding, ObjectRef
from portlint.builder.common import _mapping
from portlint.builder.ingress import build_ingress
from portlint.builder.pods import build_workload
from portlint.builder.services import build_service
from portlint.kinds import WORKLOAD_KINDS, builtin_kind
from portlint.loader import Document
from portlint.model import Cluster, EndpointsObject, KubeObject


def build_cluster(documents: list[Document], namespace: str = "default") -> tuple[Cluster, list[Finding]]:
    cluster = Cluster()
    findings: list[Finding] = []
    schema.validate_all(documents, namespace)
    for document in documents:
        if not schema.is_manifest(document.data):
            continue
        cluster.manifest_count += 1
        problems = document.problems
        if problems:
            findings.extend(problems)
            continue
        cluster.add(build_object(document, namespace))
    cluster.build_indexes()
    return cluster, findings


def build_object(document: Document, default_namespace: str) -> KubeObject:
    data = document.data
    metadata = _mapping(data.get("metadata"))  # other kinds (a Kustomization) may have none
    kind = builtin_kind(data["apiVersion"], data["kind"])
    ref = ObjectRef(data["apiVersion"], data["kind"], metadata.get("namespace") or default_namespace,
                    metadata.get("name") or metadata.get("generateName", ""))
    common = dict(raw=data, json_path=schema.json_path_text(list(document.path_prefix)), ref=ref, kind=kind,
                  source=document.source, labels=metadata.get("labels") or {},
                  annotations=metadata.get("annotations") or {}, builtin=kind is not None)
    build = BUILDERS.get(kind)
    return build(data, common) if build else KubeObject(**common)


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
    **{kind: (lambda data, common, kind=kind: build_workload(data, kind, common)) for kind in WORKLOAD_KINDS},
}
