"""Gateway API fix: a Service backendRef whose port is the container's side of exactly one Service
port (its targetPort, the containerPort it reaches, or its nodePort) gets that Service port."""

from __future__ import annotations

from portlint.findings import Finding
from portlint.fixes import fixer
from portlint.fixes.fixers.ingress import meant_service_port
from portlint.fixes.model import Fix, ReplaceValue
from portlint.fixes.subjects import Subjects, node_at
from portlint.model import Route


@fixer("route-backend-port-unmatched")
def backend_ref_port(finding: Finding, subjects: Subjects) -> Fix | None:
    route = subjects.object(finding, Route)
    backend = node_at((b for _, b in route.backend_refs()), finding.field_path, "port") if route else None
    if backend is None or backend.port is None:
        return None  # a missing port: adding one is not a single-value change
    definitions = subjects.cluster.service_definitions(backend.namespace, backend.name)
    proposals = [meant_service_port(subjects.cluster, service, backend.port, "a backendRef") for service in definitions]
    if not proposals or None in proposals or len({answer for answer, _ in proposals}) != 1:
        return None
    answer, why = proposals[0]
    edit = ReplaceValue.at(route.file, backend.raw, "port", answer)
    return edit and Fix(True, f"set the backendRef's port to {answer}: {why}", (edit,), (backend.json_path,))
