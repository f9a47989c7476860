"""From a finding back to the model: the object it is about, the part at its field, the related workload."""

from __future__ import annotations

from typing import Iterable, TypeVar

import yaml

from portlint.findings import Finding, Related
from portlint.fixes.locate import FileIndex
from portlint.fixes.model import Fix
from portlint.model import Cluster, KubeObject, Node

T = TypeVar("T", bound=KubeObject)


class Subjects:
    """Lookups built once per cluster, for the fixers: of the objects in `files` (default: every file), the
    files of the findings and of what they relate to (a fix only ever edits its finding's file)."""

    def __init__(self, cluster: Cluster, files: set[str] | None = None):
        self.cluster = cluster
        self._files = files
        self._by_ref: dict[tuple, list[KubeObject]] | None = None
        self._by_line: dict[tuple, list[KubeObject]] = {}
        self._sources: dict = {}
        self._indexes: dict[str, FileIndex | None] = {}

    def object(self, finding: Finding, kind: type[T]) -> T | None:
        """The object of `kind` the finding is about: same identity, same file, the last one starting
        at or above the finding (the input may define one object twice)."""
        if finding.object is None:
            return None
        candidates = [o for o in self._objects().get((finding.file, finding.object), ())
                      if isinstance(o, kind) and o.raw.line <= finding.line]
        return max(candidates, key=lambda o: o.raw.line, default=None)

    def related(self, related: Related, kind: type[T]) -> T | None:
        """The object a finding's `related` entry names."""
        for obj in self._tables()[1].get((related.file, related.line), ()):
            if isinstance(obj, kind) and obj.ref.name == related.name and obj.ref.namespace == related.namespace:
                return obj
        return None

    def shared(self, fix: Fix) -> bool:
        """Whether an edit of `fix` would change a value that a YAML alias also refers to."""
        for edit in fix.edits:
            index = self._index(edit.file)
            entry = index.entry(edit.line, edit.column) if index else None
            if entry is not None and entry.shared:
                return True
        return False

    def _index(self, path: str) -> FileIndex | None:
        """A file's index, made only for files that define an anchor: elsewhere nothing is shared."""
        if path not in self._indexes:
            text = self._source_text(path)
            index = None
            if text is not None and "&" in text:
                try:
                    index = FileIndex(text)
                except yaml.YAMLError:
                    index = None
            self._indexes[path] = index
        return self._indexes[path]

    def _source_text(self, path: str) -> str | None:
        source = self._tables()[2].get(path)
        return source.content() if source else None

    def _objects(self) -> dict[tuple, list[KubeObject]]:
        return self._tables()[0]

    def _tables(self) -> tuple[dict, dict, dict]:
        """(file, ref) → objects; (file, line) → objects; file → Source. Built on first use."""
        if self._by_ref is None:
            self._by_ref, self._by_line, self._sources = {}, {}, {}
            files = self._files
            for obj in self.cluster.objects:
                if files is not None and obj.source.path not in files:
                    continue
                self._by_ref.setdefault((obj.source.path, obj.ref), []).append(obj)
                self._by_line.setdefault((obj.source.path, obj.raw.line), []).append(obj)
                self._sources[obj.source.path] = obj.source
        return self._by_ref, self._by_line, self._sources


def node_at(nodes: Iterable[Node], field_path: str, key: str) -> Node | None:
    """The node among `nodes` whose field `key` is at `field_path` (where the finding points)."""
    return next((node for node in nodes if node.field_path(key) == field_path), None)
