"""Which objects an object points at: the one place rules and trace ask.

NetworkPolicy, PodDisruptionBudget and monitor selectors → pod templates, ServiceMonitor
selectors → Services, HorizontalPodAutoscaler scaleTargetRef → a workload, and whether the
objects a selector wants are installed by other means than the input. Indexes are built once
per cluster (`references(cluster)`), so that adopting another grouping of objects (apply units)
changes this module only.
"""

from __future__ import annotations

import weakref
from functools import lru_cache
from pathlib import PurePath
from collections import defaultdict
from typing import Iterable, Iterator

from portlint.kinds import WORKLOAD_KINDS
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

    def workload(self, namespace: str, kind: str, name: str) -> Workload | None:
        return self._by_name.get((namespace, kind, name))

    def scale_target(self, autoscaler: HorizontalPodAutoscaler) -> Workload | None:
        """The workload an HPA scales: the HPA controller looks the referent up by kind and name in the
        HPA's namespace (its apiVersion only names the group)."""
        return self.workload(autoscaler.namespace, autoscaler.target_kind or "", autoscaler.target_name or "")

    def names_of(self, namespace: str, kind: str) -> list[str]:
        return sorted(w.name for w in self.workloads_in(namespace) if w.kind == kind)

    # --- Services --------------------------------------------------------------------------------

    def monitored_services(self, monitor: Monitor) -> list[Service]:
        """The Services a ServiceMonitor selects: by their own labels, in its namespaces."""
        return [s for namespace in self._monitor_namespaces(monitor, self._services)
                for s in self._services.get(namespace, ()) if _labels_match(monitor.selector, s.labels)]

    def monitored_pods(self, monitor: Monitor) -> list[Workload]:
        return [w for namespace in self._monitor_namespaces(monitor, self._workloads)
                for w in self.select_pods(namespace, monitor.selector)]

    @staticmethod
    def _monitor_namespaces(monitor: Monitor, present: dict) -> Iterable[str]:
        return monitor.namespaces() or sorted(present)

    # --- installed elsewhere ---------------------------------------------------------------------

    def pod_miss_is_judged(self, obj: KubeObject, namespace: str, selector: LabelSelector,
                           key: str = "spec.selector") -> bool:
        """Whether a selector of `obj` that matches no pod template is a mistake the input shows.

        Not when the pods are installed elsewhere (`pods_installed_elsewhere`, the reasoning of
        service-selector-no-match). A repository of independent examples shares one namespace
        (default) between unrelated apps, so the miss is judged only when the input holds the pods
        it was likely meant for: a near-miss label value in the namespace (cart for carts), pod
        templates beside `obj` in its directory, or matching pods of another namespace there.
        """
        wanted = wanted_labels(selector)
        if not obj.readable(key) or self.cluster.may_hold_unplaced(*WORKLOAD_KINDS):
            return False  # the selector, or a pod template it may select, failed validation
        if self.cluster.pods.may_select(namespace, wanted) or self.pods_installed_elsewhere(namespace, wanted, obj):
            return False
        if self.near_miss_value(namespace, wanted):
            return True
        if any(near(obj, w) for w in self.workloads_in(namespace)):
            return True
        pods = self.cluster.pods
        elsewhere = set.intersection(*(pods.namespaces_with(k, v) for k, v in wanted.items())) if wanted else set()
        return any(near(obj, w) for n in elsewhere for w in self.select_pods(n, selector))

    def near_miss_value(self, namespace: str, wanted: dict[str, str]) -> tuple[str, str, str] | None:
        """(key, wanted value, the close value pods carry) for a likely typo in a selector."""
        for key, value in wanted.items():
            present = self.cluster.pods.values(namespace, key)
            if value in present:
                continue
            close = sorted(v for v in present if similar(v, value))
            if close:
                return key, value, close[0]
        return None

    def target_miss_is_judged(self, autoscaler: HorizontalPodAutoscaler) -> bool:
        """Whether an HPA's missing target is a mistake the input shows: a workload of that kind with a
        near-miss name, one of that name but another kind, or one of that kind beside the HPA."""
        kind, name, namespace = autoscaler.target_kind, autoscaler.target_name, autoscaler.namespace
        if not autoscaler.readable("spec.scaleTargetRef") or self.cluster.may_hold_unplaced(kind):
            return False  # the reference, or the workload it names, failed validation
        for workload in self.workloads_in(namespace):
            if workload.kind == kind and (similar(workload.name, name) or near(autoscaler, workload)):
                return True
            if workload.name == name and workload.kind in SCALABLE_KINDS:
                return True
        return False

    def service_miss_is_judged(self, monitor: Monitor) -> bool:
        """Whether a ServiceMonitor that selects no Service shows a mistake: a Service beside it in its
        namespaces, a near-miss label value on their Services, or matching Services in another namespace."""
        namespaces = monitor.namespaces()
        if namespaces is None or _apiserver_service(monitor):
            return False
        services = [s for n in namespaces for s in self._services.get(n, ())]
        if any(near(monitor, s) for s in services):
            return True
        wanted = wanted_labels(monitor.selector)
        if any(similar(s.labels.get(k, ""), v) for s in services for k, v in wanted.items()):
            return True
        return any(_labels_match(monitor.selector, s.labels) for s in self.cluster.services)

    def pods_installed_elsewhere(self, namespace: str, labels: dict[str, str], asking: KubeObject | None = None) -> bool:
        """The pods these labels want are made outside the input: by an operator from a custom resource
        in the namespace (other than `asking`), or installed by other means (see `pods_come_from_elsewhere`)."""
        return (self.made_by_an_operator(namespace, labels, asking)
                or pods_come_from_elsewhere(self.cluster, namespace, labels))

    def made_by_an_operator(self, namespace: str, labels: dict[str, str], asking: KubeObject | None = None) -> bool:
        """A custom resource in the namespace carries every wanted value: its operator makes the pods.

        Operators create the pods of their custom resources (Prometheus, Alertmanager, a
        LeaderWorkerSet's leaderTemplate, an Argo Rollout's template) with labels taken from the
        resource's name, its labels and the pod templates it embeds.
        """
        wanted = set(labels.values())
        if not wanted:
            return False
        if self._stamped is None:
            self._stamped = {namespace: [(r, {r.name} | set(_label_values(r.raw))) for r in resources]
                             for namespace, resources in self.cluster.custom_resources.items()}
        return any(wanted <= values for r, values in self._stamped.get(namespace, ()) if r is not asking)


def near(obj: KubeObject, other: KubeObject) -> bool:
    """Two objects of one app, as far as the files show: the same directory."""
    return _directory(obj.file) == _directory(other.file)


@lru_cache(maxsize=None)
def _directory(file: str) -> PurePath:
    return PurePath(file).parent


def pods_come_from_elsewhere(cluster: Cluster, namespace: str, labels: dict[str, str]) -> bool:
    """The input holds no pod template in `namespace`, nor pods with these labels in any other one.

    Such a selector points at pods installed by other means (a managed add-on, another Helm
    release); a selector that misses pods the input does hold is still reported, including
    pods in the wrong namespace.
    """
    if namespace in cluster.pods.namespaces:
        return False
    if not labels:
        return True
    return not set.intersection(*(cluster.pods.namespaces_with(k, v) for k, v in labels.items()))


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
