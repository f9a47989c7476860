"""Nothing a manifest or a file name holds can speak to the CI or the terminal: in no format does an
output line start a GitHub workflow command, no bidi control or invisible character is printed raw,
names that are not UTF-8 give valid JSON, SARIF and JUnit, and an ASCII-only stdout is no error."""

import json
import os
import re
import xml.etree.ElementTree as ET

import pytest
from jsonschema import Draft4Validator

from conftest import ROOT, run_portlint

SARIF_SCHEMA = ROOT.parent / "shared" / "data" / "sarif-schema-2.1.0.json"
FORGED = "::error file=forged.yaml,line=1::forged"
HIDDEN = re.compile("[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")
MANIFEST = """\
apiVersion: v1
kind: Service
metadata:
  name: "::error file=forged.yaml,line=1::forged by a name"
  namespace: "ns\\u202eevil"
spec:
  type: NodePort
  selector: {app: "web\\n::warning file=a::forged by a selector\\r::notice::by a CR\\n##[error]legacy\\u2066"}
  ports:
    - name: "::add-mask::x"
      port: 80
      targetPort: "::set-output name=a::b"
      nodePort: 30080
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: "##[error]ingress", namespace: "ns\\u202eevil"}
spec:
  rules:
    - host: "evil.example.com"
      http:
        paths:
          - {path: "/\\n::error::forged by a path", pathType: Prefix,
             backend: {service: {name: "svc\\u2028::error::x", port: {number: 80}}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: other, namespace: "ns\\u202eevil"}
spec:
  selector: {matchLabels: {app: other}}
  template:
    metadata: {labels: {app: other}}
    spec: {containers: [{name: other, image: nginx}]}
"""
FILE_NAMES = [
    FORGED.encode() + b" by a file name.yaml",
    b"newline\n::notice::forged by a file name.yaml",
    b"  ::warning::indented.yaml",
    b"##[error]legacy file.yaml",
    "bidi-\u202eyaml.txt.yaml".encode(),
    b"not-utf8-\xff\xfe.yaml",
]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    for name in FILE_NAMES:
        with open(os.path.join(os.fsencode(root), name), "wb") as handle:
            handle.write(MANIFEST.encode())
    return root


def _lines(text: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", text)


def _assert_speaks_no_command(output: bytes, commands_allowed: int = 0) -> str:
    text = output.decode("utf-8")  # valid UTF-8, whatever the file names were
    starts = [line for line in _lines(text) if line.lstrip().startswith("::")]  # the runner's TrimStart
    assert len(starts) == commands_allowed, starts
    assert "##[" not in text
    assert not HIDDEN.search(text), HIDDEN.findall(text)
    return text


RUNS = {
    "text": ["check", "-f", "text", "--show-suppressed", "."],
    "text of files named": ["check", *FILE_NAMES],  # no ./ before the names: a line starts with each
    "json": ["check", "-f", "json", "--show-suppressed", "."],
    "sarif": ["check", "-f", "sarif", "."],
    "junit": ["check", "-f", "junit", "."],
    "gitlab": ["check", "-f", "gitlab", "."],
    "statistics": ["check", "--statistics", "."],
    "statistics json": ["check", "--statistics", "-f", "json", "."],
    "trace text": ["trace", "--all", "."],
    "trace json": ["trace", "--all", "-f", "json", "."],
    "trace mermaid": ["trace", "--all", "-f", "mermaid", "."],
    "trace dot": ["trace", "--all", "-f", "dot", "."],
    "trace target": ["trace", "http://evil.example.com/\n::error::x", *FILE_NAMES],
}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_no_line_of_any_format_starts_a_workflow_command(hostile, name):
    result = run_portlint(*RUNS[name], cwd=hostile)
    assert result.returncode == 1, result.stderr
    text = _assert_speaks_no_command(result.stdout)
    _assert_speaks_no_command(result.stderr)
    if name in ("json", "sarif", "gitlab", "trace json"):
        document = json.loads(text)
        assert "ns\u202eevil" in json.dumps(document, ensure_ascii=False)  # escaped on the wire, exact in the value
    if name == "statistics json":
        json.loads(text)
    if name == "sarif" and SARIF_SCHEMA.is_file():
        assert list(Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).iter_errors(document)) == []
    if name == "junit":
        ET.fromstring(result.stdout)


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_the_apply_units_speak_no_workflow_command(hostile, output_format):
    """--show-units lists every file name (indented: the runner trims that) and the units they make."""
    result = run_portlint("check", "--show-units", "-f", output_format, ".", cwd=hostile)
    assert result.returncode == 0, result.stderr
    text = _assert_speaks_no_command(result.stdout)
    _assert_speaks_no_command(result.stderr)
    if output_format == "json":
        paths = {f["path"] for unit in json.loads(text)["units"] for f in unit["files"]}
        assert len(paths) == len(FILE_NAMES) and any("not-utf8-\\xff\\xfe.yaml" in p for p in paths)
    else:
        assert "not-utf8-\\xff\\xfe.yaml" in text


def test_github_format_prints_only_its_own_commands(hostile):
    """Its commands are its own (one per annotated finding, and a closing notice when GitHub's limit of
    annotations is passed); every other line is a plain `portlint:` log line."""
    findings = json.loads(run_portlint("check", "-f", "json", ".", cwd=hostile).stdout)["findings"]
    result = run_portlint("check", "-f", "github", ".", cwd=hostile)
    assert result.returncode == 1
    text = result.stdout.decode()
    assert "##[" not in text and not HIDDEN.search(text)
    command = re.compile(r"::(error|warning|notice) file=[^,:]*,line=\d+,col=\d+,title=[a-z]+(-[a-z]+)*::.*")
    closing = re.compile(r"::notice title=portlint::\d+ more findings? than GitHub shows as annotations .*")
    lines = [line for line in _lines(text) if line]
    annotated = [line for line in lines if command.fullmatch(line)]
    plain = [line for line in lines if line.startswith("portlint: ")]
    assert len(annotated) + len(plain) == len(findings)
    assert [line for line in lines if line not in annotated and line not in plain] == \
        [line for line in lines if closing.fullmatch(line)]
    _assert_speaks_no_command(result.stderr)


def test_non_utf8_file_names_are_shown_as_escapes_in_every_format(hostile):
    text = run_portlint("check", ".", cwd=hostile).stdout.decode()
    assert "not-utf8-\\xff\\xfe.yaml" in text
    shown = json.loads(run_portlint("check", "-f", "json", ".", cwd=hostile).stdout)
    assert any(f["file"] == "./not-utf8-\\xff\\xfe.yaml" for f in shown["findings"])
    sarif = json.loads(run_portlint("check", "-f", "sarif", ".", cwd=hostile).stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert "not-utf8-%FF%FE.yaml" in uris  # the URI names the file's real bytes


@pytest.mark.parametrize("environment", [
    {"PYTHONIOENCODING": "ascii"},
    {"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""},
])
@pytest.mark.parametrize("name", ["text", "json", "junit", "trace text"])
def test_an_ascii_only_stdout_is_no_error(hostile, environment, name):
    result = run_portlint(*RUNS[name], cwd=hostile, env=environment)
    assert result.returncode == 1, result.stderr
    assert result.stdout.isascii()
    _assert_speaks_no_command(result.stdout)
    if "json" in name:
        utf8, ascii_report = json.loads(run_portlint(*RUNS[name], cwd=hostile).stdout), json.loads(result.stdout)
        if "LC_ALL" in environment:  # in the C locale file names are bytes: each non-ASCII one is \xNN
            utf8, ascii_report = utf8.get("summary", utf8.get("ok")), ascii_report.get("summary", ascii_report.get("ok"))
        assert ascii_report == utf8  # the same report, escaped
    if name == "junit":
        assert ET.fromstring(result.stdout).find(".//failure") is not None


def test_the_text_glyphs_fall_back_to_ascii(tmp_path):
    result = run_portlint("trace", "--all", ROOT / "examples" / "broken", env={"PYTHONIOENCODING": "ascii"})
    text = result.stdout.decode("ascii")
    assert result.returncode == 1 and "`-- x Ingress default/shop" in text and "->" in text


def test_a_message_on_stderr_is_one_line_whatever_it_quotes(tmp_path):
    (tmp_path / ".portlint.yaml").write_text('paths: ["missing\\n::error::forged \\u202e"]\n')
    result = run_portlint("check", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == b"portlint: error: path does not exist: missing\\x0a::error::forged \\u202e\n"


# --- the guard itself, fed as renderers feed it: in pieces, flushed at any point -------------------

from io import StringIO  # noqa: E402

from portlint.report import escape  # noqa: E402


@pytest.mark.parametrize("pieces, expected", [
    (["::error::x\n"], "\\x3a:error::x\n"),
    (["  \t::warning::x\n"], "  \t\\x3a:warning::x\n"),  # the runner trims leading white space
    ([" ", ":", ":error::x\n"], " \\x3a:error::x\n"),  # a command start split over writes and flushes
    (["ok\r::notice::x\n"], "ok\r\\x3a:notice::x\n"),  # a CR ends a line for the runner
    (["\x1b[1m::error::x\n"], "\x1b[1m\\x3a:error::x\n"),  # behind a colour
    (["a #", "#", "[error]b\n"], "a ##\\x5berror]b\n"),  # the legacy form anywhere, split over writes
    (["name: a::b\n", "x ::y\n"], "name: a::b\nx ::y\n"),  # '::' inside a line is no command
    (["ab", "::c\n"], "ab::c\n"),  # a line's continuation is not a line start
    (["\u202egnp.exe\n"], "\\u202egnp.exe\n"),
    (["bad\udcff.yaml\n"], "bad\\xff.yaml\n"),
])
def test_the_guard_cleans_text_however_it_is_written(pieces, expected):
    out = StringIO()
    guarded = escape.GuardedStream(out, escape.TEXT)
    for piece in pieces:
        guarded.write(piece)
        guarded.flush()
    guarded.finish()
    assert out.getvalue() == expected


def test_the_guard_writes_escapes_in_the_syntax_of_json_and_xml():
    value = "a\u202eb ##[error] \udcff \U0001f600"
    out = StringIO()
    guarded = escape.GuardedStream(out, escape.JSON)
    guarded.write(json.dumps({"v": value}, ensure_ascii=False))
    guarded.finish()
    assert json.loads(out.getvalue()) == {"v": "a\u202eb ##[error] \\xff \U0001f600"}
    assert escape.ascii_json(json.dumps({"v": value}, ensure_ascii=False)).isascii()
    out = StringIO()
    guarded = escape.GuardedStream(out, escape.XML)
    guarded.write(f"<a>\n::error::{value.replace(chr(0xdcff), '')}</a>\n")
    guarded.finish()
    assert ET.fromstring(out.getvalue()).text == "\n::error::a\u202eb ##[error]  \U0001f600"
