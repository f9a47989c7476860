"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Each rule carries its catalog text (summary, rationale, remediation, examples), so the viewer can
explain a finding without portlint. Columns count Unicode code points, as portlint's do.

GitHub's rules for an upload ("SARIF support for code scanning" and "SARIF results exceed limit"
in GitHub's code scanning documentation): `artifactLocation.uri` relative to the repository's
root (`%SRCROOT%` here is that root, whatever directory portlint ran in); a rule's
`fullDescription.text` of at most 1,024 characters (the whole rationale is in `help`); at most
25,000 results per run, of which GitHub shows the 5,000 most severe; `runAutomationDetails.id`
tells several uploads for one commit apart (its category: the checked paths).
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
from portlint.report.escape import ascii_json
from portlint.report.locations import from_root, repository_root
from portlint.run import Report

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SRCROOT = "%SRCROOT%"  # the repository's root (outside a repository: the working directory)
MAX_DESCRIPTION = 1024  # characters of fullDescription.text GitHub accepts
MAX_RESULTS = 25_000  # results per run GitHub accepts
CATEGORY = "portlint"


def write(report: Report, out: TextIO, show_suppressed: bool = False, paths: list[str] | None = None) -> int:
    """Write the log; returns how many results were left out to stay within GitHub's limit."""
    log = sarif_log(report, show_suppressed, paths)
    # ASCII output: names with control characters, or bytes that are not UTF-8, stay valid JSON anywhere
    out.write(ascii_json(json.dumps(log, indent=2, ensure_ascii=False)) + "\n")
    return log["runs"][0]["properties"]["portlint/resultsLeftOut"]


def sarif_log(report: Report, show_suppressed: bool = False, paths: list[str] | None = None) -> dict:
    catalog = load_catalog()
    index = {rule_id: number for number, rule_id in enumerate(catalog)}
    root = repository_root()
    results = [_with_fixes(_result(f, index, root), f, report, root) for f in report.findings]
    if show_suppressed:
        results += [_suppressed(f, s, index, root) for f, s in report.suppressed]
    results, left_out = _within_limit(results)
    invocation = {"executionSuccessful": True, "workingDirectory": {"uri": _directory_uri(Path.cwd())}}
    if left_out:
        invocation["toolExecutionNotifications"] = [{"level": "warning", "message": {"text": left_out_message(left_out)}}]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "portlint", "version": __version__, "semanticVersion": __version__,
                "rules": [_rule(spec) for spec in catalog.values()],
            }},
            "automationDetails": {"id": automation_id(paths or [], root)},
            "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(root)}},
            "columnKind": "unicodeCodePoints",
            "invocations": [invocation],
            "results": results,
            "properties": {"portlint/resultsLeftOut": left_out},
        }],
    }


def automation_id(paths: list[str], root: Path) -> str:
    """`portlint/` and the checked paths from the root: one category per set of checked paths, so
    uploads for several parts of one repository (a job per environment) do not replace each other."""
    parts = sorted({from_root(p, root) or p for p in paths if p != "-"} - {""})
    return f"{CATEGORY}/{','.join(parts)}/" if parts else f"{CATEGORY}/"


def left_out_message(count: int) -> str:
    return (f"{count} results left out: GitHub code scanning accepts at most {MAX_RESULTS:,} per run; "
            "the most severe ones are kept. Check fewer paths per run, or fix or baseline the rest.")


def _within_limit(results: list[dict]) -> tuple[list[dict], int]:
    if len(results) <= MAX_RESULTS:
        return results, 0
    rank = {"error": 0, "warning": 1, "note": 2}
    kept = sorted(range(len(results)), key=lambda i: (rank[results[i]["level"]], i))[:MAX_RESULTS]
    return [results[i] for i in sorted(kept)], len(results) - MAX_RESULTS


def _directory_uri(directory: Path) -> str:
    return directory.as_uri().rstrip("/") + "/"


def _rule(spec: RuleSpec) -> dict:
    return {
        "id": spec.id,
        "name": "".join(part.capitalize() for part in spec.id.split("-")),
        "shortDescription": {"text": spec.summary},
        "fullDescription": {"text": full_description(spec.rationale)},
        "help": {"text": f"{spec.rationale}\n\nHow to fix it: {spec.remediation}", "markdown": render_rule(spec)},
        "defaultConfiguration": {"level": LEVEL[spec.severity]},
        "properties": {"tags": ["kubernetes", rule_area(spec)]},
    }


def full_description(rationale: str) -> str:
    """The rationale within GitHub's 1,024 characters: whole when it fits, else up to the end of its
    last sentence that fits (the whole text is in `help`)."""
    text = "\n\n".join(" ".join(p.split()) for p in rationale.split("\n\n") if p.strip())
    if len(text) <= MAX_DESCRIPTION:
        return text
    cut = text[:MAX_DESCRIPTION - 1]
    sentence = max(cut.rfind(". "), cut.rfind(".\n"))
    if sentence > MAX_DESCRIPTION // 2:
        return cut[:sentence + 1] + " …"[:MAX_DESCRIPTION - sentence - 1]
    clause = max(cut.rfind("; "), cut.rfind(";\n"), cut.rfind(" "))
    return cut[:clause] + "…"


def rule_area(spec: RuleSpec) -> str:
    """The rule's area, for code scanning's tag filter: the checks module that implements it
    (services, ingress, ports, ...), or `parsing` for what the loader reports."""
    from portlint import engine

    check = engine.checks().get(spec.id)
    return check.__module__.rsplit(".", 1)[-1].replace("_", "-") if check else "parsing"


def _result(finding: Finding, index: dict[str, int], root: Path) -> dict:
    text = finding.message + _rendered_from(finding) + (f"\nHint: {finding.hint}" if finding.hint else "")
    if finding.object:
        text = f"{finding.object}: {text}"
    if finding.related:  # embedded links to the related locations (SARIF 3.11.6): literal brackets escaped
        text = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
        text += "\nSee " + ", ".join(f"[{_link_text(r)}]({number})" for number, r in enumerate(finding.related))
    location = {"physicalLocation": {**_artifact(finding.file, root),
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
        "partialFingerprints": {"portlintFinding/v1": fingerprint(finding, root)},
    }
    related = [_related(number, r, root) for number, r in enumerate(finding.related)]
    if related:
        result["relatedLocations"] = related
    if finding.rendered_from:  # the kustomize root, chart or Helm template (SARIF 3.8: a property bag)
        result["properties"] = {"portlint/renderedFrom": finding.rendered_from}
    return result


def _rendered_from(finding: Finding) -> str:
    """As the text format says it: which root the finding's object was rendered from."""
    return f" (rendered from {finding.rendered_from})" if finding.rendered_from else ""


def _with_fixes(result: dict, finding: Finding, report: Report, root: Path) -> dict:
    """The finding's fix as SARIF `fixes`: the replacements --fix (--unsafe-fixes for an unsafe one) makes."""
    if finding.fix is None:
        return result
    from portlint.fixes.edit import replacements

    source = report.sources.get(finding.file)
    text = source.content() if source else None
    changes = replacements(text, list(finding.fix.edits)) if text is not None else []
    if changes:
        kind = "" if finding.fix.safe else "Unsafe (portlint check --fix --unsafe-fixes): "
        result["fixes"] = [{
            "description": {"text": kind + finding.fix.summary},
            "artifactChanges": [{**_artifact(finding.file, root), "replacements": [
                {"deletedRegion": dict(zip(("startLine", "startColumn", "endLine", "endColumn"), region)),
                 "insertedContent": {"text": new}} for region, new in changes]}],
        }]
    return result


def _suppressed(finding: Finding, suppression, index: dict[str, int], root: Path) -> dict:
    result = _result(finding, index, root)
    where = {"physicalLocation": {**_artifact(suppression.file, root), "region": {"startLine": suppression.line}}}
    result["suppressions"] = [{"kind": "inSource", "location": where,
                               **({"justification": suppression.reason} if suppression.reason else {})}]
    return result


def _link_text(related) -> str:
    return f"{related.kind} {related.qualified_name}".replace("[", "(").replace("]", ")")


def _related(number: int, related, root: Path) -> dict:
    location: dict = {"id": number, "message": {"text": f"{related.kind} {related.qualified_name}"}}
    if related.file:
        location["physicalLocation"] = {**_artifact(related.file, root),
                                        **({"region": {"startLine": related.line}} if related.line else {})}
    return location


def _artifact(path: str, root: Path) -> dict:
    """A URI relative to the repository's root where possible, else an absolute file URI; input
    read from stdin (without --stdin-filename) has no URI, only a description."""
    if path.startswith("<"):  # <stdin>, <string>
        return {"artifactLocation": {"description": {"text": f"{path[1:-1]}: the input was read from standard "
                                                              "input; name it with --stdin-filename"}}}
    relative = from_root(path, root)
    if relative is None:
        return {"artifactLocation": {"uri": Path(os.path.abspath(path)).as_uri()}}
    # a byte that is not UTF-8 (a lone surrogate here) is percent-encoded as itself, as as_uri does
    return {"artifactLocation": {"uri": quote(relative, errors="surrogateescape"), "uriBaseId": SRCROOT}}


def fingerprint(finding: Finding, root: Path) -> str:
    """Rule, file (from the root), object and field: the same finding keeps it when lines move. A finding
    rendered from a kustomize root or chart adds the root: two overlays that render one object under one
    name (an overlay per region) report it at the same base line, and are two findings."""
    parts = finding_key(finding, base_dir=root)
    if finding.rendered_from is not None:
        parts += (finding.rendered_from,)
    key = "\0".join(parts)
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
