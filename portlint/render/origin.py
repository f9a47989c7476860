"""From a field of a rendered object back to the file, line and column that gave it its value.

kustomize's origin annotation names the file an object came from (or, for a generated object, the
kustomization whose generator made it). On its way to the output the object passed through layers:
the kustomization that lists the file, then each one that includes that one, up to the root, with
the components of each applied where they are listed (kustomize's accumulateTarget: resources,
generators, components, then the kustomization's own transformers). For one field, the outermost
layer that wrote it wins — a patch that set it, or a transformer that made it (namespace,
namePrefix/nameSuffix, commonLabels/labels, commonAnnotations, replicas, images, replacements) —
and when no layer wrote it, the field in the source file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from portlint.loader import Mapping, Sequence
import portlint.render.paths as fp
from portlint.render.kustomization import Kustomization, Location, Patch
from portlint.render.paths import Step
from portlint.render.sources import SourceFiles
import portlint.render.transformers as tf

# within one kustomization, the order kustomize runs its transformers in (see kustomization.py)
_LATE_PATCH_KEY = "patchesJson6902"


@dataclass
class Origin:
    """Where one rendered object came from."""

    file: str | None  # the source file (absolute), for an object read from a file
    generator: Kustomization | None  # the kustomization that generated it (configMapGenerator, ...)
    layers: list[Kustomization]  # innermost first, the root last
    document: Mapping | None  # the object in its source file


class Tracer:
    """Traces fields of the objects of one rendered root back to their sources."""

    def __init__(self, tree: dict[str, Kustomization], root: Kustomization, files: SourceFiles) -> None:
        self.tree, self.root, self.files = tree, root, files

    def origin(self, annotation: object, wrapper: str, rendered: Mapping) -> Origin:
        """The origin of `rendered` from its `config.kubernetes.io/origin` annotation (YAML text)."""
        values = _origin_values(annotation)
        if "path" in values and "repo" not in values:
            file = os.path.normpath(os.path.join(wrapper, values["path"]))
            layers = self._chain(self.root.directory, lambda k: any(e.path == file for e in k.resources), set())
            layers = layers or [self.root]
            return Origin(file, None, layers, self._source_document(file, rendered, layers))
        configured = values.get("configuredIn")
        if configured:
            file = os.path.normpath(os.path.join(wrapper, configured))
            layers = self._chain(self.root.directory, lambda k: k.file == file, set()) or [self.root]
            generator = next((k for k in layers if k.file == file), self.root)
            return Origin(None, generator, layers, None)
        return Origin(None, None, [self.root], None)

    def locate(self, origin: Origin, rendered: Mapping, steps: list[Step]) -> Location:
        """Where the field `steps` of `rendered` got its value."""
        if origin.generator is not None:
            return tf.generator_entry(origin.generator, rendered)
        node = fp.find(rendered, steps).node
        leaf = fp.is_leaf(node) and fp.find(rendered, steps).depth == len(steps)
        names = self._names(origin, rendered)
        for layer, known in zip(reversed(origin.layers), reversed(names)):
            written = self._written_in(layer, known, rendered, steps, node, leaf)
            if written is not None:
                return written
        return self._creator(origin, rendered, steps, names)

    def locate_object(self, origin: Origin, rendered: Mapping, aspect: tuple[str, ...]) -> Location:
        """Where to look for the other side of a relation: the outermost patch that changed one of the
        `aspect` fields (e.g. ports) of the object, else the object in its source file."""
        if origin.generator is not None:
            return tf.generator_entry(origin.generator, rendered)
        names = self._names(origin, rendered)
        for layer, known in zip(reversed(origin.layers), reversed(names)):
            for patch in reversed(layer.patches):
                for document in self._applying(patch, known, rendered):
                    hit = _first_key(document, aspect) if aspect else None
                    if hit is not None:
                        return patch.location(*hit)
        return self._document_start(origin)

    # -- the layers ------------------------------------------------------------------------------------

    def _chain(self, directory: str, here, seen: set[str]) -> list[Kustomization] | None:
        """The layers from the kustomization for which `here` holds up to the one at `directory`."""
        k = self.tree.get(directory)
        if k is None or directory in seen:
            return None
        seen = seen | {directory}
        if here(k):
            return self._after(k, -1)
        for entry in k.resources:
            if entry.path in self.tree:
                inner = self._chain(entry.path, here, seen)
                if inner is not None:
                    return inner + self._after(k, -1)
        for index, entry in enumerate(k.components):
            inner = self._chain(entry.path, here, seen)
            if inner is not None:
                return inner + self._after(k, index)
        return None

    def _after(self, k: Kustomization, index: int) -> list[Kustomization]:
        """The components of `k` listed after `index`, as they apply, then `k` itself."""
        layers: list[Kustomization] = []
        for entry in k.components[index + 1:]:
            layers += self._applied(entry.path, set())
        return layers + [k]

    def _applied(self, directory: str, seen: set[str]) -> list[Kustomization]:
        component = self.tree.get(directory)
        if component is None or directory in seen:
            return []
        layers: list[Kustomization] = []
        for entry in component.components:
            layers += self._applied(entry.path, seen | {directory})
        return layers + [component]

    def _source_document(self, file: str, rendered: Mapping, layers: list[Kustomization]) -> Mapping | None:
        """The object in `file` that became `rendered`: same kind, and its name through the layers'
        prefixes and suffixes is the rendered name."""
        source_file = self.files.get(file)
        if source_file is None:
            return None
        kind = rendered.get("kind")
        candidates = [d for d in source_file.manifests if d.get("kind") == kind]
        rendered_name = tf.name_of(rendered)
        for document in candidates:
            name = tf.name_of(document)
            for layer in layers:
                name = tf.prefixed(layer, name)
            if name == rendered_name:
                return document
        if len(candidates) == 1:
            return candidates[0]
        return candidates[0] if candidates else (source_file.manifests[0] if source_file.manifests else None)

    def _names(self, origin: Origin, rendered: Mapping) -> list[tuple[str, ...]]:
        """The names each layer's patches know the object by: its name before that layer's own prefix and
        suffix, and the names it had before (kustomize matches a patch against any of them)."""
        name = tf.name_of(origin.document) if origin.document is not None else tf.name_of(rendered)
        names, known = [], ()
        for layer in origin.layers:
            known = tuple(dict.fromkeys((*known, name)))
            names.append(known)
            name = tf.prefixed(layer, name)
        return names

    # -- who wrote a field -----------------------------------------------------------------------------

    def _written_in(self, layer: Kustomization, names: tuple[str, ...], rendered: Mapping, steps: list[Step],
                    node: object, leaf: bool) -> Location | None:
        """The last writer of the field within one kustomization, in reverse order of application."""
        late = [p for p in layer.patches if p.key == _LATE_PATCH_KEY]
        early = [p for p in layer.patches if p.key != _LATE_PATCH_KEY]
        field = tf.Field(rendered, steps, node, names)
        written = None
        if leaf:
            written = (tf.transformer_files(layer, field, self.files) or tf.replacements(layer, field, self.files)
                       or tf.images(layer, field) or tf.replicas(layer, field))
        written = written or self._patched(late, names, rendered, steps, leaf)
        if written is None and leaf:
            written = (tf.annotations(layer, field) or tf.labels(layer, field) or tf.prefix_suffix(layer, field)
                       or tf.namespace(layer, field))
        return written or self._patched(early, names, rendered, steps, leaf)

    def _patched(self, patches: list[Patch], names: tuple[str, ...], rendered: Mapping, steps: list[Step],
                 leaf: bool) -> Location | None:
        for patch in reversed(patches):
            for document in reversed(self._applying(patch, names, rendered)):
                hit = _json6902_writes(document, steps) if isinstance(document, Sequence) else \
                    _merge_patch_writes(document, steps, leaf)
                if hit is not None:
                    return patch.location(*hit)
        return None

    def _applying(self, patch: Patch, names: tuple[str, ...], rendered: Mapping) -> list:
        """The documents of `patch` that apply to the object (known by `names` at this layer)."""
        if patch.target is not None:
            return list(patch.documents) if tf.selects(patch.target, names, rendered) else []
        return [d for d in patch.documents if isinstance(d, Mapping) and d.get("kind") == rendered.get("kind")
                and tf.name_of(d) in names]

    def _creator(self, origin: Origin, rendered: Mapping, steps: list[Step],
                 names: list[tuple[str, ...]]) -> Location:
        """Nobody overwrote the field: the first document that has it, the source file first; failing
        that, the one that has most of its path."""
        best: tuple[int, Location] | None = None
        if origin.document is not None:
            found = fp.find(origin.document, steps)
            best = (found.depth, Location(origin.file, found.line, found.column))
            if found.depth == len(steps):
                return best[1]
        for layer, known in zip(origin.layers, names):
            for patch in layer.patches:
                for document in self._applying(patch, known, rendered):
                    if isinstance(document, Mapping):
                        found = fp.find(document, steps)
                        if best is None or found.depth > best[0]:
                            best = (found.depth, patch.location(found.line, found.column))
        return best[1] if best else self._document_start(origin)

    def _document_start(self, origin: Origin) -> Location:
        if origin.document is not None:
            return Location(origin.file, origin.document.line, origin.document.column)
        if origin.file:
            return Location(origin.file, 1, 1)
        return Location(self.root.file, 1, 1)


def _origin_values(annotation: object) -> dict:
    """The fields of an origin annotation (a small YAML mapping written by kustomize)."""
    values: dict[str, str] = {}
    if isinstance(annotation, str):
        for line in annotation.splitlines():
            key, sep, value = line.partition(":")
            if sep and not line.startswith(" ") and value.strip():
                values[key.strip()] = value.strip().strip("'\"")
    return values


def _merge_patch_writes(document: Mapping, steps: list[Step], leaf: bool) -> tuple[int, int] | None:
    """Whether a strategic-merge patch sets the field: it holds the field's value, or it holds a list on
    the path that it replaces whole (a list without a merge key)."""
    found = fp.find(document, steps)
    if found.depth == len(steps):
        if leaf or _replaces(found.node) or _sets_entries(found.node):
            return found.line, found.column
        atomic = fp.atomic_list_on(steps)
        return (found.line, found.column) if atomic is not None else None
    atomic = fp.atomic_list_on(steps)
    if atomic is not None and found.depth > atomic:
        return found.line, found.column
    return None


def _replaces(node: object) -> bool:
    return isinstance(node, Mapping) and node.get("$patch") == "replace"


def _sets_entries(node: object) -> bool:
    """A patch's mapping of plain values (a selector, labels): it decides what the mapping holds."""
    return isinstance(node, Mapping) and any(not isinstance(v, (Mapping, Sequence)) for v in node.values())


def _json6902_writes(operations: Sequence, steps: list[Step]) -> tuple[int, int] | None:
    """The last JSON 6902 operation that sets the field, or a value that holds it (RFC 6902)."""
    for operation in reversed(operations):
        if not isinstance(operation, Mapping) or operation.get("op") not in ("add", "replace", "copy", "move"):
            continue
        path = operation.get("path")
        if not isinstance(path, str):
            continue
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in path.split("/")[1:]]
        if len(tokens) == len(steps) + 1 and all(_token_matches(t, s, operation, False)
                                                 for t, s in zip(tokens, steps)):
            return operation.line, operation.column  # it sets an entry of the mapping the finding is about
        if len(tokens) > len(steps) or not all(_token_matches(t, s, operation, n == len(tokens) - 1)
                                               for n, (t, s) in enumerate(zip(tokens, steps))):
            continue
        if "value" not in operation:
            return operation.line, operation.column
        if len(tokens) == len(steps):
            return operation.position("value")
        found = fp.find(operation["value"], steps[len(tokens):])
        if found.depth == len(steps) - len(tokens):
            return found.line, found.column
    return None


def _token_matches(token: str, step: Step, operation: Mapping, last: bool) -> bool:
    if not step.is_item:
        return token == str(step.key)
    if token == "-":  # an appended item: the one whose merge key is the added value's
        return last and fp.matches(operation.get("value"), step)
    return token.isdigit() and int(token) == step.index


def _first_key(node: object, keys: tuple[str, ...]) -> tuple[int, int] | None:
    """The position of the first key (depth first, in file order) named one of `keys`, or of a JSON 6902
    operation whose path names one."""
    if isinstance(node, Mapping):
        if isinstance(node.get("path"), str) and "op" in node:
            if any(f"/{key}" in node["path"] for key in keys):
                return node.position("value") if "value" in node else (node.line, node.column)
            return None
        for key, value in node.items():
            if key in keys:
                return node.position(key)
            hit = _first_key(value, keys)
            if hit is not None:
                return hit
    elif isinstance(node, Sequence):
        for item in node:
            hit = _first_key(item, keys)
            if hit is not None:
                return hit
    return None
