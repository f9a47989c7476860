"""Gateway listeners: are they distinct, and are the TLS certificates they name there and permitted?"""

from __future__ import annotations

from typing import Iterator

from portlint.checks.ingress import CERT_MANAGER_ANNOTATIONS
from portlint.engine import rule
from portlint.findings import Finding
from portlint.kinds import GATEWAY_API_GROUP
from portlint.model import Cluster, Gateway, GrantFrom, Listener, SecretRef
from portlint.names import is_placeholder
from portlint.settings import Settings

SNI_PROTOCOLS = ("HTTPS", "TLS")  # both pick a listener by the TLS handshake's server name
OVER_TCP = ("HTTP", "HTTPS", "TLS")


# --- gateway-listener-conflict --------------------------------------------------------------------

@rule("gateway-listener-conflict")
def gateway_listener_conflict(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for gateway in cluster.gateways:
        listeners = gateway.listeners
        for i, listener in enumerate(listeners):
            # a repeated name is the later listener's; any other conflict refuses both, so both are reported
            duplicate = next((other for other in listeners[:i] if other.name == listener.name), None)
            others = (other for j, other in enumerate(listeners) if j != i and other.name != listener.name)
            problem = _same_name(duplicate) if duplicate else next(filter(None, (_conflict(o, listener) for o in others)),
                                                                    None)
            if problem:
                message, hint = problem
                yield gateway.finding(f"listener {listener.name}: {message}", hint, at=listener,
                                      key="name" if duplicate else "port")


def _same_name(earlier: Listener) -> tuple[str, str]:
    return (f"the name {earlier.name!r} is already used by listener {_index(earlier)}; listener names must be "
            f"unique within a Gateway, and the API server rejects the Gateway",
            "give each listener its own name (routes attach to it by sectionName)")


def _conflict(other: Listener, listener: Listener) -> tuple[str, str] | None:
    if other.port != listener.port:
        return None
    protocols = (other.core_protocol, listener.core_protocol)
    same_host = (other.hostname or "") == (listener.hostname or "")
    host = f"hostname {listener.hostname}" if listener.hostname else "no hostname"
    if protocols[0] == protocols[1] and same_host:
        return (f"same port {listener.port}, protocol {listener.core_protocol} and {host} as listener {other.name}: "
                f"the API server rejects the Gateway (the combination must be unique for each listener)",
                "give one of them another port or hostname, or merge them")
    if set(protocols) == set(SNI_PROTOCOLS) and same_host:
        return (f"{listener.core_protocol} on port {listener.port} with {host}, like the {protocols[0]} listener "
                f"{other.name}: both are chosen by the TLS server name, so they are not distinct and neither is "
                f"accepted (Conflicted: ProtocolConflict)",
                "give them different hostnames, or different ports")
    if "TCP" in protocols and (protocols[0] in OVER_TCP or protocols[1] in OVER_TCP):
        tcp, rest = (listener, other) if protocols[1] == "TCP" else (other, listener)
        return (f"the TCP listener {tcp.name} and the {rest.core_protocol} listener {rest.name} share port "
                f"{listener.port}: a TCP listener takes every connection on its port, so the listeners sharing it "
                f"are not distinct and none of them is accepted (Conflicted)",
                "move the TCP listener (or the other one) to its own port")
    return None


def _index(listener: Listener) -> str:
    return listener.json_path.rpartition(".")[2]


# --- TLS certificates -----------------------------------------------------------------------------

def _certificate_refs(cluster: Cluster) -> Iterator[tuple[Gateway, Listener, SecretRef]]:
    for gateway in cluster.gateways:
        for listener in gateway.listeners:
            if listener.core_protocol not in SNI_PROTOCOLS or listener.tls_mode != "Terminate":
                continue  # Passthrough ignores certificateRefs
            for ref in listener.certificate_refs:
                if ref.is_secret and not is_placeholder(ref.name):
                    yield gateway, listener, ref


def _cert_manager_issues(gateway: Gateway) -> bool:
    """cert-manager's gateway-shim creates the Secrets a Gateway annotated for an issuer names."""
    return any(gateway.annotations.get(a) for a in CERT_MANAGER_ANNOTATIONS)


@rule("gateway-tls-secret-missing")
def gateway_tls_secret_missing(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    index = cluster.gateway_api
    namespaces_by_name: dict[str, list[str]] = {}
    for namespace, name in cluster.known_secrets:  # for the hints, built once
        namespaces_by_name.setdefault(name, []).append(namespace)
    for gateway, listener, ref in _certificate_refs(cluster):
        if index.secret_known(ref.namespace, ref.name) or _cert_manager_issues(gateway):
            continue
        if cluster.may_hold_unplaced("Secret"):
            continue  # a Secret whose name failed validation may be this one
        elsewhere = sorted(ns for ns in namespaces_by_name.get(ref.name, ()) if ns != ref.namespace)
        hint = (f"a Secret {ref.name!r} exists in namespace {elsewhere[0]}: set `namespace: {elsewhere[0]}` in the "
                f"certificateRef (with a ReferenceGrant there), or copy it to {ref.namespace}" if elsewhere else
                f"create the kubernetes.io/tls Secret (kubectl create secret tls {ref.name} -n {ref.namespace} "
                f"--cert=... --key=...), or annotate the Gateway for cert-manager (cert-manager.io/cluster-issuer)")
        yield gateway.finding(
            f"listener {listener.name}: TLS Secret {ref.name!r} is not among the Secrets of namespace {ref.namespace} "
            f"in the input; unless it is created separately, the listener has no certificate and is not programmed "
            f"(ResolvedRefs: InvalidCertificateRef)", hint, at=ref, key="name")


@rule("gateway-tls-secret-not-permitted")
def gateway_tls_secret_not_permitted(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    index = cluster.gateway_api
    for gateway, listener, ref in _certificate_refs(cluster):
        if ref.namespace == gateway.namespace or not index.namespace_in_input(ref.namespace):
            continue
        if index.may_permit(GrantFrom(GATEWAY_API_GROUP, "Gateway", gateway.namespace), ref.namespace, "", "Secret",
                            ref.name, counts=cluster.may_apply_with(gateway)):
            continue
        yield gateway.finding(
            f"listener {listener.name}: certificateRef to Secret {ref.namespace}/{ref.name} in another namespace, and "
            f"no ReferenceGrant in {ref.namespace} permits Gateways from {gateway.namespace} to refer to it: the "
            f"listener is not programmed (ResolvedRefs: RefNotPermitted)",
            f"add a ReferenceGrant in namespace {ref.namespace} with from: [{{group: {GATEWAY_API_GROUP}, kind: "
            f"Gateway, namespace: {gateway.namespace}}}] and to: [{{group: \"\", kind: Secret, name: {ref.name}}}]",
            at=ref, key="namespace")
