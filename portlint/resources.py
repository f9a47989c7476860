"""Where the rule catalog and the JSON Schemas live: beside the package when installed, at the repo root in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_INSTALLED = _PACKAGE / "_data"
_CHECKOUT = _PACKAGE.parent


def data_dir(name: str) -> Path:
    """`rules` or `schemas`."""
    installed = _INSTALLED / name
    return installed if installed.is_dir() else _CHECKOUT / name
