"""``data "aws_iam_policy_document"`` against the AWS provider.

Two references:

- the provider's documentation (website/docs/d/iam_policy_document.html.markdown): each example's
  documented output, written here. The documentation shows ``"Sid": ""`` for statements without a
  Sid, which the provider no longer writes (``Sid`` is ``omitempty`` in its model since v4), and its
  last example misspells two Sids and ends with a trailing comma; the expected values below are
  the documented ones with those corrected, compared as JSON;
- the JSON the real provider (hashicorp/aws 5.100.0, `terraform apply` on
  fixtures/provider_docs/main.tf) rendered, recorded in fixtures/provider_docs_5.100.0.json and
  compared byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.terraform import load_module
from checker.terraform.iam import Walker
from checker.terraform.policy_document import render_policy_document
from checker.terraform.values import TfStr

from .conftest import FIXTURES

DOCS = FIXTURES / "provider_docs"


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    module = load_module(DOCS, env={})
    Walker(module)  # installs the reference hook: documents that use other documents
    blocks = {b.name: b for b in module.blocks if b.kind == "data"}
    out: dict[str, str] = {}
    for name, block in blocks.items():
        value = render_policy_document(module, block)
        assert isinstance(value, TfStr), (name, value)
        out[name] = str(value)
    value = render_policy_document(module, blocks["anyone"], None, "minified_json")
    out["min"] = str(value)
    return out


def _doc(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


def _allow(action: str, sid: str | None = None, effect: str = "Allow") -> dict[str, Any]:
    s: dict[str, Any] = {"Sid": sid} if sid else {}
    return {**s, "Effect": effect, "Action": action, "Resource": "*"}


DOCUMENTED = {
    "example_multiple_condition_keys": _doc([{
        "Effect": "Allow",
        "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
        "Resource": "*",
        "Condition": {"ForAnyValue:StringEquals": {
            "kms:EncryptionContext:aws:pi:service": "rds",
            "kms:EncryptionContext:service": "pi"}},
    }]),
    "source_document_example": _doc([
        _allow("ec2:*"),
        {"Sid": "SidToOverride", "Effect": "Allow", "Action": "s3:*",
         "Resource": ["arn:aws:s3:::somebucket/*", "arn:aws:s3:::somebucket"]},
    ]),
    "override_policy_document_example": _doc([_allow("ec2:*"), _allow("s3:*", "SidToOverride")]),
    "politik": _doc([_allow("s3:GetObject", "OverridePlaceholder")]),
    "combined_sources": _doc([_allow("ec2:*"), _allow("s3:*", "UniqueSidOne"), _allow("iam:*", "UniqueSidTwo"),
                              _allow("lambda:*")]),
    "combined_overrides": _doc([_allow("iam:*", "OverridePlaceHolderTwo"),
                                _allow("logs:*", "OverridePlaceHolderOne", "Deny"), _allow("ec2:*")]),
}


@pytest.mark.parametrize("name", list(DOCUMENTED))
def test_documented_examples(rendered: dict[str, str], name: str) -> None:
    got = json.loads(rendered[name])
    assert got == DOCUMENTED[name]
    # order of keys as the provider writes them
    assert [list(s) for s in got["Statement"]] == [list(s) for s in DOCUMENTED[name]["Statement"]]


def test_documented_assume_role_with_multiple_principals(rendered: dict[str, str]) -> None:
    got = json.loads(rendered["event_stream_bucket_role_assume_role_policy"])
    assert got == _doc([{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {
            "AWS": "arn:aws:iam::111122223333:role/trusted",
            "Federated": ["cognito-identity.amazonaws.com", "arn:aws:iam::111122223333:saml-provider/okta"],
            "Service": "firehose.amazonaws.com",
        },
    }])


def test_policy_variables_use_the_ampersand_escape(rendered: dict[str, str]) -> None:
    got = json.loads(rendered["basic"])
    assert got["Statement"][1]["Condition"] == {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}}
    assert got["Statement"][2]["Resource"] == ["arn:aws:s3:::mybucket/home/${aws:username}/*",
                                               "arn:aws:s3:::mybucket/home/${aws:username}"]


RECORDED = json.loads((FIXTURES / "provider_docs_5.100.0.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_same_bytes_as_the_provider(rendered: dict[str, str], name: str) -> None:
    if name == "dyn":
        # Two `principals` blocks of one type: the provider merges them in the order of its set
        # hash, which is not reproducible here; the principals are the same.
        ours, theirs = json.loads(rendered[name]), json.loads(RECORDED[name])
        assert sorted(ours["Statement"][2]["Principal"]["AWS"]) == sorted(theirs["Statement"][2]["Principal"]["AWS"])
        ours["Statement"][2]["Principal"] = theirs["Statement"][2]["Principal"] = None
        assert ours == theirs
        return
    assert rendered[name] == RECORDED[name]


def test_duplicate_sid_is_rejected_like_the_provider(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('''
data "aws_iam_policy_document" "d" {
  statement {
    sid       = "A"
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
  statement {
    sid       = "A"
    actions   = ["s3:PutObject"]
    resources = ["*"]
  }
}
''', encoding="utf-8")
    module = load_module(tmp_path, env={})
    block = next(b for b in module.blocks if b.kind == "data")
    value = render_policy_document(module, block)
    assert not isinstance(value, str)
    assert "duplicate Sid (A)" in value.reason
