"""The pre-commit hook, for real: pre-commit installs portlint from a git repository and runs it.

pre-commit installs a hook from a repository at a commit, so the project as it is on disk (committed or
not) is copied into a temporary git repository and committed there first. Every user repository here
names that commit in its .pre-commit-config.yaml, as the README shows, and all of them share one
pre-commit home: the hook's environment is installed once for the module (`try-repo` would install it
afresh on every run, 15-25 s each).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import OTHER_PODS, ROOT, WEB_DEPLOYMENT as DEPLOYMENT

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


def write_config(repository: Path, hook_repo: tuple[Path, Path], hooks: tuple[str, ...] = ("portlint",)) -> None:
    """The README's .pre-commit-config.yaml, with the rev `pre-commit autoupdate --freeze` writes (a commit of
    main: no release is tagged)."""
    project = hook_repo[0]
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True,
                         check=True).stdout.strip()
    ids = "".join(f"      - id: {hook}\n" for hook in hooks)
    (repository / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {project.as_uri()}\n    rev: {rev}\n    hooks:\n{ids}")


def run_hook(repository: Path, hook_repo: tuple[Path, Path], *args: str) -> subprocess.CompletedProcess:
    """`pre-commit run portlint` as a user runs it: the staged files, or `--all-files` as CI does."""
    return pre_commit("run", "portlint", *args, cwd=repository, home=hook_repo[1])


@pytest.fixture
def user_repo(tmp_path, hook_repo) -> Path:
    """A repository whose manifests live in deploy/ (configured `paths`), with other YAML elsewhere, and the
    hook configured."""
    write_config(tmp_path, hook_repo)
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


def test_hook_manifest_checks_the_whole_set_on_every_commit():
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"portlint", "portlint-fix"}
    assert hooks["portlint"]["entry"] == "portlint check --pre-commit"
    assert hooks["portlint-fix"]["entry"] == "portlint check --pre-commit --fix"
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        # deleted files never reach pre-commit's type filter: the hook must run on every commit
        assert hook["always_run"] is True and "types_or" not in hook and "files" not in hook


def test_the_hook_passes_on_consistent_manifests(hook_repo, user_repo):
    result = run_hook(user_repo, hook_repo, "--all-files")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "portlint" in result.stdout and "Passed" in result.stdout


def test_the_hook_fails_on_a_broken_chain_and_shows_the_finding(hook_repo, user_repo):
    (user_repo / "deploy" / "service.yaml").write_text(SERVICE.replace("app: web", "app: Web"))
    git("add", "-A", cwd=user_repo)
    result = run_hook(user_repo, hook_repo, "--all-files")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout
    assert "deploy/service.yaml" in result.stdout and "service-selector-no-match" in result.stdout


def test_a_change_to_one_file_is_checked_against_the_unchanged_others(hook_repo, user_repo):
    # only the Deployment is staged, but the Service it no longer serves is in another, unchanged file
    (user_repo / "deploy" / "deployment.yaml").write_text(DEPLOYMENT.replace("app: web", "app: frontend"))
    git("add", "deploy/deployment.yaml", cwd=user_repo)
    result = run_hook(user_repo, hook_repo)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "deploy/service.yaml" in result.stdout and "service-selector-no-match" in result.stdout


def _install_hook(hook_repo, user_repo) -> None:
    """The configured hook installed as the repository's git pre-commit hook (`pre-commit install`)."""
    result = pre_commit("install", cwd=user_repo, home=hook_repo[1])
    assert result.returncode == 0, result.stdout + result.stderr


def commit(user_repo, home, message):
    """A real `git commit`: git runs the installed hook, which runs pre-commit, which runs portlint."""
    environment = {**os.environ, "NO_COLOR": "1", "PRE_COMMIT_COLOR": "never", "PRE_COMMIT_HOME": str(home)}
    environment.pop("GIT_INDEX_FILE", None)
    return subprocess.run(["git", "-c", "user.name=portlint tests", "-c", "user.email=tests@portlint.invalid",
                           "-c", "commit.gpgsign=false", "commit", "-m", message], cwd=user_repo,
                          capture_output=True, text=True, env=environment, timeout=900)


def test_a_commit_that_only_deletes_the_selected_deployment_fails(hook_repo, user_repo):
    # other pods stay in the namespace, so the Service is not taken to front pods installed elsewhere
    (user_repo / "deploy" / "other.yaml").write_text(OTHER_PODS)
    git("add", "deploy/other.yaml", cwd=user_repo)
    git("commit", "-q", "-m", "other pods", cwd=user_repo)
    _install_hook(hook_repo, user_repo)
    git("rm", "-q", "deploy/deployment.yaml", cwd=user_repo)
    result = commit(user_repo, hook_repo[1], "remove the web Deployment")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Skipped" not in output and "Failed" in output
    assert "deploy/service.yaml" in output and "service-selector-no-match" in output
    head = subprocess.run(["git", "log", "-1", "--format=%s"], cwd=user_repo, capture_output=True, text=True)
    assert head.stdout.strip() == "other pods"  # the broken commit did not land


def test_a_commit_without_manifests_exits_quickly_and_one_with_them_is_checked(hook_repo, user_repo):
    _install_hook(hook_repo, user_repo)
    # the manifests are broken in the working tree, but this commit touches none of them
    (user_repo / "deploy" / "service.yaml").write_text(SERVICE.replace("app: web", "app: Web"))
    (user_repo / "README.md").write_text("docs\n")
    git("add", "README.md", cwd=user_repo)
    quick = commit(user_repo, hook_repo[1], "docs only")
    assert quick.returncode == 0, quick.stdout + quick.stderr
    assert "portlint" in quick.stderr and "Passed" in quick.stderr  # git shows hooks' output on stderr
    git("add", "deploy/service.yaml", cwd=user_repo)
    checked = commit(user_repo, hook_repo[1], "break the selector")
    assert checked.returncode != 0 and "service-selector-no-match" in checked.stdout + checked.stderr


@pytest.mark.skipif(shutil.which("kustomize") is None and shutil.which("kubectl") is None,
                    reason="neither kustomize nor kubectl is installed")
def test_the_hook_renders_kustomize_overlays_and_points_at_the_patch(hook_repo, tmp_path):
    from test_render import BASE, PROD, write

    fixed = PROD["overlays/prod/service-port.yaml"].replace("targetPort: web", "targetPort: http")
    write(tmp_path, {**BASE, **PROD, "overlays/prod/service-port.yaml": fixed})
    write_config(tmp_path, hook_repo)
    git("init", "-q", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)
    git("commit", "-q", "-m", "app", cwd=tmp_path)
    passing = run_hook(tmp_path, hook_repo, "--all-files")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    write(tmp_path, {"overlays/prod/service-port.yaml": PROD["overlays/prod/service-port.yaml"]})
    git("add", "overlays/prod/service-port.yaml", cwd=tmp_path)
    result = run_hook(tmp_path, hook_repo)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "overlays/prod/service-port.yaml" in result.stdout and "(rendered from overlays/prod)" in result.stdout


def test_the_fix_hook_repairs_the_manifests_and_fails_so_that_the_change_is_reviewed(hook_repo, user_repo):
    write_config(user_repo, hook_repo, hooks=("portlint-fix",))  # as the README shows it
    (user_repo / "deploy" / "service.yaml").write_text(SERVICE.replace("app: web", "app: Web"))
    git("add", "-A", cwd=user_repo)
    result = pre_commit("run", "portlint-fix", "--all-files", cwd=user_repo, home=hook_repo[1])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout and "files were modified by this hook" in result.stdout
    assert "Fixed 1 finding in 1 file (0 remaining)" in result.stdout
    assert (user_repo / "deploy" / "service.yaml").read_text() == SERVICE
    git("add", "-A", cwd=user_repo)
    again = pre_commit("run", "portlint-fix", "--all-files", cwd=user_repo, home=hook_repo[1])
    assert again.returncode == 0 and "Passed" in again.stdout, again.stdout + again.stderr
