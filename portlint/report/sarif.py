"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Each rule carries its catalog text (summary, rationale, remediation, examples), so the viewer can
explain a finding without portlint. Columns count Unicode code points, as portlint's do.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from portlint import __version__
from portlint.baseline import finding_key
from portlint.catalog import RuleSpec, load_catalog
from portlint.docs import render_rule
from portlint.findings import Finding
from portlint.run import Report

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SRCROOT = "%SRCROOT%"  # the directory portlint ran in: relative file paths are relative to it


def write(report: Report, out: TextIO, show_suppressed: bool = False) -> None:
    # ASCII output: names with lone surrogates or control characters stay valid JSON on any terminal
    json.dump(sarif_log(report, show_suppressed), out, indent=2, ensure_ascii=True)
    out.write("\n")


def sarif_log(report: Report, show_suppressed: bool = False) -> dict:
    catalog = load_catalog()
    index = {rule_id: number for number, rule_id in enumerate(catalog)}
    results = [_result(f, index) for f in report.findings]
    if show_suppressed:
        results += [_suppressed(f, s, index) for f, s in report.suppressed]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "portlint", "version": __version__, "semanticVersion": __version__,
                "rules": [_rule(spec) for spec in catalog.values()],
            }},
            "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
            "columnKind": "unicodeCodePoints",
            "invocations": [{"executionSuccessful": True}],
            "results": results,
        }],
    }


def _rule(spec: RuleSpec) -> dict:
    return {
        "id": spec.id,
        "name": "".join(part.capitalize() for part in spec.id.split("-")),
        "shortDescription": {"text": spec.summary},
        "fullDescription": {"text": spec.rationale},
        "help": {"text": f"{spec.rationale}\n\nHow to fix it: {spec.remediation}", "markdown": render_rule(spec)},
        "defaultConfiguration": {"level": LEVEL[spec.severity]},
        "properties": {"tags": ["kubernetes"]},
    }


def _result(finding: Finding, index: dict[str, int]) -> dict:
    text = finding.message + (f"\nHint: {finding.hint}" if finding.hint else "")
    if finding.object:
        text = f"{finding.object}: {text}"
    location = {"physicalLocation": {**_artifact(finding.file),
                                     "region": {"startLine": finding.line, "startColumn": finding.column}}}
    if finding.object:
        ref = finding.object
        location["logicalLocations"] = [{"name": ref.name, "kind": "object",
                                         "fullyQualifiedName": f"{ref.kind}/{ref.namespace}/{ref.name}"}]
    result = {
        "ruleId": finding.rule,
        "ruleIndex": index[finding.rule],
        "level": LEVEL[finding.severity],
        "message": {"text": text},
        "locations": [location],
        # rule, object and field: the same finding keeps its fingerprint when lines move
        "partialFingerprints": {"portlintFinding/v1": _fingerprint(finding)},
    }
    related = [_related(number, r) for number, r in enumerate(finding.related)]
    if related:
        result["relatedLocations"] = related
    return result


def _suppressed(finding: Finding, suppression, index: dict[str, int]) -> dict:
    result = _result(finding, index)
    where = {"physicalLocation": {**_artifact(suppression.file), "region": {"startLine": suppression.line}}}
    result["suppressions"] = [{"kind": "inSource", "location": where,
                               **({"justification": suppression.reason} if suppression.reason else {})}]
    return result


def _related(number: int, related) -> dict:
    location: dict = {"id": number, "message": {"text": f"{related.kind} {related.namespace}/{related.name}"}}
    if related.file:
        location["physicalLocation"] = {**_artifact(related.file),
                                        **({"region": {"startLine": related.line}} if related.line else {})}
    return location


def _artifact(path: str) -> dict:
    """A relative URI below the run's directory where possible, else an absolute file URI."""
    if path.startswith("<"):  # <stdin>, <string>
        return {"artifactLocation": {"uri": quote(path, safe="")}}
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    if relative.startswith(".."):
        return {"artifactLocation": {"uri": Path(absolute).as_uri()}}
    return {"artifactLocation": {"uri": quote(Path(relative).as_posix()), "uriBaseId": SRCROOT}}


def _fingerprint(finding: Finding) -> str:
    key = "\0".join(finding_key(finding, base_dir="."))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
