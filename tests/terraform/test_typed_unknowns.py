"""Typed unknowns: what is known of a value Terraform knows only after apply.

Real vendors' onboarding modules write ``"${aws_s3_bucket.cur.arn}/*"`` (a bucket the module creates),
``"arn:${data.aws_partition.current.partition}:iam::ACCOUNT:root"`` (a principal in whichever partition)
and ``"arn:${data.aws_partition.current.partition}:iam::aws:policy/ReadOnlyAccess"``; and heredoc or
template policies with ``${aws_iam_role.x.arn}`` inside. Each is judged on what is known of it, as its
``jsonencode`` twin is; an unknown that can be anything still fails closed.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from tforacle import terraform_eval

from checker.analysis.partial import samples
from checker.api import check
from checker.model import HoleKind, Located, Part
from checker.report import Report
from checker.settings import Settings
from checker.terraform.loader import load_module
from checker.terraform.typed import ARN_PATTERNS, parts_of
from checker.terraform.values import Unknown

FIXTURE = Path(__file__).parent / "data" / "typed_unknowns.json"

Row = tuple[str, str, int, str, str, tuple[str, ...]]


def _run(root: Path, files: dict[str, str], monkeypatch: pytest.MonkeyPatch, target: str = ".",
         **settings: Any) -> Report:
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    monkeypatch.chdir(root)
    return check([Path(target)], Settings(**settings))


def rows(report: Report) -> list[Row]:
    """(rule, file, line, address, path, actions) of every finding, sorted."""
    return sorted((f.rule_id, f.file, f.line, f.address, f.path, f.actions) for f in report.findings)


def _no_paths(text: str) -> str:
    return re.sub(r"\(at [^)]*\)", "(at ...)", text)


def comparable(report: Report) -> list[tuple[str, int, str, tuple[str, ...], str]]:
    """(rule, line, path, actions, message without file names) of every finding, sorted."""
    return sorted((f.rule_id, f.line, f.path, f.actions, _no_paths(f.message)) for f in report.findings)


ROLE = """
resource "aws_iam_role" "x" {
  name               = "x"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }] })
}
"""


# --------------------------------------------------------------------------------------------
# A bucket the module creates or names (IAM302)
# --------------------------------------------------------------------------------------------

BUCKET_POLICY = """
data "aws_partition" "current" {}
resource "aws_s3_bucket" "cur" {
  bucket_prefix = "cur-"
}
variable "bucket" {
  type = string
}
resource "aws_iam_policy" "cur" {
  name = "cur"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow"
      Action = ["s3:GetObject", "s3:ListBucket"]
      Resource = [
        aws_s3_bucket.cur.arn,
        "${aws_s3_bucket.cur.arn}/*",
        "arn:aws:s3:::${aws_s3_bucket.cur.id}/*",
        "arn:${data.aws_partition.current.partition}:s3:::${var.bucket}/*",
      ]
    }]
  })
}
"""


def test_module_created_and_named_buckets_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = _run(tmp_path, {"main.tf": BUCKET_POLICY}, monkeypatch, vars=("bucket=cur-reports",))
    assert rows(report) == []


def test_module_created_bucket_with_a_planted_write_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    planted = BUCKET_POLICY.replace('["s3:GetObject", "s3:ListBucket"]', '["s3:GetObject", "s3:PutObject"]')
    report = _run(tmp_path, {"main.tf": planted}, monkeypatch, vars=("bucket=cur-reports",))
    assert rows(report) == [("IAM101", "main.tf", 14, "aws_iam_policy.cur", "Statement/0", ("s3:PutObject",))]


def test_bucket_variable_without_value_fails_closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = _run(tmp_path, {"main.tf": BUCKET_POLICY}, monkeypatch)
    assert rows(report) == [
        ("IAM002", "main.tf", 19, "aws_iam_policy.cur", "Statement/0/Resource/3", ()),
        ("IAM302", "main.tf", 19, "aws_iam_policy.cur", "Statement/0", ("s3:GetObject",)),
    ]
    (iam302,) = [f for f in report.findings if f.rule_id == "IAM302"]
    # one finding, naming the one Resource it is about (not the bucket the module creates)
    assert iam302.message.count("whose value is not known") == 1
    assert "variable bucket has no value" in iam302.message


def test_every_bucket_in_the_partition_still_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = BUCKET_POLICY.replace("${var.bucket}/*", "*/*")
    report = _run(tmp_path, {"main.tf": text}, monkeypatch)
    assert rows(report) == [("IAM302", "main.tf", 19, "aws_iam_policy.cur", "Statement/0", ("s3:GetObject",))]


def test_typed_resource_keeps_its_parts_and_pattern(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = _run(tmp_path, {"main.tf": BUCKET_POLICY}, monkeypatch, vars=("bucket=cur-reports",))
    (doc,) = report.load.documents
    resources = doc.statements[0].resource
    assert resources is not None
    assert [r.pattern for r in resources] == ["arn:aws*:s3:::*", "arn:aws*:s3:::*/*", "arn:aws:s3:::*/*",
                                              "arn:aws*:s3:::cur-reports/*"]
    assert [r.value for r in resources] == ["${aws_s3_bucket.cur.arn}", "${aws_s3_bucket.cur.arn}/*",
                                            "arn:aws:s3:::${aws_s3_bucket.cur.id}/*",
                                            "arn:${data.aws_partition.current.partition}:s3:::cur-reports/*"]
    assert resources[2].parts == (
        Part(text="arn:aws:s3:::"), Part(kind=HoleKind.NAME, pattern="*", ref="aws_s3_bucket.cur.id"), Part(text="/*"))


# --------------------------------------------------------------------------------------------
# Principals in an unknown partition (IAM402, IAM406, IAM002)
# --------------------------------------------------------------------------------------------

TRUST = """
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}
variable "account" {
  type = string
}
resource "aws_iam_role" "r" {
  name = "r"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = PRINCIPAL }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "sts:ExternalId" = "abc" } }
    }]
  })
}
"""


@pytest.mark.parametrize("principal", [
    '"arn:${data.aws_partition.current.partition}:iam::111122223333:root"',
    '"arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"',
    '"${data.aws_caller_identity.current.account_id}"',
])
def test_principal_in_unknown_partition_is_not_anyone(principal: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    report = _run(tmp_path, {"main.tf": TRUST.replace("PRINCIPAL", principal)}, monkeypatch)
    got = rows(report)
    if "caller_identity" in principal:  # who it is is not proven (a warning), but it is no wildcard
        assert got == [("IAM002", "main.tf", 12, "aws_iam_role.r.assume_role_policy", "Statement/0/Principal/AWS/0",
                        ())]
        assert all(f.severity.value == "warning" for f in report.findings)
    else:
        assert got == []


def test_principal_with_unknown_account_may_be_anyone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    principal = '"arn:${data.aws_partition.current.partition}:iam::${var.account}:root"'
    report = _run(tmp_path, {"main.tf": TRUST.replace("PRINCIPAL", principal)}, monkeypatch)
    assert rows(report) == [
        ("IAM002", "main.tf", 12, "aws_iam_role.r.assume_role_policy", "Statement/0/Principal/AWS/0", ()),
        ("IAM402", "main.tf", 12, "aws_iam_role.r.assume_role_policy", "Statement/0/Principal/AWS/0", ()),
    ]


# --------------------------------------------------------------------------------------------
# Managed policy ARNs with a partition (and an account) from data sources
# --------------------------------------------------------------------------------------------

ATTACH = ROLE + """
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}
resource "aws_iam_role_policy_attachment" "a" {
  role       = aws_iam_role.x.name
  policy_arn = ARN
}
"""


def _attach(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, arn: str, name: str) -> Report:
    return _run(tmp_path / name, {"main.tf": ATTACH.replace("ARN", arn)}, monkeypatch)


def test_managed_policy_arn_with_partition_is_the_managed_policy(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    typed = _attach(tmp_path, monkeypatch,
                    '"arn:${data.aws_partition.current.partition}:iam::aws:policy/job-function/ViewOnlyAccess"', "t")
    literal = _attach(tmp_path, monkeypatch, '"arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"', "l")
    assert comparable(typed) == comparable(literal)
    assert not [f for f in typed.findings if f.rule_id == "IAM002"]
    readonly = _attach(tmp_path, monkeypatch,
                       '"arn:${data.aws_partition.current.partition}:iam::aws:policy/ReadOnlyAccess"', "r")
    readonly_literal = _attach(tmp_path, monkeypatch, '"arn:aws:iam::aws:policy/ReadOnlyAccess"', "rl")
    assert comparable(readonly) == comparable(readonly_literal)


def test_administrator_access_with_partition_fails_at_the_attachment(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    report = _attach(tmp_path, monkeypatch,
                     'format("arn:%s:iam::aws:policy/AdministratorAccess", data.aws_partition.current.partition)', "a")
    iam101 = [r[:5] for r in rows(report) if r[0] == "IAM101"]
    assert iam101 == [("IAM101", "main.tf", 10, "aws_iam_role_policy_attachment.a", "Statement/0")]
    assert not [f for f in report.findings if f.rule_id == "IAM002"]


def test_customer_policy_arn_with_partition_and_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = """
resource "aws_iam_policy" "w" {
  name   = "writer"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:PutObject", Resource = "*" }] })
}
"""
    arn = ('"arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}'
           ':policy/writer"')
    report = _run(tmp_path, {"main.tf": ATTACH.replace("ARN", arn) + policy}, monkeypatch)
    assert rows(report) == [("IAM101", "main.tf", 15, "aws_iam_policy.w", "Statement/0", ("s3:PutObject",))]
    (role,) = [p for p in report.load.principals if p.address == "aws_iam_role.x"]
    assert ("main.tf", "aws_iam_policy.w") in role.policies


def test_managed_policy_arn_with_unknown_name_fails_closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = ATTACH.replace("ARN", '"arn:${data.aws_partition.current.partition}:iam::aws:policy/${var.name}"')
    report = _run(tmp_path, {"main.tf": text + 'variable "name" {\n  type = string\n}\n'}, monkeypatch)
    assert rows(report) == [("IAM002", "main.tf", 10, "aws_iam_role_policy_attachment.a", "", ())]


# --------------------------------------------------------------------------------------------
# A JSON text with unknown interpolations is its jsonencode twin
# --------------------------------------------------------------------------------------------

JSONENCODE = ROLE + """
variable "actions" {
  type = list(string)
}
resource "aws_iam_role_policy" "p" {
  role = aws_iam_role.x.id
  policy = jsonencode(
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Action": ["iam:GetRole", "s3:PutObject"],
          "Resource": ["${aws_iam_role.x.arn}", "arn:aws:s3:::${aws_s3_bucket.b.id}/*"]
        },
        {
          "Effect": "Allow",
          "Action": var.actions,
          "Resource": "*"
        }
      ]
    }
  )
}
resource "aws_s3_bucket" "b" {}
"""

TEXT_BODY = """
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Action": ["iam:GetRole", "s3:PutObject"],
          "Resource": ["${aws_iam_role.x.arn}", "arn:aws:s3:::${aws_s3_bucket.b.id}/*"]
        },
        {
          "Effect": "Allow",
          "Action": ${jsonencode(var.actions)},
          "Resource": "*"
        }
      ]
    }
"""


def _twin(start: str, body: str, end: str) -> str:
    lines = JSONENCODE.splitlines(keepends=True)
    i = next(k for k, ln in enumerate(lines) if ln.startswith("  policy = jsonencode("))
    j = next(k for k in range(i, len(lines)) if lines[k].strip() == ")")
    return "".join(lines[:i]) + start + body + end + "".join(lines[j + 1:])


HEREDOCS = {
    "heredoc": ("  policy = <<EOF\n", TEXT_BODY, "EOF\n"),
    "indented_heredoc": ("  policy = <<-EOF\n", TEXT_BODY, "  EOF\n"),
}


@pytest.mark.parametrize("form", sorted(HEREDOCS))
def test_heredoc_has_the_findings_of_its_jsonencode_twin(form: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    start, body, end = HEREDOCS[form]
    # jsonencode(...) spans as many lines as the heredoc: every finding is on the same line
    twin = _run(tmp_path / "j", {"main.tf": JSONENCODE}, monkeypatch)
    text = _run(tmp_path / "h", {"main.tf": _twin(start, body.strip("\n") + "\n", end)}, monkeypatch)
    assert comparable(text) == comparable(twin)
    assert rows(twin) == [
        ("IAM002", "main.tf", 22, "aws_iam_role_policy.p", "Statement/1/Action/0", ()),
        ("IAM101", "main.tf", 17, "aws_iam_role_policy.p", "Statement/0", ("s3:PutObject",)),
    ]


def test_quoted_string_has_the_findings_of_its_jsonencode_twin(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    one_line = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:GetRole", '
                '"s3:PutObject"], "Resource": ["${aws_iam_role.x.arn}", "arn:aws:s3:::${aws_s3_bucket.b.id}/*"]}, '
                '{"Effect": "Allow", "Action": ${jsonencode(var.actions)}, "Resource": "*"}]}')
    quoted = '"' + one_line.replace('"', '\\"').replace('\\"${', '\\"${') + '"'
    quoted = quoted.replace("${jsonencode(var.actions)}", "${jsonencode(var.actions)}")
    twin_line = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:GetRole", '
                 '"s3:PutObject"], "Resource": ["${aws_iam_role.x.arn}", "arn:aws:s3:::${aws_s3_bucket.b.id}/*"]}, '
                 '{"Effect": "Allow", "Action": var.actions, "Resource": "*"}]}')
    head = ROLE + 'variable "actions" {\n  type = list(string)\n}\nresource "aws_s3_bucket" "b" {}\n'
    text = _run(tmp_path / "q", {"main.tf": head + 'resource "aws_iam_role_policy" "p" {\n  role = aws_iam_role.x.id\n'
                                 f"  policy = {quoted}\n}}\n"}, monkeypatch)
    twin = _run(tmp_path / "j", {"main.tf": head + 'resource "aws_iam_role_policy" "p" {\n  role = aws_iam_role.x.id\n'
                                 f"  policy = jsonencode({twin_line})\n}}\n"}, monkeypatch)
    assert comparable(text) == comparable(twin)
    assert rows(text) == [
        ("IAM002", "main.tf", 11, "aws_iam_role_policy.p", "Statement/1/Action/0", ()),
        ("IAM101", "main.tf", 11, "aws_iam_role_policy.p", "Statement/0", ("s3:PutObject",)),
    ]


TEMPLATE = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject"],
      "Resource": ["${bucket}/*", "arn:${partition}:s3:::${name}/*"]
    }
  ]
}
"""


@pytest.mark.parametrize("template", ["policy.json.tpl", "policy.json"])
def test_templatefile_is_read_in_parts(template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    main = ROLE + """
data "aws_partition" "current" {}
resource "aws_s3_bucket" "b" {}
resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.x.id
  policy = templatefile("${path.module}/TEMPLATE", {
    bucket = aws_s3_bucket.b.arn, partition = data.aws_partition.current.partition, name = aws_s3_bucket.b.id })
}
""".replace("TEMPLATE", template)
    report = _run(tmp_path, {"main.tf": main, template: TEMPLATE}, monkeypatch, target="main.tf")
    # the write is reported in the template, at its line; the module's bucket is a named bucket
    assert rows(report) == [("IAM101", template, 6, "aws_iam_role_policy.p", "Statement/0", ("s3:PutObject",))]


REPLACED = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "__BUCKET__/*"}
  ]
}
"""


def test_replace_of_a_placeholder_by_a_typed_unknown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    main = ROLE + """
resource "aws_s3_bucket" "b" {}
resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.x.id
  policy = replace(file("${path.module}/policy.json"), "__BUCKET__", aws_s3_bucket.b.arn)
}
"""
    report = _run(tmp_path, {"main.tf": main, "policy.json": REPLACED}, monkeypatch, target="main.tf")
    assert rows(report) == [("IAM101", "policy.json", 4, "aws_iam_role_policy.p", "Statement/0", ("s3:PutObject",))]


UNPLACEABLE = {
    # an untyped value inside a JSON string may end the string and write anything after it
    "untyped_in_string": ('"Resource": "${var.text}"', "an unknown value inside a JSON string"),
    # text that is not one JSON value, between values
    "untyped_between_values": ('"Resource": ${var.text}', "an unknown value between JSON values"),
    "joined_list": ('"Resource": [${join(",", var.list)}]', "an unknown value between JSON values"),
    # a key
    "key": ('"Resource": "*", "${data.aws_partition.current.partition}": "x"', "a key of the policy text"),
    # the known text is not JSON with the unknown in place
    "broken": ('"Resource": "*",, "x": "${data.aws_partition.current.partition}"', "is not JSON"),
}


@pytest.mark.parametrize("case", sorted(UNPLACEABLE))
def test_unknown_that_cannot_be_placed_makes_the_document_unknown(case: str, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    element, why = UNPLACEABLE[case]
    main = ROLE + """
data "aws_partition" "current" {}
variable "text" {
  type = string
}
variable "list" {
  type = list(string)
}
resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.x.id
  policy = <<EOF
{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", ELEMENT}]}
EOF
}
""".replace("ELEMENT", element)
    report = _run(tmp_path, {"main.tf": main}, monkeypatch)
    assert rows(report) == [("IAM002", "main.tf", 15, "aws_iam_role_policy.p", "", ())]
    (f,) = report.findings
    assert why in f.message


def test_structure_from_jsonencode_between_values_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``${jsonencode(local.statement)}`` with one unknown inside: the statement as far as known."""
    main = ROLE + """
variable "actions" {
  type = list(string)
}
locals {
  statement = { Effect = "Allow", Action = ["s3:PutObject"], Resource = var.actions }
}
resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.x.id
  policy = <<EOF
{"Version": "2012-10-17", "Statement": [${jsonencode(local.statement)}]}
EOF
}
"""
    report = _run(tmp_path, {"main.tf": main}, monkeypatch)
    assert rows(report) == [
        ("IAM002", "main.tf", 10, "aws_iam_role_policy.p", "Statement/0/Resource/0", ()),
        ("IAM101", "main.tf", 10, "aws_iam_role_policy.p", "Statement/0", ("s3:PutObject",)),
    ]


# --------------------------------------------------------------------------------------------
# The model and the stand-ins
# --------------------------------------------------------------------------------------------


def test_samples_only_for_typed_values() -> None:
    bucket = Located(value="${aws_s3_bucket.cur.arn}/*", unknown="x", pattern="arn:aws*:s3:::*/*",
                     parts=(Part(kind=HoleKind.ARN, pattern="arn:aws*:s3:::*", ref="aws_s3_bucket.cur.arn"),
                            Part(text="/*")))
    assert samples(bucket) == ("arn:aws:s3:::x/*", "arn:aws-cn:s3:::y/*")
    untyped = bucket.model_copy(update={"parts": (Part(kind=HoleKind.ANY, pattern="*"), Part(text="/*"))})
    assert samples(untyped) is None
    assert samples(Located(value="arn:aws:s3:::b/*")) is None


# An action on each typed resource type, whose catalog entry gives the type's ARN format.
ACTION_ON = {
    "aws_s3_bucket": "s3:ListBucket", "aws_iam_role": "iam:GetRole", "aws_iam_user": "iam:GetUser",
    "aws_iam_group": "iam:GetGroup", "aws_iam_policy": "iam:GetPolicy", "aws_sns_topic": "sns:Publish",
    "aws_sqs_queue": "sqs:SendMessage", "aws_kms_key": "kms:Decrypt", "aws_dynamodb_table": "dynamodb:GetItem",
    "aws_lambda_function": "lambda:InvokeFunction", "aws_kinesis_stream": "kinesis:GetRecords",
    "aws_cloudtrail": "cloudtrail:GetTrailStatus", "aws_secretsmanager_secret": "secretsmanager:GetSecretValue",
    "aws_ecr_repository": "ecr:BatchGetImage", "aws_athena_workgroup": "athena:GetWorkGroup",
    "aws_glue_catalog_database": "glue:GetDatabase",
}


def test_arn_patterns_match_the_catalog() -> None:
    """Every typed ARN is an ARN format of the AWS service catalog, with the partition, region,
    account and resource name filled in."""
    from checker.catalog import get_catalog, iam_pattern_matches

    catalog = get_catalog()
    assert sorted(ACTION_ON) == sorted(ARN_PATTERNS)
    for rtype, pattern in ARN_PATTERNS.items():
        details = catalog.details(ACTION_ON[rtype])
        assert details is not None, rtype
        formats = [re.sub(r"\$\{[^}]*\}", "*", fmt) for _, fmt in details.resource_arns]
        sample = pattern.replace("arn:aws*:", "arn:aws:").replace("?" * 12, "111122223333").replace("*", "name")
        assert any(iam_pattern_matches(f, sample) for f in formats), (rtype, sample, formats)


# --------------------------------------------------------------------------------------------
# The known parts are what terraform renders
# --------------------------------------------------------------------------------------------

# Each expression with the variables it interpolates, in order. Ours: the variables have no value, so
# each is an unknown part; terraform: the variables have these values. The known parts, with the
# values put in the holes, must be terraform's string.
VALUES = {"p": "aws-cn", "a": "111122223333", "b": "arn:aws:s3:::cur-bucket", "n": "cur-bucket"}
ORACLE_EXPRESSIONS: dict[str, tuple[str, list[str]]] = {
    "template": ('"arn:${var.p}:iam::${var.a}:root"', ["p", "a"]),
    "suffix": ('"${var.b}/*"', ["b"]),
    "escapes": ('"\\"$${x}%%{y}\\n${var.n}\\t\\u00e9"', ["n"]),
    "heredoc": ('<<EOF\n{\n  "Resource": "${var.b}/*",\n  "x": "$${literal}"\n}\nEOF\n', ["b"]),
    "indented": ('<<-EOF\n    {\n      "Resource": "${var.b}/*"\n    }\n  EOF\n', ["b"]),
    "indented_inner": ('<<-EOF\n      {\n    "Resource": "arn:${var.p}:s3:::${var.n}/*"\n      }\n    EOF\n', ["p", "n"]),
    "nested": ('"x-${local.inner}-y"', ["p", "n"]),
    "known_if": ('"%{if true}arn:${var.p}%{else}none%{endif}:s3"', ["p"]),
    "known_for": ('"%{for s in ["a", "b"]}${s}:${var.n};%{endfor}"', ["n", "n"]),
    "format": ('format("arn:%s:s3:::%v/*", var.p, var.n)', ["p", "n"]),
    "format_index": ('format("%[2]s/%[1]s", var.p, var.n)', ["n", "p"]),
    "replace": ('replace("{\\"R\\": \\"__B__/*\\", \\"S\\": \\"__B__\\"}", "__B__", var.b)', ["b", "b"]),
    "templatefile": ('templatefile("t.tpl", { b = var.b, p = var.p })', ["p", "b"]),
}
ORACLE_TEMPLATE = 'arn:${p}:x\n"R": "${b}/*"\n'
LOCALS = 'locals {\n  inner = "arn:${var.p}:s3:::${var.n}"\n}\n'


def _variables(with_values: bool) -> str:
    return "".join(f'variable "{n}" {{\n  type = string\n' + (f'  default = "{v}"\n' if with_values else "") + "}\n"
                   for n, v in VALUES.items())


def test_known_parts_are_what_terraform_renders(tmp_path: Path) -> None:
    exprs = {name: expr for name, (expr, _) in ORACLE_EXPRESSIONS.items()}
    expected = terraform_eval(exprs, files={"variables.tf": _variables(True), "locals.tf": LOCALS,
                                            "t.tpl": ORACLE_TEMPLATE}, fixture=FIXTURE)
    (tmp_path / "variables.tf").write_text(_variables(False), encoding="utf-8")
    (tmp_path / "locals.tf").write_text(LOCALS, encoding="utf-8")
    (tmp_path / "t.tpl").write_text(ORACLE_TEMPLATE, encoding="utf-8")
    body = "".join(f'output "{n}" {{\n  value = {e}\n}}\n' for n, e in exprs.items())
    (tmp_path / "main.tf").write_text(body, encoding="utf-8")
    module = load_module(tmp_path, env={}, workspace="default")
    assert [d for d in module.diagnostics if d.severity == "error"] == []
    for name, (_, holes) in ORACLE_EXPRESSIONS.items():
        value = module.output(name)
        assert isinstance(value, Unknown), name
        pieces = parts_of(value)
        assert pieces is not None, name
        unknowns = [p for p in pieces if isinstance(p, Unknown)]
        assert [re.search(r"variable (\w+) has no value", u.reason).group(1) for u in unknowns] == holes, name  # type: ignore[union-attr]
        rendered = "".join(p if isinstance(p, str) else VALUES[h] for p, h in _pair(pieces, holes))
        assert rendered == expected[name], name


def _pair(pieces: tuple[Any, ...], holes: list[str]) -> list[tuple[Any, str]]:
    it = iter(holes)
    return [(p, "" if isinstance(p, str) else next(it)) for p in pieces]


def test_a_sensitive_interpolation_is_not_kept_in_parts(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "secret" {\n  type = string\n  sensitive = true\n  default = "hunter2"\n}\n'
        'variable "p" {\n  type = string\n}\n'
        'output "x" {\n  value = "${var.secret}:${var.p}"\n}\n', encoding="utf-8")
    value = load_module(tmp_path, env={}, workspace="default").output("x")
    assert isinstance(value, Unknown)
    assert parts_of(value) is None


def test_source_policy_document_heredoc_is_read_in_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The provider merges a source document given as a heredoc: its unknown ARN stays one element."""
    main = ROLE + """
data "aws_iam_policy_document" "d" {
  source_policy_documents = [<<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "A", "Effect": "Allow", "Action": ["iam:GetRole", "s3:PutObject"], "Resource": "${aws_iam_role.x.arn}"}
  ]
}
EOF
  ]
  statement {
    sid       = "B"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.b.arn}/*"]
  }
}
resource "aws_s3_bucket" "b" {}
resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.x.id
  policy = data.aws_iam_policy_document.d.json
}
"""
    report = _run(tmp_path, {"main.tf": main}, monkeypatch)
    assert rows(report) == [("IAM101", "main.tf", 11, "aws_iam_role_policy.p", "Statement/0", ("s3:PutObject",))]
