"""Roles and instance profiles a resource hands over, taken from the AWS provider's schema.

Which arguments hand a role over is recorded per resource type (checker/data/aws_provider_roles.json,
derived by scripts/gen_provider_inventory.py from ``terraform providers schema -json``) and decided
by hand where the rule cannot (checker/data/aws_passed_roles.json). A role the configuration
defines is judged where it is written; any other is IAM006 where the role is named.

tests/fixtures/passed_roles/<case>/main.tf hands a role the module does not define over (the
resource ``external``) and one it defines (``defined``): the first is one IAM006, the second none.
plan.json beside it is ``terraform show -json`` of terraform's own plan (recorded offline with the
provider mirror, the recipe of scripts/record_coverage_plans.py); the plan reader gives the same
findings at the plan's lines.
"""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from repo_snapshot import load_script

from checker.api import check
from checker.engine.findings import Finding
from checker.settings import Settings
from checker.terraform import iam, inventory

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "passed_roles"
MIRROR = Path(os.environ.get("CHECK_PERMISSIONS_TF_PLUGINS", "/opt/tf-plugins"))
_TAIL = "which this configuration does not define: the permissions it lends are not known"


def _msg(address: str, kind: str, path: str, value: str) -> str:
    return f"{address} hands the {kind} over through {path}: {value}, {_TAIL}"


def _arn(name: str) -> str:
    return f"'arn:aws:iam::123456789012:role/{name}'"


# case -> (file of the finding, its line, address, argument path, kind, the value as the message shows it)
CONFIG_EXPECTED: dict[str, tuple[str, int, str, str, str, str] | None] = {
    # a nested role argument the provider computes and the configuration does not write: nothing
    "precision_computed_nested_role": None,
    "aws_api_gateway_integration": ("main.tf", 8, "aws_api_gateway_integration.external", "credentials", "role",
                                    _arn("ApiS3")),
    "aws_appsync_datasource": ("main.tf", 5, "aws_appsync_datasource.external", "service_role_arn", "role",
                               _arn("AppSyncDynamo")),
    "aws_batch_compute_environment": ("main.tf", 11, "aws_batch_compute_environment.external",
                                      "compute_resources.instance_role", "instance profile",
                                      "'arn:aws:iam::123456789012:instance-profile/ecsInstanceRole'"),
    "aws_codebuild_project": ("main.tf", 3, "aws_codebuild_project.external", "service_role", "role",
                              _arn("CodeBuildAdmin")),
    "aws_cognito_user_pool": ("main.tf", 5, "aws_cognito_user_pool.external", "sms_configuration.sns_caller_arn",
                              "role", _arn("CognitoSms")),
    "aws_ecs_task_definition": ("main.tf", 3, "aws_ecs_task_definition.external", "execution_role_arn", "role",
                                _arn("ecsTaskExecutionRole")),
    "aws_emr_cluster": ("main.tf", 5, "aws_emr_cluster.external", "autoscaling_role", "role",
                        "'EMR_AutoScaling_DefaultRole'"),
    "aws_iot_topic_rule": ("main.tf", 13, "aws_iot_topic_rule.external", "error_action.sqs.role_arn", "role",
                           _arn("IotErrors")),
    "aws_kinesis_firehose_delivery_stream": ("main.tf", 6, "aws_kinesis_firehose_delivery_stream.external",
                                             "extended_s3_configuration.role_arn", "role", _arn("FirehoseAdmin")),
    # a for_each instance: the role is named at the variable's default
    "aws_pipes_pipe": ("main.tf", 3, 'aws_pipes_pipe.external["a"]', "role_arn", "role", _arn("PipeAdmin")),
    # the variable is set in terraform.tfvars: the finding is where the role is named
    "aws_sagemaker_domain": ("terraform.tfvars", 1, "aws_sagemaker_domain.external",
                             "default_user_settings.execution_role", "role", _arn("StudioAdmin")),
    "aws_scheduler_schedule": ("main.tf", 9, "aws_scheduler_schedule.external", "target.role_arn", "role",
                               _arn("SchedulerAdmin")),
    "aws_sfn_state_machine": ("main.tf", 3, "aws_sfn_state_machine.external", "role_arn", "role",
                              _arn("StepFunctionsAdmin")),
    # a local names the role (line 2), two nested blocks down
    "aws_transfer_server": ("main.tf", 2, "aws_transfer_server.external", "workflow_details.on_upload.execution_role",
                            "role", _arn("TransferWorkflow")),
    # a dynamic block: the role comes from its for_each (the variable's default)
    "dynamic_sagemaker_user_profile": ("main.tf", 3, "aws_sagemaker_user_profile.external",
                                       "user_settings.execution_role", "role", _arn("StudioAnalyst")),
}
# case -> [(line in plan.json, address, path, kind, value as shown)]
PLAN_EXPECTED: dict[str, list[tuple[int, str, str, str, str]]] = {
    # the plan marks analytics_configuration[0].role_arn known only after apply; the configuration
    # section shows the block without it: the provider computes it, nothing is handed over
    "precision_computed_nested_role": [],
    "aws_api_gateway_integration": [(223, "aws_api_gateway_integration.external", "credentials", "role",
                                     _arn("ApiS3"))],
    "aws_appsync_datasource": [(284, "aws_appsync_datasource.external", "service_role_arn", "role",
                                _arn("AppSyncDynamo"))],
    "aws_batch_compute_environment": [(421, "aws_batch_compute_environment.external",
                                       "compute_resources.instance_role", "instance profile",
                                       "'arn:aws:iam::123456789012:instance-profile/ecsInstanceRole'")],
    "aws_codebuild_project": [(522, "aws_codebuild_project.external", "service_role", "role",
                               _arn("CodeBuildAdmin"))],
    "aws_cognito_user_pool": [(328, "aws_cognito_user_pool.external", "sms_configuration.sns_caller_arn", "role",
                               _arn("CognitoSms"))],
    "aws_ecs_task_definition": [(240, "aws_ecs_task_definition.external", "execution_role_arn", "role",
                                 _arn("ecsTaskExecutionRole"))],
    "aws_emr_cluster": [(431, "aws_emr_cluster.external", "autoscaling_role", "role", "'EMR_AutoScaling_DefaultRole'")],
    "aws_iot_topic_rule": [(615, "aws_iot_topic_rule.external", "error_action.sqs.role_arn", "role",
                            _arn("IotErrors"))],
    "aws_kinesis_firehose_delivery_stream": [(401, "aws_kinesis_firehose_delivery_stream.external",
                                              "extended_s3_configuration.role_arn", "role", _arn("FirehoseAdmin"))],
    "aws_pipes_pipe": [(273, 'aws_pipes_pipe.external["a"]', "role_arn", "role", _arn("PipeAdmin"))],
    "aws_sagemaker_domain": [(422, "aws_sagemaker_domain.external", "default_user_settings.execution_role", "role",
                              _arn("StudioAdmin"))],
    "aws_scheduler_schedule": [(376, "aws_scheduler_schedule.external", "target.role_arn", "role",
                                _arn("SchedulerAdmin"))],
    "aws_transfer_server": [(371, "aws_transfer_server.external", "workflow_details.on_upload.execution_role", "role",
                             _arn("TransferWorkflow"))],
    # terraform's plan leaves dynamic blocks out of its configuration section: the role of the
    # defined profile, known only after apply, has no reference to follow and is not proven
    "dynamic_sagemaker_user_profile": [
        (250, "aws_sagemaker_user_profile.defined", "user_settings.execution_role", "role",
         "(not known: aws_sagemaker_user_profile.defined.user_settings[0].execution_role is known only after apply)"),
        (340, "aws_sagemaker_user_profile.external", "user_settings.execution_role", "role", _arn("StudioAnalyst"))],
}


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def _findings(target: Path) -> list[Finding]:
    report = check([Path(os.path.relpath(target, REPO))], Settings())
    return sorted(report.findings, key=lambda f: (f.file, f.line, f.rule_id, f.address))


def _rel(path: Path) -> str:
    return os.path.relpath(path, REPO)


def _generator() -> Any:
    return load_script("gen_provider_inventory")


# --- the recording and the decision table -------------------------------------------------------------------------

def test_every_argument_that_mentions_a_role_is_decided() -> None:
    assert inventory.role_gaps() == []
    recorded = inventory.role_recording()
    assert recorded["version"] == inventory.provider_version() == "5.100.0"
    derived = [d for paths in recorded["resource"].values() for d in paths.values()]
    assert derived.count("undecided") > 0  # the table has work to do, and does it
    assert derived.count("passes-role") > 300 and derived.count("passes-profile") > 20


def test_an_undecided_or_stray_decision_is_a_gap() -> None:
    recorded = copy.deepcopy(dict(inventory.role_recording()))
    decided = copy.deepcopy(dict(inventory.role_decisions()))
    del decided["resource"]["aws_cognito_user_pool"]
    assert inventory.role_gaps(recorded, decided) == [
        "resource aws_cognito_user_pool: sms_configuration.sns_caller_arn mentions a role and is not decided"]
    recorded["resource"]["aws_new_thing"] = {"role_arn": "passes-role", "target.runner_role_name": "undecided"}
    decided = copy.deepcopy(dict(inventory.role_decisions()))
    assert inventory.role_gaps(recorded, decided) == [
        "resource aws_new_thing: target.runner_role_name mentions a role and is not decided"]
    decided["resource"]["aws_new_thing"] = {"target.runner_role_name": {"decision": "maybe", "reason": "x"},
                                            "role_arn": {"decision": "not-a-hand-over", "reason": " "},
                                            "gone": {"decision": "passes-role", "reason": "x"}}
    assert inventory.role_gaps(recorded, decided) == [
        "resource aws_new_thing: target.runner_role_name has no decision among passes-role, passes-profile, "
        "not-a-hand-over",
        "resource aws_new_thing: role_arn is decided without a reason",
        "resource aws_new_thing: gone is decided, but the recording does not list it"]


def test_the_derivation_rule_reads_names_blocks_object_keys_and_descriptions() -> None:
    gen = _generator()
    schema = {"provider_schemas": {gen.PROVIDER: {"data_source_schemas": {}, "resource_schemas": {
        "aws_a": {"block": {
            "attributes": {
                "role": {"type": "string", "optional": True},
                "execution_role_arns": {"type": ["list", "string"], "optional": True},
                "role_arn": {"type": "string", "computed": True},  # the provider's output, not an input
                "use_service_role": {"type": "bool", "optional": True},
                "runner": {"type": "string", "optional": True, "description": "ARN of the IAM role the runner uses"},
                "credentials": {"type": "string", "optional": True},
                "role_alias": {"type": "string", "optional": True},
                "grants": {"type": ["list", ["object", {"grantee_role": "string", "id": "string"}]],
                           "optional": True},
                "name": {"type": "string", "required": True},
            },
            "block_types": {
                "iam_instance_profile": {"block": {"attributes": {"arn": {"type": "string", "optional": True},
                                                                  "name": {"type": "string", "optional": True}}}},
                "target": {"block": {"block_types": {"deep": {"block": {"attributes": {
                    "instance_profile_name": {"type": "string", "optional": True}}}}}}},
            }}},
        "aws_b": {"block": {"attributes": {"bucket": {"type": "string", "required": True}}}},
    }}}}
    recording = gen.record_roles(schema)
    assert recording["resource"] == {"aws_a": {
        "credentials": "undecided",
        "execution_role_arns": "passes-role",
        "grants.grantee_role": "passes-role",
        "role": "passes-role",
        "role_alias": "undecided",
        "runner": "undecided",
        "use_service_role": "not-a-hand-over",
        "iam_instance_profile.arn": "passes-profile",
        "iam_instance_profile.name": "passes-profile",
        "target.deep.instance_profile_name": "passes-profile",
    }}
    assert gen.render_roles(recording).splitlines()[3:5] == ['"resource": {', '"aws_a": {' + ",".join([
        '"credentials":"undecided"', '"execution_role_arns":"passes-role"', '"grants.grantee_role":"passes-role"',
        '"iam_instance_profile.arn":"passes-profile"', '"iam_instance_profile.name":"passes-profile"',
        '"role":"passes-role"', '"role_alias":"undecided"', '"runner":"undecided"',
        '"target.deep.instance_profile_name":"passes-profile"', '"use_service_role":"not-a-hand-over"']) + "}"]


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform CLI not on PATH")
def test_the_role_recording_is_what_the_provider_schema_says() -> None:
    if not (MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        pytest.skip(f"no local mirror of the AWS provider at {MIRROR} (no registry access here)")
    gen = _generator()
    assert gen.render_roles(gen.record_roles(gen.terraform_schema())) == (
        REPO / "checker/data/aws_provider_roles.json").read_text()


@pytest.mark.parametrize(("rtype", "path", "kind"), [
    ("aws_lambda_function", "role", "role"),
    ("aws_ecs_task_definition", "execution_role_arn", "role"),
    ("aws_sagemaker_domain", "default_user_settings.execution_role", "role"),
    ("aws_scheduler_schedule", "target.role_arn", "role"),
    ("aws_kinesis_firehose_delivery_stream", "extended_s3_configuration.role_arn", "role"),
    ("aws_emr_cluster", "autoscaling_role", "role"),
    ("aws_emr_cluster", "ec2_attributes.instance_profile", "instance-profile"),
    ("aws_batch_compute_environment", "compute_resources.instance_role", "instance-profile"),
    ("aws_launch_template", "iam_instance_profile.arn", "instance-profile"),
    ("aws_api_gateway_integration", "credentials", "role"),
    ("aws_cloudformation_stack_set", "execution_role_name", "role"),
    ("aws_db_instance", "domain_iam_role_name", "role"),
])
def test_role_paths_of_a_type(rtype: str, path: str, kind: str) -> None:
    assert (path, kind) in iam.role_paths(rtype)


def test_the_iam_types_are_read_by_their_own_tables() -> None:
    assert iam.role_paths("aws_iam_instance_profile") == ()
    assert iam.role_paths("aws_iam_role_policy_attachment") == ()
    assert iam.role_paths("aws_cognito_identity_pool_roles_attachment") == ()
    assert not hasattr(iam, "PASSED_ROLE")  # the name-based regex is gone


# --- the configuration walker and the plan reader --------------------------------------------------------------------

def test_every_case_is_expected_and_planned_or_says_why() -> None:
    cases = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
    assert cases == sorted(CONFIG_EXPECTED)
    assert sorted(c for c in cases if (FIXTURES / c / "plan.json").is_file()) == sorted(PLAN_EXPECTED)
    assert len({c.removeprefix("dynamic_") for c in cases if not c.startswith("precision_")}) >= 12


@pytest.mark.parametrize("case", sorted(CONFIG_EXPECTED))
def test_a_role_the_module_does_not_define_is_iam006(case: str) -> None:
    got = _findings(FIXTURES / case / "main.tf")
    expected = CONFIG_EXPECTED[case]
    if expected is None:
        assert got == []
        return
    file, line, address, path, kind, value = expected
    assert [(f.rule_id, f.file, f.line, f.address, f.message) for f in got] == [
        ("IAM006", _rel(FIXTURES / case / file), line, address, _msg(address, kind, path, value))]
    assert got[0].severity.value == "error" and got[0].actions == ()
    # the same argument given a role (or profile) the module defines: judged there, no finding
    assert not [f for f in got if ".defined" in f.address]


@pytest.mark.parametrize("case", sorted(PLAN_EXPECTED))
def test_a_planned_role_the_plan_does_not_define_is_iam006(case: str) -> None:
    plan = FIXTURES / case / "plan.json"
    got = _findings(plan)
    assert [(f.rule_id, f.file, f.line, f.address, f.message) for f in got] == [
        ("IAM006", _rel(plan), line, address, _msg(address, kind, path, value))
        for line, address, path, kind, value in PLAN_EXPECTED[case]]


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "main.tf").write_text(text)
    return tmp_path


_OWN_ROLE = '''
resource "aws_iam_role" "own" {
  name = "own"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}
'''


def test_a_role_of_a_variable_without_value_is_iam006_where_it_is_used(tmp_path: Path) -> None:
    _write(tmp_path, 'variable "role" {\n  type = string\n}\n\n'
           'resource "aws_glue_crawler" "c" {\n  name          = "c"\n  database_name = "d"\n'
           '  role          = var.role\n  s3_target {\n    path = "s3://b"\n  }\n}\n' + _OWN_ROLE)
    got = _findings(tmp_path)
    assert [(f.rule_id, f.line, f.address, f.message) for f in got] == [
        ("IAM006", 8, "aws_glue_crawler.c", _msg("aws_glue_crawler.c", "role", "role",
                                                  "(not known: variable role has no value: set it with --var or a "
                                                  "tfvars file)"))]


def test_a_role_read_by_a_data_source_is_iam006(tmp_path: Path) -> None:
    _write(tmp_path, 'data "aws_iam_role" "admin" {\n  name = "Admin"\n}\n\n'
           'resource "aws_datasync_task" "t" {\n  source_location_arn      = "arn:aws:datasync:us-east-1:1:location/a"\n'
           '  destination_location_arn = "arn:aws:datasync:us-east-1:1:location/b"\n}\n\n'
           'resource "aws_config_configuration_recorder" "r" {\n  name     = "r"\n'
           '  role_arn = data.aws_iam_role.admin.arn\n}\n' + _OWN_ROLE)
    got = _findings(tmp_path)
    assert [(f.rule_id, f.line, f.address) for f in got] == [("IAM006", 12, "aws_config_configuration_recorder.r")]
    assert got[0].message.startswith("aws_config_configuration_recorder.r hands the role over through role_arn: "
                                     "${data.aws_iam_role.admin.arn} (not known: ")


def test_a_dynamic_block_whose_for_each_is_unknown_is_iam006_at_the_block(tmp_path: Path) -> None:
    _write(tmp_path, 'variable "targets" {\n  type = list(string)\n}\n\n'
           'resource "aws_scheduler_schedule" "s" {\n  name                = "s"\n'
           '  schedule_expression = "rate(1 hour)"\n  flexible_time_window {\n    mode = "OFF"\n  }\n'
           '  dynamic "target" {\n    for_each = var.targets\n    content {\n'
           '      arn      = target.value\n      role_arn = aws_iam_role.own.arn\n    }\n  }\n}\n' + _OWN_ROLE)
    got = _findings(tmp_path)
    assert [(f.rule_id, f.line, f.address) for f in got] == [("IAM006", 5, "aws_scheduler_schedule.s")]
    assert got[0].message.startswith("aws_scheduler_schedule.s hands the role over through target.role_arn: "
                                     '(not known: the for_each of dynamic "target" is not known')


def test_a_module_handed_a_role_shows_where_the_caller_names_it(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf").write_text(
        'variable "role_arn" {\n  type = string\n}\n\nresource "aws_glue_job" "j" {\n  name     = "j"\n'
        '  role_arn = var.role_arn\n  command {\n    script_location = "s3://b/s.py"\n  }\n}\n')
    _write(tmp_path, 'module "external" {\n  source   = "./m"\n  role_arn = "arn:aws:iam::123456789012:role/GlueAdmin"\n'
           '}\n\nmodule "defined" {\n  source   = "./m"\n  role_arn = aws_iam_role.own.arn\n}\n' + _OWN_ROLE)
    got = _findings(tmp_path)
    # the file and line of the module call that names the role, not of the module's argument
    assert [(f.rule_id, Path(f.file).resolve(), f.line, f.address, f.message) for f in got] == [
        ("IAM006", (tmp_path / "main.tf").resolve(), 3, "module.external.aws_glue_job.j",
         _msg("module.external.aws_glue_job.j", "role", "role_arn", _arn("GlueAdmin")))]


# --- precision: arguments that mention a role and hand nothing over --------------------------------------------------

PRECISION = [
    ("aws_autoscaling_group", "service_linked_role_arn",
     "a service-linked role: AWS defines its permissions and only Auto Scaling can use it"),
    ("aws_quicksight_user", "user_role", "READER, AUTHOR or ADMIN: a QuickSight role, not an IAM role"),
    ("aws_grafana_role_association", "role", "ADMIN, EDITOR or VIEWER: a Grafana role, not an IAM role"),
    ("aws_db_proxy_endpoint", "target_role", "READ_WRITE or READ_ONLY: the endpoint's role in the proxy, not an IAM "
                                             "role"),
]


def test_labels_and_service_linked_roles_are_not_hand_overs(tmp_path: Path) -> None:
    for rtype, path, reason in PRECISION:
        assert inventory.role_decision(rtype, path) == ("not-a-hand-over", reason)
        assert path not in dict(iam.role_paths(rtype))
    _write(tmp_path, 'variable "slr" {\n  type = string\n}\n\n'
           'resource "aws_autoscaling_group" "g" {\n  name                    = "g"\n  min_size                = 0\n'
           '  max_size                = 1\n  availability_zones      = ["us-east-1a"]\n'
           '  service_linked_role_arn = var.slr\n  launch_template {\n    id = "lt-0123456789abcdef0"\n  }\n}\n\n'
           'resource "aws_quicksight_user" "u" {\n  email         = "a@example.com"\n'
           '  identity_type = "QUICKSIGHT"\n  user_role     = "READER"\n  user_name     = "a"\n}\n\n'
           'resource "aws_grafana_role_association" "a" {\n  role         = "ADMIN"\n'
           '  workspace_id = "g-0123456789"\n  user_ids     = ["u-1"]\n}\n\n'
           'resource "aws_db_proxy_endpoint" "e" {\n  db_proxy_name          = "p"\n  db_proxy_endpoint_name = "e"\n'
           '  vpc_subnet_ids         = ["subnet-0123456789abcdef0"]\n  target_role            = "READ_ONLY"\n}\n'
           + _OWN_ROLE)
    assert _findings(tmp_path) == []
