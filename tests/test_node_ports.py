"""node-port-out-of-range, node-port-conflict, node-port-not-allowed."""

import pytest

from conftest import lint, only

from portlint.settings import parse_port_range


def service(name="web", type_="NodePort", ports="- {port: 80, nodePort: 30080}", namespace=None, extra=""):
    ns = f"\n  namespace: {namespace}" if namespace else ""
    typed = f"\n  type: {type_}" if type_ else ""
    body = "\n    ".join(ports.splitlines())
    return f"""\
apiVersion: v1
kind: Service
metadata:
  name: {name}{ns}
spec:{typed}{extra}
  selector: {{app: web}}
  ports:
    {body}
"""


def cluster(*services):
    return "---\n".join(services)


def findings(text, rule, **settings):
    return only(lint(text, **settings), rule)


# --- node-port-out-of-range ------------------------------------------------------------------------

def test_out_of_range_is_reported_at_the_node_port():
    found = findings(service(ports="- {port: 80}\n- {port: 81, nodePort: 8081}"), "node-port-out-of-range")
    assert [(f.line, f.field_path) for f in found] == [(10, "spec.ports[1].nodePort")]
    assert "nodePort 8081 is outside the cluster's node port range 30000-32767" in found[0].message


def test_range_bounds_are_inclusive_and_configurable():
    text = service(ports="- {port: 80, nodePort: 30000}\n- {port: 81, nodePort: 32767}")
    assert findings(text, "node-port-out-of-range") == []
    found = findings(text, "node-port-out-of-range", node_port_range=(30000, 30999))
    assert [f.message.split(" is")[0] for f in found] == ["nodePort 32767"]
    assert "30000-30999" in found[0].message


def test_node_port_zero_or_absent_means_allocate():
    text = service(ports="- {port: 80, nodePort: 0}\n- {port: 81}")
    for rule in ("node-port-out-of-range", "node-port-conflict", "node-port-not-allowed"):
        assert findings(text, rule) == [], rule


def test_load_balancer_with_node_ports_is_fine_and_checked():
    text = service(type_="LoadBalancer", ports="- {port: 80, nodePort: 31000}\n- {port: 443, nodePort: 443}")
    assert findings(text, "node-port-not-allowed") == []
    assert [f.line for f in findings(text, "node-port-out-of-range")] == [10]


def test_out_of_range_is_not_repeated_on_a_cluster_ip_service():
    text = service(type_=None, ports="- {port: 80, nodePort: 80}")
    assert findings(text, "node-port-out-of-range") == []
    assert len(findings(text, "node-port-not-allowed")) == 1


# --- node-port-conflict ----------------------------------------------------------------------------

def test_same_node_port_on_two_services_in_any_namespaces_and_protocols():
    text = cluster(service("a"),
                   service("b", namespace="other", ports="- {port: 53, protocol: UDP, nodePort: 30080}"),
                   service("c", ports="- {port: 90, nodePort: 30080}"))
    found = findings(text, "node-port-conflict")
    assert [(f.object.name, f.line) for f in found] == [("b", 20), ("c", 30)]
    assert all("already used by Service default/a (port 80/TCP)" in f.message for f in found)
    assert all([(r.kind, r.name) for r in f.related] == [("Service", "a")] for f in found)


def test_tcp_and_udp_of_the_same_port_number_share_a_node_port_on_one_service():
    text = service(ports="- {name: dns-tcp, port: 53, protocol: TCP, nodePort: 30053}\n"
                         "- {name: dns-udp, port: 53, protocol: UDP, nodePort: 30053}")
    assert findings(text, "node-port-conflict") == []


def test_one_service_reusing_a_node_port_otherwise_is_a_conflict():
    same_protocol = service(ports="- {name: a, port: 80, nodePort: 30080}\n- {name: b, port: 81, nodePort: 30080}")
    found = findings(same_protocol, "node-port-conflict")
    assert [f.line for f in found] == [10]
    assert "same protocol" in found[0].message
    other_number = service(ports="- {name: a, port: 80, nodePort: 30080}\n"
                                 "- {name: b, port: 81, protocol: UDP, nodePort: 30080}")
    found = findings(other_number, "node-port-conflict")
    assert len(found) == 1 and "only ports with the same port number" in found[0].message


def test_a_later_service_with_tcp_and_udp_is_reported_once():
    text = cluster(service("a", ports="- {port: 53, nodePort: 30053}"),
                   service("b", ports="- {name: t, port: 53, protocol: TCP, nodePort: 30053}\n"
                                      "- {name: u, port: 53, protocol: UDP, nodePort: 30053}"))
    assert [f.object.name for f in findings(text, "node-port-conflict")] == ["b"]


def test_services_that_get_no_node_port_do_not_conflict():
    text = cluster(service("a"), service("b", type_="ClusterIP"), service("c", type_="ExternalName",
                                                                      extra="\n  externalName: example.com"))
    assert findings(text, "node-port-conflict") == []
    out_of_range = cluster(service("a", ports="- {port: 80, nodePort: 80}"),
                           service("b", ports="- {port: 80, nodePort: 80}"))
    assert findings(out_of_range, "node-port-conflict") == []


def test_two_definitions_of_one_service_are_a_duplicate_not_a_conflict():
    text = cluster(service("a"), service("a"))
    assert findings(text, "node-port-conflict") == []
    assert len(findings(text, "duplicate-object")) == 1


# --- node-port-not-allowed -------------------------------------------------------------------------

def test_node_port_on_a_service_without_type():
    found = findings(service(type_=None), "node-port-not-allowed")
    assert [(f.line, f.field_path) for f in found] == [(8, "spec.ports[0].nodePort")]
    assert "has no type, so it is a ClusterIP Service" in found[0].message
    assert "may not be used when `type` is 'ClusterIP'" in found[0].message


def test_headless_makes_no_difference():
    found = findings(service(type_="ClusterIP", extra="\n  clusterIP: None"), "node-port-not-allowed")
    assert len(found) == 1 and "is type ClusterIP (headless or not)" in found[0].message


def test_external_name_node_port_is_reported_as_ignored():
    found = findings(service(type_="ExternalName", extra="\n  externalName: db.example.com"),
                     "node-port-not-allowed")
    assert len(found) == 1 and "does nothing" in found[0].message


def test_node_port_and_load_balancer_types_are_allowed():
    for type_ in ("NodePort", "LoadBalancer"):
        assert findings(service(type_=type_), "node-port-not-allowed") == []


# --- --node-port-range parsing (portlint/settings.py) ----------------------------------------------

@pytest.mark.parametrize("text, expected", [("30000-32767", (30000, 32767)), (" 1-65535 ", (1, 65535)),
                                            ("30000+2767", (30000, 32767)), ("30080", (30080, 30080))])
def test_port_range_parsing(text, expected):
    assert parse_port_range(text) == expected


@pytest.mark.parametrize("text", ["32767-30000", "30000-70000", "a-b", "", "60000+9999", "0-100", "-5"])
def test_port_range_rejections(text):
    with pytest.raises(ValueError):
        parse_port_range(text)


# --- healthCheckNodePort: the same allocator and range ------------------------------------------------

def load_balancer(name="lb", policy="Local", health=30100, node_port=30200, type_="LoadBalancer"):
    policy_line = f"  externalTrafficPolicy: {policy}\n" if policy else ""
    return (f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec:\n  type: {type_}\n{policy_line}"
            f"  healthCheckNodePort: {health}\n  selector: {{app: {name}}}\n"
            f"  ports: [{{port: 80, nodePort: {node_port}}}]\n---\n")


def test_health_check_node_port_is_allowed_only_on_local_load_balancers():
    assert findings(load_balancer(), "node-port-not-allowed") == []
    for text in (load_balancer(policy="Cluster"), load_balancer(policy=None), load_balancer(type_="NodePort")):
        found = findings(text, "node-port-not-allowed")
        assert len(found) == 1 and "healthCheckNodePort 30100" in found[0].message
        assert found[0].field_path == "spec.healthCheckNodePort"


def test_health_check_node_port_outside_the_range():
    found = findings(load_balancer(health=40000), "node-port-out-of-range")
    assert len(found) == 1 and found[0].line == 7 and "healthCheckNodePort 40000" in found[0].message


def test_health_check_node_port_conflicts_with_node_ports_and_other_health_checks():
    own = findings(load_balancer(health=30200), "node-port-conflict")
    assert len(own) == 1 and "a nodePort of this Service" in own[0].message
    other = findings(load_balancer("a", health=30300, node_port=30301)
                     + load_balancer("b", health=30300, node_port=30302), "node-port-conflict")
    assert [(f.object.name, f.related[0].name) for f in other] == [("b", "a")]
    assert findings(load_balancer("a", health=30300, node_port=30301)
                    + load_balancer("b", health=30400, node_port=30302), "node-port-conflict") == []
