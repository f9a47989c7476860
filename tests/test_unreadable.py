"""Invalid objects still exist: what failed validation is left out, the rest of the object is read and checked."""

import copy
import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portlint import schema
from portlint.catalog import load_catalog
from portlint.loader import load_text
from portlint.run import check_text

from conftest import ROOT, json_paths, lint, only, rule_ids

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: %(labels)s}
    spec:
      containers:
        - name: web
          image: nginx
          ports: [{name: http, containerPort: %(port)s}]
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: %(app)s}
  ports:
%(ports)s
"""
OTHER = """\
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: other, namespace: elsewhere}
spec:
  selector: {matchLabels: {app: other}}
  template:
    metadata: {labels: {app: other}}
    spec: {containers: [{name: other, image: nginx}]}
"""


def deployment(labels="{app: web}", port="8080"):
    return DEPLOYMENT % {"labels": labels, "port": port}


def service(app="web", ports="    - {name: http, port: 80, targetPort: http}"):
    return SERVICE % {"app": app, "ports": ports}


def text(*parts):
    return "---\n".join(parts)


# --- the Deployment of the issue: invalid in one field, still there -------------------------------

def test_an_invalid_deployment_still_counts_as_pods_of_its_namespace():
    # before: the Deployment was dropped, its namespace looked empty, and "pods come from elsewhere"
    # hid the selector typo
    findings = lint(text(deployment(port="eighty"), service(app="wbe")))
    assert rule_ids(findings) == ["manifest-invalid", "service-selector-no-match"]


def test_the_readable_labels_of_an_invalid_deployment_still_match():
    findings = lint(text(deployment(port="eighty"), service()))
    assert rule_ids(findings) == ["manifest-invalid"]  # and no port-chain finding on its unreadable port


def test_labels_that_failed_validation_may_match_anything_they_could_hold():
    findings = lint(text(deployment(labels="{app: web, tier: 1}"), service()))
    assert rule_ids(findings) == ["manifest-invalid"]  # app=web is read; matched
    selects_tier = service().replace("{app: web}", "{app: web, tier: '1'}")
    assert rule_ids(lint(text(deployment(labels="{app: web, tier: 1}"), selects_tier))) == ["manifest-invalid"]
    # but a readable label that contradicts the selector still rules the template out
    wrong_app = service(app="api").replace("{app: api}", "{app: api, tier: '1'}")
    findings = lint(text(deployment(labels="{app: web, tier: 1}"), wrong_app))
    assert rule_ids(findings) == ["manifest-invalid", "service-selector-no-match"]


def test_template_labels_that_are_wholly_unreadable_silence_no_match_but_give_no_backend():
    findings = lint(text(deployment(labels="[app, web]"), service()))
    # no selector-no-match, no selector mismatch against labels that cannot be read, no port chain
    assert rule_ids(findings) == ["manifest-invalid"]


# --- a Service with one invalid port: the other ports are still checked ---------------------------

def test_one_port_without_port_does_not_hide_the_other_ports_findings():
    ports = ("    - {name: broken, targetPort: http}\n"
             "    - {name: web, port: 81, targetPort: htp}\n"
             "    - {name: big, port: 82, targetPort: 70000}")
    findings = lint(text(deployment(), service(ports=ports)))
    assert sorted(rule_ids(findings)) == ["manifest-invalid", "port-number-invalid", "service-target-port-name-unresolved"]
    assert only(findings, "manifest-invalid")[0].message.startswith("spec.ports[0]")
    assert only(findings, "service-target-port-name-unresolved")[0].field_path == "spec.ports[1].targetPort"
    assert only(findings, "port-number-invalid")[0].field_path == "spec.ports[2].targetPort"


def test_a_valid_service_next_to_it_passes():
    ports = "    - {name: web, port: 81, targetPort: http}"
    assert lint(text(deployment(), service(ports=ports))) == []


def test_an_ingress_to_an_invalid_service_does_not_say_the_service_is_missing():
    ingress = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 8080}}}}
"""
    broken = service(ports="    - {name: http, port: 80, targetPort: http, protocol: tcp}")  # enum error: the port is unreadable
    findings = lint(text(deployment(), broken, ingress))
    # the Service exists; whether 8080 is among its ports cannot be told with a port left out
    assert rule_ids(findings) == ["manifest-invalid"]
    fixed = service(ports="    - {name: http, port: 80, targetPort: http, protocol: TCP}")
    assert rule_ids(lint(text(deployment(), fixed, ingress))) == ["ingress-backend-port-unmatched"]


def test_a_service_whose_type_failed_is_not_judged_as_clusterip():
    broken = service(ports="    - {name: http, port: 80, targetPort: http, nodePort: 30080}").replace(
        "spec:\n", "spec:\n  type: nodeport\n")
    assert rule_ids(lint(text(deployment(), broken))) == ["manifest-invalid"]
    clusterip = broken.replace("type: nodeport", "type: ClusterIP")
    assert rule_ids(lint(text(deployment(), clusterip))) == ["node-port-not-allowed"]


def test_a_service_whose_selector_failed_is_not_a_service_without_selector():
    broken = service().replace("selector: {app: web}", "selector: [app, web]")
    assert rule_ids(lint(text(deployment(), broken))) == ["manifest-invalid"]


def test_an_object_whose_identity_failed_stays_out():
    broken = deployment().replace("metadata: {name: web}", "metadata: {name: [web]}")
    # the Deployment cannot be placed, but it may be the one the Service selects: no no-match finding
    assert rule_ids(lint(text(broken, service()))) == ["manifest-invalid"]
    assert rule_ids(lint(service())) == []  # (no pods at all: taken to be installed elsewhere)
    assert rule_ids(lint(text(deployment().replace("app: web}}", "app: api}}"), service()))) == [
        "service-selector-no-match"]


# --- the element rule -----------------------------------------------------------------------------

def paths_of(manifest: str) -> tuple:
    document = load_text(manifest).documents[0]
    schema.validate(document)
    return document.unreadable


def test_a_failing_field_takes_its_innermost_list_entry():
    assert paths_of(deployment(port="eighty")) == (
        ("spec", "template", "spec", "containers", 0, "ports", 0),)
    assert paths_of(service(ports="    - {name: http}")) == (("spec", "ports", 0),)


def test_a_failing_field_outside_lists_is_left_out_alone():
    assert paths_of(deployment(labels="{app: web, tier: 1}")) == (
        ("spec", "template", "metadata", "labels", "tier"),)


def test_a_bad_entry_of_a_list_of_scalars_takes_its_mapping_or_its_list():
    ingress = ("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\n"
               "spec: {tls: [{hosts: [a.example.com, 5]}], defaultBackend: {service: {name: s, port: {number: 1}}}}\n")
    assert paths_of(ingress) == (("spec", "tls", 0),)
    assert paths_of(service(ports="    - 80")) == (("spec", "ports"),)


# --- property: damage never creates a finding -----------------------------------------------------

TEXTS = [t for spec in load_catalog().values() for t in (spec.bad_example, spec.good_example)]
TEXTS += [p.read_text() for p in sorted((ROOT / "examples").rglob("*.yaml"))]
SAMPLES = [[json.loads(json.dumps(d.data)) for d in load_text(t).documents] for t in TEXTS]
WRONG = ["eighty", 70000, -1, 1.5, True, [], {"a": 1}, ["x"], "tcp"]
# findings that follow from fewer findings (a suppression that now silences nothing) or from the
# copy now differing from its twin
CONSEQUENCES = {"suppression-unused", "duplicate-object"}


def _damaged(documents, index, path, value):
    documents = copy.deepcopy(documents)
    parent = documents[index]
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return documents


def _judged(documents):
    findings = check_text(yaml.safe_dump_all(documents, sort_keys=False)).findings
    invalid = sum(1 for f in findings if f.rule == "manifest-invalid")
    others = {(f.rule, f.object, f.field_path) for f in findings
              if f.rule != "manifest-invalid" and f.rule not in CONSEQUENCES}
    return invalid, others


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_field_that_fails_validation_never_gives_another_finding(data):
    documents = data.draw(st.sampled_from([s for s in SAMPLES if s]))
    index = data.draw(st.integers(0, len(documents) - 1))
    candidates = [p for p in json_paths(documents[index]) if p and p[0] not in ("apiVersion", "kind")]
    if not candidates:
        return
    path = data.draw(st.sampled_from(candidates))
    damaged = _damaged(documents, index, path, data.draw(st.sampled_from(WRONG)))
    before_invalid, before = _judged(documents)
    after_invalid, after = _judged(damaged)
    if after_invalid > before_invalid:  # the damage is a schema error, so the model must not read it
        assert after <= before, (path, after - before)
