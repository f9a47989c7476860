"""Baselines: record today's findings (`--write-baseline FILE`), then report only new ones (`--baseline FILE`).

A finding is identified by its rule, file, object and field (`spec.ports[0].targetPort`), never by
its line, so edits elsewhere in a file leave the baseline valid. File paths are stored relative to
the baseline's directory, so the baseline works from any working directory. The same identity
occurring several times is counted: a second, new finding with an old identity is still reported.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from portlint import outputs
from portlint.findings import Finding
from portlint.limits import Refused, nesting_refusal, read_file
from portlint.report.escape import JSON, GuardedStream, undecodable_as_text
from portlint.run import Report

FORMAT_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read: one line, exit 2."""


def finding_key(finding: Finding, base_dir: str | Path) -> tuple[str, str, str, str]:
    """(rule, file, object, field): what stays the same while unrelated lines change."""
    ref = finding.object
    subject = f"{ref.kind} {ref.namespace}/{ref.name}" if ref else ""
    return finding.rule, _relative(finding.file, base_dir), subject, finding.field_path


def write(path: str, report: Report) -> int:
    """Record every finding of `report`; returns how many."""
    base = Path(path).resolve().parent
    entries = sorted((dict(zip(("rule", "file", "object", "field"), finding_key(f, base)), message=f.message)
                      for f in report.findings), key=lambda e: tuple(e.values()))
    document = {"portlint-baseline": FORMAT_VERSION, "findings": entries}
    with outputs.atomic_write(path, "--write-baseline") as handle:  # OutputError: exit 2
        out = GuardedStream(handle, JSON)
        out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        out.finish()
    return len(entries)


def apply(path: str, report: Report) -> int:
    """Drop the findings recorded in the baseline `path` from `report`; returns how many recorded ones are gone."""
    known = _load(path)
    base = Path(path).resolve().parent
    new = []
    for finding in report.findings:
        key = finding_key(finding, base)
        if known[key] > 0:
            known[key] -= 1
        else:
            new.append(finding)
    report.findings = new
    return sum(known.values())


def _load(path: str) -> Counter:
    """The recorded identities, read within the limits of any input: a regular file of at most 32 MiB,
    nested at most 1,000 levels."""
    try:
        text = read_file(path).decode("utf-8")
        too_deep = nesting_refusal(text)
        if too_deep:
            raise Refused(too_deep)
        document = json.loads(text)
    except FileNotFoundError:
        raise BaselineError(f"--baseline: no such file: {path} (create it with --write-baseline)") from None
    except Refused as refused:
        raise BaselineError(f"--baseline: {path}: {refused}") from None
    except (OSError, UnicodeError, ValueError) as error:
        reason = getattr(error, "strerror", None) or error
        raise BaselineError(f"--baseline: {path} is not a portlint baseline: {reason}") from None
    if not isinstance(document, dict) or document.get("portlint-baseline") != FORMAT_VERSION \
            or not isinstance(document.get("findings"), list):
        raise BaselineError(f"--baseline: {path} is not a portlint baseline (version {FORMAT_VERSION})")
    try:
        return Counter((e["rule"], e["file"], e["object"], e["field"]) for e in document["findings"])
    except (KeyError, TypeError):
        raise BaselineError(f"--baseline: {path}: each finding needs rule, file, object and field") from None


def _relative(file: str, base_dir: str | Path) -> str:
    if file.startswith("<"):  # <stdin>
        return file
    try:
        return undecodable_as_text(Path(os.path.relpath(os.path.abspath(file), base_dir)).as_posix())
    except ValueError:  # another drive on Windows
        return undecodable_as_text(Path(file).as_posix())
