"""deprecated-api fixes: migrations to the served API version, safe when they keep behaviour.

A migration is the apiVersion and what the API server's own conversion changes (fixes/conversions.py).
Where the new version defaults a field the manifest leaves unset differently, the result behaves
differently: the fix is unsafe (applied only with --unsafe-fixes) and its summary says what differs.
Defaults from kubernetes/kubernetes pkg/apis/{extensions,apps}/{v1beta1,v1beta2,v1}/defaults.go,
pkg/apis/policy/v1beta1/conversion.go, pkg/apis/autoscaling/v2beta1/conversion.go.
"""

from __future__ import annotations

from portlint.checks.api_versions import removal
from portlint.findings import Finding
from portlint.fixes import fixer
from portlint.fixes.conversions import METRIC_SOURCES
from portlint.fixes.model import Fix, Migrate, ReplaceValue
from portlint.fixes.subjects import Subjects
from portlint.kinds import LEGACY_INGRESS_VERSIONS
from portlint.loader import Mapping
from portlint.model import KubeObject

APPS_KINDS = ("Deployment", "DaemonSet", "ReplicaSet", "StatefulSet")
# fields of the old workload APIs that apps/v1 does not have
NOT_IN_APPS_V1 = ("rollbackTo", "templateGeneration")
# versions whose defaulting copied the template labels into spec.selector and metadata.labels
LABEL_DEFAULTING = ("extensions/v1beta1", "apps/v1beta1")


@fixer("deprecated-api", reads_only_its_object=True)
def migrate(finding: Finding, subjects: Subjects) -> Fix | None:
    obj = subjects.object(finding, KubeObject)
    gone = removal(obj) if obj else None
    if gone is None or gone.replacement is None or not isinstance(obj.raw.get("spec", {}), dict):
        return None
    kind, version, target = obj.ref.kind, obj.ref.api_version, gone.replacement
    if kind == "Ingress" and version in LEGACY_INGRESS_VERSIONS:
        return _ingress(obj, target)
    if kind in APPS_KINDS and target == "apps/v1":
        return _workload(obj, version, target)
    if kind == "HorizontalPodAutoscaler":
        return _hpa(obj, version, target)
    if (kind, target) == ("CronJob", "batch/v1") or target == "rbac.authorization.k8s.io/v1":
        return _rename(obj, target, True, "the same fields and defaults")
    if target.startswith("gateway.networking.k8s.io/"):
        return _rename(obj, target, True, "its CRDs convert between the versions without a schema change")
    if (kind, target) == ("PodDisruptionBudget", "policy/v1"):
        selector = obj.raw.get("spec", {}).get("selector")  # (policy/v1: a null selector selects none)
        if isinstance(selector, Mapping) and not any(selector.get(k) for k in ("matchLabels", "matchExpressions")):
            return _rename(obj, target, False, "its empty selector selects no pods in policy/v1beta1 and every "
                                               "pod of the namespace in policy/v1")
        return _rename(obj, target, True, "the same fields; its selector selects the same pods")
    return None  # not one of the migrations portlint makes (README: the migration table)


def _rename(obj: KubeObject, target: str, safe: bool, what: str) -> Fix | None:
    edit = ReplaceValue.at(obj.file, obj.raw, "apiVersion", target)
    return edit and Fix(safe, f"apiVersion: {target} ({what})", (edit,), (obj.json_path,))


def _migration(obj: KubeObject, target: str, conversion: str, safe: bool, what: str) -> Fix | None:
    line, column = obj.raw.position("apiVersion")
    if (line, column) < (obj.raw.line, obj.raw.column):
        return None  # merged in from an anchor
    edit = Migrate(obj.file, line, column, obj.ref.api_version, target, conversion)
    return Fix(safe, f"apiVersion: {target} ({what})", (edit,), (obj.json_path,))


def _ingress(obj: KubeObject, target: str) -> Fix | None:
    backends = list(_legacy_backends(obj.raw.get("spec", {})))
    if any(isinstance(b.get("servicePort"), str) and b["servicePort"].isdigit() for b in backends):
        return None  # a quoted number names no port: ingress-backend-port-unmatched's fix comes first
    return _migration(obj, target, "ingress", True,
                      "backends as service.name and port.number|name, spec.backend as spec.defaultBackend, "
                      "pathType: ImplementationSpecific where none is set (the v1beta1 default); annotations kept")


def _legacy_backends(spec: Mapping):
    if isinstance(spec.get("backend"), Mapping):
        yield spec["backend"]
    for rule in spec.get("rules") or ():
        http = rule.get("http") if isinstance(rule, Mapping) else None
        for path in (http.get("paths") or ()) if isinstance(http, Mapping) else ():
            if isinstance(path, Mapping) and isinstance(path.get("backend"), Mapping):
                yield path["backend"]


def _workload(obj: KubeObject, version: str, target: str) -> Fix | None:
    spec = obj.raw.get("spec")
    if not isinstance(spec, Mapping) or any(field in spec for field in NOT_IN_APPS_V1):  # no spec: no template
        return None
    differences = _default_differences(obj, version, spec)
    if spec.get("selector"):
        return _rename(obj, target, not differences, _what(differences, "the same fields"))
    template = spec.get("template")
    metadata = template.get("metadata") if isinstance(template, Mapping) else None
    labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
    if not isinstance(labels, Mapping) or not labels or not all(isinstance(v, str) for v in labels.values()):
        return None  # without template labels there is no selector to write: the manifest was invalid
    if version not in LABEL_DEFAULTING:
        differences.append(f"{version} required spec.selector too, so the manifest was rejected: the selector "
                           "written (the template labels) is what the older APIs defaulted")
    return _migration(obj, target, "workload-selector", not differences,
                      _what(differences, "spec.selector.matchLabels: the template labels, as the old API defaulted it"))


def _default_differences(obj: KubeObject, version: str, spec: Mapping) -> list[str]:
    """What apps/v1 defaults differently, for the fields this manifest leaves unset."""
    kind, found = obj.ref.kind, []
    if version == "extensions/v1beta1" and kind == "Deployment":
        strategy = spec.get("strategy") if isinstance(spec.get("strategy"), Mapping) else {}
        rolling = strategy.get("rollingUpdate") if isinstance(strategy.get("rollingUpdate"), Mapping) else {}
        if strategy.get("type") != "Recreate":
            found += [f"rollingUpdate.{field} 25% instead of 1" for field in ("maxUnavailable", "maxSurge")
                      if field not in rolling]
        found += [text for field, text in (("revisionHistoryLimit", "revisionHistoryLimit 10 instead of unlimited"),
                                           ("progressDeadlineSeconds", "progressDeadlineSeconds 600 instead of none"))
                  if field not in spec]
    if (version, kind) in (("extensions/v1beta1", "DaemonSet"), ("apps/v1beta1", "StatefulSet")):
        strategy = spec.get("updateStrategy")
        if not isinstance(strategy, Mapping) or "type" not in strategy:
            found.append("updateStrategy RollingUpdate instead of OnDelete: a template change replaces the pods")
    if (version, kind) == ("apps/v1beta1", "Deployment") and "revisionHistoryLimit" not in spec:
        found.append("revisionHistoryLimit 10 instead of 2")
    if version in LABEL_DEFAULTING and not obj.labels:
        found.append("metadata.labels are no longer copied from the template labels")
    return found


def _what(differences: list[str], same: str) -> str:
    return f"{same}; apps/v1 differs where the manifest sets nothing: {'; '.join(differences)}" \
        if differences else same


def _hpa(obj: KubeObject, version: str, target: str) -> Fix | None:
    if version == "autoscaling/v2beta2":
        return _rename(obj, target, True, "the same fields and defaults")
    if any(key.startswith("autoscaling.alpha.kubernetes.io/") for key in obj.annotations):
        return None  # v2beta1 kept newer fields in annotations: move them by hand
    metrics = obj.raw.get("spec", {}).get("metrics")
    if metrics is None:
        return _rename(obj, target, True, "no metrics: the default target, 80% CPU, is the same")
    for metric in metrics if isinstance(metrics, list) else [None]:
        source = METRIC_SOURCES.get(metric.get("type")) if isinstance(metric, Mapping) else None
        if source is None or not isinstance(metric.get(source[0]), Mapping):
            return None
    return _migration(obj, target, "hpa-v2beta1", True,
                      "each metric's target as target.type and target.value|averageValue|averageUtilization, "
                      "its metricName and selector as metric.name and metric.selector, as the API server converts it")
