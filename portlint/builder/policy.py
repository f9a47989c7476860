"""NetworkPolicies, Namespaces, HorizontalPodAutoscalers, PodDisruptionBudgets and Prometheus-operator monitors."""

from __future__ import annotations

from portlint.builder.common import _items, _join, _list, _mapping
from portlint.builder.pods import _label_selector
from portlint.loader import Mapping
from portlint.model import (
    DEFAULT_PROTOCOL,
    HorizontalPodAutoscaler,
    IPBlock,
    Monitor,
    MonitorEndpoint,
    Namespace,
    NetworkPolicy,
    PodDisruptionBudget,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
)
from portlint.selectors import LabelSelector, Requirement

EVERYTHING = LabelSelector({}, [])


def build_network_policy(data: Mapping, common: dict) -> NetworkPolicy:
    spec = _mapping(data.get("spec"))
    base = _join(common["json_path"], "spec")
    ingress = [_rule(r, f"{base}.ingress[{i}]", "from") for i, r in _items(spec.get("ingress"))]
    egress = [_rule(r, f"{base}.egress[{i}]", "to") for i, r in _items(spec.get("egress"))]
    # the API server's defaulting (pkg/apis/networking/v1 SetDefaults_NetworkPolicySpec)
    types = tuple(_list(spec.get("policyTypes"))) or (("Ingress", "Egress") if egress else ("Ingress",))
    return NetworkPolicy(pod_selector=_label_selector(spec.get("podSelector")) or EVERYTHING,
                         policy_types=types, ingress=ingress, egress=egress, **common)


def _rule(raw: Mapping, path: str, peers_key: str) -> PolicyRule:
    peers = [_peer(p, f"{path}.{peers_key}[{i}]") for i, p in _items(raw.get(peers_key))]
    ports = [PolicyPort(raw=p, json_path=f"{path}.ports[{i}]", protocol=p.get("protocol") or DEFAULT_PROTOCOL,
                        port=p.get("port"), end_port=p.get("endPort"))
             for i, p in _items(raw.get("ports"))]
    return PolicyRule(raw=raw, json_path=path, peers=peers or None, ports=ports or None)


def _peer(raw: Mapping, path: str) -> PolicyPeer:
    block = raw.get("ipBlock")
    ip_block = (IPBlock(raw=block, json_path=f"{path}.ipBlock", cidr=block["cidr"],
                        excepts=tuple(_list(block.get("except")))) if isinstance(block, Mapping) else None)
    return PolicyPeer(raw=raw, json_path=path, pod_selector=_label_selector(raw.get("podSelector")),
                      namespace_selector=_label_selector(raw.get("namespaceSelector")), ip_block=ip_block)


def build_namespace(data: Mapping, common: dict) -> Namespace:
    return Namespace(**common)


def build_autoscaler(data: Mapping, common: dict) -> HorizontalPodAutoscaler:
    target = _mapping(_mapping(data.get("spec")).get("scaleTargetRef"))
    return HorizontalPodAutoscaler(target_api_version=target.get("apiVersion"), target_kind=target.get("kind"),
                                   target_name=target.get("name"), **common)


def build_disruption_budget(data: Mapping, common: dict) -> PodDisruptionBudget:
    selector = _mapping(data.get("spec")).get("selector")
    return PodDisruptionBudget(selector=_label_selector(selector),
                               empty_selects_all=common["ref"].api_version != "policy/v1beta1", **common)


def build_monitor(data: Mapping, common: dict) -> Monitor:
    """No schema checked a custom resource: every field is read only when it has the right type."""
    spec = _mapping(data.get("spec"))
    base = _join(common["json_path"], "spec")
    key = "endpoints" if common["ref"].kind == "ServiceMonitor" else "podMetricsEndpoints"
    endpoints = [_endpoint(e, f"{base}.{key}[{i}]") for i, e in _items(spec.get(key))]
    namespaces = _mapping(spec.get("namespaceSelector"))
    names = tuple(n for n in _list(namespaces.get("matchNames")) if isinstance(n, str))
    return Monitor(selector=_tolerant_selector(spec.get("selector")), any_namespace=namespaces.get("any") is True,
                   match_namespaces=names, endpoints=endpoints, **common)


def _endpoint(raw: Mapping, path: str) -> MonitorEndpoint:
    port, target, number = raw.get("port"), raw.get("targetPort"), raw.get("portNumber")
    return MonitorEndpoint(raw=raw, json_path=path, port=port if isinstance(port, str) and port else None,
                           target_port=target if isinstance(target, (int, str)) and target != "" else None,
                           port_number=number if isinstance(number, int) else None)


def _tolerant_selector(raw) -> LabelSelector | None:
    if not isinstance(raw, Mapping):
        return None
    labels = _mapping(raw.get("matchLabels"))
    if not all(isinstance(v, str) for v in labels.values()):
        return None
    expressions = []
    for expression in _list(raw.get("matchExpressions")):
        expression = _mapping(expression)
        values = _list(expression.get("values"))
        if not isinstance(expression.get("key"), str) or expression.get("operator") not in (
                "In", "NotIn", "Exists", "DoesNotExist") or not all(isinstance(v, str) for v in values):
            return None
        expressions.append(Requirement(expression["key"], expression["operator"], tuple(values)))
    return LabelSelector(dict(labels), expressions)
