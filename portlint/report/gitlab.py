"""`--format gitlab`: a GitLab Code Quality report, shown inline in merge requests.

A JSON list of issues with the fields GitLab's Code Quality documentation lists ("Code Quality
report format"): `description`, `check_name`, `fingerprint` (unique per issue: GitLab keeps only
the first issue of a fingerprint), `severity` (one of info, minor, major, critical, blocker),
`location.path` (relative to the repository's root) and `location.lines.begin`.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import TextIO

from portlint.report.locations import repository_root, shown
from portlint.report.sarif import fingerprint
from portlint.run import Report

SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def write(report: Report, out: TextIO) -> None:
    out.write(json.dumps(issues(report), indent=2, ensure_ascii=False) + "\n")  # one write: see escape.py


def issues(report: Report) -> list[dict]:
    root = repository_root()
    seen: Counter = Counter()
    found = []
    for finding in report.findings:
        stable = fingerprint(finding, root)
        seen[stable] += 1  # the same rule, object and field twice: tell them apart by occurrence
        unique = stable if seen[stable] == 1 else hashlib.sha256(f"{stable}/{seen[stable]}".encode()).hexdigest()[:32]
        description = f"{finding.object}: {finding.message}" if finding.object else finding.message
        if finding.rendered_from:
            description += f" (rendered from {finding.rendered_from})"
        if finding.hint:
            description += f" Hint: {finding.hint}"
        found.append({
            "description": description,
            "check_name": finding.rule,
            "fingerprint": unique,
            "severity": SEVERITY[finding.severity],
            "location": {"path": shown(finding.file, root), "lines": {"begin": finding.line}},
        })
    return found
