"""Intended findings, silenced where they occur — and suppressions that silence nothing, reported.

Two forms:
- the annotation `portlint.dev/ignore: "rule-a,rule-b"` on an object silences those rules' findings
  about that object; `portlint.dev/ignore-reason` says why;
- the comment `# portlint: ignore[rule-a,rule-b] why` silences those rules' findings on its own line,
  and, when the comment is alone on its line, on the line below it.

A suppression naming an enabled rule that it silenced nothing of, or a rule that does not exist,
is a `suppression-unused` finding, so that suppressions do not outlive their reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from portlint import engine
from portlint.catalog import load_catalog
from portlint.findings import Finding, ObjectRef
from portlint.loader import Source
from portlint.settings import Settings

if TYPE_CHECKING:
    from portlint.run import Report

RULE = "suppression-unused"
ANNOTATION = "portlint.dev/ignore"
REASON_ANNOTATION = "portlint.dev/ignore-reason"
# A YAML comment starts at the line start or after whitespace.
# A suppression is described by at most this many of its rule ids: each of its unused rule ids is a
# finding whose message describes it, so listing every id would make the output quadratic in their number.
DESCRIBED_RULES = 10
COMMENT = re.compile(r"(?:^|(?<=\s))#\s*portlint:\s*ignore\[([^\]]*)\][\s:—-]*(.*)$")


@dataclass(eq=False)
class Suppression:
    """One suppression: an ignore annotation on an object, or an ignore comment on a line."""

    rules: tuple[str, ...]
    file: str
    line: int
    column: int
    reason: str | None
    object: ObjectRef | None = None  # the annotated object; None for a comment
    field_path: str = ""
    used: set[str] = field(default_factory=set)

    def __post_init__(self):
        self.rule_set = frozenset(self.rules)

    def describe(self) -> str:
        rules = ",".join(self.rules[:DESCRIBED_RULES])
        if len(self.rules) > DESCRIBED_RULES:
            rules += f",… ({len(self.rules)} rule ids)"
        if self.object:
            return f"annotation {ANNOTATION}: {rules!r} on {self.object}"
        return f"comment '# portlint: ignore[{rules}]'"


def apply(report: Report, settings: Settings) -> None:
    """Move silenced findings from report.findings to report.suppressed; add the unused suppressions."""
    by_object, by_line = _index(report)
    every = list({id(s): s for group in (*by_object.values(), *by_line.values()) for s in group}.values())
    kept = _silence(report.findings, by_object, by_line, report)
    # unused suppressions can themselves be silenced (by a suppression naming suppression-unused),
    # so those of the other rules are matched before the ones of suppression-unused are counted
    kept += _silence(engine.stamp(list(_unused(every, settings)), settings), by_object, by_line, report)
    kept += engine.stamp(list(_unused(every, settings, of_this_rule=True)), settings)
    report.findings = sorted(kept, key=Finding.sort_key)


def _silence(findings: list[Finding], by_object: dict, by_line: dict, report: Report) -> list[Finding]:
    """The findings no suppression covers; the others go to report.suppressed."""
    kept = []
    for finding in findings:
        suppression = _match(finding, by_object, by_line)
        if suppression:
            suppression.used.add(finding.rule)
            report.suppressed.append((finding, suppression))
        else:
            kept.append(finding)
    return kept


def _index(report: Report) -> tuple[dict, dict]:
    """Annotations by (file, object); comments by (file, line) of each line they cover."""
    by_object: dict[tuple[str, ObjectRef], list[Suppression]] = {}
    for cluster in report.clusters:
        for obj in cluster.objects:
            if ANNOTATION in obj.annotations:
                by_object.setdefault((obj.file, obj.ref), []).append(_annotation(obj))
    by_line: dict[tuple[str, int], list[Suppression]] = {}
    for path, source in report.sources.items():
        for suppression, alone in _comments(source):
            by_line.setdefault((path, suppression.line), []).append(suppression)
            if alone:
                by_line.setdefault((path, suppression.line + 1), []).append(suppression)
    return by_object, by_line


def _annotation(obj) -> Suppression:
    value = obj.annotations[ANNOTATION]
    line, column = obj.annotations.position(ANNOTATION)
    reason = obj.annotations.get(REASON_ANNOTATION)
    return Suppression(_rule_ids(value), obj.file, line, column,
                       reason or None, obj.ref, f"{obj.field_path('metadata.annotations')}[{ANNOTATION}]")


def _comments(source: Source):
    """(suppression, whether the comment is alone on its line) for each ignore comment in the file."""
    for number, text in source.directives.items():
        match = COMMENT.search(text)
        if match:
            yield (Suppression(_rule_ids(match.group(1)), source.path, number, match.start() + 1,
                               match.group(2).strip() or None),
                   not text[:match.start()].strip())


def _rule_ids(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def _match(finding: Finding, by_object: dict, by_line: dict) -> Suppression | None:
    candidates = by_line.get((finding.file, finding.line), [])
    if finding.object:
        candidates = candidates + by_object.get((finding.file, finding.object), [])
        if finding.rendered_from:  # an annotation on a rendered object: the object lives in the rendered text
            candidates = candidates + by_object.get((finding.rendered_from, finding.object), [])
    return next((s for s in candidates if finding.rule in s.rule_set), None)


def _unused(suppressions: list[Suppression], settings: Settings, of_this_rule: bool = False):
    """What suppressions name in vain: every rule but suppression-unused itself, or (of_this_rule) only it."""
    catalog = load_catalog()
    for suppression in suppressions:
        if not suppression.rules and not of_this_rule:
            yield _finding(suppression, f"the {suppression.describe()} names no rule id",
                           "name the rule ids to silence, comma-separated, or remove it")
        for rule in suppression.rules:
            if (rule == RULE) != of_this_rule:
                continue
            if rule not in catalog:
                yield _finding(suppression, f"the {suppression.describe()} names {rule!r}, which is not a rule id",
                               "fix the rule id (see `portlint rules`) or remove it")
            elif rule not in suppression.used and engine.enabled(rule, settings):
                yield _finding(suppression, f"the {suppression.describe()} silences no {rule} finding"
                               + ("" if suppression.object else " on its line or the line below"),
                               f"remove {rule} from the suppression: that rule reports nothing here (any more)")


def _finding(suppression: Suppression, message: str, hint: str) -> Finding:
    return Finding(RULE, message, hint, object=suppression.object, file=suppression.file, line=suppression.line,
                   column=suppression.column, field_path=suppression.field_path)
