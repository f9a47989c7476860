"""Progress of a long `portlint check` on stderr: only on a terminal, only after the first second.

Never on a pipe or in a file, and never on stdout, so a report piped to another tool stays intact.
No thread draws it: the display refreshes when the run reports a step (a file read, the checks of
a cluster begun), at most ten times a second, so a forked reader (parallel.py) inherits no
drawing thread; ticks in that child are ignored.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from typing import Iterator, TextIO

DELAY = 1.0  # seconds before anything is shown: short runs stay silent
REFRESH = 0.1
_active: Progress | None = None


def file_read() -> None:
    """The loader's tick after each file."""
    if _active is not None:
        _active.file_read()


class Progress:
    """Files read and objects checked, drawn with rich's progress bar on a terminal."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream
        self.files_total = self.files_done = self.objects = 0
        self._started = time.monotonic()
        self._drawn = 0.0
        self._pid = os.getpid()
        self._bar = None

    @classmethod
    @contextmanager
    def on_terminal(cls, stream: TextIO) -> Iterator[Progress]:
        """A drawing Progress when `stream` is a terminal, else one that only counts."""
        global _active
        progress = cls(stream if _is_terminal(stream) else None)
        _active = progress
        try:
            yield progress
        finally:
            _active = None
            progress.stop()

    def reading(self, files: int) -> None:
        self.files_total += files
        self._show()

    def file_read(self) -> None:
        if os.getpid() != self._pid:
            return
        self.files_done += 1
        self._show()

    def checking(self, objects: int) -> None:
        self.objects += objects
        self._show(force=True)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def _show(self, force: bool = False) -> None:
        if self.stream is None:
            return
        now = time.monotonic()
        if now - self._started < DELAY or (not force and now - self._drawn < REFRESH):
            return
        self._drawn = now
        if self._bar is None:
            self._start_bar()
        self._bar.update(self._reading, completed=self.files_done, total=max(self.files_total, 1))
        if self.objects:
            self._bar.update(self._checking, description=f"checking {self.objects:,} objects", visible=True)
        self._bar.refresh()

    def _start_bar(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeElapsedColumn

        console = Console(file=self.stream, stderr=True)
        self._bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=console, auto_refresh=False, transient=True)
        self._reading = self._bar.add_task("reading files", total=max(self.files_total, 1))
        self._checking = self._bar.add_task("checking", total=None, visible=False)
        self._bar.start()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
