"""Writing files: the report (--output), the baseline (--write-baseline) and, with --fix, manifests.

Every file portlint writes goes through here, and follows three rules:
- never onto an input: `InputFiles.refuse` stops a write that would land on a file this run read
  (a manifest, the configuration, the baseline, a file on stdin), however it is reached — the
  same name, a symbolic link, a hard link — or on a file a directory walk of this run would read
  (one it excluded, a kustomize patch). A file that holds an earlier portlint report or baseline
  is no manifest, so `portlint check . -o report.json` can run again. (--fix writes onto inputs
  on purpose: it uses `atomic_write` and `inside`, not `refuse`.)
- atomically: `atomic_write` writes a temporary file beside the target and renames it over the
  target, so a run that is interrupted, or two runs writing one file, leave a whole file, never a
  truncated one. Devices, FIFOs and sockets (/dev/stdout, `>(cat)`) cannot be renamed over and
  are written in place.
- never outside the checked paths: `inside` says whether a path is below one of them (--fix must
  not change a file that a symbolic link or a kustomize reference leads to elsewhere).
Every failure is an OutputError: one line, naming the option, the file and the operating
system's reason; the CLI exits 2.
"""

from __future__ import annotations

import json
import os
import stat
from contextlib import contextmanager
from typing import Iterator, TextIO

from portlint.limits import Refused, nesting_refusal, read_file
from portlint.loader import YAML_SUFFIXES


class OutputError(Exception):
    """A file portlint cannot, or must not, write: one line, exit 2."""


class InputFiles:
    """What one run read: its files (by identity: device and inode) and the PATHs it walked."""

    def __init__(self, paths: list[str], files: list[str], others: list[str | None] = ()):
        self._files = [f for f in [*files, *others] if f and f != "-"]
        self._stdin = "-" in files
        self._roots = [os.path.realpath(p) for p in paths if p != "-" and os.path.isdir(p)]
        self._identities: dict[tuple[int, int], str] | None = None

    def refuse(self, target: str, option: str) -> None:
        """OutputError when writing `target` would overwrite an input of this run."""
        read = self.which(target)
        if read is not None:
            shown = f" ({read})" if read != target else ""
            raise OutputError(f"{option}: {target} is an input of this run{shown}; refusing to overwrite it "
                              "(write it elsewhere)")

    def refuse_stdout(self) -> None:
        """OutputError when stdout appends to an input file (`>> manifest.yaml`)."""
        try:
            info = os.fstat(1)
            appending = bool(_status_flags(1) & os.O_APPEND)
        except OSError:
            return
        if appending and stat.S_ISREG(info.st_mode):
            read = self._identity_map().get((info.st_dev, info.st_ino))
            if read is not None and not _is_portlint_output(read):
                raise OutputError(f"stdout appends to {read}, an input of this run; refusing to write the report "
                                  "into it")

    def which(self, target: str) -> str | None:
        """The input `target` would overwrite (as this run named it), or None."""
        try:
            info = os.stat(target)
        except OSError:
            return None  # nothing there (or nothing reachable): nothing to lose
        if not stat.S_ISREG(info.st_mode):
            return None
        read = self._identity_map().get((info.st_dev, info.st_ino)) or self._walkable(target)
        return None if read is None or _is_portlint_output(target) else read

    def _identity_map(self) -> dict[tuple[int, int], str]:
        if self._identities is None:
            self._identities = {}
            for path in self._files:
                try:
                    info = os.stat(path)
                except OSError:
                    continue
                self._identities.setdefault((info.st_dev, info.st_ino), path)
            if self._stdin:
                try:
                    info = os.fstat(0)
                    if stat.S_ISREG(info.st_mode):
                        self._identities.setdefault((info.st_dev, info.st_ino), "the file on stdin")
                except OSError:
                    pass
        return self._identities

    def _walkable(self, target: str) -> str | None:
        """`target` when a walk of a checked directory would read it (excluded or not)."""
        real = os.path.realpath(target)
        if not real.endswith(YAML_SUFFIXES):
            return None
        for root in self._roots:
            if inside(real, [root]):
                parts = os.path.relpath(real, root).split(os.sep)
                if not any(part.startswith(".") for part in parts):
                    return target
        return None


def inside(path: str, roots: list[str]) -> bool:
    """Whether `path`, resolved, is one of `roots` (resolved) or below one."""
    real = os.path.realpath(path)
    for root in roots:
        root = os.path.realpath(root)
        if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
            return True
    return False


@contextmanager
def atomic_write(path: str, option: str, errors: str = "strict") -> Iterator[TextIO]:
    """A UTF-8 text stream whose content replaces `path` in one rename once the block ends without an
    exception; on an exception (an interruption too) `path` is left as it was. Through a symbolic
    link, the file it points at is replaced; its permission bits are kept."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise _failure(option, path, error) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{option}: cannot write {path}: it is a directory")
    if info is not None and not stat.S_ISREG(info.st_mode):  # (/dev/stdout leads to a pipe, not a path)
        with _in_place(path, option, errors) as stream:
            yield stream
        return
    import tempfile  # only --output and the baseline write files (start-up of a check to stdout)

    target = os.path.realpath(path)
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp",
                                                 dir=os.path.dirname(target))
    except OSError as error:
        raise _failure(option, path, error) from None
    try:
        with open(descriptor, "w", encoding="utf-8", errors=errors, newline="") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        _keep_mode(temporary, info)
        os.replace(temporary, target)
    except OSError as error:
        _remove(temporary)
        raise _failure(option, path, error) from None
    except BaseException:
        _remove(temporary)
        raise


@contextmanager
def _in_place(path: str, option: str, errors: str) -> Iterator[TextIO]:
    try:
        stream = open(path, "w", encoding="utf-8", errors=errors, newline="")
    except OSError as error:
        raise _failure(option, path, error) from None
    try:
        yield stream
        stream.flush()
    except OSError as error:
        raise _failure(option, path, error) from None
    finally:
        try:
            stream.close()
        except OSError:
            pass  # the error was reported by the flush


def _keep_mode(temporary: str, info: os.stat_result | None) -> None:
    """The new file gets the old one's permission bits (and owner, where allowed), or the umask's."""
    if info is None:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        return
    os.chmod(temporary, stat.S_IMODE(info.st_mode))
    try:
        os.chown(temporary, info.st_uid, info.st_gid)
    except OSError:
        pass  # only root may give a file away; the new file is then the writer's


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _failure(option: str, path: str, error: OSError) -> OutputError:
    return OutputError(f"{option}: cannot write {path}: {error.strerror or error}")


def _status_flags(descriptor: int) -> int:
    import fcntl

    return fcntl.fcntl(descriptor, fcntl.F_GETFL)


def _is_portlint_output(path: str) -> bool:
    """Whether `path` holds a report or baseline that portlint wrote (JSON, SARIF, GitLab), not a manifest."""
    if not path.endswith(".json"):
        return False
    try:
        text = read_file(path).decode("utf-8")
        document = None if nesting_refusal(text) else json.loads(text)
    except (OSError, Refused, ValueError):
        return False
    if isinstance(document, dict):
        if "portlint-baseline" in document or {"version", "summary", "findings"} <= document.keys():
            return True
        runs = document.get("runs")
        driver = runs[0].get("tool", {}).get("driver", {}) if isinstance(runs, list) and runs and \
            isinstance(runs[0], dict) else {}
        return isinstance(driver, dict) and driver.get("name") == "portlint"
    # GitLab Code Quality: a list of issues, each with a check name and a fingerprint
    return isinstance(document, list) and all(isinstance(issue, dict) and {"check_name", "fingerprint"} <= issue.keys()
                                              for issue in document)
