"""Hops from the entry points (Ingress rules, nodePorts, load balancers, service/... targets) to a Service port;
trace/backends.py follows each Service port to the containers.

The Kubernetes behaviour followed at each hop:
- kube-proxy opens a Service's nodePort on every node for NodePort and LoadBalancer Services and
  forwards to the Service port it belongs to; a Service port forwards to the targetPort of each
  ready pod the selector picks, resolved per pod (FindPort, via `portlint.ports.resolve_target_port`);
- a headless Service (clusterIP: None) is not proxied: DNS returns the pod IPs and the client
  connects to them on the port it dialled (a port name resolves through SRV records to the targetPort);
- an ExternalName Service is a DNS CNAME: the connection leaves the cluster;
- a Service without a selector gets its endpoints from Endpoints/EndpointSlice objects.
"""

from __future__ import annotations

from portlint.controllers import (
    KONG_FACADE,
    TRAEFIK_CLASSES,
    alb_action,
    alb_forward_targets,
    is_alb_action,
    kong_facade,
    kong_facade_service,
    redirects_everything,
)
from portlint.findings import Finding
from portlint.model import (
    NODE_PORT_TYPES,
    Cluster,
    Gateway,
    Ingress,
    IngressBackend,
    Service,
    ServicePort,
)
from portlint.connectivity import Peer
from portlint.similar import similar
from portlint.trace.hops import Claim, Entry, Hop, TracePath
from portlint.trace.sources import ControllerSources
from portlint.trace.routing import Miss, Route, TlsIndex, effective_path_type, route_url
from portlint.trace.targets import (
    AllTarget,
    NodePortTarget,
    ServiceTarget,
    Target,
    UrlTarget,
)
from portlint.trace.backends import (
    ServiceTracer,
    UNTRACED,
    _hop,
    _name,
)

EXTERNAL, IN_CLUSTER = ("client", "external"), ("client", "cluster")


class Tracer(ServiceTracer):
    """The entry points: Ingress rules, nodePorts, load balancers and service/... targets."""

    def __init__(self, cluster: Cluster, findings: list[Finding], namespace: str = "default",
                 source: Peer | None = None, controller_pods: dict | None = None, gateway_pods: dict | None = None,
                 rendered: frozenset[str] = frozenset()):
        super().__init__(cluster, findings, source, rendered)
        self.namespace = namespace
        self._controllers = ControllerSources(cluster, controller_pods, gateway_pods)
        self._classes = {obj.name: obj for obj in cluster.objects if obj.ref.kind == "IngressClass"}

    def entries(self, target: Target) -> list[Entry]:
        if isinstance(target, UrlTarget):
            return [self.url(target)]
        if isinstance(target, NodePortTarget):
            self._send_from(Peer.external())
            return [self.node_port(target)]
        if isinstance(target, ServiceTarget):
            self._send_from(Peer.any_pod_of(target.namespace or self.namespace))
            return [self.service_target(target)]
        assert isinstance(target, AllTarget)
        return self.everything()

    def _send_from(self, default: Peer | None, sender: str = "the ingress controller") -> None:
        """The source of the paths traced next: --from when given, else the entry point's default."""
        self._source, self._sender = self._given_source or default, sender

    def send_through(self, gateway: Gateway) -> None:
        """The paths traced next pass `gateway`: they come from the pods of its data plane."""
        self._send_from(self._controllers.for_gateway(gateway), "the Gateway's data plane")

    # --- entry points ------------------------------------------------------------------------------

    def url(self, target: UrlTarget) -> Entry:
        client = _hop("client", f"client → {target.text}", None, None, port=target.port, node=EXTERNAL)
        routes = route_url(self.cluster.ingresses, target.host, target.path)
        if isinstance(routes, Miss):
            miss = Hop("ingress", f"Ingress for host {target.host}, path {target.path}", node=("ingress", None))
            return Entry(target.text, [TracePath([client, miss.fail(routes.reason, routes.hint)])])
        paths = []
        for route in routes:
            hop = self.ingress_hop(route, target.host, target.tls, edge=f"{target.host}{target.path}")
            paths += self.backend_paths([client, hop], route.ingress, route.backend)
        return Entry(target.text, paths)

    def node_port(self, target: NodePortTarget) -> Entry:
        number = target.node_port
        where = target.node_ip or "any node"
        client = _hop("client", f"client → {where}:{number}", None, None, port=number, node=EXTERNAL)
        exposed = self.cluster.node_ports.get(number, [])
        if not exposed:
            missing = Hop("node-port", f"nodePort {number} on every node", port=number, node=("node-port", number))
            return Entry(target.text, [TracePath([client, missing.fail(
                f"no Service exposes nodePort {number}", self._node_port_hint())])])
        paths = []
        for service, service_port in exposed:
            hop = self.node_port_hop(service, service_port)
            paths += self.service_paths([client, hop], service, service_port)
        return Entry(target.text, paths)

    def service_target(self, target: ServiceTarget) -> Entry:
        namespace = target.namespace or self.namespace
        port = target.port
        client = _hop("client", f"client in the cluster → {target.name}.{namespace}.svc:{port}", None, None,
                      port=port if isinstance(port, int) else None, node=IN_CLUSTER)
        service = self.cluster.service(namespace, target.name)
        if service is None:
            missing = Hop("service", f"Service {namespace}/{target.name}", node=("service", namespace, target.name))
            return Entry(target.text, [TracePath([client, missing.fail(
                f"no Service {target.name} in namespace {namespace}", self._service_hint(namespace, target.name))])])
        chosen = [sp for sp in service.ports if (sp.port == port if isinstance(port, int) else sp.name == port)]
        if not chosen and service.headless and isinstance(port, int) and service.selector:
            return Entry(target.text, self.headless_paths([client], service, port))
        if not chosen:
            hop = _hop("service", f"Service {_name(service)} :{port}", service, service, port=None,
                       node=("service", service.ref))
            listed = ", ".join(sp.describe() for sp in service.ports) or "none"
            return Entry(target.text, [TracePath([client, hop.fail(
                f"Service {service.name} has no port {port} (its ports: {listed})",
                f"connect to one of the Service's ports, or add port {port} to spec.ports")])])
        paths = []
        for service_port in chosen:
            if service.headless and service.selector and isinstance(port, int):
                paths += self.headless_paths([client], service, port, service_port)
            else:
                paths += self.service_paths([client], service, service_port)
        return Entry(target.text, paths)

    def everything(self) -> list[Entry]:
        entries = []
        for route in self.ingress_routes():
            host = route.rule.host if route.rule and route.rule.host else "*"
            scheme = "https" if route.tls else "http"
            where = f"{route.path.path or '/'}" if route.path else " (defaultBackend)"
            title = f"{scheme}://{host}{where}"
            client = _hop("client", f"client → {title}", None, None, port=443 if route.tls else 80, node=EXTERNAL)
            hop = self.ingress_hop(route, host.lower(), route.tls is not None, edge=f"{host}{where}")
            entries.append(Entry(title, self.backend_paths([client, hop], route.ingress, route.backend)))
        for service in self.cluster.services:
            if service.type not in NODE_PORT_TYPES:
                continue
            for service_port in service.ports:
                entries.append(self._exposed_entry(service, service_port))
        return entries

    def _exposed_entry(self, service: Service, service_port: ServicePort) -> Entry:
        self._send_from(Peer.external())
        if service.type == "LoadBalancer":
            title = f"load balancer {_name(service)}:{service_port.port}"
            client = _hop("client", f"client → {title}", None, None, port=service_port.port, node=EXTERNAL)
            hop = self.load_balancer_hop(service, service_port)
        else:
            number = service_port.node_port
            title = f"nodeport:{number}" if number else f"nodeport:(allocated) for {_name(service)}:{service_port.port}"
            client = _hop("client", f"client → any node:{number or '(allocated)'}", None, None, port=number,
                          node=EXTERNAL)
            hop = self.node_port_hop(service, service_port)
        return Entry(title, self.service_paths([client, hop], service, service_port))

    def ingress_routes(self) -> list[Route]:
        """Every rule path and defaultBackend of every Ingress, each with the TLS entry for its host."""
        routes = []
        tls = TlsIndex(self.cluster.ingresses)
        for ingress in self.cluster.ingresses:
            if ingress.default_backend:
                routes.append(Route(ingress, ingress.default_backend, tls=tls.lookup(ingress, None)))
            for rule in ingress.rules:
                for path in rule.paths:
                    route = Route(ingress, path.backend, rule, path, effective_path_type(ingress, path))
                    route.tls = tls.lookup(ingress, rule.host.lower() if rule.host else None)
                    routes.append(route)
        return routes

    # --- hops ------------------------------------------------------------------------------------

    def ingress_hop(self, route: Route, host: str, https: bool, edge: str) -> Hop:
        ingress, path, rule = route.ingress, route.path, route.rule
        backend = route.backend
        where = (f"host {rule.host or '*'} · path {path.path or '/'} ({route.path_type or 'no pathType'})"
                 if path else "defaultBackend")
        label = f"Ingress {_name(ingress)} · {self._class_text(ingress)} · {where} → {_backend_text(backend)}"
        at, key = (path, "path" if "path" in path.raw else None) if path else (backend, None)
        hop = _hop("ingress", label, ingress, at, key=key, port=443 if https else 80, node=("ingress", ingress.ref),
                   edge=edge)
        hop.notes += route.notes
        hop.notes.append(_tls_note(route, host, https))
        fields = [ingress.field_path(k) for k in ("apiVersion", "spec.ingressClassName", "spec.defaultBackend",
                                                  "spec.backend")] if not path else [path.json_path]
        if rule:
            fields += [rule.field_path("host"), ingress.field_path("apiVersion"), ingress.field_path("spec.ingressClassName")]
        if route.tls and route.tls[0] is ingress:
            fields.append(route.tls[1].json_path)
        claims = [Claim(ingress.ref, ingress.file, under=tuple(fields))]
        if route.tls and route.tls[0] is not ingress:
            claims.append(Claim(route.tls[0].ref, route.tls[0].file, under=(route.tls[1].json_path,)))
        return self.judge(hop, *claims)

    def node_port_hop(self, service: Service, service_port: ServicePort) -> Hop:
        number = service_port.node_port
        label = (f"nodePort {number or '(allocated)'} on every node (kube-proxy) → Service {_name(service)} "
                 f"port {service_port.describe()}")
        key = "nodePort" if number else "port"
        hop = _hop("node-port", label, service, service_port, key=key, port=number,
                   node=("node-port", service.ref, service_port.port), edge=f":{number or '(allocated)'}")
        if not number:
            hop.notes.append("no nodePort is set: the API server allocates one at random from the node port range")
        hop.notes += _traffic_policy_notes(service)
        self.judge(hop, Claim(service.ref, service.file, under=(f"{service_port.json_path}.nodePort",
                                                                service.field_path("spec.type"),
                                                                service.field_path("apiVersion"))))
        if service.type not in NODE_PORT_TYPES:
            hop.fail(f"Service {service.name} is type {service.type}, which opens no port on the nodes",
                     "set spec.type: NodePort (or LoadBalancer)")
        return hop

    def load_balancer_hop(self, service: Service, service_port: ServicePort) -> Hop:
        via = f"nodePort {service_port.node_port}" if service_port.node_port else "an allocated nodePort"
        label = f"LoadBalancer {_name(service)} :{service_port.port} (cloud load balancer → {via} → Service port)"
        hop = _hop("load-balancer", label, service, service, key="spec.type", port=service_port.port,
                   node=("load-balancer", service.ref, service_port.port), edge=f":{service_port.port}")
        hop.notes += _traffic_policy_notes(service)
        return self.judge(hop, Claim(service.ref, service.file, under=(f"{service_port.json_path}.nodePort", service.field_path("spec.type"),
                                                         service.field_path("apiVersion"))))

    # --- Ingress backend → Service ----------------------------------------------------------------

    def backend_paths(self, before: list[Hop], ingress: Ingress, backend: IngressBackend) -> list[TracePath]:
        """The paths beyond an Ingress backend, with the controller conventions of portlint/controllers.py."""
        hop = before[-1]
        self._send_from(self._controllers.for_ingress(ingress))
        redirect = redirects_everything(ingress)
        if redirect:
            hop.notes.append(UNTRACED + f"ingress-nginx answers with a redirect ({redirect}: "
                                        f"{ingress.annotations[redirect]}); the backend receives no request")
            return [TracePath(before)]
        if is_alb_action(backend):
            return self._alb_action_paths(before, ingress, backend)
        if backend.resource:
            facade = kong_facade(backend)
            service_name, number = self._kong_facade_service(ingress.namespace, facade) if facade else (None, None)
            if service_name:
                hop.notes.append(f"KongServiceFacade {facade} stands for Service {service_name}")
                return self._port_paths(before, ingress, service_name, number, None)
            if ingress.class_name in TRAEFIK_CLASSES:
                return [TracePath(before[:-1] + [hop.fail("Traefik does not support resource backends: nothing serves "
                                                          "this path", "route to a Service (backend.service)")])]
            hop.notes.append(UNTRACED + "the backend is a resource, not a Service")
            return [TracePath(before)]
        return self._port_paths(before, ingress, backend.service_name or "", backend.port_number, backend.port_name)

    def _port_paths(self, before: list[Hop], ingress: Ingress, name: str, number: int | None,
                    port_name: str | None) -> list[TracePath]:
        hop = before[-1]
        services = self.cluster.nearest(ingress, self.cluster.service_definitions(ingress.namespace, name))
        if not services:
            if hop.ok:
                hop.notes.append(UNTRACED + f"Service {name} is not in the input for namespace {ingress.namespace}")
            return [TracePath(before)]
        # the input may hold variants of one Service (overlays, alternatives): take one with the port
        for service in services:
            chosen = [sp for sp in service.ports if _port_selects(number, port_name, sp)]
            if chosen:
                return self.service_paths(before, service, chosen[0])
        if hop.ok:
            hop.notes.append(UNTRACED + f"Service {name} has no port {number if number is not None else port_name}")
        return [TracePath(before)]

    def _alb_action_paths(self, before: list[Hop], ingress: Ingress, backend: IngressBackend) -> list[TracePath]:
        hop = before[-1]
        action = alb_action(ingress, backend)
        targets = list(alb_forward_targets(action)) if action else []
        if not targets:
            kind = str(next((v for k, v in (action or {}).items() if str(k).lower() == "type"), "missing"))
            hop.notes.append(UNTRACED + f"the backend is the AWS Load Balancer Controller action "
                                        f"{backend.service_name} ({kind}), not a Service")
            return [TracePath(before)]
        paths = []
        for target in targets:
            number = target.port if isinstance(target.port, int) else None
            name = target.port if isinstance(target.port, str) else None
            paths += self._port_paths(before, ingress, target.service_name, number, name)
        return paths

    def _kong_facade_service(self, namespace: str, facade: str) -> tuple[str | None, int | None]:
        found = next((r for r in self.cluster.custom_resources.get(namespace, ()) if r.name == facade
                      and r.ref.kind == KONG_FACADE[1]), None)
        return kong_facade_service(found) if found else (None, None)

    # --- Service → workloads → containers ----------------------------------------------------------

    def _class_text(self, ingress: Ingress) -> str:
        name = ingress.class_name
        if name is None:
            defaults = [n for n, obj in self._classes.items()
                        if obj.annotations.get("ingressclass.kubernetes.io/is-default-class") == "true"]
            return f"class {defaults[0]} (the default IngressClass)" if defaults else "the default IngressClass"
        obj = self._classes.get(name)
        spec = obj.raw.get("spec") if obj else None
        controller = spec.get("controller") if isinstance(spec, dict) else None
        return f"class {name}" + (f" ({controller})" if controller else "")

    def _node_port_hint(self) -> str:
        known = sorted(self.cluster.node_ports)
        allocated = sorted({_name(s) for s in self.cluster.services
                            if s.type in NODE_PORT_TYPES and any(not p.node_port for p in s.ports)})
        parts = []
        if known:
            parts.append(f"the nodePorts set in the input are {', '.join(map(str, known[:10]))}")
        if allocated:
            parts.append(f"Services whose nodePort is allocated at random: {', '.join(allocated[:5])}")
        return "; ".join(parts) or "no Service of type NodePort or LoadBalancer is in the input"

    def _service_hint(self, namespace: str, name: str) -> str:
        here = [s.name for s in self.cluster.services if s.namespace == namespace]
        close = [n for n in here if similar(n, name)]
        if close:
            return f"did you mean {close[0]}?"
        elsewhere = sorted(s.namespace for s in self.cluster.services if s.name == name)
        if elsewhere:
            return f"a Service {name} exists in namespace {elsewhere[0]}: use service/{name}.{elsewhere[0]}:PORT"
        return f"Services in namespace {namespace}: {', '.join(sorted(here)[:8]) or 'none'}"


# --- helpers --------------------------------------------------------------------------------------


def _port_selects(number: int | None, name: str | None, service_port: ServicePort) -> bool:
    if number is not None:
        return service_port.port == number and service_port.protocol == "TCP"
    return name is not None and service_port.name == name


def _backend_port(backend: IngressBackend) -> str:
    return str(backend.port_number if backend.port_number is not None else backend.port_name or "(none)")


def _backend_text(backend: IngressBackend) -> str:
    if backend.resource:
        return "a resource backend"
    return f"Service {backend.service_name}:{_backend_port(backend)}"


def _tls_note(route: Route, host: str, https: bool) -> str:
    if route.tls:
        owner, tls = route.tls
        secret = f"Secret {tls.secret_name}" if tls.secret_name else "the controller's default certificate (no secretName)"
        where = "" if owner is route.ingress else f" (from Ingress {_name(owner)})"
        tail = "" if https else "; plain http is commonly redirected to https (ingress-nginx: ssl-redirect)"
        return f"TLS for {host} is terminated at the controller with {secret}{where}{tail}"
    if https:
        return (f"no tls entry covers {host}: the controller answers https with its default certificate "
                f"(clients will not trust it)")
    return f"no TLS for {host}: plain http"


def _traffic_policy_notes(service: Service) -> list[str]:
    spec = service.raw.get("spec")
    if isinstance(spec, dict) and spec.get("externalTrafficPolicy") == "Local":
        return ["externalTrafficPolicy: Local: only nodes that run one of its pods answer on this port"]
    return []
