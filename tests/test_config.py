"""The configuration file: discovery from subdirectories, every key, CLI overrides, and one-line errors."""

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, WEB_DEPLOYMENT as DEPLOYMENT

from portlint import config
from portlint.globs import PathFilter

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  type: NodePort
  selector:
    app: {app}
  ports:
    - port: 80
      nodePort: {node_port}
"""


def portlint(*args, cwd):
    environment = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "portlint", *args], capture_output=True, text=True, cwd=cwd,
                          env=environment, timeout=60)


def findings(result) -> list[tuple[str, str, str]]:
    return [(f["rule"], f["severity"], f["file"]) for f in json.loads(result.stdout)["findings"]]


@pytest.fixture
def repo(tmp_path):
    """A repository with manifests in k8s/ (a broken Service), vendored YAML and a deep subdirectory."""
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "svc.yaml").write_text(SERVICE.format(name="web", app="MyApp", node_port=31000))
    (tmp_path / "k8s" / "deploy.yaml").write_text(DEPLOYMENT)
    (tmp_path / "vendor" / "chart").mkdir(parents=True)
    (tmp_path / "vendor" / "chart" / "svc.yaml").write_text((SERVICE.format(name="other", app="gone", node_port=31001)
                                                          + "---\n" + DEPLOYMENT.replace("name: web\n", "name: vendored\n")))
    (tmp_path / "src" / "deep").mkdir(parents=True)
    return tmp_path


def test_config_is_discovered_from_a_subdirectory_and_its_paths_are_relative_to_it(repo):
    (repo / ".portlint.yaml").write_text("paths: [k8s]\n")
    result = portlint("check", "-f", "json", cwd=repo / "src" / "deep")
    assert result.returncode == 1
    assert findings(result) == [("service-selector-no-match", "error", "../../k8s/svc.yaml")]


def test_without_config_the_current_directory_is_checked(repo):
    result = portlint("check", "-f", "json", cwd=repo)
    assert sorted(f[2] for f in findings(result)) == ["./k8s/svc.yaml", "./vendor/chart/svc.yaml"]


def test_exclude_globs_skip_walked_files_but_not_named_ones(repo):
    (repo / "k8s" / "kustomization.yaml").write_text("resources: [svc.yaml]\nkind: Kustomization\n")
    (repo / ".portlint.yaml").write_text("exclude: [vendor, 'k8s/kustom*.yaml']\n")
    walked = portlint("check", "-f", "json", cwd=repo)
    assert findings(walked) == [("service-selector-no-match", "error", "./k8s/svc.yaml")]
    named = portlint("check", "-f", "json", "vendor/chart/svc.yaml", cwd=repo)
    assert findings(named) == [("service-selector-no-match", "error", "vendor/chart/svc.yaml")]


@pytest.mark.parametrize("text, expected", [
    ("ignore: [service-selector-no-match]\n", []),
    ("select: [node-port-out-of-range]\n", []),
    ("severity: {service-selector-no-match: info}\n", [("service-selector-no-match", "info", "k8s/svc.yaml")]),
    ("node-port-range: 20000-30999\n", [("service-selector-no-match", "error", "k8s/svc.yaml"),
                                        ("node-port-out-of-range", "error", "k8s/svc.yaml")]),
])
def test_rule_settings_from_the_file(repo, text, expected):
    (repo / ".portlint.yaml").write_text(text)
    assert findings(portlint("check", "k8s", "-f", "json", cwd=repo)) == expected


def test_fail_on_namespace_and_cluster_per_path_from_the_file(repo):
    (repo / ".portlint.yaml").write_text("severity: {service-selector-no-match: warning}\nfail-on: error\n"
                                         "namespace: shop\n")
    result = portlint("check", "k8s", "-f", "json", cwd=repo)
    assert result.returncode == 0
    assert json.loads(result.stdout)["findings"][0]["object"]["namespace"] == "shop"
    (repo / "other").mkdir()
    (repo / "other" / "deploy.yaml").write_text(DEPLOYMENT.replace("name: web\nspec", "name: web2\nspec")
                                                .replace("app: web", "app: MyApp"))
    together = portlint("check", "k8s", "other", "-f", "json", cwd=repo)
    assert findings(together) == []
    (repo / ".portlint.yaml").write_text("cluster-per-path: true\n")
    apart = portlint("check", "k8s", "other", "-f", "json", cwd=repo)
    assert findings(apart) == [("service-selector-no-match", "error", "k8s/svc.yaml")]
    assert findings(portlint("check", "k8s", "other", "-f", "json", "--no-cluster-per-path", cwd=repo)) == []


def test_command_line_overrides_the_file(repo):
    (repo / ".portlint.yaml").write_text("ignore: [service-selector-no-match]\nfail-on: info\n"
                                         "node-port-range: 20000-30999\n")
    assert findings(portlint("check", "k8s", "-f", "json", cwd=repo)) == [("node-port-out-of-range", "error",
                                                                            "k8s/svc.yaml")]
    # --select runs a rule the file ignores; --node-port-range replaces the file's range
    result = portlint("check", "k8s", "-f", "json", "--select", "service-selector-no-match,node-port-out-of-range",
                      "--node-port-range", "30000-32767", cwd=repo)
    assert findings(result) == [("service-selector-no-match", "error", "k8s/svc.yaml")]
    # --ignore adds to the file's ignore list
    assert findings(portlint("check", "k8s", "-f", "json", "--ignore", "node-port-out-of-range", cwd=repo)) == []
    (repo / ".portlint.yaml").write_text("severity: {service-selector-no-match: warning}\nfail-on: error\n")
    assert portlint("check", "k8s", cwd=repo).returncode == 0
    assert portlint("check", "k8s", "--fail-on", "warning", cwd=repo).returncode == 1


def test_pyproject_tool_portlint_table_is_used(repo):
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.portlint]\npaths = ["k8s"]\n'
                                         'ignore = ["service-selector-no-match"]\n')
    result = portlint("check", "-f", "json", cwd=repo / "src")
    assert (result.returncode, findings(result)) == (0, [])


def test_a_pyproject_without_the_table_is_skipped_on_the_way_up(repo):
    (repo / ".portlint.yaml").write_text("paths: [k8s]\nfail-on: info\n")
    (repo / "src" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    found = config.load(start=repo / "src" / "deep")
    assert found.path == repo / ".portlint.yaml"
    assert found.values == {"paths": ["k8s"], "fail-on": "info"}


def test_the_nearest_file_wins_and_yaml_before_pyproject(repo):
    (repo / ".portlint.yaml").write_text("fail-on: info\n")
    (repo / "src" / "pyproject.toml").write_text('[tool.portlint]\nfail-on = "error"\n')
    assert config.load(start=repo / "src" / "deep").values == {"fail-on": "error"}
    (repo / "src" / ".portlint.yaml").write_text("fail-on: warning\n")
    assert config.load(start=repo / "src").values == {"fail-on": "warning"}


def test_config_option_names_the_file(repo):
    (repo / "ci.yaml").write_text("paths: [vendor]\n")
    result = portlint("check", "-f", "json", "--config", "ci.yaml", cwd=repo)
    assert findings(result) == [("service-selector-no-match", "error", "vendor/chart/svc.yaml")]
    missing = portlint("check", "--config", "nope.yaml", cwd=repo)
    assert (missing.returncode, missing.stderr.strip()) == (2, "portlint: error: --config: no such file: nope.yaml")


@pytest.mark.parametrize("text, message", [
    ("selct: [service-selector-no-match]\n", "unknown key 'selct' (did you mean 'select'?)"),
    ("cluster_per_path: true\n", "unknown key 'cluster_per_path' (did you mean 'cluster-per-path'?)"),
    ("select: service-selector-no-match\n", "select: expected a list, got a string 'service-selector-no-match'"),
    ("ignore: [no-such-rule]\n", "ignore: unknown rule id 'no-such-rule'"),
    ("severity: {service-selector-no-match: fatal}\n",
     "severity.service-selector-no-match: 'fatal' is not one of error, warning, info"),
    ("severity: {no-such-rule: info}\n", "severity: unknown rule id 'no-such-rule'"),
    ("fail-on: never\n", "fail-on: 'never' is not one of error, warning, info"),
    ("namespace: My_Namespace\n", "namespace: 'My_Namespace' is not a DNS-1123 label"),
    ("node-port-range: 32767-30000\n", "node-port-range: expected 1 <= A <= B <= 65535"),
    ("node-port-range: 30000-x\n", "node-port-range: '30000-x' is not a range like 30000-32767"),
    ("cluster-per-path: yes please\n", "cluster-per-path: expected true or false, got a string 'yes please'"),
    ("paths: []\n", "paths: [] should be non-empty"),
    ("- paths\n", "expected a mapping of settings, got a list"),
    ("paths: [k8s\n", "invalid YAML at line 2"),
])
def test_a_bad_config_is_one_line_naming_file_and_key_and_exit_2(repo, text, message):
    (repo / ".portlint.yaml").write_text(text)
    result = portlint("check", cwd=repo / "src")
    assert result.returncode == 2
    assert result.stderr.startswith("portlint: error: ../.portlint.yaml: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_bad_pyproject_table_names_pyproject(repo):
    (repo / "pyproject.toml").write_text('[tool.portlint]\nfail_on = "error"\n')
    result = portlint("check", cwd=repo)
    assert (result.returncode, result.stderr.strip()) == (2, (
        "portlint: error: pyproject.toml: unknown key 'fail_on' (did you mean 'fail-on'?); known keys: paths, "
        "exclude, select, ignore, severity, namespace, node-port-range, fail-on, cluster-per-path, gitignore, "
        "render, kustomize, helm, units, ingress-controller-pods, gateway-controller-pods"))
    (repo / "pyproject.toml").write_text('[tool.portlint\n')
    broken = portlint("check", cwd=repo)
    assert broken.returncode == 2 and broken.stderr.startswith("portlint: error: pyproject.toml: invalid TOML")


def test_the_config_schema_documents_every_key_the_cli_reads():
    schema = json.loads((ROOT / "schemas" / "config.schema.json").read_text())
    assert sorted(schema["properties"]) == sorted([
        "paths", "exclude", "select", "ignore", "severity", "namespace", "node-port-range", "fail-on",
        "cluster-per-path", "gitignore", "render", "kustomize", "helm", "units", "ingress-controller-pods",
        "gateway-controller-pods"])
    assert all("description" in value for value in schema["properties"].values())


@pytest.mark.parametrize("path, excluded", [
    ("vendor/chart/svc.yaml", True),       # a name anywhere
    ("k8s/vendor.yaml", False),
    ("k8s/generated/a.yaml", True),      # a directory glob with '/' covers its contents
    ("other/k8s/generated/a.yaml", False),
    ("k8s/app.tmpl.yaml", True),
    ("x/y/z.secret.yaml", True),         # **/ also matches below the top
])
def test_exclude_glob_semantics(tmp_path, path, excluded):
    path_filter = PathFilter(["vendor", "k8s/generated/", "*.tmpl.yaml", "**/*.secret.yaml"], str(tmp_path),
                             gitignore=False)
    parts = path.split("/")  # as the walk asks: each directory on the way, then the file
    asked = [path_filter.skips(str(tmp_path.joinpath(*parts[:n])), is_dir=True) for n in range(1, len(parts))]
    assert (any(asked) or path_filter.skips(str(tmp_path / path))) is excluded
