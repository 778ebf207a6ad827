"""Properties of the gate's verdict (hypothesis), on small generated policies judged end to end.

- Adding an Allow statement never turns a failing policy into a passing one.
- Adding an unconditional Deny of catalog actions never turns a passing policy into a failing one.
- The verdict (and which rules fail it) does not depend on statement order, action order or the
  letter case of action names.

Examples are few, derandomized and bounded (a few seconds in all); no example database is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from checker.api import check
from checker.catalog import get_catalog
from checker.settings import Settings

READS = ["s3:ListBucket", "ce:GetCostAndUsage", "iam:ListRoles", "ec2:DescribeInstances", "pricing:GetProducts",
         "cloudwatch:GetMetricData", "organizations:ListAccounts", "logs:DescribeLogGroups"]
WRITES = ["s3:PutObject", "iam:PassRole", "ec2:RunInstances", "sqs:DeleteQueue", "iam:TagRole",
          "iam:PutRolePolicy", "iam:CreateAccessKey"]
SENSITIVE = ["secretsmanager:GetSecretValue", "s3:GetObject", "sqs:ReceiveMessage", "bedrock:InvokeModel",
             "logs:GetLogEvents", "cloudtrail:LookupEvents", "dynamodb:Scan", "kinesis:GetRecords"]
PATTERNS = ["ce:Get*", "s3:Get*", "organizations:List*", "sqs:*", "*:GetCallerIdentity", "ce:Describe*",
            "secretsmanager:Get*", "iam:List*", "s3:Put*"]
UNKNOWN = ["ce:GetNothingReal"]
ACTIONS = READS + WRITES + SENSITIVE + PATTERNS + UNKNOWN
DENIABLE = READS + WRITES + SENSITIVE + [p for p in PATTERNS if not p.startswith("*")]
RESOURCES = ["*", "arn:aws:s3:::cur-bucket/reports/*", "arn:aws:s3:::cur-bucket", "arn:aws:s3:::*",
             "arn:aws:dynamodb:us-east-1:111122223333:table/*", "arn:aws:dynamodb:us-east-1:111122223333:table/cur",
             "arn:aws:kinesis:us-east-1:111122223333:stream/cur"]
CONDITION = {"StringEquals": {"aws:RequestedRegion": ["us-east-1"]}}

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _statement(effect: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"Effect": st.just(effect),
         "Action": st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=4, unique=True),
         "Resource": st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2, unique=True)},
        optional={"Condition": st.just(CONDITION)},
    )


allow_statements = _statement("Allow")
any_statements = st.one_of(allow_statements, allow_statements, _statement("Deny"))
policies = st.lists(any_statements, min_size=1, max_size=4)
unconditional_denies = st.fixed_dictionaries({
    "Effect": st.just("Deny"),
    "Action": st.lists(st.sampled_from(DENIABLE), min_size=1, max_size=4, unique=True),
    "Resource": st.just("*"),
})


def _doc(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("properties")


def verdict(statements: list[dict[str, Any]], where: Path) -> tuple[bool, frozenset[str]]:
    """Whether the read-only gate passes the policy, and which rules fail it."""
    path = where / "policy.json"
    path.write_text(json.dumps(_doc(statements), indent=2), encoding="utf-8")
    report = check([path], Settings())
    return report.passed, frozenset(f.rule_id for f in report.failing)


def test_pools_name_catalog_actions() -> None:
    catalog = get_catalog()
    for name in READS + WRITES + SENSITIVE + PATTERNS:
        assert catalog.expand(name), name
    assert not catalog.expand(UNKNOWN[0])


@SETTINGS
@given(policy=policies, added=allow_statements, position=st.integers(min_value=0, max_value=4))
@example(policy=[{"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": ["*"]}],
         added={"Effect": "Allow", "Action": ["ce:GetCostAndUsage"], "Resource": ["*"]}, position=0)
@example(policy=[{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::*"]}],
         added={"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::cur-bucket/reports/*"]},
         position=1)
def test_adding_an_allow_never_turns_fail_into_pass(policy: list[dict[str, Any]], added: dict[str, Any],
                                                    position: int, workdir: Path) -> None:
    before, _ = verdict(policy, workdir)
    after, _ = verdict([*policy[:position], added, *policy[position:]], workdir)
    assert before or not after, "an added Allow made a failing policy pass"


@SETTINGS
@given(policy=policies, deny=unconditional_denies, position=st.integers(min_value=0, max_value=4))
@example(policy=[{"Effect": "Allow", "Action": ["ce:GetCostAndUsage", "s3:GetObject"],
                  "Resource": ["arn:aws:s3:::cur-bucket/reports/*"]}],
         deny={"Effect": "Deny", "Action": ["s3:GetObject"], "Resource": "*"}, position=0)
def test_adding_an_unconditional_deny_never_turns_pass_into_fail(policy: list[dict[str, Any]], deny: dict[str, Any],
                                                                 position: int, workdir: Path) -> None:
    before, _ = verdict(policy, workdir)
    after, _ = verdict([*policy[:position], deny, *policy[position:]], workdir)
    assert after or not before, "an added unconditional Deny made a passing policy fail"


def _recase(name: str, flips: list[bool]) -> str:
    return "".join(c.swapcase() if flips[i % len(flips)] else c for i, c in enumerate(name))


@SETTINGS
@given(policy=policies, data=st.data())
@example(policy=[{"Effect": "Allow", "Action": ["s3:Get*", "s3:GetObject"], "Resource": ["arn:aws:s3:::*"]},
                 {"Effect": "Deny", "Action": ["s3:GetObject"], "Resource": ["*"]}],
         data=None)
def test_verdict_ignores_order_and_letter_case(policy: list[dict[str, Any]], data: Any, workdir: Path) -> None:
    if data is None:  # the explicit example: reverse everything, upper-case every action
        shuffled = [dict(s, Action=[a.upper() for a in reversed(s["Action"])]) for s in reversed(policy)]
    else:
        order = data.draw(st.permutations(range(len(policy))), label="statement order")
        shuffled = []
        for i in order:
            stmt = dict(policy[i])
            actions = data.draw(st.permutations(stmt["Action"]), label="action order")
            flips = data.draw(st.lists(st.booleans(), min_size=1, max_size=6), label="case flips")
            stmt["Action"] = [_recase(a, flips) for a in actions]
            shuffled.append(stmt)
    assert verdict(shuffled, workdir) == verdict(policy, workdir)
