"""`portlint trace --from` and the network-policy hop: every source form and every outcome of the hop."""

import json
import subprocess
import sys
import textwrap

import pytest

from portlint.connectivity import Peer
from portlint.run import check_text
from portlint.trace import SourceError, Trace, Tracer, parse_source, parse_target
from portlint.trace.sources import NOT_JUDGED, SourceSpec, resolve_source

APP = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: x, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  type: NodePort
  selector: {app: api}
  ports: [{port: 80, targetPort: http, nodePort: 30080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: x}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
    - host: shop.example.com
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}]
"""
ALLOW_WEB = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: web}}}]
      ports: [{port: http}]
"""
CONTROLLER = """\
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: ingress-nginx}}
  template:
    metadata: {labels: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller}}
    spec:
      containers: [{name: controller, image: x}]
"""
FROM_CONTROLLER = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-ingress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}]
"""


def trace(text, target, source=None, controller_pods=None):
    report = check_text(textwrap.dedent(text))
    cluster = report.clusters[0]
    peer = resolve_source(parse_source(source), cluster, "default") if source else None
    parsed = parse_target(target)
    return Trace(parsed.text, Tracer(cluster, report.findings, "default", peer, controller_pods).entries(parsed))


def policy_hop(result):
    (path,) = result.paths
    hop = next(h for h in path.hops if h.type == "network-policy")
    assert [h.type for h in path.hops][-2:] == ["network-policy", "container"]
    return hop


@pytest.mark.parametrize("text, expected", [
    ("deployment/web.shop", SourceSpec("deployment/web.shop", "Deployment", "web", "shop")),
    ("statefulset/db.shop", SourceSpec("statefulset/db.shop", "StatefulSet", "db", "shop")),
    ("pod/debug", SourceSpec("pod/debug", "Pod", "debug", None)),
    ("namespace/ingress-nginx", SourceSpec("namespace/ingress-nginx", "namespace", None, "ingress-nginx")),
    ("external", SourceSpec("external", "external")),
])
def test_every_source_form_parses(text, expected):
    assert parse_source(text) == expected


@pytest.mark.parametrize("text", ["web", "service/web", "deployment/", "namespace/a.b", "Deployment/web"])
def test_malformed_sources_say_what_the_forms_are(text):
    with pytest.raises(SourceError, match="expected KIND/NAME|is not a namespace name"):
        parse_source(text)


def test_no_policy_isolating_the_pods_is_an_ok_hop_that_says_so():
    hop = policy_hop(trace(APP, "service/api.shop:80"))
    assert hop.ok and hop.reason == "no policy isolates these pods for ingress"
    assert hop.label == "NetworkPolicy: any pod of namespace shop → api :8080/TCP"


def test_from_a_workload_admitted_by_a_named_port():
    result = trace(APP + ALLOW_WEB, "service/api.shop:80", "deployment/web.shop")
    hop = policy_hop(result)
    assert result.ok and hop.ok and hop.obj.name == "allow-web"
    assert hop.reason == "policy allow-web admits Deployment shop/web on 8080/TCP"


def test_from_a_namespace_whose_pods_are_unknown_is_blocked_by_a_pod_selector_peer():
    result = trace(APP + ALLOW_WEB, "service/api.shop:80")  # default: a pod of the target's namespace
    hop = policy_hop(result)
    assert not result.ok and not hop.ok and result.entries[0].status == "broken"
    assert hop.reason == ("blocked: no NetworkPolicy selecting Deployment shop/api's pods admits traffic from any pod of "
                          "namespace shop on 8080/TCP (isolated by allow-web)")


def test_external_clients_at_a_node_port_are_blocked_by_pod_peers_and_the_note_names_the_traffic_policy():
    hop = policy_hop(trace(APP + ALLOW_WEB, "nodeport:30080"))
    assert not hop.ok and "a client outside the cluster" in hop.reason
    assert any("externalTrafficPolicy" in note for note in hop.notes)
    assert policy_hop(trace(APP + ALLOW_WEB, "nodeport:30080", "deployment/web.shop")).ok  # --from overrides


def test_a_label_the_input_cannot_show_is_judged_admitted_with_the_reason():
    unknown = ALLOW_WEB.replace("podSelector: {matchLabels: {app: web}}", "namespaceSelector: {matchLabels: {team: x}}")
    hop = policy_hop(trace(APP + unknown, "service/api.shop:80", "namespace/other"))
    assert hop.ok and "only if namespace other carries team=x (no Namespace other is in the input)" in hop.reason
    assert "cannot tell from the manifests: judged as admitted" in hop.notes


def test_url_traffic_comes_from_the_ingress_controller_pods_found_by_their_conventional_labels():
    admitted = policy_hop(trace(APP + CONTROLLER + FROM_CONTROLLER, "http://shop.example.com/"))
    assert admitted.ok and "Deployment ingress-nginx/ingress-nginx-controller" in admitted.reason
    blocked = policy_hop(trace(APP + CONTROLLER + ALLOW_WEB, "http://shop.example.com/"))
    assert not blocked.ok and "from Deployment ingress-nginx/ingress-nginx-controller" in blocked.reason


def test_url_traffic_without_the_controller_in_the_input_is_not_judged_unless_configured():
    hop = policy_hop(trace(APP + ALLOW_WEB, "http://shop.example.com/"))
    assert hop.ok and hop.reason == NOT_JUDGED
    configured = {"namespace": "ingress-nginx", "labels": {"app.kubernetes.io/name": "ingress-nginx"}}
    judged = policy_hop(trace(APP + FROM_CONTROLLER, "http://shop.example.com/", controller_pods=configured))
    assert judged.ok and judged.reason.startswith("policy allow-ingress admits the ingress controller's pods")
    blocked = policy_hop(trace(APP + ALLOW_WEB, "http://shop.example.com/", controller_pods=configured))
    assert not blocked.ok


def test_a_pod_source_whose_own_egress_is_isolated_is_blocked_at_the_same_hop():
    egress = ALLOW_WEB + textwrap.dedent("""\
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: web-egress, namespace: shop}
        spec:
          podSelector: {matchLabels: {app: web}}
          policyTypes: [Egress]
        """)
    hop = policy_hop(trace(APP + egress, "service/api.shop:80", "deployment/web.shop"))
    assert not hop.ok and "egress is isolated by web-egress" in hop.reason


def test_an_unknown_from_workload_is_an_error():
    cluster = check_text(APP).clusters[0]
    with pytest.raises(SourceError, match="the input holds no Deployment nope in namespace shop"):
        resolve_source(parse_source("deployment/nope.shop"), cluster, "default")
    assert resolve_source(parse_source("external"), cluster, "default") == Peer.external()


def portlint(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "portlint", *args], capture_output=True, text=True, cwd=cwd)


def test_cli_from_json_and_exit_codes(tmp_path):
    (tmp_path / "app.yaml").write_text(APP + ALLOW_WEB)
    good = portlint("trace", "service/api.shop:80", str(tmp_path), "--from", "deployment/web.shop", "--format", "json")
    assert good.returncode == 0
    hops = json.loads(good.stdout)["paths"][0]["hops"]
    assert [h["type"] for h in hops] == ["client", "service", "workload", "network-policy", "container"]
    assert hops[3]["object"]["kind"] == "NetworkPolicy" and hops[3]["reason"].startswith("policy allow-web admits")
    bad = portlint("trace", "service/api.shop:80", str(tmp_path), "--from", "external")
    assert bad.returncode == 1 and "✗ NetworkPolicy: a client outside the cluster → api :8080/TCP" in bad.stdout
    usage = portlint("trace", "service/api.shop:80", str(tmp_path), "--from", "deploy/web")
    assert usage.returncode == 2 and "expected KIND/NAME[.NAMESPACE]" in usage.stderr
    missing = portlint("trace", "service/api.shop:80", str(tmp_path), "--from", "deployment/nope.shop")
    assert missing.returncode == 2 and "holds no Deployment nope" in missing.stderr


def test_the_exposure_map_marks_the_entry_points_a_policy_blocks(tmp_path):
    (tmp_path / "app.yaml").write_text(APP + CONTROLLER + FROM_CONTROLLER)
    result = portlint("trace", "--all", str(tmp_path))
    assert result.returncode == 1
    assert "✓ http://shop.example.com/" in result.stdout and "✗ nodeport:30080" in result.stdout
    assert "1 blocked by a NetworkPolicy" in result.stdout


def test_the_config_key_names_the_controller_pods(tmp_path):
    (tmp_path / "app.yaml").write_text(APP + ALLOW_WEB)
    (tmp_path / ".portlint.yaml").write_text("ingress-controller-pods:\n  namespace: ingress-nginx\n")
    result = portlint("trace", "http://shop.example.com/", "app.yaml", cwd=tmp_path)
    assert result.returncode == 1 and "the ingress controller's pods (namespace ingress-nginx)" in result.stdout
