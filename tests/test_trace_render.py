"""`portlint trace` on kustomize overlays, rendered with the real `kubectl kustomize` (or `kustomize`):
each overlay is traced as its own environment, and hops point at the source files (the patch), never
at the rendered text."""

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from test_render import line_of, portlint

KUSTOMIZE = shutil.which("kustomize") or shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUSTOMIZE is None, reason="neither kustomize nor kubectl is on PATH: nothing renders")

FILES = {
    "base/kustomization.yaml": """\
        resources:
          - deployment.yaml
          - service.yaml
        """,
    "base/deployment.yaml": """\
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
            spec:
              containers:
                - name: web
                  image: nginx:1.27
                  ports:
                    - name: http
                      containerPort: 8080
        """,
    "base/service.yaml": """\
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          type: NodePort
          selector:
            app: web
          ports:
            - name: http
              port: 80
              targetPort: http
              nodePort: 30080
        """,
    "overlays/dev/kustomization.yaml": """\
        namespace: dev
        namePrefix: dev-
        resources:
          - ../../base
        """,
    "overlays/prod/kustomization.yaml": """\
        namespace: prod
        namePrefix: prod-
        resources:
          - ../../base
        patches:
          - path: port-name.yaml
        """,
    # prod renames the container port: the Service's named targetPort http resolves to nothing
    "overlays/prod/port-name.yaml": """\
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            spec:
              containers:
                - name: web
                  ports:
                    - containerPort: 8080
                      name: web-http
        """,
}


@pytest.fixture
def tree(tmp_path) -> Path:
    for name, text in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def trace(tree: Path, *args: str):
    return portlint("trace", *args, cwd=tree)


def test_the_good_overlay_is_traced_rendered_to_its_container_at_the_base_files(tree):
    result = trace(tree, "service/dev-web.dev:80", "overlays/dev")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == ("✓ service/dev-web.dev:80  (client in the cluster → dev-web.dev.svc:80)  "
                        "(rendered from overlays/dev)")
    service = tree / "base/service.yaml"
    deployment = tree / "base/deployment.yaml"
    assert (f"✓ Service dev/dev-web :80 → targetPort http (8080)  base/service.yaml:{line_of(service, 'port: 80')}"
            in result.stdout)
    assert "✓ Deployment dev/dev-web · 1 replica · pods app=web  base/deployment.yaml:1" in result.stdout
    assert (f"✓ container web :8080 (http=8080/TCP)  base/deployment.yaml:{line_of(deployment, 'containerPort')}"
            in result.stdout)
    assert lines[-1] == "ok: 1 of 1 path reaches a container."


def test_the_broken_overlay_breaks_at_the_target_port_and_points_at_the_patch(tree):
    result = trace(tree, "service/prod-web.prod:80", "overlays/prod")
    assert result.returncode == 1, result.stdout + result.stderr
    service, patch = tree / "base/service.yaml", tree / "overlays/prod/port-name.yaml"
    assert "(rendered from overlays/prod)" in result.stdout.splitlines()[0]
    assert (f"✗ Service prod/prod-web :80 → targetPort http (unresolved)  base/service.yaml:{line_of(service, 'port: 80')}"
            in result.stdout)
    # the finding as check reports it, at the Service's targetPort in the base ...
    assert f"error   service-target-port-name-unresolved  base/service.yaml:{line_of(service, 'targetPort')}:7" \
        in result.stdout
    # ... and the workload, where the request stops, at the patch that renamed its port (its ports)
    assert (f"✓ Deployment prod/prod-web · 1 replica · pods app=web  overlays/prod/port-name.yaml:"
            f"{line_of(patch, 'ports:')}" in result.stdout)
    assert "not traced further: the targetPort names no port of this workload" in result.stdout
    assert "container web" not in result.stdout


def test_no_line_of_a_trace_points_at_the_rendered_text(tree):
    """Every file:line a hop or finding shows is a source file's, and within it."""
    result = trace(tree, "--all", "overlays", "--format", "json")
    data = json.loads(result.stdout)
    assert data["findings"], "the prod overlay's break is claimed"
    for finding in data["findings"]:
        assert (tree / finding["file"]).is_file() and finding["rendered_from"] == "overlays/prod"
    text = trace(tree, "--all", "overlays").stdout
    places = [word for line in text.splitlines() for word in line.split() if ".yaml:" in word]
    assert len(places) == 8  # dev: 4 hops; prod: 3 hops and the finding
    for place in places:
        file, line = place.split(":")[:2]
        assert 1 <= int(line) <= len((tree / file).read_text().splitlines()), place


def test_all_on_both_overlays_traces_each_as_its_environment_and_fails_on_the_broken_one(tree):
    result = trace(tree, "--all", "overlays")
    assert result.returncode == 1
    headers = [line for line in result.stdout.splitlines() if line.startswith(("✓", "✗"))]
    assert headers == ["✓ nodeport:30080  (client → any node:30080)  (rendered from overlays/dev)",
                       "✗ nodeport:30080  (client → any node:30080)  (rendered from overlays/prod)"]
    assert result.stdout.splitlines()[-1] == "2 entry points: 1 reaches a container, 1 broken, 0 leave the manifests."


def test_a_target_is_reached_only_when_every_environment_that_holds_it_reaches_it(tree):
    # one Service name in both overlays: dev reaches it, prod does not, so the trace fails
    for overlay in ("dev", "prod"):
        kustomization = tree / f"overlays/{overlay}/kustomization.yaml"
        kustomization.write_text(kustomization.read_text().replace(f"namePrefix: {overlay}-\n", "")
                                 .replace(f"namespace: {overlay}\n", ""))
    result = trace(tree, "service/web:80", "overlays")
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == ("broken: reached in 1 of 2 environments, not in overlays/prod "
                                              "(1 of 2 paths reaches a container).")
    # an environment that does not hold the target is not a failure: dev alone holds dev-web
    (tree / "overlays/dev/kustomization.yaml").write_text(textwrap.dedent(FILES["overlays/dev/kustomization.yaml"]))
    alone = trace(tree, "service/dev-web.dev:80", "overlays")
    assert alone.returncode == 0, alone.stdout
    assert "overlays/prod" not in alone.stdout
    nowhere = trace(tree, "service/api.dev:80", "overlays")
    assert nowhere.returncode == 1
    assert nowhere.stdout.splitlines()[-1] == "broken: none of the 2 environments holds service/api.dev:80."


def test_json_paths_name_the_root_they_were_rendered_from(tree):
    data = json.loads(trace(tree, "--all", "overlays", "--format", "json").stdout)
    assert data["ok"] is False
    assert [(path["rendered_from"], path["ok"]) for path in data["paths"]] == [("overlays/dev", True),
                                                                               ("overlays/prod", False)]
    broken = data["paths"][1]["hops"]
    assert [(hop["type"], hop["ok"], hop["rule"]) for hop in broken] == [
        ("client", True, None), ("node-port", True, None),
        ("service", False, "service-target-port-name-unresolved"), ("workload", True, None)]
    assert broken[2]["object"] == {"apiVersion": "v1", "kind": "Service", "namespace": "prod", "name": "prod-web"}


def test_no_render_traces_the_raw_files_as_one_cluster_as_before(tree):
    rendered = trace(tree, "service/dev-web.dev:80", "overlays/dev")
    assert rendered.returncode == 0
    raw = trace(tree, "--no-render", "service/dev-web.dev:80", "overlays/dev")
    assert raw.returncode == 1
    assert "no Service dev-web in namespace dev" in raw.stdout and "rendered from" not in raw.stdout
    # raw, the base is the Service as written, and the prod patch is not applied
    base = json.loads(trace(tree, "--no-render", "service/web:80", ".", "--format", "json").stdout)
    assert base["ok"] is True
    assert {path["rendered_from"] for path in base["paths"]} == {None}
    assert json.loads(trace(tree, "service/web:80", ".", "--format", "json").stdout)["ok"] is False


def test_the_config_key_turns_rendering_off_for_trace_too(tree):
    (tree / ".portlint.yaml").write_text("render: false\n")
    result = trace(tree, "service/dev-web.dev:80", "overlays/dev")
    assert result.returncode == 1 and "no Service dev-web in namespace dev" in result.stdout
    assert trace(tree, "--render", "service/dev-web.dev:80", "overlays/dev").returncode == 0


def test_a_missing_kustomize_binary_reads_the_files_raw(tree):
    result = trace(tree, "--kustomize-binary", "no-such-kustomize", "service/web:80", ".")
    assert result.returncode == 0, result.stdout + result.stderr  # the base read raw: web reaches its container
    assert "rendered from" not in result.stdout


def test_the_graph_draws_each_environment_s_objects_as_nodes_of_their_own(tree):
    for overlay in ("dev", "prod"):  # the same names in both overlays: still two Services, two nodePorts
        kustomization = tree / f"overlays/{overlay}/kustomization.yaml"
        kustomization.write_text(kustomization.read_text().replace(f"namePrefix: {overlay}-\n", "")
                                 .replace(f"namespace: {overlay}\n", ""))
    mermaid = trace(tree, "--all", "overlays", "--format", "mermaid").stdout
    assert '["Service default/web (overlays/dev)"]' in mermaid
    assert '["Service default/web (overlays/prod)"]' in mermaid
    assert mermaid.count('(["client (outside the cluster)"])') == 1  # the client is everyone's


def test_the_readme_shows_the_real_trace_of_the_kustomize_example():
    root = Path(__file__).resolve().parent.parent
    result = portlint("trace", "service/prod-shop-web.shop-prod:443", "examples/kustomize/overlays/prod", cwd=root)
    assert result.returncode == 1
    assert "(rendered from examples/kustomize/overlays/prod)" in result.stdout.splitlines()[0]
    assert f"```\n{result.stdout}```" in (root / "README.md").read_text()


# --- the CI formats carry rendered_from -----------------------------------------------------------

SUFFIX = " (rendered from overlays/prod)"


def test_sarif_results_say_where_they_were_rendered_from_and_stay_valid(tree):
    from jsonschema import Draft4Validator

    schema = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
    log = json.loads(portlint("check", "overlays", "--format", "sarif", cwd=tree).stdout)
    assert list(Draft4Validator(json.loads(schema.read_text())).iter_errors(log)) == []
    [result] = [r for r in log["runs"][0]["results"] if r["ruleId"] == "service-target-port-name-unresolved"]
    assert result["properties"] == {"portlint/renderedFrom": "overlays/prod"}
    assert result["message"]["text"].split("\n")[0].endswith(SUFFIX)
    raw = json.loads(portlint("check", "base", "--no-render", "--format", "sarif", cwd=tree).stdout)
    assert all("properties" not in r and "rendered from" not in r["message"]["text"] for r in raw["runs"][0]["results"])


def test_github_annotations_say_where_they_were_rendered_from(tree):
    output = portlint("check", "overlays", "--format", "github", cwd=tree).stdout
    [annotation] = [line for line in output.splitlines() if "service-target-port-name-unresolved" in line]
    assert annotation.startswith("::error file=base/service.yaml,line=12,col=7,")
    assert annotation.split("::", 2)[2].split("%0A")[0].endswith(SUFFIX)


def test_gitlab_descriptions_say_where_they_were_rendered_from(tree):
    issues = json.loads(portlint("check", "overlays", "--format", "gitlab", cwd=tree).stdout)
    [issue] = [i for i in issues if i["check_name"] == "service-target-port-name-unresolved"]
    assert issue["location"]["path"] == "base/service.yaml"
    assert issue["description"].split(" Hint: ")[0].endswith(SUFFIX)


def test_two_overlays_that_render_one_object_under_one_name_get_two_fingerprints(tree):
    # an overlay per region: same names, same namespace, the same broken port name in both
    for overlay in ("dev", "prod"):
        (tree / f"overlays/{overlay}/kustomization.yaml").write_text(
            "resources:\n  - ../../base\npatches:\n  - path: port-name.yaml\n")
    shutil.copy(tree / "overlays/prod/port-name.yaml", tree / "overlays/dev/port-name.yaml")
    log = json.loads(portlint("check", "overlays", "--format", "sarif", cwd=tree).stdout)
    results = [r for r in log["runs"][0]["results"] if r["ruleId"] == "service-target-port-name-unresolved"]
    assert sorted(r["properties"]["portlint/renderedFrom"] for r in results) == ["overlays/dev", "overlays/prod"]
    assert len({r["partialFingerprints"]["portlintFinding/v1"] for r in results}) == 2
    gitlab = json.loads(portlint("check", "overlays", "--format", "gitlab", cwd=tree).stdout)
    fingerprints = {i["fingerprint"] for i in gitlab if i["check_name"] == "service-target-port-name-unresolved"}
    assert fingerprints == {r["partialFingerprints"]["portlintFinding/v1"] for r in results}

