"""deprecated-api: objects written against API versions Kubernetes no longer serves."""

import pytest

from conftest import lint, only


TEMPLATE = "{template: {metadata: {labels: {app: a}}, spec: {containers: [{name: a, image: a}]}}}"
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")


def manifest(api_version: str, kind: str, spec: str | None = None) -> str:
    if spec is None and kind in WORKLOADS:
        spec = TEMPLATE
    elif spec is None:
        spec = "{jobTemplate: {spec: " + TEMPLATE + "}}" if kind == "CronJob" else "{}"
    return f"""# a comment first, so the apiVersion is on line 2
apiVersion: {api_version}
kind: {kind}
metadata: {{name: thing}}
spec: {spec}
"""


@pytest.mark.parametrize("api_version, kind, removed_in, replacement", [
    ("extensions/v1beta1", "Ingress", "v1.22", "networking.k8s.io/v1"),
    ("networking.k8s.io/v1beta1", "Ingress", "v1.22", "networking.k8s.io/v1"),
    ("networking.k8s.io/v1beta1", "IngressClass", "v1.22", "networking.k8s.io/v1"),
    ("extensions/v1beta1", "NetworkPolicy", "v1.16", "networking.k8s.io/v1"),
    ("apps/v1beta1", "StatefulSet", "v1.16", "apps/v1"),
    ("apps/v1beta2", "DaemonSet", "v1.16", "apps/v1"),
    ("batch/v1beta1", "CronJob", "v1.25", "batch/v1"),
    ("policy/v1beta1", "PodDisruptionBudget", "v1.25", "policy/v1"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler", "v1.26", "autoscaling/v2"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole", "v1.22", "rbac.authorization.k8s.io/v1"),
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity", "v1.27", "storage.k8s.io/v1"),
])
def test_removed_versions_are_reported_at_api_version(api_version, kind, removed_in, replacement):
    [finding] = only(lint(manifest(api_version, kind)), "deprecated-api")
    assert finding.line == 2 and finding.field_path == "apiVersion"
    assert f"{kind} is written against {api_version}" in finding.message
    assert f"stopped serving in {removed_in}" in finding.message
    assert f"use apiVersion: {replacement}" in finding.hint
    assert finding.severity == "warning"


def test_ingress_hint_describes_the_new_backend_shape():
    [finding] = only(lint(manifest("extensions/v1beta1", "Ingress")), "deprecated-api")
    assert "service: {name, port: {number | name}}" in finding.hint and "pathType" in finding.hint


def test_apps_hint_asks_for_a_selector_only_when_there_is_none():
    [without] = only(lint(manifest("apps/v1beta1", "Deployment")), "deprecated-api")
    assert "spec.selector is required" in without.hint
    with_selector = TEMPLATE.replace("{template", "{selector: {matchLabels: {app: a}}, template")
    [with_selector] = only(lint(manifest("apps/v1beta2", "Deployment", with_selector)),
                           "deprecated-api")
    assert "selector" not in with_selector.hint


def test_pod_security_policy_has_no_replacement_api():
    [finding] = only(lint(manifest("policy/v1beta1", "PodSecurityPolicy")), "deprecated-api")
    assert "Pod Security Admission" in finding.hint and "use apiVersion" not in finding.hint


def test_any_kind_of_a_version_that_is_gone_entirely():
    [finding] = only(lint(manifest("apps/v1beta2", "ControllerRevision")), "deprecated-api")
    assert "v1.16" in finding.message


@pytest.mark.parametrize("api_version, kind", [
    ("apps/v1", "Deployment"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1beta1", "ServiceCIDR"),  # a current beta kind of an old group version
    ("storage.k8s.io/v1beta1", "VolumeAttributesClass"),
    ("admissionregistration.k8s.io/v1beta1", "ValidatingAdmissionPolicy"),
    ("example.com/v1beta1", "Ingress"),  # a custom resource
    ("batch/v1", "CronJob"),
])
def test_served_versions_are_not_reported(api_version, kind):
    assert only(lint(manifest(api_version, kind)), "deprecated-api") == []


def test_items_of_a_list_are_checked():
    text = """
apiVersion: v1
kind: List
items:
  - apiVersion: batch/v1beta1
    kind: CronJob
    metadata: {name: nightly}
    spec:
      jobTemplate: {spec: {template: {spec: {containers: [{name: a, image: a}]}}}}
"""
    [finding] = only(lint(text), "deprecated-api")
    assert finding.line == 5 and finding.field_path == "items[0].apiVersion"
