"""Suppressions: the portlint.dev/ignore annotation, `# portlint: ignore[...]` comments, and unused ones reported."""

import json
import os
import subprocess
import sys

from conftest import OTHER_PODS, lint, only, rule_ids

from portlint.run import check_text

TWO_SERVICES = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  annotations:
    portlint.dev/ignore: "service-selector-no-match, node-port-conflict"
    portlint.dev/ignore-reason: pods are deployed from the platform repository
spec:
  selector:
    app: web
  ports:
    - port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector:
    app: api
  ports:
    - port: 80
""" + OTHER_PODS
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:{comment_here}
    app: web
  ports:
    - port: 80
""" + OTHER_PODS


def portlint(*args, cwd):
    return subprocess.run([sys.executable, "-m", "portlint", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "NO_COLOR": "1"}, timeout=60)


def test_annotation_silences_its_rules_on_its_object_only():
    report = check_text(TWO_SERVICES)
    assert [(f.rule, f.object.name) for f in report.findings if f.severity != "info"] == \
        [("service-selector-no-match", "api")]
    [(finding, suppression)] = report.suppressed
    assert (finding.rule, finding.object.name, finding.line) == ("service-selector-no-match", "web", 9)
    assert (suppression.line, suppression.reason) == (6, "pods are deployed from the platform repository")


def test_annotation_rule_that_silenced_nothing_is_reported_at_the_annotation():
    [unused] = only(lint(TWO_SERVICES), "suppression-unused")
    assert (unused.severity, unused.line, unused.column, unused.object.name) == ("info", 6, 5, "web")
    assert unused.message == ("the annotation portlint.dev/ignore: 'service-selector-no-match,node-port-conflict' "
                              "on Service default/web silences no node-port-conflict finding")
    assert unused.field_path == "metadata.annotations[portlint.dev/ignore]"


def test_comment_on_the_finding_line_silences_it():
    findings = lint(SERVICE.format(comment_here="  # portlint: ignore[service-selector-no-match] external pods"))
    assert findings == []


def test_comment_alone_on_the_line_before_silences_the_next_line():
    text = SERVICE.replace("spec:\n  selector:", "spec:\n  # portlint: ignore[service-selector-no-match]\n  selector:", 1)
    report = check_text(text.format(comment_here=""))
    assert report.findings == []
    assert report.suppressed[0][1].line == 6 and report.suppressed[0][1].reason is None


def test_a_trailing_comment_does_not_reach_the_next_line():
    text = SERVICE.replace("spec:\n", "spec:  # portlint: ignore[service-selector-no-match]\n", 1)
    findings = lint(text.format(comment_here=""))
    assert rule_ids(findings) == ["suppression-unused", "service-selector-no-match"]
    assert (findings[0].line, findings[0].column, findings[0].object) == (5, 8, None)
    assert "silences no service-selector-no-match finding on its line or the line below" in findings[0].message


def test_a_comment_two_lines_above_does_not_reach():
    text = SERVICE.replace("spec:\n", "# portlint: ignore[service-selector-no-match]\nspec:\n", 1)
    assert rule_ids(lint(text.format(comment_here=""))) == ["suppression-unused", "service-selector-no-match"]


def test_comment_for_another_rule_does_not_silence():
    findings = lint(SERVICE.format(comment_here="  # portlint: ignore[node-port-conflict]"))
    assert rule_ids(findings) == ["service-selector-no-match", "suppression-unused"]


def test_unknown_and_empty_rule_ids_are_reported():
    text = SERVICE.format(comment_here="  # portlint: ignore[service-selector-no-match,sevice-port-duplicate]")
    [typo] = only(lint(text), "suppression-unused")
    assert "names 'sevice-port-duplicate', which is not a rule id" in typo.message
    empty = TWO_SERVICES.replace('"service-selector-no-match, node-port-conflict"', '""')
    assert any("names no rule id" in f.message for f in only(lint(empty), "suppression-unused"))


def test_rules_that_did_not_run_are_not_counted_as_unused():
    text = SERVICE.format(comment_here="  # portlint: ignore[service-selector-no-match]")
    assert lint(text, ignore=["service-selector-no-match"]) == []
    assert lint(text, select=["node-port-conflict", "suppression-unused"]) == []
    assert rule_ids(lint(text.replace("app: web", "app: web\n    tier: x"),
                         select=["suppression-unused"])) == []


def test_unused_suppressions_can_themselves_be_silenced_and_disabled():
    text = TWO_SERVICES.replace('"service-selector-no-match, node-port-conflict"',
                                '"service-selector-no-match, node-port-conflict, suppression-unused"')
    report = check_text(text)
    assert only(report.findings, "suppression-unused") == []
    assert [f.rule for f, _ in report.suppressed] == ["service-selector-no-match", "suppression-unused"]
    assert only(lint(TWO_SERVICES, ignore=["suppression-unused"]), "suppression-unused") == []
    assert only(lint(TWO_SERVICES, severity={"suppression-unused": "error"}), "suppression-unused")[0].severity \
        == "error"


def test_hash_inside_a_value_is_not_a_comment():
    text = SERVICE.format(comment_here="").replace("app: web", "app: web#portlint:ignore[service-selector-no-match]")
    assert check_text(text).suppressed == []


def test_cli_exit_code_follows_what_is_left_and_show_suppressed_lists_the_rest(tmp_path):
    (tmp_path / "svc.yaml").write_text(TWO_SERVICES.replace("app: api", "app: web"))
    result = portlint("check", "svc.yaml", cwd=tmp_path)
    # web's selector is silenced; api's matches no pod either and is not silenced
    assert result.returncode == 1
    assert "Service default/api" in result.stdout and "Service default/web: selector" not in result.stdout
    shown = portlint("check", "svc.yaml", "--show-suppressed", cwd=tmp_path).stdout
    tail = shown[shown.index("Suppressed (1):"):].splitlines()
    assert tail[1].startswith("  svc.yaml:9:3  error   service-selector-no-match  Service default/web: selector")
    assert tail[2] == ("    by the annotation portlint.dev/ignore: 'service-selector-no-match,node-port-conflict' "
                       "on Service default/web at svc.yaml:6 (pods are deployed from the platform repository)")
    data = json.loads(portlint("check", "svc.yaml", "-f", "json", "--show-suppressed", cwd=tmp_path).stdout)
    assert [(s["rule"], s["suppressed_by"]) for s in data["suppressed"]] == [
        ("service-selector-no-match",
         {"file": "svc.yaml", "line": 6, "reason": "pods are deployed from the platform repository"})]
    assert "suppressed" not in json.loads(portlint("check", "svc.yaml", "-f", "json", cwd=tmp_path).stdout)


def test_a_fully_silenced_run_exits_0(tmp_path):
    (tmp_path / "svc.yaml").write_text(SERVICE.format(comment_here="  # portlint: ignore[service-selector-no-match]"))
    result = portlint("check", ".", cwd=tmp_path)
    assert (result.returncode, result.stdout.strip()) == (0, "No problems found (1 file, 2 objects).")
