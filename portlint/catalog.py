"""The rule catalog: one YAML file per rule in rules/, the single source of ids, severities and docs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from portlint.parse import parse_all
from portlint.resources import data_dir


@dataclass(frozen=True)
class FixSpec:
    """What `--fix` can do for a rule's findings (the `fix:` of its catalog file)."""

    safety: str  # "safe": --fix applies it; "unsafe": only with --unsafe-fixes; "mixed": per finding
    when: str  # when a finding has a fix, in a sentence
    gives_good_example: bool = False  # the fix turns the bad example into the good one, byte for byte


@dataclass(frozen=True)
class RuleSpec:
    """One rule's catalog file (rules/<id>.yaml)."""

    id: str
    severity: str
    summary: str
    rationale: str
    remediation: str
    references: tuple[str, ...]
    bad_example: str
    good_example: str
    stage: str  # "model": a check function; "parse": reported while reading files
    fix: FixSpec | None = None
    scope: str = "cluster"  # "object": its findings on an object depend on that object alone


@lru_cache(maxsize=1)
def load_catalog() -> dict[str, RuleSpec]:
    catalog = {}
    for path in sorted(data_dir("rules").glob("*.yaml")):
        with open(path, encoding="utf-8") as handle:
            # portlint's own loader: every check reads the catalog, and it is faster than PyYAML's C
            # loader (tests/test_catalog.py holds the catalog files to rule.schema.json either way)
            raw = parse_all(handle.read())[0][0]
        spec = RuleSpec(
            id=raw["id"], severity=raw["severity"], summary=raw["summary"].strip(),
            rationale=raw["rationale"].strip(), remediation=raw["remediation"].strip(),
            references=tuple(raw.get("references") or ()), bad_example=raw["examples"]["bad"],
            good_example=raw["examples"]["good"], stage=raw.get("stage", "model"),
            fix=_fix_spec(raw.get("fix")), scope=raw.get("scope", "cluster"))
        catalog[spec.id] = spec
    return catalog


def did_you_mean(rule_id: str) -> str:
    """' (did you mean 'x'?)' for the rule id nearest to a misspelled one, or '' when none is near."""
    from portlint.similar import edit_distance

    word = rule_id.strip().lower().replace("_", "-")
    best, distance = None, max(2, len(word) // 4)
    for known in load_catalog():
        edits = edit_distance(word, known)
        if known.endswith(word) or known.startswith(word):  # a rule id with a word left out
            edits = min(edits, 1)
        if edits < distance or (best is None and edits == distance):
            best, distance = known, edits
    return f" (did you mean {best!r}?)" if best else ""


def _fix_spec(raw: dict | None) -> FixSpec | None:
    if raw is None:
        return None
    return FixSpec(safety=raw["safety"], when=raw["when"].strip(), gives_good_example=raw.get("gives-good-example", False))
