"""`--format json`: one JSON object; the shape is a public contract (see README, "JSON output")."""

from __future__ import annotations

import json
from typing import TextIO

from portlint import __version__
from portlint.run import Report


def report_dict(report: Report) -> dict:
    return {
        "version": __version__,
        "summary": {"files": report.files, "objects": report.objects, "error": report.count("error"),
                    "warning": report.count("warning"), "info": report.count("info")},
        "findings": [f.to_json() for f in report.findings],
    }


def write(report: Report, out: TextIO, show_suppressed: bool = False) -> None:
    document = report_dict(report)
    if show_suppressed:
        from portlint.report.suppressed import to_json

        document["suppressed"] = to_json(report)
    out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")  # one write: see escape.py
