"""explain as an audit artefact: every granted action by principal, service and access level, sensitive
ones marked, with the statement that grants it; text, JSON (backward compatible) and Markdown."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from checker.api import explain
from checker.model import DocumentKind, Located, PolicyDocument, Statement
from checker.report import ExplainEntry
from checker.reporters.explain import render_explain

REPO = Path(__file__).resolve().parents[1]

# json.dumps(indent=2): "Sid": "Cur" statement on lines 4-17, its actions on lines 8-10; statement 1
# grants s3:GetObject on line 21 and names s3:GetObjectz on line 22. Each action of "Cur" has a
# resource of its type among the Resources (grants are resource-aware: checker/analysis/resources.py).
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Cur", "Effect": "Allow",
         "Action": ["s3:GetObject", "s3:ListBucket", "secretsmanager:GetSecretValue"],
         "Resource": ["arn:aws:s3:::cur-bucket", "arn:aws:s3:::cur-bucket/*",
                      "arn:aws:secretsmanager:us-east-1:111122223333:secret:cur-reader-AbCdEf"]},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectz"], "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
    ],
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Company", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                   "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "tenant-42"}}}],
}
EXPORT = {
    "RoleDetailList": [{
        "RoleName": "CostReader",
        "AssumeRolePolicyDocument": TRUST,
        "RolePolicyList": [
            {"PolicyName": "Ce", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Sid": "Ce", "Effect": "Allow", "Action": "ce:GetCostAndUsage", "Resource": "*"}]}},
            {"PolicyName": "Cur", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Sid": "Cur", "Effect": "Allow", "Action": ["s3:GetObject", "ce:GetCostAndUsage"],
                 "Resource": "*"}]}},
        ],
    }],
    "UserDetailList": [], "GroupDetailList": [], "Policies": [],
}


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "check_permissions.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def render(paths: list[str], fmt: str) -> str:
    entries, load = explain([Path(p) for p in paths])
    return render_explain(entries, load, fmt)


def test_text_lists_actions_by_service_and_level_with_their_statement(in_tmp: Path) -> None:
    write(in_tmp / "p.json", POLICY)
    lines = render(["p.json"], "text").splitlines()
    assert lines == [
        "p.json (identity policy, p.json:1)",
        "  s3",
        "    List (1):",
        "      s3:ListBucket",
        "        granted by p.json:9 Sid 'Cur' via 's3:ListBucket'",
        "    Read (1):",
        "      s3:GetObject  [sensitive: data]",
        "        granted by p.json:8 Sid 'Cur' via 's3:GetObject'",
        "        granted by p.json:21 statement 1 via 's3:GetObject' if its Condition holds",
        "  secretsmanager",
        "    Read (1):",
        "      secretsmanager:GetSecretValue  [sensitive: credentials, data]",
        "        granted by p.json:10 Sid 'Cur' via 'secretsmanager:GetSecretValue'",
        "  NOT PROVEN p.json:22 statement 1: 's3:GetObjectz' matches no action in the AWS service catalog",
    ]


def test_json_keeps_document_and_grants_and_adds_sources(in_tmp: Path) -> None:
    write(in_tmp / "p.json", POLICY)
    data = json.loads(render(["p.json"], "json"))
    [pol] = data["policies"]
    assert pol["document"] == POLICY
    assert pol["grants"] == {"List": ["s3:ListBucket"], "Read": ["s3:GetObject", "secretsmanager:GetSecretValue"]}
    assert list(pol)[:7] == ["file", "address", "kind", "principal", "line", "document", "grants"]
    actions = {a["action"]: a for a in pol["actions"]}
    assert actions["s3:GetObject"] == {
        "action": "s3:GetObject", "service": "s3", "level": "Read", "sensitive": ["data"],
        "granted_by": [
            {"policy": "p.json", "file": "p.json", "line": 8, "statement": 0, "sid": "Cur", "via": "s3:GetObject",
             "conditional": False},
            {"policy": "p.json", "file": "p.json", "line": 21, "statement": 1, "sid": None, "via": "s3:GetObject",
             "conditional": True},
        ],
    }
    assert actions["secretsmanager:GetSecretValue"]["sensitive"] == ["credentials", "data"]
    assert pol["not_proven"] == [{"policy": "p.json", "file": "p.json", "line": 22, "statement": "statement 1",
                                  "value": "s3:GetObjectz",
                                  "reason": "matches no action in the AWS service catalog"}]
    assert data["principals"] == [{"name": "p.json", "type": "policy", "policies": ["p.json"],
                                   "levels": {"List": 1, "Read": 2}, "sensitive": {"credentials": 1, "data": 2},
                                   "actions": 3, "not_proven": 1}]
    assert data["errors"] == []


def test_principals_group_their_policies(in_tmp: Path) -> None:
    write(in_tmp / "export.json", EXPORT)
    text = render(["export.json"], "text")
    lines = text.splitlines()
    assert lines[0] == "role/CostReader (3 policies)"
    assert lines[1].startswith("  trust policy role/CostReader/trust (export.json:")
    assert lines[2] == "    may assume (Sid 'Company', Allow, line 8): AWS: arn:aws:iam::111122223333:root"
    assert lines[3] == "      if StringEquals sts:ExternalId = tenant-42"
    i = lines.index("      ce:GetCostAndUsage  [sensitive: cost]")
    # Granted by both inline policies: each source names its policy.
    assert lines[i + 1].startswith("        granted by role/CostReader/inline/Ce export.json:")
    assert lines[i + 2].startswith("        granted by role/CostReader/inline/Cur export.json:")
    data = json.loads(render(["export.json"], "json"))
    assert [(p["address"], p["principal"]) for p in data["policies"]] == [
        ("role/CostReader/trust", "role/CostReader"), ("role/CostReader/inline/Ce", "role/CostReader"),
        ("role/CostReader/inline/Cur", "role/CostReader")]
    [principal] = data["principals"]
    assert principal["name"] == "role/CostReader" and principal["type"] == "principal"
    assert principal["actions"] == 2 and principal["levels"] == {"Read": 2}


def test_markdown_is_an_audit_report(in_tmp: Path) -> None:
    write(in_tmp / "export.json", EXPORT)
    write(in_tmp / "p.json", POLICY)
    text = render(["export.json", "p.json"], "markdown")
    lines = text.splitlines()
    assert lines[0] == "# Permissions audit"
    assert lines[2].startswith("Generated by check-permissions ") and "from 2 files (4 policies)" in lines[2]
    assert "| role/CostReader | 3 | 0 | 2 | 0 | 0 | 0 | cost 1, data 1 | 0 |" in lines
    assert "| p.json | 1 | 1 | 2 | 0 | 0 | 0 | credentials 1, data 2 | 1 |" in lines
    assert "## role/CostReader" in lines and "## p.json" in lines
    assert ("| Sid 'Company' (line 8) | Allow | AWS: arn:aws:iam::111122223333:root | sts:AssumeRole | "
            "StringEquals sts:ExternalId = tenant-42 |") in lines
    assert ("| `p.json` | Sid 'Cur' | Allow | 4-17 | arn:aws:s3:::cur-bucket<br>arn:aws:s3:::cur-bucket/*<br>"
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:cur-reader-AbCdEf | none |") in lines
    assert ("| `s3:GetObject` | Read | ⚠️ data | p.json:8 Sid 'Cur' via 's3:GetObject'<br>"
            "p.json:21 statement 1 via 's3:GetObject' if its Condition holds |") in lines
    assert "| `p.json:22` | statement 1 | `s3:GetObjectz` | matches no action in the AWS service catalog |" in lines
    assert "#### secretsmanager (1)" in lines
    assert text == render(["export.json", "p.json"], "markdown")  # deterministic


def test_unresolved_values_are_not_proven_not_dropped() -> None:
    doc = PolicyDocument(
        file="main.tf", address="aws_iam_role_policy.cost", principal="aws_iam_role.cost",
        statements=(Statement(index=0, sid="Dyn", action=(
            Located(value="ce:GetCostAndUsage", line=5),
            Located(value="${var.extra}", line=6, unknown="var.extra has no value", origin="vars.tf"),
        ), resource=(Located(value="*", line=7),), line=4, end_line=8),),
    )
    text = render_explain([ExplainEntry(doc)], _empty_load(), "text")
    assert text.splitlines() == [
        "aws_iam_role.cost (1 policies)",
        "  identity policy aws_iam_role_policy.cost (main.tf:1)",
        "  ce",
        "    Read (1):",
        "      ce:GetCostAndUsage  [sensitive: cost]",
        "        granted by main.tf:5 Sid 'Dyn' via 'ce:GetCostAndUsage'",
        "  NOT PROVEN vars.tf:6 Sid 'Dyn': '${var.extra}' unresolved: var.extra has no value",
    ]


def _empty_load() -> Any:
    from checker.model import LoadResult

    return LoadResult()


def test_boundaries_are_ceilings_not_grants() -> None:
    boundary = PolicyDocument(file="b.json", address="boundary", kind=DocumentKind.BOUNDARY, principal="role/R",
                              statements=(Statement(index=0, action=(Located(value="s3:PutObject", line=3),),
                                                    resource=(Located(value="*", line=4),), line=2),))
    identity = PolicyDocument(file="i.json", address="inline", principal="role/R",
                              statements=(Statement(index=0, action=(Located(value="s3:ListBucket", line=3),),
                                                    resource=(Located(value="*", line=4),), line=2),))
    text = render_explain([ExplainEntry(boundary), ExplainEntry(identity)], _empty_load(), "text")
    assert "    caps permissions at 1 actions (grants nothing by itself)" in text
    assert "s3:PutObject" not in text and "      s3:ListBucket" in text


def test_cli_formats_output_file_and_errors(tmp_path: Path) -> None:
    write(tmp_path / "p.json", POLICY)
    r = run_cli("explain", "p.json", "--format", "markdown", "--output", "audit.md", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert (tmp_path / "audit.md").read_text(encoding="utf-8").startswith("# Permissions audit\n")
    r = run_cli("explain", "p.json", "--format", "html", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip() == "check-permissions: error: unknown format 'html': choose from text, json, markdown"
    r = run_cli("explain", "p.json", "-o", "no/such/dir/audit.md", cwd=tmp_path)
    assert r.returncode == 2 and "cannot write no/such/dir/audit.md" in r.stderr
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    r = run_cli("explain", "bad.json", "p.json", "-f", "json", cwd=tmp_path)
    assert r.returncode == 1  # as check does: a file that cannot be parsed fails the run
    [err] = json.loads(r.stdout)["errors"]
    assert err["file"] == "bad.json" and "not valid JSON" in err["message"]
    assert r.stderr == f"check-permissions: error: bad.json:{err['line']}: {err['message']}\n"
