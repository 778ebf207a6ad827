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
        "  Profile:\n    Type: AWS::IAM::InstanceProfile\n    Properties:\n      Roles: [r]\n"  # 28: lends r
        "  Queue:\n    Type: AWS::SQS::Queue\n"))
    report = check([t], Settings())
    assert sorted((f.rule_id, f.line, f.address) for f in report.findings) == [
        ("IAM004", 20, "Resources/Product"),
        ("IAM004", 22, "Resources/Fn"),
        ("IAM004", 27, "Resources/Mod"),
        ("IAM006", 11, "Resources/Share"),
        ("IAM006", 25, "Resources/Thing"),
        ("IAM006", 31, "Resources/Profile"),
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


# --- Terraform's aws_cloudformation_stack ------------------------------------------------------------

STACKS = Path("tests/fixtures/cfn_stack")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def _keys(path: Path) -> set[tuple[str, str, int, str, tuple[str, ...] | str]]:
    out: set[tuple[str, str, int, str, tuple[str, ...] | str]] = set()
    for f in check([path], Settings()).findings:
        actions: tuple[str, ...] | str = tuple(f.actions) if len(f.actions) <= 6 else f"{len(f.actions)} actions"
        out.add((f.rule_id, f.file, f.line, f.address, actions))
    return out


@pytest.mark.usefixtures("_in_repo")
def test_stack_heredoc_template_fails_at_the_line_of_administrator_access() -> None:
    """Datadog-style: the integration role in a stack's heredoc template, the external id and vendor
    account as stack parameters (the external id a variable without value: unknown, still required)."""
    main = "tests/fixtures/cfn_stack/heredoc/main.tf"
    role = "aws_cloudformation_stack.integration/Resources/IntegrationRole"
    got = _keys(STACKS / "heredoc")
    assert {k for k in got if k[0] != "IAM101"} == {
        ("IAM201", main, 50, f"{role}/ManagedPolicyArns", "62 actions"),
        ("IAM301", main, 50, f"{role}/ManagedPolicyArns", "307 actions"),
        ("IAM302", main, 50, f"{role}/ManagedPolicyArns", "330 actions"),
    }
    assert {k[:4] for k in got if k[0] == "IAM101"} == {("IAM101", main, 50, f"{role}/ManagedPolicyArns")}
    report = check([STACKS / "heredoc"], Settings())
    trust = [d for d in report.load.documents if d.address == f"{role}/AssumeRolePolicyDocument"]
    assert [(d.file, d.line) for d in trust] == [(main, 29)]
    assert any(p.address == role for p in report.load.principals)


@pytest.mark.usefixtures("_in_repo")
def test_stack_file_template_takes_its_parameters_from_the_resource(tmp_path: Path) -> None:
    assert _keys(STACKS / "file") == set()  # Permissions = ce:GetCostAndUsage, given by the stack
    report = check([STACKS / "file"], Settings())
    policy = [d for d in report.load.documents
              if d.address == "aws_cloudformation_stack.integration/Resources/IntegrationRole/Policies/0"]
    assert [(d.file, d.line) for d in policy] == [("tests/fixtures/cfn_stack/file/role.yaml", 24)]
    # without the parameter, the template's Default (a write) applies, at the template file's line
    module = tmp_path / "m"
    module.mkdir()
    (module / "role.yaml").write_text((STACKS / "file" / "role.yaml").read_text())
    (module / "main.tf").write_text((STACKS / "file" / "main.tf").read_text().replace(
        '    Permissions     = "ce:GetCostAndUsage"\n', ""))
    got = {(f.rule_id, Path(f.file).name, f.line, f.address, tuple(f.actions)) for f in check([module], Settings()).findings}
    assert got == {("IAM101", "role.yaml", 28, "aws_cloudformation_stack.integration/Resources/IntegrationRole/Policies/0",
                    ("ec2:TerminateInstances",))}


@pytest.mark.usefixtures("_in_repo")
def test_stack_jsonencode_template_fails_at_the_planted_action() -> None:
    assert _keys(STACKS / "jsonencode") == {
        ("IAM101", "tests/fixtures/cfn_stack/jsonencode/main.tf", 26,
         "aws_cloudformation_stack.integration/Resources/IntegrationRole/Policies/0", ("s3:PutObject",))}


STACK_TF = '''variable "body" {
  type = string
}
variable "permission" {
  type = string
}
resource "aws_cloudformation_stack" "s" {
  name = "s"
  parameters = { Permission = var.permission }
  template_body = %s
}
'''
TEMPLATE = '''<<EOT
Parameters:
  Permission: {Type: String, Default: "s3:GetObject"}
Resources:
  R:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: "sts:AssumeRole"}]}
      Policies:
        - PolicyName: p
          PolicyDocument: {Statement: [{Effect: Allow, Action: {Ref: Permission}, Resource: "*"}]}
EOT'''


def test_stack_unknown_template_body_is_unresolved(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(STACK_TF % "var.body")
    report = check([tmp_path], Settings())
    assert [(f.rule_id, f.line, f.address) for f in report.findings] == [("IAM002", 10, "aws_cloudformation_stack.s")]
    assert "template_body is not known" in report.findings[0].message


def test_stack_parameter_with_an_unknown_value_is_unknown(tmp_path: Path) -> None:
    """The template's Default (a read) does not apply: the stack gives the parameter a value that is
    not known, so the action is not known."""
    (tmp_path / "main.tf").write_text(STACK_TF % TEMPLATE)
    report = check([tmp_path], Settings())
    assert [(f.rule_id, f.line, f.address) for f in report.findings] == [
        ("IAM002", 20, "aws_cloudformation_stack.s/Resources/R/Policies/0")]
    assert "parameter Permission" in report.findings[0].message


def test_stack_invalid_template_is_iam001_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(STACK_TF % "<<EOT\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Type: x\nEOT")
    report = check([tmp_path], Settings())
    assert [(f.rule_id, f.line) for f in report.findings] == [("IAM001", 14)]
    assert "duplicate key" in report.findings[0].message


# --- what an AllowedPattern proves ---------------------------------------------------------------------


@pytest.mark.parametrize(("pattern", "kind"), [
    ("^[0-9]{12}$", "account"),
    ("\\d{12}", "account"),
    ("(?:[0-9]{6}){2}", "account"),
    ("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", "name"),
    ("[A-Za-z0-9_-]+", "name"),
    ("^[0-9]{11,12}$", "name"),  # digits only, but not exactly twelve: a name, never an account
    ("^[A-Za-z0-9+=,.@:/_-]+$", None),  # ':' and '/' reach into an ARN
    ("^[0-9?]{12}$", None),
    ("[a-z*]+", None),
    (".+", None),
    ("[^/]+", None),
    ("^[0-9]{12}|.*$", None),
    ("(?=1)[0-9]{12}", None),
    ("\\w+", None),
    ("[0-9]*", None),  # may be empty
    ("", None),
    ("[", None),
])
def test_allowed_pattern_holes(pattern: str, kind: str | None) -> None:
    from checker.sources.cloudformation.patterns import hole_of_pattern

    hole = hole_of_pattern(pattern)
    assert (hole.kind.value if hole is not None else None) == kind


# --- Fn::Transform: a macro run where it is written --------------------------------------------------

ROLE_HEAD = ('AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'
             '  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n'
             '        Version: "2012-10-17"\n        Statement:\n          - Effect: Allow\n'
             '            Principal: {Service: lambda.amazonaws.com}\n            Action: sts:AssumeRole\n')


@pytest.mark.parametrize("where, line", [
    # a policy document written by AWS::Include
    ("      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Fn::Transform:\n"
     "              Name: AWS::Include\n              Parameters: {Location: s3://b/policy.yaml}\n", 15),
    # the whole Properties mapping written by a macro of the account
    (None, 6),
])
def test_fn_transform_in_a_resource_is_an_unread_macro(tmp_path: Path, where: str | None, line: int) -> None:
    text = ROLE_HEAD + where if where else (
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  R:\n    Type: AWS::IAM::Role\n'
        "    Properties:\n      Fn::Transform: {Name: Acme::RoleMacro}\n")
    report = check([_write(tmp_path, "t.yaml", text)], Settings())
    assert [(f.rule_id, f.line, f.address) for f in report.findings] == [("IAM004", line, "Resources/R")]
    macro = "AWS::Include (s3://b/policy.yaml)" if where else "Acme::RoleMacro"
    assert report.findings[0].message == (f"Resources/R: Fn::Transform runs the macro {macro}: its code makes this "
                                          "value when CloudFormation processes the template, so what it grants "
                                          "cannot be read")


def test_fn_transform_among_resources_is_an_unread_macro_and_the_rest_is_judged(tmp_path: Path) -> None:
    t = _write(tmp_path, "t.yaml", 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'
               "  Fn::Transform:\n    Name: AWS::Include\n    Parameters: {Location: s3://b/resources.yaml}\n"
               "  Q:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n"
               '        Version: "2012-10-17"\n        Statement:\n          - Effect: Allow\n'
               "            Action: iam:CreateUser\n            Resource: '*'\n")
    got = sorted((f.rule_id, f.line, f.address) for f in check([t], Settings()).findings)
    assert got == [("IAM004", 3, "Resources/Fn::Transform"), ("IAM101", 13, "Resources/Q")]


@pytest.mark.parametrize("function", ["Fn::Length", "Fn::ToJsonString"])
def test_language_extension_functions_without_the_transform_are_invalid(tmp_path: Path, function: str) -> None:
    t = _write(tmp_path, "t.yaml", ROLE_HEAD + (
        "      Policies:\n        - PolicyName: p\n          PolicyDocument:\n"
        '            Version: "2012-10-17"\n            Statement:\n              - Effect: Allow\n'
        "                Action: s3:GetObject\n"
        f"                Resource: {{'Fn::Select': [0, [{{'{function}': [a, b]}}]]}}\n"))
    report = check([t], Settings())
    assert [(f.rule_id, f.line) for f in report.findings] == [("IAM001", 19)]
    assert report.findings[0].message == (f"Resources/R: {function} needs the AWS::LanguageExtensions transform, "
                                          "which is not read")


# --- Fn::If choosing a whole Properties mapping, or a step on the way to a policy -------------------

CHOICE_HEAD = ('AWSTemplateFormatVersion: "2010-09-09"\nParameters:\n  Env: {Type: String, AllowedValues: [dev, prod]}\n'
               "Conditions:\n  IsProd: !Equals [!Ref Env, prod]\nResources:\n")
PUBLIC_S3 = ('Version: "2012-10-17"\nStatement:\n  - Effect: Allow\n    Principal: "*"\n    Action: "s3:*"\n'
             '    Resource: "arn:aws:s3:::b/*"\n')
READ_EC2 = ('Version: "2012-10-17"\nStatement:\n  - Effect: Allow\n    Action: ec2:DescribeInstances\n'
            '    Resource: "*"\n')


def _indent(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in text.splitlines())


def _reader_policy(name: str = "Q") -> str:
    return (f"  {name}:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n"
            + _indent(READ_EC2, 8))


def test_properties_chosen_by_fn_if_are_judged_under_each_choice(tmp_path: Path) -> None:
    """A bucket policy written as ``Properties: !If [IsProd, {...}, !Ref AWS::NoValue]`` beside a
    harmless policy: the public write of the chosen branch fails (it passed silently before)."""
    text = (CHOICE_HEAD + "  BP:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Fn::If:\n"
            "        - IsProd\n        - Bucket: b\n          PolicyDocument:\n" + _indent(PUBLIC_S3, 12)
            + "        - !Ref AWS::NoValue\n" + _reader_policy())
    t = _write(tmp_path, "t.yaml", text)
    got = sorted((f.rule_id, f.line, f.address) for f in check([t], Settings()).findings)
    assert got == [("IAM101", 18, "Resources/BP/PolicyDocument"), ("IAM402", 17, "Resources/BP/PolicyDocument")]
    # the same template with the condition known false: the bucket policy is not created
    assert sorted((f.rule_id, f.line) for f in check([t], Settings(parameters=("Env=dev",))).findings) == []


def test_properties_chosen_by_fn_if_judge_both_branches_key_by_key(tmp_path: Path) -> None:
    text = (CHOICE_HEAD + "  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties: !If\n      - IsProd\n"
            "      - PolicyDocument:\n" + _indent(READ_EC2.replace("ec2:DescribeInstances", "iam:PassRole"), 10)
            + "      - PolicyDocument:\n" + _indent(READ_EC2, 10))
    got = sorted((f.rule_id, f.line, tuple(f.actions)) for f in check([_write(tmp_path, "t.yaml", text)],
                                                                       Settings()).findings)
    assert got == [("IAM101", 15, ("iam:PassRole",))]


@pytest.mark.parametrize("written, message", [
    ("!Ref AWS::NoValue", "Resources/R: AWS::IAM::Role needs AssumeRolePolicyDocument"),
    ("!FindInMap [M, a, b]", "Resources/R: Properties must be a mapping, not Fn::FindInMap"),
])
def test_properties_that_are_not_a_mapping_are_invalid(tmp_path: Path, written: str, message: str) -> None:
    t = _write(tmp_path, "t.yaml", 'AWSTemplateFormatVersion: "2010-09-09"\nMappings:\n  M: {a: {b: c}}\n'
               f"Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties: {written}\n" + _reader_policy())
    report = check([t], Settings())
    assert [(f.rule_id, f.message) for f in report.findings] == [("IAM001", message)]


def test_a_policy_property_left_out_by_a_choice_is_judged_where_it_is_written(tmp_path: Path) -> None:
    """``PolicyDocument: !If [IsProd, {...}, !Ref AWS::NoValue]`` crashed the reader before."""
    text = (CHOICE_HEAD + "  BP:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: b\n"
            "      PolicyDocument: !If\n        - IsProd\n" + _indent(PUBLIC_S3, 10).replace("          V", "        - V", 1)
            + "        - !Ref AWS::NoValue\n")
    got = sorted((f.rule_id, f.line) for f in check([_write(tmp_path, "t.yaml", text)], Settings()).findings)
    assert got == [("IAM101", 17), ("IAM402", 16)]


def test_a_resource_policy_behind_a_chosen_step_is_judged(tmp_path: Path) -> None:
    """DynamoDB's ``ResourcePolicy.PolicyDocument`` with ``ResourcePolicy`` chosen by Fn::If: judged under
    each choice; two choices writing policies are judged as one policy of those choices."""
    public = _indent(PUBLIC_S3.replace("s3:*", "dynamodb:*").replace('"arn:aws:s3:::b/*"', '"*"'), 14)
    text = (CHOICE_HEAD + "  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n"
            "      KeySchema: [{AttributeName: id, KeyType: HASH}]\n"
            "      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]\n"
            "      BillingMode: PAY_PER_REQUEST\n      ResourcePolicy: !If\n        - IsProd\n"
            "        - PolicyDocument:\n" + public
            + "        - PolicyDocument:\n" + public.replace("dynamodb:*", "dynamodb:GetItem") + _reader_policy())
    got = sorted((f.rule_id, f.line, f.address) for f in check([_write(tmp_path, "t.yaml", text)],
                                                                Settings()).findings)
    where = "Resources/T/ResourcePolicy/PolicyDocument"
    assert got == [("IAM101", 20, where), ("IAM302", 21, where), ("IAM302", 28, where), ("IAM402", 19, where),
                   ("IAM402", 26, where)]


# --- passed roles: a role or instance profile handed to a service ---------------------------------------

LENDING = (
    'AWSTemplateFormatVersion: "2010-09-09"\nParameters:\n  ExtRole: {Type: String}\nResources:\n'
    "  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n"
    '        Version: "2012-10-17"\n        Statement:\n          - Effect: Allow\n'
    "            Principal: {Service: [lambda.amazonaws.com, ec2.amazonaws.com, ecs-tasks.amazonaws.com]}\n"
    "            Action: sts:AssumeRole\n"
    "  Profile:\n    Type: AWS::IAM::InstanceProfile\n    Properties:\n      Roles: [!Ref R]\n"       # 14
    "  ExtProfile:\n    Type: AWS::IAM::InstanceProfile\n    Properties:\n      Roles: [Admin]\n"     # 18
    "  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Role: !GetAtt R.Arn\n"            # 22
    "  Fn2:\n    Type: AWS::Lambda::Function\n    Properties:\n      Role: !Ref ExtRole\n"           # 26
    "  Inst:\n    Type: AWS::EC2::Instance\n    Properties:\n      IamInstanceProfile: !Ref Profile\n"  # 30
    "  Inst2:\n    Type: AWS::EC2::Instance\n    Properties:\n      IamInstanceProfile: AdminProfile\n"  # 34
    "  LT:\n    Type: AWS::EC2::LaunchTemplate\n    Properties:\n      LaunchTemplateData:\n"       # 38
    "        IamInstanceProfile: {Arn: !GetAtt Profile.Arn}\n"
    "  LT2:\n    Type: AWS::EC2::LaunchTemplate\n    Properties:\n      LaunchTemplateData:\n"      # 43
    "        IamInstanceProfile: {Name: AdminProfile}\n"
    "  Task:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n"                                # 48
    '      ExecutionRoleArn: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/'
    'ecs.amazonaws.com/AWSServiceRoleForECS"\n      TaskRoleArn: !GetAtt R.Arn\n'
    "  Machine:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n"                      # 53
    "      RoleArn: arn:aws:iam::123456789012:role/Admin\n"
    "  Batch:\n    Type: AWS::Batch::ComputeEnvironment\n    Properties:\n      Type: MANAGED\n"     # 57
    "      ComputeResources:\n        InstanceRole: ecsInstanceRole\n"
    "  Domain:\n    Type: AWS::SageMaker::Domain\n    Properties:\n      DefaultUserSettings:\n"      # 62
    "        ExecutionRole: arn:aws:iam::123456789012:role/Admin\n"
)


def test_roles_and_profiles_handed_to_services_lend_what_the_template_does_not_define(tmp_path: Path) -> None:
    """As Terraform's passed roles (tests/terraform/test_redteam.py): a role or instance profile that the
    template does not define, handed to Lambda, EC2, a launch template, Step Functions, Batch or SageMaker
    (nested properties included), lends permissions the gate cannot see: IAM006 at its line. The
    template's own role and profile, and a service-linked role, are judged where they are written."""
    report = check([_write(tmp_path, "t.yaml", LENDING)], Settings())
    got = sorted((f.rule_id, f.line, f.address) for f in report.findings)
    assert got == [("IAM006", 21, "Resources/ExtProfile"), ("IAM006", 29, "Resources/Fn2"),
                   ("IAM006", 37, "Resources/Inst2"), ("IAM006", 47, "Resources/LT2"),
                   ("IAM006", 56, "Resources/Machine"), ("IAM006", 62, "Resources/Batch"),
                   ("IAM006", 67, "Resources/Domain")]
    messages = {f.address: f.message for f in report.findings}
    assert messages["Resources/Machine"] == (
        "Resources/Machine hands the role over through RoleArn: 'arn:aws:iam::123456789012:role/Admin', which this "
        "configuration does not define: the permissions it lends are not known")
    assert messages["Resources/Batch"].startswith(
        "Resources/Batch hands the instance profile over through ComputeResources.InstanceRole: 'ecsInstanceRole'")


def test_passed_role_properties_come_from_cfn_lint_schemas() -> None:
    """The recorded list (scripts/gen_cfn_inventory.py): cfn-lint's role ARN format, and the properties
    named as roles or instance profiles; IAM's own types are read by their readers."""
    from checker.sources.cloudformation import inventory

    assert inventory.passed_roles("AWS::Lambda::Function") == {"Role": "role"}
    assert inventory.passed_roles("AWS::ECS::TaskDefinition") == {"ExecutionRoleArn": "role", "TaskRoleArn": "role"}
    assert inventory.passed_roles("AWS::EC2::LaunchTemplate") == {"LaunchTemplateData.IamInstanceProfile":
                                                                  "instance-profile"}
    assert "DefaultUserSettings.ExecutionRole" in inventory.passed_roles("AWS::SageMaker::Domain")
    assert inventory.passed_roles("AWS::Bedrock::Prompt") == {}  # a chat message's role is not an IAM role
    assert inventory.passed_roles("AWS::IAM::Role") == {}


def test_a_role_handed_over_inside_a_map_is_lent(tmp_path: Path) -> None:
    """Paths through a map's values (``AlertTargets{*}.RoleArn``, ``Actions{*}[*].RoleArn``)."""
    t = _write(tmp_path, "t.yaml", (
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  SP:\n    Type: AWS::IoT::SecurityProfile\n'
        "    Properties:\n      AlertTargets:\n        SNS:\n"
        "          AlertTargetArn: arn:aws:sns:us-east-1:111122223333:t\n"
        "          RoleArn: arn:aws:iam::111122223333:role/Admin\n"
        "  Ext:\n    Type: AWS::AppConfig::Extension\n    Properties:\n      Name: e\n      Actions:\n"
        "        PRE_CREATE_HOSTED_CONFIGURATION_VERSION:\n          - Name: a\n"
        "            Uri: arn:aws:lambda:us-east-1:111122223333:function:f\n"
        "            RoleArn: arn:aws:iam::111122223333:role/Admin2\n"))
    report = check([t], Settings())
    assert sorted((f.rule_id, f.line, f.address) for f in report.findings) == [
        ("IAM006", 9, "Resources/SP"), ("IAM006", 18, "Resources/Ext")]
    assert [f.message.split(":", 1)[0] for f in sorted(report.findings, key=lambda f: f.line)] == [
        "Resources/SP hands the role over through AlertTargets{*}.RoleArn",
        "Resources/Ext hands the role over through Actions{*}[*].RoleArn"]


def test_a_role_handed_over_below_a_value_that_is_not_known_is_lent(tmp_path: Path) -> None:
    """``LaunchTemplateData: !ImportValue ...`` may hold any instance profile: IAM006 at the import."""
    t = _write(tmp_path, "t.yaml", (
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  LT:\n    Type: AWS::EC2::LaunchTemplate\n'
        "    Properties:\n      LaunchTemplateData: !ImportValue shared-launch-data\n"))
    report = check([t], Settings())
    assert [(f.rule_id, f.line, f.address) for f in report.findings] == [("IAM006", 6, "Resources/LT")]
    assert report.findings[0].message.startswith(
        "Resources/LT hands the instance profile over through LaunchTemplateData.IamInstanceProfile: (not known: ")
