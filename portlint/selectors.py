"""Label selectors, and the labels a pod will carry once its controller has created it.

A pod template's own labels are known exactly. Controllers add more when they create the pod
(`pod-template-hash`, `statefulset.kubernetes.io/pod-name`, `job-name`, ...): those are known as
a pattern, and a selector that needs one of them *can* match, so it is not reported as dangling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

ANY_VALUE: Callable[[str], bool] = lambda value: True  # noqa: E731  (hash-valued labels)
DIGITS = re.compile(r"[0-9]+")


def suffixed(prefix: str) -> Callable[[str], bool]:
    """Values `<prefix>-<digits>`: StatefulSet pod names, a CronJob's Job names."""
    return lambda value: value.startswith(prefix + "-") and DIGITS.fullmatch(value[len(prefix) + 1:]) is not None


def digits(value: str) -> bool:
    return DIGITS.fullmatch(value) is not None


@dataclass
class PodLabels:
    """The labels of a workload's pods: its template's, and those its controller adds (any value, or a known form)."""

    static: dict[str, str]
    dynamic: dict[str, Callable[[str], bool]] = field(default_factory=dict)

    def has(self, key: str) -> bool:
        return key in self.static or key in self.dynamic

    def can_equal(self, key: str, value: str) -> bool:
        if key in self.static:
            return self.static[key] == value
        check = self.dynamic.get(key)
        return check is not None and check(value)


@dataclass
class Requirement:
    """One entry of a label selector's matchExpressions."""

    key: str
    operator: str  # In, NotIn, Exists, DoesNotExist
    values: tuple[str, ...] = ()

    def matches(self, labels: PodLabels) -> bool:
        if self.operator == "In":
            return any(labels.can_equal(self.key, v) for v in self.values)
        if self.operator == "NotIn":
            # a controller-added value is unknown: it may well be outside the list
            return self.key not in labels.static or labels.static[self.key] not in self.values
        if self.operator == "Exists":
            return labels.has(self.key)
        return not labels.has(self.key)  # DoesNotExist

    def __str__(self) -> str:
        if self.operator in ("Exists", "DoesNotExist"):
            return f"{'!' if self.operator == 'DoesNotExist' else ''}{self.key}"
        return f"{self.key} {self.operator.lower()} ({', '.join(self.values)})"


@dataclass
class LabelSelector:
    """metav1.LabelSelector: matchLabels AND every matchExpression. An empty selector matches everything."""

    match_labels: dict[str, str]
    match_expressions: list[Requirement]

    @property
    def empty(self) -> bool:
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: PodLabels) -> bool:
        return (all(labels.can_equal(k, v) for k, v in self.match_labels.items())
                and all(r.matches(labels) for r in self.match_expressions))

    def __str__(self) -> str:
        parts = [f"{k}={v}" for k, v in self.match_labels.items()] + [str(r) for r in self.match_expressions]
        return ", ".join(parts)


def format_labels(labels: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in labels.items()) or "(none)"
