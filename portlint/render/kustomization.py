"""One kustomization file, read with positions: what it lists and which transformers it configures.

Only what portlint needs is modelled: the entries that name other files or directories (so that
they are not read raw, and so that a rendered object can be traced back through the layers), the
patches (to find the one that set a field), and the transformers that write fields the rules read.
Field names follow kustomize's `types.Kustomization` (sigs.k8s.io/kustomize/api/types/kustomization.go).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from portlint.input_stage import KUSTOMIZATION_FILES
from portlint.loader import Mapping, Sequence, Source
from portlint.render.sources import SourceFiles

FILE_NAMES = KUSTOMIZATION_FILES
COMPONENT_KIND = "Component"
_REMOTE_PREFIXES = ("git@", "git::", "github.com/", "gitlab.com/", "bitbucket.org/")
# keys whose string entries name files a build reads (besides resources, components and patches)
_FILE_LIST_KEYS = ("transformers", "generators", "validators", "configurations", "crds")


@dataclass(frozen=True)
class Location:
    """A place in a file: what a finding points at. `file` is absolute until it is shown."""

    file: str
    line: int
    column: int


@dataclass
class Entry:
    """One item of a list such as `resources`: as written, resolved, and where it is written."""

    text: str
    path: str  # absolute and normalised; "" for a remote reference
    at: Location

    @property
    def remote(self) -> bool:
        return not self.path


@dataclass
class Patch:
    """A strategic-merge patch (mapping documents) or a JSON 6902 patch (one list of operations)."""

    documents: list
    target: Mapping | None  # the `target` selector, when given
    file: str  # the patch file, or the kustomization for an inline patch
    at: Location  # where the kustomization lists it
    line_offset: int = 0  # inline patches: where the block scalar sits inside the kustomization
    column_offset: int = 0
    inline: bool = False
    key: str = ""  # the kustomization key that lists it (patchesJson6902 runs after the other transformers)

    @property
    def json6902(self) -> bool:
        return len(self.documents) == 1 and isinstance(self.documents[0], Sequence)

    def location(self, line: int, column: int) -> Location:
        return Location(self.file, line + self.line_offset, column + self.column_offset)


@dataclass
class Kustomization:
    """One kustomization file with positions: what it includes, patches and transforms."""

    file: str  # absolute path
    data: Mapping
    source: Source
    resources: list[Entry] = field(default_factory=list)  # `resources` and the deprecated `bases`
    components: list[Entry] = field(default_factory=list)
    patches: list[Patch] = field(default_factory=list)  # in the order kustomize applies them
    files: list[Entry] = field(default_factory=list)  # every other file it names (patch files, configs, ...)

    @property
    def directory(self) -> str:
        return os.path.dirname(self.file)

    @property
    def is_component(self) -> bool:
        return self.data.get("kind") == COMPONENT_KIND

    def location(self, *keys) -> Location:
        """The position of a nested key such as ("commonLabels", "app"), or of the deepest one present."""
        node, (line, column) = self.data, (self.data.line, self.data.column)
        for key in keys:
            if isinstance(node, Mapping) and key in node:
                line, column = node.position(key)
            elif isinstance(node, Sequence) and isinstance(key, int) and 0 <= key < len(node):
                line, column = node.position(key)
            else:
                break
            node = node[key]
        return Location(self.file, line, column)

    def value(self, key: str):
        return self.data.get(key)


def find_file(directory: str) -> str | None:
    """The kustomization file of `directory` (kustomize accepts exactly one of the three names)."""
    for name in FILE_NAMES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    return None


def read(path: str, files: SourceFiles) -> Kustomization | None:
    """The kustomization at `path` (absolute); None when it is not YAML holding a mapping."""
    read_file = files.get(path)
    if read_file is None or not read_file.manifests:
        return None
    kustomization = Kustomization(path, read_file.manifests[0], read_file.source)
    directory = os.path.dirname(path)
    for key in ("resources", "bases"):
        kustomization.resources += _entries(kustomization, key, directory)
    kustomization.components = _entries(kustomization, "components", directory)
    kustomization.patches = list(_patches(kustomization, directory, files))
    for key in _FILE_LIST_KEYS:
        kustomization.files += [e for e in _entries(kustomization, key, directory) if "\n" not in e.text]
    kustomization.files += list(_generator_files(kustomization, directory))
    kustomization.files += list(_path_entries(kustomization, directory))
    return kustomization


def is_remote(text: str) -> bool:
    return "://" in text or text.startswith(_REMOTE_PREFIXES) or "?ref=" in text


def _entry(text: str, directory: str, at: Location) -> Entry:
    path = "" if is_remote(text) else os.path.normpath(os.path.join(directory, text))
    return Entry(text, path, at)


def _entries(kustomization: Kustomization, key: str, directory: str) -> list[Entry]:
    values = kustomization.data.get(key)
    if not isinstance(values, Sequence):
        return []
    return [_entry(value, directory, kustomization.location(key, index))
            for index, value in enumerate(values) if isinstance(value, str) and value.strip()]


def _generator_files(kustomization: Kustomization, directory: str):
    """The `files` and `envs` of configMapGenerator/secretGenerator entries (`key=path` names `path`)."""
    for key in ("configMapGenerator", "secretGenerator"):
        generators = kustomization.data.get(key)
        for index, generator in enumerate(generators if isinstance(generators, Sequence) else ()):
            if not isinstance(generator, Mapping):
                continue
            for kind in ("files", "envs", "env"):
                values = generator.get(kind)
                values = [values] if isinstance(values, str) else values if isinstance(values, Sequence) else []
                for number, value in enumerate(values):
                    if isinstance(value, str):
                        at = kustomization.location(key, index, kind, number)
                        yield _entry(value.rpartition("=")[2] if kind == "files" else value, directory, at)


def _path_entries(kustomization: Kustomization, directory: str):
    """Files named by a `path` key: replacements from a file, the openapi schema."""
    replacements = kustomization.data.get("replacements")
    for index, replacement in enumerate(replacements if isinstance(replacements, Sequence) else ()):
        if isinstance(replacement, Mapping) and isinstance(replacement.get("path"), str):
            yield _entry(replacement["path"], directory, kustomization.location("replacements", index, "path"))
    openapi = kustomization.data.get("openapi")
    if isinstance(openapi, Mapping) and isinstance(openapi.get("path"), str):
        yield _entry(openapi["path"], directory, kustomization.location("openapi", "path"))


def _patches(kustomization: Kustomization, directory: str, files: SourceFiles):
    """Patches in kustomize's order: patchesStrategicMerge, patches, then patchesJson6902
    (configureBuiltinTransformers in api/internal/target/kusttarget_configplugin.go)."""
    data = kustomization.data
    merge = data.get("patchesStrategicMerge")
    for index, item in enumerate(merge if isinstance(merge, Sequence) else ()):
        if isinstance(item, str):
            yield from _patch(kustomization, directory, files, ("patchesStrategicMerge", index), item, None)
    for key in ("patches", "patchesJson6902"):
        items = data.get(key)
        for index, item in enumerate(items if isinstance(items, Sequence) else ()):
            if isinstance(item, str) and "\n" not in item:  # kustomize refuses this form, but it names a file
                kustomization.files.append(_entry(item, directory, kustomization.location(key, index)))
            if not isinstance(item, Mapping):
                continue
            target = item.get("target") if isinstance(item.get("target"), Mapping) else None
            for field_name in ("path", "patch"):
                if isinstance(item.get(field_name), str):
                    yield from _patch(kustomization, directory, files, (key, index, field_name), item[field_name],
                                      target, inline=field_name == "patch")
                    break


def _patch(kustomization: Kustomization, directory: str, files: SourceFiles, keys: tuple, text: str,
           target: Mapping | None, inline: bool = False):
    """One patch: a file (a strategic-merge entry that is not inline YAML names a file too)."""
    at = kustomization.location(*keys)
    key = keys[0]
    if not inline and "\n" not in text and not text.lstrip().startswith(("apiVersion", "kind", "-", "{", "[")):
        path = os.path.normpath(os.path.join(directory, text))
        kustomization.files.append(Entry(text, path, at))
        patch_file = files.get(path)
        if patch_file is not None:
            yield Patch(patch_file.documents, target, path, at, key=key)
        return
    from portlint import loader

    try:
        documents = [d for d in loader.parse_yaml(text) if d is not None]
    except Exception:  # noqa: BLE001 - a broken inline patch makes kustomize fail, and its message says why
        return
    line_offset, column_offset = _block_offset(kustomization.source, at)
    yield Patch(documents, target, kustomization.file, at, line_offset, column_offset, inline=True, key=key)


def _block_offset(source: Source, at: Location) -> tuple[int, int]:
    """How far an inline `patch: |` block's own lines and columns sit inside the kustomization."""
    line = source.line_text(at.line) or ""
    value = line.split(":", 1)[1].strip() if ":" in line else ""
    if not value.startswith(("|", ">")):
        return at.line - 1, at.column - 1  # a quoted one-line patch: its positions fall near the key
    following = source.line_text(at.line + 1) or ""
    return at.line, len(following) - len(following.lstrip(" "))
