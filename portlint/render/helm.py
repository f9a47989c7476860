"""Helm: `helm template` output and chart directories.

`helm template` writes `# Source: CHART/templates/FILE` before each document (and
`CHART/charts/SUB/templates/FILE` for a subchart's). In such output, read from a file or stdin, every
finding keeps its line in the rendered text and names the template it came from (`rendered_from`).
A chart directory is rendered with `helm template` when helm is on PATH (values files from the
config); without helm it gets one `helm-not-rendered` warning, and its files are never read raw.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from bisect import bisect_right
from typing import TYPE_CHECKING

from portlint.findings import Finding
from portlint.loader import Source
from portlint.render.inputs import Chart

if TYPE_CHECKING:
    from portlint.render.paths import Step

SOURCE_COMMENT = re.compile(r"^# Source: (\S.*?)\s*$")  # loader.HELM_SOURCE: the loader looks for its start
TIMEOUT_SECONDS = 120


class TemplateIndex:
    """The `# Source:` comments of one rendered text: which template each line came from."""

    def __init__(self, lines: list[str]) -> None:
        self.starts: list[int] = []
        self.templates: list[str] = []
        for number, line in enumerate(lines, 1):
            match = SOURCE_COMMENT.match(line)
            if match and "/templates/" in f"/{match.group(1)}":
                self.starts.append(number)
                self.templates.append(match.group(1))

    def __bool__(self) -> bool:
        return bool(self.starts)

    def template(self, line: int) -> str | None:
        index = bisect_right(self.starts, line) - 1
        return self.templates[index] if index >= 0 else None


def index_of(source: Source) -> TemplateIndex:
    lines, number = [], 1
    while (line := source.line_text(number)) is not None:
        lines.append(line)
        number += 1
    return TemplateIndex(lines)


def name_templates(findings: list[Finding], sources: dict[str, Source]) -> None:
    """`rendered_from` for findings in `helm template` output (read raw from a file or stdin)."""
    indexes: dict[str, TemplateIndex] = {}
    for finding in findings:
        if finding.rendered_from or finding.file not in sources or not sources[finding.file].helm_sources:
            continue  # a file the loader read without a "# Source:" comment is never read again here
        if finding.file not in indexes:
            indexes[finding.file] = index_of(sources[finding.file])
        template = indexes[finding.file].template(finding.line) if indexes[finding.file] else None
        if template:
            finding.rendered_from = template


def binary(choice: str | None = None) -> str | None:
    return shutil.which(choice or "helm")


def not_rendered(chart: Chart, why: str) -> Finding:
    return Finding(
        "helm-not-rendered",
        f"Helm chart {chart.name} is not rendered ({why}), so its templates are not checked; its Chart.yaml, "
        "values files and templates are chart sources, not manifests",
        "install helm (portlint renders the chart with `helm template`), or check the rendered output: "
        f"helm template RELEASE {chart.shown} | portlint check -",
        file=chart.show_file("Chart.yaml"), line=1, column=1)


def template(chart: Chart, helm: str, values: list[str], namespace: str) -> tuple[str | None, str | None]:
    """(rendered text, None) or (None, helm's message)."""
    command = [helm, "template", chart.name, chart.directory, "--namespace", namespace]
    for path in values:
        command += ["--values", path]
    try:
        done = subprocess.run(command, capture_output=True, timeout=TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, f"helm template did not finish within {TIMEOUT_SECONDS} seconds"
    except OSError as error:
        return None, f"cannot run {helm}: {error.strerror or error}"
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", errors="replace").strip()
        return None, " ".join(message.removeprefix("Error: ").split()) or "helm template failed"
    return done.stdout.decode("utf-8", errors="replace"), None


def template_line(chart: Chart, template_path: str, steps: list[Step]) -> tuple[str, int, int]:
    """(template file, line, column) for a field of a rendered object: the field's keys looked up in
    order in the template's text — exact for fields written out in the template, the nearest key above
    for fields that come from a helper or from `toYaml`."""
    relative = template_path.split("/", 1)[1] if "/" in template_path else template_path
    file = os.path.join(chart.directory, relative)
    try:
        with open(file, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeError):
        return file, 1, 1
    line, column = 1, 1
    current = 0
    for step in steps:
        if step.is_item:
            continue
        pattern = re.compile(r"^(\s*(?:-\s+)?)" + re.escape(str(step.key)) + r"\s*:")
        hit = next((n for n in range(current, len(lines)) if pattern.match(lines[n])), None)
        if hit is None:
            break
        current = hit
        line, column = hit + 1, len(pattern.match(lines[hit]).group(1)) + 1
    return file, line, column
