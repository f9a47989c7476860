"""Gateway API on the second corpus (../shared/corpus/real2): nginx-gateway-fabric's examples and test
suite, ingress2gateway's conversion fixtures, apisix. Each repository is its own cluster.

Every finding pinned here was read in its manifest (see the README's "Real-world results").
Only the Gateway API rules are pinned: the other rules on this corpus belong to their own tests.
"""

import collections

import pytest

from portlint.run import check_paths
from portlint.settings import Settings
from test_corpus import GATEWAY_API_RULES

EXPECTED = {
    # ingress2gateway's istio fixture 1-gateway.yaml: a listener name repeated (1), and two pairs of listeners
    # with the same port, protocol and hostname (both of each pair: 4)
    ("kubernetes-sigs__ingress2gateway", "gateway-listener-conflict"): 5,
    # conversion outputs whose TLS Secrets are not part of the fixtures (info)
    ("kubernetes-sigs__ingress2gateway", "gateway-tls-secret-missing"): 5,
    # istio fixtures: HTTPRoutes and a TLSRoute in test/custom-ns referring to Services in prod, whose only
    # ReferenceGrant permits HTTPRoutes from custom-ns to refer to a Gateway, not to a Service
    ("kubernetes-sigs__ingress2gateway", "route-backend-not-permitted"): 5,
    # conversion outputs whose Services are not part of the fixtures, as for their Ingress inputs
    ("kubernetes-sigs__ingress2gateway", "route-backend-service-missing"): 22,
    # 5-referencegrants.yaml: a route in custom-ns attached to Gateway prod/my-gateway, whose listener keeps
    # allowedRoutes at its default (Same); a ReferenceGrant does not govern route attachment
    ("kubernetes-sigs__ingress2gateway", "route-not-allowed"): 1,
    # the authentication-filter suite creates cafe-tls-secret in its Go test code
    ("nginx__nginx-gateway-fabric", "gateway-tls-secret-missing"): 1,
}


# the repositories of real2 that hold Gateway API objects (the others hold none: nothing to pin)
GATEWAY_REPOSITORIES = ("apache__apisix-ingress-controller", "kubernetes-sigs__ingress2gateway",
                        "nginx__nginx-gateway-fabric", "open-telemetry__opentelemetry-operator")


@pytest.fixture(scope="module")
def report(corpus2):
    return check_paths([str(corpus2 / name) for name in GATEWAY_REPOSITORIES], Settings(cluster_per_path=True))


def test_the_other_repositories_hold_no_gateway_api_object(corpus2):
    others = [p for p in corpus2.iterdir() if p.is_dir() and p.name not in GATEWAY_REPOSITORIES]
    assert others and not any("gateway.networking.k8s.io/" in f.read_text(errors="replace")
                              for p in others for f in p.rglob("*.y*ml"))


def repository(path):
    return path.split("corpus/real2/", 1)[-1].split("/", 1)[0]


def test_gateway_api_findings_are_pinned(report):
    found = collections.Counter((repository(f.file), f.rule) for f in report.findings if f.rule in GATEWAY_API_RULES)
    assert dict(found) == EXPECTED


@pytest.mark.parametrize("rule, file, line, text", [
    ("route-not-allowed", "kubernetes-sigs__ingress2gateway/pkg/i2gw/providers/istio/fixtures/output/"
     "5-referencegrants.yaml", 39, "admits only routes in the Gateway's namespace prod"),
    ("gateway-listener-conflict", "kubernetes-sigs__ingress2gateway/pkg/i2gw/providers/istio/fixtures/output/"
     "1-gateway.yaml", 53, "the name 'https-protocol-wildcard-ns-wildcard' is already used"),
    ("route-backend-not-permitted", "kubernetes-sigs__ingress2gateway/pkg/i2gw/providers/istio/fixtures/output/"
     "3-virtualservice-tls.yaml", 12, "no ReferenceGrant in prod permits TLSRoutes from test"),
])
def test_a_few_findings_are_exactly_where_they_were_checked(report, rule, file, line, text):
    hits = [f for f in report.findings if f.rule == rule and f.file.endswith(file) and f.line == line]
    assert len(hits) == 1 and text in hits[0].message


def test_nginx_gateway_fabric_routes_all_attach(report):
    # 92 HTTPRoutes, 16 GRPCRoutes, TCP and UDP routes, 73 Gateways: the suite applies namespace-less manifests
    # with kubectl apply -n, so a parentRef naming that namespace finds the namespace-less Gateway
    attach = ("route-parent-missing", "route-not-allowed", "route-hostname-mismatch")
    assert [f for f in report.findings if f.rule in attach and "nginx-gateway-fabric" in f.file] == []
