"""The terminal and the switches CI users expect: --help at 80 columns, wrapped findings, progress on a
pseudo-terminal (never in stdout), --exit-zero, --quiet, --statistics, "did you mean", no-manifest warning."""

import json
import os
import pty
import select
import subprocess
import sys

import pytest

from conftest import OTHER_PODS, ROOT, SERVICE_TEMPLATE

SERVICE = SERVICE_TEMPLATE.format(name="web", app="x", port=80)


def portlint(*args, cwd=ROOT, env=None):
    environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "portlint", *args], capture_output=True, text=True, cwd=cwd,
                          env=environment, timeout=120)


def on_terminal(args, cwd, stdout_tty: bool, columns=80, timeout=120) -> tuple[int, str, str]:
    """Run portlint with stderr (and stdout when asked) on a pseudo-terminal of `columns` columns.
    Returns (exit code, what the terminal showed, what the stdout pipe got)."""
    controller, terminal = pty.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    environment = {**os.environ, "COLUMNS": str(columns), "TERM": "xterm"}
    environment.pop("NO_COLOR", None)
    process = subprocess.Popen([sys.executable, "-m", "portlint", *args], cwd=cwd, env=environment,
                               stdout=terminal if stdout_tty else subprocess.PIPE, stderr=terminal,
                               stdin=subprocess.DEVNULL)
    os.close(terminal)
    shown, piped = b"", b""
    streams = [controller] + ([] if stdout_tty else [process.stdout.fileno()])
    while streams:
        ready, _, _ = select.select(streams, [], [], timeout)
        if not ready:
            process.kill()
            raise AssertionError("portlint hung on a terminal")
        for stream in ready:
            try:
                chunk = os.read(stream, 65536)
            except OSError:  # the terminal closed
                chunk = b""
            if not chunk:
                streams.remove(stream)
            elif stream == controller:
                shown += chunk
            else:
                piped += chunk
    os.close(controller)
    return process.wait(timeout), shown.decode("utf-8", "replace"), piped.decode("utf-8", "replace")


def test_help_at_80_columns_shows_every_default_and_the_pyproject_table():
    result = portlint("check", "--help", env={"COLUMNS": "80"})
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert max(map(len, lines)) <= 80
    text = " ".join(result.stdout.split())
    for shown in ("[default: text]", "[default: default]", "[default: 30000-32767]", "[default: warning]",
                  "[tool.portlint]", "--cluster-per-path / --no-cluster-per-path", "--gitignore / --no-gitignore",
                  "--exit-zero", "--quiet", "--statistics", "--write-baseline", "--show-suppressed",
                  "text|json|sarif|github|gitlab|junit"):
        assert shown in text, shown
    assert "…" not in result.stdout
    commands = portlint("--help", env={"COLUMNS": "80"})
    listed = commands.stdout.split("Commands:")[1]
    assert "..." not in listed and max(map(len, commands.stdout.splitlines())) <= 80
    assert "Check manifests for broken selectors, port chains, nodePorts, backends." in " ".join(commands.stdout.split())


def test_findings_wrap_at_the_terminal_width_with_a_hanging_indent():
    code, shown, _ = on_terminal(["check", "examples/broken"], ROOT, stdout_tty=True)
    assert code == 1
    lines = [line.rstrip() for line in shown.replace("\r\n", "\n").splitlines()]
    plain = [_strip_ansi(line) for line in lines]
    assert max(len(line) for line in plain) <= 80
    start = next(i for i, line in enumerate(plain) if "service-target-port-name-unresolved" in line)
    assert plain[start + 1].startswith("    ") and not plain[start + 1].startswith("     ")
    message = " ".join(line.strip() for line in plain[start:start + 3])
    assert "declares no TCP container port named http, so its pods get no endpoint" in message  # whole words


def _strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07", "", text)


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory):
    """A tree that takes well over a second to check (the benchmark generator, seeded): the progress shows only
    after the first second, and the files of 12,000 objects were read in less once the schema errors no longer
    imported jsonschema (24,000: about 3 s in all, the files read in about 1.5 s)."""
    out = tmp_path_factory.mktemp("big")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(out / "tree"), "--objects", "24000"],
                   check=True, capture_output=True, timeout=300)
    return out / "tree"


def test_progress_shows_on_a_terminal_and_stdout_json_stays_valid(big_tree):
    code, shown, piped = on_terminal(["check", str(big_tree), "-f", "json"], ROOT, stdout_tty=False)
    report = json.loads(piped)  # stdout untouched by the progress display
    assert report["summary"]["files"] > 500 and code in (0, 1)
    assert "reading files" in shown and "/" in shown  # rich's progress on stderr (the terminal)


def test_no_progress_on_a_pipe(big_tree):
    result = portlint("check", str(big_tree), "-f", "json")
    assert "reading files" not in result.stderr and json.loads(result.stdout)["summary"]["files"] > 500


def test_exit_zero_quiet_and_statistics(tmp_path):
    (tmp_path / "svc.yaml").write_text(SERVICE + OTHER_PODS)
    assert portlint("check", ".", cwd=tmp_path).returncode == 1
    assert portlint("check", ".", "--exit-zero", cwd=tmp_path).returncode == 0
    quiet = portlint("check", ".", "--quiet", cwd=tmp_path)
    assert quiet.returncode == 1 and "service-selector-no-match" in quiet.stdout
    assert "Found" not in quiet.stdout and quiet.stderr == ""
    stats = portlint("check", ".", "--statistics", cwd=tmp_path)
    assert stats.stdout == "1  error    service-selector-no-match\n" and stats.returncode == 1
    as_json = json.loads(portlint("check", ".", "--statistics", "-f", "json", cwd=tmp_path).stdout)
    assert as_json == [{"rule": "service-selector-no-match", "severity": "error", "count": 1}]


def test_a_path_without_manifests_is_warned_about(tmp_path):
    (tmp_path / "README.md").write_text("no manifests here\n")
    result = portlint("check", ".", cwd=tmp_path)
    assert result.returncode == 0
    assert "portlint: warning: no manifest files (*.yaml, *.yml, *.json) in ." in result.stderr


@pytest.mark.parametrize("args, message", [
    (["check", ".", "--select", "selector-no-match"],
     "--select: unknown rule id: selector-no-match (did you mean 'service-selector-no-match'?)"),
    (["check", ".", "--ignore", "deprecated-apis"], "(did you mean 'deprecated-api'?)"),
    (["rules", "yaml-duplicate-keys"], "(did you mean 'yaml-duplicate-key'?)"),
])
def test_a_misspelled_rule_id_suggests_the_right_one_and_exits_2(tmp_path, args, message):
    result = portlint(*args, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_a_misspelled_rule_id_in_the_config_file_too(tmp_path):
    (tmp_path / ".portlint.yaml").write_text("ignore: [service-selectr-no-match]\n")
    result = portlint("check", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert "(did you mean 'service-selector-no-match'?)" in result.stderr
