"""What the input stage decided about the files of a check (render/inputs.py decides it), and whether
there is anything for it to decide.

An input without a kustomization file, a `Chart.yaml` or a file under a `templates/` directory has
no kustomization root and no Helm chart: every file is read raw, and the rendering machinery
(portlint/render) is not even imported, which is a fifth of the start-up of a small check.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from portlint.findings import Finding

if TYPE_CHECKING:
    from portlint.render.inputs import Chart, KustomizeRoot

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
CHART_FILE = "Chart.yaml"
CHART_TEMPLATES = "templates"


@dataclass
class Skipped:
    """A file of the input that is not read as manifests, and why."""

    path: str  # as shown
    reason: str


@dataclass
class Inputs:
    """What the input stage decided; kept on the Report so that `--show-units` can show it."""

    raw_files: list[str] = field(default_factory=list)
    roots: list[KustomizeRoot] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def may_render(files: list[str]) -> bool:
    """Whether the input stage can find a kustomization or a chart among `files` (render/inputs.py's
    plan: a kustomization file, a Chart.yaml, or a template named on its own); when not, it reads
    every file raw."""
    return any(os.path.basename(path) in KUSTOMIZATION_FILES or os.path.basename(path) == CHART_FILE
               or CHART_TEMPLATES in path.split(os.sep)[:-1] for path in files)
