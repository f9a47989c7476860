"""What a run is asked to do: the options of `portlint check`, from flags and the config file."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_NODE_PORT_RANGE = (30000, 32767)


@dataclass
class Settings:
    """What one run checks and how: the configuration and the command line's options, merged."""

    namespace: str = "default"
    node_port_range: tuple[int, int] = DEFAULT_NODE_PORT_RANGE
    fail_on: str = "warning"
    select: list[str] = field(default_factory=list)  # empty: every rule
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)  # rule id -> severity override
    cluster_per_path: bool = False
    exclude: list[str] = field(default_factory=list)  # gitignore-style globs skipped while walking directories
    # configured apply units: a glob (each path it matches is one unit) or a list of globs (one unit)
    units: list = field(default_factory=list)
    base_dir: str = "."  # what `exclude` globs with a '/' are relative to: the config file's directory
    gitignore: bool = True  # also skip what .gitignore files ignore (inside a git repository)
    render: bool = True  # render kustomize roots and Helm charts (false: read them raw)
    kustomize_binary: str | None = None  # kustomize, kubectl or a path; default: kustomize on PATH, else kubectl
    helm_binary: str | None = None  # default: helm on PATH
    helm_values: list[str] = field(default_factory=list)  # values files for `helm template`
    stdin_filename: str | None = None  # the name findings from stdin carry
    # a --fix/--diff session follows the check: keep what its re-checks take over (model/answers.py,
    # similar.near_misses); a plain check drops each answer once used, which keeps its peak memory down
    rechecks: bool = False
    # the directories whose files may be shown and changed: the PATHs given, or the config file's
    # directory for its `paths` (None: the PATHs checked)
    roots: list[str] | None = None
    ingress_controller_pods: dict | None = None  # {namespace, labels}: the source of Ingress traffic in trace
    gateway_controller_pods: dict | None = None  # {namespace, labels}: the source of Gateway traffic in trace


def parse_port_range(text: str) -> tuple[int, int]:
    """The forms kube-apiserver's --service-node-port-range takes (apimachinery's PortRange):
    `30000-32767`, `30000+2767` (base and size) and a single port `30000`. ValueError otherwise."""
    text = text.strip()
    for separator in ("-", "+"):
        low, sep, high = text.partition(separator)
        if sep:
            break
    numbers = (low, high) if sep else (text,)
    if not all(n.strip().isascii() and n.strip().isdigit() for n in numbers):
        raise ValueError(f"expected a range like 30000-32767 (or 30000+2767, or one port), got {text[:40]!r}")
    if any(len(n.strip().lstrip("0")) > 5 for n in numbers):  # (int() refuses 4,300 digits, in its own words)
        raise ValueError(f"expected 1 <= A <= B <= 65535 in the range A-B, got {text[:40]!r}")
    first = int(low.strip().lstrip("0") or "0")
    size_or_last = int(high.strip().lstrip("0") or "0") if sep else first
    last = first + size_or_last if sep == "+" else size_or_last
    if not 1 <= first <= last <= 65535:
        raise ValueError(f"expected 1 <= A <= B <= 65535 in the range A-B, got {text!r}")
    return first, last
