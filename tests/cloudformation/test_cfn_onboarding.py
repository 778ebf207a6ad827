"""The onboarding role as CloudFormation (infra/aws/onboarding/cloudformation): it passes with its
example parameters, fails closed without them as the Terraform module does, a planted grant fails at
its line, and it grants exactly what the Terraform module grants (explain, by access level)."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.api import check, explain
from checker.model import DocumentKind
from checker.settings import Settings

REPO = Path(__file__).resolve().parents[2]
FOLDER = REPO / "infra" / "aws" / "onboarding-cloudformation"
TEMPLATE = FOLDER / "onboarding-role.yaml"
PARAMETERS = FOLDER / "onboarding-role.parameters.example.json"
MODULE = REPO / "infra" / "aws" / "onboarding"
TFVARS = MODULE / "terraform.tfvars.example"


def _where(report: object) -> set[tuple[str, int, tuple[str, ...]]]:
    return {(f.rule_id, f.line, tuple(f.actions)) for f in report.findings}  # type: ignore[attr-defined]


def test_template_passes_with_the_example_parameters() -> None:
    report = check([TEMPLATE], Settings(parameters=(str(PARAMETERS),)))
    assert report.passed, [f.to_dict() for f in report.failing]
    assert _where(report) == set()
    assert {d.address for d in report.load.documents} == {
        "Resources/VenturiRole/AssumeRolePolicyDocument", "Resources/VenturiRole/Policies/0",
        "Resources/VenturiRole/Policies/1", "Resources/VenturiRole/Policies/2", "Resources/VenturiRole/Policies/3"}
    assert not report.load.errors


def _line(text: str, needle: str) -> int:
    assert text.count(needle) == 1, needle
    return text[: text.index(needle)].count("\n") + 1


def test_without_parameters_fails_closed_like_the_module() -> None:
    """No account id: the trust's principal may be anyone (IAM402); no bucket: the report objects
    are judged on every resource (IAM302), as the Terraform module without tfvars."""
    text = TEMPLATE.read_text()
    report = check([TEMPLATE], Settings())
    errors = {(f.rule_id, f.line, tuple(f.actions)) for f in report.failing}
    assert errors == {
        ("IAM402", _line(text, '- !Sub "arn:aws:iam::${VenturiAccountId}:root"\n'), ()),
        ("IAM302", _line(text, 'Resource: !Sub "arn:aws:s3:::${CurBucketName}/${CurReportPrefix}*"'),
         ("s3:GetObject",)),
    }


@pytest.mark.parametrize(("old", "new", "rule", "actions"), [
    ("                Action: s3:GetObject\n", "                Action: [s3:GetObject, s3:PutObject]\n", "IAM101",
     ("s3:PutObject",)),
    ("                  - iam:ListUsers\n", "                  - iam:ListUsers\n                  - iam:AttachRolePolicy\n",
     "IAM101", ("iam:AttachRolePolicy",)),
    ("                    - bedrock:ListTagsForResource\n",
     "                    - bedrock:ListTagsForResource\n                    - bedrock:InvokeModel\n", "IAM301",
     ("bedrock:InvokeModel",)),
])
def test_planted_grant_fails_at_its_line(tmp_path: Path, old: str, new: str, rule: str,
                                         actions: tuple[str, ...]) -> None:
    text = TEMPLATE.read_text()
    assert text.count(old) == 1, old
    planted = text.replace(old, new)
    where = planted[: planted.index(new)].count("\n") + 1 + (new.count("\n") - 1)
    copy = tmp_path / "onboarding-role.yaml"
    copy.write_text(planted)
    report = check([copy], Settings(parameters=(str(PARAMETERS),)))
    assert not report.passed
    hits = {(f.rule_id, f.line, tuple(f.actions)) for f in report.failing}
    assert (rule, where, actions) in hits, hits
    assert {h[0] for h in hits} <= {rule, "IAM201", "IAM301", "IAM302"}, hits


def test_trust_without_external_id_fails(tmp_path: Path) -> None:
    text = TEMPLATE.read_text()
    start = text.index("            Condition:\n              StringEquals:\n                sts:ExternalId")
    end = text.index("                  - !Ref ExternalId\n", start) + len("                  - !Ref ExternalId\n")
    copy = tmp_path / "onboarding-role.yaml"
    copy.write_text(text[:start] + text[end:])
    report = check([copy], Settings(parameters=(str(PARAMETERS),)))
    assert {(f.rule_id, f.address) for f in report.failing} == {
        ("IAM401", "Resources/VenturiRole/AssumeRolePolicyDocument")}


def _grants(entries: list[object]) -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {}
    for e in entries:
        if e.document.kind != DocumentKind.IDENTITY:  # type: ignore[attr-defined]
            continue
        for level, actions in e.grants.items():  # type: ignore[attr-defined]
            for a in actions:
                out.setdefault(a.split(":", 1)[0], {}).setdefault(level, []).append(a)
    return {s: {lv: sorted(set(a)) for lv, a in levels.items()} for s, levels in out.items()}


@pytest.mark.parametrize("bedrock", [True, False])
def test_template_grants_what_the_terraform_module_grants(bedrock: bool) -> None:
    flag = str(bedrock).lower()
    tf_entries, tf_load = explain([MODULE], Settings(var_files=(str(TFVARS),), vars=(f"enable_bedrock_access={flag}",)))
    cfn_entries, cfn_load = explain([TEMPLATE], Settings(parameters=(str(PARAMETERS), f"EnableBedrockAccess={flag}")))
    assert not tf_load.errors and not cfn_load.errors
    terraform = _grants(tf_entries)
    assert terraform == _grants(cfn_entries)
    assert ("bedrock" in terraform) is bedrock
    # and what the module's granted_permissions output lists
    from checker.terraform import load_module

    output = load_module(MODULE, var_files=[TFVARS], vars=[f"enable_bedrock_access={flag}"], env={}).output(
        "granted_permissions")
    assert {s: {lv: sorted(a) for lv, a in levels.items() if a} for s, levels in output.items()} == terraform


def test_trust_documents_agree() -> None:
    """Who may assume the role, and under which condition, is the same document."""
    _, tf_load = explain([MODULE], Settings(var_files=(str(TFVARS),)))
    _, cfn_load = explain([TEMPLATE], Settings(parameters=(str(PARAMETERS),)))
    tf_trust = next(d for d in tf_load.documents if d.kind == DocumentKind.TRUST)
    cfn_trust = next(d for d in cfn_load.documents if d.kind == DocumentKind.TRUST)

    def shape(doc: object) -> list[tuple[object, ...]]:
        return [(s.effect, tuple(a.value for a in s.action or ()),  # type: ignore[attr-defined]
                 {k: tuple(v.value for v in vs) for k, vs in (s.principal or {}).items()},
                 {op: {k: tuple(v.value for v in vs) for k, vs in keys.items()} for op, keys in s.condition.items()})
                for s in doc.statements]  # type: ignore[attr-defined]

    assert shape(tf_trust) == shape(cfn_trust)
