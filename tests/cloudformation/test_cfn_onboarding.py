"""The onboarding role as CloudFormation (infra/aws/onboarding/cloudformation): it passes with its
example parameters, and without them its parameters' AllowedPatterns say what is known (typed unknowns), a planted grant fails at
its line, and it grants exactly what the Terraform module grants (explain, by access level)."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.api import check, explain
from checker.model import DocumentKind
from checker.settings import Settings

REPO = Path(__file__).resolve().parents[2]
FOLDER = REPO / "infra" / "aws" / "onboarding" / "cloudformation"
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


def _profile_trusting(tmp_path: Path, account: str) -> str:
    text = (REPO / "policies" / "read-only.toml").read_text()
    assert text.count("trusted_accounts = []") == 1
    path = tmp_path / "trusting.toml"
    path.write_text(text.replace('name = "read-only"', 'name = "trusting"').replace(
        "trusted_accounts = []", f'trusted_accounts = ["{account}"]'))
    return str(path)


def test_without_parameters_the_allowed_patterns_say_what_is_known(tmp_path: Path) -> None:
    """No values: VenturiAccountId's AllowedPattern admits twelve digits only (one account, not
    anyone: no IAM402) and CurBucketName's a bucket name only (one bucket the template names: no
    IAM302), as Terraform's typed unknowns. Who may assume the role is still not proven: a warning
    (IAM002), and with trusted accounts set, IAM406 fails it."""
    text = TEMPLATE.read_text()
    trust_line = _line(text, '- !Sub "arn:aws:iam::${VenturiAccountId}:root"\n')
    report = check([TEMPLATE], Settings())
    assert report.passed, [f.to_dict() for f in report.failing]
    assert {(f.rule_id, f.severity.value, f.line) for f in report.findings} == {("IAM002", "warning", trust_line)}
    assert "arn:aws:iam::${VenturiAccountId}:root" in report.findings[0].message
    trusting = check([TEMPLATE], Settings(profile=_profile_trusting(tmp_path, "111122223333")))
    assert {(f.rule_id, f.line) for f in trusting.failing} == {("IAM406", trust_line)}
    given = check([TEMPLATE], Settings(profile=_profile_trusting(tmp_path, "111122223333"),
                                       parameters=(str(PARAMETERS),)))
    assert given.passed and given.findings == []


@pytest.mark.parametrize(("old", "new", "rule", "needle"), [
    # a pattern that also admits "*": the account may be any account
    ('AllowedPattern: "^[0-9]{12}$"', 'AllowedPattern: "^([0-9]{12}|[*])$"', "IAM402",
     '- !Sub "arn:aws:iam::${VenturiAccountId}:root"\n'),
    # twelve digits or "?": an account pattern
    ('AllowedPattern: "^[0-9]{12}$"', 'AllowedPattern: "^[0-9?]{12}$"', "IAM402",
     '- !Sub "arn:aws:iam::${VenturiAccountId}:root"\n'),
    # no pattern at all
    ('    AllowedPattern: "^[0-9]{12}$"\n', "", "IAM402", '- !Sub "arn:aws:iam::${VenturiAccountId}:root"\n'),
    # a bucket "name" that may hold a wildcard or a slash: every bucket
    ('AllowedPattern: "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"', 'AllowedPattern: "^[a-z0-9*/.-]+$"', "IAM302",
     'Resource: !Sub "arn:aws:s3:::${CurBucketName}/${CurReportPrefix}*"'),
    ('AllowedPattern: "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"', 'AllowedPattern: ".+"', "IAM302",
     'Resource: !Sub "arn:aws:s3:::${CurBucketName}/${CurReportPrefix}*"'),
])
def test_a_pattern_that_proves_nothing_fails_closed(tmp_path: Path, old: str, new: str, rule: str,
                                                    needle: str) -> None:
    text = TEMPLATE.read_text()
    assert text.count(old) == 1, old
    loosened = text.replace(old, new)
    copy = tmp_path / "onboarding-role.yaml"
    copy.write_text(loosened)
    report = check([copy], Settings())
    assert {f.rule_id for f in report.failing} == {rule}
    assert {f.line for f in report.failing} == {_line(loosened, needle)}


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
    # the module's folder also holds the template (cloudformation/): the Terraform documents only
    terraform = _grants([e for e in tf_entries if e.document.file.endswith(".tf")])  # type: ignore[attr-defined]
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
    tf_trust = next(d for d in tf_load.documents if d.kind == DocumentKind.TRUST and d.file.endswith(".tf"))
    cfn_trust = next(d for d in cfn_load.documents if d.kind == DocumentKind.TRUST)

    def shape(doc: object) -> list[tuple[object, ...]]:
        return [(s.effect, tuple(a.value for a in s.action or ()),  # type: ignore[attr-defined]
                 {k: tuple(v.value for v in vs) for k, vs in (s.principal or {}).items()},
                 {op: {k: tuple(v.value for v in vs) for k, vs in keys.items()} for op, keys in s.condition.items()})
                for s in doc.statements]  # type: ignore[attr-defined]

    assert shape(tf_trust) == shape(cfn_trust)
