"""`portlint rules`: the catalog as a table, or one rule's documentation."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console, Group
from rich.markdown import Markdown
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from portlint.catalog import RuleSpec
from portlint.docs import fix_text
from portlint.report.text import STYLE


def write_table(catalog: dict[str, RuleSpec], out: TextIO) -> None:
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("rule")
    table.add_column("severity")
    table.add_column("fix")
    table.add_column("summary")
    for spec in catalog.values():
        table.add_row(spec.id, Text(spec.severity, style=STYLE[spec.severity]), spec.fix.safety if spec.fix else "",
                      spec.summary)
    Console(file=out, highlight=False, soft_wrap=False).print(table)


def write_rule(spec: RuleSpec, out: TextIO) -> None:
    console = Console(file=out, highlight=False)
    console.print(Text.assemble((spec.id, "bold"), (f"  ({spec.severity})", STYLE[spec.severity])))
    console.print(spec.summary)
    console.print()
    console.print(Markdown("## Why this breaks\n\n" + spec.rationale
                           + "".join(f"\n- <{url}>" for url in spec.references)))
    console.print()
    console.print(Markdown("## How to fix it\n\n" + spec.remediation))
    if spec.fix:
        console.print()
        console.print(Markdown(fix_text(spec)))
    console.print(Group(
        Panel(Syntax(spec.bad_example.rstrip(), "yaml"), title="bad", title_align="left", border_style="red"),
        Panel(Syntax(spec.good_example.rstrip(), "yaml"), title="good", title_align="left", border_style="green"),
    ))
