"""The CloudFormation pieces wired together: SAM templates judged through AWS's translator, every
resource type judged by its classification (checker/sources/cloudformation/inventory.py), and
Terraform's aws_cloudformation_stack judged by the CloudFormation front end. Exact findings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from checker.api import check
from checker.settings import Settings


def _findings(path: Path, **settings: Any) -> list[tuple[str, int, str]]:
    return sorted((f.rule_id, f.line, f.address) for f in check([path], Settings(**settings)).findings)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    target = tmp_path / name
    target.write_text(text)
    return target


# --- SAM -------------------------------------------------------------------------------------------

SAM_HEAD = 'AWSTemplateFormatVersion: "2010-09-09"\nTransform: {transform}\nResources:\n'


def test_sam_rejection_is_an_invalid_template_at_the_sam_resource(tmp_path: Path) -> None:
    t = _write(tmp_path, "t.yaml", SAM_HEAD.format(transform="AWS::Serverless-2016-10-31") + (
        "  Fine:\n    Type: AWS::SQS::Queue\n"
        "  Broken:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
        "      Handler: x.h\n      Policies: 42\n"))
    report = check([t], Settings())
    assert [(f.rule_id, f.line) for f in report.findings] == [("IAM001", 6)]
    assert report.findings[0].message == ("SAM transform: the template is invalid: Resource with id [Broken] is "
                                          "invalid. Type of property 'Policies' is invalid.")


def test_sam_then_a_macro_leaves_the_macro_unresolved(tmp_path: Path) -> None:
    t = _write(tmp_path, "t.yaml", SAM_HEAD.format(transform="[AWS::Serverless-2016-10-31, Other::Macro]") + (
        "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
        "      Handler: x.h\n      InlineCode: x\n"))
    report = check([t], Settings())
    assert [(f.rule_id, f.line, f.address) for f in report.findings] == [("IAM004", 2, "Transform")]
    assert "Other::Macro is a macro" in report.findings[0].message


def test_sam_inline_statement_is_judged_at_its_policies_entry(tmp_path: Path) -> None:
    t = _write(tmp_path, "t.yaml", SAM_HEAD.format(transform="AWS::Serverless-2016-10-31") + (
        "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
        "      Handler: x.h\n      InlineCode: x\n      Policies:\n"
        "        - Statement:\n            - Effect: Allow\n              Action: sqs:ReceiveMessage\n"
        "              Resource: '*'\n"
        "        - Statement:\n            - Effect: Allow\n              Action: ec2:TerminateInstances\n"
        "              Resource: '*'\n"))
    got = {(f.rule_id, f.line, f.address, tuple(f.actions)) for f in check([t], Settings()).findings}
    assert got == {
        ("IAM101", 4, "Resources/FnRole/ManagedPolicyArns",
         ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")),
        ("IAM301", 11, "Resources/FnRole/Policies/0", ("sqs:ReceiveMessage",)),
        ("IAM302", 11, "Resources/FnRole/Policies/0", ("sqs:ReceiveMessage",)),
        ("IAM101", 15, "Resources/FnRole/Policies/1", ("ec2:TerminateInstances",)),
    }


@pytest.mark.parametrize("name", ["read_only.yaml", "planted_write.yaml"])
def test_sam_fixture_venturi_role_passes(name: str) -> None:
    """VenturiRole (plain CloudFormation beside the SAM function, external id a parameter without a
    value) has no finding of its own: the required external id is there, whatever its value."""
    report = check([Path(__file__).parents[1] / "fixtures" / "cloudformation" / "sam" / name], Settings())
    assert [f for f in report.findings if f.address.startswith("Resources/VenturiRole")] == []
    assert any(d.address == "Resources/VenturiRole/AssumeRolePolicyDocument" for d in report.load.documents)
