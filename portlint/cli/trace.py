"""`portlint trace`: a target and the paths to read, traced hop by hop; text, JSON, Mermaid or DOT."""

from __future__ import annotations

import os
from enum import Enum
from typing import List, Optional

import typer

from portlint import streams
from portlint.cli.common import EXIT_FINDINGS, EXIT_OK, UsageError, checked, configuration, kustomize_binary_option, roots


class TraceFormat(str, Enum):
    text = "text"
    json = "json"
    mermaid = "mermaid"
    dot = "dot"


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
    kustomize_binary: Optional[str] = kustomize_binary_option(),
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

    configured, paths = configuration(config_file, arguments)
    settings = configured.settings(namespace=namespace, render=render, kustomize_binary=kustomize_binary)
    settings.roots = roots(configured, arguments, paths)
    try:
        result = checked(trace_paths, target, paths, settings, source)
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
