"""The name syntaxes of Kubernetes (k8s.io/apimachinery/pkg/util/validation): each returns the problems, [] if valid."""

from __future__ import annotations

import re

_LABEL_1123 = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_LABEL_1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_SUBDOMAIN_1123 = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_WILDCARD_SUBDOMAIN = re.compile(r"\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_IANA_SVC_NAME = re.compile(r"[-a-z0-9]+")
_HAS_LETTER = re.compile(r"[a-z]")
# A valid IANA service name in one match (letters, digits, single inner hyphens, at least one letter):
# nearly every name a rule checks is valid, and one match is cheaper than the five tests that explain why not.
_IANA_VALID = re.compile(r"(?=[-a-z0-9]*[a-z])[a-z0-9]+(?:-[a-z0-9]+)*")


def dns1123_label(value: str) -> list[str]:
    """Namespaces, Service port names: lowercase alphanumerics and '-', alphanumeric at both ends, ≤ 63."""
    if len(value) <= 63 and _LABEL_1123.fullmatch(value):
        return []
    problems = [] if _LABEL_1123.fullmatch(value) else [
        "must consist of lowercase alphanumeric characters or '-', and start and end with an alphanumeric character"]
    return problems + _too_long(value, 63)


def dns1035_label(value: str) -> list[str]:
    """Service names: like a DNS-1123 label, but must start with a letter."""
    if len(value) <= 63 and _LABEL_1035.fullmatch(value):
        return []
    problems = [] if _LABEL_1035.fullmatch(value) else [
        "must consist of lowercase alphanumeric characters or '-', start with a letter and end with an alphanumeric character"]
    return problems + _too_long(value, 63)


def dns1123_subdomain(value: str) -> list[str]:
    """Most object names, Ingress hosts: dot-separated DNS-1123 labels, ≤ 253."""
    if len(value) <= 253 and _SUBDOMAIN_1123.fullmatch(value):
        return []
    problems = [] if _SUBDOMAIN_1123.fullmatch(value) else [
        "must consist of lowercase alphanumeric characters, '-' or '.', and start and end with an alphanumeric character"]
    return problems + _too_long(value, 253)


def wildcard_dns1123_subdomain(value: str) -> list[str]:
    """Ingress wildcard hosts: '*.' followed by a DNS-1123 subdomain; '*' only as the whole first label."""
    problems = [] if _WILDCARD_SUBDOMAIN.fullmatch(value) else [
        "a wildcard host must start with '*.' followed by a valid DNS subdomain ('*' only as the whole first label)"]
    return problems + _too_long(value, 253)


def iana_svc_name(value: str) -> list[str]:
    """Container port names and named targetPorts: ≤ 15, [-a-z0-9], a letter, no '-' at either end, no '--'."""
    if len(value) <= 15 and _IANA_VALID.fullmatch(value):
        return []
    problems = []
    if len(value) > 15:
        problems.append("must be no more than 15 characters")
    if not _IANA_SVC_NAME.fullmatch(value):
        problems.append("must contain only lowercase alphanumeric characters and '-'")
    if "--" in value:
        problems.append("must not contain consecutive hyphens")
    if not _HAS_LETTER.search(value):
        problems.append("must contain at least one letter")
    if value.startswith("-") or value.endswith("-"):
        problems.append("must not begin or end with a hyphen")
    return problems


# Unrendered template placeholders (envsubst "${DOMAIN}", sed "__HOST__" or BASE_DOMAIN, Helm "{{ }}",
# Jinja "{% %}", docs "<your domain>"): not the value the API server will see, so not judged.
# The last alternative (BASE_DOMAIN) is tried only where a run of capitals and digits starts: tried
# at every capital, a long capitalised value would take time quadratic in its length.
_PLACEHOLDER = re.compile(r"\$\{|\$\(|\$[A-Za-z_]|\{\{|\{%|<[^<>]*>|__[A-Za-z0-9_]+__"
                          r"|(?<![A-Z0-9])[0-9]*[A-Z][A-Z0-9]*_[A-Z0-9_]")


def is_placeholder(value: str) -> bool:
    return _PLACEHOLDER.search(value) is not None


def _too_long(value: str, limit: int) -> list[str]:
    return [f"must be no more than {limit} characters"] if len(value) > limit else []
