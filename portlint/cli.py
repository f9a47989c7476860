"""The command line: thin typer commands over the library. Findings go to stdout, everything else to stderr.

Exit codes (decided here and only here): 0 nothing at or above --fail-on; 1 findings at or above it;
2 usage error; 3 internal error (a bug: please report it).
"""

from __future__ import annotations

import sys
from enum import Enum
from typing import List, Optional

import typer

from portlint import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

app = typer.Typer(
    name="portlint",
    help="Find the breaks in the Ingress → Service → targetPort → pod → containerPort chain of "
         "Kubernetes manifests before you deploy.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


class Format(str, Enum):
    text = "text"
    json = "json"


class Level(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"


class UsageError(Exception):
    """A mistake in how portlint was called: printed as one line, exit 2."""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"portlint {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    pass


def _split(values: Optional[List[str]]) -> list[str]:
    return [item.strip() for value in values or [] for item in value.split(",") if item.strip()]


@app.command()
def check(
    paths: List[str] = typer.Argument(None, help="Files and directories to check (recursively: *.yaml, "
                                      "*.yml, *.json); '-' reads stdin. Default: the current directory."),
    output_format: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    namespace: str = typer.Option("default", "--namespace", "-n",
                                  help="Namespace of objects that do not set metadata.namespace."),
    node_port_range: str = typer.Option("30000-32767", "--node-port-range",
                                        help="The cluster's --service-node-port-range."),
    fail_on: Level = typer.Option(Level.warning, "--fail-on",
                                  help="Exit 1 when a finding has this severity or a higher one."),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Only these rule ids (comma-separated)."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Skip these rule ids (comma-separated)."),
    cluster_per_path: bool = typer.Option(False, "--cluster-per-path",
                                          help="Check each PATH as its own cluster (environments, unrelated apps)."),
) -> None:
    """Check manifests for broken selectors, port chains, nodePorts and ingress backends."""
    from portlint.catalog import load_catalog
    from portlint.loader import discover
    from portlint.run import check_paths
    from portlint.settings import Settings, parse_port_range

    paths = paths or ["."]
    _, missing = discover(paths)
    if missing:
        raise UsageError(f"path does not exist: {missing[0]}")
    try:
        port_range = parse_port_range(node_port_range)
    except ValueError as error:
        raise UsageError(f"--node-port-range: {error}") from None
    selected, ignored = _split(select), _split(ignore)
    unknown = [r for r in selected + ignored if r not in load_catalog()]
    if unknown:
        raise UsageError(f"unknown rule id: {unknown[0]} (see `portlint rules`)")
    settings = Settings(namespace=namespace, node_port_range=port_range, fail_on=fail_on.value,
                        select=selected, ignore=ignored, cluster_per_path=cluster_per_path)
    report = check_paths(paths, settings)
    if output_format is Format.json:
        from portlint.report import json_format as reporter
    else:
        from portlint.report import text as reporter
    reporter.write(report, sys.stdout)
    raise typer.Exit(EXIT_FINDINGS if report.failed(settings.fail_on) else EXIT_OK)


@app.command()
def rules(rule_id: Optional[str] = typer.Argument(None, help="Show this rule's documentation.")) -> None:
    """List the rules, or explain one."""
    from portlint.catalog import load_catalog
    from portlint.report import rules as rules_report

    catalog = load_catalog()
    if rule_id is None:
        rules_report.write_table(catalog, sys.stdout)
        return
    if rule_id not in catalog:
        raise UsageError(f"unknown rule id: {rule_id} (see `portlint rules`)")
    rules_report.write_rule(catalog[rule_id], sys.stdout)


def main() -> None:
    try:
        code = app(standalone_mode=False)
    except UsageError as error:
        typer.echo(f"portlint: error: {error}", err=True)
        sys.exit(EXIT_USAGE)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(130)
    except Exception as error:  # noqa: BLE001 - the one place that turns a bug into a clean exit
        if hasattr(error, "show") and hasattr(error, "exit_code"):  # click's/typer's usage errors
            error.show()
            sys.exit(EXIT_USAGE)
        typer.echo(f"portlint: internal error: {type(error).__name__}: {error}\n"
                   "This is a bug in portlint; please report it with the command you ran.", err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
