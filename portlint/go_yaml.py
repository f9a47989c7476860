"""Scalars typed as Kubernetes types them.

sigs.k8s.io/yaml decodes with go-yaml v2 and converts the result to JSON
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
"""

from __future__ import annotations

import base64
import binascii
import re
import struct

from yaml.constructor import ConstructorError

TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (TAG + t for t in ("str", "int", "float", "bool", "null"))
_TIMESTAMP, _BINARY, MERGE = TAG + "timestamp", TAG + "binary", TAG + "merge"
CONTAINER_TAGS = {TAG + t for t in ("map", "seq", "set", "omap", "pairs")}
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
MISSING = object()


def resolve_plain(value: str) -> object:
    """A plain (unquoted, untagged) scalar as go-yaml's resolve() types it, then as JSON holds it."""
    resolved = go_value(value)
    return _json_number(resolved) if resolved.__class__ is float else resolved


def go_value(value: str) -> object:
    """A plain scalar as go-yaml's resolve("", value) types it (a float64 stays a float)."""
    word = _WORDS.get(value, MISSING)
    if word is not MISSING:
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
        raise ConstructorError(None, None, f"cannot decode {value!r} as a !!{tag[len(TAG):]}", mark)
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
