"""Resource policies are grants to the principals they name (checker/analysis/resource_grants.py).

Each case runs the real pipeline (JSON front end or the Terraform front end) and asserts the exact
findings: rule, file, line, address and actions; the principal the grant was judged for is in the
message.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from checker.analysis.resource_grants import Gated, Reach, grantees
from checker.api import check, explain
from checker.model import Located, Principal, Statement
from checker.report import Report
from checker.settings import Settings

Found = tuple[str, str, int, str, tuple[str, ...]]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _write(root: Path, files: dict[str, Any]) -> None:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        text = content if isinstance(content, str) else json.dumps(content, indent=2)
        p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def run(root: Path, files: dict[str, Any], profile: str = "read-only") -> Report:
    _write(root, files)
    return check([Path(".")], Settings(profile=profile))


def found(report: Report, *rules: str) -> list[Found]:
    return sorted((f.rule_id, f.file, f.line, f.address, f.actions) for f in report.findings
                  if not rules or f.rule_id in rules)


def message(report: Report, rule: str) -> str:
    (f,) = [f for f in report.findings if f.rule_id == rule]
    return f.message


def bucket_policy(*statements: dict[str, Any]) -> str:
    """A bucket policy written one key per line, so a finding's line says which key it points at."""
    lines = ['{', '  "Version": "2012-10-17",', '  "Statement": [']
    for i, stmt in enumerate(statements):
        lines.append("    {")
        items = list(stmt.items())
        for j, (k, v) in enumerate(items):
            lines.append(f"      {json.dumps(k)}: {json.dumps(v)}" + ("," if j < len(items) - 1 else ""))
        lines.append("    }" + ("," if i < len(statements) - 1 else ""))
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


VENDOR = "arn:aws:iam::111122223333:root"


# --- JSON resource policies ---------------------------------------------------------------------------


def test_another_account_with_put_object_fails(here: Path) -> None:
    report = run(here, {"bucket.json": bucket_policy(
        {"Sid": "Vendor", "Effect": "Allow", "Principal": {"AWS": VENDOR},
         "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::reports/*"})})
    assert found(report) == [("IAM101", "bucket.json", 8, "bucket.json", ("s3:PutObject",))]
    assert message(report, "IAM101").endswith(
        "granted to arn:aws:iam::111122223333:root (account 111122223333, not proven to be the scanned account)")
    assert not report.passed


def test_another_account_with_get_object_passes_read_only(here: Path) -> None:
    report = run(here, {"bucket.json": bucket_policy(
        {"Sid": "Vendor", "Effect": "Allow", "Principal": {"AWS": "111122223333"},
         "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]})})
    assert found(report) == []
    assert report.passed


def test_another_account_with_a_secret_fails_as_sensitive(here: Path) -> None:
    report = run(here, {"secret.json": bucket_policy(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/reader"},
         "Action": "secretsmanager:GetSecretValue",
         "Resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf"})})
    assert found(report) == [("IAM301", "secret.json", 7, "secret.json", ("secretsmanager:GetSecretValue",))]
    assert "granted to arn:aws:iam::444455556666:role/reader (account 444455556666" in message(report, "IAM301")


def test_public_read_is_an_error_by_trust_any_principal(here: Path) -> None:
    report = run(here, {"bucket.json": bucket_policy(
        {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::site/*"})})
    assert found(report) == [("IAM402", "bucket.json", 7, "bucket.json", ())]
    assert not report.passed


def test_public_write_is_also_a_write_grant(here: Path) -> None:
    report = run(here, {"bucket.json": bucket_policy(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::drop/*"})})
    assert found(report) == [("IAM101", "bucket.json", 7, "bucket.json", ("s3:PutObject",)),
                             ("IAM402", "bucket.json", 6, "bucket.json", ())]
    assert message(report, "IAM101").endswith("granted to * (every principal)")


def test_literal_account_condition_is_not_proven_the_scanned_account(here: Path) -> None:
    """aws:PrincipalAccount with a literal id pins the principal to that account: still external."""
    report = run(here, {"bucket.json": bucket_policy(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*",
         "Condition": {"StringEquals": {"aws:PrincipalAccount": "111122223333"}}})})
    assert found(report) == [("IAM101", "bucket.json", 7, "bucket.json", ("s3:PutObject",))]
    assert "aws:PrincipalAccount admits, not proven to be the scanned account" in message(report, "IAM101")


def test_service_principal_is_not_an_external_grant(here: Path) -> None:
    report = run(here, {"cur.json": bucket_policy(
        {"Sid": "Cur", "Effect": "Allow", "Principal": {"Service": "billingreports.amazonaws.com"},
         "Action": ["s3:GetBucketAcl", "s3:GetBucketPolicy", "s3:PutObject"],
         "Resource": ["arn:aws:s3:::cur", "arn:aws:s3:::cur/*"],
         "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"},
                       "ArnLike": {"aws:SourceArn": "arn:aws:cur:us-east-1:111122223333:definition/*"}}})})
    assert found(report) == []


def test_service_principal_without_source_condition_is_a_warning(here: Path) -> None:
    report = run(here, {"cur.json": bucket_policy(
        {"Sid": "Cur", "Effect": "Allow", "Principal": {"Service": "billingreports.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": "arn:aws:s3:::cur/*"})})
    assert found(report) == [("IAM408", "cur.json", 7, "cur.json", ())]
    assert [f.severity.value for f in report.findings] == ["warning"]
    assert report.passed


def test_statement_naming_a_service_and_another_account_is_judged(here: Path) -> None:
    report = run(here, {"q.json": bucket_policy(
        {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com", "AWS": VENDOR},
         "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:999999999999:q",
         "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:999999999999:t"}}})})
    assert found(report) == [("IAM101", "q.json", 7, "q.json", ("sqs:SendMessage",))]


def test_kms_key_policy_decrypt_for_another_account_is_judged_by_the_profile(here: Path) -> None:
    report = run(here, {"key.json": bucket_policy(
        {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
         "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*"})})
    # kms:Decrypt: AWS labels it Write (and it reads data); DescribeKey is a read. A key policy's
    # Resource is always "*" (the key itself): unscoped-data-read judges Resource as written.
    assert found(report) == [("IAM101", "key.json", 8, "key.json", ("kms:Decrypt",)),
                             ("IAM302", "key.json", 9, "key.json", ("kms:Decrypt",))]


def test_lambda_permission_and_kms_grant_written_as_json(here: Path) -> None:
    """What aws_lambda_permission and aws_kms_grant become: one Allow with Principal/Action/Resource/Condition."""
    report = run(here, {
        "lambda.json": bucket_policy(
            {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "444455556666"},
             "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:us-east-1:111122223333:function:f"}),
        "grant.json": bucket_policy(
            {"Sid": "Grant", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/app"},
             "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
             "Resource": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
             "Condition": {"StringEquals": {"kms:EncryptionContext:app": "x"}}}),
    })
    assert found(report, "IAM101", "IAM301") == [
        ("IAM101", "grant.json", 8, "grant.json", ("kms:Decrypt", "kms:GenerateDataKey")),
        ("IAM101", "lambda.json", 8, "lambda.json", ("lambda:InvokeFunction",)),
        ("IAM301", "grant.json", 8, "grant.json", ("kms:GenerateDataKey",)),
    ]


def test_escalation_through_a_resource_policy(here: Path) -> None:
    report = run(here, {"fn.json": bucket_policy(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/deployer"},
         "Action": "lambda:UpdateFunctionCode", "Resource": "arn:aws:lambda:us-east-1:111122223333:function:f"})},
        profile="audit")
    assert found(report, "IAM201") == [("IAM201", "fn.json", 7, "fn.json", ("lambda:UpdateFunctionCode",))]
    assert not report.passed  # IAM201 is an error in the audit profile, IAM101 only a warning


# --- Terraform ------------------------------------------------------------------------------------------

JSONENCODE = '''
data "aws_caller_identity" "current" {}

resource "aws_s3_bucket" "b" {
  bucket = "reports"
}

resource "aws_s3_bucket_policy" "b" {
  bucket = aws_s3_bucket.b.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "Vendor"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::111122223333:root" }
        Action    = ["s3:GetObject", "s3:PutObject"]
        Resource  = "arn:aws:s3:::reports/*"
      },
      {
        Sid       = "Account"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "s3:*"
        Resource  = "${aws_s3_bucket.b.arn}/*"
      },
      {
        Sid       = "Org"
        Effect    = "Allow"
        Principal = "*"
        Action    = "s3:PutObject"
        Resource  = "${aws_s3_bucket.b.arn}/*"
        Condition = { StringEquals = { "aws:PrincipalAccount" = data.aws_caller_identity.current.account_id } }
      },
    ]
  })
}
'''


def test_terraform_jsonencode_bucket_policy(here: Path) -> None:
    report = run(here, {"main.tf": JSONENCODE})
    # The vendor's write is judged; the scanned account's root and "*" pinned to the scanned account
    # (the caller identity) are not external, and the configuration has no role they could reach.
    assert found(report, "IAM101", "IAM301", "IAM302", "IAM402") == [
        ("IAM101", "main.tf", 16, "aws_s3_bucket_policy.b", ("s3:PutObject",))]
    assert report.passed is False


def test_terraform_same_account_pin_reaches_the_configurations_roles(here: Path) -> None:
    """"*" pinned to the scanned account includes the roles the configuration creates: judged for them."""
    role = '''
resource "aws_iam_role" "reader" {
  name               = "reader"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:root" },
      Action = "sts:AssumeRole", Condition = { StringEquals = { "sts:ExternalId" = "x" } } }]
  })
}
'''
    report = run(here, {"main.tf": JSONENCODE.replace('Principal = { AWS = "arn:aws:iam::111122223333:root" }',
                                                     'Principal = { AWS = "arn:aws:iam::111122223333:user/a" }'),
                        "role.tf": role})
    assert found(report, "IAM101") == [
        ("IAM101", "main.tf", 16, "aws_s3_bucket_policy.b", ("s3:PutObject",)),
        ("IAM101", "main.tf", 30, "aws_s3_bucket_policy.b", ("s3:PutObject",))]
    org = next(f for f in report.findings if f.rule_id == "IAM101" and f.line == 30)
    assert "of the scanned account, whose roles and users include aws_iam_role.reader" in org.message


POLICY_DOCUMENT = '''
resource "aws_iam_role" "collector" {
  name               = "collector"
  assume_role_policy = "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"Service\\":\\"lambda.amazonaws.com\\"},\\"Action\\":\\"sts:AssumeRole\\"}]}"
}

data "aws_iam_policy_document" "queue" {
  statement {
    sid       = "Collector"
    actions   = ["sqs:SendMessage", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.q.arn]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.collector.arn]
    }
  }
  statement {
    sid       = "Vendor"
    actions   = ["sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.q.arn]
    principals {
      type        = "AWS"
      identifiers = [var.vendor_role_arn]
    }
  }
}

variable "vendor_role_arn" {
  type = string
}

resource "aws_sqs_queue" "q" {
  name = "q"
}

resource "aws_sqs_queue_policy" "q" {
  queue_url = aws_sqs_queue.q.id
  policy    = data.aws_iam_policy_document.queue.json
}
'''


def test_terraform_policy_document_role_of_the_configuration_and_unresolved_vendor(here: Path) -> None:
    report = run(here, {"main.tf": POLICY_DOCUMENT})
    # The configuration's own role may not write through the queue policy either; the unresolved
    # vendor role only reads (and IAM402 says it may be anyone).
    assert found(report, "IAM101", "IAM402") == [
        ("IAM101", "main.tf", 9, "aws_sqs_queue_policy.q", ("sqs:SendMessage",)),
        ("IAM402", "main.tf", 22, "aws_sqs_queue_policy.q", ())]
    assert message(report, "IAM101").endswith("granted to aws_iam_role.collector (a role of the scanned configuration)")


def test_terraform_literal_account_around_the_caller_identity_is_external(here: Path) -> None:
    """A vendor role named after the customer's account is still the vendor's."""
    tf = JSONENCODE.replace('arn:aws:iam::${data.aws_caller_identity.current.account_id}:root',
                            'arn:aws:iam::111122223333:role/customer-${data.aws_caller_identity.current.account_id}')
    report = run(here, {"main.tf": tf})
    lines = [(f.line, f.address) for f in report.findings if f.rule_id == "IAM101"]
    assert lines == [(16, "aws_s3_bucket_policy.b"), (23, "aws_s3_bucket_policy.b")]
    (account,) = [f for f in report.findings if f.rule_id == "IAM101" and f.line == 23]
    assert {"s3:PutObject", "s3:DeleteObject"} <= set(account.actions)
    # Only the role's name is unknown (a typed account id): the principal is a role of account
    # 111122223333, not anyone (typed unknowns, IAM402 judges the known text).
    assert [(f.rule_id, f.line) for f in report.findings if f.rule_id == "IAM402"] == []


@pytest.mark.parametrize("principal", [
    # a conditional, a function or a local around the caller identity: not a plain reference
    '"arn:aws:iam::${var.flag ? data.aws_caller_identity.current.account_id : "111122223333"}:root"',
    '"arn:aws:iam::${lower(data.aws_caller_identity.current.account_id)}:root"',
    'format("arn:aws:iam::%s:root", coalesce(var.vendor, data.aws_caller_identity.current.account_id))',
    '"arn:aws:iam::${local.vendor}${data.aws_caller_identity.current.account_id}:root"',
])
def test_terraform_unproven_same_account_forms_are_judged(here: Path, principal: str) -> None:
    tf = JSONENCODE.replace('"arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"', principal)
    tf += 'variable "flag" { type = bool }\nvariable "vendor" { type = string }\nlocals { vendor = "1" }\n'
    report = run(here, {"main.tf": tf})
    assert [(f.line, f.address) for f in report.findings if f.rule_id == "IAM101"] == [
        (16, "aws_s3_bucket_policy.b"), (23, "aws_s3_bucket_policy.b")]


def test_plan_bucket_policy_is_judged_per_principal(here: Path) -> None:
    """A plan's resource policies: every account id is literal there, so only services are left out."""
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Vendor", "Effect": "Allow", "Principal": {"AWS": VENDOR}, "Action": "s3:PutObject",
         "Resource": "arn:aws:s3:::cur/*"},
        {"Sid": "Cur", "Effect": "Allow", "Principal": {"Service": "billingreports.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": "arn:aws:s3:::cur/*"}]})
    plan = {"format_version": "1.2", "terraform_version": "1.11.4", "planned_values": {"root_module": {}},
            "resource_changes": [{
                "address": "aws_s3_bucket_policy.cur", "mode": "managed", "type": "aws_s3_bucket_policy",
                "name": "cur", "change": {"actions": ["create"], "after": {"bucket": "cur", "policy": policy},
                                          "after_unknown": {}}}]}
    report = run(here, {"plan.json": plan})
    assert [(f.rule_id, f.address, f.actions) for f in report.findings] == [
        ("IAM101", "aws_s3_bucket_policy.cur", ("s3:PutObject",)),
        ("IAM408", "aws_s3_bucket_policy.cur", ())]
    assert "Sid 'Vendor'" in report.findings[0].message and "Sid 'Cur'" in report.findings[1].message


# --- explain --------------------------------------------------------------------------------------------


def test_explain_lists_resource_grants_per_principal(here: Path) -> None:
    _write(here, {"main.tf": POLICY_DOCUMENT, "cur.json": bucket_policy(
        {"Sid": "Vendor", "Effect": "Allow", "Principal": {"AWS": VENDOR}, "Action": "s3:PutObject",
         "Resource": "arn:aws:s3:::cur/*"},
        {"Sid": "Cur", "Effect": "Allow", "Principal": {"Service": "billingreports.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": "arn:aws:s3:::cur/*"})})
    entries, _load = explain([Path(".")], Settings())
    got: dict[str | None, set[tuple[str, str, int, str | None]]] = {}
    for e in [e for e in entries if e.document.kind.value == "resource"]:
        assert e.detail is not None
        for sg in e.detail.allows:
            for action, loc in sg.actions.items():
                got.setdefault(e.document.principal, set()).add(
                    (e.document.address, action, loc.line, sg.statement.sid))
    assert got["aws_iam_role.collector"] == {
        ("aws_sqs_queue_policy.q", "sqs:SendMessage", 9, "Collector"),
        ("aws_sqs_queue_policy.q", "sqs:GetQueueAttributes", 9, "Collector")}
    assert got["arn:aws:iam::111122223333:root (outside the account)"] == {
        ("cur.json", "s3:PutObject", 8, "Vendor")}
    assert got["Service:billingreports.amazonaws.com (AWS service)"] == {("cur.json", "s3:PutObject", 15, "Cur")}
    assert got["${unknown} (unresolved principal)"] == {  # a variable without a value
        ("aws_sqs_queue_policy.q", "sqs:GetQueueAttributes", 18, "Vendor")}

    from checker.reporters.explain import render_explain

    text = render_explain(entries, _load, "text")
    assert "arn:aws:iam::111122223333:root (outside the account) (1 policies)" in text
    assert "granted by cur.json:8 Sid 'Vendor' via 's3:PutObject'" in text


# --- the classification itself -------------------------------------------------------------------------


def _stmt(principal: dict[str, tuple[Located, ...]] | None, condition: dict[str, Any] | None = None,
          not_principal: dict[str, tuple[Located, ...]] | None = None) -> Statement:
    return Statement(index=0, principal=principal, not_principal=not_principal,
                     action=(Located(value="s3:PutObject"),), resource=(Located(value="*"),),
                     condition=condition or {})


def _unknown(template: str) -> Located:
    return Located(value="${x}", unknown="not known", template=template)


CALLER = "data.aws_caller_identity.current"


@pytest.mark.parametrize(("value", "reach"), [
    (Located(value="111122223333"), Reach.EXTERNAL),
    (Located(value="arn:aws:iam::111122223333:role/x"), Reach.EXTERNAL),
    (Located(value="arn:aws:sts::111122223333:assumed-role/x/s"), Reach.EXTERNAL),
    (Located(value="AROAEXAMPLEID"), Reach.EXTERNAL),
    (Located(value="*"), Reach.PUBLIC),
    (Located(value="arn:aws:iam::*:root"), Reach.PUBLIC),
    (Located(value="${var.vendor}", unknown="not known"), Reach.UNRESOLVED),
    (_unknown("${var.vendor}"), Reach.UNRESOLVED),
    (_unknown("${" + CALLER + ".account_id}"), Reach.ACCOUNT),
    (_unknown("${" + CALLER + ".arn}"), Reach.ACCOUNT),
    (_unknown("${module.a.data.aws_caller_identity.me.account_id}"), Reach.ACCOUNT),
    (_unknown("arn:aws:iam::${" + CALLER + ".account_id}:root"), Reach.ACCOUNT),
    (_unknown("arn:aws:iam::${" + CALLER + ".account_id}:role/other"), Reach.ACCOUNT),
    (_unknown("arn:aws:iam::${" + CALLER + ".account_id}:role/reader"), Reach.PRINCIPAL),
    (_unknown("arn:aws:iam::${" + CALLER + ".account_id}:role/${var.x}"), Reach.UNRESOLVED),
    (_unknown("arn:aws:iam::111122223333:role/${" + CALLER + ".account_id}"), Reach.UNRESOLVED),
    (_unknown("1${" + CALLER + ".account_id}"), Reach.UNRESOLVED),
    (_unknown("${aws_iam_role.reader.arn}"), Reach.PRINCIPAL),
    (_unknown('${module.m.aws_iam_role.r["a"].arn}'), Reach.PRINCIPAL),
    (_unknown("${aws_iam_role.reader.name}"), Reach.UNRESOLVED),
    (_unknown("${data.aws_iam_role.reader.arn}"), Reach.UNRESOLVED),
])
def test_aws_principal_reach(value: Located, reach: Reach) -> None:
    gated = Gated([Principal(address="aws_iam_role.reader", kind="role", name="reader")])
    (g,) = grantees(_stmt({"AWS": (value,)}), gated)
    assert g.reach is reach, g


def test_other_principal_types_and_conditions() -> None:
    own_account = {"StringEquals": {"AWS:PrincipalAccount": (_unknown("${" + CALLER + ".account_id}"),)}}
    own_org = {"StringEquals": {"aws:PrincipalOrgID": (_unknown("${data.aws_organizations_organization.o.id}"),)}}
    own_vpce = {"StringEquals": {"aws:SourceVpce": (_unknown("${aws_vpc_endpoint.s3.id}"),)}}
    literal_org = {"StringEquals": {"aws:PrincipalOrgID": (Located(value="o-abc123"),)}}
    if_exists = {"StringEqualsIfExists": {"aws:PrincipalAccount": (_unknown("${" + CALLER + ".account_id}"),)}}
    star = {"*": (Located(value="*"),)}

    def reach(stmt: Statement, gated: Gated | None = None) -> list[Reach]:
        return [g.reach for g in grantees(stmt, gated)]

    assert reach(_stmt(star, own_account)) == [Reach.ACCOUNT]
    assert reach(_stmt(star, own_org)) == [Reach.ACCOUNT]
    assert reach(_stmt(star, own_vpce)) == [Reach.ACCOUNT]
    # a network pin does not make another account's named principal the scanned account's
    assert reach(_stmt({"AWS": (Located(value=VENDOR),)}, own_vpce)) == [Reach.EXTERNAL]
    assert reach(_stmt({"AWS": (Located(value=VENDOR),)}, own_account)) == [Reach.ACCOUNT]
    assert reach(_stmt(star, literal_org)) == [Reach.EXTERNAL]
    assert reach(_stmt(star, if_exists)) == [Reach.PUBLIC]
    gated = Gated([Principal(address="aws_iam_role.reader", kind="role", name="reader")])
    assert reach(_stmt(star, own_account), gated) == [Reach.PRINCIPAL]
    assert reach(_stmt({"Service": (Located(value="cloudtrail.amazonaws.com"),)})) == [Reach.SERVICE]
    assert reach(_stmt({"Service": (Located(value="*"),)})) == [Reach.PUBLIC]
    assert reach(_stmt({"Service": (Located(value="${var.s}", unknown="not known"),)})) == [Reach.UNRESOLVED]
    assert reach(_stmt({"Federated": (Located(value="cognito-identity.amazonaws.com"),)})) == [Reach.EXTERNAL]
    assert reach(_stmt({"CanonicalUser": (Located(value="79a59df900b949e55d96a1e698fbaced"),)})) == [Reach.EXTERNAL]
    assert reach(_stmt(None, not_principal={"AWS": (Located(value=VENDOR),)})) == [Reach.PUBLIC]
    assert reach(_stmt(None)) == [Reach.UNRESOLVED]
    deny = Statement(index=0, effect="Deny", principal=star, action=(Located(value="s3:*"),))
    assert grantees(deny) == []
