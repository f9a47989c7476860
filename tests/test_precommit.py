"""The pre-commit hook, for real: `pre-commit try-repo` installs portlint from a git repository and runs it.

try-repo installs from a repository's committed HEAD, so the project as it is on disk (committed or
not) is copied into a temporary git repository and committed there first.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, WEB_DEPLOYMENT as DEPLOYMENT

SKIP = shutil.ignore_patterns(".git", "__pycache__", ".pytest_cache", ".hypothesis", "*.egg-info", "build", "dist",
                              ".venv")
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
"""


def git(*args, cwd):
    subprocess.run(["git", "-c", "user.name=portlint tests", "-c", "user.email=tests@portlint.invalid",
                    "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
                   cwd=cwd, check=True, capture_output=True)


def pre_commit(*args, cwd, home):
    environment = {**os.environ, "NO_COLOR": "1", "PRE_COMMIT_COLOR": "never", "PRE_COMMIT_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, capture_output=True, text=True,
                          env=environment, timeout=900)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> tuple[Path, Path]:
    """(the project committed in a temporary repository, a pre-commit home shared by this module's runs)."""
    pytest.importorskip("pre_commit", reason="pre-commit is in the test extras")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    base = tmp_path_factory.mktemp("hook")
    project = base / "portlint"
    shutil.copytree(ROOT, project, ignore=SKIP)
    git("init", "-q", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "portlint as on disk", cwd=project)
    return project, base / "pre-commit-home"


@pytest.fixture
def user_repo(tmp_path) -> Path:
    """A repository whose manifests live in deploy/ (configured `paths`), with other YAML elsewhere."""
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "service.yaml").write_text(SERVICE)
    (tmp_path / "deploy" / "deployment.yaml").write_text(DEPLOYMENT)
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "ci.yml").write_text("on: push\njobs: {}\n")
    (tmp_path / ".portlint.yaml").write_text("paths: [deploy]\n")
    git("init", "-q", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)
    git("commit", "-q", "-m", "app", cwd=tmp_path)
    return tmp_path


def test_hook_manifest_checks_the_whole_set():
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "portlint" and hook["language"] == "python"
    assert hook["entry"] == "portlint check" and hook["pass_filenames"] is False
    assert set(hook["types_or"]) == {"yaml", "json"}


def test_try_repo_passes_on_consistent_manifests(hook_repo, user_repo):
    result = pre_commit("try-repo", str(hook_repo[0]), "portlint", "--all-files", cwd=user_repo, home=hook_repo[1])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "portlint" in result.stdout and "Passed" in result.stdout


def test_try_repo_fails_on_a_broken_chain_and_shows_the_finding(hook_repo, user_repo):
    (user_repo / "deploy" / "service.yaml").write_text(SERVICE.replace("app: web", "app: Web"))
    git("add", "-A", cwd=user_repo)
    result = pre_commit("try-repo", str(hook_repo[0]), "portlint", "--all-files", cwd=user_repo, home=hook_repo[1])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout
    assert "deploy/service.yaml" in result.stdout and "service-selector-no-match" in result.stdout


def test_a_change_to_one_file_is_checked_against_the_unchanged_others(hook_repo, user_repo):
    # only the Deployment is staged, but the Service it no longer serves is in another, unchanged file
    (user_repo / "deploy" / "deployment.yaml").write_text(DEPLOYMENT.replace("app: web", "app: frontend"))
    git("add", "deploy/deployment.yaml", cwd=user_repo)
    result = pre_commit("try-repo", str(hook_repo[0]), "portlint", cwd=user_repo, home=hook_repo[1])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "deploy/service.yaml" in result.stdout and "service-selector-no-match" in result.stdout
