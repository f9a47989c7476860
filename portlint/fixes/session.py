"""`check --fix` and `--diff` as the command line runs them: the fixes made, then the diff or the fixed
files written, and the notes said on stderr."""

from __future__ import annotations

import sys

from portlint import streams
from portlint.fixes import apply as fixing
from portlint.fixes import write
from portlint.outputs import OutputError
from portlint.report import diff as diff_report
from portlint.report import escape


def fix_and_write(report, settings, paths: list[str], diff: bool, unsafe: bool, post, quiet: bool, read):
    """--diff: the diff of the fixes on stdout; --fix: the fixes written (a fixed stdin to stdout)."""
    result = fixing.fix_report(report, settings, paths, unsafe=unsafe, post=post)
    notes = list(result.notes)
    read.refuse_stdout()
    if diff:
        with streams.stdout(escape.TEXT) as out:  # cleaned as every report is
            diff_report.write(result.changes, out)
    else:
        stdin = fixing.stdin_name(paths, settings)
        if stdin is not None and sys.stdout is None:
            raise OutputError("stdout is closed: nowhere to write the fixed stream")
        try:  # the fixed stream is the user's manifests, written as they are (the report is on stderr)
            notes += write.write_changes(result, sys.stdout, stdin=stdin)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise OutputError(f"cannot write the fixed stream to stdout: {error.strerror or error}") from None
    if not quiet:
        for note in notes:
            streams.say(f"portlint: {note}")
        streams.say(fixing.summary(result, unsafe, written=not diff))
    return result
