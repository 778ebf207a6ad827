"""The library surface: ``check(paths, settings) -> Report``, ``explain(paths, settings)`` and, for
editors and tests, ``check_text(text, filename, settings) -> Report``.

The front doors (the command line, the pre-commit hook, the GitHub Action) only parse options and
call these; the work is done by :mod:`checker.pipeline`. The types a caller needs are here too.
"""

from __future__ import annotations

from checker.pipeline import check, check_text, explain
from checker.report import ExplainEntry, Report
from checker.settings import InputError, Settings, load_settings

__all__ = ["ExplainEntry", "InputError", "Report", "Settings", "check", "check_text", "explain", "load_settings"]
