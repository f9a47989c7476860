"""`portlint trace`: follow a request through the manifests, hop by hop, and show where the chain breaks.

The checks are not repeated here: the manifests are checked as by `portlint check`, and each hop
is judged by the findings the engine reported on the fields it depends on.
"""

from __future__ import annotations

from dataclasses import replace

from portlint.run import check_paths
from portlint.settings import Settings
from portlint.trace.environments import environments, relocate_hops
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
    """Trace `target` through the manifests under `paths`, sent from `source` (--from): in the raw files,
    read as one cluster, and in each kustomization root and chart, rendered as `portlint check` renders
    them (each an environment of its own)."""
    settings = settings or Settings()
    report = check_paths(paths, replace(settings, cluster_per_path=False))
    rendered = frozenset(r.name for r in report.rendered)
    by_environment: dict[str | None, list] = {}
    for finding in report.findings:
        by_environment.setdefault(finding.rendered_from if finding.rendered_from in rendered else None,
                                  []).append(finding)
    traced: list[Entry] = []
    no_source: SourceError | None = None
    for environment in environments(report.clusters, report.rendered):
        try:
            peer = resolve_source(source, environment.cluster, settings.namespace) if source else None
        except SourceError as error:  # --from names a workload this environment does not hold
            no_source = no_source or error
            continue
        tracer = Tracer(environment.cluster, by_environment.get(environment.name, []), settings.namespace, peer,
                        settings.ingress_controller_pods, settings.gateway_controller_pods, rendered)
        entries = tracer.entries(target)
        if environment.rendered is not None:
            relocate_hops(entries, environment.rendered, report.sources)
        traced += [entry.render_from(environment.name) for entry in entries]
    if not traced and no_source is not None:
        raise no_source
    unreadable = [f for f in report.findings if f.rule in UNREADABLE_RULES]
    return Trace(target.text, _held(traced), unreadable)


def _held(entries: list[Entry]) -> list[Entry]:
    """The entries of the environments that hold the target; when none does, each environment's miss
    (each says what it holds instead)."""
    return [entry for entry in entries if entry.found] or entries
