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


# --- every resource type by its classification -----------------------------------------------------

ANYONE = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "%s", "Resource": "*"}]}'


def _policy_yaml(action: str, indent: int) -> str:
    pad = " " * indent
    return (f"\n{pad}Version: '2012-10-17'\n{pad}Statement:\n{pad}  - Effect: Allow\n{pad}    Principal: '*'\n"
            f"{pad}    Action: {action}\n{pad}    Resource: '*'\n")


@pytest.mark.parametrize(("rtype", "path", "action"), [
    ("AWS::OpenSearchService::Domain", "AccessPolicies", "es:ESHttpPost"),
    ("AWS::ECR::Repository", "RepositoryPolicyText", "ecr:PutImage"),
    ("AWS::ApiGateway::RestApi", "Policy", "execute-api:Invoke"),
    ("AWS::EFS::FileSystem", "FileSystemPolicy", "elasticfilesystem:ClientWrite"),
    ("AWS::Backup::BackupVault", "AccessPolicy", "backup:DeleteRecoveryPoint"),
    ("AWS::EventSchemas::RegistryPolicy", "Policy", "schemas:DeleteSchema"),
    ("AWS::CodeArtifact::Domain", "PermissionsPolicyDocument", "codeartifact:DeleteDomain"),
    ("AWS::Events::EventBus", "Policy", "events:PutEvents"),
])
def test_every_classified_resource_policy_is_read(tmp_path: Path, rtype: str, path: str, action: str) -> None:
    t = _write(tmp_path, "t.yaml", f"Resources:\n  Guarded:\n    Type: {rtype}\n    Properties:\n      {path}:"
               + _policy_yaml(action, 8))
    got = {(f.rule_id, f.line, f.address, tuple(f.actions)) for f in check([t], Settings()).findings}
    assert got == {("IAM101", 10, f"Resources/Guarded/{path}", (action,)),
                   ("IAM402", 9, f"Resources/Guarded/{path}", ())}


def test_nested_resource_policy_paths_are_read(tmp_path: Path) -> None:
    """``ResourcePolicy.PolicyDocument`` of a table, ``Replicas[*].ResourcePolicy.PolicyDocument`` of a
    global table (each replica), ``PolicyDocument`` of CloudWatch Logs as a JSON string."""
    t = _write(tmp_path, "t.yaml", (
        "Resources:\n"
        "  Table:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      ResourcePolicy:\n        PolicyDocument:"
        + _policy_yaml("dynamodb:PutItem", 10) +
        "  Global:\n    Type: AWS::DynamoDB::GlobalTable\n    Properties:\n      Replicas:\n"
        "        - Region: us-east-1\n        - Region: eu-west-1\n          ResourcePolicy:\n            PolicyDocument:"
        + _policy_yaml("dynamodb:DeleteItem", 14) +
        "  Logs:\n    Type: AWS::Logs::ResourcePolicy\n    Properties:\n      PolicyName: p\n"
        f"      PolicyDocument: '{ANYONE % 'logs:PutLogEvents'}'\n"))
    got = {(f.rule_id, f.line, f.address, tuple(f.actions)) for f in check([t], Settings()).findings}
    assert got == {
        ("IAM101", 11, "Resources/Table/ResourcePolicy/PolicyDocument", ("dynamodb:PutItem",)),
        ("IAM402", 10, "Resources/Table/ResourcePolicy/PolicyDocument", ()),
        ("IAM101", 25, "Resources/Global/Replicas/1/ResourcePolicy/PolicyDocument", ("dynamodb:DeleteItem",)),
        ("IAM402", 24, "Resources/Global/Replicas/1/ResourcePolicy/PolicyDocument", ()),
        ("IAM101", 31, "Resources/Logs/PolicyDocument", ("logs:PutLogEvents",)),
        ("IAM402", 31, "Resources/Logs/PolicyDocument", ()),
    }


def test_each_kind_that_is_not_read_fails_closed_with_its_rule(tmp_path: Path) -> None:
    t = _write(tmp_path, "t.yaml", (
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
        "  Hook:\n    Type: AWS::CloudFormation::LambdaHook\n    Properties:\n"           # 2: runs code
        "      LambdaFunction: arn:aws:lambda:us-east-1:111122223333:function:h\n"
        "  Share:\n    Type: AWS::RAM::ResourceShare\n    Properties:\n      Name: s\n"  # 6: a grant
        "      Principals: ['444455556666']\n"
        "  Unshared:\n    Type: AWS::Glue::Database\n    Properties:\n"                  # 11: grant props absent
        "      CatalogId: '111122223333'\n      DatabaseInput: {Name: d}\n"
        "  Product:\n    Type: AWS::ServiceCatalog::CloudFormationProvisionedProduct\n"  # 16: nested
        "    Properties:\n      ProductName: p\n"
        "  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {}\n"              # 20: SAM, no transform
        "  Thing:\n    Type: Acme::Widgets::Grant\n"                                      # 23: unknown type
        "  Mod:\n    Type: Acme::Roles::Admin::MODULE\n"                                 # 25: a module
        "  Profile:\n    Type: AWS::IAM::InstanceProfile\n    Properties:\n      Roles: [r]\n"
        "  Queue:\n    Type: AWS::SQS::Queue\n"))
    report = check([t], Settings())
    assert sorted((f.rule_id, f.line, f.address) for f in report.findings) == [
        ("IAM004", 20, "Resources/Product"),
        ("IAM004", 22, "Resources/Fn"),
        ("IAM004", 27, "Resources/Mod"),
        ("IAM006", 11, "Resources/Share"),
        ("IAM006", 25, "Resources/Thing"),
        ("IAM007", 6, "Resources/Hook"),
    ]


def test_organizations_policy_is_judged_as_a_service_control_policy(tmp_path: Path) -> None:
    t = _write(tmp_path, "t.yaml", (
        "Resources:\n  Scp:\n    Type: AWS::Organizations::Policy\n    Properties:\n      Name: s\n"
        "      Type: SERVICE_CONTROL_POLICY\n      Content:\n        Version: '2012-10-17'\n        Statement:\n"
        "          - Effect: Allow\n            Action: '*'\n            Resource: '*'\n"
        "  Tags:\n    Type: AWS::Organizations::Policy\n    Properties:\n      Name: t\n      Type: TAG_POLICY\n"
        "      Content: {tags: {}}\n"))
    report = check([t], Settings())
    assert [d.address for d in report.load.documents] == ["Resources/Scp/Content"]
    assert report.load.documents[0].kind.value == "scp"
