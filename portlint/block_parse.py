"""The block-style YAML that manifests are written in, parsed line by line: faster than libyaml's own events.

Most manifests use a small part of YAML: block mappings and sequences; scalars that are plain,
single- or double-quoted without escapes (over one line or several), literal or folded blocks; the
flow sequences of such scalars on one line (`verbs: ["get", "list"]`); comments; `---` between
documents. For such a text `parse_block` gives exactly what parse.parse_all gives: the same Mappings
and Sequences with the same positions, scalars typed the same way (go_yaml), the same documents. For
any other text it gives None and the caller parses it with libyaml (parse.parse_all): anchors, aliases,
merge keys, tags, multi-line plain scalars, flow mappings, escapes, quoted keys, tabs, CR line ends,
duplicate keys, directives, syntax errors. It never guesses: a line it does not recognise whole hands
the text over. tests/test_block_parse.py compares both on every file of the shared corpora, on the
benchmark's trees and on the hostile inputs.

The rules followed (YAML 1.1 as libyaml reads it): a block mapping starts at its first key, a block
sequence at its first `-`, an item at its first character; a collection's indentation is that column,
and a sequence may be indented as the key whose value it is, nothing else may. A quoted scalar's line
breaks fold: with no empty line between, into a space; else into one newline per empty line, the
spaces around a break dropped. A block scalar's indentation is its first content line's; `|` keeps the
line breaks, `>` folds those between two lines that are not more indented; the final breaks are
clipped to one, stripped (`-`) or kept (`+`). A document starts at its first content or at `---`; a
`---` after content starts another, so a trailing one is an empty (null) document.
"""

from __future__ import annotations

import re
import sys
from array import array

from portlint.block_scalars import PLAIN_START_REFUSED, Unsupported, new_mapping, only_comment, typed, value
from portlint.go_yaml import MISSING, go_value, json_key
from portlint.parse import _MERGE_KEY, _PLAIN, Mapping, Sequence, _typed_plain

# a line: indentation, `- ` indicators, a plain key (a common subset: no spaces, quotes or indicators) with
# the `:` and spaces after it, and the rest
_LINE = re.compile(r"( *)((?:- +)*)(?:([A-Za-z0-9_][A-Za-z0-9_./-]*):(?: +|$))?(.*)").match
_MAX_DEPTH = 100  # deeper texts go to libyaml, which applies portlint's nesting limit
# line → its tokens (_tokens), for lines seen before: manifests repeat most of their lines (`kind: Service`,
# `- containerPort: 8080`); 10,000 of them are 67% of the lines read on the shared corpus, 78% on the
# benchmark's, for about 2 MB
_LINES: dict = {}
_LINES_LIMIT = 10_000
_NOTHING = object()  # the line has nothing after its key or dash, or a comment
_COMPLEX = object()  # the line's value is not a plain scalar on its own: block_scalars.value reads it
_UNTYPED = object()  # the line's key could not be typed in _tokens
_NO_KEY = object()  # the line has no key (a key may be typed None: `null: x`)


def parse_block(text: str) -> list[tuple[object, list]] | None:
    """Every document of `text` as parse.parse_all gives it (value, no duplicate keys), or None outside the subset."""
    if "\t" in text or "\r" in text:
        return None
    try:
        return _documents(text.split("\n"))
    except Unsupported:
        return None


def _documents(lines: list[str]) -> list[tuple[object, list]]:
    """The documents of the lines, in one loop (the hot path of a run): the open collection in local
    variables (`node`, its `positions`, `indent` and `is_mapping`), the ones it is in on `frames`, and
    `pending` the key of `node` whose value starts on a later line (or MISSING). The common steps are
    written out here rather than called (a call per line costs a tenth of the parse): a key line at its
    mapping's indentation, a mapping opened as a key's value or as a sequence's item, a mapping closed."""
    documents: list = []
    frames: list = []
    root = node = positions = None
    indent, is_mapping, pending = -1, False, MISSING
    started = False
    plain_get = _PLAIN.get
    lines_get = _LINES.get
    new_positions = array
    index, count = 0, len(lines)
    while index < count:
        line = lines[index]
        index += 1
        tokens = lines_get(line)
        if tokens is None:
            tokens = _tokens(line)
        column, dashes, key, rest, item, text = tokens
        at = column
        if dashes:  # one item or more starts here: its sequence opens, or is the open one
            started = True
            if pending is not MISSING and at >= indent:  # may sit at its key's indentation
                sequence = Sequence()
                sequence.line, sequence.column = index, at + 1
                node, positions, indent, is_mapping, pending, root = _open(
                    sequence, "value", root, node, positions, indent, is_mapping, pending, frames, index, at)
            elif root is None:
                sequence = Sequence()
                sequence.line, sequence.column = index, at + 1
                node, positions, indent, is_mapping, pending, root = _open(
                    sequence, "root", root, node, positions, indent, is_mapping, pending, frames, index, at)
            else:
                pending = MISSING
                while indent > at:
                    node, positions, indent, is_mapping = _close(node, positions, is_mapping, frames)
                if is_mapping or indent != at:
                    raise Unsupported
            if dashes.count("-") > 1:  # `- - x`: each further dash opens a sequence as an item
                for dash in range(1, len(dashes)):
                    if dashes[dash] == "-":
                        sequence = Sequence()
                        sequence.line, sequence.column = index, column + dash + 1
                        node, positions, indent, is_mapping, pending, root = _open(
                            sequence, "item", root, node, positions, indent, is_mapping, pending, frames, index,
                            column + dash)
            at = column + len(dashes)
            if key is _NO_KEY:  # an item's scalar
                if item is _NOTHING:
                    raise Unsupported  # an empty item
                start = index
                if item is _COMPLEX:
                    item, index = value(lines, index, at, rest, indent)
                node.append(item)
                positions.append(start)
                positions.append(at + 1)
                continue
            mapping = new_mapping(Mapping)  # `- key: ...`: a mapping item
            mapping.line, mapping.column = index, at + 1
            node.append(mapping)
            positions.append(index)
            positions.append(at + 1)
            if len(frames) >= _MAX_DEPTH:
                raise Unsupported
            frames.append((node, positions, indent, is_mapping))
            node, positions, indent, is_mapping = mapping, new_positions("I"), at, True
        elif key is _NO_KEY:
            if item is _NOTHING:
                continue
            if column or rest[:3] != "---" or not only_comment(rest[3:]):
                raise Unsupported  # a line that only continues a scalar, a directive, `...`
            if started:
                documents.append((_closed(root, node, positions, is_mapping, frames), []))
            root = node = positions = None
            indent, is_mapping, pending, started = -1, False, MISSING, True
            continue
        elif pending is not MISSING and at > indent:  # the first key of the pending key's mapping
            started = True
            mapping = new_mapping(Mapping)
            mapping.line, mapping.column = index, at + 1
            node[pending] = mapping
            if len(frames) >= _MAX_DEPTH:
                raise Unsupported
            frames.append((node, positions, indent, is_mapping))
            node, positions, indent, is_mapping, pending = mapping, new_positions("I"), at, True, MISSING
        elif at != indent or not is_mapping:  # not a key of the open mapping: the root's first, or a closer one's
            started = True
            pending = MISSING
            if root is None:
                mapping = new_mapping(Mapping)
                mapping.line, mapping.column = index, at + 1
                node, positions, indent, is_mapping, pending, root = _open(
                    mapping, "root", root, node, positions, indent, is_mapping, pending, frames, index, at)
            else:
                while indent > at or indent == at and not is_mapping:
                    if is_mapping:
                        node._key_positions = positions.tobytes()
                    else:
                        node._item_positions = positions.tobytes()
                    if not frames:
                        raise Unsupported  # a line less indented than the document's root
                    node, positions, indent, is_mapping = frames.pop()
                if not is_mapping or indent != at:
                    raise Unsupported
        else:
            pending = MISSING
        if key is _UNTYPED:  # typing it failed in _tokens: again here, where the error belongs
            key = plain_get(text, MISSING)
            if key.__class__ is not str:
                key = _key(text, key)
        if key in node:
            raise Unsupported  # a duplicate key: libyaml's reading reports it
        positions.append(index)
        positions.append(at + 1)
        if item is _NOTHING:
            node[key] = None
            pending = key
        elif item is _COMPLEX:
            node[key], index = value(lines, index, len(line) - len(rest), rest, indent)
        else:
            node[key] = item
    if started:
        documents.append((_closed(root, node, positions, is_mapping, frames), []))
    return documents


def _tokens(line: str) -> tuple:
    """(indentation, the `- ` indicators, the key typed or _NO_KEY, the rest when block_scalars.value is to read it,
    the value typed, the key's text when it could not be typed) of a line, kept in _LINES: a value is typed only
    after a key or a dash. What cannot be typed here (a number too long for int(), a `<<`) is left to the loop,
    which meets it where the parse would have: a key _UNTYPED (not kept), a value _COMPLEX."""
    spaces, dashes, text, rest = _LINE(line).groups()
    key = _NO_KEY
    if not rest or rest[0] == "#":
        item = _NOTHING
    elif rest[0] in PLAIN_START_REFUSED or rest[-1] == " " or " #" in rest or ": " in rest or rest[-1] == ":" or (
            text is None and not dashes):
        item = _COMPLEX
    else:
        try:
            item = _PLAIN.get(rest, MISSING)
            if item is MISSING or item is _MERGE_KEY:
                item = typed(rest)
        except (Unsupported, ValueError):
            item = _COMPLEX
    if text is not None:
        try:
            key = _PLAIN.get(text, MISSING)
            if key.__class__ is not str:
                key = _key(text, key)
        except ValueError:
            return len(spaces), dashes, _UNTYPED, rest, item, text
    tokens = (len(spaces), sys.intern(dashes), key, rest if item is _COMPLEX else None, item, None)
    if len(_LINES) < _LINES_LIMIT:
        _LINES[line] = tokens
    return tokens


def forget_lines() -> None:
    """Once a run's files are read, their lines' memory goes to what follows."""
    _LINES.clear()


def _open(new, opening: str, root, node, positions: array, indent: int, is_mapping: bool, pending: object,
          frames: list, number: int, column: int) -> tuple:
    """Open `new` at `column` of line `number` as the root, the pending key's value or an item of `node`."""
    if opening == "root":
        root = new
    else:
        if opening == "value":
            node[pending] = new
        else:
            node.append(new)
            positions.append(number)
            positions.append(column + 1)
        if len(frames) >= _MAX_DEPTH:
            raise Unsupported
        frames.append((node, positions, indent, is_mapping))
    return new, array("I"), column, new.__class__ is Mapping, MISSING, root


def _finish(node, positions: array, is_mapping: bool) -> None:
    """A closed collection keeps its positions as bytes (see parse.Mapping)."""
    if is_mapping:
        node._key_positions = positions.tobytes()
    else:
        node._item_positions = positions.tobytes()


def _close(node, positions: array, is_mapping: bool, frames: list) -> tuple:
    """Close `node` and return the collection it is in."""
    _finish(node, positions, is_mapping)
    if not frames:
        raise Unsupported  # a line less indented than the document's root
    return frames.pop()


def _closed(root, node, positions: array, is_mapping: bool, frames: list) -> object:
    """The document's root, once every collection still open is closed."""
    while node is not None:
        _finish(node, positions, is_mapping)
        node, positions, _, is_mapping = frames.pop() if frames else (None, None, 0, False)
    return root


def _key(text: str, typed: object) -> str:
    """A plain key that is not a string, or not typed yet, as sigs.k8s.io/yaml makes a string of it."""
    if typed is MISSING:
        typed = _typed_plain(text)
        if typed.__class__ is str:
            return typed
    return json_key(go_value(text)) if typed.__class__ is int else json_key(typed)
