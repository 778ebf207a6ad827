"""SAM templates translated by AWS's own translator (checker/sources/cloudformation/sam.py), offline.

The fixtures under tests/fixtures/cloudformation/sam/ are read with cfn-lint's decoder (the short-form
intrinsics of YAML); the translated IAM roles are asserted exactly: their trust, managed policy ARNs and
the policy documents SAM generates from policy templates, managed policy names and inline statements.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode_str

from checker.sources.cloudformation.sam import (
    MAX_RESOURCES,
    SamProblem,
    SamTranslationError,
    translate,
    uses_sam,
)

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "cloudformation" / "sam"
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Action": ["sts:AssumeRole"], "Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}}]}
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
S3_READ = ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion",
           "s3:GetLifecycleConfiguration"]
S3_CRUD = ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion", "s3:PutObject",
           "s3:PutObjectAcl", "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration", "s3:DeleteObject"]


def load(name: str) -> dict[str, Any]:
    template, errors = decode_str((FIXTURES / name).read_text(encoding="utf-8"))
    assert errors == []
    plain: dict[str, Any] = json.loads(json.dumps(template))
    return plain


def bucket_arns(bucket: Any) -> list[Any]:
    return [{"Fn::Sub": ["arn:${AWS::Partition}:s3:::${bucketName}", {"bucketName": bucket}]},
            {"Fn::Sub": ["arn:${AWS::Partition}:s3:::${bucketName}/*", {"bucketName": bucket}]}]


def policy(name: str, statement: dict[str, Any]) -> dict[str, Any]:
    return {"PolicyName": name, "PolicyDocument": {"Statement": [statement]}}


COST_READ = {"Sid": "CostRead", "Effect": "Allow", "Action": ["ce:GetCostAndUsage", "ce:GetCostForecast"],
             "Resource": "*"}
CUR = {"Ref": "CurBucketName"}


def test_read_only_fixture_translates_to_the_roles_aws_creates() -> None:
    template = load("read_only.yaml")
    before = json.dumps(template, sort_keys=True)
    out, origins = translate(template, {"ExternalId": "venturi-external-id"})
    assert json.dumps(template, sort_keys=True) == before  # the input is left alone
    resources = out["Resources"]
    assert {k: v["Type"] for k, v in resources.items()} == {
        "VenturiRole": "AWS::IAM::Role",  # plain CloudFormation: passed through untouched
        "CurSummariser": "AWS::Lambda::Function",
        "CurSummariserRole": "AWS::IAM::Role",
        "CurSummariserDaily": "AWS::Events::Rule",
        "CurSummariserDailyPermission": "AWS::Lambda::Permission",
    }
    assert resources["VenturiRole"] == template["Resources"]["VenturiRole"]
    assert origins == {"VenturiRole": "VenturiRole", "CurSummariser": "CurSummariser",
                       "CurSummariserRole": "CurSummariser", "CurSummariserDaily": "CurSummariser",
                       "CurSummariserDailyPermission": "CurSummariser"}
    assert resources["CurSummariserRole"]["Properties"] == {
        "AssumeRolePolicyDocument": LAMBDA_TRUST,
        # SAM adds the basic execution role (log writes) to every function role it makes
        "ManagedPolicyArns": [BASIC_EXECUTION, "arn:aws:iam::aws:policy/ReadOnlyAccess"],
        "Policies": [
            policy("CurSummariserRolePolicy0", {"Action": S3_READ, "Effect": "Allow", "Resource": bucket_arns(CUR)}),
            policy("CurSummariserRolePolicy1", COST_READ),
        ],
        "Tags": [{"Key": "lambda:createdBy", "Value": "SAM"}],
    }
    assert resources["CurSummariser"]["Properties"]["Role"] == {"Fn::GetAtt": ["CurSummariserRole", "Arn"]}
    assert resources["CurSummariserDailyPermission"]["Properties"] == {
        "Action": "lambda:InvokeFunction", "FunctionName": {"Ref": "CurSummariser"},
        "Principal": "events.amazonaws.com", "SourceArn": {"Fn::GetAtt": ["CurSummariserDaily", "Arn"]}}
    assert "Transform" not in out and "Globals" not in out
    assert out["Outputs"] == template["Outputs"] and out["Parameters"] == template["Parameters"]


def test_planted_write_fixture_adds_the_s3_crud_statement() -> None:
    out, origins = translate(load("planted_write.yaml"), {"ExternalId": "venturi-external-id"})
    assert out["Resources"]["CurSummariserRole"]["Properties"]["Policies"] == [
        policy("CurSummariserRolePolicy0", {"Action": S3_READ, "Effect": "Allow", "Resource": bucket_arns(CUR)}),
        policy("CurSummariserRolePolicy1", {"Action": S3_CRUD, "Effect": "Allow", "Resource": bucket_arns(CUR)}),
        policy("CurSummariserRolePolicy2", COST_READ),
    ]
    assert origins["CurSummariserRole"] == "CurSummariser"


SAM_POLICIES: dict[str, Any] = {
    "Transform": "AWS::Serverless-2016-10-31",
    "Parameters": {"Uploads": {"Type": "String", "Default": "uploads-bucket"}},
    "Resources": {
        "Admin": {"Type": "AWS::Serverless::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "a.h", "InlineCode": "def h(e, c): pass",
            "Policies": ["AdministratorAccess", "CostReportingPartnerPolicy", "arn:aws:iam::123456789012:policy/Own",
                         {"S3CrudPolicy": {"BucketName": {"Ref": "Uploads"}}},
                         {"DynamoDBReadPolicy": {"TableName": "ledger"}}],
            "Events": {"Get": {"Type": "Api", "Properties": {"Path": "/", "Method": "get"}}}}},
        "Flow": {"Type": "AWS::Serverless::StateMachine", "Properties": {
            "Definition": {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}},
            "Policies": ["ReadOnlyAccess", {"Statement": [{"Effect": "Allow", "Action": "states:StartExecution",
                                                          "Resource": "*"}]}]}},
    },
}


def test_policy_templates_managed_names_and_statements() -> None:
    out, origins = translate(SAM_POLICIES, {})
    role = out["Resources"]["AdminRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [
        BASIC_EXECUTION,
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/CostReportingPartnerPolicy",  # unknown name: an ARN the gate reports, not a bare name
        "arn:aws:iam::123456789012:policy/Own",
    ]
    assert role["Policies"] == [
        policy("AdminRolePolicy3", {"Action": S3_CRUD, "Effect": "Allow", "Resource": bucket_arns({"Ref": "Uploads"})}),
        policy("AdminRolePolicy4", {"Action": [
            "dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem",
            "dynamodb:DescribeTable"], "Effect": "Allow", "Resource": [
            {"Fn::Sub": ["arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}",
                         {"tableName": "ledger"}]},
            {"Fn::Sub": ["arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}/index/*",
                         {"tableName": "ledger"}]}]}),
    ]
    flow = out["Resources"]["FlowRole"]["Properties"]
    assert flow["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": ["states.amazonaws.com"]}
    assert flow["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert flow["Policies"] == [policy("FlowRolePolicy1", {
        "Effect": "Allow", "Action": "states:StartExecution", "Resource": "*"})]
    assert origins == {
        "Admin": "Admin", "AdminRole": "Admin", "AdminGetPermissionProd": "Admin",
        "Flow": "Flow", "FlowRole": "Flow",
        # the implicit API comes from Admin's Api event
        "ServerlessRestApi": "Admin", "ServerlessRestApiProdStage": "Admin",
        **{k: "Admin" for k in out["Resources"] if k.startswith("ServerlessRestApiDeployment")},
    }
    assert set(origins) == set(out["Resources"])
    assert out["Resources"]["FlowRole"]["Type"] == "AWS::IAM::Role"


def test_translation_errors_name_the_sam_resource() -> None:
    template = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {
        "NoCode": {"Type": "AWS::Serverless::Function", "Properties": {"Runtime": "python3.12", "Handler": "a.h"}},
        "BadEvent": {"Type": "AWS::Serverless::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "a.h", "CodeUri": "s3://b/k.zip",
            "Events": {"Nightly": {"Type": "Teleport"}}}},
        "BadPolicy": {"Type": "AWS::Serverless::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "a.h", "CodeUri": "s3://b/k.zip",
            "Policies": [{"S3ReadPolicy": {"Bucket": "typo"}}]}},
    }}
    with pytest.raises(SamTranslationError) as caught:
        translate(template, {})
    problems = caught.value.problems
    assert [p.logical_id for p in problems] == ["NoCode", "BadEvent", "BadPolicy"]
    assert problems[0].message == "Resource with id [NoCode] is invalid. Only one of 'InlineCode' or 'CodeUri' can be set."
    assert problems[1].message.startswith("Resource with id [BadEvent] is invalid. Event with id [Nightly] is invalid.")
    assert "BucketName" in problems[2].message
    assert (caught.value.logical_id, caught.value.message) == ("NoCode", problems[0].message)


def test_template_level_errors_and_bounds() -> None:
    with pytest.raises(SamTranslationError) as caught:
        translate({"Transform": "AWS::Serverless-2016-10-31", "Resources": []}, {})
    assert caught.value.logical_id is None and "Resources" in caught.value.message
    many = {f"F{i}": {"Type": "AWS::SNS::Topic"} for i in range(MAX_RESOURCES + 1)}
    with pytest.raises(SamTranslationError, match="501 resources: more than CloudFormation's 500"):
        translate({"Transform": "AWS::Serverless-2016-10-31", "Resources": many}, {})
    with pytest.raises(SamTranslationError, match="bytes: more than CloudFormation's 1000000"):
        translate({"Transform": "AWS::Serverless-2016-10-31", "Resources": {"T": {
            "Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "x" * 1_000_001}}}}, {})
    deep: Any = "leaf"
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(SamTranslationError) as nested:
        translate({"Transform": "AWS::Serverless-2016-10-31", "Resources": {"T": {
            "Type": "AWS::SNS::Topic", "Properties": {"Deep": deep}}}}, {})
    assert nested.value.problems == (SamProblem(None, nested.value.message),)


def test_repository_applications_stay_nested_stacks_offline() -> None:
    template = {"Transform": ["AWS::Serverless-2016-10-31", "AcmeMacro"], "Resources": {
        "Sar": {"Type": "AWS::Serverless::Application", "Properties": {"Location": {
            "ApplicationId": "arn:aws:serverlessrepo:us-east-1:012345678901:applications/cost-exporter",
            "SemanticVersion": "2.1.0"}}},
        "Url": {"Type": "AWS::Serverless::Application", "Properties": {"Location": "https://example.com/t.yaml"}},
    }}
    out, origins = translate(template, {})
    assert {k: (v["Type"], v["Properties"]["TemplateURL"]) for k, v in out["Resources"].items()} == {
        "Sar": ("AWS::CloudFormation::Stack",
                "serverlessrepo:arn:aws:serverlessrepo:us-east-1:012345678901:applications/cost-exporter@2.1.0"),
        "Url": ("AWS::CloudFormation::Stack", "https://example.com/t.yaml"),
    }
    assert origins == {"Sar": "Sar", "Url": "Url"}
    assert out["Transform"] == ["AcmeMacro"]  # the other transforms still apply
    assert uses_sam(template) and uses_sam({"Transform": "AWS::Serverless-2016-10-31"})
    assert not uses_sam({"Transform": "AWS::LanguageExtensions"}) and not uses_sam({})


def test_environment_plays_no_part_and_nothing_is_printed(tmp_path: Path) -> None:
    """No region, a missing profile, a config file that does not parse: the same translation, silent,
    and samtranslator only imported once a template is translated."""
    (tmp_path / "config").write_text("[broken\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_PROFILE="does-not-exist", AWS_CONFIG_FILE=str(tmp_path / "config"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "config"), AWS_EC2_METADATA_DISABLED="true")
    code = (
        "import json, sys\n"
        "from checker.sources.cloudformation import sam\n"
        "assert 'samtranslator' not in sys.modules and 'boto3' not in sys.modules\n"
        f"out, origins = sam.translate(json.loads({json.dumps(json.dumps(SAM_POLICIES))}), {{}})\n"
        "print(json.dumps([out['Resources']['AdminRole']['Properties']['ManagedPolicyArns'], origins['AdminRole']]))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert (run.returncode, run.stderr) == (0, "")
    assert json.loads(run.stdout) == [[
        BASIC_EXECUTION, "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/CostReportingPartnerPolicy", "arn:aws:iam::123456789012:policy/Own"], "Admin"]


def test_connectors_and_apis_get_their_origins() -> None:
    template = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {
        "Table": {"Type": "AWS::Serverless::SimpleTable"},
        "Fn": {"Type": "AWS::Serverless::Function",
               "Properties": {"Runtime": "python3.12", "Handler": "a.h", "CodeUri": "s3://b/k.zip",
                              "Events": {"H": {"Type": "HttpApi"}, "G": {"Type": "Api", "Properties": {
                                  "RestApiId": {"Ref": "Api"}, "Path": "/", "Method": "get"}}}},
               "Connectors": {"ToTable": {"Properties": {"Destination": {"Id": "Table"}, "Permissions": ["Read"]}}}},
        "Conn": {"Type": "AWS::Serverless::Connector", "Properties": {
            "Source": {"Id": "Fn"}, "Destination": {"Id": "Bucket"}, "Permissions": ["Write"]}},
        "Bucket": {"Type": "AWS::S3::Bucket"},
        "Api": {"Type": "AWS::Serverless::Api", "Properties": {
            "StageName": "v1", "Auth": {"ResourcePolicy": {"AwsAccountWhitelist": ["111122223333"]}}}},
    }}
    out, origins = translate(template, {})
    types = {k: (v["Type"], origins[k]) for k, v in out["Resources"].items() if not k.startswith("ApiDeployment")}
    assert types == {
        "Table": ("AWS::DynamoDB::Table", "Table"),
        "Fn": ("AWS::Lambda::Function", "Fn"), "FnRole": ("AWS::IAM::Role", "Fn"),
        "FnHPermission": ("AWS::Lambda::Permission", "Fn"), "FnGPermissionv1": ("AWS::Lambda::Permission", "Fn"),
        "FnToTablePolicy": ("AWS::IAM::ManagedPolicy", "Fn"),  # the embedded connector is Fn's
        "ServerlessHttpApi": ("AWS::ApiGatewayV2::Api", "Fn"),  # the implicit HTTP API of Fn's event
        "ServerlessHttpApiApiGatewayDefaultStage": ("AWS::ApiGatewayV2::Stage", "Fn"),
        "ConnPolicy": ("AWS::IAM::ManagedPolicy", "Conn"), "Bucket": ("AWS::S3::Bucket", "Bucket"),
        "Api": ("AWS::ApiGateway::RestApi", "Api"), "Apiv1Stage": ("AWS::ApiGateway::Stage", "Api"),
    }
    conn = out["Resources"]["ConnPolicy"]
    assert conn["Properties"]["Roles"] == [{"Ref": "FnRole"}]
    assert conn["Properties"]["PolicyDocument"]["Statement"][0]["Action"] == [
        "s3:AbortMultipartUpload", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject",
        "s3:PutObjectLegalHold", "s3:PutObjectRetention", "s3:RestoreObject"]
    # what SAM itself writes in Metadata stays; no marker of ours is left anywhere
    assert conn["Metadata"] == {"aws:sam:connectors": {"Conn": {
        "Source": {"Type": "AWS::Serverless::Function"}, "Destination": {"Type": "AWS::S3::Bucket"}}}}
    assert "CheckPermissionsSamOrigin" not in json.dumps(out)
    # the API's resource policy lives in its OpenAPI body (classification.json records that path)
    assert out["Resources"]["Api"]["Properties"]["Body"]["x-amazon-apigateway-policy"] == {
        "Version": "2012-10-17", "Statement": {
            "Action": "execute-api:Invoke", "Effect": "Allow", "Principal": {"AWS": ["111122223333"]},
            "Resource": [{"Fn::Sub": ["execute-api:/${__Stage__}/GET/", {"__Stage__": "v1"}]}]}}
