"""Reading on two cores gives exactly what a serial read gives: same documents, findings and report."""

import json

from conftest import ROOT
from test_scaling import generate

from portlint import discovery, loader, parallel
from portlint.report.json_format import report_dict
from portlint.run import check_paths
from portlint.settings import Settings


def report_json(paths, monkeypatch, minimum_bytes):
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", minimum_bytes)
    return json.dumps(report_dict(check_paths(paths, Settings())), sort_keys=True)


def test_parallel_and_serial_reports_are_identical(tmp_path, monkeypatch):
    summary = generate.generate(tmp_path / "tree", 800, seed=5)
    assert summary["faults"]
    paths = [str(tmp_path / "tree"), str(ROOT / "tests" / "hostile"), str(ROOT / "examples" / "broken")]
    serial = report_json(paths, monkeypatch, minimum_bytes=10**12)
    split = report_json(paths, monkeypatch, minimum_bytes=0)
    assert json.loads(serial)["findings"] and split == serial


def test_the_split_keeps_file_order_and_every_file(tmp_path, monkeypatch):
    generate.generate(tmp_path / "tree", 300, seed=2, faults=False)
    files, _ = discovery.discover([str(tmp_path / "tree")])
    head, tail = parallel._split(files)
    assert head and tail and head + tail == files
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    result = parallel.load_files(files)
    assert [d.source.path for d in result.documents] == [d.source.path for d in loader.load_files(files).documents]
    assert all(d.problems is not None for d in result.documents if "kind" in d.data)


def test_small_inputs_and_stdin_are_read_serially(tmp_path):
    (tmp_path / "a.yaml").write_text("kind: A\n")
    (tmp_path / "b.yaml").write_text("kind: B\n")
    files = [str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")]
    assert not parallel._worth_it(files)
    assert not parallel._worth_it(files + [loader.STDIN])


# --- the worker is only a speed-up: whatever happens to it, the report is the serial one ------------

import errno  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import pytest  # noqa: E402

SERVICE = ("apiVersion: v1\nkind: Service\nmetadata: {{name: web-{n}}}\n"
           "spec: {{selector: {{app: nobody}}, ports: [{{port: 80}}]}}\n")


def _write_tree(root, services: int, deep_services: int):
    for name in ("a.yaml", "b.yaml"):
        (root / name).write_text("---\n".join(SERVICE.format(n=f"{name[0]}{n}") for n in range(services)))
    deep = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: " + "{a: " * 998 + "1" + "}" * 998 + "\n"
    (root / "c.yaml").write_text("---\n".join(SERVICE.format(n=f"c{n}") for n in range(deep_services)) + "---\n" + deep)
    return [str(root / name) for name in ("a.yaml", "b.yaml", "c.yaml")]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Three files, the last one with a document nested as deep as the parser allows: the worker reads it."""
    return _write_tree(tmp_path_factory.mktemp("parallel"), 300, 300)


@pytest.fixture(scope="module")
def large_tree(tmp_path_factory):
    """Over 2 MiB (PARALLEL_MIN_BYTES): `portlint check` forks its worker for c.yaml."""
    root = tmp_path_factory.mktemp("parallel-large")
    _write_tree(root, 12_000, 3_000)
    return root


def _split_report(paths, monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    report = check_paths(paths, Settings())
    return json.dumps(report_dict(report), sort_keys=True), report.notes


def test_a_deep_document_read_by_the_worker_gives_the_serial_report(files, monkeypatch):
    """Pickling a document recurses once per level: the worker allows the loader's 1,000 levels."""
    assert parallel._split(files)[1] == files[2:]
    serial = report_json(files, monkeypatch, minimum_bytes=10**12)
    split, notes = _split_report(files, monkeypatch)
    assert split == serial and notes == []


def test_a_killed_worker_still_gives_the_full_identical_report(files, monkeypatch):
    serial = report_json(files, monkeypatch, minimum_bytes=10**12)

    def killed(*args):
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(parallel, "_work", killed)
    split, notes = _split_report(files, monkeypatch)
    assert split == serial
    assert notes == ["the second reader failed (killed by SIGKILL); its 1 files were read in this process"]


def test_a_fork_that_fails_reads_serially_with_a_note(files, monkeypatch):
    serial = report_json(files, monkeypatch, minimum_bytes=10**12)

    def no_more_processes():
        raise BlockingIOError(errno.EAGAIN, os.strerror(errno.EAGAIN))  # what fork gives under `ulimit -u`

    monkeypatch.setattr(parallel.os, "fork", no_more_processes)
    split, notes = _split_report(files, monkeypatch)
    assert split == serial
    assert notes == ["the second reader could not be started (Resource temporarily unavailable); its 1 files "
                     "were read in this process"]


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("signal_number, code", [(signal.SIGTERM, 130), (signal.SIGINT, 130), (signal.SIGKILL, None)])
def test_a_signal_ends_portlint_and_its_worker_and_stdout_closes(large_tree, signal_number, code):
    """The worker never holds stdout and never outlives portlint, even when portlint is killed outright:
    a pipe reading portlint's output ends when portlint does."""
    process = subprocess.Popen([sys.executable, "-m", "portlint", "check", str(large_tree)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=ROOT)
    deadline = time.monotonic() + 60
    while not _children(process.pid) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    workers = _children(process.pid)
    assert workers, "the worker was never forked"
    process.send_signal(signal_number)
    started = time.monotonic()
    out, err = process.communicate(timeout=30)  # EOF on stdout: nothing else holds it
    assert time.monotonic() - started < 10
    assert process.returncode == (code if code is not None else -signal.SIGKILL), err
    assert b"Traceback" not in err
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers)


# --- the worker only where a second CPU is there to run it ----------------------------------------

def test_a_process_pinned_to_one_cpu_reads_serially():
    import shutil

    if shutil.which("taskset") is None:
        pytest.skip("taskset (util-linux) is not installed: cannot pin a process to one CPU here")
    code = "from portlint import parallel; print(parallel.usable_cpus())"
    pinned = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", code], capture_output=True, text=True)
    assert pinned.stdout.strip() == "1", pinned.stderr
    free = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert int(free.stdout) == parallel.usable_cpus()  # unpinned: the same as this process


@pytest.mark.parametrize("files, cpus", [
    ({"cpu.max": "100000 100000\n"}, 1),  # docker --cpus=1 on cgroup v2
    ({"cpu.max": "150000 100000\n"}, 1),  # 1.5 CPUs: a second process would share the half
    ({"cpu.max": "400000 100000\n"}, 4),  # 4 CPUs: at most 4, fewer if the affinity mask says so
    ({"cpu.max": "max 100000\n"}, None),  # no quota
    ({"cpu/cpu.cfs_quota_us": "50000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 1),  # cgroup v1, half a CPU
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),  # cgroup v1, no quota
    ({}, None),  # no cgroup filesystem
])
def test_a_cgroup_cpu_quota_caps_the_cpus(tmp_path, files, cpus):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    mask = len(os.sched_getaffinity(0))
    assert parallel.usable_cpus(str(tmp_path)) == (min(mask, cpus) if cpus else mask)
