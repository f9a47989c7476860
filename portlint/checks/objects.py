"""Whole objects: is each one defined once, and would the API server accept its name and namespace?"""

from __future__ import annotations

import re
from collections import Counter
from typing import Callable, Iterator

from portlint.engine import rule
from portlint.findings import Finding
from portlint.kinds import CLUSTER_SCOPED, stored_resource
from portlint.loader import Mapping
from portlint.model import Cluster, KubeObject, UnitClaims
from portlint.model.units import declared_name
from portlint.names import (
    dns1035_label,
    dns1123_label,
    dns1123_subdomain,
    is_placeholder,
)
from portlint.settings import Settings

# built-in namespaced kinds besides those the model reads: their metadata.namespace is validated too
OTHER_NAMESPACED = {
    ("", "PersistentVolumeClaim"), ("", "LimitRange"), ("", "ResourceQuota"), ("", "PodTemplate"),
    ("rbac.authorization.k8s.io", "Role"), ("rbac.authorization.k8s.io", "RoleBinding"),
    ("networking.k8s.io", "NetworkPolicy"), ("autoscaling", "HorizontalPodAutoscaler"),
    ("policy", "PodDisruptionBudget"), ("coordination.k8s.io", "Lease"),
}


CRONJOB_NAME_MAX = 52  # the CronJob controller appends an 11-character "-<timestamp>" to Job names
LABEL_VALUE_MAX = 63  # a Job's name becomes the value of its pods' job-name label


# --- duplicate-object ------------------------------------------------------------------------------

def resource_of(obj: KubeObject) -> tuple[str, str]:
    """(API group, kind) of the stored resource: versions do not matter, removed beta groups map to today's."""
    return stored_resource(obj.ref.api_version, obj.ref.kind)


def _metadata(obj: KubeObject) -> Mapping:
    metadata = obj.raw.get("metadata")
    return metadata if isinstance(metadata, Mapping) else Mapping()


@rule("duplicate-object")
def duplicate_object(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    keys = cluster.object_keys()
    defined = Counter(keys)
    claims = UnitClaims(cluster)  # only definitions in one apply unit are applied together
    duplicates: list[tuple[KubeObject, KubeObject, str]] = []
    for obj, key in zip(cluster.objects, keys):
        # generateName (key None): the API server picks a fresh name every time; a key defined once claims alone
        if key is not None and defined[key] > 1:
            first = claims.claim(key, obj, obj)
            if first is not None:
                duplicates.append((obj, first, key[2]))
    if not duplicates:
        return
    involved = {o.file for obj, first, _namespace in duplicates for o in (obj, first)}
    keys_by_file: dict[str, set[tuple]] = {file: set() for file in involved}  # what _harmless_across_files compares
    for obj, key in zip(cluster.objects, keys):
        if key is not None and obj.source.path in involved:
            keys_by_file[obj.source.path].add(key)
    for obj, first, namespace in duplicates:
        if obj.file == first.file or not _harmless_across_files(obj, first, keys_by_file):
            yield _duplicate_finding(obj, first, namespace)


def _harmless_across_files(obj: KubeObject, first: KubeObject, keys_by_file: dict[str, set[tuple]]) -> bool:
    """Copies in two files of one apply unit that cannot break anything.

    An identical copy changes nothing when both are applied. A file all of whose objects a larger
    file defines too is a cut-down version of that all-in-one manifest, applied instead of it. Two
    files that each define the same object differently and nothing more are the plain copy-paste
    duplicate: reported. (Files that are never applied together are in different units and never
    compared: see portlint/units.py.)
    """
    if _content(obj) == _content(first):
        return True
    ours, theirs = keys_by_file[obj.file], keys_by_file[first.file]
    return ours < theirs or theirs < ours


def _duplicate_finding(obj: KubeObject, first: KubeObject, namespace: str) -> Finding:
    where = f"in namespace {namespace}" if namespace else "(cluster-scoped)"
    same = "repeats it identically" if _content(obj) == _content(first) else "differs from it"
    versions = ""
    if obj.ref.api_version != first.ref.api_version:
        versions = f" ({first.ref.api_version} and {obj.ref.api_version} are the same resource)"
    hint = "keep one definition of the object, or give the copies different names (or namespaces)"
    if obj.file != first.file:
        hint += ("; if the two files are alternatives that are never applied together, give each its own "
                 "`units:` entry in the config file (portlint check --show-units shows how they are grouped)")
    return obj.finding(
        f"{obj.ref.kind} {declared_name(obj)!r} {where} is already defined at {first.file}:{first.raw.line}"
        f"{versions}, and this definition {same}: applied together, the later one silently replaces the earlier",
        hint, key="metadata.name", related=[first.related()])


def _content(obj: KubeObject) -> dict:
    return {k: v for k, v in obj.raw.items() if k != "apiVersion"}


# --- object-name-invalid ---------------------------------------------------------------------------

NameCheck = Callable[[str], list[str]]

# the name syntax each kind's API validation applies (pkg/apis/*/validation); other kinds are skipped
NAME_SYNTAX: dict[str, tuple[str, NameCheck]] = {
    "Service": ("a DNS-1035 label", dns1035_label),
    "Namespace": ("a DNS-1123 label", dns1123_label),
    "StatefulSet": ("a DNS-1123 label", dns1123_label),  # its pods' hostnames are <name>-<ordinal>
    **{kind: ("a DNS-1123 subdomain", dns1123_subdomain) for kind in (
        "Pod", "Endpoints", "Secret", "ConfigMap", "ServiceAccount", "ReplicationController",
        "Deployment", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Ingress", "EndpointSlice")},
}


def _is_namespaced_builtin(obj: KubeObject) -> bool:
    if obj.kind is not None:
        return resource_of(obj) not in CLUSTER_SCOPED
    return resource_of(obj) in OTHER_NAMESPACED


@rule("object-name-invalid")
def object_name_invalid(cluster: Cluster, settings: Settings) -> Iterator[Finding]:
    for obj in cluster.objects:
        metadata = _metadata(obj)  # read once: every one of the objects is asked for its name and namespace
        if obj.kind in NAME_SYNTAX:
            yield from _name_findings(obj, metadata)
        namespace = metadata.get("namespace")
        if namespace and _is_namespaced_builtin(obj):
            yield from _namespace_findings(obj, namespace)


def _name_findings(obj: KubeObject, metadata: Mapping) -> Iterator[Finding]:
    syntax, check = NAME_SYNTAX[obj.kind]
    name, generate_name = metadata.get("name"), metadata.get("generateName")
    if not name and not generate_name:
        yield obj.finding(f"{obj.kind} has an empty name: the API server requires metadata.name (or generateName)",
                          "give the object a name", key="metadata.name" if "name" in metadata else "metadata")
        return
    # a valid name holds none of a placeholder's characters ($ { < _ capitals): only a name with problems
    # can be an unrendered template, so the cheap syntax test goes first
    problems = check(name) if name else None
    if problems and is_placeholder(name):
        problems = None  # an unrendered template: not the name the API server will see
    if problems is not None:
        if obj.kind == "CronJob" and len(name) > CRONJOB_NAME_MAX:
            problems.append(f"must be no more than {CRONJOB_NAME_MAX} characters (the Jobs it creates add "
                            f"an 11-character suffix)")
        if obj.kind == "Job" and len(name) > LABEL_VALUE_MAX and _generated_selector(obj):
            problems.append(f"must be no more than {LABEL_VALUE_MAX} characters: the API server copies it into "
                            f"the pod template's job-name label, and label values are at most {LABEL_VALUE_MAX}")
        if problems:
            yield obj.finding(f"{obj.kind} name {name!r} is not {syntax}: {'; '.join(problems)}; "
                              f"the API server rejects the object", _rename_hint(name, check), key="metadata.name")
    if generate_name and not is_placeholder(generate_name):
        # the API server appends random characters, so a trailing '-' is fine here
        problems = check(generate_name[:-1] + "a" if generate_name.endswith("-") else generate_name)
        if problems:
            yield obj.finding(f"{obj.kind} generateName {generate_name!r} is not the start of {syntax}: "
                              f"{'; '.join(problems)}; the API server rejects the object",
                              "use lowercase letters, digits and '-' only", key="metadata.generateName")


def _generated_selector(job: KubeObject) -> bool:
    spec = job.raw.get("spec")
    return not (isinstance(spec, Mapping) and spec.get("manualSelector") is True)


def _namespace_findings(obj: KubeObject, namespace: str) -> Iterator[Finding]:
    problems = dns1123_label(namespace)  # before the placeholder test: see _name_findings
    if problems and not is_placeholder(namespace):
        yield obj.finding(f"namespace {namespace!r} is not a valid namespace name (a DNS-1123 label): "
                          f"{'; '.join(problems)}; the object cannot be created in it",
                          _rename_hint(namespace, dns1123_label), key="metadata.namespace")


def _rename_hint(name: str, check: NameCheck) -> str:
    candidate = re.sub(r"[^a-z0-9.-]+", "-", name.lower())
    candidate = re.sub(r"-{2,}", "-", candidate)
    if check is not dns1123_subdomain:
        candidate = candidate.replace(".", "-")
    candidate = candidate.strip("-.")
    if candidate and candidate != name and not check(candidate):
        return f"rename it, e.g. to {candidate!r} (and update every reference to the old name)"
    if check is dns1035_label:
        return ("a Service name must start with a lowercase letter (unlike a Deployment's); use lowercase "
                "letters, digits and '-', and update every reference to the old name")
    return "use lowercase letters, digits and '-' (starting and ending with an alphanumeric character)"
