"""Paths as reports show them (data only: no analysis, no imports of the project)."""

from __future__ import annotations

import os
from pathlib import Path


def display_path(path: Path) -> str:
    """A path as reports show it: relative to the working directory when inside it, POSIX style."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path.as_posix()
    if rel == "." or rel.startswith(".."):
        return path.as_posix()
    return rel if os.sep == "/" else Path(rel).as_posix()
