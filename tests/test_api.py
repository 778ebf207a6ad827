"""The library facade: ``checker.api.check_text`` judges a file's text as ``check`` judges the file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from checker.api import check, check_text
from checker.engine.findings import Finding
from checker.settings import InputError, Settings

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "W", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*"},
]}, indent=2)  # "s3:PutObject" is on line 9


def _where(findings: Sequence[Finding]) -> list[tuple[str, str, int, str, tuple[str, ...]]]:
    return [(f.rule_id, f.file, f.line, f.path, f.actions) for f in findings]


def test_check_text_names_the_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no file of that name exists: nothing is read from it
    report = check_text(POLICY, "editor/policy.json")
    assert _where(report.findings) == [("IAM101", "editor/policy.json", 9, "Statement/0", ("s3:PutObject",))]
    assert report.exit_code == 1
    assert report.load.files == ("editor/policy.json",)


def test_check_text_equals_check_of_the_same_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("policy.json").write_text(POLICY, encoding="utf-8")
    settings = Settings(profile="audit")
    from_file, from_text = check(["policy.json"], settings), check_text(POLICY.encode(), "policy.json", settings)
    assert from_text.findings == from_file.findings
    assert from_text.to_dict() == from_file.to_dict()


def test_check_text_judges_the_text_not_the_file_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("policy.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}), encoding="utf-8")
    assert [f.rule_id for f in check_text(POLICY, "policy.json").findings] == ["IAM101"]


def test_check_text_invalid_json_is_a_finding() -> None:
    report = check_text('{"Version": "2012-10-17",\n "Statement": [', "broken.json")
    assert [(f.rule_id, f.file, f.line) for f in report.findings] == [("IAM001", "broken.json", 2)]
    assert report.findings[0].message.startswith("not valid JSON: ")
    assert not report.passed


@pytest.mark.parametrize("name", ["main.tf", "infra/iam.tf.json", "prod.tfvars"])
def test_check_text_refuses_terraform(name: str) -> None:
    with pytest.raises(InputError, match="judged with its module"):
        check_text('resource "aws_iam_policy" "p" {}', name)
