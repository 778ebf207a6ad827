"""JUnit XML for CI systems that show test results (GitLab, Jenkins, Azure Pipelines ...).

One ``<testsuite>`` per file, one ``<testcase>`` per policy (its address, as ``classname``) and
enabled rule that judges that kind of policy (as ``name``: ``IAM101 write-action-allowed``). A
test case fails when the rule has a finding on the policy that fails the gate; the ``<failure>``
carries the first message as its ``message`` and every finding (line, message, actions) as its
text. Findings below the fail threshold leave the test case passing and are listed in its
``<system-out>``. A file that could not be read at all is a failing ``IAM001`` test case; items
skipped on purpose (a ``count = 0`` instance) are skipped test cases with the reason.
No timestamps or durations: two runs on the same input are byte-identical.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import TYPE_CHECKING

from checker.engine.findings import Finding
from checker.reporters._common import list_actions, rule_classes

if TYPE_CHECKING:
    from checker.report import Report

SUITES_NAME = "check-permissions"
# Characters XML 1.0 cannot carry at all (even escaped); policies and file names may hold them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _detail(f: Finding) -> str:
    return _x(_detail_raw(f))


def _detail_raw(f: Finding) -> str:
    text = f"{f.file}:{f.line}: {f.severity.value} {f.rule_id} {f.rule_name}: {f.message}"
    if f.path:
        text += f"\n  at {f.path}"
    if f.actions:
        text += f"\n  actions ({len(f.actions)}): {list_actions(f.actions, 200)}"
    return text


def render(report: Report, *, color: bool = False) -> str:
    classes = rule_classes()
    active = [cls for cls in classes.values() if report.profile.rule_enabled(cls.id)]
    # (file, address) -> rule id -> findings, in the order policies were found
    cases: dict[tuple[str, str], dict[str, list[Finding]]] = {}
    for doc in report.load.documents:
        per_rule = cases.setdefault((doc.file, doc.address), {})
        for cls in active:
            if doc.kind in cls.kinds:
                per_rule.setdefault(cls.id, [])
    for f in report.findings:
        # A finding on a file that never became a policy (unparseable) gets its own case.
        cases.setdefault((f.file, f.address or f.file), {}).setdefault(f.rule_id, []).append(f)

    by_file: dict[str, list[tuple[str, dict[str, list[Finding]]]]] = defaultdict(list)
    for (file, address), per_rule in cases.items():
        by_file[file].append((address, per_rule))
    skipped_by_file: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for s in report.load.skipped:
        skipped_by_file[s.file].append((s.address, s.reason))

    root = ET.Element("testsuites", name=SUITES_NAME)
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for file in sorted(set(by_file) | set(skipped_by_file)):
        suite = ET.SubElement(root, "testsuite", name=_x(file))
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        for address, per_rule in by_file.get(file, []):
            for rule_id in sorted(per_rule):
                findings = per_rule[rule_id]
                known = classes.get(rule_id)
                name = f"{rule_id} {known.name if known else findings[0].rule_name}"
                case = ET.SubElement(suite, "testcase", classname=_x(address), name=_x(name), file=_x(file))
                counts["tests"] += 1
                failing = [f for f in findings if f.severity.at_least(report.fail_on)]
                passing = [f for f in findings if not f.severity.at_least(report.fail_on)]
                if failing:
                    counts["failures"] += 1
                    first = failing[0]
                    failure = ET.SubElement(case, "failure", message=_x(first.message),
                                            type=first.severity.value)
                    failure.text = "\n\n".join(_detail(f) for f in failing)
                if passing:
                    out = ET.SubElement(case, "system-out")
                    out.text = "\n\n".join(_detail(f) for f in passing)
        for address, reason in skipped_by_file.get(file, []):
            case = ET.SubElement(suite, "testcase", classname=_x(address), name="skipped", file=_x(file))
            ET.SubElement(case, "skipped", message=_x(reason))
            counts["tests"] += 1
            counts["skipped"] += 1
        suite.set("tests", str(counts["tests"]))
        suite.set("failures", str(counts["failures"]))
        suite.set("errors", "0")
        suite.set("skipped", str(counts["skipped"]))
        for k, v in counts.items():
            totals[k] += v
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", "0")
    root.set("skipped", str(totals["skipped"]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
