"""Port-field rules: port-number-invalid, port-name-invalid, service-port-duplicate,
service-port-name-missing, container-port-duplicate."""

import textwrap

from conftest import lint, only


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing `needle` in the (dedented) manifest text."""
    lines = [n for n, line in enumerate(textwrap.dedent(text).splitlines(), 1) if needle in line]
    return lines[nth - 1]


def service(ports: str, name: str = "web", kind_type: str = "ClusterIP") -> str:
    return f"""\
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  type: {kind_type}
  selector:
    app: web
  ports:
{textwrap.indent(textwrap.dedent(ports), "    ")}"""


def deployment(containers: str, init: str = "") -> str:
    init_block = f"      initContainers:\n{textwrap.indent(textwrap.dedent(init), '        ')}" if init else ""
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
{init_block}      containers:
{textwrap.indent(textwrap.dedent(containers), "        ")}"""


def ingress(backend: str, api: str = "networking.k8s.io/v1") -> str:
    return f"""\
apiVersion: {api}
kind: Ingress
metadata:
  name: web
spec:
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend:
{textwrap.indent(textwrap.dedent(backend), "              ")}"""


# --- port-number-invalid ----------------------------------------------------------------------------

def test_service_port_out_of_range_points_at_the_port_line():
    text = service("- port: 70000\n  targetPort: 8080\n")
    found = only(lint(text), "port-number-invalid")
    assert [(f.line, f.field_path) for f in found] == [(line_of(text, "port: 70000"), "spec.ports[0].port")]
    assert "port 70000 is not a port number" in found[0].message
    assert found[0].severity == "error"


def test_service_port_zero_is_invalid():
    found = only(lint(service("- port: 0\n")), "port-number-invalid")
    assert len(found) == 1 and "port 0" in found[0].message


def test_target_port_zero_is_defaulted_not_reported():
    assert only(lint(service("- port: 80\n  targetPort: 0\n")), "port-number-invalid") == []


def test_target_port_bounds():
    assert only(lint(service("- port: 80\n  targetPort: 65535\n")), "port-number-invalid") == []
    text = service("- port: 80\n  targetPort: 65536\n")
    found = only(lint(text), "port-number-invalid")
    assert [(f.line, f.field_path) for f in found] == [(line_of(text, "targetPort"), "spec.ports[0].targetPort")]
    assert "remove it to use port 80" in found[0].hint


def test_negative_target_port_is_reported():
    found = only(lint(service("- port: 80\n  targetPort: -1\n")), "port-number-invalid")
    assert len(found) == 1 and "targetPort -1" in found[0].message


def test_node_port_is_left_to_the_node_port_rules():
    text = service("- port: 80\n  nodePort: 70000\n", kind_type="NodePort")
    assert only(lint(text), "port-number-invalid") == []


def test_container_port_zero_and_too_big():
    text = deployment("""\
        - name: web
          image: nginx
          ports:
            - containerPort: 0
            - containerPort: 65536
        """)
    found = only(lint(text), "port-number-invalid")
    assert [f.field_path for f in found] == ["spec.template.spec.containers[0].ports[0].containerPort",
                                             "spec.template.spec.containers[0].ports[1].containerPort"]
    assert "containerPort 0 is not a port" in found[0].message
    assert "container web: containerPort 65536" in found[1].message
    assert found[1].line == line_of(text, "containerPort: 65536")


def test_host_port_zero_means_none_other_values_must_be_ports():
    text = deployment("""\
        - name: web
          image: nginx
          ports:
            - containerPort: 80
              hostPort: 0
            - containerPort: 81
              hostPort: 70000
            - containerPort: 82
              hostPort: -1
        """)
    found = only(lint(text), "port-number-invalid")
    assert [(f.line, f.field_path.rsplit(".", 1)[1]) for f in found] == [
        (line_of(text, "hostPort: 70000"), "hostPort"), (line_of(text, "hostPort: -1"), "hostPort")]


def test_plain_init_container_ports_are_validated_too():
    text = deployment("- name: web\n  image: nginx\n",
                      init="- name: setup\n  image: busybox\n  ports:\n    - containerPort: 99999\n")
    found = only(lint(text), "port-number-invalid")
    assert len(found) == 1
    assert found[0].message.startswith("init container setup: containerPort 99999")
    assert found[0].field_path == "spec.template.spec.initContainers[0].ports[0].containerPort"


def test_probe_port_numbers():
    text = deployment("""\
        - name: web
          image: nginx
          readinessProbe:
            httpGet:
              path: /
              port: 0
          livenessProbe:
            tcpSocket:
              port: 70000
          startupProbe:
            grpc:
              port: 8080
        """)
    found = only(lint(text), "port-number-invalid")
    assert [f.field_path for f in found] == [
        "spec.template.spec.containers[0].readinessProbe.httpGet.port",
        "spec.template.spec.containers[0].livenessProbe.tcpSocket.port"]
    assert {f.line for f in found} == {line_of(text, "port: 0"), line_of(text, "port: 70000")}


def test_grpc_probe_port_zero():
    text = deployment("- name: web\n  image: nginx\n  livenessProbe:\n    grpc:\n      port: 0\n")
    found = only(lint(text), "port-number-invalid")
    assert len(found) == 1 and "livenessProbe.grpc port 0" in found[0].message


def test_ingress_port_number():
    text = ingress("service:\n  name: web\n  port:\n    number: 70000\n")
    found = only(lint(text), "port-number-invalid")
    assert [(f.line, f.field_path) for f in found] == [
        (line_of(text, "number: 70000"), "spec.rules[0].http.paths[0].backend.service.port.number")]
    assert found[0].object.kind == "Ingress"


def test_ingress_port_number_zero_without_name_is_rejected_with_name_ignored():
    found = only(lint(ingress("service:\n  name: web\n  port:\n    number: 0\n")), "port-number-invalid")
    assert len(found) == 1 and "0 reads as unset" in found[0].message
    text = ingress("service:\n  name: web\n  port:\n    number: 0\n    name: http\n")
    assert only(lint(text), "port-number-invalid") == []


def test_legacy_service_port_number():
    text = ingress("serviceName: web\nservicePort: 0\n", api="extensions/v1beta1")
    found = only(lint(text), "port-number-invalid")
    assert [f.field_path for f in found] == ["spec.rules[0].http.paths[0].backend.servicePort"]
    assert only(lint(ingress("serviceName: web\nservicePort: 80\n", api="extensions/v1beta1")),
                "port-number-invalid") == []


def test_bare_pod_positions():
    text = """\
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
        spec:
          containers:
            - name: c
              image: nginx
              ports:
                - containerPort: 123456
        """
    found = only(lint(text), "port-number-invalid")
    assert [(f.line, f.field_path) for f in found] == [(10, "spec.containers[0].ports[0].containerPort")]


# --- port-name-invalid ------------------------------------------------------------------------------

def test_quoted_numeric_target_port_is_a_name_without_a_letter():
    text = service('- port: 80\n  targetPort: "8080"\n')
    found = only(lint(text), "port-name-invalid")
    assert [(f.line, f.field_path) for f in found] == [(line_of(text, "targetPort"), "spec.ports[0].targetPort")]
    assert 'targetPort "8080" is a string' in found[0].message
    assert "needs at least one letter" in found[0].message
    assert found[0].hint == "write the number without quotes: targetPort: 8080"


def test_uppercase_target_port_name_hints_lowercase():
    found = only(lint(service("- port: 80\n  targetPort: HTTP\n")), "port-name-invalid")
    assert len(found) == 1 and "'http'" in found[0].hint


def test_too_long_target_port_name():
    found = only(lint(service("- port: 80\n  targetPort: http-metrics-port\n")), "port-name-invalid")
    assert len(found) == 1 and "no more than 15 characters" in found[0].message


def test_valid_names_are_not_reported():
    text = service("- name: http\n  port: 80\n  targetPort: http\n- name: grpc-web\n  port: 81\n  targetPort: h2c\n")
    assert only(lint(text), "port-name-invalid") == []


def test_service_port_name_is_a_dns_label_not_an_iana_name():
    # 19 characters: fine for a Service port, too long for a container port
    assert only(lint(service("- name: http-management-api\n  port: 80\n")), "port-name-invalid") == []
    text = service("- name: Http\n  port: 80\n")
    found = only(lint(text), "port-name-invalid")
    assert [(f.line, f.field_path) for f in found] == [(line_of(text, "name: Http"), "spec.ports[0].name")]
    assert "DNS-1123 label" in found[0].message and "'http'" in found[0].hint


def test_container_port_names():
    text = deployment("""\
        - name: web
          image: nginx
          ports:
            - name: my_port
              containerPort: 80
            - name: "8080"
              containerPort: 8080
            - name: ""
              containerPort: 81
            - name: metrics
              containerPort: 9090
        """)
    found = only(lint(text), "port-name-invalid")
    assert [(f.line, f.field_path) for f in found] == [
        (line_of(text, "my_port"), "spec.template.spec.containers[0].ports[0].name"),
        (line_of(text, '"8080"'), "spec.template.spec.containers[0].ports[1].name")]
    assert "container web: port name 'my_port'" in found[0].message
    assert "needs a letter" in found[1].hint


def test_probe_port_quoted_number():
    text = deployment("""\
        - name: web
          image: nginx
          livenessProbe:
            httpGet:
              path: /
              port: "8080"
        """)
    found = only(lint(text), "port-name-invalid")
    assert [(f.line, f.field_path) for f in found] == [
        (line_of(text, 'port: "8080"'), "spec.template.spec.containers[0].livenessProbe.httpGet.port")]
    assert found[0].hint == "write the number without quotes: port: 8080"
    assert only(lint(text), "probe-port-unresolved") == []


def test_ingress_port_name_is_an_iana_name():
    text = ingress("service:\n  name: web\n  port:\n    name: http-management-api\n")
    found = only(lint(text), "port-name-invalid")
    assert [(f.line, f.field_path) for f in found] == [
        (line_of(text, "http-management-api"), "spec.rules[0].http.paths[0].backend.service.port.name")]
    assert "up to 63" in found[0].hint and "port.number" in found[0].hint


def test_ingress_port_name_of_digits():
    found = only(lint(ingress('service:\n  name: web\n  port:\n    name: "80"\n')), "port-name-invalid")
    assert len(found) == 1 and "number: 80" in found[0].hint


def test_legacy_string_service_port_of_digits():
    text = ingress('serviceName: web\nservicePort: "80"\n', api="extensions/v1beta1")
    found = only(lint(text), "port-name-invalid")
    assert len(found) == 1
    assert found[0].hint == "write the number without quotes: servicePort: 80"
    assert only(lint(ingress("serviceName: web\nservicePort: http\n", api="extensions/v1beta1")),
                "port-name-invalid") == []


# --- service-port-duplicate -------------------------------------------------------------------------

def test_same_port_under_tcp_and_udp_is_not_a_duplicate():
    text = service("- name: dns\n  port: 53\n  protocol: UDP\n- name: dns-tcp\n  port: 53\n  protocol: TCP\n")
    assert only(lint(text), "service-port-duplicate") == []


def test_same_port_and_default_protocol_is_a_duplicate():
    text = service("- name: a\n  port: 80\n- name: b\n  port: 80\n  protocol: TCP\n")
    found = only(lint(text), "service-port-duplicate")
    assert [(f.line, f.field_path) for f in found] == [(line_of(text, "port: 80", 2), "spec.ports[1].port")]
    assert "port 80/TCP appears twice" in found[0].message and "(also ports[0]: a (80/TCP))" in found[0].message


def test_same_name_is_a_duplicate():
    text = service("- name: http\n  port: 80\n- name: http\n  port: 81\n")
    found = only(lint(text), "service-port-duplicate")
    assert [(f.line, f.field_path) for f in found] == [(line_of(text, "name: http", 2), "spec.ports[1].name")]


def test_a_fully_repeated_port_is_reported_once():
    text = service("- name: http\n  port: 80\n- name: http\n  port: 80\n")
    found = only(lint(text), "service-port-duplicate")
    assert len(found) == 1 and found[0].field_path == "spec.ports[1].port"


# --- service-port-name-missing ----------------------------------------------------------------------

def test_single_unnamed_port_is_fine():
    assert only(lint(service("- port: 80\n")), "service-port-name-missing") == []


def test_unnamed_port_in_multi_port_service():
    text = service("- port: 80\n- name: metrics\n  port: 9090\n- name: \"\"\n  port: 8443\n")
    found = only(lint(text), "service-port-name-missing")
    assert [(f.line, f.field_path) for f in found] == [
        (line_of(text, "- port: 80"), "spec.ports[0].name"), (line_of(text, 'name: ""'), "spec.ports[2].name")]
    assert "has 3 ports" in found[0].message


# --- container-port-duplicate -----------------------------------------------------------------------

def test_tcp_and_udp_on_one_number_is_not_a_duplicate():
    text = deployment("""\
        - name: dns
          image: coredns
          ports:
            - name: dns
              containerPort: 53
              protocol: UDP
            - name: dns-tcp
              containerPort: 53
              protocol: TCP
        """)
    assert only(lint(text), "container-port-duplicate") == []


def test_same_number_twice_in_one_container():
    text = deployment("""\
        - name: web
          image: nginx
          ports:
            - name: http
              containerPort: 80
            - name: https
              containerPort: 80
        """)
    found = only(lint(text), "container-port-duplicate")
    assert [(f.line, f.field_path) for f in found] == [
        (line_of(text, "containerPort: 80", 2), "spec.template.spec.containers[0].ports[1].containerPort")]
    assert "declared twice in this container (also as http=80/TCP)" in found[0].message
    assert found[0].severity == "warning"


def test_same_number_in_two_containers():
    text = deployment("""\
        - name: web
          image: nginx
          ports:
            - containerPort: 8080
        - name: sidecar
          image: proxy
          ports:
            - containerPort: 8080
        """)
    found = only(lint(text), "container-port-duplicate")
    assert [f.field_path for f in found] == ["spec.template.spec.containers[1].ports[0].containerPort"]
    assert "also declared by container web" in found[0].message


def test_one_port_published_on_two_host_ports_is_deliberate():
    text = deployment("""\
        - name: web
          image: nginx
          ports:
            - containerPort: 80
              hostPort: 8080
            - containerPort: 80
              hostPort: 8081
        """)
    assert only(lint(text), "container-port-duplicate") == []


def test_same_name_twice_in_one_container_is_rejected():
    text = deployment("""\
        - name: web
          image: nginx
          ports:
            - name: http
              containerPort: 80
            - name: http
              containerPort: 81
              protocol: UDP
        """)
    # an API error (validateContainerPorts), so port-name-invalid's, not the container-port-duplicate warning
    assert only(lint(text), "container-port-duplicate") == []
    found = only(lint(text), "port-name-invalid")
    assert [(f.line, f.field_path) for f in found] == [
        (line_of(text, "name: http", 2), "spec.template.spec.containers[0].ports[1].name")]
    assert "rejects the pod template" in found[0].message


def test_same_name_in_two_containers_with_same_protocol():
    text = deployment("""\
        - name: web
          image: nginx
          ports:
            - name: http
              containerPort: 8080
        - name: proxy
          image: envoy
          ports:
            - name: http
              containerPort: 8443
        """)
    found = only(lint(text), "container-port-duplicate")
    assert [f.field_path for f in found] == ["spec.template.spec.containers[1].ports[0].name"]
    assert "also declared by container web (http=8080/TCP)" in found[0].message


def test_same_name_in_two_containers_under_different_protocols_is_unambiguous():
    text = deployment("""\
        - name: dns
          image: coredns
          ports:
            - name: dns
              containerPort: 53
              protocol: UDP
        - name: metrics
          image: exporter
          ports:
            - name: dns
              containerPort: 9153
        """)
    assert only(lint(text), "container-port-duplicate") == []


def test_plain_init_container_ports_do_not_clash_with_app_ports():
    text = deployment("- name: web\n  image: nginx\n  ports:\n    - name: http\n      containerPort: 80\n",
                      init="- name: setup\n  image: busybox\n  ports:\n    - name: http\n      containerPort: 80\n")
    assert only(lint(text), "container-port-duplicate") == []


def test_sidecar_ports_clash_with_app_ports():
    text = deployment("- name: web\n  image: nginx\n  ports:\n    - containerPort: 80\n",
                      init="- name: proxy\n  image: envoy\n  restartPolicy: Always\n  ports:\n"
                           "    - containerPort: 80\n")
    found = only(lint(text), "container-port-duplicate")
    assert len(found) == 1
    assert found[0].message.startswith("init container proxy: containerPort 80/TCP is also declared by container web")
    assert found[0].field_path == "spec.template.spec.initContainers[0].ports[0].containerPort"


def test_duplicate_name_inside_a_plain_init_container():
    text = deployment("- name: web\n  image: nginx\n",
                      init="- name: setup\n  image: busybox\n  ports:\n    - name: p\n      containerPort: 1\n"
                           "    - name: p\n      containerPort: 2\n")
    found = only(lint(text), "port-name-invalid")
    assert [f.field_path for f in found] == ["spec.template.spec.initContainers[0].ports[1].name"]


def test_a_fully_repeated_container_port_is_reported_once():
    text = deployment("""\
        - name: web
          image: nginx
          ports:
            - name: http
              containerPort: 80
            - name: http
              containerPort: 80
        """)
    found = only(lint(text), "container-port-duplicate")
    assert [f.field_path for f in found] == ["spec.template.spec.containers[0].ports[1].containerPort"]
