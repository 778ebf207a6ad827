"""Suppressions: ``check-permissions:ignore`` comments and config exceptions (IAM010, IAM011, IAM012).

Comment suppressions are exercised on a Terraform file read by a tiny fake front end (the real one
maps jsonencode() policies to .tf lines the same way: one Located per action, on its own line).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from checker.api import check
from checker.catalog import get_catalog
from checker.engine.findings import Finding, Severity
from checker.engine.profiles import load_profile
from checker.engine.runner import run_rules
from checker.engine.suppressions import Suppressed, apply_suppressions, scan_directives
from checker.model import LoadResult, Located, PolicyDocument, Statement
from checker.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]

TF = """resource "aws_iam_policy" "cost" {
  name = "cost"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid    = "Cur"
      Effect = "Allow"
      Action = [
        "ce:GetCostAndUsage",
        # check-permissions:ignore IAM101 reason: the onboarding creates one anomaly monitor
        "ce:CreateAnomalyMonitor",
        "ce:DeleteAnomalyMonitor", // check-permissions:ignore write-action-allowed reason: offboarding cleanup
        "ce:UpdateAnomalyMonitor",
      ]
      Resource = "*"
    }]
  })
}
"""


def fake_terraform(path: Path, shown: str) -> LoadResult:
    """A tiny front end: one identity policy whose actions are the quoted ``svc:Name`` strings."""
    actions: list[Located] = []
    sid = None
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = re.match(r'\s*"([a-z0-9-]+:[A-Za-z*]+)",', line)
        if m:
            actions.append(Located(value=m.group(1), line=no))
        s = re.match(r'\s*Sid\s*=\s*"([^"]+)"', line)
        if s:
            sid = s.group(1)
    stmt = Statement(index=0, sid=sid, effect="Allow", action=tuple(actions), resource=(Located(value="*"),),
                     line=5, end_line=16)
    lines = {f"Statement/0/Action/{j}": (a.line, a.line) for j, a in enumerate(actions)}
    lines["Statement/0"] = (5, 16)
    doc = PolicyDocument(file=shown, address="aws_iam_policy.cost", statements=(stmt,), line=3, end_line=17,
                         lines=lines, version="2012-10-17")
    return LoadResult(documents=(doc,), files=(shown,))


def run_tf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, *, profile: str = "read-only",
           extra: tuple[Finding, ...] = ()) -> tuple[list[Finding], list[Suppressed]]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.tf").write_text(text, encoding="utf-8")
    load = fake_terraform(tmp_path / "main.tf", "main.tf")
    prof = load_profile(profile)
    # only the rules these tests are about (others, such as IAM519 resource-star, judge Resource "*")
    findings = [f for f in run_rules(load, prof, get_catalog()) if f.rule_id in ("IAM001", "IAM003", "IAM101")]
    return apply_suppressions([*findings, *extra], load, prof)


# The rules these tests are about; other rules (grammar lint, resource scoping) are left out of the
# comparisons so that adding a rule does not change what these tests prove.
OURS = ("IAM001", "IAM010", "IAM011", "IAM012", "IAM101")


def summary(findings: list[Finding]) -> list[tuple[str, str, int, str, tuple[str, ...]]]:
    return [(f.rule_id, f.file, f.line, f.severity.value, f.actions) for f in findings if f.rule_id in OURS]


# --- comments --------------------------------------------------------------------------------------


def test_comment_on_the_line_and_on_the_line_above(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reported, suppressed = run_tf(tmp_path, monkeypatch, TF)
    assert summary(reported) == [("IAM101", "main.tf", 13, "error", ("ce:UpdateAnomalyMonitor",))]
    assert [(s.finding.line, s.finding.actions, s.kind, s.reason, s.file, s.line) for s in suppressed] == [
        (11, ("ce:CreateAnomalyMonitor",), "comment", "the onboarding creates one anomaly monitor", "main.tf", 10),
        (12, ("ce:DeleteAnomalyMonitor",), "comment", "offboarding cleanup", "main.tf", 12),
    ]


def test_comment_on_the_statement_line_covers_the_grouped_finding(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The statement's three write actions are one finding on the statement's line (5): a comment
    there covers all of them; the comments on single actions' lines then silence nothing."""
    text = TF.replace("    Statement = [{\n", "    Statement = [{ # check-permissions:ignore IAM101 reason: reviewed\n")
    plain = TF.replace("# check-permissions:ignore IAM101 reason: the onboarding creates one anomaly monitor", "# x")
    plain = plain.replace("// check-permissions:ignore write-action-allowed reason: offboarding cleanup", "")
    [grouped] = run_tf(tmp_path, monkeypatch, plain)[0]
    assert (grouped.line, grouped.actions, grouped.action_lines) == (
        5, ("ce:CreateAnomalyMonitor", "ce:DeleteAnomalyMonitor", "ce:UpdateAnomalyMonitor"), (11, 12, 13))
    reported, suppressed = run_tf(tmp_path, monkeypatch, text)
    assert summary(reported) == [("IAM010", "main.tf", 10, "warning", ()), ("IAM010", "main.tf", 12, "warning", ())]
    assert [(s.finding.line, s.finding.actions, s.reason, s.line) for s in suppressed] == [
        (5, ("ce:CreateAnomalyMonitor", "ce:DeleteAnomalyMonitor", "ce:UpdateAnomalyMonitor"), "reviewed", 5)]


def test_suppression_without_reason_does_not_apply_and_is_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = TF.replace("IAM101 reason: the onboarding creates one anomaly monitor", "IAM101")
    reported, suppressed = run_tf(tmp_path, monkeypatch, text)
    # the statement's two unsuppressed actions (lines 11 and 13): one finding on the statement's line
    assert summary(reported) == [
        ("IAM101", "main.tf", 5, "error", ("ce:CreateAnomalyMonitor", "ce:UpdateAnomalyMonitor")),
        ("IAM011", "main.tf", 10, "error", ()),
    ]
    assert reported[0].action_lines == (11, 13)
    assert "has no reason" in reported[1].message
    assert [(s.finding.line, s.finding.actions) for s in suppressed] == [(12, ("ce:DeleteAnomalyMonitor",))]
    # an empty reason is no reason either
    text = TF.replace("reason: the onboarding creates one anomaly monitor", "reason:   ")
    reported, _ = run_tf(tmp_path, monkeypatch, text)
    assert [(f.rule_id, f.line) for f in reported][:2] == [("IAM101", 5), ("IAM011", 10)]
    assert "empty reason" in reported[1].message


def test_unknown_rule_and_rule_that_cannot_be_suppressed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = TF.replace("ignore IAM101 reason: the onboarding", "ignore IAM999, IAM001, IAM101 reason: the onboarding")
    # an invalid-policy finding on line 11, as the front end reports a value it cannot read
    broken = Finding(rule_id="IAM001", rule_name="invalid-policy", severity=Severity.ERROR, title="t",
                     message="cannot read", file="main.tf", line=11, end_line=11, address="aws_iam_policy.cost",
                     path="Statement/0/Action/1")
    reported, suppressed = run_tf(tmp_path, monkeypatch, text, extra=(broken,))
    assert summary(reported) == [
        ("IAM011", "main.tf", 10, "error", ()),
        ("IAM011", "main.tf", 10, "error", ()),
        ("IAM001", "main.tf", 11, "error", ()),
        ("IAM101", "main.tf", 13, "error", ("ce:UpdateAnomalyMonitor",)),
    ]
    messages = sorted(f.message for f in reported if f.rule_id == "IAM011")
    assert messages == [
        "suppression cannot silence IAM001 invalid-policy: that rule cannot be suppressed (ignorable = False)",
        "suppression names unknown rule 'IAM999' (see `check-permissions rules`)",
    ]
    # IAM101 in the same comment still applies
    assert [s.finding.line for s in suppressed] == [11, 12]


def test_unused_suppression_is_a_warning_per_rule_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = TF.replace('        "ce:GetCostAndUsage",\n',
                      '        "ce:GetCostAndUsage", # check-permissions:ignore IAM101 reason: not needed\n')
    text = text.replace("ignore IAM101 reason: the onboarding", "ignore IAM101,IAM003 reason: the onboarding")
    reported, suppressed = run_tf(tmp_path, monkeypatch, text)
    assert summary(reported) == [
        ("IAM010", "main.tf", 9, "warning", ()),
        ("IAM010", "main.tf", 10, "warning", ()),
        ("IAM101", "main.tf", 13, "error", ("ce:UpdateAnomalyMonitor",)),
    ]
    assert reported[0].message == "suppression of IAM101 matches no IAM101 finding on line 9; remove it"
    assert reported[1].message == "suppression of IAM003 matches no IAM003 finding on line 10 or 11; remove it"
    assert len(suppressed) == 2
    # warnings do not fail the read-only gate by default; a profile can switch the rule off
    custom = tmp_path / "quiet.toml"
    custom.write_text('name = "quiet"\n[rules.IAM010]\nenabled = false\n', encoding="utf-8")
    reported, _ = run_tf(tmp_path, monkeypatch, text, profile=str(custom))
    assert [f.rule_id for f in reported] == ["IAM101"]


def test_comment_syntaxes() -> None:
    text = """locals {
  a = "# check-permissions:ignore IAM101 reason: inside a string is not a comment"
  b = <<EOT
# check-permissions:ignore IAM101 reason: inside a heredoc is not a comment
EOT
  /* check-permissions:ignore IAM101 reason: block comment */
  # check-permissions:ignore IAM003 reason: stacked

  c = "x" /* check-permissions:ignore unknown-action,IAM101 reason: trailing block */
  d = "${join(",", ["#"])}" # check-permissions:ignore IAM101 reason: after an interpolation
  # check-permissions:ignored IAM101 reason: not the directive
  # check-permissions:ignore reason: no rule
  # check-permissions:ignore IAM101 because: wrong word
}
"""
    ds = scan_directives(text, "x.tf")
    got = [(d.line, sorted(d.targets), d.rules, d.reason, d.problem) for d in ds]
    assert got == [
        (6, [6, 9], ("IAM101",), "block comment", None),
        (7, [7, 9], ("IAM003",), "stacked", None),
        (9, [9], ("unknown-action", "IAM101"), "trailing block", None),
        (10, [10], ("IAM101",), "after an interpolation", None),
        (12, [12, 14], (), "", "names no rule id (write: check-permissions:ignore IAM101 reason: <why>)"),
        (13, [13, 14], ("IAM101",), "", "expected 'reason: <text>' after the rule ids, found 'because: wrong word'"),
    ]


def test_comments_come_from_the_parse_tree() -> None:
    """A comment that python-hcl2's post-lexer merges into a following operator is still a comment
    (trailing where code precedes it); a file that does not parse holds no directives."""
    text = ('locals {\n'
            '  a = (1 # check-permissions:ignore IAM101 reason: before an operator\n'
            '    + 2)\n'
            '  b = 1 /* check-permissions:ignore IAM003 reason: inline */ + 2\n'
            '}\n')
    got = [(d.line, sorted(d.targets), d.rules, d.reason) for d in scan_directives(text, "x.tf")]
    assert got == [(2, [2], ("IAM101",), "before an operator"), (4, [4], ("IAM003",), "inline")]
    broken = "locals {\n  # check-permissions:ignore IAM101 reason: r\n  a = = 1\n}\n"
    assert scan_directives(broken, "x.tf") == []


def test_templates_tfvars_and_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.engine.suppressions import directives_in

    text = ('actions:\n'
            '  # check-permissions:ignore IAM101 reason: template line\n'
            '  - s3:PutObject\n')
    [d] = scan_directives(text, "policy.yaml.tftpl")
    assert (d.line, sorted(d.targets), d.reason) == (2, [2, 3], "template line")
    monkeypatch.chdir(tmp_path)
    body = 'actions = [\n  "s3:PutObject", # check-permissions:ignore IAM101 reason: tfvars\n]\n'
    Path("prod.tfvars").write_text(body, encoding="utf-8")
    Path("main.tf.json").write_text(body, encoding="utf-8")
    assert [(d.file, d.line, sorted(d.targets)) for d in directives_in("prod.tfvars")] == [("prod.tfvars", 2, [2])]
    assert directives_in("main.tf.json") == []  # JSON cannot hold comments: never scanned


# --- config exceptions ---------------------------------------------------------------------------


POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "CurWrite", "Effect": "Allow", "Action": ["ce:CreateAnomalyMonitor", "ce:UpdateAnomalyMonitor"],
         "Resource": "*"},
        {"Sid": "Other", "Effect": "Allow", "Action": ["ce:DeleteAnomalyMonitor"], "Resource": "*"},
    ],
}


def setup_repo(tmp_path: Path, config: str) -> Path:
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "policies").mkdir(exist_ok=True)
    (tmp_path / "policies" / "cost.json").write_text(json.dumps(POLICY, indent=2), encoding="utf-8")
    (tmp_path / ".check-permissions.toml").write_text(config, encoding="utf-8")
    return tmp_path


def run_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str, today: date | None = None) -> Any:
    setup_repo(tmp_path, config)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(["policies"])
    if today is None:
        return check(["policies"], settings)
    from checker.pipeline import load_paths

    load = load_paths(["policies"], settings)
    prof = load_profile(settings.profile)
    return apply_suppressions(run_rules(load, prof, get_catalog()), load, prof, settings.exceptions, today=today)


def test_exception_by_sid_with_partial_actions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = run_check(tmp_path, monkeypatch, """
[[exceptions]]
rule = "IAM101"
path = "policies/*.json"
sid = "Cur*"
actions = ["ce:Create*"]
reason = "the onboarding creates the monitor"
""")
    # Statement 0 lists each action as its own pattern: Create is excepted, Update is not
    assert [(f.rule_id, f.line, f.actions) for f in report.findings if f.rule_id in OURS] == [
        ("IAM101", 9, ("ce:UpdateAnomalyMonitor",)), ("IAM101", 17, ("ce:DeleteAnomalyMonitor",))]
    [s] = report.suppressed
    assert (s.finding.line, s.finding.actions, s.kind, s.file, s.line) == (
        8, ("ce:CreateAnomalyMonitor",), "exception", ".check-permissions.toml", 2)
    assert not report.passed


def test_exception_with_actions_splits_a_wildcard_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "p").mkdir()
    policy = {"Version": "2012-10-17",
              "Statement": [{"Sid": "Mon", "Effect": "Allow", "Action": "ce:*AnomalyMonitor", "Resource": "*"}]}
    (tmp_path / "p" / "mon.json").write_text(json.dumps(policy), encoding="utf-8")
    (tmp_path / "cfg.toml").write_text(
        '[[exceptions]]\nrule = "IAM101"\naddress = "p/mon.json"\nactions = ["ce:CreateAnomalyMonitor"]\n'
        'reason = "creates it"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    report = check(["p"], load_settings(["p"], config="cfg.toml"))
    [f] = [f for f in report.findings if f.rule_id == "IAM101"]
    assert f.actions == ("ce:DeleteAnomalyMonitor", "ce:UpdateAnomalyMonitor")
    assert f.message.endswith("(not excepted by cfg.toml:1: ce:DeleteAnomalyMonitor, ce:UpdateAnomalyMonitor; "
                              "1 other action(s) were)")
    [s] = report.suppressed
    assert s.finding.actions == ("ce:CreateAnomalyMonitor",) and s.finding.fingerprint == f.fingerprint


def test_expired_exception_stops_applying_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = """
[[exceptions]]
rule = "IAM101"
path = "policies/cost.json"
reason = "migration to the new monitor"
expires = 2026-03-31
"""
    reported, suppressed = run_check(tmp_path, monkeypatch, config, today=date(2026, 4, 1))
    assert summary(reported) == [
        ("IAM012", ".check-permissions.toml", 2, "warning", ()),
        ("IAM101", "policies/cost.json", 4, "error", ("ce:CreateAnomalyMonitor", "ce:UpdateAnomalyMonitor")),
        ("IAM101", "policies/cost.json", 17, "error", ("ce:DeleteAnomalyMonitor",)),
    ]
    assert reported[0].message == ("exception for IAM101 (path 'policies/cost.json') expired on 2026-03-31 and no "
                                   "longer applies; renew or remove it (reason was: migration to the new monitor)")
    assert suppressed == []
    # the expiry day itself is still covered
    reported, suppressed = run_check(tmp_path, monkeypatch, config, today=date(2026, 3, 31))
    assert summary(reported) == [] and [s.finding.line for s in suppressed] == [4, 17]


def test_exception_by_address_glob_and_unused_exception(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = run_check(tmp_path, monkeypatch, """
[[exceptions]]
rule = "IAM101"
address = "policies/*"
sid = "Other"
reason = "offboarding"

[[exceptions]]
rule = "IAM101"
path = "policies/cost.json"
sid = "Gone"
reason = "statement was removed"
""")
    assert summary(report.findings) == [
        ("IAM010", ".check-permissions.toml", 8, "warning", ()),
        ("IAM101", "policies/cost.json", 4, "error", ("ce:CreateAnomalyMonitor", "ce:UpdateAnomalyMonitor")),
    ]
    assert [(s.finding.line, s.reason) for s in report.suppressed] == [(17, "offboarding")]


def test_cli_json_report_keeps_suppressed_findings(tmp_path: Path) -> None:
    setup_repo(tmp_path, '[[exceptions]]\nrule = "IAM101"\npath = "policies/cost.json"\nreason = "accepted, SEC-9"\n')
    r = subprocess.run([sys.executable, str(REPO / "check_permissions.py"), "check", "policies", "-f", "json"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    report = json.loads(r.stdout)
    assert r.returncode == 0, r.stdout
    assert [f for f in report["findings"] if f["rule_id"] == "IAM101"] == []
    got = [(s["rule_id"], s["line"], s["actions"], s["suppressed_by"]) for s in report["suppressed"]]
    by = {"kind": "exception", "reason": "accepted, SEC-9", "file": ".check-permissions.toml", "line": 1}
    assert got == [("IAM101", 4, ["ce:CreateAnomalyMonitor", "ce:UpdateAnomalyMonitor"], by),
                   ("IAM101", 17, ["ce:DeleteAnomalyMonitor"], by)]
    assert report["summary"]["passed"] is True


def test_settings_without_config_suppress_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    setup_repo(tmp_path, '[[exceptions]]\nrule = "IAM101"\npath = "policies/cost.json"\nreason = "x"\n')
    monkeypatch.chdir(tmp_path)
    report = check(["policies"], Settings())  # the library call reads no config unless asked
    assert [f.line for f in report.findings if f.rule_id == "IAM101"] == [4, 17]
    assert report.suppressed == []


def test_end_to_end_with_the_terraform_front_end(tmp_path: Path) -> None:
    """Real .tf files through the CLI: a value written in locals.tf is suppressed where it is written."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text("""resource "aws_iam_policy" "cost" {
  name = "cost"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "Cur"
      Effect   = "Allow"
      Action   = local.actions
      Resource = "*"
    }]
  })
}
""", encoding="utf-8")
    (tmp_path / "locals.tf").write_text("""locals {
  actions = [
    "ce:GetCostAndUsage",
    "ce:CreateAnomalyMonitor", # check-permissions:ignore IAM101 reason: the onboarding creates a monitor
    # check-permissions:ignore IAM101
    "ce:UpdateAnomalyMonitor",
    "ce:DeleteAnomalyMonitor",
  ]
}
""", encoding="utf-8")
    (tmp_path / ".check-permissions.toml").write_text(
        '[[exceptions]]\nrule = "IAM101"\naddress = "aws_iam_policy.cost"\nsid = "Cur"\n'
        'actions = ["ce:Delete*"]\nreason = "offboarding"\n', encoding="utf-8")
    r = subprocess.run([sys.executable, str(REPO / "check_permissions.py"), "check", ".", "-f", "json"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stderr
    report = json.loads(r.stdout)
    assert [(f["rule_id"], f["file"], f["line"], f["actions"]) for f in report["findings"] if f["rule_id"] in OURS] == [
        ("IAM011", "locals.tf", 5, []),
        ("IAM101", "locals.tf", 6, ["ce:UpdateAnomalyMonitor"]),
    ]
    assert [(s["file"], s["line"], s["actions"], s["suppressed_by"]["kind"], s["suppressed_by"]["line"])
            for s in report["suppressed"]] == [
        ("locals.tf", 4, ["ce:CreateAnomalyMonitor"], "comment", 4),
        ("locals.tf", 7, ["ce:DeleteAnomalyMonitor"], "exception", 1),
    ]


def test_no_suppressions_judges_as_if_none_existed(tmp_path: Path) -> None:
    """--no-suppressions: comments and config exceptions are ignored (and so not reported unused)."""
    test_end_to_end_with_the_terraform_front_end(tmp_path)  # the same module: two findings suppressed
    r = subprocess.run([sys.executable, str(REPO / "check_permissions.py"), "check", ".", "-f", "json",
                        "--no-suppressions"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stderr
    report = json.loads(r.stdout)
    assert [(f["rule_id"], f["file"], f["line"], f["actions"]) for f in report["findings"] if f["rule_id"] in OURS] == [
        # one finding for the statement, at its first line, listing the three actions of lines 4, 6 and 7
        ("IAM101", "locals.tf", 4, ["ce:CreateAnomalyMonitor", "ce:DeleteAnomalyMonitor", "ce:UpdateAnomalyMonitor"]),
    ]
    assert report["suppressed"] == []
