"""One `portlint check`: files → documents → clusters → findings. No terminal here; the CLI prints."""

from __future__ import annotations

from dataclasses import dataclass, field

from portlint import builder, engine, loader, parallel, suppress
from portlint.findings import SEVERITY_RANK, Finding
from portlint.loader import Source
from portlint.model import Cluster
from portlint.settings import Settings


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    objects: int = 0
    clusters: list[Cluster] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    suppressed: list = field(default_factory=list)  # (Finding, suppress.Suppression) silenced in the manifests

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def failed(self, fail_on: str) -> bool:
        threshold = SEVERITY_RANK[fail_on]
        return any(SEVERITY_RANK[f.severity] >= threshold for f in self.findings)


def cluster_groups(paths: list[str], settings: Settings) -> list[list[str]]:
    """Each PATH its own cluster with --cluster-per-path; otherwise all input is one cluster."""
    return [[p] for p in paths] if settings.cluster_per_path else [paths]


def check_paths(paths: list[str], settings: Settings) -> Report:
    report = Report()
    for group in cluster_groups(paths, settings):
        loaded = parallel.load_files(_files(group, settings), settings.namespace)
        _check_loaded(loaded, settings, report)
    report.findings = engine.stamp(report.findings, settings)
    suppress.apply(report, settings)
    return report


def _files(paths: list[str], settings: Settings) -> list[str]:
    """The files to read: `exclude` globs skip files found in directories, never a file named explicitly."""
    files, _missing = loader.discover(paths)
    named = set(paths)
    return [f for f in files if f in named or not settings.excludes(f)] if settings.exclude else files


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
