"""The configuration file: `.portlint.yaml` or `[tool.portlint]` in pyproject.toml, found from the
current directory upwards (or named with --config), validated against schemas/config.schema.json.

Every problem is a ConfigError whose text is one line naming the file and the key; the CLI turns
it into exit 2. Paths and globs in the file are relative to the file's directory.

The file is read within the limits of any input (limits.py): a regular file of at most 32 MiB, nested
at most 1,000 levels; YAML goes through the manifests' own loader, with its alias limit. The values
it quotes in a message are cut short.
"""

from __future__ import annotations

import json
import os
import re
import reprlib
from dataclasses import dataclass, field
from pathlib import Path

from portlint.limits import Refused, nesting_refusal, read_file
from portlint.resources import data_dir
from portlint.schema_errors import iter_errors
from portlint.settings import Settings, parse_port_range

CONFIG_NAME = ".portlint.yaml"
PYPROJECT = "pyproject.toml"
KEY_PROBLEMS = {  # what a failed `pattern` means, per key
    "namespace": "is not a DNS-1123 label (lowercase letters, digits and '-', at most 63)",
    "node-port-range": "is not a range like 30000-32767",
    "select": "is not a rule id",
    "ignore": "is not a rule id",
    "severity": "is not a rule id",
}


SCHEMA_TYPES = {"array": "a list", "string": "a string", "boolean": "true or false", "object": "a mapping"}


class ConfigError(Exception):
    """A configuration file that cannot be used: one line, naming the file and the key."""


@dataclass
class Config:
    """The configuration file in force (pyproject.toml's [tool.portlint] or .portlint.yaml) and its values."""

    path: Path | None = None  # None: no configuration file was found
    values: dict = field(default_factory=dict)  # validated; node-port-range parsed to a tuple

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def paths(self) -> list[str] | None:
        """The configured `paths`, as paths from the current directory; a glob gives what it matches
        (in order; nothing when it matches nothing)."""
        if "paths" not in self.values:
            return None
        from portlint import globs

        found = []
        for entry in self.values["paths"]:
            if globs.is_glob(entry):
                found += [_from_cwd(Path(p)) for p in globs.expand(entry, str(self.base_dir))]
            else:
                found.append(_from_cwd(self.base_dir / entry))
        return found

    def unmatched_globs(self) -> list[str]:
        """The `paths` globs that match no file or directory."""
        from portlint import globs

        return [entry for entry in self.values.get("paths", ())
                if globs.is_glob(entry) and not globs.expand(entry, str(self.base_dir))]

    def settings(self, *, namespace: str | None = None, node_port_range: tuple[int, int] | None = None,
                 fail_on: str | None = None, select: list[str] = (), ignore: list[str] = (),
                 cluster_per_path: bool | None = None, gitignore: bool | None = None,
                 render: bool | None = None, kustomize_binary: str | None = None,
                 stdin_filename: str | None = None) -> Settings:
        """The run's settings: each command-line value that was given (not None/empty), else the file's, else
        the default. --select replaces the file's `select`; --ignore adds to its `ignore`; a rule named in
        --select runs even when the file ignores it."""
        values, default = self.values, Settings()
        return Settings(
            namespace=namespace or values.get("namespace", default.namespace),
            node_port_range=node_port_range or values.get("node-port-range", default.node_port_range),
            fail_on=fail_on or values.get("fail-on", default.fail_on),
            select=list(select) or list(values.get("select", [])),
            ignore=list(ignore) + [rule for rule in values.get("ignore", []) if rule not in select],
            severity=dict(values.get("severity", {})),
            cluster_per_path=values.get("cluster-per-path", False) if cluster_per_path is None else cluster_per_path,
            exclude=list(values.get("exclude", [])),
            units=list(values.get("units", [])),
            base_dir=str(self.base_dir),
            gitignore=values.get("gitignore", default.gitignore) if gitignore is None else gitignore,
            render=values.get("render", default.render) if render is None else render,
            kustomize_binary=kustomize_binary or values.get("kustomize", {}).get("binary"),
            helm_binary=values.get("helm", {}).get("binary"),
            helm_values=[str(self.base_dir / p) for p in values.get("helm", {}).get("values", [])],
            stdin_filename=stdin_filename,
            ingress_controller_pods=values.get("ingress-controller-pods"),
            gateway_controller_pods=values.get("gateway-controller-pods"),
        )


def load(explicit: str | None = None, start: Path | None = None) -> Config:
    """The file named by --config, else the nearest one above `start` (default: the cwd), else no configuration."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"--config: no such file: {explicit}")
        table = _read(path)
        if table is None:
            raise ConfigError(f"{explicit}: has no [tool.portlint] table")
        return Config(path, _validate(table, explicit))
    found = discover(start or Path.cwd())
    if found is None:
        return Config()
    path, table = found
    return Config(path, _validate(table, _from_cwd(path)))


def discover(start: Path) -> tuple[Path, dict] | None:
    """The nearest directory (start, then its parents) with .portlint.yaml or a pyproject.toml that has [tool.portlint]."""
    for directory in [start, *start.resolve().parents]:
        for name in (CONFIG_NAME, PYPROJECT):
            path = directory / name
            if path.is_file():
                table = _read(path)
                if table is not None:
                    return path, table
    return None


def start_for(paths: list[str]) -> Path:
    """Where to look for the configuration of a run on `paths`: their nearest common directory (a
    file's own directory), as ruff finds it from the files it checks; the cwd for stdin or no paths."""
    directories = [os.path.abspath(p if os.path.isdir(p) else os.path.dirname(p) or ".")
                   for p in paths if p != "-"]
    if not directories:
        return Path.cwd()
    try:
        return Path(os.path.commonpath(directories))
    except ValueError:  # different drives on Windows
        return Path.cwd()


def _read(path: Path) -> dict | None:
    """The raw settings in `path`; None for a pyproject.toml without [tool.portlint]."""
    shown = _from_cwd(path)
    try:
        text = read_file(str(path)).decode("utf-8")
    except Refused as refused:
        raise ConfigError(f"{shown}: {refused}; refused") from None
    except (OSError, UnicodeError) as error:
        raise ConfigError(f"{shown}: cannot read: {getattr(error, 'strerror', None) or error}") from None
    if path.suffix == ".toml":
        return _toml_table(text, shown)
    return _yaml_settings(text, shown)


def _yaml_settings(text: str, shown: str) -> object:
    """The one YAML document of a settings file, read by the manifests' loader (so with its limits)."""
    from portlint import loader

    result = loader.load_text(text, shown)
    problem = next((f for f in result.findings if f.rule != "file-empty"), None)
    if problem is not None and problem.rule == "manifest-invalid":  # a list or a scalar
        kind = re.search(r" is (an? \w+)", problem.message)
        raise ConfigError(f"{shown}: expected a mapping of settings, got {kind.group(1) if kind else 'something else'}")
    if problem is not None:
        what = "invalid YAML" if problem.rule == "yaml-syntax-error" else "YAML"
        raise ConfigError(f"{shown}: {what} at line {problem.line}: {problem.message}")
    if len(result.documents) > 1 or any(d.path_prefix for d in result.documents):
        raise ConfigError(f"{shown}: expected one mapping of settings, found more than one YAML document")
    return result.documents[0].data if result.documents else {}


def _toml_table(text: str, shown: str) -> dict | None:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    too_deep = nesting_refusal(text, "toml")
    if too_deep:
        raise ConfigError(f"{shown}: invalid TOML: {too_deep}; refused")
    try:
        document = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError) as error:  # ValueError: an integer of over 4,300 digits
        raise ConfigError(f"{shown}: invalid TOML: {error}") from None
    tool = document.get("tool")
    return tool.get("portlint") if isinstance(tool, dict) else None


def _validate(values: object, shown: str) -> dict:
    from portlint.catalog import did_you_mean, load_catalog

    schema = json.loads((data_dir("schemas") / "config.schema.json").read_text(encoding="utf-8"))
    errors = sorted(iter_errors(schema, values), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise ConfigError(f"{shown}: {_describe(errors[0], schema)}")
    catalog = load_catalog()
    for key in ("select", "ignore", "severity"):
        unknown = [rule for rule in values.get(key, ()) if rule not in catalog]
        if unknown:
            raise ConfigError(f"{shown}: {key}: unknown rule id {unknown[0]!r}{did_you_mean(unknown[0])} "
                              "(see `portlint rules`)")
    values = dict(values)
    if "node-port-range" in values:
        try:
            values["node-port-range"] = parse_port_range(values["node-port-range"])
        except ValueError as error:
            raise ConfigError(f"{shown}: node-port-range: {error}") from None
    return values


def _describe(error, schema: dict) -> str:
    """One schema error as `key: problem`."""
    path = list(error.absolute_path)
    key = ".".join(map(str, path))
    if error.validator == "type" and not path:
        return f"expected a mapping of settings, got {_type_name(error.instance)}"
    if error.validator == "additionalProperties":
        unknown = sorted(str(key) for key in error.instance if key not in schema["properties"])[0]
        hint = _closest(unknown, schema["properties"])
        suggestion = f" (did you mean {hint!r}?)" if hint else ""
        return f"unknown key {_shown(unknown)}{suggestion}; known keys: {', '.join(schema['properties'])}"
    if error.validator == "propertyNames":
        return f"{key}: {_shown(error.instance)} is not a rule id"
    if error.validator == "type":
        wanted = SCHEMA_TYPES.get(error.validator_value, error.validator_value)
        return f"{key}: expected {wanted}, got {_type_name(error.instance)} {_shown(error.instance)}"
    if error.validator == "enum":
        return f"{key}: {_shown(error.instance)} is not one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "pattern":
        return f"{key}: {_shown(error.instance)} {KEY_PROBLEMS.get(str(path[0]), 'has the wrong format')}"
    if error.validator == "maxLength":
        return f"{key}: {_shown(error.instance)} is longer than {error.validator_value} characters"
    if error.validator in ("minItems", "minLength"):
        return f"{key}: {_shown(error.instance)} should be non-empty"
    if error.validator == "uniqueItems":
        return f"{key}: lists a value twice"
    return f"{key}: {_shown(error.instance)}: {error.validator} {_shown(error.validator_value)} not met"


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlist = _REPR.maxdict = _REPR.maxtuple = 6
_REPR.maxlevel = 3


def _shown(value: object) -> str:
    """A value from the file, as repr shows it, cut short: a message stays one readable line."""
    return _REPR.repr(value)


def _closest(word: str, known) -> str | None:
    from portlint.similar import similar

    return next((name for name in known if similar(word, name) or word.replace("_", "-") == name), None)


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "nothing (null)"
    return "a list" if isinstance(value, list) else "a mapping"


def _from_cwd(path: Path) -> str:
    """`path` as the user would type it from the current directory (relative when below or beside it)."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
