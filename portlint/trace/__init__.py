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
from portlint.trace.sources import SOURCE_FORMS, SourceError, SourceSpec, parse_source, resolve_source
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

__all__ = ["ACCEPTED_FORMS", "AllTarget", "Entry", "Hop", "SOURCE_FORMS", "SourceError", "SourceSpec", "Target",
           "TargetError", "Trace", "TracePath", "Tracer", "UrlTarget", "parse_source", "parse_target", "trace_paths",
           "with_request"]


def trace_paths(target: Target, paths: list[str], settings: Settings | None = None,
                source: SourceSpec | None = None) -> Trace:
    """Trace `target` through the manifests under `paths`, read as one cluster, sent from `source` (--from)."""
    settings = settings or Settings()
    # one cluster, read as written: trace follows the raw manifests (rendered roots are clusters of their own)
    report = check_paths(paths, replace(settings, cluster_per_path=False, render=False))
    cluster = report.clusters[0]
    peer = resolve_source(source, cluster, settings.namespace) if source else None
    tracer = Tracer(cluster, report.findings, settings.namespace, peer, settings.ingress_controller_pods,
                    settings.gateway_controller_pods)
    unreadable = [f for f in report.findings if f.rule in UNREADABLE_RULES]
    return Trace(target.text, tracer.entries(target), unreadable)
