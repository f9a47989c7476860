"""Outputs never damage an input: --output and --write-baseline refuse a target that is an input of the
run (exit 2, one line, every input byte for byte as before); what is written is written atomically."""

import os
import signal
import subprocess
import sys

import pytest

from conftest import OTHER_PODS, ROOT, run_portlint, tree_bytes
from portlint import outputs

BROKEN = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: nobody}
  ports: [{port: 80}]
""" + OTHER_PODS


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "deploy" / "overlay").mkdir(parents=True)
    (tmp_path / "deploy" / "svc.yaml").write_text(BROKEN)
    (tmp_path / "deploy" / "neighbour.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    (tmp_path / "deploy" / "skipped.tmpl.yaml").write_text("kind: ConfigMap\n")
    (tmp_path / "deploy" / "overlay" / "kustomization.yaml").write_text("patches:\n  - path: patch.yaml\n")
    (tmp_path / "deploy" / "overlay" / "patch.yaml").write_text("kind: Deployment\nmetadata: {name: web}\n")
    (tmp_path / ".portlint.yaml").write_text("paths: [deploy]\nexclude: ['*.tmpl.yaml']\n")
    os.symlink("deploy/svc.yaml", tmp_path / "link-to-svc.txt")
    os.link(tmp_path / "deploy" / "svc.yaml", tmp_path / "hard-link.txt")
    return tmp_path


@pytest.mark.parametrize("args, shown", [
    (["--output", "deploy/svc.yaml"], "--output: deploy/svc.yaml is an input of this run"),
    (["-o", "link-to-svc.txt"], "--output: link-to-svc.txt is an input of this run (deploy/svc.yaml)"),
    (["-o", "hard-link.txt"], "--output: hard-link.txt is an input of this run (deploy/svc.yaml)"),
    (["-o", "deploy/neighbour.yaml"], "--output: deploy/neighbour.yaml is an input of this run"),
    (["-o", "deploy/skipped.tmpl.yaml"], "--output: deploy/skipped.tmpl.yaml is an input of this run"),  # excluded
    (["-o", "deploy/overlay/patch.yaml"], "--output: deploy/overlay/patch.yaml is an input"),  # a kustomize patch
    (["-o", ".portlint.yaml"], "--output: .portlint.yaml is an input of this run"),  # the config file
    (["--write-baseline", "deploy/svc.yaml"], "--write-baseline: deploy/svc.yaml is an input of this run"),
    (["--write-baseline", ".portlint.yaml"], "--write-baseline: .portlint.yaml is an input of this run"),
    (["-f", "json", "-o", "deploy/svc.yaml"], "--output: deploy/svc.yaml is an input of this run"),
])
def test_an_output_onto_an_input_is_refused_and_changes_nothing(repo, args, shown):
    before = tree_bytes(repo)
    result = run_portlint("check", *args, cwd=repo)
    assert result.returncode == 2, result.stderr
    assert result.stderr.decode().startswith(f"portlint: error: {shown}")
    assert result.stderr.count(b"\n") == 1 and result.stdout == b""
    assert tree_bytes(repo) == before


def test_the_baseline_read_and_a_file_on_stdin_are_inputs_too(repo):
    run_portlint("check", "--write-baseline", "baseline.json", cwd=repo)
    before = tree_bytes(repo)
    onto_baseline = run_portlint("check", "--baseline", "baseline.json", "-o", "baseline.json", cwd=repo)
    assert b"--output: baseline.json is an input of this run" not in onto_baseline.stderr  # a baseline is ours
    assert tree_bytes(repo) != before  # ... so it was overwritten, as asked
    before = tree_bytes(repo)
    with open(repo / "deploy" / "svc.yaml", "rb") as stdin:
        from_stdin = run_portlint("check", "-", "-o", "hard-link.txt", cwd=repo, stdin=stdin.read())
    assert from_stdin.returncode == 1  # stdin was a pipe here, not the file: nothing to protect
    (repo / "hard-link.txt").unlink()
    os.link(repo / "deploy" / "svc.yaml", repo / "hard-link.txt")
    before = tree_bytes(repo)
    with open(repo / "deploy" / "svc.yaml", "rb") as stdin:
        onto_stdin = subprocess.run([sys.executable, "-m", "portlint", "check", "-", "-o", "hard-link.txt"],
                                    stdin=stdin, capture_output=True, cwd=repo, timeout=60)
    assert onto_stdin.returncode == 2
    assert b"is an input of this run (the file on stdin)" in onto_stdin.stderr
    assert tree_bytes(repo) == before


@pytest.mark.parametrize("command", ["check", "check --show-units"])
def test_stdout_appending_to_an_input_is_refused(repo, command):
    before = tree_bytes(repo)
    result = subprocess.run(f"{sys.executable} -m portlint {command} >> deploy/svc.yaml", shell=True, cwd=repo,
                            capture_output=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == b"portlint: error: stdout appends to deploy/svc.yaml, an input of this run; refusing " \
                            b"to write the report into it\n"
    assert tree_bytes(repo) == before


def test_an_earlier_report_or_baseline_may_be_overwritten(repo):
    """A JSON report written into a checked directory is read by the next run (it is no manifest):
    writing it again is what the user asks, not data loss."""
    for output_format in ("json", "sarif"):
        for _ in range(2):
            result = run_portlint("check", "-f", output_format, "-o", f"deploy/report.{output_format}.json", cwd=repo)
            assert result.returncode == 1, result.stderr
    for _ in range(2):
        result = run_portlint("check", "--write-baseline", "deploy/baseline.json", cwd=repo)
        assert result.returncode == 0, result.stderr


def test_an_output_through_a_link_replaces_the_file_it_points_at_and_keeps_its_mode(repo):
    (repo / "reports").mkdir()
    (repo / "reports" / "old.txt").write_text("old report\n")
    (repo / "reports" / "old.txt").chmod(0o640)
    os.symlink("reports/old.txt", repo / "report.txt")
    assert run_portlint("check", "-o", "report.txt", cwd=repo).returncode == 1
    assert os.path.islink(repo / "report.txt")
    assert "service-selector-no-match" in (repo / "reports" / "old.txt").read_text()
    assert oct((repo / "reports" / "old.txt").stat().st_mode & 0o777) == oct(0o640)
    assert sorted(os.listdir(repo / "reports")) == ["old.txt"]  # no temporary file left behind


@pytest.mark.parametrize("target, reason", [
    ("/dev/full", "No space left on device"),
    ("missing/dir/report.txt", "No such file or directory"),
    ("deploy", "it is a directory"),
])
def test_an_output_that_cannot_be_written_is_exit_2_with_the_reason(repo, target, reason):
    result = run_portlint("check", "-o", target, cwd=repo)
    assert result.returncode == 2
    assert result.stderr.decode() == f"portlint: error: --output: cannot write {target}: {reason}\n"


def test_a_device_or_pipe_is_written_in_place(repo):
    result = run_portlint("check", "-o", "/dev/stdout", cwd=repo)
    assert result.returncode == 1 and b"service-selector-no-match" in result.stdout


def test_an_interrupted_write_leaves_the_old_file_whole(tmp_path):
    target = tmp_path / "report.json"
    target.write_text('{"old": true}\n')
    with pytest.raises(KeyboardInterrupt):
        with outputs.atomic_write(str(target), "--output") as stream:
            stream.write('{"new": ')
            raise KeyboardInterrupt
    assert target.read_text() == '{"old": true}\n' and os.listdir(tmp_path) == ["report.json"]
    # killed outright mid-write (no cleanup runs): the target is still the old file, whole
    code = ("import os, signal, sys\nfrom portlint import outputs\n"
            "with outputs.atomic_write(sys.argv[1], '--output') as stream:\n"
            "    stream.write('{\"new\": ' * 100000); stream.flush(); os.kill(os.getpid(), signal.SIGKILL)\n")
    killed = subprocess.run([sys.executable, "-c", code, str(target)], cwd=ROOT, timeout=60)
    assert killed.returncode == -signal.SIGKILL
    assert target.read_text() == '{"old": true}\n'


def test_two_writers_of_one_report_leave_a_whole_one(tmp_path):
    """Two runs writing one report at once, interleaved as badly as they can be: each writes its own
    temporary file and renames it into place, so the report is always one whole run's (with a plain
    open-and-write, the second truncates the first, which then writes on past a hole)."""
    target = tmp_path / "report.json"
    first_report, second_report = "[" + "1," * 50_000 + "1]\n", "[" + "2," * 30_000 + "2]\n"
    with outputs.atomic_write(str(target), "--output") as first:
        first.write(first_report[:70_000])
        first.flush()
        with outputs.atomic_write(str(target), "--output") as second:
            second.write(second_report)
        assert target.read_text() == second_report
        first.write(first_report[70_000:])
    assert target.read_text() == first_report
    assert os.listdir(tmp_path) == ["report.json"]
