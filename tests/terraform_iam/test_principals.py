"""Per-principal judgement details, the tree loader, --jobs and the CLI options."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from checker.api import check
from checker.settings import Settings

from .conftest import Run, found, write_tree

GROUP = '''
resource "aws_iam_user" "ci" { name = "ci" }
resource "aws_iam_group" "ops" { name = "ops" }

resource "aws_iam_user_group_membership" "ci" {
  user   = aws_iam_user.ci.name
  groups = [aws_iam_group.ops.name]
}

resource "aws_iam_group_policy" "ops" {
  group = aws_iam_group.ops.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Deny", Action = "DENIED", Resource = "*" }]
  })
}

resource "aws_iam_user_policy" "ci" {
  user = aws_iam_user.ci.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["sns:ListTopics", "sns:Publish"], Resource = "*" }]
  })
}
'''


def test_a_users_group_deny_applies_to_the_user(run: Run) -> None:
    report = run({"main.tf": GROUP.replace("DENIED", "sns:Publish")})
    assert found(report, "IAM101") == []
    user = next(p for p in report.load.principals if p.address == "aws_iam_user.ci")
    assert user.groups == ("aws_iam_group.ops",)


def test_a_group_deny_of_another_action_does_not(run: Run) -> None:
    report = run({"main.tf": GROUP.replace("DENIED", "sns:DeleteTopic")})
    assert found(report, "IAM101") == [("IAM101", "main.tf", 21, "aws_iam_user_policy.ci", ("sns:Publish",))]


SHARED = '''
resource "aws_iam_role" "a" {
  name               = "a"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }] })
}
resource "aws_iam_role" "b" {
  name               = "b"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }] })
}
resource "aws_iam_policy" "shared" {
  name   = "shared"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["logs:GetLogEvents", "logs:DeleteLogGroup"], Resource = "*" }] })
}
resource "aws_iam_role_policy_attachment" "a" {
  role       = aws_iam_role.a.name
  policy_arn = aws_iam_policy.shared.arn
}
resource "aws_iam_role_policy_attachment" "b" {
  role       = aws_iam_role.b.name
  policy_arn = aws_iam_policy.shared.arn
}
resource "aws_iam_role_policy" "guard" {
  role   = aws_iam_role.a.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Deny", Action = "logs:DeleteLogGroup", Resource = "*" }] })
}
'''


def test_a_policy_shared_by_two_roles_is_reported_when_one_role_keeps_the_write(run: Run) -> None:
    report = run({"main.tf": SHARED})
    assert found(report, "IAM101") == [("IAM101", "main.tf", 11, "aws_iam_policy.shared", ("logs:DeleteLogGroup",))]


def test_guarded_on_both_roles_passes(run: Run) -> None:
    report = run({"main.tf": SHARED.replace('role   = aws_iam_role.a.id', 'for_each = toset(["a", "b"])\n'
                                            '  role   = each.key')})
    assert found(report, "IAM101") == []


def test_tree_with_several_roots_and_a_shared_child(run: Run, tmp_path: Path) -> None:
    child = ('variable "action" { type = string }\nresource "aws_iam_policy" "p" {\n  name = "p"\n'
             '  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = var.action, '
             'Resource = "*" }] })\n}\n')
    report = run({
        "envs/prod/main.tf": 'module "p" {\n  source = "../../modules/p"\n  action = "kms:Decrypt"\n}\n',
        "envs/dev/main.tf": 'module "p" {\n  source = "../../modules/p"\n  action = "kms:DescribeKey"\n}\n',
        "modules/p/main.tf": child,
    })
    # the child is judged once per caller, never alone (its variable has no value on its own)
    assert sorted((d.file, d.address) for d in report.load.documents) == [
        ("modules/p/main.tf", "module.p.aws_iam_policy.p"), ("modules/p/main.tf", "module.p.aws_iam_policy.p")]
    assert found(report, "IAM002") == []
    # with --jobs 2 the same findings, in the same order
    again = check([Path(".")], Settings(jobs=2))
    assert [f.to_dict() for f in again.findings] == [f.to_dict() for f in report.findings]


def test_cli_options_var_and_var_file(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "main.tf": '''
            variable "actions" { type = list(string) }
            variable "extra" {
              type    = string
              default = "sqs:ListQueues"
            }
            resource "aws_iam_policy" "p" {
              name   = "p"
              policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = concat(var.actions, [var.extra]), Resource = "*" }] })
            }
            ''',
        "ro.tfvars": 'actions = ["sqs:GetQueueUrl"]\n',
    })
    env = {**os.environ, "NO_COLOR": "1"}
    cmd = [str(Path(sys.executable).parent / "check-permissions")]
    ok = subprocess.run([*cmd, "check", ".", "--var-file", "ro.tfvars", "-f", "json"], cwd=tmp_path,
                        capture_output=True, text=True, env=env, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = subprocess.run([*cmd, "check", ".", "--var-file", "ro.tfvars", "--var", "extra=sqs:SendMessage", "-f",
                          "json"], cwd=tmp_path, capture_output=True, text=True, env=env, check=False)
    assert bad.returncode == 1
    findings = json.loads(bad.stdout)["findings"]
    assert [(f["rule_id"], f["file"], f["line"], f["address"], f["actions"]) for f in findings] == [
        ("IAM101", "main.tf", 8, "aws_iam_policy.p", ["sqs:SendMessage"])]
    unset = subprocess.run([*cmd, "check", "."], cwd=tmp_path, capture_output=True, text=True, env=env, check=False)
    assert unset.returncode == 1 and "IAM002 unresolved-value" in unset.stdout
    missing = subprocess.run([*cmd, "check", ".", "--var-file", "nope.tfvars"], cwd=tmp_path, capture_output=True,
                             text=True, env=env, check=False)
    assert missing.returncode == 2 and "nope.tfvars" in missing.stderr and "Traceback" not in missing.stderr
