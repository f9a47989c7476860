"""NetworkPolicies: does a policy select any pods, do its named ports resolve, and can anything reach a Service?"""

from __future__ import annotations

from typing import Iterator

from portlint.connectivity import INGRESS, connectivity, describe_policy_port, port_matches, resolve_named_port
from portlint.engine import rule
from portlint.findings import Finding
from portlint.model import Cluster, NetworkPolicy, Service, ServicePort, Workload
from portlint.ports import backends, is_named, resolve_target_port, selects_pods
from portlint.references import references, wanted_labels
from portlint.settings import Settings
from portlint.similar import similar


@rule("networkpolicy-selects-nothing")
def networkpolicy_selects_nothing(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    refs = references(cluster)
    for policy in cluster.network_policies:
        selector = policy.pod_selector
        if selector.empty or refs.select_pods(policy.namespace, selector):
            continue
        if not refs.pod_miss_is_judged(policy, policy.namespace, selector, key="spec.podSelector"):
            continue
        yield policy.finding(
            f"podSelector {selector} matches no pod template in namespace {policy.namespace}: the policy "
            f"isolates nothing and its rules admit nothing",
            _near_miss_hint(cluster, policy), key="spec.podSelector")


def _near_miss_hint(cluster: Cluster, policy: NetworkPolicy) -> str:
    miss = references(cluster).near_miss_value(policy, policy.namespace, wanted_labels(policy.pod_selector))
    if miss:
        key, value, close = miss
        return f"pods in namespace {policy.namespace} have {key}={close}, not {key}={value}"
    return ("set spec.podSelector to the labels of the pod template (spec.template.metadata.labels) it should "
            "protect, in the policy's namespace")


@rule("networkpolicy-port-name-unresolved")
def networkpolicy_port_name_unresolved(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    engine = connectivity(cluster)
    for policy in cluster.network_policies:
        selected = engine.selected_workloads(policy)
        if not selected or not all(w.template.readable() for w in selected):
            continue  # networkpolicy-selects-nothing; or a container port that failed validation may declare it
        for policy_rule in policy.ingress:
            for port in policy_rule.ports or ():
                if isinstance(port.port, str) and not any(resolve_named_port(w, port.port, port.protocol)
                                                          for w in selected):
                    yield _unresolved(policy, port, selected)


def _unresolved(policy: NetworkPolicy, port, selected: list[Workload]) -> Finding:
    declared = sorted({p.name for w in selected for _c, p in w.template.ports() if p.name and p.protocol == port.protocol})
    close = [n for n in declared if similar(n, port.port)]
    if close:
        hint = f"did you mean port: {close[0]}? the selected pods declare that name"
    elif declared:
        hint = f"name one of the {port.protocol} ports the selected pods declare ({', '.join(declared)}), or its number"
    else:
        hint = f"add `name: {port.port}` to the containerPort the rule should admit, or name the port by number"
    return policy.finding(
        f"ingress port {port.port}/{port.protocol}: no container of the pods this policy selects "
        f"({', '.join(w.name for w in selected[:3])}) declares a {port.protocol} port named {port.port}, so the rule "
        f"admits nothing on it", hint, at=port, key="port",
        related=[w.related() for w in selected[:3]])


@rule("service-blocked-by-networkpolicy")
def service_blocked_by_networkpolicy(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    if not cluster.network_policies:
        return
    engine = connectivity(cluster)
    for service in cluster.services:
        if not selects_pods(service):
            continue
        workloads = backends(cluster, service)
        for service_port in service.ports:
            blocked = [_blocked(engine, w, service_port) for w in workloads]
            if blocked and all(b is not None for b in blocked):
                yield _blocked_finding(service, service_port, workloads, blocked)


def _blocked(engine, workload: Workload, service_port: ServicePort):
    """(pod port, isolating policies) when no ingress rule of the isolating policies admits the target port."""
    number = _pod_port(workload, service_port)
    policies = engine.isolating(workload, INGRESS)
    if number is None or not policies or engine.uncertain(workload.namespace):
        return None
    if any(port_matches(r, workload, number, service_port.protocol).allowed for p in policies for r in p.ingress):
        return None
    return number, policies


def _pod_port(workload: Workload, service_port: ServicePort) -> int | None:
    port = resolve_target_port(service_port, workload.template)
    if port:
        return port.number
    return None if is_named(service_port.target_port) else service_port.target_port


def _blocked_finding(service: Service, service_port: ServicePort, workloads: list[Workload], blocked) -> Finding:
    """On the policy that has to change: the one naming the Service's port, else the first that isolates."""
    number, policies = blocked[0]
    protocol = service_port.protocol
    names = ", ".join(sorted({p.name for _n, ps in blocked for p in ps}))
    message = (f"Service {service.name} port {service_port.describe()} → pod port {number}/{protocol}: every pod the "
               f"Service selects is isolated for ingress (by {names}) and no policy admits any source on "
               f"{number}/{protocol}, so nothing can reach the Service on this port")
    wrong = _service_port_named(service_port, number, policies)
    related = [service.related()] + [w.related() for w in workloads[:3]]
    if wrong:
        policy, port = wrong
        hint = (f"policy {policy.name} names port {describe_policy_port(port)}, the Service's port: a NetworkPolicy "
                f"sees the pod's port, so name {number} (or the container port's name)")
        return policy.finding(message, hint, at=port, key="port", related=related)
    policy = policies[0]
    spec = policy.raw.get("spec") or {}
    key = next((f"spec.{k}" for k in ("ingress", "policyTypes") if k in spec), "spec.podSelector")
    if not any(p.ingress for p in policies):
        hint = (f"{', '.join(p.name for p in policies)} deny all ingress: add a policy with an ingress rule that "
                f"admits port {number}/{protocol} from the clients of the Service")
    else:
        hint = (f"add port {number}/{protocol} (the pod's port, not the Service's) to an ingress rule of "
                f"{policy.name}, or add a policy that admits it")
    return policy.finding(message, hint, key=key, related=related)


def _service_port_named(service_port: ServicePort, number: int, policies: list[NetworkPolicy]):
    for policy in policies:
        for policy_rule in policy.ingress:
            for port in policy_rule.ports or ():
                if port.port == service_port.port and port.port != number and port.protocol == service_port.protocol:
                    return policy, port
    return None
