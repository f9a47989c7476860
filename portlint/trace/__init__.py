"""`portlint trace`: follow a request through the manifests, hop by hop, and show where the chain breaks.

The checks are not repeated here: the manifests are checked as by `portlint check`, and each hop
is judged by the findings the engine reported on the fields it depends on.
"""

from __future__ import annotations

from dataclasses import replace

from portlint.run import check_paths
from portlint.settings import Settings
from portlint.trace.hops import Entry, Hop, Trace, TracePath
from portlint.trace.tracer import Tracer
from portlint.trace.targets import (
    ACCEPTED_FORMS,
    AllTarget,
    Target,
    TargetError,
    UrlTarget,
    parse_target,
    with_request,
)

UNREADABLE_RULES = ("yaml-syntax-error", "manifest-invalid")

__all__ = ["ACCEPTED_FORMS", "AllTarget", "Entry", "Hop", "Target", "TargetError", "Trace", "TracePath",
           "Tracer", "UrlTarget", "parse_target", "trace_paths", "with_request"]


def trace_paths(target: Target, paths: list[str], settings: Settings | None = None) -> Trace:
    """Trace `target` through the manifests under `paths`, read as one cluster."""
    settings = settings or Settings()
    # one cluster, read as written: trace follows the raw manifests (rendered roots are clusters of their own)
    report = check_paths(paths, replace(settings, cluster_per_path=False, render=False))
    cluster = report.clusters[0]
    tracer = Tracer(cluster, report.findings, settings.namespace)
    unreadable = [f for f in report.findings if f.rule in UNREADABLE_RULES]
    return Trace(target.text, tracer.entries(target), unreadable)
