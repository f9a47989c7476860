"""Probes: does a probe's named port exist where the kubelet looks for it?

The kubelet resolves an httpGet/tcpSocket probe port given by name among the ports of the probed
container only, whatever their protocol (k8s pkg/probe/util.go ResolveContainerPort/findPortByName).
"""

from __future__ import annotations

from typing import Iterator

from portlint.checks.ports import container_label
from portlint.engine import rule
from portlint.findings import Finding
from portlint.model import Cluster, Container, Probe, Workload
from portlint.names import iana_svc_name
from portlint.settings import Settings
from portlint.similar import similar

EFFECT = {
    "readinessProbe": "the probe errors on every run, so the container never becomes ready and its pod gets no "
                      "Service traffic",
    "livenessProbe": "the probe errors on every run and its result is discarded: the liveness check never "
                     "restarts the container, it is silently disabled",
    "startupProbe": "the probe errors on every run, so the container is never marked started: its readiness "
                    "and liveness probes never run and the pod never becomes ready",
}


@rule("probe-port-unresolved")
def probe_port_unresolved(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for workload in cluster.workloads:
        # probes are allowed only on app containers and sidecars (restartable init containers)
        containers = workload.template.serving_containers
        for container in containers:
            for probe in container.probes:
                if _unresolved_name(container, probe):
                    yield _finding(workload, containers, container, probe)


def _unresolved_name(container: Container, probe: Probe) -> bool:
    """A syntactically valid port name that none of the container's own ports carries.

    Invalid names are port-name-invalid's: the API server rejects them before any kubelet sees them.
    """
    if not isinstance(probe.port, str) or iana_svc_name(probe.port) or not container.readable("ports"):
        return False  # (a port left out as invalid may carry the name)
    return all(port.name != probe.port for port in container.ports)


def _finding(workload: Workload, containers: list[Container], container: Container, probe: Probe) -> Finding:
    name = probe.port
    return workload.finding(
        f"{container_label(container)}: {probe.kind}.{probe.handler}.port {name!r} names no port of this "
        f"container (it declares {_declared(container)}): {EFFECT[probe.kind]}",
        _hint(containers, container, name), at=probe, key="port")


def _declared(container: Container) -> str:
    names = [port.describe() for port in container.ports]
    return ", ".join(names) if names else "no ports"


def _hint(containers: list[Container], container: Container, name: str) -> str:
    close = sorted(port.name for port in container.ports if port.name and similar(port.name, name))
    if close:
        return f"this container has a port named {close[0]!r}: use that name (port names are case-sensitive)"
    for other in containers:
        for port in other.ports:
            if other is not container and port.name == name:
                return (f"{container_label(other)} declares {name}={port.number}, but a probe resolves names only "
                        f"in its own container: use port: {port.number}, or declare the port in "
                        f"{container_label(container)}")
    named = [port for port in container.ports if port.name]
    if len(named) == 1:
        only = named[0]
        return (f"if the probe is meant for {only.name}={only.number}, write port: {only.name}; otherwise declare "
                f"a port named {name!r} in this container's ports, or give the probe the port number")
    return f"declare a port named {name!r} in this container's ports, or give the probe the port number"
