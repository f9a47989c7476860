"""What the commands share: the exit codes, the output formats, and reading the configuration and the
paths to check. A usage mistake is a UsageError: portlint/cli/__init__.py prints it as one line, exit 2."""

from __future__ import annotations

import os
from enum import Enum
from typing import List, Optional

import typer

from portlint import streams

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 130, 141


class Format(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"
    gitlab = "gitlab"
    junit = "junit"


class Level(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"


class UsageError(Exception):
    """A mistake in how portlint was called: printed as one line, exit 2."""


def configuration(config_file: Optional[str], paths: Optional[List[str]]):
    """The config file in force, and the paths to read: the arguments, else the file's `paths`, else '.'.

    Without --config, the file is the nearest one above the checked paths (their common directory),
    so `portlint check ~/repo/deploy` uses ~/repo's configuration from anywhere."""
    from portlint import config, discovery

    try:
        configured = config.load(config_file, start=config.start_for(list(paths or [])) if paths else None)
    except config.ConfigError as error:
        raise UsageError(str(error)) from None
    if paths:
        paths = list(paths)
    elif configured.paths() is not None:
        for glob in configured.unmatched_globs():
            streams.say(f"portlint: warning: paths: {glob!r} matches nothing")
        paths = configured.paths()
    else:
        paths = ["."]
    missing = discovery.missing(paths)
    if missing:
        raise UsageError(f"path does not exist: {missing[0]}")
    return configured, paths


def roots(configured, arguments: Optional[List[str]], paths: list[str]) -> list[str]:
    """The directories whose files may be shown: the PATHs given, or for the config file's `paths` the
    file's own directory (a repository's config must not turn portlint on files outside it unsaid)."""
    if arguments or configured.path is None or "paths" not in configured.values:
        return paths
    from portlint.outputs import inside

    base = str(configured.base_dir)
    for path in paths:
        if path != "-" and not inside(path, [base]):
            streams.say(f"portlint: note: {relative(configured.path)}: paths: {path} is outside the directory "
                        "of the configuration file: checked, but its lines are not shown")
    return [base]


def relative(path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def checked(run, *args, **options):
    """`run(*args)`, a check of the manifests; stdin that cannot be read is a usage error."""
    from portlint.loader import StdinError

    try:
        report = run(*args, **options)
    except StdinError as error:
        raise UsageError(str(error)) from None
    for note in getattr(report, "notes", ()):
        streams.say(f"portlint: note: {note}")
    return report


def split_ids(values: Optional[List[str]]) -> list[str]:
    return [item.strip() for value in values or [] for item in value.split(",") if item.strip()]


def refuse_unknown_rules(rule_ids: list[str], option: str) -> None:
    from portlint.catalog import did_you_mean, load_catalog

    unknown = [r for r in rule_ids if r not in load_catalog()]
    if unknown:
        raise UsageError(f"{option}: unknown rule id: {unknown[0]}{did_you_mean(unknown[0])} (see `portlint rules`)")


def kustomize_binary_option():
    """--kustomize-binary, for check and trace alike."""
    return typer.Option(None, "--kustomize-binary", show_default=False, metavar="BIN",
                        help="kustomize, kubectl, or a path to either. [default: kustomize on PATH, else kubectl]")
