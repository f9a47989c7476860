"""`--statistics`: how many findings each rule has, most first (as ruff's `--statistics`)."""

from __future__ import annotations

import json
from collections import Counter
from typing import TextIO

from portlint.findings import SEVERITY_RANK
from portlint.run import Report


def counts(report: Report) -> list[dict]:
    by_rule = Counter((f.rule, f.severity) for f in report.findings)
    ordered = sorted(by_rule.items(), key=lambda item: (-item[1], -SEVERITY_RANK[item[0][1]], item[0][0]))
    return [{"rule": rule, "severity": severity, "count": count} for (rule, severity), count in ordered]


def write(report: Report, out: TextIO, as_json: bool = False) -> None:
    rows = counts(report)
    if as_json:
        json.dump(rows, out, indent=2)
        out.write("\n")
        return
    width = max((len(str(row["count"])) for row in rows), default=1)
    for row in rows:
        out.write(f"{row['count']:>{width}}  {row['severity']:<7}  {row['rule']}\n")
