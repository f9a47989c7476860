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


# --- the five paths that were superlinear (issue 16): each measured at n and 4n, in work done, not time,
# except the regular expression, whose work is invisible to Python and is measured as a CPU-time ratio.

def executed_lines(function, *args) -> int:
    """Python lines executed by function(*args): the work of pure-Python loops, independent of the machine."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        function(*args)
    finally:
        sys.settrace(None)
    return count


def _grows_linearly(small: float, large: float, factor: int = 4) -> bool:
    return large / small <= factor * 1.5


def _duplicate_keys(n: int) -> str:
    return "data:\n" + "".join(f"  k{i}: a\n  k{i}: b\n" for i in range(n))


def test_duplicate_keys_in_one_mapping_grow_linearly():
    from portlint.parse import parse_all

    small, large = (executed_lines(parse_all, _duplicate_keys(n)) for n in (100, 400))
    assert len(parse_all(_duplicate_keys(400))[0][1]) == 400
    assert _grows_linearly(small, large), (small, large)


def test_the_quadratic_duplicate_key_check_would_be_caught():
    import reference_loader

    small, large = (executed_lines(reference_loader.parse_all, _duplicate_keys(n)) for n in (100, 400))
    assert not _grows_linearly(small, large), (small, large)


def _cpu_seconds(function, argument, repeat: int = 5) -> float:
    import time

    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        function(argument)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize("unit", ["A", "A1", "1A", "__a", "<a"])
def test_the_placeholder_check_grows_linearly_on_long_values(unit):
    from portlint.names import is_placeholder

    small, large = (_cpu_seconds(is_placeholder, unit * n) for n in (20_000, 80_000))
    assert large / max(small, 1e-6) <= 8, (small, large)  # linear: about 4; quadratic: about 16


def test_a_backtracking_placeholder_pattern_would_be_caught():
    import re

    backtracking = re.compile(r"[A-Z][A-Z0-9]*_[A-Z0-9_]+")
    small, large = (_cpu_seconds(backtracking.search, "A" * n, repeat=2) for n in (2_000, 8_000))
    assert large / max(small, 1e-6) > 8, (small, large)


def _suppression(n: int) -> str:
    return ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
            "# portlint: ignore[" + ",".join(f"no-such-rule-{i}" for i in range(n)) + "]\n")


def test_suppression_comments_grow_linearly():
    from portlint.run import check_text

    def output_size(n: int) -> int:
        findings = check_text(_suppression(n)).findings
        assert len(findings) == n
        return sum(len(f.message) + len(f.hint or "") for f in findings)

    assert _grows_linearly(output_size(200), output_size(800))
    small, large = (executed_lines(check_text, _suppression(n)) for n in (200, 800))
    assert _grows_linearly(small, large), (small, large)


def _names(n: int) -> list[str]:
    """n distinct names of 8 to 12 letters. Not web-1 … web-n: a family of names that share a segment is
    compared within the family (portlint/similar.py says so), and there the near misses themselves grow."""
    import random
    import string

    chooser, names = random.Random(16), {}
    while len(names) < n:
        names.setdefault("".join(chooser.choice(string.ascii_lowercase) for _ in range(chooser.randint(8, 12))), None)
    return list(names)


def _near_miss_tree(root, n: int) -> str:
    """One namespace whose Services, pod labels and StatefulSets all grow; a quarter of the references
    are typos, so each asks for near misses among all names of the namespace."""
    root.mkdir(parents=True, exist_ok=True)
    docs = []
    for i, name in enumerate(_names(n)):
        typo = i % 4 == 0
        docs.append(f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: ns}}\n"
                    f"spec: {{selector: {{app: {name}{'x' if typo else ''}}}, ports: [{{port: 80}}]}}\n")
        docs.append(f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: ns}}\n"
                    f"spec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n"
                    f"    metadata: {{labels: {{app: {name}}}}}\n"
                    f"    spec: {{containers: [{{name: c, image: nginx, ports: [{{containerPort: 80}}]}}]}}\n")
        if typo:
            docs.append(f"apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: db-{i}, namespace: ns}}\n"
                        f"spec:\n  serviceName: {name}y\n  selector: {{matchLabels: {{app: db-{i}}}}}\n  template:\n"
                        f"    metadata: {{labels: {{app: db-{i}}}}}\n    spec: {{containers: [{{name: c, image: db}}]}}\n")
            docs.append(f"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: in-{i}, namespace: ns}}\n"
                        f"spec:\n  rules:\n  - host: h{i}.example.com\n    http:\n      paths:\n      - path: /\n"
                        f"        pathType: Prefix\n        backend: {{service: {{name: {name}z, port: {{number: 80}}}}}}\n")
    (root / "all.yaml").write_text("---\n".join(docs))
    return str(root)


@pytest.fixture
def similar_calls(monkeypatch):
    from portlint import similar

    counter = {"n": 0}
    original = similar.similar

    def counted(*args, **kwargs):
        counter["n"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(similar, "similar", counted)
    return counter


def test_near_miss_hints_grow_linearly(tmp_path, similar_calls):
    calls, hinted = {}, {}
    for n in (100, 400):
        similar_calls["n"] = 0
        report = check_paths([_near_miss_tree(tmp_path / str(n), n)], Settings())
        calls[n] = similar_calls["n"]
        hinted[n] = sum("did you mean" in (f.hint or "") or "pods in namespace" in (f.hint or "")
                        for f in report.findings)
    assert hinted[100] >= 75 and hinted[400] == 4 * hinted[100]  # every typo gets its near-miss hint
    assert _grows_linearly(calls[100], calls[400]), calls


def test_comparing_with_every_name_would_be_caught(tmp_path, similar_calls, monkeypatch):
    from portlint import similar

    def every(self, wanted):
        return [name for name in self.names if similar.similar(name, wanted, self.max_edits)]

    monkeypatch.setattr(similar.NearMisses, "of", every)
    calls = {}
    for n in (100, 400):
        similar_calls["n"] = 0
        check_paths([_near_miss_tree(tmp_path / str(n), n)], Settings())
        calls[n] = similar_calls["n"]
    assert not _grows_linearly(calls[100], calls[400]), calls


def _one_host_ingress(root, n: int) -> str:
    """One Ingress, n rules for one host, each to a Service that is missing (a finding per rule), and a TLS
    host per rule."""
    root.mkdir(parents=True, exist_ok=True)
    rules = "".join(f"  - host: example.com\n    http:\n      paths:\n      - path: /p{i}\n        pathType: Prefix\n"
                    f"        backend: {{service: {{name: svc-{i}, port: {{number: 80}}}}}}\n" for i in range(n))
    tls = ", ".join(f"h{i}.example.com" for i in range(n))
    (root / "ingress.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: big, namespace: default}\nspec:\n"
        f"  ingressClassName: nginx\n  tls:\n  - hosts: [{tls}]\n    secretName: s\n  rules:\n{rules}")
    return str(root)


def test_trace_all_over_many_rules_of_one_host_grows_linearly(tmp_path):
    from portlint.trace import AllTarget, trace_paths

    trees = {n: _one_host_ingress(tmp_path / str(n), n) for n in (30, 120)}
    assert len(trace_paths(AllTarget(), [trees[120]]).entries) == 120
    small, large = (executed_lines(trace_paths, AllTarget(), [trees[n]]) for n in (30, 120))
    assert _grows_linearly(small, large), (small, large)


def test_matching_every_finding_for_every_hop_would_be_caught(tmp_path, monkeypatch):
    from portlint.trace import AllTarget, hops, trace_paths

    def every(self, claim):
        return [f for f in self.everything if claim.covers(f)]

    original_init = hops.FindingIndex.__init__

    def remembering_init(self, findings, *rendered):
        original_init(self, findings, *rendered)
        self.everything = list(findings)

    monkeypatch.setattr(hops.FindingIndex, "__init__", remembering_init)
    monkeypatch.setattr(hops.FindingIndex, "covered", every)
    # 8x the rules, not 4x: at 4x the quadratic term is only just past the guard's 6x, so a few lines
    # of constant work elsewhere in a run (reading, discovery) would hide it
    small, large = (executed_lines(trace_paths, AllTarget(), [_one_host_ingress(tmp_path / str(n), n)])
                    for n in (30, 240))
    assert not _grows_linearly(small, large, factor=8), (small, large)


# --- apply-unit inference -------------------------------------------------------------------------------

def _examples_tree(root, examples: int):
    """`examples` directories under one folder, each with two alternatives that redefine one Service and an
    Ingress routing to it, and a base file two levels up that every example's Ingress also routes to."""
    (root / "shared").mkdir(parents=True)
    (root / "shared" / "base.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: base}\nspec: {selector: {app: base}, ports: [{port: 80}]}\n")
    for n in range(examples):
        directory = root / "examples" / f"ex{n}"
        directory.mkdir(parents=True)
        for variant, port in (("a", 8080), ("b", 9090)):
            (directory / f"{variant}.yaml").write_text(f"""\
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec: {{selector: {{app: web-{n}}}, ports: [{{port: 80, targetPort: {port}}}]}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: web-{variant}}}
spec:
  rules:
    - host: ex{n}.example.com
      http:
        paths:
          - {{path: /, pathType: Prefix, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}
          - {{path: /base, pathType: Prefix, backend: {{service: {{name: base, port: {{number: 80}}}}}}}}
""")
        (directory / "app.yaml").write_text(f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web-{n}}}
spec:
  selector: {{matchLabels: {{app: web-{n}}}}}
  template:
    metadata: {{labels: {{app: web-{n}}}}}
    spec: {{containers: [{{name: c, image: x, ports: [{{containerPort: 8080}}, {{containerPort: 9090}}]}}]}}
""")


def _inference_steps(root) -> tuple[int, int]:
    from portlint.run import units_of_paths

    ((cluster, _inputs),) = units_of_paths([str(root)], Settings())
    return cluster.units.steps, len(cluster.units.units)


@pytest.fixture(scope="module")
def example_trees(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("unit-scaling")
    for size in (40, 160):
        _examples_tree(root / str(size), size)
    return root


def test_unit_inference_grows_linearly_with_the_files_and_their_alternatives(trees, example_trees):
    small, small_units = _inference_steps(example_trees / "40")
    large, large_units = _inference_steps(example_trees / "160")
    assert (small_units, large_units) == (2 * 40 + 1, 2 * 160 + 1)  # two alternatives per example, and shared/
    assert small > 100 and 4 / 1.5 <= large / small <= 4 * 1.5, (small, large)
    generated_small, _ = _inference_steps(trees[SMALL][0])
    generated_large, _ = _inference_steps(trees[LARGE][0])
    ratio = trees[LARGE][1] / trees[SMALL][1]
    assert ratio / 1.5 <= generated_large / generated_small <= ratio * 1.5, (generated_small, generated_large)


def test_a_pairwise_unit_inference_would_be_caught(example_trees, monkeypatch):
    """The guard can fail: comparing every two files of a directory breaks the linear bound."""
    from portlint import units

    original = units.directory_units

    def pairwise(directory, files, index):
        index.steps += len(files) * len(files)
        return original(directory, files, index)

    monkeypatch.setattr(units, "directory_units", pairwise)
    for size in (40, 160):
        _examples_tree(example_trees / f"flat{size}" / "examples", 0)
        for n in range(size):  # every example file in one directory
            (example_trees / f"flat{size}" / "examples" / f"ex{n}.yaml").write_text(
                f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{n}}}\n")
    small, _ = _inference_steps(example_trees / "flat40")
    large, _ = _inference_steps(example_trees / "flat160")
    assert large / small > 4 * 1.5
