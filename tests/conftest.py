import copy
import os
import textwrap
from pathlib import Path

import pytest

from portlint.run import check_text
from portlint.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "real"
CORPUS2 = ROOT.parent / "shared" / "corpus" / "real2"

# A Deployment app=web whose container declares port 80.
WEB_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx
          ports:
            - containerPort: 80
"""

# A Service: format(name=..., app=..., port=...).
SERVICE_TEMPLATE = """\
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app: {app}}}
  ports:
    - port: {port}
"""

# Pods in the namespace, for tests of Services that select nothing: without any pods there, such a
# Service is taken to front pods installed by other means and is not reported.
OTHER_PODS = """\
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: other
spec:
  selector:
    matchLabels:
      app: other
  template:
    metadata:
      labels:
        app: other
    spec:
      containers:
        - name: other
          image: nginx
"""


def json_paths(value, prefix=()):
    """Every path (a tuple of keys and indices) into a JSON-like value, the empty one first."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from json_paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from json_paths(child, prefix + (index,))


def mutate(data, path: tuple, action):
    """A deep copy of `data` with the field at `path` dropped (action "drop"), a list item at `path` repeated
    at the list's end ("duplicate"), or the field set to `action` (a new key when the last step is not there yet)."""
    data = copy.deepcopy(dict(data))
    if not path:
        return data
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    if action == "drop":
        if isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
    elif action == "duplicate" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[path[-1]]))
    else:
        parent[path[-1]] = action
    return data


def lint(text: str, **settings) -> list:
    """All findings for a YAML text checked as one cluster."""
    return check_text(textwrap.dedent(text), Settings(**settings)).findings


def rule_ids(findings) -> list[str]:
    return [f.rule for f in findings]


def only(findings, rule: str) -> list:
    return [f for f in findings if f.rule == rule]


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("the shared real-world corpus (../shared/corpus/real) is not present")
    return CORPUS


@pytest.fixture(scope="session")
def corpus2() -> Path:
    if not CORPUS2.is_dir():
        pytest.skip("the second real-world corpus (../shared/corpus/real2) is not present")
    return CORPUS2


@pytest.fixture(autouse=True)
def _no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    os.environ.pop("CLICOLOR_FORCE", None)



def unprivileged():
    """For subprocess's preexec_fn: let file permissions apply to the program it runs, as they do
    for every user but root. As root, drop the capabilities that let root read any file and enter
    any directory (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) from the bounding set, so the program
    exec'd does not get them."""
    if os.geteuid() != 0:
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def run_portlint(*args, cwd=None, stdin=None, env=None, timeout=60, **options):
    """`python -m portlint ARGS` in a subprocess, plain (NO_COLOR), with bytes in and out."""
    import subprocess
    import sys

    environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
    environment.pop("FORCE_COLOR", None)
    return subprocess.run([sys.executable, "-m", "portlint", *map(os.fsdecode, args)], input=stdin,
                          capture_output=True, cwd=cwd or ROOT, env=environment, timeout=timeout, **options)


def tree_bytes(root) -> dict:
    """Every file below `root` (not following links) → its bytes: to prove a run changed nothing."""
    found = {}
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            found[path] = os.readlink(path) if os.path.islink(path) else Path(path).read_bytes()
    return found
