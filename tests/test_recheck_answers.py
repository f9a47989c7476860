"""A re-check takes over the previous check's answers (portlint/model/answers.py) only when they were computed
from the same objects: each test changes one input of one reused answer and compares the re-check with a fresh
check of the changed files, finding for finding."""

import textwrap
from types import SimpleNamespace

import pytest

from portlint.model import answers
from portlint.recheck import Rechecks
from portlint.run import check_paths
from portlint.settings import Settings
from test_recheck import everything, write


def deployment(name: str, app: str, ports: str = "[{name: http, containerPort: 8080}]") -> str:
    return f"""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: {name}}}
        spec:
          selector: {{matchLabels: {{app: {app}}}}}
          template:
            metadata: {{labels: {{app: {app}}}}}
            spec:
              containers:
                - name: c
                  image: x
                  ports: {ports}
        """


def service(name: str, app: str, target: str = "http", protocol: str = "TCP") -> str:
    return f"""\
        apiVersion: v1
        kind: Service
        metadata: {{name: {name}}}
        spec:
          selector: {{app: {app}}}
          ports: [{{name: p, port: 80, targetPort: {target}, protocol: {protocol}}}]
        """


def config(name: str, mode: str = "a") -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\ndata: {{mode: {mode}}}\n"


def both(*texts: str) -> str:
    return "---\n".join(textwrap.dedent(text) for text in texts)


INGRESS = """\
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {name: shop}
    spec:
      rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: %s, port: {number: 80}}}}]}}]
    """
STATEFUL_SET = """\
    apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: db}
    spec:
      serviceName: %s
      selector: {matchLabels: {app: db}}
      template:
        metadata: {labels: {app: db}}
        spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}
    """

# (the files, the one changed, its new text): each change alters one input of an answer a re-check reuses
CHANGES = {
    # backends and the port chain: a workload the Service selects is another object
    "a selected workload renames its port": (
        {"s.yaml": service("web", "web"), "d.yaml": deployment("web", "web")},
        "d.yaml", deployment("web", "web", "[{name: web, containerPort: 8080}]")),
    "a selected workload changes its port's number": (
        {"s.yaml": service("web", "web", "8080"), "d.yaml": deployment("web", "web")},
        "d.yaml", deployment("web", "web", "[{name: http, containerPort: 9090}]")),
    "a selected workload changes its port's protocol": (
        {"s.yaml": service("web", "web", "8080"), "d.yaml": deployment("web", "web")},
        "d.yaml", deployment("web", "web", "[{name: http, containerPort: 8080, protocol: UDP}]")),
    "a selected workload no longer declares ports": (
        {"s.yaml": service("web", "web", "8080"), "d.yaml": deployment("web", "web")},
        "d.yaml", deployment("web", "web", "[]")),
    # backends: the selection (another workload now carries the labels, or no longer does)
    "another workload now carries the selected labels": (
        {"s.yaml": service("web", "web"), "d.yaml": deployment("web", "web"),
         "other.yaml": deployment("other", "api", "[{name: web, containerPort: 8080}]")},
        "other.yaml", deployment("other", "web", "[{name: web, containerPort: 8080}]")),
    "a workload no longer carries the selected labels": (
        {"s.yaml": service("web", "web"), "d.yaml": deployment("web", "web"),
         "other.yaml": deployment("other", "web", "[{name: web, containerPort: 8080}]")},
        "other.yaml", deployment("other", "api", "[{name: web, containerPort: 8080}]")),
    # backends and the port chain: the Service is another object
    "the Service changes its targetPort": (
        {"s.yaml": service("web", "web"), "d.yaml": deployment("web", "web")},
        "s.yaml", service("web", "web", "htp")),
    # backends: the apply units. four.yaml now redefines one.yaml's ConfigMap: one.yaml (the Service) and
    # three.yaml (a workload it selected) become alternatives in different units, neither file changed
    "the apply units split the Service from a workload it selected": (
        {"c/one.yaml": both(config("settings"), service("web", "web")),
         "c/two.yaml": deployment("web-1", "web"),
         "c/three.yaml": both(config("other"), deployment("web-2", "web", "[{name: web, containerPort: 8080}]")),
         "c/five.yaml": config("other", "b"),
         "c/four.yaml": config("unrelated")},
        "c/four.yaml", config("settings", "b")),
    # the near-miss indexes (similar.near_misses): the names of a namespace change
    "a Service an Ingress names is now a near miss": (
        {"i.yaml": INGRESS % "web-apj", "s.yaml": service("other", "web")},
        "s.yaml", service("web-api", "web")),
    "a Service a StatefulSet names is now a near miss": (
        {"db.yaml": STATEFUL_SET % "db-headles", "s.yaml": service("other", "db")},
        "s.yaml", service("db-headlesss", "db")),
    "a pod label a selector names is now a near miss": (
        {"s.yaml": service("web", "webb"), "d.yaml": deployment("web", "zzz")},
        "d.yaml", deployment("web", "web")),
}


@pytest.mark.parametrize("files, path, text", CHANGES.values(), ids=CHANGES.keys())
def test_a_reused_answer_whose_input_changed_is_computed_again(tmp_path, files, path, text):
    root = tmp_path / "tree"
    write(root, files)
    settings = Settings(rechecks=True)  # a fix session: answers are kept for the re-checks
    report = check_paths([str(root)], settings)
    rechecked = Rechecks(report).check({str(root / path): textwrap.dedent(text)}, settings)
    write(root, {path: text})
    fresh = check_paths([str(root)], settings)
    assert everything(report.findings) != everything(fresh.findings), "the change changes no finding"
    assert everything(rechecked.findings) == everything(fresh.findings)


def test_the_answers_of_unchanged_objects_are_taken_over(tmp_path):
    """The reuse happens: the workloads of a Service that nothing changed around are the previous list."""
    root = tmp_path / "tree"
    write(root, {"a/s.yaml": service("web", "web", "htp"), "a/d.yaml": deployment("web", "web"),
                 "b/s.yaml": service("api", "api"), "b/d.yaml": deployment("api", "api")})
    settings = Settings(rechecks=True)  # a fix session: answers are kept for the re-checks
    report = check_paths([str(root)], settings)
    path = root / "b" / "d.yaml"
    rechecked = Rechecks(report).check({str(path): path.read_text().replace("8080", "8081")}, settings)
    before, after = report.clusters[0], rechecked.clusters[0]
    web = next(s for s in after.services if s.name == "web")
    api = next(s for s in after.services if s.name == "api")
    assert after.answers["backends"][id(web)][1] is before.answers["backends"][id(web)][1]
    assert after.answers["backends"][id(api)][1] is not before.answers["backends"][id(api)][1]
    unresolved = after.answers["service-target-port-name-unresolved"][id(web)][1]
    assert unresolved and unresolved is before.answers["service-target-port-name-unresolved"][id(web)][1]


def test_an_answer_is_reused_only_when_each_input_is_the_same_object():
    one, two = ["x"], ["x"]  # equal, not the same
    previous = {"name": {"key": ((one, "units"), "before")}}
    computed = []

    def fresh(inputs):
        cluster = SimpleNamespace(answers={}, previous=previous)
        return answers.answer(cluster, "name", "key", inputs, lambda: computed.append(1) or "now")

    assert fresh((one, "units")) == "before" and not computed
    assert fresh((two, "units")) == "now"
    assert fresh((one,)) == "now"
    assert fresh((one, "other units")) == "now"
    assert answers.answer(SimpleNamespace(answers={}, previous=None), "name", "key", (one, "units"),
                          lambda: "now") == "now"


def test_reused_findings_are_copies_that_later_changes_leave_alone():
    from portlint.findings import Finding

    cluster = SimpleNamespace(answers={}, previous=None, keeps_answers=True)
    first = answers.findings(cluster, "rule", "key", (), lambda: iter([Finding("r", "m")]))
    first[0].severity, first[0].fix = "info", "changed"
    again = answers.findings(SimpleNamespace(answers={}, previous=cluster.answers, keeps_answers=True), "rule", "key", (),
                             lambda: iter(()))
    assert [(f.severity, f.fix) for f in again] == [("error", None)]


def test_a_near_miss_index_is_made_once_for_the_same_names():
    from portlint.similar import keep_indexes, near_misses

    keep_indexes(True)
    index = near_misses(["web", "api"])
    assert near_misses(("web", "api")) is index
    assert near_misses(["api", "web"]) is not index and near_misses(["web", "apj"]).of("api") == ["apj"]
    assert index.of("apj") == ["api"]
    keep_indexes(False)


def test_a_plain_check_keeps_no_answer_and_no_index_for_re_checks(tmp_path):
    # what a re-check would take over only adds to a plain check's peak memory (Settings.rechecks)
    from portlint import similar

    root = tmp_path / "app"
    root.mkdir()
    (root / "web.yaml").write_text(both(deployment("web", "web", "[{name: htp, containerPort: 8080}]"),
                                        service("web", "web"), service("api", "wbe")))  # near misses
    plain = check_paths([str(root)], Settings())
    assert "service-target-port-name-unresolved" not in plain.clusters[0].answers and not similar._MADE
    kept = check_paths([str(root)], Settings(rechecks=True))
    assert "service-target-port-name-unresolved" in kept.clusters[0].answers and similar._MADE
    assert [f.message for f in plain.findings] == [f.message for f in kept.findings]
    similar.keep_indexes(False)
