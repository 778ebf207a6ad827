"""The JSON report (documented in the README): stable key order, no timestamps, relative paths."""

from __future__ import annotations

from typing import TYPE_CHECKING

from checker.reporters._jsonfmt import dumps

if TYPE_CHECKING:
    from checker.api import Report


def render(report: Report, *, color: bool = False) -> str:
    return dumps(report.to_dict()) + "\n"
