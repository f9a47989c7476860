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
from array import array

from portlint.go_yaml import MISSING, go_value, json_key
from portlint.parse import _MERGE_KEY, _PLAIN, Mapping, Sequence, _typed_plain

# a line: indentation, `- ` indicators, a plain key (a common subset: no spaces, quotes or indicators) with
# the `:` and spaces after it, and the rest
_LINE = re.compile(r"( *)((?:- +)*)(?:([A-Za-z0-9_][A-Za-z0-9_./-]*):(?: +|$))?(.*)").match
_PLAIN_START_REFUSED = frozenset("&*!|>%@`{[]},#'\"?:-")  # indicators, or characters that need a closer look
_FLOW_PLAIN_REFUSED = frozenset(",[]{}#:'\"")  # what a plain item of a flow sequence may not hold, here
_BLOCK_HEADERS = {"|": ("|", ""), "|-": ("|", "-"), "|+": ("|", "+"), ">": (">", ""), ">-": (">", "-"),
                  ">+": (">", "+")}
_MAX_DEPTH = 100  # deeper texts go to libyaml, which applies portlint's nesting limit
_new_mapping = dict.__new__


class _Unsupported(Exception):
    """The text leaves the subset: libyaml parses it."""


def parse_block(text: str) -> list[tuple[object, list]] | None:
    """Every document of `text` as parse.parse_all gives it (value, no duplicate keys), or None outside the subset."""
    if "\t" in text or "\r" in text:
        return None
    try:
        return _documents(text.split("\n"))
    except _Unsupported:
        return None


def _documents(lines: list[str]) -> list[tuple[object, list]]:
    """The documents of the lines, in one loop (the hot path of a run): the open collection in local
    variables (`node`, its `positions`, `indent` and `is_mapping`), the ones it is in on `frames`, and
    `pending` the key of `node` whose value starts on a later line (or MISSING)."""
    documents: list = []
    frames: list = []
    root = node = positions = None
    indent, is_mapping, pending = -1, False, MISSING
    started = False
    plain_get = _PLAIN.get
    index, count = 0, len(lines)
    while index < count:
        line = lines[index]
        index += 1
        spaces, dashes, key, rest = _LINE(line).groups()
        column = len(spaces)
        if not dashes and key is None:
            if not rest or rest[0] == "#":
                continue
            if column or rest[:3] != "---" or not _only_comment(rest[3:]):
                raise _Unsupported  # a line that only continues a scalar, a directive, `...`
            if started:
                documents.append((_closed(root, node, positions, is_mapping, frames), []))
            root = node = positions = None
            indent, is_mapping, pending, started = -1, False, MISSING, True
            continue
        started = True
        opening = None  # where the node this line opens goes: "root", "value" (of pending) or "item"
        at = column
        for dash in range(len(dashes)):
            if dashes[dash] != "-":
                continue
            at = column + dash
            if opening is None and pending is not MISSING and at >= indent:  # may sit at its key's indentation
                opening = "value"
            elif opening is None:
                pending = MISSING
                if root is None:
                    opening = "root"
                else:
                    while indent > at:
                        node, positions, indent, is_mapping = _close(node, positions, is_mapping, frames)
                    if is_mapping or indent != at:
                        raise _Unsupported
                    opening = "item"  # of the open sequence
                    continue
            sequence = Sequence()
            sequence.line, sequence.column = index, at + 1
            node, positions, indent, is_mapping, pending, root = _open(
                sequence, opening, root, node, positions, indent, is_mapping, pending, frames, index, at)
            opening = "item"
        at = column + len(dashes)
        if dashes:
            opening = "item"
        if key is None:  # an item's scalar
            if not rest or rest[0] == "#":
                raise _Unsupported  # an empty item
            start = index
            if rest[0] in _PLAIN_START_REFUSED or rest[-1] == " " or " #" in rest or ": " in rest or rest[-1] == ":":
                value, index = _value(lines, index, at, rest, indent)
            else:  # a plain scalar on its own (most values), inline as for a key's value below: this runs per line
                value = plain_get(rest, MISSING)
                if value is MISSING or value is _MERGE_KEY:
                    value = _typed(rest)
            node.append(value)
            positions.append(start)
            positions.append(at + 1)
            continue
        if opening is None:
            if pending is not MISSING and at > indent:
                opening = "value"
            else:
                pending = MISSING
                if root is None:
                    opening = "root"
                else:
                    while indent > at or indent == at and not is_mapping:
                        node, positions, indent, is_mapping = _close(node, positions, is_mapping, frames)
                    if not is_mapping or indent != at:
                        raise _Unsupported
        if opening is not None:
            mapping = _new_mapping(Mapping)
            mapping.line, mapping.column = index, at + 1
            node, positions, indent, is_mapping, pending, root = _open(
                mapping, opening, root, node, positions, indent, is_mapping, pending, frames, index, at)
        text = key
        key = plain_get(text, MISSING)
        if key.__class__ is not str:
            key = _key(text, key)
        if key in node:
            raise _Unsupported  # a duplicate key: libyaml's reading reports it
        positions.append(index)
        positions.append(at + 1)
        if not rest or rest[0] == "#":
            node[key] = None
            pending = key
        elif rest[0] in _PLAIN_START_REFUSED or rest[-1] == " " or " #" in rest or ": " in rest or rest[-1] == ":":
            node[key], index = _value(lines, index, len(line) - len(rest), rest, indent)
        else:
            value = plain_get(rest, MISSING)
            node[key] = _typed(rest) if value is MISSING or value is _MERGE_KEY else value
    if started:
        documents.append((_closed(root, node, positions, is_mapping, frames), []))
    return documents


def _only_comment(rest: str) -> bool:
    """Is `rest`, what follows a token on its line, nothing or a comment (which needs a space before it)?"""
    stripped = rest.lstrip(" ")
    return not stripped or stripped[0] == "#" and stripped is not rest


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
            raise _Unsupported
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
        raise _Unsupported  # a line less indented than the document's root
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


def _value(lines: list[str], number: int, column: int, text: str, indent: int) -> tuple[object, int]:
    """The value that `text` (at 0-based `column` of line `number`) starts, in a collection indented by
    `indent`, and the index of the line after it; the rest of its last line may only be a comment."""
    first = text[0]
    if first == '"' or first == "'":
        return _quoted(lines, number, text, indent)
    if first == "|" or first == ">":
        return _block(lines, number, text, indent)
    if first == "[":
        return _flow_sequence(text, number, column), number
    if first == "{":
        if text[1:2] != "}" or not _only_comment(text[2:]):
            raise _Unsupported
        node = _new_mapping(Mapping)
        node.line, node.column, node._key_positions = number, column + 1, b""
        return node, number
    if first in _PLAIN_START_REFUSED and not (first == "-" and len(text) > 1 and text[1] != " "):
        raise _Unsupported
    comment = text.find(" #")
    plain = (text[:comment] if comment >= 0 else text).rstrip(" ")
    if ": " in plain or plain[-1] == ":":
        raise _Unsupported
    return _typed(plain), number


def _typed(plain: str) -> object:
    value = _PLAIN.get(plain, MISSING)
    if value is MISSING:
        value = _typed_plain(plain)
    if value is _MERGE_KEY:
        raise _Unsupported
    return value


def _quoted(lines: list[str], number: int, text: str, indent: int) -> tuple[str, int]:
    """A single- or double-quoted scalar from `text` on, over as many lines as it takes (see the module's rules)."""
    quote = text[0]
    pieces = []
    current, start = text, 1
    while True:
        end = _closing_quote(current, start, quote)
        if end >= 0:
            pieces.append(current[start:end])
            if not _only_comment(current[end + 1:]):
                raise _Unsupported
            break
        pieces.append(current[start:].rstrip(" "))
        empty = 0
        while number < len(lines) and not lines[number].strip(" "):
            empty += 1
            number += 1
        if number == len(lines):
            raise _Unsupported  # never closed
        current = lines[number].lstrip(" ")
        if len(lines[number]) - len(current) <= indent:
            raise _Unsupported  # libyaml's checks on what a continuation line may be are not repeated here
        number += 1
        pieces.append("\n" * empty if empty else " ")
        start = 0
    value = "".join(pieces)
    return (value.replace("''", "'") if quote == "'" else value), number


def _closing_quote(text: str, start: int, quote: str) -> int:
    """Where the quote that closes the scalar is in `text`, or -1; a double-quoted escape is refused."""
    if quote == '"':
        end = text.find('"', start)
        if "\\" in (text[start:end] if end >= 0 else text[start:]):
            raise _Unsupported
        return end
    end = start
    while True:
        end = text.find("'", end)
        if end < 0 or text[end + 1:end + 2] != "'":
            return end
        end += 2


def _block(lines: list[str], number: int, text: str, indent: int) -> tuple[str, int]:
    """A literal (`|`) or folded (`>`) block scalar whose header is `text`; its lines follow line `number`."""
    comment = text.find(" #")
    header = _BLOCK_HEADERS.get((text[:comment] if comment >= 0 else text).rstrip(" "))
    if header is None:
        raise _Unsupported  # an indentation indicator, or something after the header
    style, chomping = header
    body: list[str] = []  # the content lines, without their indentation; "" for an empty line
    content_indent = 0
    end = len(lines) - (lines[-1] == "")  # after a final line break, "" is not a line
    while number < end:
        line = lines[number]
        stripped = line.lstrip(" ")
        if not stripped:
            if content_indent and len(line) > content_indent:
                raise _Unsupported  # spaces past the indentation: content, which the fold rules treat apart
            body.append("")
        else:
            spaces = len(line) - len(stripped)
            if not content_indent:
                if spaces <= indent or body and max(map(len, lines[number - len(body):number])) > spaces:
                    raise _Unsupported  # an empty block scalar, or leading empty lines longer than the first
                content_indent = spaces
            elif spaces < content_indent:
                break
            body.append(line[content_indent:])
        number += 1
    if not content_indent:
        raise _Unsupported
    trailing = 0
    while body and not body[-1]:
        body.pop()
        trailing += 1
    number -= trailing  # the empty lines after the block are read again as the lines that they are
    value = "\n".join(body) if style == "|" else _fold(body)
    if chomping == "-" or number == len(lines):  # stripped, or the text ends without a line break
        return value, number
    return value + ("\n" * (trailing + 1) if chomping == "+" else "\n"), number


def _fold(body: list[str]) -> str:
    """A folded scalar's lines: a break between two lines becomes a space, each empty line a newline."""
    if any(line[:1] == " " for line in body):
        raise _Unsupported  # more-indented lines keep their breaks: not folded here
    pieces = [body[0]]
    empty = 0
    for line in body[1:]:
        if not line:
            empty += 1
            continue
        pieces.append("\n" * empty if empty else " ")
        pieces.append(line)
        empty = 0
    return "".join(pieces)


def _flow_sequence(text: str, number: int, column: int) -> Sequence:
    """`[...]` of scalars on one line (plain items without `:`, or quoted ones without escapes)."""
    sequence = Sequence()
    sequence.line, sequence.column = number, column + 1
    positions = array("I")
    at = 1
    while True:
        at = _skip_spaces(text, at)
        if text[at:at + 1] == "]" and not sequence:
            break
        item_column = column + at
        first = text[at:at + 1]
        if first == '"' or first == "'":
            end = _closing_quote(text, at + 1, first)
            if end < 0:
                raise _Unsupported
            item = text[at + 1:end]
            item = item.replace("''", "'") if first == "'" else item
            at = end + 1
        else:
            end = at
            while end < len(text) and text[end] not in _FLOW_PLAIN_REFUSED:
                end += 1
            plain = text[at:end].rstrip(" ")
            if not plain or plain[0] in _PLAIN_START_REFUSED and not (plain[0] == "-" and plain[1:2] not in ("", " ")):
                raise _Unsupported
            item = _typed(plain)
            at = end
        sequence.append(item)
        positions.append(number)
        positions.append(item_column + 1)
        at = _skip_spaces(text, at)
        if text[at:at + 1] == "]":
            break
        if text[at:at + 1] != "," or text[_skip_spaces(text, at + 1):_skip_spaces(text, at + 1) + 1] == "]":
            raise _Unsupported  # anything else, or a trailing comma
        at += 1
    if not _only_comment(text[at + 1:]):
        raise _Unsupported
    sequence._item_positions = positions.tobytes()
    return sequence


def _skip_spaces(text: str, at: int) -> int:
    while text[at:at + 1] == " ":
        at += 1
    return at
