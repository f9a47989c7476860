"""The input stage: the files found under the PATH arguments → kustomization roots, Helm charts, raw files.

- A *kustomization root* is a directory with a kustomization file that no other kustomization in the
  input uses as a resource, base or component; a `kind: Component` is never one. Each is rendered and
  checked as its own cluster, and every file its build reads is not read raw.
- A *Helm chart* is a directory with `Chart.yaml`; its `Chart.yaml`, values files, `templates/` and
  `charts/` are chart sources, never manifests (`crds/` holds plain manifests and stays raw).
- A YAML file in a kustomization's directory (or in a directory it takes files from) that no
  kustomization lists is applied by no build: it is not read, and when it holds manifests the
  `kustomize-file-unused` finding says so. So is a component that nothing in the input includes.
- Everything else is a *raw file*, handed on unchanged to the apply-unit partitioning.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from portlint import loader, schema
from portlint.findings import Finding
from portlint.input_stage import CHART_FILE, CHART_TEMPLATES, Inputs, Skipped
import portlint.render.kustomization as kz
from portlint.render.kustomization import Entry, Kustomization, Location
from portlint.render.sources import SourceFiles

CHART_SOURCE_DIRS = (CHART_TEMPLATES, "charts")


@dataclass
class KustomizeRoot:
    """A kustomization that no other one in the input includes: rendered and checked as a cluster of its own."""

    kustomization: Kustomization
    shown: str  # the root directory as the user sees it (relative to where portlint runs, or absolute)
    absolute: bool  # whether paths are shown absolute (the PATH argument was)
    tree: dict[str, Kustomization] = field(default_factory=dict)  # every kustomization of the build, by directory
    files: set[str] = field(default_factory=set)  # every file the build reads (absolute)
    remote: list[Entry] = field(default_factory=list)  # remote references (they cannot be fetched offline)
    status: str = "pending"  # rendered | failed | not-rendered
    objects: int = 0
    inputs: list[str] = field(default_factory=list)  # the input files its build reads (they are not read raw)

    @property
    def directory(self) -> str:
        return self.kustomization.directory

    def show(self, path: str) -> str:
        return show(path, self.absolute)


@dataclass
class Chart:
    """A Helm chart directory: rendered with `helm template` and checked as a cluster of its own."""

    directory: str  # absolute
    shown: str
    absolute: bool
    name: str
    status: str = "pending"  # rendered | failed | not-rendered
    objects: int = 0
    inputs: list[str] = field(default_factory=list)  # the input files that are its sources

    def show(self, path: str) -> str:
        return show(path, self.absolute)

    def show_file(self, name: str) -> str:
        return self.show(os.path.join(self.directory, name))


def show(path: str, absolute: bool) -> str:
    if absolute:
        return path
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path


def plan(files: list[str], paths: list[str], files_cache: SourceFiles, render: bool = True) -> Inputs:
    """Split `files` (found under `paths`) into what is rendered, what is skipped and what is read raw.

    With `render` false (turned off, or no kustomize binary) the kustomize trees are read raw, as
    before rendering existed, except the files that kustomizations apply as patches: those are
    fragments, not manifests. The roots are still found, so that a finding can say they were not rendered.
    """
    inputs = Inputs()
    real = {f: os.path.abspath(f) for f in files if f != loader.STDIN}
    chart_dirs = [c.directory for c in _charts(files, real, inputs)]
    kustomizations = _kustomizations(files, real, files_cache, chart_dirs)
    used = _referenced(kustomizations)
    owned: dict[str, str] = {}  # absolute file → why it is not read raw
    owner: dict[str, KustomizeRoot] = {}
    for directory, k in kustomizations.items():
        if k.is_component or directory in used:
            continue
        given = _file_of(k, files, real)
        root = KustomizeRoot(k, show(directory, os.path.isabs(given)), os.path.isabs(given),
                             status="pending" if render else "not-rendered")
        _walk_tree(root, directory, files_cache, set())
        root.tree.setdefault(directory, k)
        inputs.roots.append(root)
        for path in root.files | {t.file for t in root.tree.values()}:
            owned.setdefault(path, f"read by the kustomize build of {root.shown}")
            owner.setdefault(path, root)
    _unused_components(kustomizations, used, inputs, files, real, owned)
    if not render:
        owned = {p: "applied as a kustomize patch" for p in owned if _is_patch_file(p, kustomizations)}
    listed = {path for k in kustomizations.values() for path in _listed(k)}
    listed |= {k.file for k in kustomizations.values()}
    territory = _territory(kustomizations)
    for path in files:
        full = real.get(path)
        if full is None:
            inputs.raw_files.append(path)
        elif any(_inside(full, d) for d in chart_dirs) and _is_chart_source(full, chart_dirs):
            inputs.skipped.append(Skipped(path, "a Helm chart's source"))
            _nearest_chart(full, inputs.charts).inputs.append(path)
        elif full in owned:
            inputs.skipped.append(Skipped(path, owned[full]))
            if full in owner:
                owner[full].inputs.append(path)
        elif full not in listed and os.path.dirname(full) in territory:
            _unlisted(path, territory[os.path.dirname(full)], inputs)
        else:
            inputs.raw_files.append(path)
    return inputs


def _file_of(k: Kustomization, files: list[str], real: dict[str, str]) -> str:
    return next(f for f in files if real.get(f) == k.file)


def _inside(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def _charts(files: list[str], real: dict[str, str], inputs: Inputs) -> list[Chart]:
    """Chart directories: a `Chart.yaml` in the input, or above a template named on its own. A subchart
    (under a chart's charts/) is part of its parent, not a chart of its own."""
    found = {(os.path.dirname(real[p]), p) for p in files if os.path.basename(p) == CHART_FILE and p in real}
    for path in files:
        if path in real and CHART_TEMPLATES in path.split(os.sep)[:-1]:
            chart = _chart_above(path)
            if chart is not None:
                found.add((os.path.dirname(os.path.abspath(chart)), chart))
    found = sorted(found)
    for directory, path in found:
        if any(_inside(directory, c.directory) for c in inputs.charts):
            continue
        inputs.charts.append(Chart(directory, show(directory, os.path.isabs(path)), os.path.isabs(path),
                                       _chart_name(path) or os.path.basename(directory)))
    return inputs.charts


def _chart_above(path: str) -> str | None:
    """The Chart.yaml of the chart whose templates/ holds `path` (spelled relative as `path` is)."""
    directory = os.path.dirname(path)
    while directory:
        if os.path.basename(directory) == CHART_TEMPLATES:
            candidate = os.path.join(os.path.dirname(directory), CHART_FILE)
            if os.path.isfile(candidate):
                return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent
    return None


def _chart_name(path: str) -> str | None:
    try:
        documents = loader.load_files([path]).documents
    except OSError:
        return None
    name = documents[0].data.get("name") if documents else None
    return name if isinstance(name, str) else None


def _nearest_chart(path: str, charts: list[Chart]) -> Chart:
    return max((c for c in charts if _inside(path, c.directory)), key=lambda c: len(c.directory))


def _is_chart_source(path: str, chart_dirs: list[str]) -> bool:
    """Chart.yaml, values*.yaml, templates/ and charts/ (subcharts) of the nearest chart."""
    chart = max((d for d in chart_dirs if _inside(path, d)), key=len)
    inner = os.path.relpath(path, chart).split(os.sep)
    name = inner[-1]
    return (len(inner) == 1 and (name == CHART_FILE or name.startswith("values"))
            or inner[0] in CHART_SOURCE_DIRS or name.startswith("values") and name.endswith((".yaml", ".yml")))


def _kustomizations(files: list[str], real: dict[str, str], files_cache: SourceFiles,
                    chart_dirs: list[str]) -> dict[str, Kustomization]:
    found: dict[str, Kustomization] = {}
    for path in files:
        full = real.get(path)
        if full is None or os.path.basename(full) not in kz.FILE_NAMES:
            continue
        if any(_inside(full, d) for d in chart_dirs):
            continue
        k = kz.read(full, files_cache)
        if k is None:
            k = Kustomization(full, loader.Mapping(), files_cache.get(full).source if files_cache.get(full)
                              else loader.Source(full))
        found.setdefault(os.path.dirname(full), k)
    return found


def _referenced(kustomizations: dict[str, Kustomization]) -> set[str]:
    """Directories that a kustomization of the input uses as a resource, base or component."""
    used = set()
    for k in kustomizations.values():
        for entry in k.resources + k.components:
            if entry.path and entry.path in kustomizations and entry.path != k.directory:
                used.add(entry.path)
    return used


def _walk_tree(root: KustomizeRoot, directory: str, files_cache: SourceFiles, seen: set[str]) -> None:
    """Every kustomization the build of `root` reaches, and every file it reads."""
    if directory in seen:
        return
    seen.add(directory)
    path = kz.find_file(directory)
    k = kz.read(path, files_cache) if path else None
    if k is None:
        return
    root.tree[directory] = k
    for entry in k.resources + k.components + k.files:
        if entry.remote:
            root.remote.append(entry)
        elif os.path.isdir(entry.path):
            _walk_tree(root, entry.path, files_cache, seen)
        elif _inside(entry.path, k.directory):  # kustomize refuses files outside the kustomization's directory
            root.files.add(entry.path)


def _listed(k: Kustomization) -> list[str]:
    return [e.path for e in k.resources + k.components + k.files if e.path]


def _territory(kustomizations: dict[str, Kustomization]) -> dict[str, Kustomization]:
    """Directories whose YAML files belong to a kustomization: its own, and those it takes files from."""
    territory: dict[str, Kustomization] = {}
    for directory, k in kustomizations.items():
        territory.setdefault(directory, k)
        for path in _listed(k):
            parent = os.path.dirname(path)
            while _inside(parent, directory) and parent != directory and not os.path.isdir(path):
                territory.setdefault(parent, k)
                parent = os.path.dirname(parent)
    return territory


def _is_patch_file(path: str, kustomizations: dict[str, Kustomization]) -> bool:
    return any(p.file == path and not p.inline and _inside(path, k.directory)
               for k in kustomizations.values() for p in k.patches)


def _unlisted(path: str, k: Kustomization, inputs: Inputs) -> None:
    """A file no kustomization lists, in a directory whose files a kustomization applies."""
    loaded = loader.load_files([path])
    manifests = [d for d in loaded.documents if schema.is_manifest(d.data)]
    inputs.skipped.append(Skipped(path, "in a kustomization's directory, listed by none"))
    if not manifests:
        return
    inputs.findings.append(Finding(
        "kustomize-file-unused",
        f"no kustomization lists this file, so no kustomize build applies its {len(manifests)} "
        f"manifest{'s' if len(manifests) != 1 else ''}; it is not checked",
        f"add it to the resources of {show(k.file, os.path.isabs(path))}, or delete it if it is left over",
        file=path, line=manifests[0].data.line, column=1))


def _unused_components(kustomizations: dict[str, Kustomization], used: set[str], inputs: Inputs,
                       files: list[str], real: dict[str, str], owned: dict[str, str]) -> None:
    """A component that nothing in the input includes: its files patch what includes it, so they are not
    manifests on their own, and nothing renders them."""
    for directory, k in kustomizations.items():
        if not k.is_component or directory in used:
            continue
        shown = _file_of(k, files, real)
        for entry in k.resources + k.components + k.files:
            if entry.path:
                owned.setdefault(entry.path, f"part of the component {os.path.dirname(shown)}, which no "
                                             f"kustomization in the input includes")
        owned.setdefault(k.file, "a component that no kustomization in the input includes")
        inputs.findings.append(Finding(
            "kustomize-file-unused",
            "this component is included by no kustomization in the input, so nothing renders it and its "
            "resources and patches are not checked",
            "check a kustomization that lists it under `components:` (kustomize cannot build a component "
            "on its own)", file=shown, line=k.data.line if k.data else 1, column=1))


def outside_references(root: KustomizeRoot, paths: list[str]) -> list[Finding]:
    """`kustomize-outside-input`: entries of the build that lead outside the checked paths."""
    checked = [os.path.abspath(p) for p in paths if p != loader.STDIN]
    findings, seen = [], set()
    for k in root.tree.values():
        if not any(_inside(k.file, c) for c in checked):
            continue  # only the edge that leaves the input is reported, not every file beyond it
        for entry in k.resources + k.components + k.files:
            if entry.path and not any(_inside(entry.path, c) for c in checked) and entry.at not in seen:
                seen.add(entry.at)
                findings.append(_outside_finding(root, k, entry))
    return findings


def _outside_finding(root: KustomizeRoot, k: Kustomization, entry: Entry) -> Finding:
    what = "directory" if os.path.isdir(entry.path) else "file"
    return Finding(
        "kustomize-outside-input",
        f"the kustomize build of {root.shown} reads the {what} {entry.text}, which is outside the checked paths "
        f"({root.show(entry.path)}); it is read, and findings in it are reported",
        "check a path that contains it too, or keep the build inside what you check",
        file=root.show(k.file), line=entry.at.line, column=entry.at.column)


def locate_entry(root: KustomizeRoot, message: str) -> Location | None:
    """Where the build lists the entry that kustomize's error message names first (quoted, or in
    parentheses or brackets, as written or as a full path), if it names one."""
    best: tuple[int, Location] | None = None
    for k in root.tree.values():
        for entry in k.resources + k.components + k.files:
            for name in {entry.text, entry.path, os.path.realpath(entry.path) if entry.path else ""} - {""}:
                for form in (f"'{name}'", f"({name})", f"[{name}]"):
                    index = message.find(form)
                    if index >= 0 and (best is None or index < best[0]):
                        best = (index, entry.at)
    return best[1] if best else None
