"""Rendering: kustomize roots and Helm charts are checked as what they render to, and every finding
points back at the file and line to change.

    inputs.py        the input stage: PATH files → kustomization roots, Helm charts, raw files, skipped files
    sources.py       the files a render reads, each read once per run with positions
    kustomization.py one kustomization file with positions: its entries, patches and transformers
    kustomize.py     running `kustomize build` / `kubectl kustomize` in a temporary wrapper, in parallel
    paths.py         field paths of rendered objects; finding a field in a source file by merge key
    origin.py        which file or patch gave a rendered field its value, through the layers of a build
    transformers.py  which transformer (namespace, namePrefix, labels, replicas, ...) wrote a field
    helm.py          `# Source:` comments of `helm template` output; chart directories

A run creates one Session: it plans each group of paths, renders the roots (each once) and relocates
the findings of rendered objects from the rendered text to their sources.
"""

from __future__ import annotations

import os
import re
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from portlint.findings import Finding, Related
from portlint.loader import Document, Source
from portlint.render import helm, kustomize
from portlint.render.inputs import Chart, Inputs, KustomizeRoot, Skipped, locate_entry, outside_references, plan
from portlint.render.kustomization import Location
from portlint.render.sources import SourceFiles

if TYPE_CHECKING:  # what relocates findings through a build is imported once a root is rendered
    from portlint.render.origin import Tracer
    from portlint.render.paths import Step

__all__ = ["Chart", "Inputs", "KustomizeRoot", "Rendered", "Session", "Skipped", "relocate"]

ORIGIN_ANNOTATION = "config.kubernetes.io/origin"


class Session:
    """One run's rendering: the files it read and the builds it made, each done once."""

    def __init__(self, render: bool = True, kustomize_binary: str | None = None, helm_binary: str | None = None,
                 helm_values: tuple[str, ...] | list[str] = (), namespace: str = "default") -> None:
        self.render = render
        self.files = SourceFiles()
        self.kustomize_choice = kustomize_binary
        self.command = kustomize.command(kustomize_binary) if render else None
        self.builder = kustomize.Builder(self.command) if self.command else None
        self.helm_choice = helm_binary
        self.helm = helm.binary(helm_binary) if render else None
        self.helm_values = list(helm_values)
        self.namespace = namespace
        self.seconds = 0.0  # time spent in kustomize and helm, for the benchmark

    def plan(self, files: list[str], paths: list[str]) -> Inputs:
        """The input stage for one group of paths (the files found under them)."""
        inputs = plan(files, paths, self.files, render=self.builder is not None)
        if self.render and self.builder is None:
            inputs.findings += [self._not_rendered(root) for root in inputs.roots]
        for chart in inputs.charts:
            if self.helm is None:
                chart.status = "not-rendered"
                why = ("rendering is turned off" if not self.render else
                       f"the configured helm binary {self.helm_choice!r} is not found" if self.helm_choice else
                       "helm is not on PATH")
                inputs.findings.append(helm.not_rendered(chart, why))
        return inputs

    def build(self, plans: list[Inputs]) -> None:
        """Build the pending roots of several plans in one parallel batch (render_all then finds them built)."""
        directories = [root.directory for inputs in plans for root in inputs.roots if root.status == "pending"]
        if directories and self.builder is not None:
            started = time.perf_counter()
            self.builder.build_all(directories)
            self.seconds += time.perf_counter() - started

    def render_all(self, inputs: Inputs, paths: list[str]) -> list[Rendered]:
        """The rendered roots and charts of `inputs` (built now, unless `build` did); failures become
        findings on `inputs`."""
        rendered: list[Rendered] = []
        pending = [root for root in inputs.roots if root.status == "pending"]
        started = time.perf_counter()
        builds = self.builder.build_all([root.directory for root in pending]) if pending else {}
        self.seconds += time.perf_counter() - started
        for root in pending:
            build = builds[root.directory]
            if build.text is None:
                root.status = "failed"
                inputs.findings.append(_render_failed(root, build.error or ""))
                continue
            from portlint.render.origin import Tracer

            root.status = "rendered"
            inputs.findings += outside_references(root, paths)
            rendered.append(KustomizeOutput(root, build.text, Tracer(root.tree, root.kustomization, self.files),
                                            build.wrapper, self.files))
        for chart in inputs.charts:
            if chart.status == "pending" and self.helm:
                started = time.perf_counter()
                text, error = helm.template(chart, self.helm, self.helm_values, self.namespace)
                self.seconds += time.perf_counter() - started
                if text is None:
                    chart.status = "failed"
                    inputs.findings.append(Finding("render-failed", f"helm template failed for chart {chart.name}: "
                                                   f"{error}", "fix the chart (run `helm template` to see the "
                                                   "whole error)", file=chart.show_file("Chart.yaml")))
                    continue
                chart.status = "rendered"
                rendered.append(ChartOutput(chart, text))
        return rendered

    def _not_rendered(self, root: KustomizeRoot) -> Finding:
        root.status = "not-rendered"
        if self.kustomize_choice:
            why = f"the configured kustomize binary {self.kustomize_choice!r} is not found"
        else:
            why = "neither kustomize nor kubectl is on PATH"
        return Finding(
            "kustomize-not-rendered",
            f"the kustomization {root.shown} is not rendered ({why}): its files are read as they are written, "
            "without its patches, namePrefix, labels or namespace",
            "install kubectl or kustomize (or set `kustomize: {binary: ...}` in the config), or check the "
            f"rendered output: kubectl kustomize {root.shown} | portlint check -",
            file=root.show(root.kustomization.file), line=1, column=1)


def _render_failed(root: KustomizeRoot, message: str) -> Finding:
    at = _error_location(root, message)
    if not root.absolute:  # paths in the message shown as the finding's file is
        message = message.replace(os.getcwd() + os.sep, "")
    remote = [e.text for e in root.remote]
    offline = (f"; it references remote resources ({', '.join(remote[:3])}), which portlint cannot fetch: it "
               "renders offline" if remote else "")
    return Finding(
        "render-failed",
        f"kustomize cannot build {root.shown}: {message}{offline}",
        "fix the kustomization (run `kubectl kustomize` on it to see the same error); until it builds, "
        "nothing it renders is checked",
        file=root.show(at.file), line=at.line, column=at.column)


def _error_location(root: KustomizeRoot, message: str) -> Location:
    """The entry that kustomize's message names, else the root's kustomization file."""
    return locate_entry(root, message) or Location(root.kustomization.file, 1, 1)


@dataclass
class Rendered:
    """The text of one rendered root, checked as its own cluster."""

    name: str  # shown as `rendered_from`; also the path of the rendered text's Source
    text: str
    documents: list[Document] = field(default_factory=list)

    def attach(self, documents: list[Document]) -> None:
        self.documents = sorted(documents, key=lambda d: d.data.line)
        self._starts = [d.data.line for d in self.documents]

    def document_at(self, line: int) -> Document | None:
        index = bisect_right(getattr(self, "_starts", []), line) - 1
        return self.documents[index] if index >= 0 else None

    def steps(self, document: Document, field_path: str, line: int, column: int) -> list[Step]:
        from portlint.render import paths as fp

        return fp.parse(document.data, field_path) if field_path else fp.at(document.data, line, column)

    def relocate(self, finding: Finding, sources: dict[str, Source]) -> None:
        raise NotImplementedError

    def source_of(self, line: int) -> str:
        """The source file (as shown) of the rendered object that starts at `line`."""
        raise NotImplementedError

    def relocate_position(self, item, sources: dict[str, Source]) -> None:
        """A suppression (file, line, column, field_path) in the rendered text, moved to its source."""
        raise NotImplementedError

    def object_position(self, line: int, aspect: tuple[str, ...] = ()) -> tuple[str, int, int] | None:
        """Where the rendered object that starts at `line` is written (file as shown, line, column): for an
        `aspect` (its ports), the outermost patch that changed it, else the object in its source file."""
        raise NotImplementedError


class KustomizeOutput(Rendered):
    def __init__(self, root: KustomizeRoot, text: str, tracer: Tracer, wrapper: str, files: SourceFiles) -> None:
        super().__init__(root.shown, text)
        self.root, self.tracer, self.wrapper, self.files = root, tracer, wrapper, files
        self._origins: dict[int, object] = {}

    def attach(self, documents: list[Document]) -> None:
        super().attach(documents)
        self.root.objects = len(documents)

    def _origin(self, document: Document):
        key = id(document)
        if key not in self._origins:
            metadata = document.data.get("metadata")
            annotations = metadata.get("annotations") if hasattr(metadata, "get") else None
            annotation = annotations.get(ORIGIN_ANNOTATION) if hasattr(annotations, "get") else None
            self._origins[key] = self.tracer.origin(annotation, self.wrapper, document.data)
        return self._origins[key]

    def locate(self, document: Document, field_path: str, line: int = 0, column: int = 0) -> Location:
        """Where the field `field_path` of a rendered object got its value (the source's field, a patch's,
        a transformer's line in a kustomization)."""
        steps = self.steps(document, field_path, line, column)
        return self.tracer.locate(self._origin(document), document.data, steps)

    def _location(self, field_path: str, line: int, column: int, has_object: bool) -> Location:
        document = self.document_at(line)
        if document is None or not has_object:
            return Location(self.root.kustomization.file, 1, 1)
        return self.locate(document, field_path, line, column)

    def relocate(self, finding: Finding, sources: dict[str, Source]) -> None:
        at = self._location(finding.field_path, finding.line, finding.column, finding.object is not None)
        if finding.rule == "file-empty":
            finding.message = "the kustomization renders no object"
        finding.message = self._rewrite_positions(finding.message)
        finding.hint = self._rewrite_positions(finding.hint) if finding.hint else finding.hint
        self._move(finding, at, sources)
        finding.rendered_from = self.root.shown
        finding.related = [self._related(r, finding.field_path, sources) for r in finding.related]

    def relocate_position(self, item, sources: dict[str, Source]) -> None:
        self._move(item, self._location(item.field_path, item.line, item.column, True), sources)

    def source_of(self, line: int) -> str:
        return self.root.show(self._location("", line, 1, True).file)

    def object_position(self, line: int, aspect: tuple[str, ...] = ()) -> tuple[str, int, int] | None:
        document = self.document_at(line)
        if document is None:
            return None
        at = self.tracer.locate_object(self._origin(document), document.data, aspect)
        return self.root.show(at.file), at.line, at.column

    def _rewrite_positions(self, text: str) -> str:
        """`ROOT:LINE` written into a message (another object's place in the rendered text) → its source."""
        def source_of(match) -> str:
            document = self.document_at(int(match.group(1)))
            if document is None:
                return match.group(0)
            at = self.locate(document, "")
            return f"{self.root.show(at.file)}:{at.line}"

        return re.sub(re.escape(self.name) + r":(\d+)", source_of, text) if self.name + ":" in text else text

    def _move(self, item, at: Location, sources: dict[str, Source]) -> None:
        item.file, item.line, item.column = self.root.show(at.file), at.line, at.column
        if item.file not in sources:
            source_file = self.files.get(at.file)
            if source_file is not None:
                sources[item.file] = Source(item.file, source_file.source.text, source_file.source.directives)

    def _related(self, related: Related, field_path: str, sources: dict[str, Source]) -> Related:
        if related.file != self.name:
            return related
        document = next((d for d in self.documents if d.data.line == related.line), None)
        if document is None:
            return related
        at = self.tracer.locate_object(self._origin(document), document.data, _aspect(field_path))
        return related._replace(file=self.root.show(at.file), line=at.line)


def _aspect(field_path: str) -> tuple[str, ...]:
    """The fields of the other object that a relation depends on: its ports, or its labels."""
    text = field_path.lower()
    if "port" in text:
        return ("ports",)
    if "selector" in text or "labels" in text:
        return ("labels", "matchLabels")
    return ()


class ChartOutput(Rendered):
    """`helm template` of a chart directory: findings point at the template file, at the field's key."""

    def __init__(self, chart: Chart, text: str) -> None:
        super().__init__(chart.shown, text)
        self.chart = chart
        self.index = helm.TemplateIndex(text.splitlines())

    def attach(self, documents: list[Document]) -> None:
        super().attach(documents)
        self.chart.objects = len(documents)

    def template_location(self, document: Document, field_path: str, line: int = 0,
                          column: int = 0) -> tuple[str, int, int]:
        """(template file, line, column) of a field of a rendered object."""
        template = self.index.template(document.data.line)
        if template is None:
            return os.path.join(self.chart.directory, "Chart.yaml"), 1, 1
        return helm.template_line(self.chart, template, self.steps(document, field_path, line, column))

    def _location(self, field_path: str, line: int, column: int) -> tuple[str, int, int]:
        document = self.document_at(line)
        if document is None:
            return os.path.join(self.chart.directory, "Chart.yaml"), 1, 1
        return self.template_location(document, field_path, line, column)

    def relocate(self, finding: Finding, sources: dict[str, Source]) -> None:
        file, finding.line, finding.column = self._location(finding.field_path, finding.line, finding.column)
        finding.file = self.chart.show(file)
        finding.rendered_from = self.chart.shown

    def relocate_position(self, item, sources: dict[str, Source]) -> None:
        file, item.line, item.column = self._location(item.field_path, item.line, item.column)
        item.file = self.chart.show(file)

    def source_of(self, line: int) -> str:
        return self.chart.show(self._location("", line, 1)[0])

    def object_position(self, line: int, aspect: tuple[str, ...] = ()) -> tuple[str, int, int] | None:
        document = self.document_at(line)
        if document is None:
            return None
        file, line, column = self.template_location(document, "")
        return self.chart.show(file), line, column


def relocate(findings: list[Finding], suppressed: list, rendered: list[Rendered], sources: dict[str, Source]) -> None:
    """Move what was found in rendered text to the sources, and name the templates of `helm template`
    output that was read raw. Safe to call again: what was moved is not moved twice."""
    by_name = {r.name: r for r in rendered}
    for finding in findings:
        output = by_name.get(finding.file) if finding.rendered_from is None else None
        if output is not None:
            output.relocate(finding, sources)
    for _finding, suppression in suppressed:
        output = by_name.get(suppression.file)
        if output is not None:
            output.relocate_position(suppression, sources)
    helm.name_templates(findings, sources)
