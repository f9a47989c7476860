"""Apply a change made on a re-rendered text to the original text, line by line (a three-way merge).

ruamel.yaml's round trip keeps comments, order, quotes and styles, but not every byte: it may
re-indent a sequence, re-space a flow mapping or move a comment's column. So a migration is not
written as ruamel prints the whole document. With `base` = ruamel's rendering of the document
unchanged and `changed` = its rendering after the conversion, the lines that `base` and
`changed` share mark what the conversion left alone; where `base` also equals `original`, the
original line is kept byte for byte. Between two such anchors, a stretch the conversion did not
change is copied from `original`, and a stretch it did change is taken from `changed`. The
caller checks that the result reads back as the converted document (fixes/migrate.py).
"""

from __future__ import annotations

from difflib import SequenceMatcher


def merge(original: list[str], base: list[str], changed: list[str]) -> list[str]:
    """`original` with the difference between `base` and `changed` applied (lines without line ends)."""
    in_original = _matching_lines(base, original)
    in_changed = _matching_lines(base, changed)
    anchors = [i for i in range(len(base)) if i in in_original and i in in_changed]
    merged: list[str] = []
    last_base = last_original = last_changed = -1
    for anchor in anchors + [len(base)]:
        end_original = in_original[anchor] if anchor < len(base) else len(original)
        end_changed = in_changed[anchor] if anchor < len(base) else len(changed)
        unchanged = base[last_base + 1:anchor] == changed[last_changed + 1:end_changed]
        merged += original[last_original + 1:end_original] if unchanged else changed[last_changed + 1:end_changed]
        if anchor < len(base):
            merged.append(original[end_original])
        last_base, last_original, last_changed = anchor, end_original, end_changed
    return merged


def _matching_lines(a: list[str], b: list[str]) -> dict[int, int]:
    """Line i of `a` → the line of `b` it is aligned with, for the lines the two have in common."""
    matched: dict[int, int] = {}
    for block in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        for offset in range(block.size):
            matched[block.a + offset] = block.b + offset
    return matched
