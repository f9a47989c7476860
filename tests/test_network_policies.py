"""NetworkPolicy semantics (networking/v1 types.go, the "Network Policies" page) and the three NetworkPolicy rules.

Each semantic point has a connection the policies admit and one they drop.
"""

import textwrap

import pytest

from portlint.connectivity import Peer, connectivity
from portlint.run import check_paths, check_text
from portlint.settings import Settings
from test_units import write


def pod(name, namespace="shop", labels=None, ports=""):
    labels = labels or {"app": name}
    label_text = ", ".join(f"{k}: {v}" for k, v in labels.items())
    return textwrap.dedent(f"""\
        apiVersion: v1
        kind: Pod
        metadata: {{name: {name}, namespace: {namespace}, labels: {{{label_text}}}}}
        spec:
          containers: [{{name: c, image: x, ports: [{ports}]}}]
        """)


def namespace(name, labels=""):
    return f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, labels: {{{labels}}}}}\n"


def policy(name, spec, namespace="shop"):
    body = textwrap.indent(textwrap.dedent(spec).strip(), "  ")
    return (f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: "
            f"{namespace}}}\nspec:\n{body}\n")


API = pod("api", ports="{name: http, containerPort: 8080}, {name: dns, containerPort: 53, protocol: UDP}")
WEB = pod("web")
OTHER_WEB = pod("web", namespace="other")
NAMESPACES = namespace("shop") + "---\n" + namespace("other", "team: blue") + "---\n"


def engine_of(*documents):
    cluster = check_text("---\n".join(documents)).clusters[0]
    workloads = {(w.namespace, w.name): w for w in cluster.workloads}
    return connectivity(cluster), workloads


def reach(documents, source, destination=("shop", "api"), port=8080, protocol="TCP"):
    engine, workloads = engine_of(*documents)
    if isinstance(source, tuple):
        source = Peer.pod(workloads[source])
    return engine.reach(source, workloads[destination], port, protocol)


ALLOW_WEB = policy("allow-web", """
    podSelector: {matchLabels: {app: api}}
    ingress:
      - from: [{podSelector: {matchLabels: {app: web}}}]
""")


def test_a_pod_no_policy_selects_accepts_everything():
    verdict = reach([API, WEB], ("shop", "web"))
    assert verdict.allowed is True and verdict.reason == "no policy isolates these pods for ingress"


def test_a_selected_pod_accepts_only_what_a_rule_admits():
    documents = [NAMESPACES + API, WEB, OTHER_WEB, pod("db"), ALLOW_WEB]
    assert reach(documents, ("shop", "web")).allowed is True
    blocked = reach(documents, ("shop", "db"))
    assert blocked.allowed is False
    assert blocked.reason.startswith("blocked: no NetworkPolicy selecting Pod shop/api's pods admits traffic from "
                                     "Pod shop/db on 8080/TCP")


def test_a_pod_selector_peer_selects_pods_of_the_policys_namespace_only():
    assert reach([NAMESPACES + API, WEB, OTHER_WEB, ALLOW_WEB], ("other", "web")).allowed is False


def test_the_union_of_all_selecting_policies_is_admitted():
    second = policy("allow-db", """
        podSelector: {matchLabels: {app: api}}
        ingress: [{from: [{podSelector: {matchLabels: {app: db}}}]}]
    """)
    verdict = reach([NAMESPACES + API, WEB, pod("db"), ALLOW_WEB, second], ("shop", "db"))
    assert verdict.allowed is True and "allow-db" in verdict.reason


@pytest.mark.parametrize("spec, types", [
    ("podSelector: {}\negress: [{to: [{podSelector: {matchLabels: {app: web}}}]}]", ("Ingress", "Egress")),
    ("podSelector: {}\npolicyTypes: [Egress]", ("Egress",)),
    ("podSelector: {}\negress: []", ("Ingress",)),  # defaults.go: Egress only when len(spec.Egress) != 0
    ("podSelector: {}\ningress: [{}]", ("Ingress",)),
])
def test_policy_types_default_to_ingress_and_to_egress_when_there_are_egress_rules(spec, types):
    engine, workloads = engine_of(NAMESPACES + API, policy("p", spec))
    api = workloads["shop", "api"]
    assert tuple(d for d in ("Ingress", "Egress") if engine.isolating(api, d)) == types


def test_ingress_empty_list_denies_and_one_empty_rule_admits_everything():
    deny = policy("deny", "podSelector: {}\ningress: []")
    allow = policy("all", "podSelector: {}\ningress: [{}]")
    assert reach([NAMESPACES + API, WEB, deny], ("shop", "web")).allowed is False
    assert reach([NAMESPACES + API, WEB, allow], ("shop", "web")).allowed is True
    assert reach([NAMESPACES + API, WEB, allow], Peer.external()).allowed is True


@pytest.mark.parametrize("peers, from_other, from_shop_db", [
    # namespaceSelector and podSelector in one peer: both (AND)
    ("[{namespaceSelector: {matchLabels: {team: blue}}, podSelector: {matchLabels: {app: web}}}]", True, False),
    # two peers: either (OR)
    ("[{namespaceSelector: {matchLabels: {team: blue}}}, {podSelector: {matchLabels: {app: db}}}]", True, True),
    ("[{namespaceSelector: {matchLabels: {team: red}}}]", False, False),
    ("[{namespaceSelector: {}}]", True, True),
])
def test_peers_in_one_item_are_anded_and_items_are_ored(peers, from_other, from_shop_db):
    rule = policy("p", f"podSelector: {{matchLabels: {{app: api}}}}\ningress: [{{from: {peers}}}]")
    documents = [NAMESPACES + API, WEB, OTHER_WEB, pod("db"), rule]
    assert reach(documents, ("other", "web")).allowed is from_other
    assert reach(documents, ("shop", "db")).allowed is from_shop_db


def test_a_namespace_the_input_does_not_hold_is_known_by_its_name_label_only():
    by_name = policy("p", "podSelector: {}\ningress: [{from: [{namespaceSelector: {matchLabels: "
                          "{kubernetes.io/metadata.name: other}}}]}]")
    by_team = policy("p", "podSelector: {}\ningress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}}]}]")
    assert reach([API, OTHER_WEB, by_name], ("other", "web")).allowed is True  # no Namespace objects at all
    assert reach([API, pod("x", namespace="third"), by_name], ("third", "x")).allowed is False
    unknown = reach([API, OTHER_WEB, by_team], ("other", "web"))
    assert unknown.allowed is None and unknown.ok
    assert "no Namespace other is in the input" in unknown.reason


@pytest.mark.parametrize("ports, number, protocol, admitted", [
    ("[{port: 8080}]", 8080, "TCP", True),
    ("[{port: 80}]", 8080, "TCP", False),
    ("[{port: http}]", 8080, "TCP", True),  # resolved on the destination pod
    ("[{port: http, protocol: UDP}]", 8080, "TCP", False),  # a name resolves under the rule's protocol
    ("[{port: dns, protocol: UDP}]", 53, "UDP", True),
    ("[{port: dns}]", 53, "UDP", False),  # TCP unless set
    ("[{port: 8000, endPort: 9000}]", 8080, "TCP", True),
    ("[{port: 8000, endPort: 8079}]", 8080, "TCP", False),
    ("[{protocol: UDP}]", 53, "UDP", True),  # no port: every port of the protocol
    ("[{protocol: UDP}]", 8080, "TCP", False),
])
def test_ports_by_number_name_range_and_protocol(ports, number, protocol, admitted):
    rule = policy("p", f"podSelector: {{matchLabels: {{app: api}}}}\ningress: [{{ports: {ports}}}]")
    assert reach([NAMESPACES + API, WEB, rule], ("shop", "web"), port=number, protocol=protocol).allowed is admitted


def test_external_clients_are_admitted_only_by_an_empty_from_or_an_ip_block():
    def external(peers):
        rule = policy("p", f"podSelector: {{}}\ningress: [{{from: {peers}}}]")
        return reach([NAMESPACES + API, rule], Peer.external())

    assert external("[{namespaceSelector: {}}]").allowed is False
    assert external("[{podSelector: {}}]").allowed is False
    everyone = external("[{ipBlock: {cidr: 0.0.0.0/0}}]")
    assert everyone.allowed is True and everyone.only_from is None
    narrow = external("[{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]")
    assert narrow.allowed is True and narrow.only_from == "10.0.0.0/8 except 10.1.0.0/16"
    assert "only clients from ipBlock 10.0.0.0/8" in narrow.reason


def test_an_ip_block_never_admits_a_pod_source():
    rule = policy("p", "podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]")
    assert reach([NAMESPACES + API, WEB, rule], ("shop", "web")).allowed is False


def test_a_namespace_source_is_admitted_only_by_peers_that_take_every_pod_of_it():
    some = policy("p", "podSelector: {}\ningress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]")
    every = policy("p", "podSelector: {}\ningress: [{from: [{podSelector: {}}]}]")
    namespace_peer = policy("p", "podSelector: {}\ningress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}, "
                                 "podSelector: {matchLabels: {app: web}}}]}]")
    assert reach([NAMESPACES + API, some], Peer.any_pod_of("shop")).allowed is False
    assert reach([NAMESPACES + API, every], Peer.any_pod_of("shop")).allowed is True
    assert reach([NAMESPACES + API, every], Peer.any_pod_of("other")).allowed is False
    assert reach([NAMESPACES + API, namespace_peer], Peer.any_pod_of("other")).allowed is False


def test_a_pod_sources_own_egress_policies_are_judged_too():
    deny_egress = policy("web-egress", "podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]")
    allow_api = policy("web-egress", "podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\n"
                                     "egress: [{to: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: http}]}]")
    blocked = reach([NAMESPACES + API, WEB, deny_egress], ("shop", "web"))
    assert blocked.allowed is False and "egress is isolated by web-egress" in blocked.reason
    assert reach([NAMESPACES + API, WEB, allow_api], ("shop", "web")).allowed is True


# --- the rules ------------------------------------------------------------------------------------

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: x
          ports: [{name: http, containerPort: 8080}, {name: metrics, containerPort: 9090}]
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: http}, {name: metrics, port: 9090}]
"""


def findings(text, rule):
    return [f for f in check_text(text).findings if f.rule == rule]


def default_policy(spec):
    return policy("api", spec, namespace="default")


@pytest.mark.parametrize("selector, reported", [
    ("{matchLabels: {app: apii}}", True),
    ("{matchLabels: {app: api}}", False),
    ("{matchExpressions: [{key: app, operator: In, values: [api]}]}", False),
    ("{}", False),
])
def test_networkpolicy_selects_nothing(selector, reported):
    found = findings(DEPLOYMENT + "---\n" + default_policy(f"podSelector: {selector}\ningress: [{{}}]"),
                     "networkpolicy-selects-nothing")
    assert bool(found) is reported
    if reported:
        assert found[0].hint == "pods in namespace default have app=api, not app=apii"


def test_a_policy_for_pods_installed_elsewhere_is_not_reported():
    other_namespace = policy("p", "podSelector: {matchLabels: {app: ingress-nginx}}\ningress: [{}]",
                             namespace="ingress-nginx")
    assert findings(DEPLOYMENT + "---\n" + other_namespace, "networkpolicy-selects-nothing") == []


@pytest.mark.parametrize("port, reported", [
    ("{port: http}", False), ("{port: htp}", True), ("{port: http, protocol: UDP}", True), ("{port: 8080}", False)])
def test_networkpolicy_port_name_unresolved(port, reported):
    text = DEPLOYMENT + "---\n" + default_policy(f"podSelector: {{matchLabels: {{app: api}}}}\n"
                                                 f"ingress: [{{ports: [{port}]}}]")
    found = findings(text, "networkpolicy-port-name-unresolved")
    assert bool(found) is reported
    if port == "{port: htp}":
        assert found[0].hint == "did you mean port: http? the selected pods declare that name"


def test_service_blocked_by_networkpolicy_is_judged_per_service_port_and_names_the_services_port():
    text = DEPLOYMENT + "---\n" + SERVICE + "---\n" + default_policy(
        "podSelector: {matchLabels: {app: api}}\ningress: [{ports: [{port: 80}, {port: 9090}]}]")
    (finding,) = findings(text, "service-blocked-by-networkpolicy")
    assert finding.message.startswith("Service api port http (80/TCP) → pod port 8080/TCP: every pod the Service "
                                      "selects is isolated for ingress (by api)")
    assert "names port 80/TCP, the Service's port" in finding.hint
    assert finding.object.kind == "NetworkPolicy" and finding.field_path == "spec.ingress[0].ports[0].port"


def test_a_deny_all_blocks_every_port_and_an_allow_rule_unblocks_one():
    deny = default_policy("podSelector: {}\npolicyTypes: [Ingress]")
    allow = policy("allow-http", "podSelector: {}\ningress: [{ports: [{port: http}]}]", namespace="default")
    blocked = findings(DEPLOYMENT + "---\n" + SERVICE + "---\n" + deny, "service-blocked-by-networkpolicy")
    assert len(blocked) == 2 and "deny all ingress" in blocked[0].hint
    one = findings(DEPLOYMENT + "---\n" + SERVICE + "---\n" + deny + "---\n" + allow, "service-blocked-by-networkpolicy")
    assert [f.message.split(" → ")[0] for f in one] == ["Service api port metrics (9090/TCP)"]


def test_a_service_whose_pods_no_policy_isolates_is_not_blocked():
    other = default_policy("podSelector: {matchLabels: {app: other}}\ningress: []")
    assert findings(DEPLOYMENT + "---\n" + SERVICE + "---\n" + other, "service-blocked-by-networkpolicy") == []


# --- objects that failed validation (builder keeps them; rules never conclude from the failed parts) --

def test_a_policy_whose_pod_selector_failed_validation_isolates_nothing_and_is_not_reported():
    text = DEPLOYMENT + "---\n" + SERVICE + "---\n" + default_policy("podSelector: 7\ningress: []")
    rules = {f.rule for f in check_text(text).findings}
    assert "manifest-invalid" in rules
    assert not rules & {"service-blocked-by-networkpolicy", "networkpolicy-selects-nothing"}


def test_a_rule_with_a_port_that_failed_validation_cannot_tell():
    text = DEPLOYMENT + "---\n" + default_policy(
        "podSelector: {matchLabels: {app: api}}\ningress: [{ports: [{port: 8080, protocol: TCPX}]}]")
    engine, workloads = engine_of(text)
    verdict = engine.reach(Peer.any_pod_of("default"), workloads["default", "api"], 9090, "TCP")
    assert verdict.allowed is None and verdict.ok and "failed validation" in verdict.reason
    assert "service-blocked-by-networkpolicy" not in {f.rule for f in check_text(text + "---\n" + SERVICE).findings}


# --- apply units: a policy is judged against the pods of its own unit, else the nearest ones ----------

def example(tmp_path, files):
    write(tmp_path, files)
    return check_paths([str(tmp_path)], Settings())


def default(text):
    return text.replace("namespace: shop", "namespace: default")


def renamed(text, name):
    return text.replace("name: api", f"name: {name}").replace("app: api", f"app: {name}")


def test_a_deny_all_of_one_example_does_not_isolate_the_pods_of_another(tmp_path):
    deny = default_policy("podSelector: {}\npolicyTypes: [Ingress]")
    other = renamed(DEPLOYMENT, "shop") + "---\n" + renamed(SERVICE, "shop")
    report = example(tmp_path, {"locked/app.yaml": DEPLOYMENT + "---\n" + SERVICE + "---\n" + deny,
                                "open/app.yaml": other})
    assert blocked_services(report) == ["api", "api"]  # both of its ports; Service shop is not blocked
    cluster = report.clusters[0]
    shop = next(w for w in cluster.workloads if w.name == "shop")
    assert connectivity(cluster).isolating(shop, "Ingress") == []
    # the policy alone in its folder applies to the nearest pods: those of the folder around it
    report = example(tmp_path, {"locked/app.yaml": DEPLOYMENT + "---\n" + SERVICE, "locked/policy/deny.yaml": deny,
                                "open/app.yaml": other})
    assert blocked_services(report) == ["api", "api"]


def blocked_services(report):
    return [f.message.split()[1] for f in report.findings if f.rule == "service-blocked-by-networkpolicy"]


def test_a_policys_named_port_resolves_on_the_pods_of_its_own_unit(tmp_path):
    allow = default_policy("podSelector: {matchLabels: {app: api}}\ningress: [{ports: [{port: metrics}]}]")
    without_metrics = DEPLOYMENT.replace(", {name: metrics, containerPort: 9090}", "")
    report = example(tmp_path, {"a/app.yaml": without_metrics + "---\n" + allow, "b/app.yaml": DEPLOYMENT})
    assert [f.rule for f in report.findings if f.rule == "networkpolicy-port-name-unresolved"] == \
        ["networkpolicy-port-name-unresolved"]  # b's api pods declare `metrics`, but they are not a's


def test_a_near_miss_is_looked_for_among_the_pods_the_policy_is_judged_against(tmp_path):
    typo = default_policy("podSelector: {matchLabels: {app: apii}}\ningress: [{}]")
    web = renamed(DEPLOYMENT, "web")
    report = example(tmp_path, {"a/app.yaml": web + "---\n" + typo, "b/app.yaml": DEPLOYMENT})
    (finding,) = [f for f in report.findings if f.rule == "networkpolicy-selects-nothing"]
    assert "app=api" not in finding.hint  # judged (its unit runs pods), but b's pods are not the ones meant
    # in a folder of its own, the policy is judged against the nearest pods: the typo is found there
    report = example(tmp_path, {"a/app.yaml": DEPLOYMENT, "a/policies/p.yaml": typo, "b/app.yaml": web})
    assert [f.hint for f in report.findings if f.rule == "networkpolicy-selects-nothing"] == [
        "pods in namespace default have app=api, not app=apii"]
    # and only there: a near miss in a farther folder says nothing about it
    report = example(tmp_path, {"a/app.yaml": web, "a/policies/p.yaml": typo, "b/app.yaml": DEPLOYMENT})
    assert [f for f in report.findings if f.rule == "networkpolicy-selects-nothing"] == []


def test_a_policy_for_pods_its_unit_does_not_run_is_not_reported(tmp_path):
    elsewhere = default_policy("podSelector: {matchLabels: {app: from-a-chart}}\ningress: [{}]")
    report = example(tmp_path, {"app/app.yaml": DEPLOYMENT, "policies/p.yaml": elsewhere})
    assert [f for f in report.findings if f.rule == "networkpolicy-selects-nothing"] == []
