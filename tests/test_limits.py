"""Limits on everything portlint reads, not only manifests: a configuration file or baseline that is
an alias bomb, nested too deep, too large, a FIFO or a device, and endless or closed stdin, each end
in exit 2 with one line, within seconds and under an address-space limit."""

import json
import os
import resource
import subprocess
import sys
import time

import pytest

from conftest import run_portlint
from portlint import limits

SERVICE = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: x}, ports: [{port: 80}]}\n"
ALIAS_BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 12)) + "exclude: *a11\n"


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def _bounded_run(*args, cwd, stdin=subprocess.DEVNULL, seconds=30):
    """portlint under a 1 GiB address-space limit; the time it took."""
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "portlint", *args], cwd=cwd, stdin=stdin, capture_output=True,
                            text=True, timeout=seconds, preexec_fn=_limit_memory)
    return result, time.monotonic() - started


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "svc.yaml").write_text(SERVICE)
    return tmp_path


def _sparse(path, size):
    with open(path, "wb") as handle:
        handle.truncate(size)


CONFIGS = {
    "alias bomb": (".portlint.yaml", ALIAS_BOMB, "aliases expand to more than 1,000,000 nodes"),
    "deep YAML": (".portlint.yaml", "exclude: " + "[" * 5000 + "]" * 5000 + "\n", "nesting depth"),
    "deep TOML": ("pyproject.toml", "[tool.portlint]\npaths = " + "[" * 50000 + "]" * 50000 + "\n",
                  "nested more than 1,000 levels deep"),
    "dotted TOML key": ("pyproject.toml", "[tool.other]\n" + "a" + ".a" * 100_000 + " = 1\n",
                        "a dotted key has more than 1,000 parts"),
    "TOML integer of 5,000 digits": ("pyproject.toml", "[tool.portlint]\nx = " + "1" * 5000 + "\n",
                                     "invalid TOML"),
    "YAML integer of 5,000 digits": (".portlint.yaml", "namespace: " + "1" * 5000 + "\n",
                                     "a number with more than 4,300 digits"),
}


@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_a_hostile_config_file_is_exit_2_within_seconds(repo, case):
    name, text, message = CONFIGS[case]
    (repo / name).write_text(text)
    result, seconds = _bounded_run("check", ".", cwd=repo)  # found, not named: a repository's own file
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"portlint: error: {name}: ") and message in result.stderr
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 500
    assert seconds < 20


@pytest.mark.parametrize("option", ["--config", "--baseline"])
@pytest.mark.parametrize("kind", ["fifo", "device", "too large", "directory"])
def test_a_config_or_baseline_that_is_no_regular_file_is_exit_2(repo, option, kind):
    target = {"fifo": repo / "settings.json", "device": "/dev/zero", "too large": repo / "settings.json",
              "directory": repo}[kind]
    if kind == "fifo":
        os.mkfifo(target)  # nobody writes to it: reading it would wait for ever
    elif kind == "too large":
        _sparse(target, 100 * 1024 * 1024)
    result, seconds = _bounded_run("check", ".", option, str(target), cwd=repo)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and seconds < 20
    assert any(reason in result.stderr for reason in (
        "not a regular file", "larger than 32 MiB", "no such file", "is a directory")), result.stderr


def test_a_deeply_nested_baseline_is_exit_2(repo):
    (repo / "baseline.json").write_text("[" * 100_000 + "]" * 100_000)
    result, _ = _bounded_run("check", ".", "--baseline", "baseline.json", cwd=repo)
    assert (result.returncode, result.stderr) == (
        2, "portlint: error: --baseline: baseline.json: nested more than 1,000 levels deep\n")


def test_endless_stdin_is_exit_2_within_seconds(repo):
    """The 32 MiB bound holds for stdin too: portlint stops reading and says so."""
    endless = subprocess.Popen([sys.executable, "-c", "import sys\nwhile True: sys.stdout.write('# x\\n' * 4096)"],
                               stdout=subprocess.PIPE)
    try:
        result, seconds = _bounded_run("check", "-", cwd=repo, stdin=endless.stdout)
    finally:
        endless.kill()
        endless.wait()
    assert result.returncode == 2
    assert result.stderr == "portlint: error: stdin holds more than 32 MiB; refused (check the files themselves, " \
                            "or split the input)\n"
    assert seconds < 20


def test_closed_stdin_is_exit_2(repo):
    result = subprocess.run([sys.executable, "-m", "portlint", "check", "-"], cwd=repo, capture_output=True,
                            text=True, timeout=60, stdin=subprocess.DEVNULL, preexec_fn=lambda: os.close(0))
    assert (result.returncode, result.stderr) == (
        2, "portlint: error: stdin is closed; give files or directories to check instead of '-'\n")


def test_an_integer_of_5000_digits_in_a_manifest_is_a_finding(repo):
    (repo / "big.yaml").write_text(SERVICE.replace("port: 80", "port: " + "8" * 5000))
    result = run_portlint("check", ".", "-f", "json", cwd=repo)
    assert result.returncode == 1, result.stderr
    assert b"a number with more than 4,300 digits cannot be read" in result.stdout


def test_forty_thousand_exclude_globs_finish_within_seconds(tmp_path):
    """fnmatch would thrash its 32,768-entry cache on 40,000 globs; whatever matches them must stay fast."""
    for number in range(50):
        (tmp_path / f"svc-{number}.yaml").write_text(SERVICE.replace("name: web", f"name: web-{number}"))
    (tmp_path / ".portlint.yaml").write_text("exclude:\n" + "".join(f"  - gen-{i}-*.yaml\n" for i in range(40_000)))
    result = subprocess.run([sys.executable, "-m", "portlint", "check", ".", "-f", "json"], cwd=tmp_path,
                            capture_output=True, timeout=15)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["files"] == 50  # none of the globs matches a file


@pytest.mark.parametrize("size", [0, 1, 4096, limits._MIB, 3 * limits._MIB + 5])
def test_a_file_is_read_whole_whatever_its_size(tmp_path, size):
    path = tmp_path / "f.yaml"
    path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    assert limits.read_file(str(path)) == path.read_bytes()


@pytest.mark.parametrize("reported", [0, 10])
def test_a_file_larger_than_its_size_said_is_read_to_its_end(tmp_path, monkeypatch, reported):
    """It grew between the size check and the read: the first read asks for the size, the rest follows."""
    path = tmp_path / "f.yaml"
    path.write_bytes(b"a: 1\n" * 1000)
    real_fstat = os.fstat
    monkeypatch.setattr(limits.os, "fstat", lambda fd: os.stat_result((*real_fstat(fd)[:6], reported,
                                                                         *real_fstat(fd)[7:])))
    assert limits.read_file(str(path)) == b"a: 1\n" * 1000


def test_a_file_past_the_bound_after_its_size_said_less_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "f.yaml"
    path.write_bytes(b"x" * 2048)
    real_fstat = os.fstat
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 1024)
    monkeypatch.setattr(limits.os, "fstat", lambda fd: os.stat_result((*real_fstat(fd)[:6], 100, *real_fstat(fd)[7:])))
    with pytest.raises(limits.Refused, match="larger than"):
        limits.read_file(str(path))
