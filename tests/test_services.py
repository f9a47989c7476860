"""Service → pods: selectors, targetPort resolution (FindPort), protocols, selector-less Services, StatefulSets."""

import textwrap

import pytest

from portlint import builder, engine, loader
from portlint.ports import declared_ports, listens_on, resolve_target_port
from portlint.run import check_paths
from portlint.settings import Settings

from conftest import lint, only


def deployment(name="web", labels="app: web", ports="{name: http, containerPort: 8080}", namespace="default",
               extra="", init="[]", kind="Deployment"):
    """A workload whose only container declares `ports` (YAML flow list)."""
    return f"""
apiVersion: apps/v1
kind: {kind}
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  selector:
    matchLabels: {{{labels}}}
  template:
    metadata:
      labels: {{{labels}}}
    spec:
      initContainers: {init}
      containers:
        - name: main
          image: example/app
          ports: [{ports}]
{extra}
"""


def service(ports="- {name: http, port: 80, targetPort: http}", selector="app: web", name="web",
            namespace="default", spec_extra=""):
    return f"""
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  selector: {{{selector}}}
{spec_extra}  ports:
    {ports}
"""


def docs(*parts: str) -> str:
    return "---".join(textwrap.dedent(p) for p in parts)


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the `occurrence`-th line containing `needle`."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def template_of(text: str, name: str):
    cluster, problems = builder.build_cluster(loader.load_text(textwrap.dedent(text), "t.yaml").documents)
    assert problems == []
    return next(w for w in cluster.workloads if w.name == name).template, cluster


# --- ports.resolve_target_port: FindPort --------------------------------------------------------

POD = """
apiVersion: v1
kind: Pod
metadata: {name: p, labels: {app: p}}
spec:
  initContainers:
    - name: setup
      image: busybox
      ports: [{name: setup, containerPort: 7000}]
    - name: proxy
      image: envoy
      restartPolicy: Always
      ports: [{name: https, containerPort: 8443}, {name: http, containerPort: 9999}]
  containers:
    - name: app
      image: app
      ports: [{name: http, containerPort: 8080}, {name: dns, containerPort: 53, protocol: UDP}]
"""


def service_port(target, protocol="TCP"):
    text = f"apiVersion: v1\nkind: Service\nmetadata: {{name: s}}\nspec:\n  selector: {{app: p}}\n" \
           f"  ports: [{{port: 1, targetPort: {target}, protocol: {protocol}}}]\n"
    cluster, _ = builder.build_cluster(loader.load_text(text, "s.yaml").documents)
    return cluster.services[0].ports[0]


def test_named_target_resolves_in_app_containers_before_sidecars():
    template, _ = template_of(POD, "p")
    assert resolve_target_port(service_port("http"), template).number == 8080


def test_named_target_resolves_in_a_sidecar():
    template, _ = template_of(POD, "p")
    assert resolve_target_port(service_port("https"), template).number == 8443


def test_plain_init_container_ports_never_count():
    template, _ = template_of(POD, "p")
    assert resolve_target_port(service_port("setup"), template) is None
    assert 7000 not in [p.number for p in declared_ports(template)]


def test_named_target_must_match_the_protocol():
    template, _ = template_of(POD, "p")
    assert resolve_target_port(service_port("dns", "TCP"), template) is None
    assert resolve_target_port(service_port("dns", "UDP"), template).number == 53


def test_numeric_target_is_not_resolved_by_name():
    template, _ = template_of(POD, "p")
    assert resolve_target_port(service_port(8443), template).name == "https"
    assert resolve_target_port(service_port(53, "TCP"), template) is None
    assert resolve_target_port(service_port(1234), template) is None


def test_listens_on_reads_probes_args_and_env():
    text = deployment(ports="", extra="""
          args: ["--metrics-bind-address=:8443", "--port", "18080", "--ratio=0.8080"]
          env: [{name: PORT, value: "9000"}]
          readinessProbe: {httpGet: {path: /, port: 8081}}
""")
    template, _ = template_of(text, "web")
    assert [n for n in (8443, 18080, 9000, 8081, 8080, 80) if listens_on(template, n)] == [8443, 18080, 9000, 8081]


# --- service-selector-no-match ------------------------------------------------------------------

def test_selector_near_miss_by_case_names_the_label():
    text = docs(service(selector="app: Web"), deployment())
    [finding] = only(lint(text), "service-selector-no-match")
    assert finding.line == line_of(text, "selector:")
    assert "app=Web" in finding.message
    assert "app=web, not app=Web" in finding.hint


def test_selector_near_miss_by_typo():
    text = docs(service(selector="app: frontnd"), deployment(labels="app: frontend"))
    [finding] = only(lint(text), "service-selector-no-match")
    assert "app=frontend" in finding.hint


def test_selector_matching_pods_in_another_namespace_only():
    text = docs(service(namespace="shop"), deployment(namespace="default"))
    [finding] = only(lint(text), "service-selector-no-match")
    assert "namespace shop" in finding.message
    assert "namespace default" in finding.hint


def test_statefulset_pod_name_selector_is_not_reported():
    text = docs(service(selector="statefulset.kubernetes.io/pod-name: db-0", name="db-0",
                        ports="- {port: 5432}"),
                deployment(name="db", kind="StatefulSet", labels="app: db", ports="{containerPort: 5432}"))
    assert only(lint(text), "service-selector-no-match") == []


def test_job_name_selector_is_not_reported():
    job = """
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: m, image: m, ports: [{containerPort: 9000}]}]
"""
    text = docs(service(selector="job-name: migrate", ports="- {port: 9000}"), job)
    assert only(lint(text), "service-selector-no-match") == []
    text = docs(service(selector="job-name: other", ports="- {port: 9000}"), job)
    assert len(only(lint(text), "service-selector-no-match")) == 1


def test_selector_over_several_workloads_judges_each():
    text = docs(service(selector="tier: web"),
                deployment(name="stable", labels="tier: web, track: stable"),
                deployment(name="canary", labels="tier: web, track: canary", ports="{name: web, containerPort: 8080}"))
    findings = lint(text)
    assert only(findings, "service-selector-no-match") == []
    [finding] = only(findings, "service-target-port-name-unresolved")
    assert "Deployment canary" in finding.message
    assert [r.name for r in finding.related] == ["canary"]


# --- service-target-port-name-unresolved --------------------------------------------------------

def test_unresolved_name_points_at_target_port():
    text = docs(service(ports="- {name: http, port: 80, targetPort: web}"), deployment())
    [finding] = only(lint(text), "service-target-port-name-unresolved")
    assert finding.severity == "error"
    assert finding.line == line_of(text, "targetPort: web")
    assert finding.field_path == "spec.ports[0].targetPort"
    assert finding.message == ("targetPort web of port http (80/TCP): Deployment web declares no TCP container port "
                               "named web, so its pods get no endpoint for this port")
    assert "targetPort" in finding.hint and "name: web" in finding.hint
    assert finding.related[0].kind == "Deployment"


def test_unresolved_name_suggests_a_typo_fix():
    text = docs(service(ports="- {port: 80, targetPort: htpp}"), deployment())
    [finding] = only(lint(text), "service-target-port-name-unresolved")
    assert finding.hint.startswith("did you mean targetPort: http?")


def test_unresolved_name_differing_in_case_asks_for_a_lowercase_name():
    text = docs(service(ports="- {port: 80, targetPort: http}"), deployment(ports="{name: HTTP, containerPort: 80}"))
    [finding] = only(lint(text), "service-target-port-name-unresolved")
    assert finding.hint == ("Deployment web names the port HTTP: port names are lowercase IANA service names, "
                            "rename it to http")


def test_unresolved_name_under_another_protocol_says_so():
    text = docs(service(ports="- {port: 53, targetPort: dns, protocol: UDP}"),
                deployment(ports="{name: dns, containerPort: 53}"))
    [finding] = only(lint(text), "service-target-port-name-unresolved")
    assert "declares no UDP container port named dns (it declares dns=53/TCP" in finding.message
    assert "protocol to TCP" in finding.hint


def test_name_in_sidecar_resolves_but_plain_init_container_does_not():
    sidecar = "[{name: proxy, image: envoy, restartPolicy: Always, ports: [{name: https, containerPort: 8443}]}]"
    plain = "[{name: proxy, image: envoy, ports: [{name: https, containerPort: 8443}]}]"
    svc = service(ports="- {port: 443, targetPort: https}")
    assert only(lint(docs(svc, deployment(init=sidecar))), "service-target-port-name-unresolved") == []
    [finding] = only(lint(docs(svc, deployment(init=plain))), "service-target-port-name-unresolved")
    assert "named https" in finding.message


def test_name_declared_under_both_protocols():
    pod_ports = "{name: dns-udp, containerPort: 53, protocol: UDP}, {name: dns-tcp, containerPort: 53}"
    svc_ports = """- {name: a, port: 53, targetPort: dns-udp, protocol: UDP}
    - {name: b, port: 53, targetPort: dns-tcp, protocol: TCP}"""
    text = docs(service(ports=svc_ports), deployment(ports=pod_ports))
    assert [f for f in lint(text) if f.severity != "info"] == []


def test_headless_service_is_judged_too():
    text = docs(service(ports="- {port: 80, targetPort: web}", spec_extra="  clusterIP: None\n"), deployment())
    assert len(only(lint(text), "service-target-port-name-unresolved")) == 1


def test_external_name_service_is_never_checked():
    text = docs(service(ports="- {port: 80, targetPort: web}",
                        spec_extra="  type: ExternalName\n  externalName: web.example.com\n"), deployment())
    findings = lint(text)
    assert only(findings, "service-target-port-name-unresolved") == []
    assert only(findings, "service-no-selector") == []


def test_invalid_port_name_is_left_to_the_api_server():
    text = docs(service(ports="- {port: 80, targetPort: HTTP}"), deployment())
    assert only(lint(text), "service-target-port-name-unresolved") == []


def test_workloads_in_other_namespaces_are_not_judged():
    text = docs(service(namespace="a", ports="- {port: 80, targetPort: http}"),
                deployment(namespace="a"), deployment(namespace="b", ports="{containerPort: 8080}"))
    assert [f for f in lint(text) if f.severity != "info"] == []


# --- service-target-port-unmatched --------------------------------------------------------------

def test_unmatched_number_lists_declared_ports():
    text = docs(service(ports="- {port: 80, targetPort: 8000}"),
                deployment(ports="{name: http, containerPort: 8080}, {containerPort: 9090}"))
    [finding] = only(lint(text), "service-target-port-unmatched")
    assert finding.severity == "warning"
    assert finding.line == line_of(text, "targetPort: 8000")
    assert finding.message == "port 80/TCP targets 8000/TCP, but Deployment web declares only http=8080/TCP, 9090/TCP"


def test_unmatched_default_target_points_at_port():
    text = docs(service(ports="- {name: web,\n       port: 8000}"), deployment())
    [finding] = only(lint(text), "service-target-port-unmatched")
    assert finding.line == line_of(text, "port: 8000")
    assert finding.field_path == "spec.ports[0].port"
    assert "targetPort defaults to it" in finding.message


def test_declared_number_is_clean():
    text = docs(service(ports="- {port: 80, targetPort: 8080}"), deployment())
    assert [f for f in lint(text) if f.severity != "info"] == []


def test_number_in_args_or_probe_is_evidence_enough():
    args = '          args: ["--listen=:8000"]\n'
    probe = "          readinessProbe: {tcpSocket: {port: 8000}}\n"
    svc = service(ports="- {port: 80, targetPort: 8000}")
    assert only(lint(docs(svc, deployment(extra=args))), "service-target-port-unmatched") == []
    assert only(lint(docs(svc, deployment(extra=probe))), "service-target-port-unmatched") == []


def test_number_declared_in_a_sidecar_counts():
    sidecar = "[{name: proxy, image: envoy, restartPolicy: Always, ports: [{containerPort: 15001}]}]"
    text = docs(service(ports="- {port: 80, targetPort: 15001}"), deployment(init=sidecar))
    assert only(lint(text), "service-target-port-unmatched") == []


def test_number_under_another_protocol_is_a_protocol_mismatch_not_unmatched():
    text = docs(service(ports="- {port: 53, protocol: UDP}"), deployment(ports="{containerPort: 53}"))
    findings = lint(text)
    assert only(findings, "service-target-port-unmatched") == []
    assert len(only(findings, "service-protocol-mismatch")) == 1


# --- service-protocol-mismatch ------------------------------------------------------------------

def test_protocol_mismatch_points_at_protocol():
    text = docs(service(ports="- {name: dns,\n       port: 53,\n       protocol: UDP}"),
                deployment(ports="{name: dns-tcp, containerPort: 53}"))
    [finding] = only(lint(text), "service-protocol-mismatch")
    assert finding.severity == "warning"
    assert finding.line == line_of(text, "protocol: UDP")
    assert finding.message == ("port dns (53/UDP) (targetPort defaults to it), but Deployment web declares port 53 "
                               "only as dns-tcp=53/TCP")
    assert "protocol to TCP" in finding.hint


def test_same_port_under_tcp_and_udp_is_clean():
    svc_ports = """- {name: dns, port: 53, protocol: UDP}
    - {name: dns-tcp, port: 53, protocol: TCP}"""
    text = docs(service(ports=svc_ports),
                deployment(ports="{name: dns, containerPort: 53, protocol: UDP}, {name: dns-tcp, containerPort: 53}"))
    assert lint(text) == []


# --- container-port-undeclared ------------------------------------------------------------------

def test_undeclared_ports_reported_once_per_service_and_workload():
    svc_ports = """- {name: a, port: 80, targetPort: 8080}
    - {name: b, port: 81, targetPort: 8081}"""
    text = docs(service(ports=svc_ports), deployment(ports=""))
    findings = lint(text)
    [finding] = only(findings, "container-port-undeclared")
    assert finding.severity == "info"
    assert finding.line == line_of(text, "targetPort: 8080")
    assert "ports 80/TCP → 8080, 81/TCP → 8081 cannot be checked" in finding.message
    assert only(findings, "service-target-port-unmatched") == []


def test_undeclared_ports_with_hostnetwork_follow_the_same_rules():
    text = docs(service(ports="- {port: 80, targetPort: 8080}"),
                deployment(ports="", extra="      hostNetwork: true\n"))
    assert len(only(lint(text), "container-port-undeclared")) == 1


def test_undeclared_ports_not_reported_for_named_targets_only():
    text = docs(service(ports="- {port: 80, targetPort: http}"), deployment(ports=""))
    findings = lint(text)
    assert only(findings, "container-port-undeclared") == []
    assert len(only(findings, "service-target-port-name-unresolved")) == 1


# --- service-no-selector ------------------------------------------------------------------------

BARE = """
apiVersion: v1
kind: Service
metadata: {name: db, namespace: data}
spec:
  ports: [{port: 5432}]
"""


def test_service_without_selector_or_endpoints():
    [finding] = only(lint(BARE), "service-no-selector")
    assert finding.severity == "warning"
    assert finding.line == line_of(BARE, "spec:")
    assert "Service db has no selector" in finding.message
    assert "kubernetes.io/service-name: db" in finding.hint


def test_empty_selector_reads_as_none():
    text = BARE.replace("spec:\n", "spec:\n  selector: {}\n")
    [finding] = only(lint(text), "service-no-selector")
    assert finding.line == line_of(text, "selector: {}")


@pytest.mark.parametrize("endpoints", [
    "apiVersion: v1\nkind: Endpoints\nmetadata: {name: db, namespace: data}\nsubsets: []\n",
    "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: db-1\n  namespace: data\n"
    "  labels: {kubernetes.io/service-name: db}\naddressType: IPv4\nendpoints: []\n",
])
def test_hand_made_endpoints_silence_it(endpoints):
    assert only(lint(BARE + "---\n" + endpoints), "service-no-selector") == []
    elsewhere = endpoints.replace("namespace: data", "namespace: other")
    assert len(only(lint(BARE + "---\n" + elsewhere), "service-no-selector")) == 1


def test_apiserver_service_is_not_reported():
    text = BARE.replace("{name: db, namespace: data}", "{name: kubernetes, namespace: default}")
    assert only(lint(text), "service-no-selector") == []


# --- statefulset-service-missing ----------------------------------------------------------------

def statefulset(service_name: str, namespace="default") -> str:
    return deployment(name="db", kind="StatefulSet", labels="app: db", namespace=namespace,
                      ports="{name: pg, containerPort: 5432}").replace(
        "spec:\n  selector:", f"spec:\n  serviceName: {service_name}\n  selector:", 1)


def test_statefulset_service_missing_points_at_service_name():
    text = docs(service(name="db-headless", selector="app: db", ports="- {port: 5432}",
                        spec_extra="  clusterIP: None\n"), statefulset("db-hedless"))
    [finding] = only(lint(text), "statefulset-service-missing")
    assert finding.severity == "warning"
    assert finding.object.kind == "StatefulSet"
    assert finding.line == line_of(text, "serviceName: db-hedless")
    assert "serviceName db-hedless names no Service in namespace default" in finding.message
    assert finding.hint.startswith("did you mean serviceName: db-headless?")


def test_statefulset_service_present_or_absent_name():
    svc = service(name="db", selector="app: db", ports="- {port: 5432}", spec_extra="  clusterIP: None\n")
    assert only(lint(docs(svc, statefulset("db"))), "statefulset-service-missing") == []
    assert only(lint(docs(svc, statefulset('""'))), "statefulset-service-missing") == []


def test_statefulset_service_in_another_namespace_does_not_count():
    svc = service(name="db", selector="app: db", ports="- {port: 5432}", namespace="other")
    assert len(only(lint(docs(svc, statefulset("db"))), "statefulset-service-missing")) == 1


# --- a repository of independent examples read as one cluster ------------------------------------

def test_only_the_nearest_workloads_are_judged(tmp_path):
    for example, port in (("a", 8080), ("b", 9090)):
        (tmp_path / example).mkdir()
        (tmp_path / example / "app.yaml").write_text(docs(
            service(ports=f"- {{port: 80, targetPort: {port}}}"), deployment(name=f"web-{example}",
                                                                       ports=f"{{containerPort: {port}}}")))
    report = check_paths([str(tmp_path)], Settings())
    assert [(f.rule, f.message) for f in report.findings if f.rule.startswith("service-target")] == []
    # in one directory, both workloads are the Service's backends
    (tmp_path / "a" / "other.yaml").write_text(deployment(name="web-extra", ports="{containerPort: 7000}"))
    (tmp_path / "a" / "app.yaml").write_text(service(ports="- {port: 80, targetPort: 8080}"))
    report = check_paths([str(tmp_path / "a")], Settings())
    [finding] = [f for f in report.findings if f.rule == "service-target-port-unmatched"]
    assert "web-extra" in finding.message


def test_index_lookups_grow_linearly():
    def lookups(n):
        text = "---".join(docs(service(name=f"s{i}", selector=f"app: a{i}"),
                               deployment(name=f"d{i}", labels=f"app: a{i}")) for i in range(n))
        cluster, _ = builder.build_cluster(loader.load_text(textwrap.dedent(text), "t.yaml").documents)
        for rule_id in ("service-target-port-name-unresolved", "service-target-port-unmatched",
                        "service-protocol-mismatch", "container-port-undeclared"):
            list(engine.checks()[rule_id](cluster, Settings()))
        return cluster.pods.lookups
    assert lookups(40) == 2 * lookups(20)


def test_pods_of_an_operators_custom_resource_count_as_matching():
    findings = lint("""\
        apiVersion: leaderworkerset.x-k8s.io/v1
        kind: LeaderWorkerSet
        metadata: {name: vllm}
        spec:
          leaderWorkerTemplate:
            leaderTemplate:
              metadata:
                labels: {role: leader}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: vllm-leader}
        spec:
          selector: {leaderworkerset.sigs.k8s.io/name: vllm, role: leader}
          ports: [{port: 8080}]
        """)
    assert only(findings, "service-selector-no-match") == []


def test_a_custom_resource_that_does_not_carry_every_selector_value_does_not_hide_the_break():
    findings = lint("""\
        apiVersion: leaderworkerset.x-k8s.io/v1
        kind: LeaderWorkerSet
        metadata: {name: vllm}
        spec: {}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: sidecar-tool, labels: {app: tool, role: worker}}
        spec:
          containers: [{name: c, image: x}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: vllm-leader}
        spec:
          selector: {leaderworkerset.sigs.k8s.io/name: vllm, role: leader}
          ports: [{port: 8080}]
        """)
    assert len(only(findings, "service-selector-no-match")) == 1


def test_the_apex_service_of_a_traffic_split_is_not_reported():
    findings = lint("""\
        apiVersion: v1
        kind: Service
        metadata: {name: web-apex}
        spec:
          selector: {app: web-apex}
          ports: [{port: 80}]
        ---
        apiVersion: split.smi-spec.io/v1alpha1
        kind: TrafficSplit
        metadata: {name: web-split}
        spec:
          service: web-apex
          backends: [{service: web-svc, weight: 100}]
        """)
    assert only(findings, "service-selector-no-match") == []


def test_a_service_alone_in_a_namespace_without_pods_fronts_pods_installed_elsewhere():
    lone = """\
        apiVersion: v1
        kind: Service
        metadata: {name: dcgm, namespace: gke-managed-system}
        spec:
          selector: {app: dcgm-exporter}
          ports: [{port: 9400}]
        """
    assert only(lint(lone), "service-selector-no-match") == []
    # ... but not when the input does hold pods in that namespace
    with_pods = textwrap.dedent(lone) + textwrap.dedent("""\
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: other, namespace: gke-managed-system, labels: {app: other}}
        spec:
          containers: [{name: c, image: x}]
        """)
    assert len(only(lint(with_pods), "service-selector-no-match")) == 1


def test_an_out_of_range_target_is_left_to_port_number_invalid():
    findings = lint("""\
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          selector: {app: web}
          ports: [{port: 80, targetPort: 80800}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: web, labels: {app: web}}
        spec:
          containers: [{name: web, image: nginx, ports: [{containerPort: 8080}]}]
        """)
    assert [f.rule for f in findings] == ["port-number-invalid"]


# --- workloads that are not built-in kinds, and the custom resources that make pods ---------------

NAMED_SERVICE = service(ports="- {name: http, port: 80, targetPort: web}")
ROLLOUT = """
    apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {name: web}
    spec:
      selector: {matchLabels: {app: web}}
      strategy: {canary: {steps: [{setWeight: 20}]}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: web, image: nginx, ports: [{name: PORT, containerPort: 8080}]}]
    """


def test_a_rollout_is_a_workload_whose_ports_are_checked():
    findings = lint(docs(NAMED_SERVICE, ROLLOUT))
    [finding] = only(findings, "service-target-port-name-unresolved")
    assert "Rollout web declares no TCP container port named web" in finding.message
    assert only(findings, "service-selector-no-match") == [] and only(findings, "manifest-invalid") == []
    assert only(lint(docs(NAMED_SERVICE, ROLLOUT.replace("PORT", "web"))), "service-target-port-name-unresolved") == []


def test_a_rollout_that_references_a_deployment_runs_that_deployments_pods():
    rollout = """
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata: {name: web}
        spec:
          workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}
        """
    text = docs(NAMED_SERVICE, rollout, deployment(ports="{name: web, containerPort: 8080}"))
    assert [f.rule for f in lint(text) if f.severity != "info"] == []


def test_a_deployment_config_is_a_workload_with_the_labels_its_deployer_adds():
    dc = """
        apiVersion: apps.openshift.io/v1
        kind: DeploymentConfig
        metadata: {name: web}
        spec:
          selector: {app: web}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers: [{name: web, image: nginx, ports: [{name: web, containerPort: 8080}]}]
        """
    by_dc = service(selector="deploymentconfig: web", ports="- {name: http, port: 80, targetPort: web}")
    assert [f.rule for f in lint(docs(by_dc, dc)) if f.severity != "info"] == []
    typo = service(selector="deploymentconfig: webb", ports="- {name: http, port: 80, targetPort: web}")
    assert len(only(lint(docs(typo, dc)), "service-selector-no-match")) == 1


def test_a_custom_resource_named_like_a_selector_value_does_not_hide_a_selector_typo():
    route = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: httpbin}
        spec:
          rules: [{backendRefs: [{name: httpbin, port: 8000}]}]
        """
    text = docs(route, service(name="httpbin", selector="app: httpbin", ports="- {port: 8000, targetPort: 80}"),
                deployment(name="httpbin", labels="app: httbin"))
    [finding] = only(lint(text), "service-selector-no-match")
    assert "app=httbin" in finding.hint
