"""YAML text → values whose mappings and sequences know where they and their keys and items are.

libyaml (PyYAML's C binding) scans and parses; this module turns its events into dicts and lists
in one loop, without PyYAML's node tree, resolver and constructor. Scalars are typed as Kubernetes
types them (portlint/go_yaml.py). Nothing is ever constructed from a tag: any tag but the core ones
(str, int, float, bool, null, timestamp, binary, map, seq, set, omap, pairs, merge) is refused, as
PyYAML's safe loader refuses it. Errors are PyYAML's exceptions with PyYAML's messages, so findings
read the same as before.
"""

from __future__ import annotations

import struct
import sys
from array import array

from yaml import _yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.events import (AliasEvent, MappingEndEvent, MappingStartEvent, ScalarEvent,
                         SequenceEndEvent, SequenceStartEvent, StreamEndEvent)

from portlint.go_yaml import CONTAINER_TAGS, MERGE, MISSING, go_value, json_key, resolve_plain, resolve_tagged


class Mapping(dict):
    """A YAML mapping that knows where it and each of its keys start (1-based).

    Key positions are kept as a flat array of (line, column) pairs in key order: a dict of
    tuples per mapping would double the memory a large input takes, and positions are only
    looked up for the few fields that findings point at. Once the parser has closed the mapping
    they are the array's bytes, a third of the size of an array object (see `_position`).
    """

    __slots__ = ("line", "column", "_key_positions")

    def __init__(self, line: int = 1, column: int = 1):
        super().__init__()
        self.line, self.column = line, column
        self._key_positions = array("I")

    def position(self, key: object = None) -> tuple[int, int]:
        if key is not None and key in self:
            return _position(self._key_positions, self._index(key))
        return self.line, self.column

    def _index(self, key: object) -> int:
        return next(i for i, k in enumerate(self) if k == key)

    def replaced(self, key: object, value: object = None, drop: bool = False) -> "Mapping":
        """A copy with `key`'s value replaced (or the key dropped); every other key keeps its position."""
        copy = Mapping(self.line, self.column)
        positions = self._key_positions
        for index, (name, item) in enumerate(self.items()):
            if name == key and drop:
                continue
            copy[name] = value if name == key else item
            known = index < _count(positions)
            copy._key_positions.extend(_position(positions, index) if known else (self.line, self.column))
        return copy


class Sequence(list):
    """A YAML sequence that knows where it and each of its items start (1-based)."""

    __slots__ = ("line", "column", "_item_positions")

    def position(self, index: int | None = None) -> tuple[int, int]:
        if index is not None and 0 <= index < _count(self._item_positions):
            return _position(self._item_positions, index)
        return self.line, self.column

    def replaced(self, index: int, value: object) -> "Sequence":
        """A copy with item `index` replaced; items keep their positions."""
        copy = Sequence(value if i == index else item for i, item in enumerate(self))
        copy.line, copy.column = getattr(self, "line", 1), getattr(self, "column", 1)
        copy._item_positions = array("I")
        copy._item_positions.frombytes(bytes(getattr(self, "_item_positions", b"")))
        return copy


_PAIR = struct.Struct("II")  # one (line, column) of an array("I")


def _position(positions, index: int) -> tuple[int, int]:
    """Pair `index` of positions kept as an array("I") (a node being built) or its bytes (a closed one)."""
    return _PAIR.unpack_from(positions, _PAIR.size * index)


def _count(positions) -> int:
    return memoryview(positions).nbytes // _PAIR.size


# --- the builder ----------------------------------------------------------------------------------

_new_mapping = dict.__new__

# Plain scalars typed so far, text → value: manifests repeat the same keys and many values ("name",
# "TCP", "80"), so most scalars are one look-up, and each repeated string is kept once in memory.
_PLAIN: dict = {"<<": None, "": None}
_PLAIN_LIMIT = 100_000  # past this many distinct texts, new ones are typed but not remembered
_MERGE_KEY = _PLAIN["<<"] = object()
_MERGING = object()  # the pending key of a mapping whose last key was `<<`


def _typed_plain(text: str) -> object:
    value = resolve_plain(text)
    if value.__class__ is str:
        value = sys.intern(value)
    if len(_PLAIN) < _PLAIN_LIMIT:
        _PLAIN[value if value.__class__ is str else text] = value
    return value


class _Frame:
    """What a mapping being filled needs beyond its node: rare things, made on first need."""

    __slots__ = ("start_mark", "merge", "indexes")

    def __init__(self, start_mark):
        self.start_mark = start_mark
        self.merge = None  # values (and marks) of `<<` keys, applied when the mapping ends
        self.indexes = None  # key → position index, made on the first duplicate key


def parse_all(text: str) -> list[tuple[object, list]]:
    """Every document of `text`: (value, [(duplicate key, line, column)]). Raises yaml.YAMLError."""
    parser = _yaml.CParser(text)
    documents = []
    try:
        get = parser.get_event
        get()  # stream start
        while get().__class__ is not StreamEndEvent:  # a document start
            documents.append(_document(get))
    finally:
        parser.dispose()
    return documents


def _document(get) -> tuple[object, list]:
    """From after a document start to its end: the value and the duplicate keys.

    One loop over the events, the node being filled in local variables (this is the hot path of
    every run): `node` is a Mapping or a Sequence (or None at the top), `key` the pending mapping
    key (MISSING when the next scalar is a key), `start` where the node starts, and `frame` the
    mapping's rarely needed state, made by _put and _merge_later when first needed.
    """
    duplicates: list = []
    anchors: dict = {}
    plain_get = _PLAIN.get
    stack: list = []
    node = positions = frame = start = None
    is_mapping = False
    key, key_line, key_column = MISSING, 0, 0
    root = None  # the document's root mapping or sequence, once it opens
    deferred = None  # a construction error, raised at the document's end as PyYAML raises it after composing
    while True:
        event = get()
        cls = event.__class__
        if cls is ScalarEvent:
            value = event.value
            tag = event.tag
            if tag is None:
                if not event.style:  # plain ('' here; None from other parsers): typed by its text
                    typed = plain_get(value, MISSING)
                    value = _typed_plain(value) if typed is MISSING else typed
                    if value is _MERGE_KEY:
                        if is_mapping and key is MISSING:
                            key = _MERGING
                            continue
                        value = "<<"
            elif tag == MERGE and is_mapping and key is MISSING:
                key = _MERGING
                continue
            else:
                try:
                    value = resolve_tagged(tag, value, event.start_mark)
                except ConstructorError as error:
                    deferred = deferred or error
                    value = None
            if event.anchor is not None:
                _anchor(anchors, event.anchor, value, event.start_mark)
        elif cls is MappingStartEvent or cls is SequenceStartEvent:
            mark = event.start_mark
            tag = event.tag
            if tag is not None and tag != "!" and tag not in CONTAINER_TAGS:
                deferred = deferred or ConstructorError(
                    None, None, f"could not determine a constructor for the tag {tag!r}", mark)
            if cls is MappingStartEvent:
                value = _new_mapping(Mapping)  # without a Python-level __init__: this runs for every mapping
                value.line, value.column = mark.line + 1, mark.column + 1
                value._key_positions = child_positions = array("I")
            else:
                value = Sequence()
                value.line, value.column = mark.line + 1, mark.column + 1
                child_positions = value._item_positions = array("I")
            if event.anchor is not None:
                _anchor(anchors, event.anchor, value, mark)
        elif cls is MappingEndEvent or cls is SequenceEndEvent:
            if frame is not None and frame.merge is not None:
                deferred = deferred or _apply_merges(node, frame)
            if is_mapping:  # closed: its positions as bytes (see Mapping)
                node._key_positions = node._key_positions.tobytes()
            else:
                node._item_positions = positions.tobytes()
            node, positions, is_mapping, frame, start = stack.pop()
            if node is None:
                get()  # document end
                if deferred is not None:
                    raise deferred
                return root, duplicates
            continue
        elif cls is AliasEvent:
            anchored = anchors.get(event.anchor)
            if anchored is None:
                raise ComposerError(None, None, "found undefined alias", event.start_mark)
            value = anchored[0]
        else:
            raise ComposerError(None, None, f"unexpected {cls.__name__}", event.start_mark)
        # the value (a scalar, an alias, a new mapping or sequence): a key, a mapping value, an item or the root
        opened = cls is MappingStartEvent or cls is SequenceStartEvent
        if is_mapping:
            if key is MISSING:
                mark = event.start_mark
                key_line, key_column = mark.line + 1, mark.column + 1
                if value.__class__ is str:
                    key = value
                elif isinstance(value, (dict, list)):
                    deferred = deferred or ConstructorError("while constructing a mapping", start, "found unhashable key",
                                                            anchored[1] if cls is AliasEvent else mark)
                    key, key_line = None, -1
                elif cls is ScalarEvent and value.__class__ is int and not event.style:
                    key = json_key(go_value(event.value))  # as sigs.k8s.io/yaml writes it: `1e6:` is "1e+06"
                else:
                    key = json_key(value)
            else:
                if frame is not None or key is _MERGING or key_line < 0 or key in node:
                    if key is _MERGING:
                        frame = _merge_later(node, frame, start, value, event.start_mark)
                    elif key_line >= 0:
                        frame = _put(node, positions, frame, start, key, key_line, key_column, value, duplicates)
                else:  # the usual case, inline: a new key
                    positions.append(key_line)
                    positions.append(key_column)
                    node[key] = value
                key = MISSING
        elif node is not None:
            node.append(value)
            mark = event.start_mark
            positions.append(mark.line + 1)
            positions.append(mark.column + 1)
        elif not opened:
            get()  # document end
            if deferred is not None:
                raise deferred
            return value, duplicates
        else:
            root = value
        if opened:
            stack.append((node, positions, is_mapping, frame, start))
            node, positions, start, frame = value, child_positions, event.start_mark, None
            is_mapping = cls is MappingStartEvent


def _put(node: Mapping, positions: array, frame: _Frame | None, start, key: object, line: int, column: int,
         value: object, duplicates: list) -> _Frame | None:
    """Put a key into a mapping that has merges or duplicates (or is about to): returns its frame."""
    if key in node:
        duplicates.append((key, line, column))  # a later occurrence wins, its value and its position
        if frame is None:
            frame = _Frame(start)
        indexes = frame.indexes
        if indexes is None:
            indexes = frame.indexes = {k: i for i, k in enumerate(node)}
        index = indexes[key]
        positions[2 * index], positions[2 * index + 1] = line, column
    else:
        if frame.indexes is not None:
            frame.indexes[key] = len(node)
        positions.append(line)
        positions.append(column)
    node[key] = value
    if frame is not None and frame.merge is not None:
        frame.merge[1].append((key, line, column, value))
    return frame


def _merge_later(node: Mapping, frame: _Frame | None, start, value: object, mark) -> _Frame:
    """A `<<` value, merged when the mapping ends (an inline mapping is not filled yet)."""
    if frame is None:
        frame = _Frame(start)
    if frame.merge is None:
        frame.merge = (list(_entries(node)), [])
    frame.merge[1].append((value, mark))
    return frame


def _anchor(anchors: dict, name: str, value: object, mark) -> None:
    if name in anchors:
        raise ComposerError("found duplicate anchor; first occurrence", anchors[name][1], "second occurrence", mark)
    anchors[name] = (value, mark)


def _apply_merges(node: Mapping, frame: _Frame) -> ConstructorError | None:
    """`<<` merge keys as go-yaml v2 applies them (decoder.mapping and decoder.merge in decode.go): in
    the order written, so a merge overrides the keys written before it and the keys after it override
    the merge; of a list of mappings, the earlier one wins. Own keys are in `node` already; the
    entries before the first merge and the operations since are in frame.merge."""
    before, operations = frame.merge
    entries: dict = {key: (line, column, value) for key, line, column, value in before}
    for operation in operations:
        if len(operation) == 4:  # an own key
            key, line, column, value = operation
            entries[key] = (line, column, value)
            continue
        value, mark = operation
        if isinstance(value, Mapping):
            sources = [value]
        elif isinstance(value, Sequence):
            for index, item in enumerate(value):
                if not isinstance(item, Mapping):
                    line, column = value.position(index)
                    return ConstructorError("while constructing a mapping", frame.start_mark,
                                            f"expected a mapping for merging, but found {_node_id(item)}",
                                            _Mark(line - 1, column - 1))
            sources = list(reversed(value))
        else:
            return ConstructorError("while constructing a mapping", frame.start_mark,
                                    f"expected a mapping or list of mappings for merging, but found {_node_id(value)}",
                                    mark)
        for source in sources:
            for key, line, column, item in _entries(source):
                entries[key] = (line, column, item)
    node.clear()
    positions = node._key_positions = array("I")
    for key, (line, column, value) in entries.items():
        positions.append(line)
        positions.append(column)
        node[key] = value
    return None


def _entries(mapping: Mapping):
    positions = mapping._key_positions
    for index, (key, value) in enumerate(mapping.items()):
        yield key, *_position(positions, index), value


def _node_id(value: object) -> str:
    return "sequence" if isinstance(value, list) else "mapping" if isinstance(value, dict) else "scalar"


class _Mark:
    """A position for an error raised after its node's own mark is gone (0-based, as PyYAML's)."""

    def __init__(self, line: int, column: int):
        self.line, self.column = line, column
        self.name, self.index, self.buffer, self.pointer = "<unicode string>", 0, None, 0

    def __str__(self) -> str:
        return f'  in "{self.name}", line {self.line + 1}, column {self.column + 1}'
