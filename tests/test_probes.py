"""probe-port-unresolved: a probe's named port must be a port of the probed container itself."""

import textwrap

from conftest import lint, only

RULE = "probe-port-unresolved"


def pod(containers: str, init: str = "") -> str:
    init_block = f"  initContainers:\n{textwrap.indent(textwrap.dedent(init), '    ')}" if init else ""
    return f"""\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
{init_block}  containers:
{textwrap.indent(textwrap.dedent(containers), "    ")}"""


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_readiness_probe_naming_an_undeclared_port():
    text = pod("""\
        - name: web
          image: nginx
          ports:
            - containerPort: 8080
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
        """)
    found = only(lint(text), RULE)
    assert [(f.line, f.field_path) for f in found] == [
        (line_of(text, "port: http"), "spec.containers[0].readinessProbe.httpGet.port")]
    finding = found[0]
    assert finding.severity == "error"
    assert finding.object.kind == "Pod" and finding.object.name == "web"
    assert "container web: readinessProbe.httpGet.port 'http' names no port of this container" in finding.message
    assert "(it declares 8080/TCP)" in finding.message
    assert "never becomes ready" in finding.message
    assert "declare a port named 'http'" in finding.hint


def test_declared_name_resolves_whatever_the_protocol():
    text = pod("""\
        - name: dns
          image: coredns
          ports:
            - name: dns
              containerPort: 53
              protocol: UDP
          livenessProbe:
            tcpSocket:
              port: dns
        """)
    assert only(lint(text), RULE) == []


def test_name_declared_only_by_another_container():
    text = pod("""\
        - name: web
          image: nginx
          ports:
            - containerPort: 80
        - name: exporter
          image: exporter
          ports:
            - name: metrics
              containerPort: 9113
          livenessProbe:
            httpGet:
              path: /
              port: metrics
        - name: app
          image: app
          livenessProbe:
            tcpSocket:
              port: metrics
        """)
    found = only(lint(text), RULE)
    assert [f.field_path for f in found] == ["spec.containers[2].livenessProbe.tcpSocket.port"]
    assert "(it declares no ports)" in found[0].message
    assert "silently disabled" in found[0].message
    assert "container exporter declares metrics=9113" in found[0].hint
    assert "use port: 9113" in found[0].hint


def test_near_miss_name_is_suggested():
    text = pod("""\
        - name: web
          image: nginx
          ports:
            - name: http
              containerPort: 80
          startupProbe:
            httpGet:
              path: /
              port: htpp
        """)
    found = only(lint(text), RULE)
    assert len(found) == 1
    assert "never marked started" in found[0].message
    assert "has a port named 'http'" in found[0].hint


def test_numeric_probe_port_need_not_be_declared():
    text = pod("""\
        - name: web
          image: nginx
          ports:
            - containerPort: 80
          livenessProbe:
            httpGet:
              path: /
              port: 10254
        """)
    assert only(lint(text), RULE) == []


def test_invalid_names_are_left_to_port_name_invalid():
    text = pod("""\
        - name: web
          image: nginx
          readinessProbe:
            httpGet:
              path: /
              port: HTTP
        """)
    findings = lint(text)
    assert only(findings, RULE) == []
    assert len(only(findings, "port-name-invalid")) == 1


def test_sidecar_probes_are_checked_against_the_sidecar_ports():
    text = pod("- name: web\n  image: nginx\n  ports:\n    - name: admin\n      containerPort: 9901\n",
               init="- name: proxy\n  image: envoy\n  restartPolicy: Always\n"
                    "  readinessProbe:\n    tcpSocket:\n      port: admin\n")
    found = only(lint(text), RULE)
    assert [f.field_path for f in found] == ["spec.initContainers[0].readinessProbe.tcpSocket.port"]
    assert found[0].message.startswith("init container proxy:")
    assert "container web declares admin=9901" in found[0].hint


def test_workload_templates_are_checked():
    text = """\
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: db
        spec:
          serviceName: db
          selector:
            matchLabels:
              app: db
          template:
            metadata:
              labels:
                app: db
            spec:
              containers:
                - name: db
                  image: postgres
                  ports:
                    - name: postgres
                      containerPort: 5432
                  readinessProbe:
                    tcpSocket:
                      port: postgresql
        """
    found = only(lint(text), RULE)
    assert [(f.line, f.field_path) for f in found] == [
        (23, "spec.template.spec.containers[0].readinessProbe.tcpSocket.port")]
    assert found[0].object.kind == "StatefulSet"


def test_a_container_with_one_named_port_gets_it_suggested():
    findings = only(lint("""\
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          containers:
            - name: web
              image: nginx
              ports: [{name: http, containerPort: 8080}]
              readinessProbe: {httpGet: {path: /healthz, port: http-port}}
        """), "probe-port-unresolved")
    assert len(findings) == 1 and findings[0].hint.startswith("if the probe is meant for http=8080, write port: http")
