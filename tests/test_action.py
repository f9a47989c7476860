"""action.yml, the composite GitHub Action: its `run:` steps' commands, run here as the runner would run them.

GitHub's runner gives each step's `env:` (with `${{ inputs.* }}` and `${{ github.action_path }}`
filled in) to `bash -e {script}`; the steps that `uses:` another action are checked by name only.
The install step installs portlint from this checkout into a fresh virtual environment.
"""

import json
import os
import re
import shutil
import subprocess
import venv

import pytest
import yaml

from conftest import ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")


def _fill(text: str, inputs: dict) -> str:
    def value(match):
        name = match.group(1)
        if name == "github.action_path":
            return str(ROOT)
        assert name.startswith("inputs."), f"action.yml uses an expression this test does not know: {name}"
        return inputs[name.removeprefix("inputs.")]

    return EXPRESSION.sub(value, text)


def _runs(step: dict, inputs: dict) -> bool:
    condition = step.get("if")
    if condition is None:
        return True
    assert condition == "inputs.upload-sarif == 'true'", condition
    return inputs["upload-sarif"] == "true"


INSTALL = "Install portlint"


def run_action(workspace, venv_bin, install=False, **given) -> list[subprocess.CompletedProcess]:
    """Every `run:` step of the action whose condition holds, in order, until one fails (as the runner does);
    the install step only when asked (the module's venv fixture runs it once, for real)."""
    inputs = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()} | given
    results = []
    for step in ACTION["runs"]["steps"]:
        if "run" not in step or not _runs(step, inputs) or (step.get("name") == INSTALL) != install:
            continue
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], "inputs must reach the script through env, never spliced into it"
        environment = {**os.environ, "PATH": f"{venv_bin}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1"}
        environment.pop("VIRTUAL_ENV", None)
        environment.update({key: _fill(str(value), inputs) for key, value in step.get("env", {}).items()})
        result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                                cwd=workspace, env=environment, capture_output=True, text=True, timeout=600)
        results.append(result)
        if result.returncode:
            break
    return results


@pytest.fixture(scope="module")
def venv_bin(tmp_path_factory):
    """A fresh virtual environment, as actions/setup-python gives, filled by the action's install step."""
    base = tmp_path_factory.mktemp("action")
    venv.create(base / "venv", with_pip=True)
    bin_dir = base / "venv" / "bin"
    [install] = run_action(base, bin_dir, install=True)
    assert install.returncode == 0, install.stdout + install.stderr
    return bin_dir


@pytest.fixture
def workspace(tmp_path):
    """A checked-out repository with the broken example in k8s/."""
    shutil.copytree(ROOT / "examples" / "broken", tmp_path / "k8s")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    return tmp_path


def test_the_action_uses_setup_python_and_upload_sarif():
    uses = [step["uses"] for step in ACTION["runs"]["steps"] if "uses" in step]
    assert uses == ["actions/setup-python@v5", "github/codeql-action/upload-sarif@v3"]
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) >= {"paths", "format", "fail-on", "upload-sarif"}


def test_the_action_installs_portlint_and_annotates_then_fails(workspace, venv_bin):
    assert (venv_bin / "portlint").is_file()  # the install step put it there, from this checkout
    [check] = run_action(workspace, venv_bin, paths="k8s")
    assert check.returncode == 1
    assert check.stdout.startswith("::error file=k8s/api.yaml,line=33,col=7,title=service-target-port-name-unresolved")
    assert check.stderr.startswith("portlint: errors: 4")


def test_the_action_writes_sarif_before_it_fails_and_honours_fail_on(workspace, venv_bin):
    sarif, check = run_action(workspace, venv_bin, paths="k8s", **{"upload-sarif": "true", "fail-on": "error"})
    assert sarif.returncode == 0, sarif.stderr  # --exit-zero: the upload step still runs
    log = json.loads((workspace / "portlint.sarif").read_text())
    assert len(log["runs"][0]["results"]) == 4
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "k8s/api.yaml"
    assert check.returncode == 1


def test_an_input_cannot_inject_shell(workspace, venv_bin):
    marker = workspace / "pwned"
    results = run_action(workspace, venv_bin, paths=f"k8s $(touch {marker}) ;touch {marker}")
    assert not marker.exists()
    assert results[-1].returncode == 2 and "path does not exist" in results[-1].stderr
