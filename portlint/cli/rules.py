"""`portlint rules`: the catalog as a table, one rule's documentation, or the Markdown of docs/rules.md."""

from __future__ import annotations

from typing import Optional

import typer

from portlint import streams
from portlint.cli.common import UsageError


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
