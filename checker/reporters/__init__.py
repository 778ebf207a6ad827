"""Reporters turn a report into text for people or machines; one module per format."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from checker.api import Report


class Reporter(Protocol):
    def __call__(self, report: Report, *, color: bool = False) -> str: ...


# format name -> module defining ``render(report, *, color) -> str``; imported only when used.
REPORTERS: dict[str, str] = {
    "text": "checker.reporters.text",
    "json": "checker.reporters.json_report",
    "sarif": "checker.reporters.sarif",
    "junit": "checker.reporters.junit",
    "github": "checker.reporters.github",
    "markdown": "checker.reporters.markdown",
}


def get_reporter(name: str) -> Reporter:
    """The renderer of a format; what it renders shows sensitive values as ``(sensitive)``."""
    try:
        module = importlib.import_module(REPORTERS[name])
    except KeyError:
        raise ValueError(f"unknown format {name!r}: choose from {', '.join(REPORTERS)}") from None
    render: Reporter = module.render

    def redacted(report: Report, *, color: bool = False) -> str:
        from checker.reporters._redact import redact, sensitive_strings

        return redact(render(report, color=color), sensitive_strings(report.load))

    return redacted
