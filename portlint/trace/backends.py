"""From a Service port down to the containers: the hops inside the cluster that every entry point ends in.

A Service port forwards to the targetPort of each ready pod the selector picks, resolved per pod
(FindPort, via `portlint.ports.resolve_target_port`); a headless Service is not proxied (DNS returns
the pod IPs and the client dials them on its own port); the NetworkPolicies that isolate the pods
judge the sender between the workload and its container.
"""

from __future__ import annotations

from portlint.findings import Finding
from portlint.model import (
    NODE_PORT_TYPES,
    PROBE_KINDS,
    Cluster,
    Container,
    ContainerPort,
    KubeObject,
    Node,
    Service,
    ServicePort,
    Workload,
)
from portlint.connectivity import Peer, connectivity
from portlint.ports import backends, is_named, resolve_target_port
from portlint.selectors import format_labels
from portlint.trace.hops import Claim, FindingIndex, Hop, TracePath
from portlint.trace.sources import policy_hop

REPLICATED_KINDS = ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController", "Rollout", "DeploymentConfig",
                    "CloneSet")
UNTRACED = "not traced further: "
# findings on a Service port that say what the selected pods declare: shown on the container hop
CONTAINER_SIDE_RULES = ("service-target-port-unmatched", "service-protocol-mismatch", "container-port-undeclared")


class ServiceTracer:
    """Service → targetPort → each selected workload → NetworkPolicy → container, judged by the engine's findings."""

    def __init__(self, cluster: Cluster, findings: list[Finding], source: Peer | None = None,
                 rendered: frozenset[str] = frozenset()):
        self.cluster = cluster
        self.findings = FindingIndex(findings, rendered)
        self.policies = connectivity(cluster)
        self._given_source = source
        self._source: Peer | None = source  # who sends the request being traced (None: not judged)
        self._sender = "the ingress controller"  # who that is, when not judged

    def judge(self, hop: Hop, *claims: Claim) -> Hop:
        return hop.judge([f for claim in claims for f in self.findings.covered(claim)])

    def service_paths(self, before: list[Hop], service: Service, service_port: ServicePort) -> list[TracePath]:
        base = [service.field_path("spec.selector"), service.field_path("apiVersion"), service_port.json_path]
        exactly = (service.field_path("spec"),)
        head = f"Service {_name(service)} :{service_port.port}{_protocol(service_port.protocol)}"
        if service.type == "ExternalName":
            hop = self._service_hop(f"{head} → ExternalName {service.external_name}", service, service_port, base, exactly)
            hop.notes.append(UNTRACED + f"DNS answers with a CNAME to {service.external_name}: the connection "
                                        f"leaves the cluster (no port is remapped)")
            return [TracePath(before + [hop])]
        if not service.selector:
            hop = self._service_hop(f"{head} (no selector)", service, service_port, base, exactly)
            if self.cluster.has_endpoints_for(service):
                hop.notes.append(UNTRACED + "its endpoints come from Endpoints/EndpointSlice objects in the input, "
                                            "not from workloads")
            elif hop.ok:
                hop.notes.append(UNTRACED + "the Service has no selector, and no Endpoints/EndpointSlice for it is in "
                                            "the input")
            return [TracePath(before + [hop])]
        workloads = backends(self.cluster, service)
        if not workloads:
            hop = self._service_hop(f"{head} → pods {format_labels(service.selector)}", service, service_port,
                                    base, exactly)
            if hop.ok:
                hop.notes.append(UNTRACED + f"selector {format_labels(service.selector)} matches no pod template in "
                                            f"the input (an operator may create these pods)")
            return [TracePath(before + [hop])]
        return [self._workload_path(before, service, service_port, w, base, exactly) for w in workloads]

    def _workload_path(self, before: list[Hop], service: Service, service_port: ServicePort, workload: Workload,
                       base: list[str], exactly: tuple[str, ...]) -> TracePath:
        port = resolve_target_port(service_port, workload.template)
        number = port.number if port else (None if is_named(service_port.target_port) else service_port.target_port)
        target = service_port.target_port
        resolved = f" ({number})" if is_named(target) and number else (" (unresolved)" if number is None else "")
        head = f"Service {_name(service)} :{service_port.port}{_protocol(service_port.protocol)}"
        service_hop = self._service_hop(f"{head} → targetPort {target}{resolved}", service, service_port, base,
                                        exactly, workload=workload)
        return TracePath(before + [service_hop] + self._pod_hops(service, workload, number, port, service_port.protocol,
                                                                 service_port))

    def headless_paths(self, before: list[Hop], service: Service, number: int,
                       service_port: ServicePort | None = None) -> list[TracePath]:
        """A headless Service is only DNS: the client reaches each pod on the port it dialled."""
        base = [service.field_path("spec.selector"), service.field_path("apiVersion")]
        base += [service_port.json_path] if service_port else []
        protocol = service_port.protocol if service_port else "TCP"
        label = f"Service {_name(service)} (headless: DNS → pod IPs) :{number}{_protocol(protocol)}"
        workloads = backends(self.cluster, service)
        note = "a headless Service does not forward ports: the client connects to the pods on the port it dialled"
        if service_port and service_port.target_port != number:
            note += f" ({number}; targetPort {service_port.target_port} only appears in the SRV records)"
        paths = []
        for workload in workloads or [None]:
            hop = self._service_hop(label, service, service_port or service, base, (service.field_path("spec"),),
                                    workload=workload)
            hop.notes.append(note)
            if workload is None:
                if hop.ok:
                    hop.notes.append(UNTRACED + f"selector {format_labels(service.selector)} matches no pod template "
                                                f"in the input")
                paths.append(TracePath(before + [hop]))
                continue
            port = next((p for _, p in workload.template.ports() if p.number == number and p.protocol == protocol), None)
            paths.append(TracePath(before + [hop] + self._pod_hops(service, workload, number, port, protocol)))
        return paths

    def _service_hop(self, label: str, service: Service, at: Node, base: list[str], exactly: tuple[str, ...],
                     workload: Workload | None = None) -> Hop:
        key = "port" if at is not service else None
        number = at.port if isinstance(at, ServicePort) else None
        hop = _hop("service", label, service, at, key=key, port=number, node=("service", service.ref),
                   edge=f":{number}" if number else "")
        return self.judge(hop, Claim(service.ref, service.file, under=tuple(base), exactly=exactly,
                                     workload=workload.ref if workload else None,
                                     not_rules=CONTAINER_SIDE_RULES if workload else ()))

    def _pod_hops(self, service: Service, workload: Workload, number: int | None, port: ContainerPort | None,
                  protocol: str, service_port: ServicePort | None = None) -> list[Hop]:
        hops = [self._workload_hop(service, workload, number)]
        if number is None:
            hops[0].notes.append(UNTRACED + "the targetPort names no port of this workload")
            return hops
        hops.append(policy_hop(self.policies, self._source, workload, number, protocol,
                               external_note=service.type in NODE_PORT_TYPES, sender=self._sender))
        container = _container_of(workload, port)
        if port and container:
            sidecar = "sidecar " if container.sidecar else ""
            label = f"{sidecar}container {container.name} :{port.number} ({port.describe()})"
            hop = _hop("container", label, workload, port, key="containerPort", port=port.number,
                       node=("container", workload.ref, container.name), edge=f":{port.number}")
        else:
            label = f"pod port {number}{_protocol(protocol)} (no container declares it; Kubernetes sends the traffic anyway)"
            hop = _hop("container", label, workload, workload.template, port=number,
                       node=("container", workload.ref, f":{number}"), edge=f":{number}")
        fields = [f"{c.json_path}.{probe}" for c in workload.template.serving_containers for probe in PROBE_KINDS]
        fields += [port.json_path] if port else []
        claims = [Claim(workload.ref, workload.file, under=tuple(fields))]
        if service_port is not None:  # what the pods declare against the target is this hop's evidence
            claims.append(Claim(service.ref, service.file, under=(service_port.json_path,), workload=workload.ref,
                                rules=CONTAINER_SIDE_RULES))
        hops.append(self.judge(hop, *claims))
        return hops

    def _workload_hop(self, service: Service, workload: Workload, number: int | None) -> Hop:
        replicas = _replicas(workload)
        label = f"{workload.ref.kind} {_name(workload)} · {_replica_text(workload, replicas)} · pods {format_labels(service.selector)}"
        hop = _hop("workload", label, workload, workload, key="metadata.name", port=number,
                   node=("workload", workload.ref), edge=f"targetPort {number}" if number else "")
        template = workload.template.json_path
        self.judge(hop, Claim(workload.ref, workload.file, under=(workload.field_path("spec.selector"), f"{template}.metadata",
                                                          workload.field_path("spec.replicas"),
                                                          workload.field_path("metadata.labels"),
                                                          workload.field_path("apiVersion")),
                                     exactly=(workload.field_path("spec"),)))
        if replicas == 0:
            hop.fail("spec.replicas is 0: no pod runs, so the Service has no endpoint here",
                     "scale it up (spec.replicas: 1 or more)")
        return hop

    # --- texts --------------------------------------------------------------------------------------


def _hop(kind: str, label: str, obj: KubeObject | None, at: Node | None, key: str | None = None,
         port: int | None = None, node: tuple = (), edge: str = "") -> Hop:
    hop = Hop(kind, label, obj, port, node=node, edge=edge)
    if obj is not None and at is not None:
        hop.file, (hop.line, hop.column) = obj.file, at.position(key)
    return hop


def _name(obj: KubeObject) -> str:
    return f"{obj.namespace}/{obj.name}"


def _protocol(protocol: str) -> str:
    return "" if protocol == "TCP" else f"/{protocol}"


def _container_of(workload: Workload, port: ContainerPort | None) -> Container | None:
    for container in workload.template.serving_containers:
        if port is not None and any(p is port for p in container.ports):
            return container
    return None


def _replicas(workload: Workload) -> int | None:
    if workload.kind not in REPLICATED_KINDS:
        return None
    spec = workload.raw.get("spec")
    value = spec.get("replicas") if isinstance(spec, dict) else None
    return value if isinstance(value, int) else 1


def _replica_text(workload: Workload, replicas: int | None) -> str:
    if replicas is not None:
        return f"{replicas} replica{'s' if replicas != 1 else ''}"
    return {"DaemonSet": "one pod per node", "Pod": "a single pod", "Job": "pods run to completion",
            "CronJob": "pods run on a schedule"}.get(workload.kind, "pods")
