"""HorizontalPodAutoscaler, PodDisruptionBudget and ServiceMonitor/PodMonitor references, and when they are judged."""

import pytest

from portlint.run import check_paths, check_text
from portlint.settings import Settings
from test_units import write

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: carts, namespace: shop}
spec:
  selector: {matchLabels: {name: carts}}
  template:
    metadata: {labels: {name: carts}}
    spec:
      containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: carts, namespace: shop, labels: {name: carts}}
spec:
  selector: {name: carts}
  ports: [{name: web, port: 80, targetPort: http}]
"""


def findings(text, rule):
    return [f for f in check_text(text).findings if f.rule == rule]


def hpa(kind, name, namespace="shop"):
    return (f"apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: h, namespace: {namespace}}}\n"
            f"spec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: {kind}, name: {name}}}\n  maxReplicas: 3\n")


@pytest.mark.parametrize("kind, name, hint", [
    ("Deployment", "cart", "did you mean carts? namespace shop has Deployment carts"),
    ("StatefulSet", "carts", "carts is a Deployment: set scaleTargetRef.kind to Deployment"),
    ("Deployment", "payments", "set scaleTargetRef to a Deployment of namespace shop (carts)"),  # beside the HPA
])
def test_hpa_target_missing(kind, name, hint):
    (finding,) = findings(DEPLOYMENT + "---\n" + hpa(kind, name), "hpa-target-missing")
    assert finding.hint == hint and finding.field_path == "spec.scaleTargetRef.name"
    assert f"scaleTargetRef names {kind} {name}, but namespace shop has no {kind} of that name" in finding.message


@pytest.mark.parametrize("document", [
    hpa("Deployment", "carts"),  # found
    hpa("Rollout", "carts"),  # another kind with a scale subresource: not judged
    hpa("Deployment", "carts", namespace="elsewhere"),  # no workload there: installed by other means
])
def test_hpa_targets_that_are_found_or_not_judged(document):
    assert findings(DEPLOYMENT + "---\n" + document, "hpa-target-missing") == []


def test_an_hpa_is_not_judged_against_unrelated_workloads_of_other_directories(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "extras").mkdir()
    (tmp_path / "app" / "deploy.yaml").write_text(DEPLOYMENT)
    (tmp_path / "extras" / "hpa.yaml").write_text(hpa("StatefulSet", "postgres"))  # installed with Helm, say
    report = check_paths([str(tmp_path)], Settings())
    assert [f for f in report.findings if f.rule == "hpa-target-missing"] == []
    (tmp_path / "extras" / "hpa.yaml").write_text(hpa("Deployment", "cart"))  # but a near miss is reported
    assert [f.rule for f in check_paths([str(tmp_path)], Settings()).findings] == ["hpa-target-missing"]


def pdb(api_version, selector):
    return (f"apiVersion: {api_version}\nkind: PodDisruptionBudget\nmetadata: {{name: p, namespace: shop}}\n"
            f"spec:\n  minAvailable: 1\n" + (f"  selector: {selector}\n" if selector is not None else ""))


@pytest.mark.parametrize("api_version, selector, message", [
    ("policy/v1", "{matchLabels: {name: cart}}", "selector name=cart matches no pod template in namespace shop"),
    ("policy/v1beta1", "{}", "in policy/v1beta1 an empty selector matches no pods"),
    ("policy/v1", None, "a null selector matches no pods"),
    ("policy/v1", "{}", None),  # policy/v1: every pod of the namespace
    ("policy/v1", "{matchLabels: {name: carts}}", None),
])
def test_pdb_selects_nothing(api_version, selector, message):
    found = findings(DEPLOYMENT + "---\n" + pdb(api_version, selector), "pdb-selects-nothing")
    assert [message in f.message for f in found] == ([True] if message else [])


def monitor(kind, selector, port, namespaces=""):
    endpoints = "endpoints" if kind == "ServiceMonitor" else "podMetricsEndpoints"
    return (f"apiVersion: monitoring.coreos.com/v1\nkind: {kind}\nmetadata: {{name: m, namespace: shop}}\nspec:\n"
            f"  selector: {{matchLabels: {selector}}}\n  {endpoints}: [{{port: {port}}}]\n{namespaces}")


@pytest.mark.parametrize("kind, selector, port, rule, reported", [
    ("ServiceMonitor", "{name: carts}", "web", None, None),
    ("ServiceMonitor", "{name: cart}", "web", "servicemonitor-selects-nothing", True),
    ("ServiceMonitor", "{name: carts}", "http", "monitor-port-unresolved", True),  # the pod's name, not the Service's
    ("PodMonitor", "{name: carts}", "http", None, None),
    ("PodMonitor", "{name: cart}", "http", "podmonitor-selects-nothing", True),
    ("PodMonitor", "{name: carts}", "web", "monitor-port-unresolved", True),
])
def test_monitors(kind, selector, port, rule, reported):
    report = check_text(DEPLOYMENT + "---\n" + SERVICE + "---\n" + monitor(kind, selector, port))
    ours = {f.rule for f in report.findings if f.rule.endswith("selects-nothing") or f.rule == "monitor-port-unresolved"}
    assert ours == ({rule} if rule else set())


def test_a_service_monitor_looks_in_the_namespaces_its_namespace_selector_names():
    elsewhere = "  namespaceSelector: {matchNames: [other]}\n"
    found = findings(DEPLOYMENT + "---\n" + SERVICE + "---\n" + monitor("ServiceMonitor", "{name: carts}", "web",
                                                                         elsewhere), "servicemonitor-selects-nothing")
    assert [f.message for f in found] == [
        "selector name=carts matches the labels (metadata.labels) of no Service in namespace other: Prometheus "
        "scrapes nothing for it"]
    anywhere = "  namespaceSelector: {any: true}\n"
    assert findings(DEPLOYMENT + "---\n" + SERVICE + "---\n" + monitor("ServiceMonitor", "{name: carts}", "web",
                                                                        anywhere), "servicemonitor-selects-nothing") == []


def test_the_api_servers_own_service_is_never_missing():
    apiserver = ("apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: apiserver, namespace: "
                 "monitoring}\nspec:\n  namespaceSelector: {matchNames: [default]}\n  selector: {matchLabels: "
                 "{component: apiserver, provider: kubernetes}}\n  endpoints: [{port: https}]\n")
    other = SERVICE.replace("namespace: shop", "namespace: default")
    assert findings(other + "---\n" + apiserver, "servicemonitor-selects-nothing") == []


@pytest.mark.parametrize("document, rule", [
    (pdb("policy/v1", "{matchLabels: 5}"), "pdb-selects-nothing"),
    (hpa("Deployment", "3"), "hpa-target-missing"),  # a name that is a number
])
def test_a_reference_that_failed_validation_is_not_judged(document, rule):
    rules = [f.rule for f in check_text(DEPLOYMENT + "---\n" + document).findings]
    assert "manifest-invalid" in rules and rule not in rules


# --- apply units: each object is judged against its own unit's objects, else the nearest ones -------

def folders(tmp_path, files):
    write(tmp_path, files)
    return check_paths([str(tmp_path)], Settings()).findings


API = DEPLOYMENT.replace("name: carts", "name: api")


def test_an_hpa_of_one_example_is_not_judged_against_another_examples_workloads(tmp_path):
    found = folders(tmp_path, {"a/app.yaml": API + "---\n" + hpa("Deployment", "cart"), "b/app.yaml": DEPLOYMENT})
    (finding,) = [f for f in found if f.rule == "hpa-target-missing"]  # a runs Deployments: the miss is judged
    assert finding.hint == "set scaleTargetRef to a Deployment of namespace shop (api)"  # not b's carts
    found = folders(tmp_path, {"a/app.yaml": API, "a/autoscaling/h.yaml": hpa("Deployment", "cart"),
                               "b/app.yaml": DEPLOYMENT})
    assert [f for f in found if f.rule == "hpa-target-missing"] == []  # nearest: a's api, no near miss


def test_a_budget_in_a_folder_of_its_own_is_judged_against_the_nearest_pods(tmp_path):
    budget = pdb("policy/v1", "{matchLabels: {name: cart}}")
    found = folders(tmp_path, {"shop/app/app.yaml": DEPLOYMENT, "shop/budgets/b.yaml": budget, "other/app.yaml": API})
    assert [f.rule for f in found] == ["pdb-selects-nothing"]
    found = folders(tmp_path, {"shop/app/app.yaml": API, "shop/budgets/b.yaml": budget, "other/app.yaml": DEPLOYMENT})
    assert found == []  # the pods beside it are not carts: the ones it protects are installed elsewhere


def test_a_monitors_ports_are_those_of_its_own_units_targets(tmp_path):
    bare = SERVICE.replace("{name: web, port: 80, targetPort: http}", "{name: http, port: 80, targetPort: http}")
    found = folders(tmp_path, {"a/app.yaml": DEPLOYMENT + "---\n" + bare + "---\n" + monitor("ServiceMonitor",
                                                                                            "{name: carts}", "web"),
                               "b/app.yaml": DEPLOYMENT + "---\n" + SERVICE})
    (finding,) = [f for f in found if f.rule == "monitor-port-unresolved"]  # b's Service names its port web
    assert finding.hint == "name one of the declared ports (http)"
