"""`--show-suppressed`: the findings that suppressions silenced, and by what (text and JSON)."""

from __future__ import annotations

from typing import TextIO

from portlint.report.text import safe
from portlint.run import Report


def to_json(report: Report) -> list[dict]:
    return [{**finding.to_json(), "suppressed_by": {"file": s.file, "line": s.line, "reason": s.reason}}
            for finding, s in report.suppressed]


def write_text(report: Report, out: TextIO) -> None:
    """Each silenced finding and where it was silenced."""
    if not report.suppressed:
        out.write("No suppressed findings.\n")
        return
    out.write(f"Suppressed ({len(report.suppressed)}):\n")
    for finding, s in report.suppressed:
        about = f"{finding.object}: " if finding.object else ""
        out.write(safe(f"  {finding.file}:{finding.line}:{finding.column}  {finding.severity:<7} {finding.rule}  "
                       f"{about}{finding.message}") + "\n")
        why = f" ({s.reason})" if s.reason else ""
        out.write(safe(f"    by the {s.describe()} at {s.file}:{s.line}{why}") + "\n")
