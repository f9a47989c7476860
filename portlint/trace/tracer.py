"""The Tracer with every entry point: Ingress rules, nodePorts and load balancers (trace/paths.py),
and Gateway listeners (trace/gateway_hops.py).

A URL is served by each Ingress controller and each Gateway that takes it; only when none does is
the trace a miss, and then it says why for each kind of entry point the input has.
"""

from __future__ import annotations

from portlint.connectivity import Peer
from portlint.findings import Finding
from portlint.model import Cluster
from portlint.trace.gateway_hops import GatewayEntries
from portlint.trace.hops import Entry
from portlint.trace.paths import Tracer as IngressAndNodePortTracer
from portlint.trace.targets import UrlTarget

INGRESS_MISS = ("ingress", None)  # the node of the hop that says no Ingress serves the URL
GATEWAY_MISS = ("gateway", None)


class Tracer(IngressAndNodePortTracer):
    def __init__(self, cluster: Cluster, findings: list[Finding], namespace: str = "default",
                 source: Peer | None = None, controller_pods: dict | None = None, gateway_pods: dict | None = None,
                 rendered: frozenset[str] = frozenset()):
        super().__init__(cluster, findings, namespace, source, controller_pods, gateway_pods, rendered)
        self.gateways = GatewayEntries(self)

    def url(self, target: UrlTarget) -> Entry:
        entry = super().url(target)
        if not self.gateways.present:
            return entry
        served = [path for path in entry.paths if path.hops[1].node != INGRESS_MISS]
        misses = [path for path in entry.paths if path.hops[1].node == INGRESS_MISS and self.cluster.ingresses]
        client = entry.paths[0].hops[0]
        for path in self.gateways.url_paths(client, target):
            (misses if path.hops[1].node == GATEWAY_MISS else served).append(path)
        return Entry(target.text, served or misses)  # the ways in that serve the URL, else why none does

    def everything(self) -> list[Entry]:
        entries = super().everything()
        ingress_entries = len(self.ingress_routes())  # the Ingress entry points come first, then the Gateways'
        return entries[:ingress_entries] + self.gateways.entries() + entries[ingress_entries:]



