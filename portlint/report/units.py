"""`portlint check --show-units`: each apply unit, its files, and why they were grouped or split."""

from __future__ import annotations

import json
from typing import TextIO

from rich.console import Console
from rich.text import Text

from portlint import __version__
from portlint.model import Cluster
from portlint.report.text import safe


def write_text(clusters: list[Cluster], out: TextIO) -> None:
    console = Console(file=out, highlight=False, soft_wrap=True, emoji=False)
    for number, cluster in enumerate(clusters):
        if len(clusters) > 1:
            console.print(Text(f"cluster {number + 1}", style="bold underline"))
        for unit in cluster.units.units:
            console.print(Text(safe(unit.name), style="bold"))
            console.print(Text(safe(f"  {unit.reason}"), style="dim"))
            width = max(len(m.file) for m in unit.members)
            for member in unit.members:
                console.print(Text.assemble(f"    {safe(member.file):<{width}}  ", (safe(member.reason), "dim")))
        console.print(_summary(cluster))
        console.print()


def _summary(cluster: Cluster) -> Text:
    units = cluster.units.units
    files = {m.file for u in units for m in u.members}
    split = {u.name.split(": ", 1)[0] for u in units if ": " in u.name}
    return Text(f"{len(units)} unit{'s' if len(units) != 1 else ''} from {len(files)} file{'s' if len(files) != 1 else ''}"
                f"; {len(split)} director{'ies' if len(split) != 1 else 'y'} split into alternatives")


def to_json(clusters: list[Cluster]) -> dict:
    return {"version": __version__,
            "units": [{"cluster": number, **unit.to_json()}
                      for number, cluster in enumerate(clusters) for unit in cluster.units.units]}


def write_json(clusters: list[Cluster], out: TextIO) -> None:
    json.dump(to_json(clusters), out, indent=2, ensure_ascii=False)
    out.write("\n")
