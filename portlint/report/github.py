"""`--format github`: GitHub Actions workflow commands, shown as annotations on the pull request.

`::error file=F,line=L,col=C,title=RULE::MESSAGE`, one per line, with F relative to the
repository's root (where GitHub places annotations). Per GitHub's workflow command syntax, '%',
CR and LF are percent-encoded in the message, and also ':' and ',' in property values, so nothing
a manifest contains can end a command early or start a second one.

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step (actions/toolkit,
docs/problem-matchers.md, "Limitations"): errors come first, the findings past those limits are
plain log lines, and a last `::notice` says how many were not annotated. With
$GITHUB_STEP_SUMMARY set, a Markdown table of all findings is appended to the job's summary.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TextIO

from portlint.findings import Finding
from portlint.report.locations import repository_root, shown
from portlint.run import Report

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}
ANNOTATIONS_PER_STEP = 10  # of each kind
ORDER = {"error": 0, "warning": 1, "info": 2}
SUMMARY_ROWS = 500  # a step summary holds at most 1 MiB
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # not CR/LF: those are encoded below


def write(report: Report, out: TextIO, summary: TextIO | None = None) -> None:
    """The commands to `out`; the counts to `summary` (stderr) unless None; the step summary if GitHub asks."""
    root = repository_root()
    ordered = sorted(report.findings, key=lambda f: ORDER[f.severity])  # stable: file order within a severity
    shown_so_far = {kind: 0 for kind in COMMAND.values()}
    # the closing notice takes one of the 10 notice annotations when it is needed
    notice_room = ANNOTATIONS_PER_STEP - (1 if _overflows(ordered) else 0)
    not_annotated = 0
    for finding in ordered:
        kind = COMMAND[finding.severity]
        room = notice_room if kind == "notice" else ANNOTATIONS_PER_STEP
        if shown_so_far[kind] < room:
            shown_so_far[kind] += 1
            out.write(command(finding, root) + "\n")
        else:
            not_annotated += 1
            out.write(plain_line(finding, root) + "\n")
    if not_annotated:
        out.write(f"::notice title=portlint::{not_annotated} more finding{'s' if not_annotated != 1 else ''} than "
                  f"GitHub shows as annotations ({ANNOTATIONS_PER_STEP} errors, {ANNOTATIONS_PER_STEP} warnings and "
                  f"{ANNOTATIONS_PER_STEP} notices per step): see this step's log or the job summary\n")
    if summary is not None:
        summary.write(summary_line(report) + "\n")
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(markdown_summary(report, root))


def _overflows(findings: list[Finding]) -> bool:
    counts = {kind: 0 for kind in COMMAND.values()}
    for finding in findings:
        counts[COMMAND[finding.severity]] += 1
    return any(count > ANNOTATIONS_PER_STEP - (kind == "notice") for kind, count in counts.items())


def command(finding: Finding, root: Path | None = None) -> str:
    root = root or repository_root()
    properties = {"file": shown(finding.file, root), "line": finding.line, "col": finding.column,
                  "title": finding.rule}
    listed = ",".join(f"{name}={escape_property(str(value))}" for name, value in properties.items())
    return f"::{COMMAND[finding.severity]} {listed}::{escape_data(_text(finding))}"


def plain_line(finding: Finding, root: Path) -> str:
    """A finding as a log line that is no workflow command (it starts with 'portlint:')."""
    where = f"{shown(finding.file, root)}:{finding.line}:{finding.column}"
    return f"portlint: {escape_data(f'{where}: {finding.severity} {finding.rule}: {_text(finding)}')}"


def _text(finding: Finding) -> str:
    text = f"{finding.object}: {finding.message}" if finding.object else finding.message
    text += f" (rendered from {finding.rendered_from})" if finding.rendered_from else ""
    return text + (f"\nhint: {finding.hint}" if finding.hint else "")


def escape_data(text: str) -> str:
    # terminal control characters (ANSI escapes) shown as \xNN, as in the text format
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def summary_line(report: Report) -> str:
    counts = ", ".join(f"{name}: {report.count(severity)}" for severity, name in
                       (("error", "errors"), ("warning", "warnings"), ("info", "info")))
    return f"portlint: {counts} (files: {report.files}, objects: {report.objects})"


def markdown_summary(report: Report, root: Path) -> str:
    """The job summary: the counts and a table of the findings (errors first)."""
    lines = ["## portlint", ""]
    if not report.findings:
        lines += [f"No problems found ({report.files} files, {report.objects} objects).", ""]
        return "\n".join(lines) + "\n"
    lines += [f"{report.count('error')} errors, {report.count('warning')} warnings, {report.count('info')} info "
              f"({report.files} files, {report.objects} objects).", "",
              "| Severity | Rule | Object | Where | Message |", "|---|---|---|---|---|"]
    ordered = sorted(report.findings, key=lambda f: ORDER[f.severity])
    for finding in ordered[:SUMMARY_ROWS]:
        where = f"{shown(finding.file, root)}:{finding.line}"
        message = finding.message + (f" — hint: {finding.hint}" if finding.hint else "")
        lines.append("| " + " | ".join(_cell(value) for value in (
            finding.severity, finding.rule, str(finding.object or ""), where, message)) + " |")
    if len(ordered) > SUMMARY_ROWS:
        lines += ["", f"… and {len(ordered) - SUMMARY_ROWS} more: see the step's log."]
    return "\n".join(lines) + "\n\n"


def _cell(text: str) -> str:
    """Literal text in a table cell: no HTML, no Markdown structure, one line."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "&#124;"), ("`", "&#96;"),
                         ("[", "&#91;"), ("]", "&#93;"), ("*", "&#42;"), ("_", "&#95;")):
        text = text.replace(char, entity)
    return " ".join(text.split())
