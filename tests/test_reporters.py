"""The output formats: SARIF against the official schema, JUnit through an XML parser, GitHub workflow
commands line by line, Markdown, text, the progress bar, and --format/--output pairs end to end."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from ptyrun import run_on_pty

from checker.api import check
from checker.engine.findings import Finding, Severity
from checker.engine.registry import all_rules
from checker.model import LoadResult
from checker.report import Report
from checker.reporters import REPORTERS, get_reporter
from checker.settings import Settings

REPO = Path(__file__).resolve().parents[1]
CASES_DIR = Path(__file__).parent / "rules"

READ_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Ce", "Effect": "Allow", "Action": ["ce:GetCostAndUsage", "s3:ListBucket"],
                   "Resource": "*"}],
}
# Line 9 is "s3:PutObject", lines 15-17 the NotAction element (json.dumps(indent=2) layout).
WRITE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "W", "Effect": "Allow", "Action": ["ce:GetCostAndUsage", "s3:PutObject"], "Resource": "*"},
        {"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"},
    ],
}

# Only a write (line 9) on one bucket: the audit profile reports it as a warning that does not fail.
SMALL_WRITE = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "W", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:PutObject"],
                   "Resource": "arn:aws:s3:::cur-bucket/*"}],
}


def write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")
    return path


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "NO_COLOR")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, str(REPO / "check_permissions.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, env=full_env)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


def failing_report(root: Path) -> Report:
    write(root / "pol" / "w.json", WRITE)
    return check([Path("pol/w.json")], Settings())


def by_rule(report: Report) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for f in report.findings:
        out.setdefault(f.rule_id, []).append(f)
    return out


# --- SARIF -----------------------------------------------------------------------------------------


@pytest.fixture
def sarif_validator(shared_data: Path) -> Any:
    import jsonschema

    schema = json.loads((shared_data / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def sarif_of(report: Report, validator: Any) -> dict[str, Any]:
    text = get_reporter("sarif")(report, color=False)
    data: dict[str, Any] = json.loads(text)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    return data


def test_sarif_clean_run_is_valid_and_describes_every_rule(in_tmp: Path, sarif_validator: Any) -> None:
    write(in_tmp / "ro.json", READ_ONLY)
    report = check([Path("ro.json")], Settings())
    assert report.findings == []
    data = sarif_of(report, sarif_validator)
    assert data["version"] == "2.1.0"
    [run] = data["runs"]
    assert run["results"] == []
    assert run["artifacts"] == [{"location": {"uri": "ro.json", "uriBaseId": "%SRCROOT%"}}]
    driver = run["tool"]["driver"]
    assert driver["name"] == "check-permissions"
    registry = all_rules()
    assert [r["id"] for r in driver["rules"]] == [cls.id for cls in registry]
    for descriptor, cls in zip(driver["rules"], registry, strict=True):
        assert descriptor["name"] == cls.name
        assert descriptor["shortDescription"]["text"] == cls.title()
        assert descriptor["fullDescription"]["text"] and "##" not in descriptor["fullDescription"]["text"]
        assert "## Why is this bad?" in descriptor["help"]["markdown"]
        assert "Why is this bad?" in descriptor["help"]["text"] and "`" not in descriptor["help"]["text"]
        assert descriptor["helpUri"] == cls.help_url()
        assert descriptor["helpUri"].endswith(f"rules/README.md#{cls.id.lower()}-{cls.name}")
        assert descriptor["defaultConfiguration"]["level"] == report.profile.rule_severity(
            cls.id, cls.severity).value
        props = descriptor["properties"]
        assert 0.0 <= float(props["security-severity"]) <= 10.0
        assert "security" in props["tags"]
        assert ("cannot-be-suppressed" in props["tags"]) is (not cls.ignorable)


def test_sarif_failing_run_exact_results(in_tmp: Path, sarif_validator: Any) -> None:
    report = failing_report(in_tmp)
    data = sarif_of(report, sarif_validator)
    [run] = data["runs"]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    results = {(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]): r
               for r in run["results"]}
    assert len(results) == len(run["results"]) == len(report.findings)
    write_result = results[("IAM101", 9)]
    assert rules[write_result["ruleIndex"]] == "IAM101"
    assert write_result["level"] == "error"
    phys = write_result["locations"][0]["physicalLocation"]
    assert phys == {"artifactLocation": {"uri": "pol/w.json", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 9, "endLine": 9}}
    text = write_result["message"]["text"]
    assert text.startswith("Sid 'W' allows 1 action(s) beyond List/Read")
    assert text.splitlines()[1] == "Actions (1): s3:PutObject"
    [finding] = [f for f in report.findings if f.rule_id == "IAM101" and f.line == 9]
    assert write_result["partialFingerprints"] == {"checkPermissions/v1": finding.fingerprint}
    assert write_result["properties"]["actions"] == ["s3:PutObject"]
    assert write_result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == \
        "pol/w.json/Statement/0"
    # The NotAction statement: a region over several lines; its message lists 50 actions, then a count.
    not_action = results[("IAM102", 15)]
    region = not_action["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 15, "endLine": 17}
    write_all = [r for r in run["results"] if r["ruleId"] == "IAM101" and r is not write_result]
    [big] = write_all
    assert "more)" in big["message"]["text"] and len(big["properties"]["actions"]) > 10_000


def test_sarif_is_deterministic_and_has_no_absolute_paths(in_tmp: Path) -> None:
    report = failing_report(in_tmp)
    first = get_reporter("sarif")(report, color=False)
    second = get_reporter("sarif")(failing_report(in_tmp), color=False)
    assert first == second
    assert str(in_tmp) not in first and "file://" not in first
    assert "TimeUtc" not in first  # no startTimeUtc / endTimeUtc


def test_sarif_uris_are_relative_to_the_git_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 sarif_validator: Any) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path / "infra" / "my policies" / "w.json", WRITE)
    monkeypatch.chdir(tmp_path / "infra")
    report = check([Path("my policies/w.json")], Settings())
    assert report.findings[0].file == "my policies/w.json"  # the finding is relative to the cwd ...
    data = sarif_of(report, sarif_validator)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in data["runs"][0]["results"]}
    assert uris == {"infra/my%20policies/w.json"}  # ... the SARIF URI to the repository root
    lines = get_reporter("github")(report, color=False).splitlines()
    assert lines[0].startswith("::error file=infra/my policies/w.json,line=9,endLine=9,")


def _first_fail_case(rule_id: str) -> tuple[str, dict[str, Any]] | None:
    path = CASES_DIR / f"{rule_id}.yaml"
    if not path.is_file():
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for name, case in data["cases"].items():
        if name.startswith("fail_"):
            return name, case
    return None


def _run_case(case_dir: Path, case: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Report:
    """One YAML fail case, run as tests/test_rules.py runs it (its own folder, config and profile)."""
    from checker.settings import load_settings

    case_dir.mkdir(parents=True)
    monkeypatch.chdir(case_dir)
    files = case.get("files")
    if files:
        for rel, content in files.items():
            write(case_dir / rel, content if isinstance(content, str) else json.dumps(content, indent=2))
        scanned = [Path(".")]
    else:
        name = case.get("file", "policy.json")
        write(case_dir / name, case["json"] if "json" in case else json.dumps(case["policy"], indent=2))
        scanned = [Path(name)]
    cfg = case_dir / ".check-permissions.toml"
    settings = load_settings(scanned, config=cfg if cfg.is_file() else None, no_config=not cfg.is_file(),
                             profile=case.get("profile", "read-only"))
    return check(scanned, settings)


def test_sarif_with_every_rule_firing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      sarif_validator: Any) -> None:
    """Every registered rule's first fail case (tests/rules/<ID>.yaml) runs; each run's SARIF is valid,
    and so is one SARIF log holding every rule's findings together."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    findings: list[Finding] = []
    files: list[str] = []
    without_case: list[str] = []
    base: Report | None = None
    for cls in all_rules():
        found = _first_fail_case(cls.id)
        if found is None:
            without_case.append(cls.id)
            continue
        name, case = found
        report = _run_case(tmp_path / cls.id, case, monkeypatch)
        fired = [f for f in report.findings if f.rule_id == cls.id]
        assert fired, f"{cls.id}: its case {name} produced no {cls.id} finding"
        data = sarif_of(report, sarif_validator)
        assert cls.id in {r["ruleId"] for r in data["runs"][0]["results"]}
        findings += [dataclasses.replace(f, file=f"{cls.id}/{f.file}", fingerprint="") for f in report.findings]
        files += [f"{cls.id}/{f}" for f in report.load.files]
        if base is None:
            base = report
    assert base is not None, "no rule has a fail case"
    monkeypatch.chdir(tmp_path)
    combined = dataclasses.replace(base, findings=sorted(findings, key=Finding.sort_key),
                                   load=LoadResult(files=tuple(files)))
    data = sarif_of(combined, sarif_validator)
    [run] = data["runs"]
    fired_ids = {r["ruleId"] for r in run["results"]}
    expected = {cls.id for cls in all_rules()} - set(without_case)
    assert fired_ids >= expected, sorted(expected - fired_ids)
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in run["results"])
    fingerprints = [r["partialFingerprints"]["checkPermissions/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)
    if without_case:
        pytest.skip(f"rules without a fail case in tests/rules (cannot be made to fire here): {without_case}")


# --- JUnit -----------------------------------------------------------------------------------------


def test_junit_one_case_per_policy_and_rule(in_tmp: Path) -> None:
    write(in_tmp / "pol" / "ro.json", READ_ONLY)
    write(in_tmp / "pol" / "w.json", WRITE)
    write(in_tmp / "pol" / "bad.json", '{"Version": "2012-10-17", "Statement": [')
    report = check([Path("pol")], Settings())
    root = ET.fromstring(get_reporter("junit")(report, color=False))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert sorted(suites) == ["pol/bad.json", "pol/ro.json", "pol/w.json"]

    identity_rules = sorted(f"{c.id} {c.name}" for c in all_rules()
                            if report.profile.rule_enabled(c.id) and any(k.value == "identity" for k in c.kinds))
    ro_cases = suites["pol/ro.json"].findall("testcase")
    assert sorted(c.get("name") or "" for c in ro_cases) == identity_rules
    assert all(c.get("classname") == "pol/ro.json" and not list(c) for c in ro_cases)

    w_cases = {c.get("name"): c for c in suites["pol/w.json"].findall("testcase")}
    failing = {name for name, c in w_cases.items() if c.find("failure") is not None}
    assert failing == {f"{f.rule_id} {f.rule_name}" for f in report.findings if f.file == "pol/w.json"}
    failure = w_cases["IAM101 write-action-allowed"].find("failure")
    assert failure is not None
    assert failure.get("type") == "error"
    assert (failure.get("message") or "").startswith("Sid 'W' allows 1 action(s) beyond List/Read")
    text = failure.text or ""
    assert "pol/w.json:9: error IAM101 write-action-allowed" in text
    assert "actions (1): s3:PutObject" in text
    assert "pol/w.json:15: error IAM101" in text  # both findings of the rule on this policy

    [bad] = suites["pol/bad.json"].findall("testcase")
    assert bad.get("name") == "IAM001 invalid-policy"
    bad_failure = bad.find("failure")
    assert bad_failure is not None and "not valid JSON" in (bad_failure.get("message") or "")

    total_failures = sum(int(s.get("failures") or 0) for s in suites.values())
    assert root.get("failures") == str(total_failures) == str(len(failing) + 1)
    assert root.get("tests") == str(sum(len(s.findall("testcase")) for s in suites.values()))


def test_junit_findings_below_the_threshold_do_not_fail(in_tmp: Path) -> None:
    write(in_tmp / "w.json", SMALL_WRITE)
    report = check([Path("w.json")], Settings(profile="audit"))
    assert report.passed
    root = ET.fromstring(get_reporter("junit")(report, color=False))
    assert root.get("failures") == "0"
    case = next(c for c in root.iter("testcase") if c.get("name") == "IAM101 write-action-allowed")
    out = case.find("system-out")
    assert out is not None and "w.json:9: warning IAM101" in (out.text or "")


def _synthetic(findings: list[Finding], root: Path) -> Report:
    write(root / "ro.json", READ_ONLY)
    base = check([Path("ro.json")], Settings())
    return dataclasses.replace(base, findings=findings)


def _finding(**kw: Any) -> Finding:
    values: dict[str, Any] = dict(rule_id="IAM101", rule_name="write-action-allowed", severity=Severity.ERROR,
                                  title="t", message="m", file="ro.json", line=3, end_line=3,
                                  address="ro.json", path="Statement/0/Action/0", actions=("s3:PutObject",))
    values.update(kw)
    return Finding(**values)


def test_junit_survives_characters_xml_cannot_hold(in_tmp: Path) -> None:
    report = _synthetic([_finding(message="bad \x00\x1b byte & <tag> \"q\"", address="a\x01b")], in_tmp)
    root = ET.fromstring(get_reporter("junit")(report, color=False))
    failure = next(root.iter("failure"))
    assert failure.get("message") == "bad \\x00\\x1b byte & <tag> \"q\""
    assert any(c.get("classname") == "a\\x01b" for c in root.iter("testcase"))


# --- GitHub ----------------------------------------------------------------------------------------


def test_github_commands_line_by_line(in_tmp: Path) -> None:
    report = failing_report(in_tmp)
    lines = get_reporter("github")(report, color=False).splitlines()
    f101a, f101b, f102 = (next(f for f in report.findings if (f.rule_id, f.line) == key)
                          for key in (("IAM101", 9), ("IAM101", 15), ("IAM102", 15)))
    expected = []
    for f in report.findings:
        if f is f101a:
            expected.append("::error file=pol/w.json,line=9,endLine=9,title=IAM101 write-action-allowed::"
                            + f101a.message.replace("%", "%25"))
        elif f is f101b:
            assert f.message.startswith("statement 1 allows") and len(f.actions) > 30
            head = "::error file=pol/w.json,line=15,endLine=17,title=IAM101 write-action-allowed::"
            actions = ", ".join(f.actions[:30]) + f" (+{len(f.actions) - 30} more)"
            expected.append(f"{head}{f.message}%0AActions ({len(f.actions)}): {actions}")
        elif f is f102:
            expected.append(f"::error file=pol/w.json,line=15,endLine={f102.end_line},"
                            f"title=IAM102 not-action-allow::{f102.message}")
        else:
            expected.append(None)  # another rule (added later): checked only for its shape below
    assert len(lines) == len(report.findings) + 1
    for got, want in zip(lines, expected, strict=False):
        if want is None:
            assert got.startswith(("::error file=pol/w.json,", "::warning file=pol/w.json,",
                                   "::notice file=pol/w.json,")), got
        else:
            assert got == want
    assert lines[-1].startswith("FAILED: 1 policies in 1 files")


def test_github_escaping(in_tmp: Path) -> None:
    f = _finding(message="100% sure\r\nsecond: line, with comma", file="odd:name,x.json", address="odd:name,x.json",
                 line=2, end_line=4,
                 severity=Severity.WARNING, actions=())
    n = _finding(severity=Severity.NOTE, message="a note", actions=("a:B", "c:D"))
    report = _synthetic([f, n], in_tmp)
    lines = get_reporter("github")(report, color=False).splitlines()
    assert lines[0] == ("::warning file=odd%3Aname%2Cx.json,line=2,endLine=4,title=IAM101 write-action-allowed"
                        "::100%25 sure%0D%0Asecond: line, with comma")
    assert lines[1] == ("::notice file=ro.json,line=3,endLine=3,title=IAM101 write-action-allowed"
                        "::a note%0AActions (2): a:B, c:D")


def test_github_step_summary_is_appended(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = in_tmp / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    report = failing_report(in_tmp)
    get_reporter("github")(report, color=False)
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## check-permissions\n")
    assert "### ❌ check-permissions FAILED: 1 policies in 1 files" in text
    row = next(line for line in text.splitlines() if line.startswith("| [IAM101]"))
    assert row.endswith("| write-action-allowed | error | 2 | yes |") or "write-action-allowed | error | 2 | yes |" in row


def test_github_format_through_the_cli(tmp_path: Path) -> None:
    write(tmp_path / "w.json", WRITE)
    summary = tmp_path / "summary.md"
    r = run_cli("check", "w.json", "-f", "github", cwd=tmp_path, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert r.returncode == 1, r.stderr
    assert r.stdout.splitlines()[0].startswith(
        "::error file=w.json,line=9,endLine=9,title=IAM101 write-action-allowed::Sid 'W' allows 1 action(s)")
    assert "| [IAM101](" in summary.read_text(encoding="utf-8")


# --- Markdown --------------------------------------------------------------------------------------


def test_markdown_report(in_tmp: Path) -> None:
    report = failing_report(in_tmp)
    text = get_reporter("markdown")(report, color=False)
    lines = text.splitlines()
    assert lines[0] == "## check-permissions"
    assert "### ❌ check-permissions FAILED: 1 policies in 1 files" in text
    row = next(line for line in lines if line.startswith("| 🔴 error | IAM101") and "`pol/w.json:9`" in line)
    assert row.endswith("| `s3:PutObject` |")
    assert "<details><summary>IAM101 at pol/w.json:15-17:" in text
    assert "- and " in text and "more (every one is in the JSON and SARIF reports)" in text


def test_markdown_escapes_cells_and_stays_under_githubs_limit(in_tmp: Path) -> None:
    from checker.reporters.markdown import MAX_CHARS

    odd = _finding(message="a | pipe\nnew line <script>")
    many = [_finding(line=i, end_line=i, message="x" * 200, path=f"Statement/{i}") for i in range(1, 2000)]
    text = get_reporter("markdown")(_synthetic([odd, *many], in_tmp), color=False)
    assert "a \\| pipe<br>new line &lt;script&gt;" in text
    assert len(text) <= MAX_CHARS + 1000 < 65_536
    assert "more findings left out to keep this under GitHub's size limit" in text


def test_markdown_clean_run(in_tmp: Path) -> None:
    write(in_tmp / "ro.json", READ_ONLY)
    text = get_reporter("markdown")(check([Path("ro.json")], Settings()), color=False)
    assert text.splitlines() == ["## check-permissions", "",
                                 "### ✅ check-permissions passed: 1 policies in 1 files, 0 errors, 0 warnings, "
                                 "0 notes (profile read-only, fails on error)"]


# --- text ------------------------------------------------------------------------------------------


def test_text_groups_by_file_with_source_lines_actions_and_summary(in_tmp: Path) -> None:
    write(in_tmp / "a" / "ro.json", READ_ONLY)
    report = failing_report(in_tmp)
    text = get_reporter("text")(report, color=False)
    lines = text.splitlines()
    assert lines[0] == "pol/w.json"
    # the message wraps at 120 columns, indented under the finding; then the source line
    assert lines[1] == "  pol/w.json:9: error IAM101 write-action-allowed: Sid 'W' allows 1 action(s) beyond List/Read through 's3:PutObject':"
    assert lines[2:4] == ["    s3:PutObject (Write)", '      9 | "s3:PutObject"']
    assert max(len(line) for line in lines) <= 120
    i = next(i for i, line in enumerate(lines) if line.startswith("  pol/w.json:15: error IAM101"))
    j = next(j for j in range(i + 1, len(lines)) if not lines[j].startswith("    ") or lines[j].startswith("      "))
    assert lines[j: j + 3] == ['      15 | "NotAction": [', '      16 | "iam:*"', "      17 | ],"]
    # the NotAction finding's message names its first 10 actions and how many more: no second list
    [not_action] = [f for f in report.findings if f.rule_id == "IAM101" and f.line == 15]
    assert " ".join(line.strip() for line in lines[i:j]).endswith(f" and {len(not_action.actions) - 10} more")
    assert not lines[j + 3].startswith("      actions")
    per_rule = sorted({f.rule_id for f in report.findings})
    counts = [sum(1 for f in report.findings if f.rule_id == rid) for rid in per_rule]
    assert "IAM101" in per_rule and "IAM102" in per_rule
    errors = report.counts()["error"]
    assert lines[-2] == f"{len(report.findings)} findings: " + ", ".join(
        f"{rid} x{n}" for rid, n in zip(per_rule, counts, strict=True)) + f"; worst policy: pol/w.json ({errors} errors)"
    assert lines[-1] == (f"FAILED: 1 policies in 1 files, {report.counts()['error']} errors, "
                         f"{report.counts()['warning']} warnings, {report.counts()['note']} notes "
                         "(profile read-only, fails on error)")
    assert "\x1b[" not in text
    colored = get_reporter("text")(report, color=True)
    assert "\x1b[31merror\x1b[0m" in colored and "\x1b[31;1mFAILED\x1b[0m" in colored


def test_text_cuts_long_spans(in_tmp: Path) -> None:
    report = _synthetic([_finding(line=2, end_line=6, message="m", actions=("s3:PutObject",))], in_tmp)
    lines = get_reporter("text")(report, color=False).splitlines()
    assert lines[:7] == ["ro.json", "  ro.json:2: error IAM101 write-action-allowed: m", '      2 | "Version": "2012-10-17",',
                         '      3 | "Statement": [', "      4 | {", "        | ... (to line 6)",
                         "      actions (1): s3:PutObject"]


def test_text_marks_findings_that_do_not_fail(in_tmp: Path) -> None:
    write(in_tmp / "w.json", SMALL_WRITE)
    text = get_reporter("text")(check([Path("w.json")], Settings(profile="audit")), color=False)
    assert "  w.json:9: warning (does not fail) IAM101 write-action-allowed:" in text
    assert text.splitlines()[-1].startswith("passed: ")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path: Path) -> None:
    write(tmp_path / "w.json", WRITE)
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    code, out = run_on_pty(["check", "w.json"], tmp_path, env)
    assert code == 1 and "\x1b[31merror\x1b[0m" in out
    code, out = run_on_pty(["check", "w.json"], tmp_path, {**env, "NO_COLOR": "1"})
    assert code == 1 and "FAILED" in out and "\x1b[" not in out
    # A file output never has colour, even when standard output is a terminal.
    code, out = run_on_pty(["check", "w.json", "-f", "text", "-o", "out.txt"], tmp_path, env)
    assert "\x1b[" not in (tmp_path / "out.txt").read_text(encoding="utf-8")


# --- progress --------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_bar_waits_one_second_then_draws_and_erases() -> None:
    import io

    from checker.reporters.progress import ProgressBar

    stream, clock = io.StringIO(), FakeClock()
    bar = ProgressBar(stream, clock=clock, width=10)
    bar("load", 0, 4)
    clock.now += 0.5
    bar("load", 1, 4)
    bar.close()
    assert stream.getvalue() == ""  # a short run draws nothing
    bar = ProgressBar(stream, clock=clock, width=10)
    clock.now += 1.2
    bar("load", 2, 4)
    assert stream.getvalue() == "\r\x1b[Kreading [#####-----] 2/4 files"
    clock.now += 0.01
    bar("load", 3, 4)  # the last item always redraws, however soon
    clock.now += 0.01
    bar("check", 0, 2)  # throttled: within 0.1 s of the last draw
    assert stream.getvalue().count("\r\x1b[K") == 2
    clock.now += 0.2
    bar("check", 1, 2)
    assert stream.getvalue().endswith("\r\x1b[Kchecking [#####-----] 1/2 policies")
    bar.close()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_check_reports_progress_per_file_and_policy(in_tmp: Path) -> None:
    write(in_tmp / "p" / "a.json", READ_ONLY)
    write(in_tmp / "p" / "b.json", WRITE)
    calls: list[tuple[str, int, int]] = []
    check([Path("p")], Settings(), progress=lambda *a: calls.append(a))
    assert calls == [("load", 0, 2), ("load", 1, 2), ("check", 0, 2), ("check", 1, 2)]


def test_no_progress_output_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    write(tmp_path / "w.json", WRITE)
    r = run_cli("check", "w.json", cwd=tmp_path)
    assert r.returncode == 1 and r.stderr == ""


# --- formats and outputs ---------------------------------------------------------------------------


def test_every_format_renders_and_unknown_format_is_exit_2(tmp_path: Path) -> None:
    assert set(REPORTERS) == {"text", "json", "sarif", "junit", "github", "markdown"}
    write(tmp_path / "w.json", WRITE)
    r = run_cli("check", "w.json", "-f", "yaml", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip() == ("check-permissions: error: unknown format 'yaml': choose from "
                                "text, json, sarif, junit, github, markdown")


def test_text_on_console_and_sarif_junit_to_files_in_one_run(tmp_path: Path) -> None:
    write(tmp_path / "w.json", WRITE)
    r = run_cli("check", "w.json", "-f", "sarif", "-o", "out.sarif", "-f", "junit", "-o", "out.xml",
                "-f", "text", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert r.stdout.splitlines()[0] == "w.json"
    sarif = json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["results"][0]["ruleId"] == "IAM101"
    root = ET.parse(tmp_path / "out.xml").getroot()
    assert root.tag == "testsuites" and int(root.get("failures") or 0) >= 2


_LINE_BYTES = [b"a", b"\r", b"\n", b"\r\n", b"\xe2\x80\xa8", b"\x85", b"\xc2\x85", b"\xff", b"\xe2\x82", b"\x0b",
               b"\x0c", b"\x1c", b"\xef\xbb\xbf", b" ", b"\xe2\x82\xac", b"\t", b"\x00"]


def test_source_lines_are_those_of_read_text(tmp_path: Path) -> None:
    """Reporters read source lines as bytes; they must equal pathlib's text-mode reading
    (universal newlines, UTF-8 with replacement), every line break and broken byte included."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from checker.reporters import _common

    target = tmp_path / "f.json"

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.sampled_from(_LINE_BYTES), max_size=40))
    def same(parts: list[bytes]) -> None:
        target.write_bytes(b"".join(parts))
        _common.source_lines.cache_clear()
        assert _common.source_lines(str(target)) == \
            target.read_text(encoding="utf-8", errors="replace").splitlines()

    same()
    _common.source_lines.cache_clear()
    assert _common.source_lines(str(tmp_path)) == []  # a folder
    assert _common.source_lines(str(tmp_path / "missing.json")) == []
    assert _common.source_lines("bad\x00name") == []
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.json")
        assert _common.source_lines(str(tmp_path / "pipe.json")) == []  # never opened: it would block


# --- JSON ------------------------------------------------------------------------------------------


def test_json_report_reads_back_as_to_dict(in_tmp: Path) -> None:
    """The JSON report is the documented dict, indented by two, non-ASCII text written as it is."""
    odd = [
        _finding(),
        _finding(actions=(), message="line\nbreak \"quoted\" \\ back \x00\x1f control é € 𝄞 \u2028"),
        _finding(actions=tuple(f"s3:Get{i}" for i in range(30)), line=12, end_line=40, path="",
                 severity=Severity.NOTE, title="ünïcode", address="mod.aws_iam_policy.p[\"k\"]"),
        _finding(rule_id="IAM001", rule_name="invalid-policy", file="d/ü.json", line=0, end_line=0,
                 actions=("*",)),
    ]
    for findings in (odd, [], odd[:1]):
        report = _synthetic(findings, in_tmp)
        text = get_reporter("json")(report, color=False)
        assert json.loads(text) == report.to_dict()
        assert text.endswith("}\n") and text.startswith('{\n  "tool": {')
    text = get_reporter("json")(_synthetic(odd, in_tmp), color=False)
    assert '"title": "ünïcode"' in text and '"file": "d/ü.json"' in text
    report = failing_report(in_tmp)
    assert json.loads(get_reporter("json")(report, color=False)) == report.to_dict()
