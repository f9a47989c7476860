"""Which files of one check are applied together: the apply units of portlint/model/units.py, inferred.

The rules, in order (each unit records why it is what it is; `portlint check --show-units` prints it):

1. Configured units come first: each `units:` entry of the config file is a glob, and every path it
   matches (a directory with everything below it, or a file) is one unit; an entry that is a list of
   globs makes one unit of everything they match. The remaining files are inferred.
2. A directory is one unit, as `kubectl apply -f DIR` applies it, unless its files contradict each
   other.
3. Two files of a directory that both define one object (same API group, kind, namespace and name),
   identically or not, are alternatives: each is applied on its own, never both (an all-in-one file
   and the files it repeats, variants of one example, test fixtures that each carry their own copy of
   a Gateway). Every alternative is a unit, together with the directory's files that redefine
   nothing. Alternatives that contradict exactly the same other files (the parts of an all-in-one
   manifest) stay together in one unit. (Two files that each hold one object, defined differently,
   look like a copy-paste slip in a directory applied as a whole; on real repositories they were
   alternatives every time — with and without TLS, allow and deny, an install and its update step —
   so they are split too. A `units:` entry that puts them together makes duplicate-object judge them.)
4. A file another one refers to is shared with it. When an alternative refers to an object its unit
   lacks (a Service its Ingress or route sends to, the pods its Service selects, the Gateway a route
   attaches to, a policy's target, a StatefulSet's Service, an autoscaler's workload), the one file
   of its directory that defines it joins the unit, if it redefines nothing of the unit. Across
   directories the same holds for the nearest definition (longest shared directory, then the
   shallowest below it), when that is a single file: `docs/examples/http-svc.yaml` joins every example
   below `docs/examples/` that routes to it.

Everything is built from indexes (objects by key, files by directory, pods by label), never by
comparing files pairwise; the work grows with the input (tests/test_scaling.py).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Iterator

from portlint.globs import GlobSet
from portlint.kinds import api_group, stored_resource
from portlint.loader import Mapping
from portlint.model import ApplyUnit, ApplyUnits, Cluster, Ingress, KubeObject, Member, Service, Workload
from portlint.model.units import Key, closeness_of, describe_key, directories
from portlint.settings import Settings

MAX_DEFINERS = 64  # an object defined (or pods selected) in more files than this is too ambiguous to follow
GATEWAY_GROUP = "gateway.networking.k8s.io"


@dataclass(frozen=True, eq=False)
class Reference:
    """One object naming another: by key (a Service's name) or by label selector (a Service's pods)."""

    origin: KubeObject
    what: str  # "routes to", "selects", ... for the reasons shown by --show-units
    key: Key | None = None
    selector: dict | None = None

    def describe(self) -> str:
        if self.key:
            return f"{self.what} {describe_key(self.key)}"
        labels = ", ".join(f"{k}={v}" for k, v in self.selector.items())
        return f"{self.what} pods {labels}"


@dataclass
class Draft:
    """A unit being built: its files (in order, each with its reason) and the keys they define."""

    name: str
    reason: str
    directory: str
    members: dict[str, str] = field(default_factory=dict)
    keys: set = field(default_factory=set)
    inferred: bool = True

    def add(self, file: str, reason: str, index: "Index") -> None:
        if file not in self.members:
            self.members[file] = reason
            self.keys |= index.keys_of.get(file, set())


class Index:
    """Objects by file and key, references by file, and what resolves each reference."""

    def __init__(self, cluster: Cluster, files: list[str]):
        self.cluster = cluster
        self.files = list(dict.fromkeys(files + [obj.file for obj in cluster.objects]))
        scoped = cluster.scoped_kinds()
        self.keys_of: dict[str, set[Key]] = {}
        self.files_of: dict[Key, list[str]] = {}
        self.first_of: dict[tuple[str, Key], KubeObject] = {}
        self.refs_of: dict[str, list[Reference]] = {}
        directories: dict[str, str] = {}  # one string per directory, not one per file
        self.directory_of: dict[str, str] = {}
        for file in self.files:
            directory = os.path.dirname(file)
            self.directory_of[file] = directories.setdefault(directory, directory)
        self._resolvers: dict[int, list[str]] = {}
        self._fingerprints: dict[int, str] = {}
        self.steps = 0  # counted so tests can assert that inference grows linearly
        for obj, key in zip(cluster.objects, cluster.object_keys()):
            file = obj.file
            if key is not None:
                self.keys_of.setdefault(file, set()).add(key)
                definers = self.files_of.setdefault(key, [])
                if not definers or definers[-1] != file:  # a file's objects come one after another
                    definers.append(file)
                self.first_of.setdefault((file, key), obj)
            found = list(references(obj, scoped))
            if found:
                self.refs_of.setdefault(file, []).extend(found)

    def resolvers(self, ref: Reference) -> list[str]:
        """The files that define what `ref` names (for a selector: the files of the selected workloads)."""
        found = self._resolvers.get(id(ref))
        if found is None:
            self.steps += 1
            if ref.key is not None:
                found = self.files_of.get(ref.key, [])
            else:
                workloads = self.cluster.pods.select(ref.origin.namespace, ref.selector)
                found = list(dict.fromkeys(w.file for w in workloads))
            self._resolvers[id(ref)] = found
        return found

    def identical(self, key: Key, a: str, b: str) -> bool:
        return self._fingerprint(self.first_of[a, key]) == self._fingerprint(self.first_of[b, key])

    def _fingerprint(self, obj: KubeObject) -> str:
        found = self._fingerprints.get(id(obj))
        if found is None:
            found = self._fingerprints[id(obj)] = self.content(obj)
        return found

    @staticmethod
    def content(obj: KubeObject) -> str:
        """What two definitions of one object are compared by: everything but the apiVersion."""
        return json.dumps({k: v for k, v in obj.raw.items() if k != "apiVersion"}, sort_keys=True, default=str)


# --- references ------------------------------------------------------------------------------------

def references(obj: KubeObject, scoped) -> Iterator[Reference]:
    """What an object names, in Kubernetes' own fields (and the Gateway API's and autoscaling's)."""
    if isinstance(obj, Service):
        if obj.selector and obj.type != "ExternalName":
            yield Reference(obj, "selects", selector=obj.selector)
    elif isinstance(obj, Ingress):
        for backend in obj.backends():
            if backend.resource:
                resource = backend.raw.get("resource")
                if isinstance(resource, Mapping) and isinstance(resource.get("kind"), str):
                    yield _ref(obj, "routes to", resource.get("apiGroup") or "", resource["kind"],
                               obj.namespace, resource.get("name"), scoped)
            elif backend.service_name:
                yield _ref(obj, "routes to", "", "Service", obj.namespace, backend.service_name, scoped)
    elif isinstance(obj, Workload) and obj.service_name:
        yield _ref(obj, "is governed by", "", "Service", obj.namespace, obj.service_name, scoped)
    spec = obj.raw.get("spec")
    if isinstance(spec, Mapping) and not isinstance(obj, (Service, Ingress, Workload)):
        yield from _spec_references(obj, spec, scoped)


def _spec_references(obj: KubeObject, spec: Mapping, scoped) -> Iterator[Reference]:
    """Gateway API parentRefs and backendRefs, policy targetRef(s), an autoscaler's scaleTargetRef."""
    for parent in _mappings(spec.get("parentRefs")):
        yield _ref(obj, "attaches to", parent.get("group", GATEWAY_GROUP), parent.get("kind") or "Gateway",
                   parent.get("namespace") or obj.namespace, parent.get("name"), scoped)
    for rule in _mappings(spec.get("rules")):
        for backend in _mappings(rule.get("backendRefs")):
            yield _ref(obj, "routes to", backend.get("group") or "", backend.get("kind") or "Service",
                       backend.get("namespace") or obj.namespace, backend.get("name"), scoped)
    targets = _mappings(spec.get("targetRefs")) + _mappings([spec.get("targetRef")])
    for target in targets:
        if isinstance(target.get("kind"), str):
            yield _ref(obj, "targets", target.get("group") or "", target["kind"],
                       target.get("namespace") or obj.namespace, target.get("name"), scoped)
    scale = spec.get("scaleTargetRef")
    if isinstance(scale, Mapping) and isinstance(scale.get("kind"), str) and isinstance(scale.get("apiVersion"), str):
        yield _ref(obj, "scales", api_group(scale["apiVersion"]), scale["kind"], obj.namespace, scale.get("name"),
                   scoped)


def _ref(obj: KubeObject, what: str, group, kind, namespace, name, scoped) -> Reference | None:
    if not all(isinstance(v, str) for v in (group, kind, namespace, name)) or not name:
        return Reference(obj, what)  # a reference the schema did not type: it resolves to nothing
    resource = stored_resource(f"{group}/v" if group else "v1", kind)
    return Reference(obj, what, key=(*resource, "" if resource in scoped else namespace, name))


def _mappings(value) -> list:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


# --- inference -------------------------------------------------------------------------------------

def infer(cluster: Cluster, files: list[str], settings: Settings | None = None) -> ApplyUnits:
    """The apply units of one check group: configured ones, then one per directory or alternative."""
    settings = settings or Settings()
    index = Index(cluster, files)
    drafts, rest = _configured(index.files, settings)
    by_directory: dict[str, list[str]] = {}
    for file in rest:
        by_directory.setdefault(index.directory_of[file], []).append(file)
    inferred = []
    for directory, members in by_directory.items():
        inferred += directory_units(directory, members, index)
    _attach_across_directories(inferred, index)
    units = [ApplyUnit(number, draft.name, draft.reason, [Member(f, r) for f, r in draft.members.items()])
             for number, draft in enumerate(drafts + inferred, start=1)]
    result = ApplyUnits(units)
    result.steps = index.steps
    return result


def directory_units(directory: str, files: list[str], index: Index) -> list[Draft]:
    shown = directory or "."
    definers: dict[Key, list[str]] = {}
    for file in files:
        index.steps += 1
        for key in index.keys_of.get(file, ()):
            definers.setdefault(key, []).append(file)
    shared = {key: found for key, found in definers.items() if len(found) > 1}
    if not shared:
        return [_whole(directory, files, index, f"the files of {shown} define no object twice: applied together "
                                                f"(kubectl apply -f {shown})")]
    partners: dict[str, set[str]] = {}
    crowded: set[str] = set()
    for key, found in shared.items():
        index.steps += len(found)
        if len(found) > MAX_DEFINERS:
            crowded.update(found)
            continue
        for file in found:
            partners.setdefault(file, set()).update(found)
    groups: dict[object, list[str]] = {}
    for file in files:
        if file in crowded:
            groups[("alone", file)] = [file]
        elif file in partners:
            groups.setdefault(frozenset(partners[file] - {file}), []).append(file)
    common = [f for f in files if f not in partners and f not in crowded]
    drafts = []
    for group in groups.values():
        draft = Draft(f"{shown}: {', '.join(_base(f) for f in group)}",
                      f"an alternative: files of {shown} that define one object are never applied together", directory)
        for file in group:
            draft.add(file, _alternative_reason(file, shared, index), index)
        for file in common:
            draft.add(file, "redefines nothing: applied with every alternative of its directory", index)
        _attach_in_directory(draft, group, index)
        drafts.append(draft)
    return _without_subsets(drafts)


def _whole(directory: str, files: list[str], index: Index, reason: str) -> Draft:
    draft = Draft(directory or ".", reason, directory)
    for file in files:
        draft.add(file, "in the directory", index)
    return draft


def _alternative_reason(file: str, shared: dict[Key, list[str]], index: Index) -> str:
    key = next(k for k in sorted(index.keys_of[file]) if k in shared)
    others = [f for f in shared[key] if f != file]
    how = "identically" if index.identical(key, file, others[0]) else "differently"
    more = f" (and {len(others) - 1} more)" if len(others) > 1 else ""
    return f"alternative: {describe_key(key)} is also defined in {_base(others[0])}{more}, {how}"


def _attach_in_directory(draft: Draft, group: list[str], index: Index) -> None:
    """Files of the directory that the alternative refers to, if each is the only one defining it."""
    queue = list(group)
    while queue:
        for ref in index.refs_of.get(queue.pop(0), ()):
            if ref.key is None and ref.selector is None:
                continue
            found = index.resolvers(ref)
            if any(f in draft.members for f in found) or len(found) > MAX_DEFINERS:
                continue
            here = [f for f in found if index.directory_of.get(f) == draft.directory
                    and not index.keys_of.get(f, set()) & draft.keys]
            chosen = _smallest(here, index)
            if chosen:
                of = f" (the smallest of {len(here)} files that define it)" if len(here) > 1 else ""
                draft.add(chosen, f"shared: {_base(ref.origin.file)} {ref.describe()}, which it defines{of}", index)
                queue.append(chosen)


def _smallest(files: list[str], index: Index) -> str | None:
    """The one file with the fewest objects (a part rather than the all-in-one that repeats it), if there is one."""
    if len(files) < 2:
        return files[0] if files else None
    sizes = [len(index.keys_of.get(f, ())) for f in files]
    least = min(sizes)
    return files[sizes.index(least)] if sizes.count(least) == 1 else None


def _attach_across_directories(drafts: list[Draft], index: Index) -> None:
    """The nearest definition of what a unit refers to and lacks, when it is one file of another directory."""
    nearest: dict[int, str | None] = {}
    for draft in drafts:
        for file in [f for f in draft.members if index.directory_of.get(f) == draft.directory]:
            for ref in index.refs_of.get(file, ()):
                if ref.key is None and ref.selector is None:
                    continue
                found = index.resolvers(ref)
                if not found or any(f in draft.members for f in found):
                    continue
                if id(ref) not in nearest:
                    nearest[id(ref)] = _nearest_file(draft.directory, found)
                chosen = nearest[id(ref)]
                if chosen and chosen not in draft.members and not index.keys_of.get(chosen, set()) & draft.keys:
                    draft.add(chosen, f"shared: {_base(file)} {ref.describe()}, which it defines (the nearest "
                                      f"definition, in {os.path.dirname(chosen) or '.'})", index)


def _nearest_file(directory: str, found: list[str]) -> str | None:
    """The single nearest file, if it lies in the directory's own tree: an ancestor, a subdirectory, a sibling's."""
    if len(found) > MAX_DEFINERS:
        return None
    origin = os.path.join(directory, "_")
    scores = [closeness_of(origin, f) for f in found]
    best = max(scores)
    chosen = [f for f, score in zip(found, scores) if score == best]
    if len(chosen) != 1:
        return None
    shared, home, there = best[0], directories(origin), directories(chosen[0])
    return chosen[0] if shared >= len(home) - 1 or shared == len(there) else None


def _without_subsets(drafts: list[Draft]) -> list[Draft]:
    """A unit whose files another unit of the directory holds too says nothing more: it goes."""
    kept = []
    for draft in sorted(drafts, key=lambda d: -len(d.members)):
        files = set(draft.members)
        if not any(files <= set(other.members) for other in kept):
            kept.append(draft)
    order = {id(d): n for n, d in enumerate(drafts)}
    return sorted(kept, key=lambda d: order[id(d)])


# --- configured units ------------------------------------------------------------------------------

def _configured(files: list[str], settings: Settings) -> tuple[list[Draft], list[str]]:
    """Units from the config's `units:` entries, and the files none of them covers."""
    drafts: dict[tuple, Draft] = {}
    covered: set[str] = set()
    for number, entry in enumerate(settings.units):
        patterns = [entry] if isinstance(entry, str) else list(entry)
        globs = UnitGlobs(patterns)
        for file in files:
            match = globs.match(file, settings.base_dir)
            if match is None:
                continue
            group = (number, match if isinstance(entry, str) else None)
            name = match if isinstance(entry, str) else " + ".join(patterns)
            draft = drafts.get(group)
            if draft is None:
                draft = drafts[group] = Draft(name, f"configured: the `units` entry {entry!r}",
                                              os.path.dirname(file), inferred=False)
            draft.members.setdefault(file, f"matches {', '.join(patterns)}")
            covered.add(file)
    return list(drafts.values()), [f for f in files if f not in covered]


class UnitGlobs:
    """The globs of one `units:` entry, with the config's glob rules (gitignore's, as for `exclude`);
    `.` names the config file's directory itself."""

    def __init__(self, patterns: list[str]):
        self.whole = any(p.removeprefix("./").strip("/") in ("", ".") for p in patterns)
        self.globs = GlobSet("/" + p[2:] if p.startswith("./") else p for p in patterns)

    def match(self, file: str, base_dir: str) -> str | None:
        """The shortest path (from base_dir) that holds `file` and that a glob matches."""
        relative = PurePath(os.path.relpath(file, base_dir)).as_posix()
        if relative.startswith("../"):
            return None
        if self.whole:
            return "."
        parts = relative.split("/")
        for n in range(1, len(parts) + 1):
            prefix = "/".join(parts[:n])
            if self.globs.match(prefix, is_dir=n < len(parts)):
                return prefix
        return None


def _base(file: str) -> str:
    return os.path.basename(file) or file

