"""Apply units: the sets of files that are applied together, and the one rule for relating objects across them.

A repository is rarely one cluster. `kubectl apply -f DIR` reads one directory; a folder of examples
or test fixtures is applied one file at a time (plus the shared files the examples build on); an
all-in-one manifest and the files it repeats are alternatives. portlint models this as
file → apply unit → cluster: each file belongs to one or more units (a shared file to every unit
that uses it), and every cross-object rule decides with the same mechanism, exposed on `Cluster`:

- `cluster.same_unit(a, b)`: whether two objects are applied together. Collision rules (two
  definitions of one object, two Ingresses claiming one route, two Services claiming one nodePort,
  any "these two clash" check) compare only objects that share a unit; `UnitClaims` does the
  bookkeeping (the first claim of a key per unit).
- `cluster.nearest(origin, candidates)`: the candidates an origin refers to (the workloads a Service
  selects, the Services a route names, the pods a policy covers). Those in the origin's own unit(s)
  come first, and all of them count; only when none is there, the nearest across units — by directory:
  the longest shared directory, then the shallowest below it. Generic over kinds: candidates are any
  model objects (anything with a `file`).
- `cluster.unit_holds(origin, kinds, namespace)`: whether the origin's units hold any object of these
  kinds in the namespace; "nothing of the kind is applied with it" is the evidence that it builds on
  something installed elsewhere.
- `cluster.alternatives(a, b)`: whether two objects are in units that are alternatives to each other
  (each defines, in a file of its own, an object the other defines too: two example folders, a dev
  and a prod copy), never applied together: what one applies says nothing about the other;
  `cluster.may_apply_with(origin)` is its negation as a filter.
- `cluster.by_unit(items, obj_of)`: items grouped by unit, for rules that compare whole groups (an item
  of a shared file is in several groups: report each finding once); `cluster.unit_ids(obj)`: the ids
  of the object's units.

How units are inferred is `portlint/units.py`; until they are (a Cluster built by hand, one text
checked by `check_text`), the whole input is one unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from pathlib import PurePath
from typing import Callable, Collection, Hashable, Iterable, Protocol, TypeVar

from portlint.kinds import CLUSTER_SCOPED, stored_resource
from portlint.loader import Mapping

WHOLE_INPUT = frozenset({0})  # the unit of every file when units were not inferred


class InFile(Protocol):
    @property
    def file(self) -> str: ...


T = TypeVar("T", bound=InFile)


@dataclass(frozen=True)
class Member:
    """One file of a unit, and why it is there."""

    file: str
    reason: str

    def to_json(self) -> dict:
        return {"path": self.file, "reason": self.reason}


@dataclass
class ApplyUnit:
    """Files applied together (one directory, one alternative of it, or a configured unit)."""

    id: int
    name: str
    reason: str  # why the unit is what it is: one directory, an alternative, a configured glob
    members: list[Member] = field(default_factory=list)

    @property
    def files(self) -> list[str]:
        return [member.file for member in self.members]

    def to_json(self) -> dict:
        return {"name": self.name, "reason": self.reason, "files": [m.to_json() for m in self.members]}


class ApplyUnits:
    """Which units each file belongs to. A file the inference never saw belongs to the whole input."""

    def __init__(self, units: Iterable[ApplyUnit] = ()):
        self.units = list(units)
        self.steps = 0  # the inference's work, counted for the scaling tests
        memberships: dict[str, list[int]] = {}
        for unit in self.units:
            for member in unit.members:
                memberships.setdefault(member.file, []).append(unit.id)
        # the files of one unit share one set (at 10k objects: 1,900 sets for 6,400 files, 1 MiB less)
        shared: dict[frozenset[int], frozenset[int]] = {}
        self._of_file = {}
        for file, ids in memberships.items():
            ids = frozenset(ids)
            self._of_file[file] = shared.setdefault(ids, ids)

    def of_file(self, file: str) -> frozenset[int]:
        return self._of_file.get(file, WHOLE_INPUT)


class UnitClaims:
    """The first claim of each key per apply unit: what collision rules need.

    `claim(key, obj, value)` records `value` as the first claim of `key` in each unit of `obj` that has
    none yet, and returns the earliest claim of `key` in a unit `obj` shares (or None): the one the new
    claim collides with.
    """

    def __init__(self, cluster) -> None:
        self._cluster = cluster
        self._first: dict[tuple[Hashable, int], object] = {}

    def claim(self, key: Hashable, obj: InFile, value: object) -> object | None:
        earlier = None
        units = self._cluster.unit_ids(obj)
        for unit in units if len(units) == 1 else sorted(units):
            found = self._first.setdefault((key, unit), value)
            if found is not value and earlier is None:
                earlier = found
        return earlier


Key = tuple[str, str, str, str]  # (API group, kind, namespace or "" when cluster-scoped, name)


def declared_name(obj) -> str | None:
    """metadata.name; None for an object named by generateName (a fresh name on every create)."""
    metadata = obj.raw.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    return name if isinstance(name, str) and name else None


def object_key(obj, cluster_scoped: Collection[tuple[str, str]] = CLUSTER_SCOPED) -> Key | None:
    """What makes two manifests the same object to the API server: the stored resource, namespace, name."""
    name = declared_name(obj)
    if name is None:
        return None
    resource = stored_resource(obj.ref.api_version, obj.ref.kind)
    return (*resource, "" if resource in cluster_scoped else obj.namespace, name)


def cluster_scoped_kinds(objects: Iterable) -> set[tuple[str, str]]:
    """The built-in cluster-scoped kinds, and those a CustomResourceDefinition in the input declares `scope: Cluster`."""
    kinds = set(CLUSTER_SCOPED)
    for obj in objects:
        if stored_resource(obj.ref.api_version, obj.ref.kind) != ("apiextensions.k8s.io", "CustomResourceDefinition"):
            continue
        spec = obj.raw.get("spec")
        if isinstance(spec, Mapping) and spec.get("scope") == "Cluster":
            names = spec.get("names")
            kind = names.get("kind") if isinstance(names, Mapping) else None
            if isinstance(spec.get("group"), str) and isinstance(kind, str):
                kinds.add((spec["group"], kind))
    return kinds


def describe_key(key: Key) -> str:
    group, kind, namespace, name = key
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


def nearest_by_directory(origin_file: str, candidates: list[T]) -> list[T]:
    """The candidates that sit closest to `origin_file` in the directory tree (all of them on a tie)."""
    if len(candidates) < 2:
        return list(candidates)
    closeness = [closeness_of(origin_file, c.file) for c in candidates]
    best = max(closeness)
    return [c for c, score in zip(candidates, closeness) if score == best]


def closeness_of(origin_file: str, other_file: str) -> tuple[int, int]:
    """Longest shared directory first, then the shallowest below it."""
    home, there = directories(origin_file), directories(other_file)
    shared = _common_prefix(home, there)
    return shared, shared - len(there)


@lru_cache(maxsize=None)
def directories(file: str) -> tuple[str, ...]:
    return PurePath(file).parent.parts


def _common_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    length = 0
    for x, y in zip(a, b):
        if x != y:
            break
        length += 1
    return length


class UnitQueries:
    """The unit API of the Cluster (mixed into it): see the module docstring."""

    units: ApplyUnits
    objects: list
    answers: dict
    _held: set | None  # (unit, kind, namespace) of every object, built on first use
    _alternatives: set | None  # pairs of units that define one object in files of their own, built on first use

    def scoped_kinds(self) -> set[tuple[str, str]]:
        """cluster_scoped_kinds of the objects, found once: unit inference and duplicate-object both ask."""
        kinds = self.answers.get("scoped kinds")
        if kinds is None:
            kinds = self.answers["scoped kinds"] = cluster_scoped_kinds(self.objects)
        return kinds

    def object_keys(self) -> list[Key | None]:
        """object_key of each object (with the scopes the input's CRDs declare), in the objects' order, found once."""
        keys = self.answers.get("object keys")
        if keys is None:
            scoped = self.scoped_kinds()
            keys = self.answers["object keys"] = [object_key(obj, scoped) for obj in self.objects]
        return keys

    def unit_ids(self, obj: InFile) -> frozenset[int]:
        return self.units.of_file(obj.file)

    def same_unit(self, a: InFile, b: InFile) -> bool:
        return a.file == b.file or bool(self.unit_ids(a) & self.unit_ids(b))

    def nearest(self, origin: InFile, candidates: Iterable[T]) -> list[T]:
        """The candidates in the origin's own unit(s), all of them; if none, the nearest across units."""
        candidates = list(candidates)
        if len(candidates) < 2:  # in the origin's units or not, a lone candidate is the nearest
            return candidates
        mine, of_file = self.unit_ids(origin), self.units.of_file
        if len(mine) == 1:
            (unit,) = mine
            same = [c for c in candidates if unit in of_file(c.file)]
        else:
            same = [c for c in candidates if of_file(c.file) & mine]
        return same if same else nearest_by_directory(origin.file, candidates)

    def by_unit(self, items: Iterable, obj_of: Callable = lambda item: item) -> list[list]:
        """`items` grouped by apply unit, in input order; an item of a shared file is in each of its units' groups."""
        groups: dict[int, list] = {}
        for item in items:
            for unit in sorted(self.unit_ids(obj_of(item))):
                groups.setdefault(unit, []).append(item)
        return list(groups.values())

    def unit_holds(self, origin: InFile, kinds: Collection[str], namespace: str) -> bool:
        """Whether any unit of `origin` holds an object of one of `kinds` (ref.kind) in `namespace`."""
        if self._held is None:
            self._held = {(unit, obj.ref.kind, obj.namespace) for obj in self.objects for unit in self.unit_ids(obj)}
        return any((unit, kind, namespace) in self._held for unit in self.unit_ids(origin) for kind in kinds)

    def alternatives(self, a: InFile, b: InFile) -> bool:
        """Whether `a` and `b` are in units that are alternatives to each other (and share none)."""
        mine, theirs = self.unit_ids(a), self.unit_ids(b)
        if mine & theirs:
            return False
        if self._alternatives is None:
            self._alternatives = _alternative_units(self.objects, self.unit_ids)
        return any(frozenset((x, y)) in self._alternatives for x in mine for y in theirs)

    def may_apply_with(self, origin: InFile) -> Callable[[InFile], bool]:
        """Whether an object may be applied with `origin`: it is not in an alternative to origin's units."""
        return lambda other: not self.alternatives(origin, other)

    def set_units(self, units: ApplyUnits) -> None:
        self.units, self._held, self._alternatives = units, None, None


def _alternative_units(objects: Iterable, unit_ids: Callable) -> set[frozenset[int]]:
    """Pairs of units that each define one object in a file of its own. A shared file is in both units
    and makes no pair: only a file of one unit against a file of the other."""
    files_by_key: dict[Key, dict[str, frozenset[int]]] = {}
    for obj in objects:
        key = object_key(obj)
        if key is not None:
            files_by_key.setdefault(key, {})[obj.file] = unit_ids(obj)
    pairs = set()
    for files in files_by_key.values():
        if len(files) < 2:
            continue
        for first, second in combinations(files.values(), 2):
            pairs.update(frozenset((x, y)) for x in first - second for y in second - first)
    return pairs
