"""CI reports from a real git repository: SARIF (schema, root-relative URIs, GitHub's limits), GitHub
annotations (root-relative, errors first, 10 + 10 per step, the job summary), GitLab Code Quality."""

import json
import os
import shutil
import subprocess
import sys

import pytest
from jsonschema import Draft4Validator

from conftest import OTHER_PODS, ROOT, SERVICE_TEMPLATE

from portlint.report import sarif
from portlint.run import check_text

SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
SERVICE = SERVICE_TEMPLATE


def portlint(*args, cwd, env=None, stdin=None):
    environment = {key: value for key, value in os.environ.items() if key != "GITHUB_STEP_SUMMARY"}
    environment.update({"NO_COLOR": "1", **(env or {})})
    return subprocess.run([sys.executable, "-m", "portlint", *args], capture_output=True, text=True, cwd=cwd,
                          env=environment, input=stdin, timeout=120)


@pytest.fixture
def repo(tmp_path):
    """A git repository with the broken example in deploy/shop and an empty tools/ directory."""
    shutil.copytree(ROOT / "examples" / "broken", tmp_path / "deploy" / "shop")
    (tmp_path / "tools").mkdir()
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    return tmp_path


def test_sarif_from_a_subdirectory_is_valid_and_relative_to_the_repository_root(repo):
    result = portlint("check", "../deploy/shop", "-f", "sarif", cwd=repo / "tools")
    assert result.returncode == 1
    log = json.loads(result.stdout)
    validator = Draft4Validator(json.loads(SARIF_SCHEMA.read_text()))
    assert [e.message for e in validator.iter_errors(log)] == []
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    assert run["invocations"][0]["workingDirectory"]["uri"] == (repo / "tools").resolve().as_uri() + "/"
    assert run["automationDetails"]["id"] == "portlint/deploy/shop/"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"deploy/shop/api.yaml", "deploy/shop/deployment.yaml", "deploy/shop/ingress.yaml",
                    "deploy/shop/service.yaml"}
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
               for r in run["results"])
    assert all(len(rule["fullDescription"]["text"]) <= 1024 for rule in run["tool"]["driver"]["rules"])
    # the related Service is linked from the message (SARIF's embedded links) and located
    backend = next(r for r in run["results"] if r["ruleId"] == "ingress-backend-port-unmatched")
    assert backend["message"]["text"].endswith("\nSee [Service default/shop-web](0)")
    assert backend["relatedLocations"][0]["id"] == 0
    assert backend["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "deploy/shop/service.yaml"


def test_sarif_from_stdin_has_no_bogus_uri(repo):
    text = (SERVICE + OTHER_PODS).format(name="web", app="x", port=80)
    result = portlint("check", "-", "-f", "sarif", cwd=repo, stdin=text)
    [finding] = json.loads(result.stdout)["runs"][0]["results"]
    location = finding["locations"][0]["physicalLocation"]["artifactLocation"]
    assert "uri" not in location and "standard input" in location["description"]["text"]
    assert "%3C" not in result.stdout


def test_sarif_keeps_the_most_severe_25000_results_and_says_so(monkeypatch):
    monkeypatch.setattr(sarif, "MAX_RESULTS", 2)
    report = check_text((SERVICE + OTHER_PODS).format(name="web", app="x", port=80).replace(
        "  name: web\n", "  name: web\n  annotations:\n    portlint.dev/ignore: node-port-conflict,duplicate-object\n"))
    assert [f.severity for f in report.findings] == ["info", "info", "error"]
    log = sarif.sarif_log(report)
    assert [r["level"] for r in log["runs"][0]["results"]] == ["note", "error"]  # file order kept
    [notice] = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notice["message"]["text"].startswith("1 results left out: GitHub code scanning accepts at most 2 per run")
    assert sarif.MAX_RESULTS == 2 and sarif.left_out_message(1).count("2") == 1


def test_github_paths_are_relative_to_the_repository_root(repo):
    result = portlint("check", "../deploy/shop", "-f", "github", cwd=repo / "tools")
    assert result.stdout.startswith("::error file=deploy/shop/api.yaml,line=33,col=7,")


def _many_findings(count: int, severity_rule: str = "port-number-invalid") -> str:
    return "---\n".join(SERVICE.format(name=f"svc-{i}", app="web", port=70000) for i in range(count)) + OTHER_PODS


def test_github_shows_errors_first_and_ends_with_a_notice_past_10_per_kind(tmp_path):
    (tmp_path / "many.yaml").write_text(_many_findings(12))
    result = portlint("check", ".", "-f", "github", "--ignore", "service-selector-no-match", cwd=tmp_path)
    lines = result.stdout.splitlines()
    commands = [line.split(" ", 1)[0] for line in lines]
    assert commands[:10] == ["::error"] * 10
    assert commands[10:12] == ["portlint:", "portlint:"]  # past GitHub's 10: log lines, not annotations
    assert lines[10].startswith("portlint: many.yaml:") and "port-number-invalid" in lines[10]
    assert lines[-1].startswith("::notice title=portlint::2 more findings than GitHub shows as annotations")
    assert len(lines) == 13


def test_github_writes_a_markdown_summary_when_the_step_has_one(tmp_path):
    (tmp_path / "many.yaml").write_text(_many_findings(2).replace("name: svc-1", "name: svc|<b>1</b>"))
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    result = portlint("check", ".", "-f", "github", "--ignore", "service-selector-no-match", cwd=tmp_path,
                      env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.returncode == 1
    text = summary.read_text()
    assert text.startswith("earlier step\n## portlint\n")
    rows = [line for line in text.splitlines() if line.startswith("| error")]
    assert len(rows) == 2 and all(row.count(" | ") == 4 for row in rows)
    assert "<b>" not in text and "svc&#124;&lt;b&gt;1&lt;/b&gt;" in text


def test_gitlab_code_quality_report_is_parsed_with_its_documented_fields(repo):
    result = portlint("check", "../deploy/shop", "-f", "gitlab", cwd=repo / "tools")
    assert result.returncode == 1
    issues = json.loads(result.stdout)
    assert isinstance(issues, list) and len(issues) == 4
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["lines"]["begin"], int)
        assert issue["location"]["path"].startswith("deploy/shop/")
    assert len({issue["fingerprint"] for issue in issues}) == 4
    selector = next(i for i in issues if i["check_name"] == "service-selector-no-match")
    assert selector["location"] == {"path": "deploy/shop/service.yaml", "lines": {"begin": 8}}
    assert selector["severity"] == "major" and selector["description"].startswith("Service default/shop-web: ")


def test_gitlab_fingerprints_stay_when_lines_move_and_differ_for_twins():
    from portlint.report import gitlab

    text = (SERVICE + OTHER_PODS).format(name="web", app="x", port=80)
    first = gitlab.issues(check_text(text))
    moved = gitlab.issues(check_text("# moved\n\n" + text))
    assert [i["fingerprint"] for i in first] == [i["fingerprint"] for i in moved]
    assert first[0]["location"]["lines"]["begin"] + 2 == moved[0]["location"]["lines"]["begin"]
    twice = gitlab.issues(check_text(text + "---\n" + text.split("---\n")[0]))
    prints = [i["fingerprint"] for i in twice if i["check_name"] == "service-selector-no-match"]
    assert len(prints) == len(set(prints)) == 2


def test_trace_all_appends_the_exposure_map_to_the_job_summary_when_asked(tmp_path):
    summary = tmp_path / "summary.md"
    result = portlint("trace", "--all", "examples/broken", "--step-summary", cwd=ROOT,
                      env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.returncode == 1 and result.stdout.startswith("✗ ")  # the trace itself is unchanged
    text = summary.read_text()
    assert text.startswith("## portlint: Exposure map\n\n```mermaid\nflowchart LR\n") and text.endswith("```\n\n")
    assert "service-selector-no-match" in text
    unset = portlint("trace", "--all", "examples/broken", "--step-summary", cwd=ROOT)
    assert "--step-summary: $GITHUB_STEP_SUMMARY is not set" in unset.stderr
