"""A seeded generator of realistic manifest trees with a known, small set of injected faults.

    python benchmarks/generate.py OUT_DIR --objects 10000 [--seed 6] [--no-faults]

The tree looks like a monorepo: one directory per namespace, one per application, holding
Deployments/StatefulSets/DaemonSets with several containers and named ports, Services of every
type (ClusterIP, headless, NodePort, LoadBalancer, ExternalName), Ingresses, Secrets for TLS and
ConfigMaps as filler, written one object per file, as multi-document files, as `kind: List`
files and as JSON. Everything not touched by a fault is a consistent application, so a correct
linter reports nothing on it. Each fault is built to break exactly one rule of the catalog
(`rules/*.yaml`); a fault whose rule is not in the catalog is not injected. The expected
findings (rule id + object, or rule id + file for file-level rules) go to `expected.json`.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import random
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml

GENERATOR_VERSION = 4
RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
EXPECTED_FILE = "expected.json"
FAULT_SHARE = 0.01  # about one fault per hundred objects (at least one of each kind)

WORDS = ("cart", "checkout", "payment", "search", "catalog", "auth", "billing", "inventory", "orders",
         "shipping", "reviews", "profile", "gateway", "notify", "ledger", "pricing", "media", "report")
TEAMS = ("shop", "platform", "data", "growth", "core", "edge", "ml", "ops")
MAIN_PORTS = {"http": 8080, "grpc": 9000, "admin": 8081}
METRICS_PORT = 9102
FLUENT_PORT = 24224
Doc = dict


def load_rule_ids(rules_dir: Path = RULES_DIR) -> set[str]:
    return {path.stem for path in rules_dir.glob("*.yaml")}


# --- one application ------------------------------------------------------------------------------

@dataclass
class App:
    namespace: str
    team: str
    name: str
    kind: str  # Deployment, StatefulSet, DaemonSet
    layout: str  # files, multi, list, json
    workload: Doc = None
    services: list[Doc] = field(default_factory=list)
    ingresses: list[Doc] = field(default_factory=list)
    shared_host: bool = False  # the "grow" layout: one host per namespace, a path per application
    secrets: list[Doc] = field(default_factory=list)
    configmaps: list[Doc] = field(default_factory=list)
    extra: list[Doc] = field(default_factory=list)  # objects a fault adds
    own_files: list[tuple[str, list[Doc]]] = field(default_factory=list)  # a fault's objects in a file of their own
    raw_files: list[tuple[str, str, int]] = field(default_factory=list)  # a fault's hand-written files (+ manifests)
    faulted: bool = False

    @property
    def objects(self) -> list[Doc]:
        return [self.workload, *self.services, *self.ingresses, *self.secrets, *self.configmaps, *self.extra]

    def count(self) -> int:
        return (len(self.objects) + sum(len(docs) for _, docs in self.own_files)
                + sum(manifests for _, _, manifests in self.raw_files))

    @property
    def main_service(self) -> Doc:
        return self.services[0]

    @property
    def main_container(self) -> Doc:
        return self.workload["spec"]["template"]["spec"]["containers"][0]


def meta(name: str, namespace: str, labels: dict | None = None, annotations: dict | None = None) -> dict:
    data = {"name": name, "namespace": namespace}
    if labels:
        data["labels"] = labels
    if annotations:
        data["annotations"] = annotations
    return data


def app_labels(app: App) -> dict:
    return {"app": app.name, "app.kubernetes.io/name": app.name, "app.kubernetes.io/part-of": app.team,
            "app.kubernetes.io/version": "1.4.2"}


def build_app(rng: random.Random, index: int, namespace: str, team: str, node_ports: Callable,
              shared_host: bool = False) -> App:
    kind = rng.choices(("Deployment", "StatefulSet", "DaemonSet"), (70, 20, 10))[0]
    layout = rng.choices(("files", "multi", "list", "json"), (45, 35, 15, 5))[0]
    app = App(namespace, team, f"{rng.choice(WORDS)}-{index}", kind, layout, shared_host=shared_host)
    ports = ["http"] + [p for p in ("grpc", "admin") if rng.random() < 0.4]
    app.workload = workload(rng, app, ports)
    app.services = services(rng, app, ports, node_ports)
    if kind != "DaemonSet" and rng.random() < 0.4:
        tls = rng.random() < 0.4
        app.ingresses.append(ingress(rng, app, tls))
        if tls:
            app.secrets.append(tls_secret(app))
    suffixes = ["config"] + rng.sample(("env", "files", "flags"), rng.randint(0, 2))  # the volume needs -config
    app.configmaps = [configmap(rng, app, f"{app.name}-{suffix}") for suffix in suffixes]
    return app


def workload(rng: random.Random, app: App, port_names: list[str]) -> Doc:
    selector_key = rng.choice(("app", "app.kubernetes.io/name"))
    template_spec = {"serviceAccountName": app.name, "containers": containers(rng, app, port_names),
                     "volumes": [{"name": "config", "configMap": {"name": f"{app.name}-config"}}]}
    if rng.random() < 0.3:
        template_spec["initContainers"] = init_containers(rng, app)
    spec = {"selector": {"matchLabels": {selector_key: app.name}},
            "template": {"metadata": {"labels": app_labels(app),
                                      "annotations": {"prometheus.io/scrape": "true",
                                                      "prometheus.io/port": str(METRICS_PORT)}},
                         "spec": template_spec}}
    if app.kind != "DaemonSet":
        spec = {"replicas": rng.choice((1, 2, 3, 5)), **spec}
    if app.kind == "StatefulSet":
        spec = {"serviceName": f"{app.name}-headless", **spec,
                "volumeClaimTemplates": [{"metadata": {"name": "data"},
                                          "spec": {"accessModes": ["ReadWriteOnce"],
                                                   "resources": {"requests": {"storage": "10Gi"}}}}]}
    return {"apiVersion": "apps/v1", "kind": app.kind, "metadata": meta(app.name, app.namespace, app_labels(app)),
            "spec": spec}


def containers(rng: random.Random, app: App, port_names: list[str]) -> list[Doc]:
    main = {"name": app.name.rsplit("-", 1)[0], "image": f"registry.example.com/{app.team}/{app.name}:1.4.2",
            "imagePullPolicy": "IfNotPresent",
            "args": ["--log-level=info", f"--config=/etc/{app.name}/config.yaml"],
            "ports": [{"name": n, "containerPort": MAIN_PORTS[n], "protocol": "TCP"} for n in port_names],
            "env": [{"name": "APP_NAME", "value": app.name}, {"name": "TEAM", "value": app.team},
                    {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
            "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 5},
            "livenessProbe": ({"tcpSocket": {"port": "http"}} if rng.random() < 0.5
                              else {"httpGet": {"path": "/healthz", "port": 8080}}),
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
            "volumeMounts": [{"name": "config", "mountPath": f"/etc/{app.name}"}]}
    if "grpc" in port_names:
        main["startupProbe"] = {"grpc": {"port": MAIN_PORTS["grpc"]}, "failureThreshold": 30}
    exporter = {"name": "metrics-exporter", "image": "registry.example.com/base/exporter:0.9.1",
                "ports": [{"name": "metrics", "containerPort": METRICS_PORT}],
                "livenessProbe": {"httpGet": {"path": "/metrics", "port": "metrics"}},
                "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}}}
    result = [main, exporter]
    if rng.random() < 0.3:
        result.append({"name": "config-reloader", "image": "registry.example.com/base/reloader:2.1",
                       "args": ["--watch=/etc/config"],
                       "volumeMounts": [{"name": "config", "mountPath": "/etc/config", "readOnly": True}]})
    return result


def init_containers(rng: random.Random, app: App) -> list[Doc]:
    migrate = {"name": "migrate", "image": f"registry.example.com/{app.team}/{app.name}-migrate:1.4.2",
               "command": ["/bin/migrate", "up"]}
    if rng.random() < 0.5:
        return [migrate]
    shipper = {"name": "log-shipper", "image": "registry.example.com/base/fluent-bit:3.0", "restartPolicy": "Always",
               "ports": [{"name": "fluent", "containerPort": FLUENT_PORT}]}
    return [migrate, shipper]


def service_port(name: str | None, port: int, target, node_port: int | None = None, protocol: str = "TCP") -> Doc:
    data = {"name": name} if name else {}
    data.update({"port": port, "targetPort": target, "protocol": protocol})
    if node_port:
        data["nodePort"] = node_port
    return data


def service(app: App, name: str, spec: dict, selector_key: str = "app.kubernetes.io/name") -> Doc:
    labels = {"app.kubernetes.io/name": app.name, "app.kubernetes.io/part-of": app.team}
    body = {"selector": {selector_key: app.name}, **spec} if selector_key else spec
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta(name, app.namespace, labels), "spec": body}


def services(rng: random.Random, app: App, port_names: list[str], node_ports: Callable) -> list[Doc]:
    kind = rng.choices(("ClusterIP", "NodePort", "LoadBalancer"), (65, 20, 15))[0]
    selector_key = rng.choice(("app", "app.kubernetes.io/name"))
    ports = [service_port("http", 80, "http")]
    ports += [service_port(n, MAIN_PORTS[n], n) for n in port_names[1:]]
    if kind == "NodePort" or (kind == "LoadBalancer" and rng.random() < 0.3):
        for port in ports:
            allocated = node_ports()
            if allocated:  # without one, the API server allocates a free nodePort
                port["nodePort"] = allocated
    spec = {"type": kind, "ports": ports} if kind != "ClusterIP" else {"ports": ports}
    result = [service(app, app.name, spec, selector_key)]
    if rng.random() < 0.5:  # a numeric targetPort, as many charts write it
        result.append(service(app, f"{app.name}-metrics",
                              {"ports": [service_port("metrics", METRICS_PORT, METRICS_PORT)]}))
    if app.kind == "StatefulSet":
        result.append(service(app, f"{app.name}-headless", {
            "clusterIP": "None", "publishNotReadyAddresses": True,
            "ports": [service_port("http", MAIN_PORTS["http"], "http")]}))
    if rng.random() < 0.05:
        result.append(service(app, f"{app.name}-db", {"type": "ExternalName",
                                                      "externalName": f"{app.name}.db.example.com"}, None))
    return result


def ingress(rng: random.Random, app: App, tls: bool) -> Doc:
    host = f"{app.namespace}.example.com" if app.shared_host else f"{app.name}.{app.namespace}.example.com"
    root = f"/{app.name}" if app.shared_host else "/"
    by_name = rng.random() < 0.5
    port = {"name": "http"} if by_name else {"number": 80}
    paths = [{"path": root, "pathType": "Prefix", "backend": {"service": {"name": app.name, "port": dict(port)}}}]
    if rng.random() < 0.3:
        paths.insert(0, {"path": root.rstrip("/") + "/static", "pathType": "Prefix",
                         "backend": {"service": {"name": app.name, "port": dict(port)}}})
    spec = {"ingressClassName": "nginx", "rules": [{"host": host, "http": {"paths": paths}}]}
    if tls:
        spec["tls"] = [{"hosts": [host], "secretName": f"{app.name}-tls"}]
    annotations = {"nginx.ingress.kubernetes.io/proxy-body-size": "8m"}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": meta(app.name, app.namespace, {"app.kubernetes.io/name": app.name}, annotations),
            "spec": spec}


def tls_secret(app: App) -> Doc:
    fake = base64.b64encode(f"not a real key for {app.name}".encode()).decode()
    return {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": meta(f"{app.name}-tls", app.namespace), "data": {"tls.crt": fake, "tls.key": fake}}


def configmap(rng: random.Random, app: App | None, name: str, namespace: str | None = None) -> Doc:
    owner = app.name if app else name
    lines = [f"{key}={rng.randint(1, 5000)}" for key in rng.sample(
        ("pool.size", "timeout.ms", "retries", "cache.ttl", "batch.size", "queue.depth", "max.conns"), 4)]
    data = {"application.properties": "\n".join(lines) + "\n", "LOG_LEVEL": rng.choice(("info", "debug", "warn")),
            "FEATURE_FLAGS": ",".join(rng.sample(("beta", "fast-path", "new-ui", "audit"), 2)),
            "UPSTREAM": f"http://{owner}.internal:8080"}
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": meta(name, namespace or app.namespace, {"app.kubernetes.io/name": owner}), "data": data}


# --- faults: each breaks one rule, on objects that nothing else depends on ----------------------------

@dataclass
class Fault:
    rule: str
    applies: Callable[[App], bool]
    inject: Callable  # (app, rng, ctx) -> (candidate objects [(kind, ns, name)], file or None)


def ref(doc: Doc) -> tuple[str, str, str]:
    return doc["kind"], doc["metadata"]["namespace"], doc["metadata"]["name"]


def extra_service(app: App, name: str, ports: list[Doc], **spec) -> Doc:
    doc = service(app, name, {**spec, "ports": ports})
    app.extra.append(doc)
    return doc


def _selector_no_match(app, rng, ctx):
    selector = app.main_service["spec"]["selector"]
    key = next(iter(selector))
    selector[key] = app.name + "-v2"  # a release suffix the pods do not carry
    return [ref(app.main_service)], None


def _target_name_unresolved(app, rng, ctx):
    app.main_service["spec"]["ports"][0]["targetPort"] = "htpp"
    return [ref(app.main_service)], None


def _target_unmatched(app, rng, ctx):
    return [ref(extra_service(app, f"{app.name}-admin", [service_port("admin", 8081, 18081)]))], None


def _protocol_mismatch(app, rng, ctx):
    doc = extra_service(app, f"{app.name}-udp", [service_port("http-udp", 8080, 8080, protocol="UDP")])
    return [ref(doc)], None


def _port_undeclared(app, rng, ctx):
    worker = f"{app.name}-worker"
    labels = {"app": worker}
    app.extra.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(worker, app.namespace, labels),
                      "spec": {"selector": {"matchLabels": labels},
                               "template": {"metadata": {"labels": labels}, "spec": {"containers": [
                                   {"name": "worker", "image": "registry.example.com/base/worker:1.0"}]}}}})
    doc = {"apiVersion": "v1", "kind": "Service", "metadata": meta(worker, app.namespace),
           "spec": {"selector": labels, "ports": [service_port("http", 80, 8080)]}}
    app.extra.append(doc)
    return [ref(doc)], None


def _no_selector(app, rng, ctx):
    doc = {"apiVersion": "v1", "kind": "Service", "metadata": meta(f"{app.name}-legacy", app.namespace),
           "spec": {"ports": [service_port("http", 80, 8080)]}}
    app.extra.append(doc)
    return [ref(doc)], None


def _statefulset_service_missing(app, rng, ctx):
    app.workload["spec"]["serviceName"] = f"{app.name}-hedless"
    return [ref(app.workload)], None


def _backend_service_missing(app, rng, ctx):
    app.ingresses[0]["spec"]["rules"][0]["http"]["paths"][-1]["backend"]["service"]["name"] = f"{app.name}-frontend"
    return [ref(app.ingresses[0])], None


def _backend_port_unmatched(app, rng, ctx):
    # the classic mistake: the container's port instead of the Service's
    app.ingresses[0]["spec"]["rules"][0]["http"]["paths"][-1]["backend"]["service"]["port"] = {"number": 8080}
    return [ref(app.ingresses[0])], None


def _node_port_conflict(app, rng, ctx):
    number = ctx["node_ports"]()
    app.main_service["spec"]["type"] = "NodePort"
    for port in app.main_service["spec"]["ports"]:
        port.pop("nodePort", None)
    app.main_service["spec"]["ports"][0]["nodePort"] = number
    debug = extra_service(app, f"{app.name}-debug", [service_port("http", 80, "http", number)], type="NodePort")
    return [ref(app.main_service), ref(debug)], None


def _node_port_out_of_range(app, rng, ctx):
    doc = extra_service(app, f"{app.name}-nodeport", [service_port("http", 80, "http", 8080)], type="NodePort")
    return [ref(doc)], None


def _node_port_not_allowed(app, rng, ctx):
    doc = extra_service(app, f"{app.name}-internal", [service_port("http", 80, "http", ctx["node_ports"]())])
    return [ref(doc)], None


def _duplicate_object(app, rng, ctx):
    # a changed copy further down the same config.yaml (an identical copy, or a file that only repeats
    # another file's objects, is harmless when both are applied: portlint rightly stays quiet then)
    copy = json.loads(json.dumps(app.configmaps[0]))
    copy["data"]["LOG_LEVEL"] = "trace"
    app.layout = "multi"
    app.configmaps.append(copy)
    return [ref(copy)], None


def _workload_selector_mismatch(app, rng, ctx):
    app.workload["spec"]["selector"] = {"matchLabels": {"app": app.name, "track": "stable"}}
    return [ref(app.workload)], None


def _object_name_invalid(app, rng, ctx):
    doc = extra_service(app, f"{app.name}-Api", [service_port("http", 80, "http")])
    return [ref(doc)], None


def _port_number_invalid(app, rng, ctx):
    app.main_container["ports"].append({"name": "debug", "containerPort": 70000})
    return [ref(app.workload)], None


def _port_name_invalid(app, rng, ctx):
    app.main_container["ports"].append({"name": "debug_port", "containerPort": 5005})
    return [ref(app.workload)], None


def _service_port_duplicate(app, rng, ctx):
    app.main_service["spec"]["ports"].append(service_port("http-alt", 80, "http"))
    for port in app.main_service["spec"]["ports"]:
        port.pop("nodePort", None)
    return [ref(app.main_service)], None


def _service_port_name_missing(app, rng, ctx):
    doc = extra_service(app, f"{app.name}-multi",
                        [service_port(None, 80, "http"), service_port("metrics", METRICS_PORT, "metrics")])
    return [ref(doc)], None


def _container_port_duplicate(app, rng, ctx):
    exporter = app.workload["spec"]["template"]["spec"]["containers"][1]
    exporter["ports"].append({"name": "web", "containerPort": 8080})
    return [ref(app.workload)], None


def _probe_port_unresolved(app, rng, ctx):
    app.main_container["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": "healthz"}}
    return [ref(app.workload)], None


def _ingress_path_invalid(app, rng, ctx):
    # on a host shared by the namespace, a path of its own: "api" in two Ingresses would also conflict
    app.ingresses[0]["spec"]["rules"][0]["http"]["paths"][-1]["path"] = f"{app.name}/api" if app.shared_host else "api"
    return [ref(app.ingresses[0])], None


def _ingress_host_invalid(app, rng, ctx):
    rule = app.ingresses[0]["spec"]["rules"][0]
    rule["host"] = rule["host"] + ":8443"
    return [ref(app.ingresses[0])], None


def _ingress_rule_conflict(app, rng, ctx):
    canary = extra_service(app, f"{app.name}-canary", [service_port("http", 80, "http")])
    doc = json.loads(json.dumps(app.ingresses[0]))
    doc["metadata"]["name"] = f"{app.name}-canary"
    doc["spec"].pop("tls", None)
    for path in doc["spec"]["rules"][0]["http"]["paths"]:
        path["backend"] = {"service": {"name": canary["metadata"]["name"], "port": {"number": 80}}}
    app.extra.append(doc)
    return [ref(app.ingresses[0]), ref(doc)], None


def _tls_secret_missing(app, rng, ctx):
    host = app.ingresses[0]["spec"]["rules"][0]["host"]
    app.ingresses[0]["spec"]["tls"] = [{"hosts": [host], "secretName": f"{app.name}-cert"}]
    return [ref(app.ingresses[0])], None


def _deprecated_api(app, rng, ctx):
    doc = {"apiVersion": "extensions/v1beta1", "kind": "Ingress",
           "metadata": meta(f"{app.name}-legacy", app.namespace, annotations={"kubernetes.io/ingress.class": "nginx"}),
           "spec": {"rules": [{"host": f"legacy.{app.name}.{app.namespace}.example.com", "http": {"paths": [
               {"path": "/", "backend": {"serviceName": app.name, "servicePort": 80}}]}}]}}
    app.extra.append(doc)
    return [ref(doc)], None


def _yaml_duplicate_key(app, rng, ctx):
    name = f"{app.name}-overrides"
    text = (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {app.namespace}\n"
            f"data:\n  LOG_LEVEL: info\n  TIMEOUT: 30s\n  LOG_LEVEL: debug\n")
    app.raw_files.append(("overrides.yaml", text, 1))
    return [], "overrides.yaml"


def _manifest_invalid(app, rng, ctx):
    doc = service(app, f"{app.name}-typo", {"ports": [{"name": "http", "port": "eighty", "targetPort": "http"}]})
    app.own_files.append(("service-typo.yaml", [doc]))
    return [], "service-typo.yaml"


def _yaml_syntax_error(app, rng, ctx):
    text = (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {app.name}-broken\n"
            f"  namespace: {app.namespace}\ndata:\n  key: value\n    nested: [unclosed\n")
    app.raw_files.append(("broken.yaml", text, 0))
    return [], "broken.yaml"


def _always(app: App) -> bool:
    return True


def _has_ingress(app: App) -> bool:
    return bool(app.ingresses)


def _plain_ingress(app: App) -> bool:
    return bool(app.ingresses) and "tls" not in app.ingresses[0]["spec"]


FAULTS = [
    Fault("service-selector-no-match", _always, _selector_no_match),
    Fault("service-target-port-name-unresolved", _always, _target_name_unresolved),
    Fault("service-target-port-unmatched", _always, _target_unmatched),
    Fault("service-protocol-mismatch", _always, _protocol_mismatch),
    Fault("container-port-undeclared", _always, _port_undeclared),
    Fault("service-no-selector", _always, _no_selector),
    Fault("statefulset-service-missing", lambda app: app.kind == "StatefulSet", _statefulset_service_missing),
    Fault("ingress-backend-service-missing", _has_ingress, _backend_service_missing),
    Fault("ingress-backend-port-unmatched", _has_ingress, _backend_port_unmatched),
    Fault("node-port-conflict", _always, _node_port_conflict),
    Fault("node-port-out-of-range", _always, _node_port_out_of_range),
    Fault("node-port-not-allowed", _always, _node_port_not_allowed),
    Fault("duplicate-object", _always, _duplicate_object),
    Fault("workload-selector-mismatch", _always, _workload_selector_mismatch),
    Fault("object-name-invalid", _always, _object_name_invalid),
    Fault("port-number-invalid", _always, _port_number_invalid),
    Fault("port-name-invalid", _always, _port_name_invalid),
    Fault("service-port-duplicate", _always, _service_port_duplicate),
    Fault("service-port-name-missing", _always, _service_port_name_missing),
    Fault("container-port-duplicate", _always, _container_port_duplicate),
    Fault("probe-port-unresolved", _always, _probe_port_unresolved),
    Fault("ingress-path-invalid", _has_ingress, _ingress_path_invalid),
    Fault("ingress-host-invalid", _plain_ingress, _ingress_host_invalid),
    Fault("ingress-rule-conflict", _has_ingress, _ingress_rule_conflict),
    Fault("ingress-tls-secret-missing", _plain_ingress, _tls_secret_missing),
    Fault("deprecated-api", _always, _deprecated_api),
    Fault("yaml-duplicate-key", _always, _yaml_duplicate_key),
    Fault("manifest-invalid", _always, _manifest_invalid),
    Fault("yaml-syntax-error", _always, _yaml_syntax_error),
]


def inject_faults(rng: random.Random, apps: list[App], count: int, rules: set[str], ctx: dict) -> list[dict]:
    """`count` faults, round-robin over the kinds whose rule exists, spread evenly over the apps."""
    kinds = [fault for fault in FAULTS if fault.rule in rules]
    expected = []
    for number in range(count if kinds else 0):
        fault = kinds[number % len(kinds)]
        start = number * len(apps) // count
        app = next((a for a in apps[start:] + apps[:start] if not a.faulted and fault.applies(a)), None)
        if app is None:
            continue
        app.faulted = True
        candidates, file = fault.inject(app, rng, ctx)
        expected.append({"rule": fault.rule, "app": f"{app.namespace}/{app.name}",
                         "objects": [{"kind": k, "namespace": ns, "name": n} for k, ns, n in candidates],
                         "file": os.path.join(app.namespace, app.name, file) if file else None})
    return expected


# --- writing --------------------------------------------------------------------------------------

def dump(docs: list[Doc]) -> str:
    return yaml.dump_all(docs, Dumper=yaml.CSafeDumper, sort_keys=False, default_flow_style=False, width=120)


def file_name(doc: Doc, app: App) -> str:
    name = doc["metadata"]["name"]
    stem = name[len(app.name) + 1:] if name.startswith(app.name + "-") else ""
    return f"{doc['kind'].lower()}{'-' + stem.lower() if stem else ''}"


def write_app(directory: Path, app: App) -> int:
    """Write one application in its layout; returns the number of files written."""
    directory.mkdir(parents=True)
    files: dict[str, str] = {}
    if app.layout == "files":
        for doc in app.objects:
            files[file_name(doc, app) + ".yaml"] = dump([doc])
    elif app.layout == "multi":
        files["app.yaml"] = dump([app.workload, *app.services, *app.ingresses, *app.extra])
        files["config.yaml"] = dump([*app.configmaps, *app.secrets])
    elif app.layout == "list":
        files["list.yaml"] = dump([{"apiVersion": "v1", "kind": "List", "items": app.objects}])
    else:
        files["workload.json"] = json.dumps(app.workload, indent=2) + "\n"
        files["resources.yaml"] = dump(app.objects[1:])
    for name, docs in app.own_files:
        files[name] = dump(docs)
    files.update((name, text) for name, text, _ in app.raw_files)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return len(files)


def namespace_doc(namespace: str, team: str) -> Doc:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": namespace, "labels": {"team": team}}}


def team_metrics_service(namespace: str, team: str) -> Doc:
    """A Service across every workload of a team: all of them serve the exporter's `metrics` port."""
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": meta(f"{team}-metrics", namespace, {"app.kubernetes.io/part-of": team}),
            "spec": {"clusterIP": "None", "selector": {"app.kubernetes.io/part-of": team},
                     "ports": [service_port("metrics", METRICS_PORT, "metrics")]}}


# --- the tree -------------------------------------------------------------------------------------

def node_port_allocator(rng: random.Random, first: int, last: int) -> Callable[[], int | None]:
    """Distinct nodePorts from first..last in random order, then None (the API server allocates)."""
    free = list(range(first, last + 1))
    rng.shuffle(free)
    return lambda: free.pop() if free else None


LAYOUTS = ("grow", "sqrt")


def generate(out: Path, objects: int, seed: int = 6, faults: bool = True, rules: set[str] | None = None,
             namespaces: int | None = None, layout: str = "sqrt") -> dict:
    """Write a tree of about `objects` manifests under `out` (replaced); returns the summary, also in expected.json.

    layout "sqrt": √N/4 namespaces, a host per application. "grow": every dimension grows with N: four
    namespaces whose size grows linearly, names, and one host per namespace with a rule path per
    application, so a loop quadratic in a namespace's objects or in a host's rules shows.
    """
    rng = random.Random(seed)
    rules = load_rule_ids() if rules is None else rules
    spaces = namespaces or (4 if layout == "grow" else max(3, round(math.sqrt(objects) / 4)))
    names = [(f"{TEAMS[i % len(TEAMS)]}-{i}", TEAMS[i % len(TEAMS)]) for i in range(spaces)]
    node_ports = node_port_allocator(rng, 30000, 32499)  # 32500-32767 stay free for the faults
    kinds = sum(1 for fault in FAULTS if fault.rule in rules)
    fault_count = max(kinds, round(objects * FAULT_SHARE)) if faults else 0
    budget = objects - 2 * spaces - round(fault_count * 1.3)  # namespaces, team Services, fault objects
    apps: list[App] = []
    while sum(a.count() for a in apps) < budget:
        namespace, team = names[len(apps) % spaces]
        apps.append(build_app(rng, len(apps), namespace, team, node_ports, shared_host=layout == "grow"))
    expected = inject_faults(rng, apps, fault_count, rules, {"node_ports": node_port_allocator(rng, 32500, 32767)})
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    files, written = 0, 0
    for namespace, team in names:
        files += 1
        written += 2
        (out / namespace).mkdir()
        (out / namespace / "00-namespace.yaml").write_text(
            dump([namespace_doc(namespace, team), team_metrics_service(namespace, team)]), encoding="utf-8")
    for app in apps:
        files += write_app(out / app.namespace / app.name, app)
        written += app.count()
    files, written = write_filler(rng, out, names, objects - written, files, written)
    summary = {"generator": GENERATOR_VERSION, "layout": layout, "seed": seed, "rules": sorted(rules), "files": files, "objects": written,
               "bytes": sum(p.stat().st_size for p in out.rglob("*") if p.is_file()),
               "faults": expected}
    expected_path(out).write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return summary


def write_filler(rng: random.Random, out: Path, names: list, missing: int, files: int, written: int):
    """ConfigMaps in each namespace's shared/ folder, a few per file, until the object count is reached."""
    number = 0
    while missing > 0:
        namespace, _team = names[number % len(names)]
        directory = out / namespace / "shared"
        directory.mkdir(exist_ok=True)
        docs = [configmap(rng, None, f"shared-{number}-{i}", namespace) for i in range(min(missing, 3))]
        (directory / f"shared-{number}.yaml").write_text(dump(docs), encoding="utf-8")
        files, written, missing, number = files + 1, written + len(docs), missing - len(docs), number + 1
    return files, written


def expected_path(out: Path) -> Path:
    """expected.json sits next to the tree, not in it, so that portlint does not read it."""
    return out.parent / f"{out.name}.{EXPECTED_FILE}"


def compare(findings: list[dict], faults: list[dict], tree: str | Path) -> dict:
    """Findings (portlint's JSON shape) against the injected faults: which faults were found, which findings are extra.

    A finding explains a fault when the rule ids are equal and it sits on one of the fault's objects
    (or, for file-level rules, in the fault's file). Anything else is an extra finding: a false positive.
    """
    def explains(finding: dict, fault: dict) -> bool:
        if finding["rule"] != fault["rule"]:
            return False
        obj = finding.get("object")
        if obj and {"kind": obj["kind"], "namespace": obj["namespace"], "name": obj["name"]} in fault["objects"]:
            return True
        return fault["file"] is not None and os.path.relpath(finding["file"], tree) == fault["file"]

    found = [fault for fault in faults if any(explains(f, fault) for f in findings)]
    extra = [f for f in findings if not any(explains(f, fault) for fault in faults)]
    missed = [fault for fault in faults if fault not in found]
    return {"faults": len(faults), "found": len(found), "missed": missed, "extra": extra,
            "recall": len(found) / len(faults) if faults else 1.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="directory to (re)create; expected findings go to OUT.expected.json")
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--no-faults", action="store_true", help="a clean tree: portlint must report nothing")
    parser.add_argument("--layout", choices=LAYOUTS, default="sqrt", help="how namespaces and hosts grow with N")
    args = parser.parse_args(argv)
    summary = generate(args.out, args.objects, args.seed, faults=not args.no_faults, layout=args.layout)
    print(f"{args.out}: {summary['files']} files, {summary['objects']} objects, {summary['bytes'] / 1e6:.1f} MB, "
          f"{len(summary['faults'])} faults → {expected_path(args.out)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
