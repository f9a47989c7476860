"""The re-checks of --fix and --diff (portlint/recheck.py) reuse what the changed files cannot affect: the
report a fix session ends with must be, finding for finding, what a fresh check of the fixed files gives."""

import dataclasses
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT
from portlint import builder
from portlint.units import infer as units_infer
from portlint.fixes.apply import fix_report
from portlint.recheck import Rechecks
from portlint.run import check_paths
from portlint.settings import Settings


def write(root, files: dict) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def deployment(name: str, app: str, probe: str = "http", api: str = "apps/v1") -> str:
    return f"""\
        apiVersion: {api}
        kind: Deployment
        metadata: {{name: {name}, labels: {{app: {app}}}}}
        spec:
          selector: {{matchLabels: {{app: {app}}}}}
          template:
            metadata: {{labels: {{app: {app}}}}}
            spec:
              containers:
                - name: c
                  image: x
                  ports: [{{name: http, containerPort: 8080}}]
                  readinessProbe: {{httpGet: {{path: /, port: {probe}}}}}
        """


def service(name: str, selector: str, target: str = "http") -> str:
    return f"""\
        apiVersion: v1
        kind: Service
        metadata: {{name: {name}}}
        spec:
          selector: {{app: {selector}}}
          ports: [{{name: http, port: 80, targetPort: {target}}}]
        """


CRD = """\
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata: {name: widgets.example.com}
    spec:
      group: example.com
      scope: Cluster
      names: {kind: Widget, plural: widgets}
      versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
    """


OLD_DEPLOYMENT = """\
apiVersion: apps/v1beta1
kind: Deployment
metadata: {name: old}
spec:
  template:
    metadata: {labels: {app: old}}
    spec: {containers: [{name: c, image: x}]}
"""


def copy_of(tmp_path, *parts):
    target = tmp_path / "tree"
    shutil.copytree(ROOT.joinpath(*parts), target)
    return target


def units_tree(tmp_path):
    """Apply units that hold across directories, an alternative, and a Service whose Deployment alone is
    fixed (its backends must be the new Deployment, with its new lines)."""
    root = tmp_path / "tree"
    write(root, {
        "shared/web-svc.yaml": service("web", "web"),
        "apps/web/deployment.yaml": deployment("web", "web", probe="htpp", api="apps/v1beta2"),
        "apps/api/service.yaml": service("api", "API", target="htp"),
        "apps/api/deployment.yaml": deployment("api", "api"),
        "apps/api/variant.yaml": service("api", "api", target="htp"),
        # the migration (with --unsafe-fixes) adds lines above the second Deployment, which the Service selects
        "shop/workloads.yaml": OLD_DEPLOYMENT + "---\n" + textwrap.dedent(deployment("shop", "shop", probe="htpp")),
        "shop/service.yaml": """\
            apiVersion: v1
            kind: Service
            metadata: {name: shop}
            spec:
              selector: {app: shop}
              ports: [{name: http, port: 80, targetPort: 9090}]
            """,
    })
    return root


def crd_tree(tmp_path):
    """A fix in a file that defines a CustomResourceDefinition (scope: Cluster) of a kind used elsewhere."""
    root = tmp_path / "tree"
    write(root, {
        "crds/widgets.yaml": textwrap.dedent(CRD) + "---\n" + textwrap.dedent(service("widget", "widget", target="htp")),
        "crds/widget.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: x}\n",
        "crds/deployment.yaml": deployment("widget", "widget", probe="htpp"),
    })
    return root


def generated_tree(tmp_path):
    """benchmarks/: a generated tree with fixable mistakes of four kinds (an apps/v1beta2 migration among
    them), its generator's own faults, and the findings the fixes reveal."""
    tree, fixable = tmp_path / "generated", tmp_path / "tree"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(tree), "--objects", "400",
                    "--layout", "grow", "--seed", "3"], check=True, capture_output=True)
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "fixable.py"), str(tree), str(fixable),
                    "--count", "24"], check=True, capture_output=True)
    return fixable


TREES = {
    "examples/broken (a fix reveals another)": lambda tmp_path: copy_of(tmp_path, "examples", "broken"),
    "examples/legacy (API migrations that change the group)": lambda tmp_path: copy_of(tmp_path, "examples", "legacy"),
    "examples/gateway/broken": lambda tmp_path: copy_of(tmp_path, "examples", "gateway", "broken"),
    "apply units": units_tree,
    "a CustomResourceDefinition": crd_tree,
    "generated": generated_tree,
}


def everything(findings) -> list[dict]:
    """Each finding whole: rule, file, line, column, field, message, hint, object, related, severity, fix."""
    return [dataclasses.asdict(finding) for finding in findings]


@pytest.mark.parametrize("unsafe", [False, True])
@pytest.mark.parametrize("make", TREES.values(), ids=TREES.keys())
def test_the_report_a_fix_session_ends_with_is_a_fresh_check_of_the_fixed_files(tmp_path, make, unsafe):
    root = make(tmp_path)
    settings = Settings()
    result = fix_report(check_paths([str(root)], settings), settings, [str(root)], unsafe=unsafe)
    assert result.fixed, "the tree has nothing to fix: it tests nothing"
    for change in result.changes.values():
        with open(change.path, "w", encoding="utf-8") as handle:
            handle.write(change.text)
    fresh = check_paths([str(root)], settings)
    assert everything(result.report.findings) == everything(fresh.findings)
    assert [(f.rule, f.file, f.line) for f, _why in result.report.suppressed] == \
        [(f.rule, f.file, f.line) for f, _why in fresh.suppressed]
    assert (result.report.files, result.report.objects) == (fresh.files, fresh.objects)
    assert [c.units.units for c in result.report.clusters] == [c.units.units for c in fresh.clusters]


def test_the_objects_of_unchanged_documents_are_reused_and_those_of_changed_ones_built_again(tmp_path):
    root = copy_of(tmp_path, "examples", "broken")
    settings = Settings()
    report = check_paths([str(root)], settings)
    before = {obj.file: obj for obj in report.clusters[0].objects}
    changed = str(root / "service.yaml")
    text = (root / "service.yaml").read_text().replace("targetPort", "targetPort ", 1)
    after = {obj.file: obj for obj in Rechecks(report).check({changed: text}, settings).clusters[0].objects}
    assert after.keys() == before.keys()
    assert [f for f in after if after[f] is before[f]] == [f for f in after if f != changed]


def test_a_changed_file_that_defines_a_crd_builds_every_object_again(tmp_path):
    root = crd_tree(tmp_path)
    settings = Settings()
    report = check_paths([str(root)], settings)
    before = set(map(id, report.clusters[0].objects))
    path = root / "crds" / "widgets.yaml"
    rechecks = Rechecks(report)
    after = rechecks.check({str(path): path.read_text().replace("scope: Cluster", "scope: Namespaced")}, settings)
    assert not before & set(map(id, after.clusters[0].objects))
    widget = next(o for o in after.clusters[0].objects if o.ref.kind == "Widget")
    assert widget.ref.namespace == "x"  # no longer cluster-scoped


def test_built_objects_line_up_with_the_documents_they_were_built_from(tmp_path):
    root = units_tree(tmp_path)
    report = check_paths([str(root)], Settings())
    built = builder.built_objects(report.loads[0].documents, report.clusters[0])
    assert [obj for _document, obj in built.values()] == report.clusters[0].objects
    assert all(obj.source is document.source for document, obj in built.values())
    assert builder.built_objects(report.loads[0].documents[1:], report.clusters[0]) == {}


def stateful_set(service_name: str) -> str:
    text = textwrap.dedent(deployment("db", "db")).replace("kind: Deployment", "kind: StatefulSet")
    return text.replace("spec:\n", f"spec:\n  serviceName: {service_name}\n", 1)


CONFIG = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: %s}\n"
# (the files, the one changed, its new text): each change alters what apply-unit inference reads
UNIT_CHANGES = {
    "a selector that now picks pods in a subdirectory": (
        {"a/service.yaml": service("web", "none"), "a/sub/deployment.yaml": deployment("web", "web")},
        "a/service.yaml", service("web", "web")),
    "a selector that no longer picks them": (
        {"a/service.yaml": service("web", "web"), "a/sub/deployment.yaml": deployment("web", "web")},
        "a/service.yaml", service("web", "none")),
    "pod labels that a Service elsewhere selects": (
        {"a/service.yaml": service("web", "web"), "a/sub/deployment.yaml": deployment("web", "api")},
        "a/sub/deployment.yaml", deployment("web", "web")),
    "alternatives defined identically, then differently": (
        {"c/one.yaml": CONFIG % "a", "c/two.yaml": CONFIG % "a", "c/deployment.yaml": deployment("web", "web")},
        "c/two.yaml", CONFIG % "b"),
    "a file that now redefines an object of its directory": (
        {"c/one.yaml": CONFIG % "a", "c/two.yaml": CONFIG.replace("settings", "other") % "a"},
        "c/two.yaml", CONFIG % "a"),
    "a selector that now picks pods of another alternative in its directory": (
        {"c/one.yaml": CONFIG % "a" + "---\n" + textwrap.dedent(service("web", "x")), "c/two.yaml": CONFIG % "b",
         "c/three.yaml": CONFIG.replace("settings", "other") % "a" + "---\n" + textwrap.dedent(deployment("web", "web")),
         "c/four.yaml": CONFIG.replace("settings", "other") % "b"},
        "c/one.yaml", CONFIG % "a" + "---\n" + textwrap.dedent(service("web", "web"))),
    "a StatefulSet's Service": (
        {"d/service.yaml": service("db", "zzz"), "d/sub/db.yaml": stateful_set("nothing")},
        "d/sub/db.yaml", stateful_set("db")),
}


@pytest.mark.parametrize("files, path, text", UNIT_CHANGES.values(), ids=UNIT_CHANGES.keys())
def test_a_change_to_what_units_are_inferred_from_infers_them_again(tmp_path, files, path, text):
    root = tmp_path / "tree"
    write(root, files)
    settings = Settings()
    report = check_paths([str(root)], settings)
    rechecked = Rechecks(report).check({str(root / path): textwrap.dedent(text)}, settings)
    write(root, {path: text})
    fresh = check_paths([str(root)], settings)
    assert [c.units.units for c in rechecked.clusters] == [c.units.units for c in fresh.clusters]
    assert report.clusters[0].units.units != fresh.clusters[0].units.units, "the change changes no unit"
    assert everything(rechecked.findings) == everything(fresh.findings)


def test_units_are_reused_when_the_changed_files_give_inference_the_same(tmp_path, monkeypatch):
    root = units_tree(tmp_path)
    settings = Settings()
    report = check_paths([str(root)], settings)
    path = root / "apps" / "web" / "deployment.yaml"  # its probe's port: nothing inference reads
    inferred = []
    monkeypatch.setattr("portlint.units.infer", lambda *args: inferred.append(args) or units_infer(*args))
    rechecked = Rechecks(report).check({str(path): path.read_text().replace("htpp", "http")}, settings)
    assert inferred == [] and rechecked.clusters[0].units is report.clusters[0].units


def object_rule_inputs(corpus):
    """Every input the object rules are checked on: the corpus, the examples, the hostile manifests, and
    generated trees with every fault of benchmarks/generate.py."""
    yield [str(p) for p in sorted(corpus.iterdir()) if p.is_dir()]
    yield [str(ROOT / "examples"), str(ROOT / "tests" / "hostile")]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    tree = tmp_path_factory.mktemp("generated") / "tree"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(tree), "--objects", "1500",
                    "--seed", "11"], check=True, capture_output=True)
    return tree


def test_object_rules_judge_each_object_by_itself(corpus, generated):
    """The rules of `scope: object` (recheck.object_rules): on each input, a rule's findings in a file are exactly those it gives on a
    cluster of that file's objects alone, and it reports nothing outside its objects' files."""
    from portlint import engine
    from portlint.recheck import _cluster_of, object_rules

    settings = Settings()
    reported = set()
    for paths in [*object_rule_inputs(corpus), [str(generated)]]:
        for cluster in check_paths(paths, Settings(cluster_per_path=True)).clusters:
            by_file: dict = {}
            for obj in cluster.objects:
                by_file.setdefault(obj.file, []).append(obj)
            for rule_id in sorted(object_rules()):
                whole = engine.run_check(rule_id, cluster, settings)
                reported |= {rule_id} if whole else set()
                assert {f.file for f in whole} <= by_file.keys(), rule_id
                for file, objects in by_file.items():
                    alone = engine.run_check(rule_id, _cluster_of(objects), settings)
                    assert everything(alone) == everything(f for f in whole if f.file == file), (rule_id, file)
    assert len(reported) >= len(object_rules()) // 2, f"only {sorted(reported)} report anything: the test is weak"


def test_a_selector_that_stays_inside_its_directory_keeps_the_units(tmp_path, monkeypatch):
    """examples/broken: the Service's selector fix picks the Deployment beside it, in a directory that is
    one unit: nothing attaches, and the units of the previous check are the answer."""
    root = copy_of(tmp_path, "examples", "broken")
    settings = Settings()
    report = check_paths([str(root)], settings)
    path = root / "service.yaml"
    text = path.read_text()
    fixed = fix_report(report, settings, [str(root)]).changes[str(path)].text
    assert text != fixed
    inferred = []
    monkeypatch.setattr("portlint.units.infer", lambda *args: inferred.append(args) or units_infer(*args))
    rechecked = Rechecks(report).check({str(path): fixed}, settings)
    assert inferred == [] and rechecked.clusters[0].units is report.clusters[0].units
    path.write_text(fixed)
    assert rechecked.clusters[0].units.units == check_paths([str(root)], settings).clusters[0].units.units


def test_object_keys_are_those_of_a_fresh_check_and_only_changed_files_are_keyed_again(tmp_path):
    from portlint.model.units import object_key

    write(tmp_path, {"web.yaml": service("web", "web"), "db.yaml": service("db", "db")})
    settings = Settings(rechecks=True)
    report = check_paths([str(tmp_path)], settings)
    before = dict(zip(map(id, report.clusters[0].objects), report.clusters[0].object_keys()))
    changed = str(tmp_path / "db.yaml")  # now defines Service db twice
    after = Rechecks(report).check({changed: textwrap.dedent(service("db", "db")) + "---\n" + textwrap.dedent(service("db", "db", "8080"))}, settings)
    cluster = after.clusters[0]
    keys = cluster.object_keys()
    assert keys == [object_key(obj, cluster.scoped_kinds()) for obj in cluster.objects]
    assert [key is before.get(id(obj)) for obj, key in zip(cluster.objects, keys)] == \
        [obj.file != changed for obj in cluster.objects]
    assert [f.file for f in after.findings if f.rule == "duplicate-object"] == [changed]


def test_the_pod_index_is_taken_over_only_while_the_workloads_are_the_same_objects(tmp_path):
    write(tmp_path, {"web.yaml": deployment("web", "web"), "svc.yaml": service("web", "web")})
    settings = Settings(rechecks=True)
    report = check_paths([str(tmp_path)], settings)
    before = report.clusters[0].pods
    rechecks = Rechecks(report)
    texts = {str(tmp_path / "svc.yaml"): textwrap.dedent(service("web", "webb"))}
    after = rechecks.check(texts, settings)
    assert after.clusters[0].pods is before  # only the Service changed
    assert [f.rule for f in after.findings if f.rule == "service-selector-no-match"] == ["service-selector-no-match"]
    texts[str(tmp_path / "web.yaml")] = textwrap.dedent(deployment("web", "webb"))  # and now the Deployment
    again = rechecks.check(texts, settings)
    assert again.clusters[0].pods is not before
    assert [f.rule for f in again.findings if f.rule == "service-selector-no-match"] == []
