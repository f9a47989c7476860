"""Baselines: record today's findings, then only new ones are reported; matched by rule, file, object and field."""

import json
import os
import subprocess
import sys

from conftest import OTHER_PODS, ROOT

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector:
    app: {name}-pods
  ports:
    - port: 80
"""


def portlint(*args, cwd):
    return subprocess.run([sys.executable, "-m", "portlint", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "NO_COLOR": "1"}, timeout=60)


def rules_and_objects(result) -> list[tuple[str, str]]:
    return [(f["rule"], f["object"]["name"]) for f in json.loads(result.stdout)["findings"]]


def test_write_baseline_records_findings_by_rule_file_object_and_field(tmp_path):
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "svc.yaml").write_text((SERVICE + OTHER_PODS).format(name="web"))
    result = portlint("check", "k8s", "--write-baseline", ".portlint-baseline.json", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == "portlint: recorded 1 finding in .portlint-baseline.json\n"
    assert json.loads((tmp_path / ".portlint-baseline.json").read_text()) == {
        "portlint-baseline": 1,
        "findings": [{"rule": "service-selector-no-match", "file": "k8s/svc.yaml", "object": "Service default/web",
                      "field": "spec.selector",
                      "message": "selector app=web-pods matches no pod template in namespace default: "
                                 "the Service gets no endpoints"}]}


def test_only_new_findings_are_reported_and_fail_the_run(tmp_path):
    manifest = tmp_path / "svc.yaml"
    manifest.write_text((SERVICE + OTHER_PODS).format(name="web"))
    portlint("check", ".", "--write-baseline", "baseline.json", cwd=tmp_path)
    same = portlint("check", ".", "--baseline", "baseline.json", "-f", "json", cwd=tmp_path)
    assert (same.returncode, rules_and_objects(same)) == (0, [])
    # unrelated edits move every line: the baseline still matches
    manifest.write_text("# the web front end\n\n" + (SERVICE + OTHER_PODS).format(name="web").replace("spec:", "spec:\n  type: ClusterIP", 1))
    moved = portlint("check", ".", "--baseline", "baseline.json", "-f", "json", cwd=tmp_path)
    assert (moved.returncode, rules_and_objects(moved)) == (0, [])
    # a new problem is reported, the old one still is not
    manifest.write_text(manifest.read_text() + "---\n" + SERVICE.format(name="api"))
    new = portlint("check", ".", "--baseline", "baseline.json", "-f", "json", cwd=tmp_path)
    assert (new.returncode, rules_and_objects(new)) == (1, [("service-selector-no-match", "api")])
    assert portlint("check", ".", "-f", "json", cwd=tmp_path).stdout.count('"rule"') == 2


def test_a_second_finding_with_the_same_identity_is_new(tmp_path):
    (tmp_path / "a.yaml").write_text((SERVICE + OTHER_PODS).format(name="web"))
    portlint("check", "a.yaml", "--write-baseline", "b.json", cwd=tmp_path)
    # the same object defined twice in the same file: the same identity now occurs twice
    (tmp_path / "a.yaml").write_text((SERVICE + OTHER_PODS).format(name="web") + "---\n" + (SERVICE + OTHER_PODS).format(name="web"))
    result = portlint("check", "a.yaml", "--baseline", "b.json", "-f", "json", "--select",
                      "service-selector-no-match", cwd=tmp_path)
    assert (result.returncode, rules_and_objects(result)) == (1, [("service-selector-no-match", "web")])


def test_baseline_paths_are_relative_to_the_baseline_file(tmp_path):
    (tmp_path / "k8s").mkdir()
    (tmp_path / "sub").mkdir()
    (tmp_path / "k8s" / "svc.yaml").write_text((SERVICE + OTHER_PODS).format(name="web"))
    portlint("check", "k8s", "--write-baseline", "baseline.json", cwd=tmp_path)
    elsewhere = portlint("check", "../k8s", "--baseline", "../baseline.json", cwd=tmp_path / "sub")
    assert (elsewhere.returncode, elsewhere.stderr) == (0, "")
    absolute = portlint("check", str(tmp_path / "k8s"), "--baseline", str(tmp_path / "baseline.json"), cwd=ROOT)
    assert absolute.returncode == 0


def test_fixed_findings_are_noted_so_the_baseline_can_shrink(tmp_path):
    (tmp_path / "svc.yaml").write_text((SERVICE + OTHER_PODS).format(name="web"))
    portlint("check", ".", "--write-baseline", "baseline.json", cwd=tmp_path)
    (tmp_path / "svc.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n")
    result = portlint("check", ".", "--baseline", "baseline.json", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == ("portlint: 1 finding of the baseline no longer occurs; refresh it with "
                             "--write-baseline baseline.json\n")


def test_a_missing_or_foreign_baseline_is_a_usage_error(tmp_path):
    (tmp_path / "svc.yaml").write_text((SERVICE + OTHER_PODS).format(name="web"))
    missing = portlint("check", ".", "--baseline", "nope.json", cwd=tmp_path)
    assert (missing.returncode, missing.stderr) == (
        2, "portlint: error: --baseline: no such file: nope.json (create it with --write-baseline)\n")
    (tmp_path / "other.json").write_text('{"findings": []}')
    foreign = portlint("check", ".", "--baseline", "other.json", cwd=tmp_path)
    assert foreign.returncode == 2 and "is not a portlint baseline" in foreign.stderr
    (tmp_path / "broken.json").write_text("{")
    broken = portlint("check", ".", "--baseline", "broken.json", cwd=tmp_path)
    assert broken.returncode == 2 and "Traceback" not in broken.stderr
