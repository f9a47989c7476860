"""The chain Service → pods → container port, resolved the way Kubernetes does it.

Shared by the Service checks and the `trace` command: which workloads serve a Service
(`backends`), and which of their container ports a Service port reaches. The endpoints and EndpointSlice
controllers resolve a Service port's targetPort for each selected pod with FindPort
(k8s pkg/api/v1/pod/util.go): a number is taken as it is, a name is looked up by name and
protocol in the app containers, then (since Kubernetes 1.32, kubernetes/kubernetes#127976)
in the restartable init containers. Plain init containers have exited before the pod is
ready, so their ports never count.
"""

from __future__ import annotations

import re
from typing import Iterator

from portlint.loader import Mapping
from portlint.model import answers
from portlint.model import (
    Cluster,
    ContainerPort,
    PodTemplate,
    Service,
    ServicePort,
    Workload,
)


MIN_PORT, MAX_PORT = 1, 65535


def in_port_range(number: int) -> bool:
    return MIN_PORT <= number <= MAX_PORT


def selects_pods(service: Service) -> bool:
    """ExternalName Services and Services without a selector get no endpoints from the controller."""
    return bool(service.selector) and service.type != "ExternalName"


def backends(cluster: Cluster, service: Service) -> list[Workload]:
    """The workloads whose pods serve `service`: of those its selector picks, the ones in its apply unit(s),
    all of them; if none is there, the nearest across units (`Cluster.nearest`).

    A repository of independent examples often reuses labels such as app=web in many directories; a
    Service there selects every example's pods although only its own are meant. Several rules and
    the tracer ask for the same Service: the answer is computed once.
    """
    known = cluster.answers.get("backends", {}).get(id(service))  # the cluster holds the service: its id is its own
    if known is not None:
        return known[1]
    selected = cluster.pods.select(service.namespace, service.selector) if selects_pods(service) else []
    # nearest() reads the Service's file, the candidates' files and the apply units, nothing else
    return answers.answer(cluster, "backends", id(service), (service, cluster.units, *selected),
                          lambda: cluster.nearest(service, selected))


def resolve_target_port(service_port: ServicePort, template: PodTemplate) -> ContainerPort | None:
    """The container port that `service_port` reaches in pods of `template`, or None.

    A numeric targetPort is used as is by Kubernetes, whether or not a container declares it;
    here it resolves to the first declaration of that number and protocol, if any.
    """
    target = service_port.target_port
    for _container, port in template.ports():
        if port.protocol != service_port.protocol:
            continue
        if (port.name == target) if is_named(target) else (port.number == target):
            return port
    return None


def is_named(target_port: int | str) -> bool:
    """An IntOrString targetPort that holds a port name (the API server keeps "8080" a string)."""
    return isinstance(target_port, str)


def declared_ports(template: PodTemplate) -> list[ContainerPort]:
    """Every containerPort of the containers a Service can reach, in FindPort's order."""
    return [port for _container, port in template.ports()]


def ports_named(template: PodTemplate, name: str) -> list[ContainerPort]:
    return [port for port in declared_ports(template) if port.name == name]


def ports_numbered(template: PodTemplate, number: int) -> list[ContainerPort]:
    return [port for port in declared_ports(template) if port.number == number]


def describe_ports(ports: list[ContainerPort]) -> str:
    """`http=8080/TCP, 9090/TCP`: the declared ports, for messages."""
    return ", ".join(port.describe() for port in ports) or "(none)"


def listens_on(template: PodTemplate, number: int) -> bool:
    """Whether a serving container shows, beyond its `ports` list, that it listens on `number`.

    containerPort is informational, and many containers serve ports they never declare. A probe
    on the number, or the number standing alone in the command, args or an env value
    (`--port 18080`, `--metrics-bind-address=:8443`, `PORT=8080`), is evidence enough.
    """
    pattern = re.compile(rf"(?<![\w.]){number}(?![\w.])")
    for container in template.serving_containers:
        if any(probe.port == number for probe in container.probes):
            return True
        if any(pattern.search(text) for text in _spelled_out(container.raw)):
            return True
    return False


def _spelled_out(container: Mapping) -> Iterator[str]:
    """The texts of a container's command, args and env values."""
    for key in ("command", "args"):
        for item in container.get(key) or ():
            if isinstance(item, (str, int)):
                yield str(item)
    for variable in container.get("env") or ():
        if isinstance(variable, Mapping) and isinstance(variable.get("value"), (str, int)):
            yield str(variable["value"])
