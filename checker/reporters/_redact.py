"""Sensitive values never reach a report: every rendered report passes through :func:`redact`.

A front end records, per policy document, the strings that derive from a sensitive value
(``PolicyDocument.sensitive``: Terraform's ``sensitive = true`` variables and what Terraform marks
from them, see ``checker.terraform.values``). The analysis reads the real values; the reporters'
one entry points (:func:`checker.reporters.get_reporter` and ``render_explain``) replace each of
those strings by ``(sensitive)`` in what they produce, whichever format: a finding's message, the
policy shown by ``explain``, a source line of a tfvars file. The strings are matched as written in
the output, also as JSON, XML, Markdown tables and GitHub annotations escape them.

A string shorter than :data:`MIN_SUBSTRING` characters is replaced only where it stands alone
(not inside a longer word): replacing every ``ab`` of a report would make it unreadable. A source
line cut short for display (``...``) in the middle of a sensitive string is replaced from the
string's first :data:`MIN_SUBSTRING` characters on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checker.engine.findings import Finding
    from checker.model import LoadResult, PolicyDocument
    from checker.report import Report

SHOWN = "(sensitive)"
MIN_SUBSTRING = 4
_WORD = "A-Za-z0-9_"


def sensitive_strings(load: LoadResult, documents: Iterable[PolicyDocument] = ()) -> frozenset[str]:
    """The sensitive strings of every document of a load (and of ``documents``)."""
    out: set[str] = set()
    for doc in (*load.documents, *documents):
        out |= doc.sensitive
    return frozenset(s for s in out if s)


def _forms(secret: str) -> set[str]:
    """``secret`` as each output format may write it."""
    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    xml = secret.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    forms |= {xml, xml.replace('"', "&quot;").replace("'", "&apos;"), xml.replace('"', "&quot;").replace("'", "&#x27;")}
    forms.add(secret.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;"))
    github = secret.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    forms |= {github, github.replace(":", "%3A").replace(",", "%2C")}
    return {f for f in forms if f}


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every sensitive string (in any of its escaped forms) shown as ``(sensitive)``."""
    long_forms: set[str] = set()
    short_forms: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        (long_forms if len(secret) >= MIN_SUBSTRING else short_forms).update(_forms(secret))
    if not long_forms and not short_forms:
        return text
    ordered = sorted(long_forms, key=lambda f: (-len(f), f))
    parts = [re.escape(f) for f in ordered]
    # a line cut short for display ("... s3cr3t-va...") shows the beginning of the secret
    parts += [re.escape(f[:k]) + r"\.\.\." for f in ordered for k in range(len(f) - 1, MIN_SUBSTRING - 1, -1)]
    parts += [f"(?<![{_WORD}]){re.escape(f)}(?![{_WORD}])" for f in sorted(short_forms, key=lambda f: (-len(f), f))]
    return re.sub("|".join(parts), SHOWN, text)


def redact_report(report: Report, secrets: Iterable[str]) -> Report:
    """``report`` with every finding's message (and each suppressed one's) redacted, for renderers
    that reshape messages (wrapping) before :func:`redact` sees the text."""
    from dataclasses import replace

    chosen = list(secrets)

    def clean(finding: Finding) -> Finding:
        message = redact(finding.message, chosen)
        return finding if message == finding.message else replace(finding, message=message)

    return replace(report, findings=[clean(f) for f in report.findings],
                   suppressed=[s._replace(finding=clean(s.finding)) for s in report.suppressed])
