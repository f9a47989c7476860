"""Glob matching with gitignore semantics: exclude, paths globs, .gitignore files, and the 40,000-glob case."""

import json
import os
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

from conftest import ROOT, WEB_DEPLOYMENT

from portlint.globs import GlobSet, PathFilter, expand

BROKEN_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app: web}}
  ports:
    - port: 70000
"""  # port-number-invalid, whatever else is in the input


def portlint(*args, cwd):
    environment = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "portlint", *args], capture_output=True, text=True, cwd=cwd,
                          env=environment, timeout=120)


def files_checked(result) -> list[str]:
    return sorted(f["file"] for f in json.loads(result.stdout)["findings"])


def git(*args, cwd):
    subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.parametrize("glob, path, is_dir, verdict", [
    ("*.yaml", "a/b/c.yaml", False, True),            # no '/': any depth
    ("deploy/*.yaml", "deploy/x.yaml", False, True),
    ("deploy/*.yaml", "deploy/sub/x.yaml", False, None),  # '*' does not cross '/'
    ("deploy/**/x.yaml", "deploy/a/b/x.yaml", False, True),  # '**' spans directories
    ("deploy/**/x.yaml", "deploy/x.yaml", False, True),
    ("**/gen", "a/b/gen", True, True),
    ("build/", "build", True, True),                 # a trailing '/' matches directories only
    ("build/", "build", False, None),
    ("build/", "build/x.yaml", False, None),          # below it: the walk does not enter build/
    ("build/**", "build/x.yaml", False, True),        # `dir/**` names everything below
    ("build/**", "build", True, None),                # but not `dir` itself
    ("*/", "a/b", True, True),
    ("/top.yaml", "top.yaml", False, True),          # a leading '/' anchors
    ("/top.yaml", "sub/top.yaml", False, None),
    ("a?c.yaml", "abc.yaml", False, True),
    ("a?c.yaml", "a/c.yaml", False, None),
    ("[ab]x.yaml", "bx.yaml", False, True),
    ("# comment", "# comment", False, None),
])
def test_gitignore_semantics(glob, path, is_dir, verdict):
    assert GlobSet([glob]).match(path, is_dir) is verdict


def test_the_last_matching_glob_wins_and_bang_re_includes():
    globs = GlobSet(["*.yaml", "!keep.yaml", "deep/keep.yaml"])
    assert globs.match("x.yaml") is True
    assert globs.match("a/keep.yaml") is False
    assert globs.match("deep/keep.yaml") is True


SEGMENTS = st.sampled_from(["a", "b", "ab", "x.yaml", "y.yml", "ax.yaml", "deploy", "gen-1", ".hidden", "k8s"])
GLOB_PARTS = st.sampled_from(["a", "b", "*", "**", "a*", "*b", "*.yaml", "?.yml", "x.*", "[ab]", "deploy", "gen-*",
                              "*-1", "k8s", "a?", "*x*"])


@settings(max_examples=300, deadline=None)
@given(globs=st.lists(st.tuples(st.booleans(), st.booleans(), st.lists(GLOB_PARTS, min_size=1, max_size=3),
                                st.booleans()), min_size=1, max_size=6),
       path=st.lists(SEGMENTS, min_size=1, max_size=4), is_dir=st.booleans())
def test_the_index_agrees_with_pathspec_on_every_glob_and_path(globs, path, is_dir):
    lines = [("!" if negated else "") + ("/" if anchored else "") + "/".join(parts) + ("/" if directory else "")
             for negated, anchored, parts, directory in globs]
    relative = "/".join(path)
    subject = relative + "/" if is_dir else relative
    expected = None
    for line in lines:  # brute force with pathspec's own translation: every glob tried, the last match wins
        regex, include = GitIgnoreSpecPattern.pattern_to_regex(line)
        whole = regex if regex == "." else f"{regex}." if line.endswith("/**") else f"(?:{regex})$"
        if regex is not None and re.search(whole, subject):
            expected = include
    assert GlobSet(lines).match(relative, is_dir) is expected, (lines, subject)


GIT_GLOBS = ["*.tmp.yaml", "build/", "/top.yaml", "deploy/*.secret.yaml", "**/cache/", "gen-*", "!gen-keep.yaml",
             "docs/**", "!docs/api.yaml", "a/**/b.yaml", "*/", "!*/", "x?.yaml", "[ab]c.yaml", "nested/deep/",
             "vendor", "!vendor/keep.yaml", "logs/*", "!logs/kept.yaml"]
GIT_PATHS = ["a.tmp.yaml", "x/a.tmp.yaml", "build/x.yaml", "src/build/x.yaml", "other/build", "top.yaml", "sub/top.yaml",
             "deploy/db.secret.yaml", "deploy/sub/db.secret.yaml", "cache/x.yaml", "a/b/cache/y.yaml", "gen-1.yaml",
             "gen-keep.yaml", "d/gen-keep.yaml", "docs/x.yaml", "docs/api.yaml", "docs/sub/api.yaml", "a/b.yaml",
             "a/x/y/b.yaml", "xy.yaml", "x/xy.yaml", "ac.yaml", "cc.yaml", "nested/deep/z.yaml", "nested/z.yaml",
             "vendor/keep.yaml", "vendor/drop.yaml", "lib/vendor/x.yaml", "logs/kept.yaml", "logs/other.yaml",
             "ok.yaml", "dir/ok.yaml"]


def test_a_walk_skips_exactly_what_git_ignores(tmp_path):
    """git itself is the oracle: `git check-ignore` on files in a real repository with a real .gitignore."""
    for path in GIT_PATHS:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")
    git("init", "-q", cwd=tmp_path)
    for globs in (GIT_GLOBS[:10], GIT_GLOBS[10:], [g for g in GIT_GLOBS if g not in ("*/", "!*/")]):
        (tmp_path / ".gitignore").write_text("\n".join(globs) + "\n")
        ignored = subprocess.run(["git", "check-ignore", "--stdin"], cwd=tmp_path, input="\n".join(GIT_PATHS),
                                 capture_output=True, text=True).stdout.split()
        path_filter = PathFilter([], str(tmp_path))

        def walk_skips(path):
            parts = path.split("/")
            return any(path_filter.skips(str(tmp_path.joinpath(*parts[:n])), is_dir=True)
                       for n in range(1, len(parts))) or path_filter.skips(str(tmp_path / path))

        assert sorted(p for p in GIT_PATHS if walk_skips(p)) == sorted(ignored), globs


def test_forty_thousand_globs_compile_once_and_only_candidates_are_tried():
    # the design, not a timing: the globs are indexed once, and a path compiles and tries only the
    # few globs whose literal it contains (see benchmarks in the report for the seconds)
    globs = [f"generated-{i}/" for i in range(10_000)] + [f"*.tmpl{i}.yaml" for i in range(10_000)] + \
            [f"apps/app{i}/*.secret.yaml" for i in range(10_000)] + [f"cache{i}-*" for i in range(10_000)]
    matcher = GlobSet(globs)
    assert len(matcher) == 40_000
    paths = [f"apps/app{i % 300}/env{i % 7}/file{i}.yaml" for i in range(5_000)] + ["x/generated-77",
                                                                                    "apps/app3/db.secret.yaml"]
    verdicts = [matcher.match(path, is_dir=path.endswith("77")) for path in paths]
    assert verdicts[-2:] == [True, True] and not any(verdicts[:-2])
    assert len(matcher._compiled) < 400  # compiled: candidates only (app{N} segments), not 40,000


@pytest.fixture
def repo(tmp_path):
    """A git repository with manifests in deploy/, a gitignored build/ and a gitignored file."""
    for directory in ("deploy", "build", "deploy/local"):
        (tmp_path / directory).mkdir()
    (tmp_path / "deploy" / "web.yaml").write_text(WEB_DEPLOYMENT + "---\n" + BROKEN_SERVICE.format(name="web"))
    (tmp_path / "build" / "rendered.yaml").write_text(BROKEN_SERVICE.format(name="rendered"))
    (tmp_path / "deploy" / "local" / "mine.yaml").write_text(BROKEN_SERVICE.format(name="mine"))
    (tmp_path / "deploy" / "local" / "shared.yaml").write_text(BROKEN_SERVICE.format(name="shared"))
    (tmp_path / ".gitignore").write_text("build/\n")
    (tmp_path / "deploy" / "local" / ".gitignore").write_text("*.yaml\n!shared.yaml\n")
    git("init", "-q", cwd=tmp_path)
    return tmp_path


def test_gitignore_is_honoured_by_default_and_no_gitignore_turns_it_off(repo):
    assert files_checked(portlint("check", "-f", "json", cwd=repo)) == [
        "./deploy/local/shared.yaml", "./deploy/web.yaml"]
    assert files_checked(portlint("check", "-f", "json", "--no-gitignore", cwd=repo)) == [
        "./build/rendered.yaml", "./deploy/local/mine.yaml", "./deploy/local/shared.yaml", "./deploy/web.yaml"]
    (repo / ".portlint.yaml").write_text("gitignore: false\n")
    assert "./build/rendered.yaml" in files_checked(portlint("check", "-f", "json", cwd=repo))
    assert "./build/rendered.yaml" not in files_checked(portlint("check", "-f", "json", "--gitignore", cwd=repo))


def test_gitignore_files_count_only_inside_a_git_repository(repo):
    subprocess.run(["rm", "-rf", str(repo / ".git")], check=True)
    assert "./build/rendered.yaml" in files_checked(portlint("check", "-f", "json", cwd=repo))


def test_a_path_named_on_the_command_line_is_checked_even_when_ignored(repo):
    result = portlint("check", "-f", "json", "build/rendered.yaml", "deploy/web.yaml", cwd=repo)
    assert files_checked(result) == ["build/rendered.yaml", "deploy/web.yaml"]
    # a named directory is walked (as ruff and ripgrep do); the .gitignore files below it still apply
    walked = portlint("check", "-f", "json", "build", "deploy/local", "deploy/web.yaml", cwd=repo)
    assert files_checked(walked) == ["build/rendered.yaml", "deploy/local/shared.yaml", "deploy/web.yaml"]


def test_info_exclude_and_the_root_gitignore_apply_from_a_subdirectory_walk(repo):
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("extra.yaml\nshared.yaml\n")
    (repo / "deploy" / "extra.yaml").write_text(BROKEN_SERVICE.format(name="extra"))
    # extra.yaml is excluded; deploy/local/.gitignore's `!shared.yaml` is deeper, so it wins
    assert files_checked(portlint("check", "deploy", "-f", "json", cwd=repo)) == [
        "deploy/local/shared.yaml", "deploy/web.yaml"]


def test_a_leading_dot_slash_in_exclude_anchors_at_the_config_file(tmp_path):
    path_filter = PathFilter(["./vendor"], str(tmp_path), gitignore=False)
    assert path_filter.skips(str(tmp_path / "vendor"), is_dir=True)
    assert not path_filter.skips(str(tmp_path / "lib" / "vendor"), is_dir=True)


def test_exclude_prunes_directories_so_their_files_cannot_be_re_included(tmp_path):
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "keep.yaml").write_text(BROKEN_SERVICE.format(name="keep"))
    (tmp_path / "vendor" / "drop.yaml").write_text(BROKEN_SERVICE.format(name="drop"))
    path_filter = PathFilter(["vendor/", "!vendor/keep.yaml"], str(tmp_path), gitignore=False)
    assert path_filter.skips(str(tmp_path / "vendor"), is_dir=True)  # git: a file in an excluded directory stays out
    contents = PathFilter(["vendor/*", "!vendor/keep.yaml"], str(tmp_path), gitignore=False)
    assert not contents.skips(str(tmp_path / "vendor"), is_dir=True)
    assert not contents.skips(str(tmp_path / "vendor" / "keep.yaml"))
    assert contents.skips(str(tmp_path / "vendor" / "drop.yaml"))


def test_paths_globs_in_the_config_file(tmp_path):
    for app in ("shop", "blog"):
        (tmp_path / "apps" / app / "deploy").mkdir(parents=True)
        (tmp_path / "apps" / app / "deploy" / "svc.yaml").write_text(BROKEN_SERVICE.format(name=app))
        (tmp_path / "apps" / app / "notes.yaml").write_text(BROKEN_SERVICE.format(name=app + "-notes"))
    (tmp_path / ".portlint.yaml").write_text("paths: ['apps/*/deploy']\n")
    assert expand("apps/*/deploy", str(tmp_path)) == [str(tmp_path / "apps" / "blog" / "deploy"),
                                                      str(tmp_path / "apps" / "shop" / "deploy")]
    assert files_checked(portlint("check", "-f", "json", cwd=tmp_path)) == [
        "apps/blog/deploy/svc.yaml", "apps/shop/deploy/svc.yaml"]
    (tmp_path / ".portlint.yaml").write_text("paths: ['apps/**/notes.yaml', 'nothing/*']\n")
    result = portlint("check", "-f", "json", cwd=tmp_path)
    assert files_checked(result) == ["apps/blog/notes.yaml", "apps/shop/notes.yaml"]
    assert "portlint: warning: paths: 'nothing/*' matches nothing" in result.stderr


def test_the_config_is_found_from_the_checked_paths_not_the_working_directory(tmp_path):
    repo, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    (repo / "deploy").mkdir(parents=True)
    elsewhere.mkdir()
    (repo / "deploy" / "svc.yaml").write_text(BROKEN_SERVICE.format(name="web"))
    (repo / ".portlint.yaml").write_text("ignore: [port-number-invalid, service-no-selector]\n")
    (elsewhere / ".portlint.yaml").write_text("fail-on: info\n")
    assert portlint("check", str(repo / "deploy"), cwd=elsewhere).returncode == 0
    assert portlint("check", str(repo / "deploy" / "svc.yaml"), cwd=elsewhere).returncode == 0
    # stdin has no path: the working directory's configuration applies
    piped = subprocess.run([sys.executable, "-m", "portlint", "check", "-"], input=BROKEN_SERVICE.format(name="x"),
                           capture_output=True, text=True, cwd=elsewhere, timeout=60)
    assert piped.returncode == 1


def test_the_project_depends_on_pathspec():
    assert '"pathspec>=' in (ROOT / "pyproject.toml").read_text()
