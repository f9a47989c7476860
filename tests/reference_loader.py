"""The parse core portlint had before portlint/parse.py (PyYAML's CSafeLoader with a position-keeping
constructor), kept verbatim but for the Mapping it fills, as the reference of tests/test_parse.py's
differential test: `parse_all` here and portlint.parse.parse_all must give the same findings."""

from __future__ import annotations

import sys
from array import array

import yaml

from portlint.parse import Mapping, Sequence


def _set_position(mapping: Mapping, key: object, line: int, column: int) -> None:
    """A later occurrence of a key wins, as its value does."""
    index = mapping._index(key)
    mapping._key_positions[2 * index], mapping._key_positions[2 * index + 1] = line, column


class _PositionLoader(yaml.CSafeLoader):
    """CSafeLoader whose mappings and sequences carry positions and whose duplicate keys are recorded."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicate_keys: list[tuple[object, int, int]] = []


_MERGE_TAG = "tag:yaml.org,2002:merge"
_intern = sys.intern


def _construct_mapping(loader: _PositionLoader, node: yaml.MappingNode):
    mapping = Mapping(node.start_mark.line + 1, node.start_mark.column + 1)
    yield mapping
    merged = 0  # `<<` merge keys: their entries come first, and the mapping's own keys override them
    if any(key_node.tag == _MERGE_TAG for key_node, _ in node.value):
        own = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE_TAG)
        loader.flatten_mapping(node)
        merged = len(node.value) - own
    positions = mapping._key_positions
    for index, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=False)
        if type(key) is str:
            key = _intern(key)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark,
                "found unhashable key", key_node.start_mark) from None
        line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
        if key in mapping:
            if index >= merged and _own_key_before(node, key, merged, index, loader):
                loader.duplicate_keys.append((key, line, column))
            _set_position(mapping, key, line, column)
        else:
            positions.append(line)
            positions.append(column)
        mapping[key] = loader.construct_object(value_node, deep=False)


def _own_key_before(node: yaml.MappingNode, key: object, merged: int, index: int, loader: _PositionLoader) -> bool:
    return any(loader.construct_object(k, deep=False) == key for k, _ in node.value[merged:index])


def _construct_sequence(loader: _PositionLoader, node: yaml.SequenceNode):
    sequence = Sequence()
    sequence.line = node.start_mark.line + 1
    sequence.column = node.start_mark.column + 1
    positions = sequence._item_positions = array("I")
    for item in node.value:
        positions.extend((item.start_mark.line + 1, item.start_mark.column + 1))
    yield sequence
    sequence.extend(loader.construct_object(n, deep=False) for n in node.value)


_PositionLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_PositionLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def parse_all(text: str) -> list[tuple[object, list]]:
    loader = _PositionLoader(text)
    documents = []
    try:
        while loader.check_data():
            loader.duplicate_keys = []
            documents.append((loader.get_data(), loader.duplicate_keys))
    finally:
        loader.dispose()
    return documents
