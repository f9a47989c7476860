"""The name syntaxes: the one-match fast path of each agrees with the tests that explain a failure."""

from __future__ import annotations

import itertools

import pytest

from portlint import names

CHECKS = [names.dns1123_label, names.dns1035_label, names.dns1123_subdomain, names.iana_svc_name]


def _slow(check, value: str) -> list[str]:
    """The problems `check` finds with its fast path disabled (a length no name reaches)."""
    limits = {names.dns1123_label: 63, names.dns1035_label: 63, names.dns1123_subdomain: 253}
    if check is names.iana_svc_name:
        problems = []
        if len(value) > 15:
            problems.append("must be no more than 15 characters")
        if not names._IANA_SVC_NAME.fullmatch(value):
            problems.append("must contain only lowercase alphanumeric characters and '-'")
        if "--" in value:
            problems.append("must not contain consecutive hyphens")
        if not names._HAS_LETTER.search(value):
            problems.append("must contain at least one letter")
        if value.startswith("-") or value.endswith("-"):
            problems.append("must not begin or end with a hyphen")
        return problems
    pattern = {names.dns1123_label: names._LABEL_1123, names.dns1035_label: names._LABEL_1035,
               names.dns1123_subdomain: names._SUBDOMAIN_1123}[check]
    return ([] if pattern.fullmatch(value) else ["x"]) + names._too_long(value, limits[check])


def _texts():
    """Every string of up to 4 characters over an alphabet that covers each character class, and long ones."""
    for size in range(5):
        for chars in itertools.product("a1-.A_", repeat=size):
            yield "".join(chars)
    for length in (14, 15, 16, 62, 63, 64, 252, 253, 254):
        yield "a" * length
        yield "1" * length
        yield ("ab." * length)[:length]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_fast_path_agrees_with_the_full_tests(check):
    for value in _texts():
        assert bool(check(value)) == bool(_slow(check, value)), value
        if check is names.iana_svc_name:
            assert check(value) == _slow(check, value), value


def test_a_valid_name_is_never_a_placeholder():
    # objects.py tests names before placeholders: only a name that fails can be an unrendered template
    for value in ("web", "a.b-c", "x" * 63, "0abc"):
        assert not names.dns1123_subdomain(value) and not names.is_placeholder(value)
