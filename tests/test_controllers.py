"""Ingress controller conventions (portlint/controllers.py): backends that are not Service references."""

from conftest import lint, only

from portlint.run import check_text
from portlint.trace import Tracer, parse_target
from portlint.settings import Settings

SERVICE = """\
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]
"""


def alb_ingress(annotation: str = "") -> str:
    return f"""\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations:
    alb.ingress.kubernetes.io/scheme: internet-facing
{annotation}spec:
  ingressClassName: alb
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend: {{service: {{name: ssl-redirect, port: {{name: use-annotation}}}}}}
          - path: /app
            pathType: Prefix
            backend: {{service: {{name: web, port: {{number: 80}}}}}}
"""


REDIRECT = """\
    alb.ingress.kubernetes.io/actions.ssl-redirect: '{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}'
"""


def backend_findings(text: str) -> list:
    findings = lint(text)
    return only(findings, "ingress-backend-service-missing") + only(findings, "ingress-backend-port-unmatched")


def test_an_alb_action_backend_names_an_action_not_a_service():
    assert backend_findings(alb_ingress(REDIRECT) + SERVICE) == []


def test_an_alb_action_without_its_annotation_is_a_fixed_503():
    [finding] = backend_findings(alb_ingress() + SERVICE)
    assert finding.rule == "ingress-backend-service-missing"
    assert "action 'ssl-redirect'" in finding.message and "alb.ingress.kubernetes.io/actions.ssl-redirect" in finding.message
    assert "Backend action does not exist" in finding.message
    assert finding.line == 14 and finding.field_path.endswith("port.name")


def test_the_services_of_a_forward_action_are_references():
    forward = ("    alb.ingress.kubernetes.io/actions.ssl-redirect: '{\"type\": \"forward\", \"forwardConfig\": "
               "{\"targetGroups\": [{\"serviceName\": \"web\", \"servicePort\": 80}, {\"serviceName\": \"wbe\", "
               "\"servicePort\": \"80\"}]}}'\n")
    [finding] = backend_findings(alb_ingress(forward) + SERVICE)
    assert "forwards to Service 'wbe'" in finding.message and "did you mean it" in finding.hint
    assert finding.line == 7 and "actions.ssl-redirect" in finding.field_path


def test_an_ingress_nginx_redirect_sends_nothing_to_its_backends():
    text = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: old-domain
  annotations: {nginx.ingress.kubernetes.io/permanent-redirect: "https://new.example.com"}
spec:
  ingressClassName: nginx
  rules:
    - host: old.example.com
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: placeholder, port: {number: 80}}}}]
"""
    assert backend_findings(text + SERVICE) == []
    assert len(backend_findings(text.replace("nginx.ingress.kubernetes.io/permanent-redirect", "x/y") + SERVICE)) == 1


KONG = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: kong}
spec:
  ingressClassName: kong
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              resource: {apiGroup: incubator.ingress-controller.konghq.com, kind: KongServiceFacade, name: facade}
---
apiVersion: incubator.ingress-controller.konghq.com/v1alpha1
kind: KongServiceFacade
metadata: {name: facade}
spec:
  backendRef: {name: SERVICE, port: 80}
"""


def test_a_kong_service_facade_stands_for_the_service_it_names():
    assert backend_findings(KONG.replace("SERVICE", "web") + SERVICE) == []
    [finding] = backend_findings(KONG.replace("SERVICE", "webb") + SERVICE)
    assert "routes through KongServiceFacade 'facade' to Service 'webb'" in finding.message
    trace = _trace(KONG.replace("SERVICE", "web") + SERVICE, "http://any.example.com/")
    assert trace.ok and "KongServiceFacade facade stands for Service web" in trace.paths[0].hops[1].notes


def test_gkes_default_backend_add_on_is_not_missing():
    text = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: gce, namespace: kube-system, annotations: {kubernetes.io/ingress.class: gce}}
spec:
  defaultBackend: {service: {name: default-http-backend, port: {number: 80}}}
"""
    assert backend_findings(text + SERVICE) == []
    assert len(backend_findings(text.replace("gce}", "nginx}") + SERVICE)) == 1


def _trace(text: str, target: str):
    from portlint.trace.hops import Trace

    report = check_text(text, Settings())
    tracer = Tracer(report.clusters[0], report.findings)
    parsed = parse_target(target)
    return Trace(parsed.text, tracer.entries(parsed))


def test_trace_follows_the_conventions():
    redirected = _trace(alb_ingress(REDIRECT) + SERVICE, "http://any.example.com/")
    assert any("AWS Load Balancer Controller action ssl-redirect (redirect)" in n
               for n in redirected.paths[0].hops[1].notes)
    served = _trace(alb_ingress(REDIRECT) + SERVICE, "http://any.example.com/app")
    assert served.ok
    traefik = KONG.replace("ingressClassName: kong", "ingressClassName: traefik").replace("SERVICE", "web") + SERVICE
    broken = _trace(traefik.replace("KongServiceFacade, name: facade", "Bucket, name: facade"), "http://a.example.com/")
    assert not broken.ok and "Traefik does not support resource backends" in broken.paths[0].hops[1].reason
