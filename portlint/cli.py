"""The command line: thin typer commands over the library. Findings go to stdout, everything else to stderr.

Exit codes (decided here and only here): 0 nothing at or above --fail-on; 1 findings at or above it;
2 usage error (or an output that cannot be written); 3 internal error (a bug: please report it);
130 interrupted (Ctrl-C, SIGTERM, SIGHUP); 141 the reader of stdout went away (a broken pipe).
Everything printed goes through report.escape: no manifest value or file name can start a CI
workflow command, reorder the text, or be unencodable on the terminal.
"""

from __future__ import annotations

import gc
import os
import sys
from enum import Enum
from typing import List, Optional

import typer

from portlint import __version__, streams

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 130, 141

app = typer.Typer(
    name="portlint",
    help="Find the breaks in the Ingress → Service → targetPort → pod → containerPort chain of "
         "Kubernetes manifests before you deploy.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Format(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"
    gitlab = "gitlab"
    junit = "junit"


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


def _configuration(config_file: Optional[str], paths: Optional[List[str]]):
    """The config file in force, and the paths to read: the arguments, else the file's `paths`, else '.'.

    Without --config, the file is the nearest one above the checked paths (their common directory),
    so `portlint check ~/repo/deploy` uses ~/repo's configuration from anywhere."""
    from portlint import config, loader

    try:
        configured = config.load(config_file, start=config.start_for(list(paths or [])) if paths else None)
    except config.ConfigError as error:
        raise UsageError(str(error)) from None
    if paths:
        paths = list(paths)
    elif configured.paths() is not None:
        for glob in configured.unmatched_globs():
            streams.say(f"portlint: warning: paths: {glob!r} matches nothing")
        paths = configured.paths()
    else:
        paths = ["."]
    missing = loader.missing(paths)
    if missing:
        raise UsageError(f"path does not exist: {missing[0]}")
    return configured, paths


def _roots(configured, arguments: Optional[List[str]], paths: list[str]) -> list[str]:
    """The directories whose files may be shown: the PATHs given, or for the config file's `paths` the
    file's own directory (a repository's config must not turn portlint on files outside it unsaid)."""
    if arguments or configured.path is None or "paths" not in configured.values:
        return paths
    from portlint.outputs import inside

    base = str(configured.base_dir)
    for path in paths:
        if path != "-" and not inside(path, [base]):
            streams.say(f"portlint: note: {_relative(configured.path)}: paths: {path} is outside the directory "
                        "of the configuration file: checked, but its lines are not shown")
    return [base]


def _relative(path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def _checked(run, *args, **options):
    """`run(*args)`, a check of the manifests; stdin that cannot be read is a usage error."""
    from portlint.loader import StdinError

    try:
        report = run(*args, **options)
    except StdinError as error:
        raise UsageError(str(error)) from None
    for note in getattr(report, "notes", ()):
        streams.say(f"portlint: note: {note}")
    return report


def _split(values: Optional[List[str]]) -> list[str]:
    return [item.strip() for value in values or [] for item in value.split(",") if item.strip()]


def _unknown_rule(rule_ids: list[str], option: str) -> None:
    from portlint.catalog import did_you_mean, load_catalog

    unknown = [r for r in rule_ids if r not in load_catalog()]
    if unknown:
        raise UsageError(f"{option}: unknown rule id: {unknown[0]}{did_you_mean(unknown[0])} (see `portlint rules`)")


def _kustomize_binary_option():
    """--kustomize-binary, for check and trace alike."""
    return typer.Option(None, "--kustomize-binary", show_default=False, metavar="BIN",
                        help="kustomize, kubectl, or a path to either. [default: kustomize on PATH, else kubectl]")


@app.command(short_help="Check manifests for broken selectors, port chains, nodePorts, backends.")
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
    kustomize_binary: Optional[str] = _kustomize_binary_option(),
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
    configured, paths = _configuration(config_file, paths)
    try:
        port_range = parse_port_range(node_port_range) if node_port_range is not None else None
    except ValueError as error:
        raise UsageError(f"--node-port-range: {error}") from None
    selected, ignored = _split(select), _split(ignore)
    _unknown_rule(selected, "--select")
    _unknown_rule(ignored, "--ignore")
    settings = configured.settings(namespace=namespace, node_port_range=port_range,
                                   fail_on=fail_on.value if fail_on else None, select=selected, ignore=ignored,
                                   cluster_per_path=cluster_per_path, gitignore=gitignore, render=render,
                                   kustomize_binary=kustomize_binary, stdin_filename=stdin_filename)
    settings.roots = _roots(configured, arguments, paths)
    settings.rechecks = bool(fix or diff)  # keep what the re-checks of a fix session take over
    if show_units:
        _write_units(paths, settings, output_format, configured)
        raise typer.Exit(EXIT_OK)
    with Progress.on_terminal(sys.stderr) as progress:
        report = _checked(check_paths, paths, settings, progress=progress)
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
    clusters = _checked(units_of_paths, paths, settings)
    read = [f for _cluster, inputs in clusters for f in inputs.raw_files]
    InputFiles(paths, read, [str(configured.path) if configured.path else None]).refuse_stdout()
    with streams.stdout(escape.JSON if output_format is Format.json else escape.TEXT) as out:
        (units.write_json if output_format is Format.json else units.write_text)(clusters, out)


@app.command()
def rules(rule_id: Optional[str] = typer.Argument(None, help="Show this rule's documentation."),
          markdown: bool = typer.Option(False, "--markdown",
                                        help="Print Markdown (the text of docs/rules.md) instead.")) -> None:
    """List the rules, or explain one."""
    from portlint.catalog import did_you_mean, load_catalog

    catalog = load_catalog()
    if rule_id is not None and rule_id not in catalog:
        raise UsageError(f"unknown rule id: {rule_id}{did_you_mean(rule_id)} (see `portlint rules`)")
    from portlint.report.escape import TEXT

    with streams.stdout(TEXT) as out:
        if markdown:
            from portlint import docs

            out.write(docs.render(catalog) if rule_id is None else docs.render_rule(catalog[rule_id]))
            return
        from portlint.report import rules as rules_report

        if rule_id is None:
            rules_report.write_table(catalog, out)
            return
        rules_report.write_rule(catalog[rule_id], out)


class TraceFormat(str, Enum):
    text = "text"
    json = "json"
    mermaid = "mermaid"
    dot = "dot"


@app.command(short_help="Follow a request hop by hop to the container that serves it.")
def trace(
    arguments: List[str] = typer.Argument(None, metavar="TARGET PATHS...",
                                          help="What to trace: http(s)://HOST[:PORT]/PATH, nodeport:N, NODEIP:N, "
                                               "service/NAME[.NAMESPACE]:PORT or NAME.NAMESPACE.svc:PORT; then the "
                                               "files and directories to read (default: the current directory)."),
    output_format: TraceFormat = typer.Option(TraceFormat.text, "--format", "-f", help="Output format."),
    namespace: Optional[str] = typer.Option(None, "--namespace", "-n", show_default=False, metavar="NS",
                                            help="Namespace of objects that do not set metadata.namespace, and of "
                                                 "service/NAME. [default: default]"),
    trace_all: bool = typer.Option(False, "--all", help="Trace every entry point (Ingress rules, nodePorts, load "
                                                        "balancers): the exposure map. Takes no TARGET."),
    config_file: Optional[str] = typer.Option(None, "--config", metavar="FILE",
                                              help="Settings file, as for `portlint check`."),
    step_summary: bool = typer.Option(False, "--step-summary",
                                      help="Also append the routing graph (Mermaid) to the GitHub Actions job "
                                           "summary, $GITHUB_STEP_SUMMARY."),
    headers: List[str] = typer.Option(None, "--header", "-H", metavar="'NAME: VALUE'",
                                      help="A request header, for HTTPRoute header matches (repeatable)."),
    method: Optional[str] = typer.Option(None, "--method", "-X", metavar="METHOD", show_default=False,
                                         help="The request method, for HTTPRoute method matches. [default: GET]"),
    source_text: Optional[str] = typer.Option(
        None, "--from", metavar="SOURCE", show_default=False,
        help="Who sends the request, for the NetworkPolicy hop: KIND/NAME[.NAMESPACE] (deployment/web.shop, "
             "pod/debug), namespace/NS or external. [default: the ingress controller's (or the Gateway's) pods for a "
             "URL, external for nodeport and load balancer targets, a pod of the Service's namespace for "
             "service/...]"),
    render: Optional[bool] = typer.Option(None, "--render/--no-render", show_default=False,
                                          help="Render kustomization roots and Helm charts and trace each as its "
                                               "own environment, as `portlint check` checks them. [default: yes]"),
    kustomize_binary: Optional[str] = _kustomize_binary_option(),
) -> None:
    """Follow a request hop by hop to the container that serves it, and show where the chain breaks."""
    from portlint.trace import (
        ACCEPTED_FORMS,
        AllTarget,
        SourceError,
        TargetError,
        UrlTarget,
        parse_source,
        parse_target,
        trace_paths,
        with_request,
    )

    arguments = list(arguments or [])
    if not trace_all and not arguments:
        raise UsageError(f"missing TARGET: expected {ACCEPTED_FORMS}")
    try:
        target = AllTarget() if trace_all else parse_target(arguments.pop(0))
        if (headers or method) and not isinstance(target, UrlTarget):
            raise UsageError("--header and --method apply to http(s):// targets only")
        if isinstance(target, UrlTarget):
            target = with_request(target, list(headers or []), method)
    except TargetError as error:
        raise UsageError(str(error)) from None
    try:
        source = parse_source(source_text) if source_text is not None else None
    except SourceError as error:
        raise UsageError(str(error)) from None
    from portlint.report.escape import JSON, TEXT

    configured, paths = _configuration(config_file, arguments)
    settings = configured.settings(namespace=namespace, render=render, kustomize_binary=kustomize_binary)
    settings.roots = _roots(configured, arguments, paths)
    try:
        result = _checked(trace_paths, target, paths, settings, source)
    except SourceError as error:
        raise UsageError(str(error)) from None
    if step_summary:
        _append_step_summary(result)
    with streams.stdout(JSON if output_format is TraceFormat.json else TEXT) as out:
        if output_format is TraceFormat.json:
            from portlint.report import trace_json

            trace_json.write(result, out)
        elif output_format in (TraceFormat.mermaid, TraceFormat.dot):
            from portlint.report import graph

            (graph.write_dot if output_format is TraceFormat.dot else graph.write_mermaid)(result, out)
        else:
            from portlint.report import trace_text

            trace_text.write(result, out)
    raise typer.Exit(EXIT_OK if result.ok else EXIT_FINDINGS)


def _append_step_summary(result) -> None:
    from portlint.report import graph

    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        streams.say("portlint: warning: --step-summary: $GITHUB_STEP_SUMMARY is not set (not in GitHub Actions?)")
        return
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(graph.markdown_mermaid(result))
    except OSError as error:
        raise UsageError(f"--step-summary: cannot write {path}: {error.strerror or error}") from None


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
