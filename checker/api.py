"""The library surface: ``check(paths, settings) -> Report`` and ``explain(paths, settings)``.

The front doors (the command line, the pre-commit hook, the GitHub Action) only parse options and
call these; the work is done by :mod:`checker.pipeline`.
"""

from __future__ import annotations

from checker.pipeline import check, explain

__all__ = ["check", "explain"]
