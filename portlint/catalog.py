"""The rule catalog: one YAML file per rule in rules/, the single source of ids, severities and docs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import yaml

from portlint.resources import data_dir


@dataclass(frozen=True)
class RuleSpec:
    id: str
    severity: str
    summary: str
    rationale: str
    remediation: str
    references: tuple[str, ...]
    bad_example: str
    good_example: str
    stage: str  # "model": a check function; "parse": reported while reading files


@lru_cache(maxsize=1)
def load_catalog() -> dict[str, RuleSpec]:
    catalog = {}
    for path in sorted(data_dir("rules").glob("*.yaml")):
        with open(path, encoding="utf-8") as handle:
            raw = yaml.load(handle, Loader=yaml.CSafeLoader)
        spec = RuleSpec(
            id=raw["id"], severity=raw["severity"], summary=raw["summary"].strip(),
            rationale=raw["rationale"].strip(), remediation=raw["remediation"].strip(),
            references=tuple(raw.get("references") or ()), bad_example=raw["examples"]["bad"],
            good_example=raw["examples"]["good"], stage=raw.get("stage", "model"))
        catalog[spec.id] = spec
    return catalog
