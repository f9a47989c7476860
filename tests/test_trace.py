"""`portlint trace` as a library: TARGET forms, Ingress matching, and the hops of good and broken chains."""

import textwrap

import pytest

from portlint.run import check_text
from portlint.trace import TargetError, Tracer, parse_target
from portlint.trace.hops import Trace
from portlint.trace.routing import HOST_ANY, HOST_EXACT, HOST_WILDCARD, NO_MATCH, Miss, host_match, path_matches, \
    precedence, route_url
from portlint.trace.targets import NodePortTarget, ServiceTarget, UrlTarget

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: nginx
          image: nginx
          ports:
            - name: http
              containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector: {app: web}
  ports:
    - name: http
      port: 80
      targetPort: http
      nodePort: 30080
"""


def ingress(name, rules, cls="nginx", extra=""):
    head = (f"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\nspec:\n"
            f"  ingressClassName: {cls}\n")
    return head + textwrap.indent(extra, "  ") + "  rules:\n" + textwrap.indent(rules, "    ")


def rule(host, *paths):
    head = f"- host: '{host}'\n" if host else "- "
    body = "  http:\n    paths:\n" if host else "http:\n    paths:\n"
    items = "".join(f"      - path: {p}\n        pathType: {t}\n        backend:\n          service:\n"
                    f"            name: {svc}\n            port:\n              number: {port}\n"
                    for p, t, svc, port in paths)
    return head + body + items


def trace(text: str, target: str) -> Trace:
    report = check_text(textwrap.dedent(text))
    parsed = parse_target(target)
    return Trace(parsed.text, Tracer(report.clusters[0], report.findings).entries(parsed))


def hops(path):
    return [(hop.type, hop.obj.name if hop.obj else None, hop.port, hop.ok) for hop in path.hops]


# --- targets --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("http://Shop.Example.com/cart", UrlTarget("http://Shop.Example.com/cart", "http", "shop.example.com", 80, "/cart")),
    ("https://shop.example.com", UrlTarget("https://shop.example.com", "https", "shop.example.com", 443, "/")),
    ("http://shop.example.com:8080/a/b?q=1", UrlTarget("http://shop.example.com:8080/a/b?q=1", "http",
                                                       "shop.example.com", 8080, "/a/b", (("q", "1"),))),
    ("nodeport:30080", NodePortTarget("nodeport:30080", 30080, None)),
    ("10.0.0.7:30080", NodePortTarget("10.0.0.7:30080", 30080, "10.0.0.7")),
    ("service/web:80", ServiceTarget("service/web:80", "web", None, 80)),
    ("service/web.shop:http", ServiceTarget("service/web.shop:http", "web", "shop", "http")),
    ("web.shop.svc:80", ServiceTarget("web.shop.svc:80", "web", "shop", 80)),
    ("web.shop.svc.cluster.local:grpc", ServiceTarget("web.shop.svc.cluster.local:grpc", "web", "shop", "grpc")),
])
def test_every_target_form_parses(text, expected):
    assert parse_target(text) == expected


@pytest.mark.parametrize("text, problem", [
    ("foo", "not one of the target forms"),
    ("web:80", "not one of the target forms"),
    ("http://", "no host"),
    ("http://shop.example.com:99999/", "port"),
    ("ftp://shop.example.com/", "not http or https"),
    ("nodeport:http", "nodePort 'http'"),
    ("nodeport:70000", "nodePort '70000'"),
    ("999.1.1.1:30080", "not an IPv4 address"),
    ("service/web", "port is missing"),
    ("service/Web:80", "'Web' is not a valid"),
    ("service/web:", "neither a number nor"),
    ("web.svc:80", "NAME.NAMESPACE.svc"),
])
def test_malformed_targets_say_what_is_wrong_and_list_the_forms(text, problem):
    with pytest.raises(TargetError) as error:
        parse_target(text)
    assert problem in str(error.value)
    assert "expected http(s)://HOST[:PORT]/PATH, nodeport:N, NODEIP:N, service/NAME[.NAMESPACE]:PORT" in str(error.value)


# --- Ingress matching -----------------------------------------------------------------------------

@pytest.mark.parametrize("rule_host, host, level", [
    ("foo.bar.com", "foo.bar.com", HOST_EXACT),
    ("Foo.Bar.com", "foo.bar.com", HOST_EXACT),
    ("*.bar.com", "foo.bar.com", HOST_WILDCARD),
    ("*.bar.com", "baz.foo.bar.com", NO_MATCH),  # a wildcard matches exactly one label
    ("*.bar.com", "bar.com", NO_MATCH),
    ("foo.bar.com", "bar.com", NO_MATCH),
    (None, "anything.example", HOST_ANY),
])
def test_host_matching(rule_host, host, level):
    assert host_match(rule_host, host) == level


# The "Examples" table of the Ingress documentation (path types).
@pytest.mark.parametrize("path_type, rule_path, request_path, matches", [
    ("Prefix", "/", "/anything/at/all", True),
    ("Exact", "/foo", "/foo", True),
    ("Exact", "/foo", "/bar", False),
    ("Exact", "/foo", "/foo/", False),
    ("Exact", "/foo/", "/foo", False),
    ("Prefix", "/foo", "/foo", True),
    ("Prefix", "/foo", "/foo/", True),
    ("Prefix", "/foo/", "/foo", True),
    ("Prefix", "/foo/", "/foo/", True),
    ("Prefix", "/aaa/bb", "/aaa/bbb", False),
    ("Prefix", "/aaa/bbb", "/aaa/bbb", True),
    ("Prefix", "/aaa/bbb/", "/aaa/bbb", True),
    ("Prefix", "/aaa/bbb", "/aaa/bbb/", True),
    ("Prefix", "/aaa/bbb", "/aaa/bbb/ccc", True),
    ("Prefix", "/aaa/bbb", "/aaa/bbbxyz", False),
    ("Prefix", "/aaa", "/ccc", False),
    ("ImplementationSpecific", "/api", "/api/v1", True),
])
def test_path_matching_follows_the_ingress_documentation(path_type, rule_path, request_path, matches):
    assert path_matches(path_type, rule_path, request_path) is matches


def test_longest_path_wins_then_exact_over_prefix():
    assert precedence("Prefix", "/aaa/bbb") > precedence("Prefix", "/aaa") > precedence("Prefix", "/")
    assert precedence("Exact", "/foo") > precedence("Prefix", "/foo")
    assert precedence("Prefix", "/foo/") == precedence("Prefix", "/foo")  # the trailing slash is ignored


def routed(text, host, path):
    report = check_text(textwrap.dedent(text))
    return route_url(report.clusters[0].ingresses, host, path)


def backends(routes):
    return [(r.ingress.name, r.path.path if r.path else None, r.backend.service_name) for r in routes]


def test_the_documentation_examples_of_multiple_matches():
    text = ingress("i", rule("a.com", ("/", "Prefix", "root", 80), ("/aaa", "Prefix", "aaa", 80),
                             ("/aaa/bbb", "Prefix", "bbb", 80), ("/foo", "Exact", "exact", 80),
                             ("/foo", "Prefix", "prefix", 80)))
    assert backends(routed(text, "a.com", "/aaa/ccc")) == [("i", "/aaa", "aaa")]
    assert backends(routed(text, "a.com", "/aaa/bbb")) == [("i", "/aaa/bbb", "bbb")]
    assert backends(routed(text, "a.com", "/ccc")) == [("i", "/", "root")]
    assert backends(routed(text, "a.com", "/foo")) == [("i", "/foo", "exact")]
    assert backends(routed(text, "a.com", "/foo/x")) == [("i", "/foo", "prefix")]


def test_exact_host_beats_wildcard_and_hostless_rules_and_ingresses_of_a_class_merge():
    text = "\n---\n".join([
        ingress("wild", rule("*.example.com", ("/", "Prefix", "wild", 80))),
        ingress("exact", rule("shop.example.com", ("/", "Prefix", "shop", 80))),
        ingress("api", rule("shop.example.com", ("/api", "Prefix", "api", 80))),
        ingress("catchall", rule(None, ("/", "Prefix", "any", 80))),
    ])
    assert backends(routed(text, "shop.example.com", "/api/cart")) == [("api", "/api", "api")]
    assert backends(routed(text, "shop.example.com", "/")) == [("exact", "/", "shop")]
    assert backends(routed(text, "blog.example.com", "/")) == [("wild", "/", "wild")]
    assert backends(routed(text, "a.b.example.com", "/")) == [("catchall", "/", "any")]


def test_each_ingress_class_routes_on_its_own():
    text = "\n---\n".join([ingress("public", rule("a.com", ("/", "Prefix", "one", 80)), cls="nginx"),
                           ingress("internal", rule("a.com", ("/", "Prefix", "two", 80)), cls="traefik")])
    assert backends(routed(text, "a.com", "/")) == [("public", "/", "one"), ("internal", "/", "two")]


def test_default_backend_when_no_rule_matches_and_a_miss_when_there_is_none():
    with_default = ingress("i", rule("a.com", ("/api", "Prefix", "api", 80)),
                           extra="defaultBackend:\n  service:\n    name: fallback\n    port:\n      number: 80\n")
    routes = routed(with_default, "a.com", "/other")
    assert [(r.ingress.name, r.path, r.backend.service_name) for r in routes] == [("i", None, "fallback")]
    assert "defaultBackend serves it" in routes[0].notes[0]
    miss = routed(ingress("i", rule("a.com", ("/api", "Prefix", "api", 80))), "a.com", "/apix")
    assert isinstance(miss, Miss) and "no path matches /apix" in miss.reason and "/api (Prefix)" in miss.reason
    miss = routed(ingress("i", rule("a.com", ("/", "Prefix", "api", 80))), "b.com", "/")
    assert isinstance(miss, Miss) and miss.reason.startswith("no Ingress rule matches host b.com")


def test_implementation_specific_is_a_prefix_with_a_note():
    routes = routed(ingress("i", rule("a.com", ("/api", "ImplementationSpecific", "api", 80))), "a.com", "/api/x")
    assert backends(routes) == [("i", "/api", "api")]
    assert "matched here as Prefix" in routes[0].notes[0]


# --- whole chains ---------------------------------------------------------------------------------

FIXED_INGRESS = ingress("shop", rule("shop.example.com", ("/", "Prefix", "web", 80)))


def test_a_good_url_trace_has_every_hop_with_ports_and_positions():
    result = trace(APP + "---\n" + FIXED_INGRESS, "http://shop.example.com/")
    assert result.ok
    (path,) = result.paths
    assert hops(path) == [("client", None, 80, True), ("ingress", "shop", 80, True), ("service", "web", 80, True),
                          ("workload", "web", 8080, True), ("network-policy", "web", 8080, True),
                          ("container", "web", 8080, True)]
    labels = [hop.label for hop in path.hops]
    assert labels[2] == "Service default/web :80 → targetPort http (8080)"
    assert labels[5] == "container nginx :8080 (http=8080/TCP)"
    # path entry, Service port, name, (no policy), containerPort
    assert [hop.line for hop in path.hops[1:]] == [43, 29, 4, None, 18]


def test_node_port_and_service_targets_reach_the_container():
    for target in ("nodeport:30080", "192.168.1.10:30080", "service/web:80", "service/web:http",
                   "web.default.svc.cluster.local:80"):
        result = trace(APP, target)
        assert result.ok, target
        assert result.paths[0].hops[-1].port == 8080


def test_no_service_exposes_the_node_port():
    result = trace(APP, "nodeport:30081")
    assert not result.ok
    (path,) = result.paths
    assert [(h.type, h.ok) for h in path.hops] == [("client", True), ("node-port", False)]
    assert path.hops[1].reason == "no Service exposes nodePort 30081"
    assert "30080" in path.hops[1].hint


def test_a_service_that_selects_two_workloads_gives_one_path_each_judged_on_its_own():
    other = APP.split("---")[0].replace("name: web\n", "name: web-canary\n", 1).replace("name: http\n", "name: web\n")
    result = trace(APP + "---\n" + other, "service/web:80")
    good, bad = result.paths
    assert result.ok and good.ok and not bad.ok
    assert [h.obj.name for h in good.hops if h.type == "workload"] == ["web"]
    assert [h.obj.name for h in bad.hops if h.type == "workload"] == ["web-canary"]
    assert bad.hops[1].rule == "service-target-port-name-unresolved"
    assert "web-canary" in bad.hops[1].reason
    assert good.hops[1].rule is None  # the other workload's finding is not this path's


def test_broken_at_the_ingress_hop_with_the_engines_words():
    result = trace(APP + "---\n" + ingress("shop", rule("shop.example.com", ("/", "Prefix", "web", 8080))),
                   "http://shop.example.com/")
    (path,) = result.paths
    assert not result.ok and [h.type for h in path.hops] == ["client", "ingress"]
    assert path.hops[1].rule == "ingress-backend-port-unmatched"
    finding = [f for f in result.findings if f.rule == "ingress-backend-port-unmatched"][0]
    assert (path.hops[1].reason, path.hops[1].hint) == (finding.message, finding.hint)


def test_broken_at_the_service_hop():
    result = trace(APP.replace("selector: {app: web}", "selector: {app: Web}"), "nodeport:30080")
    (path,) = result.paths
    assert [h.type for h in path.hops] == ["client", "node-port", "service"]
    assert path.hops[2].rule == "service-selector-no-match" and not path.hops[2].ok


def test_broken_at_the_workload_hop():
    result = trace(APP.replace("replicas: 2", "replicas: 0"), "service/web:80")
    (path,) = result.paths
    assert [(h.type, h.ok) for h in path.hops][-3:] == [("workload", False), ("network-policy", True),
                                                        ("container", True)]
    assert path.hops[-3].reason.startswith("spec.replicas is 0")


def test_broken_at_the_container_hop():
    probe = "          readinessProbe:\n            httpGet: {path: /, port: healthz}\n"
    result = trace(APP.replace("              containerPort: 8080\n", "              containerPort: 8080\n" + probe),
                   "service/web:http")
    (path,) = result.paths
    assert not result.ok and path.hops[-1].type == "container" and path.hops[-1].rule == "probe-port-unresolved"


def test_a_warning_is_shown_but_the_hop_passes():
    # the container hop says that the pods declare another port than the numeric target, not only the Service hop
    result = trace(APP.replace("targetPort: http", "targetPort: 9090"), "service/web:80")
    (path,) = result.paths
    service, container = path.hops[1], path.hops[-1]
    assert service.ok and service.rule is None
    assert container.ok and container.rule == "service-target-port-unmatched" and container.severity == "warning"
    assert container.label.startswith("pod port 9090") and "declares only http=8080/TCP" in container.reason
    assert result.ok


def test_the_finding_index_covers_exactly_what_each_claim_covers():
    """FindingIndex looks findings up by field path; what else a claim asks (rules, other rules, the
    workload) must still hold, as Claim.covers says."""
    from portlint.findings import Finding, ObjectRef, Related
    from portlint.trace.hops import Claim, FindingIndex

    service, other = ObjectRef("v1", "Service", "default", "web"), ObjectRef("v1", "Service", "default", "api")
    web, api = (Related("Deployment", "default", name, "a.yaml", 1) for name in ("web", "api"))
    findings = [Finding(rule, "m", object=ref, file=file, field_path=path, related=related)
                for rule in ("service-target-port-unmatched", "service-selector-no-match")
                for ref in (service, other) for file in ("a.yaml", "b.yaml")
                for path in ("spec.ports[0]", "spec.ports[0].targetPort", "spec.ports[1]", "spec.selector")
                for related in ([], [web], [api])]
    index = FindingIndex(findings)
    workload = ObjectRef("apps/v1", "Deployment", "default", "web")
    for rules in (None, ("service-target-port-unmatched",)):
        for not_rules in ((), ("service-target-port-unmatched",)):
            for claim_workload in (None, workload):
                claim = Claim(service, "a.yaml", under=("spec.ports[0]",), exactly=("spec.selector",),
                              workload=claim_workload, rules=rules, not_rules=not_rules)
                expected = [f for f in findings if claim.covers(f)]
                assert index.covered(claim) == expected, claim
                assert expected or rules == not_rules


def test_unknown_service_and_unknown_port():
    missing = trace(APP, "service/wbe:80").paths[0].hops[-1]
    assert (missing.ok, missing.reason, missing.hint) == (False, "no Service wbe in namespace default", "did you mean web?")
    port = trace(APP, "service/web:81").paths[0].hops[-1]
    assert not port.ok and port.reason == "Service web has no port 81 (its ports: http (80/TCP))"


def test_headless_service_reaches_pods_on_the_dialled_port():
    headless = APP.replace("type: NodePort", "clusterIP: None").replace("      nodePort: 30080\n", "")
    result = trace(headless, "service/web:8080")  # not a Service port: DNS only, the pod's port
    assert result.ok and result.paths[0].hops[-1].port == 8080
    result = trace(headless, "service/web:80")  # no port remapping: the pods are dialled on 80
    assert result.paths[0].hops[-1].label.startswith("pod port 80 (no container declares it")
    assert "targetPort http only appears in the SRV records" in result.paths[0].hops[1].notes[0]


def test_external_name_ends_at_the_external_name():
    result = trace("apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  type: ExternalName\n"
                   "  externalName: db.example.net\n  ports: [{port: 5432}]\n", "service/db:5432")
    (path,) = result.paths
    assert [h.type for h in path.hops] == ["client", "service"] and all(h.ok for h in path.hops)
    assert not result.ok and "CNAME to db.example.net" in path.hops[-1].notes[0]


def test_tls_is_reported_with_its_secret():
    tls = "tls:\n  - hosts: [shop.example.com]\n    secretName: shop-tls\n"
    result = trace(APP + "---\n" + ingress("shop", rule("shop.example.com", ("/", "Prefix", "web", 80)), extra=tls),
                   "https://shop.example.com/")
    notes = result.paths[0].hops[1].notes
    assert any("terminated at the controller with Secret shop-tls" in n for n in notes)
    plain = trace(APP + "---\n" + FIXED_INGRESS, "https://shop.example.com/").paths[0].hops[1].notes
    assert any("no tls entry covers shop.example.com" in n for n in plain)


def test_all_traces_every_entry_point():
    lb = ("---\napiVersion: v1\nkind: Service\nmetadata: {name: lb}\nspec:\n  type: LoadBalancer\n"
          "  selector: {app: web}\n  ports: [{port: 443, targetPort: 8080}]\n")
    report = check_text(APP + "---\n" + FIXED_INGRESS + lb)
    entries = Tracer(report.clusters[0], report.findings).everything()
    assert [e.title for e in entries] == ["http://shop.example.com/", "nodeport:30080", "load balancer default/lb:443"]
    assert [e.paths[0].hops[1].type for e in entries] == ["ingress", "node-port", "load-balancer"]
    assert all(e.ok for e in entries)
