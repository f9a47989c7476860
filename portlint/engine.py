"""The rule engine: rule functions registered by id, run over a cluster, findings stamped with the catalog's severity."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Callable, Iterable

from portlint.catalog import RuleSpec, load_catalog
from portlint.findings import SEVERITY_RANK, Finding
from portlint.model import Cluster
from portlint.settings import Settings

Check = Callable[[Cluster, Settings], Iterable[Finding]]
_REGISTRY: dict[str, Check] = {}
_loaded = False  # importing one checks module by hand must not stop the others from loading


class CatalogMismatch(RuntimeError):
    pass


def rule(rule_id: str) -> Callable[[Check], Check]:
    """Register the function that implements the catalog rule `rule_id`."""

    def register(check: Check) -> Check:
        if rule_id in _REGISTRY:
            raise CatalogMismatch(f"two functions are registered for rule {rule_id!r}")
        _REGISTRY[rule_id] = check
        return check

    return register


def checks() -> dict[str, Check]:
    """Every registered check, after importing each module of portlint.checks; verified against the catalog."""
    global _loaded
    if not _loaded:
        import portlint.checks as package

        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
        _verify(load_catalog(), _REGISTRY)
        _loaded = True
    return _REGISTRY


def _verify(catalog: dict[str, RuleSpec], registry: dict[str, Check]) -> None:
    model_rules = {rule_id for rule_id, spec in catalog.items() if spec.stage == "model"}
    no_function = sorted(model_rules - registry.keys())
    no_rule_file = sorted(registry.keys() - model_rules)
    if no_function or no_rule_file:
        raise CatalogMismatch(f"rules without a function: {no_function}; functions without a rule file: {no_rule_file}")


def enabled(rule_id: str, settings: Settings) -> bool:
    if settings.select and rule_id not in settings.select:
        return False
    return rule_id not in settings.ignore


def run_checks(cluster: Cluster, settings: Settings) -> list[Finding]:
    findings: list[Finding] = []
    for rule_id in checks():
        if enabled(rule_id, settings):
            findings += run_check(rule_id, cluster, settings)
    return findings


def run_check(rule_id: str, cluster: Cluster, settings: Settings) -> list[Finding]:
    """The findings of one rule, each stamped with its id (a re-check runs some rules on a part of the input)."""
    findings = list(checks()[rule_id](cluster, settings))
    for finding in findings:
        finding.rule = rule_id
    return findings


def stamp(findings: list[Finding], settings: Settings) -> list[Finding]:
    """Drop disabled rules, apply severities, sort deterministically.

    A finding's severity is the user's `severity:` setting for its rule if there is one; else the
    lower one a rule asked for with `Finding.downgraded` (a Service's backends installed elsewhere),
    which keeps its reason; else the catalog's default.
    """
    catalog = load_catalog()
    kept = []
    for finding in findings:
        if not enabled(finding.rule, settings):
            continue
        default, override, lower = catalog[finding.rule].severity, settings.severity.get(finding.rule), finding.downgrade
        if override or not lower or SEVERITY_RANK[lower.severity] >= SEVERITY_RANK[default]:
            finding.severity, finding.downgrade = override or default, None
        else:
            finding.severity, finding.downgrade = lower.severity, lower._replace(default=default)
        kept.append(finding)
    return sorted(kept, key=Finding.sort_key)
