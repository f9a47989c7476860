"""Hostile and broken input: one clear finding per bad file or document, nothing lost, nothing run, no crash."""

import copy
import json
import os
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, json_paths, mutate, unprivileged
from portlint import cli, discovery
from portlint.catalog import load_catalog
from portlint.loader import load_text
from portlint.run import check_paths, check_text
from portlint.settings import Settings

HOSTILE = ROOT / "tests" / "hostile"
EXECUTED_MARKER = "/tmp/portlint-hostile-was-executed"

# file -> the rules of its findings (one finding per bad file or document)
EXPECTED = {
    "billion-laughs.yaml": ["yaml-syntax-error"],
    "binary.yaml": ["yaml-syntax-error"],
    "duplicate-keys.yaml": ["yaml-duplicate-key"],
    "empty.yaml": ["file-empty"],
    "helm-template.yaml": ["yaml-syntax-error"],
    "latin1.yaml": ["yaml-syntax-error"],
    "list-document.yaml": ["manifest-invalid"],
    "markup.yaml": ["service-selector-no-match"],
    "neighbour.yaml": ["service-selector-no-match"],
    "only-separator.yaml": ["file-empty"],
    "python-tag.yaml": ["yaml-syntax-error"],
    "scalar-document.yaml": ["manifest-invalid"],
    "syntax-error.yaml": ["service-selector-no-match", "yaml-syntax-error"],
    "tabs.yaml": ["yaml-syntax-error"],
    # the Deployment is still read without its invalid port: apps/v1 requires the selector it nulls
    "wrong-types.yaml": ["manifest-invalid"] * 4 + ["workload-selector-mismatch"],
}


@pytest.fixture(scope="module")
def hostile_report():
    if os.path.exists(EXECUTED_MARKER):
        os.remove(EXECUTED_MARKER)
    started = time.monotonic()
    report = check_paths([str(HOSTILE)], Settings())
    return report, time.monotonic() - started


def test_each_bad_file_gets_its_findings_and_the_neighbour_is_still_checked(hostile_report):
    report, _ = hostile_report
    found = {}
    for finding in report.findings:
        found.setdefault(os.path.basename(finding.file), []).append(finding.rule)
    assert {name: sorted(rules) for name, rules in found.items()} == EXPECTED
    assert "utf16-bom.yaml" not in found  # UTF-16 with a BOM is read like UTF-8


def test_the_whole_hostile_directory_is_quick(hostile_report):
    assert hostile_report[1] < 5


def test_nothing_in_a_manifest_is_executed(hostile_report):
    assert not os.path.exists(EXECUTED_MARKER)


def test_syntax_errors_carry_the_parsers_position(hostile_report):
    report, _ = hostile_report
    (syntax,) = [f for f in report.findings if f.file.endswith("syntax-error.yaml") and f.rule == "yaml-syntax-error"]
    assert (syntax.line, syntax.column) == (10, 10)
    (tabs,) = [f for f in report.findings if f.file.endswith("tabs.yaml")]
    assert "tabs" in tabs.hint


def test_wrong_types_name_the_json_path(hostile_report):
    report, _ = hostile_report
    messages = [f.message for f in report.findings if f.file.endswith("wrong-types.yaml") and f.rule == "manifest-invalid"]
    assert [m.split(":")[0] for m in messages] == [
        "metadata.labels.version", "spec.selector", "spec.ports", "spec.template.spec.containers[0].ports[0].containerPort"]


def test_a_file_over_the_size_limit_is_refused_without_being_read(tmp_path):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as handle:
        handle.truncate(100 * 1024 * 1024)
    (tmp_path / "neighbour.yaml").write_text((HOSTILE / "neighbour.yaml").read_text())
    started = time.monotonic()
    findings = check_paths([str(tmp_path)], Settings()).findings
    assert time.monotonic() - started < 2
    assert [(os.path.basename(f.file), f.rule) for f in findings] == [
        ("big.yaml", "yaml-syntax-error"), ("neighbour.yaml", "service-selector-no-match")]
    assert "larger than 32 MiB" in findings[0].message


def test_deep_nesting_is_refused_by_the_parser(tmp_path):
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    (tmp_path / "deep2.yaml").write_text("".join("  " * i + "k:\n" for i in range(5000)))
    findings = check_paths([str(tmp_path)], Settings()).findings
    assert [f.rule for f in findings] == ["yaml-syntax-error", "yaml-syntax-error"]
    assert all("nesting depth" in f.message for f in findings)


def test_fifos_devices_and_symlink_loops_are_skipped_with_a_finding(tmp_path):
    os.mkfifo(tmp_path / "fifo.yaml")
    os.symlink("/dev/null", tmp_path / "device.yaml")
    os.symlink(tmp_path / "loop-b.yaml", tmp_path / "loop-a.yaml")
    os.symlink(tmp_path / "loop-a.yaml", tmp_path / "loop-b.yaml")
    (tmp_path / "sub").mkdir()
    os.symlink(tmp_path, tmp_path / "sub" / "back-to-top")  # a directory loop: never followed
    (tmp_path / "neighbour.yaml").write_text((HOSTILE / "neighbour.yaml").read_text())
    findings = check_paths([str(tmp_path)], Settings()).findings
    by_file = {os.path.basename(f.file): f for f in findings}
    assert set(by_file) == {"fifo.yaml", "device.yaml", "loop-a.yaml", "loop-b.yaml", "neighbour.yaml"}
    assert "not a regular file" in by_file["fifo.yaml"].message
    assert "not a regular file" in by_file["device.yaml"].message
    assert "symbolic links" in by_file["loop-a.yaml"].message


def _check_unprivileged(*paths):
    """`portlint check -f json` as a user to whom file permissions apply."""
    import subprocess

    result = subprocess.run([sys.executable, "-m", "portlint", "check", *map(str, paths), "-f", "json"],
                            capture_output=True, text=True, timeout=60, preexec_fn=unprivileged)
    assert result.returncode in (0, 1), result.stderr
    return [(os.path.basename(f["file"]), f["rule"], f["message"]) for f in json.loads(result.stdout)["findings"]]


def test_an_unreadable_file_is_a_finding(tmp_path):
    (tmp_path / "secret.yaml").write_text("kind: ConfigMap\n")
    (tmp_path / "secret.yaml").chmod(0)
    assert _check_unprivileged(tmp_path) == [
        ("secret.yaml", "yaml-syntax-error", "cannot read file: Permission denied")]


def test_an_unreadable_directory_is_a_finding_and_its_neighbours_are_checked(tmp_path):
    (tmp_path / "locked" / "inner").mkdir(parents=True)
    (tmp_path / "locked" / "inner" / "svc.yaml").write_text((HOSTILE / "neighbour.yaml").read_text())
    (tmp_path / "neighbour.yaml").write_text((HOSTILE / "neighbour.yaml").read_text())
    (tmp_path / "locked").chmod(0)
    assert _check_unprivileged(tmp_path) == [
        ("locked", "yaml-syntax-error",
         "cannot read directory: Permission denied; the files below it were not checked"),
        ("neighbour.yaml", "service-selector-no-match",
         "selector app=nobody matches no pod template in namespace default: the Service gets no endpoints")]


def test_a_deep_directory_chain_is_walked(tmp_path):
    """os.walk recurses once per level (a RecursionError past ~1,000); the walk keeps a stack instead.
    The chain goes as deep as the file system lets a path be named: past that, a finding."""
    deepest = tmp_path
    for _ in range(1500):
        deepest = deepest / "d"
        deepest.mkdir()  # (os.makedirs recurses too)
    (deepest / "svc.yaml").write_text((HOSTILE / "neighbour.yaml").read_text())
    try:
        findings = check_paths([str(tmp_path)], Settings()).findings
    finally:
        _remove_chain(tmp_path, 1500)
    assert [f.rule for f in findings] == ["service-selector-no-match"]
    assert findings[0].file.count("/d") == 1500


def _remove_chain(top, depth: int) -> None:
    """Remove top/d/d/... from the bottom up (shutil.rmtree, pytest's clean-up, recurses)."""
    here = os.getcwd()
    os.chdir(top)
    try:
        for _ in range(depth):
            os.chdir("d")
        for name in os.listdir("."):
            os.remove(name)
        for _ in range(depth):
            os.chdir("..")
            os.rmdir("d")
    finally:
        os.chdir(here)


def test_a_directory_chain_longer_than_a_path_can_be_is_a_finding(tmp_path):
    here = os.getcwd()
    os.chdir(tmp_path)  # descend relative to the last directory made: the full path is too long to name
    try:
        for _ in range(2100):  # 4,200 characters of d/d/...: past PATH_MAX (4,096)
            os.mkdir("d")
            os.chdir("d")
    finally:
        os.chdir(here)
    try:
        findings = check_paths([str(tmp_path)], Settings()).findings
    finally:
        _remove_chain(tmp_path, 2100)
    assert [(f.rule, "File name too long" in f.message) for f in findings] == [("yaml-syntax-error", True)]


def test_a_file_replaced_by_a_fifo_after_listing_is_refused_not_waited_on(tmp_path, monkeypatch):
    (tmp_path / "svc.yaml").write_text((HOSTILE / "neighbour.yaml").read_text())
    real_find = discovery.explore

    def listing_then_swap(*args, **kwargs):
        inputs = real_find(*args, **kwargs)
        os.remove(tmp_path / "svc.yaml")
        os.mkfifo(tmp_path / "svc.yaml")  # nobody will ever write to it
        return inputs

    monkeypatch.setattr(discovery, "explore", listing_then_swap)
    started = time.monotonic()
    findings = check_paths([str(tmp_path)], Settings()).findings
    assert time.monotonic() - started < 5
    assert [(f.rule, f.message) for f in findings] == [
        ("yaml-syntax-error", "not a regular file (a FIFO, socket or device); skipped")]


def test_a_file_replaced_by_a_fifo_before_the_report_prints_its_lines(tmp_path):
    (tmp_path / "svc.yaml").write_text((HOSTILE / "neighbour.yaml").read_text())
    report = check_paths([str(tmp_path)], Settings())
    os.remove(tmp_path / "svc.yaml")
    os.mkfifo(tmp_path / "svc.yaml")
    from io import StringIO

    from portlint.report import text

    out = StringIO()
    text.write(report, out)  # re-reads the file for its source lines: refused, not blocked on
    assert "service-selector-no-match" in out.getvalue()


def test_a_link_out_of_the_checked_paths_is_said_and_its_lines_are_not_shown(tmp_path):
    (tmp_path / "repo").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "secret.yaml").write_text("kind: Service\napiVersion: v1\nmetadata: {name: s}\n"
                                                       "spec: {selector: {app: x}, ports: [{port: 80}]}\n"
                                                       "token: hunter2: x\n")
    os.symlink(tmp_path / "elsewhere" / "secret.yaml", tmp_path / "repo" / "secret.yaml")
    os.symlink(tmp_path / "elsewhere", tmp_path / "repo" / "dir-link")
    report = check_paths([str(tmp_path / "repo")], Settings())
    assert [f.rule for f in report.findings] == ["yaml-syntax-error"]
    assert report.notes == [
        f"{tmp_path}/repo/secret.yaml is a symbolic link to {tmp_path}/elsewhere/secret.yaml, outside the "
        "checked paths: checked, but its lines are not shown",
        f"{tmp_path}/repo/dir-link is a symbolic link to a directory: not followed (name its target to check it)",
    ]
    from io import StringIO

    from portlint.report import text

    out = StringIO()
    text.write(report, out)
    assert "hunter2" not in out.getvalue() and "yaml-syntax-error" in out.getvalue()
    # the same file inside the checked paths is shown
    inside = check_paths([str(tmp_path / "repo"), str(tmp_path / "elsewhere")], Settings())
    out = StringIO()
    text.write(inside, out)
    assert "hunter2" in out.getvalue() and not any("outside" in note for note in inside.notes)


def test_markup_and_escapes_stay_literal_in_json():
    findings = check_paths([str(HOSTILE / "markup.yaml"), str(HOSTILE / "neighbour.yaml")], Settings()).findings
    from portlint.report.json_format import report_dict
    from portlint.run import Report

    text = json.dumps(report_dict(Report(findings=findings)))
    assert "\x1b" not in text and "\\u001b" in text
    assert json.loads(text)["findings"][0]["message"].count("\x1b") == 2


def test_an_internal_error_exits_3_with_a_short_message(monkeypatch, capsys):
    import portlint.run

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(portlint.run, "check_paths", broken)
    monkeypatch.setattr(sys, "argv", ["portlint", "check", str(HOSTILE / "neighbour.yaml")])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: simulated bug" in err and "please report it" in err
    assert "Traceback" not in err


# --- random damage to valid manifests: findings only, never an exception --------------------------

VALID_TEXTS = [spec.good_example for spec in load_catalog().values()]
VALID_TEXTS += [p.read_text() for p in sorted((ROOT / "examples").rglob("*.yaml"))]
DOCUMENTS = [json.loads(json.dumps(d.data)) for text in VALID_TEXTS for d in load_text(text).documents]
ODD = [None, "eighty", "", "[bold]x", 0, -1, 70000, 1.5, True, [], {}, ["x"], {"a": None}, [{"name": 1}]]
KNOWN_RULES = set(load_catalog())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_randomly_damaged_manifests_only_ever_give_findings(data):
    import yaml

    documents = [copy.deepcopy(d) for d in data.draw(st.lists(st.sampled_from(DOCUMENTS), min_size=1, max_size=4))]
    for number in range(data.draw(st.integers(1, 3))):
        index = data.draw(st.integers(0, len(documents) - 1))
        path = data.draw(st.sampled_from(list(json_paths(documents[index]))))
        documents[index] = mutate(documents[index], path, data.draw(st.sampled_from(["drop", "duplicate", *ODD])))
    text = yaml.safe_dump_all(documents)
    report = check_text(text)
    assert {f.rule for f in report.findings} <= KNOWN_RULES
    assert all(f.line >= 1 and f.column >= 1 and f.severity in ("error", "warning", "info") for f in report.findings)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.data())
def test_trace_of_randomly_damaged_manifests_only_ever_gives_paths_and_findings(tmp_path, data):
    import yaml

    from portlint.trace import AllTarget, parse_target, trace_paths

    documents = [copy.deepcopy(d) for d in data.draw(st.lists(st.sampled_from(DOCUMENTS), min_size=1, max_size=4))]
    index = data.draw(st.integers(0, len(documents) - 1))
    path = data.draw(st.sampled_from(list(json_paths(documents[index]))))
    documents[index] = mutate(documents[index], path, data.draw(st.sampled_from(["drop", "duplicate", *ODD])))
    manifest = tmp_path / "damaged.yaml"
    manifest.write_text(yaml.safe_dump_all(documents))
    target = data.draw(st.sampled_from([AllTarget(), parse_target("nodeport:30080"),
                                        parse_target("http://shop.example.com/"), parse_target("service/web:80")]))
    trace = trace_paths(target, [str(manifest)])
    shape = json.loads(json.dumps(trace.to_json()))
    assert isinstance(shape["ok"], bool) and {f["rule"] for f in shape["findings"]} <= KNOWN_RULES


def test_hostile_input_stays_within_a_memory_bound(tmp_path):
    """Under a 1 GiB address-space limit, the alias bomb, deep nesting and the oversized file are refused
    cleanly (exit 1 with findings): nothing tries to build them in memory."""
    import resource
    import subprocess

    (tmp_path / "deep.yaml").write_text("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    with open(tmp_path / "big.yaml", "wb") as handle:
        handle.truncate(100 * 1024 * 1024)
    for name in ("billion-laughs.yaml", "neighbour.yaml"):
        (tmp_path / name).write_text((HOSTILE / name).read_text())

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    result = subprocess.run([sys.executable, "-m", "portlint", "check", str(tmp_path), "-f", "json"],
                            capture_output=True, text=True, timeout=60, preexec_fn=limit_memory)
    assert result.returncode == 1, result.stderr
    rules = sorted(f["rule"] for f in json.loads(result.stdout)["findings"])
    assert rules == ["service-selector-no-match"] + ["yaml-syntax-error"] * 3


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_hostile_file_on_the_command_line_exit_code_and_neighbour(name):
    """Beside a valid manifest with a real break, each bad file gives its findings and the neighbour
    still gets its own; alone, the exit code follows the bad file's severities (never 2 or 3)."""
    import subprocess

    def run(*paths, fail_on):
        return subprocess.run([sys.executable, "-m", "portlint", "check", *map(str, paths), "-f", "json",
                               "--fail-on", fail_on], capture_output=True, text=True, timeout=60)

    together = run(HOSTILE / name, HOSTILE / "neighbour.yaml", fail_on="error")
    report = json.loads(together.stdout)
    by_file = {}
    for finding in report["findings"]:
        by_file.setdefault(os.path.basename(finding["file"]), []).append(finding["rule"])
    assert together.returncode == 1
    assert sorted(by_file.get(name, [])) == EXPECTED[name]
    if name != "neighbour.yaml":
        assert by_file["neighbour.yaml"] == ["service-selector-no-match"]
    alone = run(HOSTILE / name, fail_on="error")
    severities = {f["severity"] for f in json.loads(alone.stdout)["findings"]}
    assert alone.returncode == (1 if "error" in severities else 0), alone.stderr
