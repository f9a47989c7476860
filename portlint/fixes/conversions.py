"""The structural part of each API migration, on one manifest (a ruamel CommentedMap, or a plain dict).

Each conversion does what the API server's conversion to the new version does, and nothing else
(sources in rules/deprecated-api.yaml): the Ingress backends and pathType
(networking/v1beta1 conversion.go and defaults.go), the selector the old workload APIs defaulted
from the template labels (extensions|apps/v1beta1 defaults.go), the HPA metric targets
(autoscaling/v2beta1 conversion.go). Values move with their comments; new mappings take the flow
or block style of the mapping they are made in. The apiVersion itself is spliced by the caller.
"""

from __future__ import annotations

import copy
from typing import Callable

IMPLEMENTATION_SPECIFIC = "ImplementationSpecific"


def ingress_to_v1(manifest) -> None:
    spec = manifest.get("spec")
    if not isinstance(spec, dict):
        return
    if "backend" in spec:
        restructure(spec, [("backend", ("defaultBackend",))])
        _backend_to_v1(spec["defaultBackend"])
    for rule in _list(spec.get("rules")):
        http = rule.get("http") if isinstance(rule, dict) else None
        for path in _list(http.get("paths") if isinstance(http, dict) else None):
            if not isinstance(path, dict):
                continue
            if "backend" in path:
                _backend_to_v1(path["backend"])
            if "pathType" not in path:
                # the v1beta1 default (SetDefaults_HTTPIngressPath): the controller's own matching
                insert(path, _index_of(path, "backend", after="path"), "pathType", IMPLEMENTATION_SPECIFIC)


def _backend_to_v1(backend) -> None:
    if not isinstance(backend, dict) or not ({"serviceName", "servicePort"} & backend.keys()):
        return
    port = backend.get("servicePort")
    # an IntOrString: a string names the port, a number is its number (Convert_v1beta1_IngressBackend_...)
    port_path = ("service", "port", "name" if isinstance(port, str) else "number")
    restructure(backend, [("serviceName", ("service", "name")), ("servicePort", port_path)])


def workload_selector(manifest) -> None:
    """spec.selector.matchLabels: every template label, as the old APIs' defaulting set it."""
    spec = manifest["spec"]
    labels = spec["template"]["metadata"]["labels"]
    match_labels = new_mapping(labels)
    for key, value in labels.items():
        match_labels[key] = copy.copy(value)
    selector = new_mapping(spec)
    selector["matchLabels"] = match_labels
    insert(spec, list(spec).index("template"), "selector", selector)


# v2beta1 metric source fields → v2 (Convert_v2beta1_*MetricSource_To_autoscaling_*MetricSource)
def _resource(source) -> None:
    kind = "Utilization" if "targetAverageUtilization" in source else "AverageValue"
    restructure(source, [("targetAverageUtilization", ("target", "averageUtilization")),
                         ("targetAverageValue", ("target", "averageValue"))], {("target", "type"): kind})


def _pods(source) -> None:
    restructure(source, [("metricName", ("metric", "name")), ("selector", ("metric", "selector")),
                         ("targetAverageValue", ("target", "averageValue"))], {("target", "type"): "AverageValue"})


def _object(source) -> None:
    average = "averageValue" in source
    value = ("averageValue", ("target", "averageValue")) if average else ("targetValue", ("target", "value"))
    restructure(source, [("target", ("describedObject",)), ("metricName", ("metric", "name")),
                         ("selector", ("metric", "selector")), value],
                {("target", "type"): "AverageValue" if average else "Value"},
                drop=("targetValue",) if average else ())


def _external(source) -> None:
    value = "targetValue" in source
    restructure(source, [("metricName", ("metric", "name")), ("metricSelector", ("metric", "selector")),
                         ("targetValue", ("target", "value")), ("targetAverageValue", ("target", "averageValue"))],
                {("target", "type"): "Value" if value else "AverageValue"})


METRIC_SOURCES: dict[str, tuple[str, Callable]] = {
    "Resource": ("resource", _resource), "Pods": ("pods", _pods),
    "Object": ("object", _object), "External": ("external", _external),
}


def hpa_to_v2(manifest) -> None:
    for metric in _list(manifest["spec"].get("metrics")):
        key, convert = METRIC_SOURCES[metric["type"]]
        convert(metric[key])


CONVERSIONS: dict[str, Callable] = {
    "ingress": ingress_to_v1,
    "workload-selector": workload_selector,
    "hpa-v2beta1": hpa_to_v2,
}


# --- editing a mapping in place, keeping order, style and comments ---------------------------------

def restructure(mapping, moves: list[tuple[str, tuple[str, ...]]], constants: dict | None = None,
                drop: tuple[str, ...] = ()) -> None:
    """Move each present `mapping[old]` to the nested `new` path (its mappings made as needed).

    The new top-level keys take the place of the first key moved; within a new mapping, the
    `constants` come first (`type` leads `target`), then the moved values in their old order, each
    with its comments. `drop` lists keys removed without a new place.
    """
    keys = list(mapping)
    present = sorted((m for m in moves if m[0] in mapping), key=lambda m: keys.index(m[0]))
    if not present:
        return
    first = min(keys.index(old) for old, _ in present)
    taken = [(new, mapping[old], _pop_comment(mapping, old)) for old, new in present]
    for old in dict.fromkeys([old for old, _ in present] + [k for k in drop if k in mapping]):
        del mapping[old]
    built: dict = {}  # the new top-level keys, in the order of the first value moved under each
    comments: dict = {}  # of the new top-level keys
    for new, _, _ in taken:
        if new[0] not in built:
            built[new[0]] = new_mapping(mapping) if len(new) > 1 else None
    for path, value in (constants or {}).items():
        if isinstance(built.get(path[0]), dict):  # into a mapping still empty: constants come first
            _place(mapping, built, comments, path, value, None)
    for new, value, comment in taken:
        _place(mapping, built, comments, new, value, comment)
    for offset, (key, value) in enumerate(built.items()):
        insert(mapping, first + offset, key, value)
        _set_comment(mapping, key, comments.get(key))


def _place(parent, built: dict, comments: dict, path: tuple[str, ...], value, comment) -> None:
    if len(path) == 1:
        built[path[0]] = value
        comments[path[0]] = comment
        return
    container = built.get(path[0])
    if container is None:
        container = built[path[0]] = new_mapping(parent)
    for part in path[1:-1]:
        if part not in container:
            container[part] = new_mapping(parent)
        container = container[part]
    container[path[-1]] = value
    _set_comment(container, path[-1], comment)


def insert(mapping, index: int, key: str, value) -> None:
    if hasattr(mapping, "insert"):  # ruamel's CommentedMap
        mapping.insert(index, key, value)
        return
    items = list(mapping.items())
    items.insert(index, (key, value))
    mapping.clear()
    mapping.update(items)


def new_mapping(like):
    """An empty mapping of the kind of `like`: a CommentedMap in its flow/block style, or a dict."""
    if not hasattr(like, "fa"):
        return {}
    from ruamel.yaml.comments import CommentedMap

    made = CommentedMap()
    if like.fa.flow_style():
        made.fa.set_flow_style()
    else:
        made.fa.set_block_style()
    return made


def _pop_comment(mapping, key):
    items = getattr(getattr(mapping, "ca", None), "items", None)
    return items.pop(key, None) if items is not None else None


def _set_comment(mapping, key, comment) -> None:
    if comment is not None and hasattr(mapping, "ca"):
        mapping.ca.items[key] = comment


def _index_of(mapping, key: str, after: str) -> int:
    """Where to insert a new key: before `key` if present, else after `after`, else at the end."""
    keys = list(mapping)
    if key in keys:
        return keys.index(key)
    return keys.index(after) + 1 if after in keys else len(keys)


def _list(value) -> list:
    return value if isinstance(value, list) else []
