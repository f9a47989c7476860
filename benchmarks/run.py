"""The performance benchmark (issues 6 and 16): portlint against two YAML parse floors, on generated trees.

    python benchmarks/run.py [--sizes 1000,10000,50000] [--seed 6] [--repeat N] [--layout grow|sqrt]

For each size it generates (or reuses) a seeded tree under --work (default /tmp/portlint-bench),
then measures, each as its own process and in the same run:
  - the CSafeLoader floor: one Python process streaming `yaml.load_all(text, Loader=yaml.CSafeLoader)`
    over the same files, keeping nothing;
  - the C parse floor: the same, iterating libyaml's events only (`yaml.parse`), building nothing;
  - `portlint check TREE --format json`: wall, CPU (user+sys) and peak RSS from wait4();
  - `portlint trace --all TREE`, when the installed portlint has a `trace` command;
and compares the findings with the faults the generator injected (recall, extra findings);
then, in one more process, the time of each phase of a check (benchmarks/phases.py).
Rendering is its own phase (bench_render): a generated kustomize tree of one base and several
overlays, checked rendered and raw (`--no-render`), against the floor of running the kustomize
binary on each overlay one after the other. Then start-up: `portlint check` on a one-object file and `portlint --version` against a bare
`python -c "import yaml"` (best of several runs). Prints a Markdown table; --json saves everything.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixable  # noqa: E402
import generate  # noqa: E402  (a sibling script, not a package)

PYTHON = sys.executable
FLOOR = """
import os, sys, yaml
count = 0
for directory, subdirs, names in os.walk(sys.argv[1]):
    subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
    for name in sorted(names):
        if not name.endswith((".yaml", ".yml", ".json")) or name.startswith("."):
            continue
        with open(os.path.join(directory, name), "rb") as handle:
            text = handle.read().decode("utf-8-sig")
        try:
            for document in yaml.load_all(text, Loader=yaml.CSafeLoader):
                count += 1
        except yaml.YAMLError:
            pass
print(count)
"""
C_PARSE = FLOOR.replace("for document in yaml.load_all(text, Loader=yaml.CSafeLoader)",
                        "for document in yaml.parse(text, Loader=yaml.CSafeLoader)")
PHASES = Path(__file__).resolve().parent / "phases.py"
TARGETS = {"ratio_10k": 0.6, "ratio_50k": 1.5, "rss_10k": 100, "rss_50k": 600, "wall_1k": 0.6,
           "startup_over_yaml": 0.1, "trace_over_check": 1.5, "per_object_50k_over_10k": 1.1,
           "diff_over_check": 1.5}


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mib: float
    exit_code: int


def portlint_command() -> list[str]:
    script = Path(PYTHON).parent / "portlint"
    return [str(script)] if script.exists() else [PYTHON, "-m", "portlint"]


def child_environment(work: Path) -> dict:
    """Bytecode cached (under --work) as in any installed copy, even where PYTHONDONTWRITEBYTECODE is set:
    otherwise every run would compile portlint's modules again and start-up would look worse than it is."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


ENV: dict | None = None  # set by main()


def measure(command: list[str], stdout: Path) -> Run:
    """Run `command` once; wall clock from here, CPU and peak RSS of that one child from wait4()."""
    with open(stdout, "wb") as out, open(stdout.with_suffix(".stderr"), "wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=ENV)
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode)


def best(command: list[str], stdout: Path, repeat: int) -> Run:
    runs = [measure(command, stdout) for _ in range(repeat)]
    fastest = min(runs, key=lambda run: run.wall)
    return Run(fastest.wall, fastest.cpu, max(run.rss_mib for run in runs), fastest.exit_code)


def tree_for(work: Path, size: int, seed: int, rules: set[str], layout: str) -> tuple[Path, dict]:
    """The generated tree for this size, seed and layout, reused while generator and rule set are unchanged."""
    tree = work / f"tree-{size}-seed{seed}-{layout}"
    expected = generate.expected_path(tree)
    if tree.is_dir() and expected.exists():
        summary = json.loads(expected.read_text())
        if summary.get("generator") == generate.GENERATOR_VERSION and summary.get("rules") == sorted(rules):
            return tree, summary
    print(f"generating {size} objects in {tree} ...", file=sys.stderr)
    return tree, generate.generate(tree, size, seed, rules=rules, layout=layout)


def warm(tree: Path) -> None:
    """Read every file once so that neither measurement pays for a cold page cache."""
    for path in tree.rglob("*"):
        if path.is_file():
            path.read_bytes()


def has_trace() -> bool:
    result = subprocess.run(portlint_command() + ["--help"], capture_output=True, text=True, env=ENV)
    return any(line.strip("│ ").startswith("trace ") for line in result.stdout.splitlines())


def bench_size(work: Path, size: int, args, rules: set[str], trace: bool) -> dict:
    tree, summary = tree_for(work, size, args.seed, rules, args.layout)
    warm(tree)
    repeat = args.repeat or (3 if size <= 2000 else 1)
    out = work / f"out-{size}"
    floor = best([PYTHON, "-c", FLOOR, str(tree)], out.with_suffix(".floor"), repeat)
    c_parse = best([PYTHON, "-c", C_PARSE, str(tree)], out.with_suffix(".cparse"), repeat)
    check = best(portlint_command() + ["check", str(tree), "--format", "json"], out.with_suffix(".json"), repeat)
    report = json.loads(out.with_suffix(".json").read_text())
    result = generate.compare(report["findings"], summary["faults"], tree)
    row = {"size": size, "files": summary["files"], "objects": summary["objects"], "bytes": summary["bytes"],
           "reported_objects": report["summary"]["objects"], "floor": asdict(floor), "c_parse": asdict(c_parse),
           "check": asdict(check), "ratio": check.wall / floor.wall, "objects_per_s": summary["objects"] / check.wall,
           "faults": result["faults"], "found": result["found"], "recall": result["recall"],
           "extra": len(result["extra"]), "extra_findings": result["extra"][:20], "missed": result["missed"][:20],
           "without_line": sum(1 for f in report["findings"] if not f.get("line"))}
    if trace:
        traced = best(portlint_command() + ["trace", "--all", str(tree)], out.with_suffix(".trace"), repeat)
        row["trace"] = asdict(traced)
    phases = out.with_suffix(".phases.json")
    measure([PYTHON, str(PHASES), str(tree), "--json", str(phases)], out.with_suffix(".phases"))
    row["phases"] = json.loads(phases.read_text()) if phases.exists() else {}
    return row


RENDER_APPS = 40  # Deployment + Service pairs in the base
RENDER_OVERLAYS = 8


def kustomize_tree(work: Path, apps: int = RENDER_APPS, overlays: int = RENDER_OVERLAYS) -> Path:
    """One base of `apps` Deployment/Service pairs and `overlays` overlays, each with a namespace, a
    namePrefix, commonLabels and three patches (strategic-merge on every Deployment and on one, JSON 6902
    on one Service): kustomize's origin annotations cost time per patch and resource, so the tree keeps
    the few patches per overlay that real overlays have."""
    tree = work / f"kustomize-{apps}x{overlays}-patches3"
    base = tree / "base"
    base.mkdir(parents=True, exist_ok=True)
    files = []
    for n in range(apps):
        name = f"app{n:03d}"
        (base / f"{name}.yaml").write_text(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  selector:\n"
            f"    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n"
            f"    spec:\n      containers:\n        - name: web\n          image: nginx\n          ports:\n"
            f"            - {{name: http, containerPort: 8080}}\n---\napiVersion: v1\nkind: Service\n"
            f"metadata:\n  name: {name}\nspec:\n  selector: {{app: {name}}}\n  ports:\n"
            f"    - {{name: http, port: 80, targetPort: http}}\n")
        files.append(f"{name}.yaml")
    (base / "kustomization.yaml").write_text("resources:\n" + "".join(f"  - {f}\n" for f in files))
    for n in range(overlays):
        overlay = tree / "overlays" / f"env{n}"
        overlay.mkdir(parents=True, exist_ok=True)
        patches = ("  - target: {kind: Deployment}\n    path: replicas.yaml\n"
                   "  - target: {kind: Deployment, name: app000}\n    path: replicas.yaml\n"
                   "  - target: {kind: Service, name: app001}\n"
                   "    patch: '[{\"op\": \"replace\", \"path\": \"/spec/ports/0/port\", \"value\": 8080}]'\n")
        (overlay / "kustomization.yaml").write_text(
            f"namespace: env{n}\nnamePrefix: env{n}-\ncommonLabels: {{env: env{n}}}\nresources:\n  - ../../base\n"
            f"patches:\n{patches}")
        (overlay / "replicas.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: any\n"
                                               "spec:\n  replicas: 2\n")
    return tree


def bench_render(work: Path, repeat: int = 3) -> dict | None:
    """The cost of rendering: `portlint check` rendered and raw on the same tree, and the kustomize floor
    (the binary run on each overlay in turn). None when no kustomize binary is installed."""
    import shutil

    binary = shutil.which("kustomize") or shutil.which("kubectl")
    if binary is None:
        return None
    verb = "build" if os.path.basename(binary).startswith("kustomize") else "kustomize"
    tree = kustomize_tree(work)
    warm(tree)
    out = work / "out-render"
    rendered = best(portlint_command() + ["check", str(tree), "--format", "json"], out.with_suffix(".json"), repeat)
    raw = best(portlint_command() + ["check", str(tree), "--no-render", "--format", "json"],
               out.with_suffix(".raw"), repeat)
    overlays = sorted((tree / "overlays").iterdir())
    floor_runs = [[measure([binary, verb, str(o)], out.with_suffix(".floor")) for o in overlays]
                  for _ in range(repeat)]
    floor = min(floor_runs, key=lambda runs: sum(r.wall for r in runs))
    report = json.loads(out.with_suffix(".json").read_text())
    return {"overlays": len(overlays), "apps": RENDER_APPS, "objects": report["summary"]["objects"],
            "binary": os.path.basename(binary), "check": asdict(rendered), "raw": asdict(raw),
            "floor": {"wall": sum(r.wall for r in floor), "cpu": sum(r.cpu for r in floor)},
            "findings": len(report["findings"])}


def render_lines(row: dict | None, skipped: bool = False) -> list[str]:
    if skipped:
        return ["rendering: not measured (--no-render)"]
    if row is None:
        return ["rendering: not measured (neither kustomize nor kubectl is installed)"]
    phase_wall, phase_cpu = row["check"]["wall"] - row["raw"]["wall"], row["check"]["cpu"] - row["raw"]["cpu"]
    return [f"rendering ({row['overlays']} overlays of one base of {row['apps']} apps, {row['objects']:,} rendered "
            f"objects, {row['binary']}): check {row['check']['wall']:.2f} s wall / {row['check']['cpu']:.2f} s CPU, "
            f"--no-render {row['raw']['wall']:.2f} s / {row['raw']['cpu']:.2f} s; the rendering phase "
            f"{phase_wall:.2f} s wall / {phase_cpu:.2f} s CPU against the floor of {row['overlays']} sequential "
            f"{row['binary']} runs, {row['floor']['wall']:.2f} s wall / {row['floor']['cpu']:.2f} s CPU "
            f"({row['findings']} findings)"]


def bench_fix(work: Path, size: int, args, rules: set[str]) -> dict:
    """`check --diff` against a plain `check`, in one run, on the tree with a few hundred fixable mistakes."""
    tree, _summary = tree_for(work, size, args.seed, rules, args.layout)
    target = work / f"fixable-{args.layout}-{size}-seed{args.seed}"
    made = fixable.inject(tree, target, count=args.fix_count)
    warm(target)
    repeat = args.repeat or 3
    out = work / f"out-fix-{size}"
    plain = best(portlint_command() + ["check", str(target), "--format", "json"], out.with_suffix(".json"), repeat)
    diff = best(portlint_command() + ["check", str(target), "--diff"], out.with_suffix(".diff"), repeat)
    said = out.with_suffix(".stderr").read_text().strip().splitlines()
    return {"size": size, "mistakes": sum(made.values()), "check": asdict(plain), "diff": asdict(diff),
            "wall_ratio": diff.wall / plain.wall, "cpu_ratio": diff.cpu / plain.cpu,
            "diff_says": said[-1] if said else "", "diff_exit": diff.exit_code}


def fix_lines(row: dict) -> list[str]:
    return [f"--diff on {row['size']:,} objects with {row['mistakes']} fixable mistakes ({row['diff_says']}): "
            f"check {row['check']['wall']:.2f} s wall / {row['check']['cpu']:.2f} s CPU, "
            f"--diff {row['diff']['wall']:.2f} s wall / {row['diff']['cpu']:.2f} s CPU → wall "
            f"{_judge(row['wall_ratio'], TARGETS['diff_over_check'], '×')}, CPU {row['cpu_ratio']:.3f}×"]


def startup(work: Path, repeat: int = 10) -> dict:
    tiny = work / "tiny"
    tiny.mkdir(parents=True, exist_ok=True)
    (tiny / "configmap.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tiny\ndata:\n  a: b\n")
    sink = work / "startup.out"
    measure(portlint_command() + ["check", str(tiny)], sink)  # fills the bytecode cache
    return {"import_yaml": best([PYTHON, "-c", "import yaml"], sink, repeat).wall,
            "version": best(portlint_command() + ["--version"], sink, repeat).wall,
            "check_tiny": best(portlint_command() + ["check", str(tiny)], sink, repeat).wall}


def machine() -> dict:
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import yaml

    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "pyyaml": yaml.__version__,
            "libyaml": getattr(yaml, "__with_libyaml__", False), "system": f"{platform.system()} {platform.release()}",
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}


# --- printing -------------------------------------------------------------------------------------

def table(rows: list[dict]) -> str:
    head = ("| objects | files | MB | check wall s | CPU s | peak RSS MiB | objects/s | CSafeLoader floor s (CPU s) "
            "| ratio (CPU ratio) | C parse floor s (CPU s) | ratio (CPU ratio) | trace --all s | recall | extra |")
    lines = [head, "|" + "---:|" * (head.count("|") - 1)]
    for r in rows:
        trace = f"{r['trace']['wall']:.2f}" if "trace" in r else "–"
        check, floor, c_parse = r["check"], r["floor"], r["c_parse"]
        lines.append(
            f"| {r['objects']:,} | {r['files']:,} | {r['bytes'] / 1e6:.1f} | {check['wall']:.2f} "
            f"| {check['cpu']:.2f} | {check['rss_mib']:.0f} | {r['objects_per_s']:,.0f} "
            f"| {floor['wall']:.2f} ({floor['cpu']:.2f}) | {r['ratio']:.2f}× ({check['cpu'] / floor['cpu']:.2f}×) "
            f"| {c_parse['wall']:.2f} ({c_parse['cpu']:.2f}) | {check['wall'] / c_parse['wall']:.2f}× "
            f"({check['cpu'] / c_parse['cpu']:.2f}×) | {trace} | {r['found']}/{r['faults']} | {r['extra']} |")
    return "\n".join(lines)


def phase_table(rows: list[dict]) -> str:
    """One line per phase of benchmarks/phases.py (serial, one core), one column per size: wall s (CPU s)."""
    measured = [r for r in rows if r.get("phases")]
    if not measured:
        return ""
    names = list(measured[0]["phases"]["phases"]) + list(measured[0]["phases"]["floors"])
    lines = ["| phase | " + " | ".join(f"{r['objects']:,} objects: wall s (CPU s)" for r in measured) + " |",
             "|---|" + "---:|" * len(measured)]
    for name in names:
        cells = []
        for r in measured:
            times = r["phases"]["phases"].get(name) or r["phases"]["floors"].get(name)
            cells.append(f"{times['wall']:.2f} ({times['cpu']:.2f})")
        floor = name in measured[0]["phases"]["floors"]
        lines.append(f"| {'floor: ' if floor else ''}{name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdicts(rows: list[dict], start: dict) -> list[str]:
    by_size = {r["size"]: r for r in rows}
    lines = [f"start-up: `portlint check` on one object {start['check_tiny']:.3f} s, `portlint --version` "
             f"{start['version']:.3f} s, `python -c 'import yaml'` {start['import_yaml']:.3f} s → "
             f"{_judge(start['check_tiny'] - start['import_yaml'], TARGETS['startup_over_yaml'], 's above')}"]
    checks = [(1000, "wall_1k", lambda r: r["check"]["wall"], "1k objects wall s"),
              (10000, "ratio_10k", lambda r: r["ratio"], "10k wall ratio to the CSafeLoader floor"),
              (10000, "ratio_10k", lambda r: r["check"]["cpu"] / r["floor"]["cpu"],
               "10k CPU ratio to the CSafeLoader floor"),
              (50000, "ratio_50k", lambda r: r["ratio"], "50k wall ratio to the CSafeLoader floor"),
              (10000, "rss_10k", lambda r: r["check"]["rss_mib"], "10k peak RSS MiB"),
              (50000, "rss_50k", lambda r: r["check"]["rss_mib"], "50k peak RSS MiB")]
    for size, target, value, label in checks:
        if size in by_size:
            lines.append(f"{label}: {_judge(value(by_size[size]), TARGETS[target], '')}")
    if 10000 in by_size and 50000 in by_size:
        small, large = by_size[10000], by_size[50000]
        growth = (large["check"]["cpu"] / large["objects"]) / (small["check"]["cpu"] / small["objects"])
        lines.append(f"CPU per object, 50k / 10k: {_judge(growth, TARGETS['per_object_50k_over_10k'], '×')}")
    if 10000 in by_size and "trace" in by_size[10000]:
        row = by_size[10000]
        lines.append(f"10k trace --all / check: "
                     f"{_judge(row['trace']['wall'] / row['check']['wall'], TARGETS['trace_over_check'], '×')}")
    for r in rows:
        if r["reported_objects"] != r["objects"]:
            lines.append(f"note: {r['size']}: portlint counted {r['reported_objects']} objects, "
                         f"the generator wrote {r['objects']}")
        if r["without_line"]:
            lines.append(f"note: {r['size']}: {r['without_line']} findings without a line number")
    return lines


def _judge(value: float, limit: float, unit: str) -> str:
    return f"{value:.3f}{(' ' + unit) if unit else ''} (target ≤ {limit}: {'ok' if value <= limit else 'MISSED'})"


def details(rows: list[dict]) -> list[str]:
    lines = []
    for r in rows:
        for finding in r["extra_findings"]:
            obj = finding.get("object") or {}
            lines.append(f"extra at {r['size']}: {finding['rule']} {obj.get('kind', '')} {obj.get('namespace', '')}/"
                         f"{obj.get('name', '')} {finding['file']}:{finding['line']}: {finding['message']}")
        for fault in r["missed"]:
            lines.append(f"missed at {r['size']}: {fault['rule']} in {fault['app']} ({fault['objects'] or fault['file']})")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="portlint's performance benchmark (issue 6)")
    parser.add_argument("--sizes", default="1000,10000,50000", help="comma-separated object counts")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=0, help="runs per measurement, best kept (default: 3 up to "
                        "2,000 objects, else 1)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "portlint-bench",
                        help="where trees and outputs go (never inside the repository)")
    parser.add_argument("--no-trace", action="store_true", help="skip `portlint trace --all`")
    parser.add_argument("--no-render", action="store_true", help="skip the kustomize rendering phase")
    parser.add_argument("--layout", choices=generate.LAYOUTS, default="grow",
                        help="grow: 4 namespaces whose size grows with N, one host per namespace with a rule per "
                             "application (default); sqrt: √N/4 namespaces, a host per application")
    parser.add_argument("--json", type=Path, help="also write all results to this file")
    parser.add_argument("--fix-size", type=int, default=10000, help="objects in the --diff measurement's tree "
                        "(0: skip it)")
    parser.add_argument("--fix-count", type=int, default=300, help="fixable mistakes made in that tree")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    args.work.mkdir(parents=True, exist_ok=True)
    global ENV
    ENV = child_environment(args.work)
    start = startup(args.work)  # first: it also warms the bytecode cache for the big runs
    rules = generate.load_rule_ids()
    trace = not args.no_trace and has_trace()
    rows = []
    for size in sizes:
        rows.append(bench_size(args.work, size, args, rules, trace))
        print(f"{size}: done in {rows[-1]['check']['wall']:.2f} s", file=sys.stderr)
    rendering = None if args.no_render else bench_render(args.work, args.repeat or 3)
    fix_row = bench_fix(args.work, args.fix_size, args, rules) if args.fix_size else None
    info = machine()
    print(f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB, {info['system']}; "
          f"Python {info['python']}, PyYAML {info['pyyaml']} (libyaml: {info['libyaml']})\n")
    print(f"Layout: {args.layout}\n")
    print(table(rows))
    print()
    print(phase_table(rows))
    print()
    print("\n".join(verdicts(rows, start) + render_lines(rendering, skipped=args.no_render) + (fix_lines(fix_row) if fix_row else [])))
    extra = details(rows)
    if extra:
        print("\n" + "\n".join(extra))
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "rows": rows, "startup": start, "render": rendering,
                                         "fix": fix_row}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
