"""The re-checks of --fix and --diff: the report on the input with some files changed, exactly as a fresh
check of the changed input would give it, without redoing what the change cannot affect.

- Only the changed files are parsed again, and a text an earlier pass parsed is not parsed twice.
- The model objects of the documents that were not parsed again are reused. An object is a function of
  its document and the namespace setting alone: nothing of a cluster is kept on it (the answers that
  rules share live on the Cluster, see Cluster.answers), except that a CustomResourceDefinition that
  declares `scope: Cluster` takes the namespace out of its kind's objects (builder). So objects are
  reused only while no changed file defines a CustomResourceDefinition, before or after the change.
- The apply units are those of the previous check when what inference reads of the files changed since
  (units.py: each object's key and references, the labels of the pods a workload makes, in order, and
  the content of an object another file of its directory defines too) is the same before and after.
- The answers rules share (Cluster.answers) are those of the previous check where they were computed from
  the same objects (model/answers.py): the workloads that serve a Service, the port chain's findings.
- The rules that read one object at a time (`scope: object` in their catalog file: what they report of an
  object depends on it alone) run only on the objects of the files changed since the previous check; their
  findings in the other files are those of that check. Every other rule and every index are computed again.

tests/test_recheck.py compares the report of each fix session with a fresh check of the fixed files.
"""

from __future__ import annotations

import os

from portlint import builder, engine, loader, units
from portlint.catalog import load_catalog
from portlint.findings import Finding
from portlint.loader import Mapping
from portlint.model import Cluster, KubeObject, Workload
from portlint.model.units import object_key
from portlint.run import Report, _check_loaded, _finish, copy_finding
from portlint.settings import Settings

CRD_KIND = "CustomResourceDefinition"


def object_rules() -> frozenset[str]:
    """The rules whose findings on an object depend on that object alone (`scope: object`): each reads the
    cluster only to go through a list of its objects and passes each object, never the cluster, to what
    judges it, and reports in its object's file. tests/test_recheck.py checks both on the corpora: the
    findings of the whole input in a file are those of a cluster of that file's objects."""
    return frozenset(rule_id for rule_id, spec in load_catalog().items() if spec.scope == "object")


class Rechecks:
    """What the re-checks of one fix session share: the texts parsed, the model objects built."""

    def __init__(self, report: Report):
        self.report = report
        self._reread: dict[str, tuple[str, loader.LoadResult]] = {}  # path → (text, what it parsed to)
        # per LoadResult: id(document) → (document, object), or None once a changed file defines a CRD
        self._built: list[dict | None] = [builder.built_objects(loaded.documents, cluster)
                                          for loaded, cluster in zip(report.loads, report.clusters)]
        self._last = list(zip(report.loads, report.clusters))  # per LoadResult: what was checked last
        self._checked = [_by_rule(findings) for findings in report.checked]  # and what its rules found
        self._changed: set[str] | None = None  # the files changed since then (None: reuse nothing)
        self._directories: dict[str, str] = {}  # path → its directory: the same files in every re-check

    def check(self, texts: dict[str, str], settings: Settings) -> Report:
        """The report on the input of the first check with the files in `texts` (path → new text) changed."""
        report = self.report
        new = Report(inputs=report.inputs, rendered=report.rendered)
        for number, loaded in enumerate(report.loads):
            changed = self._with_texts(loaded, texts)
            if changed is not loaded and self._built[number] is not None and _defines_crd(loaded, changed):
                self._built[number] = None
            _check_loaded(changed, settings, new, lambda loaded, settings: self._model(number, loaded, settings),
                          lambda cluster, settings: self._run_checks(number, cluster, settings))
            self._checked[number] = _by_rule(new.checked[number])
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


    def _model(self, number: int, loaded: loader.LoadResult, settings: Settings) -> tuple[Cluster, list[Finding]]:
        built = self._built[number]
        last_loaded, last = self._last[number]
        cluster, invalid = builder.build_cluster(loaded.documents, settings.namespace, built,
                                                 last if built is not None else None)
        self._changed = _changed_files(last_loaded, loaded) if built is not None else None
        same = self._changed is not None and _same_unit_inputs(last_loaded, last, loaded, cluster, settings,
                                                               self._directories)
        cluster.set_units(last.units if same else units.infer(cluster, list(loaded.sources), settings))
        cluster.keeps_answers = True  # for the next re-check
        if self._changed is not None:  # the objects of unchanged documents are those of `last`
            cluster.previous = last.answers
            _reuse_object_keys(last, cluster)
        self._last[number] = (loaded, cluster)
        return cluster, invalid


    def _run_checks(self, number: int, cluster: Cluster, settings: Settings) -> list[Finding]:
        """engine.run_checks, with the rules of `scope: object` run on the objects of the changed files only."""
        changed, last, alone, by_object = self._changed, self._checked[number], None, object_rules()
        findings: list[Finding] = []
        for rule_id in engine.checks():
            if not engine.enabled(rule_id, settings):
                continue
            if rule_id not in by_object or changed is None:
                findings += engine.run_check(rule_id, cluster, settings)
                continue
            if alone is None:
                alone = _cluster_of([obj for obj in cluster.objects if obj.source.path in changed])
            findings += [copy_finding(f) for f in last.get(rule_id, ()) if f.file not in changed]
            findings += engine.run_check(rule_id, alone, settings)
        return findings


def _reuse_object_keys(last: Cluster, cluster: Cluster) -> None:
    """Cluster.object_keys of `cluster` from those of `last`: an object of an unchanged file is the very
    object `last` held, and its key is a function of it and the cluster-scoped kinds, when those are the same.
    Only the objects built again (those of the changed files) are keyed again (duplicate-object reads every key)."""
    keys = last.answers.get("object keys")
    scoped = cluster.scoped_kinds()
    if keys is None or scoped != last.scoped_kinds():
        return
    known = {id(obj): key for obj, key in zip(last.objects, keys)}  # `last` holds them: no id is reused
    cluster.answers["object keys"] = [known[id(obj)] if id(obj) in known else object_key(obj, scoped)
                                      for obj in cluster.objects]


def _by_rule(findings: list[Finding]) -> dict[str, list[Finding]]:
    found: dict[str, list[Finding]] = {}
    for finding in findings:
        found.setdefault(finding.rule, []).append(finding)
    return found


def _cluster_of(objects: list[KubeObject]) -> Cluster:
    cluster = Cluster()
    for obj in objects:
        cluster.add(obj)
    cluster.build_indexes()
    return cluster


def _changed_files(before: loader.LoadResult, after: loader.LoadResult) -> set[str] | None:
    """The files whose text changed between the two reads of one input (None: they are not the same files)."""
    if list(before.sources) != list(after.sources):
        return None
    return {path for path, source in after.sources.items() if before.sources[path] is not source}


def _same_unit_inputs(before: loader.LoadResult, last: Cluster, after: loader.LoadResult, cluster: Cluster,
                      settings: Settings, directories: dict[str, str]) -> bool:
    """Whether apply-unit inference reads the same of `cluster` as of `last` (same files, and no changed file
    defines a CustomResourceDefinition: the caller knows): then it infers the same units."""
    changed = _changed_files(before, after)
    if changed is None:
        return False
    if not changed:
        return True
    scoped = cluster.scoped_kinds()  # found once: unit inference asks the cluster again
    old = _objects_in(last, changed)
    for path in changed:
        if path not in directories:
            directories[path] = os.path.dirname(path)
    around = {directories[path] for path in changed}
    new: dict[str, list[KubeObject]] = {}
    beside: dict[str, list[tuple[str, tuple]]] = {}  # (file, key) of each object in a changed file's directory
    for obj in cluster.objects:
        path = obj.source.path
        directory = directories.get(path)
        if directory is None:
            directory = directories[path] = os.path.dirname(path)
        if directory in around:
            beside.setdefault(directory, []).append((path, object_key(obj, scoped)))
            if path in changed:
                new.setdefault(path, []).append(obj)
    for path in changed:
        if len(old.get(path, ())) != len(new.get(path, ())):
            return False
        # keys other files of the directory define too: inference compares such objects' content
        directory = directories[path]
        shared = {key for file, key in beside.get(directory, ()) if file != path}
        # In a directory that is one unit (no object defined by two of its files, no configured units), a
        # selector whose pods are all in the directory attaches nothing (units.py _attach_across_directories
        # skips what the unit holds), whatever it selects: what matters is only that it stays inside.
        whole = not settings.units and len({k for _f, k in beside.get(directory, ()) if k is not None}) == \
            len({(f, k) for f, k in beside.get(directory, ()) if k is not None})
        if [_unit_input(o, scoped, shared, last if whole else None, directory) for o in old.get(path, ())] != \
                [_unit_input(o, scoped, shared, cluster if whole else None, directory) for o in new.get(path, ())]:
            return False
    return True


def _objects_in(cluster: Cluster, paths: set[str]) -> dict[str, list[KubeObject]]:
    found: dict[str, list[KubeObject]] = {}
    for obj in cluster.objects:
        if obj.source.path in paths:
            found.setdefault(obj.source.path, []).append(obj)
    return found


def _unit_input(obj: KubeObject, scoped, shared: set, whole: Cluster | None = None, directory: str = "") -> tuple:
    """What units.py reads of one object: its key, its references, the labels of its pods, and its
    content when another file of its directory defines the same key. In a directory that is one unit
    (`whole`: the object's cluster), a selector that picks only pods of the directory reads as INSIDE."""
    key = object_key(obj, scoped)
    refs = tuple((ref.what, ref.key, _selector_input(ref, whole, directory)) for ref in units.references(obj, scoped))
    pods = None
    if isinstance(obj, Workload):
        labels = obj.pod_labels
        # a controller's label is a check made from the kind and the name (builder/pods.py)
        dynamic = tuple((name, check.__code__, tuple(c.cell_contents for c in check.__closure__ or ()))
                        for name, check in labels.dynamic.items())
        pods = (tuple(labels.static.items()), dynamic, obj.labels_readable)
    content = units.Index.content(obj) if key in shared else None
    return type(obj), obj.ref.kind, obj.namespace, obj.name, key, refs, pods, content


INSIDE = "inside"


def _selector_input(ref: units.Reference, whole: Cluster | None, directory: str):
    if ref.selector is None:
        return None
    if whole is not None and all(os.path.dirname(w.file) == directory
                                 for w in whole.pods.select(ref.origin.namespace, ref.selector)):
        return INSIDE
    return tuple(ref.selector.items())


def _defines_crd(before: loader.LoadResult, after: loader.LoadResult) -> bool:
    """Whether a file changed between the two defines a CustomResourceDefinition in either version."""
    changed = {path for path, source in after.sources.items() if before.sources.get(path) is not source}
    return any(document.source.path in changed and isinstance(document.data, Mapping)
               and document.data.get("kind") == CRD_KIND for loaded in (before, after) for document in loaded.documents)
