"""Objects that name workloads, pods and Services: autoscalers, disruption budgets and Prometheus-operator monitors."""

from __future__ import annotations

from typing import Iterator

from portlint.engine import rule
from portlint.findings import Finding
from portlint.model import Cluster, HorizontalPodAutoscaler, Monitor, MonitorEndpoint, PodDisruptionBudget
from portlint.references import SCALABLE_KINDS, references
from portlint.settings import Settings
from portlint.similar import similar


@rule("hpa-target-missing")
def hpa_target_missing(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    refs = references(cluster)
    for autoscaler in cluster.autoscalers:
        kind, name = autoscaler.target_kind, autoscaler.target_name
        if kind not in SCALABLE_KINDS or not name or refs.scale_target(autoscaler):
            continue  # another kind with a scale subresource (an Argo Rollout, ...) is not judged
        if not refs.target_miss_is_judged(autoscaler):
            continue  # the target is installed by other means
        yield autoscaler.finding(
            f"scaleTargetRef names {kind} {name}, but namespace {autoscaler.namespace} has no {kind} of that name: "
            f"the autoscaler scales nothing (its status reports FailedGetScale)",
            _target_hint(refs, autoscaler), key="spec.scaleTargetRef.name")


def _target_hint(refs, autoscaler: HorizontalPodAutoscaler) -> str:
    kind, name, namespace = autoscaler.target_kind, autoscaler.target_name, autoscaler.namespace
    near = refs.scalable_near(autoscaler)  # its unit's workloads, else the nearest
    names = sorted(w.name for w in near if w.kind == kind)
    close = [n for n in names if similar(n, name)]
    if close:
        return f"did you mean {close[0]}? namespace {namespace} has {kind} {close[0]}"
    other = [w for w in near if w.name == name]
    if other:
        return f"{name} is a {other[0].kind}: set scaleTargetRef.kind to {other[0].kind}"
    return (f"set scaleTargetRef to a {kind} of namespace {namespace}"
            + (f" ({', '.join(names[:5])})" if names else ""))


@rule("pdb-selects-nothing")
def pdb_selects_nothing(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    refs = references(cluster)
    for budget in cluster.disruption_budgets:
        problem = _pdb_problem(refs, budget)
        if problem:
            message, hint = problem
            yield budget.finding(message, hint, key="spec.selector" if "selector" in _spec(budget) else "spec")


def _pdb_problem(refs, budget: PodDisruptionBudget) -> tuple[str, str] | None:
    if not budget.readable("spec.selector"):
        return None  # manifest-invalid says why
    selector = budget.selector
    if selector is None:
        return ("the budget has no selector: a null selector matches no pods, so it protects nothing",
                "set spec.selector to the labels of the pods it should protect")
    if selector.empty:
        if budget.empty_selects_all:
            return None  # policy/v1: every pod of the namespace
        return ("in policy/v1beta1 an empty selector matches no pods, so the budget protects nothing",
                "move to policy/v1 (where {} selects every pod of the namespace) or set spec.selector.matchLabels")
    if refs.select_pods(budget.namespace, selector) or not refs.pod_miss_is_judged(budget, budget.namespace, selector):
        return None
    return (f"selector {selector} matches no pod template in namespace {budget.namespace}: the budget protects "
            f"nothing, and evictions are not limited",
            "set spec.selector to the labels of the pod template (spec.template.metadata.labels) it should protect")


@rule("servicemonitor-selects-nothing")
def servicemonitor_selects_nothing(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    refs = references(cluster)
    for monitor in cluster.monitors:
        if not monitor.selects_services or monitor.selector is None or refs.monitored_services(monitor):
            continue
        if not refs.service_miss_is_judged(monitor):
            continue  # the Services are installed by other means
        yield monitor.finding(
            f"selector {monitor.selector} matches the labels (metadata.labels) of no Service in "
            f"{_namespaces_text(monitor)}: Prometheus scrapes nothing for it",
            "a ServiceMonitor selects Services by their own labels, not by the pods' labels: set spec.selector "
            "to labels of the Service (and spec.namespaceSelector to its namespace)", key="spec.selector")


@rule("podmonitor-selects-nothing")
def podmonitor_selects_nothing(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    refs = references(cluster)
    for monitor in cluster.monitors:
        if monitor.selects_services or monitor.selector is None or refs.monitored_pods(monitor):
            continue
        namespaces = monitor.namespaces() or ()
        if not namespaces or not any(refs.pod_miss_is_judged(monitor, n, monitor.selector) for n in namespaces):
            continue
        yield monitor.finding(
            f"selector {monitor.selector} matches no pod template in {_namespaces_text(monitor)}: Prometheus "
            f"scrapes nothing for it",
            "set spec.selector to the labels of the pod template it should scrape (and spec.namespaceSelector to "
            "its namespace)", key="spec.selector")


@rule("monitor-port-unresolved")
def monitor_port_unresolved(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    refs = references(cluster)
    for monitor in cluster.monitors:
        if monitor.selector is None:
            continue
        if monitor.selects_services:
            services = refs.monitored_services(monitor)
            names = {p.name for s in services for p in s.ports if p.name}
            what = f"Service{'s' if len(services) != 1 else ''} {', '.join(s.name for s in services[:3])}"
            related = [s.related() for s in services[:3]]
        else:
            workloads = refs.monitored_pods(monitor)
            names = {p.name for w in workloads for _c, p in w.template.ports() if p.name}
            what = f"pods of {', '.join(w.name for w in workloads[:3])}"
            related = [w.related() for w in workloads[:3]]
        if not related or not all(r.readable("spec") for r in _targets(refs, monitor)):
            continue  # selects nothing (the other rules), or a port of a target failed validation
        for endpoint in monitor.endpoints:
            if endpoint.port and endpoint.port not in names:
                yield _port_finding(monitor, endpoint, what, names, related)


def _targets(refs, monitor: Monitor) -> list:
    return refs.monitored_services(monitor) if monitor.selects_services else refs.monitored_pods(monitor)


def _port_finding(monitor: Monitor, endpoint: MonitorEndpoint, what: str, names: set[str], related) -> Finding:
    declared = sorted(names)
    close = [n for n in declared if similar(n, endpoint.port)]
    if monitor.selects_services:
        message = (f"endpoint port {endpoint.port} names no port of the selected {what} (a ServiceMonitor's `port` "
                   f"is a Service port's name): Prometheus gets no target for it")
    else:
        message = f"endpoint port {endpoint.port} names no container port of the selected {what}: no target for it"
    hint = (f"did you mean port: {close[0]}?" if close else
            f"name one of the declared ports ({', '.join(declared)})" if declared else
            "name the port in the Service (spec.ports[].name) and use that name here")
    return monitor.finding(message, hint, at=endpoint, key="port", related=related)


def _namespaces_text(monitor: Monitor) -> str:
    namespaces = monitor.namespaces()
    if namespaces is None:
        return "any namespace"
    return f"namespace{'s' if len(namespaces) > 1 else ''} {', '.join(namespaces)}"


def _spec(obj) -> dict:
    spec = obj.raw.get("spec")
    return spec if isinstance(spec, dict) else {}
