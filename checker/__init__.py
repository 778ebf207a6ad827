"""check-permissions: prove that an AWS IAM policy is what it claims."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

__version__ = "0.1.0"


def data_file(*parts: str) -> Path:
    """A file shipped in the package's ``data`` folder (a plain path: cheaper than importlib.resources)."""
    from pathlib import Path

    return Path(__file__).parent.joinpath("data", *parts)
