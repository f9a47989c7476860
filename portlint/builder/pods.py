"""Workloads: pod templates, containers, ports, probes, selectors and the labels controllers add to pods."""

from __future__ import annotations

from portlint.builder.common import EMPTY, _items, _join, _mapping, _shared
from portlint.loader import Mapping
from portlint.model import DEFAULT_PROTOCOL, PROBE_KINDS, Container, ContainerPort, PodTemplate, Probe, Workload
from portlint.selectors import (
    ANY_VALUE,
    LabelSelector,
    PodLabels,
    Requirement,
    digits,
    suffixed,
)

PROBE_HANDLERS = ("httpGet", "tcpSocket", "grpc")


def build_workload(data: Mapping, kind: str, common: dict) -> Workload:
    spec = _mapping(data.get("spec"))
    base = _join(common["json_path"], "spec")
    name = common["ref"].name
    if kind == "Pod":
        template = _pod_template(EMPTY, spec, base, common["labels"])
        selector = None
    elif kind == "CronJob":
        job_spec = _mapping(_mapping(spec.get("jobTemplate")).get("spec"))
        template = _template(job_spec, f"{base}.jobTemplate.spec")
        selector = _label_selector(job_spec.get("selector"))  # must be absent: the Jobs' selectors are generated
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
    containers = [_container(c, _shared(f"{spec_path}.containers[{i}]"), init=False)
                  for i, c in _items(pod_spec.get("containers"))]
    init = [_container(c, _shared(f"{spec_path}.initContainers[{i}]"), init=True)
            for i, c in _items(pod_spec.get("initContainers"))]
    raw = template if template is not EMPTY else pod_spec
    return PodTemplate(raw=raw, json_path=path, labels=dict(labels), containers=containers, init_containers=init)


def _container(raw: Mapping, path: str, init: bool) -> Container:
    ports = [ContainerPort(raw=p, json_path=_shared(f"{path}.ports[{i}]"), name=p.get("name") or None,
                           number=p["containerPort"], protocol=p.get("protocol") or DEFAULT_PROTOCOL,
                           host_port=p.get("hostPort") or None)
             for i, p in _items(raw.get("ports"))]
    probes = []
    for probe_kind in PROBE_KINDS:
        probe = raw.get(probe_kind)
        if not isinstance(probe, Mapping):
            continue  # most containers have no probe of this kind: nine look-ups saved
        for handler in PROBE_HANDLERS:
            action = probe.get(handler)
            if isinstance(action, Mapping) and action.get("port") is not None:
                probes.append(Probe(raw=action, json_path=_shared(f"{path}.{probe_kind}.{handler}"), kind=probe_kind,
                                    handler=handler, port=action["port"]))
    return Container(raw=raw, json_path=path, name=raw["name"], ports=ports, probes=probes,
                     sidecar=init and raw.get("restartPolicy") == "Always")


def _workload_selector(kind: str, spec: Mapping) -> LabelSelector | None:
    raw = spec.get("selector")
    if kind in ("ReplicationController", "DeploymentConfig"):
        return LabelSelector(dict(raw), []) if raw else None
    return _label_selector(raw)  # a Job's is generated unless manualSelector: workload-selector-mismatch


def _label_selector(raw) -> LabelSelector | None:
    if not isinstance(raw, Mapping):
        return None
    expressions = [Requirement(e["key"], e["operator"], tuple(e.get("values") or ()))
                   for _, e in _items(raw.get("matchExpressions"))]
    return LabelSelector(dict(raw.get("matchLabels") or {}), expressions)


def _pod_labels(kind: str, name: str, spec: Mapping, labels: dict) -> PodLabels:
    """The template's labels plus those the controller adds to every pod it creates."""
    static = dict(labels)
    dynamic = {}
    if kind in ("Deployment", "CloneSet"):
        dynamic["pod-template-hash" if kind == "Deployment" else "controller-revision-hash"] = ANY_VALUE
    elif kind == "Rollout":
        dynamic["rollouts-pod-template-hash"] = ANY_VALUE
    elif kind == "DeploymentConfig":
        static.setdefault("deploymentconfig", name)
        dynamic["deployment"] = suffixed(name)
    elif kind == "StatefulSet":
        dynamic.update({"controller-revision-hash": ANY_VALUE,
                        "statefulset.kubernetes.io/pod-name": suffixed(name),
                        "apps.kubernetes.io/pod-index": digits})
    elif kind == "DaemonSet":
        dynamic.update({"controller-revision-hash": ANY_VALUE, "pod-template-generation": digits})
    elif kind == "Job":
        if spec.get("manualSelector") is not True:
            # the API server's Job strategy adds them to the template (generateSelectorIfNeeded), only
            # when the selector is generated
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
