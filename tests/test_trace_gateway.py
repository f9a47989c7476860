"""`portlint trace` through Gateway API: listener choice, HTTPRoute precedence, weights, redirects, --all."""

import json
import textwrap

import pytest

from conftest import ROOT
from portlint.run import check_text
from portlint.trace import Tracer, parse_target, with_request
from portlint.trace.hops import Trace
from portlint.trace.sources import NOT_JUDGED
from test_cli import portlint

EXAMPLES = ROOT / "examples" / "gateway"

BACKENDS = "\n".join(f"""
---
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
  selector: {{app: {name}}}
  ports: [{{name: http, port: 80, targetPort: 8080}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers: [{{name: app, image: example/app, ports: [{{containerPort: 8080}}]}}]
""" for name in ("a", "b", "c", "d"))


def gateway(listeners: str = "- {name: http, protocol: HTTP, port: 80}", name: str = "public") -> str:
    return f"""
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: {name}}}
spec:
  gatewayClassName: example
  listeners:
{textwrap.indent(textwrap.dedent(listeners).strip(), '    ')}
"""


def route(name: str, rules: str, hostnames: str = "[]", parent: str = "{name: public}") -> str:
    return f"""
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: {name}}}
spec:
  parentRefs: [{parent}]
  hostnames: {hostnames}
  rules:
{textwrap.indent(textwrap.dedent(rules).strip(), '    ')}
"""


def to(service: str, weight: int | None = None) -> str:
    return f"{{name: {service}, port: 80{', weight: ' + str(weight) if weight is not None else ''}}}"


def trace(text: str, target: str, headers=(), method=None) -> Trace:
    report = check_text(textwrap.dedent(text))
    parsed = parse_target(target)
    if headers or method:
        parsed = with_request(parsed, list(headers), method)
    return Trace(parsed.text, Tracer(report.clusters[0], report.findings).entries(parsed))


def services(result: Trace) -> list[str]:
    """The Service each path reaches, in path order."""
    return [next((h.obj.name for h in p.hops if h.type == "service"), None) for p in result.paths]


# --- hops ------------------------------------------------------------------------------------------

def test_a_request_goes_client_gateway_route_service_workload_container():
    result = trace(gateway("- {name: http, protocol: HTTP, port: 8080}") + route("web", f"- backendRefs: [{to('a')}]")
                   + BACKENDS, "http://shop.example.com:8080/")
    [path] = result.paths
    assert [h.type for h in path.hops] == ["client", "gateway", "route", "service", "workload", "network-policy",
                                           "container"]
    assert result.ok and path.ok
    gateway_hop, route_hop, service_hop = path.hops[1:4]
    assert gateway_hop.obj.ref.kind == "Gateway" and gateway_hop.port == 8080  # the listener's port
    assert route_hop.obj.ref.kind == "HTTPRoute" and route_hop.port == 8080  # where the request arrives
    assert service_hop.port == 80
    as_json = result.to_json()["paths"][0]["hops"]
    assert as_json[1] == {"type": "gateway", "object": {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
                                                        "namespace": "default", "name": "public"},
                          "port": 8080, "ok": True, "rule": None, "reason": None}
    assert as_json[2]["type"] == "route" and as_json[2]["object"]["kind"] == "HTTPRoute"


def test_a_redirect_ends_the_path_and_says_where_to():
    rules = "- filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]"
    result = trace(gateway() + route("redirect", rules) + BACKENDS, "http://shop.example.com/cart?x=1")
    [path] = result.paths
    assert [h.type for h in path.hops] == ["client", "gateway", "route", "redirect"]
    assert path.ok and path.hops[-1].label == "redirect 301 → https://shop.example.com/cart"


@pytest.mark.parametrize("redirect, location", [
    ("{scheme: https}", "redirect 302 → https://shop.example.com/api/v1/cart"),
    ("{scheme: https, port: 8443}", "redirect 302 → https://shop.example.com:8443/api/v1/cart"),
    ("{hostname: www.example.com}", "redirect 302 → http://www.example.com:8080/api/v1/cart"),  # the listener port
    ("{path: {type: ReplaceFullPath, replaceFullPath: /new}}", "redirect 302 → http://shop.example.com:8080/new"),
    ("{path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}", "redirect 302 → http://shop.example.com:8080/v2/v1/cart"),
    ("{path: {type: ReplacePrefixMatch, replacePrefixMatch: ''}}", "redirect 302 → http://shop.example.com:8080/v1/cart"),
])
def test_redirect_locations(redirect, location):
    rules = f"- matches: [{{path: {{type: PathPrefix, value: /api}}}}]\n  filters: [{{type: RequestRedirect, " \
            f"requestRedirect: {redirect}}}]"
    result = trace(gateway("- {name: http, protocol: HTTP, port: 8080}") + route("r", rules) + BACKENDS,
                   "http://shop.example.com:8080/api/v1/cart")
    assert result.paths[0].hops[-1].label == location


def test_a_broken_backend_breaks_the_route_hop_with_the_rule_of_check():
    result = trace(gateway() + route("web", "- backendRefs: [{name: a, port: 8080}]") + BACKENDS, "http://x/")
    route_hop = result.paths[0].hops[2]
    assert not result.ok and not route_hop.ok and route_hop.rule == "route-backend-port-unmatched"


def test_a_broken_listener_breaks_the_gateway_hop():
    listeners = "- {name: http, protocol: HTTP, port: 80}\n- {name: tcp, protocol: TCP, port: 80}"
    result = trace(gateway(listeners) + route("web", f"- backendRefs: [{to('a')}]") + BACKENDS, "http://x/")
    assert result.paths[0].hops[1].rule == "gateway-listener-conflict"


# --- listeners ------------------------------------------------------------------------------------

LISTENERS = """
- {name: any, protocol: HTTP, port: 80}
- {name: wild, protocol: HTTP, port: 80, hostname: '*.example.com'}
- {name: deep, protocol: HTTP, port: 80, hostname: '*.shop.example.com'}
- {name: exact, protocol: HTTP, port: 80, hostname: shop.example.com}
- {name: tls, protocol: HTTPS, port: 443, tls: {certificateRefs: [{name: c}]}}
- {name: alt, protocol: HTTP, port: 8080}
"""


@pytest.mark.parametrize("url, listener", [
    ("http://shop.example.com/", "exact"),
    ("http://eu.shop.example.com/", "deep"),
    ("http://web.example.com/", "wild"),
    ("http://example.com/", "any"),  # a wildcard never matches the apex
    ("https://shop.example.com/", "tls"),
    ("http://shop.example.com:8080/", "alt"),
])
def test_the_most_specific_listener_on_the_port_and_protocol_takes_the_request(url, listener):
    rules = f"- backendRefs: [{to('a')}]"
    text = gateway(LISTENERS) + route("web", rules, parent="{name: public}") + BACKENDS
    [path] = trace(text, url).paths
    assert path.hops[1].label.split(" · listener ")[1].startswith(listener + " ")


def test_no_listener_for_the_port_is_a_failed_gateway_hop():
    result = trace(gateway() + route("web", f"- backendRefs: [{to('a')}]") + BACKENDS, "https://shop.example.com/")
    [path] = result.paths
    assert not result.ok and path.hops[1].type == "gateway"
    assert "no Gateway has a HTTPS listener on port 443" in path.hops[1].reason


def test_no_matching_rule_is_a_404_on_the_route_hop():
    rules = f"- matches: [{{path: {{type: Exact, value: /a}}}}]\n  backendRefs: [{to('a')}]"
    result = trace(gateway() + route("web", rules) + BACKENDS, "http://shop.example.com/b")
    hop = result.paths[0].hops[2]
    assert hop.type == "route" and not hop.ok and "the Gateway answers 404" in hop.reason


def test_each_gateway_that_serves_the_host_is_a_path():
    text = gateway() + gateway(name="other") + route("web", f"- backendRefs: [{to('a')}]",
                                                     parent="{name: public}, {name: other}") + BACKENDS
    result = trace(text, "http://shop.example.com/")
    assert [p.hops[1].obj.name for p in result.paths] == ["public", "other"]


def test_ingress_and_gateway_both_serve_a_url():
    ingress = """
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - host: shop.example.com
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: b, port: {number: 80}}}}]
"""
    result = trace(gateway() + route("web", f"- backendRefs: [{to('a')}]") + BACKENDS + ingress,
                   "http://shop.example.com/")
    assert [p.hops[1].type for p in result.paths] == ["ingress", "gateway"]
    assert services(result) == ["b", "a"]


def test_a_gateway_that_does_not_serve_the_url_is_no_break_when_an_ingress_does():
    ingress = """
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  defaultBackend: {service: {name: b, port: {number: 80}}}
"""
    result = trace(gateway() + BACKENDS + ingress, "https://shop.example.com/")
    assert result.ok and [p.hops[1].type for p in result.paths] == ["ingress"]


# --- route precedence -----------------------------------------------------------------------------

def pick(routes: str, url: str, headers=(), method=None) -> list[str]:
    return services(trace(gateway() + routes + BACKENDS, url, headers, method))


def test_across_routes_the_longest_matching_exact_hostname_wins():
    routes = route("wild", f"- backendRefs: [{to('a')}]", hostnames="['*.example.com']") + \
        route("exact", f"- backendRefs: [{to('b')}]", hostnames="[shop.example.com]") + \
        route("none", f"- backendRefs: [{to('c')}]")
    assert pick(routes, "http://shop.example.com/") == ["b"]
    assert pick(routes, "http://web.example.com/") == ["a"]
    assert pick(routes, "http://example.org/") == ["c"]


def test_between_wildcards_the_longer_hostname_wins():
    routes = route("short", f"- backendRefs: [{to('a')}]", hostnames="['*.example.com']") + \
        route("long", f"- backendRefs: [{to('b')}]", hostnames="['*.shop.example.com']")
    assert pick(routes, "http://eu.shop.example.com/") == ["b"]


def test_hostname_precedence_comes_before_path_precedence():
    routes = route("exact-path", f"- matches: [{{path: {{type: Exact, value: /cart}}}}]\n  backendRefs: [{to('a')}]",
                   hostnames="['*.example.com']") + \
        route("host", f"- backendRefs: [{to('b')}]", hostnames="[shop.example.com]")
    assert pick(routes, "http://shop.example.com/cart") == ["b"]


PATHS = route("paths", f"""
- matches: [{{path: {{type: PathPrefix, value: /api}}}}]
  backendRefs: [{to('a')}]
- matches: [{{path: {{type: PathPrefix, value: /api/v1/}}}}]
  backendRefs: [{to('b')}]
- matches: [{{path: {{type: Exact, value: /api}}}}]
  backendRefs: [{to('c')}]
- matches: [{{path: {{type: PathPrefix, value: /}}}}]
  backendRefs: [{to('d')}]
""")


@pytest.mark.parametrize("path, service", [
    ("/api", "c"),  # Exact first
    ("/api/", "a"),
    ("/api/v1", "b"),  # the longest prefix; its trailing slash is ignored
    ("/api/v1/cart", "b"),
    ("/apiv1", "d"),  # a prefix matches whole path elements
    ("/other", "d"),
])
def test_exact_then_the_longest_path_prefix(path, service):
    assert pick(PATHS, f"http://shop.example.com{path}") == [service]


def test_then_method_then_headers_then_query_parameters():
    routes = route("m", f"""
- matches: [{{path: {{value: /}}}}]
  backendRefs: [{to('a')}]
- matches: [{{path: {{value: /}}, method: POST}}]
  backendRefs: [{to('b')}]
- matches: [{{path: {{value: /}}, headers: [{{name: X-Canary, value: 'yes'}}]}}]
  backendRefs: [{to('c')}]
- matches: [{{path: {{value: /}}, queryParams: [{{name: v, value: '2'}}], headers: [{{name: X-Canary, value: 'yes'}}]}}]
  backendRefs: [{to('d')}]
""")
    url = "http://shop.example.com/"
    assert pick(routes, url) == ["a"]
    assert pick(routes, url, method="post") == ["b"]
    assert pick(routes, url, headers=["x-canary: yes"]) == ["c"]  # header names are case-insensitive
    assert pick(routes, url, headers=["X-Canary: YES"]) == ["a"]  # values are not
    assert pick(routes, url + "?v=2", headers=["X-Canary: yes"]) == ["d"]
    assert pick(routes, url + "?v=2", headers=["X-Canary: yes"], method="POST") == ["b"]  # method before headers


def test_regular_expression_paths_match_and_rank_after_the_others():
    routes = route("r", f"""
- matches: [{{path: {{type: RegularExpression, value: '/item/[0-9]+'}}}}]
  backendRefs: [{to('a')}]
- matches: [{{path: {{type: PathPrefix, value: /}}}}]
  backendRefs: [{to('b')}]
""")
    assert pick(routes, "http://shop.example.com/item/42") == ["b"]
    only = route("r", f"- matches: [{{path: {{type: RegularExpression, value: '/item/[0-9]+'}}}}]\n"
                      f"  backendRefs: [{to('a')}]")
    result = trace(gateway() + only + BACKENDS, "http://shop.example.com/item/42")
    assert services(result) == ["a"] and "RegularExpression" in result.paths[0].hops[2].notes[0]


def test_a_tie_across_routes_goes_to_the_first_by_namespace_and_name_and_says_so():
    routes = route("zeta", f"- backendRefs: [{to('a')}]") + route("alpha", f"- backendRefs: [{to('b')}]")
    result = trace(gateway() + routes + BACKENDS, "http://shop.example.com/")
    assert services(result) == ["b"]
    assert "HTTPRoute default/zeta matches as specifically" in result.paths[0].hops[2].notes[0]


def test_a_tie_goes_to_the_oldest_route_when_the_manifests_say():
    old = route("zeta", f"- backendRefs: [{to('a')}]").replace("{name: zeta}",
                                                                "{name: zeta, creationTimestamp: '2024-01-01T00:00:00Z'}")
    assert pick(old + route("alpha", f"- backendRefs: [{to('b')}]"), "http://shop.example.com/") == ["a"]


def test_within_a_route_the_first_matching_rule_wins():
    routes = route("r", f"- backendRefs: [{to('a')}]\n- backendRefs: [{to('b')}]")
    assert pick(routes, "http://shop.example.com/") == ["a"]


def test_routes_not_attached_to_the_listener_do_not_serve_it():
    routes = route("elsewhere", f"- backendRefs: [{to('a')}]", parent="{name: public, sectionName: other}") + \
        route("here", f"- backendRefs: [{to('b')}]", parent="{name: public, sectionName: http}")
    assert pick(routes, "http://shop.example.com/") == ["b"]


# --- weights --------------------------------------------------------------------------------------

def test_one_path_per_backend_with_weight_and_its_share():
    rules = f"- backendRefs: [{to('a', 90)}, {to('b', 10)}, {to('c', 0)}]"
    result = trace(gateway() + route("split", rules) + BACKENDS, "http://shop.example.com/")
    assert services(result) == ["a", "b"] and result.ok
    labels = [p.hops[2].label for p in result.paths]
    assert labels[0].endswith("weight 90/100") and labels[1].endswith("weight 10/100")
    assert any("default/c:80 has weight 0: it gets no traffic" in note for note in result.paths[0].hops[2].notes)


def test_a_zero_weight_backend_is_still_checked():
    rules = f"- backendRefs: [{to('a', 1)}, {{name: missing, port: 80, weight: 0}}]"
    report = check_text(gateway() + route("split", rules) + BACKENDS)
    assert [f.rule for f in report.findings if f.rule == "route-backend-service-missing"] == \
        ["route-backend-service-missing"]


def test_every_weight_zero_is_a_500():
    rules = f"- backendRefs: [{to('a', 0)}]"
    result = trace(gateway() + route("split", rules) + BACKENDS, "http://shop.example.com/")
    assert not result.ok and "every backendRef of the rule has weight 0: the Gateway answers 500" in \
        result.paths[0].hops[2].reason


# --- --all and the CLI ----------------------------------------------------------------------------

def test_all_lists_every_listener_with_its_routes_tcp_included():
    text = gateway("- {name: http, protocol: HTTP, port: 80}\n- {name: db, protocol: TCP, port: 5432}\n"
                   "- {name: spare, protocol: HTTP, port: 8080, hostname: spare.example.com}") + \
        route("web", f"- backendRefs: [{to('a')}]", parent="{name: public, sectionName: http}") + """
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: db}
spec:
  parentRefs: [{name: public, sectionName: db}]
  rules: [{backendRefs: [{name: b, port: 80}]}]
""" + BACKENDS
    report = check_text(text)
    entries = Tracer(report.clusters[0], report.findings).everything()
    gateway_entries = [e for e in entries if e.paths[0].hops[1].type == "gateway"]
    assert [e.title for e in gateway_entries] == ["http://*/", "tcp://default/public:5432", "http://spare.example.com:8080/"]
    assert [e.status for e in gateway_entries] == ["ok", "ok", "untraced"]
    tcp = gateway_entries[1].paths[0].hops[2]
    assert tcp.obj.ref.kind == "TCPRoute" and "every connection" in tcp.label


def test_cli_trace_with_headers_and_method_exits_0():
    result = portlint("trace", "https://shop.example.com/api/cart", "--header", "X-Debug: 1", "--method", "post",
                      "-f", "json", str(EXAMPLES / "fixed"))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [[hop["type"] for hop in path["hops"]] for path in document["paths"]] == \
        [["client", "gateway", "route", "service", "workload", "network-policy", "container"]] * 2


@pytest.mark.parametrize("arguments", [
    ("http://x/", "--header", "no colon"),
    ("http://x/", "--method", "FETCH"),
    ("nodeport:30080", "--header", "X: 1"),
])
def test_bad_request_options_are_usage_errors(arguments):
    result = portlint("trace", *arguments, str(EXAMPLES / "fixed"))
    assert result.returncode == 2 and result.stderr.startswith("portlint: error:")


def test_the_broken_example_breaks_where_check_reports():
    result = portlint("trace", "https://shop.example.com/", str(EXAMPLES / "broken"))
    assert result.returncode == 1
    assert "gateway-tls-secret-not-permitted" in result.stdout and "route-backend-port-unmatched" in result.stdout


# --- the network-policy hop: who sends through a Gateway --------------------------------------------

DATA_PLANE = """
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: public-gateway}
spec:
  selector: {matchLabels: {gateway.networking.k8s.io/gateway-name: public}}
  template:
    metadata: {labels: {gateway.networking.k8s.io/gateway-name: public}}
    spec:
      containers: [{name: envoy, image: envoyproxy/envoy}]
"""


def allow_to_a(peer: str) -> str:
    return f"""
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: a-ingress}}
spec:
  podSelector: {{matchLabels: {{app: a}}}}
  ingress: [{{from: [{peer}]}}]
"""


def gateway_policy_hop(text: str, gateway_pods=None, target="http://shop.example.com/"):
    report = check_text(textwrap.dedent(text))
    parsed = parse_target(target)
    result = Trace(parsed.text, Tracer(report.clusters[0], report.findings, gateway_pods=gateway_pods).entries(parsed))
    (path,) = result.paths
    assert [h.type for h in path.hops] == ["client", "gateway", "route", "service", "workload", "network-policy",
                                           "container"]
    return path.hops[5]


WEB = gateway() + route("web", f"- backendRefs: [{to('a')}]") + BACKENDS
FROM_DATA_PLANE = allow_to_a("{podSelector: {matchLabels: {gateway.networking.k8s.io/gateway-name: public}}}")
FROM_OTHERS = allow_to_a("{podSelector: {matchLabels: {app: b}}}")


def test_through_a_gateway_the_source_is_its_data_plane_pods_by_the_gep_1762_label():
    admitted = gateway_policy_hop(WEB + DATA_PLANE + FROM_DATA_PLANE)
    assert admitted.ok and admitted.reason.startswith("policy a-ingress admits Deployment default/public-gateway")
    assert admitted.obj.name == "a-ingress"
    blocked = gateway_policy_hop(WEB + DATA_PLANE + FROM_OTHERS)
    assert not blocked.ok and "from Deployment default/public-gateway" in blocked.reason


def test_another_gateways_data_plane_is_not_the_source():
    elsewhere = DATA_PLANE.replace("gateway-name: public", "gateway-name: internal")
    hop = gateway_policy_hop(WEB + elsewhere + FROM_OTHERS)
    assert hop.ok and hop.reason == NOT_JUDGED  # the pods of Gateway internal do not send public's traffic


def test_without_its_pods_in_the_input_a_gateway_source_is_not_judged_unless_configured():
    hop = gateway_policy_hop(WEB + FROM_OTHERS)
    assert hop.ok and hop.reason == NOT_JUDGED and "the Gateway's data plane → a" in hop.label
    configured = {"namespace": "envoy-gateway-system", "labels": {"app.kubernetes.io/name": "envoy"}}
    blocked = gateway_policy_hop(WEB + FROM_OTHERS, gateway_pods=configured)
    assert not blocked.ok and "the Gateway controller's pods (namespace envoy-gateway-system)" in blocked.reason
    assert "the source is known by its labels only (setting gateway-controller-pods)" in blocked.notes
    admitting = allow_to_a("{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: envoy-gateway-system}}}")
    admitted = gateway_policy_hop(WEB + admitting, gateway_pods=configured)
    assert admitted.ok and admitted.reason.startswith("policy a-ingress admits the Gateway controller's pods")


def test_the_ingress_setting_is_not_the_gateway_source():
    report = check_text(textwrap.dedent(WEB + FROM_OTHERS))
    parsed = parse_target("http://shop.example.com/")
    tracer = Tracer(report.clusters[0], report.findings, controller_pods={"namespace": "ingress-nginx"})
    (path,) = tracer.entries(parsed)[0].paths
    assert path.hops[5].ok and path.hops[5].reason == NOT_JUDGED


TRAEFIK = """
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: example}
spec: {controllerName: traefik.io/gateway-controller}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: traefik, namespace: traefik}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: traefik}}
  template:
    metadata: {labels: {app.kubernetes.io/name: traefik}}
    spec:
      containers: [{name: traefik, image: traefik}]
"""


def test_a_controller_that_serves_every_gateway_of_its_class_is_found_by_its_conventional_labels():
    blocked = gateway_policy_hop(WEB + TRAEFIK + FROM_OTHERS)
    assert not blocked.ok and "from Deployment traefik/traefik" in blocked.reason
    admitting = allow_to_a("{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: traefik}}}")
    assert gateway_policy_hop(WEB + TRAEFIK + admitting).ok


def test_a_gke_gateway_sends_from_outside_the_cluster():
    gke = WEB.replace("gatewayClassName: example", "gatewayClassName: gke-l7-global-external-managed")
    blocked = gateway_policy_hop(gke + FROM_OTHERS)
    assert not blocked.ok and "a client outside the cluster" in blocked.label
    admitted = gateway_policy_hop(gke + allow_to_a("{ipBlock: {cidr: 0.0.0.0/0}}"))
    assert admitted.ok


def test_all_traces_each_gateway_from_its_own_data_plane():
    other = gateway(name="internal") + route("internal-web", f"- backendRefs: [{to('a')}]", parent="{name: internal}")
    report = check_text(textwrap.dedent(WEB + other + DATA_PLANE + FROM_DATA_PLANE))
    entries = [e for e in Tracer(report.clusters[0], report.findings).everything()
               if e.paths[0].hops[1].type == "gateway"]
    hops = {e.paths[0].hops[1].obj.name: e.paths[0].hops[5] for e in entries}
    assert hops["public"].ok and "Deployment default/public-gateway" in hops["public"].reason
    assert hops["internal"].ok and hops["internal"].reason == NOT_JUDGED


def test_cli_the_config_key_names_the_gateway_pods(tmp_path):
    (tmp_path / "app.yaml").write_text(textwrap.dedent(WEB + FROM_OTHERS))
    (tmp_path / ".portlint.yaml").write_text("gateway-controller-pods:\n  namespace: envoy-gateway-system\n")
    result = portlint("trace", "http://shop.example.com/", "app.yaml", cwd=tmp_path)
    assert result.returncode == 1 and "the Gateway controller's pods (namespace envoy-gateway-system)" in result.stdout
