"""Files and stdin → YAML/JSON documents that remember where every field was (discovery.py finds the files).

libyaml does the scanning and parsing; portlint/parse.py builds the values from its events, so
that each mapping knows its own line/column and the line/column of each of its keys, and types
scalars as Kubernetes' decoder does. Nothing there constructs a Python object from a tag.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import Iterator

import yaml

from portlint import progress
from portlint.findings import Finding
from portlint.limits import MAX_FILE_BYTES, Refused, read_file, read_stream
from portlint.block_parse import parse_block
from portlint.parse import Mapping, Sequence, parse_all

YAML_SUFFIXES = (".yaml", ".yml", ".json")
# A document whose aliases expand to more nodes than this is refused ("billion laughs"): anything
# that walks it (a validator printing a value, a reporter) would otherwise run for hours.
MAX_EXPANDED_NODES = 1_000_000
STDIN = "-"
KUSTOMIZATION_FILE = "Kustomization"  # kustomize's third file name, without a suffix (render/ reads it)
DIRECTIVE = "portlint:"  # comments addressed to portlint (suppressions) contain this
_ALIAS = re.compile(r"(?:^|[\s\[{,:-])\*[^\s,\]}]")


@dataclass(eq=False, slots=True)  # slots: one per input file, one per manifest, all kept to the end
class Source:
    """One input file (or stdin). The text is kept only for stdin; files are re-read on demand."""

    path: str
    text: str | None = None
    directives: dict[int, str] = field(default_factory=dict)  # line → text, for lines that mention "portlint:"
    # whether the text may hold `helm template`'s "# Source: <template>" comments: the loader tells, having
    # the text at hand; elsewhere unknown (True), and render/helm.py reads the file to find out
    helm_sources: bool = True
    _lines: list[str] | None = field(default=None, repr=False)
    # outside the checked paths (a symbolic link leading out of them, a config `paths` entry outside the
    # config file's directory): checked, but its lines are never printed
    outside: bool = False

    def line_text(self, line: int) -> str | None:
        if self.outside:
            return None
        if self._lines is None:
            text = self.text
            if text is None:
                try:
                    text = _decode(read_file(self.path))[0]
                except (OSError, UnicodeError, Refused):  # it changed since it was read
                    text = ""
            self._lines = text.splitlines()
        if 1 <= line <= len(self._lines):
            return self._lines[line - 1]
        return None

    def content(self) -> str | None:
        """The whole text, as the loader read it (a file is read again); None when it cannot be read."""
        if self.text is not None:
            return self.text
        try:
            return _decode(read_file(self.path))[0]
        except (OSError, UnicodeError, Refused):
            return None


@dataclass(eq=False, slots=True)
class Document:
    """One manifest: a top-level document, or one item of a `kind: List`."""

    source: Source
    data: Mapping
    index: int  # position of the YAML document in its file, from 0
    path_prefix: tuple = ()  # JSON path of this manifest inside its document ("items", 3)
    problems: list[Finding] | None = None  # schema findings, once validated (schema.validate_all)
    # JSON paths (inside the manifest) of what failed validation and is not read; () alone: the whole manifest
    unreadable: tuple = ()


@dataclass
class LoadResult:
    """What reading some files gave: their documents, the findings of reading them, each file's Source."""

    documents: list[Document] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    files: int = 0
    notes: list[str] = field(default_factory=list)  # how the files were read, for stderr (a failed worker)


def load_files(files: list[str]) -> LoadResult:
    result = LoadResult()
    for path in files:
        result.files += 1
        _load_file(path, result)
        progress.file_read()
    return result


def load_text(text: str, path: str = "<string>") -> LoadResult:
    result = LoadResult(files=1)
    source = result.sources[path] = Source(path, text)
    _load_source(source, text, result)
    return result


def _load_file(path: str, result: LoadResult) -> None:
    display = "<stdin>" if path == STDIN else path
    try:
        raw = _read_stdin() if path == STDIN else read_file(path)
        text, _encoding = _decode(raw)
    except Refused as refused:
        result.findings.append(file_finding("yaml-syntax-error", display, f"{refused}; skipped"))
        return
    except OSError as error:
        result.findings.append(file_finding(
            "yaml-syntax-error", display, f"cannot read file: {error.strerror or error}"))
        return
    except UnicodeError:
        result.findings.append(file_finding(
            "yaml-syntax-error", display, "file is not UTF-8 or UTF-16 text",
            "save the file as UTF-8, or exclude it if it is not a manifest"))
        return
    source = Source(display, text if path == STDIN else None)
    result.sources[display] = source
    _load_source(source, text, result)


class StdinError(Exception):
    """Standard input cannot be checked at all (closed, or endless): a usage error, not a finding."""


def _read_stdin() -> bytes:
    if sys.stdin is None:
        raise StdinError("stdin is closed; give files or directories to check instead of '-'")
    try:
        return read_stream(getattr(sys.stdin, "buffer", sys.stdin))
    except Refused:
        raise StdinError(f"stdin holds more than {MAX_FILE_BYTES // (1024 * 1024)} MiB; refused "
                         "(check the files themselves, or split the input)") from None


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    if b"\x00" in raw[:8192]:
        raise UnicodeError("binary")
    return raw.decode("utf-8-sig"), "utf-8"


HELM_SOURCE = "# Source: "  # what render/helm.py's SOURCE_COMMENT starts with
_DOCUMENT_START = re.compile(r"^---(?=\s|$)", re.MULTILINE)


def _load_source(source: Source, text: str, result: LoadResult) -> None:
    source.helm_sources = HELM_SOURCE in text
    if DIRECTIVE in text:  # rare: keep those lines now rather than re-read the file for suppressions
        source.directives = {n: line for n, line in enumerate(text.splitlines(), 1) if DIRECTIVE in line}
    try:
        parsed = _parse_all(text)
    except yaml.YAMLError:
        _load_chunks(source, text, result)
        return
    if all(data is None for data, _ in parsed):
        result.findings.append(file_finding(
            "file-empty", source.path, "the file holds no manifest (it is empty, or only comments and '---')",
            "delete the file, or exclude it if it is a placeholder"))
    may_alias = "&" in text and "*" in text and _ALIAS.search(text) is not None  # an alias needs an anchor
    _add_documents(source, parsed, 0, result, may_alias=may_alias)


def parse_yaml(text: str) -> list:
    """Every document of `text` with positions (mappings, sequences, scalars, None); raises yaml.YAMLError."""
    return [data for data, _ in _parse_all(text)]


def _parse_all(text: str) -> list[tuple[object, list]]:
    """Each document's value and its duplicate keys (key, line, column); raises yaml.YAMLError."""
    try:
        parsed = parse_block(text)  # the common block style, line by line; anything else through libyaml
        return parse_all(text) if parsed is None else parsed
    except ValueError:  # int() refuses more than 4,300 digits (sys.get_int_max_str_digits)
        raise yaml.YAMLError("a number with more than 4,300 digits cannot be read") from None


def _load_chunks(source: Source, text: str, result: LoadResult) -> None:
    """A syntax error somewhere: parse each `---`-separated chunk on its own so the others survive."""
    starts = [0] + [m.start() for m in _DOCUMENT_START.finditer(text) if m.start() > 0]
    index = 0
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(text)
        line_offset = text.count("\n", 0, start)
        chunk = "\n" * line_offset + text[start:end]
        try:
            parsed = _parse_all(chunk)
        except yaml.YAMLError as error:
            result.findings.append(_syntax_finding(source, error, text, line_offset + 1))
            index += 1
            continue
        _add_documents(source, parsed, index, result)
        index += max(1, len(parsed))


def _syntax_finding(source: Source, error: yaml.YAMLError, text: str, chunk_line: int = 1) -> Finding:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark else (chunk_line, 1)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    context = getattr(error, "context", None)
    message = f"{context}: {problem}" if context else str(problem)
    hint = "fix the YAML syntax at this position"
    if "tag:yaml.org,2002:python/" in message:
        message = "a Python-specific YAML tag was refused: portlint never constructs objects from tags"
        hint = "remove the tag: Kubernetes manifests hold plain YAML values"
    elif "{{" in text:
        message = f"looks like a template, not a manifest ({message})"
        hint = "render it first and check the output: helm template RELEASE CHART | portlint check -"
    elif "\t" in (source.line_text(line) or ""):
        hint = "YAML does not allow tabs for indentation; indent with spaces"
    return Finding("yaml-syntax-error", message, hint, file=source.path, line=line, column=column)


def _add_documents(source: Source, parsed: list, first_index: int, result: LoadResult,
                   may_alias: bool = True) -> None:
    for offset, (data, duplicates) in enumerate(parsed):
        index = first_index + offset
        if may_alias and isinstance(data, (Mapping, Sequence)):
            refusal = _alias_refusal(data)
            if refusal:
                result.findings.append(Finding("yaml-syntax-error", f"document {index + 1}: {refusal}",
                                               "write the values out instead of nesting aliases",
                                               file=source.path, line=data.line, column=1))
                continue
        for key, line, column in duplicates:
            result.findings.append(Finding(
                "yaml-duplicate-key",
                f"key {key!r} appears twice in the same mapping; only the last value is kept",
                "remove or rename one of the two keys", file=source.path, line=line, column=column))
        if data is None:
            continue
        if not isinstance(data, Mapping):
            line = data.line if isinstance(data, Sequence) else 1
            result.findings.append(Finding(
                "manifest-invalid",
                f"document {index + 1} is a {_json_type(data)}, not a mapping with apiVersion and kind",
                "a manifest is a mapping with apiVersion, kind and metadata",
                file=source.path, line=line, column=1))
            continue
        result.documents.extend(_manifests(source, data, index))


def _manifests(source: Source, data: Mapping, index: int) -> Iterator[Document]:
    kind = data.get("kind")
    items = data.get("items")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, Sequence):
        for number, item in enumerate(items):
            if isinstance(item, Mapping):
                yield Document(source, item, index, ("items", number))
        return
    yield Document(source, data, index)


def _alias_refusal(root: object) -> str | None:
    """Why a document built with aliases is refused: it refers to itself, or expands past the limit."""
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            children = node.values() if isinstance(node, dict) else node
            sizes[key] = 1 + sum(sizes.get(id(c), 1) for c in children)
            in_progress.discard(key)
            if sizes[key] > MAX_EXPANDED_NODES:
                return f"its aliases expand to more than {MAX_EXPANDED_NODES:,} nodes; refused"
            continue
        if key in sizes:
            continue
        if key in in_progress:
            return "an alias refers to a node that contains it (a recursive structure); refused"
        in_progress.add(key)
        stack.append((node, True))
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, False) for c in children if isinstance(c, (dict, list)) and id(c) not in sizes)
    return None


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string" if isinstance(value, str) else type(value).__name__


def file_finding(rule: str, path: str, message: str, hint: str | None = None) -> Finding:
    return Finding(rule, message, hint, file=path, line=1, column=1)
