"""Output a person can read: one finding per rule and statement listing all its actions, text lines
no wider than the terminal (120 columns otherwise), ``--quiet``, and suppressed findings counted and
listed with ``--show-suppressed``."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from checker.analysis.managed_policies import find_managed_policy
from checker.api import check
from checker.cli import app as cli
from checker.engine.findings import Finding, Severity
from checker.reporters.text import render, wrap
from checker.settings import Settings

READ_ONLY_ACCESS = "arn:aws:iam::aws:policy/ReadOnlyAccess"

MODULE = f"""resource "aws_iam_role" "reader" {{
  name = "reader"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ Service = "ec2.amazonaws.com" }}
      Action    = "sts:AssumeRole"
    }}]
  }})
}}

resource "aws_iam_role_policy_attachment" "ro" {{
  role       = aws_iam_role.reader.name
  policy_arn = "{READ_ONLY_ACCESS}"
}}
"""

# Before findings were grouped, this module gave 469 findings (one per granting pattern, IAM003 one
# per unknown action) and 1,809 lines of text.
OLD_TEXT_LINES = 1809

# Write actions granted by ten patterns of one statement (each action named as it is written).
WRITES = ["s3:PutObject", "s3:DeleteObject", "sqs:DeleteQueue", "sqs:SendMessage", "sns:Publish",
          "ec2:RunInstances", "ec2:TerminateInstances", "lambda:InvokeFunction", "ce:CreateAnomalyMonitor",
          "ce:DeleteAnomalyMonitor", "dynamodb:PutItem", "kms:Encrypt"]


def invoke(args: list[str]) -> Any:
    return CliRunner().invoke(cli.app, args, catch_exceptions=False)


def write_json(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_read_only_access_module_gives_one_finding_per_rule_and_statement(in_tmp: Path) -> None:
    (in_tmp / "mod").mkdir()
    (in_tmp / "mod" / "main.tf").write_text(MODULE, encoding="utf-8")
    r = invoke(["check", "mod", "-f", "json"])
    assert r.exit_code == 1, r.output
    findings = json.loads(r.stdout)["findings"]
    got = [(f["rule_id"], f["file"], f["line"], f["address"], f["path"], f["severity"]) for f in findings]
    at = ("mod/main.tf", 15, "aws_iam_role_policy_attachment.ro")  # the policy_arn line
    assert got == [
        ("IAM003", *at, "Statement/0", "error"),
        ("IAM101", *at, "Statement/0", "error"),
        ("IAM101", *at, "Statement/2", "error"),
        ("IAM103", *at, "Statement/0", "warning"),
        ("IAM103", *at, "Statement/1", "warning"),
        ("IAM301", *at, "Statement/0", "error"),
        ("IAM301", *at, "Statement/1", "error"),
        ("IAM302", *at, "Statement/0", "error"),
        ("IAM302", *at, "Statement/1", "error"),
    ]
    actions = {(f["rule_id"], f["path"]): f["actions"] for f in findings}
    assert actions[("IAM003", "Statement/0")] == [
        "deepcomposer:GetComposition", "deepcomposer:GetModel", "deepcomposer:GetSampleModel",
        "deepcomposer:ListCompositions", "deepcomposer:ListModels", "deepcomposer:ListSampleModels",
        "deepcomposer:ListTrainingTopics", "iot1click:DescribeDevice", "iot1click:DescribePlacement",
        "iot1click:DescribeProject", "iot1click:GetDeviceMethods", "iot1click:GetDevicesInPlacement",
        "iot1click:ListDeviceEvents", "iot1click:ListDevices", "iot1click:ListPlacements", "iot1click:ListProjects",
        "iot1click:ListTagsForResource"]
    assert actions[("IAM101", "Statement/0")] == [
        "athena:GetSessionEndpoint", "cognito-idp:GetTokensFromRefreshToken", "iot:GetConnection",
        "iot:ListSubscriptions"]
    assert actions[("IAM101", "Statement/2")] == ["s3express:CreateSession"]
    # The long lists are every action the per-pattern findings named: the same document with each
    # Action pattern in a statement of its own gives, statement by statement, the same actions.
    assert actions == split_statement_actions(in_tmp, set(actions))
    for f in findings:
        assert f["actions"] == sorted(set(f["actions"])), f["rule_id"]
        listed = f["actions"][:10]
        more = len(f["actions"]) - 10
        assert all(a in f["message"] for a in listed), f["message"]
        assert (f" and {more} more" in f["message"]) == (more > 0), f["message"]

    text = invoke(["check", "mod"]).stdout
    lines = text.splitlines()
    assert len(lines) < OLD_TEXT_LINES / 20 and max(map(len, lines)) <= 120
    assert lines[-2].startswith("  ")  # the summary, wrapped at 120 columns
    assert lines[-3] + " " + lines[-2].strip() == ("9 findings: IAM003 x1, IAM101 x2, IAM103 x2, IAM301 x2, IAM302 x2; "
                                                   "worst principal: aws_iam_role.reader (7 errors, 2 warnings)")
    assert lines[-1] == "FAILED: 2 policies in 1 files, 7 errors, 2 warnings, 0 notes (profile read-only, fails on error)"


def split_statement_actions(where: Path, keys: set[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
    """The managed policy with each Action pattern in its own statement (Sid "S<i>P<j>"), checked;
    the actions of each rule's findings gathered per original statement."""
    policy = find_managed_policy(READ_ONLY_ACCESS)
    assert policy is not None
    statements = []
    origin: dict[int, int] = {}
    for i, stmt in enumerate(policy.document["Statement"]):
        patterns = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
        for j, pattern in enumerate(patterns):
            origin[len(statements)] = i
            statements.append({**stmt, "Sid": f"S{i}P{j}", "Action": pattern})
    write_json(where / "split" / "ro.json", {"Version": "2012-10-17", "Statement": statements})
    report = check([Path("split")], Settings())
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for f in report.findings:
        if not f.path.startswith("Statement/"):
            continue  # the policy's size (IAM501): the split document is larger
        key = (f.rule_id, f"Statement/{origin[int(f.path.split('/')[1])]}")
        if key in keys:
            out[key].update(f.actions)
    return {key: sorted(acts) for key, acts in out.items()}


def test_one_finding_lists_every_action_of_its_statement(in_tmp: Path) -> None:
    write_json(in_tmp / "w.json", {"Version": "2012-10-17", "Statement": [
        {"Sid": "Many", "Effect": "Allow", "Action": WRITES, "Resource": "*"},
        {"Sid": "One", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]})
    r = invoke(["check", "w.json", "-f", "json"])
    [many, one] = [f for f in json.loads(r.stdout)["findings"] if f["rule_id"] == "IAM101"]
    assert (many["path"], many["line"], many["end_line"], many["actions"]) == (
        "Statement/0", 4, 22, sorted(WRITES))  # the statement's lines: the actions are on 12 lines
    assert many["message"].endswith(", s3:PutObject (Write), sns:Publish (Write) and 2 more")
    assert (one["path"], one["line"], one["actions"]) == ("Statement/1", 26, ["s3:PutObject"])
    sarif = json.loads(invoke(["check", "w.json", "-f", "sarif"]).stdout)
    [result] = [x for x in sarif["runs"][0]["results"] if x["ruleId"] == "IAM101"
                and x["locations"][0]["physicalLocation"]["region"]["startLine"] == 4]
    assert result["properties"]["actions"] == sorted(WRITES)


def test_fingerprint_is_the_statements_and_stays_when_it_grants_more(in_tmp: Path) -> None:
    def fingerprint(actions: list[str]) -> str:
        write_json(in_tmp / "w.json", {"Version": "2012-10-17", "Statement": [
            {"Sid": "W", "Effect": "Allow", "Action": actions, "Resource": "*"}]})
        [f] = [f for f in check([Path("w.json")], Settings()).findings if f.rule_id == "IAM101"]
        return f.fingerprint

    assert fingerprint(["s3:PutObject"]) == fingerprint(["s3:GetObject", "sqs:DeleteQueue", "s3:PutObject"])


def _finding(actions: tuple[str, ...], message: str) -> Finding:
    return Finding(rule_id="IAM101", rule_name="write-action-allowed", severity=Severity.ERROR, title="t",
                   message=message, file="policies/some/deeply/nested/folder/of/the/repository/policy.json",
                   line=3, end_line=3, address="policies/some/deeply/nested/folder/of/the/repository/policy.json",
                   path="Statement/0", actions=actions)


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_long_action_lists_wrap_within_the_width(in_tmp: Path, width: int) -> None:
    actions = tuple(sorted(f"service{i}:VeryLongActionNameNumber{i}" for i in range(30)))
    f = _finding(actions, "statement 0 allows 30 action(s) beyond List/Read through 'service*:*': " + ", ".join(actions))
    write_json(in_tmp / "p.json", {"Version": "2012-10-17", "Statement": []})
    from dataclasses import replace

    report = check([Path("p.json")], Settings())
    report = replace(report, findings=[f])
    lines = render(report, width=width).splitlines()
    assert max(map(len, lines)) <= width, [line for line in lines if len(line) > width]
    header = next(i for i, line in enumerate(lines) if line.startswith("  policies/"))
    continued = lines[header + 1: header + 4]
    assert continued and all(line.startswith("    ") and line.strip() for line in continued)
    assert all(line == line.rstrip() for line in lines)
    if width >= 60:  # wide enough for each action: none is cut
        body = " ".join(line.strip() for line in lines[header:] if not line.startswith("      "))
        assert all(a in body for a in actions)
    # an ARN longer than a line is cut, never left wider
    assert all(len(line) <= 30 for line in wrap("x " + "arn:aws:s3:::" + "b" * 100, 30))


def test_quiet_prints_only_the_summary(in_tmp: Path) -> None:
    write_json(in_tmp / "w.json", {"Version": "2012-10-17", "Statement": [
        {"Sid": "W", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*"}]})
    for flag in ("--quiet", "-q"):
        r = invoke(["check", "w.json", flag])
        assert r.exit_code == 1
        assert r.stdout.splitlines() == [
            "1 finding: IAM101 x1; worst policy: w.json (1 error)",
            "FAILED: 1 policies in 1 files, 1 errors, 0 warnings, 0 notes (profile read-only, fails on error)"]
    # machine formats are not shortened
    r = invoke(["check", "w.json", "-q", "-f", "json"])
    assert [f["rule_id"] for f in json.loads(r.stdout)["findings"]] == ["IAM101"]
    # errors still say what is wrong (on standard error), with exit 2
    r = CliRunner().invoke(cli.app, ["check", "missing.json", "-q"])
    assert r.exit_code == 2 and r.stdout == "" and "missing.json" in r.stderr


def test_suppressed_findings_are_counted_and_listed_with_their_reasons(in_tmp: Path) -> None:
    write_json(in_tmp / "p" / "cost.json", {"Version": "2012-10-17", "Statement": [
        {"Sid": "Mon", "Effect": "Allow", "Action": ["ce:CreateAnomalyMonitor", "ce:DeleteAnomalyMonitor"],
         "Resource": "*"},
        {"Sid": "Tag", "Effect": "Allow", "Action": "ce:TagResource", "Resource": "*"}]})
    (in_tmp / "cfg.toml").write_text(
        '[[exceptions]]\nrule = "IAM101"\naddress = "p/cost.json"\nsid = "Mon"\nreason = "SEC-12: monitors"\n',
        encoding="utf-8")
    args = ["check", "p", "--config", "cfg.toml"]
    r = invoke([*args, "-q"])
    assert r.exit_code == 1
    assert r.stdout.splitlines() == [
        "1 finding: IAM101 x1; worst policy: p/cost.json (1 error)",
        "FAILED: 1 policies in 1 files, 1 errors, 0 warnings, 0 notes, 1 suppressed (profile read-only, fails on "
        "error)"]
    assert "suppressed (1):" not in invoke(args).stdout  # counted, not listed
    lines = invoke([*args, "--show-suppressed"]).stdout.splitlines()
    i = lines.index("suppressed (1):")
    assert lines[i + 2].startswith("    ")  # wrapped at 120 columns
    assert lines[i + 1] + " " + lines[i + 2].strip() == (
        "  p/cost.json:4: error IAM101 write-action-allowed [ce:CreateAnomalyMonitor, ce:DeleteAnomalyMonitor]: "
        "exception cfg.toml:1: SEC-12: monitors")
    # a passing run says so too
    (in_tmp / "cfg.toml").write_text(
        '[[exceptions]]\nrule = "IAM101"\naddress = "p/cost.json"\nreason = "SEC-12: all of it"\n', encoding="utf-8")
    r = invoke([*args, "-q"])
    assert r.exit_code == 0
    assert r.stdout.splitlines() == [
        "passed: 1 policies in 1 files, 0 errors, 0 warnings, 0 notes, 2 suppressed (profile read-only, fails on "
        "error)"]


def test_on_a_terminal_lines_fit_its_width(in_tmp: Path) -> None:
    """Standard output on a pseudo-terminal of 70 columns: no line is wider (colour codes aside)."""
    import os
    import re

    from ptyrun import run_on_pty

    write_json(in_tmp / "w.json", {"Version": "2012-10-17", "Statement": [
        {"Sid": "Many", "Effect": "Allow", "Action": WRITES, "Resource": "*"}]})
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "GITHUB_STEP_SUMMARY")} | {"COLUMNS": "70"}
    code, printed = run_on_pty(["check", "w.json"], in_tmp, env)
    assert code == 1
    lines = re.sub(r"\x1b\[[0-9;]*m", "", printed).splitlines()
    assert any("IAM101" in line for line in lines)
    assert max(map(len, lines)) <= 70, [line for line in lines if len(line) > 70]
    assert max(map(len, lines)) > 60  # the width is used, not a narrower default
