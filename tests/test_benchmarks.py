"""The benchmark's phase timer runs every phase of a real check (it reaches into run.py, so it must follow it)."""

import json
import subprocess
import sys

from conftest import ROOT


def test_phases_times_every_phase_of_a_generated_tree(tmp_path):
    tree, out = tmp_path / "tree", tmp_path / "phases.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(tree), "--objects", "60"],
                   check=True, capture_output=True)
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "phases.py"), str(tree), "--json", str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    timings = json.loads(out.read_text())
    assert list(timings["phases"]) == ["discover", "read", "parse (loader)", "schema", "model", "units", "rules",
                                       "suppress", "report json"]
    assert timings["objects"] >= 60 and all(t["cpu"] >= 0 for t in timings["phases"].values())
