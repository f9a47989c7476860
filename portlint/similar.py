"""Near misses between names: the same text in another case, or a typo or two away."""

from __future__ import annotations

from functools import lru_cache
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

    Pigeonhole (as in PassJoin): cut each name into max_edits + 1 segments; a name within max_edits
    edits of the wanted one keeps at least one segment intact, shifted by at most max_edits places.
    So only names sharing such a segment are compared (with a banded distance), and the
    case-insensitive twins by a look-up. The index holds three entries a name, so it costs little
    memory even for a namespace of tens of thousands of names; names that share a segment (a
    family web-1 … web-9999 shares "web") are still compared with each other within their family.
    """

    def __init__(self, names: Iterable[str], max_edits: int = 2):
        self.names = list(names)
        self.max_edits = max_edits
        self.compared = 0  # similar() calls, for tests/test_scaling.py
        self._lower: dict[str, list[int]] = {}
        self._segments: dict[tuple[int, int, str], list[int]] = {}
        for position, name in enumerate(self.names):
            self._lower.setdefault(name.lower(), []).append(position)
            if len(name) > max_edits:
                for number, (start, length) in enumerate(self._cuts(len(name))):
                    self._segments.setdefault((len(name), number, name[start:start + length]), []).append(position)

    def of(self, wanted: str) -> list[str]:
        """[n for n in names if similar(n, wanted)], in the names' order."""
        candidates = set(self._lower.get(wanted.lower(), ()))
        edits = self.max_edits
        if len(wanted) > edits:
            for length in range(max(len(wanted) - edits, edits + 1), len(wanted) + edits + 1):
                for number, (start, size) in enumerate(self._cuts(length)):
                    for shifted in range(max(start - edits, 0), min(start + edits, len(wanted) - size) + 1):
                        candidates.update(self._segments.get((length, number, wanted[shifted:shifted + size]), ()))
        self.compared += len(candidates)
        return [self.names[p] for p in sorted(candidates) if similar(self.names[p], wanted, edits)]

    def _cuts(self, length: int) -> tuple[tuple[int, int], ...]:
        return _cuts(length, self.max_edits + 1)


@lru_cache(maxsize=None)  # a few dozen name lengths; asked once per name indexed and per length looked up
def _cuts(length: int, parts: int) -> tuple[tuple[int, int], ...]:
    """(start, length) of the `parts` segments of a name of this length, the longer ones last."""
    short, longer = divmod(length, parts)
    sizes = [short] * (parts - longer) + [short + 1] * longer
    return tuple((sum(sizes[:i]), size) for i, size in enumerate(sizes))


def near_misses(names: Iterable[str], max_edits: int = 2) -> NearMisses:
    """NearMisses(names), made once for the same names in the same order. Each check makes its indexes again
    (the Service names of a namespace, the values of a pod label), and the re-checks of --fix and --diff ask
    about namespaces whose names their fixes left as they were: an index is a function of its names alone.
    While keep_indexes(True) holds (a fix session), the last MADE_MOST are kept; otherwise none is."""
    key = (tuple(names), max_edits)
    if not _keeping:
        return NearMisses(key[0], max_edits)
    found = _MADE.pop(key, None)
    if found is None:
        found = NearMisses(key[0], max_edits)
        if len(_MADE) >= MADE_MOST:
            del _MADE[next(iter(_MADE))]
    _MADE[key] = found  # the most recently used last
    return found


MADE_MOST = 64
_MADE: dict[tuple, NearMisses] = {}
_keeping = False


def keep_indexes(keep: bool) -> None:
    """Whether near_misses keeps what it made, for the re-checks of a --fix/--diff session (Settings.rechecks).
    A plain check does not: each rule's indexes are dropped after it, instead of staying to the run's peak."""
    global _keeping
    _keeping = keep
    if not keep:
        _MADE.clear()


class NearMissIndex:
    """NearMisses per group (names per namespace), each made when its group is first asked about."""

    def __init__(self, groups: dict[object, Iterable[str]]):
        self._groups = groups
        self._made: dict[object, NearMisses] = {}

    def of(self, group: object, wanted: str) -> list[str]:
        if group not in self._made:
            self._made[group] = near_misses(self._groups.get(group, ()))
        return self._made[group].of(wanted)
