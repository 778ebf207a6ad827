"""Every way to grant that the gate meets is judged or reported.

One small module per class under tests/fixtures/coverage/<class>/main.tf; beside it, plan.json is
what ``terraform plan`` says of it (rendered once, offline, with the local provider mirror and fake
credentials by scripts/record_coverage_plans.py; trimmed), or plan.txt is terraform's own error
when it cannot plan the module (a provider the mirror does not hold, a module not fetched). The
gate's findings on the configuration and on the plan are asserted exactly (rule, file, line,
address, actions), and both must give the same verdict.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from checker.api import check
from checker.engine.findings import Finding
from checker.settings import Settings

COVERAGE = Path(__file__).resolve().parents[1] / "fixtures" / "coverage"
ALL = "*"  # an action set too large to list: the test names one action it must contain

# class -> target -> [(rule, line, address, actions: exact tuple, or one action the set contains)]
Expected = list[tuple[str, int, str, "tuple[str, ...] | str"]]
_STACK = "aws_cloudformation_stack.admin/Resources/Admin"
EXPECTED: dict[str, dict[str, Expected]] = {
    "dynamic_inline_policy": {
        # the action is written in locals (line 4); Resource "*" in the dynamic block's content (line 21)
        "main.tf": [("IAM101", 4, "aws_iam_role.ops.inline_policy[0]", "iam:CreateRole"),
                    ("IAM201", 4, "aws_iam_role.ops.inline_policy[0]", "iam:PassRole"),
                    ("IAM301", 4, "aws_iam_role.ops.inline_policy[0]", "acm:ExportCertificate"),
                    ("IAM302", 21, "aws_iam_role.ops.inline_policy[0]", "s3:GetObject")],
        "plan.json": [("IAM101", 74, "aws_iam_role.ops.inline_policy[0]", "iam:CreateRole"),
                      ("IAM201", 74, "aws_iam_role.ops.inline_policy[0]", "iam:PassRole"),
                      ("IAM301", 74, "aws_iam_role.ops.inline_policy[0]", "acm:ExportCertificate"),
                      ("IAM302", 74, "aws_iam_role.ops.inline_policy[0]", "s3:GetObject")],
    },
    "ssoadmin": {
        # AdministratorAccess attached to a permission set, its inline policy, and a customer
        # managed policy attached by name (judged where the aws_iam_policy is written)
        "main.tf": [("IAM101", 10, "aws_ssoadmin_managed_policy_attachment.admin", "iam:CreateRole"),
                    ("IAM201", 10, "aws_ssoadmin_managed_policy_attachment.admin", "iam:PassRole"),
                    ("IAM301", 10, "aws_ssoadmin_managed_policy_attachment.admin", "acm:ExportCertificate"),
                    ("IAM302", 10, "aws_ssoadmin_managed_policy_attachment.admin", "s3:GetObject"),
                    ("IAM101", 18, "aws_ssoadmin_permission_set_inline_policy.put", ("s3:PutObject",)),
                    ("IAM101", 35, "aws_iam_policy.deploy", ("lambda:UpdateFunctionCode",)),
                    ("IAM201", 35, "aws_iam_policy.deploy", ("lambda:UpdateFunctionCode",))],
        "plan.json": [("IAM101", 225, "aws_iam_policy.deploy", ("lambda:UpdateFunctionCode",)),
                      ("IAM201", 225, "aws_iam_policy.deploy", ("lambda:UpdateFunctionCode",)),
                      ("IAM101", 289, "aws_ssoadmin_managed_policy_attachment.admin", "iam:CreateRole"),
                      ("IAM201", 289, "aws_ssoadmin_managed_policy_attachment.admin", "iam:PassRole"),
                      ("IAM301", 289, "aws_ssoadmin_managed_policy_attachment.admin", "acm:ExportCertificate"),
                      ("IAM302", 289, "aws_ssoadmin_managed_policy_attachment.admin", "s3:GetObject"),
                      ("IAM101", 343, "aws_ssoadmin_permission_set_inline_policy.put", ("s3:PutObject",))],
    },
    "lambda_permission": {
        "main.tf": [("IAM101", 4, "aws_lambda_permission.anyone", ("lambda:InvokeFunction",)),
                    ("IAM402", 6, "aws_lambda_permission.anyone", ())],
        "plan.json": [("IAM101", 112, "aws_lambda_permission.anyone", ("lambda:InvokeFunction",)),
                      ("IAM402", 116, "aws_lambda_permission.anyone", ())],
    },
    "kms_grant": {
        "main.tf": [("IAM101", 6, "aws_kms_grant.ci", ("kms:CreateGrant", "kms:Decrypt"))],
        "plan.json": [("IAM101", 96, "aws_kms_grant.ci", ("kms:CreateGrant", "kms:Decrypt"))],
    },
    "resource_policy_attribute": {
        "main.tf": [("IAM101", 7, "aws_opensearch_domain.logs", "es:ESHttpPut"),
                    ("IAM302", 7, "aws_opensearch_domain.logs", ("es:ESCrossClusterGet", "es:ESHttpGet")),
                    ("IAM402", 7, "aws_opensearch_domain.logs", ()),
                    ("IAM101", 15, "aws_s3tables_table_bucket_policy.tables", ("s3tables:PutTableData",))],
        "plan.json": [("IAM101", 99, "aws_opensearch_domain.logs", "es:ESHttpPut"),
                      ("IAM302", 99, "aws_opensearch_domain.logs", ("es:ESCrossClusterGet", "es:ESHttpGet")),
                      ("IAM402", 99, "aws_opensearch_domain.logs", ()),
                      ("IAM101", 167, "aws_s3tables_table_bucket_policy.tables", ("s3tables:PutTableData",))],
    },
    # the stack's template_body judged by the CloudFormation front end (a template_url is not read)
    "cloudformation": {
        "main.tf": [("IAM402", 11, "aws_cloudformation_stack.admin/Resources/Admin/AssumeRolePolicyDocument", ()),
                    ("IAM101", 12, f"{_STACK}/ManagedPolicyArns", "iam:CreateRole"),
                    ("IAM201", 12, f"{_STACK}/ManagedPolicyArns", "iam:PassRole"),
                    ("IAM301", 12, f"{_STACK}/ManagedPolicyArns", "acm:ExportCertificate"),
                    ("IAM302", 12, f"{_STACK}/ManagedPolicyArns", "s3:GetObject"),
                    ("IAM006", 22, "aws_cloudformation_stack_set.roles", ())],
        # a plan holds the template as one JSON string: everything of it at that line
        "plan.json": [("IAM101", 139, f"{_STACK}/ManagedPolicyArns", "iam:CreateRole"),
                      ("IAM201", 139, f"{_STACK}/ManagedPolicyArns", "iam:PassRole"),
                      ("IAM301", 139, f"{_STACK}/ManagedPolicyArns", "acm:ExportCertificate"),
                      ("IAM302", 139, f"{_STACK}/ManagedPolicyArns", "s3:GetObject"),
                      ("IAM402", 139, f"{_STACK}/AssumeRolePolicyDocument", ()),
                      ("IAM006", 189, "aws_cloudformation_stack_set.roles", ())],
    },
    "awscc": {
        # the awscc provider is not in the mirror: plan.txt records terraform's error
        "main.tf": [("IAM101", 8, "awscc_iam_role.ops.managed_policy_arns", "iam:CreateRole"),
                    ("IAM201", 8, "awscc_iam_role.ops.managed_policy_arns", "iam:PassRole"),
                    ("IAM301", 8, "awscc_iam_role.ops.managed_policy_arns", "acm:ExportCertificate"),
                    ("IAM302", 8, "awscc_iam_role.ops.managed_policy_arns", "s3:GetObject"),
                    ("IAM101", 11, "awscc_iam_role.ops.policies[0]", ("s3:PutObject",)),
                    ("IAM006", 15, "awscc_s3_access_point.ap", ())],
    },
    "local_exec": {
        "main.tf": [("IAM007", 3, "terraform_data.bootstrap", ())],
        "plan.json": [("IAM007", 11, "terraform_data.bootstrap", ())],
    },
    "unfetched_module": {
        # terraform cannot plan it either (plan.txt: the registry is not reachable)
        "main.tf": [("IAM004", 3, "module.network", ())],
    },
    "unjudged_grant": {
        "main.tf": [("IAM006", 4, "aws_lakeformation_permissions.etl", ())],
        "plan.json": [("IAM006", 93, "aws_lakeformation_permissions.etl", ())],
    },
    "unknown_after_apply": {
        # the configuration shows the write; the plan only an inline policy known after apply
        "main.tf": [("IAM101", 18, "aws_iam_role.writer.inline_policy[0]", ("s3:PutObject",)),
                    ("IAM101", 32, "aws_sqs_queue_policy.jobs", ("sqs:SendMessage",))],
        "plan.json": [("IAM002", 191, "aws_iam_role.writer.inline_policy[0]", ()),
                      ("IAM002", 335, "aws_sqs_queue_policy.jobs", ())],
    },
}


def _findings(target: Path) -> list[Finding]:
    report = check([target], Settings())
    return sorted(report.findings, key=lambda f: (f.line, f.rule_id, f.address))


def _matches(f: Finding, rule: str, line: int, address: str, actions: tuple[str, ...] | str, file: str) -> bool:
    if (f.rule_id, f.line, f.address, f.file) != (rule, line, address, file):
        return False
    if isinstance(actions, str):
        return actions in f.actions and len(f.actions) > 1
    return f.actions == actions


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(COVERAGE.parents[2])


def test_every_class_has_a_module_and_a_plan_record() -> None:
    classes = sorted(p.name for p in COVERAGE.iterdir() if p.is_dir())
    assert classes == sorted(EXPECTED)
    for name in classes:
        has_plan = (COVERAGE / name / "plan.json").is_file()
        assert has_plan != (COVERAGE / name / "plan.txt").is_file(), name
        assert ("plan.json" in EXPECTED[name]) == has_plan, name


@pytest.mark.parametrize(("name", "target"), [(n, t) for n, ts in EXPECTED.items() for t in ts])
def test_findings(name: str, target: str) -> None:
    path = COVERAGE / name / target
    file = os.path.relpath(path, COVERAGE.parents[2])
    got = _findings(Path(file))
    expected = EXPECTED[name][target]
    assert all(f.severity.value == "error" for f in got)
    assert len(got) == len(expected), [(f.rule_id, f.line, f.address, f.actions[:3]) for f in got]
    for f, (rule, line, address, actions) in zip(got, expected, strict=True):
        assert _matches(f, rule, line, address, actions, file), (f.rule_id, f.line, f.address, f.file, f.actions[:5])


@pytest.mark.parametrize("name", sorted(n for n, ts in EXPECTED.items() if "plan.json" in ts))
def test_the_plan_gives_the_same_verdict(name: str) -> None:
    """Whatever the configuration fails on, terraform's own plan of it fails too."""
    config = _findings(COVERAGE / name / "main.tf")
    plan = _findings(COVERAGE / name / "plan.json")
    assert bool(config) and bool(plan)
    assert {f.severity.value for f in config} == {f.severity.value for f in plan} == {"error"}


def test_plan_records_say_why_terraform_could_not_plan() -> None:
    assert "hashicorp/awscc" in (COVERAGE / "awscc" / "plan.txt").read_text()
    assert 'module "network"' in (COVERAGE / "unfetched_module" / "plan.txt").read_text()


def test_unfetched_module_message_says_how_to_fetch_and_how_to_waive() -> None:
    (f,) = _findings(COVERAGE / "unfetched_module" / "main.tf")
    assert "terraform init -backend=false" in f.message
    assert "# check-permissions:ignore IAM004 reason:" in f.message


def test_unfetched_module_can_be_waived_with_a_reason(tmp_path: Path) -> None:
    text = (COVERAGE / "unfetched_module" / "main.tf").read_text()
    text = text.replace('module "network" {', '# check-permissions:ignore IAM004 reason: reviewed v5.8.1, no IAM\n'
                        'module "network" {')
    (tmp_path / "main.tf").write_text(text)
    report = check([tmp_path], Settings())
    assert [f.rule_id for f in report.findings] == []
    assert [(s.finding.rule_id, s.reason) for s in report.suppressed] == [("IAM004", "reviewed v5.8.1, no IAM")]
