"""A committed copy of this repository's working tree, for tests that need "the repository at a ref".

`pre-commit try-repo` takes committed files (plus tracked changes, never new untracked files), and
`pip install <action path>` builds in the source tree; both are pointed at this copy instead, so
the tests judge the working tree (a developer's uncommitted work, or CI's fresh clone) and never
write into the checkout.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import urllib.parse
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
_SKIP_DIRS = {".git", ".venv", "venv", "build", "dist", "__pycache__", ".pytest_cache", ".mypy_cache",
              ".ruff_cache", ".hypothesis", ".terraform", "node_modules"}
GIT_ENV = {
    "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2000-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(*args: str, cwd: Path) -> str:
    env = {**os.environ, **GIT_ENV}
    r = subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
                       cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed in {cwd}: {r.stderr}")
    return r.stdout


def _tracked_and_new(repo: Path) -> list[str] | None:
    """Files git would commit with `git add -A`: tracked ones that exist, and untracked ones not ignored."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=repo, capture_output=True, timeout=60, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return [f for f in out.decode().split("\0") if f and (repo / f).is_file()]


def snapshot(dest: Path) -> Path:
    """Copy the working tree to ``dest`` and commit it there (one commit, fixed dates)."""
    files = _tracked_and_new(REPO)
    if files is None:  # not a git checkout (an unpacked source archive): copy what is there
        shutil.copytree(REPO, dest, ignore=lambda d, names: [n for n in names if n in _SKIP_DIRS
                                                             or n.endswith(".egg-info")])
    else:
        for rel in files:
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, target)
    git("init", "-q", ".", cwd=dest)
    git("add", "-A", cwd=dest)
    git("commit", "-q", "-m", "snapshot of the working tree", cwd=dest)
    return dest


def package_index_reachable(timeout: float = 3.0) -> bool:
    """True when pip's index answers a TCP connection (PIP_INDEX_URL, else PyPI)."""
    url = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple")
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "file":
        return True
    host = parsed.hostname or "pypi.org"
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def load_script(stem: str) -> ModuleType:
    """``scripts/<stem>.py`` as a module (the scripts are not a package): tests call their functions."""
    spec = importlib.util.spec_from_file_location(stem, REPO / "scripts" / f"{stem}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module
