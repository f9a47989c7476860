"""The event-built loader (portlint/parse.py): typed as Kubernetes' decoder types values, and giving the
same findings, positions included, as the PyYAML-constructed loader it replaced (tests/reference_loader.py)."""

import json
import math
from pathlib import Path

import pytest

import reference_loader
from conftest import CORPUS, ROOT
from portlint import loader
from portlint.go_yaml import json_key, resolve_plain
from portlint.parse import Mapping, Sequence, parse_all
from portlint.run import check_paths
from portlint.settings import Settings

# Plain scalars as goyaml.v2/resolve.go's resolve("", value) types them, then as sigs.k8s.io/yaml's
# JSON holds them (yaml.go: float64 → JSON number; an integral one reads back as an integer).
PLAIN = [
    ("yes", True), ("Yes", True), ("YES", True), ("on", True), ("ON", True), ("true", True), ("True", True),
    ("y", True), ("Y", True),  # resolveMapList: y/Y are booleans in go-yaml (PyYAML: strings)
    ("no", False), ("off", False), ("n", False), ("N", False), ("FALSE", False),
    ("yEs", "yEs"), ("oN", "oN"), ("tRue", "tRue"),  # not in the map: strings
    ("~", None), ("null", None), ("Null", None), ("NULL", None), ("nULL", "nULL"),
    ("0", 0), ("-0", 0), ("+12", 12), ("1_000", 1000), ("-17", -17),
    ("0755", 0o755), ("0o755", 0o755), ("0O17", 15), ("00", 0),  # ParseInt(s, 0, 64): a leading 0 is octal
    ("0x1F", 31), ("0X1f", 31), ("-0x10", -16), ("0b101", 5), ("0B11", 3),
    ("08", 8), ("0789", 789),  # not octal: yamlStyleFloat then takes them, an integral float → an integer
    ("1.5", 1.5), ("-1.25", -1.25), ("1.", 1), ("80.0", 80), ("1e3", 1000), ("1E-2", 0.01), ("2.5e+1", 25),
    (".5", 0.5), (".5e1", 5), ("-.5", -0.5), ("+.5", 0.5),
    (".inf", math.inf), (".Inf", math.inf), ("+.INF", math.inf), ("-.inf", -math.inf),
    ("1e400", "1e400"),  # ParseFloat's range error: not a float, so a string
    ("9223372036854775807", 2**63 - 1), ("18446744073709551615", 2**64 - 1),  # ParseInt, then ParseUint
    ("0x1_0000_0000_0000_0000", 2**64),  # past 64 bits: math/big
    ("1:20", "1:20"), ("190:20:30", "190:20:30"),  # no base 60 (PyYAML: 80, 685830)
    ("2024-01-31", "2024-01-31"), ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),  # kept as text
    ("=", "="),  # PyYAML: the YAML 1.1 "value" tag, which its safe loader refuses
    ("0x", "0x"), ("0b2", "0b2"), ("1_", 1), ("_1", "_1"), ("+", "+"), (".", "."), ("..5", "..5"),
    ("1.2.3", "1.2.3"), ("12h", "12h"), ("0.0.0.0", "0.0.0.0"), ("<<x", "<<x"),
]


@pytest.mark.parametrize("text,expected", PLAIN)
def test_plain_scalars_are_typed_as_kubernetes_types_them(text, expected):
    value = resolve_plain(text)
    assert type(value) is type(expected) and (value == expected or value != value and expected != expected)
    (document, _), = parse_all(f"v: {text}\n")
    assert document["v"] == value or value != value


def test_nan_is_a_float():
    assert math.isnan(resolve_plain(".nan")) and math.isnan(resolve_plain(".NaN"))


def test_quoted_and_block_scalars_are_strings_and_empty_plain_is_null():
    (data, _), = parse_all("a: '0755'\nb: \"yes\"\nc: |\n  80\nd:\ne: !!str 80\nf: ! 80\ng: ''\n")
    assert data == {"a": "0755", "b": "yes", "c": "80\n", "d": None, "e": "80", "f": "80", "g": ""}


def test_explicit_core_tags_resolve_as_go_yaml_resolves_them():
    (data, _), = parse_all("a: !!int '0x10'\nb: !!float 1\nc: !!bool 'on'\nd: !!null ''\ne: !!binary aGVsbG8=\n"
                           "f: !!timestamp 2024-01-01\ng: !!map {x: 1}\nh: !!seq [1]\ni: !!set {x}\n")
    assert data == {"a": 16, "b": 1, "c": True, "d": None, "e": "hello", "f": "2024-01-01", "g": {"x": 1},
                    "h": [1], "i": {"x": None}}


@pytest.mark.parametrize("text,message", [
    ("a: !!int abc\n", "cannot decode 'abc' as a !!int"),  # PyYAML: an uncaught ValueError
    ("a: !!int 1.5\n", "cannot decode '1.5' as a !!int"),
    ("a: !!bool 1\n", "cannot decode '1' as a !!bool"),
    ("a: !!binary '%%%'\n", "!!binary value contains invalid base64 data"),
    ("a: !Ref x\n", "could not determine a constructor for the tag '!Ref'"),
    ("a: !Ref {b: 1}\n", "could not determine a constructor for the tag '!Ref'"),
])
def test_other_tags_and_impossible_values_are_syntax_findings(text, message):
    findings = loader.load_text(text).findings
    assert [(f.rule, f.line, f.column) for f in findings] == [("yaml-syntax-error", 1, 4)]
    assert findings[0].message == message


def test_keys_become_the_strings_sigs_k8s_yaml_makes_of_them():
    (data, _), = parse_all("80: a\non: b\nno: c\n1.5: d\n0x10: e\n1e6: f\n0.1: g\nnull: h\n'on': i\n")
    assert list(data) == ["80", "true", "false", "1.5", "16", "1e+06", "0.1", None, "on"]
    assert [json_key(k) for k in (True, 7, 100000.0, 123456.0, 1234567.0, 1e-5, math.inf)] == [
        "true", "7", "100000", "123456", "1.234567e+06", "1e-05", ".inf"]


def test_positions_of_keys_and_items_are_kept():
    (data, duplicates), = parse_all("a:\n  - x\n  -   y: 1\n      z: [1, {q: 2}]\nb: 2\nb: 3\n")
    assert isinstance(data, Mapping) and isinstance(data["a"], Sequence)
    assert (data.line, data.column, data.position("b")) == (1, 1, (6, 1))
    assert [data["a"].position(i) for i in range(2)] == [(2, 5), (3, 7)]
    assert data["a"][1].position("z") == (4, 7) and data["a"][1]["z"].position(1) == (4, 14)
    assert data["a"][1]["z"][1].position("q") == (4, 15)
    assert duplicates == [("b", 6, 1)] and data["b"] == 3


def test_merge_keys_as_go_yaml_v2_merges_them():
    """decode.go: decoder.mapping applies a `<<` where it is written (it overrides the keys before it, the keys
    after it override it); decoder.merge steps backwards through a list, so the earlier mapping wins. PyYAML
    (the reference) lets every own key win, and in 6.0.3 the later mapping of a list."""
    text = ("base: &b {app: web, tier: front, x: 1}\nmore: &m {tier: mid, z: 2}\n"
            "after:\n  <<: *b\n  tier: back\n"
            "before:\n  tier: back\n  <<: *b\n"
            "list:\n  <<: [*m, *b]\n  z: 3\n"
            "inline:\n  <<: {app: api}\n  own: 1\n")
    (data, duplicates), = parse_all(text)
    assert duplicates == []
    assert data["after"] == {"app": "web", "tier": "back", "x": 1}
    assert data["after"].position("tier") == (5, 3) and data["after"].position("app") == (1, 11)
    assert data["before"] == {"tier": "front", "app": "web", "x": 1}
    assert data["before"].position("tier") == (1, 21)
    assert data["list"] == {"app": "web", "tier": "mid", "x": 1, "z": 3}
    assert data["inline"] == {"app": "api", "own": 1}
    (reference, _), = reference_loader.parse_all(text)
    assert reference["after"] == data["after"] and reference["inline"] == data["inline"]


def test_an_own_key_twice_beside_a_merge_is_a_duplicate():
    (data, duplicates), = parse_all("m:\n  <<: {a: 1, b: 1}\n  a: 2\n  a: 3\n")
    assert duplicates == [("a", 4, 3)] and data["m"] == {"a": 3, "b": 1} and data["m"].position("a") == (4, 3)


# The hostile corpus and the error cases: every loader finding (syntax errors, duplicate keys, alias
# refusals, the depth limit) and its position as the reference loader gives it.
CASES = [
    "a: *x\n", "a: &x 1\nb: &x 2\n", "? [1]\n: 2\n", "? {a: 1}\n: 2\n", "x: &s [1]\n? *s\n: 2\n",
    "a: !!python/object:os.system x\n", "<<: 1\n", "<<: [{a: 1}, 2]\n", "a: [\n", "a: b: c\n",
    "a: 1\n---\nb: [\n---\nc: 3\nc: 4\n", "a: &a [*a]\n", "a: &a {b: *a}\n",
    "a: " + "[" * 2000 + "]" * 2000 + "\n", "".join("  " * i + "k:\n" for i in range(2000)),
    "a: 1\na: 2\na: 3\n", "{a: 1, a: 2}\n", "- a: 1\n  a: 2\n", "\t- x\n", "a: {{ .Values.x }}\n",
    "--- !!map\na: 1\n", "%YAML 1.1\n---\na: 1\n", "---\n...\n---\n", "", "# only\n", "[1, 2]\n", "just text\n",
    "a: &x 1\nb: *x\nc: &y {k: *x}\nd: [*y, *y]\n", "bomb: &a [1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d]\n"
    "f: &f [*e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f]\nh: [*g, *g, *g, *g, *g, *g, *g]\n",
]


def _findings(result) -> list:
    return [json.dumps(f.to_json(), sort_keys=True, default=str) for f in result.findings]


@pytest.mark.parametrize("text", CASES)
def test_loader_findings_and_positions_equal_the_reference_loaders(text, monkeypatch):
    new = loader.load_text(text)
    monkeypatch.setattr(loader, "parse_all", reference_loader.parse_all)
    monkeypatch.setattr(loader, "parse_block", lambda text: None)  # every text through the reference
    old = loader.load_text(text)
    assert _findings(new) == _findings(old)
    assert [d.data for d in new.documents] == [d.data for d in old.documents]


# Findings that differ, each because the reference typed a value as PyYAML does and Kubernetes does not:
# `version: 1.0` is the float 1.0 to PyYAML; go-yaml's float64 is written by sigs.k8s.io/yaml as the JSON
# number 1, which is what the API server sees (and refuses for a label, a string).
EXPECTED_CHANGES = {
    "tests/hostile/wrong-types.yaml": [("manifest-invalid", 6, "metadata.labels.version: expected a string, got "
                                        "number 1.0", "metadata.labels.version: expected a string, got integer 1")],
}


def _corpus_findings(paths: list[str]) -> list[tuple]:
    report = check_paths(paths, Settings())
    return [(f.rule, f.file, f.line, f.column, f.message, f.hint, f.field_path, str(f.object))
            for f in report.findings]


@pytest.mark.parametrize("corpus", ["real", "real2", "kustomize", "hostile"])
def test_corpus_findings_equal_the_reference_loaders(corpus, monkeypatch):
    if corpus == "hostile":
        root = Path("tests/hostile")
        monkeypatch.chdir(ROOT)
    else:
        root = CORPUS.parent / corpus
        if not root.is_dir():
            pytest.skip(f"the shared corpus {root} is absent")
    new = _corpus_findings([str(root)])
    monkeypatch.setattr(loader, "parse_all", reference_loader.parse_all)
    monkeypatch.setattr(loader, "parse_block", lambda text: None)  # every text through the reference
    old = _corpus_findings([str(root)])
    changed = [(o[0], o[2], o[4], n[4]) for o, n in zip(old, new) if o != n]
    expected = [change for path, changes in EXPECTED_CHANGES.items() if path.startswith(str(root))
                for change in changes]
    assert len(new) == len(old) and changed == expected


def test_keys_after_a_duplicate_keep_their_positions():
    (data, duplicates), = parse_all("a: 1\na: 2\nb: 3\nc: {x: 1}\nb: 4\nd: 5\n")
    assert duplicates == [("a", 2, 1), ("b", 5, 1)]
    assert [data.position(k) for k in "abcd"] == [(2, 1), (5, 1), (4, 1), (6, 1)]
    assert data == {"a": 2, "b": 4, "c": {"x": 1}, "d": 5}


def test_an_alias_can_be_a_key_and_a_mapping_cannot():
    (data, _), = parse_all("a: &x 5\n*x : b\n&t true : c\n")
    assert data == {"a": 5, "5": "b", "true": "c"}
    findings = loader.load_text("a: &m {k: 1}\n*m : b\n").findings
    assert [(f.rule, f.line, f.column, f.message) for f in findings] == [
        ("yaml-syntax-error", 1, 4, "while constructing a mapping: found unhashable key")]  # as PyYAML: the anchor
