"""Near misses between names: the same text in another case, or a typo or two away."""

from __future__ import annotations


def similar(candidate: str, wanted: str, max_edits: int = 2) -> bool:
    if candidate == wanted:
        return False
    if candidate.lower() == wanted.lower():
        return True
    if abs(len(candidate) - len(wanted)) > max_edits or min(len(candidate), len(wanted)) <= max_edits:
        return False
    return edit_distance(candidate, wanted) <= max_edits


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]
