"""Account exports (``aws iam get-account-authorization-details``) judged principal by principal.

tests/fixtures/export/account-authorization-details.json is a realistic export: roles with AWS
managed policies attached (AdministratorAccess, ReadOnlyAccess), customer managed policies in
``Policies`` with several versions (only the default counts), one attached policy absent from the
export, users in groups, a permissions boundary and instance profiles. Lines are looked up in the
file, so each expectation names what it points at.
"""

from __future__ import annotations

import json
from pathlib import Path

from checker.api import Settings, check, check_text, explain
from checker.model import DocumentKind
from checker.report import Report

EXPORT = Path(__file__).parent / "fixtures" / "export" / "account-authorization-details.json"
LINES = EXPORT.read_text(encoding="utf-8").splitlines()


def line_of(needle: str, after: str | None = None) -> int:
    """The first line holding ``needle`` (after the first line holding ``after``), 1-based."""
    start = 0
    if after is not None:
        start = next(i for i, text in enumerate(LINES) if after in text) + 1
    return next(i for i in range(start, len(LINES)) if needle in LINES[i]) + 1


def _beyond_read(patterns: tuple[str, ...]) -> tuple[str, ...]:
    from checker.analysis.sensitivity import corrected_level
    from checker.catalog import get_catalog

    catalog = get_catalog()
    return tuple(sorted({a for p in patterns for a in catalog.expand(p) if corrected_level(a) not in ("List", "Read")}))


IAM_WRITE = _beyond_read(("iam:*",))
ALL_WRITE = _beyond_read(("*",))

ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
READONLY_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def _report() -> Report:
    return check([EXPORT], Settings())


def _errors(report: Report) -> set[tuple[str, str, int, tuple[str, ...]]]:
    """(rule, address, line, actions for IAM101) of every failing finding."""
    return {(f.rule_id, f.address, f.line, tuple(f.actions) if f.rule_id == "IAM101" else ())
            for f in report.findings if f.severity.value == "error"}


def test_administrator_access_attached_to_a_role_fails_at_its_attachment() -> None:
    """The vendored AdministratorAccess is not in the file: its findings point at the
    AttachedManagedPolicies entry of role Admin."""
    report = _report()
    assert not report.passed
    at = line_of(f'"PolicyArn": "{ADMIN_ARN}"')
    found = {e for e in _errors(report) if e[1] == ADMIN_ARN}
    assert found == {("IAM101", ADMIN_ARN, at, ALL_WRITE), ("IAM201", ADMIN_ARN, at, ()),
                     ("IAM301", ADMIN_ARN, at, ()), ("IAM302", ADMIN_ARN, at, ())}


def test_every_failing_finding_of_the_export() -> None:
    report = _report()
    readonly_at = line_of(f'"PolicyArn": "{READONLY_ARN}"')
    errors = {e for e in _errors(report) if e[1] not in (ADMIN_ARN, READONLY_ARN)}
    group_iam = line_of('"Action": "iam:*"', after='"GroupName": "iam-admins"')
    unguarded_iam = line_of('"Action": "iam:*"', after='"RoleName": "Unguarded"')
    assert errors == {
        # a user's group the export does not list: unknown, an error
        ("IAM002", "user/ghost/group/deleted-group", line_of('"deleted-group"'), ()),
        # a group's inline policy
        ("IAM101", "group/iam-admins/inline/IamAll", group_iam, IAM_WRITE),
        ("IAM201", "group/iam-admins/inline/IamAll", group_iam, ()),
        ("IAM301", "group/iam-admins/inline/IamAll", group_iam, ()),
        # FormerGuard's Deny is in its version v1; v2 is the default: nothing denies iam:*
        ("IAM101", "role/Unguarded/inline/IamAll", unguarded_iam, IAM_WRITE),
        ("IAM201", "role/Unguarded/inline/IamAll", unguarded_iam, ()),
        ("IAM301", "role/Unguarded/inline/IamAll", unguarded_iam, ()),
        # attached, and neither in Policies nor an AWS managed policy
        ("IAM002", "role/Legacy/attached/arn:aws:iam::123456789012:policy/Gone",
         line_of('"PolicyArn": "arn:aws:iam::123456789012:policy/Gone"'), ()),
        # user dev's ec2:*, capped at ec2:Describe* by its boundary, reads user data (config-secrets)
        ("IAM301", "user/dev/inline/Ec2All", line_of('"Action": "ec2:*"'), ()),
        # AuditRead's default version v2 (v1 allows s3:*, and is not judged)
        ("IAM302", "policy/AuditRead@v2", line_of('"Resource": "arn:aws:s3:::audit-logs*"'), ()),
    }
    readonly = {(r, line) for r, address, line, _ in _errors(report) if address == READONLY_ARN}
    assert readonly == {(r, readonly_at) for r in ("IAM003", "IAM101", "IAM301", "IAM302")}
    (gone,) = [f for f in report.findings if f.address.endswith("policy/Gone")]
    assert "arn:aws:iam::123456789012:policy/Gone" in gone.message


def test_guarded_role_and_bounded_user_pass() -> None:
    """Role Guarded: its attached DenyIam (default version) denies the inline iam:*. User dev: its
    boundary DevBoundary caps the inline ec2:* at ec2:Describe*: no write is left, only the wildcard
    warning and the reads of user data (ec2:DescribeInstanceAttribute ..., config-secrets)."""
    report = _report()
    guarded = [f for f in report.findings if f.address.startswith("role/Guarded")]
    assert guarded == []
    dev = {(f.rule_id, f.severity.value, f.line) for f in report.findings if f.address.startswith("user/dev")}
    assert dev == {("IAM103", "warning", line_of('"Action": "ec2:*"')), ("IAM301", "error", line_of('"Action": "ec2:*"'))}
    (secrets,) = [f for f in report.findings if f.address.startswith("user/dev") and f.rule_id == "IAM301"]
    assert "ec2:DescribeInstanceAttribute" in secrets.actions


def test_principals_of_the_export() -> None:
    report = _report()
    principals = {p.address: p for p in report.load.principals}
    assert set(principals) == {"group/readers", "group/iam-admins", "user/dev", "user/ops", "user/ghost",
                               "role/Admin", "role/Auditor", "role/Guarded", "role/Unguarded", "role/Legacy"}
    docs = {(d.file, d.address): d for d in report.load.documents}
    addresses = {a: [docs[k].address for k in p.policies] for a, p in principals.items()}
    assert addresses["role/Admin"] == [ADMIN_ARN]
    assert addresses["role/Auditor"] == [READONLY_ARN, "policy/AuditRead@v2"]
    assert addresses["role/Guarded"] == ["role/Guarded/inline/IamAll", "policy/DenyIam@v1"]
    assert principals["role/Admin"].instance_profiles == ("admin-ec2",)
    assert docs[principals["role/Admin"].trust or ("", "")].address == "role/Admin/trust"
    assert principals["user/ops"].groups == ("group/readers", "group/iam-admins")
    boundary = docs[principals["user/dev"].boundary or ("", "")]
    assert (boundary.address, boundary.kind) == ("policy/DevBoundary@v1", DocumentKind.BOUNDARY)
    # only default versions are documents
    assert not [d for d in report.load.documents if d.address in ("policy/AuditRead@v1", "policy/FormerGuard@v1")]


def test_explain_lists_every_role_with_everything_attached() -> None:
    entries, _load = explain([EXPORT], Settings())
    by_principal: dict[str, list[str]] = {}
    for e in entries:
        by_principal.setdefault(e.document.principal or "", []).append(e.document.address)
    assert by_principal["role/Admin (instance profile admin-ec2)"] == ["role/Admin/trust", ADMIN_ARN]
    assert by_principal["role/Auditor (instance profile auditor-ec2)"] == [
        "role/Auditor/trust", READONLY_ARN, "policy/AuditRead@v2"]
    assert by_principal["role/Legacy"] == ["role/Legacy/trust",
                                           "role/Legacy/attached/arn:aws:iam::123456789012:policy/Gone"]
    assert by_principal["user/dev"] == ["user/dev/inline/Ec2All", "policy/AuditRead@v2", "policy/DevBoundary@v1"]
    assert by_principal["user/ops"] == ["policy/AuditRead@v2", "group/iam-admins/inline/IamAll"]
    admin = next(e for e in entries if e.document.address == ADMIN_ARN)
    assert "iam:CreateUser" in admin.grants["Permissions management"]


def test_the_default_version_is_found_by_its_id_when_no_version_is_flagged() -> None:
    """``DefaultVersionId`` decides when no version says ``IsDefaultVersion``."""
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}
    allow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}
    export = {
        "RoleDetailList": [{"RoleName": "R", "RolePolicyList": [{"PolicyName": "A", "PolicyDocument": allow}],
                            "AttachedManagedPolicies": [{"PolicyName": "G",
                                                         "PolicyArn": "arn:aws:iam::123456789012:policy/G"}]}],
        "Policies": [{"PolicyName": "G", "Arn": "arn:aws:iam::123456789012:policy/G", "DefaultVersionId": "v2",
                      "PolicyVersionList": [{"VersionId": "v1", "Document": allow},
                                            {"VersionId": "v2", "Document": deny}]}],
    }
    report = check_text(json.dumps(export, indent=1), "export.json")
    assert report.passed, [f.message for f in report.findings]
    export["Policies"][0]["DefaultVersionId"] = "v1"
    report = check_text(json.dumps(export, indent=1), "export.json")
    assert {(f.rule_id, f.address) for f in report.findings if f.rule_id == "IAM101"} == {
        ("IAM101", "role/R/inline/A"), ("IAM101", "policy/G@v1")}


def test_an_unknown_aws_managed_policy_is_an_error_and_an_unknown_boundary_narrows_nothing() -> None:
    allow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}
    export = {"UserDetailList": [{
        "UserName": "u", "UserPolicyList": [{"PolicyName": "A", "PolicyDocument": allow}],
        "AttachedManagedPolicies": [{"PolicyName": "X", "PolicyArn": "arn:aws:iam::aws:policy/NoSuchPolicyXyz"}],
        "PermissionsBoundary": {"PermissionsBoundaryType": "Policy",
                                "PermissionsBoundaryArn": "arn:aws:iam::123456789012:policy/Unlisted"}}]}
    text = json.dumps(export, indent=1)
    report = check_text(text, "export.json")
    lines = text.splitlines()
    arn_line = next(i for i, t in enumerate(lines) if "NoSuchPolicyXyz" in t) + 1
    action_line = next(i for i, t in enumerate(lines) if '"iam:*"' in t) + 1
    assert {(f.rule_id, f.line) for f in report.findings if f.severity.value == "error"} == {
        ("IAM002", arn_line), ("IAM101", action_line), ("IAM201", action_line), ("IAM301", action_line)}
