"""The transformers of a kustomization that write fields the rules read, and which of them wrote one.

Each function answers for one transformer of one kustomization: did it set this field of this object to
this value, and where is it configured (the kustomization's line, or the transformer's own file)?
Names and fields follow kustomize's builtin plugins (api/filters/*, api/internal/builtins/*).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from portlint.loader import Mapping, Sequence
import portlint.render.paths as fp
from portlint.render.kustomization import Kustomization, Location
from portlint.render.paths import Step
from portlint.render.sources import SourceFiles

LABEL_MAPS = ("labels", "matchLabels", "selector")


@dataclass(frozen=True)
class Field:
    """The field being traced: in which rendered object, at which steps, with which value, and the names
    the object is known by at the kustomization asked about."""

    rendered: Mapping
    steps: list[Step]
    value: object
    names: tuple[str, ...]

    @property
    def keys(self) -> list[str]:
        return fp.keys_of(self.steps)


def name_of(document: Mapping | None) -> str:
    metadata = document.get("metadata") if isinstance(document, Mapping) else None
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    return name if isinstance(name, str) else ""


def prefixed(layer: Kustomization, name: str) -> str:
    prefix, suffix = layer.value("namePrefix"), layer.value("nameSuffix")
    return f"{prefix if isinstance(prefix, str) else ''}{name}{suffix if isinstance(suffix, str) else ''}"


def selects(target: Mapping, names: tuple[str, ...], rendered: Mapping) -> bool:
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
            _full_match(wanted_name, name) for name in (*names, name_of(rendered))):
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


def namespace(layer: Kustomization, field: Field) -> Location | None:
    if field.keys == ["metadata", "namespace"] and isinstance(layer.value("namespace"), str):
        return layer.location("namespace")
    return None


def prefix_suffix(layer: Kustomization, field: Field) -> Location | None:
    if field.keys != ["metadata", "name"]:
        return None
    for key in ("namePrefix", "nameSuffix"):
        if isinstance(layer.value(key), str) and layer.value(key):
            return layer.location(key)
    return None


def labels(layer: Kustomization, field: Field) -> Location | None:
    """commonLabels (metadata, selectors and templates) and `labels` entries (metadata; selectors with
    includeSelectors, pod templates with includeTemplates), when they set this label to this value."""
    steps, value = field.steps, field.value
    if len(steps) < 2 or steps[-2].key not in LABEL_MAPS:
        return None
    label, keys = steps[-1].key, field.keys
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


def annotations(layer: Kustomization, field: Field) -> Location | None:
    common, steps = layer.value("commonAnnotations"), field.steps
    if len(steps) >= 2 and steps[-2].key == "annotations" and isinstance(common, Mapping):
        if steps[-1].key in common and str(common[steps[-1].key]) == str(field.value):
            return layer.location("commonAnnotations", steps[-1].key)
    return None


def replicas(layer: Kustomization, field: Field) -> Location | None:
    entries = layer.value("replicas")
    if field.keys != ["spec", "replicas"] or not isinstance(entries, Sequence):
        return None
    for index, entry in enumerate(entries):
        if isinstance(entry, Mapping) and entry.get("name") in (*field.names, name_of(field.rendered)):
            return layer.location("replicas", index, "count")
    return None


def images(layer: Kustomization, field: Field) -> Location | None:
    entries, value = layer.value("images"), field.value
    if field.keys[-1:] != ["image"] or not isinstance(entries, Sequence) or not isinstance(value, str):
        return None
    image = re.split(r"[@:]", value.rsplit("/", 1)[-1], maxsplit=1)[0]
    for index, entry in enumerate(entries):
        new_name = (entry.get("newName") or entry.get("name")) if isinstance(entry, Mapping) else None
        if isinstance(new_name, str) and new_name.rsplit("/", 1)[-1] == image:
            return layer.location("images", index)
    return None


def replacements(layer: Kustomization, field: Field, files: SourceFiles) -> Location | None:
    """A `replacements` target whose fieldPaths name this field (inline, or in a replacement file)."""
    entries = layer.value("replacements")
    for entry in entries if isinstance(entries, Sequence) else ():
        if not isinstance(entry, Mapping):
            continue
        if isinstance(entry.get("path"), str):
            replacement_file = files.get(os.path.normpath(os.path.join(layer.directory, entry["path"])))
            for document in (replacement_file.manifests if replacement_file else ()):
                hit = _replacement_target(document, field)
                if hit is not None:
                    return Location(replacement_file.path, *hit)
            continue
        hit = _replacement_target(entry, field)
        if hit is not None:
            return Location(layer.file, *hit)
    return None


def _replacement_target(replacement: Mapping, field: Field) -> tuple[int, int] | None:
    targets = replacement.get("targets")
    for target in targets if isinstance(targets, Sequence) else ():
        select = target.get("select") if isinstance(target, Mapping) else None
        if not isinstance(select, Mapping) or not selects(select, field.names, field.rendered):
            continue
        field_paths = target.get("fieldPaths")
        for number, field_path in enumerate(field_paths if isinstance(field_paths, Sequence) else ()):
            if isinstance(field_path, str) and _field_path_matches(field_path, field):
                return field_paths.position(number)
    return None


def _field_path_matches(field_path: str, field: Field) -> bool:
    """kustomize's replacement field paths: dotted keys, `[key=value]` list item selectors, `*`, indexes."""
    parts = re.findall(r"\[[^\]]*\]|[^.\[\]]+", field_path)
    if len(parts) != len(field.steps):
        return False
    node: object = field.rendered
    for part, step in zip(parts, field.steps):
        item = node[step.index] if step.is_item and isinstance(node, Sequence) else None
        if part.startswith("[") and "=" in part:
            key, _, wanted = part[1:-1].partition("=")
            if not isinstance(item, Mapping) or str(item.get(key)) != wanted:
                return False
        elif part not in ("*", "[*]") and (str(step.index) if step.is_item else str(step.key)) != part:
            return False
        node = item if step.is_item else node.get(step.key) if isinstance(node, Mapping) else None
    return True


def transformer_files(layer: Kustomization, field: Field, files: SourceFiles) -> Location | None:
    """Built-in transformers configured in files listed under `transformers:` (LabelTransformer,
    AnnotationsTransformer, NamespaceTransformer), when they set this field to this value."""
    entries = layer.value("transformers")
    for entry in entries if isinstance(entries, Sequence) else ():
        if not isinstance(entry, str) or "\n" in entry:
            continue
        transformer_file = files.get(os.path.normpath(os.path.join(layer.directory, entry)))
        for document in reversed(transformer_file.manifests if transformer_file else []):
            hit = _builtin_transformer(document, field)
            if hit is not None:
                return Location(transformer_file.path, *hit)
    return None


def _builtin_transformer(document: Mapping, field: Field) -> tuple[int, int] | None:
    kind, keys, steps = document.get("kind"), field.keys, field.steps
    if kind == "NamespaceTransformer" and keys == ["metadata", "namespace"]:
        metadata = document.get("metadata")
        return metadata.position("namespace") if isinstance(metadata, Mapping) and "namespace" in metadata \
            else None
    mapping_key = {"LabelTransformer": "labels", "AnnotationsTransformer": "annotations"}.get(kind)
    values = document.get(mapping_key) if mapping_key else None
    if not isinstance(values, Mapping) or len(steps) < 2 or steps[-1].key not in values:
        return None
    if str(values[steps[-1].key]) != str(field.value):
        return None
    specs, wanted = document.get("fieldSpecs"), "/".join(keys[:-1])
    for spec in specs if isinstance(specs, Sequence) else ():
        if isinstance(spec, Mapping) and spec.get("path") == wanted \
                and spec.get("kind") in (None, field.rendered.get("kind")):
            return values.position(steps[-1].key)
    return None


def generator_entry(k: Kustomization, rendered: Mapping) -> Location:
    """The configMapGenerator/secretGenerator entry that made `rendered` (its name, before the hash)."""
    name = name_of(rendered)
    key = "secretGenerator" if rendered.get("kind") == "Secret" else "configMapGenerator"
    entries = k.value(key)
    for index, entry in enumerate(entries if isinstance(entries, Sequence) else ()):
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str) and entry["name"] in name:
            return k.location(key, index)
    return k.location(key)
