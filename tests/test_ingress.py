"""Ingress → Service: backends, ports, paths, hosts, conflicting routes, TLS Secrets."""

import io

import pytest

from conftest import lint, only

from portlint.run import check_paths
from portlint.settings import Settings

APP = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports:
    - {name: http, port: 80, targetPort: 8080}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: example/web
          ports: [{containerPort: 8080}]
"""


def ingress(paths: str, host: str = "shop.example.com", name: str = "web", namespace: str = "shop",
            extra_spec: str = "", annotations: str = "{}", api: str = "networking.k8s.io/v1") -> str:
    """An Ingress with one rule; `paths` is the YAML of the path list, indented by 12."""
    return f"""
apiVersion: {api}
kind: Ingress
metadata:
  name: {name}
  namespace: {namespace}
  annotations: {annotations}
spec:
{extra_spec}  rules:
    - host: "{host}"
      http:
        paths:
{paths}
"""


def v1_path(service="web", port="number: 80", path="/", path_type="Prefix") -> str:
    return f"""            - path: {path}
              pathType: {path_type}
              backend:
                service:
                  name: {service}
                  port: {{{port}}}"""


def legacy_path(service="web", port="80", path="/") -> str:
    return f"""            - path: {path}
              backend:
                serviceName: {service}
                servicePort: {port}"""


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing `needle` in the YAML text that lint() sees."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth - 1]


# --- ingress-backend-service-missing --------------------------------------------------------------

def test_missing_service_is_reported_at_the_service_name_with_a_similar_name():
    text = ingress(v1_path(service="wbe")) + "---" + APP
    [finding] = only(lint(text), "ingress-backend-service-missing")
    assert finding.line == line_of(text, "name: wbe")
    assert finding.field_path == "spec.rules[0].http.paths[0].backend.service.name"
    assert "'wbe'" in finding.message and "namespace shop" in finding.message
    assert "'web'" in finding.hint


def test_service_in_another_namespace_does_not_count_and_the_hint_says_so():
    text = ingress(v1_path(), namespace="frontend") + "---" + APP
    [finding] = only(lint(text), "ingress-backend-service-missing")
    assert "namespace frontend" in finding.message
    assert "namespace shop" in finding.hint
    assert finding.related[0].namespace == "shop"


def test_legacy_service_name_and_default_backend_are_pointed_at():
    text = ingress(legacy_path(service="api"), api="networking.k8s.io/v1beta1",
                   extra_spec="  backend: {serviceName: fallback, servicePort: 80}\n") + "---" + APP
    findings = only(lint(text), "ingress-backend-service-missing")
    expected = [line_of(text, "backend: {serviceName"), line_of(text, "serviceName: api")]
    assert sorted(f.line for f in findings) == expected
    assert {f.field_path for f in findings} == {"spec.backend.serviceName",
                                                "spec.rules[0].http.paths[0].backend.serviceName"}


def test_v1_default_backend_is_checked():
    default = "  defaultBackend:\n    service: {name: nope, port: {number: 80}}\n"
    text = ingress(v1_path(), extra_spec=default) + "---" + APP
    [finding] = only(lint(text), "ingress-backend-service-missing")
    assert finding.field_path == "spec.defaultBackend.service.name"
    assert finding.message.startswith("the default backend routes to Service 'nope'")


@pytest.mark.parametrize("extra", [
    "",  # the Service exists
    """---
apiVersion: kibana.k8s.elastic.co/v1
kind: Kibana
metadata: {name: kibana, namespace: shop}
""",  # the operator creates kibana-kb-http
])
def test_existing_or_operator_made_services_are_not_reported(extra):
    paths = v1_path() + "\n" + v1_path(service="kibana-kb-http", path="/kibana")
    text = ingress(paths) + "---" + APP + extra
    expected = [] if extra else ["kibana-kb-http"]
    assert [f.message.split("'")[1] for f in only(lint(text), "ingress-backend-service-missing")] == expected


def test_resource_backends_and_placeholders_are_not_services():
    paths = """            - path: /static
              pathType: Prefix
              backend:
                resource: {apiGroup: k8s.example.com, kind: StorageBucket, name: static}
""" + v1_path(service="${SERVICE}", path="/x")
    assert only(lint(ingress(paths) + "---" + APP), "ingress-backend-service-missing") == []


# --- ingress-backend-port-unmatched ---------------------------------------------------------------

def test_target_port_instead_of_service_port_is_explained():
    text = ingress(v1_path(port="number: 8080")) + "---" + APP
    [finding] = only(lint(text), "ingress-backend-port-unmatched")
    assert finding.line == line_of(text, "port: {number: 8080}")
    assert finding.field_path == "spec.rules[0].http.paths[0].backend.service.port.number"
    assert "port 8080 is not a port of Service web (ports: http (80/TCP))" in finding.message
    assert "targetPort" in finding.hint and "use 80" in finding.hint
    assert finding.severity == "error"


def test_unknown_port_name_gets_a_case_hint():
    text = ingress(v1_path(port="name: HTTP")) + "---" + APP
    [finding] = only(lint(text), "ingress-backend-port-unmatched")
    assert "port name 'HTTP'" in finding.message
    assert "'http'" in finding.hint


@pytest.mark.parametrize("port", ["number: 80", "name: http"])
def test_matching_port_number_or_name_is_fine(port):
    assert only(lint(ingress(v1_path(port=port)) + "---" + APP), "ingress-backend-port-unmatched") == []


def test_legacy_service_port_int_matches_and_quoted_number_does_not():
    good = ingress(legacy_path(port="80"), api="extensions/v1beta1") + "---" + APP
    assert only(lint(good), "ingress-backend-port-unmatched") == []
    bad = ingress(legacy_path(port='"80"'), api="extensions/v1beta1") + "---" + APP
    [finding] = only(lint(bad), "ingress-backend-port-unmatched")
    assert finding.line == line_of(bad, "servicePort:")
    assert "is a string" in finding.message and "servicePort: 80" in finding.hint


EXTERNAL = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: ExternalName
  externalName: web.example.net
"""


def test_external_name_service_accepts_any_number_but_not_an_undeclared_name():
    assert only(lint(ingress(v1_path(port="number: 8443")) + "---" + EXTERNAL), "ingress-backend-port-unmatched") == []
    [finding] = only(lint(ingress(v1_path(port="name: https")) + "---" + EXTERNAL), "ingress-backend-port-unmatched")
    assert "declares no ports" in finding.message


def test_any_alternative_of_a_service_may_have_the_port():
    variant = APP.replace("port: 80,", "port: 8080,").split("---")[0]
    text = ingress(v1_path(port="number: 8080")) + "---" + APP + "---" + variant
    assert only(lint(text), "ingress-backend-port-unmatched") == []


# --- ingress-path-invalid -------------------------------------------------------------------------

@pytest.mark.parametrize("path, path_type, problem", [
    ("api", "Prefix", "must be an absolute path"),
    ("/a//b", "Prefix", "must not contain '//'"),
    ("/a/./b", "Exact", "must not contain '/./'"),
    ("/a/%2Fb", "Prefix", "must not contain '%2F'"),
    ("/a/..", "Prefix", "must not end with '/..'"),
    ("/a/.", "Exact", "must not end with '/.'"),
    ("api/(.*)", "ImplementationSpecific", "must be an absolute path"),
])
def test_paths_the_api_server_rejects(path, path_type, problem):
    text = ingress(v1_path(path=path, path_type=path_type)) + "---" + APP
    [finding] = only(lint(text), "ingress-path-invalid")
    assert problem in finding.message
    assert finding.line == line_of(text, f"- path: {path}")


@pytest.mark.parametrize("path, path_type", [
    ("/", "Prefix"), ("/api/v1", "Exact"), ("/a..b/.well-known", "Prefix"),
    ("/api/(.*)", "ImplementationSpecific"), ('""', "ImplementationSpecific"),
])
def test_paths_the_api_server_accepts(path, path_type):
    assert only(lint(ingress(v1_path(path=path, path_type=path_type)) + "---" + APP), "ingress-path-invalid") == []


def test_v1_requires_path_type_and_the_beta_apis_defaulted_it():
    no_type = """            - path: /
              backend:
                service: {name: web, port: {number: 80}}"""
    [finding] = only(lint(ingress(no_type) + "---" + APP), "ingress-path-invalid")
    assert "no pathType" in finding.message
    assert only(lint(ingress(legacy_path(), api="extensions/v1beta1") + "---" + APP), "ingress-path-invalid") == []
    [legacy] = only(lint(ingress(legacy_path(path="api"), api="extensions/v1beta1") + "---" + APP),
                    "ingress-path-invalid")
    assert "ImplementationSpecific path 'api'" in legacy.message


def test_prefix_path_must_not_be_empty():
    no_path = """            - pathType: Prefix
              backend:
                service: {name: web, port: {number: 80}}"""
    text = ingress(no_path) + "---" + APP
    [finding] = only(lint(text), "ingress-path-invalid")
    assert finding.line == line_of(text, "- pathType: Prefix")
    assert "'/'" in finding.hint


# --- ingress-host-invalid -------------------------------------------------------------------------

@pytest.mark.parametrize("host, problem", [
    ("10.0.0.1", "not an IP address"),
    ("Shop.example.com", "lowercase"),
    ("shop.example.com:8080", "lowercase alphanumeric"),
    ("shop.*.example.com", "wildcard"),
    ("*", "wildcard"),
    ("-shop.example.com", "start and end with an alphanumeric"),
])
def test_rule_hosts_the_api_server_rejects(host, problem):
    text = ingress(v1_path(), host=host) + "---" + APP
    [finding] = only(lint(text), "ingress-host-invalid")
    assert problem in finding.message
    assert finding.line == line_of(text, "- host:")
    assert finding.field_path == "spec.rules[0].host"


@pytest.mark.parametrize("host", ["shop.example.com", "*.example.com", "localhost", "${HOST}", "__INGRESS_HOST__"])
def test_valid_and_placeholder_hosts_are_fine(host):
    assert only(lint(ingress(v1_path(), host=host) + "---" + APP), "ingress-host-invalid") == []


def test_tls_hosts_get_the_dns_check_but_may_be_ips():
    tls = "  tls:\n    - hosts:\n        - 10.0.0.1\n        - Shop.example.com\n        - '*.example.com'\n"
    text = ingress(v1_path(), extra_spec=tls) + "---" + APP
    [finding] = only(lint(text), "ingress-host-invalid")
    assert finding.message.startswith("TLS host 'Shop.example.com'")
    assert finding.line == line_of(text, "- Shop.example.com")
    assert finding.field_path == "spec.tls[0].hosts[1]"
    assert "'shop.example.com'" in finding.hint


# --- ingress-rule-conflict ------------------------------------------------------------------------

OTHER_APP = APP.replace("name: web", "name: web2")


def test_two_ingresses_of_one_class_routing_one_path_to_different_services_conflict_across_namespaces():
    first = ingress(v1_path(), extra_spec="  ingressClassName: nginx\n")
    second = ingress(v1_path(service="web2"), name="web2", namespace="other", extra_spec="  ingressClassName: nginx\n")
    text = first + "---" + second + "---" + APP + "---" + OTHER_APP.replace("shop", "other")
    [finding] = only(lint(text), "ingress-rule-conflict")
    assert finding.object.name == "web2"
    assert finding.line == line_of(text, "- path: /", nth=2)
    assert "shop/web" in finding.message and "other/web2" in finding.message
    assert finding.related[0].name == "web" and finding.severity == "warning"


def test_the_same_path_twice_in_one_ingress_conflicts():
    paths = "\n".join([v1_path(), v1_path(port="name: http"), v1_path(service="web2")])
    text = ingress(paths) + "---" + APP + "---" + OTHER_APP
    [finding] = only(lint(text), "ingress-rule-conflict")
    # port name http is port 80 of web: the same backend; web2 is another Service
    assert finding.line == line_of(text, "- path: /", 3)
    assert "routed twice in this Ingress" in finding.message
    assert "shop/web:80" in finding.message and "shop/web2:80" in finding.message


def test_beta_path_without_type_is_implementation_specific():
    first = ingress(v1_path(path_type="ImplementationSpecific"))
    second = ingress(legacy_path(service="web2"), name="web2", api="networking.k8s.io/v1beta1")
    assert len(only(lint(first + "---" + second + "---" + APP + "---" + OTHER_APP), "ingress-rule-conflict")) == 1


@pytest.mark.parametrize("first_spec, second_spec, second_annotations", [
    ("  ingressClassName: nginx\n", "  ingressClassName: traefik\n", "{}"),  # other controller
    ("  ingressClassName: gce\n", "  ingressClassName: gce\n", "{}"),  # one load balancer each
    ("  ingressClassName: alb\n", "  ingressClassName: alb\n", "{}"),  # no shared group
    ("", "", "{nginx.ingress.kubernetes.io/canary: 'true'}"),  # canary on purpose
])
def test_ingresses_that_are_not_merged_do_not_conflict(first_spec, second_spec, second_annotations):
    first = ingress(v1_path(), extra_spec=first_spec)
    second = ingress(v1_path(service="web2"), name="web2", extra_spec=second_spec, annotations=second_annotations)
    assert only(lint(first + "---" + second + "---" + APP + "---" + OTHER_APP), "ingress-rule-conflict") == []


def test_same_backend_other_host_or_other_path_type_do_not_conflict():
    docs = [ingress(v1_path()), ingress(v1_path(), name="copy"),
            ingress(v1_path(service="web2"), name="b", host="b.example.com"),
            ingress(v1_path(service="web2", path_type="Exact"), name="c")]
    assert only(lint("---".join(docs) + "---" + APP + "---" + OTHER_APP), "ingress-rule-conflict") == []


def test_alb_ingresses_in_one_group_conflict():
    group = "{alb.ingress.kubernetes.io/group.name: shop}"
    first = ingress(v1_path(), extra_spec="  ingressClassName: alb\n", annotations=group)
    second = ingress(v1_path(service="web2"), name="web2", extra_spec="  ingressClassName: alb\n", annotations=group)
    assert len(only(lint(first + "---" + second + "---" + APP + "---" + OTHER_APP), "ingress-rule-conflict")) == 1


# --- ingress-tls-secret-missing -------------------------------------------------------------------

TLS = "  tls:\n    - hosts: [shop.example.com]\n      secretName: shop-tls\n"
SECRET = """
apiVersion: v1
kind: Secret
metadata: {name: shop-tls, namespace: NAMESPACE}
type: kubernetes.io/tls
data: {}
"""


def test_missing_tls_secret_is_info_at_secret_name():
    text = ingress(v1_path(), extra_spec=TLS) + "---" + APP
    [finding] = only(lint(text), "ingress-tls-secret-missing")
    assert finding.severity == "info"
    assert finding.line == line_of(text, "secretName: shop-tls")
    assert "'shop-tls'" in finding.message and "shop.example.com" in finding.message
    assert "kubectl create secret tls shop-tls -n shop" in finding.hint


def test_secret_in_another_namespace_is_pointed_out():
    text = ingress(v1_path(), extra_spec=TLS) + "---" + APP + "---" + SECRET.replace("NAMESPACE", "default")
    [finding] = only(lint(text), "ingress-tls-secret-missing")
    assert "namespace default" in finding.hint


@pytest.mark.parametrize("extra, annotations, tls", [
    (SECRET.replace("NAMESPACE", "shop"), "{}", TLS),
    ("", "{cert-manager.io/cluster-issuer: letsencrypt}", TLS),
    ("", "{kubernetes.io/tls-acme: 'true'}", TLS),
    ("""
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: shop, namespace: shop}
spec: {secretName: shop-tls, dnsNames: [shop.example.com], issuerRef: {name: letsencrypt}}
""", "{}", TLS),
    ("""
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata: {name: shop-tls, namespace: shop}
spec: {encryptedData: {}}
""", "{}", TLS),
    ("", "{}", "  tls:\n    - hosts: [shop.example.com]\n"),  # default certificate
    ("", "{}", TLS.replace("shop-tls", "__TLS_SECRET__")),  # a template placeholder
])
def test_secrets_that_exist_or_will_be_created_are_not_reported(extra, annotations, tls):
    text = ingress(v1_path(), extra_spec=tls, annotations=annotations) + "---" + APP + ("---" + extra if extra else "")
    assert only(lint(text), "ingress-tls-secret-missing") == []


# --- the whole chain clean ------------------------------------------------------------------------

def test_a_consistent_app_has_no_ingress_findings():
    text = ingress(v1_path(), extra_spec=TLS) + "---" + APP + "---" + SECRET.replace("NAMESPACE", "shop")
    assert [f for f in lint(text) if f.rule.startswith("ingress-")] == []


def test_a_default_backend_whose_service_name_failed_validation_is_a_finding_not_a_crash():
    # found by test_hostile's random damage: defaultBackend is no list entry, so only the name is left out
    text = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  defaultBackend:
    service: {name: null, port: {number: 80}}
"""
    assert [f.rule for f in lint(text)] == ["manifest-invalid"]


# --- backends installed elsewhere: a lower severity, with the reason -------------------------------

WORKSHOP_INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: module-3, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
    - host: shop.example.com
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: frontend, port: {number: 80}}}}]
"""


def test_an_ingress_over_a_separately_installed_app_is_info_with_the_reason(tmp_path):
    # a workshop module: its unit holds no Service and no workload of namespace shop
    (tmp_path / "module-3").mkdir()
    (tmp_path / "module-3" / "ingress.yaml").write_text(WORKSHOP_INGRESS)
    [finding] = only(check_paths([str(tmp_path)], Settings()).findings, "ingress-backend-service-missing")
    assert finding.severity == "info"
    assert finding.downgrade.default == "error" and "separate install" in finding.downgrade.reason
    assert finding.to_json()["downgraded"] == {"from": "error", "reason": finding.downgrade.reason}
    # the user's severity setting for the rule wins
    [overridden] = only(check_paths([str(tmp_path)], Settings(severity={"ingress-backend-service-missing": "error"}))
                        .findings, "ingress-backend-service-missing")
    assert overridden.severity == "error" and overridden.downgrade is None
    assert overridden.to_json()["downgraded"] is None


def test_a_missing_backend_next_to_the_namespaces_own_services_stays_an_error(tmp_path):
    (tmp_path / "ingress.yaml").write_text(WORKSHOP_INGRESS)
    (tmp_path / "api.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: shop}\n"
                                       "spec: {selector: {app: api}, ports: [{port: 80}]}\n")
    [finding] = only(check_paths([str(tmp_path)], Settings()).findings, "ingress-backend-service-missing")
    assert finding.severity == "error" and finding.downgrade is None


def test_the_text_report_says_why_a_finding_is_info(tmp_path):
    from portlint.report import text

    (tmp_path / "ingress.yaml").write_text(WORKSHOP_INGRESS)
    out = io.StringIO()
    text.write(check_paths([str(tmp_path)], Settings()), out)
    assert "info, not error: nothing applied with this Ingress (its apply unit) runs in namespace shop" in out.getvalue()
