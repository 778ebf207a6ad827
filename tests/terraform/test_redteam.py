"""Red-team probes: modules for which ``terraform plan`` grants more than read-only, and the gate.

tests/fixtures/redteam/<class>/<probe>/ holds one small module per probe and a one-line README saying
what terraform creates. ``lent_permissions`` is a class the gate passed before this round: resources
that lend the permissions of an entity the configuration does not define (a membership of an
existing group, credentials of an existing user, an existing role behind an instance profile, an
identity pool or a Lambda function, a permission set assigned on an account, a member added to an
Identity Center group). Its findings are asserted exactly on the configuration and on terraform's
own plan (plan.json beside main.tf, recorded offline by scripts/record_redteam_plans.py).
``regressions`` are probes the gate already failed (lexer corners, override files, tfvars
precedence, null and optional() defaults, policy-document merging ...): the finding that shows the
grant is asserted (rule, file, line, address, one action it names).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from checker.api import check
from checker.engine.findings import Finding
from checker.settings import Settings

REDTEAM = Path(__file__).resolve().parents[1] / "fixtures" / "redteam"
REPO = REDTEAM.parents[2]
LENT = REDTEAM / "lent_permissions"
REGRESSIONS = REDTEAM / "regressions"

# probe -> target -> [(rule, line, address)]: every finding, all IAM006 errors naming no action
LENT_EXPECTED: dict[str, dict[str, list[tuple[str, int, str]]]] = {
    "external_group_membership": {
        # the group named by var.ops_group is written at its default (line 3)
        "main.tf": [("IAM006", 3, "aws_iam_group_membership.ops"),
              ("IAM006", 12, "aws_iam_user_group_membership.admins")],
        "plan.json": [("IAM006", 143, "aws_iam_group_membership.ops"),
                      ("IAM006", 204, "aws_iam_user_group_membership.admins")],
    },
    "external_user_credentials": {
        "main.tf": [("IAM006", 2, "aws_iam_access_key.k"), ("IAM006", 6, "aws_iam_user_login_profile.console"),
              ("IAM006", 11, "aws_iam_service_specific_credential.git"), ("IAM006", 15, "aws_iam_user_ssh_key.ssh")],
        "plan.json": [("IAM006", 149, "aws_iam_access_key.k"), ("IAM006", 180, "aws_iam_service_specific_credential.git"),
                      ("IAM006", 207, "aws_iam_user_login_profile.console"), ("IAM006", 235, "aws_iam_user_ssh_key.ssh")],
    },
    "external_sso_assignment": {
        "main.tf": [("IAM006", 3, "aws_ssoadmin_account_assignment.admin"),
              ("IAM006", 12, "aws_identitystore_group_membership.admins")],
        "plan.json": [("IAM006", 102, "aws_identitystore_group_membership.admins"),
                      ("IAM006", 126, "aws_ssoadmin_account_assignment.admin")],
    },
    "external_role_lent": {
        "main.tf": [("IAM006", 3, "aws_iam_instance_profile.admin"),
              ("IAM006", 14, "aws_cognito_identity_pool_roles_attachment.public")],
        "plan.json": [("IAM006", 170, "aws_cognito_identity_pool_roles_attachment.public"),
                      ("IAM006", 199, "aws_iam_instance_profile.admin")],
    },
    "passed_external_role": {
        "main.tf": [("IAM006", 3, "aws_lambda_function.f"), ("IAM006", 13, "aws_instance.i"),
              ("IAM006", 20, "aws_launch_template.t")],
        "plan.json": [("IAM006", 265, "aws_instance.i"), ("IAM006", 378, "aws_lambda_function.f"),
                      ("IAM006", 457, "aws_launch_template.t")],
    },
    "nested_passed_role": {
        # roles in nested (and dynamic) blocks; a defined role, a service-linked role and a tag pass
        "main.tf": [("IAM006", 5, "aws_datasync_location_s3.l"), ("IAM006", 16, "aws_dms_endpoint.e")],
        "plan.json": [("IAM006", 560, "aws_datasync_location_s3.l"), ("IAM006", 645, "aws_dms_endpoint.e")],
    },
    "imported_principal": {"main.tf": [("IAM006", 2, "aws_iam_role.adopted")]},
    "defined_entities_pass": {"main.tf": [], "plan.json": []},
}

# probe -> (rule, file in the probe, line, address, an action the finding names or "")
REGRESSION_EXPECTED: dict[str, tuple[str, str, int, str, str]] = {
    "action_qmark": ("IAM101", "main.tf", 9, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "action_upper_service": ("IAM101", "main.tf", 9, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "attach_policy_arn_case": ("IAM002", "main.tf", 9, 'aws_iam_role_policy_attachment.a', ""),
    "auto_json_vs_hcl": ("IAM101", "x.auto.tfvars.json", 1, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "auto_order": ("IAM101", "a.auto.tfvars", 1, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "auto_tfvars_json": ("IAM101", "z.auto.tfvars.json", 1, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "bool_string_tfvars": ("IAM101", "main.tf", 13, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "child_tfvars_ignored": ("IAM101", "m/main.tf", 2, 'module.m.aws_iam_role_policy.p', "iam:CreateRole"),
    "coalesce_empty": ("IAM101", "main.tf", 9, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "comment_in_expr": ("IAM101", "main.tf", 9, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "cond_unknown": ("IAM002", "main.tf", 8, 'aws_iam_role_policy.p', ""),
    "doc_effect_var": ("IAM101", "main.tf", 11, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "doc_minified": ("IAM101", "main.tf", 8, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "doc_not_actions": ("IAM101", "main.tf", 9, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "doc_override_nosid_append": ("IAM101", "main.tf", 11, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "doc_override_sid": ("IAM101", "main.tf", 13, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "doc_source_from_aws": ("IAM002", "main.tf", 9, 'aws_iam_role_policy.p', ""),
    "doc_source_sid_deny_overridden": ("IAM101", "main.tf", 10, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "dynamic_inline_policy": ("IAM101", "main.tf", 6, 'aws_iam_role.r.inline_policy[0]', "iam:CreateRole"),
    "element_wrap": ("IAM101", "main.tf", 9, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "for_each_unknown_keys": ("IAM002", "main.tf", 7, 'aws_iam_role_policy.p', ""),
    "hash_prefix_file": ("IAM101", "#evil.tf", 3, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "heredoc_dup_json_key": ("IAM101", "main.tf", 10, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "heredoc_indent": ("IAM101", "main.tf", 10, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "json_key_escape": ("IAM101", "x.tf.json", 1, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "json_locals_comment": ("IAM101", "l.tf.json", 1, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "lookup_default": ("IAM101", "main.tf", 9, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "managed_policy_arns": ("IAM101", "main.tf", 5, 'aws_iam_role.r.managed_policy_arns', "iam:CreateRole"),
    "module_count_attach": ("IAM101", "m/main.tf", 5, 'module.m[1].aws_iam_role_policy_attachment.a', "iam:CreateRole"),
    "module_null_coalesce": ("IAM101", "m/main.tf", 8, 'module.m.aws_iam_role_policy.p', "iam:CreateRole"),
    "nullable_false_null_passed": ("IAM101", "m/main.tf", 5, 'module.m.aws_iam_role_policy.p', "iam:CreateRole"),
    "optional_default": ("IAM101", "main.tf", 8, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "optional_module_null": ("IAM101", "m/main.tf", 3, 'module.m.aws_iam_role_policy.p', "iam:CreateRole"),
    "optional_null_tfvars": ("IAM101", "main.tf", 7, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "override_count_on": ("IAM101", "main.tf", 9, 'aws_iam_role_policy.p[0]', "iam:CreateRole"),
    "override_doc_dynamic": ("IAM101", "override.tf", 3, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "override_file": ("IAM101", "x_override.tf", 2, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "override_locals": ("IAM101", "override.tf", 1, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "override_module_arg": ("IAM101", "override.tf", 2, 'module.m.aws_iam_role_policy.p', "iam:CreateRole"),
    "override_module_source": ("IAM101", "evil/main.tf", 4, 'module.m.aws_iam_role_policy.p', "iam:CreateRole"),
    "override_nested_block": ("IAM101", "r_override.tf", 4, 'aws_iam_role.r.inline_policy[0]', "iam:CreateRole"),
    "override_tfjson": ("IAM101", "override.tf.json", 1, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "override_variable_default": ("IAM101", "z_override.tf", 1, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "provider_fn_arn_build": ("IAM002", "main.tf", 14, 'aws_iam_role_policy_attachment.a', ""),
    "replace_regex": ("IAM101", "main.tf", 9, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "role_policies_exclusive": ("IAM101", "main.tf", 9, 'aws_iam_role_policy_attachments_exclusive.e.policy_arns[0]', "iam:CreateRole"),
    "strip_markers": ("IAM101", "main.tf", 9, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "tab_heredoc": ("IAM101", "main.tf", 10, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "templatefile_for": ("IAM101", "p.tpl", 1, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "templatestring_fn": ("IAM002", "main.tf", 10, 'aws_iam_role_policy.p', ""),
    "terraform_data_local_exec": ("IAM007", "main.tf", 3, 'terraform_data.x', ""),
    "tfjson_array_blocks": ("IAM101", "main.tf.json", 24, 'aws_iam_role_policy.q', "iam:CreateRole"),
    "tfjson_escaped_interp": ("IAM101", "main.tf.json", 9, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "tfjson_expr": ("IAM101", "main.tf.json", 13, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "tfvars_both": ("IAM101", "terraform.tfvars.json", 1, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "tfvars_list_set_dup": ("IAM101", "terraform.tfvars", 1, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "tfvars_null_coalesce": ("IAM101", "main.tf", 12, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "timestamp_cond": ("IAM002", "main.tf", 9, 'aws_iam_role_policy.p', ""),
    "try_index": ("IAM101", "main.tf", 9, 'aws_iam_role_policy.p', "iam:CreateRole"),
    "yamldecode_policy": ("IAM101", "main.tf", 9, 'aws_iam_role_policy.p', "iam:CreateRole"),}
# probes that grant nothing beyond read-only: the gate passes them
REGRESSION_PASSES = ["permissions_boundary_only"]


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def _findings(target: Path) -> list[Finding]:
    report = check([Path(os.path.relpath(target, REPO))], Settings())
    return sorted(report.findings, key=lambda f: (f.line, f.rule_id, f.address))


def test_every_probe_has_a_readme_and_an_expectation() -> None:
    assert sorted(p.name for p in LENT.iterdir() if p.is_dir()) == sorted(LENT_EXPECTED)
    assert sorted(p.name for p in REGRESSIONS.iterdir()) == sorted([*REGRESSION_EXPECTED, *REGRESSION_PASSES])
    for probe in [*LENT.iterdir(), *REGRESSIONS.iterdir()]:
        if probe.is_dir():
            assert (probe / "README.md").read_text().strip(), probe


@pytest.mark.parametrize(("probe", "target"), [(p, t) for p, ts in LENT_EXPECTED.items() for t in ts])
def test_lent_permissions(probe: str, target: str) -> None:
    path = (LENT / probe / target).resolve()
    got = _findings(path)
    expected = LENT_EXPECTED[probe][target]
    assert [(f.rule_id, f.line, f.address) for f in got] == expected
    for f in got:
        assert f.severity.value == "error" and f.actions == ()
        assert f.file == os.path.relpath(path, REPO)
        assert "which this configuration does not define" in f.message or "import" in f.message


def test_every_lent_probe_is_planned_or_says_why() -> None:
    for probe in LENT_EXPECTED:
        has_plan = (LENT / probe / "plan.json").is_file()
        assert ("plan.json" in LENT_EXPECTED[probe]) == has_plan, probe
        assert has_plan or (LENT / probe / "plan.txt").is_file(), probe


def test_lent_messages_name_the_entity() -> None:
    messages = {f.address: f.message for f in _findings(LENT / "external_sso_assignment")}
    assert "'arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-0123456789abcdef'" in messages[
        "aws_ssoadmin_account_assignment.admin"]
    messages = {f.address: f.message for f in _findings(LENT / "external_group_membership")}
    assert "the group 'Administrators'" in messages["aws_iam_user_group_membership.admins"]
    assert "the group 'PowerUsers'" in messages["aws_iam_group_membership.ops"]


def test_a_group_known_only_after_apply_is_not_defined(tmp_path: Path) -> None:
    """A membership of a group the configuration reads (a data source) lends what the gate cannot see."""
    (tmp_path / "main.tf").write_text(
        'data "aws_iam_group" "ops" {\n  group_name = "ops"\n}\n'
        'resource "aws_iam_user" "u" {\n  name = "u"\n}\n'
        'resource "aws_iam_user_group_membership" "m" {\n  user   = aws_iam_user.u.name\n'
        '  groups = [data.aws_iam_group.ops.group_name]\n}\n')
    got = sorted(check([tmp_path], Settings()).findings, key=lambda f: f.line)
    # the data source's group_name is known: the finding shows where the group is named
    assert [(f.rule_id, f.line, f.address) for f in got] == [("IAM006", 2, "aws_iam_user_group_membership.m")]
    assert "the group 'ops'" in got[0].message


def test_a_group_known_only_after_apply_is_shown_where_it_is_used(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_user" "u" {\n  name = "u"\n}\n'
        'resource "aws_iam_user_group_membership" "m" {\n  user   = aws_iam_user.u.name\n'
        '  groups = [terraform_data.g.output]\n}\n'
        'resource "terraform_data" "g" {\n  input = "Administrators"\n}\n')
    got = sorted(check([tmp_path], Settings()).findings, key=lambda f: f.line)
    assert [(f.rule_id, f.line, f.address) for f in got] == [("IAM006", 4, "aws_iam_user_group_membership.m")]
    assert "not known" in got[0].message


@pytest.mark.parametrize("probe", sorted(REGRESSION_EXPECTED))
def test_regression_probe_fails(probe: str) -> None:
    rule, file, line, address, action = REGRESSION_EXPECTED[probe]
    got = _findings(REGRESSIONS / probe)
    want = os.path.relpath(REGRESSIONS / probe / file, REPO)
    hits = [f for f in got if (f.rule_id, f.file, f.line, f.address) == (rule, want, line, address)]
    assert hits, [(f.rule_id, f.file, f.line, f.address) for f in got]
    if action:
        assert any(action in f.actions for f in hits)
    assert any(f.severity.value == "error" for f in got)


@pytest.mark.parametrize("probe", REGRESSION_PASSES)
def test_regression_probe_passes(probe: str) -> None:
    assert [f for f in _findings(REGRESSIONS / probe) if f.severity.value == "error"] == []


def test_a_plan_importing_a_principal_fails(tmp_path: Path) -> None:
    """terraform cannot plan an import offline; its plan marks the change ``importing``."""
    import json

    plan = json.loads((LENT / "defined_entities_pass" / "plan.json").read_text())
    for rc in plan["resource_changes"]:
        if rc["address"] == "aws_iam_role.r":
            rc["change"]["importing"] = {"id": "r"}
    (tmp_path / "plan.json").write_text(json.dumps(plan, indent=1))
    got = check([tmp_path / "plan.json"], Settings()).findings
    assert [(f.rule_id, f.address) for f in got] == [("IAM006", "aws_iam_role.r")]
    assert "imports the existing role" in got[0].message


def test_importing_what_is_not_a_principal_is_judged_as_written(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'import {\n  to = aws_s3_bucket.b\n  id = "b"\n}\nresource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'
        'resource "aws_iam_role" "r" {\n  name = "r"\n  assume_role_policy = jsonencode({Version = "2012-10-17", '
        'Statement = [{Effect = "Allow", Action = "sts:AssumeRole", Principal = {Service = "ec2.amazonaws.com"}}]})\n}\n')
    assert list(check([tmp_path], Settings()).findings) == []
