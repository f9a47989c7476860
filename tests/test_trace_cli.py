"""`portlint trace` on the command line: exit codes, the text tree, the JSON contract, DOT and Mermaid."""

import json
import shutil

import pydot
import pytest

from conftest import ROOT
from portlint.trace.hops import HOP_TYPES
from test_cli import portlint

FIXED, BROKEN = "examples/fixed", "examples/broken"
HOP_KEYS = {"type", "object", "port", "ok", "rule", "reason"}


def test_a_good_trace_exits_0_with_a_tick_and_file_line_per_hop():
    result = portlint("trace", "http://shop.example.com/", FIXED)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("✓ http://shop.example.com/")
    assert "✓ Ingress default/shop · class nginx · host shop.example.com · path / (Prefix) → Service shop-web:80  " \
           "examples/fixed/ingress.yaml:11" in result.stdout
    assert "✓ Service default/shop-web :80 → targetPort http (8080)  examples/fixed/service.yaml:12" in result.stdout
    assert "✓ container web :8080 (http=8080/TCP)  examples/fixed/deployment.yaml:23" in result.stdout
    assert lines[-1] == "ok: 1 of 1 path reaches a container."
    assert "✗" not in result.stdout


def test_a_broken_trace_exits_1_and_shows_rule_reason_and_hint_as_check_words_them():
    result = portlint("trace", "nodeport:30080", BROKEN)
    check = json.loads(portlint("check", BROKEN, "-f", "json").stdout)
    finding = next(f for f in check["findings"] if f["rule"] == "service-selector-no-match")
    assert result.returncode == 1
    assert "✗ Service default/shop-web :80 → pods app=MyApp  examples/broken/service.yaml:12" in result.stdout
    assert "error   service-selector-no-match  examples/broken/service.yaml:8:3" in result.stdout
    assert finding["message"] in result.stdout
    assert "hint: " + finding["hint"] in result.stdout
    assert result.stdout.splitlines()[-1] == "broken: none of 1 path reaches a container."


def test_json_has_exactly_the_documented_shape():
    result = portlint("trace", "http://shop.example.com/", BROKEN, "--format", "json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert set(data) == {"target", "ok", "paths", "findings"}
    assert (data["target"], data["ok"]) == ("http://shop.example.com/", False)
    (path,) = data["paths"]
    assert set(path) == {"ok", "rendered_from", "hops"} and path["ok"] is False
    assert path["rendered_from"] is None  # raw files: no kustomization renders them
    assert all(set(hop) == HOP_KEYS for hop in path["hops"])
    assert {hop["type"] for hop in path["hops"]} <= set(HOP_TYPES)
    client, ingress = path["hops"]
    assert client == {"type": "client", "object": None, "port": 80, "ok": True, "rule": None, "reason": None}
    assert ingress["object"] == {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "namespace": "default",
                                 "name": "shop"}
    assert (ingress["ok"], ingress["rule"]) == (False, "ingress-backend-port-unmatched")
    check = json.loads(portlint("check", BROKEN, "-f", "json").stdout)["findings"]
    assert data["findings"] == [f for f in check if f["rule"] == "ingress-backend-port-unmatched"]


def test_no_service_with_that_node_port_is_a_failed_path_with_exit_1():
    data = json.loads(portlint("trace", "10.1.2.3:30081", FIXED, "-f", "json").stdout)
    assert data["ok"] is False
    assert data["paths"] == [{"ok": False, "rendered_from": None, "hops": [
        {"type": "client", "object": None, "port": 30081, "ok": True, "rule": None, "reason": None},
        {"type": "node-port", "object": None, "port": 30081, "ok": False, "rule": None,
         "reason": "no Service exposes nodePort 30081"}]}]
    assert portlint("trace", "10.1.2.3:30081", FIXED).returncode == 1


@pytest.mark.parametrize("arguments", [("foo", FIXED), ("nodeport:abc", FIXED), ("service/web", FIXED), (FIXED,), (),
                                       ("http://[::1/", FIXED), ("nodeport:²", FIXED), ("10.0.0.1:²", FIXED),
                                       ("service/web:٣", FIXED), ("http://a:８０/", FIXED)])
def test_malformed_or_missing_targets_exit_2_with_one_line_listing_the_forms(arguments):
    result = portlint("trace", *arguments)
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("portlint: error: ")
    assert "http(s)://HOST[:PORT]/PATH, nodeport:N, NODEIP:N, service/NAME[.NAMESPACE]:PORT" in line


def test_a_missing_path_is_a_usage_error():
    result = portlint("trace", "nodeport:30080", "no/such/dir")
    assert (result.returncode, result.stderr.strip()) == (2, "portlint: error: path does not exist: no/such/dir")


def test_all_maps_every_entry_point():
    result = portlint("trace", "--all", FIXED)
    assert result.returncode == 0
    assert "✓ http://shop.example.com/" in result.stdout and "✓ nodeport:30080" in result.stdout
    assert "✓ http://shop.example.com/api" in result.stdout
    assert result.stdout.splitlines()[-1] == "3 entry points: 3 reach a container, 0 broken, 0 leave the manifests."
    assert portlint("trace", "--all", BROKEN).returncode == 1


def test_dot_output_parses_and_marks_the_broken_hops():
    result = portlint("trace", "--all", BROKEN, "--format", "dot")
    (graph,) = pydot.graph_from_dot_data(result.stdout)
    labels = {node.get_name(): node.get_label().strip('"') for node in graph.get_nodes() if node.get_label()}
    assert set(labels.values()) == {"client (outside the cluster)", "Ingress default/shop", "nodePort 30080",
                                    "Service default/shop-web", "Service default/shop-api",
                                    "Deployment default/shop-api"}
    edges = {(labels[e.get_source()], labels[e.get_destination()], e.get_label().strip('"')): e
             for e in graph.get_edges()}
    broken = edges["client (outside the cluster)", "Ingress default/shop",
                   "shop.example.com/ ✗ ingress-backend-port-unmatched"]
    assert broken.get_style() == "dashed"
    assert edges["client (outside the cluster)", "Ingress default/shop", "shop.example.com/api"].get_style() is None
    assert edges["Ingress default/shop", "Service default/shop-api",
                 ":80 ✗ service-target-port-name-unresolved"].get_style() == "dashed"
    assert edges["client (outside the cluster)", "nodePort 30080", ":30080"].get_style() is None
    # beyond the break, the Deployment is drawn but not reached
    assert edges["Service default/shop-api", "Deployment default/shop-api", ""].get_style() == "dotted"
    good = portlint("trace", "--all", FIXED, "--format", "dot").stdout
    (graph,) = pydot.graph_from_dot_data(good)
    assert len(graph.get_edges()) == 10 and "#cc0000" not in good


def test_dot_escapes_quotes_in_names():
    from portlint.report.graph import _dot_string

    text = _dot_string('a "quoted" \\ name')
    (graph,) = pydot.graph_from_dot_data(f"digraph g {{ n [label={text}]; }}")
    assert graph.get_nodes()[0].get_label() == text


def test_mermaid_output():
    result = portlint("trace", "--all", BROKEN, "--format", "mermaid")
    lines = result.stdout.splitlines()
    assert lines[0] == "flowchart LR"
    assert '  n1{{"Ingress default/shop"}}' in lines
    assert '  n0 -.->|"shop.example.com/ ✗ ingress-backend-port-unmatched"| n1' in lines
    assert "  class n1,n2,n5 broken" in lines


def test_trace_reads_paths_and_namespace_from_the_config_file(tmp_path):
    shutil.copytree(ROOT / "examples" / "fixed", tmp_path / "deploy")
    (tmp_path / ".portlint.yaml").write_text("paths: [deploy]\nnamespace: shop\n")
    result = portlint("trace", "service/shop-web:80", "-f", "json", cwd=tmp_path)
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["ok"] is True
    assert report["paths"][0]["hops"][1]["object"]["namespace"] == "shop"


def test_every_hop_type_of_a_full_chain_is_a_documented_one():
    result = portlint("trace", "--all", FIXED, "--format", "json")
    types = {hop["type"] for path in json.loads(result.stdout)["paths"] for hop in path["hops"]}
    assert types == {"client", "ingress", "node-port", "service", "workload", "network-policy", "container"}
    assert types <= set(HOP_TYPES)
