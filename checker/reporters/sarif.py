"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

- One run; ``tool.driver.rules`` holds every rule of the registry (short description = the title,
  full description = "What it does", help = the whole documentation in Markdown and as text,
  ``helpUri``, default level and whether the profile enables it, GitHub's ``security-severity``,
  ``precision`` and ``tags``).
- Each result: rule id and index, level, the message followed by the offending actions, one
  location with a repository-relative URI (``uriBaseId`` ``%SRCROOT%``: relative to the git root
  around the working directory, else to the working directory) and a region with start and end
  lines, the policy's address as a logical location, and ``partialFingerprints`` from the finding's
  fingerprint (rule, file, address, model path; never the message or the line).
- Deterministic: no timestamps, no absolute paths, stable order.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from checker.engine.findings import Finding, Severity
from checker.reporters._common import base_dir, list_actions, plain, repo_relative, rule_classes, rule_doc

if TYPE_CHECKING:
    from checker.engine.rule import Rule
    from checker.report import Report

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/check-permissions/check-permissions"
FINGERPRINT_KEY = "checkPermissions/v1"
SRCROOT = "%SRCROOT%"
# Actions named in a result's message; all of them are in ``properties.actions``.
MESSAGE_ACTIONS = 50

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
# GitHub code scanning ranks security alerts by ``security-severity`` (0.0-10.0): >= 7 high,
# >= 4 medium. A rule may set ``security_severity`` itself; otherwise its default severity decides.
_SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.NOTE: "2.0"}
# The id bands of CONVENTIONS.md, as tags.
_BAND_TAGS = {
    "0": "correctness", "1": "least-privilege", "2": "privilege-escalation", "3": "data-exposure",
    "4": "trust", "5": "policy-grammar", "9": "custom",
}


def rule_descriptor(cls: type[Rule], report: Report) -> dict[str, Any]:
    doc = rule_doc(cls)
    what = plain(doc.what, join=True) or doc.title
    help_text = plain(doc.body) or doc.title
    severity = report.profile.rule_severity(cls.id, cls.severity)
    tags = ["security", "aws", "iam", _BAND_TAGS.get(cls.id[3:4], "other")]
    if not cls.ignorable:
        tags.append("cannot-be-suppressed")
    security_severity = getattr(cls, "security_severity", None) or _SECURITY_SEVERITY[severity]
    return {
        "id": cls.id,
        "name": cls.name,
        "shortDescription": {"text": doc.title},
        "fullDescription": {"text": what},
        "help": {"text": help_text, "markdown": f"**{cls.id} {cls.name}**: {doc.title}\n\n{doc.body}\n"},
        "helpUri": cls.help_url(),
        "defaultConfiguration": {"enabled": report.profile.rule_enabled(cls.id), "level": _LEVEL[severity]},
        "properties": {
            "tags": tags,
            "precision": "very-high",
            "problem.severity": _LEVEL[severity] if severity is not Severity.NOTE else "recommendation",
            "security-severity": str(security_severity),
            "ignorable": cls.ignorable,
            **({"aliases": list(cls.aliases)} if cls.aliases else {}),
        },
    }


def message(f: Finding) -> str:
    text = f.message
    if f.actions:
        text += f"\nActions ({len(f.actions)}): {list_actions(f.actions, MESSAGE_ACTIONS)}"
    if f.address and f.address != f.file:
        text += f"\nPolicy: {f.address}" + (f" ({f.path})" if f.path else "")
    return text


def result(f: Finding, index: int | None, uri: str) -> dict[str, Any]:
    start = max(f.line, 1)
    region = {"startLine": start, "endLine": max(f.end_line, start)}
    location: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": SRCROOT}, "region": region},
    }
    if f.address:
        location["logicalLocations"] = [{
            "name": f.address,
            "fullyQualifiedName": f"{f.address}/{f.path}" if f.path else f.address,
            "kind": "resource",
        }]
    out: dict[str, Any] = {"ruleId": f.rule_id}
    if index is not None:
        out["ruleIndex"] = index
    out |= {
        "level": _LEVEL[f.severity],
        "message": {"text": message(f)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {"address": f.address, "path": f.path, "actions": list(f.actions)},
    }
    return out


def to_sarif(report: Report) -> dict[str, Any]:
    from checker import __version__

    classes = rule_classes()
    index = {rid: i for i, rid in enumerate(classes)}
    base = base_dir()
    uris: dict[str, str] = {}

    def uri(file: str) -> str:
        if file not in uris:
            uris[file] = quote(repo_relative(file, base), safe="/")
        return uris[file]

    results = [result(f, index.get(f.rule_id), uri(f.file)) for f in report.findings]
    notifications = [
        {"level": "note", "message": {"text": f"skipped {s.address}: {s.reason}"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(s.file), "uriBaseId": SRCROOT}}}]}
        for s in report.load.skipped
    ]
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "check-permissions",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [rule_descriptor(cls, report) for cls in classes.values()],
            }
        },
        "invocations": [invocation],
        "artifacts": [{"location": {"uri": uri(file), "uriBaseId": SRCROOT}} for file in report.load.files],
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {
            "profile": report.profile.name,
            "failOn": report.fail_on.value,
            "passed": report.passed,
            "catalog": report.catalog,
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Report, *, color: bool = False) -> str:
    return json.dumps(to_sarif(report), indent=2, ensure_ascii=False) + "\n"
