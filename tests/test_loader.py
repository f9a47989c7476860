"""Reading files: positions of every field, multi-document files, Lists, JSON, and input that is not a manifest."""

import json

from conftest import OTHER_PODS, lint, only, rule_ids

from portlint import discovery, loader


def test_every_key_knows_its_line_and_column():
    result = loader.load_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: 80\n      targetPort: 8080\n")
    data = result.documents[0].data
    port = data["spec"]["ports"][0]
    assert port.position("targetPort") == (8, 7)
    assert port.position() == (7, 7)
    assert data["spec"]["ports"].position(0) == (7, 7)
    assert data.position("kind") == (2, 1)


def test_multi_document_file_and_list_items_become_separate_manifests():
    text = """\
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: a}
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: b}
---
---
apiVersion: v1
kind: ServiceList
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: c}
"""
    result = loader.load_text(text)
    assert [d.data["metadata"]["name"] for d in result.documents] == ["a", "b", "c"]
    assert [d.path_prefix for d in result.documents] == [("items", 0), ("items", 1), ("items", 0)]
    assert result.findings == []


def test_json_files_are_read_with_positions(tmp_path):
    path = tmp_path / "svc.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                                "spec": {"ports": [{"port": 80}]}}, indent=2))
    result = loader.load_files(discovery.discover([str(tmp_path)])[0])
    assert result.files == 1
    assert result.documents[0].data["spec"]["ports"][0].position("port")[0] == 10


def test_directories_are_walked_skipping_hidden_ones_and_other_extensions(tmp_path):
    (tmp_path / "a.yaml").write_text("kind: A\n")
    (tmp_path / "b.yml").write_text("kind: B\n")
    (tmp_path / "notes.txt").write_text("kind: C\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.yaml").write_text("kind: D\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.json").write_text('{"kind": "E"}')
    files, missing = discovery.discover([str(tmp_path)])
    assert [f.split("/")[-1] for f in files] == ["a.yaml", "b.yml", "c.json"]
    assert missing == []
    assert discovery.discover([str(tmp_path / "nope")])[1] == [str(tmp_path / "nope")]


def test_a_syntax_error_keeps_the_other_documents():
    text = """\
apiVersion: v1
kind: Service
metadata:
  name: first
spec:
  selector: {app: nothing}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata:
  name: broken
   labels: {}
---
apiVersion: v1
kind: Service
metadata:
  name: third
spec:
  selector: {app: none}
  ports: [{port: 80}]
""" + OTHER_PODS
    findings = lint(text)
    syntax = only(findings, "yaml-syntax-error")
    assert len(syntax) == 1 and syntax[0].line == 13
    assert sorted(f.object.name for f in only(findings, "service-selector-no-match")) == ["first", "third"]


def test_duplicate_keys_are_reported_where_the_second_one_is():
    findings = lint("""\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: a
          name: b
        """)
    assert [(f.rule, f.line, f.column) for f in findings] == [("yaml-duplicate-key", 5, 3)]


def test_a_document_that_is_not_a_mapping_is_invalid_but_other_yaml_is_ignored():
    findings = lint("""\
        - just
        - a list
        ---
        name: a helm values file, not a manifest
        replicas: 3
        ---
        """)
    assert rule_ids(findings) == ["manifest-invalid"]
    assert "is a list" in findings[0].message


def test_python_tags_are_refused_never_constructed(tmp_path):
    marker = tmp_path / "pwned"
    findings = lint(f"""\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: !!python/object/apply:os.system ["touch {marker}"]
        """)
    assert rule_ids(findings) == ["yaml-syntax-error"]
    assert not marker.exists()


def test_wrong_types_are_findings_with_a_json_path_and_keep_the_object_out_of_the_rules():
    findings = lint("""\
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          labels:
            version: 1.0
        spec:
          selector: {app: web}
          ports:
            - port: eighty
        """)
    assert [(f.rule, f.line, f.field_path) for f in findings] == [
        ("manifest-invalid", 6, "metadata.labels.version"),
        ("manifest-invalid", 10, "spec.ports[0].port"),
    ]
    assert 'expected an integer, got string "eighty"' in findings[1].message


def test_a_list_item_finding_names_the_item():
    findings = lint("""\
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              selector: {app: web}
              ports: [{port: 80}]
          - apiVersion: v1
            kind: Pod
            metadata: {name: other, labels: {app: other}}
            spec:
              containers: [{name: c, image: nginx}]
        """)
    assert [(f.object.kind, f.object.name, f.line) for f in findings] == [("Service", "web", 8)]


def test_non_utf8_and_binary_files_get_one_finding_each(tmp_path):
    (tmp_path / "latin1.yaml").write_bytes("kind: Caf\xe9\n".encode("latin-1"))
    (tmp_path / "binary.yaml").write_bytes(b"\x00\x01\x02\x03")
    (tmp_path / "utf16.yaml").write_bytes("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n".encode("utf-16"))
    result = loader.load_files(discovery.discover([str(tmp_path)])[0])
    assert sorted((f.file.split("/")[-1], f.rule) for f in result.findings) == [
        ("binary.yaml", "yaml-syntax-error"), ("latin1.yaml", "yaml-syntax-error")]
    assert [d.data["metadata"]["name"] for d in result.documents] == ["a"]


def test_helm_templates_are_reported_as_templates():
    findings = lint("""\
        apiVersion: v1
        kind: Service
        metadata:
          name: {{ .Release.Name }}
          labels: {{- include "labels" . | nindent 4 }}
        """)
    assert rule_ids(findings) == ["yaml-syntax-error"]
    assert "template" in findings[0].message and "helm template" in findings[0].hint


def test_an_empty_file_is_one_info_finding_but_empty_documents_between_others_are_not():
    assert [(f.rule, f.line) for f in lint("# only a comment\n---\n")] == [("file-empty", 1)]
    assert lint("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n") == []


LAUGHS = "".join(f"  {c}: &{c} [{','.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))


def test_alias_bombs_and_recursive_aliases_are_refused_quickly():
    bomb = ("apiVersion: v1\nkind: Service\nmetadata: {name: lol}\nx:\n"
            '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + LAUGHS + "spec:\n  ports: *i\n")
    recursive = "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n  labels: &l\n    a: *l\n"
    for text, reason in ((bomb, "expand to more than"), (recursive, "recursive")):
        findings = lint(text)
        assert [f.rule for f in findings] == ["yaml-syntax-error"]
        assert reason in findings[0].message


def test_shared_anchors_within_the_limit_are_fine():
    findings = lint("""\
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: Pod
            metadata:
              name: p
              labels: &labels {app: web}
            spec:
              containers:
                - name: a
                  image: x
                  ports: [{containerPort: 80, name: http}]
          - apiVersion: v1
            kind: Service
            metadata: {name: web, labels: *labels}
            spec:
              selector: *labels
              ports: [{port: 80, targetPort: http}]
        """)
    assert findings == []


def test_deep_nesting_is_a_syntax_finding_not_a_crash():
    findings = lint("[" * 100_000 + "]" * 100_000)
    assert [f.rule for f in findings] == ["yaml-syntax-error"]
    assert "nesting depth" in findings[0].message


def test_other_kinds_without_metadata_are_not_manifest_errors():
    assert lint("""\
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        resources: [deployment.yaml, service.yaml]
        """) == []
    findings = lint("apiVersion: v1\nkind: Service\nspec: {ports: [{port: 80}]}\n")
    assert [(f.rule, f.message) for f in findings] == [("manifest-invalid", "'metadata' is required")]


def test_a_key_that_overrides_a_merged_one_is_not_a_duplicate():
    result = loader.load_text("""\
base: &base {app: web, tier: front}
labels:
  <<: *base
  tier: back
""")
    assert result.findings == []
    assert result.documents[0].data["labels"] == {"app": "web", "tier": "back"}
    parsed = loader._parse_all("labels:\n  <<: {app: web, tier: front}\n  tier: back\n  tier: last\n")
    (data, duplicates), = parsed
    assert data["labels"] == {"app": "web", "tier": "last"}
    assert [(key, line) for key, line, _ in duplicates] == [("tier", 4)]
    assert data["labels"].position("tier") == (4, 3)


def test_overlapping_paths_read_each_file_once(tmp_path):
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    files, _ = discovery.discover([str(tmp_path), str(tmp_path / "deploy"), str(tmp_path / "deploy" / "cm.yaml")])
    assert files == [str(tmp_path / "deploy" / "cm.yaml")]
