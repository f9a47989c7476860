"""One `portlint check`: files → documents → clusters → findings. No terminal here; the CLI prints."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from portlint import builder, discovery, engine, fixes, input_stage, loader, parallel, similar, suppress, units
from portlint.findings import SEVERITY_RANK, Finding
from portlint.globs import PathFilter
from portlint.loader import Source
from portlint.model import Cluster
from portlint.progress import Progress
from portlint.settings import Settings

if TYPE_CHECKING:  # rendering is imported when the input has something to render (input_stage)
    from portlint import render


@dataclass
class Report:
    """What one check found, and what the reporters need to show it."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    objects: int = 0
    clusters: list[Cluster] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    suppressed: list = field(default_factory=list)  # (Finding, suppress.Suppression) silenced in the manifests
    seconds: float = 0.0  # wall time of the check (JUnit's `time`)
    inputs: list[input_stage.Inputs] = field(default_factory=list)  # per group: what was rendered, skipped, read raw
    rendered: list[render.Rendered] = field(default_factory=list)  # the rendered roots and charts
    render_seconds: float = 0.0  # wall time spent in kustomize and helm
    input_files: list[str] = field(default_factory=list)  # every file found ('-' for stdin): no output lands on one
    notes: list[str] = field(default_factory=list)  # what the CLI says on stderr about how the input was read
    loads: list = field(default_factory=list)  # each cluster's loader.LoadResult, for --fix's re-check (recheck.py)
    # each cluster's findings as the rules gave them (copies: stamping, suppression and fixes change those
    # reported), for a re-check to reuse those of the rules that read one object at a time
    checked: list = field(default_factory=list)

    def file_of(self, obj) -> str:
        """Where an object is written: its file, or for a rendered object the source file it came from
        (its own `file` is the rendered text's, which reporters should not show)."""
        rendered = next((r for r in self.rendered if r.name == obj.file), None)
        return rendered.source_of(obj.raw.line) if rendered is not None else obj.file

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def failed(self, fail_on: str) -> bool:
        threshold = SEVERITY_RANK[fail_on]
        return any(SEVERITY_RANK[f.severity] >= threshold for f in self.findings)


def cluster_groups(paths: list[str], settings: Settings) -> list[list[str]]:
    """Each PATH its own cluster with --cluster-per-path; otherwise all input is one cluster."""
    return [[p] for p in paths] if settings.cluster_per_path else [paths]


def check_paths(paths: list[str], settings: Settings, progress: Progress | None = None) -> Report:
    """`progress` hears how many files are read and objects checked (the CLI draws it on a terminal)."""
    progress = progress or Progress()
    started = time.perf_counter()
    report = Report()
    path_filter = PathFilter(settings.exclude, settings.base_dir, settings.gitignore)  # globs compiled once
    # the input stage: paths → kustomization roots and Helm charts to render, and the raw files
    groups = cluster_groups(paths, settings)
    found = [_files(group, path_filter, settings.roots or paths) for group in groups]
    session = _session(settings) if any(input_stage.may_render(files.files) for files in found) else None
    plans = [(group, session.plan(files.files, group) if session else input_stage.Inputs(raw_files=list(files.files)))
             for group, files in zip(groups, found)]
    progress.reading(sum(len(inputs.raw_files) for _group, inputs in plans))
    if session:
        session.build([inputs for _group, inputs in plans])  # every group's roots at once, in parallel
    for (group, inputs), files in zip(plans, found):
        report.inputs.append(inputs)
        loaded = parallel.load_files(inputs.raw_files, settings.namespace)
        _note_inputs(files, loaded, report)
        _name_stdin(loaded, settings.stdin_filename)
        progress.checking(len(loaded.documents))
        _check_loaded(loaded, settings, report)
        for rendered in session.render_all(inputs, group) if session else ():
            _check_rendered(rendered, settings, report)
        report.files += sum(len(unit.inputs) for unit in inputs.roots + inputs.charts if unit.status == "rendered")
        report.findings += inputs.findings
    report.render_seconds = session.seconds if session else 0.0
    _finish(report, settings)
    report.seconds = time.perf_counter() - started
    return report


def _session(settings: Settings) -> render.Session:
    from portlint import render

    return render.Session(settings.render, settings.kustomize_binary, settings.helm_binary, settings.helm_values,
                          settings.namespace)


def _finish(report: Report, settings: Settings) -> None:
    """Findings moved from rendered text to their sources, stamped, suppressed and sorted."""
    _relocate(report)
    fixes.only_at_source(report.findings)
    report.findings = engine.stamp(report.findings, settings)
    suppress.apply(report, settings)
    _relocate(report)  # what suppression added
    report.findings.sort(key=Finding.sort_key)


def _relocate(report: Report) -> None:
    """render.relocate: what was found in rendered text, or in `helm template` output read raw, points at
    its source. Without a finding or a suppression there is nothing to move (nor to import)."""
    if report.findings or report.suppressed:
        from portlint import render

        render.relocate(report.findings, report.suppressed, report.rendered, report.sources)


def units_of_paths(paths: list[str], settings: Settings) -> list[tuple[Cluster, render.Inputs]]:
    """For `--show-units`: each check group's raw files as a cluster with its apply units, and the group's
    input stage (the kustomization roots and charts rendered as clusters of their own, the files skipped).
    Nothing is rendered and no rule runs."""
    groups = []
    session = _session(settings)
    path_filter = PathFilter(settings.exclude, settings.base_dir, settings.gitignore)
    for group in cluster_groups(paths, settings):
        inputs = session.plan(_files(group, path_filter, settings.roots or paths).files, group)
        loaded = parallel.load_files(inputs.raw_files, settings.namespace)
        cluster, _invalid = builder.build_cluster(loaded.documents, settings.namespace)
        cluster.set_units(units.infer(cluster, list(loaded.sources), settings))
        groups.append((cluster, inputs))
    return groups


def _files(paths: list[str], path_filter: PathFilter, roots: list[str]) -> discovery.Discovered:
    """The files to read: `exclude` globs and .gitignore prune the directory walk, never a file named explicitly."""
    return discovery.explore(paths, path_filter.skips if path_filter else None, roots)


def _note_inputs(found: discovery.Discovered, loaded: loader.LoadResult, report: Report) -> None:
    """Directories that could not be listed are findings; links out of the checked paths and links to
    directories are said on stderr, and the files outside never have their lines printed."""
    loaded.findings += found.unreadable
    report.input_files += found.files
    report.notes += loaded.notes
    for path in found.hidden:
        if path in loaded.sources:
            loaded.sources[path].outside = True
    report.notes += _listed(f"{path} is a symbolic link to {target}, outside the checked paths: checked, but its "
                            "lines are not shown" for path, target in found.outside.items())
    report.notes += _listed(f"{path} is a symbolic link to a directory: not followed (name its target to check it)"
                            for path in found.unfollowed)


def _listed(notes, most: int = 10) -> list[str]:
    notes = list(notes)
    if len(notes) <= most:
        return notes
    return notes[:most] + [f"... and {len(notes) - most} more like it"]


def _name_stdin(loaded: loader.LoadResult, name: str | None) -> None:
    """--stdin-filename: what was read from stdin carries that name."""
    source = loaded.sources.pop("<stdin>", None) if name else None
    if source is None:
        return
    source.path = name
    loaded.sources[name] = source
    for finding in loaded.findings:
        if finding.file == "<stdin>":
            finding.file = name


def check_text(text: str, settings: Settings | None = None, path: str = "<string>") -> Report:
    """Check one YAML text as a whole cluster: for tests and the catalog examples."""
    settings = settings or Settings()
    report = Report()
    _check_loaded(loader.load_text(text, path), settings, report)
    _relocate(report)
    report.findings = engine.stamp(report.findings, settings)
    suppress.apply(report, settings)
    return report


def _check_rendered(rendered: render.Rendered, settings: Settings, report: Report) -> None:
    """A rendered root is its own cluster (overlays are environments); its findings are moved to the
    sources afterwards, when the whole report is in."""
    loaded = loader.load_text(rendered.text, rendered.name)
    loaded.files = 0  # the files it was rendered from are counted, not the rendered text
    rendered.attach(loaded.documents)
    report.rendered.append(rendered)
    _check_loaded(loaded, settings, report)


def _check_loaded(loaded: loader.LoadResult, settings: Settings, report: Report, model=None, run_checks=None) -> None:
    """`model(loaded, settings)` gives the cluster (default: `model_of`) and `run_checks(cluster, settings)` the
    findings of the rules (default: engine.run_checks): a re-check reuses what it can (recheck.py)."""
    cluster, invalid = (model or model_of)(loaded, settings)
    report.files += loaded.files
    report.objects += cluster.manifest_count
    checked = (run_checks or engine.run_checks)(cluster, settings)
    report.checked.append([copy_finding(finding) for finding in checked])
    fixes.propose(checked, cluster)
    report.findings += loaded.findings + invalid + checked
    report.clusters.append(cluster)
    report.sources.update(loaded.sources)
    report.loads.append(loaded)


def copy_finding(finding: Finding) -> Finding:
    """A finding that the changes later made to `finding` (severity, suppression, relocation, fix) leave alone."""
    return finding.copy()


def model_of(loaded: loader.LoadResult, settings: Settings) -> tuple[Cluster, list[Finding]]:
    """The cluster of what was read, with its apply units, and the findings of its invalid manifests."""
    cluster, invalid = builder.build_cluster(loaded.documents, settings.namespace)
    cluster.keeps_answers = settings.rechecks
    similar.keep_indexes(settings.rechecks)
    cluster.set_units(units.infer(cluster, list(loaded.sources), settings))
    return cluster, invalid
