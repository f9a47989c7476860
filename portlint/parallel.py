"""Reading a large input on two cores: a forked worker parses the tail of the file list meanwhile.

Parsing YAML is most of a run, and one CPython process uses one core. For a large input the
files are split by size: this process parses the first part while a forked worker parses the
rest and sends its documents back pickled through a pipe. The documents are concatenated in file
order, so every later step sees exactly what a serial read gives (tests/test_parallel.py checks it).
They travel in batches of files, each its own pickle: unpickling keeps alive everything its memo
holds (every state tuple and dict, every array's bytes) until the pickle ends, and for the whole
share at once that doubled the memory the worker's documents take here, at the peak of the run.
Small inputs are read serially: there the fork and the pickling would cost more than they save.

The worker is only ever a speed-up. When it cannot be forked (`ulimit -u`), dies, or sends
something incomplete, its share is read here, serially, and a note says so: the report is the
same. It never outlives this process (the kernel kills it when its parent dies, and this process
kills it on the way out, on SIGTERM too), and it holds none of the standard streams, so a pipe
reading portlint's output ends when portlint does.
"""

from __future__ import annotations

import os
import signal
import sys

from portlint import loader, schema
from portlint.block_parse import forget_lines
from portlint.limits import MAX_NESTING

PARALLEL_MIN_BYTES = 2 * 1024 * 1024
# The worker also pays for pickling what it read, so it gets the smaller share.
WORKER_SHARE = 0.44
# Pickling recurses a few frames per level of nesting; the loader allows MAX_NESTING levels.
WORKER_RECURSION_LIMIT = 10 * MAX_NESTING
# Files per pickle sent back: the memo of one batch is all that unpickling holds beyond the documents.
BATCH_FILES = 200
_PR_SET_PDEATHSIG = 1


def load_files(files: list[str], namespace: str = "default") -> loader.LoadResult:
    """The files read (and, when split, their manifests validated) as a serial read would give them."""
    try:
        return _load_files(files, namespace)
    finally:  # the lines block_parse keeps serve while the files are read, and not after (the worker's die with it)
        forget_lines()


def _load_files(files: list[str], namespace: str) -> loader.LoadResult:
    if not _worth_it(files):
        return loader.load_files(files)
    head, tail = _split(files)
    worker, problem = Worker.start(tail, namespace)
    try:
        result = _read_and_validate(head, namespace)
        rest, problem = worker.result() if worker else (None, problem)
    finally:
        if worker:
            worker.stop()
    if rest is None:
        rest = _read_and_validate(tail, namespace)
        result.notes.append(f"the second reader {problem}; its {len(tail)} files were read in this process")
    return merge(result, rest)


def _read_and_validate(files: list[str], namespace: str) -> loader.LoadResult:
    result = loader.load_files(files)
    schema.validate_all(result.documents, namespace)
    return result


class Worker:
    """A forked process that reads and validates `files` and writes to a pipe one pickled LoadResult per
    batch of BATCH_FILES files, then a pickled None: the end."""

    def __init__(self, pid: int, pipe: int):
        self.pid, self._pipe = pid, pipe
        self._status: int | None = None  # its wait status, once reaped

    @classmethod
    def start(cls, files: list[str], namespace: str) -> tuple[Worker | None, str]:
        """The running worker, or None and why it could not be started."""
        try:
            readable, writable = os.pipe()
        except OSError as error:
            return None, f"could not be started ({error.strerror or error})"
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError as error:
            os.close(readable)
            os.close(writable)
            return None, f"could not be started ({error.strerror or error})"
        if pid == 0:  # the worker: never returns
            os.close(readable)
            _work(files, namespace, writable, parent)
        os.close(writable)
        return cls(pid, readable), ""

    def result(self) -> tuple[loader.LoadResult | None, str]:
        """What the worker read, or None and what went wrong."""
        import pickle  # here and in _work: a small input is read serially, and never pickles

        result: loader.LoadResult | None = loader.LoadResult()
        try:
            with open(self._pipe, "rb", closefd=False) as pipe:
                while isinstance(batch := pickle.load(pipe), loader.LoadResult):
                    merge(result, batch)
                if batch is not None:  # neither a batch nor the end
                    result = None
        except (EOFError, pickle.UnpicklingError, OSError, ValueError, AttributeError, ImportError):
            result = None
        status = self._reap()
        if result is not None and status == 0:
            return result, ""
        return None, f"failed ({_describe(status)})"

    def stop(self) -> None:
        """Kill the worker if it still runs (portlint is interrupted, or it broke), and reap it."""
        os.close(self._pipe)
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap()

    def _reap(self) -> int | None:
        while self.pid:
            try:
                _, self._status = os.waitpid(self.pid, 0)
            except InterruptedError:
                continue
            except ChildProcessError:
                pass
            self.pid = 0
        return self._status


def _work(files: list[str], namespace: str, pipe: int, parent: int) -> None:
    """The worker's life: read, send, exit. It must never run the parent's code after the fork."""
    import pickle

    code = 1
    try:
        _detach(parent)
        sys.setrecursionlimit(max(sys.getrecursionlimit(), WORKER_RECURSION_LIMIT))
        # every batch is read before the first is sent: the pipe fills long before this process's own
        # share is read, and the worker must not wait on it meanwhile
        batches = [_read_and_validate(files[start:start + BATCH_FILES], namespace)
                   for start in range(0, len(files), BATCH_FILES)]
        with open(pipe, "wb") as stream:
            for batch in batches:
                pickle.dump(batch, stream, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(None, stream)
        code = 0
    except BaseException:  # noqa: BLE001 - any failure is the parent's cue to read these files itself
        pass
    finally:
        os._exit(code)


def _detach(parent: int) -> None:
    """Die with the parent, leave signals to their defaults, and let go of stdin, stdout and stderr."""
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(number, signal.SIG_DFL)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the parent still kills the worker on every way out it can handle
    if os.getppid() != parent:  # the parent died before the death signal was armed
        os._exit(1)
    null = os.open(os.devnull, os.O_RDWR)
    for descriptor in (0, 1, 2):
        os.dup2(null, descriptor)
    os.close(null)


def _describe(status: int | None) -> str:
    if status is None:
        return "it vanished"
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return f"killed by {signal.Signals(number).name}"
        except ValueError:
            return f"killed by signal {number}"
    return f"exit status {os.WEXITSTATUS(status)}"


def _worth_it(files: list[str]) -> bool:
    if len(files) < 2 or not sys.platform.startswith("linux") or usable_cpus() < 2:
        return False  # fork is Linux's safe default; elsewhere portlint reads serially
    return loader.STDIN not in files and _total_bytes(files) >= PARALLEL_MIN_BYTES


def usable_cpus(cgroup_root: str = "/sys/fs/cgroup") -> int:
    """The CPUs this process may run on: its affinity mask (taskset, a cpuset), capped by a cgroup CPU
    quota (`docker --cpus=1`, a Kubernetes CPU limit on a CI runner), which os.cpu_count() sees neither
    of. With one CPU a worker only adds the cost of pickling: both processes share it."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    quota = cgroup_cpu_quota(cgroup_root)
    return max(1, min(cpus, int(quota))) if quota is not None else cpus


def cgroup_cpu_quota(root: str) -> float | None:
    """CPUs a cgroup CPU quota allows (quota / period), or None when there is none: cgroup v2's
    `cpu.max` ("max 100000" or "150000 100000"), else cgroup v1's cpu.cfs_quota_us (-1: none)."""
    for quota_file, period_file in ((("cpu.max", 0), ("cpu.max", 1)),
                                    (("cpu/cpu.cfs_quota_us", 0), ("cpu/cpu.cfs_period_us", 0))):
        quota, period = _field(root, *quota_file), _field(root, *period_file)
        if quota is None or period is None:
            continue
        try:
            quota_us, period_us = int(quota), int(period)
        except ValueError:
            return None  # "max": no quota
        return quota_us / period_us if quota_us > 0 and period_us > 0 else None
    return None


def _field(root: str, name: str, index: int) -> str | None:
    try:
        with open(os.path.join(root, name), encoding="ascii") as handle:
            fields = handle.read().split()
    except (OSError, UnicodeError):
        return None
    return fields[index] if len(fields) > index else None


def _total_bytes(files: list[str]) -> int:
    total = 0
    for path in files:
        try:
            total += os.stat(path).st_size
        except OSError:
            pass  # the loader reports it
    return total


def _split(files: list[str]) -> tuple[list[str], list[str]]:
    """The files in order, cut where the worker's share of the bytes begins."""
    sizes = []
    for path in files:
        try:
            sizes.append(os.stat(path).st_size)
        except OSError:
            sizes.append(0)
    budget, running = sum(sizes) * (1 - WORKER_SHARE), 0
    for index, size in enumerate(sizes):
        running += size
        if running >= budget:
            return files[:index + 1], files[index + 1:]
    return files, []


def merge(first: loader.LoadResult, second: loader.LoadResult) -> loader.LoadResult:
    first.documents.extend(second.documents)
    first.findings.extend(second.findings)
    first.sources.update(second.sources)
    first.files += second.files
    first.notes.extend(second.notes)
    return first
