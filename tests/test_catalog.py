"""Every rule in rules/ proves itself: its bad example fails, its good example passes, its file is well-formed."""

import json
import shutil

import pytest
import yaml
from jsonschema import Draft202012Validator

from portlint import engine, fixes
from portlint.fixes.apply import fix_text
from portlint.catalog import load_catalog
from portlint.parse import parse_all
from portlint.resources import data_dir
from portlint.run import check_paths, check_text
from portlint.settings import Settings

CATALOG = load_catalog()
RULE_FILES = sorted(data_dir("rules").glob("*.yaml"))
KUSTOMIZE = shutil.which("kustomize") or shutil.which("kubectl")


def example_findings(rule_id: str, example: str, tmp_path, monkeypatch) -> list:
    """The findings on a rule's example: a YAML text, or for a render-stage rule a file tree checked with
    `portlint check` (the `-not-rendered` rules with no kustomize or helm on PATH)."""
    if CATALOG[rule_id].stage != "render":
        return check_text(example, path=f"{rule_id}.yaml").findings
    checked = write_tree(example, tmp_path)
    if rule_id.endswith("-not-rendered"):
        monkeypatch.setenv("PATH", str(tmp_path / "no-binaries"))
    elif KUSTOMIZE is None:
        pytest.skip("neither kustomize nor kubectl is installed: render-stage examples need one")
    monkeypatch.chdir(tmp_path)
    return check_paths([checked], Settings()).findings


def write_tree(example: str, directory) -> str:
    """Write `# file: PATH` sections under `directory`; the path to check (`# portlint check PATH`, or '.')."""
    checked, path, lines = ".", None, []
    for line in example.splitlines(keepends=True) + ["# file: -\n"]:
        if line.startswith("# portlint check "):
            checked = line.split(None, 3)[3].strip()
        elif line.startswith("# file: "):
            if path is not None:
                (directory / path).parent.mkdir(parents=True, exist_ok=True)
                (directory / path).write_text("".join(lines))
            path, lines = line[len("# file: "):].strip(), []
        else:
            lines.append(line)
    return checked


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
    # load_catalog reads the file with portlint's loader (start-up): it must mean what YAML says
    assert parse_all(path.read_text())[0][0] == document


@pytest.mark.parametrize("rule_id", sorted(CATALOG))
def test_bad_example_is_reported(rule_id, tmp_path, monkeypatch):
    findings = example_findings(rule_id, CATALOG[rule_id].bad_example, tmp_path, monkeypatch)
    assert rule_id in {f.rule for f in findings}


@pytest.mark.parametrize("rule_id", sorted(CATALOG))
def test_good_example_is_clean(rule_id, tmp_path, monkeypatch):
    findings = example_findings(rule_id, CATALOG[rule_id].good_example, tmp_path, monkeypatch)
    assert [(f.rule, f.message) for f in findings if f.rule == rule_id or f.severity != "info"] == []


FIXABLE = sorted(rule_id for rule_id, spec in CATALOG.items() if spec.fix)


def test_every_fixer_has_a_fix_declaration_and_back():
    fixes.verify(fixes.registry())  # raises FixCatalogMismatch
    with pytest.raises(fixes.FixCatalogMismatch):
        fixes.verify({**fixes.registry(), "service-no-selector": lambda finding, subjects: None})


@pytest.mark.parametrize("rule_id", FIXABLE)
def test_fix_repairs_the_bad_example(rule_id):
    spec = CATALOG[rule_id]
    path = f"{rule_id}-bad.yaml"
    fixed = fix_text(spec.bad_example, path, unsafe=spec.fix.safety != "safe")
    assert fixed != spec.bad_example
    assert rule_id not in {f.rule for f in check_text(fixed, path=path).findings}
    if spec.fix.gives_good_example:
        assert fixed == spec.good_example


def test_importing_one_rule_module_first_does_not_leave_the_registry_partial():
    import subprocess
    import sys

    code = ("import portlint.checks.ingress\nfrom portlint import engine\n"
            "from portlint.catalog import load_catalog\n"
            "print(len(engine.checks()), sum(s.stage == 'model' for s in load_catalog().values()))")
    counts = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert counts[0] == counts[1]
