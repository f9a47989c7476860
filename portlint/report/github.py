"""`--format github`: GitHub Actions workflow commands, shown as annotations on the pull request.

`::error file=F,line=L,col=C,title=RULE::MESSAGE`, one per line. Per GitHub's workflow command
syntax, '%', CR and LF are percent-encoded in the message, and also ':' and ',' in property values,
so nothing a manifest contains can end a command early or start a second one.
"""

from __future__ import annotations

import re
from typing import TextIO

from portlint.findings import Finding
from portlint.run import Report

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # not CR/LF: those are encoded below


def write(report: Report, out: TextIO) -> None:
    for finding in report.findings:
        out.write(command(finding) + "\n")
    out.write(_summary(report) + "\n")


def command(finding: Finding) -> str:
    properties = {"file": finding.file, "line": finding.line, "col": finding.column, "title": finding.rule}
    text = f"{finding.object}: {finding.message}" if finding.object else finding.message
    if finding.hint:
        text += f"\nhint: {finding.hint}"
    listed = ",".join(f"{name}={escape_property(str(value))}" for name, value in properties.items())
    return f"::{COMMAND[finding.severity]} {listed}::{escape_data(text)}"


def escape_data(text: str) -> str:
    # terminal control characters (ANSI escapes) shown as \xNN, as in the text format
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _summary(report: Report) -> str:
    counts = ", ".join(f"{name}: {report.count(severity)}" for severity, name in
                       (("error", "errors"), ("warning", "warnings"), ("info", "info")))
    return f"portlint: {counts} (files: {report.files}, objects: {report.objects})"
