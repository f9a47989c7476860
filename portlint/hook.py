"""`portlint check --pre-commit`: the hook's quick exit when a commit touches no manifest.

The hook checks the whole manifest set on every commit (pass_filenames: false), and it must run
when a commit only deletes a file: pre-commit never passes deleted files to a hook, so a type
filter would skip exactly the commit that deletes the Deployment a Service selects. So the hook
always runs, and asks git what the commit changes. Only inside git's own commit hooks (git sets
GIT_INDEX_FILE for them) does it skip: when no *.yaml, *.yml or *.json file is added, changed,
renamed or deleted in the index. Run any other way (`pre-commit run --all-files` in CI), it checks.
"""

from __future__ import annotations

import os
import subprocess

from portlint.loader import YAML_SUFFIXES


def commit_touches_no_manifest() -> bool:
    """True only inside a git commit hook whose staged changes include no YAML or JSON file."""
    if not os.environ.get("GIT_INDEX_FILE"):
        return False
    try:
        staged = subprocess.run(["git", "diff", "--cached", "--name-only", "--no-renames", "-z"],
                                capture_output=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return False  # when git cannot tell, check
    names = [name for name in staged.decode("utf-8", "surrogateescape").split("\0") if name]
    return not any(name.endswith(YAML_SUFFIXES) for name in names)
