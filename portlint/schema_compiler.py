"""Compile the JSON Schema subset of schemas/manifests.schema.json into plain Python predicates.

jsonschema's validator costs about as much as parsing the YAML itself; almost every manifest is
valid, so a compiled yes/no check runs first and portlint/schema_errors.py explains the rare failure.
Any keyword outside the subset is refused at compile time, so the two can never silently differ.

A schema node becomes one closure: an object's `properties`, `additionalProperties` and
`required` are checked in one pass over the keys the manifest has (a PodSpec's schema knows
dozens of fields, a pod spec sets a handful), and a node's keywords are joined with `and`
rather than `all()` over a generator, which costs a frame per value. This runs for every field
of every manifest.
"""

from __future__ import annotations

from typing import Callable

Predicate = Callable[[object], bool]
SUPPORTED = {"type", "properties", "additionalProperties", "items", "required", "enum", "$ref", "allOf",
             "anyOf", "not", "minItems", "maxItems", "title", "description", "$schema", "$id", "$defs"}


def _integer(v) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())


TYPES: dict[str, Predicate] = {  # JSON Schema's types, as jsonschema's Draft 2020-12 checks them
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": _integer,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _always(_value) -> bool:
    return True


def _every(checks: list[Predicate]) -> Predicate:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)

    def every(value) -> bool:
        for check in checks:
            if not check(value):
                return False
        return True
    return every


def _some(checks: list[Predicate]) -> Predicate:
    def some(value) -> bool:
        for check in checks:
            if check(value):
                return True
        return False
    return some


class Compiler:
    def __init__(self, definitions: dict):
        self._definitions = definitions
        self._compiled: dict[str, Predicate] = {}

    def ref(self, pointer: str) -> Predicate:
        """A local reference such as `#/$defs/Job/properties/spec`."""
        if pointer not in self._compiled:
            self._compiled[pointer] = lambda v: self._compiled[pointer](v)  # stands in while recursing
            target = {"$defs": self._definitions}
            for part in pointer.removeprefix("#/").split("/"):
                target = target[part]
            self._compiled[pointer] = self.compile(target)
        return self._compiled[pointer]

    def compile(self, schema: dict) -> Predicate:
        unknown = set(schema) - SUPPORTED
        if unknown:
            raise ValueError(f"schema keyword(s) not supported by the fast validator: {sorted(unknown)}")
        types = schema.get("type")
        types = [types] if isinstance(types, str) else list(types or ())
        mapping, items = self._mapping(schema), self._items(schema)
        checks = []
        if mapping is not None and types == ["object"]:
            checks.append(lambda v: isinstance(v, dict) and mapping(v))
        elif items is not None and types == ["array"]:
            checks.append(lambda v: isinstance(v, list) and items(v))
        else:
            if types:
                checks.append(TYPES[types[0]] if len(types) == 1 else _some([TYPES[t] for t in types]))
            if mapping is not None:
                checks.append(lambda v: not isinstance(v, dict) or mapping(v))
            if items is not None:
                checks.append(lambda v: not isinstance(v, list) or items(v))
        checks += [self._keyword(k, v) for k, v in schema.items()
                   if k in ("enum", "$ref", "not", "allOf", "anyOf", "minItems", "maxItems")]
        return _every(checks)

    def _mapping(self, schema: dict) -> Predicate | None:
        """`properties`, `additionalProperties` and `required` of a mapping, in one pass over its keys."""
        if not {"properties", "additionalProperties", "required"} & set(schema):
            return None
        known = {name: self.compile(s) for name, s in schema.get("properties", {}).items()}.get
        other = self.compile(schema["additionalProperties"]) if "additionalProperties" in schema else None
        required = list(schema.get("required", ()))

        def mapping(value: dict) -> bool:
            for name, item in value.items():
                check = known(name, other)
                if check is not None and not check(item):
                    return False
            for name in required:
                if name not in value:
                    return False
            return True
        return mapping

    def _items(self, schema: dict) -> Predicate | None:
        if "items" not in schema:
            return None
        each = self.compile(schema["items"])

        def items(value: list) -> bool:
            for item in value:
                if not each(item):
                    return False
            return True
        return items

    def _keyword(self, keyword: str, argument) -> Predicate:
        if keyword == "enum":
            allowed = list(argument)
            if all(type(a) is str for a in allowed):
                names = frozenset(allowed)
                return lambda v: type(v) is str and v in names
            return lambda v: any(v == a and type(v) is type(a) for a in allowed)
        if keyword == "$ref":
            return self.ref(argument)
        if keyword == "minItems":
            return lambda v: not isinstance(v, list) or len(v) >= argument
        if keyword == "maxItems":
            return lambda v: not isinstance(v, list) or len(v) <= argument
        if keyword == "not":  # {"not": {}}: a field that must be absent
            inner = self.compile(argument)
            return lambda v: not inner(v)
        parts = [self.compile(s) for s in argument]
        return _every(parts) if keyword == "allOf" else _some(parts)
