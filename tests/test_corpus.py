"""The real-world corpora (../shared/corpus/real and real2), each repository checked as its own cluster.

Every error and warning counted here was read in its manifest and judged a real problem of the
input (see the README's "Real-world results"); the pins make any change in them deliberate.
The 12 duplicate-object and 2 ingress-rule-conflict findings once pinned for `real` were pairs of
alternative files (two quickstarts, per-cluster blue/green apps, tutorial steps, IPv4/dual-stack
variants, two oauth proxies, two examples sharing a host): apply units keep them apart.
"""

import collections

import pytest

from portlint.run import check_paths
from portlint.settings import Settings

EXPECTED = {
    "container-port-duplicate": 4,
    "container-port-undeclared": 42,
    "deprecated-api": 52,
    "hpa-target-missing": 1,
    "ingress-backend-service-missing": 5,  # 3 of them info: the openpolicyagent test Ingresses' Services live elsewhere
    "ingress-tls-secret-missing": 8,
    "manifest-invalid": 3,
    "networkpolicy-selects-nothing": 1,
    "service-blocked-by-networkpolicy": 1,
    "service-protocol-mismatch": 2,
    # 4: vitess (2) and an istio ingressgateway Service as before; kubernetes/examples' DCGM exporter Service,
    # whose pods a separately installed chart makes in a namespace the input runs pods in (it was hidden by
    # a ServiceMonitor's labels: a ServiceMonitor makes no pods)
    "service-selector-no-match": 4,
    "service-target-port-unmatched": 9,
    # 2 name no Service; 12 name a Service that is not headless, so their pods get no per-pod DNS
    # names (aks-store-demo rabbitmq/documentdb, bank-of-anthos accounts-db/ledger-db, in each copy)
    "statefulset-service-missing": 14,
    "workload-selector-mismatch": 1,
    "yaml-duplicate-key": 4,
}


@pytest.fixture(scope="module")
def report(corpus):
    repositories = sorted(str(p) for p in corpus.iterdir() if p.is_dir())
    return check_paths(repositories, Settings(cluster_per_path=True))


def relative(path):
    return path.split("corpus/real/", 1)[-1]


def test_every_file_is_read(report):
    assert (report.files, report.objects) == (1489, 2933)


def test_findings_per_rule_are_pinned(report):
    assert dict(collections.Counter(f.rule for f in report.findings)) == EXPECTED


@pytest.mark.parametrize("rule, file, line, text", [
    ("service-protocol-mismatch", "nginxinc__kubernetes-ingress/examples/ingress-resources/app-protect-dos/syslog2.yaml",
     30, "declares port 514 only as 514/TCP"),
    ("statefulset-service-missing", "GoogleCloudPlatform__kubernetes-engine-samples/cost-optimization/gke-shift-left-cost/"
     "samples/k8s-cost-estimator-local/app-v1/statefulset.yaml", 23, "spec.serviceName nginx names no Service"),
    ("yaml-duplicate-key", "kubernetes__ingress-gce/docs/deploy/resources/glbc-neg.yaml", 66, "'resources' appears twice"),
    ("workload-selector-mismatch", "kubernetes__examples/_archived/sysdig-cloud/sysdig-rc.yaml", 9, "non-empty selector"),
    ("service-target-port-unmatched", "haproxytech__kubernetes-ingress/deploy/tests/config/3.ingress-controller.yaml",
     139, "targets 6060/TCP"),
    # sock-shop: the Deployment is carts, the HPA and the policy name cart
    ("hpa-target-missing", "microservices-demo__microservices-demo/deploy/kubernetes/autoscaling/cart-hsc.yaml", 11,
     "scaleTargetRef names Deployment cart, but namespace sock-shop has no Deployment of that name"),
    ("networkpolicy-selects-nothing",
     "microservices-demo__microservices-demo/deploy/kubernetes/manifests-policy/netpol-cart-access.yaml", 8,
     "podSelector name=cart matches no pod template in namespace sock-shop"),
    # the network-policies component's deny-all, with the shopping-assistant component: no policy admits 8080
    ("service-blocked-by-networkpolicy",
     "GoogleCloudPlatform__microservices-demo/kustomize/components/network-policies/network-policy-deny-all.yaml", 21,
     "Service shoppingassistantservice port http (80/TCP) → pod port 8080/TCP"),
])
def test_a_few_findings_are_exactly_where_they_were_checked(report, rule, file, line, text):
    hits = [f for f in report.findings if f.rule == rule and relative(f.file) == file and f.line == line]
    assert len(hits) == 1 and text in hits[0].message


def test_operator_managed_and_externally_installed_pods_are_not_reported(report):
    files = {relative(f.file) for f in report.findings if f.rule == "service-selector-no-match"}
    assert not any("kube-prometheus" in f or "llm-multihost" in f for f in files)


GATEWAY_API_RULES = ("route-parent-missing", "route-not-allowed", "route-hostname-mismatch",
                     "route-backend-service-missing", "route-backend-port-unmatched", "route-backend-not-permitted",
                     "gateway-listener-conflict", "gateway-tls-secret-missing", "gateway-tls-secret-not-permitted")


def test_the_gateway_api_objects_give_no_finding_but_three_removed_versions(report):
    # 46 HTTPRoutes and 40 Gateways (28 and 14 of them in the pre-v0.3 group networking.x-k8s.io, not read)
    assert [f for f in report.findings if f.rule in GATEWAY_API_RULES] == []
    removed = sorted((relative(f.file), f.line) for f in report.findings
                     if f.rule == "deprecated-api" and "gateway.networking.k8s.io" in f.message)
    gwapi = "haproxytech__kubernetes-ingress/deploy/tests/config/experimental/gwapi-resources.yaml"
    assert removed == [(gwapi, 2), (gwapi, 9), (gwapi, 27)]  # v1alpha2 GatewayClass, Gateway, ReferenceGrant


def test_findings_lowered_for_backends_installed_elsewhere_say_why(report):
    lowered = [f for f in report.findings if f.downgrade]
    assert [(f.rule, f.severity, relative(f.file).rsplit("/", 1)[-1]) for f in lowered] == [
        ("ingress-backend-service-missing", "info", name)
        for name in ("should-allow-ns-except.yaml", "should-allow.yaml", "should-deny.yaml")]
    assert all("separate install" in f.downgrade.reason for f in lowered)


# --- real2: repositories none of the rules was tuned on ------------------------------------------------

EXPECTED_REAL2 = {
    "container-port-undeclared": 5,
    # rendered opentelemetry-operator OLM manifests (config/manifests*): both samples name OpenTelemetryCollector otel
    "duplicate-object": 3,
    # the Gateway API rules' findings, read and pinned per repository in tests/test_corpus_gateway.py
    "gateway-listener-conflict": 5,
    "gateway-tls-secret-missing": 6,
    "route-backend-not-permitted": 5,
    "route-backend-service-missing": 22,
    "route-not-allowed": 1,
    "ingress-backend-service-missing": 18,  # 12 of them info: ingress2gateway's Ingress-only input fixtures
    "ingress-tls-secret-missing": 3,
    # the kustomize rendering's own findings (tests/test_render.py)
    "kustomize-file-unused": 16,
    "render-failed": 4,
    "manifest-invalid": 6,
    "service-no-selector": 10,
    "service-ports-missing": 4,  # external-dns's LoadBalancer fixtures without ports: the API server rejects them
    "service-selector-no-match": 4,
    "service-target-port-unmatched": 1,
    "workload-selector-mismatch": 1,
}


@pytest.fixture(scope="module")
def report2(corpus2):
    repositories = sorted(str(p) for p in corpus2.iterdir() if p.is_dir())
    return check_paths(repositories, Settings(cluster_per_path=True))


def relative2(path):
    return path.split("corpus/real2/", 1)[-1]


def test_real2_every_file_is_read(report2):
    assert (report2.files, report2.objects) == (679, 1293)


def test_real2_findings_per_rule_are_pinned(report2):
    assert dict(collections.Counter(f.rule for f in report2.findings)) == EXPECTED_REAL2


@pytest.mark.parametrize("rule, file, line, text", [
    ("service-target-port-unmatched", "kubernetes-sigs__external-dns/docs/snippets/tutorials/coredns/etcd.yaml", 18,
     "port etcd-metrics (8080/TCP) (targetPort defaults to it), but StatefulSet etcd declares only 2379/TCP"),
    ("workload-selector-mismatch", "kubernetes__dashboard/hack/test-resources/nginx-daemon-daemon-set.yaml", 21,
     "spec.selector is missing: apps/v1 DaemonSets require one"),
])
def test_real2_a_few_findings_are_exactly_where_they_were_checked(report2, rule, file, line, text):
    hits = [f for f in report2.findings if f.rule == rule and relative2(f.file) == file and f.line == line]
    assert len(hits) == 1 and text in hits[0].message


def test_real2_example_collections_are_split_into_their_alternatives(report2):
    """apisix's httpbin examples, ingress2gateway's output fixtures: one Gateway per fixture, never applied together."""
    raw = [f for f in report2.findings if f.rendered_from is None]  # a rendered root is one unit of its own
    assert [f for f in raw if f.rule in ("duplicate-object", "ingress-rule-conflict")] == []
    (httproute,) = [u for c in report2.clusters for u in c.units.units if u.name.endswith("httpbin: httproute.yaml")]
    assert [relative2(f).rsplit("/", 1)[-1] for f in httproute.files] == ["httproute.yaml", "deployment.yaml"]


def test_real2_ingress_and_route_fixtures_without_services_are_info(report2):
    """ingress2gateway's converter fixtures: Ingresses and routes whose units hold no Service or workload there."""
    lowered = [f for f in report2.findings if f.downgrade]
    assert collections.Counter(f.rule for f in lowered) == {"ingress-backend-service-missing": 12,
                                                            "route-backend-service-missing": 22}
    assert all("ingress2gateway/pkg/i2gw/providers/" in f.file for f in lowered)
    assert {f.severity for f in lowered} == {"info"}


def test_every_networkpolicy_hpa_pdb_and_monitor_of_the_corpus_is_in_the_model(report):
    clusters = report.clusters
    counts = (sum(len(c.network_policies) for c in clusters), sum(len(c.autoscalers) for c in clusters),
              sum(len(c.disruption_budgets) for c in clusters),
              sum(m.ref.kind == "ServiceMonitor" for c in clusters for m in c.monitors),
              sum(m.ref.kind == "PodMonitor" for c in clusters for m in c.monitors))
    assert counts == (37, 70, 5, 20, 2)


def test_real2_gives_no_finding_of_the_reference_rules(report2):
    findings = report2.findings
    ours = {"networkpolicy-selects-nothing", "networkpolicy-port-name-unresolved", "service-blocked-by-networkpolicy",
            "hpa-target-missing", "pdb-selects-nothing", "servicemonitor-selects-nothing", "podmonitor-selects-nothing",
            "monitor-port-unresolved"}
    assert [f for f in findings if f.rule in ours] == []
