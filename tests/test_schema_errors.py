"""portlint/schema_errors.py against jsonschema itself, the oracle it replaces at run time.

Both explain the same values against the same schemas: the invalid manifests of tests/hostile,
hand-written failures of every keyword the schemas use, and seeded mutations (a field retyped,
removed, or added) of every manifest in examples/ and of a sample of the shared corpora. The
errors must agree field for field, in the order portlint reports them.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from portlint import loader, schema
from portlint.kinds import model_kind, schema_definition
from portlint.schema_errors import iter_errors

from conftest import json_paths, mutate

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"
CONFIG_SCHEMA = json.loads((ROOT / "schemas" / "config.schema.json").read_text(encoding="utf-8"))
REPLACEMENTS = (7, "x", True, None, [1], {"a": 1}, 1.5, "", [], {}, "UPPER", -1)


def _fields(error) -> tuple:
    return (error.validator, json.dumps(error.validator_value, default=repr), repr(error.instance),
            json.dumps(error.schema, default=repr), list(error.absolute_path), error.message)


def _in_portlint_order(errors) -> list:
    return [_fields(e) for e in sorted(errors, key=lambda e: list(map(str, e.absolute_path)))]


def assert_same_errors(root: dict, value: object) -> list:
    ours = _in_portlint_order(iter_errors(root, value))
    theirs = _in_portlint_order(Draft202012Validator(root).iter_errors(value))
    assert ours == theirs
    return ours


def _manifest_root(data: dict) -> dict:
    return schema._explained(schema_definition(data.get("apiVersion"), model_kind(data)))


def _plain(value):
    """The loader's mappings and lists as plain ones, so a mutation leaves the parsed document alone."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def mutations(data: dict, rng: random.Random, count: int):
    """`count` copies of `data`, each with one field retyped, removed, or given an unknown neighbour."""
    paths = [p for p in json_paths(data) if p]
    for path in rng.sample(paths, min(count, len(paths))):
        how = rng.randrange(3)
        if how == 1:
            path = path[:-1] + (rng.choice(["serviceName", "backend", "extra", "service", "defaultBackend"]),)
        action = "drop" if how == 0 else copy.deepcopy(rng.choice(REPLACEMENTS))
        try:
            yield mutate(data, path, action)
        except (TypeError, IndexError):  # a new key on a list
            continue


def _manifests(files) -> list[dict]:
    documents = loader.load_files([str(f) for f in files]).documents
    return [d.data for d in documents if schema.is_manifest(d.data)]


HAND_WRITTEN = [
    "apiVersion: v1\nkind: Service\nmetadata: {name: s, labels: {a: 1, b: true}}\nspec: {ports: [{port: '80'}], type: Nope}",
    "apiVersion: v1\nkind: Service\nmetadata: {namespace: x}\nspec: {ports: {port: 80}}",
    "apiVersion: v1\nkind: Service\nmetadata: {name: 5}",
    "kind: Service\nmetadata: {name: s}",
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  backend: {serviceName: a}\n"
    "  rules: [{http: {paths: [{path: /, backend: {serviceName: a, servicePort: 80}}]}}]",
    "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  defaultBackend: {service: {name: a}}",
    "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {gatewayClassName: c, listeners: []}",
    "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: c\n  listeners: ["
    + ", ".join(f"{{name: l{i}, port: 80, protocol: HTTP}}" for i in range(65)) + "]",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 1.5\n  template:\n    spec:\n"
    "      containers: [{name: c, ports: [{containerPort: x, protocol: 7}], readinessProbe: {httpGet: {port: [1]}}}]",
]


@pytest.mark.parametrize("text", HAND_WRITTEN)
def test_hand_written_failures_of_every_keyword(text):
    (data,) = _manifests_of_text(text)
    assert assert_same_errors(_manifest_root(data), _plain(data))


def _manifests_of_text(text: str) -> list[dict]:
    return [d.data for d in loader.load_text(text).documents if schema.is_manifest(d.data)]


def test_the_errors_cover_every_keyword_the_schemas_use():
    seen = set()
    for text in HAND_WRITTEN:
        (data,) = _manifests_of_text(text)
        seen |= {e.validator for e in iter_errors(_manifest_root(data), data)}
    assert {"type", "required", "enum", "not", "anyOf", "minItems", "maxItems"} <= seen


def test_the_parsed_documents_of_the_hostile_corpus():
    documents = _manifests((ROOT / "tests" / "hostile").glob("*.yaml"))
    failing = [d for d in documents if assert_same_errors(_manifest_root(d), d)]
    assert failing, "the hostile corpus holds invalid manifests"


def test_mutations_of_the_examples():
    rng = random.Random(16)
    checked = failing = 0
    for data in _manifests(sorted((ROOT / "examples").rglob("*.yaml"))):
        for mutated in mutations(_plain(data), rng, 12):
            checked += 1
            failing += bool(assert_same_errors(_manifest_root(mutated), mutated))
    assert checked > 200 and failing > checked // 4


@pytest.mark.parametrize("corpus", ["real", "real2", "kustomize"])
def test_mutations_of_the_shared_corpora(corpus):
    if not (SHARED / corpus).is_dir():
        pytest.skip(f"the shared corpus {SHARED / corpus} is absent on this machine")
    rng = random.Random(corpus)
    files = sorted(p for p in (SHARED / corpus).rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    manifests = _manifests(rng.sample(files, min(400, len(files))))
    for data in manifests:  # as they are: the corpora's own invalid manifests included
        assert_same_errors(_manifest_root(data), data)
    for data in rng.sample(manifests, min(150, len(manifests))):
        for mutated in mutations(_plain(data), rng, 4):
            assert_same_errors(_manifest_root(mutated), mutated)


GOOD_CONFIG = {
    "paths": ["a", "b/*"], "exclude": ["x/"], "select": ["service-selector-no-match"], "ignore": ["deprecated-api"],
    "severity": {"deprecated-api": "info"}, "namespace": "team", "node-port-range": "30000-32767", "fail-on": "warning",
    "cluster-per-path": True, "gitignore": False, "render": True, "kustomize": {"binary": "kubectl"},
    "helm": {"binary": "helm", "values": ["v.yaml"]}, "units": ["apps/*", ["a", "b"]],
    "ingress-controller-pods": {"namespace": "ingress", "labels": {"app": "nginx"}},
    "gateway-controller-pods": {"namespace": "gw"},
}
BAD_CONFIGS = [
    [], "x", {"unknown": 1, "other": 2}, {"select": ["a", "a"]}, {"select": ["Not_An_Id"]}, {"severity": {"BAD": "x"}},
    {"namespace": "x" * 64}, {"namespace": "UPPER"}, {"paths": []}, {"paths": [""]}, {"units": [[], 3, ""]},
    {"ingress-controller-pods": {"labels": {"a": 1}}}, {"node-port-range": "1"}, {"severity": {1: "error"}},
    {"select": [True, 1, 1.0]}, {"helm": {"values": [None]}},
]


@pytest.mark.parametrize("config", BAD_CONFIGS, ids=repr)
def test_bad_configs(config):
    assert assert_same_errors(CONFIG_SCHEMA, config)


def test_mutations_of_a_full_config():
    assert not assert_same_errors(CONFIG_SCHEMA, GOOD_CONFIG)
    rng = random.Random(2)
    failing = sum(bool(assert_same_errors(CONFIG_SCHEMA, m)) for m in mutations(GOOD_CONFIG, rng, 200))
    assert failing > 20


def test_a_keyword_outside_the_subset_is_refused():
    with pytest.raises(ValueError, match="'minimum'"):
        list(iter_errors({"minimum": 3}, 1))
