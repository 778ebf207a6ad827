"""The `config-secrets` category: reads that return configuration where owners put secrets.

The real-world shapes: a monitoring vendor's role that lists Lambda functions (their environment
variables), describes ECS task definitions (container environment), reads instance user data or
CodeBuild projects. `read-only` forbids them (IAM301); a profile that needs them says so.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from checker.analysis.sensitivity import categories, sensitive_actions
from checker.api import check_text
from checker.settings import Settings

DATA = Path(__file__).resolve().parents[1] / "checker" / "data"

# The exposure paths the issue names, with the response field that carries the secret.
KNOWN = {
    "lambda:GetFunctionConfiguration": "Environment",
    "lambda:GetFunction": "Environment",
    "lambda:ListFunctions": "Environment",
    "ecs:DescribeTaskDefinition": "environment",
    "ec2:DescribeInstanceAttribute": "userData",
    "codebuild:BatchGetProjects": "environmentVariables",
}


def _policy(actions: list[str], resource: str = "*") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Monitor", "Effect": "Allow", "Action": actions, "Resource": resource}]}, indent=2)


def _where(text: str, profile: str | None = None) -> list[tuple[str, str, int, tuple[str, ...]]]:
    settings = Settings(profile=profile) if profile else Settings()
    report = check_text(text, "vendor.json", settings)
    return [(f.rule_id, f.severity.value, f.line, f.actions) for f in report.findings]


@pytest.mark.parametrize("action", sorted(KNOWN))
def test_known_exposure_paths_are_config_secrets_with_a_source_naming_the_field(action: str) -> None:
    assert "config-secrets" in categories(action)
    entry = json.loads((DATA / "sensitive_actions.json").read_text(encoding="utf-8"))["actions"][action]
    assert entry["source"].startswith("https://docs.aws.amazon.com/")
    assert KNOWN[action] in entry["note"]


def test_every_config_secrets_entry_links_an_api_reference_and_names_a_field() -> None:
    raw = json.loads((DATA / "sensitive_actions.json").read_text(encoding="utf-8"))["actions"]
    entries = {k: v for k, v in raw.items() if "config-secrets" in v["categories"]}
    assert len(entries) == 30
    for name, entry in entries.items():
        assert entry["source"].startswith("https://docs.aws.amazon.com/"), name
        # the note names what is returned: a field (Environment, userData, DefaultArguments ...)
        assert re.search(r"[A-Za-z]+(\.[A-Za-z\[\]*]+)*", entry["note"]), name


def test_read_only_forbids_lambda_environment_reads_at_their_line() -> None:
    text = _policy(["lambda:ListFunctions", "lambda:GetFunctionConfiguration", "cloudwatch:GetMetricData"])
    assert _where(text) == [
        ("IAM301", "error", 4, ("lambda:GetFunctionConfiguration", "lambda:ListFunctions")),
    ]


def test_user_data_and_task_definitions_fail_through_wildcards() -> None:
    # ec2:Describe* holds DescribeInstanceAttribute (user data) and DescribeLaunchTemplateVersions
    found = _where(_policy(["ec2:DescribeInstance*", "ecs:DescribeTaskDefinition"]))
    iam301 = [f for f in found if f[0] == "IAM301"]
    assert len(iam301) == 1
    assert {"ec2:DescribeInstanceAttribute", "ecs:DescribeTaskDefinition"} <= set(iam301[0][3])
    assert "ec2:DescribeInstances" not in iam301[0][3]  # no user data in DescribeInstances


def test_a_profile_that_allows_configuration_reads_passes(tmp_path: Path) -> None:
    profile = tmp_path / "monitoring.toml"
    profile.write_text('name = "monitoring"\nforbidden_categories = ["credentials", "side-effect", "cost"]\n',
                       encoding="utf-8")
    text = _policy(["lambda:GetFunctionConfiguration", "codebuild:BatchGetProjects"])
    assert [f for f in _where(text, str(profile)) if f[1] != "note"] == []


def test_a_profile_can_accept_one_action_of_the_category(tmp_path: Path) -> None:
    profile = tmp_path / "one.toml"
    profile.write_text('name = "one"\nforbidden_categories = ["config-secrets"]\n'
                       '[category_exceptions]\n"config-secrets" = ["lambda:ListFunctions"]\n', encoding="utf-8")
    text = _policy(["lambda:ListFunctions", "ecs:DescribeTaskDefinition"])
    assert _where(text, str(profile)) == [("IAM301", "error", 9, ("ecs:DescribeTaskDefinition",))]


def test_support_cases_are_data_like_their_communications() -> None:
    assert categories("support:DescribeCases") == categories("support:DescribeCommunications") == {"data"}
    # an unscoped data read (support cases have no resource type): IAM302
    found = _where(_policy(["support:DescribeCases"]))
    assert [(r, a) for r, _s, _l, a in found] == [("IAM302", ("support:DescribeCases",))]


def test_the_2026_credential_reads_are_kept() -> None:
    for action in ("cloudwatch:GetSpaceCredentials", "cloudwatch:GetSpaceCredentialsForOrganization"):
        assert categories(action) == {"credentials"}, action
    assert {"credentials", "config-secrets"} <= sensitive_actions()["amplify:listapps"]
