"""Reading on two cores gives exactly what a serial read gives: same documents, findings and report."""

import json

from conftest import ROOT
from test_scaling import generate

from portlint import loader, parallel
from portlint.report.json_format import report_dict
from portlint.run import check_paths
from portlint.settings import Settings


def report_json(paths, monkeypatch, minimum_bytes):
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", minimum_bytes)
    return json.dumps(report_dict(check_paths(paths, Settings())), sort_keys=True)


def test_parallel_and_serial_reports_are_identical(tmp_path, monkeypatch):
    summary = generate.generate(tmp_path / "tree", 800, seed=5)
    assert summary["faults"]
    paths = [str(tmp_path / "tree"), str(ROOT / "tests" / "hostile"), str(ROOT / "examples" / "broken")]
    serial = report_json(paths, monkeypatch, minimum_bytes=10**12)
    split = report_json(paths, monkeypatch, minimum_bytes=0)
    assert json.loads(serial)["findings"] and split == serial


def test_the_split_keeps_file_order_and_every_file(tmp_path, monkeypatch):
    generate.generate(tmp_path / "tree", 300, seed=2, faults=False)
    files, _ = loader.discover([str(tmp_path / "tree")])
    head, tail = parallel._split(files)
    assert head and tail and head + tail == files
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    result = parallel.load_files(files)
    assert [d.source.path for d in result.documents] == [d.source.path for d in loader.load_files(files).documents]
    assert all(d.problems is not None for d in result.documents if "kind" in d.data)


def test_small_inputs_and_stdin_are_read_serially(tmp_path):
    (tmp_path / "a.yaml").write_text("kind: A\n")
    (tmp_path / "b.yaml").write_text("kind: B\n")
    files = [str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")]
    assert not parallel._worth_it(files)
    assert not parallel._worth_it(files + [loader.STDIN])
