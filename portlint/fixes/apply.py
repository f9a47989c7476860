"""The driver of `--fix` and `--diff`: apply fixes, check the fixed text again, keep what holds.

Each pass takes the fixes of the findings still reported (the safe ones, and the unsafe ones with
--unsafe-fixes), makes them in the text of each file, and re-runs every check on the result (only
the changed files are parsed again). A fix whose finding is still there, or after which a
finding appears at a field it changed, is left out and the pass is made again without it; the
findings that a fix reveals elsewhere (a Service that selects pods again, and whose targetPort
now turns out wrong) are reported, and fixed in the next pass when they have a fix of their own.
Nothing is written here: the caller writes `Result.changes` (--fix) or prints their diff (--diff).
"""

from __future__ import annotations

import dataclasses
import os
import stat
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from portlint.findings import Finding
from portlint.fixes.edit import edit_text
from portlint.limits import Refused, read_file
from portlint.loader import STDIN
from portlint.outputs import inside
from portlint.recheck import Rechecks
from portlint.run import Report, check_text
from portlint.settings import Settings

MAX_PASSES = 10


@dataclass
class FileChange:
    path: str  # as the report names it
    target: str  # the file to write: a symbolic link's target ("" for stdin: the fixed text goes to stdout)
    original: str  # the text as read (without a byte-order mark)
    text: str  # the fixed text
    bom: str = ""  # "\ufeff" when the file starts with a UTF-8 byte-order mark


@dataclass
class Result:
    report: Report  # the findings that remain
    changes: dict[str, FileChange] = field(default_factory=dict)  # only files whose text changed
    fixed: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # files left alone and fixes not made, and why
    unwritten: list[str] = field(default_factory=list)  # changed files that could not be written


def summary(result: Result, unsafe: bool, written: bool) -> str:
    """`Fixed N findings in M files (K remaining)`, or what --diff would fix; and the unsafe fixes left."""
    fixed = len(result.fixed) - sum(1 for f in result.fixed if f.file in result.unwritten)
    files = len(result.changes) - len(result.unwritten)
    remaining = len(result.report.findings) + (len(result.fixed) - fixed)
    verb = "Fixed" if written else "Would fix"
    line = (f"{verb} {fixed} finding{'s' if fixed != 1 else ''} in {files} file{'s' if files != 1 else ''} "
            f"({remaining} remaining)")
    hidden = 0 if unsafe else sum(1 for f in result.report.findings if f.fix is not None and not f.fix.safe)
    if hidden:
        line += f"; {hidden} more with --unsafe-fixes (their summaries say what changes in behaviour)"
    return line


def applicable(finding: Finding, unsafe: bool) -> bool:
    return finding.fix is not None and (finding.fix.safe or unsafe)


def stdin_name(paths: list[str], settings: Settings) -> str | None:
    """What the report calls the text read from stdin (`-`), or None when none was."""
    return (settings.stdin_filename or "<stdin>") if STDIN in paths else None


def fix_report(report: Report, settings: Settings, paths: list[str], unsafe: bool = False,
               post: Callable[[Report], object] | None = None, in_memory: str | None = None) -> Result:
    """Fix what `report` reports on the input `paths`; `post` filters a re-checked report as the
    original was (a baseline). `in_memory` names the one text that is fixed in memory, not on disk
    (stdin; the text of `fix_text`); by default the stdin of `paths`."""
    files = _Files(report, paths, in_memory if in_memory is not None else stdin_name(paths, settings))
    texts: dict[str, str] = {}
    rechecks = Rechecks(report)  # what the re-checks share: the texts parsed, the model objects built
    rejected: set[tuple] = set()
    result = Result(report)
    for _ in range(MAX_PASSES):
        chosen = [f for f in result.report.findings if applicable(f, unsafe) and _fix_key(f) not in rejected
                  and files.writable(f.file, result.notes)]
        if not chosen:
            break
        new_texts, made = _make(chosen, files, texts, rejected, result.notes)
        if not made:
            continue
        checked = rechecks.check(new_texts, settings)
        if post:
            post(checked)
        failed = _blamed(result.report, checked, made)
        if failed:
            for finding, why in failed:
                rejected.add(_fix_key(finding))
                result.notes.append(_note(finding, why))
            continue
        result.fixed += made
        texts, result.report = new_texts, checked
    for path, text in texts.items():
        if text != files.original(path):
            result.changes[path] = FileChange(path, files.target(path), files.original(path), text, files.bom(path))
    return result


def fix_text(text: str, path: str = "<string>", settings: Settings | None = None, unsafe: bool = False) -> str:
    """`text` with its fixes made, as --fix would leave it (for tests and the catalog's examples)."""
    settings = dataclasses.replace(settings or Settings(), rechecks=True)
    change = fix_report(check_text(text, settings, path), settings, [], unsafe=unsafe, in_memory=path).changes.get(path)
    return change.text if change else text


def _make(chosen: list[Finding], files: "_Files", texts: dict[str, str], rejected: set, notes: list[str]):
    """The texts with the fixes of `chosen` made, and the findings whose fixes were made."""
    by_file: dict[str, list[Finding]] = {}
    for finding in chosen:
        by_file.setdefault(finding.file, []).append(finding)
    new_texts, made = dict(texts), []
    for path, findings in by_file.items():
        text = texts.get(path, files.original(path))
        outcome = edit_text(text, [edit for f in findings for edit in f.fix.edits])
        refused = dict(outcome.refused)
        for finding in findings:
            why = next((refused[e] for e in finding.fix.edits if e in refused), None)
            if why:
                rejected.add(_fix_key(finding))
                notes.append(_note(finding, why))
            else:
                made.append(finding)
        if outcome.text != text:
            new_texts[path] = outcome.text
    return new_texts, made


def _identity(finding: Finding) -> tuple:
    """A finding across edits: not its line (a migration moves lines), nor its message, nor the
    object's apiVersion (a migration changes it)."""
    ref = finding.object
    return finding.rule, finding.file, (ref.kind, ref.namespace, ref.name) if ref else None, finding.field_path


def _fix_key(finding: Finding) -> tuple:
    return _identity(finding), finding.fix.edits


def _blamed(before: Report, after: Report, made: list[Finding]) -> list[tuple[Finding, str]]:
    """The fixes that did not remove their finding, or after which a finding appears at what they changed."""
    old, new = Counter(map(_identity, before.findings)), Counter(map(_identity, after.findings))
    old_rules, new_rules = Counter(map(_rule_on_object, before.findings)), Counter(map(_rule_on_object, after.findings))
    blamed = []
    for finding in made:
        if new[_identity(finding)] >= old[_identity(finding)]:
            blamed.append((finding, "the finding is still reported after the fix"))
            continue
        if finding.fix.moves_fields:
            caused = next((f for f in after.findings if _touches(finding, f)
                           and new_rules[_rule_on_object(f)] > old_rules[_rule_on_object(f)]), None)
        else:
            caused = next((f for f in after.findings if _touches(finding, f)
                           and new[_identity(f)] > old[_identity(f)]), None)
        if caused:
            blamed.append((finding, f"the fix would introduce {caused.rule} ({caused.message})"))
    return blamed


def _rule_on_object(finding: Finding) -> tuple:
    return _identity(finding)[:3]


def _touches(fixed: Finding, other: Finding) -> bool:
    """Whether `other` is about the object `fixed` was about, at a field the fix changes."""
    same_object = other.file == fixed.file and (other.object and fixed.object and
                                                 other.object[1:] == fixed.object[1:])
    return bool(same_object) and any(_overlaps(path, other.field_path) for path in fixed.fix.fields)


def _overlaps(a: str, b: str) -> bool:
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return not short or long == short or (long.startswith(short) and long[len(short)] in ".[")


def _note(finding: Finding, why: str) -> str:
    return f"not fixed: {finding.file}:{finding.line}: {finding.rule}: {why}"


class _Files:
    """Which files may be fixed, and their text as read: never a file with YAML errors, a read-only
    file, a file outside the checked paths (a symbolic link's target included), or one that is
    not UTF-8."""

    def __init__(self, report: Report, paths: list[str], in_memory: str | None):
        self._report = report
        self._in_memory = in_memory
        self._roots = [os.path.realpath(p) for p in paths if p != STDIN]
        self._broken = {f.file for f in report.findings if f.rule == "yaml-syntax-error"}
        self._read: dict[str, tuple[str, str, str] | None] = {}  # path → (target, bom, text)
        self._said: set[str] = set()

    def writable(self, path: str, notes: list[str]) -> bool:
        if path not in self._read:
            self._read[path] = self._open(path, notes)
        return self._read[path] is not None

    def original(self, path: str) -> str:
        return self._read[path][2]

    def target(self, path: str) -> str:
        return self._read[path][0]

    def bom(self, path: str) -> str:
        return self._read[path][1]

    def _open(self, path: str, notes: list[str]) -> tuple[str, str, str] | None:
        source = self._report.sources.get(path)
        if path == self._in_memory and source is not None and source.text is not None:
            return "", "", source.text
        why = self._refusal(path)
        if why is None:
            try:
                raw = read_file(path)  # within the loader's limits: a regular file of at most 32 MiB
            except OSError as error:
                why = f"cannot read it: {error.strerror or error}"
            except Refused as error:
                why = f"cannot read it: {error}"
        if why is None:
            bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
            try:
                return os.path.realpath(path), bom, raw[len(bom.encode()):].decode("utf-8")
            except UnicodeError:
                why = "it is not UTF-8 text (save it as UTF-8 to fix it)"
        notes.append(f"left alone: {path}: {why}")
        return None

    def _refusal(self, path: str) -> str | None:
        source = self._report.sources.get(path)
        if source is not None and source.text is not None:
            return "it is text portlint rendered or read, not a file to change"
        if path in self._broken:
            return "it has YAML syntax errors (fix them first)"
        target = os.path.realpath(path)
        if not inside(target, self._roots):
            return f"it is a symbolic link to {target}, outside the checked paths"
        try:
            info = os.stat(target)
        except OSError as error:
            return f"cannot read it: {error.strerror or error}"
        if not stat.S_ISREG(info.st_mode):
            return "it is not a regular file"
        if not stat.S_IMODE(info.st_mode) & 0o222 or not os.access(target, os.W_OK):
            return "it is read-only"
        if not os.access(os.path.dirname(target) or ".", os.W_OK):
            return "its directory is read-only (the fixed file is written beside it, then renamed)"
        return None
