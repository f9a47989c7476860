"""Which connections the NetworkPolicies of the input admit: the engine shared by the checks and `trace`.

The semantics are the API's (k8s.io/api networking/v1 types.go; kubernetes.io "Network Policies"):
- a pod is isolated for a direction when any policy selecting it (its `podSelector`, in its own
  namespace) has that direction in `policyTypes` (defaulted: Ingress always, Egress when the
  policy has egress rules); a pod no policy isolates accepts (sends) everything;
- an isolated pod accepts exactly the union of the rules of the policies that isolate it; a
  connection between two pods needs the destination's ingress and the source's egress to admit it;
- a rule with no (or an empty) `from`/`to` matches every peer, with no (or empty) `ports` every port;
- a peer's `podSelector` alone selects pods of the policy's namespace, `namespaceSelector` alone
  every pod of the namespaces it selects, both in one peer the pods matching both (AND); separate
  peers are ORed; `ipBlock` selects addresses (`except` excluded);
- a port is a number (with `endPort`, a range) or a name resolved on the destination pod's
  containers under the rule's protocol (TCP unless set); no port: every port of that protocol.

What the manifests cannot say is answered "cannot tell" (`Verdict.allowed is None`), never
"blocked": the labels of a Namespace the input does not hold (only `kubernetes.io/metadata.name`
is known), and whether an `ipBlock` applies to pod IPs (implementation-defined: policies are
meant for cluster-external addresses, and pod IPs are ephemeral): an `ipBlock` never admits a
pod source here.
"""

from __future__ import annotations

import ipaddress
import weakref
from collections import defaultdict
from dataclasses import dataclass, field

from portlint.model import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    KubeObject,
    NetworkPolicy,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
    Workload,
)
from portlint.references import references
from portlint.selectors import LabelSelector, PodLabels, format_labels

INGRESS, EGRESS = "Ingress", "Egress"
POD, NAMESPACE, EXTERNAL = "pod", "namespace", "external"


@dataclass(frozen=True)
class Peer:
    """The sending side of a connection: a workload's pods, an unknown pod of a namespace, or a client
    outside the cluster."""

    kind: str  # POD, NAMESPACE or EXTERNAL
    namespace: str | None = None
    workload: Workload | None = None
    text: str = ""
    pod_labels: PodLabels | None = None  # pods known by their labels only (a configured controller)
    setting: str | None = None  # the setting that names those pods

    @staticmethod
    def pod(workload: Workload) -> "Peer":
        return Peer(POD, workload.namespace, workload, f"{workload.ref.kind} {workload.namespace}/{workload.name}")

    @staticmethod
    def labelled(namespace: str, labels: dict[str, str], text: str, setting: str) -> "Peer":
        return Peer(POD, namespace, None, text, PodLabels(dict(labels)), setting)

    @staticmethod
    def any_pod_of(namespace: str) -> "Peer":
        return Peer(NAMESPACE, namespace, None, f"any pod of namespace {namespace}")

    @staticmethod
    def external() -> "Peer":
        return Peer(EXTERNAL, None, None, "a client outside the cluster")

    @property
    def labels(self) -> PodLabels | None:
        return self.workload.pod_labels if self.workload else self.pod_labels


@dataclass
class Verdict:
    """Whether NetworkPolicies admit a connection, why, and which policies decide it."""

    allowed: bool | None  # None: the manifests cannot tell (judged as admitted)
    reason: str
    hint: str | None = None
    policies: list[NetworkPolicy] = field(default_factory=list)  # the ones that admit, or that isolate
    only_from: str | None = None  # admitted for clients of this ipBlock only (not every address)

    @property
    def ok(self) -> bool:
        return self.allowed is not False


def port_text(number: int, protocol: str) -> str:
    return f"{number}/{protocol}"


class Connectivity:
    """Policies by namespace and by the workload they select, built once per cluster."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.refs = references(cluster)
        self._by_namespace: dict[str, list[NetworkPolicy]] = defaultdict(list)
        for policy in cluster.network_policies:
            self._by_namespace[policy.namespace].append(policy)
        self._selecting: dict[int, list[NetworkPolicy]] = {}
        self._covered: dict[int, set[int]] = {}  # policy -> the workloads it applies to

    # --- which policies apply ----------------------------------------------------------------------

    def policies_in(self, namespace: str) -> list[NetworkPolicy]:
        return self._by_namespace.get(namespace, [])

    def selecting(self, workload: Workload) -> list[NetworkPolicy]:
        """The policies whose podSelector picks this workload's pods (one whose podSelector or policyTypes
        failed validation selects nothing that can be told), of the policies that apply to it."""
        found = self._selecting.get(id(workload))
        if found is None:
            found = [p for p in self.policies_in(workload.namespace) if self.applies_to(p, workload)]
            self._selecting[id(workload)] = found
        return found

    def applies_to(self, policy: NetworkPolicy, workload: Workload) -> bool:
        """Whether the policy selects the workload's pods, among the pods it is judged against: those of its
        apply unit(s), else the nearest (a deny-all of one example does not isolate another example's pods)."""
        if not _placed(policy) or not policy.pod_selector.matches(workload.pod_labels):
            return False
        return id(workload) in self._covers(policy)

    def _covers(self, policy: NetworkPolicy) -> set[int]:
        found = self._covered.get(id(policy))
        if found is None:
            found = self._covered[id(policy)] = {id(w) for w in self.selected_workloads(policy)}
        return found

    def uncertain(self, namespace: str) -> list[NetworkPolicy]:
        """The policies of a namespace with a part that failed validation: what they admit cannot be told."""
        return [p for p in self.policies_in(namespace) if not p.readable("spec")]

    def isolating(self, workload: Workload, direction: str) -> list[NetworkPolicy]:
        return [p for p in self.selecting(workload) if p.isolates(direction)]

    def selected_workloads(self, policy: NetworkPolicy) -> list[Workload]:
        """The workloads a policy applies to: of those its podSelector picks, its unit's, else the nearest."""
        return self.refs.covered_pods(policy, policy.namespace, policy.pod_selector)

    # --- verdicts ------------------------------------------------------------------------------------

    def reach(self, source: Peer, destination: Workload, number: int, protocol: str) -> Verdict:
        """Whether `source` may open a connection to the pods of `destination` on `number`/`protocol`."""
        admitted = self.ingress(source, destination, number, protocol)
        if source.kind != POD or admitted.allowed is False:
            return admitted
        sent = self.egress(source, destination, number, protocol)
        if sent.allowed is False:
            return sent
        if sent.policies:
            reasons = "; ".join(v.reason for v in (admitted, sent))
            return Verdict(None if None in (admitted.allowed, sent.allowed) else True, reasons, None,
                           admitted.policies + sent.policies)
        return admitted

    def ingress(self, source: Peer, destination: Workload, number: int, protocol: str) -> Verdict:
        policies = self.isolating(destination, INGRESS)
        where = port_text(number, protocol)
        if not policies:
            return Verdict(True, "no policy isolates these pods for ingress")
        matches = [(p, r, self._rule_admits(p, r, source, destination, number, protocol, INGRESS))
                   for p in policies for r in p.ingress]
        return self._verdict(matches, policies, source.text, where, destination, INGRESS)

    def egress(self, source: Peer, destination: Workload, number: int, protocol: str) -> Verdict:
        policies = [p for p in self.policies_in(source.namespace) if p.isolates(EGRESS) and (
            self.applies_to(p, source.workload) if source.workload else _placed(p) and p.pod_selector.matches(source.labels))]
        where = port_text(number, protocol)
        if not policies:
            return Verdict(True, "no policy isolates the source's pods for egress")
        target = Peer.pod(destination)
        matches = [(p, r, self._rule_admits(p, r, target, destination, number, protocol, EGRESS))
                   for p in policies for r in p.egress]
        return self._verdict(matches, policies, source.text, where, destination, EGRESS)

    def _verdict(self, matches, policies: list[NetworkPolicy], who: str, where: str, destination: Workload,
                 direction: str) -> Verdict:
        admitting = sorted(((p, m) for p, _r, m in matches if m.allowed), key=lambda pm: pm[1].cidr is not None)
        if admitting:
            policy, match = admitting[0]
            text = (f"policy {policy.name} admits {who} on {where}" if direction == INGRESS else
                    f"policy {policy.name} lets {who} send to {_pods_text(destination)} on {where}")
            return Verdict(True, text + (f" ({match.reason})" if match.reason else ""), None, [policy], match.cidr)
        unsure = [(p, m) for p, _r, m in matches if m.allowed is None]
        if unsure:
            policy, match = unsure[0]
            return Verdict(None, f"policy {policy.name} admits {who} on {where} only if {match.reason}", None,
                           [policy])
        unreadable = self.uncertain(destination.namespace if direction == INGRESS else policies[0].namespace)
        if unreadable:
            return Verdict(None, f"cannot tell: policy {unreadable[0].name} has fields that failed validation "
                                 f"(see manifest-invalid)", None, unreadable)
        names = ", ".join(p.name for p in policies)
        if direction == INGRESS:
            reason = (f"blocked: no NetworkPolicy selecting {_pods_text(destination)} admits traffic from "
                      f"{who} on {where} (isolated by {names})")
        else:
            reason = (f"blocked: the source's egress is isolated by {names}, and no rule lets {who} send to "
                      f"{_pods_text(destination)} on {where}")
        return Verdict(False, reason, _blocked_hint(matches, who), policies)

    # --- one rule --------------------------------------------------------------------------------------

    def _rule_admits(self, policy: NetworkPolicy, rule: PolicyRule, peer: Peer, destination: Workload,
                     number: int, protocol: str, direction: str) -> "Match":
        if not rule.readable():
            return Match(None, f"its rule {rule.json_path} is what it says (part of it failed validation)")
        port = port_matches(rule, destination, number, protocol)
        if not port.allowed:
            who = peer_matches(self, policy, rule, peer)
            return Match(False, port.reason, peer_ok=who.allowed is not False, port_ok=False)
        who = peer_matches(self, policy, rule, peer)
        return Match(who.allowed, who.reason, peer_ok=who.allowed is not False, port_ok=True, cidr=who.cidr)

    def namespace_labels(self, namespace: str, origin: KubeObject) -> dict[str, str] | None:
        """The labels of a Namespace the input holds, as applied with `origin` (with the automatic name
        label), else None."""
        found = self.cluster.namespace_near(origin, namespace)
        return found.namespace_labels if found else None


def _placed(policy: NetworkPolicy) -> bool:
    return policy.readable("spec.podSelector") and policy.readable("spec.policyTypes")


@dataclass
class Match:
    """Whether one policy rule admits a connection (its peers and its ports)."""

    allowed: bool | None
    reason: str = ""
    peer_ok: bool = True
    port_ok: bool = True
    cidr: str | None = None  # the ipBlock that narrows an external match


def port_matches(rule: PolicyRule, destination: Workload, number: int, protocol: str) -> Match:
    if rule.any_port:
        return Match(True)
    for port in rule.ports:
        if port.protocol == protocol and _covers(port, destination, number):
            return Match(True)
    return Match(False, f"its ports are {', '.join(describe_policy_port(p) for p in rule.ports)}")


def _covers(port: PolicyPort, destination: Workload, number: int) -> bool:
    if port.port is None:
        return True
    if isinstance(port.port, str):
        return number in resolve_named_port(destination, port.port, port.protocol)
    if port.end_port:
        return port.port <= number <= port.end_port
    return port.port == number


def resolve_named_port(workload: Workload, name: str, protocol: str) -> set[int]:
    """The numbers a policy's named port stands for on these pods: container ports of that name and protocol."""
    return {p.number for _c, p in workload.template.ports() if p.name == name and p.protocol == protocol}


def describe_policy_port(port: PolicyPort) -> str:
    if port.port is None:
        return f"every {port.protocol} port"
    if port.end_port and not isinstance(port.port, str):
        return f"{port.port}-{port.end_port}/{port.protocol}"
    return f"{port.port}/{port.protocol}"


def peer_matches(engine: Connectivity, policy: NetworkPolicy, rule: PolicyRule, peer: Peer) -> Match:
    """Whether a rule's `from` (ingress) or `to` (egress) takes in `peer`: True, False or None (cannot tell)."""
    if rule.any_peer:
        return Match(True, "" if peer.kind != EXTERNAL else "the rule has no `from`: every source")
    nothing = Match(False, "no peer of the rule matches")
    best, narrowed = nothing, None
    for item in rule.peers:
        match = _one_peer(engine, policy, item, peer)
        if match.allowed and match.cidr is None:
            return match
        if match.allowed:
            narrowed = narrowed or match
            continue
        if match.allowed is None or (best is nothing and match.reason):
            best = match  # the first peer's reason: the one written first is usually the one meant
    return narrowed or best


def _one_peer(engine: Connectivity, policy: NetworkPolicy, item: PolicyPeer, peer: Peer) -> Match:
    if item.ip_block is not None:
        if peer.kind != EXTERNAL:
            return Match(False, "an ipBlock peer never counts for pod traffic here (whether it applies to pod IPs "
                                "is implementation-defined)")
        if covers_every_address(item.ip_block.cidr, item.ip_block.excepts):
            return Match(True, f"ipBlock {item.ip_block.cidr}: every address")
        excepted = f" except {', '.join(item.ip_block.excepts)}" if item.ip_block.excepts else ""
        return Match(True, f"only clients from ipBlock {item.ip_block.cidr}{excepted}",
                     cidr=f"{item.ip_block.cidr}{excepted}")
    if item.pod_selector is None and item.namespace_selector is None:
        return Match(False, "an empty peer selects nothing")
    if peer.kind == EXTERNAL:
        return Match(False, "podSelector and namespaceSelector peers select pods, never clients outside the cluster")
    if item.namespace_selector is None:
        if peer.namespace != policy.namespace:
            return Match(False, f"its podSelector peer selects pods of namespace {policy.namespace} only")
        return _pods_match(item.pod_selector, peer)
    in_namespace = _namespace_match(engine, policy, item.namespace_selector, peer.namespace)
    if in_namespace.allowed is False:
        return in_namespace
    if item.pod_selector is None:
        return in_namespace
    pods = _pods_match(item.pod_selector, peer)
    if pods.allowed is False:
        return pods
    return in_namespace if in_namespace.allowed is None else pods


def _pods_match(selector: LabelSelector, peer: Peer) -> Match:
    if selector.empty:
        return Match(True)
    if peer.kind == NAMESPACE:
        return Match(False, f"its podSelector {selector} admits only some pods of the namespace, and the source's "
                            f"labels are unknown")
    if selector.matches(peer.labels):
        return Match(True)
    return Match(False, f"the source's pods do not carry {selector}")


def _namespace_match(engine: Connectivity, policy: NetworkPolicy, selector: LabelSelector, namespace: str) -> Match:
    if selector.empty:
        return Match(True)
    labels = engine.namespace_labels(namespace, policy)
    if labels is not None:
        if selector.matches(PodLabels(labels)):
            return Match(True)
        return Match(False, f"namespace {namespace} does not carry {selector} (its labels: {format_labels(labels)})")
    known = PodLabels({NAMESPACE_NAME_LABEL: namespace})
    about_name_only = {NAMESPACE_NAME_LABEL} >= set(selector.match_labels) | {r.key for r in selector.match_expressions}
    if about_name_only:
        if selector.matches(known):
            return Match(True)
        return Match(False, f"namespaceSelector {selector} does not select namespace {namespace}")
    return Match(None, f"namespace {namespace} carries {selector} (no Namespace {namespace} is in the input)")


def covers_every_address(cidr: str, excepts: tuple[str, ...]) -> bool:
    try:
        network = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
    return network.prefixlen == 0 and not excepts


def _pods_text(workload: Workload) -> str:
    return f"{workload.ref.kind} {workload.namespace}/{workload.name}'s pods"


def _blocked_hint(matches, who: str) -> str | None:
    """What is missing: a rule that takes the source in but not the port, or the port but not the source."""
    for policy, rule, match in matches:
        if match.peer_ok and not match.port_ok:
            return (f"policy {policy.name} takes in {who} but {match.reason}: a policy names the pod's port "
                    f"(containerPort or its name), not the Service's port")
    for policy, rule, match in matches:
        if match.port_ok and match.reason:
            return f"policy {policy.name} admits the port, but {match.reason}"
    if not any(rule for _p, rule, _m in matches):
        return "the isolating policies have no rule for this direction (they deny all): add one that admits the source"
    return None


_ENGINES: dict[int, Connectivity] = {}


def connectivity(cluster: Cluster) -> Connectivity:
    """The engine of `cluster`, built once (the checks and trace share it)."""
    engine = _ENGINES.get(id(cluster))
    if engine is None or engine.cluster is not cluster:
        engine = _ENGINES[id(cluster)] = Connectivity(cluster)
        weakref.finalize(cluster, _ENGINES.pop, id(cluster), None)
    return engine
