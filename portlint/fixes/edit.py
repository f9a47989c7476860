"""Apply edits to one file's text: scalar splices at the exact spans of their values, and
migrations document by document. Everything outside those spans and documents is kept byte for byte.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import yaml

from portlint.fixes import migrate, scalars
from portlint.fixes.locate import Entry, FileIndex
from portlint.fixes.migrate import Refused, migrate_document
from portlint.fixes.model import Edit, Migrate, ReplaceValue


@dataclass
class Outcome:
    text: str
    applied: list[Edit] = field(default_factory=list)
    refused: list[tuple[Edit, str]] = field(default_factory=list)  # (edit, why)
    spans: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end) of the old text → new text


@dataclass
class _Splice:
    start: int
    end: int
    text: str
    edits: list[Edit]


def edit_text(text: str, edits: list[Edit]) -> Outcome:
    """`text` with `edits` made; an edit that no longer fits the text, touches a shared (aliased)
    value, or conflicts with another edit of the same value is refused, with the reason."""
    outcome = Outcome(text)
    edits = list(dict.fromkeys(edits))  # the same edit proposed by two findings is made once
    try:
        index = FileIndex(text, {(edit.line, edit.column) for edit in edits})
    except yaml.YAMLError:
        outcome.refused = [(edit, "the file no longer parses as YAML") for edit in edits]
        return outcome
    splices: list[_Splice] = []
    migrations: dict[int, list[tuple[Migrate, Entry]]] = {}
    for edit in edits:
        entry = index.entry(edit.line, edit.column)
        problem = _problem(index, entry, edit)
        if problem:
            outcome.refused.append((edit, problem))
        elif isinstance(edit, Migrate):
            migrations.setdefault(entry.document, []).append((edit, entry))
        else:
            splices.append(_Splice(*entry.span, scalars.render(edit.new, entry.style), [edit]))
    splices = _without_conflicts(splices, outcome)
    for document, planned in migrations.items():
        splices = _migration(index, document, planned, splices, outcome)
    new_text = text
    for splice in sorted(splices, key=lambda s: s.start, reverse=True):
        new_text = new_text[:splice.start] + splice.text + new_text[splice.end:]
        outcome.applied += splice.edits
        outcome.spans.insert(0, (splice.start, splice.end, splice.text))
    outcome.text = new_text
    return outcome


def replacements(text: str, edits: list[Edit]) -> list[tuple[tuple[int, int, int, int], str]]:
    """The edits as ((start line, start column, end line, end column), new text), 1-based with the
    end exclusive (as SARIF's regions): a scalar's own span, or the changed lines of a migrated
    document. Refused edits give none."""
    found = []
    for start, end, new in edit_text(text, edits).spans:
        old = text[start:end]
        if "\n" not in old and "\n" not in new:
            found.append((_region(text, start, end), new))
            continue
        old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
        offsets = [start]
        for line in old_lines:
            offsets.append(offsets[-1] + len(line))
        matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag != "equal":
                found.append((_region(text, offsets[i1], offsets[i2]), "".join(new_lines[j1:j2])))
    return found


def _region(text: str, start: int, end: int) -> tuple[int, int, int, int]:
    def position(offset: int) -> tuple[int, int]:
        return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1

    return (*position(start), *position(end))


def _problem(index: FileIndex, entry: Entry | None, edit: Edit) -> str | None:
    if entry is None or not isinstance(entry.value, yaml.ScalarNode):
        return f"the file has changed: no value at {edit.line}:{edit.column} any more"
    if entry.shared:
        return "the value is shared through a YAML anchor: changing it would change every alias of it"
    if index.value_of(entry) != edit.old:
        return f"the file has changed: {edit.line}:{edit.column} no longer holds {edit.old!r}"
    if isinstance(edit, ReplaceValue) and scalars.render(edit.new, entry.style) is None:
        return "the value is a block scalar (| or >): edit it by hand"
    if isinstance(edit, Migrate) and entry.path[-1] != "apiVersion":
        return "the edit does not point at an apiVersion"
    return None


def _without_conflicts(splices: list[_Splice], outcome: Outcome) -> list[_Splice]:
    """Two different new texts for one span: neither is a right answer, both are refused."""
    by_span: dict[tuple[int, int], list[_Splice]] = {}
    for splice in splices:
        by_span.setdefault((splice.start, splice.end), []).append(splice)
    kept = []
    for group in by_span.values():
        if len({s.text for s in group}) == 1:
            kept.append(_Splice(group[0].start, group[0].end, group[0].text, [e for s in group for e in s.edits]))
        else:
            outcome.refused += [(e, "another fix writes a different value into the same field")
                                for s in group for e in s.edits]
    return kept


def _migration(index: FileIndex, document: int, planned: list[tuple[Migrate, Entry]], splices: list[_Splice],
               outcome: Outcome) -> list[_Splice]:
    """One splice for the whole document: its apiVersion values and the other splices inside it
    made first, then its conversions; the splices inside are folded into it. The manifests of a
    List are converted item by item when their text can be cut out (see _list_items)."""
    in_items = _list_items(index, document, planned, splices)
    if in_items is not None:
        return in_items
    text = index.text
    start, end = _document_span(index, document)
    migrations = [edit for edit, _ in planned]
    if text[start:index.documents[document].root.start_mark.index].strip():
        outcome.refused += [(e, "the document starts on its '---' line: migrate it by hand") for e in migrations]
        return splices
    inside = [s for s in splices if start <= s.start and s.end <= end]
    region = _spliced(text, start, end, inside + _api_versions(planned))
    try:
        converted = migrate_document(region, [(entry.path[:-1], edit.conversion) for edit, entry in planned])
    except Refused as refusal:
        outcome.refused += [(e, str(refusal)) for e in migrations]
        return splices
    folded = [e for s in inside for e in s.edits] + migrations
    return [s for s in splices if s not in inside] + [_Splice(start, end, converted, folded)]


def _list_items(index: FileIndex, document: int, planned: list[tuple[Migrate, Entry]],
                splices: list[_Splice]) -> list[_Splice] | None:
    """The migrations of manifests that are items of a List, each made on its item's text alone, dedented:
    ruamel.yaml then reads and writes that item, not the whole List (a `kubectl get -o yaml` dump of
    hundreds of objects). None, and the whole document is converted instead, when an item is not a
    block mapping whose lines all sit at or right of its first key, or when the document with the
    converted items would not read back as the document converted."""
    root, text = index.documents[document].root, index.text
    groups: dict[tuple, list[tuple[Migrate, Entry]]] = {}
    for edit, entry in planned:
        groups.setdefault(entry.path[:-1], []).append((edit, entry))
    if () in groups:
        return None
    items, folded_splices = [], []
    for path, group in groups.items():
        cut = _item_text(text, _node_at(root, path))
        if cut is None:
            return None
        start, end, column = cut
        inside = [s for s in splices if start <= s.start and s.end <= end]
        region = _spliced(text, start, end, inside + _api_versions(group))
        try:
            converted = migrate_document(_dedent(region, column), [((), edit.conversion) for edit, _ in group])
        except Refused:
            return None
        items.append(_Splice(start, end, _indent(converted, region[:column]),
                             [e for s in inside for e in s.edits] + [edit for edit, _ in group]))
        folded_splices += inside
    kept = [s for s in splices if s not in folded_splices]
    if not _reads_as_converted(index, document, planned, kept + items, splices):
        return None
    return kept + items


def _node_at(root: yaml.Node, path: tuple) -> yaml.Node | None:
    node = root
    for step in path:
        if isinstance(node, yaml.MappingNode):
            node = next((value for key, value in node.value if isinstance(key, yaml.ScalarNode) and key.value == step),
                        None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            return None
    return node


def _item_text(text: str, node: yaml.Node | None) -> tuple[int, int, int] | None:
    """(start, end, column) of a list item's block mapping: from the start of its first line (`- key: ...`)
    to the end of its last, and the column of its keys."""
    if not isinstance(node, yaml.MappingNode) or node.flow_style:
        return None
    start = text.rfind("\n", 0, node.start_mark.index) + 1
    column = node.start_mark.index - start
    if text[start:node.start_mark.index].strip() not in ("", "-") or column != node.start_mark.column:
        return None
    end = text.rfind("\n", 0, node.end_mark.index) + 1
    if text[end:node.end_mark.index].strip() or end <= node.start_mark.index:
        return None
    lines = text[start:end].split("\n")[1:]
    if any(line.strip() and len(line) - len(line.lstrip(" ")) < column for line in lines):
        return None  # a line (a comment) left of the item's keys: it is not the item's alone
    return start, end, column


def _api_versions(planned: list[tuple[Migrate, Entry]]) -> list[_Splice]:
    """The splices that write each migration's new apiVersion, in its old value's style."""
    return [_Splice(*entry.span, scalars.render(edit.api_version, entry.style), [edit]) for edit, entry in planned]


def _document_span(index: FileIndex, document: int) -> tuple[int, int]:
    """From the start of the document's first line to the end of its root node."""
    root = index.documents[document].root
    return index.text.rfind("\n", 0, root.start_mark.index) + 1, root.end_mark.index


def _spliced(text: str, start: int, end: int, splices: list[_Splice]) -> str:
    """text[start:end] with `splices` (all inside it) made."""
    region = text[start:end]
    for splice in sorted(splices, key=lambda s: s.start, reverse=True):
        region = region[:splice.start - start] + splice.text + region[splice.end - start:]
    return region


def _dedent(region: str, column: int) -> str:
    return "\n".join(line[column:] for line in region.split("\n"))


def _indent(converted: str, lead: str) -> str:
    """The converted item put back: its first line after the item's own `- `, the others indented as it."""
    pad = " " * len(lead)
    lines = converted.split("\n")
    return "\n".join([lead + lines[0]] + [pad + line if line.strip() else line for line in lines[1:]])


def _reads_as_converted(index: FileIndex, document: int, planned: list[tuple[Migrate, Entry]],
                        made: list[_Splice], before: list[_Splice]) -> bool:
    """Whether the document with `made` reads back as the document with `before` and the conversions."""
    text = index.text
    start, end = _document_span(index, document)
    inside = [s for s in before if start <= s.start and s.end <= end]
    try:
        expected = migrate.converted(_spliced(text, start, end, inside + _api_versions(planned)),
                                     [(entry.path[:-1], edit.conversion) for edit, entry in planned])
    except yaml.YAMLError:
        return False
    return migrate.reads_as(_spliced(text, start, end, made), expected)
