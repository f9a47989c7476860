"""One `portlint check`: files → documents → clusters → findings. No terminal here; the CLI prints."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from portlint import builder, engine, loader, parallel, suppress
from portlint.findings import SEVERITY_RANK, Finding
from portlint.globs import PathFilter
from portlint.loader import Source
from portlint.model import Cluster
from portlint.progress import Progress
from portlint.settings import Settings


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    objects: int = 0
    clusters: list[Cluster] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    suppressed: list = field(default_factory=list)  # (Finding, suppress.Suppression) silenced in the manifests
    seconds: float = 0.0  # wall time of the check (JUnit's `time`)

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
    groups = [_files(group, path_filter) for group in cluster_groups(paths, settings)]
    progress.reading(sum(map(len, groups)))
    for files in groups:
        loaded = parallel.load_files(files, settings.namespace)
        progress.checking(len(loaded.documents))
        _check_loaded(loaded, settings, report)
    report.findings = engine.stamp(report.findings, settings)
    suppress.apply(report, settings)
    report.seconds = time.perf_counter() - started
    return report


def _files(paths: list[str], path_filter: PathFilter) -> list[str]:
    """The files to read: `exclude` globs and .gitignore prune the directory walk, never a file named explicitly."""
    files, _missing = loader.discover(paths, path_filter.skips if path_filter else None)
    return files


def check_text(text: str, settings: Settings | None = None, path: str = "<string>") -> Report:
    """Check one YAML text as a whole cluster: for tests and the catalog examples."""
    settings = settings or Settings()
    report = Report()
    _check_loaded(loader.load_text(text, path), settings, report)
    report.findings = engine.stamp(report.findings, settings)
    suppress.apply(report, settings)
    return report


def _check_loaded(loaded: loader.LoadResult, settings: Settings, report: Report) -> None:
    cluster, invalid = builder.build_cluster(loaded.documents, settings.namespace)
    report.files += loaded.files
    report.objects += cluster.manifest_count
    report.findings += loaded.findings + invalid + engine.run_checks(cluster, settings)
    report.clusters.append(cluster)
    report.sources.update(loaded.sources)
