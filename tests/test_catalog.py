"""Every rule in rules/ proves itself: its bad example fails, its good example passes, its file is well-formed."""

import json

import pytest
import yaml
from jsonschema import Draft202012Validator

from portlint import engine
from portlint.catalog import load_catalog
from portlint.resources import data_dir
from portlint.run import check_text

CATALOG = load_catalog()
RULE_FILES = sorted(data_dir("rules").glob("*.yaml"))


def test_every_rule_function_has_a_catalog_file_and_back():
    engine._verify(CATALOG, engine.checks())  # raises CatalogMismatch


def test_catalog_mismatch_is_detected():
    with pytest.raises(engine.CatalogMismatch):
        engine._verify(CATALOG, {**engine.checks(), "no-such-rule": lambda c, s: []})


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_file_is_valid(path):
    schema = json.loads((data_dir("schemas") / "rule.schema.json").read_text())
    document = yaml.safe_load(path.read_text())
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(document)]
    assert errors == []
    assert document["id"] == path.stem


@pytest.mark.parametrize("rule_id", sorted(CATALOG))
def test_bad_example_is_reported(rule_id):
    findings = check_text(CATALOG[rule_id].bad_example, path=f"{rule_id}-bad.yaml").findings
    assert rule_id in {f.rule for f in findings}


@pytest.mark.parametrize("rule_id", sorted(CATALOG))
def test_good_example_is_clean(rule_id):
    findings = check_text(CATALOG[rule_id].good_example, path=f"{rule_id}-good.yaml").findings
    assert [(f.rule, f.message) for f in findings if f.rule == rule_id or f.severity != "info"] == []


def test_importing_one_rule_module_first_does_not_leave_the_registry_partial():
    import subprocess
    import sys

    code = ("import portlint.checks.ingress\nfrom portlint import engine\n"
            "from portlint.catalog import load_catalog\n"
            "print(len(engine.checks()), sum(s.stage == 'model' for s in load_catalog().values()))")
    counts = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert counts[0] == counts[1]
