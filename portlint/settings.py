"""What a run is asked to do: the options of `portlint check`, from flags and (later) the config file."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_NODE_PORT_RANGE = (30000, 32767)


@dataclass
class Settings:
    namespace: str = "default"
    node_port_range: tuple[int, int] = DEFAULT_NODE_PORT_RANGE
    fail_on: str = "warning"
    select: list[str] = field(default_factory=list)  # empty: every rule
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)  # rule id -> severity override
    cluster_per_path: bool = False


def parse_port_range(text: str) -> tuple[int, int]:
    """`30000-32767` → (30000, 32767); ValueError with a user-facing message otherwise."""
    low, sep, high = text.partition("-")
    if not sep or not low.strip().isdigit() or not high.strip().isdigit():
        raise ValueError(f"expected a range like 30000-32767, got {text!r}")
    first, last = int(low), int(high)
    if not 1 <= first <= last <= 65535:
        raise ValueError(f"expected 1 <= A <= B <= 65535 in the range A-B, got {text!r}")
    return first, last
