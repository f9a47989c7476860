"""`portlint check --show-units`: each apply unit, its files, and why they were grouped or split.

Kustomization roots and Helm charts are rendered and checked as clusters of their own (see
portlint/render/): they are listed first, with the files their build reads; then the apply units of
the files read as they are.
"""

from __future__ import annotations

import json
from typing import TextIO

from rich.console import Console
from rich.text import Text

from portlint import __version__
from portlint.model import ApplyUnit, Cluster
from portlint.render import Inputs
from portlint.report.text import safe

KUSTOMIZE_REASON = "a kustomization root: kustomize renders it, and its output is checked as a cluster of its own"
CHART_REASON = "a Helm chart: helm template renders it, and its output is checked as a cluster of its own"


def rendered_units(inputs: Inputs) -> list[dict]:
    """The roots and charts of the input stage, in the JSON form of a unit."""
    found = [{"name": root.shown, "reason": KUSTOMIZE_REASON,
              "files": [{"path": root.show(f), "reason": "read by the build"} for f in root.inputs]}
             for root in inputs.roots]
    found += [{"name": chart.shown, "reason": CHART_REASON,
               "files": [{"path": chart.show(f), "reason": "a source of the chart"} for f in chart.inputs]}
              for chart in inputs.charts]
    return found


def write_text(groups: list[tuple[Cluster, Inputs]], out: TextIO) -> None:
    console = Console(file=out, highlight=False, soft_wrap=True, emoji=False)
    for number, (cluster, inputs) in enumerate(groups):
        if len(groups) > 1:
            console.print(Text(f"cluster {number + 1}", style="bold underline"))
        for unit in rendered_units(inputs) + [u.to_json() for u in cluster.units.units]:
            _print_unit(console, unit)
        for skipped in inputs.skipped:
            console.print(Text.assemble("not read: ", safe(skipped.path), "  ", (safe(skipped.reason), "dim")))
        console.print(_summary(cluster.units.units, inputs))
        console.print()


def _print_unit(console: Console, unit: dict) -> None:
    console.print(Text(safe(unit["name"]), style="bold"))
    console.print(Text(safe(f"  {unit['reason']}"), style="dim"))
    width = max((len(f["path"]) for f in unit["files"]), default=0)
    for member in unit["files"]:
        console.print(Text.assemble(f"    {safe(member['path']):<{width}}  ", (safe(member["reason"]), "dim")))


def _summary(units: list[ApplyUnit], inputs: Inputs) -> Text:
    files = {m.file for u in units for m in u.members}
    split = {u.name.split(": ", 1)[0] for u in units if ": " in u.name}
    rendered = len(inputs.roots) + len(inputs.charts)
    text = (f"{len(units)} unit{'s' if len(units) != 1 else ''} from {len(files)} file{'s' if len(files) != 1 else ''}"
            f"; {len(split)} director{'ies' if len(split) != 1 else 'y'} split into alternatives")
    if rendered:
        text += f"; {rendered} rendered as clusters of their own"
    return Text(text)


def to_json(groups: list[tuple[Cluster, Inputs]]) -> dict:
    units = []
    for number, (cluster, inputs) in enumerate(groups):
        units += [{"cluster": number, "rendered": True, **unit} for unit in rendered_units(inputs)]
        units += [{"cluster": number, "rendered": False, **unit.to_json()} for unit in cluster.units.units]
    skipped = [{"cluster": number, "path": s.path, "reason": s.reason}
               for number, (_cluster, inputs) in enumerate(groups) for s in inputs.skipped]
    return {"version": __version__, "units": units, "skipped": skipped}


def write_json(groups: list[tuple[Cluster, Inputs]], out: TextIO) -> None:
    json.dump(to_json(groups), out, indent=2, ensure_ascii=False)
    out.write("\n")
