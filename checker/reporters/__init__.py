"""Reporters turn a report into text for people or machines; one module per format."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from checker.report import Report


class Reporter(Protocol):
    def __call__(self, report: Report, *, color: bool = False, **options: Any) -> str: ...


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
    """The renderer of a format; what it renders shows sensitive values as ``(sensitive)``.

    ``options`` go to the format's own ``render`` (the text format's width, quiet, show_suppressed).
    Finding messages are redacted before rendering (a wrapped line cannot split a secret), and the
    rendered text after it (source lines, documents)."""
    try:
        module = importlib.import_module(REPORTERS[name])
    except KeyError:
        raise ValueError(f"unknown format {name!r}: choose from {', '.join(REPORTERS)}") from None
    render: Reporter = module.render

    def redacted(report: Report, *, color: bool = False, **options: Any) -> str:
        from checker.reporters._redact import redact, redact_report, sensitive_strings

        secrets = sensitive_strings(report.load)
        if not secrets:
            return render(report, color=color, **options)
        return redact(render(redact_report(report, secrets), color=color, **options), secrets)

    return redacted
