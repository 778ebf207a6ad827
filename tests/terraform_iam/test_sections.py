"""Where a write can hide in Terraform, one numbered section each (where policies live, AWS managed
policies, count and for_each, modules, principals, fail closed, plans): each write is reported at the
.tf line where the action is written with the resource's address, and a read-only twin passes the gate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from checker.api import check, explain
from checker.settings import Settings

from .conftest import FIXTURES, Run, found

TRUST = '''
resource "aws_iam_role" "audit" {
  name = "audit"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "arn:aws:iam::111122223333:root" }
      Condition = { StringEquals = { "sts:ExternalId" = "cost-reader" } }
    }]
  })
}
'''


# --- 1. where policies live -----------------------------------------------------------------------

DOC_WITH_OVERRIDE = TRUST + '''
data "aws_iam_policy_document" "base" {
  statement {
    sid       = "Metrics"
    actions   = ["cloudwatch:GetMetricData"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "override" {
  statement {
    sid       = "Metrics"
    actions   = ["cloudwatch:GetMetricData", "ACTION"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "cost" {
  source_policy_documents   = [data.aws_iam_policy_document.base.json]
  override_policy_documents = [data.aws_iam_policy_document.override.json]

  dynamic "statement" {
    for_each = toset(["ce:GetCostAndUsage"])
    content {
      actions   = [statement.value]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "cost" {
  name   = "cost"
  role   = aws_iam_role.audit.id
  policy = data.aws_iam_policy_document.cost.json
}
'''


def test_1_write_in_an_override_document(run: Run) -> None:
    report = run({"main.tf": DOC_WITH_OVERRIDE.replace("ACTION", "cloudwatch:PutMetricAlarm")})
    # line 25: `actions = [...]` of the override document's statement
    assert found(report, "IAM101") == [
        ("IAM101", "main.tf", 25, "aws_iam_role_policy.cost", ("cloudwatch:PutMetricAlarm",))]
    assert not report.passed


def test_1_read_only_override_passes(run: Run) -> None:
    report = run({"main.tf": DOC_WITH_OVERRIDE.replace("ACTION", "cloudwatch:ListMetrics")})
    assert report.passed, found(report)
    # the data sources are judged through the role policy that uses them, not alone
    assert sorted(d.address for d in report.load.documents) == [
        "aws_iam_role.audit.assume_role_policy", "aws_iam_role_policy.cost"]


BUCKET_POLICY = '''
resource "aws_s3_bucket_policy" "cur" {
  bucket = "cur-bucket"
  policy = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"Service": "billingreports.amazonaws.com"},
    "Action": ["s3:GetBucketPolicy", "ACTION"],
    "Resource": "arn:aws:s3:::cur-bucket",
    "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}
  }]
}
EOT
}
'''


def test_1_resource_policy_heredoc_write(run: Run) -> None:
    # Another account's grant is judged (a service principal's is not: checker/analysis/resource_grants.py).
    policy = BUCKET_POLICY.replace('{"Service": "billingreports.amazonaws.com"}',
                                   '{"AWS": "arn:aws:iam::444455556666:root"}')
    report = run({"main.tf": policy.replace("ACTION", "s3:PutBucketPolicy")})
    assert found(report, "IAM101") == [
        ("IAM101", "main.tf", 9, "aws_s3_bucket_policy.cur", ("s3:PutBucketPolicy",))]
    assert [d.kind.value for d in report.load.documents] == ["resource"]


def test_1_resource_policy_heredoc_service_grant_is_not_an_external_grant(run: Run) -> None:
    report = run({"main.tf": BUCKET_POLICY.replace("ACTION", "s3:PutBucketPolicy")})
    assert found(report, "IAM101") == [] and found(report, "IAM408") == []
    assert [d.kind.value for d in report.load.documents] == ["resource"]


def test_1_resource_policy_read_only_twin(run: Run) -> None:
    report = run({"main.tf": BUCKET_POLICY.replace("ACTION", "s3:GetBucketAcl")})
    assert found(report, "IAM101") == []


def test_1_policy_string_that_is_not_json_is_reported_at_its_line(run: Run) -> None:
    report = run({"main.tf": '''
        resource "aws_iam_policy" "broken" {
          name   = "broken"
          policy = <<EOT
        {
          "Version": "2012-10-17",
          "Statement": [{"Effect": "Allow" "Action": "s3:GetObject", "Resource": "*"}]
        }
        EOT
        }
        '''})
    assert [(f.rule_id, f.file, f.line, f.address) for f in report.findings] == [
        ("IAM001", "main.tf", 6, "aws_iam_policy.broken")]
    assert "not valid JSON" in report.findings[0].message


# --- 2. AWS managed policies -------------------------------------------------------------------------

MANAGED = TRUST + '''
resource "aws_iam_role_policy_attachment" "billing" {
  role       = aws_iam_role.audit.name
  policy_arn = "arn:aws:iam::aws:policy/ARN"
}
'''


def test_2_managed_policy_with_writes(run: Run) -> None:
    report = run({"main.tf": MANAGED.replace("ARN", "AmazonSQSFullAccess")})
    got = [f for f in report.findings if f.rule_id == "IAM101"]
    assert [(f.file, f.line, f.address) for f in got] == [("main.tf", 16, "aws_iam_role_policy_attachment.billing")]
    assert "sqs:DeleteQueue" in got[0].actions and "sqs:ReceiveMessage" not in got[0].actions
    doc = next(d for d in report.load.documents if d.address == "aws_iam_role_policy_attachment.billing")
    assert doc.name == "arn:aws:iam::aws:policy/AmazonSQSFullAccess"


def test_2_read_only_managed_policy_passes(run: Run) -> None:
    report = run({"main.tf": MANAGED.replace("ARN", "AWSBillingReadOnlyAccess")})
    assert report.passed, found(report)


def test_2_unknown_managed_policy_is_an_error(run: Run) -> None:
    report = run({"main.tf": MANAGED.replace("ARN", "NoSuchPolicyAnywhere")})
    assert [(f.rule_id, f.line, f.address) for f in report.findings] == [
        ("IAM002", 16, "aws_iam_role_policy_attachment.billing")]
    assert "not an AWS managed policy this tool knows" in report.findings[0].message


# --- 3. count and for_each -------------------------------------------------------------------------

FOR_EACH = TRUST + '''
locals {
  grants = {
    metrics = ["cloudwatch:GetMetricData"]
    queue   = ["sqs:GetQueueAttributes", "ACTION"]
  }
}

resource "aws_iam_role_policy" "inline" {
  for_each = local.grants
  name     = each.key
  role     = aws_iam_role.audit.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = each.value, Resource = "*" }]
  })
}

resource "aws_iam_role_policy" "disabled" {
  count  = var.enable_admin ? 1 : 0
  role   = aws_iam_role.audit.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}

variable "enable_admin" {
  type    = bool
  default = false
}
'''


def test_3_for_each_instance_with_a_write(run: Run) -> None:
    report = run({"main.tf": FOR_EACH.replace("ACTION", "sqs:DeleteQueue")})
    assert found(report, "IAM101") == [
        ("IAM101", "main.tf", 17, 'aws_iam_role_policy.inline["queue"]', ("sqs:DeleteQueue",))]
    # count = 0: not judged, and said so
    assert [(s.address, s.reason) for s in report.load.skipped] == [
        ("aws_iam_role_policy.disabled", "count = 0: no instance is created")]
    from checker.reporters.text import render

    assert "skipped aws_iam_role_policy.disabled: count = 0: no instance is created" in render(report)


def test_3_read_only_twin_passes_and_count_one_is_judged(run: Run) -> None:
    report = run({"main.tf": FOR_EACH.replace("ACTION", "sqs:ListQueues")})
    assert report.passed, found(report)
    assert {d.address for d in report.load.documents} >= {'aws_iam_role_policy.inline["metrics"]',
                                                          'aws_iam_role_policy.inline["queue"]'}
    report = check([Path(".")], Settings(vars=("enable_admin=true",)))
    assert ("IAM101", "main.tf", 34, "aws_iam_role_policy.disabled[0]") in [
        (f.rule_id, f.file, f.line, f.address) for f in report.findings]


# --- 4. modules --------------------------------------------------------------------------------------

ROOT_CALLING_MODULE = TRUST + '''
module "ops" {
  source  = "./modules/ops"
  role    = aws_iam_role.audit.name
  actions = ["cloudwatch:GetMetricData", "ACTION"]
}
'''
OPS_MODULE = '''
variable "role" { type = string }
variable "actions" { type = list(string) }

resource "aws_iam_role_policy" "this" {
  name = "ops"
  role = var.role
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = var.actions, Resource = "*" }]
  })
}
'''


def test_4_local_module_reports_at_the_callers_line(run: Run) -> None:
    report = run({"main.tf": ROOT_CALLING_MODULE.replace("ACTION", "cloudwatch:DeleteAlarms"),
                  "modules/ops/main.tf": OPS_MODULE})
    assert found(report, "IAM101") == [
        ("IAM101", "main.tf", 17, "module.ops.aws_iam_role_policy.this", ("cloudwatch:DeleteAlarms",))]
    # the child module is evaluated through its caller, not alone
    assert [d.address for d in report.load.documents if "this" in d.address] == ["module.ops.aws_iam_role_policy.this"]
    # and the role it names is the root's role
    role = next(p for p in report.load.principals if p.address == "aws_iam_role.audit")
    assert ("modules/ops/main.tf", "module.ops.aws_iam_role_policy.this") in role.policies


def test_4_local_module_read_only_twin(run: Run) -> None:
    report = run({"main.tf": ROOT_CALLING_MODULE.replace("ACTION", "cloudwatch:ListMetrics"),
                  "modules/ops/main.tf": OPS_MODULE})
    assert report.passed, found(report)


REMOTE_ROOT = '''
module "remote" {
  source  = "example.com/acme/ops/aws"
  version = "1.0.0"
  role    = "audit"
  actions = ["cloudwatch:GetMetricData", "ACTION"]
}
'''


def _modules_json(root: Path) -> None:
    (root / ".terraform/modules").mkdir(parents=True, exist_ok=True)
    (root / ".terraform/modules/modules.json").write_text(json.dumps({"Modules": [
        {"Key": "", "Source": "", "Dir": "."},
        {"Key": "remote", "Source": "example.com/acme/ops/aws", "Version": "1.0.0", "Dir": ".terraform/modules/remote"},
    ]}), encoding="utf-8")


def test_4_remote_module_fetched_by_terraform_init(run: Run, tmp_path: Path) -> None:
    (tmp_path / ".terraform/modules/remote").mkdir(parents=True)
    (tmp_path / ".terraform/modules/remote/main.tf").write_text(OPS_MODULE.lstrip("\n"), encoding="utf-8")
    _modules_json(tmp_path)
    report = run({"main.tf": REMOTE_ROOT.replace("ACTION", "cloudwatch:PutDashboard")})
    assert found(report, "IAM101") == [
        ("IAM101", "main.tf", 5, "module.remote.aws_iam_role_policy.this", ("cloudwatch:PutDashboard",))]


def test_4_remote_module_fetched_read_only_twin(run: Run, tmp_path: Path) -> None:
    (tmp_path / ".terraform/modules/remote").mkdir(parents=True)
    (tmp_path / ".terraform/modules/remote/main.tf").write_text(OPS_MODULE.lstrip("\n"), encoding="utf-8")
    _modules_json(tmp_path)
    report = run({"main.tf": REMOTE_ROOT.replace("ACTION", "cloudwatch:ListDashboards")})
    assert report.passed, found(report)


def test_4_remote_module_not_fetched(run: Run) -> None:
    report = run({"main.tf": REMOTE_ROOT.replace("ACTION", "cloudwatch:ListDashboards")})
    assert [(f.rule_id, f.severity.value, f.line, f.address) for f in report.findings] == [
        ("IAM004", "error", 1, "module.remote")]
    assert "actions, role" in report.findings[0].message
    report = run({"main.tf": 'module "net" {\n  source = "example.com/acme/vpc/aws"\n  cidr = "10.0.0.0/16"\n}\n'
                  + TRUST})
    # whatever its inputs are called, a module the gate cannot read may create any IAM: an error
    # that says how to fetch it and how to waive it knowingly
    assert [(f.rule_id, f.severity.value, f.line) for f in report.findings] == [("IAM004", "error", 1)]
    assert "terraform init -backend=false" in report.findings[0].message
    assert "check-permissions:ignore IAM004 reason:" in report.findings[0].message


# --- 5. principals -----------------------------------------------------------------------------------

PRINCIPAL = TRUST + '''
resource "aws_iam_role_policy" "write" {
  role = aws_iam_role.audit.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["sqs:GetQueueAttributes", "sqs:DeleteQueue"], Resource = "*" }]
  })
}

resource "aws_iam_policy" "guard" {
  name = "guard"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Deny", Action = ["DENIED"], Resource = "*" }]
  })
}

resource "aws_iam_policy_attachment" "guard" {
  name       = "guard"
  roles      = [aws_iam_role.audit.name]
  policy_arn = aws_iam_policy.guard.arn
}
'''


def test_5_write_not_denied_by_the_roles_other_policy(run: Run) -> None:
    report = run({"main.tf": PRINCIPAL.replace("DENIED", "sqs:PurgeQueue")})
    assert found(report, "IAM101") == [
        ("IAM101", "main.tf", 18, "aws_iam_role_policy.write", ("sqs:DeleteQueue",))]


def test_5_deny_in_another_policy_of_the_role_removes_the_write(run: Run) -> None:
    report = run({"main.tf": PRINCIPAL.replace("DENIED", "sqs:DeleteQueue")})
    assert report.passed, found(report)


BOUNDARY = TRUST.replace('name = "audit"', 'name = "audit"\n  permissions_boundary = aws_iam_policy.boundary.arn') + '''
resource "aws_iam_role_policy_attachment" "sqs" {
  role       = aws_iam_role.audit.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess"
}

resource "aws_iam_role_policy" "wide" {
  role = aws_iam_role.audit.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sqs:*", Resource = "*" }]
  })
}

resource "aws_iam_policy" "boundary" {
  name = "boundary"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["sqs:Get*", "sqs:List*", "EXTRA"], Resource = "*" }]
  })
}
'''


def test_5_boundary_lets_a_write_through(run: Run) -> None:
    report = run({"main.tf": BOUNDARY.replace("EXTRA", "sqs:SendMessage")})
    assert found(report, "IAM101") == [("IAM101", "main.tf", 24, "aws_iam_role_policy.wide", ("sqs:SendMessage",))]
    # the boundary itself is a boundary, not judged as grants
    kinds = {d.address: d.kind.value for d in report.load.documents}
    assert kinds["aws_iam_policy.boundary"] == "boundary"


def test_5_boundary_caps_the_wildcard(run: Run) -> None:
    report = run({"main.tf": BOUNDARY.replace("EXTRA", "sqs:ListQueueTags")})
    assert found(report, "IAM101") == [], found(report)


def test_5_explain_lists_each_principal_with_the_granting_statement(run: Run) -> None:
    run({"main.tf": PRINCIPAL.replace("DENIED", "sqs:PurgeQueue")})
    entries, load = explain([Path(".")])
    mine = [e for e in entries if e.document.principal == "aws_iam_role.audit"]
    by_address = {e.document.address: e for e in mine}
    assert set(by_address) == {"aws_iam_role.audit.assume_role_policy", "aws_iam_role_policy.write",
                               "aws_iam_policy.guard"}
    write = by_address["aws_iam_role_policy.write"]
    assert write.grants == {"Read": ["sqs:GetQueueAttributes"], "Write": ["sqs:DeleteQueue"]}
    assert write.detail is not None
    sg = write.detail.allows[0]
    assert (sg.actions["sqs:DeleteQueue"].line, write.document.file) == (18, "main.tf")
    from checker.reporters.explain import render_explain

    text = render_explain(entries, load, "text")
    assert "aws_iam_role.audit" in text and "granted by aws_iam_role_policy.write main.tf:18" in text


# --- 6. fail closed ----------------------------------------------------------------------------------

UNKNOWN = TRUST + '''
variable "actions" { type = list(string) }

resource "aws_iam_role_policy" "cost" {
  role = aws_iam_role.audit.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = var.actions
      Resource = aws_s3_bucket.cur.arn
    }]
  })
}

resource "aws_s3_bucket" "cur" { bucket = "cur" }
'''


def test_6_unknown_action_list_is_an_error_at_its_line(run: Run) -> None:
    report = run({"main.tf": UNKNOWN})
    assert [(f.rule_id, f.severity.value, f.file, f.line, f.address) for f in report.findings] == [
        ("IAM002", "error", "main.tf", 22, "aws_iam_role_policy.cost")]
    assert "variable actions has no value" in report.findings[0].message


def test_6_given_value_read_only_twin_passes(run: Run) -> None:
    report = run({"main.tf": UNKNOWN, "terraform.tfvars": 'actions = ["s3:GetBucketLocation"]\n'})
    # the Resource is a reference to a named bucket's ARN: a specific resource, no finding
    assert report.passed, found(report)


def test_6_value_with_a_write_from_tfvars_is_reported_in_the_tfvars(run: Run) -> None:
    report = run({"main.tf": UNKNOWN, "prod.tfvars": '# production\nactions = ["s3:GetObject", "s3:DeleteObject"]\n'},
                 var_files=("prod.tfvars",))
    assert found(report, "IAM101") == [("IAM101", "prod.tfvars", 2, "aws_iam_role_policy.cost", ("s3:DeleteObject",))]


def test_6_unknown_effect_and_not_action(run: Run) -> None:
    report = run({"main.tf": TRUST + '''
        resource "aws_iam_role_policy" "p" {
          role = aws_iam_role.audit.id
          policy = jsonencode({
            Version = "2012-10-17"
            Statement = [
              { Effect = aws_s3_bucket.b.bucket_domain_name, Action = "s3:GetObject", Resource = "*" },
              { Effect = "Allow", NotAction = [aws_s3_bucket.b.id], Resource = "arn:aws:s3:::b" },
            ]
          })
        }
        resource "aws_s3_bucket" "b" { bucket_prefix = "b" }
        '''})
    got = [(f.rule_id, f.line, f.path) for f in report.findings if f.rule_id == "IAM002"]
    assert got == [("IAM002", 19, "Statement/0/Effect"), ("IAM002", 20, "Statement/1/NotAction/0")]
    assert not report.passed


def test_6_unknown_resource_that_is_not_an_arn_counts_as_every_resource(run: Run) -> None:
    report = run({"main.tf": UNKNOWN.replace("aws_s3_bucket.cur.arn", "var.bucket")
                  + 'variable "bucket" { type = string }\n', "terraform.tfvars": 'actions = ["s3:GetObject"]\n'})
    assert [(f.rule_id, f.severity.value, f.line) for f in report.findings if f.rule_id == "IAM002"] == [
        ("IAM002", "warning", 23)]
    doc = next(d for d in report.load.documents if d.address == "aws_iam_role_policy.cost")
    assert doc.statements[0].resource is not None and doc.statements[0].resource[0].value == "*"


# --- 7. plans ----------------------------------------------------------------------------------------


def test_7_plan_with_a_write_in_a_child_module(tmp_path: Path, monkeypatch: object) -> None:
    # produced by `terraform plan` + `terraform show -json` on fixtures/plan (AWS provider 5.100.0);
    # detected by content: the name says nothing
    shutil.copy(FIXTURES / "plan_write.json", tmp_path / "output.json")
    report = check([tmp_path / "output.json"])
    assert [(f.rule_id, f.line, f.address, f.actions) for f in report.findings if f.severity.value == "error"] == [
        ("IAM101", 1, "module.ops.aws_iam_role_policy.this", ("cloudwatch:PutMetricAlarm",))]
    role = next(p for p in report.load.principals if p.address == "aws_iam_role.audit")
    assert sorted(a for _f, a in role.policies) == [
        "aws_iam_policy.cost", 'aws_iam_role_policy.inline["cur"]', "aws_iam_role_policy_attachment.ro",
        "module.ops.aws_iam_role_policy.this"]


def test_7_read_only_plan_passes() -> None:
    report = check([FIXTURES / "plan_readonly.json"])
    assert report.passed, found(report)
    assert len(report.load.documents) == 5


def test_7_unknown_values_in_a_plan_fail_closed(tmp_path: Path) -> None:
    plan = json.loads((FIXTURES / "plan_readonly.json").read_text(encoding="utf-8"))
    for rc in plan["resource_changes"]:
        if rc["address"] == "aws_iam_policy.cost":
            del rc["change"]["after"]["policy"]
            rc["change"]["after_unknown"]["policy"] = True
    (tmp_path / "p.json").write_text(json.dumps(plan, indent=1), encoding="utf-8")
    report = check([tmp_path / "p.json"])
    assert [(f.rule_id, f.address) for f in report.findings if f.severity.value == "error"] == [
        ("IAM002", "aws_iam_policy.cost")]
