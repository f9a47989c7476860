"""The scalars and one-line flow sequences of portlint/block_parse.py's subset, read from the lines.

Each function reads a value that starts on a line of the block text (and for quoted and block scalars
the lines after it) exactly as libyaml reads it, or raises Unsupported for what it does not read whole;
the rules it follows are block_parse's (see its docstring).
"""

from __future__ import annotations

from array import array

from portlint.go_yaml import MISSING
from portlint.parse import _MERGE_KEY, _PLAIN, Mapping, Sequence, _typed_plain

PLAIN_START_REFUSED = frozenset("&*!|>%@`{[]},#'\"?:-")  # indicators, or characters that need a closer look
_FLOW_PLAIN_REFUSED = frozenset(",[]{}#:'\"")  # what a plain item of a flow sequence may not hold, here
_BLOCK_HEADERS = {"|": ("|", ""), "|-": ("|", "-"), "|+": ("|", "+"), ">": (">", ""), ">-": (">", "-"),
                  ">+": (">", "+")}
new_mapping = dict.__new__  # a Mapping without its __init__: its positions are set when it is closed


class Unsupported(Exception):
    """The text leaves the subset: libyaml parses it."""


def only_comment(rest: str) -> bool:
    """Is `rest`, what follows a token on its line, nothing or a comment (which needs a space before it)?"""
    stripped = rest.lstrip(" ")
    return not stripped or stripped[0] == "#" and stripped is not rest


def value(lines: list[str], number: int, column: int, text: str, indent: int) -> tuple[object, int]:
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
        if text[1:2] != "}" or not only_comment(text[2:]):
            raise Unsupported
        node = new_mapping(Mapping)
        node.line, node.column, node._key_positions = number, column + 1, b""
        return node, number
    if first in PLAIN_START_REFUSED and not (first == "-" and len(text) > 1 and text[1] != " "):
        raise Unsupported
    comment = text.find(" #")
    plain = (text[:comment] if comment >= 0 else text).rstrip(" ")
    if ": " in plain or plain[-1] == ":":
        raise Unsupported
    return typed(plain), number


def typed(plain: str) -> object:
    value = _PLAIN.get(plain, MISSING)
    if value is MISSING:
        value = _typed_plain(plain)
    if value is _MERGE_KEY:
        raise Unsupported
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
            if not only_comment(current[end + 1:]):
                raise Unsupported
            break
        pieces.append(current[start:].rstrip(" "))
        empty = 0
        while number < len(lines) and not lines[number].strip(" "):
            empty += 1
            number += 1
        if number == len(lines):
            raise Unsupported  # never closed
        current = lines[number].lstrip(" ")
        if len(lines[number]) - len(current) <= indent:
            raise Unsupported  # libyaml's checks on what a continuation line may be are not repeated here
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
            raise Unsupported
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
        raise Unsupported  # an indentation indicator, or something after the header
    style, chomping = header
    body: list[str] = []  # the content lines, without their indentation; "" for an empty line
    content_indent = 0
    end = len(lines) - (lines[-1] == "")  # after a final line break, "" is not a line
    while number < end:
        line = lines[number]
        stripped = line.lstrip(" ")
        if not stripped:
            if content_indent and len(line) > content_indent:
                raise Unsupported  # spaces past the indentation: content, which the fold rules treat apart
            body.append("")
        else:
            spaces = len(line) - len(stripped)
            if not content_indent:
                if spaces <= indent or body and max(map(len, lines[number - len(body):number])) > spaces:
                    raise Unsupported  # an empty block scalar, or leading empty lines longer than the first
                content_indent = spaces
            elif spaces < content_indent:
                break
            body.append(line[content_indent:])
        number += 1
    if not content_indent:
        raise Unsupported
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
        raise Unsupported  # more-indented lines keep their breaks: not folded here
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
                raise Unsupported
            item = text[at + 1:end]
            item = item.replace("''", "'") if first == "'" else item
            at = end + 1
        else:
            end = at
            while end < len(text) and text[end] not in _FLOW_PLAIN_REFUSED:
                end += 1
            plain = text[at:end].rstrip(" ")
            if not plain or plain[0] in PLAIN_START_REFUSED and not (plain[0] == "-" and plain[1:2] not in ("", " ")):
                raise Unsupported
            item = typed(plain)
            at = end
        sequence.append(item)
        positions.append(number)
        positions.append(item_column + 1)
        at = _skip_spaces(text, at)
        if text[at:at + 1] == "]":
            break
        if text[at:at + 1] != "," or text[_skip_spaces(text, at + 1):_skip_spaces(text, at + 1) + 1] == "]":
            raise Unsupported  # anything else, or a trailing comma
        at += 1
    if not only_comment(text[at + 1:]):
        raise Unsupported
    sequence._item_positions = positions.tobytes()
    return sequence


def _skip_spaces(text: str, at: int) -> int:
    while text[at:at + 1] == " ":
        at += 1
    return at
