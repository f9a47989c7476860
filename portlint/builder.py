"""Validated documents → the typed cluster model. Only schema-valid manifests reach this module."""

from __future__ import annotations

from portlint import schema
from portlint.findings import Finding, ObjectRef
from portlint.kinds import WORKLOAD_KINDS, builtin_kind
from portlint.loader import Document, Mapping
from portlint.model import (
    DEFAULT_PROTOCOL,
    PROBE_KINDS,
    Cluster,
    Container,
    ContainerPort,
    EndpointsObject,
    Ingress,
    IngressBackend,
    IngressPath,
    IngressRule,
    IngressTLS,
    KubeObject,
    PodTemplate,
    Probe,
    Service,
    ServicePort,
    Workload,
)
from portlint.selectors import (
    ANY_VALUE,
    LabelSelector,
    PodLabels,
    Requirement,
    digits,
    suffixed,
)

PROBE_HANDLERS = ("httpGet", "tcpSocket", "grpc")
EMPTY = Mapping()


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
    if kind == "Service":
        return _service(data, common)
    if kind in WORKLOAD_KINDS:
        return _workload(data, kind, common)
    if kind == "Ingress":
        return _ingress(data, common)
    if kind == "Endpoints":
        return EndpointsObject(service_name=ref.name, **common)
    if kind == "EndpointSlice":
        owner = common["labels"].get("kubernetes.io/service-name", "")
        return EndpointsObject(service_name=owner, **common)
    return KubeObject(**common)


def _mapping(value) -> Mapping:
    return value if isinstance(value, Mapping) else EMPTY


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _join(base: str, key: str) -> str:
    return f"{base}.{key}" if base else key


# --- Service --------------------------------------------------------------------------------------

def _service(data: Mapping, common: dict) -> Service:
    spec = _mapping(data.get("spec"))
    spec_path = _join(common["json_path"], "spec")
    ports = [_service_port(p, f"{spec_path}.ports[{i}]") for i, p in enumerate(_list(spec.get("ports")))]
    return Service(type=spec.get("type") or "ClusterIP", selector=spec.get("selector") or None,
                   ports=ports, cluster_ip=spec.get("clusterIP"), external_name=spec.get("externalName"),
                   health_check_node_port=spec.get("healthCheckNodePort") or None,
                   external_traffic_policy=spec.get("externalTrafficPolicy"), **common)


def _service_port(raw: Mapping, path: str) -> ServicePort:
    target = raw.get("targetPort")
    # the API server defaults an absent, 0 or "" targetPort to `port`
    given = target not in (None, 0, "")
    return ServicePort(raw=raw, json_path=path, name=raw.get("name") or None,
                       protocol=raw.get("protocol") or DEFAULT_PROTOCOL, port=raw["port"],
                       target_port=target if given else raw["port"], target_port_given=given,
                       node_port=raw.get("nodePort") or None)


# --- workloads ------------------------------------------------------------------------------------

def _workload(data: Mapping, kind: str, common: dict) -> Workload:
    spec = _mapping(data.get("spec"))
    base = _join(common["json_path"], "spec")
    name = common["ref"].name
    if kind == "Pod":
        template = _pod_template(EMPTY, spec, base, common["labels"])
        selector = None
    elif kind == "CronJob":
        job_spec = _mapping(_mapping(spec.get("jobTemplate")).get("spec"))
        template = _template(job_spec, f"{base}.jobTemplate.spec")
        selector = _label_selector(job_spec.get("selector")) if job_spec.get("manualSelector") else None
    else:
        template = _template(spec, base)
        selector = _workload_selector(kind, spec)
    return Workload(selector=selector, template=template,
                    pod_labels=_pod_labels(kind, name, spec, template.labels),
                    service_name=spec.get("serviceName") if kind == "StatefulSet" else None, **common)


def _template(spec: Mapping, base: str) -> PodTemplate:
    template = _mapping(spec.get("template"))
    labels = _mapping(template.get("metadata")).get("labels") or {}
    return _pod_template(template, _mapping(template.get("spec")), f"{base}.template", labels)


def _pod_template(template: Mapping, pod_spec: Mapping, path: str, labels: dict) -> PodTemplate:
    spec_path = f"{path}.spec" if template is not EMPTY else path
    containers = [_container(c, f"{spec_path}.containers[{i}]", init=False)
                  for i, c in enumerate(_list(pod_spec.get("containers")))]
    init = [_container(c, f"{spec_path}.initContainers[{i}]", init=True)
            for i, c in enumerate(_list(pod_spec.get("initContainers")))]
    raw = template if template is not EMPTY else pod_spec
    return PodTemplate(raw=raw, json_path=path, labels=dict(labels), containers=containers, init_containers=init)


def _container(raw: Mapping, path: str, init: bool) -> Container:
    ports = [ContainerPort(raw=p, json_path=f"{path}.ports[{i}]", name=p.get("name") or None,
                           number=p["containerPort"], protocol=p.get("protocol") or DEFAULT_PROTOCOL,
                           host_port=p.get("hostPort") or None)
             for i, p in enumerate(_list(raw.get("ports")))]
    probes = []
    for probe_kind in PROBE_KINDS:
        probe = _mapping(raw.get(probe_kind))
        for handler in PROBE_HANDLERS:
            action = probe.get(handler)
            if isinstance(action, Mapping) and action.get("port") is not None:
                probes.append(Probe(raw=action, json_path=f"{path}.{probe_kind}.{handler}", kind=probe_kind,
                                    handler=handler, port=action["port"]))
    return Container(raw=raw, json_path=path, name=raw["name"], ports=ports, probes=probes,
                     sidecar=init and raw.get("restartPolicy") == "Always")


def _workload_selector(kind: str, spec: Mapping) -> LabelSelector | None:
    raw = spec.get("selector")
    if kind == "ReplicationController":
        return LabelSelector(dict(raw), []) if raw else None
    if kind == "Job" and not spec.get("manualSelector"):
        return None  # generated by the Job controller
    return _label_selector(raw)


def _label_selector(raw) -> LabelSelector | None:
    if not isinstance(raw, Mapping):
        return None
    expressions = [Requirement(e["key"], e["operator"], tuple(e.get("values") or ()))
                   for e in _list(raw.get("matchExpressions"))]
    return LabelSelector(dict(raw.get("matchLabels") or {}), expressions)


def _pod_labels(kind: str, name: str, spec: Mapping, labels: dict) -> PodLabels:
    """The template's labels plus those the controller adds to every pod it creates."""
    static = dict(labels)
    dynamic = {}
    if kind == "Deployment":
        dynamic["pod-template-hash"] = ANY_VALUE
    elif kind == "StatefulSet":
        dynamic.update({"controller-revision-hash": ANY_VALUE,
                        "statefulset.kubernetes.io/pod-name": suffixed(name),
                        "apps.kubernetes.io/pod-index": digits})
    elif kind == "DaemonSet":
        dynamic.update({"controller-revision-hash": ANY_VALUE, "pod-template-generation": digits})
    elif kind == "Job":
        static.setdefault("job-name", name)
        static.setdefault("batch.kubernetes.io/job-name", name)
        dynamic.update({"controller-uid": ANY_VALUE, "batch.kubernetes.io/controller-uid": ANY_VALUE})
        if spec.get("completionMode") == "Indexed":
            dynamic["batch.kubernetes.io/job-completion-index"] = digits
    elif kind == "CronJob":
        dynamic.update({"job-name": suffixed(name), "batch.kubernetes.io/job-name": suffixed(name),
                        "controller-uid": ANY_VALUE, "batch.kubernetes.io/controller-uid": ANY_VALUE})
    for key in static:
        dynamic.pop(key, None)
    return PodLabels(static, dynamic)


# --- Ingress --------------------------------------------------------------------------------------

def _ingress(data: Mapping, common: dict) -> Ingress:
    spec = _mapping(data.get("spec"))
    base = _join(common["json_path"], "spec")
    default_key = "defaultBackend" if spec.get("defaultBackend") else "backend"
    default = spec.get(default_key)
    rules = []
    for i, rule in enumerate(_list(spec.get("rules"))):
        http = _mapping(rule.get("http"))
        paths = [IngressPath(raw=p, json_path=f"{base}.rules[{i}].http.paths[{j}]", path=p.get("path"),
                             path_type=p.get("pathType"),
                             backend=_backend(p["backend"], f"{base}.rules[{i}].http.paths[{j}].backend"))
                 for j, p in enumerate(_list(http.get("paths")))]
        rules.append(IngressRule(raw=rule, json_path=f"{base}.rules[{i}]", host=rule.get("host") or None, paths=paths))
    tls = [IngressTLS(raw=t, json_path=f"{base}.tls[{i}]", hosts=list(t.get("hosts") or []),
                      secret_name=t.get("secretName") or None)
           for i, t in enumerate(_list(spec.get("tls")))]
    class_name = spec.get("ingressClassName") or common["annotations"].get("kubernetes.io/ingress.class")
    return Ingress(class_name=class_name, rules=rules, tls=tls,
                   default_backend=_backend(default, f"{base}.{default_key}") if default else None, **common)


def _backend(raw, path: str) -> IngressBackend:
    raw = _mapping(raw)
    service = raw.get("service")
    if isinstance(service, Mapping):
        port = _mapping(service.get("port"))
        number, name = port.get("number"), port.get("name") or None
        return IngressBackend(raw=port if port is not EMPTY else service,
                              json_path=f"{path}.service.port" if port is not EMPTY else f"{path}.service",
                              service_name=service["name"], port_number=number, port_name=name,
                              port_key="number" if number is not None else ("name" if name else ""),
                              resource=False)
    legacy_port = raw.get("servicePort")
    return IngressBackend(raw=raw, json_path=path, service_name=raw.get("serviceName") or None,
                          port_number=legacy_port if isinstance(legacy_port, int) else None,
                          port_name=legacy_port if isinstance(legacy_port, str) and legacy_port else None,
                          port_key="servicePort", resource=raw.get("resource") is not None)
