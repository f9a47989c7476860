"""`--format junit`: JUnit XML for GitLab, Jenkins and other CI test-report views.

One test case per checked object and rule (classname: its file, name: `Kind namespace/name:
rule-id`), so that a new finding on an object that already fails shows as a newly failed test;
an object without findings is one passing case (`Kind namespace/name`). Findings that belong to
no object (syntax errors) are cases of their file (`file PATH: rule-id`). A case fails when it has
a finding at or above --fail-on; its <failure> lists them all. Findings below the threshold go to
the case's <system-out>. The suites' `time` is the check's wall time; rules run over the whole
cluster at once, so a case has no time of its own (`time="0"`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TextIO

from portlint.findings import SEVERITY_RANK, Finding
from portlint.run import Report

# characters XML 1.0 cannot carry (even escaped), plus terminal controls: shown as \xNN
_NOT_XML = re.compile("[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def write(report: Report, out: TextIO, fail_on: str = "warning") -> None:
    cases = _cases(report)
    failed = sum(1 for findings in cases.values() if _failing(findings, fail_on))
    seconds = f"{report.seconds:.3f}"
    suites = ET.Element("testsuites", name="portlint", tests=str(len(cases)), failures=str(failed), errors="0",
                        time=seconds)
    suite = ET.SubElement(suites, "testsuite", name="portlint", tests=str(len(cases)), failures=str(failed),
                          errors="0", skipped="0", time=seconds)
    for (file, name), findings in cases.items():
        case = ET.SubElement(suite, "testcase", classname=_clean(file), name=_clean(name), file=_clean(file),
                             time="0")
        failing = _failing(findings, fail_on)
        if failing:
            failure = ET.SubElement(case, "failure", type=failing[0].rule, message=_clean(_headline(failing)))
            failure.text = _clean("\n".join(map(_describe, failing)))
        quiet = [f for f in findings if SEVERITY_RANK[f.severity] < SEVERITY_RANK[fail_on]]
        if quiet:
            ET.SubElement(case, "system-out").text = _clean("\n".join(map(_describe, quiet)))
    ET.indent(suites)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(suites, encoding="unicode"))
    out.write("\n")


def _cases(report: Report) -> dict[tuple[str, str], list[Finding]]:
    """(file, case name) → findings: a case per object and rule with findings, one per object without."""
    cases: dict[tuple[str, str], list[Finding]] = {}
    with_findings = set()
    for finding in report.findings:
        subject = str(finding.object) if finding.object else f"file {finding.file}"
        with_findings.add((finding.file, subject))
        if finding.rendered_from:  # a rendered object lives in the rendered text, its findings in the sources
            with_findings.add((finding.rendered_from, subject))
        cases.setdefault((finding.file, f"{subject}: {finding.rule}"), []).append(finding)
    for cluster in report.clusters:
        for obj in cluster.objects:
            if (obj.file, str(obj.ref)) not in with_findings:
                cases.setdefault((report.file_of(obj), str(obj.ref)), [])
    return dict(sorted(cases.items()))


def _failing(findings: list[Finding], fail_on: str) -> list[Finding]:
    return [f for f in findings if SEVERITY_RANK[f.severity] >= SEVERITY_RANK[fail_on]]


def _headline(findings: list[Finding]) -> str:
    first = findings[0]
    more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
    return f"{first.rule}: {first.message}{more}"


def _describe(finding: Finding) -> str:
    text = f"{finding.file}:{finding.line}:{finding.column}: {finding.severity} {finding.rule}: {finding.message}"
    return text + (f"\n  hint: {finding.hint}" if finding.hint else "")


def _clean(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}",
                        text)
