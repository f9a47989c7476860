"""docs/rules.md, generated from rules/: `python -m portlint.docs` writes it, `--check` fails when it is stale.

The same Markdown is `portlint rules --markdown`, and SARIF's rule help (GitHub code scanning shows it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from portlint.catalog import RuleSpec, load_catalog

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
HEADER = """\
# portlint rules

<!-- Generated from rules/*.yaml by `python -m portlint.docs`; do not edit by hand. -->

Each rule reports one way a Kubernetes manifest set breaks the chain from an Ingress to a
container port. `portlint rules RULE-ID` shows the same text at the terminal.
"""


def render(catalog: dict[str, RuleSpec]) -> str:
    rows = "".join(f"| [{spec.id}](#{spec.id}) | {spec.severity} | {_cell(spec.summary)} |\n"
                   for spec in catalog.values())
    table = "| Rule | Severity | Summary |\n|---|---|---|\n" + rows
    return "\n".join([HEADER, table, *(render_rule(spec) for spec in catalog.values())])


def render_rule(spec: RuleSpec) -> str:
    references = "".join(f"- <{url}>\n" for url in spec.references)
    return (f"## {spec.id}\n\n"
            f"**Severity:** {spec.severity}\n\n"
            f"{spec.summary}\n\n"
            f"### Why this breaks\n\n{spec.rationale}\n\n"
            f"References:\n\n{references}\n"
            f"### How to fix it\n\n{spec.remediation}\n\n"
            + (f"{fix_text(spec)}\n\n" if spec.fix else "") +
            f"### Example\n\nReported:\n\n{_yaml(spec.bad_example)}\n"
            f"Fixed:\n\n{_yaml(spec.good_example)}")


SAFETY = {"safe": "safe: `portlint check --fix` applies it",
          "unsafe": "unsafe: applied only with `--fix --unsafe-fixes`",
          "mixed": "safe or unsafe, per finding: `--fix` applies the safe ones, `--unsafe-fixes` the others"}


def fix_text(spec: RuleSpec) -> str:
    """What `--fix` does for the rule (Markdown)."""
    return f"**Fix** ({SAFETY[spec.fix.safety]}), when {spec.fix.when}"


def _yaml(text: str) -> str:
    return f"```yaml\n{text.rstrip()}\n```\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portlint.docs", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DOC_PATH, help=f"default: {DOC_PATH}")
    parser.add_argument("--check", action="store_true", help="exit 1 when the file differs from the rules")
    args = parser.parse_args(argv)
    text = render(load_catalog())
    current = args.output.read_text(encoding="utf-8") if args.output.is_file() else None
    if args.check:
        if current != text:
            print(f"{args.output} is stale: run `python -m portlint.docs`", file=sys.stderr)
            return 1
        return 0
    if current != text:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
