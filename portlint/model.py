"""The cluster model: typed Kubernetes objects, in Kubernetes' own vocabulary, and the indexes rules query.

Every element keeps the YAML mapping it came from (`raw`, which knows line and column of each
key) and its JSON path inside the object (`path`), so a finding can point at the exact field.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from portlint.findings import Finding, ObjectRef, Related
from portlint.loader import Mapping, Source
from portlint.selectors import LabelSelector, PodLabels

DEFAULT_PROTOCOL = "TCP"
NODE_PORT_TYPES = ("NodePort", "LoadBalancer")  # the Service types that get node ports
PROBE_KINDS = ("livenessProbe", "readinessProbe", "startupProbe")


@dataclass(eq=False)
class Node:
    """A part of an object that findings can point at."""

    raw: Mapping
    json_path: str  # where this node sits in its manifest, e.g. "spec.ports[0]"

    def field_path(self, key: str | None) -> str:
        if not key:
            return self.json_path
        return f"{self.json_path}.{key}" if self.json_path else key

    def position(self, key: str | None = None) -> tuple[int, int]:
        """Line/column of `key` (a dotted path such as "spec.selector") below this node, or of the node."""
        mapping = self.raw
        *parents, last = key.split(".") if key else [None]
        for part in parents:
            child = mapping.get(part)
            if not isinstance(child, Mapping):
                return mapping.position(part)
            mapping = child
        return mapping.position(last)


@dataclass(eq=False)
class KubeObject(Node):
    ref: ObjectRef
    kind: str  # the built-in kind this is, or None for kinds the model does not read
    source: Source
    labels: dict[str, str]
    annotations: dict[str, str]
    builtin: bool

    @property
    def name(self) -> str:
        return self.ref.name

    @property
    def namespace(self) -> str:
        return self.ref.namespace

    @property
    def file(self) -> str:
        return self.source.path

    def related(self) -> Related:
        return Related(self.ref.kind, self.ref.namespace, self.ref.name, self.source.path, self.raw.line)

    def finding(self, message: str, hint: str | None = None, at: Node | None = None,
                key: str | None = None, related: Iterable[Related] = ()) -> Finding:
        """A finding on this object, at `at`'s field `key` (or at `at`, or at the object itself)."""
        node = at or self
        line, column = node.position(key)
        return Finding("", message, hint, object=self.ref, file=self.source.path, line=line,
                       column=column, related=list(related), field_path=node.field_path(key))


# --- pods -----------------------------------------------------------------------------------------

@dataclass(eq=False)
class ContainerPort(Node):
    name: str | None
    number: int  # containerPort
    protocol: str
    host_port: int | None

    def describe(self) -> str:
        named = f"{self.name}=" if self.name else ""
        return f"{named}{self.number}/{self.protocol}"


@dataclass(eq=False)
class Probe(Node):
    kind: str  # livenessProbe, readinessProbe, startupProbe
    handler: str  # httpGet, tcpSocket, grpc
    port: int | str


@dataclass(eq=False)
class Container(Node):
    name: str
    ports: list[ContainerPort]
    probes: list[Probe]
    sidecar: bool  # an init container with restartPolicy: Always runs beside the app containers


@dataclass(eq=False)
class PodTemplate(Node):
    labels: dict[str, str]
    containers: list[Container]
    init_containers: list[Container]

    @property
    def serving_containers(self) -> list[Container]:
        """The containers whose ports a Service can reach: app containers and sidecars, not plain init containers."""
        return self.containers + [c for c in self.init_containers if c.sidecar]

    def ports(self) -> Iterator[tuple[Container, ContainerPort]]:
        for container in self.serving_containers:
            for port in container.ports:
                yield container, port


@dataclass(eq=False)
class Workload(KubeObject):
    selector: LabelSelector | None
    template: PodTemplate
    pod_labels: PodLabels  # template labels plus the ones the controller adds
    service_name: str | None = None  # StatefulSet spec.serviceName


# --- services -------------------------------------------------------------------------------------

@dataclass(eq=False)
class ServicePort(Node):
    name: str | None
    protocol: str
    port: int
    target_port: int | str  # defaults to `port`
    target_port_given: bool
    node_port: int | None

    def describe(self) -> str:
        return f"{self.name} ({self.port}/{self.protocol})" if self.name else f"{self.port}/{self.protocol}"


@dataclass(eq=False)
class Service(KubeObject):
    type: str
    selector: dict[str, str] | None  # None: no selector (an empty one reads the same)
    ports: list[ServicePort]
    cluster_ip: str | None
    external_name: str | None
    health_check_node_port: int | None = None  # LoadBalancer + externalTrafficPolicy: Local
    external_traffic_policy: str | None = None

    @property
    def headless(self) -> bool:
        return self.cluster_ip == "None"


# --- ingress --------------------------------------------------------------------------------------

@dataclass(eq=False)
class IngressBackend(Node):
    service_name: str | None
    port_number: int | None
    port_name: str | None
    port_key: str  # the key to point findings at: "port.number", "servicePort", ...
    resource: bool


@dataclass(eq=False)
class IngressPath(Node):
    path: str | None
    path_type: str | None
    backend: IngressBackend


@dataclass(eq=False)
class IngressRule(Node):
    host: str | None
    paths: list[IngressPath]


@dataclass(eq=False)
class IngressTLS(Node):
    hosts: list[str]
    secret_name: str | None


@dataclass(eq=False)
class Ingress(KubeObject):
    class_name: str | None
    default_backend: IngressBackend | None
    rules: list[IngressRule]
    tls: list[IngressTLS]

    def backends(self) -> Iterator[IngressBackend]:
        if self.default_backend:
            yield self.default_backend
        for rule in self.rules:
            for path in rule.paths:
                yield path.backend


@dataclass(eq=False)
class EndpointsObject(KubeObject):
    """An Endpoints or EndpointSlice: hand-made endpoints for a Service without a selector."""

    service_name: str


# --- the cluster ----------------------------------------------------------------------------------

class PodIndex:
    """Workloads by the labels their pods will carry, per namespace. Built once, queried by every rule."""

    def __init__(self, workloads: list[Workload]):
        self._by_label: dict[tuple[str, str, str], list[Workload]] = defaultdict(list)
        self._by_dynamic_key: dict[tuple[str, str], list[Workload]] = defaultdict(list)
        self._values: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._namespaces: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._order = {id(w): n for n, w in enumerate(workloads)}
        self.namespaces = {w.namespace for w in workloads}  # namespaces that hold any pod template
        self.lookups = 0  # counted so tests can assert that matching grows linearly
        for workload in workloads:
            ns = workload.namespace
            for key, value in workload.pod_labels.static.items():
                self._by_label[ns, key, value].append(workload)
                self._values[ns, key].add(value)
                self._namespaces[key, value].add(ns)
            for key in workload.pod_labels.dynamic:
                self._by_dynamic_key[ns, key].append(workload)

    def select(self, namespace: str, selector: dict[str, str]) -> list[Workload]:
        """The workloads in `namespace` whose pods a Service selector picks (empty selector: none)."""
        candidates: dict[int, Workload] | None = None
        for key, value in selector.items():
            self.lookups += 1
            found = {id(w): w for w in self._by_label.get((namespace, key, value), ())}
            found.update((id(w), w) for w in self._by_dynamic_key.get((namespace, key), ()))
            candidates = found if candidates is None else {k: w for k, w in candidates.items() if k in found}
            if not candidates:
                return []
        chosen = [w for w in (candidates or {}).values()
                  if all(w.pod_labels.can_equal(k, v) for k, v in selector.items())]
        return sorted(chosen, key=lambda w: self._order[id(w)])

    def values(self, namespace: str, key: str) -> set[str]:
        """Every value that pods in `namespace` carry for label `key`."""
        self.lookups += 1
        return self._values.get((namespace, key), set())

    def namespaces_with(self, key: str, value: str) -> set[str]:
        self.lookups += 1
        return self._namespaces.get((key, value), set())


@dataclass
class Cluster:
    objects: list[KubeObject] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    workloads: list[Workload] = field(default_factory=list)
    ingresses: list[Ingress] = field(default_factory=list)
    endpoints_for: set[tuple[str, str]] = field(default_factory=set)  # (namespace, Service name)
    secrets: set[tuple[str, str]] = field(default_factory=set)
    # (namespace, name) → every definition of that Service: the input may hold alternatives of one
    # Service (overlays, variants in different directories)
    services_by_name: dict[tuple[str, str], list[Service]] = field(default_factory=dict)
    node_ports: dict[int, list[tuple[Service, ServicePort]]] = field(default_factory=dict)
    # healthCheckNodePort → Services: the same allocator and range as nodePorts
    health_check_node_ports: dict[int, list[Service]] = field(default_factory=dict)
    custom_resources: dict[str, list[KubeObject]] = field(default_factory=dict)  # by namespace
    pods: PodIndex = field(default_factory=lambda: PodIndex([]))
    manifest_count: int = 0  # every manifest read, the invalid ones included

    def add(self, obj: KubeObject) -> None:
        self.objects.append(obj)
        if isinstance(obj, Service):
            self.services.append(obj)
            self.services_by_name.setdefault((obj.namespace, obj.name), []).append(obj)
            for port in obj.ports:
                if port.node_port:
                    self.node_ports.setdefault(port.node_port, []).append((obj, port))
            if obj.health_check_node_port:
                self.health_check_node_ports.setdefault(obj.health_check_node_port, []).append(obj)
        elif isinstance(obj, Workload):
            self.workloads.append(obj)
        elif isinstance(obj, Ingress):
            self.ingresses.append(obj)
        elif isinstance(obj, EndpointsObject):
            self.endpoints_for.add((obj.namespace, obj.service_name))
        elif obj.kind == "Secret":
            self.secrets.add((obj.namespace, obj.name))
        elif not obj.builtin and "." in obj.ref.api_version.partition("/")[0]:
            self.custom_resources.setdefault(obj.namespace, []).append(obj)

    def build_indexes(self) -> None:
        self.pods = PodIndex(self.workloads)

    def service(self, namespace: str, name: str) -> Service | None:
        """The first definition of the Service, if any."""
        found = self.services_by_name.get((namespace, name))
        return found[0] if found else None

    def service_definitions(self, namespace: str, name: str) -> list[Service]:
        return self.services_by_name.get((namespace, name), [])

    def has_endpoints_for(self, service: Service) -> bool:
        return (service.namespace, service.name) in self.endpoints_for
