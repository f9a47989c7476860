"""Scaling guards that are not timings: on generated trees, index look-ups and selector comparisons grow
linearly with the number of objects, and the generated trees are judged exactly (benchmarks/generate.py)."""

import importlib.util
import json
import sys

import pytest

from conftest import ROOT
from portlint.model import PodIndex
from portlint.run import check_paths
from portlint.selectors import LabelSelector, PodLabels, Requirement
from portlint.settings import Settings

_spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks" / "generate.py")
generate = sys.modules["bench_generate"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

SMALL, LARGE = 300, 1200
NAMESPACES = 4  # fixed, so that each namespace grows with the tree and a per-namespace quadratic loop shows


@pytest.fixture
def comparisons(monkeypatch):
    """Count every label comparison portlint makes: a services × workloads loop would make them grow quadratically."""
    counter = {"n": 0}
    for cls, name in ((PodLabels, "can_equal"), (PodLabels, "has"), (LabelSelector, "matches"),
                      (Requirement, "matches")):
        original = getattr(cls, name)

        def counted(*args, _original=original, **kwargs):
            counter["n"] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(cls, name, counted)
    return counter


def _check(tree) -> tuple:
    report = check_paths([str(tree)], Settings())
    return report, sum(cluster.pods.lookups for cluster in report.clusters)


@pytest.fixture(scope="module")
def trees(tmp_path_factory) -> dict:
    """Two clean trees, SMALL and LARGE objects, over the same namespaces: size → (path, objects)."""
    root = tmp_path_factory.mktemp("scaling")
    return {size: (root / str(size), generate.generate(root / str(size), size, seed=11, faults=False,
                                                        namespaces=NAMESPACES)["objects"])
            for size in (SMALL, LARGE)}


def _measure(trees, size, comparisons) -> tuple[int, int, int]:
    tree, objects = trees[size]
    comparisons["n"] = 0
    report, lookups = _check(tree)
    assert report.objects == objects
    return objects, lookups, comparisons["n"]


def test_index_lookups_and_selector_comparisons_grow_linearly(trees, comparisons):
    small_objects, small_lookups, small_comparisons = _measure(trees, SMALL, comparisons)
    large_objects, large_lookups, large_comparisons = _measure(trees, LARGE, comparisons)
    size_ratio = large_objects / small_objects
    assert small_lookups > 50 and small_comparisons > 50  # the trees really exercise the index
    assert size_ratio / 1.5 <= large_lookups / small_lookups <= size_ratio * 1.5, (small_lookups, large_lookups)
    assert size_ratio / 1.5 <= large_comparisons / small_comparisons <= size_ratio * 1.5, (
        small_comparisons, large_comparisons)


def test_a_quadratic_match_would_be_caught(trees, comparisons, monkeypatch):
    """The guard can fail: a select() that scans every workload of the namespace breaks the linear bound."""
    def scanning_select(self, namespace, selector):
        self.lookups += 1
        everyone = [w for w in self._order_list if w.namespace == namespace]
        return [w for w in everyone if all(w.pod_labels.can_equal(k, v) for k, v in selector.items())]

    original_init = PodIndex.__init__

    def remembering_init(self, workloads):
        original_init(self, workloads)
        self._order_list = list(workloads)

    monkeypatch.setattr(PodIndex, "__init__", remembering_init)
    monkeypatch.setattr(PodIndex, "select", scanning_select)
    small_objects, _, small_comparisons = _measure(trees, SMALL, comparisons)
    large_objects, _, large_comparisons = _measure(trees, LARGE, comparisons)
    assert large_comparisons / small_comparisons > 1.5 * large_objects / small_objects


def test_clean_generated_tree_has_no_findings(tmp_path):
    generate.generate(tmp_path / "clean", 600, seed=3, faults=False)
    report, _ = _check(tmp_path / "clean")
    assert [(f.rule, f.file, f.line, f.message) for f in report.findings] == []


def test_findings_equal_the_injected_faults(tmp_path):
    tree = tmp_path / "faulty"
    summary = generate.generate(tree, 800, seed=5)
    assert {fault["rule"] for fault in summary["faults"]} == generate.load_rule_ids() & {
        fault.rule for fault in generate.FAULTS}
    report, _ = _check(tree)
    findings = [f.to_json() for f in report.findings]
    assert all(f["line"] >= 1 for f in findings)
    result = generate.compare(findings, summary["faults"], tree)
    assert result["missed"] == []
    assert [(f["rule"], f["file"], f["line"], f["message"]) for f in result["extra"]] == []


def test_compare_reports_misses_and_extras(tmp_path):
    fault = {"rule": "service-selector-no-match", "file": None,
             "objects": [{"kind": "Service", "namespace": "ns", "name": "web"}]}
    elsewhere = {"rule": "service-selector-no-match", "file": "ns/api/service.yaml",
                 "object": {"kind": "Service", "namespace": "ns", "name": "api"}, "line": 3}
    result = generate.compare([elsewhere], [fault], tmp_path)
    assert result["found"] == 0 and result["missed"] == [fault] and result["extra"] == [elsewhere]


def test_generation_is_seeded(tmp_path):
    first = generate.generate(tmp_path / "a", 300, seed=9)
    second = generate.generate(tmp_path / "b", 300, seed=9)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.*"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.*"))
    assert files_a == files_b
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files_a)
    assert json.dumps(first["faults"]) == json.dumps(second["faults"])
    assert first["objects"] == 300


def test_trace_all_grows_linearly(trees, monkeypatch):
    """`portlint trace --all` asks for the merge domain of Ingresses a number of times linear in the tree."""
    from portlint.trace import AllTarget, routing, trace_paths

    calls = {"n": 0}
    original = routing.merge_domain

    def counted(ingress):
        calls["n"] += 1
        return original(ingress)

    monkeypatch.setattr(routing, "merge_domain", counted)
    counts = {}
    for size in (SMALL, LARGE):
        calls["n"] = 0
        trace = trace_paths(AllTarget(), [str(trees[size][0])])
        assert len(trace.entries) > 10
        counts[size] = calls["n"]
    size_ratio = trees[LARGE][1] / trees[SMALL][1]
    assert counts[SMALL] > 0
    assert counts[LARGE] / counts[SMALL] <= size_ratio * 1.5, counts
