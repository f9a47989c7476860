"""The line-by-line parser of block-style YAML (portlint/block_parse.py): for every text it reads, exactly what
the libyaml-built loader (portlint/parse.py) gives, positions and types included; every other text it hands
back (None), never a guess."""

import math
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT
from portlint import block_parse, loader, parallel
from portlint.block_parse import parse_block
from portlint.parse import Mapping, Sequence, parse_all
from test_parse import PLAIN
from test_scaling import executed_lines


def _difference(fast: object, exact: object, path: str = "$") -> str | None:
    """Where two parsed values differ: type, value, order, the positions of a collection, a key or an item."""
    if type(fast) is not type(exact):
        return f"{path}: {type(fast).__name__} {fast!r:.80} vs {type(exact).__name__} {exact!r:.80}"
    if isinstance(fast, (Mapping, Sequence)):
        own = "_key_positions" if isinstance(fast, Mapping) else "_item_positions"
        if (fast.line, fast.column) != (exact.line, exact.column):
            return f"{path}: at {fast.line}:{fast.column} vs {exact.line}:{exact.column}"
        if type(getattr(fast, own)) is not type(getattr(exact, own)) or getattr(fast, own) != getattr(exact, own):
            return f"{path}: the positions of its keys or items differ"
        if isinstance(fast, Mapping):
            if list(fast) != list(exact):
                return f"{path}: keys {list(fast)} vs {list(exact)}"
            pairs = [(f"{path}.{key}", fast[key], exact[key]) for key in fast]
        else:
            if len(fast) != len(exact):
                return f"{path}: {len(fast)} items vs {len(exact)}"
            pairs = [(f"{path}[{i}]", a, b) for i, (a, b) in enumerate(zip(fast, exact))]
        return next((d for where, a, b in pairs if (d := _difference(a, b, where))), None)
    if isinstance(fast, float) and math.isnan(fast):
        return None if math.isnan(exact) else f"{path}: nan vs {exact!r}"
    return None if fast == exact else f"{path}: {fast!r:.80} vs {exact!r:.80}"


def _compare(text: str) -> tuple[bool, str | None]:
    """(did the fast parser read it, how its reading differs from libyaml's)."""
    fast = parse_block(text)
    if fast is None:
        return False, None
    try:
        exact = parse_all(text)
    except Exception as error:  # noqa: BLE001 - any refusal of a text the fast parser read is a difference
        return True, f"libyaml refuses it ({error.__class__.__name__}) but it was read"
    if len(fast) != len(exact):
        return True, f"{len(fast)} documents vs {len(exact)}"
    for number, ((value, duplicates), (expected, expected_duplicates)) in enumerate(zip(fast, exact), 1):
        difference = _difference(value, expected) or (None if duplicates == expected_duplicates else "duplicates")
        if difference:
            return True, f"document {number}: {difference}"
    return True, None


def _differences(files: list[Path]) -> tuple[int, list[str]]:
    read, differences = 0, []
    for path in files:
        try:
            text = loader._decode(path.read_bytes())[0]
        except (OSError, UnicodeError):
            continue
        fast, difference = _compare(text)
        read += fast
        if difference:
            differences.append(f"{path}: {difference}")
    return read, differences


def _yaml_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


@pytest.mark.parametrize("corpus", ["real", "real2", "kustomize"])
def test_every_corpus_file_it_reads_is_read_as_libyaml_reads_it(corpus):
    root = CORPUS.parent / corpus
    if not root.is_dir():
        pytest.skip(f"the shared corpus {root} is absent")
    files = _yaml_files(root)
    read, differences = _differences(files)
    assert differences == []
    assert read >= 0.9 * len(files), f"only {read} of {len(files)} files were read line by line"


def test_the_projects_own_inputs_are_read_as_libyaml_reads_them():
    files = [p for d in ("tests/hostile", "tests/data", "examples") for p in _yaml_files(ROOT / d)]
    read, differences = _differences(files)
    assert differences == [] and read >= 30  # most hostile inputs are handed back, by design


def test_a_generated_benchmark_tree_is_read_whole_and_as_libyaml_reads_it(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(tmp_path), "--objects", "400"],
                   check=True, capture_output=True)
    files = _yaml_files(tmp_path)
    read, differences = _differences(files)
    assert differences == []
    assert read >= 0.97 * len(files)  # the few left are the mistakes made on purpose (duplicate keys, bad YAML)


READ = [
    "key:    value   # comment\n", "- name: a\n  value: b\n- name: c\n", "a:\n- b\n- c\nd: e\n", "a:\n  - b\n  - c\nd: e\n",
    "- a\n- b\n", "- - a\n  - b\n- c\n", "  a: 1\n  b: 2\n", "x:\n  - a: 1\n    b:\n    - c\n  - d\n",
    "a:\n  # c\n  b: 1\n", "a: # c\n  b: 1\n", "a: b   \n", "a: b#c\nd: b #c\n",
    # quoted scalars, over one line or several
    "a: 'it''s'\n", 'a: "x" # c\n', "a: 'x'   # c\n", "a: '#x'\nb: \"a: b\"\n", "a: 'multi\n  line'\n", "a: 'x\n\n  y'\n",
    'a: "x\n  y"\n', "a: '  x  \n   y  '\n",
    # block scalars
    "a: |\n  x\n\n  y\n\nb: 1\n", "a: |-\n  x\n", "a: |+\n  x\n\n\nb: 1\n", "a: >\n  x\n  y\n\n  z\n", "a: >-\n  x\n\n\n  y\n",
    "a: |\n  x\n  y", "a: |+\n  x\n\n", "a:\n  b: |\n    x\n  c: 1\n", "- |\n  x\n- y\n", "a: | # c\n   x\n   # not a comment\n",
    # flow sequences of scalars, empty flow collections
    "a: [b, \"c\", 'd', 1, true]\n", "a: [ ]\n", "a: []\n", "a: {}\n", "a: [-c, '-x']  # c\n", "- [a, b]\n- {}\n",
    # documents
    "---\na: 1\n---\n---\nb: 2\n", "# only comment\n", "", "---\n", "a: 1\n---\n", "--- # c\na: 1\n",
    # keys and values typed as Kubernetes types them
    "80: a\ny: c\n1.5: d\nnull: e\n0x10: f\n1e6: g\n", "a: 0755\nb: 0x1F\nc: 1e3\nd: .inf\ne: '80'\nf: ~\ng: yes\nh: 1_000\n",
    "a: -1\nb: --flag\nc:\n- -1\n- --flag\n", "a: héllo\n", "- name: ñé\n  x: [ñ, b]\n", "a: 💥\n",
]


@pytest.mark.parametrize("text", READ)
def test_it_reads_the_block_style_as_libyaml_does(text):
    assert _compare(text) == (True, None)


HANDED_BACK = [
    "a: &x 1\nb: *x\n", "a: !!str 1\n", "<<: {a: 1}\n", "a: <<\n",  # anchors, aliases, tags, merges
    "a: b\n  c\n", "a: 'x\ny'\n", 'a: "x\\ny"\n',  # a multi-line plain scalar, a continuation at the key's indentation, escapes
    "a: {b: 1}\n", "a: [b, c\n", "a: [b, c,]\n", "a: [b, [c]]\n",  # flow collections beyond the simple ones
    "a: 1\na: 2\n", "on: a\ny: b\n",  # duplicate keys, as written or as typed
    "a:\tb\n", "a: b\r\n", "...\n", "%YAML 1.1\n---\na: 1\n", "'a': 1\n", "a b: 1\n", "💥: x\n",
    "a: |2\n  x\n", "a: >\n  x\n    y\n", "a: |\n  x\n   \n  y\n", "a: |\nb: 1\n", "a: |\n\n   \n  x\n",
    "- \n- a\n", "-\n", "- # c\n",  # empty items
    "a: b: c\n", "a:\n  b: 1\n c: 2\n", "a:\n  - b\n  c: d\n", "- a\nb: c\n", "foo\n", 'a: "unterminated\n',
    "a: http:\n", "a: - b\n", "a: ? b\n", "a: 'x'y\n", "a: %x\n", "a: @x\n",
]


@pytest.mark.parametrize("text", HANDED_BACK)
def test_what_it_does_not_read_whole_it_hands_back(text):
    assert parse_block(text) is None


@pytest.mark.parametrize("text, _", PLAIN)
def test_plain_values_and_keys_are_typed_as_the_libyaml_loader_types_them(text, _):
    for document in (f"v: {text}\n", f"- {text}\n", f"{text}: v\n"):
        fast, difference = _compare(document)
        assert difference is None, (document, difference)


def test_the_loader_reads_through_it_and_gives_the_same_findings(monkeypatch):
    text = (ROOT / "examples" / "legacy" / "shop.yaml").read_text()
    fast = loader.load_text(text)
    monkeypatch.setattr(loader, "parse_block", lambda text: None)
    exact = loader.load_text(text)
    assert [f.to_json() for f in fast.findings] == [f.to_json() for f in exact.findings]
    assert [d.data for d in fast.documents] == [d.data for d in exact.documents] != []


@pytest.mark.parametrize("limit", [0, 10_000])
def test_a_line_read_again_from_the_line_cache_is_read_as_the_first_time(monkeypatch, limit):
    """Each text twice: its lines typed (limit 10,000), then from _LINES; or never kept (limit 0)."""
    monkeypatch.setattr(block_parse, "_LINES", {})
    monkeypatch.setattr(block_parse, "_LINES_LIMIT", limit)
    typed = [f"{prefix}{text}{suffix}" for text, _ in PLAIN for prefix, suffix in (("v: ", "\n"), ("- ", "\n"),
                                                                                  ("", ": v\n"))]
    for _ in range(2):
        assert [text for text in READ if _compare(text) != (True, None)] == []
        assert [text for text in typed if _compare(text)[1] is not None] == []
        assert [text for text in HANDED_BACK if parse_block(text) is not None] == []
    assert len(block_parse._LINES) == (0 if limit == 0 else len(block_parse._LINES)) <= limit


def test_the_line_cache_keeps_at_most_its_limit(monkeypatch):
    monkeypatch.setattr(block_parse, "_LINES", {})
    monkeypatch.setattr(block_parse, "_LINES_LIMIT", 50)
    # not the keys of test_it_works_in_linear_time, which counts the work of typing them for the first time
    assert _compare("".join(f"kept{i}: v{i}\n" for i in range(200))) == (True, None)
    assert len(block_parse._LINES) == 50


def test_the_line_cache_is_emptied_once_the_files_are_read(tmp_path, monkeypatch):
    monkeypatch.setattr(block_parse, "_LINES", {})  # not full of what the tests before read
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
    parse_block("kept: until the files are read\n")
    assert len(loader.load_files([str(tmp_path / "a.yaml")]).documents) == 1
    assert "kept: until the files are read" in block_parse._LINES  # a batch of the worker's keeps them for the next
    assert "kind: ConfigMap" in block_parse._LINES
    assert len(parallel.load_files([str(tmp_path / "a.yaml")]).documents) == 1  # what a run reads its files with
    assert block_parse._LINES == {}


BIG = "9" * 5000  # past int()'s 4,300 digits: ValueError, which the loader reports as a syntax error


@pytest.mark.parametrize("text, outcome", [
    (f"a: {BIG}\n", ValueError), (f"- {BIG}\n", ValueError), (f"{BIG}: a\n", ValueError),
    # the line's error is met where the parse meets it: after the duplicate key, the line less indented, the
    # continuation line, each of which hands the text back
    (f"a: 1\na: {BIG}\n", None), (f"a:\n  b: 1\n {BIG}: 2\n", None), (f"a: 1\n{BIG}\n", None),
])
def test_a_value_that_cannot_be_typed_fails_where_the_parse_reaches_it(monkeypatch, text, outcome):
    monkeypatch.setattr(block_parse, "_LINES", {})
    for _ in range(2):  # read, then from the line cache
        if outcome is None:
            assert parse_block(text) is None
        else:
            with pytest.raises(outcome):
                parse_block(text)


@pytest.mark.parametrize("make", [
    lambda n: "".join(f"k{i}: v{i}\n" for i in range(n)),  # many keys
    lambda n: "a: [" + ", ".join(f'"x{i}"' for i in range(n)) + "]\n",  # a long flow sequence
    lambda n: "a: '" + "\n\n  ".join(f"w{i}" for i in range(n)) + "'\n",  # a long quoted scalar
    lambda n: "a: |\n" + "".join(f"  line {i}\n\n" for i in range(n)),  # a long block scalar
    lambda n: "a: '" + "''" * n + "'\n",  # many escaped quotes
])
def test_it_works_in_linear_time(monkeypatch, make):
    # the same work for every size, whatever the tests before read: each scalar typed once before (parse._PLAIN
    # remembers them, so other texts would leave the small one cheaper), no line remembered (_LINES only saves work)
    parse_block(make(800))
    monkeypatch.setattr(block_parse, "_LINES", {})
    monkeypatch.setattr(block_parse, "_LINES_LIMIT", 0)
    small, large = (executed_lines(parse_block, make(n)) for n in (200, 800))
    assert large <= 4.5 * small, (small, large)
