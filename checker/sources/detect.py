"""Cheap content checks that decide which front end reads a file, without importing any of them."""

from __future__ import annotations

import re

_PLAN_HINT = re.compile(rb'"(planned_values|resource_changes)"\s*:')


def is_plan(data: bytes | str) -> bool:
    """True for the JSON of ``terraform show -json`` (a plan), by content."""
    head = data if isinstance(data, bytes) else data.encode("utf-8", "replace")
    return b'"format_version"' in head and _PLAN_HINT.search(head) is not None
