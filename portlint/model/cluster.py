"""The cluster: every object of one check, and the indexes rules query (built once)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from portlint.loader import Mapping
from portlint.model.gateway import Gateway, GatewayClass, GatewayIndex, ReferenceGrant, Route
from portlint.model.ingress import Ingress
from portlint.model.objects import KubeObject
from portlint.model.pods import Workload
from portlint.model.policy import HorizontalPodAutoscaler, Monitor, Namespace, NetworkPolicy, PodDisruptionBudget
from portlint.model.services import EndpointsObject, Service, ServicePort
from portlint.model.units import ApplyUnits, UnitQueries
from portlint.similar import NearMisses, near_misses


class PodIndex:
    """Workloads by the labels their pods will carry, per namespace. Built once, queried by every rule."""

    def __init__(self, workloads: list[Workload]):
        self.workloads = workloads
        self._by_label: dict[tuple[str, str, str], list[Workload]] = defaultdict(list)
        self._by_dynamic_key: dict[tuple[str, str], list[Workload]] = defaultdict(list)
        self._values: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._namespaces: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._order = {id(w): n for n, w in enumerate(workloads)}
        self._near_values: dict[tuple[str, str], NearMisses] = {}
        self.namespaces = {w.namespace for w in workloads}  # namespaces that hold any pod template
        # per namespace, the workloads whose template labels failed validation (in part): unknown labels
        self._unreadable_labels: dict[str, list[Workload]] = defaultdict(list)
        self.lookups = 0  # counted so tests can assert that matching grows linearly
        self._selected: dict[tuple, list[Workload]] = {}
        for workload in workloads:
            ns = workload.namespace
            for key, value in workload.pod_labels.static.items():
                self._by_label[ns, key, value].append(workload)
                self._values[ns, key].add(value)
                self._namespaces[key, value].add(ns)
            for key in workload.pod_labels.dynamic:
                self._by_dynamic_key[ns, key].append(workload)
            if not workload.labels_readable:
                self._unreadable_labels[ns].append(workload)

    def select(self, namespace: str, selector: dict[str, str]) -> list[Workload]:
        """The workloads in `namespace` whose pods a Service selector picks (empty selector: none).

        Apply-unit inference and several rules ask for the same selectors: each is answered once.
        """
        memo = (namespace, tuple(selector.items()))
        found = self._selected.get(memo)
        if found is None:
            found = self._selected[memo] = self._select(namespace, selector)
        return list(found)

    def _select(self, namespace: str, selector: dict[str, str]) -> list[Workload]:
        candidates: dict[int, Workload] | None = None
        for key, value in selector.items():
            self.lookups += 1
            found = {id(w): w for w in self._by_label.get((namespace, key, value), ())}
            found.update((id(w), w) for w in self._by_dynamic_key.get((namespace, key), ()))
            candidates = found if candidates is None else {k: w for k, w in candidates.items() if k in found}
            if not candidates:
                return []
        chosen = [w for w in (candidates or {}).values()
                  if all(w.pod_labels.can_equal(k, v) for k, v in selector.items())]
        return sorted(chosen, key=lambda w: self._order[id(w)])

    def may_select(self, namespace: str, selector: dict[str, str]) -> bool:
        """Whether a pod template in `namespace` whose labels failed validation might match `selector`.

        Its readable labels must not contradict the selector; the ones left out could be anything.
        """
        self.lookups += 1
        return any(all(w.pod_labels.can_equal(k, v) or not w.pod_labels.has(k) for k, v in selector.items())
                   for w in self._unreadable_labels.get(namespace, ()))

    def values(self, namespace: str, key: str) -> set[str]:
        """Every value that pods in `namespace` carry for label `key`."""
        self.lookups += 1
        return self._values.get((namespace, key), set())

    def near_values(self, namespace: str, key: str, value: str) -> list[str]:
        """The values of label `key` in `namespace` a case or a typo away from `value` (similar.py), sorted."""
        self.lookups += 1
        if (namespace, key) not in self._near_values:
            self._near_values[(namespace, key)] = near_misses(sorted(self._values.get((namespace, key), ())))
        return self._near_values[(namespace, key)].of(value)

    def namespaces_with(self, key: str, value: str) -> set[str]:
        self.lookups += 1
        return self._namespaces.get((key, value), set())


@dataclass
class Cluster(UnitQueries):
    """Every object of one check, its indexes, and (see model/units.py) the apply units its files form."""

    objects: list[KubeObject] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    workloads: list[Workload] = field(default_factory=list)
    ingresses: list[Ingress] = field(default_factory=list)
    endpoints_for: set[tuple[str, str]] = field(default_factory=set)  # (namespace, Service name)
    secrets: set[tuple[str, str]] = field(default_factory=set)
    # (namespace, name) → every definition of that Service: the input may hold alternatives of one
    # Service (overlays, variants in different directories)
    services_by_name: dict[tuple[str, str], list[Service]] = field(default_factory=dict)
    node_ports: dict[int, list[tuple[Service, ServicePort]]] = field(default_factory=dict)
    # healthCheckNodePort → Services: the same allocator and range as nodePorts
    health_check_node_ports: dict[int, list[Service]] = field(default_factory=dict)
    custom_resources: dict[str, list[KubeObject]] = field(default_factory=dict)  # by namespace
    pods: PodIndex = field(default_factory=lambda: PodIndex([]))
    gateways: list[Gateway] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)  # HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute
    reference_grants: list[ReferenceGrant] = field(default_factory=list)
    # Secrets in the input and those that resources in it create (cert-manager, sealed/external secrets)
    known_secrets: set[tuple[str, str]] = field(default_factory=set)
    gateway_api: GatewayIndex = field(default_factory=lambda: GatewayIndex([], [], [], set(), set()))
    network_policies: list[NetworkPolicy] = field(default_factory=list)
    namespace_variants: dict[str, list[Namespace]] = field(default_factory=dict)  # the Namespace objects, by name
    autoscalers: list[HorizontalPodAutoscaler] = field(default_factory=list)
    disruption_budgets: list[PodDisruptionBudget] = field(default_factory=list)
    monitors: list[Monitor] = field(default_factory=list)  # ServiceMonitors and PodMonitors
    manifest_count: int = 0  # every manifest read, the invalid ones included
    # built-in kinds of manifests whose identity (name, namespace) failed validation: such an object
    # may be the one a rule finds missing, so "no <kind> named N" is not reported while one exists
    unplaced_kinds: set[str] = field(default_factory=set)
    units: ApplyUnits = field(default_factory=ApplyUnits)  # the whole input is one unit until inferred
    _held: set | None = field(default=None, repr=False)
    _alternatives: set | None = field(default=None, repr=False)
    # answers that rules and trace share, computed once (ports.backends, attachment.attachment): kept here,
    # not on the model objects, because a re-check after --fix builds a new Cluster around the same objects
    answers: dict = field(default_factory=dict, repr=False, compare=False)
    # in a re-check, the answers of the check before it: model/answers.py reuses those computed from the same objects
    previous: dict | None = field(default=None, repr=False, compare=False)
    keeps_answers: bool = field(default=False, repr=False, compare=False)  # for re-checks to take over (Settings.rechecks)

    def add(self, obj: KubeObject) -> None:
        self.objects.append(obj)
        if isinstance(obj, Service):
            self.services.append(obj)
            self.services_by_name.setdefault((obj.namespace, obj.name), []).append(obj)
            for port in obj.ports:
                if port.node_port:
                    self.node_ports.setdefault(port.node_port, []).append((obj, port))
            if obj.health_check_node_port:
                self.health_check_node_ports.setdefault(obj.health_check_node_port, []).append(obj)
        elif isinstance(obj, Workload):
            self.workloads.append(obj)
        elif isinstance(obj, Ingress):
            self.ingresses.append(obj)
        elif isinstance(obj, EndpointsObject):
            self.endpoints_for.add((obj.namespace, obj.service_name))
        elif obj.kind == "Secret":
            self.secrets.add((obj.namespace, obj.name))
        elif isinstance(obj, (Gateway, GatewayClass, Route, ReferenceGrant)):
            self._add_gateway_api(obj)
        elif isinstance(obj, NetworkPolicy):
            self.network_policies.append(obj)
        elif isinstance(obj, Namespace):
            self.namespace_variants.setdefault(obj.name, []).append(obj)
        elif isinstance(obj, HorizontalPodAutoscaler):
            self.autoscalers.append(obj)
        elif isinstance(obj, PodDisruptionBudget):
            self.disruption_budgets.append(obj)
        elif not obj.builtin and "." in obj.ref.api_version.partition("/")[0]:
            self.custom_resources.setdefault(obj.namespace, []).append(obj)
        if isinstance(obj, Monitor):  # still a custom resource to the exemptions above
            self.monitors.append(obj)

    def _add_gateway_api(self, obj: KubeObject) -> None:
        if isinstance(obj, Gateway):
            self.gateways.append(obj)
        elif isinstance(obj, Route):
            self.routes.append(obj)
        elif isinstance(obj, ReferenceGrant):
            self.reference_grants.append(obj)
        if isinstance(obj, (Gateway, GatewayClass)):
            # controllers create the Services and pods of a Gateway, named after it: like an operator's resource
            self.custom_resources.setdefault(obj.namespace, []).append(obj)

    def build_indexes(self, previous: PodIndex | None = None) -> None:
        """The indexes rules query. `previous`: a re-check's PodIndex of the check before, taken over (with the
        selections it has answered) when it indexes the very same workloads, in the same order."""
        same = previous is not None and len(previous.workloads) == len(self.workloads) and \
            all(a is b for a, b in zip(previous.workloads, self.workloads))
        self.pods = previous if same else PodIndex(self.workloads)
        self.known_secrets = self.secrets | _secrets_produced(self.objects)
        self.gateway_api = GatewayIndex(self.gateways, self.reference_grants,
                                        [o for o in self.objects if o.kind == "Namespace"], self.known_secrets,
                                        {o.ref.namespace for o in self.objects},
                                        grants_unplaced="ReferenceGrant" in self.unplaced_kinds)

    def may_hold_unplaced(self, *kinds: str) -> bool:
        """Whether an object of one of `kinds` is in the input but could not be placed (its identity failed)."""
        return any(kind in self.unplaced_kinds for kind in kinds)

    def namespace_near(self, origin: KubeObject, name: str) -> Namespace | None:
        """The Namespace `name` as applied with `origin`: the definition in its own apply unit, else the
        nearest (example folders each define their own `shop`, labelled differently)."""
        found = self.namespace_variants.get(name, [])
        if len(found) > 1:
            found = self.nearest(origin, found)
        return found[0] if found else None

    def service(self, namespace: str, name: str) -> Service | None:
        """The first definition of the Service, if any."""
        found = self.services_by_name.get((namespace, name))
        return found[0] if found else None

    def service_definitions(self, namespace: str, name: str) -> list[Service]:
        return self.services_by_name.get((namespace, name), [])

    def has_endpoints_for(self, service: Service) -> bool:
        return (service.namespace, service.name) in self.endpoints_for


_PRODUCING_KINDS = frozenset({"Certificate", "SealedSecret", "ExternalSecret"})


def _secrets_produced(objects: list[KubeObject]) -> set[tuple[str, str]]:
    """Secrets that custom resources in the input create: cert-manager Certificates, SealedSecrets, ExternalSecrets."""
    produced = set()
    for obj in objects:
        kind = obj.ref.kind
        if kind not in _PRODUCING_KINDS:
            continue
        spec = obj.raw.get("spec")
        spec = spec if isinstance(spec, Mapping) else Mapping()
        if kind == "Certificate" and isinstance(spec.get("secretName"), str):
            produced.add((obj.namespace, spec["secretName"]))
        elif kind == "SealedSecret":
            produced.add((obj.namespace, obj.name))
        elif kind == "ExternalSecret":
            target = spec.get("target")
            name = target.get("name") if isinstance(target, Mapping) else None
            produced.add((obj.namespace, name if isinstance(name, str) and name else obj.name))
    return produced
