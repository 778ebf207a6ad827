"""The sensitivity loader, the ARN-scope judgement behind IAM302, and the profile fields of the sensitive-read rules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from checker.analysis.arnscope import Scope, build_arn_index, resource_scope, scopable
from checker.analysis.sensitivity import (
    CATEGORIES,
    categories,
    corrected_level,
    correction,
    sensitive_actions,
)
from checker.catalog import Catalog, get_catalog
from checker.engine.profiles import ProfileError, load_profile

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "checker" / "data"


# --- checker.analysis.sensitivity -----------------------------------------------------------------------------


def test_every_sensitive_entry_names_a_catalog_action_as_the_catalog_spells_it() -> None:
    catalog = get_catalog()
    raw = json.loads((DATA / "sensitive_actions.json").read_text(encoding="utf-8"))["actions"]
    wrong = [name for name in raw if (info := catalog.get(name)) is None or info.name != name]
    assert wrong == []
    assert len(sensitive_actions()) == len(raw)


def test_every_level_correction_names_a_catalog_action_labelled_beyond_read() -> None:
    catalog = get_catalog()
    raw = json.loads((DATA / "level_corrections.json").read_text(encoding="utf-8"))["actions"]
    for name, entry in raw.items():
        info = catalog.get(name)
        assert info is not None and info.name == name, name
        assert info.level not in ("Read", "List"), name
        assert corrected_level(name) == entry["level"]


def test_categories_are_case_insensitive_and_frozen() -> None:
    assert categories("secretsmanager:GetSecretValue") == frozenset({"credentials", "data"})
    assert categories("SECRETSMANAGER:getsecretvalue") == frozenset({"credentials", "data"})
    assert categories("ssm:GetParametersByPath") == frozenset({"credentials", "data"})
    assert categories("ce:GetCostAndUsage") == frozenset({"cost"})
    assert categories("sqs:ReceiveMessage") == frozenset({"side-effect", "data"})
    assert categories("s3:ListBucket") == frozenset()
    assert categories("nonesuch:Thing") == frozenset()
    assert set(CATEGORIES) == {c for cats in sensitive_actions().values() for c in cats}


def test_corrected_level() -> None:
    assert get_catalog().get("billing:GetResourcePolicy").level == "Permissions management"  # type: ignore[union-attr]
    assert corrected_level("billing:GetResourcePolicy") == "Read"
    assert corrected_level("BILLING:getresourcepolicy") == "Read"
    assert correction("billing:GetResourcePolicy") == "Read"
    assert corrected_level("s3:PutObject") == "Write"
    assert correction("s3:PutObject") is None
    assert corrected_level("nonesuch:Thing") == "Unknown"


def test_write_rule_and_explain_use_corrected_levels(tmp_path: Path) -> None:
    from checker.api import check, explain
    from checker.settings import Settings

    policy = tmp_path / "p.json"
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["billing:GetResourcePolicy", "ses:TestRenderTemplate", "s3:PutObject"],
         "Resource": "*"}]}), encoding="utf-8")
    report = check([policy], Settings())
    assert [(f.rule_id, f.actions) for f in report.findings] == [("IAM101", ("s3:PutObject",))]
    entries, _ = explain([policy], Settings())
    assert entries[0].grants == {"Read": ["billing:GetResourcePolicy", "ses:TestRenderTemplate"],
                                 "Write": ["s3:PutObject"]}


def test_the_arn_index_is_current() -> None:
    """checker/data/sensitive_arns.json is what scripts/build_sensitive_arns.py writes from the catalog."""
    r = subprocess.run([sys.executable, str(REPO / "scripts" / "build_sensitive_arns.py"), "--check"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    index = build_arn_index(get_catalog())
    stored = json.loads((DATA / "sensitive_arns.json").read_text(encoding="utf-8"))
    assert stored == index


# --- checker.analysis.arnscope ---------------------------------------------------------------------------------

U, S, N = Scope.UNSCOPED, Scope.SCOPED, Scope.NO_MATCH
SCOPES = [
    ("s3:GetObject", "*", U),
    ("s3:GetObject", "arn:aws:s3:::cur-bucket/prefix/*", S),
    ("s3:GetObject", "arn:aws:s3:::cur-bucket/*", S),
    ("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*", S),
    ("s3:GetObject", "arn:aws:s3:::*", U),
    ("s3:GetObject", "arn:aws:s3:::*/reports/*", U),
    ("s3:GetObject", "arn:aws:s3:::cur-*/reports/*", U),
    ("s3:GetObject", "arn:aws:s3:::cur-bucke?/reports/*", U),
    ("s3:GetObject", "arn:aws:s3:::${aws:PrincipalTag/team}/*", U),
    ("s3:GetObject", "arn:aws:s3:*", U),
    ("s3:GetObject", "arn:*:s3:::cur-bucket/*", U),
    ("s3:GetObject", "arn:aws:*:::cur-bucket/*", U),
    ("s3:GetObject", "arn:aws:s3:us-east-1:111122223333:accesspoint/*/object/*", U),
    ("s3:GetObject", "arn:aws:s3:us-east-1:111122223333:accesspoint/cur/object/*", S),
    ("s3:GetObject", "arn:aws:dynamodb:us-east-1:111122223333:table/*", N),  # another service: grants nothing
    ("dynamodb:Query", "arn:aws:dynamodb:*:*:table/cur", S),
    ("dynamodb:Query", "arn:aws:dynamodb:us-east-1:111122223333:table/cur/index/*", S),
    ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:111122223333:table/cur/*", S),  # '/' ends a table name
    ("dynamodb:Query", "arn:aws:dynamodb:us-east-1:111122223333:table/*", U),
    ("dynamodb:Query", "arn:aws:dynamodb:us-east-1:111122223333:*", U),
    ("dynamodb:Query", "arn:aws:dynamodb:us-east-1:111122223333:tab*", U),
    ("kinesis:GetRecords", "arn:aws:kinesis:us-east-1:111122223333:stream/cur", S),
    ("kinesis:GetRecords", "arn:aws:kinesis:us-east-1:111122223333:stream/cur*", U),
    ("logs:GetLogEvents", "arn:aws:logs:us-east-1:111122223333:log-group:/aws/bedrock/x:*", S),
    ("logs:GetLogEvents", "arn:aws:logs:us-east-1:111122223333:log-group:/aws/*", U),
    ("logs:FilterLogEvents", "arn:aws:logs:us-east-1:111122223333:log-group:/aws/bedrock/x:*", S),
    ("sqs:ReceiveMessage", "arn:aws:sqs:*:*:cur-events", S),
    ("sqs:ReceiveMessage", "arn:aws:sqs:*:*:cur-*", U),
    ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-??????", U),
    ("cloudtrail:LookupEvents", "*", U),  # no resource type: only "*" grants it
    ("cloudtrail:LookupEvents", "arn:aws:cloudtrail:us-east-1:111122223333:trail/x", N),
]


@pytest.mark.parametrize(("action", "value", "expected"), SCOPES)
def test_resource_scope(action: str, value: str, expected: Scope) -> None:
    assert resource_scope(value, action, get_catalog())[0] is expected


def test_resource_scope_without_the_index_agrees() -> None:
    """A catalog other than the default reads the details; the verdicts are the same."""
    other = Catalog.load()
    for action, value, expected in SCOPES:
        assert resource_scope(value, action, other)[0] is expected, (action, value)


def test_scopable() -> None:
    assert scopable("s3:GetObject", get_catalog())
    assert not scopable("cloudtrail:LookupEvents", get_catalog())


# --- profile fields ----------------------------------------------------------------------------------


def test_builtin_profiles_fields() -> None:
    ro = load_profile("read-only")
    assert ro.forbidden_categories == ("credentials", "config-secrets", "side-effect", "cost")
    assert ro.category_exceptions == {"cost": ("ce:*",)}
    assert ro.unscoped_data_reads == ("logs:GetLogEvents", "logs:FilterLogEvents", "cloudtrail:LookupEvents")
    assert ro.allowed_services is None and ro.trusted_accounts == ()
    assert ro.category_exempt("ce:GetCostAndUsage", "cost") and not ro.category_exempt("bedrock:InvokeModel", "cost")
    assert ro.unscoped_read_allowed("LOGS:getlogevents") and not ro.unscoped_read_allowed("logs:GetLogRecord")
    audit = load_profile("audit")
    assert set(audit.forbidden_categories) == set(CATEGORIES) and audit.unscoped_data_reads == ()


@pytest.mark.parametrize(("text", "message"), [
    ('forbidden_categories = ["secrets"]', "forbidden_categories: Value error, unknown categor(ies) ['secrets']"),
    ('[category_exceptions]\nmoney = ["ce:*"]', "category_exceptions: Value error, unknown categor(ies) ['money']"),
    ('[category_exceptions]\ncost = ["ce"]', "category_exceptions.cost: 'ce' is not an action pattern"),
    ('unscoped_data_reads = ["s3:GetObjects"]', "unscoped_data_reads: Value error, 's3:GetObjects' matches no action"),
    ('allowed_services = ["costexplorer"]', "allowed_services: Value error, unknown service prefix(es) ['costexplorer']"),
    ("allowed_services = []", "an empty list allows no service at all"),
    ("trusted_accounts = [111122223333]", "111122223333 is not an AWS account id: write 12 digits as a quoted string"),
    ('trusted_accounts = ["1111-2222-3333"]', "'1111-2222-3333' is not an AWS account id"),
    ('[rules.IAM31]\nseverity = "error"', "rules: Value error, no rule 'IAM31'"),
    ("[rules.sensitive-read]\nenabled = false", "no rule 'sensitive-read' (write its id, IAM301)"),
])
def test_profile_validation_errors(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(f'name = "p"\n{text}\n', encoding="utf-8")
    with pytest.raises(ProfileError) as exc:
        load_profile(str(path))
    assert message in str(exc.value)
    assert str(exc.value).startswith(f"{path}: invalid profile: ")


def test_profile_file_is_reread_after_a_change(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('name = "one"\ndescription = "one"\n', encoding="utf-8")
    assert load_profile(str(path)).description == "one"
    path.write_text('name = "two"\ndescription = "two"\nallowed_services = ["CE"]\n', encoding="utf-8")
    profile = load_profile(str(path))
    # a profile from a file is named by its path in reports
    assert (profile.name, profile.description, profile.allowed_services) == (str(path), "two", ("ce",))
