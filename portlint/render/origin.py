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
import re
from dataclasses import dataclass

from portlint.loader import Mapping, Sequence
from portlint.render import paths as fp
from portlint.render.kustomization import Kustomization, Location, Patch
from portlint.render.paths import Step
from portlint.render.sources import SourceFiles

LABEL_MAPS = ("labels", "matchLabels", "selector")
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
            return _generator_entry(origin.generator, rendered)
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
            return _generator_entry(origin.generator, rendered)
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
        rendered_name = _name(rendered)
        for document in candidates:
            name = _name(document)
            for layer in layers:
                name = _prefixed(layer, name)
            if name == rendered_name:
                return document
        if len(candidates) == 1:
            return candidates[0]
        return candidates[0] if candidates else (source_file.manifests[0] if source_file.manifests else None)

    def _names(self, origin: Origin, rendered: Mapping) -> list[tuple[str, ...]]:
        """The names each layer's patches know the object by: its name before that layer's own prefix and
        suffix, and the names it had before (kustomize matches a patch against any of them)."""
        name = _name(origin.document) if origin.document is not None else _name(rendered)
        names, known = [], ()
        for layer in origin.layers:
            known = tuple(dict.fromkeys((*known, name)))
            names.append(known)
            name = _prefixed(layer, name)
        return names

    # -- who wrote a field -----------------------------------------------------------------------------

    def _written_in(self, layer: Kustomization, names: tuple[str, ...], rendered: Mapping, steps: list[Step],
                    node: object, leaf: bool) -> Location | None:
        """The last writer of the field within one kustomization, in reverse order of application."""
        late = [p for p in layer.patches if p.key == _LATE_PATCH_KEY]
        early = [p for p in layer.patches if p.key != _LATE_PATCH_KEY]
        if leaf:
            for check in (_transformer_files, _replacements, _images, _replicas):
                written = check(self, layer, names, rendered, steps, node)
                if written is not None:
                    return written
        written = self._patched(late, names, rendered, steps, leaf)
        if written is None and leaf:
            written = (_annotations(layer, steps, node) or _labels(layer, steps, node)
                       or _name_transformer(layer, steps) or _namespace(layer, steps))
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
            return list(patch.documents) if _selects(patch.target, names, rendered) else []
        return [d for d in patch.documents if isinstance(d, Mapping) and d.get("kind") == rendered.get("kind")
                and _name(d) in names]

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


def _name(document: Mapping | None) -> str:
    metadata = document.get("metadata") if isinstance(document, Mapping) else None
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    return name if isinstance(name, str) else ""


def _prefixed(layer: Kustomization, name: str) -> str:
    prefix, suffix = layer.value("namePrefix"), layer.value("nameSuffix")
    return f"{prefix if isinstance(prefix, str) else ''}{name}{suffix if isinstance(suffix, str) else ''}"


def _selects(target: Mapping, names: tuple[str, ...], rendered: Mapping) -> bool:
    """kustomize's patch `target` selector: kind, group, version, name (a regular expression), labelSelector."""
    api_version = str(rendered.get("apiVersion") or "")
    group, _, version = api_version.rpartition("/")
    checks = [("kind", rendered.get("kind")), ("group", group), ("version", version)]
    for key, value in checks:
        wanted = target.get(key)
        if isinstance(wanted, str) and wanted and not _full_match(wanted, str(value or "")):
            return False
    wanted_name = target.get("name")
    if isinstance(wanted_name, str) and wanted_name and not any(
            _full_match(wanted_name, name) for name in (*names, _name(rendered))):
        return False
    selector = target.get("labelSelector")
    if isinstance(selector, str) and selector.strip():
        labels = (rendered.get("metadata") or {}).get("labels") or {}
        for requirement in selector.split(","):
            key, sep, value = requirement.partition("=")
            key, value = key.strip().rstrip("!"), value.strip().lstrip("=")
            if sep and str(labels.get(key)) != value or not sep and key not in labels:
                return False
    return True


def _full_match(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return pattern == value


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


# -- transformers ------------------------------------------------------------------------------------------


def _namespace(layer: Kustomization, steps: list[Step]) -> Location | None:
    if fp.keys_of(steps) == ["metadata", "namespace"] and isinstance(layer.value("namespace"), str):
        return layer.location("namespace")
    return None


def _name_transformer(layer: Kustomization, steps: list[Step]) -> Location | None:
    if fp.keys_of(steps) != ["metadata", "name"]:
        return None
    for key in ("namePrefix", "nameSuffix"):
        if isinstance(layer.value(key), str) and layer.value(key):
            return layer.location(key)
    return None


def _labels(layer: Kustomization, steps: list[Step], value: object) -> Location | None:
    """commonLabels (metadata, selectors and templates) and `labels` entries (metadata; selectors with
    includeSelectors, pod templates with includeTemplates), when they set this label to this value."""
    if len(steps) < 2 or steps[-2].key not in LABEL_MAPS:
        return None
    label, keys = steps[-1].key, fp.keys_of(steps)
    common = layer.value("commonLabels")
    if isinstance(common, Mapping) and label in common and str(common[label]) == str(value):
        return layer.location("commonLabels", label)
    entries = layer.value("labels")
    for index, entry in enumerate(entries if isinstance(entries, Sequence) else ()):
        pairs = entry.get("pairs") if isinstance(entry, Mapping) else None
        if not isinstance(pairs, Mapping) or label not in pairs or str(pairs[label]) != str(value):
            continue
        on_metadata = keys[:2] == ["metadata", "labels"]
        on_template = "template" in keys and keys[-2] == "labels"
        if on_metadata or entry.get("includeSelectors") or (on_template and entry.get("includeTemplates")):
            return layer.location("labels", index, "pairs", label)
    return None


def _annotations(layer: Kustomization, steps: list[Step], value: object) -> Location | None:
    common = layer.value("commonAnnotations")
    if len(steps) >= 2 and steps[-2].key == "annotations" and isinstance(common, Mapping):
        if steps[-1].key in common and str(common[steps[-1].key]) == str(value):
            return layer.location("commonAnnotations", steps[-1].key)
    return None


def _replicas(tracer: Tracer, layer: Kustomization, names: tuple[str, ...], rendered: Mapping, steps: list[Step],
              value: object) -> Location | None:
    entries = layer.value("replicas")
    if fp.keys_of(steps) != ["spec", "replicas"] or not isinstance(entries, Sequence):
        return None
    for index, entry in enumerate(entries):
        if isinstance(entry, Mapping) and entry.get("name") in (*names, _name(rendered)):
            return layer.location("replicas", index, "count")
    return None


def _images(tracer: Tracer, layer: Kustomization, names: tuple[str, ...], rendered: Mapping, steps: list[Step],
            value: object) -> Location | None:
    entries = layer.value("images")
    if not steps or steps[-1].key != "image" or not isinstance(entries, Sequence) or not isinstance(value, str):
        return None
    image = re.split(r"[@:]", value.rsplit("/", 1)[-1], maxsplit=1)[0]
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            continue
        new_name = entry.get("newName") or entry.get("name")
        if isinstance(new_name, str) and new_name.rsplit("/", 1)[-1] == image:
            return layer.location("images", index)
    return None


def _replacements(tracer: Tracer, layer: Kustomization, names: tuple[str, ...], rendered: Mapping, steps: list[Step],
                  value: object) -> Location | None:
    """A `replacements` target whose fieldPaths name this field (inline, or in a replacement file)."""
    entries = layer.value("replacements")
    for index, entry in enumerate(entries if isinstance(entries, Sequence) else ()):
        if not isinstance(entry, Mapping):
            continue
        if isinstance(entry.get("path"), str):
            replacement_file = tracer.files.get(os.path.normpath(os.path.join(layer.directory, entry["path"])))
            for document in (replacement_file.manifests if replacement_file else ()):
                hit = _replacement_target(document, names, rendered, steps)
                if hit is not None:
                    return Location(replacement_file.path, *hit)
            continue
        hit = _replacement_target(entry, names, rendered, steps)
        if hit is not None:
            return Location(layer.file, *hit)
    return None


def _replacement_target(replacement: Mapping, names: tuple[str, ...], rendered: Mapping, steps: list[Step]):
    targets = replacement.get("targets")
    for target in targets if isinstance(targets, Sequence) else ():
        select = target.get("select") if isinstance(target, Mapping) else None
        if not isinstance(select, Mapping) or not _selects(select, names, rendered):
            continue
        field_paths = target.get("fieldPaths")
        for number, field_path in enumerate(field_paths if isinstance(field_paths, Sequence) else ()):
            if isinstance(field_path, str) and _field_path_matches(field_path, steps):
                return field_paths.position(number)
    return None


def _field_path_matches(field_path: str, steps: list[Step]) -> bool:
    """kustomize's replacement field paths: dotted keys, `[name=value]` list selectors, `*`, indexes."""
    parts = re.findall(r"\[[^\]]*\]|[^.\[\]]+", field_path)
    if len(parts) != len(steps):
        return False
    for part, step in zip(parts, steps):
        if part in ("*", "[*]"):
            continue
        if part.startswith("[") and "=" in part:
            key, _, wanted = part[1:-1].partition("=")
            if not step.is_item or str(dict(step.match).get(key, "")) != wanted and not step.match:
                return False
            if dict(step.match).get(key) is not None and str(dict(step.match)[key]) != wanted:
                return False
        elif step.is_item:
            if not (part.isdigit() and int(part) == step.index):
                return False
        elif part != str(step.key):
            return False
    return True


def _transformer_files(tracer: Tracer, layer: Kustomization, names: tuple[str, ...], rendered: Mapping, steps: list[Step],
                       value: object) -> Location | None:
    """Built-in transformers configured in files listed under `transformers:` (LabelTransformer,
    AnnotationsTransformer, NamespaceTransformer), when they set this field to this value."""
    entries = layer.value("transformers")
    for index, entry in enumerate(entries if isinstance(entries, Sequence) else ()):
        if not isinstance(entry, str) or "\n" in entry:
            continue
        transformer_file = tracer.files.get(os.path.normpath(os.path.join(layer.directory, entry)))
        for document in reversed(transformer_file.manifests if transformer_file else []):
            hit = _builtin_transformer(document, rendered, steps, value)
            if hit is not None:
                return Location(transformer_file.path, *hit)
    return None


def _builtin_transformer(document: Mapping, rendered: Mapping, steps: list[Step], value: object):
    kind = document.get("kind")
    keys = fp.keys_of(steps)
    if kind == "NamespaceTransformer" and keys == ["metadata", "namespace"]:
        metadata = document.get("metadata")
        return metadata.position("namespace") if isinstance(metadata, Mapping) and "namespace" in metadata \
            else None
    mapping_key = {"LabelTransformer": "labels", "AnnotationsTransformer": "annotations"}.get(kind)
    values = document.get(mapping_key) if mapping_key else None
    if not isinstance(values, Mapping) or len(steps) < 2 or steps[-1].key not in values:
        return None
    if str(values[steps[-1].key]) != str(value):
        return None
    specs = document.get("fieldSpecs")
    wanted = "/".join(keys[:-1])
    for spec in specs if isinstance(specs, Sequence) else ():
        if isinstance(spec, Mapping) and spec.get("path") == wanted and spec.get("kind") in (None, rendered.get("kind")):
            return values.position(steps[-1].key)
    return None


def _generator_entry(k: Kustomization, rendered: Mapping) -> Location:
    """The configMapGenerator/secretGenerator entry that made `rendered` (its name, before the hash)."""
    name = _name(rendered)
    key = "secretGenerator" if rendered.get("kind") == "Secret" else "configMapGenerator"
    entries = k.value(key)
    for index, entry in enumerate(entries if isinstance(entries, Sequence) else ()):
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str) and entry["name"] in name:
            return k.location(key, index)
    return k.location(key)
