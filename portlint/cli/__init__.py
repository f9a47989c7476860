"""The command line: thin typer commands over the library (check.py, trace.py, rules.py; what they share
is in common.py). Findings go to stdout, everything else to stderr.

Exit codes (decided in this package only): 0 nothing at or above --fail-on; 1 findings at or above it;
2 usage error (or an output that cannot be written); 3 internal error (a bug: please report it);
130 interrupted (Ctrl-C, SIGTERM, SIGHUP); 141 the reader of stdout went away (a broken pipe).
Everything printed goes through report.escape: no manifest value or file name can start a CI
workflow command, reorder the text, or be unencodable on the terminal.
"""

from __future__ import annotations

import gc
import sys

import typer

from portlint import __version__, streams
from portlint.cli.check import check
from portlint.cli.common import (
    EXIT_BROKEN_PIPE,
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
)
from portlint.cli.rules import rules
from portlint.cli.trace import trace

__all__ = ["app", "main", "EXIT_OK", "EXIT_FINDINGS", "EXIT_USAGE", "EXIT_INTERNAL", "EXIT_INTERRUPTED",
           "EXIT_BROKEN_PIPE"]

app = typer.Typer(
    name="portlint",
    help="Find the breaks in the Ingress → Service → targetPort → pod → containerPort chain of "
         "Kubernetes manifests before you deploy.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.command(short_help="Check manifests for broken selectors, port chains, nodePorts, backends.")(check)
app.command()(rules)
app.command(short_help="Follow a request hop by hop to the container that serves it.")(trace)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"portlint {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    pass


def main() -> None:
    # Every document stays in memory until the report is written and little of it is garbage:
    # CPython's cyclic collector would only re-scan it, at 25-45% of the run time.
    gc.disable()
    streams.prepare()
    from portlint.outputs import OutputError
    from portlint.report.escape import ReaderGone

    try:
        code = app(standalone_mode=False)
    except (UsageError, OutputError) as error:
        streams.say(f"portlint: error: {error}")
        sys.exit(EXIT_USAGE)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(EXIT_INTERRUPTED)
    except (ReaderGone, BrokenPipeError):
        streams.silence_stdout()
        sys.exit(EXIT_BROKEN_PIPE)
    except Exception as error:  # noqa: BLE001 - the one place that turns a bug into a clean exit
        if hasattr(error, "show") and hasattr(error, "exit_code"):  # click's/typer's usage errors
            error.show()
            sys.exit(EXIT_USAGE)
        streams.say(f"portlint: internal error: {type(error).__name__}: {error}")
        streams.say("This is a bug in portlint; please report it with the command you ran.")
        sys.exit(EXIT_INTERNAL)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
