"""Compile the JSON Schema subset of schemas/manifests.schema.json into plain Python predicates.

jsonschema's validator costs about as much as parsing the YAML itself; almost every manifest is
valid, so a compiled yes/no check runs first and jsonschema only explains the rare failure.
Any keyword outside the subset is refused at compile time, so the two can never silently differ.
"""

from __future__ import annotations

from typing import Callable

Predicate = Callable[[object], bool]
SUPPORTED = {"type", "properties", "additionalProperties", "items", "required", "enum", "$ref", "allOf",
             "anyOf", "not", "title", "description", "$schema", "$id", "$defs"}

_TYPES: dict[str, Predicate] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


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
        checks = [self._keyword(k, v, schema) for k, v in schema.items()]
        checks = [c for c in checks if c is not None]
        if len(checks) == 1:
            return checks[0]
        return lambda value: all(check(value) for check in checks)

    def _keyword(self, keyword: str, argument, schema: dict) -> Predicate | None:
        if keyword == "type":
            tests = [_TYPES[t] for t in ([argument] if isinstance(argument, str) else argument)]
            return lambda v: any(t(v) for t in tests)
        if keyword == "enum":
            allowed = list(argument)
            return lambda v: any(v == a and type(v) is type(a) for a in allowed)
        if keyword == "$ref":
            return self.ref(argument)
        if keyword == "not":  # {"not": {}}: a field that must be absent
            inner = self.compile(argument)
            return lambda v: not inner(v)
        if keyword in ("allOf", "anyOf"):
            parts = [self.compile(s) for s in argument]
            combine = all if keyword == "allOf" else any
            return lambda v: combine(p(v) for p in parts)
        if keyword == "required":
            names = list(argument)
            return lambda v: not isinstance(v, dict) or all(n in v for n in names)
        if keyword == "properties":
            props = {name: self.compile(s) for name, s in argument.items()}
            return lambda v: not isinstance(v, dict) or all(p(v[n]) for n, p in props.items() if n in v)
        if keyword == "additionalProperties":
            other = self.compile(argument)
            known = set(schema.get("properties", ()))
            return lambda v: not isinstance(v, dict) or all(other(x) for k, x in v.items() if k not in known)
        if keyword == "items":
            each = self.compile(argument)
            return lambda v: not isinstance(v, list) or all(each(x) for x in v)
        return None  # annotations: title, description, $schema, $id, $defs
