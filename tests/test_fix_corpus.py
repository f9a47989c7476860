"""--fix on the real-world corpus (a writable copy of ../shared/corpus/real): what it fixes is pinned,
every change sits inside a migrated document, the fixed tree re-checks without a new finding, and a
second run changes nothing."""

import collections
import difflib
import re
import shutil
import stat

import pytest

from portlint.fixes.apply import fix_report
from portlint.run import check_paths
from portlint.settings import Settings

SETTINGS = Settings(cluster_per_path=True)
# deprecated-api: of its 52 findings, 2 (PodSecurityPolicy: no successor API) have no fix; 37 safe
# migrations (Ingress, HPA, PodDisruptionBudget, RBAC, the Gateway API v1alpha2 kinds of haproxytech's
# test config); 13 unsafe: apps/v1beta1 Deployments kept 2 old ReplicaSets, extensions/v1beta1
# Deployments and DaemonSets and apps/v1beta1 StatefulSets roll out differently in apps/v1, and none of
# those 13 sets metadata.labels, which the old APIs defaulted.
FIXABLE = {(True,): 37, (False,): 13}


@pytest.fixture(scope="module")
def tree(corpus, tmp_path_factory):
    copy = tmp_path_factory.mktemp("corpus") / "real"
    shutil.copytree(corpus, copy, symlinks=True)
    for path in copy.rglob("*"):
        if path.is_file() and not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return copy


def repositories(tree):
    return sorted(str(p) for p in tree.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def fixed(tree):
    report = check_paths(repositories(tree), SETTINGS)
    before = collections.Counter((f.rule, f.file) for f in report.findings)
    fixable = collections.Counter((f.fix.safe,) for f in report.findings if f.fix)
    return fixable, before, fix_report(report, SETTINGS, repositories(tree), unsafe=True)


def test_the_fixes_the_corpus_gets_are_pinned(fixed):
    fixable, _before, result = fixed
    assert dict(fixable) == FIXABLE
    assert result.notes == [] and len(result.fixed) == sum(FIXABLE.values())
    assert {f.rule for f in result.fixed} == {"deprecated-api"}


def test_every_change_is_inside_a_migrated_document(fixed):
    for path, change in fixed[2].changes.items():
        old = change.original.splitlines()
        for tag, i1, i2, _j1, _j2 in difflib.SequenceMatcher(None, old, change.text.splitlines()).get_opcodes():
            assert tag == "equal" or _in_migrated_document(change.original, i1), (path, old[i1:i2])


def test_the_fixed_corpus_has_no_new_finding_and_a_second_run_changes_nothing(fixed, tree):
    _fixable, before, result = fixed
    after = collections.Counter((f.rule, f.file) for f in result.report.findings)
    assert all(after[key] <= before[key] for key in after), "a fix introduced a finding"
    assert sum(n for (rule, _), n in after.items() if rule == "deprecated-api") == 2
    for change in result.changes.values():
        with open(change.target, "w", encoding="utf-8") as handle:
            handle.write(change.bom + change.text)
    again = fix_report(check_paths(repositories(tree), SETTINGS), SETTINGS, repositories(tree), unsafe=True)
    assert again.changes == {} and again.fixed == []


def _in_migrated_document(text: str, line_index: int) -> bool:
    """Whether the YAML document holding line `line_index` declares an alpha or beta apiVersion."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("---")]
    start = max((i for i in starts if i <= line_index), default=0)
    end = min((i for i in starts if i > line_index), default=len(lines))
    return any(re.search(r"apiVersion: *[\"']?[a-z0-9./]*/v\d+(alpha|beta)\d", line) for line in lines[start:end])
