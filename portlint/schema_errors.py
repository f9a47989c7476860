"""Why a value fails a JSON Schema: jsonschema's own errors, for the keywords portlint's schemas use.

Importing jsonschema costs a run about 0.1 s and 12 MiB (its referencing and format machinery),
more than portlint's whole rule phase on 10,000 objects, and a check needs it only to explain the
rare manifest (or config file) that fails. This module gives the errors jsonschema 4's
Draft 2020-12 validator gives, field for field and in its order: the keyword (`validator`), its
argument (`validator_value`), the failing `instance`, the `schema` holding the keyword, the
`absolute_path` and the `message`, following jsonschema/_keywords.py keyword by keyword.
jsonschema stays the oracle: tests/test_schema_errors.py compares both on every invalid manifest
and config the tests and the shared corpora hold, and on generated mutations of valid ones.

A keyword outside the subset is refused when met, so the two can never silently differ.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import NamedTuple

from portlint.schema_compiler import TYPES


class SchemaError(NamedTuple):
    validator: str
    validator_value: object
    instance: object
    schema: dict
    absolute_path: tuple
    message: str


# keywords that only annotate: jsonschema has no validator for them
ANNOTATIONS = frozenset({"title", "description", "$schema", "$id", "$defs", "$comment", "default", "examples"})


def iter_errors(root: dict, instance: object) -> Iterator[SchemaError]:
    """Every error of `instance` against `root` (a schema whose `$ref`s point into itself)."""
    return _Explainer(root).errors(instance, root, ())


class _Explainer:
    def __init__(self, root: dict):
        self._root = root

    def errors(self, instance: object, schema: object, path: tuple) -> Iterator[SchemaError]:
        if schema is True:
            return
        if schema is False:
            yield SchemaError(None, None, instance, schema, path, f"False schema does not allow {instance!r}")
            return
        for keyword, argument in schema.items():
            explain = _KEYWORDS.get(keyword)
            if explain is None:
                if keyword in ANNOTATIONS:
                    continue
                raise ValueError(f"schema keyword not supported by portlint's explainer: {keyword!r}")
            for found in explain(self, argument, instance, schema, path):
                yield found if isinstance(found, SchemaError) else SchemaError(
                    keyword, argument, instance, schema, path, found)

    def is_valid(self, instance: object, schema: object) -> bool:
        return next(self.errors(instance, schema, ()), None) is None

    def resolve(self, pointer: str) -> object:
        if not pointer.startswith("#"):
            raise ValueError(f"only local schema references are supported: {pointer!r}")
        target = self._root
        for part in filter(None, pointer[1:].split("/")):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target[int(part)] if isinstance(target, list) else target[part]
        return target


def _type(explainer, types, instance, schema, path):
    types = [types] if isinstance(types, str) else types
    if not any(TYPES[t](instance) for t in types):
        yield f"{instance!r} is not of type {', '.join(repr(t) for t in types)}"


def _properties(explainer, properties, instance, schema, path):
    if isinstance(instance, dict):
        for name, subschema in properties.items():
            if name in instance:
                yield from explainer.errors(instance[name], subschema, path + (name,))


def _additional_properties(explainer, additional, instance, schema, path):
    if not isinstance(instance, dict):
        return
    if "patternProperties" in schema:
        raise ValueError("schema keyword not supported by portlint's explainer: 'patternProperties'")
    known = schema.get("properties", {})
    extras = [name for name in instance if name not in known]
    if isinstance(additional, dict):
        for name in extras:
            yield from explainer.errors(instance[name], additional, path + (name,))
    elif not additional and extras:
        extras = sorted(extras, key=str)
        verb = "was" if len(extras) == 1 else "were"
        yield f"Additional properties are not allowed ({', '.join(repr(e) for e in extras)} {verb} unexpected)"


def _items(explainer, items, instance, schema, path):
    if not isinstance(instance, list):
        return
    if "prefixItems" in schema or items is False:
        raise ValueError("schema keyword not supported by portlint's explainer: 'prefixItems'")
    for index, item in enumerate(instance):
        yield from explainer.errors(item, items, path + (index,))


def _property_names(explainer, names, instance, schema, path):
    if isinstance(instance, dict):
        for name in instance:
            yield from explainer.errors(name, names, path)


def _required(explainer, required, instance, schema, path):
    if isinstance(instance, dict):
        for name in required:
            if name not in instance:
                yield f"{name!r} is a required property"


def _enum(explainer, allowed, instance, schema, path):
    if all(not _equal(each, instance) for each in allowed):
        yield f"{instance!r} is not one of {allowed!r}"


def _ref(explainer, pointer, instance, schema, path):
    yield from explainer.errors(instance, explainer.resolve(pointer), path)


def _all_of(explainer, schemas, instance, schema, path):
    for subschema in schemas:
        yield from explainer.errors(instance, subschema, path)


def _any_of(explainer, schemas, instance, schema, path):
    for subschema in schemas:
        if explainer.is_valid(instance, subschema):
            return
    yield f"{instance!r} is not valid under any of the given schemas"


def _not(explainer, forbidden, instance, schema, path):
    if explainer.is_valid(instance, forbidden):
        yield f"{instance!r} should not be valid under {forbidden!r}"


def _fewest(kind: type):
    """minItems (kind list) or minLength (str)."""
    def explain(explainer, least, instance, schema, path):
        if isinstance(instance, kind) and len(instance) < least:
            yield f"{instance!r} {'should be non-empty' if least == 1 else 'is too short'}"
    return explain


def _most(kind: type):
    """maxItems (kind list) or maxLength (str)."""
    def explain(explainer, most, instance, schema, path):
        if isinstance(instance, kind) and len(instance) > most:
            yield f"{instance!r} {'is expected to be empty' if most == 0 else 'is too long'}"
    return explain


def _pattern(explainer, pattern, instance, schema, path):
    if isinstance(instance, str) and not re.search(pattern, instance):
        yield f"{instance!r} does not match {pattern!r}"


def _unique_items(explainer, unique, instance, schema, path):
    if unique and isinstance(instance, list) and not _unique(instance):
        yield f"{instance!r} has non-unique elements"


_KEYWORDS = {
    "type": _type, "properties": _properties, "additionalProperties": _additional_properties, "items": _items,
    "propertyNames": _property_names, "required": _required, "enum": _enum, "$ref": _ref, "allOf": _all_of,
    "anyOf": _any_of, "not": _not, "minItems": _fewest(list), "maxItems": _most(list), "minLength": _fewest(str),
    "maxLength": _most(str), "pattern": _pattern, "uniqueItems": _unique_items,
}


def _equal(one, two) -> bool:
    """JSON equality: `true` is not 1, and lists and mappings compare element by element so."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(key in two and _equal(value, two[key]) for key, value in one.items())
    return _unbool(one) == _unbool(two)


_TRUE, _FALSE = object(), object()


def _unbool(value):
    return _TRUE if value is True else _FALSE if value is False else value


def _unique(values: list) -> bool:
    seen: list = []
    for value in map(_unbool, values):
        if any(_equal(other, value) for other in seen):
            return False
        seen.append(value)
    return True
