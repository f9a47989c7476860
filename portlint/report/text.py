"""`--format text`: findings grouped by file, each with its position, source line and hint.

Everything that comes from a manifest is printed as literal text: rich markup and control
characters in names or messages can neither style nor take over the terminal.

Each line is built once as spans of text with their style; on a terminal rich prints it (colours,
wrapping at the width). Elsewhere the lines are written plain, as rich would write them there,
without importing rich: its import is about a fifth of the start-up of a small check in CI.
"""

from __future__ import annotations

import os
import re
from itertools import groupby
from typing import TextIO

from portlint.findings import Finding
from portlint.loader import Source
from portlint.run import Report

STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
FINDING_INDENT = 4  # where a finding's wrapped message continues, as its hint does
TAB_SIZE = 8  # rich's
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")

Spans = list[tuple[str, "str | None"]]  # one line of output: its pieces of text, each with its rich style


def safe(text: str) -> str:
    """Control characters (ANSI escapes and line breaks among them) shown as \\xNN instead of being
    interpreted: what a manifest holds never starts a line of its own."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def write(report: Report, out: TextIO, quiet: bool = False) -> None:
    """On a terminal, long lines wrap at its width under a hanging indent; elsewhere (a pipe, a file)
    each line stays whole, for grep. `quiet`: the findings only, without the summary."""
    printer = _Plain(out) if _surely_not_a_terminal(out) else _Rich(out)
    for file, findings in groupby(report.findings, key=lambda f: f.file):
        printer.line([(safe(file), "bold underline")])
        source = report.sources.get(file) or Source(file)
        for finding in findings:
            _print_finding(printer, finding, source)
        printer.line([])
    if not quiet:
        printer.line(_summary(report))
        fixable = _fixable(report)
        if fixable:
            printer.line([(fixable, "green")])


def _surely_not_a_terminal(out: TextIO) -> bool:
    """What rich would decide too: not a tty, and no TTY_COMPATIBLE or FORCE_COLOR asking for a
    terminal's output anyway (when they are set, rich decides)."""
    if "TTY_COMPATIBLE" in os.environ or "FORCE_COLOR" in os.environ:
        return False
    try:
        return not out.isatty()
    except (AttributeError, ValueError):  # no isatty, or closed: rich says "not a terminal" too
        return True


class _Plain:
    """Lines without style, each whole."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def line(self, spans: Spans, indent: int | None = None) -> None:
        text = "".join(part for part, _style in spans)
        if "\t" in text:  # rich expands tabs by cells (a wide character takes two): rich does it here too
            from rich.text import Text

            expanded = Text(text)
            expanded.expand_tabs(TAB_SIZE)
            text = expanded.plain
        self.out.write(text + "\n")


class _Rich:
    """Lines styled by rich; with an `indent`, wrapped at the terminal's width under a hanging indent."""

    def __init__(self, out: TextIO) -> None:
        from rich.console import Console

        self.console = Console(file=out, highlight=False, soft_wrap=True, emoji=False)

    def line(self, spans: Spans, indent: int | None = None) -> None:
        from rich.text import Text

        text = Text.assemble(*spans)
        if indent is None or not self.console.is_terminal:
            self.console.print(text)
            return
        for line in hanging_indent(text, self.console.width, indent):
            self.console.print(line)


def hanging_indent(text, width: int, indent: int) -> list:
    """`text` (a rich Text) broken at spaces into lines of at most `width` characters, each after the
    first indented by `indent` (a word longer than a line is cut)."""
    from rich.text import Text

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


def _print_finding(printer, finding: Finding, source: Source) -> None:
    head = [("  ", None), (f"{finding.line}:{finding.column}", "dim"), ("  ", None),
            (f"{finding.severity:<7}", STYLE[finding.severity]), (" ", None), (finding.rule, "bold")]
    if finding.fix is not None and finding.fix.safe:
        head.append((" [*]", "green"))  # as ruff marks what --fix repairs
    head.append(("  ", None))
    if finding.object:
        head.append((safe(f"{finding.object}: "), "bold"))
    head.append((safe(finding.message), None))
    if finding.rendered_from:
        head.append((safe(f" (rendered from {finding.rendered_from})"), "dim"))
    printer.line(head, FINDING_INDENT)
    line_text = source.line_text(finding.line)
    if line_text is not None and line_text.strip():
        gutter = f"{finding.line:>6} │ "
        printer.line([(gutter, "dim"), (safe(line_text.rstrip()), None)])
        caret = " " * (len(gutter) + finding.column - 1) + "^"
        printer.line([(caret, STYLE[finding.severity])])
    if finding.hint:
        printer.line([("    hint: ", "green"), (safe(finding.hint), None)], len("    hint: "))
    if finding.downgrade:
        note = f"    {finding.severity}, not {finding.downgrade.default}: {finding.downgrade.reason}"
        printer.line([(safe(note), "dim")], 4)
    if finding.fix is not None:
        label = "    fix: " if finding.fix.safe else "    unsafe fix (--unsafe-fixes): "
        printer.line([(label, "green"), (safe(finding.fix.summary), None)], len(label))
    for related in finding.related:
        where = f" ({related.file}:{related.line})" if related.file else ""
        printer.line([(safe(f"    see: {related.kind} {related.qualified_name}{where}"), "dim")], len("    see: "))


def _fixable(report: Report) -> str:
    fixes = [f.fix for f in report.findings if f.fix is not None]
    safe_count = sum(1 for fix in fixes if fix.safe)
    unsafe_count = len(fixes) - safe_count
    if not safe_count:
        return f"{unsafe_count} fixable with `portlint check --fix --unsafe-fixes`." if unsafe_count else ""
    more = f" ({unsafe_count} more with --unsafe-fixes)" if unsafe_count else ""
    return f"[*] {safe_count} fixable with `portlint check --fix`{more}."


def _summary(report: Report) -> Spans:
    counts = [(report.count(s), s) for s in ("error", "warning", "info")]
    scope = f"{report.files} file{'s' if report.files != 1 else ''}, {report.objects} object{'s' if report.objects != 1 else ''}"
    if not report.findings:
        return [(f"No problems found ({scope}).", "green")]
    parts = [f"{n} {s}{'s' if n != 1 and s != 'info' else ''}" for n, s in counts if n]
    return [(f"Found {', '.join(parts)} ({scope}).", "bold")]
