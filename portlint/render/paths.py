"""Field paths of rendered objects, and finding the same field in a source file or a patch.

A rendered object's field is named by steps: mapping keys, and list items known both by their index
in the rendered object and by their strategic-merge key (a container by `name`, a container port by
`containerPort`, a Service port by `port`; both with `protocol`). Source files and patches are
matched by merge key, never by index, because a patch can add items and kustomize reorders nothing
by index: the merge keys are the `patchMergeKey` tags of k8s.io/api core/v1 types.go
(Container.Ports, ServiceSpec.Ports, PodSpec.Containers, Container.Env, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

from portlint.loader import Mapping, Sequence

MERGE_KEYS = {
    "containers": ("name",), "initContainers": ("name",), "ephemeralContainers": ("name",),
    "volumes": ("name",), "env": ("name",), "imagePullSecrets": ("name",), "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",), "hostAliases": ("ip",), "topologySpreadConstraints": ("topologyKey",),
    "ports": ("containerPort", "port"),  # container ports by containerPort, Service ports by port
}
PROTOCOL_DEFAULT = "TCP"


@dataclass(frozen=True)
class Step:
    key: object = None  # a mapping key, or None for a list item
    index: int = -1  # a list item's index in the rendered object
    match: tuple = ()  # the item's merge key, e.g. (("name", "web"),); empty for an atomic list

    @property
    def is_item(self) -> bool:
        return self.key is None


@dataclass(frozen=True)
class Found:
    depth: int  # how many steps were found
    line: int
    column: int
    node: object  # what the last found step holds


def parse(root: Mapping, text: str) -> list[Step]:
    """The steps of a finding's field path such as `spec.ports[0].targetPort` in the rendered object.

    Keys may hold dots (`app.kubernetes.io/name`), so each key is matched against the mapping's own
    keys, longest first; `[key]` names a key too (`metadata.annotations[portlint.dev/ignore]`).
    A key that is not in the object ends the path (findings about a missing field name it).
    """
    steps: list[Step] = []
    node, position, parent_key = root, 0, None
    while position < len(text):
        if text[position] == ".":
            position += 1
        if text.startswith("[", position):
            end = text.find("]", position)
            inner = text[position + 1:end] if end > 0 else ""
            position = end + 1 if end > 0 else len(text)
            if isinstance(node, Sequence) and inner.isdigit() and int(inner) < len(node):
                item = node[int(inner)]
                steps.append(Step(None, int(inner), merge_key(parent_key, item)))
                node = item
                continue
            if isinstance(node, Mapping) and inner in node:
                steps.append(Step(inner))
                node, parent_key = node[inner], inner
                continue
            break
        key = _key_at(node, text, position)
        if key is None:
            rest = text[position:]
            name = rest.split(".", 1)[0].split("[", 1)[0]
            if name:
                steps.append(Step(name))
            break
        steps.append(Step(key))
        node, parent_key = node[key], key
        position += len(key)
    return steps


def _key_at(node: object, text: str, position: int) -> str | None:
    if not isinstance(node, Mapping):
        return None
    best = None
    for key in node:
        if isinstance(key, str) and text.startswith(key, position):
            end = position + len(key)
            if (end == len(text) or text[end] in ".[") and (best is None or len(key) > len(best)):
                best = key
    return best


def merge_key(list_key: object, item: object) -> tuple:
    """(key, value) pairs that identify `item` in the list named `list_key`; () when matched by index."""
    if not isinstance(item, Mapping):
        return ()
    # lists the table does not know (custom resources) are merged by `name` when their items have one,
    # as kustomize's kyaml does for types it has no schema for
    for key in MERGE_KEYS.get(list_key, ("name",)):
        if key in item:
            if list_key == "ports":
                return (key, item[key]), ("protocol", item.get("protocol") or PROTOCOL_DEFAULT)
            return ((key, item[key]),)
    return ()


def find(document: object, steps: list[Step]) -> Found:
    """How far `steps` lead in `document` (a source file's object or a patch), and where they end."""
    node = document
    line, column = getattr(document, "line", 1), getattr(document, "column", 1)
    for depth, step in enumerate(steps):
        if step.is_item:
            index = item_index(node, step)
            if index is None:
                return Found(depth, line, column, node)
            line, column = node.position(index)
            node = node[index]
        else:
            if not isinstance(node, Mapping) or step.key not in node:
                # a key that is not there: the finding points at the mapping that lacks it
                if isinstance(node, Mapping):
                    line, column = node.line, node.column
                return Found(depth, line, column, node)
            line, column = node.position(step.key)
            node = node[step.key]
    return Found(len(steps), line, column, node)


def item_index(node: object, step: Step) -> int | None:
    if not isinstance(node, Sequence):
        return None
    if not step.match:
        return step.index if 0 <= step.index < len(node) else None
    for index, item in enumerate(node):
        if isinstance(item, Mapping) and all(_value(item, key) == value for key, value in step.match):
            return index
    return None


def matches(item: object, step: Step) -> bool:
    """Whether `item` is the list item `step` names by its merge key (never true for an index-only step)."""
    return bool(step.match) and isinstance(item, Mapping) and all(_value(item, k) == v for k, v in step.match)


def _value(item: Mapping, key: str) -> object:
    value = item.get(key)
    return (value or PROTOCOL_DEFAULT) if key == "protocol" else value


def atomic_list_on(steps: list[Step]) -> int | None:
    """The depth of the first list on the path whose items are matched by index: a strategic-merge
    patch that holds such a list replaces it whole."""
    for depth, step in enumerate(steps):
        if step.is_item and not step.match:
            return depth
    return None


def keys_of(steps: list[Step]) -> list[str]:
    return [str(step.key) for step in steps if not step.is_item]


def is_leaf(node: object) -> bool:
    return not isinstance(node, (Mapping, Sequence))


def at(root: Mapping, line: int, column: int) -> list[Step]:
    """The steps to the key or item written at (line, column) of the rendered text; [] if none is there."""
    stack: list[tuple[object, list[Step], object]] = [(root, [], None)]
    while stack:
        node, steps, parent_key = stack.pop()
        if isinstance(node, Mapping):
            for key, value in node.items():
                here = steps + [Step(key)]
                if node.position(key) == (line, column):
                    return here
                stack.append((value, here, key))
        elif isinstance(node, Sequence):
            for index, item in enumerate(node):
                here = steps + [Step(None, index, merge_key(parent_key, item))]
                if node.position(index) == (line, column) and not isinstance(item, Mapping):
                    return here
                stack.append((item, here, parent_key))
    return []
