"""Where a `portlint check` spends its time: each phase timed in one process, serially, on one core.

    python benchmarks/phases.py TREE [--json OUT]

Prints one line per phase (wall s, CPU s) and the two floors on the same files, read the same way:
the C parse alone (libyaml's events through PyYAML's binding, nothing built) and PyYAML's
`yaml.load_all(text, Loader=yaml.CSafeLoader)`. benchmarks/run.py runs it as its own process.
A phase is one entry of PHASES: a name and a function of the state the phases before it left.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time


def _discover(state: dict) -> None:
    from portlint import run
    from portlint.globs import PathFilter

    settings = state["settings"]
    path_filter = PathFilter(settings.exclude, settings.base_dir, settings.gitignore)
    state["files"] = run._files([state["tree"]], path_filter, [state["tree"]]).files


def _read(state: dict) -> None:
    from portlint import loader
    from portlint.limits import read_file

    state["texts"] = [loader._decode(read_file(path))[0] for path in state["files"]]


def _parse(state: dict) -> None:
    from portlint import loader

    result = loader.LoadResult()
    for path, text in zip(state["files"], state["texts"]):
        result.files += 1
        source = result.sources[path] = loader.Source(path)
        loader._load_source(source, text, result)
    state["loaded"] = result


def _schema(state: dict) -> None:
    from portlint import schema

    schema.validate_all(state["loaded"].documents, state["settings"].namespace)


def _model(state: dict) -> None:
    from portlint import builder

    state["cluster"], state["invalid"] = builder.build_cluster(state["loaded"].documents,
                                                               state["settings"].namespace)


def _units(state: dict) -> None:
    from portlint import units

    state["cluster"].set_units(units.infer(state["cluster"], list(state["loaded"].sources), state["settings"]))


def _rules(state: dict) -> None:
    from portlint import engine

    state["findings"] = engine.run_checks(state["cluster"], state["settings"])


def _suppress(state: dict) -> None:
    from portlint import engine, run, suppress

    report = run.Report(files=state["loaded"].files, objects=state["cluster"].manifest_count,
                        clusters=[state["cluster"]], sources=state["loaded"].sources)
    report.findings = engine.stamp(state["loaded"].findings + state["invalid"] + state["findings"],
                                   state["settings"])
    suppress.apply(report, state["settings"])
    state["report"] = report


def _report(state: dict) -> None:
    import io

    from portlint.report import json_format

    json_format.write(state["report"], io.StringIO())


PHASES = [("discover", _discover), ("read", _read), ("parse (loader)", _parse), ("schema", _schema),
          ("model", _model), ("units", _units), ("rules", _rules), ("suppress", _suppress), ("report json", _report)]


def floor(texts: list[str], read: str) -> None:
    """Each text read by `yaml.parse` (libyaml's events: the C parse alone) or `yaml.load_all` (CSafeLoader)."""
    import yaml

    for text in texts:
        try:
            for _item in getattr(yaml, read)(text, Loader=yaml.CSafeLoader):
                pass
        except yaml.YAMLError:
            pass


def timed(function, *args) -> dict:
    wall, cpu = time.perf_counter(), time.process_time()
    function(*args)
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree")
    parser.add_argument("--json", help="write the timings to this file")
    args = parser.parse_args(argv)
    gc.disable()  # as `portlint check` runs
    from portlint.settings import Settings

    state = {"tree": args.tree, "settings": Settings()}
    phases = {}
    for name, phase in PHASES:
        phases[name] = timed(phase, state)
    floors = {"C parse alone": timed(floor, state["texts"], "parse"),
              "CSafeLoader load_all": timed(floor, state["texts"], "load_all")}
    for name, times in {**phases, **floors}.items():
        print(f"{name:<22} {times['wall']:7.3f} s wall {times['cpu']:7.3f} s CPU")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"phases": phases, "floors": floors, "objects": state["report"].objects}, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
