"""The re-checks of --fix and --diff: the report on the input with some files changed, exactly as a fresh
check of the changed input would give it, without redoing what the change cannot affect.

- Only the changed files are parsed again, and a text an earlier pass parsed is not parsed twice.
- The model objects of the documents that were not parsed again are reused. An object is a function of
  its document and the namespace setting alone: nothing of a cluster is kept on it (the answers that
  rules share live on the Cluster, see Cluster.answers), except that a CustomResourceDefinition that
  declares `scope: Cluster` takes the namespace out of its kind's objects (builder). So objects are
  reused only while no changed file defines a CustomResourceDefinition, before or after the change.
- Every index, the apply units and every rule are computed again on the new cluster.

tests/test_recheck.py compares the report of each fix session with a fresh check of the fixed files.
"""

from __future__ import annotations

from portlint import builder, loader, units
from portlint.findings import Finding
from portlint.loader import Mapping
from portlint.model import Cluster
from portlint.run import Report, _check_loaded, _finish
from portlint.settings import Settings

CRD_KIND = "CustomResourceDefinition"


class Rechecks:
    """What the re-checks of one fix session share: the texts parsed, the model objects built."""

    def __init__(self, report: Report):
        self.report = report
        self._reread: dict[str, tuple[str, loader.LoadResult]] = {}  # path → (text, what it parsed to)
        # per LoadResult: id(document) → (document, object), or None once a changed file defines a CRD
        self._built: list[dict | None] = [builder.built_objects(loaded.documents, cluster)
                                          for loaded, cluster in zip(report.loads, report.clusters)]

    def check(self, texts: dict[str, str], settings: Settings) -> Report:
        """The report on the input of the first check with the files in `texts` (path → new text) changed."""
        report = self.report
        new = Report(inputs=report.inputs, rendered=report.rendered)
        for number, loaded in enumerate(report.loads):
            changed = self._with_texts(loaded, texts)
            if changed is not loaded and self._built[number] is not None and _defines_crd(loaded, changed):
                self._built[number] = None
            built = self._built[number]
            _check_loaded(changed, settings, new, lambda loaded, settings: _model(loaded, settings, built))
        new.findings += [finding for inputs in report.inputs for finding in inputs.findings]
        new.files = report.files
        _finish(new, settings)
        return new

    def _with_texts(self, loaded: loader.LoadResult, texts: dict[str, str]) -> loader.LoadResult:
        """`loaded` with the documents of the files in `texts` parsed from their new text, in their place."""
        fresh = {}
        for path, text in texts.items():
            if path in loaded.sources:
                if path not in self._reread or self._reread[path][0] != text:
                    self._reread[path] = (text, loader.load_text(text, path))
                fresh[path] = self._reread[path][1]
        if not fresh:
            return loaded
        result = loader.LoadResult(files=loaded.files, sources=dict(loaded.sources))
        for document in loaded.documents:
            path = document.source.path
            if path not in fresh:
                result.documents.append(document)
            elif path not in result.sources or result.sources[path] is loaded.sources[path]:
                result.documents += fresh[path].documents  # in the place of the file's first document
                result.sources[path] = fresh[path].sources[path]
        result.findings = [f for f in loaded.findings if f.file not in fresh] + \
            [f for reread in fresh.values() for f in reread.findings]
        return result


def _model(loaded: loader.LoadResult, settings: Settings, built: dict | None) -> tuple[Cluster, list[Finding]]:
    cluster, invalid = builder.build_cluster(loaded.documents, settings.namespace, built)
    cluster.set_units(units.infer(cluster, list(loaded.sources), settings))
    return cluster, invalid


def _defines_crd(before: loader.LoadResult, after: loader.LoadResult) -> bool:
    """Whether a file changed between the two defines a CustomResourceDefinition in either version."""
    changed = {path for path, source in after.sources.items() if before.sources.get(path) is not source}
    return any(document.source.path in changed and isinstance(document.data, Mapping)
               and document.data.get("kind") == CRD_KIND for loaded in (before, after) for document in loaded.documents)
