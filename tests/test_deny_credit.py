"""A Deny removes an Allow's grants only when it is certainly in force.

Each case under tests/fixtures/deny/<case>/main.tf is a role that an inline policy allows ``iam:*``
and a Deny of ``iam:*`` that may not be in force: an inline policy that an exclusive resource
deletes, an attachment an exclusive set detaches, a policy AWS refuses, an ARN that may name
another policy, a Deny that depends on an unknown value. The plan of each module (without
variables), rendered by terraform 1.11.4 with the local provider mirror
(tests/fixtures/deny/render_plans.sh), is judged too: the verdict must be the same.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from checker.analysis.grants import deny_applies_to, deny_credited, statement_actions
from checker.api import Settings, check, check_text
from checker.model import Located, Statement
from checker.report import Report

FIXTURES = Path(__file__).parent / "fixtures" / "deny"
PLANS = FIXTURES / "plans"


def _iam_beyond_read() -> tuple[str, ...]:
    from checker.analysis.sensitivity import corrected_level
    from checker.catalog import get_catalog

    return tuple(sorted(a for a in get_catalog().expand("iam:*") if corrected_level(a) not in ("List", "Read")))


IAM_WRITE = _iam_beyond_read()


def _report(path: Path) -> Report:
    return check([path], Settings())


def _errors(report: Report) -> set[tuple[str, str, int, tuple[str, ...]]]:
    """(rule, file name, line, actions) of every failing finding; IAM201/IAM301 without their actions."""
    return {(f.rule_id, Path(f.file).name, f.line, tuple(f.actions) if f.rule_id == "IAM101" else ())
            for f in report.findings if f.severity.value == "error"}


def _admin_fails(line: int = 38) -> set[tuple[str, str, int, tuple[str, ...]]]:
    """What the ``iam:*`` Allow of aws_iam_role_policy.admin (main.tf line 38) gives when nothing denies it."""
    return {("IAM101", "main.tf", line, IAM_WRITE), ("IAM201", "main.tf", line, ()), ("IAM301", "main.tf", line, ())}


def test_a_deny_in_force_is_credited() -> None:
    """The control: the same Allow and Deny without anything that removes the Deny pass."""
    report = _report(FIXTURES / "credited")
    assert report.passed
    assert _errors(report) == set()


def test_exclusive_inline_policies_delete_the_deny() -> None:
    """aws_iam_role_policies_exclusive keeps only "admin": AWS deletes "guard" and its Deny."""
    report = _report(FIXTURES / "exclusive_inline")
    assert not report.passed
    assert _errors(report) == _admin_fails()


def test_exclusive_inline_policies_that_keep_the_deny() -> None:
    report = _report(FIXTURES / "exclusive_inline_kept")
    assert report.passed
    assert _errors(report) == set()


def test_exclusive_attachments_detach_the_deny() -> None:
    report = _report(FIXTURES / "exclusive_attachments")
    assert _errors(report) == _admin_fails() | {("IAM302", "main.tf", 64, ())}


def test_managed_policy_arns_detach_the_deny() -> None:
    """A role's managed_policy_arns is an exclusive set: the provider detaches the attached guard."""
    report = _report(FIXTURES / "managed_policy_arns")
    # IAMFullAccess (attached by managed_policy_arns, line 59) is not reduced by the guard either
    iam_full = {(r, "main.tf", 59, a if r == "IAM101" else ()) for r, _, _, a in _admin_fails()}
    assert _errors(report) == _admin_fails() | iam_full


def test_inline_policy_blocks_delete_the_deny() -> None:
    """A role's inline_policy blocks are exclusive: the provider deletes aws_iam_role_policy.guard."""
    report = _report(FIXTURES / "inline_policy_block")
    assert _errors(report) == _admin_fails() | {(r, "main.tf", 60, a) for r, _, _, a in _admin_fails()}


def test_aws_iam_policy_attachment_detaches_its_policy_from_the_roles_it_does_not_list() -> None:
    report = _report(FIXTURES / "policy_attachment_exclusive")
    assert _errors(report) == _admin_fails()


def test_aws_iam_group_membership_removes_the_users_it_does_not_list() -> None:
    """dev joins "guarded" (aws_iam_user_group_membership), whose exclusive aws_iam_group_membership
    lists only "other": dev leaves the group at apply, and the group's Deny with it."""
    report = _report(FIXTURES / "group_membership_exclusive")
    assert _errors(report) == _admin_fails(35)


@pytest.mark.parametrize(("case", "old", "new"), [
    ("policy_attachment_exclusive", "roles      = [aws_iam_role.other.name]",
     "roles      = [aws_iam_role.other.name, aws_iam_role.ops.name]"),
    ("group_membership_exclusive", "users = [aws_iam_user.other.name]",
     "users = [aws_iam_user.other.name, aws_iam_user.dev.name]"),
])
def test_exclusive_sets_that_keep_the_deny(tmp_path: Path, case: str, old: str, new: str) -> None:
    """The controls: the exclusive resource lists the principal, the Deny stays and is credited."""
    text = (FIXTURES / case / "main.tf").read_text()
    assert old in text
    (tmp_path / "main.tf").write_text(text.replace(old, new))
    report = _report(tmp_path)
    assert report.passed
    assert _errors(report) == set()


def test_a_policy_aws_refuses_denies_nothing() -> None:
    """A Sid with a hyphen (another document) or an underscore (the same document): AWS refuses the
    policy; its Allow is still judged and its Deny subtracts nothing."""
    report = _report(FIXTURES / "invalid_sid")
    assert _errors(report) == _admin_fails() | {("IAM101", "main.tf", 69, IAM_WRITE), ("IAM301", "main.tf", 69, ())}
    sids = {(f.rule_id, f.line, f.severity.value) for f in report.findings if f.rule_id == "IAM515"}
    assert sids == {("IAM515", 51, "warning"), ("IAM515", 73, "warning")}


def test_an_arn_of_another_path_is_not_the_local_policy() -> None:
    """arn:aws:iam::111122223333:policy/shared/guard is not aws_iam_policy.guard (path /): the
    attached policy is unknown (an error), and the local guard's Deny is not credited."""
    report = _report(FIXTURES / "foreign_arn")
    assert _errors(report) == _admin_fails() | {("IAM002", "main.tf", 60, ())}
    (unknown,) = [f for f in report.findings if f.rule_id == "IAM002"]
    assert "arn:aws:iam::111122223333:policy/shared/guard" in unknown.message


def test_an_arn_that_may_name_the_local_policy_is_judged_but_not_credited() -> None:
    """Same path and name, a literal account: it is the local policy only if the account is the
    module's (not known before apply): its Allows would be judged, its Deny is not credited."""
    report = _report(FIXTURES / "same_name_arn")
    assert _errors(report) == _admin_fails()
    (role,) = [p for p in report.load.principals if p.address == "aws_iam_role.ops"]
    guard = next(d for d in report.load.documents if d.address == "aws_iam_policy.guard")
    assert (guard.file, guard.address) in role.policies
    assert role.uncertain == ((guard.file, guard.address),)


def test_an_arn_of_another_account_than_the_pinned_one_is_unknown() -> None:
    """The provider pins account 123456789012 (allowed_account_ids): 111122223333's guard is not
    the local policy, whatever its path and name: an error, and no Deny."""
    report = _report(FIXTURES / "pinned_other_account")
    assert _errors(report) == _admin_fails(39) | {("IAM002", "main.tf", 61, ())}  # one line more: the pin


def test_an_arn_of_the_pinned_account_is_the_local_policy() -> None:
    """Account, partition (region us-east-1), path and name all equal: certainly the local guard."""
    report = _report(FIXTURES / "pinned_account")
    assert report.passed
    assert _errors(report) == set()
    (role,) = [p for p in report.load.principals if p.address == "aws_iam_role.ops"]
    assert role.uncertain == ()


def test_a_plan_pins_accounts_and_partitions_like_the_module() -> None:
    """terraform cannot plan allowed_account_ids offline: the foreign_arn plan with the provider
    configuration terraform would write for it (``constant_value`` expressions)."""
    plan = json.loads((PLANS / "foreign_arn.json").read_text())
    exprs = plan["configuration"]["provider_config"]["aws"]["expressions"]
    exprs["allowed_account_ids"] = {"constant_value": ["123456789012"]}
    for account, passed in (("123456789012", True), ("111122223333", False)):
        for change in plan["resource_changes"]:
            if change["address"] == "aws_iam_role_policy_attachment.guard":
                change["change"]["after"]["policy_arn"] = f"arn:aws:iam::{account}:policy/guard"
        report = check_text(json.dumps(plan, indent=1), "plan.json")
        assert report.passed is passed, (account, [f.message for f in report.findings])
    exprs["region"] = {"constant_value": "cn-north-1"}  # partition aws-cn: arn:aws:... is not its policy
    report = check_text(json.dumps(plan, indent=1), "plan.json")
    assert {f.rule_id for f in report.findings if f.severity.value == "error"} == {
        "IAM002", "IAM101", "IAM201", "IAM301"}


def test_a_deny_on_an_unknown_resource_denies_nothing() -> None:
    report = check([FIXTURES / "unknown_resource"], Settings())
    assert _errors(report) == _admin_fails()


def test_a_deny_with_an_unknown_not_action_denies_nothing() -> None:
    """NotAction = var.allowed may exclude iam:*: the Deny is not proven to deny any IAM action."""
    report = check([FIXTURES / "unknown_not_action"], Settings())
    assert _errors(report) == _admin_fails()


PLAN_CASES = sorted(p.stem for p in PLANS.glob("*.json"))


def test_every_case_without_variables_has_its_plan() -> None:
    cases = {d.name for d in FIXTURES.iterdir() if d.is_dir() and d.name != "plans"
             and "\nvariable " not in "\n" + (d / "main.tf").read_text()
             and "allowed_account_ids" not in (d / "main.tf").read_text()}
    assert set(PLAN_CASES) == cases


@pytest.mark.parametrize("case", PLAN_CASES)
def test_the_plan_gets_the_verdict_of_the_module(case: str) -> None:
    """The plan terraform rendered for the module: the same verdict and the same IAM101 grants
    (by resource address: the plan's lines are its own)."""
    module = _report(FIXTURES / case)
    plan = _report(PLANS / f"{case}.json")

    def grants(report: Report) -> set[tuple[str, tuple[str, ...]]]:
        return {(f.address, tuple(f.actions)) for f in report.findings if f.rule_id == "IAM101"}

    assert plan.passed == module.passed
    assert grants(plan) == grants(module)


# --- the same rules on JSON documents ------------------------------------------------------------

ALLOW_IAM = {"Sid": "AllowIam", "Effect": "Allow", "Action": "iam:*", "Resource": "*"}
DENY_IAM = {"Sid": "DenyIam", "Effect": "Deny", "Action": "iam:*", "Resource": "*"}


def _policy_errors(*statements: Mapping[str, object], **top: object) -> set[tuple[str, int, tuple[str, ...]]]:
    text = json.dumps({"Version": "2012-10-17", **top, "Statement": list(statements)}, indent=1)
    report = check_text(text, "policy.json")
    return {(f.rule_id, f.line, tuple(f.actions)) for f in report.findings
            if f.rule_id == "IAM101" and f.severity.value == "error"}


def test_json_deny_in_force_is_credited() -> None:
    assert _policy_errors(ALLOW_IAM, DENY_IAM) == set()


@pytest.mark.parametrize("deny", [
    {**DENY_IAM, "Sid": "Deny IAM"},  # a space: IAM rejects the Sid
    {**DENY_IAM, "Sid": "AllowIam"},  # the Sid of the Allow: not unique
    {**DENY_IAM, "Resources": "*"},  # an element IAM does not know
], ids=["sid-characters", "sid-repeated", "unknown-element"])
def test_json_deny_of_a_refused_policy_denies_nothing(deny: dict[str, object]) -> None:
    assert _policy_errors(ALLOW_IAM, deny) == {("IAM101", 7, IAM_WRITE)}  # the Allow's Action line


def test_json_statement_with_an_invalid_effect_is_judged_as_an_allow() -> None:
    """Effect "deny" (IAM is case-sensitive): AWS refuses the policy; the statement is judged as an
    Allow (fail closed) and subtracts nothing from the real Allow."""
    assert _policy_errors(ALLOW_IAM, {**DENY_IAM, "Effect": "deny"}) == {("IAM101", 7, IAM_WRITE),
                                                                         ("IAM101", 13, IAM_WRITE)}


def test_json_deny_of_an_oversized_policy_denies_nothing() -> None:
    """Over 6,144 characters (a managed policy's limit): AWS refuses it, its Deny subtracts nothing."""
    filler = {"Sid": "Filler", "Effect": "Allow", "Action": "s3:GetObject",
              "Resource": [f"arn:aws:s3:::bucket-{i:04d}/*" for i in range(250)]}
    assert ("IAM101", 7, IAM_WRITE) in _policy_errors(ALLOW_IAM, DENY_IAM, filler)


# --- deny_applies_to on model statements (values only Terraform leaves unknown) ------------------


def _stmt(index: int, effect: str, **elements: object) -> Statement:
    return Statement.model_validate({"index": index, "effect": effect, **elements})


def _loc(value: str, unknown: str | None = None) -> Located:
    return Located(value=value, unknown=unknown)


ALLOW_ALL = _stmt(0, "Allow", principal={"*": (_loc("*"),)}, action=(_loc("s3:*"),), resource=(_loc("*"),))


@pytest.mark.parametrize(("deny", "applies"), [
    (_stmt(1, "Deny", principal={"*": (_loc("*"),)}, action=(_loc("s3:*"),), resource=(_loc("*"),)), True),
    # a principal Terraform knows only at apply: it may name someone else
    (_stmt(1, "Deny", principal={"*": (_loc("*", "var.who is not known"),)}, action=(_loc("s3:*"),),
           resource=(_loc("*"),)), False),
    (_stmt(1, "Deny", principal={"AWS": (_loc("${var.who}", "var.who is not known"),)}, action=(_loc("s3:*"),),
           resource=(_loc("*"),)), False),
    # "*" beside an unknown entry: the Deny depends on an unknown value, it removes nothing
    (_stmt(1, "Deny", principal={"*": (_loc("*"),)}, action=(_loc("s3:*"),),
           resource=(_loc("*"), _loc("*", "var.bucket is not known"))), False),
    (_stmt(1, "Deny", principal={"*": (_loc("*"),)}, action=(_loc("s3:*"),), resource=(_loc("*"),),
           condition={"Bool": {"aws:SecureTransport": (_loc("${var.flag}", "var.flag is not known"),)}}), False),
], ids=["known", "unknown-star", "unknown-aws", "unknown-resource-beside-star", "unknown-condition"])
def test_a_deny_applies_only_when_nothing_it_depends_on_is_unknown(deny: Statement, applies: bool) -> None:
    assert deny_applies_to(deny, ALLOW_ALL) is applies


def test_a_deny_with_an_unknown_action_entry_is_not_credited() -> None:
    from checker.catalog import get_catalog

    catalog = get_catalog()
    known = _stmt(1, "Deny", action=(_loc("iam:*"),), resource=(_loc("*"),))
    partly = _stmt(1, "Deny", action=(_loc("iam:*"), _loc("${var.more}", "var.more is not known")),
                   resource=(_loc("*"),))
    assert deny_credited(known, statement_actions(known, catalog))
    assert not deny_credited(partly, statement_actions(partly, catalog))
