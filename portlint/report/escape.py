"""What every line portlint prints goes through, whatever the format: nothing that a manifest or a
file name holds can speak to the CI that runs portlint, or to the terminal that shows it.

- GitHub Actions reads workflow commands from every line of a step's output, stdout and stderr
  alike (actions/runner, ActionCommand.TryParseV2 and TryParse): a line whose text, after leading
  white space, starts with `::` (`::error file=…::`, `::add-mask::`, `::stop-commands::`), and the
  older `##[command]…` anywhere in a line. The text formats print file names and manifest values at
  the start of lines, so such a line is neutralised: its first ':' is escaped, as is the '[' of every
  `##[`. (`--format github` writes its own commands and escapes what they carry: see github.py.)
- Unicode's bidirectional controls (U+202A–U+202E, U+2066–U+2069) and the other invisible format
  characters reorder or hide what is shown ("Trojan Source"): each is escaped as `\\uXXXX`.
- A file name that is not UTF-8 reaches Python as lone surrogates (byte 0xff is U+DCFF): it is
  shown as `\\xff`, so no output ever holds an unencodable character.
- On an output whose encoding cannot carry a character (an ASCII terminal, LANG=C), portlint's own
  glyphs become ASCII (`│` → `|`, `✓` → `+`) and anything else an escape.

Each escape is written in the syntax of the output it lands in: in JSON an escape inside a string
(same value: `\\u202e`), in XML a character reference (`&#x202e;`), so the output stays valid and
means the same.
"""

from __future__ import annotations

import codecs
import io
import re
from typing import Callable, TextIO

# bidi embeddings, overrides, isolates and marks; zero-width and other invisible format characters;
# line and paragraph separators; lone surrogates
_HIDDEN = re.compile("[\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ud800-\udfff]")
# a line start (after CR or LF: the runner splits lines at both), then white space and terminal
# escape sequences, then '::'
_COMMAND_START = re.compile(r"(?:(?<=[\r\n])|^)((?:[^\S\r\n]|\x1b\[[0-9;?]*[ -/]*[@-~])*)::")
_PREFIX = re.compile(r"(?:[^\S\r\n]|\x1b\[[0-9;?]*[ -/]*[@-~])*")
_LEGACY_COMMAND = "##["
# portlint's own glyphs, for outputs that cannot encode them
ASCII_GLYPHS = {"│": "|", "├": "|", "└": "`", "─": "-", "✓": "+", "✗": "x", "⚠": "!", "·": "-", "→": "->",
                "←": "<-", "≤": "<=", "≥": ">=", "—": "--", "–": "-", "…": "...", "×": "x", "✔": "+"}


def _text_escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, as os.fsdecode gives it
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x80:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _json_escape(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:  # not a character: JSON cannot carry it, so its text, escaped
        return "\\" + _text_escape(char)
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def _xml_escape(char: str) -> str:
    code = ord(char)
    return _text_escape(char) if 0xD800 <= code <= 0xDFFF else f"&#x{code:x};"


class Dialect:
    """How an escape is written in one kind of output."""

    def __init__(self, name: str, escape: Callable[[str], str], colon: str | None, glyphs: bool = False):
        self.name, self.escape, self.colon, self.glyphs = name, escape, colon, glyphs
        self.errors = f"portlint-{name}"  # the codec error handler for characters the output cannot encode
        codecs.register_error(self.errors, self._unencodable)

    def clean(self, text: str, at_line_start: bool = True) -> str:
        """`text` with hidden characters escaped and workflow commands neutralised."""
        if _HIDDEN.search(text):
            text = _HIDDEN.sub(lambda match: self.escape(match.group()), text)
        if _LEGACY_COMMAND in text:
            text = text.replace(_LEGACY_COMMAND, "##" + self.escape("["))
        if self.colon and "::" in text:
            if at_line_start:
                text = _COMMAND_START.sub(lambda match: match.group(1) + self.colon + ":", text)
            else:  # the text continues a line already written: its start is not a line start
                text = _COMMAND_START.sub(lambda match: match.group(1) + self.colon + ":", "x" + text)[1:]
        return text

    def _unencodable(self, error: UnicodeError):
        if not isinstance(error, UnicodeEncodeError):
            raise error
        chunk = error.object[error.start:error.end]
        return "".join((self.glyphs and ASCII_GLYPHS.get(c)) or self.escape(c) for c in chunk), error.end


TEXT = Dialect("text", _text_escape, colon="\\x3a", glyphs=True)
GITHUB = Dialect("github", _text_escape, colon=None)  # every line is a command of portlint's own
JSON = Dialect("json", _json_escape, colon=None)  # a JSON line never starts inside a string
XML = Dialect("xml", _xml_escape, colon="&#58;")


def ascii_json(text: str) -> str:
    """JSON text (from json.dumps(..., ensure_ascii=False)) as ASCII, every other character an escape:
    unlike ensure_ascii=True, bytes that are not UTF-8 become text, never lone surrogate escapes."""
    return JSON.clean(text).encode("ascii", JSON.errors).decode("ascii")


def undecodable_as_text(text: str) -> str:
    """`text` with the bytes that were not UTF-8 (lone surrogates) written as \\xNN: a key that
    stays the same when written to JSON and read back."""
    return _SURROGATE.sub(lambda match: _text_escape(match.group()), text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def one_line(text: str) -> str:
    """A message for stderr: control characters (line breaks among them) escaped, then cleaned."""
    return TEXT.clean(_CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text))


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class ReaderGone(Exception):
    """The reader of the output went away (a broken pipe). Not an OSError, so that no renderer
    in between (rich exits 1 on one) takes it for its own."""


class GuardedStream(io.TextIOBase):
    """A text stream that cleans each line in `dialect` before it reaches `inner`.

    Lines are cleaned whole: a partial line is held back until the rest of it, or at least
    enough of its start to decide whether it would start a workflow command, has been written.
    Each write costs a little Python: write a report in few large pieces (json.dumps, not json.dump,
    whose thousands of small writes would double its time)."""

    BUFFER = 1 << 16  # whole lines are passed on in blocks of about this many characters

    def __init__(self, inner: TextIO, dialect: Dialect = TEXT):
        super().__init__()
        self.inner, self.dialect = inner, dialect
        self._parts: list[str] = []
        self._size = 0
        self._mid_line = False  # part of the current line has been written

    def write(self, text: str) -> int:
        self._parts.append(text)
        self._size += len(text)
        if self._size >= self.BUFFER and "\n" in text:
            pending = "".join(self._parts)
            cut = pending.rfind("\n") + 1
            self._emit(pending[:cut])
            self._parts = [pending[cut:]] if cut < len(pending) else []
            self._size = len(pending) - cut
        return len(text)

    def flush(self) -> None:
        if self._parts:
            pending = "".join(self._parts)
            ready = self._ready(pending)
            self._emit(pending[:ready])
            self._parts = [pending[ready:]] if ready < len(pending) else []
            self._size = len(pending) - ready
        self._flush_inner()

    def finish(self) -> None:
        """Write whatever is held back: the output ends here."""
        if self._parts:
            self._emit("".join(self._parts))
            self._parts, self._size = [], 0
        self._flush_inner()

    def _flush_inner(self) -> None:
        try:
            self.inner.flush()
        except BrokenPipeError:
            raise ReaderGone() from None

    def _ready(self, pending: str) -> int:
        """How much of what is pending can be cleaned now: its whole lines, and of a partial last line
        nothing while its start is undecided (white space, a terminal escape or one ':'), and never a
        trailing '#' that the next write could make a `##[`."""
        cut = pending.rfind("\n") + 1
        partial = pending[cut:]
        start = _PREFIX.match(partial).end()
        if (cut or not self._mid_line) and (len(partial) - start < 2 or partial[start] == "\x1b"):
            return cut
        return cut + len(partial.rstrip("#"))

    def _emit(self, text: str) -> None:
        if text:
            try:
                self.inner.write(self.dialect.clean(text, at_line_start=not self._mid_line))
            except BrokenPipeError:
                raise ReaderGone() from None
            self._mid_line = not text.endswith(("\n", "\r"))

    def isatty(self) -> bool:
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self.inner, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str:
        return self.dialect.errors

    def writable(self) -> bool:
        return True


def guard(inner: TextIO, dialect: Dialect = TEXT) -> GuardedStream:
    """`inner` behind a GuardedStream; a standard stream is also set to escape what it cannot encode."""
    reconfigure = getattr(inner, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors=dialect.errors)
        except (ValueError, io.UnsupportedOperation):
            pass
    return GuardedStream(inner, dialect)
