"""What a fix is: the edits that resolve one finding, how safe they are, and what they touch."""

from __future__ import annotations

from dataclasses import dataclass, field

from portlint.loader import Mapping


@dataclass(frozen=True)
class ReplaceValue:
    """Replace the scalar value of the mapping key that starts at `line`:`column` of `file` (1-based).

    `old` is the value the loader read: the edit applies only while the file still holds it there.
    The new value is spliced into the text in the old value's quoting style; nothing else moves.
    """

    file: str
    line: int
    column: int
    old: object
    new: str | int

    @classmethod
    def at(cls, file: str, mapping: Mapping, key: str, new: str | int) -> "ReplaceValue | None":
        """The edit of `mapping[key]`, or None when the key was merged in from an anchor (`<<: *base`):
        its text sits in the anchored mapping, and changing it there would change every user of it."""
        line, column = mapping.position(key)
        if key not in mapping or (line, column) < (mapping.line, mapping.column):
            return None
        return cls(file, line, column, mapping[key], new)


@dataclass(frozen=True)
class Migrate:
    """Convert the manifest whose `apiVersion` key starts at `line`:`column` of `file` to `api_version`.

    `conversion` names the structural change (fixes/conversions.py CONVERSIONS): the apiVersion
    value is spliced like a ReplaceValue, the restructured fields come from ruamel.yaml's round
    trip, merged into the original text line by line (fixes/migrate.py).
    """

    file: str
    line: int
    column: int
    old: str
    api_version: str
    conversion: str


Edit = ReplaceValue | Migrate


@dataclass(eq=False)
class Fix:
    """The fix of one finding. `fields` are the JSON paths (in the manifest) of the parts it changes:
    the element that holds the value (one Service port, one probe handler, one backend, the
    selector), or the whole manifest for a migration. A finding that appears in one of them after
    the fix is blamed on the fix, which is then not written."""

    safe: bool
    summary: str
    edits: tuple[Edit, ...]
    fields: tuple[str, ...] = field(default=("",))

    def to_json(self) -> dict:
        return {"safe": self.safe, "summary": self.summary}

    @property
    def files(self) -> set[str]:
        return {edit.file for edit in self.edits}

    @property
    def moves_fields(self) -> bool:
        """A migration moves fields (serviceName → service.name): the findings on its object are then
        told apart by rule, not by field."""
        return any(isinstance(edit, Migrate) for edit in self.edits)
