"""The same policy written seven ways gives the same effective grants and the same verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.api import check
from checker.catalog import get_catalog
from checker.engine.profiles import load_profile
from checker.engine.rule import RuleContext

from .conftest import write_tree

POLICY_JSON = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Cost",
      "Effect": "Allow",
      "Action": ["ce:GetCostAndUsage", "ce:CreateAnomalyMonitor"],
      "Resource": "*"
    },
    {
      "Effect": "Deny",
      "Action": "ce:DeleteAnomalyMonitor",
      "Resource": "*"
    }
  ]
}
"""

HCL_VALUE = """{
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "Cost"
        Effect   = "Allow"
        Action   = ["ce:GetCostAndUsage", "ce:CreateAnomalyMonitor"]
        Resource = "*"
      },
      {
        Effect   = "Deny"
        Action   = "ce:DeleteAnomalyMonitor"
        Resource = "*"
      },
    ]
  }"""


def _resource(policy_expr: str) -> str:
    return f'resource "aws_iam_policy" "cost" {{\n  name   = "cost"\n  policy = {policy_expr}\n}}\n'


FORMS: dict[str, dict[str, str]] = {
    "json": {"policy.json": POLICY_JSON},
    "jsonencode": {"main.tf": _resource(f"jsonencode({HCL_VALUE})")},
    "heredoc": {"main.tf": _resource(f"<<EOT\n{POLICY_JSON}EOT")},
    "file": {"main.tf": _resource('file("${path.module}/policy.json")'), "policy.json": POLICY_JSON},
    "templatefile": {
        "main.tf": _resource('templatefile("${path.module}/policy.json.tftpl", { denied = "ce:DeleteAnomalyMonitor" })'),
        "policy.json.tftpl": POLICY_JSON.replace('"ce:DeleteAnomalyMonitor"', '"${denied}"'),
    },
    "module": {
        "main.tf": 'module "cost" {\n  source = "./modules/policy"\n  document = ' + HCL_VALUE.replace("\n", "\n  ")
                   + "\n}\n",
        "modules/policy/main.tf": 'variable "document" { type = any }\n' + _resource("jsonencode(var.document)"),
    },
    "aws_iam_policy_document": {
        "main.tf": _resource("data.aws_iam_policy_document.cost.json") + '''
data "aws_iam_policy_document" "cost" {
  statement {
    sid       = "Cost"
    actions   = ["ce:GetCostAndUsage", "ce:CreateAnomalyMonitor"]
    resources = ["*"]
  }
  statement {
    effect    = "Deny"
    actions   = ["ce:DeleteAnomalyMonitor"]
    resources = ["*"]
  }
}
''',
    },
}


@pytest.mark.parametrize("form", list(FORMS))
def test_same_grants_and_verdict(form: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_tree(tmp_path, FORMS[form])
    report = check([Path(".")])
    assert len(report.load.documents) == 1, [d.address for d in report.load.documents]
    doc = report.load.documents[0]
    ctx = RuleContext(catalog=get_catalog(), profile=load_profile("read-only"), load=report.load)
    grants = ctx.grants(doc)
    assert sorted(grants.allowed_actions()) == ["ce:CreateAnomalyMonitor", "ce:GetCostAndUsage"]
    # one Deny statement, unconditional, kept as such
    assert [s.effect for s in doc.statements] == ["Allow", "Deny"]
    assert not report.passed
    writes = [(f.rule_id, f.actions) for f in report.findings if f.rule_id == "IAM101"]
    assert writes == [("IAM101", ("ce:CreateAnomalyMonitor",))]
    where = next(f for f in report.findings if f.rule_id == "IAM101")
    # the line of the write, in the file where it is written
    expected_file = {"json": "policy.json", "file": "policy.json", "templatefile": "policy.json.tftpl"}.get(form, "main.tf")
    assert where.file == expected_file
    text = (tmp_path / where.file).read_text(encoding="utf-8").splitlines()[where.line - 1]
    assert "ce:CreateAnomalyMonitor" in text, (form, where.line, text)
