"""`--format text`: findings grouped by file, each with its position, source line and hint.

Everything that comes from a manifest is printed as literal text: rich markup and control
characters in names or messages can neither style nor take over the terminal.
"""

from __future__ import annotations

import re
from itertools import groupby
from typing import TextIO

from rich.console import Console
from rich.text import Text

from portlint.findings import Finding
from portlint.loader import Source
from portlint.run import Report

STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
FINDING_INDENT = 4  # where a finding's wrapped message continues, as its hint does
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def safe(text: str) -> str:
    """Control characters (ANSI escapes and line breaks among them) shown as \\xNN instead of being
    interpreted: what a manifest holds never starts a line of its own."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def write(report: Report, out: TextIO, quiet: bool = False) -> None:
    """On a terminal, long lines wrap at its width under a hanging indent; elsewhere (a pipe, a file)
    each line stays whole, for grep. `quiet`: the findings only, without the summary."""
    console = Console(file=out, highlight=False, soft_wrap=True, emoji=False)
    for file, findings in groupby(report.findings, key=lambda f: f.file):
        console.print(Text(safe(file), style="bold underline"))
        source = report.sources.get(file) or Source(file)
        for finding in findings:
            _print_finding(console, finding, source)
        console.print()
    if not quiet:
        console.print(_summary(report))
        fixable = _fixable(report)
        if fixable:
            console.print(Text(fixable, style="green"))


def _print_wrapped(console: Console, text: Text, indent: int) -> None:
    if not console.is_terminal:
        console.print(text)
        return
    for line in hanging_indent(text, console.width, indent):
        console.print(line)


def hanging_indent(text: Text, width: int, indent: int) -> list[Text]:
    """`text` broken at spaces into lines of at most `width` characters, each after the first
    indented by `indent` (a word longer than a line is cut)."""
    plain, lines, start, limit = text.plain, [], 0, width
    while len(plain) - start > limit:
        cut = plain.rfind(" ", start + 1, start + limit + 1)
        resume = cut + 1
        if cut == -1:
            cut = resume = start + limit
        lines.append(text[start:cut])
        start, limit = resume, max(width - indent, 10)
    lines.append(text[start:])
    return lines[:1] + [Text(" " * indent) + line for line in lines[1:]]


def _print_finding(console: Console, finding: Finding, source: Source) -> None:
    head = Text("  ")
    head.append(f"{finding.line}:{finding.column}", style="dim")
    head.append("  ")
    head.append(f"{finding.severity:<7}", style=STYLE[finding.severity])
    head.append(" ")
    head.append(finding.rule, style="bold")
    if finding.fix is not None and finding.fix.safe:
        head.append(" [*]", style="green")  # as ruff marks what --fix repairs
    head.append("  ")
    if finding.object:
        head.append(safe(f"{finding.object}: "), style="bold")
    head.append(safe(finding.message))
    if finding.rendered_from:
        head.append(safe(f" (rendered from {finding.rendered_from})"), style="dim")
    _print_wrapped(console, head, FINDING_INDENT)
    line_text = source.line_text(finding.line)
    if line_text is not None and line_text.strip():
        gutter = f"{finding.line:>6} │ "
        console.print(Text.assemble((gutter, "dim"), safe(line_text.rstrip())))
        caret = " " * (len(gutter) + finding.column - 1) + "^"
        console.print(Text(caret, style=STYLE[finding.severity]))
    if finding.hint:
        _print_wrapped(console, Text.assemble(("    hint: ", "green"), safe(finding.hint)), len("    hint: "))
    if finding.downgrade:
        note = f"    {finding.severity}, not {finding.downgrade.default}: {finding.downgrade.reason}"
        _print_wrapped(console, Text(safe(note), style="dim"), 4)
    if finding.fix is not None:
        label = "    fix: " if finding.fix.safe else "    unsafe fix (--unsafe-fixes): "
        _print_wrapped(console, Text.assemble((label, "green"), safe(finding.fix.summary)), len(label))
    for related in finding.related:
        where = f" ({related.file}:{related.line})" if related.file else ""
        _print_wrapped(console, Text(safe(f"    see: {related.kind} {related.qualified_name}{where}"), style="dim"),
                       len("    see: "))


def _fixable(report: Report) -> str:
    fixes = [f.fix for f in report.findings if f.fix is not None]
    safe_count = sum(1 for fix in fixes if fix.safe)
    unsafe_count = len(fixes) - safe_count
    if not safe_count:
        return f"{unsafe_count} fixable with `portlint check --fix --unsafe-fixes`." if unsafe_count else ""
    more = f" ({unsafe_count} more with --unsafe-fixes)" if unsafe_count else ""
    return f"[*] {safe_count} fixable with `portlint check --fix`{more}."


def _summary(report: Report) -> Text:
    counts = [(report.count(s), s) for s in ("error", "warning", "info")]
    scope = f"{report.files} file{'s' if report.files != 1 else ''}, {report.objects} object{'s' if report.objects != 1 else ''}"
    if not report.findings:
        return Text(f"No problems found ({scope}).", style="green")
    parts = [f"{n} {s}{'s' if n != 1 and s != 'info' else ''}" for n, s in counts if n]
    return Text(f"Found {', '.join(parts)} ({scope}).", style="bold")
