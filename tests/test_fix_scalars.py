"""fixes/scalars.py: whether a new value may be written plain is decided by the implicit resolvers, without
parsing it; it must decide as parsing it with yaml.safe_load did, on every word of the shared corpora."""

import re

import pytest
import yaml

from conftest import CORPUS, CORPUS2, ROOT
from portlint.fixes.scalars import _GO_YAML_BOOLEANS, _PLAIN, reads_back_plain

SPECIAL = ["on", "Off", "yes", "NO", "y", "true", "False", "null", "Null", "~", "1", "0x1F", "0o17", "017", "1_000",
           "1e3", "1.5", "6.02e+23", "2020-01-01", "2020-01-01t10:00:00z", "1:20", "190:20:30", "-1", "_", "a.b/c-d",
           "http", "8080", "v1", "apps/v1", "inf", "nan", "NaN", "0b101", "12e", "1__0", "0.", "1.2.3", "2001-1-1"]


def parsed_plain(text: str) -> bool:
    """The definition: written plain, YAML 1.1 and go-yaml read it back as the same string."""
    if not _PLAIN.fullmatch(text) or text in _GO_YAML_BOOLEANS:
        return False
    return yaml.safe_load(text) == text


def words(*roots) -> list[str]:
    found = set(SPECIAL)
    for root in roots:
        for path in root.rglob("*.yaml"):
            try:
                found.update(re.findall(r"[A-Za-z0-9_][A-Za-z0-9_./:-]*", path.read_text(encoding="utf-8")))
            except (UnicodeError, OSError):
                continue
    return sorted(found)


def assert_decided_as_parsing(checked: list[str]) -> None:
    for text in checked:
        try:
            expected = parsed_plain(text)
        except ValueError:  # a timestamp with an impossible date: parsing fails, and reads_back_plain parses too
            continue
        assert reads_back_plain(text) == expected, text


def test_the_plain_decision_is_what_parsing_the_text_decides():
    checked = words(ROOT / "examples")
    assert len(checked) > 200
    assert_decided_as_parsing(checked)


def test_the_plain_decision_on_every_word_of_the_shared_corpora():
    if not (CORPUS.is_dir() and CORPUS2.is_dir()):
        pytest.skip(f"the shared corpora ({CORPUS}, {CORPUS2}) are absent on this machine")
    checked = words(CORPUS, CORPUS2)
    assert len(checked) > 10000
    assert_decided_as_parsing(checked)
