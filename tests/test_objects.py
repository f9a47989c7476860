"""duplicate-object and object-name-invalid."""

import textwrap

from conftest import lint, only

from portlint.run import check_paths
from portlint.settings import Settings

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
{extra}data:
  key: {value}
"""


def duplicates(text, **settings):
    return only(lint(text, **settings), "duplicate-object")


def names(text, **settings):
    return only(lint(text, **settings), "object-name-invalid")


# --- duplicate-object ------------------------------------------------------------------------------

def test_second_definition_is_reported_at_its_name_with_the_first_related():
    findings = duplicates("""\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: web
        data: {a: "1"}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: web
        data: {a: "2"}
        """)
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.line, finding.column) == (10, 3)
    assert finding.field_path == "metadata.name"
    assert "ConfigMap 'web' in namespace default is already defined at <string>:1" in finding.message
    assert "this definition differs from it" in finding.message
    assert "--cluster-per-path" not in finding.hint  # same file: not a matter of alternatives
    assert [(r.kind, r.name, r.line) for r in finding.related] == [("ConfigMap", "web", 1)]


def test_every_later_copy_is_reported_and_identical_copies_say_so():
    text = "---\n".join(CONFIGMAP.format(name="web", extra="", value="x") for _ in range(3))
    findings = duplicates(text)
    assert [f.line for f in findings] == [11, 18]
    assert all("repeats it identically" in f.message for f in findings)
    assert all(f.related[0].line == 1 for f in findings)


def test_in_one_apply_unit_two_files_defining_one_object_differently_are_a_duplicate(tmp_path):
    # the plain copy-paste duplicate, in a directory the config says is applied as a whole
    (tmp_path / "web.yaml").write_text(CONFIGMAP.format(name="web", extra="", value="x"))
    (tmp_path / "web-copy.yaml").write_text(CONFIGMAP.format(name="web", extra="", value="y"))
    (tmp_path / "other.yaml").write_text(CONFIGMAP.format(name="other", extra="", value="z"))
    report = check_paths([str(tmp_path)], Settings(units=["."], base_dir=str(tmp_path)))
    findings = only(report.findings, "duplicate-object")
    assert [(f.file.endswith("web.yaml"), f.line) for f in findings] == [(True, 4)]
    assert findings[0].related[0].file.endswith("web-copy.yaml")
    assert "units:" in findings[0].hint
    # inferred, the two files are alternatives (with and without TLS, allow and deny, ...): not compared
    assert only(check_paths([str(tmp_path)], Settings()).findings, "duplicate-object") == []


def test_in_one_apply_unit_identical_copies_and_a_cut_down_version_are_harmless(tmp_path):
    (tmp_path / "same-a.yaml").write_text(CONFIGMAP.format(name="same", extra="", value="x"))
    (tmp_path / "same-b.yaml").write_text(CONFIGMAP.format(name="same", extra="", value="x"))
    (tmp_path / "quickstart.yaml").write_text(CONFIGMAP.format(name="app", extra="", value="small"))
    (tmp_path / "all-in-one.yaml").write_text(CONFIGMAP.format(name="app", extra="", value="big") + "---\n"
                                              + CONFIGMAP.format(name="extra", extra="", value="z"))
    report = check_paths([str(tmp_path)], Settings(units=["."], base_dir=str(tmp_path)))
    assert only(report.findings, "duplicate-object") == []


def test_files_that_redefine_an_object_next_to_objects_of_their_own_are_alternatives(tmp_path):
    # two variants of one app: never applied together, unless the config says the directory is one unit
    (tmp_path / "a.yaml").write_text(CONFIGMAP.format(name="web", extra="", value="x") + "---\n"
                                     + CONFIGMAP.format(name="a-only", extra="", value="x"))
    (tmp_path / "b.yaml").write_text(CONFIGMAP.format(name="web", extra="", value="y") + "---\n"
                                     + CONFIGMAP.format(name="b-only", extra="", value="y"))
    assert only(check_paths([str(tmp_path)], Settings()).findings, "duplicate-object") == []
    configured = Settings(units=["."], base_dir=str(tmp_path))
    findings = only(check_paths([str(tmp_path)], configured).findings, "duplicate-object")
    assert [(f.file.endswith("b.yaml"), f.line) for f in findings] == [(True, 4)]


def test_copies_that_cannot_break_anything_are_not_reported(tmp_path):
    # identical copies, different directories (environments, overlays), and a file that is a
    # version of another (all of its objects defined there too)
    (tmp_path / "same-a.yaml").write_text(CONFIGMAP.format(name="same", extra="", value="x"))
    (tmp_path / "same-b.yaml").write_text(CONFIGMAP.format(name="same", extra="", value="x"))
    for env in ("dev", "prod"):
        (tmp_path / env).mkdir()
        (tmp_path / env / "cm.yaml").write_text(CONFIGMAP.format(name="web", extra="", value=env))
    (tmp_path / "quickstart.yaml").write_text(CONFIGMAP.format(name="app", extra="", value="small"))
    (tmp_path / "all-in-one.yaml").write_text(CONFIGMAP.format(name="app", extra="", value="big") + "---\n"
                                              + CONFIGMAP.format(name="extra", extra="", value="z"))
    assert only(check_paths([str(tmp_path)], Settings()).findings, "duplicate-object") == []


def test_same_name_in_two_namespaces_is_not_a_duplicate():
    text = CONFIGMAP.format(name="web", extra="", value="x") + "---\n" + \
        CONFIGMAP.format(name="web", extra="  namespace: staging\n", value="y")
    assert duplicates(text) == []


def test_explicit_default_namespace_equals_the_implicit_one():
    text = CONFIGMAP.format(name="web", extra="", value="x") + "---\n" + \
        CONFIGMAP.format(name="web", extra="  namespace: default\n", value="y")
    assert len(duplicates(text)) == 1
    # ... and --namespace decides what "implicit" means
    assert duplicates(text, namespace="prod") == []


def test_same_name_as_two_kinds_is_not_a_duplicate():
    assert duplicates("""\
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          ports: [{port: 80}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers: [{name: web, image: nginx}]
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: web
        """) == []


def test_api_versions_of_one_group_are_one_resource():
    findings = duplicates("""\
        apiVersion: extensions/v1beta1
        kind: Ingress
        metadata:
          name: web
        spec:
          backend: {serviceName: web, servicePort: 80}
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: web
        spec:
          defaultBackend: {service: {name: web, port: {number: 80}}}
        ---
        apiVersion: autoscaling/v1
        kind: HorizontalPodAutoscaler
        metadata:
          name: web
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata:
          name: web
        """)
    assert [(f.object.kind, f.line) for f in findings] == [("Ingress", 11), ("HorizontalPodAutoscaler", 23)]
    assert "(extensions/v1beta1 and networking.k8s.io/v1 are the same resource)" in findings[0].message


def test_extensions_deployment_is_the_apps_deployment():
    deployment = """\
        apiVersion: {version}
        kind: Deployment
        metadata:
          name: web
        spec:
          selector: {{matchLabels: {{app: web}}}}
          template:
            metadata: {{labels: {{app: web}}}}
            spec:
              containers: [{{name: web, image: nginx}}]
        """
    text = deployment.format(version="extensions/v1beta1") + "---\n" + deployment.format(version="apps/v1")
    assert len(duplicates(text)) == 1


def test_knative_service_is_not_a_core_service():
    assert duplicates("""\
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          ports: [{port: 80}]
        ---
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: web
        spec: {}
        """) == []


def test_cluster_scoped_kinds_collide_whatever_namespace_they_state():
    findings = duplicates("""\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: reader
          namespace: team-a
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: reader
          namespace: team-b
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata:
          name: reader
          namespace: team-a
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata:
          name: reader
          namespace: team-b
        """)
    assert [(f.object.kind, f.line) for f in findings] == [("ClusterRole", 10)]
    assert "(cluster-scoped)" in findings[0].message


def test_custom_kind_declared_cluster_scoped_by_its_crd():
    crs = """\
        apiVersion: cert-manager.io/v1
        kind: ClusterIssuer
        metadata:
          name: letsencrypt
          namespace: a
        ---
        apiVersion: cert-manager.io/v1
        kind: ClusterIssuer
        metadata:
          name: letsencrypt
          namespace: b
        """
    assert duplicates(crs) == []  # scope unknown: treated as namespaced, so no claim
    crd = """\
        ---
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: clusterissuers.cert-manager.io
        spec:
          group: cert-manager.io
          scope: Cluster
          names: {kind: ClusterIssuer, plural: clusterissuers}
        """
    assert [f.line for f in duplicates(textwrap.dedent(crs) + textwrap.dedent(crd))] == [10]


def test_generate_name_objects_never_collide():
    assert duplicates("""\
        apiVersion: batch/v1
        kind: Job
        metadata:
          generateName: migrate-
        spec:
          template:
            spec:
              restartPolicy: Never
              containers: [{name: m, image: busybox}]
        ---
        apiVersion: batch/v1
        kind: Job
        metadata:
          generateName: migrate-
        spec:
          template:
            spec:
              restartPolicy: Never
              containers: [{name: m, image: busybox}]
        """) == []


def test_list_items_take_part():
    findings = duplicates("""\
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: ConfigMap
            metadata: {name: web}
          - apiVersion: v1
            kind: ConfigMap
            metadata: {name: web}
        """)
    assert [(f.line, f.field_path) for f in findings] == [(9, "items[1].metadata.name")]


# --- object-name-invalid ---------------------------------------------------------------------------

def test_service_name_with_uppercase_is_reported_at_the_name_with_a_suggestion():
    findings = names("""\
        apiVersion: v1
        kind: Service
        metadata:
          name: myApp-service
        spec:
          ports: [{port: 80}]
        """)
    assert len(findings) == 1
    assert (findings[0].line, findings[0].column) == (4, 3)
    assert "Service name 'myApp-service' is not a DNS-1035 label" in findings[0].message
    assert "'myapp-service'" in findings[0].hint


def test_digit_first_name_is_invalid_for_a_service_but_valid_for_a_deployment():
    findings = names("""\
        apiVersion: v1
        kind: Service
        metadata:
          name: 1-web
        spec:
          selector: {app: web}
          ports: [{port: 80}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: 1-web
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers: [{name: web, image: nginx}]
        """)
    assert [(f.object.kind, f.line) for f in findings] == [("Service", 4)]
    assert "start with a letter" in findings[0].message
    assert "start with a lowercase letter" in findings[0].hint


def test_dotted_names_are_subdomains_for_deployments_but_not_labels_for_statefulsets_or_namespaces():
    findings = names("""\
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web.v2
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers: [{name: web, image: nginx}]
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: db.v2
        spec:
          selector: {matchLabels: {app: db}}
          template:
            metadata: {labels: {app: db}}
            spec:
              containers: [{name: db, image: postgres}]
        ---
        apiVersion: v1
        kind: Namespace
        metadata:
          name: team.a
        """)
    assert [(f.object.kind, f.line) for f in findings] == [("StatefulSet", 15), ("Namespace", 26)]
    assert "a DNS-1123 label" in findings[0].message


def test_cronjob_name_longer_than_52_characters():
    cronjob = """\
        apiVersion: batch/v1
        kind: CronJob
        metadata:
          name: {name}
        spec:
          schedule: "@daily"
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers: [{{name: c, image: busybox}}]
        """
    assert names(cronjob.format(name="c" * 52)) == []
    findings = names(cronjob.format(name="c" * 53))
    assert len(findings) == 1 and "no more than 52 characters" in findings[0].message


def test_invalid_namespace_is_reported_at_the_namespace_field():
    findings = names("""\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: web
          namespace: Team_A
        """)
    assert [(f.line, f.field_path) for f in findings] == [(5, "metadata.namespace")]
    assert "'Team_A' is not a valid namespace name" in findings[0].message
    assert "'team-a'" in findings[0].hint


def test_namespace_of_cluster_scoped_objects_is_not_checked():
    assert names("""\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: reader
          namespace: Not_Used
        ---
        apiVersion: v1
        kind: Namespace
        metadata:
          name: team-a
          namespace: Not_Used
        """) == []


def test_custom_resources_and_other_kinds_are_skipped():
    assert names("""\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: system:metrics-reader
        ---
        apiVersion: example.com/v1
        kind: Widget
        metadata:
          name: My_Widget
        ---
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: 1-knative
        """) == []


def test_generate_name_may_end_with_a_dash_but_is_otherwise_checked():
    job = """\
        apiVersion: batch/v1
        kind: Job
        metadata:
          generateName: {prefix}
        spec:
          template:
            spec:
              restartPolicy: Never
              containers: [{{name: m, image: busybox}}]
        """
    assert names(job.format(prefix="migrate-")) == []
    findings = names(job.format(prefix="Migrate-"))
    assert [(f.line, f.field_path) for f in findings] == [(4, "metadata.generateName")]


def test_unrendered_template_placeholders_are_not_judged():
    assert names("""\
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: ${SA_NAME:-reader}
          namespace: ${NAMESPACE:-default}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: "{{ .Release.Name }}-web"
        spec:
          ports: [{port: 80}]
        """) == []


def test_valid_names_are_not_reported():
    assert names("""\
        apiVersion: v1
        kind: Service
        metadata:
          name: web-1
          namespace: team-a
        spec:
          ports: [{port: 80}]
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: tls.example.com
          namespace: team-a
        """) == []
