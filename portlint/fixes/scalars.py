"""A new scalar in the style of the one it replaces: plain stays plain, quotes stay the same quotes.

Only what the loader (and Kubernetes' own decoder) reads back as the same value is written plain:
a string that YAML 1.1 or go-yaml would take for a number, a boolean or null is quoted.
"""

from __future__ import annotations

import json
import re

import yaml

# what may stand plain in block and flow context alike (names, label values, port names, apiVersions)
_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")
# go-yaml v2 (Kubernetes' decoder) also reads these as booleans; YAML 1.1's resolver has the rest
_GO_YAML_BOOLEANS = {"y", "Y", "n", "N"}


def render(value: str | int, style: str | None) -> str | None:
    """`value` written as a YAML scalar in `style` ('' or None plain, "'" or '"'); None for block scalars."""
    if style in ("|", ">"):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"a fix writes strings and integers, not {type(value).__name__}")
    if isinstance(value, int):
        return str(value)  # a number is plain whatever the old value's quotes were
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style == '"':
        return json.dumps(value, ensure_ascii=False)
    return value if reads_back_plain(value) else json.dumps(value, ensure_ascii=False)


def reads_back_plain(text: str) -> bool:
    """Whether `text` written plain is read back as the same string by YAML 1.1 and by go-yaml."""
    if not _PLAIN.fullmatch(text) or text in _GO_YAML_BOOLEANS:
        return False
    # such a text is one plain scalar: a string if the implicit resolvers make it one (parsing it costs 30 µs)
    if _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STRING:
        return True
    return yaml.safe_load(text) == text


_RESOLVER = yaml.resolver.Resolver()  # what yaml.safe_load resolves plain scalars with
_STRING = "tag:yaml.org,2002:str"
