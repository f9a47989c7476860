"""The process around a command: its standard streams and signals, set up before the command runs.

- A closed stdin, stdout or stderr is held by /dev/null, so that no file portlint opens lands on
  descriptor 0, 1 or 2 (where a report, or a child process, would write into it).
- SIGTERM and SIGHUP raise KeyboardInterrupt, as Ctrl-C does: the run unwinds, so the reader worker
  is killed and a half-written output file removed, and the CLI exits 130.
- stdout is written through report.escape's guard; a stdout that is closed or fails is an
  OutputError (exit 2) with the system's reason, a reader that went away is escape.ReaderGone.
- Messages on stderr are one line each, cleaned as every output is; a stderr that cannot be written
  to is no reason to fail.
"""

from __future__ import annotations

import os
import signal
import sys
from contextlib import contextmanager
from typing import Iterator

from portlint.report.escape import Dialect, GuardedStream, guard, one_line


def prepare() -> None:
    """Closed standard descriptors held, an unusable COLUMNS dropped, SIGTERM and SIGHUP handled."""
    for descriptor in (0, 1, 2):
        try:
            os.fstat(descriptor)
        except OSError:  # closed: hold it with /dev/null
            null = os.open(os.devnull, os.O_RDWR)
            if null != descriptor:
                os.dup2(null, descriptor)
                os.close(null)
    for variable in ("COLUMNS", "LINES"):
        value = os.environ.get(variable)
        if value is not None and not (value.isascii() and value.isdigit() and int(value) > 0):
            del os.environ[variable]  # rich would draw 0 columns: nothing at all
    for number in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(number) is signal.SIG_DFL:  # nohup's SIG_IGN stays
            signal.signal(number, _interrupted)


def _interrupted(number, frame) -> None:
    raise KeyboardInterrupt


def say(message: str) -> None:
    """One line on stderr, cleaned like every output."""
    if sys.stderr is None:
        return
    try:
        sys.stderr.write(one_line(message) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


@contextmanager
def stdout(dialect: Dialect) -> Iterator[GuardedStream]:
    """stdout behind the guard; whatever is held back is written when the block ends."""
    with _guarded("stdout", dialect) as out:
        yield out


@contextmanager
def stderr(dialect: Dialect) -> Iterator[GuardedStream]:
    """stderr behind the guard, for a report when stdout carries data (`--fix -`: the fixed stream)."""
    with _guarded("stderr", dialect) as out:
        yield out


@contextmanager
def _guarded(name: str, dialect: Dialect) -> Iterator[GuardedStream]:
    from portlint.outputs import OutputError

    stream = getattr(sys, name)
    if stream is None:
        raise OutputError(f"{name} is closed: nowhere to write the report (use --output FILE)")
    out = guard(stream, dialect)
    try:
        yield out
        out.finish()
    except OSError as error:
        raise OutputError(f"cannot write the report to {name}: {error.strerror or error}") from None


def silence_stdout() -> None:
    """After a broken pipe: nothing more may reach stdout, not even Python's flush at exit."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)
    except OSError:
        pass
