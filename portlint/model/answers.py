"""Answers that rules share on one Cluster (`Cluster.answers`), and that a re-check takes over from the check
before it (`Cluster.previous`, set by recheck.py) when they were computed from the same inputs.

An answer is stored with its inputs: the model objects (and other values, such as the apply units) it was
computed from, compared by identity. A re-check reuses the model object of every document it did not parse
again, so an answer whose inputs are all the same objects as before is the answer the check before gave,
as long as `compute` reads nothing but them: each caller says why it does not.
"""

from __future__ import annotations

from typing import Callable, Hashable, Iterator, TypeVar

from portlint.findings import Finding

T = TypeVar("T")


def answer(cluster, name: str, key: Hashable, inputs: tuple, compute: Callable[[], T]) -> T:
    """`compute()`, once per cluster and key; in a re-check, the previous check's answer for `key` when it
    was computed from the same `inputs` (element by element, the same objects)."""
    answers = cluster.answers.setdefault(name, {})
    found = answers.get(key)
    if found is not None:
        return found[1]
    before = cluster.previous.get(name, {}).get(key) if cluster.previous is not None else None
    value = before[1] if before is not None and _same(before[0], inputs) else compute()
    answers[key] = (inputs, value)
    return value


def findings(cluster, name: str, key: Hashable, inputs: tuple, compute: Callable[[], Iterator[Finding]]) -> list[Finding]:
    """`answer` for a list of findings: kept as copies, and handed out as copies, since what is reported is
    changed afterwards (severity, suppression, relocation, fix). A cluster that no re-check follows asks once per
    key and keeps nothing: the copies would only add to its peak memory."""
    if not cluster.keeps_answers:
        return list(compute())
    kept = answer(cluster, name, key, inputs, lambda: [finding.copy() for finding in compute()])
    return [finding.copy() for finding in kept]


def _same(before: tuple, now: tuple) -> bool:
    return len(before) == len(now) and all(a is b for a, b in zip(before, now))
