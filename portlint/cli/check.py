"""`portlint check`: the options, and the order of a check: configuration, the run, a baseline, fixes, the report."""

from __future__ import annotations

import sys
from typing import List, Optional

import typer

from portlint import streams
from portlint.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    Format,
    Level,
    UsageError,
    checked,
    configuration,
    kustomize_binary_option,
    refuse_unknown_rules,
    roots,
    split_ids,
)


def check(
    paths: List[str] = typer.Argument(None, metavar="[PATHS]...",
                                      help="Files and directories to check (recursively: *.yaml, *.yml, *.json); "
                                           "'-' reads stdin. Default: the config file's `paths`, else the current "
                                           "directory."),
    output_format: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    namespace: Optional[str] = typer.Option(None, "--namespace", "-n", show_default=False, metavar="NS",
                                            help="Namespace of objects that do not set metadata.namespace. "
                                                 "[default: default]"),
    node_port_range: Optional[str] = typer.Option(None, "--node-port-range", show_default=False, metavar="A-B",
                                                  help="The cluster's --service-node-port-range. "
                                                       "[default: 30000-32767]"),
    fail_on: Optional[Level] = typer.Option(None, "--fail-on", show_default=False,
                                            help="Exit 1 when a finding has this severity or a higher one. "
                                                 "[default: warning]"),
    exit_zero: bool = typer.Option(False, "--exit-zero",
                                   help="Exit 0 even when there are findings (usage errors still exit 2)."),
    select: Optional[List[str]] = typer.Option(None, "--select", metavar="IDS",
                                               help="Only these rule ids (comma-separated)."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", metavar="IDS",
                                               help="Skip these rule ids (comma-separated)."),
    cluster_per_path: Optional[bool] = typer.Option(
        None, "--cluster-per-path/--no-cluster-per-path", show_default=False,
        help="Check each PATH as its own cluster (environments, unrelated apps). [default: no]"),
    gitignore: Optional[bool] = typer.Option(
        None, "--gitignore/--no-gitignore", show_default=False,
        help="Skip what .gitignore files ignore while walking directories in a git repository. [default: yes]"),
    config_file: Optional[str] = typer.Option(
        None, "--config", metavar="FILE",
        help="Settings file (.portlint.yaml, or a pyproject.toml with [tool.portlint]). "
             "Default: the nearest one above the checked paths."),
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="FILE",
                                         help="Write the report to this file instead of stdout (same exit code)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the findings: no summary, no notes."),
    statistics: bool = typer.Option(False, "--statistics",
                                    help="Print how many findings each rule has, instead of the findings."),
    show_suppressed: bool = typer.Option(False, "--show-suppressed",
                                         help="Also list the findings silenced by portlint.dev/ignore annotations "
                                              "and '# portlint: ignore[...]' comments."),
    baseline_file: Optional[str] = typer.Option(None, "--baseline", metavar="FILE",
                                                help="Report (and fail on) only findings not recorded in this file."),
    write_baseline: Optional[str] = typer.Option(None, "--write-baseline", metavar="FILE",
                                                 help="Record the current findings in this file and exit 0."),
    pre_commit: bool = typer.Option(False, "--pre-commit",
                                    help="As a git pre-commit hook: exit 0 at once when the commit adds, changes "
                                         "or deletes no *.yaml, *.yml or *.json file; otherwise check everything."),
    render: Optional[bool] = typer.Option(None, "--render/--no-render", show_default=False,
                                          help="Render kustomization roots and Helm charts and check what they "
                                               "render. [default: yes]"),
    kustomize_binary: Optional[str] = kustomize_binary_option(),
    stdin_filename: Optional[str] = typer.Option(None, "--stdin-filename", show_default=False, metavar="NAME",
                                                 help="The file name that findings in input from stdin ('-') carry."),
    show_units: bool = typer.Option(False, "--show-units",
                                    help="Print the apply units (which files are checked as applied together, and "
                                         "why) and exit; text or --format json."),
    fix: bool = typer.Option(False, "--fix", help="Apply the safe fixes in place, then report what remains "
                                                 "(with '-': the fixed stream to stdout, the report to stderr)."),
    diff: bool = typer.Option(False, "--diff", help="Print what --fix would change as a unified diff and write "
                                                   "nothing (exit 1 when there is something to fix)."),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes",
                                      help="With --fix or --diff, also apply the fixes marked unsafe."),
) -> None:
    """Check manifests for broken selectors, port chains, nodePorts and ingress backends."""
    from portlint import baseline
    from portlint.outputs import InputFiles
    from portlint.progress import Progress
    from portlint.report.emit import write_report
    from portlint.run import check_paths
    from portlint.settings import parse_port_range

    if pre_commit:
        from portlint.hook import commit_touches_no_manifest

        if commit_touches_no_manifest():
            raise typer.Exit(EXIT_OK)
    arguments = paths
    configured, paths = configuration(config_file, paths)
    try:
        port_range = parse_port_range(node_port_range) if node_port_range is not None else None
    except ValueError as error:
        raise UsageError(f"--node-port-range: {error}") from None
    selected, ignored = split_ids(select), split_ids(ignore)
    refuse_unknown_rules(selected, "--select")
    refuse_unknown_rules(ignored, "--ignore")
    settings = configured.settings(namespace=namespace, node_port_range=port_range,
                                   fail_on=fail_on.value if fail_on else None, select=selected, ignore=ignored,
                                   cluster_per_path=cluster_per_path, gitignore=gitignore, render=render,
                                   kustomize_binary=kustomize_binary, stdin_filename=stdin_filename)
    settings.roots = roots(configured, arguments, paths)
    settings.rechecks = bool(fix or diff)  # keep what the re-checks of a fix session take over
    if show_units:
        _write_units(paths, settings, output_format, configured)
        raise typer.Exit(EXIT_OK)
    with Progress.on_terminal(sys.stderr) as progress:
        report = checked(check_paths, paths, settings, progress=progress)
    if report.files == 0 and not quiet and not report.findings:
        where = ", ".join(paths) or "the configured paths"
        streams.say(f"portlint: warning: no manifest files (*.yaml, *.yml, *.json) in {where}")
    read = InputFiles(paths, report.input_files, [str(configured.path) if configured.path else None, baseline_file])
    try:
        if write_baseline:
            read.refuse(write_baseline, "--write-baseline")
            count = baseline.write(write_baseline, report)
            streams.say(f"portlint: recorded {count} finding{'s' if count != 1 else ''} in {write_baseline}")
            raise typer.Exit(EXIT_OK)
        if baseline_file:
            gone = baseline.apply(baseline_file, report)
            if gone and not quiet:
                streams.say(f"portlint: {gone} finding{'s' if gone != 1 else ''} of the baseline no longer "
                            f"occur{'s' if gone == 1 else ''}; refresh it with --write-baseline {baseline_file}")
    except baseline.BaselineError as error:
        raise UsageError(str(error)) from None
    if fix or diff:
        from portlint.fixes.session import fix_and_write

        post = (lambda checked: baseline.apply(baseline_file, checked)) if baseline_file else None
        result = fix_and_write(report, settings, paths, diff, unsafe_fixes, post, quiet, read)
        if diff:
            raise typer.Exit(EXIT_FINDINGS if result.changes and not exit_zero else EXIT_OK)
        write_report(result.report, output_format, settings, output, show_suppressed, read,
                     quiet=quiet, statistics=statistics, paths=paths,
                     to_stderr="-" in paths)  # stdout carries the fixed stream
        failed = result.report.failed(settings.fail_on) or result.unwritten
        raise typer.Exit(EXIT_FINDINGS if failed and not exit_zero else EXIT_OK)
    write_report(report, output_format, settings, output, show_suppressed, read,
                 quiet=quiet, statistics=statistics, paths=paths)
    raise typer.Exit(EXIT_FINDINGS if report.failed(settings.fail_on) and not exit_zero else EXIT_OK)


def _write_units(paths: list[str], settings, output_format: Format, configured) -> None:
    from portlint.outputs import InputFiles
    from portlint.report import escape, units
    from portlint.run import units_of_paths

    if output_format not in (Format.json, Format.text):
        raise UsageError("--show-units prints text or --format json")
    clusters = checked(units_of_paths, paths, settings)
    read = [f for _cluster, inputs in clusters for f in inputs.raw_files]
    InputFiles(paths, read, [str(configured.path) if configured.path else None]).refuse_stdout()
    with streams.stdout(escape.JSON if output_format is Format.json else escape.TEXT) as out:
        (units.write_json if output_format is Format.json else units.write_text)(clusters, out)
