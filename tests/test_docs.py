"""docs/rules.md is generated from rules/ and must be current; `portlint rules --markdown` prints the same text."""

import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT

from portlint import docs
from portlint.catalog import load_catalog

DOC = ROOT / "docs" / "rules.md"


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "NO_COLOR": "1"}, timeout=60)


def test_docs_rules_md_is_current():
    assert DOC.is_file(), "docs/rules.md is missing: run `python -m portlint.docs`"
    assert DOC.read_text(encoding="utf-8") == docs.render(load_catalog()), \
        "docs/rules.md is stale: run `python -m portlint.docs` and commit the result"


def test_every_rule_has_a_section_with_its_anchor_and_examples():
    text = docs.render(load_catalog())
    headings = re.findall(r"^## (\S+)$", text, re.MULTILINE)
    assert headings == list(load_catalog())
    for spec in load_catalog().values():
        assert f"| [{spec.id}](#{spec.id}) | {spec.severity} |" in text
        section = docs.render_rule(spec)
        assert spec.rationale in section and spec.remediation in section
        assert section.count("```yaml\n") == 2 and spec.bad_example.rstrip() in section


def test_check_mode_fails_on_a_stale_file_and_writing_fixes_it(tmp_path):
    target = tmp_path / "rules.md"
    target.write_text("# old\n")
    stale = run("-m", "portlint.docs", "--check", "--output", str(target))
    assert stale.returncode == 1 and "is stale" in stale.stderr
    assert run("-m", "portlint.docs", "--output", str(target)).returncode == 0
    assert run("-m", "portlint.docs", "--check", "--output", str(target)).returncode == 0
    assert target.read_text(encoding="utf-8") == docs.render(load_catalog())


def test_rules_markdown_option_prints_the_generated_text():
    every = run("-m", "portlint", "rules", "--markdown")
    assert (every.returncode, every.stdout) == (0, docs.render(load_catalog()))
    one = run("-m", "portlint", "rules", "service-selector-no-match", "--markdown")
    assert one.stdout == docs.render_rule(load_catalog()["service-selector-no-match"])
    assert run("-m", "portlint", "rules", "no-such-rule", "--markdown").returncode == 2


def test_summary_table_cells_cannot_break_the_table():
    assert docs._cell("a | b\nc") == "a \\| b c"


def test_readme_lists_every_fixable_rule_with_its_safety():
    readme = (ROOT / "README.md").read_text()
    for spec in load_catalog().values():
        if spec.fix:
            assert f"| `{spec.id}` | {spec.fix.safety} |" in readme, spec.id


def test_readme_lists_every_rule_with_its_severity():
    readme = (ROOT / "README.md").read_text()
    for spec in load_catalog().values():
        assert f"| `{spec.id}` | {spec.severity} | {spec.summary} |" in readme


@pytest.mark.parametrize("command", [
    ["check", "examples"],
    ["trace", "http://shop.example.com/", "examples/fixed"],
    ["trace", "nodeport:30080", "examples/broken"],
    ["trace", "https://shop.example.com/api/cart", "examples/broken"],
    ["check", "--cluster-per-path", "examples/gateway/broken", "examples/gateway/fixed"],
    ["trace", "https://shop.example.com/api/cart", "examples/gateway/fixed"],
    ["trace", "http://shop.example.com/cart", "examples/gateway/fixed"],
    ["trace", "https://shop.example.com/", "examples/gateway/broken"],
    ["trace", "service/api.shop:80", "examples/network-policy", "--from", "deployment/web.shop"],
    ["trace", "--all", "examples/network-policy"],
    ["check", "--diff", "examples/broken"],
    ["check", "examples/legacy"],
    ["check", "--diff", "--unsafe-fixes", "examples/legacy"],
])
def test_the_outputs_the_readme_shows_are_real(command):
    result = subprocess.run([sys.executable, "-m", "portlint", *command], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "NO_COLOR": "1"}, timeout=60)
    assert result.stdout.strip() and result.stdout.rstrip("\n") in (ROOT / "README.md").read_text()
