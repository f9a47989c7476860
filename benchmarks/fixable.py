"""A copy of a generated tree with a few hundred mistakes that `portlint check --fix` repairs.

    python benchmarks/fixable.py TREE OUT [--count 300] [--seed 14]

Each mistake is one textual change in its own file, of four kinds in turn: a Service selector
value in capitals (service-selector-no-match), a probe's port name with two letters swapped
(probe-port-unresolved), a targetPort name with a letter dropped
(service-target-port-name-unresolved), a Deployment moved back to apps/v1beta2 (deprecated-api).
Each has exactly one right answer, which is what the generated application had.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
from pathlib import Path

# (name, file name, pattern, replacement): the first match in the file is changed
KINDS = [
    ("service-selector-no-match", "service.yaml", re.compile(r"(  selector:\n    app: )([a-z]+-\d+)\n"),
     lambda m: m.group(1) + m.group(2).upper() + "\n"),
    ("probe-port-unresolved", "deployment.yaml", re.compile(r"(readinessProbe:\n +httpGet:\n +path: /ready\n +port: )http\n"),
     lambda m: m.group(1) + "htpp\n"),
    ("service-target-port-name-unresolved", "service.yaml", re.compile(r"(\n    targetPort: )http\n"),
     lambda m: m.group(1) + "htp\n"),
    ("deprecated-api", "deployment.yaml", re.compile(r"^apiVersion: apps/v1\n(?=kind: Deployment\n)"),
     lambda m: "apiVersion: apps/v1beta2\n"),
]


def inject(tree: Path, out: Path, count: int = 300, seed: int = 14) -> dict[str, int]:
    """Copy `tree` to `out` and make `count` mistakes there, each in a file of its own."""
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(tree, out)
    rng = random.Random(seed)
    candidates = {name: sorted(out.rglob(file_name)) for _, file_name, _, _ in KINDS for name in [file_name]}
    for files in candidates.values():
        rng.shuffle(files)
    used: set[Path] = set()
    made = {rule: 0 for rule, _, _, _ in KINDS}
    for number in range(count):
        rule, file_name, pattern, replace = KINDS[number % len(KINDS)]
        for path in candidates[file_name]:
            if path in used:
                continue
            text = path.read_text()
            changed = pattern.sub(replace, text, count=1)
            if changed != text:
                path.write_text(changed)
                used.add(path)
                made[rule] += 1
                break
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    made = inject(args.tree, args.out, args.count, args.seed)
    print(f"{args.out}: {sum(made.values())} mistakes: {made}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
