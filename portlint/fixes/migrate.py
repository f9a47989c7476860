"""Migrations, document by document: ruamel.yaml's round trip where the structure changes, the
original bytes everywhere else (fixes/merge.py), and a check that the result reads back as intended.

Only documents with a migration are ever given to ruamel (or, for JSON, to the json module).
The result must read back (with PyYAML, as the loader reads it) exactly as the conversion
applied to the document read the same way; otherwise ruamel's whole rendering of the document is
tried under the same check, and if that fails too the migration is refused.
"""

from __future__ import annotations

import io
import json
import re

import yaml

from portlint.fixes.conversions import CONVERSIONS
from portlint.fixes.merge import merge

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PARENT_KEY = re.compile(r"^( *)[^\s#-][^#]*:\s*(#.*)?$")


class Refused(Exception):
    """A migration that cannot be written faithfully: the message says why."""


def migrate_document(region: str, conversions: list[tuple[tuple, str]]) -> str:
    """The document `region` (its text, apiVersion values already replaced) with each (path of a
    manifest in the document, conversion name) applied."""
    try:
        expected = converted(region, conversions)
    except yaml.YAMLError as error:
        raise Refused(f"the document does not parse: {error}") from None
    newline = "\r\n" if "\r\n" in region else "\n"
    end = newline if region.endswith(("\n", "\r")) else ""
    base, changed = _render_json(region, conversions) if region.lstrip().startswith("{") else (None, None)
    if base is None:
        base, changed = _render_ruamel(region, conversions)
    merged = newline.join(merge(region.splitlines(), base.splitlines(), changed.splitlines())) + end
    for candidate in (merged, newline.join(changed.splitlines()) + end):
        if reads_as(candidate, expected):
            return candidate
    raise Refused("the converted document would not read back as the conversion intends")


def _render_ruamel(region: str, conversions: list[tuple[tuple, str]]) -> tuple[str, str]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml_rt = YAML()
    yaml_rt.preserve_quotes = True
    yaml_rt.width = 1 << 16  # never fold a long line
    yaml_rt.indent(**_indentation(region))
    try:
        data = yaml_rt.load(region)
    except YAMLError as error:
        raise Refused(f"ruamel.yaml cannot read the document: {error}") from None
    base = _dump(yaml_rt, data)  # dumping leaves the data as it was: one load serves both renderings
    for path, name in conversions:
        CONVERSIONS[name](_at(data, path))
    return base, _dump(yaml_rt, data)


def _render_json(region: str, conversions: list[tuple[tuple, str]]) -> tuple[str | None, str | None]:
    try:
        data = json.loads(region)
    except ValueError:
        return None, None  # a YAML flow mapping, not JSON
    indent = next((len(line) - len(line.lstrip(" ")) for line in region.splitlines()[1:2]), None) or None
    base = json.dumps(data, indent=indent, ensure_ascii=False)
    for path, name in conversions:
        CONVERSIONS[name](_at(data, path))
    return base, json.dumps(data, indent=indent, ensure_ascii=False)


def _dump(yaml_rt, data) -> str:
    out = io.StringIO()
    yaml_rt.dump(data, out)
    return out.getvalue()


def _indentation(region: str) -> dict:
    """The document's own indentation: of mappings, and of sequences with their dash's offset."""
    from ruamel.yaml.util import load_yaml_guess_indent

    mapping = 2
    lines = [line for line in region.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for line, following in zip(lines, lines[1:]):
        parent = _PARENT_KEY.match(line)
        deeper = len(following) - len(following.lstrip(" ")) - len(parent.group(1)) if parent else 0
        if parent and deeper > 0 and not following.lstrip().startswith("-"):
            mapping = deeper
            break
    try:  # the guess scans the text; the load it ends with is not needed (the `yaml` it is given loads nothing)
        _, sequence, offset = load_yaml_guess_indent(region, yaml=_NO_LOAD)
    except Exception:  # noqa: BLE001 - a guess only; ruamel reports real errors when it loads
        sequence, offset = None, None
    offset = offset or 0
    return {"mapping": mapping, "sequence": max(sequence or mapping + offset, offset + 2), "offset": offset}


class _NoLoad:
    @staticmethod
    def load(_text):
        return None


_NO_LOAD = _NoLoad()


def _at(data, path: tuple):
    for part in path:
        data = data[part]
    return data


def converted(region: str, conversions: list[tuple[tuple, str]]) -> object:
    """The document `region` as the loader reads it, with the conversions applied (yaml.YAMLError when it
    does not parse)."""
    data = yaml.load(region, Loader=_Loader)
    for path, name in conversions:
        CONVERSIONS[name](_at(data, path))
    return data


def reads_as(text: str, expected: object) -> bool:
    try:
        return yaml.load(text, Loader=_Loader) == expected
    except yaml.YAMLError:
        return False
