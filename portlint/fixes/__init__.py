"""`portlint check --fix`: repair what has one right answer, without disturbing a byte around it.

- fixers/: one small function per fixable rule, registered with `@fixer("<rule-id>")` (as checks
  are with `@rule`) and declared in the rule's catalog file (`fix:`); it proposes a Fix for a
  finding only when there is exactly one candidate, never a guess between two.
- model.py: a Fix is a safety, a summary and edits: ReplaceValue (one scalar) or Migrate (one manifest
  to another apiVersion).
- locate.py, scalars.py, edit.py: where each value is in the text, and splicing the new one in, in
  the old one's style; migrate.py, conversions.py, merge.py: migrations with ruamel.yaml's round
  trip, merged into the original text so that only the converted lines change.
- apply.py: the driver of --fix and --diff: fixes applied, the checks run again on the fixed text,
  fixes that would introduce a finding left out, files written safely (write.py).

Data flows one way: findings + model → proposals here → the driver; reporters only read `Finding.fix`.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, Callable, Iterable

from portlint.catalog import load_catalog
from portlint.findings import Finding

if TYPE_CHECKING:  # every check imports this package; what builds fixes is imported when there is a finding
    from portlint.fixes.model import Fix
    from portlint.fixes.subjects import Subjects
    from portlint.model import Cluster

__all__ = ["fixer", "registry", "propose", "only_at_source"]

Fixer = Callable[[Finding, "Subjects"], "Fix | None"]
_REGISTRY: dict[str, Fixer] = {}
_READS_ONLY_ITS_OBJECT: set[str] = set()  # rules whose fixer stays sure of a downgraded finding (see fixer)
_loaded = False


class FixCatalogMismatch(RuntimeError):
    pass


def fixer(rule_id: str, reads_only_its_object: bool = False) -> Callable[[Fixer], Fixer]:
    """Register the function that proposes the fix of `rule_id`'s findings.

    A finding a check downgraded (`Finding.downgraded`: what it refers to is installed apart from
    it, by another apply unit or release) gets no fix: the candidates a fixer finds in the input
    are then not the whole chain, so one candidate is no longer one right answer. Only a fixer
    that `reads_only_its_object` (a probe and its own container's ports, a manifest's apiVersion)
    is as sure of it as of any other finding.
    """

    def register(function: Fixer) -> Fixer:
        if rule_id in _REGISTRY:
            raise FixCatalogMismatch(f"two fixers are registered for rule {rule_id!r}")
        _REGISTRY[rule_id] = function
        if reads_only_its_object:
            _READS_ONLY_ITS_OBJECT.add(rule_id)
        return function

    return register


def registry() -> dict[str, Fixer]:
    """Every registered fixer, verified against the catalog's `fix:` declarations."""
    global _loaded
    if not _loaded:
        import portlint.fixes.fixers as package

        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
        verify(_REGISTRY)
        _loaded = True
    return _REGISTRY


def verify(registry: dict[str, Fixer]) -> None:
    declared = {rule_id for rule_id, spec in load_catalog().items() if spec.fix}
    undeclared, missing = sorted(registry.keys() - declared), sorted(declared - registry.keys())
    if undeclared or missing:
        raise FixCatalogMismatch(f"fixers without a `fix:` in their rule file: {undeclared}; "
                                 f"rule files declaring a fix without a fixer: {missing}")


def propose(findings: Iterable[Finding], cluster: Cluster) -> None:
    """Set `finding.fix` on each finding whose rule has a fixer and that has one right answer (never on a
    downgraded finding, unless its fixer reads only its object: see `fixer`)."""
    findings = list(findings)
    if not findings:  # a clean input imports no fixer module (start-up of a small check)
        return
    from portlint.fixes.subjects import Subjects

    fixers = registry()
    subjects = Subjects(cluster, {f.file for f in findings} | {r.file for f in findings for r in f.related})
    for finding in findings:
        propose_one = fixers.get(finding.rule)
        if propose_one is None or (finding.downgrade is not None and finding.rule not in _READS_ONLY_ITS_OBJECT):
            continue
        fix = propose_one(finding, subjects)
        if fix is not None and fix.edits and all(edit.file == finding.file for edit in fix.edits) \
                and not subjects.shared(fix):
            finding.fix = fix


def only_at_source(findings: Iterable[Finding]) -> None:
    """Drop the fix of a finding that points through a rendering (kustomize, Helm) at another file:
    the value's real source is not what the fix would edit, and editing a patch or a template could
    not be checked without rendering again."""
    for finding in findings:
        if finding.fix is not None and (finding.rendered_from is not None
                                        or any(edit.file != finding.file for edit in finding.fix.edits)):
            finding.fix = None
