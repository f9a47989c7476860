"""`portlint check --fix` and `--diff`: each fix changes exactly the value it means to, the finding is
gone, a second run changes nothing, ambiguous cases are left alone, and no file ever loses data."""

import difflib
import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT, only
from portlint import fixes
from portlint.fixes.apply import fix_report, fix_text
from portlint.fixes.edit import edit_text, replacements
from portlint.fixes.model import Fix, ReplaceValue
from portlint.fixes.write import write_change
from portlint.run import check_paths, check_text
from portlint.settings import Settings

# Every style YAML allows around the values the four scalar fixes change: comments on their
# lines, blank lines, plain, single- and double-quoted values, flow mappings and sequences, an
# anchor and its alias, several documents, an explicit document end.
HARD = """\
# shop: the styles YAML allows, in one file
---
apiVersion: v1
kind: Service
metadata:
  name: web        # the front end
  labels: {app: web, tier: "front"}
spec:
  selector: {app: 'Web', tier: "front"}   # flow, quoted

  ports:
    - name: http
      port: 80
      targetPort: "htp"     # a typo
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: &web-labels {app: web, tier: front}}
spec:
  selector:
    matchLabels: {app: web, tier: front}
  template:
    metadata:
      labels: *web-labels
    spec:
      containers:
        - name: web
          image: "nginx:1.27"
          ports: [{name: http, containerPort: 8080}]
          readinessProbe:
            httpGet: {path: /healthz, port: 'htpp'}  # swapped


---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service: {name: web, port: {number: 8080}}
...
"""
# line number → the whole new line: everything else must stay byte for byte
HARD_FIXED = {
    9: "  selector: {app: 'web', tier: \"front\"}   # flow, quoted\n",
    14: '      targetPort: "http"     # a typo\n',
    31: "            httpGet: {path: /healthz, port: 'http'}  # swapped\n",
    47: "              service: {name: web, port: {number: 80}}\n",
}
FIXED_RULES = {"service-selector-no-match", "service-target-port-name-unresolved", "probe-port-unresolved",
               "ingress-backend-port-unmatched"}


def dedent(text: str) -> str:
    return textwrap.dedent(text)


def replaced_lines(text: str, lines: dict[int, str]) -> str:
    """`text` with the given (1-based) lines replaced; what a fix may produce, byte for byte."""
    kept = text.splitlines(keepends=True)
    for number, line in lines.items():
        kept[number - 1] = line
    return "".join(kept)


def rules_of(text: str, path: str = "m.yaml") -> set[str]:
    return {f.rule for f in check_text(text, path=path).findings}


def portlint(*args, cwd=None, stdin=None):
    environment = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "portlint", *args], capture_output=True, text=True, cwd=cwd,
                          env=environment, input=stdin, timeout=120)


# --- exactly the intended bytes ----------------------------------------------------------------------

def test_each_fix_changes_only_its_value_in_a_file_of_every_style():
    # the wrong targetPort shows only once the selector picks the Deployment: a second pass fixes it
    assert rules_of(HARD) == FIXED_RULES - {"service-target-port-name-unresolved"}
    fixed = fix_text(HARD, "m.yaml")
    assert fixed == replaced_lines(HARD, HARD_FIXED)
    assert rules_of(fixed) == set()


def test_a_second_fix_changes_nothing():
    fixed = fix_text(HARD, "m.yaml")
    assert fix_text(fixed, "m.yaml") == fixed


def test_windows_line_ends_and_a_byte_order_mark_are_kept(tmp_path):
    crlf = HARD.replace("\n", "\r\n")
    manifest = tmp_path / "m.yaml"
    manifest.write_bytes(b"\xef\xbb\xbf" + crlf.encode())
    result = portlint("check", "--fix", str(manifest))
    expected = replaced_lines(HARD, HARD_FIXED).replace("\n", "\r\n")
    assert manifest.read_bytes() == b"\xef\xbb\xbf" + expected.encode(), result.stderr
    assert result.returncode == 0 and "Fixed 4 findings in 1 file (0 remaining)" in result.stderr


def test_each_scalar_fix_keeps_the_value_style():
    plain = fix_text(dedent("""\
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          selector:
            app: MyApp
          ports: [{port: 80}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: web, labels: {app: myapp}}
        spec:
          containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]
        """))
    assert "    app: myapp\n" in plain
    number_like = fix_text(dedent("""\
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          selector:
            version: "1.O"
          ports: [{port: 80}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: web, labels: {version: "1.0"}}
        spec:
          containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]
        """))
    assert '    version: "1.0"\n' in number_like  # plain 1.0 would be read as a number


def test_a_plain_value_that_would_read_as_another_type_is_quoted():
    from portlint.fixes.scalars import render

    assert [render(v, "") for v in ("web", "1.0", "yes", "y", "null", "0x1F", "a b", 80)] == \
        ["web", '"1.0"', '"yes"', '"y"', '"null"', '"0x1F"', '"a b"', "80"]
    assert (render("it's", "'"), render('say "hi"', '"'), render("x", "|")) == ("'it''s'", '"say \\"hi\\""', None)


# --- only one right answer ------------------------------------------------------------------------

SELECTOR = """\
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  selector: {{app: {value}}}
  ports: [{{port: 80, targetPort: {target}}}]
"""


def workload(name: str, labels: str, ports: str, probe: str = "") -> str:
    return dedent(f"""\
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: {name}}}
        spec:
          selector: {{matchLabels: {labels}}}
          template:
            metadata: {{labels: {labels}}}
            spec:
              containers:
                - name: {name}
                  image: nginx
                  ports: {ports}
        """) + probe


@pytest.mark.parametrize("text, rule", [
    # two label values a near miss of Web
    (SELECTOR.format(value="Web", target=80) + workload("a", "{app: web}", "[{containerPort: 80}]")
     + workload("b", "{app: WEB}", "[{containerPort: 80}]"), "service-selector-no-match"),
    # two port names a near miss of htt
    (SELECTOR.format(value="web", target="htt") + workload("a", "{app: web}", "[{name: http, containerPort: 80}, "
                                                               "{name: https, containerPort: 443}]"),
     "service-target-port-name-unresolved"),
    # no near miss, and two TCP ports to choose from
    (SELECTOR.format(value="web", target="frontend") + workload("a", "{app: web}", "[{name: http, containerPort: 80},"
                                                                    " {name: admin, containerPort: 81}]"),
     "service-target-port-name-unresolved"),
    # two workloads of the Service, each with another only port
    (SELECTOR.format(value="web", target="frontend") + workload("a", "{app: web}", "[{name: http, containerPort: 80}]")
     + workload("b", "{app: web}", "[{name: main, containerPort: 80}]"), "service-target-port-name-unresolved"),
    # the name is declared, under another protocol: the protocol is what differs
    (SELECTOR.format(value="web", target="dns") + workload("a", "{app: web}", "[{name: dns, containerPort: 53, "
                                                               "protocol: UDP}, {name: http, containerPort: 80}]"),
     "service-target-port-name-unresolved"),
])
def test_ambiguous_cases_get_no_fix(text, rule):
    findings = only(check_text(text).findings, rule)
    assert findings and all(f.fix is None for f in findings)
    assert fix_text(text) == text


def test_a_probe_with_two_ports_and_no_near_miss_gets_no_fix():
    probe = "          readinessProbe: {tcpSocket: {port: admin-port}}\n"
    text = workload("a", "{app: web}", "[{name: http, containerPort: 80}, {name: metrics, containerPort: 9090}]",
                    probe)
    [finding] = only(check_text(text).findings, "probe-port-unresolved")
    assert finding.fix is None


def test_an_ingress_number_that_is_the_target_of_two_service_ports_gets_no_fix():
    text = dedent("""\
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: web}
        spec:
          defaultBackend: {service: {name: web, port: {number: 8080}}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          selector: {app: web}
          ports: [{name: a, port: 80, targetPort: 8080}, {name: b, port: 81, targetPort: 8080}]
        """) + workload("a", "{app: web}", "[{containerPort: 8080}]")
    [finding] = only(check_text(text).findings, "ingress-backend-port-unmatched")
    assert finding.fix is None


def test_one_answer_for_two_findings_is_made_once():
    # the Service selects two Deployments of the same directory; both lack the name, both have `http`
    text = (SELECTOR.format(value="web", target="htp") + workload("a", "{app: web}", "[{name: http, containerPort: 80}]")
            + workload("b", "{app: web}", "[{name: http, containerPort: 8080}]"))
    report = check_text(text, path="m.yaml")
    assert len([f for f in report.findings if f.fix]) == 2
    result = fix_report(report, Settings(), [], in_memory="m.yaml")
    assert len(result.fixed) == 2
    assert result.changes["m.yaml"].text == text.replace("targetPort: htp", "targetPort: http")


def test_two_different_values_for_one_field_are_both_refused():
    text = "a: 1\nb: x\n"
    outcome = edit_text(text, [ReplaceValue("f", 2, 1, "x", "y"), ReplaceValue("f", 2, 1, "x", "z")])
    assert outcome.text == text and len(outcome.refused) == 2
    assert all("another fix" in why for _, why in outcome.refused)


# --- anchors: a value that an alias shares is never changed -------------------------------------------

def test_a_value_shared_through_an_alias_gets_no_fix():
    text = dedent("""\
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: Service
            metadata: {name: web, labels: *sel}
            spec:
              selector: &sel {app: Web}
              ports: [{port: 80}]
          - apiVersion: v1
            kind: Pod
            metadata: {name: web, labels: {app: web}}
            spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]}
        """).replace("labels: *sel}", "labels: {app: Web}}")
    shared = text.replace("metadata: {name: web, labels: {app: Web}}", "metadata: {name: web, labels: *sel}", 1)
    shared = shared.replace("      selector: &sel {app: Web}", "      selector: {app: Web}")
    # the anchor has to come first: the Service's labels define it, its selector refers to it
    shared = shared.replace("metadata: {name: web, labels: *sel}", "metadata: {name: web, labels: &sel {app: Web}}", 1)
    shared = shared.replace("      selector: {app: Web}", "      selector: *sel")
    assert fix_text(text) != text  # the same file without the alias is fixed
    [finding] = only(check_text(shared).findings, "service-selector-no-match")
    assert finding.fix is None and fix_text(shared) == shared


def test_a_value_merged_in_from_an_anchor_gets_no_fix():
    text = dedent("""\
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          labels: &base {app: Web}
        spec:
          selector:
            <<: *base
          ports: [{port: 80}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: web, labels: {app: web}}
        spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]}
        """)
    [finding] = only(check_text(text).findings, "service-selector-no-match")
    assert finding.fix is None


def test_an_edit_of_an_aliased_value_is_refused_even_when_proposed():
    text = "a: &x web\nb: *x\n"
    outcome = edit_text(text, [ReplaceValue("f", 1, 1, "web", "api")])
    assert outcome.text == text and "shared through a YAML anchor" in outcome.refused[0][1]


# --- the checks run again on the fixed text -------------------------------------------------------

def test_a_fix_whose_finding_remains_is_not_written(monkeypatch, tmp_path):
    manifest = tmp_path / "m.yaml"
    manifest.write_text(HARD)

    def wrong(finding, subjects):
        workload_obj = subjects.object(finding, __import__("portlint.model", fromlist=["Workload"]).Workload)
        probe = workload_obj.template.containers[0].probes[0]
        return Fix(True, "a wrong name", (ReplaceValue.at(str(manifest), probe.raw, "port", "nope"),),
                   (probe.field_path("port"),))

    monkeypatch.setitem(fixes.registry(), "probe-port-unresolved", wrong)
    settings = Settings()
    result = fix_report(check_paths([str(manifest)], settings), settings, [str(manifest)])
    assert "probe-port-unresolved" in {f.rule for f in result.report.findings}
    assert "port: 'htpp'" in result.changes[str(manifest)].text  # the other fixes are made
    assert any("probe-port-unresolved: the finding is still reported after the fix" in n for n in result.notes)


def test_a_fix_that_would_introduce_a_finding_is_not_written(monkeypatch, tmp_path):
    manifest = tmp_path / "m.yaml"
    manifest.write_text(HARD)
    real = fixes.registry()["service-selector-no-match"]

    def not_a_string(finding, subjects):
        proposed = real(finding, subjects)
        edit = proposed.edits[0]
        return Fix(True, "a number", (ReplaceValue(edit.file, edit.line, edit.column, edit.old, 80),), proposed.fields)

    monkeypatch.setitem(fixes.registry(), "service-selector-no-match", not_a_string)
    settings = Settings()
    result = fix_report(check_paths([str(manifest)], settings), settings, [str(manifest)])
    assert "selector: {app: 'Web'," in result.changes[str(manifest)].text  # the probe is still fixed
    assert any("service-selector-no-match: the fix would introduce manifest-invalid" in note
               for note in result.notes), result.notes
    assert "service-selector-no-match" in {f.rule for f in result.report.findings}


def test_a_finding_that_appears_beside_the_changed_value_blames_the_fix(monkeypatch):
    # the targetPort's finding goes, but the number chosen is declared only over TCP: the Service port
    # (the element the fix changes) now has a protocol mismatch
    text = dedent("""\
        apiVersion: v1
        kind: Service
        metadata: {name: dns}
        spec:
          selector: {app: dns}
          ports: [{name: dns, port: 53, protocol: UDP, targetPort: dnz}]
        """) + workload("dns", "{app: dns}", "[{name: dns, containerPort: 53, protocol: TCP}]")
    from portlint.model import Service

    def number(finding, subjects):
        port = subjects.object(finding, Service).ports[0]
        return Fix(True, "a number", (ReplaceValue.at("m.yaml", port.raw, "targetPort", 53),), (port.json_path,))

    monkeypatch.setitem(fixes.registry(), "service-target-port-name-unresolved", number)
    report = check_text(text, path="m.yaml")
    result = fix_report(report, Settings(), [], in_memory="m.yaml")
    assert result.changes == {} and result.fixed == []
    assert any("the fix would introduce service-protocol-mismatch" in note for note in result.notes), result.notes


def test_findings_a_fix_reveals_are_reported_and_fixed_in_the_next_pass(tmp_path):
    # examples/broken: the selector hides the wrong targetPort; the Ingress port is fixable only once
    # the targetPort resolves. --fix repairs all of it, and gives exactly examples/fixed.
    (tmp_path / "shop").mkdir()
    for source in (ROOT / "examples" / "broken").iterdir():
        (tmp_path / "shop" / source.name).write_bytes(source.read_bytes())
    result = portlint("check", "--fix", "shop", cwd=tmp_path)
    assert result.returncode == 0 and "Fixed 5 findings in 4 files (0 remaining)" in result.stderr
    for fixed in (ROOT / "examples" / "fixed").iterdir():
        assert (tmp_path / "shop" / fixed.name).read_bytes() == fixed.read_bytes()


def test_a_gateway_backend_ref_gets_the_service_port_its_port_targets(tmp_path):
    gateway = ROOT / "examples" / "gateway"
    (tmp_path / "shop").mkdir()
    for source in (gateway / "broken").iterdir():
        (tmp_path / "shop" / source.name).write_bytes(source.read_bytes())
    result = portlint("check", "--fix", "shop", cwd=tmp_path)
    assert "Fixed 1 finding in 1 file (2 remaining)" in result.stderr
    routes = (tmp_path / "shop" / "routes.yaml").read_text()
    broken = (gateway / "broken" / "routes.yaml").read_text()
    assert routes == replaced_lines(broken, {48: "          port: 80\n"})  # the hostname is left: no single answer


ROUTE_TO_8080 = dedent("""\
    apiVersion: gateway.networking.k8s.io/v1
    kind: HTTPRoute
    metadata: {name: web}
    spec:
      rules:
        - backendRefs: [{name: web, port: 8080}]
    """)


@pytest.mark.parametrize("services", [
    # 8080 is the targetPort of two Service ports
    "ports: [{name: a, port: 80, targetPort: 8080}, {name: b, port: 81, targetPort: 8080}]",
    # one port targets 8080, another reaches the container port 8080 by its name
    "ports: [{name: a, port: 80, targetPort: 8080}, {name: b, port: 81, targetPort: http}]",
])
def test_a_gateway_backend_ref_whose_port_two_service_ports_target_gets_no_fix(services):
    text = ROUTE_TO_8080 + dedent(f"""\
        ---
        apiVersion: v1
        kind: Service
        metadata: {{name: web}}
        spec:
          selector: {{app: web}}
          {services}
        """) + workload("a", "{app: web}", "[{name: http, containerPort: 8080}]")
    [finding] = only(check_text(text).findings, "route-backend-port-unmatched")
    assert finding.fix is None
    assert fix_text(text) == text


def test_a_gateway_backend_ref_to_two_definitions_that_disagree_gets_no_fix():
    service = dedent("""\
        ---
        apiVersion: v1
        kind: Service
        metadata: {{name: web}}
        spec:
          selector: {{app: web}}
          ports: [{{port: {port}, targetPort: 8080}}]
        """)
    text = ROUTE_TO_8080 + service.format(port=80) + workload("a", "{app: web}", "[{containerPort: 8080}]")
    [finding] = only(check_text(text).findings, "route-backend-port-unmatched")
    assert finding.fix is not None and finding.fix.edits[0].new == 80  # one definition: one answer
    [finding] = only(check_text(text + service.format(port=81)).findings, "route-backend-port-unmatched")
    assert finding.fix is None


# --- never lose data ----------------------------------------------------------------------------------

@pytest.fixture
def shop(tmp_path):
    (tmp_path / "deploy").mkdir()
    for source in (ROOT / "examples" / "broken").iterdir():
        (tmp_path / "deploy" / source.name).write_bytes(source.read_bytes())
    return tmp_path


def snapshot(directory) -> dict:
    return {p.name: (p.read_bytes(), stat.S_IMODE(p.lstat().st_mode), p.is_symlink()) for p in directory.iterdir()}


def test_diff_writes_nothing_and_prints_a_patch_that_applies(shop):
    before = snapshot(shop / "deploy")
    result = portlint("check", "--diff", "deploy", cwd=shop)
    assert result.returncode == 1 and snapshot(shop / "deploy") == before
    assert "Would fix 5 findings in 4 files (0 remaining)" in result.stderr
    assert "-    app: MyApp\n+    app: myapp\n" in result.stdout
    if subprocess.run(["patch", "--version"], capture_output=True).returncode != 0:
        pytest.skip("patch is not installed")
    subprocess.run(["patch", "-p0", "--quiet"], input=result.stdout, text=True, cwd=shop, check=True)
    for fixed in (ROOT / "examples" / "fixed").iterdir():
        assert (shop / "deploy" / fixed.name).read_bytes() == fixed.read_bytes()
    clean = portlint("check", "--diff", "deploy", cwd=shop)
    assert (clean.returncode, clean.stdout) == (0, "")


def test_diff_output_goes_through_the_output_guard(tmp_path):
    # a context line of the diff is a manifest line: one that reads as a GitHub workflow command once
    # its leading space and diff prefix are stripped is neutralised, as in every other output
    manifest = tmp_path / "m.yaml"
    manifest.write_text(SELECTOR.format(value="Web", target=80).replace("metadata: {name: web}\n",
                        "metadata:\n  name: web\n  annotations:\n    note: |\n      ::error::forged\n")
                        + workload("a", "{app: web}", "[{containerPort: 80}]"))
    result = portlint("check", "--diff", "m.yaml", cwd=tmp_path)
    assert result.returncode == 1 and "+  selector: {app: web}" in result.stdout
    assert "forged" in result.stdout
    assert not any(line.lstrip(" +-").startswith("::") for line in result.stdout.splitlines())


def test_fix_on_stdin_refuses_a_stdout_that_appends_to_an_input(tmp_path):
    manifest = tmp_path / "m.yaml"
    manifest.write_text(SELECTOR.format(value="Web", target=80) + workload("a", "{app: web}", "[{containerPort: 80}]"))
    before = manifest.read_bytes()
    with open(manifest, "rb") as stdin, open(manifest, "ab") as stdout:
        result = subprocess.run([sys.executable, "-m", "portlint", "check", "--fix", "-", str(manifest)],
                                stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120)
    assert result.returncode == 2 and "appends to" in result.stderr
    assert manifest.read_bytes() == before


def test_a_read_only_file_is_left_alone_with_a_message(shop):
    service = shop / "deploy" / "service.yaml"
    service.chmod(0o444)
    before = service.read_bytes()
    result = portlint("check", "--fix", "deploy", cwd=shop)
    assert service.read_bytes() == before and stat.S_IMODE(service.stat().st_mode) == 0o444
    assert "left alone: deploy/service.yaml: it is read-only" in result.stderr
    assert "port: http\n" in (shop / "deploy" / "deployment.yaml").read_text()  # the others are fixed
    assert result.returncode == 1 and "service-selector-no-match" in result.stdout


def test_the_mode_of_a_fixed_file_is_kept(shop):
    service = shop / "deploy" / "service.yaml"
    service.chmod(0o640)
    portlint("check", "--fix", "deploy", cwd=shop)
    assert "app: myapp" in service.read_text() and stat.S_IMODE(service.stat().st_mode) == 0o640
    assert sorted(p.name for p in (shop / "deploy").iterdir()) == sorted(snapshot(shop / "deploy"))  # no temp file


def test_a_symlink_is_followed_to_its_target_and_kept(shop):
    (shop / "real").mkdir()
    (shop / "deploy" / "service.yaml").rename(shop / "deploy" / "service.real.yaml")
    (shop / "deploy" / "service.yaml").symlink_to("service.real.yaml")
    result = portlint("check", "--fix", "deploy/service.yaml", "deploy/deployment.yaml", "deploy/api.yaml", cwd=shop)
    link = shop / "deploy" / "service.yaml"
    assert link.is_symlink() and os.readlink(link) == "service.real.yaml"
    assert "app: myapp" in (shop / "deploy" / "service.real.yaml").read_text()
    assert "deploy/service.yaml is a symbolic link: its target" in result.stderr


def test_a_symlink_to_a_file_outside_the_checked_paths_is_left_alone(shop):
    (shop / "elsewhere").mkdir()
    (shop / "deploy" / "service.yaml").rename(shop / "elsewhere" / "service.yaml")
    (shop / "deploy" / "service.yaml").symlink_to(shop / "elsewhere" / "service.yaml")
    before = (shop / "elsewhere" / "service.yaml").read_bytes()
    result = portlint("check", "--fix", "deploy", cwd=shop)
    assert (shop / "elsewhere" / "service.yaml").read_bytes() == before
    assert "left alone: deploy/service.yaml: it is a symbolic link to" in result.stderr
    assert "outside the checked paths" in result.stderr


def test_a_file_with_a_syntax_error_is_left_alone_and_the_others_are_fixed(shop):
    service = shop / "deploy" / "service.yaml"
    broken = service.read_text() + "---\nkind: [unclosed\n"
    service.write_text(broken)
    result = portlint("check", "--fix", "deploy", cwd=shop)
    assert service.read_text() == broken
    assert "left alone: deploy/service.yaml: it has YAML syntax errors (fix them first)" in result.stderr
    assert "port: http\n" in (shop / "deploy" / "deployment.yaml").read_text()


def test_a_file_changed_since_it_was_read_is_not_overwritten(shop):
    service = shop / "deploy" / "service.yaml"
    deploy = str(shop / "deploy")
    settings = Settings()
    change = fix_report(check_paths([deploy], settings), settings, [deploy]).changes[str(service)]
    service.write_text(service.read_text() + "# edited meanwhile\n")
    assert write_change(change) == "it changed on disk while portlint ran"
    assert service.read_text().endswith("# edited meanwhile\n")


def test_an_interrupted_write_leaves_the_original_whole(shop, monkeypatch):
    service = shop / "deploy" / "service.yaml"
    before = service.read_bytes()
    deploy = str(shop / "deploy")
    settings = Settings()
    change = fix_report(check_paths([deploy], settings), settings, [deploy]).changes[str(service)]

    def interrupted(source, target):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_change(change)
    assert service.read_bytes() == before
    assert sorted(p.name for p in service.parent.iterdir()) == sorted(snapshot(service.parent))


def test_fix_on_stdin_writes_the_fixed_stream_to_stdout_and_the_report_to_stderr():
    text = (ROOT / "examples" / "broken" / "deployment.yaml").read_text()
    result = portlint("check", "--fix", "-", stdin=text)
    assert result.stdout == text.replace("port: http-port", "port: http")
    assert "No problems found" in result.stderr and "Fixed 1 finding in 1 file (0 remaining)" in result.stderr


def test_fix_on_stdin_with_nothing_to_fix_passes_the_stream_through():
    text = (ROOT / "examples" / "fixed" / "deployment.yaml").read_text()
    result = portlint("check", "--fix", "-", stdin=text)
    assert (result.returncode, result.stdout) == (0, text)


def test_stdin_named_like_a_file_is_never_written_to_that_file(shop):
    deployment = shop / "deploy" / "deployment.yaml"
    before = deployment.read_bytes()
    result = portlint("check", "--fix", "--stdin-filename", "deploy/deployment.yaml", "-", cwd=shop,
                      stdin=before.decode())
    assert deployment.read_bytes() == before
    assert result.stdout == before.decode().replace("port: http-port", "port: http")


@pytest.mark.skipif(shutil.which("kustomize") is None and shutil.which("kubectl") is None,
                    reason="neither kustomize nor kubectl is installed")
def test_a_finding_located_through_a_kustomize_render_has_no_fix(tmp_path):
    from test_render import BASE, PROD, write as write_tree

    write_tree(tmp_path, {**BASE, **PROD})
    report = check_paths([str(tmp_path)], Settings())
    [finding] = only(report.findings, "service-target-port-name-unresolved")
    assert finding.file.endswith("overlays/prod/service-port.yaml") and finding.rendered_from
    assert finding.fix is None  # the rendered text had one; the patch file is not what it would edit
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.yaml")}
    result = portlint("check", "--fix", str(tmp_path))
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.yaml")} == before
    assert result.returncode == 1 and "Fixed 0 findings in 0 files" in result.stderr


# --- what users see -------------------------------------------------------------------------------

def test_text_marks_safe_fixes_and_says_what_they_do(shop):
    result = portlint("check", "deploy", cwd=shop)
    assert "service-selector-no-match [*]  Service default/shop-web" in result.stdout
    assert "    fix: set the selector's app to 'myapp', the label of the pods of Deployment shop-web" in result.stdout
    assert "ingress-backend-port-unmatched  Ingress" in result.stdout  # no fix yet: the chain is broken before it
    assert result.stdout.rstrip().endswith("[*] 3 fixable with `portlint check --fix`.")


def test_json_gives_each_finding_its_fix_or_null(shop):
    findings = json.loads(portlint("check", "deploy", "-f", "json", cwd=shop).stdout)["findings"]
    assert {f["rule"]: f["fix"] for f in findings} == {
        "service-target-port-name-unresolved": {
            "safe": True, "summary": "set targetPort to api: the only TCP port Deployment shop-api declares "
                                     "(api=9090/TCP)"},
        "probe-port-unresolved": {
            "safe": True, "summary": "set readinessProbe.httpGet.port to http: the only TCP port of container web "
                                     "(http=8080/TCP)"},
        "ingress-backend-port-unmatched": None,
        "service-selector-no-match": {
            "safe": True, "summary": "set the selector's app to 'myapp', the label of the pods of Deployment shop-web"},
    }


def test_sarif_fixes_validate_and_their_replacements_make_the_fix(tmp_path, sarif_validator):
    manifest = tmp_path / "m.yaml"
    manifest.write_text(HARD)
    log = json.loads(portlint("check", "m.yaml", "-f", "sarif", cwd=tmp_path).stdout)
    assert [e.message for e in sarif_validator.iter_errors(log)] == []
    results = [r for r in log["runs"][0]["results"] if "fixes" in r]
    assert {r["ruleId"] for r in results} == {"service-selector-no-match", "probe-port-unresolved"}
    lines = HARD.splitlines(keepends=True)
    for result in results:
        [change] = result["fixes"][0]["artifactChanges"]
        [replacement] = change["replacements"]
        region = replacement["deletedRegion"]
        assert region["startLine"] == region["endLine"]
        line = lines[region["startLine"] - 1]
        fixed = line[:region["startColumn"] - 1] + replacement["insertedContent"]["text"] + line[region["endColumn"] - 1:]
        assert fixed == HARD_FIXED[region["startLine"]]


def test_replacements_of_a_migration_are_its_changed_lines():
    text = "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: a}\nspec: {minAvailable: 1}\n"
    [finding] = only(check_text(text).findings, "deprecated-api")
    assert replacements(text, list(finding.fix.edits)) == [((1, 13, 1, 27), "policy/v1")]


def test_unsafe_fixes_are_marked_and_applied_only_when_asked(tmp_path):
    pdb = tmp_path / "pdb.yaml"
    text = "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: a}\nspec:\n  minAvailable: 1\n" \
           "  selector: {}\n"
    pdb.write_text(text)
    shown = portlint("check", str(pdb))
    assert "deprecated-api  PodDisruptionBudget" in shown.stdout  # no [*]
    assert "unsafe fix (--unsafe-fixes): apiVersion: policy/v1 (its empty selector selects no pods in " \
           "policy/v1beta1 and every pod of the namespace in policy/v1)" in shown.stdout
    assert "1 fixable with `portlint check --fix --unsafe-fixes`." in shown.stdout
    safe_only = portlint("check", "--fix", str(pdb))
    assert pdb.read_text() == text and safe_only.returncode == 1
    assert "1 more with --unsafe-fixes" in safe_only.stderr
    unsafe = portlint("check", "--fix", "--unsafe-fixes", str(pdb))
    assert pdb.read_text() == text.replace("policy/v1beta1", "policy/v1") and unsafe.returncode == 0


def test_suppressed_and_baselined_findings_are_not_fixed(shop):
    service = shop / "deploy" / "service.yaml"
    service.write_text(service.read_text().replace("  name: shop-web\n", "  name: shop-web\n  annotations:\n"
                                                   "    portlint.dev/ignore: service-selector-no-match\n"))
    assert portlint("check", "--write-baseline", "base.json", "deploy/api.yaml", cwd=shop).returncode == 0
    before = (service.read_text(), (shop / "deploy" / "api.yaml").read_text())
    portlint("check", "--fix", "--baseline", "base.json", "deploy", cwd=shop)
    assert (service.read_text(), (shop / "deploy" / "api.yaml").read_text()) == before
    assert "port: http\n" in (shop / "deploy" / "deployment.yaml").read_text()


@pytest.fixture(scope="module")
def sarif_validator():
    from jsonschema import Draft4Validator

    schema = ROOT.parent / "shared" / "data" / "sarif-schema-2.1.0.json"
    if not schema.is_file():
        pytest.skip(f"the SARIF 2.1.0 schema is not present at {schema}")
    return Draft4Validator(json.loads(schema.read_text()))


def test_unified_diff_marks_a_last_line_without_newline():
    from io import StringIO

    from portlint.fixes.apply import FileChange
    from portlint.report import diff

    out = StringIO()
    diff.write({"m.yaml": FileChange("m.yaml", "m.yaml", "a: 1\nb: x", "a: 1\nb: y")}, out)
    assert out.getvalue().endswith("-b: x\n\\ No newline at end of file\n+b: y\n\\ No newline at end of file\n")
    assert list(difflib.unified_diff(["a"], ["a"])) == []


def test_fixers_see_the_same_objects_when_the_lookups_hold_only_the_files_of_the_findings():
    from portlint.fixes.subjects import Subjects

    report = check_paths([str(ROOT / "examples" / d) for d in ("broken", "legacy", "gateway")], Settings())
    (cluster,) = report.clusters
    findings = [f for f in report.findings if f.rule in fixes.registry()]
    assert len({f.file for f in findings}) > 2
    files = {f.file for f in findings}
    whole, some = Subjects(cluster), Subjects(cluster, files)
    for finding in findings:
        proposer = fixes.registry()[finding.rule]
        assert vars(proposer(finding, whole) or Fix(True, "none", ())) == \
            vars(proposer(finding, some) or Fix(True, "none", ())), finding
    assert len(some._objects()) < len(whole._objects())


def _values_as_the_loader_resolves(text: str) -> dict:
    """(line, column) of each mapping key → its scalar value, composed and resolved by PyYAML itself."""
    import yaml

    found, loader = {}, yaml.CSafeLoader(text)
    try:
        while loader.check_node():
            stack = [loader.get_node()]
            while stack:
                node = stack.pop()
                if isinstance(node, yaml.MappingNode):
                    for key, value in node.value:
                        if isinstance(value, yaml.ScalarNode):
                            found[key.start_mark.line + 1, key.start_mark.column + 1] = \
                                yaml.constructor.SafeConstructor().construct_object(value)
                        stack.append(value)
                elif isinstance(node, yaml.SequenceNode):
                    stack.extend(node.value)
    finally:
        loader.dispose()
    return found


def test_the_index_resolves_each_value_it_is_asked_for_as_the_loader_does():
    """FileIndex composes without resolving tags and resolves the values a fix compares (value_of)."""
    import yaml

    from portlint.fixes.locate import FileIndex

    texts = [p.read_text() for p in sorted((ROOT / "examples").rglob("*.yaml"))]
    texts.append("a: 1\nb: '1'\nc: yes\nd: !!str 5\ne: ~\nf: 0x1F\ng: 1.5\nh: \"on\"\ni: |\n  x\nj: 2020-01-01\nk: ! 7\n")
    compared = 0
    for text in texts:
        try:
            expected = _values_as_the_loader_resolves(text)
        except yaml.YAMLError:
            continue
        index = FileIndex(text)
        for position, value in expected.items():
            entry = index.entry(*position)
            got = index.value_of(entry)
            assert (got, type(got)) == (value, type(value)), (position, text[:60])
            compared += 1
    assert compared > 500
