"""Validate each manifest against schemas/manifests.schema.json before the model reads it.

A manifest that fails gets `manifest-invalid` findings (JSON path, position), and the JSON paths
of every failing field are kept on the document (`Document.unreadable`, see `unreadable_paths`):
the builder leaves those parts out and keeps the rest of the object (portlint/builder), so rules
only ever see well-typed fields, and an object invalid in one field still exists.
"""

from __future__ import annotations

import json
from functools import lru_cache

from portlint.findings import Finding, ObjectRef
from portlint.kinds import is_cluster_scoped, model_kind, schema_definition
from portlint.loader import Document, Mapping, Sequence
from portlint.names import is_placeholder
from portlint.resources import data_dir
from portlint.schema_compiler import Compiler
from portlint.schema_errors import iter_errors

MAX_ERRORS_PER_MANIFEST = 5


@lru_cache(maxsize=1)
def _definitions() -> dict:
    with open(data_dir("schemas") / "manifests.schema.json", encoding="utf-8") as handle:
        return json.load(handle)["$defs"]


def _root(definition: str | None) -> dict:
    parts = [{"$ref": "#/$defs/envelope"}]
    if definition:
        parts.append({"$ref": f"#/$defs/{definition}"})
    return {"allOf": parts}


@lru_cache(maxsize=None)
def _fast_check(definition: str | None):
    return Compiler(_definitions()).compile(_root(definition))


@lru_cache(maxsize=None)
def _explained(definition: str | None) -> dict:
    """The schema that explains a failure: the same root, with the definitions its references point into."""
    return {"$defs": _definitions(), **_root(definition)}


def is_manifest(data: Mapping) -> bool:
    """Mappings with neither apiVersion nor kind are other tools' YAML (CI configs, Helm values): not ours."""
    return "kind" in data or "apiVersion" in data


def validate_all(documents: list[Document], default_namespace: str = "default") -> None:
    """Validate each manifest once and keep the result on it (a worker process can do this part)."""
    for document in documents:
        if document.problems is None and is_manifest(document.data):
            document.problems = validate(document, default_namespace)


def validate(document: Document, default_namespace: str = "default") -> list[Finding]:
    """The manifest's schema findings (at most MAX_ERRORS_PER_MANIFEST); every failing path goes to `unreadable`."""
    data = document.data
    kind = model_kind(data)
    definition = schema_definition(data.get("apiVersion"), kind)
    if _fast_check(definition)(data):
        return []
    errors = sorted(iter_errors(_explained(definition), data), key=lambda e: list(map(str, e.absolute_path)))
    document.unreadable = unreadable_paths(data, errors)
    identity = document.unreadable == ((),)
    return [_finding(document, list(error.absolute_path), _describe(error), _hint(error, identity), default_namespace)
            for error in errors[:MAX_ERRORS_PER_MANIFEST]]


# where a manifest says what it is: when one of these fails, nothing of the object can be placed
IDENTITY = (("apiVersion",), ("kind",), ("metadata",), ("metadata", "name"), ("metadata", "generateName"),
            ("metadata", "namespace"))


def unreadable_paths(data: Mapping, errors) -> tuple:
    """The parts of a manifest the model must not read, one JSON path (a tuple) per failing element.

    A failing field takes with it the innermost list entry that is a mapping and holds it (a
    Service port, a container, a container port, an Ingress path, a TLS entry): an entry is read
    whole or not at all, so no element is ever built from a mix of valid fields and defaults
    standing in for invalid ones. Outside list entries the failing field alone is left out. A
    missing required key makes the mapping that lacks it unreadable (at the manifest's top level,
    the missing key itself). When the object's identity (apiVersion, kind, metadata, name,
    namespace) fails, the answer is `((),)`: the whole manifest.
    """
    paths = set()
    for error in errors:
        path = tuple(error.absolute_path)
        if error.validator == "required" and not path:
            missing = [key for key in error.validator_value if key not in data]
            paths.update((key,) for key in missing)
            continue
        if error.validator == "anyOf" and path == ("metadata",):
            return ((),)
        paths.add(_element(data, path))
    if any(p[:len(i)] == i or i[:len(p)] == p for p in paths for i in IDENTITY):
        return ((),)
    # a path inside another unreadable one adds nothing
    return tuple(sorted((p for p in paths if not any(q != p and p[:len(q)] == q for q in paths)), key=str))


def _element(data, path: tuple) -> tuple:
    """`path`, widened to the innermost list entry that is a mapping and contains it.

    An entry of a list of scalars (a TLS host, a selector value) with no such mapping around it
    takes its whole list: lists only ever lose whole mappings, so their indices stay meaningful.
    """
    node, nodes = data, []
    for step in path:
        nodes.append(node)
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
    for depth in range(len(path) - 1, -1, -1):
        if isinstance(path[depth], int) and depth < len(nodes):
            parent = nodes[depth]
            entry = parent[path[depth]] if isinstance(parent, list) and path[depth] < len(parent) else None
            if isinstance(entry, Mapping):
                return path[:depth + 1]
    if path and isinstance(path[-1], int):
        return path[:-1]
    return path


def _describe(error) -> str:
    if error.validator == "anyOf" and list(error.absolute_path)[-1:] == ["metadata"]:
        return "metadata.name is required"
    if error.validator == "required":
        return error.message.replace("is a required property", "is required")
    if error.validator == "not":  # a field that this apiVersion does not have
        return error.schema.get("description") or "this field does not exist in this apiVersion"
    if error.validator == "type":
        wanted = error.validator_value
        wanted = " or ".join(t for t in wanted if t != "null") if isinstance(wanted, list) else wanted
        return f"expected {_article(wanted)}, got {_json_type(error.instance)} {_short(error.instance)}".rstrip()
    if error.validator in ("minItems", "maxItems"):
        bound = "at least" if error.validator == "minItems" else "at most"
        noun = "item" if error.validator_value == 1 else "items"
        return f"expected {bound} {error.validator_value} {noun}, got {len(error.instance)}"
    if error.validator == "enum":
        allowed = ", ".join(v for v in error.validator_value if v is not None)
        return f"{_short(error.instance)} is not one of {allowed}"
    return error.message


def _hint(error, identity: bool = False) -> str:
    value = error.instance
    if isinstance(value, str) and (is_placeholder(value) or value.isupper()):
        return ("this looks like a template placeholder: render the template first and check the result "
                "(e.g. envsubst < file.yaml | portlint check -)")
    if identity:
        return "fix the field's type or value; portlint cannot tell which object this is and skips it until then"
    if error.validator == "not":
        return ("write the field the way this apiVersion spells it (or move the object to the apiVersion it is "
                "written for); until then portlint checks the rest of the object without it")
    return "fix the field's type or value; until then portlint checks the rest of the object without it"


def _finding(document: Document, path: list, message: str, hint: str, default_namespace: str) -> Finding:
    line, column = _position(document.data, path)
    json_path = json_path_text(list(document.path_prefix) + path)
    where = f"{json_path}: " if json_path else ""
    return Finding("manifest-invalid", where + message, hint, object=_object_ref(document.data, default_namespace), file=document.source.path, line=line, column=column, field_path=json_path)


def _position(data, path: list) -> tuple[int, int]:
    """Line/column of the deepest node on `path` that still has a position."""
    node, position = data, data.position()
    for step in path:
        if isinstance(node, Mapping) and step in node:
            position = node.position(step)
        elif isinstance(node, Sequence) and isinstance(step, int) and step < len(node):
            position = node.position(step)
        else:
            break
        node = node[step]
    return position


def _object_ref(data: Mapping, default_namespace: str) -> ObjectRef | None:
    """Who the invalid manifest is, as far as its envelope can tell."""
    metadata = data.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    fields = (data.get("apiVersion"), data.get("kind"), name)
    if not all(isinstance(f, str) for f in fields):
        return None
    if is_cluster_scoped(fields[0], fields[1]):
        namespace = ""
    elif not (isinstance(namespace, str) and namespace):
        namespace = default_namespace
    return ObjectRef(fields[0], fields[1], namespace, name)


def json_path_text(path: list) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def _article(type_name: str) -> str:
    return f"an {type_name}" if type_name[0] in "aeiou" else f"a {type_name}"


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "list" if isinstance(value, list) else "mapping"


def _short(value: object) -> str:
    if isinstance(value, (dict, list)):
        return ""
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."
