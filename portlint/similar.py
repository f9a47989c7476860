"""Near misses between names: the same text in another case, or a typo or two away."""

from __future__ import annotations

from typing import Iterable


def similar(candidate: str, wanted: str, max_edits: int = 2) -> bool:
    if candidate == wanted:
        return False
    if candidate.lower() == wanted.lower():
        return True
    if abs(len(candidate) - len(wanted)) > max_edits or min(len(candidate), len(wanted)) <= max_edits:
        return False
    return within_edits(candidate, wanted, max_edits)


def within_edits(a: str, b: str, limit: int) -> bool:
    """edit_distance(a, b) <= limit, computed only in the diagonal band |i - j| <= limit and given up as
    soon as a whole row exceeds the limit: O(limit × length) instead of O(length²)."""
    if abs(len(a) - len(b)) > limit:
        return False
    over = limit + 1
    previous = {j: j for j in range(min(len(b), limit) + 1)}
    for i, char_a in enumerate(a, 1):
        current = {}
        for j in range(max(0, i - limit), min(len(b), i + limit) + 1):
            if j == 0:
                best = i
            else:
                best = min(previous.get(j, over) + 1, current.get(j - 1, over) + 1,
                           previous.get(j - 1, over) + (char_a != b[j - 1]))
            current[j] = min(best, over)
        if min(current.values()) > limit:
            return False
        previous = current
    return previous.get(len(b), over) <= limit


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


class NearMisses:
    """The names similar() to a wanted name, found through an index rather than by comparing the name
    with every other: a namespace may hold thousands of names, and every unmatched one asks.

    Two names within max_edits edits become one string once at most max_edits characters are deleted
    from each (a substitution is a deletion on both sides), so each name is filed under every string
    its deletions make, and the wanted name looks up the strings its own deletions make: the names
    compared are those within 2 × max_edits edits, however many others the namespace holds.
    Case-insensitive twins are one more look-up.
    """

    def __init__(self, names: Iterable[str], max_edits: int = 2):
        self.names = list(names)
        self.max_edits = max_edits
        self.compared = 0  # similar() calls, for tests/test_scaling.py
        self._lower: dict[str, list[int]] = {}
        self._deleted: dict[str, list[int]] = {}
        for position, name in enumerate(self.names):
            self._lower.setdefault(name.lower(), []).append(position)
            if len(name) > max_edits:
                for variant in _deletions(name, max_edits):
                    self._deleted.setdefault(variant, []).append(position)

    def of(self, wanted: str) -> list[str]:
        """[n for n in names if similar(n, wanted)], in the names' order."""
        candidates = set(self._lower.get(wanted.lower(), ()))
        if len(wanted) > self.max_edits:
            for variant in _deletions(wanted, self.max_edits):
                candidates.update(self._deleted.get(variant, ()))
        self.compared += len(candidates)
        return [self.names[p] for p in sorted(candidates) if similar(self.names[p], wanted, self.max_edits)]


def _deletions(name: str, edits: int) -> set[str]:
    """Every string made by deleting at most `edits` characters of name."""
    found, frontier = {name}, {name}
    for _ in range(edits):
        frontier = {text[:i] + text[i + 1:] for text in frontier for i in range(len(text))}
        found |= frontier
    return found


class NearMissIndex:
    """NearMisses per group (names per namespace), each made when its group is first asked about."""

    def __init__(self, groups: dict[object, Iterable[str]]):
        self._groups = groups
        self._made: dict[object, NearMisses] = {}

    def of(self, group: object, wanted: str) -> list[str]:
        if group not in self._made:
            self._made[group] = NearMisses(self._groups.get(group, ()))
        return self._made[group].of(wanted)
