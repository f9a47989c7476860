"""The clusters a trace runs in, as `portlint check` checks them: the raw files as one cluster, and
each rendered kustomization root or Helm chart as a cluster of its own (overlays are environments).

A rendered cluster's objects carry the rendered text's name and lines; its findings were already
moved to their sources (render.relocate), so the hops' FindingIndex looks them up by the root they
were rendered from. What a hop shows (file:line) is moved to the source here, once it is traced.
"""

from __future__ import annotations

from dataclasses import dataclass

from portlint.loader import Source
from portlint.model import Cluster
from portlint.render import Rendered
from portlint.trace.hops import Entry


# hops about an object, not one of its fields, shown where the object is written: the workload hop,
# placed at metadata.name in the rendered text (which a namePrefix rewrites: the kustomization's line
# would say where the name comes from), is where the Service's targetPort meets the pods' ports, so
# it points at the outermost patch that changed the workload's ports, else at the object's source
OBJECT_HOPS = {"workload": ("ports",)}


@dataclass
class Environment:
    cluster: Cluster
    rendered: Rendered | None = None  # None: the raw files

    @property
    def name(self) -> str | None:
        return self.rendered.name if self.rendered is not None else None


@dataclass
class _Position:
    """What Rendered.relocate_position moves: a place in the rendered text (a key, or an object's start)."""

    file: str
    line: int
    column: int
    field_path: str = ""


def environments(clusters: list[Cluster], rendered: list[Rendered]) -> list[Environment]:
    """The clusters that hold objects, each with the root it was rendered from (found by its objects'
    file, the rendered text's name). With none, the first cluster, empty: the trace says what is missing."""
    by_name = {r.name: r for r in rendered}
    found = [Environment(c, by_name.get(c.objects[0].file)) for c in clusters if c.objects]
    return found or [Environment(clusters[0])]


def relocate_hops(entries: list[Entry], rendered: Rendered, sources: dict[str, Source]) -> None:
    """Each hop's file:line in the rendered text → the source file and line that wrote it (the patch
    that set the field, as findings point), never a line of the rendered text."""
    for entry in entries:
        for path in entry.paths:
            for hop in path.hops:
                if hop.file != rendered.name or not hop.line:
                    continue  # not this root's, or moved already (a hop shared by two paths)
                placed = (rendered.object_position(hop.obj.raw.line, OBJECT_HOPS[hop.type])
                          if hop.type in OBJECT_HOPS and hop.obj is not None else None)
                if placed is None:
                    at = _Position(hop.file, hop.line, hop.column or 1)
                    rendered.relocate_position(at, sources)
                    placed = at.file, at.line, at.column
                hop.file, hop.line, hop.column = placed
