"""Apply units: which files are applied together, inferred (portlint/units.py) and configured, and the rules
that decide by them (duplicates, route and nodePort clashes, the workloads a Service is judged against)."""

import json
import subprocess
import sys
import textwrap

import pytest
from conftest import only
from typer.testing import CliRunner

from portlint.cli import app
from portlint.run import check_paths, units_of_paths
from portlint.settings import Settings


def write(root, files: dict) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def app_files(name: str, port: int, host: str = "demo.example.com", service_port: int = 80) -> str:
    """A Deployment, its Service and an Ingress, all named `name`, the container listening on `port`."""
    return f"""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: {name}}}
        spec:
          selector: {{matchLabels: {{app: {name}}}}}
          template:
            metadata: {{labels: {{app: {name}}}}}
            spec:
              containers: [{{name: c, image: x, ports: [{{containerPort: {port}}}]}}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {{name: {name}}}
        spec:
          selector: {{app: {name}}}
          ports: [{{port: {service_port}, targetPort: {port}}}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {{name: {name}}}
        spec:
          ingressClassName: nginx
          rules:
            - host: {host}
              http:
                paths:
                  - {{path: /, pathType: Prefix, backend: {{service: {{name: {name}, port: {{number: {service_port}}}}}}}}}
        """


def units(tmp_path, **settings):
    ((cluster, _inputs),) = units_of_paths([str(tmp_path)], Settings(**settings))
    return [(u.name.replace(str(tmp_path), "."), sorted(m.file.replace(str(tmp_path) + "/", "") for m in u.members))
            for u in cluster.units.units]


def findings(tmp_path, **settings):
    return check_paths([str(tmp_path)], Settings(**settings)).findings


# --- a folder of standalone examples that reuse names ---------------------------------------------

def test_examples_that_redefine_one_app_differently_are_alternatives(tmp_path):
    write(tmp_path, {"examples/basic.yaml": app_files("echo", 8080),
                     "examples/tls.yaml": app_files("echo", 8443, service_port=443)})
    assert units(tmp_path) == [("./examples: basic.yaml", ["examples/basic.yaml"]),
                               ("./examples: tls.yaml", ["examples/tls.yaml"])]
    assert findings(tmp_path) == []  # no duplicate, no route conflict, each Service judged with its own pods
    # told that the directory is applied as a whole, the same files do break each other
    configured = {f.rule for f in findings(tmp_path, units=["examples"], base_dir=str(tmp_path))}
    assert "duplicate-object" in configured


def test_a_file_that_redefines_nothing_is_applied_with_every_alternative(tmp_path):
    write(tmp_path, {"d/a.yaml": app_files("web", 80), "d/b.yaml": app_files("web", 80, host="b.example.com"),
                     "d/namespace.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n"})
    assert [files for _, files in units(tmp_path)] == [["d/a.yaml", "d/namespace.yaml"],
                                                       ["d/b.yaml", "d/namespace.yaml"]]


def test_the_parts_of_an_all_in_one_file_stay_together(tmp_path):
    write(tmp_path, {"all-in-one/frontend.yaml": app_files("frontend", 80),
                     "all-in-one/backend.yaml": app_files("backend", 80, host="api.example.com"),
                     "all-in-one/all.yaml": app_files("frontend", 80) + "---\n"
                                            + app_files("backend", 80, host="api.example.com")})
    assert [files for _, files in units(tmp_path)] == [["all-in-one/all.yaml"],
                                                       ["all-in-one/backend.yaml", "all-in-one/frontend.yaml"]]


def test_a_directory_that_defines_nothing_twice_is_one_unit(tmp_path):
    write(tmp_path, {"app/web.yaml": app_files("web", 80), "app/api.yaml": app_files("api", 80, host="api.x.com")})
    [(name, files)] = units(tmp_path)
    assert (name, files) == ("./app", ["app/api.yaml", "app/web.yaml"])
    ((cluster, _inputs),) = units_of_paths([str(tmp_path)], Settings())
    assert "kubectl apply -f" in cluster.units.units[0].reason


# --- test fixtures that build on a shared base ------------------------------------------------------

FIXTURE = """\
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {{name: test}}
    spec:
      ingressClassName: nginx
      rules:
        - host: fixture.example.com
          http:
            paths: [{{path: {path}, pathType: Prefix, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}]
    """
BASE = app_files("web", 8080).split("---")  # the Deployment and the Service, without the Ingress
BASE = "---".join(BASE[:2])


def test_fixtures_share_the_base_file_they_refer_to(tmp_path):
    write(tmp_path, {"fixtures/base.yaml": BASE, "fixtures/case-1.yaml": FIXTURE.format(path="/one"),
                     "fixtures/case-2.yaml": FIXTURE.format(path="/two")})
    assert units(tmp_path) == [("./fixtures: case-1.yaml", ["fixtures/base.yaml", "fixtures/case-1.yaml"]),
                               ("./fixtures: case-2.yaml", ["fixtures/base.yaml", "fixtures/case-2.yaml"])]
    assert findings(tmp_path) == []


def test_a_base_in_another_directory_joins_the_units_that_refer_to_it(tmp_path):
    write(tmp_path, {"tests/base/manifests.yaml": BASE, "tests/case-1/ingress.yaml": FIXTURE.format(path="/one"),
                     "tests/case-2/ingress.yaml": FIXTURE.format(path="/one")})
    ((cluster, _inputs),) = units_of_paths([str(tmp_path)], Settings())
    shared = {u.name.rsplit("/", 1)[-1]: [m for m in u.members if m.file.endswith("base/manifests.yaml")]
              for u in cluster.units.units}
    assert [len(shared[case]) for case in ("case-1", "case-2")] == [1, 1]
    assert "routes to Service default/web" in shared["case-1"][0].reason
    # two fixtures in different units claim one route: no conflict
    assert only(check_paths([str(tmp_path)], Settings()).findings, "ingress-rule-conflict") == []


def test_a_reference_defined_by_several_equally_near_files_shares_none(tmp_path):
    write(tmp_path, {"x/a/app.yaml": BASE, "x/b/app.yaml": BASE, "x/c/ingress.yaml": FIXTURE.format(path="/")})
    assert [files for _, files in units(tmp_path)] == [["x/a/app.yaml"], ["x/b/app.yaml"], ["x/c/ingress.yaml"]]


# --- the workloads a Service is judged against --------------------------------------------------------

SERVICE_WEB = """\
    apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec:
      selector: {app: web}
      ports: [{name: http, port: 80, targetPort: http}]
    """


def deployment(name: str, port_name: str) -> str:
    return f"""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: {name}}}
        spec:
          selector: {{matchLabels: {{app: web, track: {name}}}}}
          template:
            metadata: {{labels: {{app: web, track: {name}}}}}
            spec:
              containers: [{{name: c, image: x, ports: [{{name: {port_name}, containerPort: 8080}}]}}]
        """


def test_every_selected_workload_of_the_unit_is_judged_not_only_the_one_in_the_services_file(tmp_path):
    # blue/green over two files of one directory: green lacks the named port
    write(tmp_path, {"app/service.yaml": SERVICE_WEB + "---\n" + deployment("blue", "http"),
                     "app/green.yaml": deployment("green", "web")})
    [finding] = only(findings(tmp_path), "service-target-port-name-unresolved")
    assert "Deployment green" in finding.message


def test_across_units_only_the_nearest_workloads_are_judged(tmp_path):
    write(tmp_path, {"examples/a/app.yaml": SERVICE_WEB + "---\n" + deployment("blue", "http"),
                     "tests/far/app.yaml": deployment("other", "web")})
    assert only(findings(tmp_path), "service-target-port-name-unresolved") == []
    # with no workload of its own, the Service is judged against the nearest ones
    write(tmp_path, {"examples/a/app.yaml": SERVICE_WEB})
    [finding] = only(findings(tmp_path), "service-target-port-name-unresolved")
    assert "Deployment other" in finding.message


def test_node_ports_clash_only_within_a_unit(tmp_path):
    node_port = """\
        apiVersion: v1
        kind: Service
        metadata: {{name: {name}}}
        spec:
          type: NodePort
          ports: [{{port: 80, nodePort: 30080}}]
        """
    write(tmp_path, {"a/svc.yaml": node_port.format(name="a"), "b/svc.yaml": node_port.format(name="b")})
    assert only(findings(tmp_path), "node-port-conflict") == []
    write(tmp_path, {"a/other.yaml": node_port.format(name="c")})
    assert len(only(findings(tmp_path), "node-port-conflict")) == 1


# --- configured units ---------------------------------------------------------------------------------

def test_each_path_a_glob_matches_is_one_unit(tmp_path):
    write(tmp_path, {"examples/one/a.yaml": BASE, "examples/two/b.yaml": FIXTURE.format(path="/"),
                     "examples/two/deep/c.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"})
    assert units(tmp_path, units=["examples/*"], base_dir=str(tmp_path)) == [
        ("examples/one", ["examples/one/a.yaml"]), ("examples/two", ["examples/two/b.yaml", "examples/two/deep/c.yaml"])]
    together = units(tmp_path, units=[["examples/one", "examples/two"]], base_dir=str(tmp_path))
    assert [len(files) for _, files in together] == [3]


def test_files_no_entry_matches_are_inferred(tmp_path):
    write(tmp_path, {"a/x.yaml": BASE, "b/y.yaml": BASE})
    assert [name for name, _ in units(tmp_path, units=["a"], base_dir=str(tmp_path))] == ["a", "./b"]


# --- the command line and the config file -----------------------------------------------------------------

def test_show_units_prints_each_unit_its_files_and_why(tmp_path, monkeypatch):
    write(tmp_path, {"fixtures/base.yaml": BASE, "fixtures/case-1.yaml": FIXTURE.format(path="/one"),
                     "fixtures/case-2.yaml": FIXTURE.format(path="/two")})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["check", "--show-units", "fixtures"])
    assert result.exit_code == 0
    assert "fixtures: case-1.yaml" in result.output
    assert "alternative: Ingress default/test is also defined in case-2.yaml, differently" in result.output
    assert "redefines nothing: applied with every alternative of its directory" in result.output
    assert "2 units from 3 files; 1 directory split into alternatives" in result.output
    data = json.loads(CliRunner().invoke(app, ["check", "--show-units", "-f", "json", "fixtures"]).output)
    assert [(u["cluster"], u["name"], [f["path"] for f in u["files"]]) for u in data["units"]] == [
        (0, "fixtures: case-1.yaml", ["fixtures/case-1.yaml", "fixtures/base.yaml"]),
        (0, "fixtures: case-2.yaml", ["fixtures/case-2.yaml", "fixtures/base.yaml"])]
    sarif = subprocess.run([sys.executable, "-m", "portlint", "check", "--show-units", "-f", "sarif", "fixtures"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert sarif.returncode == 2 and "--show-units prints text or --format json" in sarif.stderr


@pytest.mark.parametrize("units_value, accepted", [
    ('["examples/*"]', True), ('[["a", "b"], "c/*"]', True), ('"examples"', False), ("[[]]", False), ("[3]", False)])
def test_units_in_the_config_file_are_validated(tmp_path, units_value, accepted):
    write(tmp_path, {"a/x.yaml": BASE, ".portlint.yaml": f"units: {units_value}\n"})
    result = subprocess.run([sys.executable, "-m", "portlint", "check", "--show-units", "a"], capture_output=True,
                            text=True, cwd=tmp_path)
    assert result.returncode == (0 if accepted else 2), result.stderr
    assert accepted or result.stderr.startswith("portlint: error: .portlint.yaml: units")


def test_hand_written_endpoints_back_a_selectorless_service_in_a_folder_of_fixtures(tmp_path):
    # a multi-document fixture: the Service without a selector, and its EndpointSlice named by generateName
    service = "apiVersion: v1\nkind: Service\nmetadata: {name: legacy-db}\nspec: {ports: [{port: 5432}]}\n"
    slice_ = ("apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  generateName: legacy-db-\n"
              "  labels: {kubernetes.io/service-name: legacy-db}\naddressType: IPv4\nports: [{port: 5432}]\n"
              "endpoints: [{addresses: [10.0.0.7]}]\n")
    write(tmp_path, {"fixtures/case-1.yaml": service + "---\n" + slice_ + "---\n" + FIXTURE.format(path="/one"),
                     "fixtures/case-2.yaml": FIXTURE.format(path="/two"), "fixtures/base.yaml": BASE})
    assert only(findings(tmp_path), "service-no-selector") == []
    write(tmp_path, {"fixtures/case-1.yaml": service + "---\n" + FIXTURE.format(path="/one")})
    assert len(only(findings(tmp_path), "service-no-selector")) == 1


def test_show_units_lists_kustomization_roots_as_clusters_of_their_own(tmp_path):
    write(tmp_path, {"overlay/kustomization.yaml": "resources: [app.yaml]\n", "overlay/app.yaml": BASE,
                     "raw/ingress.yaml": FIXTURE.format(path="/")})
    result = subprocess.run([sys.executable, "-m", "portlint", "check", "--show-units", "-f", "json", "."],
                            capture_output=True, text=True, cwd=tmp_path)
    data = json.loads(result.stdout)
    assert [(u["name"], u["rendered"], [f["path"] for f in u["files"]]) for u in data["units"]] == [
        ("overlay", True, ["overlay/app.yaml", "overlay/kustomization.yaml"]), ("./raw", False, ["./raw/ingress.yaml"])]


# --- a Namespace defined in several units: each unit's own labels count -------------------------------

def _namespace(labels: str) -> str:
    return f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: shop, labels: {labels}}}\n"


GATEWAY_BY_LABEL = """\
    ---
    apiVersion: gateway.networking.k8s.io/v1
    kind: Gateway
    metadata: {name: public, namespace: infra}
    spec:
      gatewayClassName: example
      listeners:
        - name: http
          protocol: HTTP
          port: 80
          allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {expose: "true"}}}}
    ---
    apiVersion: gateway.networking.k8s.io/v1
    kind: HTTPRoute
    metadata: {name: web, namespace: shop}
    spec:
      parentRefs: [{name: public, namespace: infra}]
      rules: [{backendRefs: [{name: web, port: 80}]}]
    """


@pytest.mark.parametrize("order", [("labelled", "unlabelled"), ("unlabelled", "labelled")])
def test_a_route_is_admitted_by_the_labels_of_its_own_units_namespace(tmp_path, order):
    # two examples, each with its own Namespace shop: only the unlabelled one's route is refused
    labels = {"labelled": '{expose: "true"}', "unlabelled": "{}"}
    for index, name in enumerate(order):
        write(tmp_path, {f"{index}-{name}/all.yaml": _namespace(labels[name]) + textwrap.dedent(GATEWAY_BY_LABEL)})
    refused = only(findings(tmp_path), "route-not-allowed")
    assert [f.file.rsplit("/", 2)[-2] for f in refused] == [f"{order.index('unlabelled')}-unlabelled"]


API_IN_BACKEND = """\
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api, namespace: backend}
    spec:
      selector: {matchLabels: {app: api}}
      template:
        metadata: {labels: {app: api}}
        spec: {containers: [{name: api, image: x, ports: [{containerPort: 8080}]}]}
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: api, namespace: backend}
    spec:
      selector: {app: api}
      ports: [{port: 80, targetPort: 8080}]
"""  # ends with its newline: the texts below are appended to it

POLICY_BY_NAMESPACE_LABEL = API_IN_BACKEND + """\
    ---
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: from-shop, namespace: backend}
    spec:
      podSelector: {matchLabels: {app: api}}
      ingress: [{from: [{namespaceSelector: {matchLabels: {team: shop}}}]}]
    """


def test_a_namespace_selector_peer_reads_the_labels_of_the_policys_own_unit(tmp_path):
    # two examples, each labelling its own Namespace shop: the policy admits shop's pods only where shop is
    # labelled team=shop in the policy's own unit
    from portlint.connectivity import Peer, connectivity

    write(tmp_path, {"a/all.yaml": _namespace("{team: shop}") + textwrap.dedent(POLICY_BY_NAMESPACE_LABEL),
                     "b/all.yaml": _namespace("{team: other}") + textwrap.dedent(POLICY_BY_NAMESPACE_LABEL)})
    (cluster,) = check_paths([str(tmp_path)], Settings()).clusters
    engine = connectivity(cluster)
    admitted = {workload.file.rsplit("/", 2)[-2]: engine.reach(Peer.any_pod_of("shop"), workload, 8080, "TCP").allowed
                for workload in cluster.workloads}
    assert admitted == {"a": True, "b": False}


TLS_GATEWAY = """\
    apiVersion: v1
    kind: Namespace
    metadata: {name: certs}
    ---
    apiVersion: v1
    kind: Secret
    metadata: {name: wildcard, namespace: certs}
    type: kubernetes.io/tls
    data: {tls.crt: "", tls.key: ""}
    ---
    apiVersion: gateway.networking.k8s.io/v1
    kind: Gateway
    metadata: {name: public, namespace: infra}
    spec:
      gatewayClassName: example
      listeners:
        - name: https
          protocol: HTTPS
          port: 443
          tls: {certificateRefs: [{name: wildcard, namespace: certs}]}
    """

GRANT = """\
    ---
    apiVersion: gateway.networking.k8s.io/v1beta1
    kind: ReferenceGrant
    metadata: {name: gateways-in-infra, namespace: certs}
    spec:
      from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: infra}]
      to: [{group: "", kind: Secret, name: wildcard}]
    """


def _documents(*texts: str) -> str:
    return "".join(textwrap.dedent(text) for text in texts)


@pytest.mark.parametrize("order", [("granted", "refused"), ("refused", "granted")])
def test_a_grant_in_an_alternative_unit_does_not_permit(tmp_path, order):
    # two examples of one Gateway (each defines infra/public and certs/wildcard): only one has the grant,
    # and the other's listener is refused, whichever comes first
    for index, name in enumerate(order):
        write(tmp_path, {f"{index}-{name}/all.yaml": _documents(TLS_GATEWAY, GRANT if name == "granted" else "")})
    refused = only(findings(tmp_path), "gateway-tls-secret-not-permitted")
    assert [f.file.rsplit("/", 2)[-2] for f in refused] == [f"{order.index('refused')}-refused"]


def test_a_grant_kept_in_a_directory_of_its_own_permits(tmp_path):
    # the platform's grants in their own directory: that unit redefines nothing of the Gateway's, so it may be
    # applied with it, and its grant counts
    write(tmp_path, {"gateway/all.yaml": TLS_GATEWAY, "platform/grants.yaml": GRANT})
    found = findings(tmp_path)
    assert only(found, "yaml-syntax-error") == [] and only(found, "gateway-tls-secret-not-permitted") == []


ROUTE_TO_OTHER_NAMESPACE = API_IN_BACKEND + """\
    ---
    apiVersion: gateway.networking.k8s.io/v1
    kind: HTTPRoute
    metadata: {name: web, namespace: shop}
    spec:
      rules: [{backendRefs: [{name: api, namespace: backend, port: 80}]}]
    """

BACKEND_GRANT = """\
    ---
    apiVersion: gateway.networking.k8s.io/v1beta1
    kind: ReferenceGrant
    metadata: {name: routes-from-shop, namespace: backend}
    spec:
      from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop}]
      to: [{group: "", kind: Service}]
    """


def test_a_backend_grant_in_an_alternative_unit_does_not_permit(tmp_path):
    write(tmp_path, {"a/all.yaml": _documents(ROUTE_TO_OTHER_NAMESPACE, BACKEND_GRANT), "b/all.yaml": ROUTE_TO_OTHER_NAMESPACE})
    refused = only(findings(tmp_path), "route-backend-not-permitted")
    assert [f.file.rsplit("/", 2)[-2] for f in refused] == ["b"]
    assert "does not match" not in refused[0].hint  # a grant of the alternative is not offered as a near miss
