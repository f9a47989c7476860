"""Services and their ports."""

from __future__ import annotations

from portlint.builder.common import _items, _join, _mapping, _shared
from portlint.loader import Mapping
from portlint.model import DEFAULT_PROTOCOL, Service, ServicePort


def build_service(data: Mapping, common: dict) -> Service:
    spec = _mapping(data.get("spec"))
    spec_path = _join(common["json_path"], "spec")
    ports = [_service_port(p, _shared(f"{spec_path}.ports[{i}]")) for i, p in _items(spec.get("ports"))]
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
