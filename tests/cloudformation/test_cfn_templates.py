"""The CloudFormation front end on one template per feature: exact findings (rule, line, address,
actions), the same verdict for the YAML and JSON forms of every template, parameters, conditions,
NoEcho values, suppressions in Metadata, CDK paths, and hostile templates failing closed."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.api import check, explain
from checker.model import DocumentKind
from checker.settings import Settings

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "cloudformation"

Key = tuple[str, int, str, tuple[str, ...] | str]


def _key(f: Any) -> Key:
    actions: tuple[str, ...] | str = tuple(f.actions)
    if len(f.actions) > 6:  # a managed policy's wildcard: its size and first action
        actions = f"{len(f.actions)} actions from {f.actions[0]}"
    return (f.rule_id, f.line, f.address, actions)


def findings(path: Path, **settings: Any) -> set[Key]:
    return {_key(f) for f in check([path], Settings(**settings)).findings}


EXPECTED: dict[str, set[Key]] = {
    # trust, inline policy, AWS managed policy read offline, a template's managed policy attached by
    # Ref, and a boundary (a ManagedPolicy of the template) that removes sqs:DeleteQueue
    "role.yaml": {
        ("IAM101", 27, "Resources/AuditRole/Policies/0", ("s3:PutObject",)),
        ("IAM103", 15, "Resources/AuditRole/ManagedPolicyArns", "194 actions from ec2:DescribeAccountAttributes"),
        # user data: secrets in configuration (config-secrets)
        ("IAM301", 15, "Resources/AuditRole/ManagedPolicyArns",
         ("ec2:DescribeInstanceAttribute", "ec2:DescribeLaunchTemplateVersions", "ec2:DescribeSpotFleetRequests",
          "ec2:DescribeSpotInstanceRequests")),
    },
    # a policy attached to a role and a user by Ref; a role policy by RoleName; a group's Deny that
    # removes the group's Allow for both of its members (Groups and UserToGroupAddition)
    "attachments.yaml": {
        ("IAM101", 50, "Resources/Shared", ("sns:Publish",)),
        ("IAM101", 61, "Resources/ByName", ("ec2:TerminateInstances",)),
    },
    # Sub (both forms), Join, Select, Split, FindInMap (the line of the mapping's value), GetAtt
    # (both forms), ImportValue (unknown: every resource), pseudo parameters (account: 12 '?')
    "intrinsics.yaml": {
        ("IAM003", 27, "Resources/Fn", ("ssm:Getprod",)),
        ("IAM101", 31, "Resources/Fn", ("sqs:SendMessage",)),
        ("IAM101", 35, "Resources/Fn", ("ec2:CreateVpc",)),
        ("IAM101", 13, "Resources/Fn", ("logs:DeleteLogGroup",)),
        ("IAM002", 44, "Resources/Fn", ()),
        ("IAM302", 44, "Resources/Fn", ("s3:GetObject",)),
        ("IAM101", 47, "Resources/Fn", ("kms:Decrypt",)),
        ("IAM302", 48, "Resources/Fn", ("kms:Decrypt",)),
        ("IAM302", 61, "Resources/Vars", ("s3:GetObject",)),
    },
    # a false Condition skips the resource; a known condition picks its branch; an unknown one
    # judges both; a Deny that exists only under one choice is not relied on
    "conditions.yaml": {
        ("IAM101", 37, "Resources/Chosen", ("sqs:PurgeQueue",)),
        ("IAM101", 43, "Resources/Chosen", ("ec2:RunInstances",)),
    },
    # Default, every AllowedValue (no value given), no value at all (unknown), a list parameter
    "parameters.yaml": {
        ("IAM101", 32, "Resources/Params", ("ec2:DeleteVpc",)),
        ("IAM002", 36, "Resources/Params", ()),
        ("IAM301", 40, "Resources/Params", ("sqs:ReceiveMessage",)),
    },
    "resource_policies.yaml": {
        ("IAM402", 14, "Resources/BucketPolicy/PolicyDocument", ()),
        ("IAM302", 16, "Resources/BucketPolicy/PolicyDocument", ("s3:GetObject",)),
        ("IAM402", 24, "Resources/Key/KeyPolicy", ()),
        ("IAM101", 25, "Resources/Key/KeyPolicy", "44 actions from kms:CancelKeyDeletion"),
        ("IAM301", 25, "Resources/Key/KeyPolicy", ("kms:GenerateDataKey", "kms:GenerateDataKeyPair")),
        ("IAM302", 26, "Resources/Key/KeyPolicy", ("kms:Decrypt",)),
        ("IAM402", 37, "Resources/QueuePolicy/PolicyDocument", ()),
        ("IAM101", 38, "Resources/QueuePolicy/PolicyDocument", ("sqs:SendMessage",)),
        ("IAM101", 44, "Resources/LogsPolicy/PolicyDocument", ("logs:PutLogEvents",)),
        ("IAM402", 44, "Resources/LogsPolicy/PolicyDocument", ()),
        ("IAM101", 49, "Resources/Invoke", ("lambda:InvokeFunction",)),
        ("IAM402", 50, "Resources/Invoke", ()),
    },
    "sso.yaml": {
        ("IAM103", 10, "Resources/Auditors/ManagedPolicies", "26 actions from cloudtrail:DescribeQuery"),
        ("IAM302", 10, "Resources/Auditors/ManagedPolicies",
         ("cloudtrail:GetEventDataStoreData", "cloudtrail:GetQueryResults", "cloudtrail:ListInsightsData")),
        ("IAM101", 15, "Resources/Auditors/InlinePolicy", ("cloudtrail:StopLogging",)),
        ("IAM002", 17, "Resources/Auditors/CustomerManagedPolicyReferences", ()),
    },
    # by the inventory's classification: nested templates IAM004 (at TemplateURL), custom resources run
    # code (IAM007, at ServiceToken), grants and identities not read here are unjudged (IAM006)
    "unresolved.yaml": {
        ("IAM004", 7, "Resources/Nested", ()),
        ("IAM007", 11, "Resources/Provisioner", ()),
        ("IAM007", 15, "Resources/Generic", ()),
        ("IAM004", 17, "Resources/Everywhere", ()),
        ("IAM006", 24, "Resources/Linked", ()),
        ("IAM006", 29, "Resources/Endpoint", ()),
    },
    # SAM, translated by AWS's translator: the generated role's findings at the SAM resource's lines
    # (AWSLambdaBasicExecutionRole, which SAM adds, at the function; ReadOnlyAccess at its Policies
    # entry); VenturiRole (plain CloudFormation, external id a parameter without value) passes; the
    # Lambda permission SAM generates for the schedule names the function by Ref (unknown: IAM002)
    "transform_sam.yaml": {
        ("IAM101", 4, "Resources/FnRole/ManagedPolicyArns",
         ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")),
        ("IAM101", 11, "Resources/FnRole/ManagedPolicyArns", "110 actions from s3-object-lambda:AbortMultipartUpload"),
        ("IAM301", 11, "Resources/FnRole/ManagedPolicyArns", ("s3:GetDataAccess",)),
        ("IAM302", 11, "Resources/FnRole/ManagedPolicyArns", "7 actions from s3-object-lambda:GetObject"),
    },
    "sam/read_only.yaml": {
        ("IAM002", 70, "Resources/CurSummariserDailyPermission", ()),
        ("IAM101", 70, "Resources/CurSummariserRole/ManagedPolicyArns",
         ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")),
    ("IAM003", 86, "Resources/CurSummariserRole/ManagedPolicyArns", "17 actions from deepcomposer:GetComposition"),
        ("IAM101", 86, "Resources/CurSummariserRole/ManagedPolicyArns",
         ("athena:GetSessionEndpoint", "cognito-idp:GetTokensFromRefreshToken", "iot:GetConnection", "iot:ListSubscriptions")),
        ("IAM101", 86, "Resources/CurSummariserRole/ManagedPolicyArns", ("s3express:CreateSession",)),
        ("IAM103", 86, "Resources/CurSummariserRole/ManagedPolicyArns", "2377 actions from a4b:GetAddressBook"),
        ("IAM103", 86, "Resources/CurSummariserRole/ManagedPolicyArns", "1936 actions from kafka:DescribeChannel"),
        ("IAM301", 86, "Resources/CurSummariserRole/ManagedPolicyArns",
         "76 actions from acm:GetAcmeExternalAccountBindingCredentials"),
        ("IAM301", 86, "Resources/CurSummariserRole/ManagedPolicyArns", "52 actions from kinesisvideo:GetIceServerConfig"),
        ("IAM302", 86, "Resources/CurSummariserRole/ManagedPolicyArns", "81 actions from appconfig:GetConfiguration"),
        ("IAM302", 86, "Resources/CurSummariserRole/ManagedPolicyArns", "79 actions from kendra:Query"),
    },
    # S3CrudPolicy (Policies[1]) at its line
    "sam/planted_write.yaml": {
        ("IAM002", 70, "Resources/CurSummariserDailyPermission", ()),
        ("IAM101", 70, "Resources/CurSummariserRole/ManagedPolicyArns",
         ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")),
        ("IAM101", 79, "Resources/CurSummariserRole/Policies/1",
         ("s3:DeleteObject", "s3:PutLifecycleConfiguration", "s3:PutObject", "s3:PutObjectAcl")),
    ("IAM003", 88, "Resources/CurSummariserRole/ManagedPolicyArns", "17 actions from deepcomposer:GetComposition"),
        ("IAM101", 88, "Resources/CurSummariserRole/ManagedPolicyArns",
         ("athena:GetSessionEndpoint", "cognito-idp:GetTokensFromRefreshToken", "iot:GetConnection", "iot:ListSubscriptions")),
        ("IAM101", 88, "Resources/CurSummariserRole/ManagedPolicyArns", ("s3express:CreateSession",)),
        ("IAM103", 88, "Resources/CurSummariserRole/ManagedPolicyArns", "2377 actions from a4b:GetAddressBook"),
        ("IAM103", 88, "Resources/CurSummariserRole/ManagedPolicyArns", "1936 actions from kafka:DescribeChannel"),
        ("IAM301", 88, "Resources/CurSummariserRole/ManagedPolicyArns",
         "76 actions from acm:GetAcmeExternalAccountBindingCredentials"),
        ("IAM301", 88, "Resources/CurSummariserRole/ManagedPolicyArns", "52 actions from kinesisvideo:GetIceServerConfig"),
        ("IAM302", 88, "Resources/CurSummariserRole/ManagedPolicyArns", "81 actions from appconfig:GetConfiguration"),
        ("IAM302", 88, "Resources/CurSummariserRole/ManagedPolicyArns", "79 actions from kendra:Query"),
    },
    # CDK's own output: the aws:cdk:path names the resources; ReadOnlyAccess (an Fn::Join ARN) and a
    # trust without external id; the planted statement at its line
    "cdk/read_only.template.json": {
    ("IAM003", 31, "CostReaderReadOnly/CostReaderRole/Resource/ManagedPolicyArns", "17 actions from deepcomposer:GetComposition"),
        ("IAM101", 31, "CostReaderReadOnly/CostReaderRole/Resource/ManagedPolicyArns",
         ("athena:GetSessionEndpoint", "cognito-idp:GetTokensFromRefreshToken", "iot:GetConnection", "iot:ListSubscriptions")),
        ("IAM101", 31, "CostReaderReadOnly/CostReaderRole/Resource/ManagedPolicyArns", ("s3express:CreateSession",)),
        ("IAM103", 31, "CostReaderReadOnly/CostReaderRole/Resource/ManagedPolicyArns", "2377 actions from a4b:GetAddressBook"),
        ("IAM103", 31, "CostReaderReadOnly/CostReaderRole/Resource/ManagedPolicyArns", "1936 actions from kafka:DescribeChannel"),
        ("IAM301", 31, "CostReaderReadOnly/CostReaderRole/Resource/ManagedPolicyArns",
         "76 actions from acm:GetAcmeExternalAccountBindingCredentials"),
        ("IAM301", 31, "CostReaderReadOnly/CostReaderRole/Resource/ManagedPolicyArns", "52 actions from kinesisvideo:GetIceServerConfig"),
        ("IAM302", 31, "CostReaderReadOnly/CostReaderRole/Resource/ManagedPolicyArns", "81 actions from appconfig:GetConfiguration"),
        ("IAM302", 31, "CostReaderReadOnly/CostReaderRole/Resource/ManagedPolicyArns", "79 actions from kendra:Query"),
        ("IAM401", 12, "CostReaderReadOnly/CostReaderRole/Resource/AssumeRolePolicyDocument", ()),
    },
    "cdk/planted_write.template.json": {
    ("IAM003", 31, "CostReaderPlantedWrite/CostReaderRole/Resource/ManagedPolicyArns", "17 actions from deepcomposer:GetComposition"),
        ("IAM101", 31, "CostReaderPlantedWrite/CostReaderRole/Resource/ManagedPolicyArns",
         ("athena:GetSessionEndpoint", "cognito-idp:GetTokensFromRefreshToken", "iot:GetConnection", "iot:ListSubscriptions")),
        ("IAM101", 31, "CostReaderPlantedWrite/CostReaderRole/Resource/ManagedPolicyArns", ("s3express:CreateSession",)),
        ("IAM103", 31, "CostReaderPlantedWrite/CostReaderRole/Resource/ManagedPolicyArns", "2377 actions from a4b:GetAddressBook"),
        ("IAM103", 31, "CostReaderPlantedWrite/CostReaderRole/Resource/ManagedPolicyArns", "1936 actions from kafka:DescribeChannel"),
        ("IAM301", 31, "CostReaderPlantedWrite/CostReaderRole/Resource/ManagedPolicyArns",
         "76 actions from acm:GetAcmeExternalAccountBindingCredentials"),
        ("IAM301", 31, "CostReaderPlantedWrite/CostReaderRole/Resource/ManagedPolicyArns", "52 actions from kinesisvideo:GetIceServerConfig"),
        ("IAM302", 31, "CostReaderPlantedWrite/CostReaderRole/Resource/ManagedPolicyArns", "81 actions from appconfig:GetConfiguration"),
        ("IAM302", 31, "CostReaderPlantedWrite/CostReaderRole/Resource/ManagedPolicyArns", "79 actions from kendra:Query"),
        ("IAM401", 12, "CostReaderPlantedWrite/CostReaderRole/Resource/AssumeRolePolicyDocument", ()),
        ("IAM101", 72, "CostReaderPlantedWrite/CostReaderRole/DefaultPolicy/Resource", ("s3:PutObject",)),
    },
    "transform_macro.yaml": {("IAM004", 2, "Transform", ())},
    "invalid_duplicate.yaml": {("IAM001", 11, "tests/fixtures/cloudformation/invalid_duplicate.yaml", ())},
    "invalid_reference.yaml": {
        ("IAM001", 11, "tests/fixtures/cloudformation/invalid_reference.yaml", ()),
        ("IAM001", 20, "tests/fixtures/cloudformation/invalid_reference.yaml", ()),
    },
    # CDK: findings name the aws:cdk:path, not the hashed logical id
    "cdk.json": {
        ("IAM101", 19, "ReportsStack/ReaderRole/Resource/ManagedPolicyArns",
         ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")),
        ("IAM302", 42, "ReportsStack/ReaderRole/DefaultPolicy/Resource", ("s3:GetObject",)),
        ("IAM101", 73, "ReportsStack/ReaderRole/DefaultPolicy/Resource",
         ("s3:DeleteObject", "s3:DeleteObjectAnnotation", "s3:DeleteObjectTagging", "s3:DeleteObjectVersion",
          "s3:DeleteObjectVersionAnnotation", "s3:DeleteObjectVersionTagging")),
    },
}


NOT_TEMPLATES = {"README.md", "app.js"}  # notes and the CDK app beside the fixtures


def test_every_fixture_has_expectations() -> None:
    assert sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*")
                  if p.is_file() and p.name not in NOT_TEMPLATES) == sorted(EXPECTED)


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # findings name files relative to the working directory


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_findings(name: str) -> None:
    assert findings(Path("tests/fixtures/cloudformation") / name) == EXPECTED[name]


def test_invalid_messages() -> None:
    report = check([Path("tests/fixtures/cloudformation/invalid_reference.yaml")], Settings())
    assert sorted(f.message for f in report.findings) == [
        "Resources/Other: Fn::Select: index 5 is out of range (the list has 2 items)",
        "Resources/Pol: Fn::GetAtt Missing: no resource of that name",
    ]


# --- YAML and JSON give the same verdict ---------------------------------------------------------


class _LongForm(yaml.SafeLoader):
    """YAML with CloudFormation's short forms read as the long forms (an independent converter)."""


def _long(tag: str, key: str) -> None:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "!GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {key: value}

    _LongForm.add_constructor(tag, construct)


for _name in ("Sub", "If", "GetAtt", "Join", "Select", "Split", "FindInMap", "Base64", "Cidr", "ImportValue",
              "GetAZs", "And", "Or", "Not", "Equals"):
    _long(f"!{_name}", f"Fn::{_name}")
_long("!Ref", "Ref")
_long("!Condition", "Condition")
# every scalar as the text written (a YAML 1.1 date such as 2012-10-17 stays a string)
_LongForm.yaml_implicit_resolvers = {k: [r for r in v if r[0] == "tag:yaml.org,2002:str"]
                                     for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _verdict(path: Path) -> set[tuple[str, str, str, tuple[str, ...]]]:
    return {(f.rule_id, f.address, f.path, tuple(f.actions)) for f in check([path], Settings()).findings}


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if n.endswith(".yaml") and not n.startswith("invalid")))
def test_yaml_and_json_forms_agree(name: str, tmp_path: Path) -> None:
    source = FIXTURES / name
    data = yaml.load(source.read_text(), Loader=_LongForm)
    target = tmp_path / (source.stem + ".json")
    target.write_text(json.dumps(data, indent=2))
    yaml_verdict = _verdict(Path("tests/fixtures/cloudformation") / name)
    json_verdict = _verdict(target)
    assert yaml_verdict, name
    assert json_verdict == yaml_verdict


def test_json_template_duplicate_key_is_invalid(tmp_path: Path) -> None:
    t = tmp_path / "dup.json"
    t.write_text('{"AWSTemplateFormatVersion": "2010-09-09",\n "Resources": {\n  "A": {"Type": "AWS::SQS::Queue"},\n'
                 '  "A": {"Type": "AWS::SNS::Topic"}\n }\n}\n')
    report = check([t], Settings())
    assert [(f.rule_id, f.line) for f in report.findings] == [("IAM001", 4)]
    assert "duplicate key 'A'" in report.findings[0].message


# --- parameters ------------------------------------------------------------------------------


PARAMS = Path("tests/fixtures/cloudformation/parameters.yaml")


def test_parameters_key_value_choose_the_allowed_value() -> None:
    got = findings(PARAMS, parameters=("Level=ec2:DescribeVpcs", "Anything=s3:ListAllMyBuckets"))
    assert got == {("IAM301", 40, "Resources/Params", ("sqs:ReceiveMessage",))}


def test_parameters_file_in_the_cli_format(tmp_path: Path) -> None:
    f = tmp_path / "params.json"
    f.write_text(json.dumps([{"ParameterKey": "Level", "ParameterValue": "ec2:DeleteVpc"},
                             {"ParameterKey": "Anything", "ParameterValue": "iam:PassRole"}]))
    got = findings(PARAMS, parameters=(str(f),))
    assert got == {("IAM101", 32, "Resources/Params", ("ec2:DeleteVpc",)),
                   ("IAM101", 36, "Resources/Params", ("iam:PassRole",)),
                   ("IAM301", 40, "Resources/Params", ("sqs:ReceiveMessage",))}


def test_a_value_outside_allowed_values_is_invalid() -> None:
    report = check([PARAMS], Settings(parameters=("Level=ec2:RunInstances",)))
    assert [(f.rule_id, f.line) for f in report.findings] == [("IAM001", 7)]


def test_noecho_value_is_never_printed() -> None:
    from checker.reporters import get_reporter

    secret = "s3cr3t-t0ken-value"
    report = check([PARAMS], Settings())
    docs = [d for d in report.load.documents if d.address == "Resources/Params"]
    assert docs and secret in docs[0].sensitive
    for fmt in ("text", "json", "sarif", "junit", "github", "markdown"):
        assert secret not in get_reporter(fmt)(report), fmt
    from checker.reporters.explain import render_explain

    entries, load = explain([PARAMS], Settings())
    for fmt in ("text", "json", "markdown"):
        assert secret not in render_explain(entries, load, fmt), fmt


def test_cli_parameters_option(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "checker.cli", "check", str(PARAMS), "--parameters",
                           "Level=ec2:DescribeVpcs", "--parameters", "Anything=s3:ListAllMyBuckets", "-f", "json"],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 1, done.stderr
    assert {(f["rule_id"], f["line"]) for f in json.loads(done.stdout)["findings"]} == {("IAM301", 40)}
    bad = subprocess.run([sys.executable, "-m", "checker.cli", "check", str(PARAMS), "--parameters",
                          str(tmp_path / "missing.json")], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "no such parameters file" in bad.stderr


# --- principals and skipped resources -----------------------------------------------------------


def test_principals_and_their_policies() -> None:
    report = check([Path("tests/fixtures/cloudformation/attachments.yaml")], Settings())
    principals = {p.address: p for p in report.load.principals}
    assert {a: (p.kind, sorted(d for _, d in p.policies), p.groups) for a, p in principals.items()} == {
        "Resources/Worker": ("role", ["Resources/ByName", "Resources/Shared"], ()),
        "Resources/Ops": ("group", ["Resources/GroupInline", "Resources/Ops/Policies/0"], ()),
        "Resources/Alice": ("user", ["Resources/Shared"], ("Resources/Ops",)),
        "Resources/Bob": ("user", ["Resources/UserInline"], ("Resources/Ops",)),
    }
    trust = next(d for d in report.load.documents if d.address == "Resources/Worker/AssumeRolePolicyDocument")
    assert trust.kind == DocumentKind.TRUST


def test_role_boundary_and_managed_policies() -> None:
    report = check([Path("tests/fixtures/cloudformation/role.yaml")], Settings())
    role = next(p for p in report.load.principals if p.address == "Resources/AuditRole")
    assert role.boundary is not None and role.boundary[1] == "Resources/Boundary"
    assert sorted(d for _, d in role.policies) == [
        "Resources/AuditRole/ManagedPolicyArns", "Resources/AuditRole/Policies/0", "Resources/ReportsPolicy"]
    kinds = {d.address: d.kind for d in report.load.documents}
    assert kinds["Resources/Boundary"] == DocumentKind.BOUNDARY


def test_false_condition_is_skipped() -> None:
    report = check([Path("tests/fixtures/cloudformation/conditions.yaml")], Settings())
    assert [(s.address, s.reason) for s in report.load.skipped] == [
        ("Resources/ProdOnly", "its Condition IsProd is false: CloudFormation does not create it")]
    prod = check([Path("tests/fixtures/cloudformation/conditions.yaml")], Settings(parameters=("Env=prod",)))
    assert {_key(f) for f in prod.findings} >= {("IAM101", 23, "Resources/ProdOnly", ("iam:CreateUser",)),
                                                ("IAM101", 33, "Resources/Chosen", ("s3:DeleteBucket",))}


def test_explain_names_cdk_paths() -> None:
    entries, load = explain([Path("tests/fixtures/cloudformation/cdk.json")], Settings())
    assert {e.document.address for e in entries} == {
        "ReportsStack/ReaderRole/Resource/AssumeRolePolicyDocument",
        "ReportsStack/ReaderRole/Resource/ManagedPolicyArns",
        "ReportsStack/ReaderRole/DefaultPolicy/Resource"}
    assert {p.address for p in load.principals} == {"ReportsStack/ReaderRole/Resource"}


# --- suppressions in Metadata ---------------------------------------------------------------------


SUPPRESSED = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Pol:
    Type: AWS::IAM::ManagedPolicy
    Metadata:
      check-permissions:
        ignore:
          - id: IAM101
            reason: reviewed (SEC-12)
          - id: IAM302
            reason: nothing to silence
          - id: IAM301
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: iam:PassRole
            Resource: "*"
  Other:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: s3:PutObject
            Resource: "*"
"""


@pytest.mark.parametrize("form", ["yaml", "json"])
def test_metadata_suppressions(tmp_path: Path, form: str) -> None:
    path = tmp_path / f"t.{form}"
    if form == "yaml":
        path.write_text(SUPPRESSED)
    else:
        path.write_text(json.dumps(yaml.load(SUPPRESSED, Loader=_LongForm), indent=1))
    report = check([path], Settings())
    assert [(s.finding.rule_id, s.finding.address, s.reason) for s in report.suppressed] == [
        ("IAM101", "Resources/Pol", "reviewed (SEC-12)")]
    got = {(f.rule_id, f.address if f.rule_id == "IAM101" else "") for f in report.findings}
    assert got == {("IAM101", "Resources/Other"), ("IAM010", ""), ("IAM011", "")}
    unused = next(f for f in report.findings if f.rule_id == "IAM010")
    assert "IAM302" in unused.message
    if form == "yaml":
        assert unused.line == 10


def test_no_suppressions_flag_ignores_metadata(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(SUPPRESSED)
    report = check([path], Settings(no_suppressions=True))
    assert not report.suppressed
    assert ("IAM101", "Resources/Pol") in {(f.rule_id, f.address) for f in report.findings}


# --- files found in folders --------------------------------------------------------------------


def test_folder_scan_reads_templates_and_skips_other_yaml(tmp_path: Path) -> None:
    (tmp_path / "workflow.yml").write_text("on: push\njobs: {build: {runs-on: ubuntu-latest}}\n")
    (tmp_path / "app.template").write_text((FIXTURES / "conditions.yaml").read_text())
    (tmp_path / "stack.json").write_text(json.dumps(yaml.load((FIXTURES / "role.yaml").read_text(),
                                                              Loader=_LongForm)))
    report = check([tmp_path], Settings())
    assert {Path(f).name for f in report.load.files} == {"app.template", "stack.json"}
    assert not report.load.errors
    assert {(Path(f.file).name, f.rule_id) for f in report.findings} >= {("app.template", "IAM101"),
                                                                         ("stack.json", "IAM101")}


def test_named_yaml_that_is_no_template_is_skipped(tmp_path: Path) -> None:
    f = tmp_path / "config.yaml"
    f.write_text("name: x\nitems: [1, 2]\n")
    report = check([f], Settings())
    assert not report.load.documents
    assert [s.reason for s in report.load.skipped] == ["not a CloudFormation template"]


def test_json_policy_path_does_not_import_the_template_front_end(tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    policy.write_text('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", '
                      '"Resource": "*"}]}')
    code = ("import sys; from checker.api import check; check([sys.argv[1]]); "
            "print(sorted(m for m in sys.modules if m.startswith(('checker.sources.cloudformation', 'yaml'))))")
    done = subprocess.run([sys.executable, "-c", code, str(policy)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_template_path_does_not_import_the_terraform_loader() -> None:
    code = ("import sys; from checker.api import check; check([sys.argv[1]]); "
            "print(sorted(m for m in sys.modules if m.startswith(('checker.terraform.loader', 'hcl2', 'lark'))))")
    done = subprocess.run([sys.executable, "-c", code, str(FIXTURES / "role.yaml")], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- hostile templates: findings, never tracebacks, in bounded time ----------------------------


def _hostile(tmp_path: Path, name: str, text: str) -> list[tuple[str, int, str]]:
    path = tmp_path / name
    path.write_text(text)
    start = time.monotonic()
    report = check([path], Settings())
    assert time.monotonic() - start < 20, name
    return [(f.rule_id, f.line, f.message) for f in report.findings]


HEAD = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n'


def test_deep_nesting_is_an_error(tmp_path: Path) -> None:
    got = _hostile(tmp_path, "deep.json", '{"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": '
                   '{"PolicyDocument": ' + "[" * 400 + "]" * 400 + "}}}}")
    assert [r for r, _, _ in got] == ["IAM001"]
    got = _hostile(tmp_path, "deep.yaml", HEAD + "      PolicyDocument: " + "[" * 5000 + "]" * 5000 + "\n")
    assert [r for r, _, _ in got] == ["IAM001"]


def test_huge_select_index_is_an_error(tmp_path: Path) -> None:
    got = _hostile(tmp_path, "select.yaml", HEAD + "      PolicyDocument:\n        Version: '2012-10-17'\n"
                   "        Statement: [{Effect: Allow, Action: !Select [99999999999999999999, [a]], Resource: '*'}]\n")
    assert [(r, ln) for r, ln, _ in got] == [("IAM001", 8)]
    assert "index must be a non-negative integer" in got[0][2]


def test_sub_with_thousands_of_variables_is_bounded(tmp_path: Path) -> None:
    names = [f"V{i}" for i in range(5000)]
    variables = ", ".join(f"{n}: x" for n in names)
    text = "".join("${" + n + "}" for n in names)
    got = _hostile(tmp_path, "sub.yaml", HEAD + "      PolicyDocument:\n        Version: '2012-10-17'\n"
                   f"        Statement: [{{Effect: Allow, Action: !Sub ['{text}', {{{variables}}}], Resource: '*'}}]\n")
    assert [r for r, _, _ in got] == ["IAM003"]


def test_alias_bomb_is_an_error(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    text = 'AWSTemplateFormatVersion: "2010-09-09"\nMetadata:\n' + "\n".join("  " + ln for ln in lines) + \
        "\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n"
    got = _hostile(tmp_path, "bomb.yaml", text)
    assert [r for r, _, _ in got] == ["IAM001"]
    assert "more than 500,000 values" in got[0][2]


def test_unknown_conditions_beyond_the_bound_are_unresolved(tmp_path: Path) -> None:
    conditions = "".join(f"  C{i}: !Equals [!Ref AWS::Region, r{i}]\n" for i in range(12))
    statements = "".join(f"          - {{Effect: Allow, Action: !If [C{i}, s3:GetObject, s3:ListBucket], "
                         "Resource: '*'}\n" for i in range(12))
    text = (f'AWSTemplateFormatVersion: "2010-09-09"\nConditions:\n{conditions}Resources:\n  P:\n'
            "    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n"
            f"        Version: '2012-10-17'\n        Statement:\n{statements}")
    got = _hostile(tmp_path, "many.yaml", text)
    assert [r for r, _, _ in got] == ["IAM002"]
    assert "combinations" in got[0][2]


def test_garbage_is_one_error(tmp_path: Path) -> None:
    got = _hostile(tmp_path, "bad.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources: [\n  - {\n")
    assert [r for r, _, _ in got] == ["IAM001"]
    got = _hostile(tmp_path, "tag.yaml", HEAD + "      PolicyDocument: !Bogus x\n")
    assert [(r, ln) for r, ln, _ in got] == [("IAM001", 6)]


# --- the pre-commit hook and check_text ------------------------------------------------------------


def test_precommit_plan_takes_templates_and_ignores_other_yaml(tmp_path: Path) -> None:
    from checker.cli.precommit import plan

    (tmp_path / ".git").mkdir()
    (tmp_path / "stack.yaml").write_text((FIXTURES / "conditions.yaml").read_text())
    (tmp_path / "ci.yml").write_text("on: push\n")
    (tmp_path / "cdk.template.json").write_text((FIXTURES / "cdk.json").read_text())
    got = plan([tmp_path / "stack.yaml", tmp_path / "ci.yml", tmp_path / "cdk.template.json"], root=tmp_path)
    assert sorted(p.name for p in got.policies) == ["cdk.template.json", "stack.yaml"]
    assert [Path(i).name for i in got.ignored] == ["ci.yml"]


def test_check_text_reads_a_template_buffer() -> None:
    from checker.api import check_text

    text = (FIXTURES / "attachments.yaml").read_text()
    report = check_text(text, "unsaved.yaml")
    assert {(f.rule_id, f.line, f.file) for f in report.findings} == {("IAM101", 50, "unsaved.yaml"),
                                                                    ("IAM101", 61, "unsaved.yaml")}


def test_parameters_the_template_does_not_declare_are_ignored() -> None:
    assert findings(Path("tests/fixtures/cloudformation/role.yaml"), parameters=("Unrelated=1",)) == \
        EXPECTED["role.yaml"]


def test_other_yaml_in_a_folder_is_never_parsed(tmp_path: Path) -> None:
    """YAML that does not look like a template is skipped unread: GitLab's !reference tags, a
    Kubernetes manifest of several documents."""
    (tmp_path / ".gitlab-ci.yml").write_text("test:\n  script: !reference [.setup, script]\n")
    (tmp_path / "deploy.yaml").write_text("kind: Service\n---\nkind: Deployment\n")
    (tmp_path / "p.json").write_text('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                                     '"Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}')
    report = check([tmp_path], Settings())
    assert not report.load.errors
    assert [Path(f).name for f in report.load.files] == ["p.json"]
    assert report.findings == []
