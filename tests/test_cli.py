"""The command line as users and CI meet it: exit codes, formats, stdin, options, and clean errors."""

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT

BROKEN_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: MyApp
  ports:
    - port: 80
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: myapp
spec:
  containers:
    - name: web
      image: nginx
      ports:
        - containerPort: 80
"""


def portlint(*args, stdin=None, cwd=None, env=None):
    environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
    environment.pop("FORCE_COLOR", None)
    return subprocess.run([sys.executable, "-m", "portlint", *args], input=stdin, capture_output=True,
                          text=True, cwd=cwd or ROOT, env=environment, timeout=60)


@pytest.fixture
def broken(tmp_path):
    (tmp_path / "svc.yaml").write_text(BROKEN_SERVICE)
    return tmp_path


def test_findings_exit_1_and_are_printed_with_position_source_and_hint(broken):
    result = portlint("check", str(broken))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == str(broken / "svc.yaml")
    assert "6:3  error   service-selector-no-match [*]  Service default/web: selector app=MyApp" in lines[1]
    assert lines[2].strip() == "6 │   selector:"
    assert "hint:" in result.stdout
    assert "\x1b[" not in result.stdout  # NO_COLOR and not a TTY: plain text
    assert result.stdout.rstrip().endswith("Found 1 error (1 file, 2 objects).\n"
                                           "[*] 1 fixable with `portlint check --fix`.")


def test_clean_input_exits_0_with_one_quiet_line(tmp_path):
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
    result = portlint("check", str(tmp_path))
    assert (result.returncode, result.stdout.strip()) == (0, "No problems found (1 file, 1 object).")


def test_json_output_has_the_documented_shape(broken):
    result = portlint("check", str(broken), "--format", "json")
    report = json.loads(result.stdout)
    assert set(report) == {"version", "summary", "findings"}
    assert report["summary"] == {"files": 1, "objects": 2, "error": 1, "warning": 0, "info": 0}
    finding = report["findings"][0]
    assert set(finding) == {"rule", "severity", "message", "hint", "object", "file", "line", "column", "related",
                            "downgraded", "fix"}
    assert finding["object"] == {"apiVersion": "v1", "kind": "Service", "namespace": "default", "name": "web"}
    assert finding["fix"] == {"safe": True, "summary": "set the selector's app to 'myapp', the label of the pods of "
                                                       "Pod web"}
    assert (finding["line"], finding["column"]) == (6, 3)


def test_stdin_is_read_with_a_dash():
    result = portlint("check", "-", "--format", "json", stdin=BROKEN_SERVICE)
    assert result.returncode == 1
    assert json.loads(result.stdout)["findings"][0]["file"] == "<stdin>"


def test_fail_on_sets_the_threshold(broken):
    assert portlint("check", str(broken), "--fail-on", "error").returncode == 1
    assert portlint("check", str(broken), "--ignore", "service-selector-no-match").returncode == 0


def test_namespace_option_sets_the_default_namespace(broken):
    report = json.loads(portlint("check", str(broken), "-f", "json", "-n", "shop").stdout)
    assert report["findings"][0]["object"]["namespace"] == "shop"


SERVICE_WEB = """\
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""
POD = """\
---
apiVersion: v1
kind: Pod
metadata: {name: NAME, labels: {app: NAME}}
spec:
  containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]
"""


def test_cluster_per_path_keeps_environments_apart(tmp_path):
    (tmp_path / "dev").mkdir()
    (tmp_path / "prod").mkdir()
    (tmp_path / "dev" / "app.yaml").write_text(SERVICE_WEB + POD.replace("NAME", "web"))
    (tmp_path / "prod" / "app.yaml").write_text(SERVICE_WEB + POD.replace("NAME", "worker"))
    dev, prod = str(tmp_path / "dev"), str(tmp_path / "prod")
    together = portlint("check", dev, prod, "-f", "json")
    apart = json.loads(portlint("check", "--cluster-per-path", dev, prod, "-f", "json").stdout)["findings"]
    # together, prod's Service selects dev's pod; apart, prod's Service selects none of prod's pods
    assert (together.returncode, json.loads(together.stdout)["findings"]) == (0, [])
    assert [(f["rule"], f["file"].endswith("prod/app.yaml")) for f in apart] == [("service-selector-no-match", True)]


@pytest.mark.parametrize("args, message", [
    (["check", "does/not/exist"], "path does not exist: does/not/exist"),
    (["check", ".", "--node-port-range", "32767-30000"], "--node-port-range"),
    (["check", ".", "--select", "no-such-rule"], "unknown rule id: no-such-rule"),
    (["rules", "no-such-rule"], "unknown rule id: no-such-rule"),
])
def test_usage_errors_exit_2_with_one_line_and_no_traceback(args, message):
    result = portlint(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_unknown_option_is_a_usage_error():
    result = portlint("check", "--bogus")
    assert result.returncode == 2 and "No such option" in result.stderr


def test_output_is_deterministic_and_sorted(tmp_path):
    for name in ("b.yaml", "a.yaml"):
        (tmp_path / name).write_text(BROKEN_SERVICE.replace("name: web", f"name: {name[0]}"))
    findings = json.loads(portlint("check", str(tmp_path), "-f", "json").stdout)["findings"]
    assert [f["file"].rsplit("/", 1)[-1] for f in findings] == ["a.yaml", "b.yaml"]


def test_version_and_rules_listing():
    assert portlint("--version").stdout.startswith("portlint ")
    listing = portlint("rules").stdout
    assert "service-selector-no-match" in listing and "error" in listing
    explained = portlint("rules", "service-selector-no-match")
    assert explained.returncode == 0 and "How to fix it" in explained.stdout and "app: MyApp" in explained.stdout


def test_markup_and_escape_sequences_in_manifests_are_printed_literally(tmp_path):
    (tmp_path / "svc.yaml").write_text(BROKEN_SERVICE.replace("app: MyApp", 'app: "[bold red]x\\e[31m"'))
    result = portlint("check", str(tmp_path))
    assert "app=[bold red]x\\x1b[31m" in result.stdout
    assert "\x1b" not in result.stdout


def test_an_output_stream_that_fails_is_exit_2_with_the_reason_and_a_broken_pipe_141(broken):
    import signal as signals

    full = subprocess.run(f"{sys.executable} -m portlint check {broken} > /dev/full", shell=True,
                          capture_output=True, text=True, timeout=60)
    assert (full.returncode, full.stderr) == (
        2, "portlint: error: cannot write the report to stdout: No space left on device\n")
    closed = subprocess.run(f"{sys.executable} -m portlint check {broken} >&-", shell=True,
                            capture_output=True, text=True, timeout=60)
    assert (closed.returncode, closed.stderr) == (
        2, "portlint: error: stdout is closed: nowhere to write the report (use --output FILE)\n")
    (broken / "many.yaml").write_text("---\n".join(BROKEN_SERVICE.replace("name: web", f"name: web-{n}", 1)
                                                   for n in range(2000)))
    reader = subprocess.Popen([sys.executable, "-m", "portlint", "check", str(broken)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, preexec_fn=lambda: signals.signal(signals.SIGPIPE,
                                                                                        signals.SIG_DFL))
    reader.stdout.readline()
    reader.stdout.close()  # the reader goes away, as `| head -1` does
    assert reader.wait(timeout=60) == 141
    assert reader.stderr.read() == b""


def test_an_unusable_columns_setting_does_not_hide_the_report(broken):
    for columns in ("0", "-5", "abc"):
        result = portlint("check", str(broken), env={"COLUMNS": columns})
        assert result.returncode == 1 and "service-selector-no-match" in result.stdout, columns


def test_config_paths_outside_the_config_directory_are_said_and_not_shown(tmp_path):
    (tmp_path / "repo").mkdir()
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "token").write_text("eyJhbGciOiJSUzI1NiJ9.secret-token\n")
    (tmp_path / "repo" / ".portlint.yaml").write_text("paths: [../secrets/token]\n")
    result = portlint("check", cwd=tmp_path / "repo")
    assert result.returncode == 1
    assert "secret-token" not in result.stdout and "manifest-invalid" in result.stdout
    assert result.stderr == ("portlint: note: .portlint.yaml: paths: ../secrets/token is outside the directory of "
                             "the configuration file: checked, but its lines are not shown\n")
    named = portlint("check", "../secrets/token", cwd=tmp_path / "repo")  # named by the user: shown
    assert "secret-token" in named.stdout and named.stderr == ""
