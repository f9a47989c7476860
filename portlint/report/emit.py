"""Where a report goes and in which format: stdout (or stderr), or --output written atomically and never onto
an input, always through the output guard. The one place that picks a reporter; each is imported only when used."""

from __future__ import annotations

import sys
from contextlib import contextmanager

from portlint import outputs, streams
from portlint.report import escape


def write_report(report, output_format: str, settings, output: str | None, show_suppressed: bool, read,
                 quiet: bool = False, statistics: bool = False, paths: list[str] | None = None,
                 to_stderr: bool = False) -> None:
    """The report in `output_format` to stdout (stderr when stdout carries a fixed stream) or --output; each
    reporter module is imported only when used."""
    with report_stream(output_format, output, read, to_stderr) as out:
        if statistics:
            from portlint.report import statistics as statistics_report

            statistics_report.write(report, out, as_json=output_format == "json")
        elif output_format == "sarif":
            from portlint.report import sarif

            left_out = sarif.write(report, out, show_suppressed=show_suppressed, paths=paths)
            if left_out:
                streams.say(f"portlint: warning: {sarif.left_out_message(left_out)}")
        elif output_format == "github":
            from portlint.report import github

            github.write(report, out, summary=None if quiet else sys.stderr)
        elif output_format == "gitlab":
            from portlint.report import gitlab

            gitlab.write(report, out)
        elif output_format == "junit":
            from portlint.report import junit

            junit.write(report, out, fail_on=settings.fail_on)
        elif output_format == "json":
            from portlint.report import json_format

            json_format.write(report, out, show_suppressed=show_suppressed)
        else:
            from portlint.report import text

            text.write(report, out, quiet=quiet)
            if show_suppressed:
                from portlint.report import suppressed

                suppressed.write_text(report, out)


@contextmanager
def report_stream(output_format: str, output: str | None, read, to_stderr: bool = False):
    """Where the report goes, guarded: stdout (or stderr), or --output written atomically (never onto an input)."""
    dialect = {"json": escape.JSON, "sarif": escape.JSON, "gitlab": escape.JSON,
               "junit": escape.XML, "github": escape.GITHUB}.get(output_format, escape.TEXT)
    if not output:
        read.refuse_stdout()
        with (streams.stderr(dialect) if to_stderr else streams.stdout(dialect)) as out:
            yield out
        return
    read.refuse(output, "--output")
    with outputs.atomic_write(output, "--output", errors=dialect.errors) as handle:
        out = escape.GuardedStream(handle, dialect)
        yield out
        out.finish()
