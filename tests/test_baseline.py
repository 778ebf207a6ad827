"""Baselines: `check-permissions baseline PATH -o FILE`, then `check --baseline FILE` reports only what is new."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from checker.engine.baseline import Baseline
from checker.engine.findings import Finding, Severity

REPO = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "check_permissions.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def policy(*actions: str, sid: str = "Mon") -> dict[str, Any]:
    return {"Version": "2012-10-17",
            "Statement": [{"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": "*"}]}


def write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")


def iam101(stdout: str) -> list[tuple[str, int, list[str]]]:
    return [(f["file"], f["line"], f["actions"]) for f in json.loads(stdout)["findings"] if f["rule_id"] == "IAM101"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    write(root / "policies" / "cost.json", policy("ce:GetCostAndUsage", "ce:CreateAnomalyMonitor"))
    write(root / "policies" / "tags.json", policy("ce:TagResource", sid="Tags"))
    write(root / "policies" / "ok.json", policy("ce:GetCostAndUsage", sid="Read"))
    return root


def test_baseline_file_is_deterministic_json_with_relative_paths(repo: Path) -> None:
    r = run("baseline", "policies", "-o", "ci/baseline.json", cwd=repo)
    assert (r.returncode, r.stderr.strip()) == (
        2, "check-permissions: error: cannot write ci/baseline.json: its folder does not exist")
    (repo / "ci").mkdir()
    r = run("baseline", "policies", "-o", "ci/baseline.json", cwd=repo)
    assert (r.returncode, r.stdout) == (0, "wrote 2 accepted finding(s) to ci/baseline.json\n"), r.stderr
    first = (repo / "ci" / "baseline.json").read_text(encoding="utf-8")
    data = json.loads(first)
    assert list(data) == ["tool", "format", "findings"]
    assert (data["tool"], data["format"]) == ("check-permissions", 1)
    assert [(e["rule_id"], e["file"], e["address"], e["path"], e["actions"]) for e in data["findings"]] == [
        ("IAM101", "../policies/cost.json", "../policies/cost.json", "Statement/0", ["ce:CreateAnomalyMonitor"]),
        ("IAM101", "../policies/tags.json", "../policies/tags.json", "Statement/0", ["ce:TagResource"]),
    ]
    assert list(data["findings"][0]) == ["rule_id", "rule_name", "file", "address", "path", "fingerprint", "actions"]
    # the same tree written from another working directory gives the same bytes
    (repo / "ci" / "baseline.json").unlink()
    r = run("baseline", "../policies", "-o", "baseline.json", cwd=repo / "ci")
    assert r.returncode == 0
    assert (repo / "ci" / "baseline.json").read_text(encoding="utf-8") == first


def test_later_run_reports_only_new_findings(repo: Path) -> None:
    assert run("baseline", "policies", "-o", "baseline.json", cwd=repo).returncode == 0
    r = run("check", "policies", "--baseline", "baseline.json", "-f", "json", cwd=repo)
    assert r.returncode == 0, r.stdout
    report = json.loads(r.stdout)
    assert iam101(r.stdout) == []
    assert [(s["file"], s["actions"], s["suppressed_by"]) for s in report["suppressed"]] == [
        ("policies/cost.json", ["ce:CreateAnomalyMonitor"],
         {"kind": "baseline", "reason": "accepted in baseline baseline.json", "file": "baseline.json", "line": 0}),
        ("policies/tags.json", ["ce:TagResource"],
         {"kind": "baseline", "reason": "accepted in baseline baseline.json", "file": "baseline.json", "line": 0}),
    ]
    # a new policy file, and a new statement in a baselined one, are new findings
    write(repo / "policies" / "new.json", policy("ce:DeleteAnomalyMonitor", sid="New"))
    doc = policy("ce:GetCostAndUsage", "ce:CreateAnomalyMonitor")
    doc["Statement"].append({"Sid": "More", "Effect": "Allow", "Action": "ce:UpdateAnomalyMonitor", "Resource": "*"})
    write(repo / "policies" / "cost.json", doc)
    r = run("check", "policies", "--baseline", "baseline.json", "-f", "json", cwd=repo)
    assert r.returncode == 1
    assert iam101(r.stdout) == [("policies/cost.json", 16, ["ce:UpdateAnomalyMonitor"]),
                                ("policies/new.json", 8, ["ce:DeleteAnomalyMonitor"])]
    # without the baseline everything is reported
    r = run("check", "policies", "-f", "json", cwd=repo)
    assert len(iam101(r.stdout)) == 4


def test_a_policy_that_grants_more_than_its_baselined_version(repo: Path) -> None:
    write(repo / "policies" / "mon.json", policy("ce:GetCostAndUsage", "ce:CreateAnomaly*"))
    assert run("baseline", "policies", "-o", "baseline.json", cwd=repo).returncode == 0
    assert run("check", "policies", "--baseline", "baseline.json", cwd=repo).returncode == 0
    # the pattern widens: same place (same fingerprint), more actions
    write(repo / "policies" / "mon.json", policy("ce:GetCostAndUsage", "ce:*Anomaly*"))
    r = run("check", "policies", "--baseline", "baseline.json", "-f", "json", cwd=repo)
    assert r.returncode == 1
    report = json.loads(r.stdout)
    [f] = [f for f in report["findings"] if f["rule_id"] == "IAM101"]
    assert f["file"] == "policies/mon.json"
    # only the new actions are listed; the accepted ones went to "suppressed"
    assert "ce:CreateAnomalyMonitor" not in f["actions"] and "ce:CreateAnomalySubscription" not in f["actions"]
    assert {"ce:DeleteAnomalyMonitor", "ce:UpdateAnomalySubscription"} <= set(f["actions"])
    assert "(not accepted in baseline baseline.json: ce:DeleteAnomalyMonitor" in f["message"]
    accepted = [s for s in report["suppressed"] if s["file"] == "policies/mon.json"]
    assert [s["actions"] for s in accepted] == [["ce:CreateAnomalyMonitor", "ce:CreateAnomalySubscription"]]
    assert accepted[0]["fingerprint"] == f["fingerprint"]
    # narrowing again is fine
    write(repo / "policies" / "mon.json", policy("ce:GetCostAndUsage", "ce:CreateAnomalyMonitor"))
    assert run("check", "policies", "--baseline", "baseline.json", cwd=repo).returncode == 0


def test_baseline_from_config_relative_to_the_config_folder(repo: Path) -> None:
    (repo / "ci").mkdir()
    assert run("baseline", "policies", "-o", "ci/accepted.json", cwd=repo).returncode == 0
    write(repo / "pyproject.toml", '[tool.check-permissions]\nbaseline = "ci/accepted.json"\n')
    assert run("check", "policies", cwd=repo).returncode == 0
    # from a subfolder: the config is found upward and the baseline still matches
    r = run("check", ".", "-f", "json", cwd=repo / "policies")
    assert r.returncode == 0, r.stdout
    assert len(json.loads(r.stdout)["suppressed"]) == 2
    # --no-baseline shows everything; the baseline command ignores the configured baseline
    r = run("check", "policies", "--no-baseline", "-f", "json", cwd=repo)
    assert r.returncode == 1 and len(iam101(r.stdout)) == 2
    r = run("baseline", "policies", "-o", "ci/again.json", cwd=repo)
    assert r.stdout == "wrote 2 accepted finding(s) to ci/again.json\n"


def test_missing_or_invalid_baseline_is_exit_2(repo: Path) -> None:
    r = run("check", "policies", "--baseline", "nope.json", cwd=repo)
    assert (r.returncode, r.stderr.strip()) == (
        2, "check-permissions: error: nope.json: baseline file not found "
           "(create it with `check-permissions baseline PATH -o nope.json`)")
    write(repo / "bad.json", {"findings": []})
    r = run("check", "policies", "--baseline", "bad.json", cwd=repo)
    assert r.returncode == 2 and "bad.json: not a baseline file" in r.stderr
    write(repo / "bad.json", {"tool": "check-permissions", "format": 1, "findings": [{"rule_id": 3}]})
    r = run("check", "policies", "--baseline", "bad.json", cwd=repo)
    assert (r.returncode, r.stderr.strip()) == (
        2, "check-permissions: error: bad.json: findings[0]: 'rule_id' must be a string")
    r = run("check", "policies", "--baseline", "bad.json", "--no-baseline", cwd=repo)
    assert r.returncode == 2 and "--baseline and --no-baseline cannot be used together" in r.stderr


def test_findings_of_rules_that_cannot_be_suppressed_are_never_baselined(repo: Path) -> None:
    write(repo / "policies" / "broken.json", '{"Version": "2012-10-17", "Statement": [')
    r = run("baseline", "policies", "-o", "baseline.json", cwd=repo)
    assert r.returncode == 0
    assert r.stdout == "wrote 2 accepted finding(s) to baseline.json\n"
    assert r.stderr.startswith("not recorded: policies/broken.json:1: IAM001 invalid-policy cannot be baselined")
    r = run("check", "policies", "--baseline", "baseline.json", "-f", "json", cwd=repo)
    assert r.returncode == 1
    assert [(f["rule_id"], f["file"]) for f in json.loads(r.stdout)["findings"]] == [("IAM001", "policies/broken.json")]


def _finding(file: str, path: str, actions: tuple[str, ...], rule: str = "IAM101") -> Finding:
    return Finding(rule_id=rule, rule_name="write-action-allowed", severity=Severity.ERROR, title="t", message="m",
                   file=file, line=3, end_line=3, address=file, path=path, actions=actions)


def test_apply_matches_by_fingerprint_and_actions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    accepted = [_finding("p.json", "Statement/0/Action/0", ("s3:PutObject",)),
                _finding("p.json", "Statement/0/Action/0", ("s3:DeleteObject",))]  # same place twice: merged
    base, refused = Baseline.from_findings(accepted, tmp_path / "b.json")
    assert refused == []
    (tmp_path / "b.json").write_text(base.dumps(), encoding="utf-8")
    loaded = Baseline.load("b.json")
    [entry] = loaded.entries.values()
    assert entry.actions == ("s3:DeleteObject", "s3:PutObject")
    reported, suppressed = loaded.apply([
        _finding("p.json", "Statement/0/Action/0", ("s3:PutObject",)),             # accepted
        _finding("p.json", "Statement/1/Action/0", ("s3:PutObject",)),             # another statement: new
        _finding("p.json", "Statement/0/Action/0", ("s3:PutObject", "s3:PutBucketPolicy")),  # grown
        _finding("p.json", "Statement/0/Action/0", ("s3:PutBucketAcl",)),          # replaced: new, whole
    ])
    assert [(f.path, f.actions) for f in reported] == [
        ("Statement/1/Action/0", ("s3:PutObject",)),
        ("Statement/0/Action/0", ("s3:PutBucketPolicy",)),
        ("Statement/0/Action/0", ("s3:PutBucketAcl",)),
    ]
    assert [(s.finding.path, s.finding.actions) for s in suppressed] == [
        ("Statement/0/Action/0", ("s3:PutObject",)), ("Statement/0/Action/0", ("s3:PutObject",))]


def test_a_baseline_naming_patterns_accepts_the_statements_finding(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Written when findings were one per granting pattern: its entries count for their statement."""
    monkeypatch.chdir(tmp_path)
    old = {"tool": "check-permissions", "format": 1, "findings": [
        {"rule_id": "IAM101", "file": "p.json", "address": "p.json", "path": path, "actions": actions}
        for path, actions in (("Statement/0/Action/0", ["s3:PutObject"]), ("Statement/0/Action/2", ["sqs:DeleteQueue"]),
                              ("Statement/0/NotAction", []))]}
    write(tmp_path / "b.json", old)
    loaded = Baseline.load("b.json")
    assert sorted((e.path, e.actions) for e in loaded.entries.values()) == [
        ("Statement/0", ("s3:PutObject", "sqs:DeleteQueue")), ("Statement/0/NotAction", ())]
    reported, suppressed = loaded.apply([_finding("p.json", "Statement/0", ("s3:PutObject", "sqs:DeleteQueue")),
                                         _finding("p.json", "Statement/0", ("s3:PutObject", "sns:Publish"))])
    assert [(f.path, f.actions) for f in reported] == [("Statement/0", ("sns:Publish",))]
    assert [s.finding.actions for s in suppressed] == [("s3:PutObject", "sqs:DeleteQueue"), ("s3:PutObject",)]
