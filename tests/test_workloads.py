"""workload-selector-mismatch: the API server's own check of a controller's selector against its template."""

from conftest import lint, only


def mismatches(text):
    return only(lint(text), "workload-selector-mismatch")


def apps(kind="Deployment", version="apps/v1", selector="selector:\n    matchLabels:\n      app: web",
         labels="app: web"):
    return f"""\
apiVersion: {version}
kind: {kind}
metadata:
  name: web
spec:
  {selector}
  template:
    metadata:
      labels:
        {labels}
    spec:
      containers:
        - name: web
          image: nginx
"""


def test_matching_selector_is_clean_for_every_apps_kind():
    for kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"):
        assert mismatches(apps(kind)) == [], kind


def test_mismatch_is_reported_at_the_template_labels_with_the_failing_terms():
    findings = mismatches(apps(labels="app: webapp"))
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.line, finding.field_path) == (11, "spec.template.metadata.labels")
    assert "spec.selector requires app=web" in finding.message
    assert "(app=webapp)" in finding.message
    assert "`selector` does not match template `labels`" in finding.message


def test_values_are_case_sensitive():
    assert len(mismatches(apps(kind="StatefulSet", labels="app: Web"))) == 1


def test_controller_added_labels_do_not_count():
    selector = "selector:\n    matchLabels:\n      app: web\n      pod-template-hash: abc123"
    findings = mismatches(apps(selector=selector))
    assert len(findings) == 1 and "pod-template-hash=abc123" in findings[0].message


def test_match_expressions():
    def with_expression(expression):
        return apps(selector="selector:\n    matchExpressions:\n      - " + expression,
                    labels="app: web\n        tier: frontend")

    assert mismatches(with_expression("{key: tier, operator: In, values: [frontend, backend]}")) == []
    assert mismatches(with_expression("{key: tier, operator: NotIn, values: [backend]}")) == []
    assert mismatches(with_expression("{key: app, operator: Exists}")) == []
    assert mismatches(with_expression("{key: track, operator: DoesNotExist}")) == []
    for failing in ("{key: tier, operator: In, values: [backend]}",
                    "{key: tier, operator: NotIn, values: [frontend]}",
                    "{key: track, operator: Exists}",
                    "{key: tier, operator: DoesNotExist}"):
        assert len(mismatches(with_expression(failing))) == 1, failing


def test_malformed_expression_is_not_called_a_mismatch():
    text = apps(selector="selector:\n    matchExpressions:\n      - {key: app, operator: In, values: []}")
    assert mismatches(text) == []


def test_missing_selector_in_apps_v1():
    findings = mismatches(apps(selector="replicas: 1"))
    assert len(findings) == 1
    assert findings[0].line == 5  # spec:
    assert "spec.selector is missing" in findings[0].message
    assert "app=web" in findings[0].hint


def test_missing_selector_in_removed_beta_versions_defaults_to_the_template_labels():
    assert mismatches(apps(version="extensions/v1beta1", selector="replicas: 1")) == []
    assert mismatches(apps(version="apps/v1beta1", selector="replicas: 1")) == []
    assert len(mismatches(apps(version="apps/v1beta2", selector="replicas: 1"))) == 1


def test_given_selector_is_checked_in_every_version():
    assert len(mismatches(apps(version="extensions/v1beta1", labels="app: other"))) == 1


def test_empty_selector():
    for selector in ("selector: {}", "selector:\n    matchLabels: {}"):
        findings = mismatches(apps(kind="DaemonSet", selector=selector))
        assert len(findings) == 1, selector
        assert findings[0].line == 6
        assert "empty selector is invalid for daemonset" in findings[0].message


RC = """\
apiVersion: v1
kind: ReplicationController
metadata:
  name: web
spec:
{selector}
  template:
    metadata:
{labels}
    spec:
      containers:
        - name: web
          image: nginx
"""


def test_replication_controller_selector_defaults_to_template_labels():
    assert mismatches(RC.format(selector="  replicas: 1", labels="      labels: {app: web}")) == []
    assert mismatches(RC.format(selector="  selector: {}", labels="      labels: {app: web}")) == []


def test_replication_controller_mismatch_and_no_labels_at_all():
    findings = mismatches(RC.format(selector="  selector: {app: web}", labels="      labels: {app: api}"))
    assert len(findings) == 1 and findings[0].line == 9
    findings = mismatches(RC.format(selector="  replicas: 1", labels="      annotations: {a: b}"))
    assert len(findings) == 1 and "neither spec.selector nor" in findings[0].message


JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
{selector}
  template:
    metadata:
      labels: {{app: migrate}}
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: busybox
"""


def test_jobs_without_manual_selector_get_a_generated_one():
    # ValidateGeneratedSelector: a hand-written selector must select the generated labels
    findings = mismatches(JOB.format(selector="  selector: {matchLabels: {app: other}}"))
    assert len(findings) == 1 and "not auto-generated" in findings[0].message
    assert mismatches(JOB.format(selector="  selector: {matchLabels: {job-name: migrate}}")) == []
    assert mismatches(JOB.format(selector="  parallelism: 1")) == []
    manual = "  manualSelector: true\n  selector: {{matchLabels: {{app: {}}}}}"
    assert mismatches(JOB.format(selector=manual.format("migrate"))) == []
    assert len(mismatches(JOB.format(selector=manual.format("other")))) == 1
    findings = mismatches(JOB.format(selector="  manualSelector: true"))
    assert len(findings) == 1 and findings[0].line == 6


def test_pods_and_cronjobs_are_not_checked():
    assert mismatches("""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers: [{name: web, image: nginx}]
        """) == []
