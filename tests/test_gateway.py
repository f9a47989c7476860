"""Gateway API rules: parentRefs, listener admission, hostnames, backends, ReferenceGrants, listeners, TLS Secrets."""

import textwrap

import pytest

from conftest import lint, only
from portlint.attachment import hostnames_intersect, intersection

APP = """
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports:
    - {name: http, port: 80, targetPort: http}
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
          ports: [{name: http, containerPort: 8080}]
"""


def gateway(listeners: str, name: str = "public", namespace: str = "infra", annotations: str = "{}") -> str:
    """A Gateway; `listeners` is the YAML list of listeners, at any indentation."""
    body = textwrap.indent(textwrap.dedent(listeners).strip(), "    ")
    return f"""
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: {name}, namespace: {namespace}, annotations: {annotations}}}
spec:
  gatewayClassName: example
  listeners:
{body}
"""


HTTP_ALL = "- {name: http, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: All}}}"


def route(parent: str = "{name: public, namespace: infra}", hostnames: str = "[shop.example.com]",
          backends: str = "[{name: web, port: 80}]", kind: str = "HTTPRoute", namespace: str = "shop",
          name: str = "web", api: str = "gateway.networking.k8s.io/v1") -> str:
    return f"""
---
apiVersion: {api}
kind: {kind}
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  parentRefs: [{parent}]
  hostnames: {hostnames}
  rules:
    - backendRefs: {backends}
"""


def rules_of(text: str, *rules: str) -> list:
    return [f for f in lint(text) if f.rule in rules]


# --- route-parent-missing -------------------------------------------------------------------------

def test_a_parent_ref_to_a_gateway_that_is_not_there_is_reported():
    text = gateway(HTTP_ALL) + route("{name: publik, namespace: infra}") + APP
    [finding] = only(lint(text), "route-parent-missing")
    assert "'publik', which is not in namespace infra" in finding.message
    assert "did you mean Gateway 'public'" in finding.hint


def test_the_parent_namespace_defaults_to_the_routes_and_the_hint_names_the_gateways_namespace():
    text = gateway(HTTP_ALL) + route("{name: public}") + gateway(HTTP_ALL, name="other", namespace="shop") + APP
    [finding] = only(lint(text), "route-parent-missing")
    assert "not in namespace shop" in finding.message
    assert "set `namespace: infra`" in finding.hint
    assert finding.related[0].namespace == "infra"


def test_when_that_gateway_admits_only_its_own_namespace_the_hint_moves_the_route_there():
    # a parentRef naming infra would be refused (NotAllowedByListeners): the route belongs in infra
    same = "- {name: http, protocol: HTTP, port: 80}"  # allowedRoutes.namespaces.from: Same, the default
    text = gateway(same) + route("{name: public}") + gateway(HTTP_ALL, name="other", namespace="shop") + APP
    [finding] = only(lint(text), "route-parent-missing")
    assert "admit only routes in infra" in finding.hint
    assert "set the route's metadata.namespace to infra" in finding.hint
    assert "in the parentRef" not in finding.hint


def test_a_gateway_installed_from_another_repository_is_not_reported():
    # no Gateway at all in namespace infra, and none named public anywhere
    assert only(lint(route() + APP), "route-parent-missing") == []


def test_a_gateway_of_that_name_in_another_namespace_is_reported_although_the_namespace_holds_none():
    text = gateway(HTTP_ALL, namespace="default") + route() + APP
    [finding] = only(lint(text), "route-parent-missing")
    assert "set `namespace: default`" in finding.hint


@pytest.mark.parametrize("parent, reported", [
    ("{name: public, namespace: infra, sectionName: http}", False),
    ("{name: public, namespace: infra, sectionName: https}", True),
    ("{name: public, namespace: infra, port: 80}", False),
    ("{name: public, namespace: infra, port: 8080}", True),
    ("{name: public, namespace: infra, sectionName: http, port: 8080}", True),  # must match both
])
def test_section_name_and_port_select_listeners(parent, reported):
    findings = only(lint(gateway(HTTP_ALL) + route(parent) + APP), "route-parent-missing")
    assert bool(findings) == reported
    if reported:
        assert "matches no listener of Gateway infra/public (listeners: http (HTTP :80))" in findings[0].message


def test_a_section_name_with_the_wrong_port_says_which_port_the_listener_has():
    text = gateway(HTTP_ALL) + route("{name: public, namespace: infra, sectionName: http, port: 8080}") + APP
    [finding] = only(lint(text), "route-parent-missing")
    assert "listens on port 80" in finding.hint


def test_parent_refs_to_other_kinds_are_not_checked():
    text = route("{group: '', kind: Service, name: web}") + gateway(HTTP_ALL, namespace="shop") + APP
    assert only(lint(text), "route-parent-missing") == []


def test_without_namespaces_route_and_gateway_are_applied_together():
    # kubectl apply -n reconfig: neither sets metadata.namespace, the parentRef names reconfig
    text = """
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gateway}
spec:
  gatewayClassName: nginx
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: gateway, namespace: reconfig, sectionName: http}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
"""
    assert rules_of(text, "route-parent-missing", "route-not-allowed") == []


# --- route-not-allowed ----------------------------------------------------------------------------

def listener(allowed: str = "", protocol: str = "HTTP", port: int = 80, extra: str = "") -> str:
    allowed_routes = f", allowedRoutes: {allowed}" if allowed else ""
    return f"- {{name: l, protocol: {protocol}, port: {port}{allowed_routes}{extra}}}"


NAMESPACE_SHOP = """
---
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop, shared-gateway-access: "true"}}
"""


@pytest.mark.parametrize("allowed, extra, reported", [
    ("", "", True),  # from: Same by default
    ("{namespaces: {from: Same}}", "", True),
    ("{namespaces: {from: All}}", "", False),
    ("{namespaces: {from: Selector, selector: {matchLabels: {shared-gateway-access: 'true'}}}}", NAMESPACE_SHOP, False),
    ("{namespaces: {from: Selector, selector: {matchLabels: {shared-gateway-access: 'true'}}}}", "", True),
    ("{namespaces: {from: Selector, selector: {matchLabels: {team: web}}}}", NAMESPACE_SHOP, True),
    # the API server labels every Namespace with its name, whether or not the input holds it
    ("{namespaces: {from: Selector, selector: {matchLabels: {kubernetes.io/metadata.name: shop}}}}", "", False),
    ("{namespaces: {from: Selector, selector: {matchExpressions: [{key: kubernetes.io/metadata.name, "
     "operator: In, values: [shop, web]}]}}}", "", False),
])
def test_allowed_routes_namespaces(allowed, extra, reported):
    text = gateway(listener(allowed)) + route() + APP + extra
    findings = only(lint(text), "route-not-allowed")
    assert bool(findings) == reported


def test_the_default_same_namespace_is_explained():
    [finding] = only(lint(gateway(listener()) + route() + APP), "route-not-allowed")
    assert "admits only routes in the Gateway's namespace infra (allowedRoutes.namespaces.from: Same, the default)" \
        in finding.message
    assert "NotAllowedByListeners" in finding.message
    assert "set allowedRoutes.namespaces.from: All" in finding.hint


def test_a_selector_on_a_namespace_the_input_does_not_hold_says_so():
    allowed = "{namespaces: {from: Selector, selector: {matchLabels: {shared-gateway-access: 'true'}}}}"
    [finding] = only(lint(gateway(listener(allowed)) + route() + APP), "route-not-allowed")
    assert "only its kubernetes.io/metadata.name label is known" in finding.hint


def test_a_route_in_the_gateways_namespace_is_admitted_by_default():
    text = gateway(listener(), namespace="shop") + route("{name: public}") + APP
    assert rules_of(text, "route-not-allowed", "route-parent-missing") == []


@pytest.mark.parametrize("protocol, kind, extra, reported", [
    ("HTTP", "HTTPRoute", "", False),
    ("HTTPS", "HTTPRoute", ", tls: {certificateRefs: [{name: c}]}", False),
    ("HTTP", "GRPCRoute", "", False),
    ("TCP", "HTTPRoute", "", True),
    ("TCP", "TCPRoute", "", False),
    ("UDP", "UDPRoute", "", False),
    ("UDP", "TCPRoute", "", True),
    ("TLS", "TLSRoute", ", tls: {mode: Passthrough}", False),
    ("TLS", "HTTPRoute", ", tls: {mode: Passthrough}", True),
    ("http", "HTTPRoute", "", False),  # core protocols are case-insensitive
    ("example.com/custom", "HTTPRoute", "", False),  # implementation-specific protocols are not judged
])
def test_the_listener_protocol_decides_the_route_kinds(protocol, kind, extra, reported):
    hostnames = "[]" if kind in ("TCPRoute", "UDPRoute") else "[shop.example.com]"
    text = gateway(listener("{namespaces: {from: All}}", protocol=protocol, extra=extra)) + \
        route(kind=kind, hostnames=hostnames) + APP
    findings = only(lint(text), "route-not-allowed")
    assert bool(findings) == reported
    if reported:
        assert f"not {kind}" in findings[0].message


@pytest.mark.parametrize("kinds, reported", [
    ("[{kind: HTTPRoute}]", False),
    ("[{group: gateway.networking.k8s.io, kind: HTTPRoute}]", False),
    ("[{kind: GRPCRoute}]", True),
    ("[{group: example.com, kind: HTTPRoute}]", True),
    ("[{kind: TCPRoute}]", True),  # dropped: HTTP does not carry it, so nothing is left
])
def test_allowed_routes_kinds(kinds, reported):
    text = gateway(listener(f"{{namespaces: {{from: All}}, kinds: {kinds}}}")) + route() + APP
    assert bool(only(lint(text), "route-not-allowed")) == reported


def test_a_route_attaches_when_any_one_listener_admits_it():
    listeners = """
    - {name: same, protocol: HTTP, port: 80}
    - {name: all, protocol: HTTP, port: 8080, allowedRoutes: {namespaces: {from: All}}}
    """
    assert only(lint(gateway(listeners) + route() + APP), "route-not-allowed") == []


def test_a_section_name_narrows_the_listeners_that_may_admit():
    listeners = """
    - {name: same, protocol: HTTP, port: 80}
    - {name: all, protocol: HTTP, port: 8080, allowedRoutes: {namespaces: {from: All}}}
    """
    text = gateway(listeners) + route("{name: public, namespace: infra, sectionName: same}") + APP
    [finding] = only(lint(text), "route-not-allowed")
    assert "listener same admits only routes" in finding.message


# --- route-hostname-mismatch ----------------------------------------------------------------------

@pytest.mark.parametrize("listener_host, route_host, expected", [
    (None, "shop.example.com", True),
    ("shop.example.com", "shop.example.com", True),
    ("shop.example.com", "web.example.com", False),
    ("*.example.com", "shop.example.com", True),
    ("*.example.com", "a.b.example.com", True),  # one or more labels
    ("*.example.com", "example.com", False),  # never the apex
    ("*.example.com", "shop.example.net", False),
    ("shop.example.com", "*.example.com", True),
    ("example.com", "*.example.com", False),
    ("*.example.com", "*.example.com", True),
    ("*.example.com", "*.shop.example.com", True),
    ("*.shop.example.com", "*.example.com", True),
    ("*.example.com", "*.example.net", False),
    ("Shop.Example.com", "shop.example.com", True),
])
def test_hostname_intersection(listener_host, route_host, expected):
    assert hostnames_intersect(listener_host, route_host) == expected


def test_route_hostnames_outside_the_listener_are_ignored():
    assert intersection("*.example.com", ["shop.example.com", "shop.example.net"]) == ["shop.example.com"]
    assert intersection("shop.example.com", []) == ["shop.example.com"]
    assert intersection(None, []) == []


@pytest.mark.parametrize("listener_host, hostnames, reported", [
    ("'*.example.com'", "[example.com]", True),
    ("'*.example.com'", "[shop.example.com]", False),
    ("'*.example.com'", "[]", False),  # a route without hostnames takes the listener's
    ("shop.example.com", "[web.example.com, shop.example.com]", False),
    ("shop.example.com", "[web.example.com]", True),
])
def test_route_hostname_mismatch(listener_host, hostnames, reported):
    listeners = f"- {{name: http, protocol: HTTP, port: 80, hostname: {listener_host}, " \
                f"allowedRoutes: {{namespaces: {{from: All}}}}}}"
    findings = only(lint(gateway(listeners) + route(hostnames=hostnames) + APP), "route-hostname-mismatch")
    assert bool(findings) == reported
    if reported:
        assert "NoMatchingListenerHostname" in findings[0].message


def test_the_apex_under_a_wildcard_listener_is_explained():
    listeners = "- {name: http, protocol: HTTP, port: 80, hostname: '*.example.com', allowedRoutes: {namespaces: {from: All}}}"
    [finding] = only(lint(gateway(listeners) + route(hostnames="[example.com]") + APP), "route-hostname-mismatch")
    assert "never example.com itself" in finding.hint


def test_hostnames_of_listeners_that_do_not_admit_the_route_do_not_count():
    listeners = """
    - {name: same, protocol: HTTP, port: 80, hostname: shop.example.com}
    - {name: all, protocol: HTTP, port: 8080, hostname: web.example.com, allowedRoutes: {namespaces: {from: All}}}
    """
    findings = rules_of(gateway(listeners) + route() + APP, "route-hostname-mismatch", "route-not-allowed")
    assert [f.rule for f in findings] == ["route-hostname-mismatch"]
    assert "all (web.example.com)" in findings[0].message


def test_a_route_not_admitted_is_not_also_a_hostname_mismatch():
    listeners = "- {name: http, protocol: HTTP, port: 80, hostname: web.example.com}"
    findings = rules_of(gateway(listeners) + route() + APP, "route-hostname-mismatch", "route-not-allowed")
    assert [f.rule for f in findings] == ["route-not-allowed"]


# --- route-backend-service-missing / route-backend-port-unmatched ---------------------------------

def test_a_backend_service_that_does_not_exist_is_reported():
    text = gateway(HTTP_ALL) + route(backends="[{name: wbe, port: 80}]") + APP
    [finding] = only(lint(text), "route-backend-service-missing")
    assert "names Service 'wbe', which does not exist in namespace shop" in finding.message
    assert "did you mean it" in finding.hint and "'web'" in finding.hint


def test_a_backend_in_another_namespace_that_the_input_does_not_hold_is_not_reported():
    text = gateway(HTTP_ALL) + route(backends="[{name: api, namespace: payments, port: 80}]") + APP
    assert rules_of(text, "route-backend-service-missing", "route-backend-not-permitted") == []


def test_a_route_over_a_separately_installed_app_is_info_with_the_reason():
    # the route's unit holds no Service and no workload of namespace shop: its backends are installed elsewhere
    [finding] = only(lint(gateway(HTTP_ALL) + route(backends="[{name: frontend, port: 80}]")),
                     "route-backend-service-missing")
    assert finding.severity == "info" and finding.downgrade.default == "error"
    assert "nothing applied with this HTTPRoute (its apply unit) runs in namespace shop" in finding.downgrade.reason
    # with the app's Service and Deployment beside it, a backend that names none of them is an error
    [beside] = only(lint(gateway(HTTP_ALL) + route(backends="[{name: frontend, port: 80}]") + APP),
                    "route-backend-service-missing")
    assert beside.severity == "error" and beside.downgrade is None


def test_the_hint_names_the_namespace_that_has_the_service():
    text = gateway(HTTP_ALL) + route() + APP.replace("namespace: shop", "namespace: web")
    [finding] = only(lint(text), "route-backend-service-missing")
    assert "exists in namespace web: set `namespace: web`" in finding.hint


def test_a_backend_that_is_not_a_service_is_not_looked_up():
    text = gateway(HTTP_ALL) + route(backends="[{group: example.com, kind: Bucket, name: assets}]") + APP
    assert rules_of(text, "route-backend-service-missing", "route-backend-port-unmatched") == []


@pytest.mark.parametrize("port, hint", [
    (8080, "8080 is the container port that Service port http (80/TCP) targets; a backendRef names the Service's "
           "port: use 80"),
    (81, "use the Service's port, 80"),
])
def test_a_backend_port_that_is_not_a_service_port(port, hint):
    text = gateway(HTTP_ALL) + route(backends=f"[{{name: web, port: {port}}}]") + APP
    [finding] = only(lint(text), "route-backend-port-unmatched")
    assert f"port {port} is not a port of Service web (ports: http (80/TCP))" in finding.message
    assert finding.hint == hint


def test_a_service_backend_without_port_is_reported():
    text = gateway(HTTP_ALL) + route(backends="[{name: web}]") + APP
    [finding] = only(lint(text), "route-backend-port-unmatched")
    assert "has no port, which a Service backend requires" in finding.message
    assert "use `port: 80`" in finding.hint


def test_a_backend_with_the_service_port_is_clean():
    assert rules_of(gateway(HTTP_ALL) + route() + APP, "route-backend-port-unmatched",
                    "route-backend-service-missing") == []


def test_a_nodeport_is_recognised():
    app = APP.replace("{name: http, port: 80, targetPort: http}", "{name: http, port: 80, targetPort: http, "
                                                                  "nodePort: 30080}").replace(
        "spec:\n  selector: {app: web}", "spec:\n  type: NodePort\n  selector: {app: web}")
    [finding] = only(lint(gateway(HTTP_ALL) + route(backends="[{name: web, port: 30080}]") + app),
                     "route-backend-port-unmatched")
    assert "30080 is a nodePort" in finding.hint


# --- route-backend-not-permitted ------------------------------------------------------------------

PAYMENTS = """
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: payments}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: payments}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: example/api, ports: [{containerPort: 8080}]}]
"""


def grant(sources: str, targets: str, namespace: str = "payments", api: str = "v1beta1") -> str:
    return f"""
---
apiVersion: gateway.networking.k8s.io/{api}
kind: ReferenceGrant
metadata: {{name: grant, namespace: {namespace}}}
spec:
  from: {sources}
  to: {targets}
"""


ROUTES_FROM_SHOP = "[{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop}]"


@pytest.mark.parametrize("grants, reported", [
    ("", True),
    (grant(ROUTES_FROM_SHOP, "[{group: '', kind: Service}]"), False),
    (grant(ROUTES_FROM_SHOP, "[{group: '', kind: Service, name: api}]"), False),
    (grant(ROUTES_FROM_SHOP, "[{group: '', kind: Service, name: api}]", api="v1"), False),
    (grant(ROUTES_FROM_SHOP, "[{group: '', kind: Service, name: web}]"), True),  # to.name must match
    (grant(ROUTES_FROM_SHOP, "[{group: gateway.networking.k8s.io, kind: Gateway}]"), True),  # to.kind
    (grant("[{group: gateway.networking.k8s.io, kind: GRPCRoute, namespace: shop}]",
           "[{group: '', kind: Service}]"), True),  # from.kind
    (grant("[{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: web}]",
           "[{group: '', kind: Service}]"), True),  # from.namespace
    (grant(ROUTES_FROM_SHOP, "[{group: '', kind: Service}]", namespace="shop"), True),  # the grant's own namespace
    (grant("[{group: gateway.networking.k8s.io, kind: GRPCRoute, namespace: shop}, "
           "{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop}]",
           "[{group: '', kind: Secret}, {group: '', kind: Service, name: api}]"), False),  # entries are ORed
])
def test_reference_grants(grants, reported):
    text = gateway(HTTP_ALL) + route(backends="[{name: api, namespace: payments, port: 80}]") + PAYMENTS + grants
    findings = only(lint(text), "route-backend-not-permitted")
    assert bool(findings) == reported
    if reported:
        assert "no ReferenceGrant in payments permits HTTPRoutes from shop" in findings[0].message


def test_the_hint_explains_a_grant_that_does_not_match():
    text = gateway(HTTP_ALL) + route(backends="[{name: api, namespace: payments, port: 80}]") + PAYMENTS + \
        grant(ROUTES_FROM_SHOP, "[{group: '', kind: Service, name: web}]")
    [finding] = only(lint(text), "route-backend-not-permitted")
    assert "ReferenceGrant grant in payments does not match" in finding.hint


def test_a_backend_in_the_routes_own_namespace_needs_no_grant():
    text = gateway(HTTP_ALL) + route(backends="[{name: web, namespace: shop, port: 80}]") + APP
    assert only(lint(text), "route-backend-not-permitted") == []


# --- gateway-listener-conflict --------------------------------------------------------------------

@pytest.mark.parametrize("listeners, expected", [
    ("- {name: a, protocol: HTTP, port: 80}\n- {name: a, protocol: HTTP, port: 8080}", ["already used"]),
    ("- {name: a, protocol: HTTP, port: 80}\n- {name: b, protocol: HTTP, port: 80}", ["rejects the Gateway"] * 2),
    ("- {name: a, protocol: HTTP, port: 80, hostname: x.example.com}\n"
     "- {name: b, protocol: HTTP, port: 80, hostname: x.example.com}", ["rejects the Gateway"] * 2),
    ("- {name: a, protocol: HTTP, port: 80, hostname: x.example.com}\n- {name: b, protocol: HTTP, port: 80}", []),
    ("- {name: a, protocol: HTTP, port: 80, hostname: x.example.com}\n"
     "- {name: b, protocol: HTTP, port: 80, hostname: y.example.com}", []),
    ("- {name: a, protocol: HTTP, port: 80}\n- {name: b, protocol: TCP, port: 80}", ["TCP listener b"] * 2),
    ("- {name: a, protocol: TCP, port: 443}\n- {name: b, protocol: HTTPS, port: 443, tls: {mode: Passthrough}}",
     ["TCP listener a"] * 2),
    ("- {name: a, protocol: HTTPS, port: 443, tls: {mode: Passthrough}}\n"
     "- {name: b, protocol: TLS, port: 443, tls: {mode: Passthrough}}", ["TLS server name"] * 2),
    ("- {name: a, protocol: HTTPS, port: 443, hostname: '*.example.com', tls: {mode: Passthrough}}\n"
     "- {name: b, protocol: TLS, port: 443, hostname: abc.example.com, tls: {mode: Passthrough}}", []),
    ("- {name: a, protocol: HTTPS, port: 443, tls: {mode: Passthrough}}\n- {name: b, protocol: UDP, port: 443}", []),
    ("- {name: a, protocol: TCP, port: 53}\n- {name: b, protocol: UDP, port: 53}", []),
])
def test_listener_conflicts(listeners, expected):
    findings = only(lint(gateway(listeners)), "gateway-listener-conflict")
    assert len(findings) == len(expected)
    for finding, text in zip(findings, expected):
        assert text in finding.message
    if len(expected) == 1:  # a repeated name is the later listener's
        assert findings[0].field_path == "spec.listeners[1].name"


# --- TLS Secrets ----------------------------------------------------------------------------------

def https(refs: str, mode: str = "") -> str:
    return f"- {{name: https, protocol: HTTPS, port: 443, tls: {{{mode}certificateRefs: {refs}}}}}"


SECRET = """
---
apiVersion: v1
kind: Secret
metadata: {name: shop-tls, namespace: infra}
type: kubernetes.io/tls
"""


@pytest.mark.parametrize("listeners, extra, annotations, reported", [
    (https("[{name: shop-tls}]"), "", "{}", True),
    (https("[{name: shop-tls}]"), SECRET, "{}", False),
    (https("[{kind: Secret, group: '', name: shop-tls}]"), SECRET, "{}", False),
    (https("[{name: shop-tls}]"), "", "{cert-manager.io/cluster-issuer: letsencrypt}", False),
    (https("[{name: shop-tls}]"), "---\napiVersion: cert-manager.io/v1\nkind: Certificate\n"
     "metadata: {name: shop, namespace: infra}\nspec: {secretName: shop-tls}\n", "{}", False),
    (https("[{name: shop-tls}]", mode="mode: Passthrough, "), "", "{}", False),  # certificateRefs are ignored
    (https("[{group: example.com, kind: Vault, name: shop-tls}]"), "", "{}", False),
])
def test_tls_secret_missing(listeners, extra, annotations, reported):
    findings = only(lint(gateway(listeners, annotations=annotations) + extra), "gateway-tls-secret-missing")
    assert bool(findings) == reported
    if reported:
        assert findings[0].severity == "info"
        assert "TLS Secret 'shop-tls' is not among the Secrets of namespace infra" in findings[0].message


CERTS = """
---
apiVersion: v1
kind: Secret
metadata: {name: shop-tls, namespace: certs}
type: kubernetes.io/tls
"""
GATEWAYS_FROM_INFRA = "[{group: gateway.networking.k8s.io, kind: Gateway, namespace: infra}]"


@pytest.mark.parametrize("grants, reported", [
    ("", True),
    (grant(GATEWAYS_FROM_INFRA, "[{group: '', kind: Secret}]", namespace="certs"), False),
    (grant(GATEWAYS_FROM_INFRA, "[{group: '', kind: Secret, name: shop-tls}]", namespace="certs"), False),
    (grant(GATEWAYS_FROM_INFRA, "[{group: '', kind: Secret, name: other}]", namespace="certs"), True),
    (grant("[{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: infra}]", "[{group: '', kind: Secret}]",
           namespace="certs"), True),
])
def test_tls_secret_not_permitted(grants, reported):
    text = gateway(https("[{name: shop-tls, namespace: certs}]")) + CERTS + grants
    findings = only(lint(text), "gateway-tls-secret-not-permitted")
    assert bool(findings) == reported
    assert only(lint(text), "gateway-tls-secret-missing") == []


def test_a_certificate_namespace_the_input_does_not_hold_is_not_judged():
    text = gateway(https("[{name: shop-tls, namespace: certs}]"))
    assert only(lint(text), "gateway-tls-secret-not-permitted") == []


# --- shapes and versions --------------------------------------------------------------------------

def test_wrong_shapes_are_manifest_invalid_not_tracebacks():
    text = """
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: 5}]
  rules: [{backendRefs: [{name: web, port: "80"}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: public}
spec:
  gatewayClassName: example
  listeners: [{name: http, protocol: HTTP}]
"""
    findings = only(lint(text), "manifest-invalid")
    paths = sorted(f.field_path for f in findings)
    assert paths == ["spec.listeners[0]", "spec.parentRefs[0].name", "spec.rules[0].backendRefs[0].port"]


@pytest.mark.parametrize("api, kind, reported", [
    ("gateway.networking.k8s.io/v1alpha2", "HTTPRoute", True),
    ("gateway.networking.k8s.io/v1alpha2", "Gateway", True),
    ("gateway.networking.k8s.io/v1alpha2", "GRPCRoute", True),
    ("gateway.networking.k8s.io/v1alpha2", "ReferenceGrant", True),
    ("gateway.networking.k8s.io/v1alpha2", "TCPRoute", False),
    ("gateway.networking.k8s.io/v1alpha2", "TLSRoute", False),
    ("gateway.networking.k8s.io/v1beta1", "HTTPRoute", False),
    ("gateway.networking.k8s.io/v1", "GRPCRoute", False),
])
def test_gateway_api_versions_no_longer_served(api, kind, reported):
    text = f"apiVersion: {api}\nkind: {kind}\nmetadata: {{name: x}}\nspec: {{}}\n"
    findings = only(lint(text), "deprecated-api")
    assert bool(findings) == reported
    if reported:
        assert "Gateway API's CRDs stopped serving" in findings[0].message


def test_the_old_api_versions_are_still_read():
    text = gateway(listener()).replace("gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1") + \
        route(api="gateway.networking.k8s.io/v1beta1") + APP
    assert [f.rule for f in only(lint(text), "route-not-allowed")] == ["route-not-allowed"]


def test_of_several_definitions_of_a_gateway_the_nearest_counts(tmp_path):
    # two independent examples reuse Gateway default/gateway: each route is judged against its own
    from portlint.run import check_paths
    from portlint.settings import Settings

    for example, allowed in (("open", "{namespaces: {from: All}}"), ("closed", "{namespaces: {from: Same}}")):
        folder = tmp_path / example
        folder.mkdir()
        (folder / "gateway.yaml").write_text(gateway(f"- {{name: http, protocol: HTTP, port: 80, "
                                                     f"allowedRoutes: {allowed}}}", name="gateway",
                                                     namespace="default"))
        (folder / "route.yaml").write_text(route("{name: gateway, namespace: default}") + APP)
    findings = [f for f in check_paths([str(tmp_path)], Settings()).findings if f.rule == "route-not-allowed"]
    assert [f.file.split("/")[-2] for f in findings] == ["closed"]


@pytest.mark.parametrize("spec, missing", [
    ("spec:\n  gatewayClassName: example\nlisteners:\n  - {name: http, protocol: HTTP, port: 80}\n", "'listeners'"),
    ("spec:\n  listeners: [{name: http, protocol: HTTP, port: 80}]\n", "'gatewayClassName'"),
    ("", "'spec'"),
])
def test_a_gateway_without_listeners_or_class_is_rejected_by_its_crd(spec, missing):
    # GatewaySpec: gatewayClassName and listeners are +required, listeners MinItems=1, and spec itself is
    # required (apis/v1/gateway_types.go); `listeners:` written beside spec instead of in it is the usual slip
    text = f"apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: public, namespace: infra}}\n{spec}"
    findings = lint(text + "---\n" + route("{name: public, namespace: infra}") + APP)
    [finding] = only(findings, "manifest-invalid")
    assert f"{missing} is required" in finding.message
    assert not [f for f in findings if f.rule.startswith("route-")]  # the listeners are unknown: nothing concluded


@pytest.mark.parametrize("count, expected", [(0, "expected at least 1 item, got 0"),
                                             (65, "expected at most 64 items, got 65")])
def test_a_gateway_with_no_listener_or_more_than_64_is_rejected_by_its_crd(count, expected):
    # GatewaySpec.Listeners: +kubebuilder:validation:MinItems=1, MaxItems=64 (apis/v1/gateway_types.go)
    listeners = "".join(f"\n  - {{name: l{i}, protocol: HTTP, port: {1000 + i}}}" for i in range(count)) or " []"
    text = ("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: public, namespace: infra}\n"
            f"spec:\n  gatewayClassName: example\n  listeners:{listeners}\n")
    findings = lint(text + "---\n" + route("{name: public, namespace: infra}") + APP)
    [finding] = only(findings, "manifest-invalid")
    assert finding.message.endswith(f"spec.listeners: {expected}") and finding.line == 6
    assert not [f for f in findings if f.rule.startswith("route-")]  # the listeners are unknown: nothing concluded


def test_one_and_64_listeners_are_valid():
    for count in (1, 64):
        listeners = "".join(f"\n  - {{name: l{i}, protocol: HTTP, port: {1000 + i}}}" for i in range(count))
        text = ("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: public, namespace: infra}\n"
                f"spec:\n  gatewayClassName: example\n  listeners:{listeners}\n")
        assert only(lint(text), "manifest-invalid") == []


# --- invalid objects still exist (builder/readable.py): no conclusion from what was left out -----

def test_a_listener_that_failed_validation_may_be_the_one_a_section_name_means():
    listeners = "- {name: http, protocol: HTTP, port: 80}\n- {name: https, protocol: HTTPS, port: '443'}"
    findings = lint(gateway(listeners) + route("{name: public, namespace: infra, sectionName: https}") + APP)
    assert "manifest-invalid" in {f.rule for f in findings}
    assert only(findings, "route-parent-missing") == [] and only(findings, "route-not-allowed") == []


def test_the_valid_listeners_of_a_gateway_with_an_invalid_one_still_take_routes():
    listeners = f"{HTTP_ALL}\n- {{name: https, protocol: HTTPS, port: '443'}}"
    text = gateway(listeners) + route("{name: public, namespace: infra, sectionName: http}",
                                      backends="[{name: web, port: 8080}]") + APP
    assert [f.rule for f in lint(text) if f.rule.startswith("route-")] == ["route-backend-port-unmatched"]


def test_a_gateway_whose_name_failed_validation_may_be_the_parent():
    unplaced = gateway(HTTP_ALL).replace("{name: public, namespace: infra,", "{name: 7, namespace: infra,")
    findings = lint(unplaced + gateway(HTTP_ALL, name="other") + route() + APP)
    assert "manifest-invalid" in {f.rule for f in findings} and only(findings, "route-parent-missing") == []


def test_a_service_whose_name_failed_validation_may_be_the_backend():
    app = APP.replace("metadata: {name: web, namespace: shop}\nspec:\n  selector", "metadata: {name: [web], namespace: shop}"
                                                                                   "\nspec:\n  selector")
    findings = lint(gateway(HTTP_ALL) + route() + app)
    assert "manifest-invalid" in {f.rule for f in findings} and only(findings, "route-backend-service-missing") == []


def test_a_service_port_that_failed_validation_may_be_the_backends():
    app = APP.replace("{name: http, port: 80, targetPort: http}", "{name: http, port: 80, targetPort: http}, "
                                                                  "{name: alt, port: '8080'}")
    findings = lint(gateway(HTTP_ALL) + route(backends="[{name: web, port: 8080}]") + app)
    assert only(findings, "route-backend-port-unmatched") == []


def test_a_reference_grant_that_failed_validation_may_be_the_permit():
    broken = grant("[{group: gateway.networking.k8s.io, kind: HTTPRoute}]", "[{group: '', kind: Service}]")
    text = gateway(HTTP_ALL) + route(backends="[{name: api, namespace: payments, port: 80}]") + PAYMENTS + broken
    findings = lint(text)
    assert "manifest-invalid" in {f.rule for f in findings} and only(findings, "route-backend-not-permitted") == []


def test_namespace_labels_that_failed_validation_are_not_judged():
    allowed = "{namespaces: {from: Selector, selector: {matchLabels: {shared-gateway-access: 'true'}}}}"
    namespace = "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {shared-gateway-access: true}}\n"
    findings = lint(gateway(listener(allowed)) + route() + APP + namespace)
    assert "manifest-invalid" in {f.rule for f in findings} and only(findings, "route-not-allowed") == []


def test_a_reference_grant_that_could_not_be_placed_may_be_the_permit():
    unplaced = grant(ROUTES_FROM_SHOP, "[{group: '', kind: Service}]").replace("{name: grant,", "{name: [grant],")
    text = gateway(HTTP_ALL) + route(backends="[{name: api, namespace: payments, port: 80}]") + PAYMENTS + unplaced
    findings = lint(text)
    assert "manifest-invalid" in {f.rule for f in findings} and only(findings, "route-backend-not-permitted") == []
