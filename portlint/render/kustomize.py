"""Running kustomize: `kustomize build` when it is on PATH, else `kubectl kustomize` (or the configured one).

Each root is built through a temporary wrapper kustomization that lists the root as its only
resource and asks for `buildMetadata: [originAnnotations]`, so every rendered object names the file
it came from; the user's files are never written. Builds run in parallel, one per core, and each
root is built once per run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass

TIMEOUT_SECONDS = 120
WRAPPER = """\
# Written by portlint in a temporary directory: builds one root with origin annotations.
resources:
  - {root}
buildMetadata: [originAnnotations]
"""
_KLOG_BLOCK = re.compile(r'err=<\n(.*?)\n\s*>\s*$', re.S)
_KLOG_LINE = re.compile(r'err="((?:[^"\\]|\\.)*)"')
# what the wrapper itself adds in front of the root's own error
_WRAPPER_PREFIX = re.compile(
    r"^accumulating resources: accumulation err='accumulating resources from '[^']*': "
    r"(?:'[^']*' must resolve to a file|read [^:']*: is a directory)': "
    r"(?:recursed accumulation of path '[^']*': |couldn't make target for path '[^']*': )?")


@dataclass
class Build:
    """The result of building one kustomization root: its rendered text or kustomize's error."""

    directory: str
    wrapper: str  # the wrapper's directory: rendered origin paths are relative to it
    text: str | None = None  # the rendered YAML, when the build succeeded
    error: str | None = None  # kustomize's own message, when it failed
    seconds: float = 0.0


def command(choice: str | None = None) -> list[str] | None:
    """The command that builds a directory: `choice` (kustomize, kubectl or a path), else kustomize on
    PATH, else kubectl; None when the binary is not there."""
    if choice:
        found = shutil.which(choice)
        if found is None:
            return None
        return [found, "kustomize"] if os.path.basename(found).startswith("kubectl") else [found, "build"]
    for name, verb in (("kustomize", "build"), ("kubectl", "kustomize")):
        found = shutil.which(name)
        if found:
            return [found, verb]
    return None


class Builder:
    """Builds roots with one command, each at most once (the cache lives as long as the run)."""

    def __init__(self, build_command: list[str]) -> None:
        self.command = build_command
        self._builds: dict[str, Build] = {}

    def build_all(self, directories: list[str]) -> dict[str, Build]:
        pending = [d for d in dict.fromkeys(directories) if d not in self._builds]
        if pending:
            # imported here (with tempfile, below): most checks render nothing, and these imports are
            # a tenth of a small check's start-up
            from concurrent.futures import ThreadPoolExecutor

            workers = max(1, min(len(pending), os.cpu_count() or 1))
            with ThreadPoolExecutor(max_workers=workers) as pool:
                for build in pool.map(self._build, pending):
                    self._builds[build.directory] = build
        return {d: self._builds[d] for d in directories}

    def _build(self, directory: str) -> Build:
        import tempfile

        started = time.perf_counter()
        wrapper = tempfile.mkdtemp(prefix="portlint-kustomize-")
        build = Build(directory, wrapper)
        try:
            with open(os.path.join(wrapper, "kustomization.yaml"), "w", encoding="utf-8") as handle:
                handle.write(WRAPPER.format(root=_quoted(os.path.relpath(directory, wrapper))))
            done = subprocess.run([*self.command, wrapper], capture_output=True, timeout=TIMEOUT_SECONDS,
                                  stdin=subprocess.DEVNULL)
            if done.returncode == 0:
                build.text = done.stdout.decode("utf-8", errors="replace")
            else:
                build.error = clean_message(done.stderr.decode("utf-8", errors="replace"), directory, wrapper)
        except subprocess.TimeoutExpired:
            build.error = f"kustomize did not finish within {TIMEOUT_SECONDS} seconds"
        except OSError as error:
            build.error = f"cannot run {self.command[0]}: {error.strerror or error}"
        finally:
            shutil.rmtree(wrapper, ignore_errors=True)
            build.seconds = time.perf_counter() - started
        return build


def _quoted(path: str) -> str:
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def clean_message(stderr: str, directory: str, wrapper: str) -> str:
    """kustomize's own message, without kubectl's log decoration or what the wrapper adds to it."""
    text = stderr.strip()
    block = _KLOG_BLOCK.search(text)
    line = _KLOG_LINE.search(text)
    if block:
        text = "\n".join(part[1:] if part.startswith("\t") else part for part in block.group(1).splitlines())
    elif line:
        text = line.group(1).encode("utf-8").decode("unicode_escape", errors="replace")
    else:
        kept = [part for part in text.splitlines() if part.strip() and not part.startswith("# Warning:")]
        text = "\n".join(kept)
        text = text[len("Error: "):] if text.startswith("Error: ") else text
    text = _WRAPPER_PREFIX.sub("", text, count=1)
    text = text.replace(os.path.relpath(directory, wrapper), directory).replace(wrapper, "<wrapper>")
    return " ".join(text.split()) or "kustomize failed without a message"
