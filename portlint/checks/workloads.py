"""Workload → its own pods: does the controller's selector match the labels of the pod template it stamps out?"""

from __future__ import annotations

from typing import Iterator

from portlint.engine import rule
from portlint.findings import Finding
from portlint.loader import Mapping
from portlint.model import Cluster, Workload
from portlint.selectors import ANY_VALUE, LabelSelector, PodLabels, Requirement, format_labels
from portlint.settings import Settings

APPS_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet")
# API versions whose defaulting does NOT fill an absent selector from the template labels
# (extensions/v1beta1 and apps/v1beta1 did; both are long removed from API servers)
SELECTOR_REQUIRED_VERSIONS = ("apps/v1", "apps/v1beta2")


@rule("workload-selector-mismatch")
def workload_selector_mismatch(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for workload in cluster.workloads:
        if not (workload.readable("spec.selector") and workload.labels_readable
                and workload.readable("spec.manualSelector")):
            continue  # the selector or the labels failed validation: manifest-invalid says so
        if workload.kind in APPS_KINDS:
            yield from _apps_selector(workload)
        elif workload.kind == "ReplicationController":
            yield from _replication_controller_selector(workload)
        elif workload.kind == "Job" and _spec(workload).get("manualSelector") is True:
            yield from _manual_job_selector(workload)
        elif workload.kind == "Job":
            yield from _generated_job_selector(workload)
        elif workload.kind == "CronJob":
            yield from _cron_job_selector(workload)


def _spec(workload: Workload) -> Mapping:
    spec = workload.raw.get("spec")
    return spec if isinstance(spec, Mapping) else Mapping()


def _apps_selector(workload: Workload) -> Iterator[Finding]:
    if _spec(workload).get("selector") is None:
        if workload.ref.api_version in SELECTOR_REQUIRED_VERSIONS:
            yield workload.finding(
                f"spec.selector is missing: {workload.ref.api_version} {workload.kind}s require one, and the "
                f"API server rejects the object", _selector_hint(workload), key="spec")
        return  # the removed beta versions defaulted it to the template labels
    if workload.selector.empty:
        yield workload.finding(
            f"spec.selector is empty: the API server rejects it (\"empty selector is invalid for "
            f"{workload.kind.lower()}\")", _selector_hint(workload), key="spec.selector")
        return
    yield from _mismatch(workload, workload.selector)


def _replication_controller_selector(workload: Workload) -> Iterator[Finding]:
    if workload.selector is None:
        if not workload.template.labels:  # no selector to default from the template labels either
            yield workload.finding(
                "neither spec.selector nor the pod template's labels are set: the API server requires a "
                "non-empty selector", _selector_hint(workload), key="spec")
        return  # an absent or empty selector defaults to the template labels
    yield from _mismatch(workload, workload.selector)


def _manual_job_selector(workload: Workload) -> Iterator[Finding]:
    if workload.selector is None:
        yield workload.finding(
            "spec.manualSelector is true but spec.selector is missing: the API server requires one",
            "set spec.selector to the pod template's labels, or drop manualSelector and let the Job "
            "controller generate a selector", key="spec.manualSelector")
        return
    yield from _mismatch(workload, workload.selector)


def _generated_job_selector(workload: Workload) -> Iterator[Finding]:
    """Without manualSelector the API server generates the selector and labels the template itself.

    generateSelectorIfNeeded (pkg/registry/batch/job/strategy.go) adds job-name and controller-uid
    labels, keeping any the template already has; ValidateGeneratedSelector then requires their
    values to be the Job's own, and a selector given by hand to select them ("`selector` not
    auto-generated").
    """
    name = workload.name
    for key in ("job-name", "batch.kubernetes.io/job-name"):
        value = workload.template.labels.get(key)
        if value is not None and value != name:
            yield workload.finding(
                f"the pod template's label {key}={value} is not the Job's name: the Job controller selects its pods "
                f"by {key}={name} and the API server rejects the Job", f"remove the label {key} from the pod "
                f"template (the API server adds it), or set it to {name}", at=workload.template,
                key=f"metadata.labels.{key}" if "." not in key else "metadata.labels")
    selector = workload.selector
    if selector is None or selector.empty:
        return
    generated = PodLabels({"job-name": name, "batch.kubernetes.io/job-name": name},
                          {"controller-uid": ANY_VALUE, "batch.kubernetes.io/controller-uid": ANY_VALUE})
    if not selector.matches(generated):
        yield workload.finding(
            f"spec.selector ({selector}) is set but spec.manualSelector is not true: the API server generates the "
            f"selector (controller-uid, job-name) and rejects one that selects anything else (\"`selector` not "
            f"auto-generated\")", "remove spec.selector and let the API server generate it, or set "
            "spec.manualSelector: true and make the selector match the pod template's labels", key="spec.selector")


def _cron_job_selector(workload: Workload) -> Iterator[Finding]:
    """ValidateJobTemplateSpec: a CronJob's Jobs always get generated selectors."""
    job_spec = _spec(workload).get("jobTemplate")
    job_spec = job_spec.get("spec") if isinstance(job_spec, Mapping) else None
    if not isinstance(job_spec, Mapping):
        return
    where = "spec.jobTemplate.spec"
    if job_spec.get("selector") is not None:
        yield workload.finding(
            f"{where}.selector is set: the API server rejects it (\"`selector` will be auto-generated\"): each Job "
            f"the CronJob creates gets a generated selector", f"remove {where}.selector; to select the Jobs' pods "
            f"elsewhere, use the pod template's labels", key="spec.jobTemplate.spec.selector")
    if job_spec.get("manualSelector") is True:
        yield workload.finding(
            f"{where}.manualSelector is true: a CronJob's Jobs cannot use a manual selector, the API server rejects it",
            f"remove {where}.manualSelector", key="spec.jobTemplate.spec.manualSelector")


def _mismatch(workload: Workload, selector: LabelSelector) -> Iterator[Finding]:
    if any(_malformed(r) for r in selector.match_expressions):
        return  # rejected as an invalid selector, not as a mismatch
    labels = PodLabels(dict(workload.template.labels))  # the template's own labels: no controller-added ones
    if selector.matches(labels):
        return
    failing = [f"{k}={v}" for k, v in selector.match_labels.items() if not labels.can_equal(k, v)]
    failing += [str(r) for r in selector.match_expressions if not r.matches(labels)]
    yield workload.finding(
        f"spec.selector requires {', '.join(failing)}, which the pod template's labels "
        f"({format_labels(workload.template.labels)}) do not satisfy: the API server rejects the "
        f"{workload.kind} (\"`selector` does not match template `labels`\")",
        "make spec.selector select the labels in spec.template.metadata.labels (values are case-sensitive)",
        at=workload.template, key="metadata.labels")


def _malformed(requirement: Requirement) -> bool:
    """In/NotIn need values, Exists/DoesNotExist take none: otherwise the selector itself is invalid."""
    if requirement.operator in ("In", "NotIn"):
        return not requirement.values
    return bool(requirement.values)


def _selector_hint(workload: Workload) -> str:
    labels = workload.template.labels
    field = "spec.selector" if workload.kind == "ReplicationController" else "spec.selector.matchLabels"
    if labels:
        return f"set {field} to the pod template's labels: {format_labels(labels)}"
    return "label the pod template (spec.template.metadata.labels) and select those labels in spec.selector"
