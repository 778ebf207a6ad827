"""Plans (checker/sources/plan_json.py): the inventory decides what is read; a policy-bearing
value known only after apply is IAM002 at the resource; a plan of another shape than terraform
writes is IAM001, never an internal error.

The plans are real: rendered by terraform from tests/fixtures/coverage/<class>/main.tf with the
local provider mirror and fake credentials (scripts/record_coverage_plans.py), recorded so that
no network is needed. The malformed variants below are those plans with one part replaced.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from checker.api import check
from checker.settings import Settings
from checker.sources.plan_json import load_plan_text

COVERAGE = Path(__file__).resolve().parent / "fixtures" / "coverage"


def _plan(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((COVERAGE / name / "plan.json").read_text())
    return data


def _change(plan: dict[str, Any], address: str) -> dict[str, Any]:
    found: dict[str, Any] = next(rc for rc in plan["resource_changes"] if rc["address"] == address)["change"]
    return found


def _found(tmp_path: Path, plan: dict[str, Any]) -> list[tuple[str, int, str, str]]:
    target = tmp_path / "plan.json"
    target.write_text(json.dumps(plan, indent=1, sort_keys=True) + "\n")
    report = check([target], Settings())
    return sorted((f.rule_id, f.line, f.address, f.message) for f in report.findings)


def test_unknown_inline_policy_and_resource_policy_are_unresolved(tmp_path: Path) -> None:
    found = _found(tmp_path, _plan("unknown_after_apply"))
    assert [(r, a) for r, _, a, _ in found] == [("IAM002", "aws_iam_role.writer.inline_policy[0]"),
                                                ("IAM002", "aws_sqs_queue_policy.jobs")]
    assert "aws_iam_role.writer.inline_policy[0].policy is known only after apply" in found[0][3]
    assert "aws_sqs_queue_policy.jobs.policy is known only after apply" in found[1][3]


def test_a_whole_unknown_inline_policy_block_is_unresolved(tmp_path: Path) -> None:
    plan = _plan("unknown_after_apply")
    change = _change(plan, "aws_iam_role.writer")
    change["after"].pop("inline_policy")
    change["after_unknown"]["inline_policy"] = True
    found = _found(tmp_path, plan)
    assert [(r, a) for r, _, a, _ in found] == [("IAM002", "aws_iam_role.writer.inline_policy"),
                                                ("IAM002", "aws_sqs_queue_policy.jobs")]


def test_an_unknown_resource_policy_of_a_domain_is_unresolved(tmp_path: Path) -> None:
    """access_policies of an OpenSearch domain (not only of the *_domain_policy type)."""
    plan = _plan("resource_policy_attribute")
    change = _change(plan, "aws_opensearch_domain.logs")
    change["after"].pop("access_policies")
    change["after_unknown"]["access_policies"] = True
    found = _found(tmp_path, plan)
    assert ("IAM002", "aws_opensearch_domain.logs") in [(r, a) for r, _, a, _ in found]
    assert not any(r == "IAM402" and a == "aws_opensearch_domain.logs" for r, _, a, _ in found)


def test_a_computed_unknown_that_the_configuration_does_not_write_is_not_a_finding(tmp_path: Path) -> None:
    """permissions_with_grant_option is computed by the provider when the configuration leaves it out."""
    plan = _plan("unjudged_grant")
    assert _change(plan, "aws_lakeformation_permissions.etl")["after_unknown"].get("permissions_with_grant_option")
    found = _found(tmp_path, plan)
    assert [(r, a) for r, _, a, _ in found] == [("IAM006", "aws_lakeformation_permissions.etl")]
    assert "grants through permissions, in a form" in found[0][3]


Mutation = Callable[[dict[str, Any]], None]


def _set(path: list[Any], value: Any) -> Mutation:
    def apply(plan: dict[str, Any]) -> None:
        node: Any = plan
        for key in path[:-1]:
            node = _change(node, key) if isinstance(key, str) and key.startswith("aws_") else node[key]
        node[path[-1]] = value
    return apply


MALFORMED: dict[str, tuple[Mutation, str]] = {
    "resource_changes_number": (_set(["resource_changes"], 5), "resource_changes must be an array, found a number"),
    "entry_number": (_set(["resource_changes", 0], 5), "a resource_changes entry must be an object, found a number"),
    "actions_number": (_set(["aws_iam_role.writer", "actions"], 3), "change.actions must be an array, found a number"),
    "after_list": (_set(["aws_iam_role.writer", "after"], [1]), "change.after must be an object, found an array"),
    "after_unknown_number": (_set(["aws_iam_role.writer", "after_unknown"], 7),
                             "change.after_unknown must be an object, found a number"),
    "inline_policy_number": (_set(["aws_iam_role.writer", "after", "inline_policy"], 5),
                             "aws_iam_role.writer.inline_policy must be an array, found a number"),
    "inline_policy_entry_string": (_set(["aws_iam_role.writer", "after", "inline_policy"], ["x"]),
                                   "aws_iam_role.writer.inline_policy[0] must be an object, found a string"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_plan_is_iam001(tmp_path: Path, name: str) -> None:
    mutate, message = MALFORMED[name]
    plan = _plan("unknown_after_apply")
    mutate(plan)
    found = _found(tmp_path, plan)
    assert len(found) == 1, found
    rule, line, _address, text = found[0]
    assert rule == "IAM001" and line > 1
    assert text.endswith(f"not a plan as `terraform show -json` writes it: {message}")


@pytest.mark.parametrize(("rtype", "attribute", "value", "message"), [
    ("aws_iam_group_membership", "users", 5, "aws_iam_group_membership.m.users must be a list, found a number"),
    ("aws_iam_role_policy_attachments_exclusive", "policy_arns", "arn:aws:iam::aws:policy/ReadOnlyAccess",
     "aws_iam_role_policy_attachments_exclusive.m.policy_arns must be a list, found a string"),
    ("aws_iam_policy_attachment", "roles", {"a": 1},
     "aws_iam_policy_attachment.m.roles must be a list, found an object"),
])
def test_a_list_that_is_not_a_list_is_iam001(rtype: str, attribute: str, value: Any, message: str) -> None:
    after = {attribute: value, "name": "m"}
    plan = {"format_version": "1.2", "resource_changes": [{
        "address": f"{rtype}.m", "mode": "managed", "type": rtype, "name": "m",
        "change": {"actions": ["create"], "after": after, "after_unknown": {}}}]}
    text = json.dumps(copy.deepcopy(plan), indent=1)
    line = 1 + text.splitlines().index(next(x for x in text.splitlines() if x.strip().startswith(f'"{attribute}"')))
    out = load_plan_text(text, "plan.json")
    assert [(e.line, e.message) for e in out.errors] == [
        (line, f"not a plan as `terraform show -json` writes it: {message}")]
    assert out.documents == []


def test_awscc_iam_in_a_plan_is_read_like_the_configuration(tmp_path: Path) -> None:
    """Written by hand in the plan format: the mirror holds no awscc provider to render one."""
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    put = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
                                                             "Resource": "*"}]})
    after = {"role_name": "ops", "assume_role_policy_document": trust,
             "managed_policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
             "policies": [{"policy_name": "put", "policy_document": put}]}
    plan = {"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": [
        {"address": "awscc_iam_role.ops", "mode": "managed", "type": "awscc_iam_role", "name": "ops",
         "change": {"actions": ["create"], "after": after, "after_unknown": {"arn": True}}},
        {"address": "awscc_s3_access_point.ap", "mode": "managed", "type": "awscc_s3_access_point", "name": "ap",
         "change": {"actions": ["create"], "after": {"name": "ap", "policy": put}, "after_unknown": {}}}]}
    found = _found(tmp_path, plan)
    rules = [(r, a) for r, _, a, _ in found]
    assert ("IAM101", "awscc_iam_role.ops.policies[0]") in rules
    assert ("IAM006", "awscc_s3_access_point.ap") in rules
    assert {a for _, a in rules} == {"awscc_iam_role.ops.policies[0]", "awscc_iam_role.ops.managed_policy_arns",
                                     "awscc_s3_access_point.ap"}
    put_line = next(ln for r, ln, a, _ in found if a == "awscc_iam_role.ops.policies[0]")
    text = (tmp_path / "plan.json").read_text().splitlines()
    assert '"policy_document"' in text[put_line - 1]
