"""YAML text → values whose mappings and sequences know where they and their keys and items are.

libyaml (PyYAML's C binding) scans and parses; this module turns its events into dicts and lists
in one loop, without PyYAML's node tree, resolver and constructor. Scalars are typed as
Kubernetes types them: sigs.k8s.io/yaml decodes with go-yaml v2 and converts the result to JSON
(`resolve` in goyaml.v2/resolve.go, `convertToJSONableObject` in yaml.go), which differs from
PyYAML's YAML 1.1 in a few places, each tested in tests/test_parse.py:
- `y`, `Y`, `n`, `N` are booleans too; `=` is a string (PyYAML refuses it as a "value" tag);
- integers follow Go's `strconv.ParseInt(s, 0, 64)` once `_` is removed: `0755` and `0o755` are
  octal, `0x1F` and `0X1F` hex, `0b101` binary; no base-60 (`1:20` is a string);
- a float needs no dot (`1e3`) and an exponent needs no sign; a float with an integral value is
  an integer, as it is once sigs.k8s.io/yaml has written it as JSON (`80.0` → 80, `08` → 8);
- a date or timestamp stays a string (go-yaml keeps timestamps as strings in an interface{});
- map keys that are not strings become the strings sigs.k8s.io/yaml makes of them (`80` → "80",
  `on` → "true");
- `!!binary` is its decoded text.
Nothing is ever constructed from a tag: any tag but the core ones (str, int, float, bool, null,
timestamp, binary, map, seq, set, omap, pairs, merge) is refused, as PyYAML's safe loader refuses it.
Errors are PyYAML's exceptions with PyYAML's messages, so findings read the same as before.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
import sys
from array import array

from yaml import _yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.events import (AliasEvent, MappingEndEvent, MappingStartEvent, ScalarEvent,
                         SequenceEndEvent, SequenceStartEvent, StreamEndEvent)


class Mapping(dict):
    """A YAML mapping that knows where it and each of its keys start (1-based).

    Key positions are kept as a flat array of (line, column) pairs in key order: a dict of
    tuples per mapping would double the memory a large input takes, and positions are only
    looked up for the few fields that findings point at.
    """

    __slots__ = ("line", "column", "_key_positions")

    def __init__(self, line: int = 1, column: int = 1):
        super().__init__()
        self.line, self.column = line, column
        self._key_positions = array("I")

    def position(self, key: object = None) -> tuple[int, int]:
        if key is not None and key in self:
            index = self._index(key)
            return self._key_positions[2 * index], self._key_positions[2 * index + 1]
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
            known = 2 * index + 1 < len(positions)
            copy._key_positions.extend((positions[2 * index], positions[2 * index + 1]) if known
                                       else (self.line, self.column))
        return copy


class Sequence(list):
    """A YAML sequence that knows where it and each of its items start (1-based)."""

    __slots__ = ("line", "column", "_item_positions")

    def position(self, index: int | None = None) -> tuple[int, int]:
        if index is not None and 0 <= index < len(self._item_positions) // 2:
            return self._item_positions[2 * index], self._item_positions[2 * index + 1]
        return self.line, self.column

    def replaced(self, index: int, value: object) -> "Sequence":
        """A copy with item `index` replaced; items keep their positions."""
        copy = Sequence(value if i == index else item for i, item in enumerate(self))
        copy.line, copy.column = getattr(self, "line", 1), getattr(self, "column", 1)
        copy._item_positions = array("I", getattr(self, "_item_positions", ()))
        return copy


# --- scalars --------------------------------------------------------------------------------------

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
_TIMESTAMP, _BINARY, _MERGE = _TAG + "timestamp", _TAG + "binary", _TAG + "merge"
_CONTAINER_TAGS = {_TAG + t for t in ("map", "seq", "set", "omap", "pairs")}
_INF, _NAN = float("inf"), float("nan")
# go-yaml's resolveMap: looked up for any plain scalar whose first character is in resolveTable
_WORDS = {**dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
          **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
          **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
          **dict.fromkeys((".nan", ".NaN", ".NAN"), _NAN),
          **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), _INF),
          **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -_INF)}
_NUMERIC_START = frozenset("0123456789+-.")  # resolveTable's 'D', 'S' and '.' hints
# strconv.ParseInt(s, 0, 64) / ParseUint: optional sign, then a base prefix or a leading-zero octal
_GO_INT = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]+|0|[1-9][0-9]*)")
_GO_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")  # yamlStyleFloat
_DOT_FLOAT = re.compile(r"\.[0-9]+(?:[eE][-+]?[0-9]+)?")  # what ParseFloat accepts after a leading '.'
_TIMESTAMP_START = re.compile(r"[0-9]{4}-")
_INT64, _UINT64 = 2**63, 2**64
_MISSING = object()


def resolve_plain(value: str) -> object:
    """A plain (unquoted, untagged) scalar as go-yaml's resolve() types it, then as JSON holds it."""
    resolved = go_value(value)
    return _json_number(resolved) if resolved.__class__ is float else resolved


def go_value(value: str) -> object:
    """A plain scalar as go-yaml's resolve("", value) types it (a float64 stays a float)."""
    word = _WORDS.get(value, _MISSING)
    if word is not _MISSING:
        return word
    if value[0] not in _NUMERIC_START:
        return value
    if value[0] == ".":
        return float(value) if _DOT_FLOAT.fullmatch(value) else value
    if _TIMESTAMP_START.match(value):
        return value  # a date or timestamp: kept as its text
    plain = value.replace("_", "") if "_" in value else value
    if _GO_INT.fullmatch(plain):
        number = _go_int(plain)
        if -_INT64 <= number < _UINT64:
            return number
    if _GO_FLOAT.fullmatch(plain):
        number = float(plain)
        if number not in (_INF, -_INF):  # ParseFloat's range error: not a float
            return number
    if _GO_INT.fullmatch(plain):
        return _go_int(plain)  # math/big beyond 64 bits
    return value


def _go_int(text: str) -> int:
    sign, digits = (-1, text[1:]) if text[0] == "-" else (1, text.lstrip("+"))
    if len(digits) > 1 and digits[0] == "0" and digits[1] in "01234567":
        return sign * int(digits, 8)  # Go's legacy octal: a leading zero
    return sign * int(digits, 0)


def _json_number(number: float) -> object:
    """sigs.k8s.io/yaml writes float64 as JSON: an integral value is written, and read back, as an integer."""
    if number.is_integer() and abs(number) < 1e21:
        return int(number)
    return number


def resolve_tagged(tag: str, value: str, mark) -> object:
    """A scalar with an explicit tag: go-yaml's resolve(tag, value); a tag it cannot resolve is refused."""
    if tag == _STR or tag == "!":
        return value
    if tag == _TIMESTAMP:
        return value
    if tag == _BINARY:
        try:
            return base64.b64decode("".join(value.split()), validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            raise ConstructorError(None, None, "!!binary value contains invalid base64 data", mark) from None
    if tag in (_INT, _FLOAT, _BOOL, _NULL):
        resolved = resolve_plain(value) if value else None
        wanted = {_INT: (int,), _FLOAT: (int, float), _BOOL: (bool,), _NULL: (type(None),)}[tag]
        if type(resolved) in wanted and (tag != _INT or _GO_INT.fullmatch(value.replace("_", ""))):
            return resolved  # a !!float with an integral value is an integer once written as JSON
        raise ConstructorError(None, None, f"cannot decode {value!r} as a !!{tag[len(_TAG):]}", mark)
    raise ConstructorError(None, None, f"could not determine a constructor for the tag {tag!r}", mark)


def json_key(key: object) -> object:
    """A map key as sigs.k8s.io/yaml's convertToJSONableObject makes it a JSON object key."""
    if type(key) is bool:
        return "true" if key else "false"
    if type(key) is int:
        return str(key)
    if type(key) is float:
        return _go_float32_text(key)
    return key


def _go_float32_text(number: float) -> str:
    """strconv.FormatFloat(number, 'g', -1, 32), and go-yaml's names for the infinities and NaN."""
    if number != number:
        return ".nan"
    if number in (_INF, -_INF):
        return ".inf" if number > 0 else "-.inf"
    single = struct.unpack("f", struct.pack("f", number))[0]
    for digits in range(1, 10):  # the shortest text that reads back as the same float32
        text = f"{single:.{digits}e}" if digits > 1 else f"{single:.0e}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == single:
            break
    mantissa, exponent = text.split("e")
    exponent = int(exponent)
    if exponent < -4 or exponent >= 21 or (exponent >= 6):
        return f"{mantissa.rstrip('0').rstrip('.') if '.' in mantissa else mantissa}e{exponent:+03d}"
    return f"{single:.{max(digits - 1 - exponent, 0)}f}"


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
    key (_MISSING when the next scalar is a key), `start` where the node starts, and `frame` the
    mapping's rarely needed state, made by _put and _merge_later when first needed.
    """
    duplicates: list = []
    anchors: dict = {}
    plain_get = _PLAIN.get
    stack: list = []
    node = positions = frame = start = None
    is_mapping = False
    key, key_line, key_column = _MISSING, 0, 0
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
                    typed = plain_get(value, _MISSING)
                    value = _typed_plain(value) if typed is _MISSING else typed
                    if value is _MERGE_KEY:
                        if is_mapping and key is _MISSING:
                            key = _MERGING
                            continue
                        value = "<<"
            elif tag == _MERGE and is_mapping and key is _MISSING:
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
            if tag is not None and tag != "!" and tag not in _CONTAINER_TAGS:
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
            if key is _MISSING:
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
                key = _MISSING
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
        yield key, positions[2 * index], positions[2 * index + 1], value


def _node_id(value: object) -> str:
    return "sequence" if isinstance(value, list) else "mapping" if isinstance(value, dict) else "scalar"


class _Mark:
    """A position for an error raised after its node's own mark is gone (0-based, as PyYAML's)."""

    def __init__(self, line: int, column: int):
        self.line, self.column = line, column
        self.name, self.index, self.buffer, self.pointer = "<unicode string>", 0, None, 0

    def __str__(self) -> str:
        return f'  in "{self.name}", line {self.line + 1}, column {self.column + 1}'
