"""API-server validations, one manifest that fails each and one that passes (issue 11 §1 and §2).

Each case is written from the Kubernetes source named in docs/validation.md.
"""

import textwrap

import pytest

from portlint.trace import parse_target
from portlint.trace.targets import TargetError

from conftest import lint, only, rule_ids

POD = """\
apiVersion: v1
kind: Pod
metadata: {{name: web}}
spec:
{spec}
"""


def pod(spec: str) -> str:
    return POD.format(spec=textwrap.indent(textwrap.dedent(spec), "  "))


INGRESS = """\
apiVersion: {version}
kind: Ingress
metadata:
  name: web
{metadata}spec:
{spec}
---
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  type: ExternalName
  externalName: web.example.net
  ports: [{{name: http, port: 80}}]
"""


def ingress(spec: str, version="networking.k8s.io/v1", metadata="") -> str:
    return INGRESS.format(version=version, metadata=metadata, spec=textwrap.indent(textwrap.dedent(spec), "  "))


def v1_path(backend: str) -> str:
    return f"""\
    ingressClassName: nginx
    rules:
      - http:
          paths:
            - path: /
              pathType: Prefix
              backend: {backend}
    """


SERVICE = """\
apiVersion: v1
kind: Service
metadata: {{name: db}}
spec:
{spec}
"""


def service(spec: str) -> str:
    return SERVICE.format(spec=textwrap.indent(textwrap.dedent(spec), "  "))


JOB = """\
apiVersion: batch/v1
kind: Job
metadata: {{name: {name}}}
spec:
{spec}  template:
    metadata: {{labels: {{app: migrate}}}}
    spec:
      restartPolicy: Never
      containers: [{{name: migrate, image: busybox}}]
"""


def job(spec="", name="migrate") -> str:
    return JOB.format(name=name, spec=textwrap.indent(textwrap.dedent(spec), "  "))


CRONJOB = """\
apiVersion: batch/v1
kind: CronJob
metadata: {{name: nightly}}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
{extra}      template:
        spec:
          restartPolicy: Never
          containers: [{{name: run, image: busybox}}]
"""

STATEFULSET = """\
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: db}}
spec:
  serviceName: db
  selector: {{matchLabels: {{app: db}}}}
  template:
    metadata: {{labels: {{app: db}}}}
    spec:
      containers: [{{name: db, image: postgres, ports: [{{containerPort: 5432}}]}}]
---
apiVersion: v1
kind: Service
metadata: {{name: db}}
spec:
{spec}  selector: {{app: db}}
  ports: [{{port: 5432}}]
"""

NETWORK_POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: web}}
spec:
  podSelector: {{}}
  ingress: [{{ports: [{{port: 80, protocol: {protocol}}}]}}]
"""

CASES = {
    # --- §2, Ingress (pkg/apis/networking/validation) ----------------------------------------
    "backend with port name and number": (
        "ingress-backend-invalid",
        ingress(v1_path("{service: {name: web, port: {name: http, number: 80}}}")),
        ingress(v1_path("{service: {name: web, port: {name: http}}}"))),
    "Service backend without a port": (
        "ingress-backend-invalid",
        ingress(v1_path("{service: {name: web}}")),
        ingress(v1_path("{service: {name: web, port: {number: 80}}}"))),
    "Ingress with neither rules nor defaultBackend": (
        "ingress-backend-invalid",
        ingress("ingressClassName: nginx\ntls: [{hosts: [web.example.com]}]\n"),
        ingress("ingressClassName: nginx\ndefaultBackend: {service: {name: web, port: {number: 80}}}\n")),
    "ingressClassName and a different class annotation": (
        "ingress-class-mismatch",
        ingress(v1_path("{service: {name: web, port: {number: 80}}}"),
                metadata="  annotations: {kubernetes.io/ingress.class: traefik}\n"),
        ingress(v1_path("{service: {name: web, port: {number: 80}}}"),
                metadata="  annotations: {kubernetes.io/ingress.class: nginx}\n")),
    # --- §1 version-exact fields -----------------------------------------------------------
    "v1 Ingress with the v1beta1 backend fields": (
        "manifest-invalid",
        ingress(v1_path("{serviceName: web, servicePort: 80}")),
        ingress(v1_path("{serviceName: web, servicePort: 80}"), version="networking.k8s.io/v1beta1")),
    "beta Ingress with the v1 backend fields": (
        "manifest-invalid",
        ingress(v1_path("{service: {name: web, port: {number: 80}}}"), version="networking.k8s.io/v1beta1"),
        ingress(v1_path("{service: {name: web, port: {number: 80}}}"))),
    "v1 Ingress with spec.backend": (
        "manifest-invalid",
        ingress("ingressClassName: nginx\nbackend: {serviceName: web, servicePort: 80}\n"),
        ingress("ingressClassName: nginx\nbackend: {serviceName: web, servicePort: 80}\n",
                version="extensions/v1beta1")),
    # --- §2, Service (ValidateService) -------------------------------------------------------
    "clusterIP None on a NodePort Service": (
        "service-cluster-ip-invalid",
        service("type: NodePort\nclusterIP: None\nports: [{port: 80}]\n"),
        service("type: NodePort\nports: [{port: 80}]\n")),
    "clusterIP None on a LoadBalancer Service": (
        "service-cluster-ip-invalid",
        service("type: LoadBalancer\nclusterIP: None\nports: [{port: 80}]\n"),
        service("clusterIP: None\nports: [{port: 80}]\n")),
    "a clusterIP on an ExternalName Service": (
        "service-cluster-ip-invalid",
        service("type: ExternalName\nexternalName: db.example.com\nclusterIP: 10.0.0.12\n"),
        service("type: ExternalName\nexternalName: db.example.com\nclusterIP: ''\n")),
    "a clusterIP that is not an IP": (
        "service-cluster-ip-invalid",
        service("clusterIP: none\nports: [{port: 80}]\n"),
        service("clusterIP: 10.96.0.12\nports: [{port: 80}]\n")),
    "a Service without ports, neither headless nor ExternalName": (
        "service-ports-missing",
        service("type: ClusterIP\n"),
        service("clusterIP: None\n")),
    "an ExternalName Service without externalName": (
        "service-type-field-invalid",
        service("type: ExternalName\n"),
        service("type: ExternalName\nexternalName: db.example.com.\n")),
    "externalTrafficPolicy on a ClusterIP Service": (
        "service-type-field-invalid",
        service("externalTrafficPolicy: Local\nports: [{port: 80}]\n"),
        service("externalTrafficPolicy: Local\nexternalIPs: [203.0.113.7]\nports: [{port: 80}]\n")),
    # An empty string in a plain (non-pointer) field is what SetDefaults_Service and the generated
    # defaults (zz_generated.defaults.go) see as unset: it is defaulted before validation runs
    "a Service type, port protocol or externalTrafficPolicy outside its enum; empty ones are defaulted": (
        "manifest-invalid",
        service("type: clusterip\nports: [{port: 80, protocol: tcp}]\n"),
        service("type: ''\nexternalTrafficPolicy: ''\nports: [{port: 80, protocol: ''}]\n")),
    # --- §2, pods (ValidatePodSpec) ----------------------------------------------------------
    "hostNetwork with a hostPort other than its containerPort": (
        "host-port-invalid",
        pod("hostNetwork: true\ncontainers: [{name: a, image: x, ports: [{containerPort: 8080, hostPort: 80}]}]\n"),
        pod("hostNetwork: true\ncontainers: [{name: a, image: x, ports: [{containerPort: 8080, hostPort: 8080}]}]\n")),
    "one hostPort claimed by two containers": (
        "host-port-invalid",
        pod("containers:\n- {name: a, image: x, ports: [{containerPort: 80, hostPort: 8080}]}\n"
            "- {name: b, image: x, ports: [{containerPort: 81, hostPort: 8080}]}\n"),
        pod("containers:\n- {name: a, image: x, ports: [{containerPort: 80, hostPort: 8080}]}\n"
            "- {name: b, image: x, ports: [{containerPort: 81, hostPort: 8080, protocol: UDP}]}\n")),
    "a probe on a plain init container": (
        "container-field-forbidden",
        pod("initContainers: [{name: init, image: x, livenessProbe: {exec: {command: [true]}}}]\n"
            "containers: [{name: a, image: x}]\n"),
        pod("initContainers: [{name: init, image: x, restartPolicy: Always, livenessProbe: {exec: {command: [true]}}}]\n"
            "containers: [{name: a, image: x}]\n")),
    "two containers with one name": (
        "container-name-invalid",
        pod("initContainers: [{name: a, image: x}]\ncontainers: [{name: a, image: x}]\n"),
        pod("initContainers: [{name: init, image: x}]\ncontainers: [{name: a, image: x}]\n")),
    "a container port name repeated in one container": (
        "port-name-invalid",
        pod("containers: [{name: a, image: x, ports: [{name: http, containerPort: 80}, {name: http, containerPort: 81}]}]\n"),
        pod("containers: [{name: a, image: x, ports: [{name: http, containerPort: 80}, {name: alt, containerPort: 81}]}]\n")),
    "a container port protocol outside its enum; an empty one is defaulted to TCP": (
        "manifest-invalid",
        pod("containers: [{name: a, image: x, ports: [{containerPort: 80, protocol: tcp}]}]\n"),
        pod("containers: [{name: a, image: x, ports: [{containerPort: 80, protocol: ''}]}]\n")),
    # --- §2, NetworkPolicy: a port's protocol is a pointer, defaulted only when absent ----------
    "an empty NetworkPolicy port protocol": (
        "manifest-invalid",
        NETWORK_POLICY.format(protocol="''"),
        NETWORK_POLICY.format(protocol="TCP")),
    # --- §2, batch (pkg/apis/batch/validation, pkg/registry/batch/job) -----------------------
    "a Job name over 63 characters": (
        "object-name-invalid",
        job(name="m" * 64),
        job(name="m" * 64, spec="manualSelector: true\nselector: {matchLabels: {app: migrate}}\n")),
    "a Job selector that does not match its template": (
        "workload-selector-mismatch",
        job(spec="manualSelector: true\nselector: {matchLabels: {app: other}}\n"),
        job(spec="manualSelector: true\nselector: {matchLabels: {app: migrate}}\n")),
    "a hand-written Job selector without manualSelector": (
        "workload-selector-mismatch",
        job(spec="selector: {matchLabels: {app: migrate}}\n"),
        job()),
    "a CronJob jobTemplate with a selector": (
        "workload-selector-mismatch",
        CRONJOB.format(extra="      selector: {matchLabels: {app: run}}\n"),
        CRONJOB.format(extra="")),
    # --- §2, StatefulSet: the governing Service must be headless -----------------------------
    "a StatefulSet whose Service is not headless": (
        "statefulset-service-missing",
        STATEFULSET.format(spec=""),
        STATEFULSET.format(spec="  clusterIP: None\n")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_failing_manifest_is_reported(case):
    rule, bad, _good = CASES[case]
    findings = only(lint(bad), rule)
    assert findings, f"{case}: no {rule} finding"
    assert all(f.line > 1 and f.hint for f in findings)  # at the offending field, with a hint


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_passing_manifest_is_not(case):
    rule, _bad, good = CASES[case]
    assert only(lint(good), rule) == []


def test_a_v1_ingress_with_legacy_fields_has_no_service_backend():
    findings = lint(ingress(v1_path("{serviceName: nope, servicePort: 80}")))
    # the legacy fields are not read in v1: no "Service nope is missing", only the schema finding
    assert {f.rule for f in findings} == {"manifest-invalid"}
    assert "networking.k8s.io/v1" in findings[0].message


# --- §1: controller-added labels ------------------------------------------------------------------

SELECTS_JOB = """\
---
apiVersion: v1
kind: Service
metadata: {name: migrate}
spec:
  selector: {job-name: migrate}
  ports: [{port: 80}]
"""


def test_a_manual_selector_job_gets_no_job_name_label():
    manual = job(spec="manualSelector: true\nselector: {matchLabels: {app: migrate}}\n")
    assert only(lint(manual + SELECTS_JOB), "service-selector-no-match")
    assert not only(lint(job() + SELECTS_JOB), "service-selector-no-match")


# --- §1: names of things --------------------------------------------------------------------------

def test_trace_accepts_service_port_names_up_to_63_characters():
    long_name = "http-management-api-" + "x" * 40
    assert parse_target(f"service/web:{long_name}").port == long_name
    with pytest.raises(TargetError):
        parse_target(f"service/web:{'x' * 64}")


def test_cluster_scoped_objects_have_no_namespace_in_messages():
    binding = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: admin, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}
"""
    findings = only(lint(binding + "---\n" + binding.replace("ClusterRole,", "ClusterRole, x: y,")),
                    "duplicate-object")
    assert findings and findings[0].object.namespace == "" and str(findings[0].object) == "ClusterRoleBinding admin"
    role = binding.replace("ClusterRoleBinding", "RoleBinding")
    findings = only(lint(role + "---\n" + role.replace("ClusterRole,", "ClusterRole, x: y,")), "duplicate-object")
    assert str(findings[0].object) == "RoleBinding default/admin"


def test_a_port_with_an_empty_protocol_is_read_as_tcp():
    """protocol: "" is TCP after defaulting, so the port is judged, not left out as unreadable."""
    findings = lint("""\
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          selector: {app: web}
          ports: [{name: http, port: 80, targetPort: web, protocol: ""}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers: [{name: web, image: nginx, ports: [{name: http, containerPort: 8080, protocol: ""}]}]
        """)
    assert rule_ids(findings) == ["service-target-port-name-unresolved"]
    assert "TCP" in findings[0].message
