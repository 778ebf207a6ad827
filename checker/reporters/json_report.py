"""The JSON report (documented in docs/output.md): stable key order, no timestamps, relative paths."""

from __future__ import annotations

from collections.abc import Sequence
from json.encoder import encode_basestring
from typing import TYPE_CHECKING

from checker.reporters._jsonfmt import Unusual, Verbatim, dumps

if TYPE_CHECKING:
    from checker.api import Report
    from checker.engine.findings import Finding


def render(report: Report, *, color: bool = False) -> str:
    try:
        return dumps(report.as_dict(findings=Verbatim(findings_text(report.findings)))) + "\n"
    except Unusual:
        return dumps(report.to_dict()) + "\n"


def findings_text(findings: Sequence[Finding]) -> str:
    """The report's ``findings`` list as :func:`dumps` writes it there (one level deep), each
    finding written with one join instead of a walk of its ``to_dict()``: a large run has tens of
    thousands. ``tests/test_reporters.py`` compares the text with ``json.dumps``."""
    if not findings:
        return "[]"
    enc = encode_basestring
    texts = []
    for f in findings:
        actions = f.actions
        texts.append("".join((
            '{\n      "rule_id": ', enc(f.rule_id),
            ',\n      "rule_name": ', enc(f.rule_name),
            ',\n      "severity": ', enc(f.severity.value),
            ',\n      "title": ', enc(f.title),
            ',\n      "message": ', enc(f.message),
            ',\n      "file": ', enc(f.file),
            ',\n      "line": ', int.__repr__(f.line),
            ',\n      "end_line": ', int.__repr__(f.end_line),
            ',\n      "address": ', enc(f.address),
            ',\n      "path": ', enc(f.path),
            ',\n      "actions": ',
            "[\n        " + ",\n        ".join(map(enc, actions)) + "\n      ]" if actions else "[]",
            ',\n      "fingerprint": ', enc(f.fingerprint),
            "\n    }",
        )))
    return "[\n    " + ",\n    ".join(texts) + "\n  ]"
