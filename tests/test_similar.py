"""Near misses (portlint/similar.py): the index and the banded distance answer exactly as the plain
definitions do, on seeded random names over small alphabets (where near misses are dense)."""

import random

import pytest

from portlint.similar import NearMisses, NearMissIndex, edit_distance, similar, within_edits


@pytest.mark.parametrize("alphabet", ["ab", "abc", "abcdefghij-", "aAbB"])
def test_the_index_finds_exactly_the_similar_names_in_their_order(alphabet):
    chooser = random.Random(alphabet)
    for _ in range(60):
        names = ["".join(chooser.choice(alphabet) for _ in range(chooser.randint(0, 9)))
                 for _ in range(chooser.randint(0, 60))]
        index = NearMisses(names)
        for _ in range(20):
            wanted = (chooser.choice(names) if names and chooser.random() < 0.3 else
                      "".join(chooser.choice(alphabet) for _ in range(chooser.randint(0, 9))))
            assert index.of(wanted) == [n for n in names if similar(n, wanted)], (names, wanted)


def test_the_banded_distance_agrees_with_levenshtein():
    chooser = random.Random(2)
    for _ in range(20000):
        a, b = ("".join(chooser.choice("abc") for _ in range(chooser.randint(0, 8))) for _ in range(2))
        for limit in range(4):
            assert within_edits(a, b, limit) == (edit_distance(a, b) <= limit), (a, b, limit)


def test_groups_are_indexed_when_first_asked():
    index = NearMissIndex({"prod": ["web", "Web-api", "web-apx"], "dev": []})
    assert index.of("prod", "web-api") == ["Web-api", "web-apx"]
    assert index.of("dev", "web") == [] and index.of("absent", "web") == []
