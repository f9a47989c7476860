"""The compiled fast validator agrees with jsonschema on every manifest, valid or mutated."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from portlint import schema
from portlint.catalog import load_catalog
from portlint.kinds import builtin_kind, schema_definition
from portlint.loader import load_text
from portlint.schema_compiler import Compiler

from conftest import ROOT, json_paths, mutate

TEXTS = [t for spec in load_catalog().values() for t in (spec.bad_example, spec.good_example)]
TEXTS += [p.read_text() for p in sorted((ROOT / "examples").rglob("*.yaml"))]
SAMPLES = [d.data for text in TEXTS for d in load_text(text).documents if "kind" in d.data]
ODD_VALUES = [None, "eighty", 80, -1, 1.5, True, [], {}, ["x"], {"a": 1}, "TCP", "Prefix"]


def definition_of(data):
    kind = builtin_kind(data.get("apiVersion"), data.get("kind"))
    return schema_definition(data.get("apiVersion"), kind)


def agree(data):
    definition = definition_of(data)
    fast = schema._fast_check(definition)(data)
    slow = Draft202012Validator(schema._explained(definition)).is_valid(data)
    return fast, slow


def test_samples_are_there():
    assert len(SAMPLES) > 10


@pytest.mark.parametrize("index", range(len(SAMPLES)))
def test_agrees_on_catalog_examples(index):
    fast, slow = agree(SAMPLES[index])
    assert fast == slow


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_agrees_on_mutated_manifests(data):
    sample = data.draw(st.sampled_from(SAMPLES))
    path = data.draw(st.sampled_from(list(json_paths(sample))))
    action = data.draw(st.sampled_from(["drop", *ODD_VALUES]))
    fast, slow = agree(mutate(sample, path, action))
    assert fast == slow


def test_unknown_keywords_are_refused_at_compile_time():
    with pytest.raises(ValueError, match="pattern"):
        Compiler({}).compile({"type": "string", "pattern": "^a"})


@pytest.mark.parametrize("value", [[], ["a"], ["a", "b"], ["a", "b", "c"], "not a list", None])
def test_item_bounds_agree_with_jsonschema(value):
    bounded = {"type": ["array", "string", "null"], "minItems": 1, "maxItems": 2}
    assert Compiler({}).compile(bounded)(value) == Draft202012Validator(bounded).is_valid(value)
