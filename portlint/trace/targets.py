"""What `portlint trace` is asked to follow: the TARGET forms, parsed and checked before any manifest is read."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlsplit

ACCEPTED_FORMS = ("http(s)://HOST[:PORT]/PATH, nodeport:N, NODEIP:N, service/NAME[.NAMESPACE]:PORT, "
                  "NAME.NAMESPACE.svc[.cluster.local]:PORT, or --all without a TARGET")
_PORT_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_CLUSTER_DOMAIN_SUFFIXES = (".svc.cluster.local", ".svc")
_DIGITS = re.compile(r"[0-9]{1,5}")


class TargetError(ValueError):
    """A TARGET that is none of the accepted forms: the message says what was wrong and lists the forms."""

    def __init__(self, text: str, problem: str):
        super().__init__(f"malformed target {text!r}: {problem}; expected {ACCEPTED_FORMS}")


HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP token (RFC 9110)


@dataclass(frozen=True)
class UrlTarget:
    """A request from outside the cluster, routed by the Ingress controllers and the Gateways."""

    text: str
    scheme: str  # http or https
    host: str  # lowercase, as the controller compares it
    port: int
    path: str
    query: tuple[tuple[str, str], ...] = ()  # (name, value) in URL order
    headers: tuple[tuple[str, str], ...] = ()  # (name, value) as given with --header
    method: str = "GET"

    @property
    def tls(self) -> bool:
        return self.scheme == "https"


@dataclass(frozen=True)
class NodePortTarget:
    """A connection to a node's IP (any node) on a port kube-proxy opens for NodePort/LoadBalancer Services."""

    text: str
    node_port: int
    node_ip: str | None


@dataclass(frozen=True)
class ServiceTarget:
    """An in-cluster connection to a Service's cluster IP (or, when headless, straight to its pods)."""

    text: str
    name: str
    namespace: str | None  # None: the --namespace default
    port: int | str  # a port number or a Service port name


@dataclass(frozen=True)
class AllTarget:
    """Every entry point of the manifests: the exposure map."""

    text: str = "--all"


Target = UrlTarget | NodePortTarget | ServiceTarget | AllTarget


def parse_target(text: str) -> Target:
    lowered = text.lower()
    if lowered.startswith(("http://", "https://")):
        return _url(text)
    if lowered.startswith("nodeport:"):
        return NodePortTarget(text, _port(text, text.partition(":")[2], "nodePort"), None)
    if text.startswith("service/"):
        return _service_ref(text, text[len("service/"):])
    host, sep, port = text.rpartition(":")
    if sep and _is_ipv4(host):
        return NodePortTarget(text, _port(text, port, "nodePort"), host)
    if sep and re.fullmatch(r"[0-9.]+", host):
        raise TargetError(text, f"{host!r} is not an IPv4 address")
    if sep and host.endswith(_CLUSTER_DOMAIN_SUFFIXES):
        return _service_dns(text, host, port)
    if "://" in text:
        raise TargetError(text, f"scheme {text.partition('://')[0]!r} is not http or https")
    raise TargetError(text, "not one of the target forms")


def _url(text: str) -> UrlTarget:
    try:
        parts = urlsplit(text)
    except ValueError as error:  # an unclosed IPv6 bracket, a host that is not valid IDNA ...
        raise TargetError(text, f"not a valid URL ({error})") from None
    if not parts.hostname:
        raise TargetError(text, "the URL has no host")
    try:
        port = parts.port
    except ValueError:
        raise TargetError(text, "the URL's port is not a number from 1 to 65535") from None
    if port is not None and not _DIGITS.fullmatch(parts.netloc.rpartition(":")[2]):
        raise TargetError(text, "the URL's port is not a number from 1 to 65535")  # urlsplit takes any digits
    if port == 0:
        raise TargetError(text, "the URL's port is not a number from 1 to 65535")
    scheme = parts.scheme.lower()
    return UrlTarget(text, scheme, parts.hostname.rstrip(".").lower(),
                     port or (443 if scheme == "https" else 80), parts.path or "/",
                     tuple(parse_qsl(parts.query, keep_blank_values=True)))


def with_request(target: UrlTarget, headers: list[str], method: str | None) -> UrlTarget:
    """The URL target with the request's --header 'Name: value' options and --method."""
    parsed = []
    for header in headers:
        name, sep, value = header.partition(":")
        if not sep or not _HEADER_NAME.fullmatch(name.strip()):
            raise TargetError(target.text, f"--header {header!r} is not 'Name: value'")
        parsed.append((name.strip(), value.strip()))
    method = (method or "GET").upper()
    if method not in HTTP_METHODS:
        raise TargetError(target.text, f"--method {method!r} is not one of {', '.join(HTTP_METHODS)}")
    return replace(target, headers=tuple(parsed), method=method)


def _port(text: str, value: str, what: str) -> int:
    if not _DIGITS.fullmatch(value) or not 1 <= int(value) <= 65535:  # ASCII digits: '²'.isdigit() is True
        raise TargetError(text, f"the {what} {value!r} is not a number from 1 to 65535")
    return int(value)


def _service_port(text: str, value: str) -> int | str:
    if value.isdigit():  # any digit here: _port refuses what is not 0-9
        return _port(text, value, "port")
    # Service port names are DNS-1123 labels of up to 63 characters (only container ports are IANA names)
    if not value or len(value) > 63 or not _PORT_NAME.fullmatch(value):
        raise TargetError(text, f"the port {value!r} is neither a number nor a Service port name")
    return value


def _service_ref(text: str, rest: str) -> ServiceTarget:
    name_part, sep, port = rest.rpartition(":")
    if not sep:
        raise TargetError(text, "the Service port is missing (service/NAME[.NAMESPACE]:PORT)")
    name, _, namespace = name_part.partition(".")
    _check_labels(text, [name] + ([namespace] if namespace else []))
    return ServiceTarget(text, name, namespace or None, _service_port(text, port))


def _service_dns(text: str, host: str, port: str) -> ServiceTarget:
    suffix = next(s for s in _CLUSTER_DOMAIN_SUFFIXES if host.endswith(s))
    labels = host[: -len(suffix)].split(".")
    if len(labels) != 2:
        raise TargetError(text, "a Service DNS name is NAME.NAMESPACE.svc[.cluster.local]")
    _check_labels(text, labels)
    return ServiceTarget(text, labels[0], labels[1], _service_port(text, port))


def _check_labels(text: str, labels: list[str]) -> None:
    for label in labels:
        if len(label) > 63 or not _DNS_LABEL.fullmatch(label):
            raise TargetError(text, f"{label!r} is not a valid Service or namespace name")


def _is_ipv4(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True
