"""kustomize rendering with the real `kubectl kustomize` (or `kustomize`): what is rendered, what is skipped,
and where each finding points — the source file's field, the patch that set it, the transformer that made it."""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT
from portlint import discovery, loader, render
from portlint.render import kustomize
from portlint.run import check_paths
from portlint.settings import Settings

KUSTOMIZE = shutil.which("kustomize") or shutil.which("kubectl")
needs_kustomize = pytest.mark.skipif(KUSTOMIZE is None, reason="neither kustomize nor kubectl is installed")
RENDER_RULES = {"render-failed", "kustomize-not-rendered", "helm-not-rendered", "kustomize-file-unused",
                "kustomize-outside-input"}

BASE = {
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
          labels:
            app: web
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
                  image: nginx
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
          selector:
            app: web
          ports:
            - name: http
              port: 80
              targetPort: http
        """,
}
# staging: namePrefix, commonLabels, namespace, a strategic-merge patch and a JSON 6902 patch, all harmless
STAGING = {
    "overlays/staging/kustomization.yaml": """\
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        namespace: staging
        namePrefix: staging-
        commonLabels:
          env: staging
        resources:
          - ../../base
        patches:
          - path: replicas.yaml
          - target:
              kind: Deployment
              name: web
            path: add-metrics-port.yaml
        """,
    "overlays/staging/replicas.yaml": """\
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          replicas: 2
        """,
    "overlays/staging/add-metrics-port.yaml": """\
        - op: add
          path: /spec/template/spec/containers/0/ports/-
          value:
            name: metrics
            containerPort: 9090
        """,
}
# prod: the same transformers, and a strategic-merge patch that points the Service at a port nobody declares
PROD = {
    "overlays/prod/kustomization.yaml": """\
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        namespace: prod
        namePrefix: prod-
        commonLabels:
          env: prod
        resources:
          - ../../base
        patches:
          - path: service-port.yaml
          - target:
              kind: Deployment
              name: web
            patch: |-
              - op: replace
                path: /spec/replicas
                value: 5
        """,
    "overlays/prod/service-port.yaml": """\
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          ports:
            - port: 80
              targetPort: web
        """,
}


def write(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return directory


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def portlint(*args, cwd, stdin=None, env=None):
    environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "portlint", *args], cwd=cwd, input=stdin, capture_output=True,
                          text=True, env=environment, timeout=300)


def serious(findings):
    return [f for f in findings if f.severity != "info"]


@pytest.fixture
def overlays(tmp_path, monkeypatch):
    """The base and its two overlays, with the current directory at their root (paths shown relative)."""
    write(tmp_path, {**BASE, **STAGING, **PROD})
    monkeypatch.chdir(tmp_path)
    return tmp_path


@needs_kustomize
def test_only_the_broken_overlay_reports_at_the_patch_file_and_line(overlays):
    report = check_paths(["."], Settings())
    [finding] = serious(report.findings)
    assert finding.rule == "service-target-port-name-unresolved"
    assert (finding.object.namespace, finding.object.name) == ("prod", "prod-web")
    assert finding.rendered_from == "overlays/prod"
    assert (finding.file, finding.line) == ("overlays/prod/service-port.yaml",
                                            line_of(overlays / "overlays/prod/service-port.yaml", "targetPort: web"))
    assert finding.column == 7
    # the other side: the Deployment, whose ports no prod patch touches, in the base
    [related] = finding.related
    assert (related.kind, related.name, related.file, related.line) == ("Deployment", "prod-web",
                                                                        "base/deployment.yaml", 1)
    assert report.files == 8 and report.objects == 4  # every input file is counted; two objects per overlay


@needs_kustomize
def test_the_cli_shows_where_it_was_rendered_from_in_text_and_json(overlays):
    text = portlint("check", ".", cwd=overlays)
    assert text.returncode == 1, text.stderr
    assert "overlays/prod/service-port.yaml\n" in text.stdout and "(rendered from overlays/prod)" in text.stdout
    assert "see: Deployment prod/prod-web (base/deployment.yaml:1)" in text.stdout
    data = json.loads(portlint("check", ".", "--format", "json", cwd=overlays).stdout)
    [finding] = [f for f in data["findings"] if f["severity"] == "error"]
    assert finding["rendered_from"] == "overlays/prod" and finding["file"] == "overlays/prod/service-port.yaml"
    raw = json.loads(portlint("check", "base/service.yaml", "--format", "json", cwd=overlays,
                              stdin=None).stdout)
    assert all("rendered_from" not in f for f in raw["findings"])


@needs_kustomize
def test_a_json6902_patch_that_renames_the_port_relates_the_base_service_to_the_patch(overlays):
    write(overlays, {
        "overlays/canary/kustomization.yaml": """\
            resources:
              - ../../base
            patches:
              - target: {kind: Deployment, name: web}
                path: rename-port.yaml
            """,
        "overlays/canary/rename-port.yaml": """\
            - op: replace
              path: /spec/template/spec/containers/0/ports/0/name
              value: web
            """,
    })
    [finding] = serious(check_paths(["overlays/canary"], Settings()).findings)
    assert finding.rule == "service-target-port-name-unresolved" and finding.rendered_from == "overlays/canary"
    assert (finding.file, finding.line) == ("base/service.yaml", line_of(overlays / "base/service.yaml", "targetPort"))
    [related] = finding.related
    assert (related.file, related.line) == ("overlays/canary/rename-port.yaml", 3)


def rendered_outputs(paths: list[str]) -> dict[str, render.Rendered]:
    """Each root rendered by a Session, its text loaded as the check loads it."""
    session = render.Session()
    files, _ = discovery.discover(paths)
    outputs = session.render_all(session.plan(files, paths), paths)
    for output in outputs:
        output.attach(loader.load_text(output.text, output.name).documents)
    return {output.name: output for output in outputs}


def document(output: render.Rendered, kind: str) -> loader.Document:
    return next(d for d in output.documents if d.data["kind"] == kind)


def port_index(deployment: loader.Document, name: str) -> int:
    ports = deployment.data["spec"]["template"]["spec"]["containers"][0]["ports"]
    return next(i for i, p in enumerate(ports) if p["name"] == name)


@needs_kustomize
def test_each_field_points_at_the_file_that_gave_it_its_value(overlays):
    staging = rendered_outputs(["overlays/staging"])["overlays/staging"]
    deployment, service = document(staging, "Deployment"), document(staging, "Service")
    kustomization = overlays / "overlays/staging/kustomization.yaml"
    container = "spec.template.spec.containers[0]"
    expected = {
        (deployment, "metadata.name"): ("overlays/staging/kustomization.yaml", line_of(kustomization, "namePrefix")),
        (deployment, "metadata.namespace"): ("overlays/staging/kustomization.yaml",
                                             line_of(kustomization, "namespace:")),
        (deployment, "metadata.labels.env"): ("overlays/staging/kustomization.yaml", line_of(kustomization, "env:")),
        (deployment, "spec.selector.matchLabels.env"): ("overlays/staging/kustomization.yaml",
                                                        line_of(kustomization, "env:")),
        (deployment, "spec.template.metadata.labels.app"): ("base/deployment.yaml", 14),
        (deployment, "spec.replicas"): ("overlays/staging/replicas.yaml", 6),
        (deployment, f"{container}.image"): ("base/deployment.yaml", 18),
        # ports matched by their merge key: the patch appended one, the base's keeps its line
        (deployment, f"{container}.ports[{port_index(deployment, 'http')}].containerPort"): ("base/deployment.yaml",
                                                                                              21),
        (deployment, f"{container}.ports[{port_index(deployment, 'metrics')}].name"):
            ("overlays/staging/add-metrics-port.yaml", 4),
        (service, "spec.selector.env"): ("overlays/staging/kustomization.yaml", line_of(kustomization, "env:")),
        (service, "spec.ports[0].targetPort"): ("base/service.yaml", 11),
        (service, "spec.ports[0]"): ("base/service.yaml", 9),
    }
    for (rendered, field_path), (file, line) in expected.items():
        at = staging.locate(rendered, field_path)
        assert (os.path.relpath(at.file), at.line) == (file, line), field_path


@needs_kustomize
def test_an_inline_patch_points_into_the_kustomization_block(overlays):
    prod = rendered_outputs(["overlays/prod"])["overlays/prod"]
    at = prod.locate(document(prod, "Deployment"), "spec.replicas")
    kustomization = overlays / "overlays/prod/kustomization.yaml"
    assert (os.path.relpath(at.file), at.line, at.column) == ("overlays/prod/kustomization.yaml",
                                                              line_of(kustomization, "value: 5"), 9)


@needs_kustomize
def test_commonlabels_that_make_the_selector_match_only_when_rendered_are_clean(tmp_path, monkeypatch):
    write(tmp_path, {**BASE, "base/service.yaml": BASE["base/service.yaml"].replace(
        "selector:\n            app: web\n", "selector:\n            app: web\n            env: prod\n"), **PROD,
        "overlays/prod/service-port.yaml": PROD["overlays/prod/service-port.yaml"].replace("targetPort: web",
                                                                                           "targetPort: http")})
    monkeypatch.chdir(tmp_path)
    assert serious(check_paths(["."], Settings()).findings) == []
    # read raw, the base Service selects env=prod, which no pod template has
    raw = serious(check_paths(["."], Settings(render=False)).findings)
    assert [(f.rule, f.file) for f in raw] == [("service-selector-no-match", "./base/service.yaml")]


@needs_kustomize
def test_a_broken_kustomization_is_render_failed_with_kustomizes_message(overlays):
    write(overlays, {"overlays/broken/kustomization.yaml": "resources:\n  - ../../base\n  - ingress.yaml\n"})
    result = portlint("check", "overlays/broken", "--format", "json", cwd=overlays)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [finding] = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "render-failed"]
    assert finding["severity"] == "error"
    assert (finding["file"], finding["line"], finding["column"]) == ("overlays/broken/kustomization.yaml", 3, 5)
    assert "kustomize cannot build overlays/broken" in finding["message"]
    assert "ingress.yaml" in finding["message"] and "no such file or directory" in finding["message"]


@needs_kustomize
def test_remote_resources_are_said_to_be_unreachable_offline(tmp_path):
    write(tmp_path, {"remote/kustomization.yaml": "resources:\n  - https://example.invalid/base?ref=v1\n"})
    [finding] = check_paths([str(tmp_path / "remote")], Settings()).findings
    assert finding.rule == "render-failed" and finding.line == 2
    assert "https://example.invalid/base?ref=v1" in finding.message and "renders offline" in finding.message


def findings_of(report, rule):
    return [f for f in report.findings if f.rule == rule]


def manifests_read(report) -> set[str]:
    return {obj.file for cluster in report.clusters for obj in cluster.objects}


@needs_kustomize
@pytest.mark.parametrize("patch_path", ["../../elsewhere/x.yaml", "{root}/elsewhere/x.yaml"])
def test_a_patch_outside_the_kustomization_fails_the_render_and_stays_checked(tmp_path, monkeypatch, patch_path):
    write(tmp_path, {**BASE, "elsewhere/x.yaml": PROD["overlays/prod/service-port.yaml"],
                     "overlays/bad/kustomization.yaml": "resources:\n  - ../../base\npatches:\n  - path: "
                                                        + patch_path.format(root=tmp_path) + "\n"})
    monkeypatch.chdir(tmp_path)
    report = check_paths(["."], Settings())
    [failed] = findings_of(report, "render-failed")
    assert (failed.file, failed.line) == ("overlays/bad/kustomization.yaml", 4)
    assert "is not in or below" in failed.message  # kustomize's load restrictor says why
    assert "./elsewhere/x.yaml" in manifests_read(report)  # read raw: a manifest is never dropped silently
    raw = check_paths(["."], Settings(render=False))
    assert "./elsewhere/x.yaml" in manifests_read(raw)


def test_without_a_kustomize_binary_each_root_warns_and_is_read_raw(overlays, monkeypatch):
    monkeypatch.setenv("PATH", str(overlays / "no-binaries"))
    report = check_paths(["."], Settings())
    warnings = findings_of(report, "kustomize-not-rendered")
    assert sorted(f.file for f in warnings) == ["overlays/prod/kustomization.yaml",
                                                "overlays/staging/kustomization.yaml"]
    assert "neither kustomize nor kubectl is on PATH" in warnings[0].message
    assert serious(report.findings) == warnings
    read = manifests_read(report)
    assert "./base/service.yaml" in read and "./overlays/prod/service-port.yaml" not in read  # patches skipped
    configured = check_paths(["."], Settings(kustomize_binary="/nowhere/kustomize"))
    assert "'/nowhere/kustomize' is not found" in findings_of(configured, "kustomize-not-rendered")[0].message


@needs_kustomize
def test_a_manifest_no_kustomization_lists_is_reported_once_and_not_checked(overlays):
    write(overlays, {
        "overlays/prod/forgotten.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n"
                                        "  selector: {app: nothing-has-this}\n  ports: [{port: 80}]\n",
        "overlays/prod/notes.yaml": "owner: team-web\n",  # not a manifest: skipped without a word
        "examples/app.yaml": BASE["base/service.yaml"],  # not a kustomization's directory: read raw
    })
    report = check_paths(["."], Settings())
    [unused] = findings_of(report, "kustomize-file-unused")
    assert (unused.file, unused.line, unused.severity) == ("./overlays/prod/forgotten.yaml", 1, "info")
    assert "overlays/prod/kustomization.yaml" in unused.hint
    assert "./examples/app.yaml" in manifests_read(report)
    assert not any(f.file.endswith("forgotten.yaml") for f in report.findings if f is not unused)
    skipped = {s.path: s.reason for inputs in report.inputs for s in inputs.skipped}
    assert "./overlays/prod/notes.yaml" in skipped and "./overlays/prod/service-port.yaml" in skipped


@needs_kustomize
def test_a_base_outside_the_checked_paths_is_read_and_said_so(overlays):
    report = check_paths(["overlays/prod"], Settings())
    [outside] = findings_of(report, "kustomize-outside-input")
    assert (outside.file, outside.line) == ("overlays/prod/kustomization.yaml", 8)
    assert "../../base" in outside.message and "outside the checked paths" in outside.message
    assert [f.file for f in serious(report.findings)] == ["overlays/prod/service-port.yaml"]


@needs_kustomize
def test_components_are_applied_where_they_are_listed_and_never_rendered_alone(tmp_path, monkeypatch):
    write(tmp_path, {**BASE,
                     "components/metrics/kustomization.yaml": """\
                         apiVersion: kustomize.config.k8s.io/v1alpha1
                         kind: Component
                         patches:
                           - path: port.yaml
                         """,
                     "components/metrics/port.yaml": """\
                         apiVersion: v1
                         kind: Service
                         metadata:
                           name: web
                         spec:
                           ports:
                             - name: metrics
                               port: 9090
                               targetPort: metrics
                         """,
                     "components/unused/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\n"
                                                             "kind: Component\n",
                     "app/kustomization.yaml": "resources:\n  - ../base\ncomponents:\n  - ../components/metrics\n"})
    monkeypatch.chdir(tmp_path)
    report = check_paths(["."], Settings())
    assert [root.shown for inputs in report.inputs for root in inputs.roots] == ["app"]
    [finding] = serious(report.findings)  # the component's port names a container port nobody declares
    assert (finding.rule, finding.file, finding.rendered_from) == ("service-target-port-name-unresolved",
                                                                   "components/metrics/port.yaml", "app")
    assert finding.line == 9
    [unused] = findings_of(report, "kustomize-file-unused")
    assert unused.file == "./components/unused/kustomization.yaml" and "included by no kustomization" in unused.message


@needs_kustomize
@pytest.mark.parametrize("overlay", ["overlays/prod", "overlays/staging"])
def test_direct_check_agrees_with_piping_kubectl_kustomize(overlays, overlay):
    """`portlint check DIR` and `kubectl kustomize DIR | portlint check -`: the same rules on the same objects."""
    assert_direct_equals_piped(overlays, overlay)


def assert_direct_equals_piped(cwd: Path, directory: str) -> None:
    command = [KUSTOMIZE, "build" if KUSTOMIZE.endswith("kustomize") else "kustomize", directory]
    text = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True).stdout
    piped = json.loads(portlint("check", "-", "--format", "json", cwd=cwd, stdin=text).stdout)
    direct = json.loads(portlint("check", directory, "--format", "json", cwd=cwd).stdout)

    def seen(data):
        return sorted((f["rule"], json.dumps(f["object"], sort_keys=True)) for f in data["findings"]
                      if f["rule"] not in RENDER_RULES)

    assert seen(direct) == seen(piped)
    assert direct["summary"]["objects"] == piped["summary"]["objects"] > 0


@needs_kustomize
def test_stdin_filename_names_what_was_piped(overlays):
    text = subprocess.run([KUSTOMIZE, "build" if KUSTOMIZE.endswith("kustomize") else "kustomize", "overlays/prod"],
                          cwd=overlays, capture_output=True, text=True, check=True).stdout
    result = portlint("check", "-", "--stdin-filename", "prod.yaml", "--format", "json", cwd=overlays, stdin=text)
    findings = json.loads(result.stdout)["findings"]
    assert findings and {f["file"] for f in findings} == {"prod.yaml"}


@needs_kustomize
def test_suppressions_in_the_source_files_silence_rendered_findings(overlays):
    patch = overlays / "overlays/prod/service-port.yaml"
    patch.write_text(patch.read_text().replace(
        "targetPort: web", "targetPort: web  # portlint: ignore[service-target-port-name-unresolved] rollout"))
    report = check_paths(["."], Settings())
    assert serious(report.findings) == []
    [(finding, suppression)] = report.suppressed
    assert (suppression.file, suppression.line) == ("overlays/prod/service-port.yaml", finding.line)
    # an annotation on the base object silences the rendered object's finding in every overlay
    write(overlays, {"overlays/prod/service-port.yaml": PROD["overlays/prod/service-port.yaml"]})
    service = overlays / "base/service.yaml"
    service.write_text(service.read_text().replace(
        "  name: web\n", "  name: web\n  annotations:\n    portlint.dev/ignore: service-target-port-name-unresolved\n"))
    report = check_paths(["."], Settings())
    assert serious(report.findings) == []
    unused = findings_of(report, "suppression-unused")  # the staging copy silences nothing, and says so, in base
    assert [(f.file, f.line, f.rendered_from) for f in unused] == [("base/service.yaml", 6, "overlays/staging")]


@needs_kustomize
def test_rendering_can_be_turned_off_and_the_binary_chosen(overlays):
    off = json.loads(portlint("check", ".", "--no-render", "--format", "json", cwd=overlays).stdout)
    assert not any("rendered_from" in f for f in off["findings"])
    (overlays / ".portlint.yaml").write_text("render: false\n")
    assert json.loads(portlint("check", ".", "--format", "json", cwd=overlays).stdout) == off
    on = json.loads(portlint("check", ".", "--render", "--kustomize-binary", KUSTOMIZE, "--format", "json",
                             cwd=overlays).stdout)
    assert [f["rendered_from"] for f in on["findings"]] == ["overlays/prod"]
    (overlays / ".portlint.yaml").write_text("kustomize: {binary: /nowhere/kustomize}\n")
    missing = json.loads(portlint("check", ".", "--format", "json", cwd=overlays).stdout)
    assert {f["rule"] for f in missing["findings"]} == {"kustomize-not-rendered"}


@needs_kustomize
def test_each_root_is_built_once_per_run(overlays):
    builder = kustomize.Builder(kustomize.command())
    directory = str(overlays / "overlays/prod")
    first = builder.build_all([directory, directory])
    assert list(first) == [directory] and first[directory].text
    assert builder.build_all([directory])[directory] is first[directory]


def test_kubectl_log_decoration_is_removed_from_kustomizes_message():
    stderr = ('E1201 22:26:40.334674   11873 run.go:72] "command failed" err=<\n'
              "\taccumulating resources: accumulation err='accumulating resources from '../x': "
              "'/r/x' must resolve to a file': recursed accumulation of path '/r/x': loading KV pairs: "
              "env source files: [.env]: evalsymlink failure on '/r/x/.env' : lstat /r/x/.env: no such file\n >\n")
    assert kustomize.clean_message(stderr, "/r/x", "/tmp/w") == (
        "loading KV pairs: env source files: [.env]: evalsymlink failure on '/r/x/.env' : lstat /r/x/.env: "
        "no such file")
    assert kustomize.clean_message("Error: must build at directory\n", "/r/x", "/tmp/w") == \
        "must build at directory"


CORPUS = ROOT.parent / "shared" / "corpus" / "kustomize"
# Every finding of the shared kustomize corpus, checked rendered (one cluster per repository), each read
# in its source file: (rule, file, line, rendered from)
CORPUS_FINDINGS = [
    ("render-failed", "Azure-Samples__aks-store-demo/kustomize/overlays/azd/ai-service/kustomization.yaml", 9, None),
    ("render-failed", "Azure-Samples__aks-store-demo/kustomize/overlays/azd/makeline-service/kustomization.yaml", 9,
     None),
    ("render-failed", "Azure-Samples__aks-store-demo/kustomize/overlays/azd/order-service/kustomization.yaml", 9,
     None),
    ("render-failed", "BuoyantIO__emojivoto/kustomize/statefulset/kustomization.yml", 1, None),
    ("kustomize-file-unused", "GoogleCloudPlatform__microservices-demo/kubernetes-manifests/loadgenerator.yaml", 14,
     None),
    *[("kustomize-file-unused", f"GoogleCloudPlatform__microservices-demo/kustomize/components/{c}/kustomization.yaml",
       15, None) for c in ("alloydb", "container-images-registry", "container-images-tag-suffix",
                           "container-images-tag", "custom-base-url", "non-public-frontend", "shopping-assistant",
                           "single-shared-session", "without-loadgenerator")],
    # StatefulSets whose serviceName is a ClusterIP Service, not a headless one: each overlay renders the base
    *[("statefulset-service-missing", f"Azure-Samples__aks-store-demo/kustomize/base/{name}.yaml", line,
       f"Azure-Samples__aks-store-demo/kustomize/overlays/{overlay}")
      for name, line in (("documentdb", 6), ("rabbitmq", 7)) for overlay in ("dev", "kaito")],
    *[("container-port-undeclared",
       "GoogleCloudPlatform__microservices-demo/kustomize/components/google-cloud-operations/otel-collector.yaml", 96,
       f"GoogleCloudPlatform__microservices-demo/kustomize/tests/{t}-with-all-components")
      for t in ("memorystore", "service-mesh-istio", "spanner")],
    # Online Boutique's test roots combine the network-policies component with google-cloud-operations: its
    # deny-all isolates the OpenTelemetry collector, and no policy admits 4317, so no service can export to it
    *[("service-blocked-by-networkpolicy",
       "GoogleCloudPlatform__microservices-demo/kustomize/components/network-policies/network-policy-deny-all.yaml", 21,
       f"GoogleCloudPlatform__microservices-demo/kustomize/tests/{t}-with-all-components")
      for t in ("memorystore", "service-mesh-istio", "spanner")],
    # ... and with memorystore or spanner, which delete the redis-cart Deployment: its policy selects no pod
    *[("networkpolicy-selects-nothing",
       "GoogleCloudPlatform__microservices-demo/kustomize/components/network-policies/network-policy-redis.yaml", 20,
       f"GoogleCloudPlatform__microservices-demo/kustomize/tests/{t}-with-all-components")
      for t in ("memorystore", "spanner")],
]


@pytest.fixture(scope="module")
def corpus_report():
    if not CORPUS.is_dir():
        pytest.skip("the shared kustomize corpus (../shared/corpus/kustomize) is not present")
    if KUSTOMIZE is None:
        pytest.skip("neither kustomize nor kubectl is installed")
    repositories = sorted(str(p) for p in CORPUS.iterdir() if p.is_dir())
    return check_paths(repositories, Settings(cluster_per_path=True))


def corpus_relative(path: str) -> str:
    return path.split("corpus/kustomize/", 1)[-1]


def test_the_kustomize_corpus_is_checked_rendered_and_its_findings_are_pinned(corpus_report):
    found = sorted((f.rule, corpus_relative(f.file), f.line,
                    corpus_relative(f.rendered_from) if f.rendered_from else None) for f in corpus_report.findings)
    assert found == sorted(CORPUS_FINDINGS)


def test_in_the_corpus_components_are_never_roots_and_env_overlays_fail(corpus_report):
    roots = [root for inputs in corpus_report.inputs for root in inputs.roots]
    assert roots and not any(root.kustomization.is_component for root in roots)
    statuses = {corpus_relative(root.shown): root.status for root in roots}
    assert sum(status == "rendered" for status in statuses.values()) == 17
    for service in ("ai-service", "makeline-service", "order-service"):
        assert statuses[f"Azure-Samples__aks-store-demo/kustomize/overlays/azd/{service}"] == "failed"
    env = [f for f in findings_of(corpus_report, "render-failed") if "/azd/" in f.file]
    assert len(env) == 3 and all("env source files: [.env]" in f.message for f in env)


@pytest.mark.skipif(not CORPUS.is_dir() or KUSTOMIZE is None, reason="needs the kustomize corpus and kubectl")
def test_the_corpus_direct_check_agrees_with_piping_kubectl_kustomize():
    assert_direct_equals_piped(CORPUS / "stefanprodan__podinfo", "deploy/overlays/dev")


def plan_of(directory: Path, render_on: bool) -> render.Inputs:
    files, _ = discovery.discover([str(directory)])
    return render.Session(render=render_on).plan(files, [str(directory)])


def test_read_raw_the_patches_are_skipped_and_a_patch_outside_the_kustomization_is_not(tmp_path):
    overlay = write(tmp_path, {
        "overlays/prod/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                                            "resources: [../../base]\npatches:\n  - path: replicas.yaml\n"
                                            "  - patch: |-\n      - op: replace\n"
                                            "patchesStrategicMerge: [../shared/resources.yaml]\n",
        "overlays/prod/replicas.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
                                       "spec: {replicas: 5}\n",
        "overlays/shared/resources.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n",
        "overlays/prod/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n",
    })
    inputs = plan_of(overlay, render_on=False)
    # kustomize refuses a patch outside the kustomization's directory, so that file is not the build's fragment
    assert sorted(os.path.basename(f) for f in inputs.raw_files) == ["kustomization.yaml", "resources.yaml"]
    reasons = {os.path.basename(s.path): s.reason for s in inputs.skipped}
    assert reasons == {"replicas.yaml": "applied as a kustomize patch",
                       "configmap.yaml": "in a kustomization's directory, listed by none"}
    [unused] = inputs.findings
    assert unused.rule == "kustomize-file-unused" and unused.file.endswith("configmap.yaml")


@needs_kustomize
def test_a_directory_whose_kustomization_file_is_named_Kustomization_is_a_root(tmp_path):
    write(tmp_path, {**BASE, "app/Kustomization": "resources:\n  - ../base\nnamePrefix: app-\n"})
    inputs = plan_of(tmp_path, render_on=True)
    assert [os.path.basename(root.shown) for root in inputs.roots] == ["app"]
    report = check_paths([str(tmp_path)], Settings())
    assert {obj.name for cluster in report.clusters for obj in cluster.objects} == {"app-web"}


HELM = ROOT / "tests" / "data" / "helm"


def test_helm_template_output_names_the_template_of_each_finding(tmp_path):
    report = check_paths([str(HELM / "template.yaml")], Settings())
    selectors = findings_of(report, "service-selector-no-match")
    assert [(f.object.name, f.line, f.rendered_from) for f in selectors] == [
        ("subcharta", 46, "subchart/charts/subcharta/templates/service.yaml"),
        ("subchartb", 63, "subchart/charts/subchartb/templates/service.yaml"),
        ("subchart", 84, "subchart/templates/service.yaml")]
    assert all(f.file == str(HELM / "template.yaml") for f in report.findings)
    names = {f.object.name: f.rendered_from for f in findings_of(report, "object-name-invalid")}
    assert names == {"RELEASE-NAME-testconfig": "subchart/templates/tests/test-config.yaml",
                     "RELEASE-NAME-test": "subchart/templates/tests/test-nothing.yaml"}


def test_helm_template_output_on_stdin_keeps_its_lines_and_templates():
    text = (HELM / "template.yaml").read_text()
    result = portlint("check", "-", "--stdin-filename", "release.yaml", cwd=ROOT, stdin=text)
    assert result.returncode == 1
    assert "release.yaml\n  46:3  error   service-selector-no-match" in result.stdout
    assert "(rendered from subchart/charts/subcharta/templates/service.yaml)" in result.stdout
    data = json.loads(portlint("check", "-", "--format", "json", cwd=ROOT, stdin=text).stdout)
    assert {f["file"] for f in data["findings"]} == {"<stdin>"}
    assert {f["rendered_from"] for f in data["findings"]} >= {"subchart/templates/service.yaml"}


def test_a_chart_without_helm_gets_one_warning_and_nothing_from_its_files(tmp_path, monkeypatch):
    chart = tmp_path / "charts" / "subchart"
    shutil.copytree(HELM / "subchart", chart)
    (chart / "values-prod.yaml").write_text("service:\n  type: NodePort\n")
    write(tmp_path, {"deploy/service.yaml": BASE["base/service.yaml"], "deploy/deployment.yaml":
                     BASE["base/deployment.yaml"]})
    monkeypatch.setenv("PATH", str(tmp_path / "no-binaries"))
    report = check_paths([str(tmp_path)], Settings())
    [warning] = report.findings
    assert (warning.rule, warning.severity, warning.file, warning.line) == (
        "helm-not-rendered", "warning", str(chart / "Chart.yaml"), 1)
    assert "Helm chart subchart is not rendered (helm is not on PATH)" in warning.message
    assert manifests_read(report) == {str(tmp_path / "deploy/service.yaml"), str(tmp_path / "deploy/deployment.yaml")}
    skipped = {Path(s.path).relative_to(chart).as_posix() for i in report.inputs for s in i.skipped}
    assert skipped == {"Chart.yaml", "values.yaml", "values-prod.yaml", "templates/service.yaml",
                       "templates/tests/test-config.yaml", "templates/tests/test-nothing.yaml"}


def test_a_rendered_chart_points_each_finding_at_its_template_line():
    """The mapping a chart directory gets once `helm template` rendered it, here on Helm's recorded output of
    this chart (no helm here): the field's key looked up in the template file."""
    chart = render.Chart(str(HELM / "subchart"), "tests/data/helm/subchart", False, "subchart")
    output = render.ChartOutput(chart, (HELM / "template.yaml").read_text())
    output.attach(loader.load_text(output.text, output.name).documents)
    service = next(d for d in output.documents if d.data["metadata"]["name"] == "subchart")
    template = HELM / "subchart" / "templates" / "service.yaml"
    for field_path, text in [("spec.selector", "  selector:"), ("spec.ports[0].targetPort", "targetPort:"),
                             ("metadata.name", "  name:")]:
        file, line, _column = output.template_location(service, field_path)
        assert (file, line) == (str(template), line_of(template, text)), field_path


@pytest.mark.skipif(shutil.which("helm") is None, reason="helm is not installed on this machine (CI has none either)")
def test_a_chart_directory_is_rendered_with_helm(tmp_path):
    write(tmp_path, {
        "web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "web/values.yaml": "port: 80\n",
        "web/templates/service.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n"
                                      "spec:\n  selector:\n    app: web\n  ports:\n    - port: {{ .Values.port }}\n"
                                      "      targetPort: http\n",
        "web/templates/deployment.yaml": BASE["base/deployment.yaml"].replace("name: http", "name: web"),
    })
    [finding] = serious(check_paths([str(tmp_path)], Settings()).findings)
    assert finding.rule == "service-target-port-name-unresolved"
    assert (finding.file, finding.line, finding.rendered_from) == (
        str(tmp_path / "web/templates/service.yaml"), 10, str(tmp_path / "web"))


@needs_kustomize
def test_the_readme_shows_the_real_output_on_the_kustomize_example():
    result = portlint("check", "examples/kustomize", cwd=ROOT)
    assert result.returncode == 1
    assert f"```\n{result.stdout}```" in (ROOT / "README.md").read_text()
    helm = portlint("check", "-", "--stdin-filename", "shop.yaml", cwd=ROOT,
                    stdin=(HELM / "template.yaml").read_text())
    first = helm.stdout.splitlines()[:2]
    assert "\n".join(first) in (ROOT / "README.md").read_text()


@needs_kustomize
def test_a_selector_a_patch_rewrote_points_at_the_patch_and_messages_name_sources(tmp_path, monkeypatch):
    write(tmp_path, {**BASE,
                     "app/old-api.yaml": "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n"
                                          "  name: web\nspec:\n  template:\n    spec:\n"
                                          "      containers: [{name: web, image: nginx}]\n",
                     "app/kustomization.yaml": "resources:\n  - ../base\n  - old-api.yaml\npatches:\n"
                                               "  - path: selector.yaml\n",
                     "app/selector.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n"
                                          "  selector:\n    app: web-v2\n"})
    monkeypatch.chdir(tmp_path)
    report = check_paths(["app"], Settings(select=["service-selector-no-match", "duplicate-object"]))
    [selector] = findings_of(report, "service-selector-no-match")
    assert (selector.file, selector.line) == ("app/selector.yaml", 6)
    duplicates = findings_of(report, "duplicate-object")
    assert duplicates and all("app:" not in f.message for f in duplicates)  # no place in the rendered text
    assert any("base/deployment.yaml:1" in f.message or "app/old-api.yaml:1" in f.message for f in duplicates)


def test_a_template_named_on_its_own_is_a_chart_source_not_a_broken_manifest(tmp_path, monkeypatch):
    shutil.copytree(HELM / "subchart", tmp_path / "subchart")
    monkeypatch.setenv("PATH", str(tmp_path / "no-binaries"))
    monkeypatch.chdir(tmp_path)
    report = check_paths(["subchart/templates/service.yaml"], Settings())
    assert [(f.rule, f.file) for f in report.findings] == [("helm-not-rendered", "subchart/Chart.yaml")]


@needs_kustomize
def test_replicas_images_replacements_annotations_and_transformer_files_point_at_their_lines(tmp_path, monkeypatch):
    write(tmp_path, {**BASE,
                     "app/kustomization.yaml": """\
                         resources:
                           - ../base
                         commonAnnotations:
                           team: web
                         replicas:
                           - name: web
                             count: 4
                         images:
                           - name: nginx
                             newName: registry.example/nginx
                             newTag: "1.27"
                         replacements:
                           - source:
                               kind: Deployment
                               fieldPath: metadata.name
                             targets:
                               - select:
                                   kind: Service
                                 fieldPaths:
                                   - spec.selector.app
                         transformers:
                           - labels.yaml
                         """,
                     "app/labels.yaml": """\
                         apiVersion: builtin
                         kind: LabelTransformer
                         metadata:
                           name: labels
                         labels:
                           tier: frontend
                         fieldSpecs:
                           - path: metadata/labels
                             create: true
                         """})
    monkeypatch.chdir(tmp_path)
    app = rendered_outputs(["app"])["app"]
    deployment, service = document(app, "Deployment"), document(app, "Service")
    kustomization = tmp_path / "app/kustomization.yaml"
    expected = {
        (deployment, "spec.replicas"): ("app/kustomization.yaml", line_of(kustomization, "count: 4")),
        (deployment, "spec.template.spec.containers[0].image"): ("app/kustomization.yaml",
                                                                 line_of(kustomization, "- name: nginx")),
        (deployment, "metadata.annotations.team"): ("app/kustomization.yaml", line_of(kustomization, "team: web")),
        (service, "spec.selector.app"): ("app/kustomization.yaml", line_of(kustomization, "- spec.selector.app")),
        (deployment, "metadata.labels.tier"): ("app/labels.yaml", 6),
        (deployment, "metadata.labels.app"): ("base/deployment.yaml", 6),
    }
    for (rendered, field_path), (file, line) in expected.items():
        at = app.locate(rendered, field_path)
        assert (os.path.relpath(at.file), at.line) == (file, line), field_path


@needs_kustomize
def test_junit_names_rendered_objects_by_their_source_file(overlays):
    import xml.etree.ElementTree as ET

    result = portlint("check", ".", "--format", "junit", cwd=overlays)
    cases = {(case.get("classname"), case.get("name")): case for case in ET.fromstring(result.stdout).iter("testcase")}
    assert not any(classname.startswith("overlays/") and not classname.endswith(".yaml") for classname, _ in cases)
    failing = [key for key, case in cases.items() if case.find("failure") is not None]
    assert failing == [("overlays/prod/service-port.yaml", "Service prod/prod-web: service-target-port-name-unresolved")]
    assert not any(name == "Service prod/prod-web" for _classname, name in cases)  # no passing twin
    assert ("base/service.yaml", "Service staging/staging-web") in cases


def test_only_files_with_source_comments_are_read_again_for_template_names(tmp_path, monkeypatch):
    from portlint.render import helm

    (tmp_path / "plain.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n"
                                         "  selector: {app: none}\n  ports: [{port: 80}]\n")
    shutil.copy(HELM / "template.yaml", tmp_path / "release.yaml")
    indexed = []
    real = helm.index_of
    monkeypatch.setattr(helm, "index_of", lambda source: indexed.append(source.path) or real(source))
    report = check_paths([str(tmp_path)], Settings())
    assert {f.file for f in report.findings} == {str(tmp_path / "plain.yaml"), str(tmp_path / "release.yaml")}
    assert set(indexed) == {str(tmp_path / "release.yaml")}
    assert [s.helm_sources for s in map(report.sources.get, sorted(report.sources))] == [False, True]
    assert any(f.rendered_from for f in report.findings if f.file.endswith("release.yaml"))
