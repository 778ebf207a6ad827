"""The read-only profile passes exactly what the onboarding role holds, and fails each forbidden thing.

``tests/fixtures/onboarding-like-policy.json`` holds what the onboarding role is meant to grant
(infra/aws/onboarding): Cost Explorer reads, the CUR bucket's objects (scoped), pricing, Bedrock
metadata, CloudWatch metrics, log events, CloudTrail lookups, IAM and Organizations listing. It
uses ``ce:Get*``, ``ce:Describe*`` and ``ce:List*`` on purpose: the decision is that these pass the
gate with one wildcard-future-risk (IAM103) *warning* each, and fail under ``--strict-wildcards``.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from checker.api import check
from checker.catalog import get_catalog
from checker.engine.findings import Severity
from checker.settings import Settings

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "onboarding-like-policy.json"
POLICY: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
GRANT_RULES = {"IAM003", "IAM101", "IAM102", "IAM103", "IAM104", "IAM201", "IAM301", "IAM302"}
ONBOARDING_SERVICES = ["bedrock", "ce", "cloudtrail", "cloudwatch", "iam", "logs", "organizations", "pricing", "s3"]


def _sid(policy: dict[str, Any], sid: str) -> dict[str, Any]:
    for stmt in policy["Statement"]:
        if stmt.get("Sid") == sid:
            return stmt  # type: ignore[no-any-return]
    raise KeyError(sid)


def _index(sid: str) -> int:
    return [s.get("Sid") for s in POLICY["Statement"]].index(sid)


def _run(tmp_path: Path, policy: dict[str, Any], profile: str = "read-only", **kw: Any) -> Any:
    path = tmp_path / "onboarding.json"
    path.write_text(json.dumps(policy, indent=2), encoding="utf-8")
    return check([path], Settings(profile=profile, **kw))


def _at_least_warning(report: Any) -> list[Any]:
    return [f for f in report.findings if f.severity.at_least(Severity.WARNING)]


def test_fixture_passes_read_only_with_only_the_wildcard_warnings() -> None:
    report = check([FIXTURE], Settings())
    assert report.passed, [(f.rule_id, f.message) for f in report.failing]
    got = [(f.rule_id, f.severity, f.path, f.line) for f in _at_least_warning(report)]
    # the three wildcards of the statement: one finding on the statement's line, each pattern's
    # actions on its own line (8, 9, 10)
    assert got == [("IAM103", Severity.WARNING, "Statement/0", 4)]
    [f] = _at_least_warning(report)
    catalog = get_catalog()
    lines = dict(zip(f.actions, f.lines_of(f.actions), strict=True))
    for line, pattern in zip((8, 9, 10), ["ce:Get*", "ce:Describe*", "ce:List*"], strict=True):
        today = catalog.expand(pattern)
        assert {a: lines[a] for a in today} == dict.fromkeys(today, line)
    assert f.actions == tuple(sorted(catalog.expand_many(["ce:Get*", "ce:Describe*", "ce:List*"])))
    assert f.message.startswith(f"Sid 'CostExplorerRead' allows 3 wildcard(s), 'ce:Get*', 'ce:Describe*', "
                                f"'ce:List*', which match {len(f.actions)} ")
    assert not [f for f in report.findings if f.rule_id != "IAM103"]


def test_strict_wildcards_fails_on_exactly_the_three_wildcards() -> None:
    report = check([FIXTURE], Settings(strict_wildcards=True))
    assert not report.passed
    assert [(f.rule_id, f.severity, f.path) for f in report.failing] == [("IAM103", Severity.ERROR, "Statement/0")]


def test_fixture_listed_by_name_passes_with_no_finding_at_all(tmp_path: Path) -> None:
    policy = copy.deepcopy(POLICY)
    catalog = get_catalog()
    _sid(policy, "CostExplorerRead")["Action"] = sorted(catalog.expand_many(["ce:Get*", "ce:Describe*", "ce:List*"]))
    report = _run(tmp_path, policy, strict_wildcards=True)
    assert report.passed and report.findings == []


def test_audit_reports_the_sensitive_reads_without_failing() -> None:
    report = check([FIXTURE], Settings(profile="audit"))
    assert report.passed
    # The grant rules (grammar lint notes such as IAM519 resource-star are another part's concern).
    got = sorted({(f.rule_id, f.severity.value, f.path) for f in report.findings if f.rule_id in GRANT_RULES})
    assert got == [
        ("IAM103", "note", "Statement/0"),  # the three ce: wildcards
        ("IAM301", "warning", "Statement/0"),  # ce:Get* is billed per request
        ("IAM301", "warning", "Statement/2"),  # s3:GetObject: data
        ("IAM301", "warning", "Statement/6"),  # logs:FilterLogEvents, logs:GetLogEvents: data
        ("IAM301", "warning", "Statement/7"),  # cloudtrail:LookupEvents: data (a string Action)
        ("IAM302", "warning", "Statement/6"),
        ("IAM302", "warning", "Statement/7"),
    ]
    [logs] = [f for f in report.findings if f.rule_id == "IAM301" and f.path == "Statement/6"]
    assert logs.actions == ("logs:FilterLogEvents", "logs:GetLogEvents")


def _add(sid: str, *actions: str) -> Callable[[dict[str, Any]], None]:
    def mutate(policy: dict[str, Any]) -> None:
        stmt = _sid(policy, sid)
        current = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
        stmt["Action"] = [*current, *actions]
    return mutate


def _set(sid: str, key: str, value: Any, drop: str | None = None) -> Callable[[dict[str, Any]], None]:
    def mutate(policy: dict[str, Any]) -> None:
        stmt = _sid(policy, sid)
        stmt[key] = value
        if drop is not None:
            del stmt[drop]
    return mutate


def _chain(*mutations: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def mutate(policy: dict[str, Any]) -> None:
        for m in mutations:
            m(policy)
    return mutate


def _append(stmt: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def mutate(policy: dict[str, Any]) -> None:
        policy["Statement"].append(stmt)
    return mutate


CUR = _index("CurReportObjectsRead")
CE = _index("CostExplorerRead")
PLANTED: dict[str, tuple[Callable[[dict[str, Any]], None], str, str, str]] = {
    # name: (mutation, rule id, path (the statement's for findings listing actions), one offending action)
    "write_to_the_cur_bucket": (_add("CurReportObjectsRead", "s3:PutObject"), "IAM101",
                                f"Statement/{CUR}", "s3:PutObject"),
    "cost_explorer_writes": (_set("CostExplorerRead", "Action", ["ce:*"]), "IAM101",
                             f"Statement/{CE}", "ce:CreateAnomalyMonitor"),
    "permissions_management": (_add("IamListing", "iam:PutRolePolicy"), "IAM101",
                               f"Statement/{_index('IamListing')}", "iam:PutRolePolicy"),
    "every_bucket": (_set("CurReportObjectsRead", "Resource", "*"), "IAM302",
                     f"Statement/{CUR}", "s3:GetObject"),
    "wildcard_bucket": (_set("CurReportObjectsRead", "Resource", "arn:aws:s3:::*/reports/*"), "IAM302",
                        f"Statement/{CUR}", "s3:GetObject"),
    "wildcard_in_bucket_name": (_set("CurReportObjectsRead", "Resource", "arn:aws:s3:::cur-*/reports/*"), "IAM302",
                                f"Statement/{CUR}", "s3:GetObject"),
    "not_resource": (_set("CurReportObjectsRead", "NotResource", "arn:aws:s3:::other/*", drop="Resource"),
                     "IAM302", f"Statement/{CUR}", "s3:GetObject"),
    "s3_get_star_everywhere": (_append({"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}),
                               "IAM302", "Statement/10", "s3:GetObject"),
    # s3:Get* on the CUR bucket alone grants no s3:GetDataAccess (an Access Grants instance is not a
    # bucket: tests/test_resource_aware.py); on every S3 resource it does.
    "s3_get_star_on_every_s3_resource": (
        _chain(_set("CurBucketList", "Action", ["s3:Get*", "s3:List*"]), _set("CurBucketList", "Resource", "arn:aws:s3:*")),
        "IAM301", f"Statement/{_index('CurBucketList')}", "s3:GetDataAccess"),
    "secret_value": (_add("PricingRead", "secretsmanager:GetSecretValue"), "IAM301",
                     f"Statement/{_index('PricingRead')}", "secretsmanager:GetSecretValue"),
    "parameter_store": (_add("PricingRead", "ssm:GetParameters"), "IAM301",
                        f"Statement/{_index('PricingRead')}", "ssm:GetParameters"),
    "model_invocation": (_add("BedrockMetadataRead", "bedrock:InvokeModel"), "IAM301",
                         f"Statement/{_index('BedrockMetadataRead')}", "bedrock:InvokeModel"),
    "bedrock_get_star": (_set("BedrockMetadataRead", "Action", ["bedrock:Get*", "bedrock:List*"]), "IAM302",
                         f"Statement/{_index('BedrockMetadataRead')}", "bedrock:GetInvoke"),
    "logs_insights_query": (_add("LogEventsRead", "logs:StartQuery"), "IAM301",
                            f"Statement/{_index('LogEventsRead')}", "logs:StartQuery"),
    "consume_messages": (_append({"Effect": "Allow", "Action": "sqs:ReceiveMessage",
                                  "Resource": "arn:aws:sqs:us-east-1:111122223333:q"}),
                         "IAM301", "Statement/10", "sqs:ReceiveMessage"),
    "table_scan": (_append({"Effect": "Allow", "Action": "dynamodb:Scan", "Resource": "*"}),
                   "IAM302", "Statement/10", "dynamodb:Scan"),
    "not_action": (_append({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
                   "IAM102", "Statement/10/NotAction", ""),
    "unknown_action": (_add("CostExplorerRead", "ce:GetCostAndUsageFaster"), "IAM003",
                       f"Statement/{CE}", "ce:GetCostAndUsageFaster"),
    "case_does_not_hide_a_write": (_add("CurReportObjectsRead", "S3:deleteOBJECT"), "IAM101",
                                   f"Statement/{CUR}", "s3:DeleteObject"),
}


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_planting_a_forbidden_thing_fails_read_only(name: str, tmp_path: Path) -> None:
    mutate, rule_id, path, action = PLANTED[name]
    policy = copy.deepcopy(POLICY)
    mutate(policy)
    report = _run(tmp_path, policy)
    assert not report.passed
    hits = [f for f in report.failing if f.rule_id == rule_id and f.path == path]
    assert hits, [(f.rule_id, f.path, f.message) for f in report.failing]
    if action:
        assert any(action in f.actions for f in hits), [f.actions for f in hits]


def test_allowed_services_profile_passes_onboarding_and_fails_another_service(tmp_path: Path) -> None:
    profile = tmp_path / "onboarding-only.toml"
    profile.write_text('name = "onboarding-only"\n'
                       'forbidden_categories = ["credentials", "config-secrets", "side-effect", "cost"]\n'
                       'unscoped_data_reads = ["logs:GetLogEvents", "logs:FilterLogEvents", "cloudtrail:LookupEvents"]\n'
                       f"allowed_services = {json.dumps(ONBOARDING_SERVICES)}\n"
                       '[category_exceptions]\ncost = ["ce:*"]\n', encoding="utf-8")
    report = _run(tmp_path, POLICY, profile=str(profile))
    assert report.passed
    assert [(f.rule_id, f.path) for f in _at_least_warning(report)] == [("IAM103", "Statement/0")]  # the ce: wildcards
    policy = copy.deepcopy(POLICY)
    _add("CloudWatchMetricsRead", "ec2:DescribeInstances")(policy)
    report = _run(tmp_path, policy, profile=str(profile))
    assert [(f.rule_id, f.path, f.actions) for f in report.failing] == [
        ("IAM104", f"Statement/{_index('CloudWatchMetricsRead')}", ("ec2:DescribeInstances",))
    ]


def test_cli_strict_wildcards_flag(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(REPO / "check_permissions.py"), "check", *args, str(FIXTURE),
                               "--format", "json"], cwd=tmp_path, capture_output=True, text=True, timeout=120)

    plain = run()
    assert plain.returncode == 0, plain.stderr
    strict = run("--strict-wildcards")
    assert strict.returncode == 1, strict.stderr
    findings = json.loads(strict.stdout)["findings"]
    assert [(f["rule_id"], f["severity"], f["line"]) for f in findings] == [("IAM103", "error", 4)]
