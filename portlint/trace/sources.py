"""Who sends the traced request: `--from`, or the default for the target, and the `network-policy` hop.

`--from` takes KIND/NAME[.NAMESPACE] (a workload kind in lower case: deployment/web.shop,
pod/debug), namespace/NS (a pod of NS whose labels are unknown) or `external`. Without it:
a URL's request comes from the ingress controller's pods (found by the IngressClass's
controller and that controller's conventional labels, else the `ingress-controller-pods`
setting, else not judged), or, through a Gateway, from the pods of the Gateway's data plane
(found by the label GEP-1762 puts on them or by its controller's conventional labels, else the
`gateway-controller-pods` setting, else not judged); a nodePort or load balancer's from outside
the cluster; a Service target's from a pod of the target's namespace.
"""

from __future__ import annotations

import re
from typing import Collection, Mapping, Sequence
from dataclasses import dataclass

from portlint.connectivity import EXTERNAL, INGRESS, NAMESPACE, POD, Connectivity, Peer, Verdict
from portlint.kinds import WORKLOAD_KINDS
from portlint.model import Cluster, Gateway, GatewayClass, Ingress, Workload
from portlint.trace.hops import Hop

SOURCE_FORMS = "KIND/NAME[.NAMESPACE] (e.g. deployment/web.shop, pod/debug), namespace/NS, or external"
_KINDS = {kind.lower(): kind for kind in WORKLOAD_KINDS}
_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?")

# IngressClass spec.controller -> the labels its own manifests give the controller pods
CONTROLLER_LABELS = {
    "k8s.io/ingress-nginx": ({"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"},),
    "nginx.org/ingress-controller": ({"app.kubernetes.io/name": "nginx-ingress"}, {"app": "nginx-ingress"}),
    "haproxy.org/ingress-controller/haproxy": ({"run": "haproxy-ingress"},
                                               {"app.kubernetes.io/name": "kubernetes-ingress"}),
    "haproxy-ingress.github.io/controller": ({"app.kubernetes.io/name": "haproxy-ingress"},),
    "traefik.io/ingress-controller": ({"app.kubernetes.io/name": "traefik"},),
}
# controllers that program a cloud load balancer: the request reaches the pods from outside the cluster
CLOUD_CONTROLLERS = ("k8s.io/ingress-gce", "ingress.k8s.aws/alb", "networking.gke.io/ingress-gce")
# the class names these controllers install by default, for an Ingress whose IngressClass is not in the input
CLASS_CONTROLLERS = {"nginx": "k8s.io/ingress-nginx", "haproxy": "haproxy.org/ingress-controller/haproxy",
                     "traefik": "traefik.io/ingress-controller", "alb": "ingress.k8s.aws/alb",
                     "gce": "k8s.io/ingress-gce", "nginx-plus": "nginx.org/ingress-controller"}
# GEP-1762 (Standard): an in-cluster implementation labels what it deploys for a Gateway with the Gateway's
# name, in the Gateway's namespace
GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name"
# GatewayClass spec.controllerName -> the labels of the pods that serve every Gateway of the class
GATEWAY_CONTROLLER_LABELS = {"traefik.io/gateway-controller": ({"app.kubernetes.io/name": "traefik"},)}
# controllers that program a cloud load balancer: the request reaches the pods from outside the cluster
GATEWAY_CLOUD_CONTROLLERS = ("networking.gke.io/gateway",)
# the GatewayClasses these controllers install, for a Gateway whose GatewayClass is not in the input
GATEWAY_CLASS_PREFIXES = {"gke-l7-": "networking.gke.io/gateway"}
NOT_JUDGED = "not judged: the controller's pods are not in the input"
INGRESS_SETTING, GATEWAY_SETTING = "ingress-controller-pods", "gateway-controller-pods"


class SourceError(ValueError):
    """A --from that is none of the forms, or names a workload the input does not hold."""


@dataclass(frozen=True)
class SourceSpec:
    text: str
    kind: str  # a workload kind, "namespace" or "external"
    name: str | None = None
    namespace: str | None = None


def parse_source(text: str) -> SourceSpec:
    if text == "external":
        return SourceSpec(text, EXTERNAL)
    kind, slash, rest = text.partition("/")
    if not slash or not rest:
        raise SourceError(f"malformed --from {text!r}: expected {SOURCE_FORMS}")
    if kind == "namespace":
        if not _NAME.fullmatch(rest) or "." in rest:
            raise SourceError(f"malformed --from {text!r}: {rest!r} is not a namespace name")
        return SourceSpec(text, NAMESPACE, None, rest)
    if kind not in _KINDS:
        raise SourceError(f"malformed --from {text!r}: {kind!r} is not a workload kind "
                          f"({', '.join(sorted(_KINDS))}); expected {SOURCE_FORMS}")
    name, _, namespace = rest.partition(".")
    if not _NAME.fullmatch(name) or (namespace and not _NAME.fullmatch(namespace)):
        raise SourceError(f"malformed --from {text!r}: expected {SOURCE_FORMS}")
    return SourceSpec(text, _KINDS[kind], name, namespace or None)


def resolve_source(spec: SourceSpec, cluster: Cluster, default_namespace: str) -> Peer:
    if spec.kind == EXTERNAL:
        return Peer.external()
    if spec.kind == NAMESPACE:
        return Peer.any_pod_of(spec.namespace)
    namespace = spec.namespace or default_namespace
    for workload in cluster.workloads:
        if (workload.kind, workload.name, workload.namespace) == (spec.kind, spec.name, namespace):
            return Peer.pod(workload)
    raise SourceError(f"--from {spec.text}: the input holds no {spec.kind} {spec.name} in namespace {namespace}")


class ControllerSources:
    """The pods an Ingress's or a Gateway's traffic comes from: its controller's, when the input shows them
    (None: not judged). Looked up once per controller (per Gateway)."""

    def __init__(self, cluster: Cluster, ingress_pods: dict | None, gateway_pods: dict | None = None):
        self.cluster, self.ingress_pods, self.gateway_pods = cluster, ingress_pods, gateway_pods
        self._classes = {obj.name: obj for obj in cluster.objects if obj.ref.kind == "IngressClass"}
        self._gateway_classes = {obj.name: obj for obj in cluster.objects if isinstance(obj, GatewayClass)}
        self._default = next((obj for obj in self._classes.values() if obj.annotations.get(
            "ingressclass.kubernetes.io/is-default-class") == "true"), None)
        self._found: dict[str | None, Peer | None] = {}
        self._gateways: dict[tuple[str, str], Peer | None] = {}

    def for_ingress(self, ingress: Ingress) -> Peer | None:
        controller = self._controller(ingress)
        if controller not in self._found:
            self._found[controller] = self._source(controller)
        return self._found[controller]

    def for_gateway(self, gateway: Gateway) -> Peer | None:
        key = (gateway.namespace, gateway.name)
        if key not in self._gateways:
            self._gateways[key] = self._gateway_source(gateway)
        return self._gateways[key]

    def _source(self, controller: str | None) -> Peer | None:
        return self._by_convention(controller, CLOUD_CONTROLLERS, CONTROLLER_LABELS) or _configured(
            self.ingress_pods, "the ingress controller's pods", INGRESS_SETTING)

    def _gateway_source(self, gateway: Gateway) -> Peer | None:
        deployed = self.cluster.nearest(gateway, self.cluster.pods.select(gateway.namespace,
                                                                          {GATEWAY_NAME_LABEL: gateway.name}))
        if deployed:
            return Peer.pod(deployed[0])
        controller = self._gateway_controller(gateway)
        return self._by_convention(controller, GATEWAY_CLOUD_CONTROLLERS, GATEWAY_CONTROLLER_LABELS) or _configured(
            self.gateway_pods, "the Gateway controller's pods", GATEWAY_SETTING)

    def _by_convention(self, controller: str | None, cloud: Collection[str],
                       labels_of: Mapping[str | None, Sequence[dict]]) -> Peer | None:
        """A cloud controller sends from outside the cluster; others from their pods, found by their conventional
        labels when the input holds them."""
        if controller in cloud:
            return Peer.external()
        for labels in labels_of.get(controller, ()):
            found = self._labelled(labels)
            if found:
                return Peer.pod(found)
        return None

    def _controller(self, ingress: Ingress) -> str | None:
        name = ingress.class_name or ingress.annotations.get("kubernetes.io/ingress.class")
        obj = self._classes.get(name) if name else self._default
        if obj is None:
            return CLASS_CONTROLLERS.get(name or "")
        spec = obj.raw.get("spec")
        return spec.get("controller") if isinstance(spec, dict) else None

    def _gateway_controller(self, gateway: Gateway) -> str | None:
        name = gateway.class_name or ""
        obj = self._gateway_classes.get(name)
        if obj is not None:
            return obj.controller_name
        return next((c for prefix, c in GATEWAY_CLASS_PREFIXES.items() if name.startswith(prefix)), None)

    def _labelled(self, labels: dict[str, str]) -> Workload | None:
        pods = self.cluster.pods
        namespaces = set.intersection(*(pods.namespaces_with(k, v) for k, v in labels.items()))
        return next((w for n in sorted(namespaces) for w in pods.select(n, labels)), None)


def _configured(configured: dict | None, who: str, setting: str) -> Peer | None:
    """The pods a setting names by namespace and labels."""
    if not configured:
        return None
    namespace = configured["namespace"]
    return Peer.labelled(namespace, configured.get("labels") or {}, f"{who} (namespace {namespace})", setting)


def policy_hop(engine: Connectivity, source: Peer | None, workload: Workload, number: int, protocol: str,
               external_note: bool, sender: str = "the ingress controller") -> Hop:
    """The `network-policy` hop: do the policies that isolate the destination pods (and a pod source's own
    egress policies) admit this source, port and protocol? `sender` names an unknown source."""
    who = source.text if source else sender
    hop = Hop("network-policy", f"NetworkPolicy: {who} → {workload.name} :{number}/{protocol}", workload, number,
              node=("network-policy", workload.ref, who), edge=f":{number}")
    if source is None:  # the sender is unknown: only an unisolated destination can be judged
        isolated = engine.isolating(workload, INGRESS)
        hop.reason = NOT_JUDGED if isolated else "no policy isolates these pods for ingress"
        hop.notes.append(hop.reason)
        return hop
    verdict = engine.reach(source, workload, number, protocol)
    _place(hop, verdict)
    if verdict.ok:
        hop.reason = verdict.reason
        hop.notes.append(verdict.reason)
        if verdict.allowed is None:
            hop.notes.append("cannot tell from the manifests: judged as admitted")
    else:
        hop.fail(verdict.reason, verdict.hint)
    if external_note and source.kind == EXTERNAL and verdict.policies:
        hop.notes.append("for clients outside the cluster the answer also depends on externalTrafficPolicy and "
                         "the CNI (with Cluster, the source address may be rewritten to a node's)")
    if source.kind == POD and source.workload is None:
        hop.notes.append(f"the source is known by its labels only (setting {source.setting})")
    return hop


def _place(hop: Hop, verdict: Verdict) -> None:
    if verdict.policies:
        policy = verdict.policies[0]
        hop.obj, hop.file, hop.line, hop.column = policy, policy.file, policy.raw.line, policy.raw.column
