"""`portlint trace` through Gateway API: listener choice, HTTPRoute precedence, weights, redirects, --all."""

import json
import textwrap

import pytest

from conftest import ROOT
from portlint.run import check_text
from portlint.trace import Tracer, parse_target, with_request
from portlint.trace.hops import Trace
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
    assert [h.type for h in path.hops] == ["client", "gateway", "route", "service", "workload", "container"]
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
        [["client", "gateway", "route", "service", "workload", "container"]] * 2


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
