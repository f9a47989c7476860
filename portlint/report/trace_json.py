"""`portlint trace --format json`: the shape documented in issue 3 (and the README), a public contract:

{"target", "ok", "paths": [{"ok", "rendered_from", "hops": [{"type", "object", "port", "ok", "rule", "reason"}]}],
 "findings": [the findings of `portlint check` that the hops claimed]}

`rendered_from`: the kustomization root or chart the path was traced in (null: the raw files).
"""

from __future__ import annotations

import json
from typing import TextIO

from portlint.trace import Trace


def write(trace: Trace, out: TextIO) -> None:
    out.write(json.dumps(trace.to_json(), indent=2, ensure_ascii=False) + "\n")  # one write: see escape.py
