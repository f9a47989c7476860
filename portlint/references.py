"""Which objects an object points at: the one place rules and trace ask.

NetworkPolicy, PodDisruptionBudget and monitor selectors → pod templates, ServiceMonitor
selectors → Services, HorizontalPodAutoscaler scaleTargetRef → a workload, and whether the
objects a selector wants are installed by other means than the input. Indexes are built once
per cluster (`references(cluster)`).

Across apply units (portlint/model/units.py) the answers follow the Cluster's unit API, as
service-selector-no-match does: an object refers to the candidates of its own unit(s), else to the
nearest ones (`Cluster.nearest`); "nothing of the kind is applied with it" (`Cluster.unit_holds`)
is the evidence that what it names is installed elsewhere. A policy, budget, monitor or autoscaler
of one example is not judged against another example's pods.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from typing import Iterable, Iterator

from portlint.kinds import ALL_WORKLOAD_KINDS
from portlint.model import Cluster, HorizontalPodAutoscaler, KubeObject, Monitor, Service, Workload
from portlint.selectors import LabelSelector, PodLabels
from portlint.similar import similar

SCALABLE_KINDS = ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController")

_CACHE: dict[int, "References"] = {}


def references(cluster: Cluster) -> "References":
    """The reference indexes of `cluster`, built on first use and kept while the cluster lives."""
    found = _CACHE.get(id(cluster))
    if found is None or found.cluster is not cluster:
        found = _CACHE[id(cluster)] = References(cluster)
        weakref.finalize(cluster, _CACHE.pop, id(cluster), None)
    return found


class References:
    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self._workloads: dict[str, list[Workload]] = defaultdict(list)
        self._by_name: dict[tuple[str, str, str], Workload] = {}
        for workload in cluster.workloads:
            self._workloads[workload.namespace].append(workload)
            self._by_name.setdefault((workload.namespace, workload.kind, workload.name), workload)
        self._services: dict[str, list[Service]] = defaultdict(list)
        for service in cluster.services:
            self._services[service.namespace].append(service)
        self._stamped: dict[str, list[set[str]]] | None = None

    # --- pods ------------------------------------------------------------------------------------

    def workloads_in(self, namespace: str) -> list[Workload]:
        return self._workloads.get(namespace, [])

    def select_pods(self, namespace: str, selector: LabelSelector) -> list[Workload]:
        """The workloads of `namespace` whose pods a metav1.LabelSelector picks (empty: all of them)."""
        if selector.match_labels:
            candidates = self.cluster.pods.select(namespace, selector.match_labels)
        else:
            candidates = self.workloads_in(namespace)
        return [w for w in candidates if all(r.matches(w.pod_labels) for r in selector.match_expressions)]

    def covered_pods(self, origin: KubeObject, namespace: str, selector: LabelSelector) -> list[Workload]:
        """The workloads whose pods `origin`'s selector means: of those it picks, the ones of its apply unit(s),
        else the nearest across units."""
        return self.cluster.nearest(origin, self.select_pods(namespace, selector))

    def workload(self, namespace: str, kind: str, name: str) -> Workload | None:
        return self._by_name.get((namespace, kind, name))

    def scale_target(self, autoscaler: HorizontalPodAutoscaler) -> Workload | None:
        """The workload an HPA scales: the HPA controller looks the referent up by kind and name in the
        HPA's namespace (its apiVersion only names the group)."""
        return self.workload(autoscaler.namespace, autoscaler.target_kind or "", autoscaler.target_name or "")

    def scalable_near(self, autoscaler: HorizontalPodAutoscaler) -> list[Workload]:
        """The scalable workloads of the HPA's namespace it can be judged against: its unit's, else the nearest."""
        return self.cluster.nearest(autoscaler, [w for w in self.workloads_in(autoscaler.namespace)
                                                 if w.kind in SCALABLE_KINDS])

    # --- Services --------------------------------------------------------------------------------

    def monitored_services(self, monitor: Monitor) -> list[Service]:
        """The Services a ServiceMonitor selects: by their own labels, in its namespaces (its unit's first)."""
        return self.cluster.nearest(monitor, [
            s for namespace in self._monitor_namespaces(monitor, self._services)
            for s in self._services.get(namespace, ()) if _labels_match(monitor.selector, s.labels)])

    def monitored_pods(self, monitor: Monitor) -> list[Workload]:
        return self.cluster.nearest(monitor, [w for namespace in self._monitor_namespaces(monitor, self._workloads)
                                              for w in self.select_pods(namespace, monitor.selector)])

    @staticmethod
    def _monitor_namespaces(monitor: Monitor, present: dict) -> Iterable[str]:
        return monitor.namespaces() or sorted(present)

    # --- installed elsewhere ---------------------------------------------------------------------

    def pod_miss_is_judged(self, obj: KubeObject, namespace: str, selector: LabelSelector,
                           key: str = "spec.selector") -> bool:
        """Whether a selector of `obj` that matches no pod template is a mistake the input shows.

        Not when the pods are made by an operator or installed elsewhere (`pods_installed_elsewhere`,
        the reasoning of service-selector-no-match), unless the pods it was likely meant for are there:
        a near-miss label value on the pods `obj` is judged against (cart for carts). Otherwise the
        miss is judged when `obj`'s apply unit runs pod templates in the namespace, or runs the
        matching pods in another namespace.
        """
        wanted = wanted_labels(selector)
        if not obj.readable(key) or self.cluster.may_hold_unplaced(*ALL_WORKLOAD_KINDS):
            return False  # the selector, or a pod template it may select, failed validation
        if self.cluster.pods.may_select(namespace, wanted) or self.made_by_an_operator(namespace, wanted, obj):
            return False
        if self.near_miss_value(obj, namespace, wanted):
            return True
        if pods_come_from_elsewhere(self.cluster, obj, namespace, wanted):
            return False
        if self.cluster.unit_holds(obj, ALL_WORKLOAD_KINDS, namespace):
            return True
        pods = self.cluster.pods
        elsewhere = set.intersection(*(pods.namespaces_with(k, v) for k, v in wanted.items())) if wanted else set()
        return any(self.cluster.same_unit(obj, w) for n in elsewhere for w in self.select_pods(n, selector))

    def near_miss_value(self, obj: KubeObject, namespace: str, wanted: dict[str, str]) -> tuple[str, str, str] | None:
        """(key, wanted value, the close value pods carry) for a likely typo in a selector of `obj`, among the
        pods of the namespace it is judged against (its unit's, else the nearest)."""
        pods = self.cluster.nearest(obj, self.workloads_in(namespace))
        for key, value in wanted.items():
            present = {w.pod_labels.static[key] for w in pods if key in w.pod_labels.static}
            if value in present:
                continue
            close = sorted(v for v in present if similar(v, value))
            if close:
                return key, value, close[0]
        return None

    def target_miss_is_judged(self, autoscaler: HorizontalPodAutoscaler) -> bool:
        """Whether an HPA's missing target is a mistake the input shows: among the workloads it is judged
        against, one of that kind with a near-miss name or one of that name but another scalable kind; or a
        workload of that kind applied with the HPA (its unit)."""
        kind, name, namespace = autoscaler.target_kind, autoscaler.target_name, autoscaler.namespace
        if not autoscaler.readable("spec.scaleTargetRef") or self.cluster.may_hold_unplaced(kind):
            return False  # the reference, or the workload it names, failed validation
        for workload in self.scalable_near(autoscaler):
            if (workload.kind == kind and similar(workload.name, name)) or workload.name == name:
                return True
        return self.cluster.unit_holds(autoscaler, (kind,), namespace)

    def service_miss_is_judged(self, monitor: Monitor) -> bool:
        """Whether a ServiceMonitor that selects no Service shows a mistake: a near-miss label value on the
        Services of its namespaces it is judged against, a Service in them applied with it (its unit), or
        matching Services of its unit in a namespace it does not look at."""
        namespaces = monitor.namespaces()
        if namespaces is None or _apiserver_service(monitor):
            return False
        services = self.cluster.nearest(monitor, [s for n in namespaces for s in self._services.get(n, ())])
        wanted = wanted_labels(monitor.selector)
        if any(similar(s.labels.get(k, ""), v) for s in services for k, v in wanted.items()):
            return True
        if any(self.cluster.unit_holds(monitor, ("Service",), n) for n in namespaces):
            return True
        return any(_labels_match(monitor.selector, s.labels) and self.cluster.same_unit(monitor, s)
                   for s in self.cluster.services)

    def made_by_an_operator(self, namespace: str, labels: dict[str, str], asking: KubeObject | None = None) -> bool:
        """A custom resource in the namespace that makes pods (`makes_pods`) carries every wanted value: its
        operator makes the pods. `asking`, a custom resource itself (a PodMonitor), does not count.

        Operators create the pods of their custom resources (Prometheus, Alertmanager, a
        LeaderWorkerSet's leaderTemplate) with labels taken from the resource's name, its labels and
        the pod templates it embeds.
        """
        wanted = set(labels.values())
        if not wanted:
            return False
        if self._stamped is None:
            self._stamped = {namespace: [(r, {r.name} | set(_label_values(r.raw))) for r in resources if makes_pods(r)]
                             for namespace, resources in self.cluster.custom_resources.items()}
        return any(wanted <= values for r, values in self._stamped.get(namespace, ()) if r is not asking)


def pods_come_from_elsewhere(cluster: Cluster, origin: KubeObject, namespace: str, labels: dict[str, str]) -> bool:
    """Nothing applied with `origin` runs pods in `namespace`, and no namespace has pods with these labels.

    Such a selector points at pods installed by other means (a managed add-on, another Helm release,
    the base application a workshop module builds on): the origin's apply unit — its own files and the
    ones they refer to — holds no pod template in the namespace. A selector that misses pods its unit
    does hold is still judged, and so are pods in the wrong namespace.
    """
    if cluster.unit_holds(origin, ALL_WORKLOAD_KINDS, namespace):
        return False
    if not labels:
        return True
    return not set.intersection(*(cluster.pods.namespaces_with(k, v) for k, v in labels.items()))


# Custom resources whose operators create pods named and labelled after the resource itself, with no pod
# template in it: prometheus-operator (Prometheus, Alertmanager, ThanosRuler, PrometheusAgent: pods
# labelled prometheus=/alertmanager=<name>, app.kubernetes.io/instance=<name>), Elastic Cloud on Kubernetes
# (elasticsearch.k8s.elastic.co/cluster-name=<name>, kibana.k8s.elastic.co/name=<name>, ...), Strimzi
# (strimzi.io/cluster=<name>) and the OpenTelemetry Operator's collectors.
POD_MAKING_KINDS = {
    ("monitoring.coreos.com", kind) for kind in ("Prometheus", "Alertmanager", "ThanosRuler", "PrometheusAgent")
} | {("opentelemetry.io", "OpenTelemetryCollector"), ("opentelemetry.io", "TargetAllocator")}
POD_MAKING_GROUPS = ("k8s.elastic.co", "kafka.strimzi.io")


def makes_pods(resource) -> bool:
    """A custom resource whose operator creates pods: a kind known to, or one that embeds a pod template.
    Other custom resources make no pods: an HTTPRoute named `httpbin` says nothing about pods app=httpbin."""
    group = resource.ref.api_version.rpartition("/")[0]
    if (group, resource.ref.kind) in POD_MAKING_KINDS or group.endswith(POD_MAKING_GROUPS):
        return True
    return _embeds_pod_template(resource.raw.get("spec"))


def _embeds_pod_template(node: object) -> bool:
    """A `containers` list, or a mapping under a `template`/`...Template` key (podTemplate, leaderTemplate)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            for key, value in current.items():
                if key == "containers" and isinstance(value, list):
                    return True
                if isinstance(key, str) and key.lower().endswith("template") and isinstance(value, dict):
                    return True
                if isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(current, list):
            stack.extend(v for v in current if isinstance(v, (dict, list)))
    return False


# The API server keeps default/kubernetes itself, with these labels (pkg/controlplane/reconcilers)
APISERVER_SERVICE_LABELS = {"component": "apiserver", "provider": "kubernetes"}


def _apiserver_service(monitor: Monitor) -> bool:
    return "default" in (monitor.namespaces() or ()) and _labels_match(monitor.selector, APISERVER_SERVICE_LABELS)


def wanted_labels(selector: LabelSelector) -> dict[str, str]:
    """The label values a selector requires: matchLabels and single-valued `In` expressions."""
    wanted = dict(selector.match_labels)
    wanted.update((r.key, r.values[0]) for r in selector.match_expressions if r.operator == "In" and len(r.values) == 1)
    return wanted


def _labels_match(selector: LabelSelector | None, labels: dict[str, str]) -> bool:
    return selector is not None and selector.matches(PodLabels(dict(labels)))


def _label_values(node: object) -> Iterator[str]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            for key, value in current.items():
                if key in ("labels", "matchLabels") and isinstance(value, dict):
                    yield from (v for v in value.values() if isinstance(v, str))
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(current, list):
            stack.extend(v for v in current if isinstance(v, (dict, list)))
