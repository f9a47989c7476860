"""Fixes and apply units: a fix takes its answer from what the check judged by (the objects applied with
the finding's object), and a finding downgraded because its chain is installed elsewhere gets no fix
unless its fixer reads only the finding's own object."""

import textwrap

import pytest
from conftest import only

from portlint import engine
from portlint.fixes.apply import fix_report
from portlint.run import check_paths, check_text
from portlint.settings import Settings


def write(root, files: dict) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def deployment(name: str, app: str, port: int = 8080) -> str:
    return f"""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: {name}}}
        spec:
          selector: {{matchLabels: {{app: {app}}}}}
          template:
            metadata: {{labels: {{app: {app}}}}}
            spec:
              containers: [{{name: c, image: x, ports: [{{name: http, containerPort: {port}}}]}}]
        """


def service(selector: str, port: int = 80, target: int | str = 8080) -> str:
    return f"""\
        apiVersion: v1
        kind: Service
        metadata: {{name: web}}
        spec:
          selector: {{app: {selector}}}
          ports: [{{port: {port}, targetPort: {target}}}]
        """


INGRESS = """\
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {name: web}
    spec:
      defaultBackend: {service: {name: web, port: {number: 8080}}}
    """


def fixes_of(tmp_path, rule: str) -> list:
    report = check_paths([str(tmp_path)], Settings())
    findings = only(report.findings, rule)
    assert findings, f"{rule} is not reported"
    return [f.fix for f in findings]


# --- the answer comes from the unit -------------------------------------------------------------------

def test_a_selector_near_miss_of_the_pods_of_its_own_unit_is_fixed(tmp_path):
    write(tmp_path, {"a/service.yaml": service("Web"), "a/deploy.yaml": deployment("web", "web"),
                     "b/deploy.yaml": deployment("other", "other")})
    [fix] = fixes_of(tmp_path, "service-selector-no-match")
    assert fix is not None and "'web'" in fix.summary and "Deployment web" in fix.summary


def test_a_selector_near_miss_only_of_pods_another_unit_runs_gets_no_fix(tmp_path):
    # examples/a runs its own pods (app=other), and only examples/b runs app=web: applied alone, a's
    # Service would select nothing with `web` either, so `web` is no answer
    write(tmp_path, {"a/service.yaml": service("Web"), "a/deploy.yaml": deployment("other", "other"),
                     "b/deploy.yaml": deployment("web", "web")})
    assert fixes_of(tmp_path, "service-selector-no-match") == [None]
    before = (tmp_path / "a" / "service.yaml").read_text()
    settings = Settings()
    result = fix_report(check_paths([str(tmp_path)], settings), settings, [str(tmp_path)])
    assert result.changes == {} and (tmp_path / "a" / "service.yaml").read_text() == before


def test_a_selector_candidate_of_another_unit_does_not_make_the_own_units_one_a_guess(tmp_path):
    # app=web in a, app=WEB in b: both a near miss of Web, but only a's is applied with the Service
    write(tmp_path, {"a/service.yaml": service("Web"), "a/deploy.yaml": deployment("web", "web"),
                     "b/deploy.yaml": deployment("loud", "WEB")})
    [fix] = fixes_of(tmp_path, "service-selector-no-match")
    assert fix is not None and "to 'web'" in fix.summary and "loud" not in fix.summary


def test_an_ingress_port_is_fixed_from_the_service_of_its_own_unit(tmp_path):
    # b defines Service web too, with another port for 8080: the check judges a's Ingress by a's Service
    # (Cluster.nearest), and so does the fix; every definition in the input need not agree
    write(tmp_path, {"a/ingress.yaml": INGRESS, "a/service.yaml": service("web", port=80),
                     "a/deploy.yaml": deployment("web", "web"),
                     "b/service.yaml": service("web", port=81), "b/deploy.yaml": deployment("web", "web")})
    [fix] = fixes_of(tmp_path, "ingress-backend-port-unmatched")
    assert fix is not None and fix.edits[0].new == 80


def test_an_ingress_applied_with_two_disagreeing_definitions_gets_no_fix(tmp_path):
    # one directory applies both files: both definitions are the Ingress's, and they disagree
    write(tmp_path, {"a/ingress.yaml": INGRESS, "a/service.yaml": service("web", port=80),
                     "a/deploy.yaml": deployment("web", "web"), "a/service-81.yaml": service("web", port=81)})
    assert fixes_of(tmp_path, "ingress-backend-port-unmatched") == [None]


# --- downgraded findings ------------------------------------------------------------------------------

BACKEND_PORT = "---\n".join(textwrap.dedent(text) for text in (INGRESS, service("web"), deployment("web", "web")))
PROBE = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - name: c
      image: x
      ports: [{name: http, containerPort: 8080}]
      readinessProbe: {tcpSocket: {port: htp}}
"""
LEGACY = """\
apiVersion: batch/v1beta1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: x}]}}}}
"""


def downgrading(monkeypatch, rule_id: str) -> None:
    """The check of `rule_id` downgrades each of its findings, as one does whose chain is installed elsewhere."""
    real = engine.checks()[rule_id]

    def check(cluster, settings):
        for finding in real(cluster, settings):
            yield finding.downgraded("info", "its backends are installed elsewhere")

    monkeypatch.setitem(engine.checks(), rule_id, check)


@pytest.mark.parametrize("text, rule_id, keeps_its_fix", [
    (BACKEND_PORT, "ingress-backend-port-unmatched", False),  # its answer comes from the Service and pods
    (PROBE, "probe-port-unresolved", True),  # the container's own ports
    (LEGACY, "deprecated-api", True),  # the manifest's own apiVersion
])
def test_a_downgraded_finding_keeps_a_fix_only_when_its_fixer_reads_only_its_object(monkeypatch, text, rule_id,
                                                                                      keeps_its_fix):
    [finding] = only(check_text(text).findings, rule_id)
    assert finding.fix is not None  # the fix the finding has when it is not downgraded
    downgrading(monkeypatch, rule_id)
    [finding] = only(check_text(text).findings, rule_id)
    assert finding.downgrade is not None and finding.severity == "info"
    assert (finding.fix is not None) is keeps_its_fix


def test_a_severity_setting_does_not_bring_back_the_fix_of_a_downgraded_finding(monkeypatch):
    downgrading(monkeypatch, "ingress-backend-port-unmatched")
    settings = Settings(severity={"ingress-backend-port-unmatched": "error"})
    [finding] = only(check_text(BACKEND_PORT, settings).findings, "ingress-backend-port-unmatched")
    assert finding.severity == "error" and finding.fix is None
