"""Start-up (issue 16): a check imports what its input needs, not every path portlint has.

Each module below is imported in the function that needs it, never at the top of the check path; a
top-level import of one of them makes these tests fail (what matters is the import, not a timing).
"""

import json
import os
import subprocess
import sys

from conftest import ROOT

# what a check of clean manifests, written as text or JSON to a pipe, never needs
UNUSED_BY_A_CLEAN_CHECK = (
    "rich",  # the text report on a terminal only
    "pickle",  # the two-core reader of a large input
    "pathspec",  # globs: exclude, .gitignore, units
    "ruamel",  # --fix migrations
    "concurrent.futures", "tempfile",  # kustomize builds
    "portlint.fixes.fixers", "portlint.fixes.subjects",  # proposing fixes for findings
    "portlint.render",  # no kustomization, chart or template among the files (input_stage)
    "portlint.trace", "portlint.report.sarif", "portlint.report.junit",
)

CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tiny\ndata:\n  a: b\n"

# runs the `portlint` entry point, then writes the names of the modules it imported to the file given first
PROBE = """
import json, sys
from portlint.__main__ import main
out, sys.argv = sys.argv[1], ["portlint", *sys.argv[2:]]
try:
    main()
finally:
    with open(out, "w") as handle:
        json.dump(sorted(sys.modules), handle)
"""


def imported_by(tmp_path, *args) -> tuple[int, set[str]]:
    listing = tmp_path / "modules.json"
    environment = {key: value for key, value in os.environ.items() if key not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    done = subprocess.run([sys.executable, "-c", PROBE, str(listing), *args], capture_output=True, text=True,
                          cwd=tmp_path, env=environment, timeout=60)
    return done.returncode, set(json.loads(listing.read_text()))


def loaded(modules: set[str], name: str) -> bool:
    return any(module == name or module.startswith(name + ".") for module in modules)


def test_a_clean_object_imports_no_path_it_does_not_take(tmp_path):
    (tmp_path / "tiny").mkdir()
    (tmp_path / "tiny" / "configmap.yaml").write_text(CONFIG_MAP)
    for output in ([], ["--format", "json"]):
        code, modules = imported_by(tmp_path, "check", "tiny", *output)
        assert code == 0 and "portlint.run" in modules  # the check ran
        assert [name for name in UNUSED_BY_A_CLEAN_CHECK if loaded(modules, name)] == [], output


def test_findings_load_the_fixers_and_a_pipe_still_gets_no_rich(tmp_path):
    """The other side: what the listing guards is imported once it is needed."""
    code, modules = imported_by(tmp_path, "check", str(ROOT / "examples" / "broken"))
    assert code == 1
    assert loaded(modules, "portlint.fixes.fixers") and loaded(modules, "portlint.fixes.subjects")
    assert not loaded(modules, "rich")  # the text report, written to a pipe


def test_a_trace_written_to_a_pipe_imports_no_rich(tmp_path):
    """trace_text draws the tree itself off a terminal; rich's Text and Tree are made on a terminal only."""
    code, modules = imported_by(tmp_path, "trace", "--all", str(ROOT / "examples" / "broken"))
    assert code == 1 and "portlint.report.trace_text" in modules
    assert not loaded(modules, "rich")


def test_exclude_globs_load_pathspec(tmp_path):
    (tmp_path / "tiny").mkdir()
    (tmp_path / "tiny" / "configmap.yaml").write_text(CONFIG_MAP)
    (tmp_path / "pyproject.toml").write_text('[tool.portlint]\nexclude = ["generated/"]\n')
    code, modules = imported_by(tmp_path, "check", "tiny")
    assert code == 0 and loaded(modules, "pathspec")


def test_no_check_imports_jsonschema(tmp_path):
    """Invalid manifests and config files are explained by portlint/schema_errors.py: jsonschema's import
    would cost more than the rules of a 10,000-object check (tests/test_schema_errors.py holds them equal)."""
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "service.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: 5}\n")
    (tmp_path / ".portlint.yaml").write_text("namespace: team\n")
    code, modules = imported_by(tmp_path, "check", "bad")
    assert code == 1 and "portlint.schema_errors" in modules and not loaded(modules, "jsonschema")
    (tmp_path / ".portlint.yaml").write_text("namespace: Not-A-Label\n")
    code, modules = imported_by(tmp_path, "check", "bad")
    assert code == 2 and not loaded(modules, "jsonschema")
