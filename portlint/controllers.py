"""Ingress controller conventions: where a controller reads an Ingress differently from the API's own words.

The Ingress API says a backend names a Service in the Ingress's namespace. Some controllers
document backends that name something else, or Ingresses whose backends never receive a request;
read as Service references, they would be false findings. Each convention is modelled here
explicitly, with its source, and shared by the rules and `portlint trace`:

- AWS Load Balancer Controller, actions: a backend whose port is `use-annotation` (v1
  `service.port.name`, or the legacy `servicePort`) names an action, not a Service: "The
  action-name in the annotation must match the serviceName in the Ingress rules, and servicePort
  must be use-annotation". The action is the JSON of the Ingress annotation
  `alb.ingress.kubernetes.io/actions.<name>` (a redirect, a fixed response, or a forward to
  target groups); a forward action may name Services in `forwardConfig.targetGroups[].serviceName`
  and `servicePort`, which are real references. A missing action annotation, or a forward to one
  Service that does not exist, makes the controller answer with a fixed 503 ("Backend action does
  not exist", "Backend service does not exist": pkg/ingress/enhanced_backend_builder.go).
  https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#actions
- ingress-nginx, redirects: `nginx.ingress.kubernetes.io/permanent-redirect` and `temporal-redirect`
  "return a permanent [temporal] redirect instead of sending data to the upstream": the Ingress's
  backends receive no request, so a placeholder backend is no break.
  https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#permanent-redirect
- Kong: a `resource` backend of kind KongServiceFacade (incubator.ingress-controller.konghq.com)
  stands for the Service in the facade's `spec.backendRef` ("It can be used as Kubernetes Ingress'
  backend (via its path's backend.resource)").
  https://pkg.go.dev/github.com/kong/kubernetes-ingress-controller/v3/pkg/apis/incubator/v1alpha1
- Traefik does not read `resource` backends at all ("Referencing backend service endpoints using
  spec.rules.http.paths.backend.resource is not supported"): `portlint trace` says so on the hop.
  https://doc.traefik.io/traefik/reference/install-configuration/providers/kubernetes/kubernetes-ingress/
- GKE (class gce, gce-internal): the Service kube-system/default-http-backend is the cluster add-on
  that answers requests no rule matches ("a 404 default backend service ... used in conjunction with
  the Ingress-GCE controller"); an Ingress may name it without the input holding it.
  https://github.com/kubernetes/kubernetes/blob/master/cluster/addons/cluster-loadbalancing/glbc/README.md
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterator

from portlint.loader import Mapping
from portlint.model import Ingress, IngressBackend

ALB_USE_ANNOTATION = "use-annotation"
ALB_ACTION_PREFIX = "alb.ingress.kubernetes.io/actions."
NGINX_REDIRECTS = ("nginx.ingress.kubernetes.io/permanent-redirect", "nginx.ingress.kubernetes.io/temporal-redirect")
KONG_FACADE = ("incubator.ingress-controller.konghq.com", "KongServiceFacade")
TRAEFIK_CLASSES = ("traefik",)
GKE_CLASSES = ("gce", "gce-internal")
GKE_DEFAULT_BACKEND = ("kube-system", "default-http-backend")


def is_alb_action(backend: IngressBackend) -> bool:
    """The backend names an AWS Load Balancer Controller action, not a Service."""
    return not backend.resource and backend.port_name == ALB_USE_ANNOTATION


def alb_action_key(backend: IngressBackend) -> str:
    return f"{ALB_ACTION_PREFIX}{backend.service_name}"


def redirects_everything(ingress: Ingress) -> str | None:
    """The ingress-nginx redirect annotation that keeps every request of this Ingress from its backends."""
    return next((a for a in NGINX_REDIRECTS if ingress.annotations.get(a)), None)


@dataclass(frozen=True)
class ActionTarget:
    """A Service a forward action sends to: name, and port (a number or a port name) if given."""

    service_name: str
    port: int | str | None


def alb_action(ingress: Ingress, backend: IngressBackend) -> dict | None:
    """The action's JSON, or None when the annotation is missing or not a JSON object."""
    text = ingress.annotations.get(alb_action_key(backend))
    if not isinstance(text, str):
        return None
    try:
        action = json.loads(text)
    except ValueError:
        return None
    return action if isinstance(action, dict) else None


def alb_forward_targets(action: dict) -> Iterator[ActionTarget]:
    """The Services a forward action names (its advanced schema; the simplified one names only target groups).

    The controller decodes the JSON with Go's encoding/json, which matches keys case-insensitively.
    """
    if str(_get(action, "type") or "").lower() != "forward":
        return
    groups = _get(_get(action, "forwardConfig"), "targetGroups")
    for group in groups if isinstance(groups, list) else ():
        name = _get(group, "serviceName")
        if isinstance(name, str) and name:
            port = _get(group, "servicePort")
            yield ActionTarget(name, int(port) if isinstance(port, str) and port.isdigit() else port)


def _get(mapping: object, key: str):
    if not isinstance(mapping, dict):
        return None
    lowered = key.lower()
    return next((v for k, v in mapping.items() if isinstance(k, str) and k.lower() == lowered), None)


def kong_facade(backend: IngressBackend) -> str | None:
    """The name of the KongServiceFacade a resource backend names, if it does."""
    resource = backend.raw.get("resource") if backend.resource else None
    if isinstance(resource, Mapping) and (resource.get("apiGroup"), resource.get("kind")) == KONG_FACADE:
        name = resource.get("name")
        return name if isinstance(name, str) else None
    return None


def kong_facade_service(facade) -> tuple[str | None, int | None]:
    """The Service name and port number in a KongServiceFacade's spec.backendRef."""
    spec = facade.raw.get("spec")
    ref = spec.get("backendRef") if isinstance(spec, Mapping) else None
    if not isinstance(ref, Mapping):
        return None, None
    name, port = ref.get("name"), ref.get("port")
    return (name if isinstance(name, str) else None), (port if isinstance(port, int) else None)
