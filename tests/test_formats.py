"""CI formats: SARIF (validated against the official schema), GitHub workflow commands, JUnit XML, --output."""

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from conftest import OTHER_PODS, ROOT

from portlint.catalog import load_catalog
from portlint.report import github, junit, sarif
from portlint.run import check_text

SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"  # vendored: see tests/data/README.md
BROKEN = ROOT / "examples" / "broken"
FIXED = ROOT / "examples" / "fixed"

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: {app}
  ports:
    - port: 80
"""
CONFIG_MAP = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"


def portlint(*args, cwd=None):
    environment = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "portlint", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=environment, timeout=60)


@pytest.fixture
def project(tmp_path):
    """The broken example app, checked from its directory so that paths are relative."""
    shutil.copytree(BROKEN, tmp_path / "k8s")
    return tmp_path


@pytest.fixture(scope="module")
def sarif_validator():
    return Draft4Validator(json.loads(SARIF_SCHEMA.read_text()))


def _schema_errors(validator, document) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


# --- SARIF ------------------------------------------------------------------------------------------

def test_sarif_output_validates_and_locates_each_finding(project, sarif_validator):
    result = portlint("check", "k8s", "--format", "sarif", cwd=project)
    assert result.returncode == 1
    log = json.loads(result.stdout)
    assert _schema_errors(sarif_validator, log) == []
    run = log["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert sorted(by_rule) == ["ingress-backend-port-unmatched", "probe-port-unresolved", "service-selector-no-match",
                               "service-target-port-name-unresolved"]
    selector = by_rule["service-selector-no-match"]
    location = selector["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "k8s/service.yaml", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 8, "startColumn": 3}}
    assert selector["level"] == "error"
    assert selector["message"]["text"].startswith("Service default/shop-web: selector app=MyApp")
    assert run["tool"]["driver"]["rules"][selector["ruleIndex"]]["id"] == "service-selector-no-match"
    backend = by_rule["ingress-backend-port-unmatched"]
    assert backend["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "k8s/service.yaml"


def test_sarif_rules_carry_the_catalog_text(sarif_validator):
    log = sarif.sarif_log(check_text((SERVICE + OTHER_PODS).format(app="x")))
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    catalog = load_catalog()
    assert set(rules) == set(catalog)
    spec, rule = catalog["service-selector-no-match"], rules["service-selector-no-match"]
    assert rule["shortDescription"]["text"] == spec.summary
    # GitHub takes at most 1,024 characters of fullDescription: the rationale's leading whole paragraphs
    # that fit, or its first cut after a sentence; help carries all of it
    assert len(" ".join(spec.rationale.split())) > 1024 and rule["fullDescription"]["text"].endswith(". …")
    assert spec.rationale in rule["help"]["text"] and spec.remediation in rule["help"]["text"]
    for rule_id, described in rules.items():
        text = described["fullDescription"]["text"]
        assert 0 < len(text) <= 1024, rule_id
        assert " ".join(catalog[rule_id].rationale.split()).startswith(" ".join(text.removesuffix("…").split()))
    long_ones = [r for r in catalog.values() if len(" ".join(r.rationale.split())) > 1024]
    assert long_ones, "no rationale is longer than GitHub's limit any more: the cut is untested"
    assert all(rules[r.id]["fullDescription"]["text"].endswith("…") for r in long_ones)
    short = rules["file-empty"]["fullDescription"]["text"]
    assert " ".join(short.split()) == " ".join(catalog["file-empty"].rationale.split())  # whole when it fits
    # per-area tags, from the module that implements the rule
    assert rule["properties"]["tags"] == ["kubernetes", "services"]
    assert rules["ingress-backend-port-unmatched"]["properties"]["tags"] == ["kubernetes", "ingress"]
    assert rules["yaml-syntax-error"]["properties"]["tags"] == ["kubernetes", "parsing"]
    assert "## service-selector-no-match" in rule["help"]["markdown"] and "```yaml" in rule["help"]["markdown"]
    assert "helpUri" not in rule  # portlint has no published home yet: no invented URL
    assert rule["defaultConfiguration"]["level"] == "error"
    assert rules["suppression-unused"]["defaultConfiguration"]["level"] == "note"


def test_sarif_fingerprint_ignores_line_moves_and_levels_map_info_to_note(sarif_validator):
    first = sarif.sarif_log(check_text((SERVICE + OTHER_PODS).format(app="x")))["runs"][0]["results"][0]
    moved = sarif.sarif_log(check_text("# a comment\n\n" + (SERVICE + OTHER_PODS).format(app="x")))["runs"][0]["results"][0]
    assert first["locations"][0]["physicalLocation"]["region"]["startLine"] + 2 == \
        moved["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert first["partialFingerprints"] == moved["partialFingerprints"]
    unused = (SERVICE + OTHER_PODS).format(app="x").replace("  name: web\n", "  name: web\n  annotations:\n"
                                             "    portlint.dev/ignore: node-port-conflict\n")
    log = sarif.sarif_log(check_text(unused))
    assert {r["ruleId"]: r["level"] for r in log["runs"][0]["results"]} == \
        {"service-selector-no-match": "error", "suppression-unused": "note"}
    assert _schema_errors(sarif_validator, log) == []


def test_sarif_is_ascii_json_whatever_the_manifest_holds(tmp_path, sarif_validator):
    (tmp_path / "svc.yaml").write_text((SERVICE + OTHER_PODS).format(app='"x\\e[31m\\x01é"'))
    result = portlint("check", str(tmp_path), "-f", "sarif")
    assert result.returncode == 1 and result.stdout.isascii()
    log = json.loads(result.stdout)
    assert _schema_errors(sarif_validator, log) == []
    assert "x\x1b[31m\x01é" in log["runs"][0]["results"][0]["message"]["text"]
    # outside the working directory: an absolute file URI
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == \
        {"uri": (tmp_path / "svc.yaml").as_uri()}


def test_sarif_show_suppressed_marks_results_as_suppressed_in_source(tmp_path, sarif_validator):
    text = (SERVICE + OTHER_PODS).format(app="x").replace(
        "  name: web\n", "  name: web\n  annotations:\n    portlint.dev/ignore: service-selector-no-match\n"
                         "    portlint.dev/ignore-reason: pods come from another repository\n")
    (tmp_path / "svc.yaml").write_text(text)
    plain = json.loads(portlint("check", "svc.yaml", "-f", "sarif", cwd=tmp_path).stdout)
    assert plain["runs"][0]["results"] == []
    shown = portlint("check", "svc.yaml", "-f", "sarif", "--show-suppressed", cwd=tmp_path)
    assert shown.returncode == 0
    log = json.loads(shown.stdout)
    assert _schema_errors(sarif_validator, log) == []
    [result] = log["runs"][0]["results"]
    assert result["ruleId"] == "service-selector-no-match"
    assert result["suppressions"] == [{
        "kind": "inSource", "justification": "pods come from another repository",
        "location": {"physicalLocation": {"artifactLocation": {"uri": "svc.yaml", "uriBaseId": "%SRCROOT%"},
                                          "region": {"startLine": 6}}}}]


# --- GitHub workflow commands ------------------------------------------------------------------------

def test_github_format_is_one_workflow_command_per_finding(project):
    result = portlint("check", "k8s", "--format", "github", cwd=project)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("::error file=k8s/api.yaml,line=33,col=7,title=service-target-port-name-unresolved::"
                               "Service default/shop-api: targetPort http of port http (80/TCP)")
    assert lines[1] == ("::error file=k8s/deployment.yaml,line=27,col=15,title=probe-port-unresolved::"
                        "Deployment default/shop-web: container web: readinessProbe.httpGet.port 'http-port' "
                        + lines[1].split("readinessProbe.httpGet.port 'http-port' ", 1)[1])
    assert [line.split(" ", 1)[0] for line in lines] == ["::error"] * 4
    assert "%0Ahint: " in lines[0] and "\n" not in lines[0]
    # the summary is for people: on stderr, as the README says
    assert result.stderr == "portlint: errors: 4, warnings: 0, info: 0 (files: 4, objects: 5)\n"


def test_github_format_maps_severities_to_error_warning_notice():
    report = check_text((SERVICE + OTHER_PODS).format(app="x").replace(
        "  name: web\n", "  name: web\n  annotations:\n    portlint.dev/ignore: node-port-conflict\n"))
    commands = [github.command(f).split(" ", 1)[0] for f in report.findings]
    assert commands == ["::notice", "::error"]


def test_github_format_cannot_be_forged_by_a_manifest(tmp_path):
    forged = '"x%0A\\n::error file=evil,line=1::forged\\r\\n::warning::again"'
    (tmp_path / "a,b:c.yaml").write_text((SERVICE + OTHER_PODS).format(app=forged))
    result = portlint("check", str(tmp_path), "-f", "github")
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("::error file=")
    assert "/a%2Cb%3Ac.yaml,line=6,col=3,title=service-selector-no-match::" in lines[0]
    properties, message = lines[0][len("::error "):].split("::", 1)
    assert properties.count(",") == 3 and properties.count("=") == 4
    assert "x%250A%0A::error file=evil,line=1::forged%0D%0A::warning::again" in message


def test_github_escaping_follows_the_workflow_command_rules():
    assert github.escape_data("100% a\r\nb") == "100%25 a%0D%0Ab"
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert github.escape_data("\x1b[31m") == "\\x1b[31m"


# --- JUnit -------------------------------------------------------------------------------------------

def test_junit_has_one_case_per_object_and_failures_carry_the_findings(tmp_path):
    (tmp_path / "app.yaml").write_text((SERVICE + OTHER_PODS).format(app="x") + CONFIG_MAP)
    (tmp_path / "broken.yaml").write_text("kind: [\n")
    result = portlint("check", ".", "-f", "junit", cwd=tmp_path)
    assert result.returncode == 1
    suites = ET.fromstring(result.stdout)
    suite = suites.find("testsuite")
    cases = {(c.get("classname"), c.get("name")): c for c in suite.iter("testcase")}
    assert sorted(cases) == [("./app.yaml", "ConfigMap default/settings"), ("./app.yaml", "Deployment default/other"),
                             ("./app.yaml", "Service default/web: service-selector-no-match"),
                             ("./broken.yaml", "file ./broken.yaml: yaml-syntax-error")]
    assert (suites.get("tests"), suites.get("failures"), suite.get("failures")) == ("4", "2", "2")
    assert cases[("./app.yaml", "ConfigMap default/settings")].find("failure") is None
    assert all(case.get("time") == "0" for case in cases.values())
    assert float(suite.get("time")) > 0 and suite.get("time") == suites.get("time")
    failure = cases[("./app.yaml", "Service default/web: service-selector-no-match")].find("failure")
    assert failure.get("type") == "service-selector-no-match"
    assert failure.get("message").startswith("service-selector-no-match: selector app=x matches no pod")
    assert failure.text.startswith("./app.yaml:6:3: error service-selector-no-match: selector app=x")
    assert "hint: " in failure.text
    assert cases[("./app.yaml", "Service default/web: service-selector-no-match")].get("file") == "./app.yaml"
    assert cases[("./broken.yaml", "file ./broken.yaml: yaml-syntax-error")].find("failure").get("type") == \
        "yaml-syntax-error"


def test_junit_a_new_finding_on_a_failing_object_is_a_newly_failed_case(tmp_path):
    (tmp_path / "app.yaml").write_text((SERVICE + OTHER_PODS).format(app="x"))
    before = ET.fromstring(portlint("check", ".", "-f", "junit", cwd=tmp_path).stdout)
    (tmp_path / "app.yaml").write_text((SERVICE + OTHER_PODS).format(app="x").replace("    - port: 80\n",
                                       "    - port: 80\n      nodePort: 30001\n"))
    after = ET.fromstring(portlint("check", ".", "-f", "junit", cwd=tmp_path).stdout)

    def failed(suites):
        return {case.get("name") for case in suites.iter("testcase") if case.find("failure") is not None}

    assert failed(after) - failed(before) == {"Service default/web: node-port-not-allowed"}


def test_junit_findings_below_fail_on_are_output_not_failures():
    report = check_text((SERVICE + OTHER_PODS).format(app="x").replace(
        "  name: web\n", "  name: web\n  annotations:\n    portlint.dev/ignore: node-port-conflict\n"))
    from io import StringIO

    out = StringIO()
    junit.write(report, out, fail_on="error")
    suite = ET.fromstring(out.getvalue()).find("testsuite")
    failing = suite.find("testcase[@name='Service default/web: service-selector-no-match']")
    assert failing.find("failure").get("type") == "service-selector-no-match"
    quiet = suite.find("testcase[@name='Service default/web: suppression-unused']")
    assert quiet.find("failure") is None and "suppression-unused" in quiet.find("system-out").text


def test_junit_is_well_formed_xml_whatever_the_manifest_holds(tmp_path):
    (tmp_path / "svc.yaml").write_text((SERVICE + OTHER_PODS).format(app='"<x> & \\e[31m \\x01 ]]>"'))
    result = portlint("check", str(tmp_path), "-f", "junit")
    failure = ET.fromstring(result.stdout.encode("utf-8")).find("testsuite/testcase/failure")
    assert "<x> & \\x1b[31m \\x01 ]]>" in failure.get("message")


# --- --output ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github", "gitlab", "junit"])
def test_output_writes_the_report_to_a_file_with_the_same_exit_code(project, output_format):
    direct = portlint("check", "k8s", "-f", output_format, cwd=project)
    to_file = portlint("check", "k8s", "-f", output_format, "--output", "report.out", cwd=project)
    assert (to_file.returncode, to_file.stdout) == (direct.returncode, "") == (1, "")
    untimed = re.compile(r' time="[0-9.]+"')  # JUnit's run time differs between two runs
    assert untimed.sub("", (project / "report.out").read_text(encoding="utf-8")) == untimed.sub("", direct.stdout)


def test_output_to_an_unwritable_place_is_a_usage_error(project):
    result = portlint("check", "k8s", "--output", str(project / "no" / "dir" / "x.sarif"), cwd=project)
    assert result.returncode == 2 and "--output: cannot write" in result.stderr
    assert "Traceback" not in result.stderr


def test_clean_input_gives_an_empty_valid_sarif_log_and_exit_0(tmp_path, sarif_validator):
    shutil.copytree(FIXED, tmp_path / "k8s")
    result = portlint("check", "k8s", "-f", "sarif", cwd=tmp_path)
    assert result.returncode == 0
    log = json.loads(result.stdout)
    assert _schema_errors(sarif_validator, log) == [] and log["runs"][0]["results"] == []


def test_shell_completion_offers_the_formats_and_options():
    script = Path(sys.executable).parent / "portlint"  # the console script beside this interpreter
    script = script if script.is_file() else shutil.which("portlint")
    if not script:
        pytest.skip("the portlint console script is not installed")

    def complete(words: str) -> list[str]:
        environment = {**os.environ, "_PORTLINT_COMPLETE": "complete_bash", "COMP_WORDS": words,
                       "COMP_CWORD": str(len(words.split(" ")) - 1)}
        return subprocess.run([str(script)], capture_output=True, text=True, env=environment,
                              timeout=60).stdout.split()

    assert complete("portlint check --format ") == ["text", "json", "sarif", "github", "gitlab", "junit"]
    assert complete("portlint check --show-sup") == ["--show-suppressed"]
    assert "--write-baseline" in complete("portlint check --")
