"""Which folders are judged as root modules, terraform.workspace, and trusting modules.json.

Terraform's answers these tests rely on (terraform 1.11.4):
- ``terraform plan`` in a module folder applies it as a root with its own ``terraform.tfvars`` and
  defaults, whoever else calls it; ``terraform -chdir=examples/basic plan`` applies the example
  with the inputs it passes. Both are real configurations a user can apply.
- ``terraform.workspace`` is the selected workspace, which is state of one working directory
  (``.terraform/environment``) or ``TF_WORKSPACE``: the code alone does not fix it.
- ``terraform init`` re-installs a module whose ``modules.json`` record does not match the module
  block's source or version (``test_init_reinstalls_a_stale_record`` re-checks it when terraform
  is installed): the installed folder is then not what would be applied.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from checker.api import check
from checker.settings import Settings
from checker.terraform.loader import find_root_modules
from checker.terraform.modsdir import ModuleRecord, normalize_source, record_mismatch, version_meets

TERRAFORM = shutil.which("terraform")


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


def _found(report: object, root: Path) -> list[tuple[str, str, int, str, tuple[str, ...]]]:
    return [(f.rule_id, Path(f.file).resolve().relative_to(root.resolve()).as_posix(), f.line, f.address, f.actions)
            for f in report.findings]  # type: ignore[attr-defined]


# -- roots -------------------------------------------------------------------------------------------

MODULE = '''variable "write" {
  type    = bool
  default = true
}

resource "aws_iam_role_policy" "p" {
  name = "p"
  role = "r"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = var.write ? "s3:PutObject" : "cloudwatch:GetMetricData", Resource = "*" }]
  })
}
'''

EXAMPLE = 'module "this" {\n  source = "../.."\n  write  = false\n}\n'


def test_a_module_named_on_the_command_line_is_a_root_with_its_own_defaults(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf": MODULE, "examples/basic/main.tf": EXAMPLE})
    report = check([tmp_path], Settings())
    # the module applied as a root: the write is on by default; the example turns it off and passes
    assert _found(report, tmp_path) == [("IAM101", "main.tf", 11, "aws_iam_role_policy.p", ("s3:PutObject",))]
    assert find_root_modules(tmp_path) == [tmp_path.resolve(), (tmp_path / "examples/basic").resolve()]


def test_the_example_caller_is_judged_as_its_own_root(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf": MODULE.replace("default = true", "default = false"),
                      "examples/basic/main.tf": EXAMPLE.replace("false", "true")})
    report = check([tmp_path], Settings())
    assert _found(report, tmp_path) == [
        ("IAM101", "main.tf", 11, "module.this.aws_iam_role_policy.p", ("s3:PutObject",))]


def test_a_module_folder_with_its_own_tfvars_is_a_root(tmp_path: Path) -> None:
    _write(tmp_path, {"modules/x/main.tf": MODULE.replace("default = true", "default = false"),
                      "modules/x/terraform.tfvars": "write = true\n",
                      "envs/prod/main.tf": 'module "x" {\n  source = "../../modules/x"\n}\n'})
    assert find_root_modules(tmp_path) == [(tmp_path / "envs/prod").resolve(), (tmp_path / "modules/x").resolve()]
    report = check([tmp_path], Settings())
    assert _found(report, tmp_path) == [
        ("IAM101", "modules/x/main.tf", 11, "aws_iam_role_policy.p", ("s3:PutObject",))]


@pytest.mark.parametrize("files", [
    {"modules/x/backend.tf": 'terraform {\n  backend "s3" {}\n}\n'},
    {"modules/x/provider.tf": 'provider "aws" {\n  region = "us-east-1"\n}\n'},
    {"modules/x/dev.auto.tfvars.json": '{"write": false}\n'},
    {"modules/x/terraform.tfvars.json": '{"write": false}\n'},
], ids=["backend", "provider", "auto-tfvars-json", "tfvars-json"])
def test_root_configuration_makes_a_called_folder_a_root(tmp_path: Path, files: dict[str, str]) -> None:
    _write(tmp_path, {"modules/x/main.tf": MODULE, **files,
                      "envs/prod/main.tf": 'module "x" {\n  source = "../../modules/x"\n}\n'})
    assert find_root_modules(tmp_path) == [(tmp_path / "envs/prod").resolve(), (tmp_path / "modules/x").resolve()]


def test_a_module_only_callers_use_is_judged_through_them(tmp_path: Path) -> None:
    _write(tmp_path, {"modules/x/main.tf": MODULE,
                      "envs/prod/main.tf": 'module "x" {\n  source = "../../modules/x"\n  write  = false\n}\n'})
    assert find_root_modules(tmp_path) == [(tmp_path / "envs/prod").resolve()]
    report = check([tmp_path], Settings())
    assert _found(report, tmp_path) == []


def test_naming_the_called_folder_makes_it_a_root(tmp_path: Path) -> None:
    _write(tmp_path, {"modules/x/main.tf": MODULE,
                      "envs/prod/main.tf": 'module "x" {\n  source = "../../modules/x"\n  write  = false\n}\n'})
    report = check([tmp_path / "modules/x"], Settings())
    assert _found(report, tmp_path) == [
        ("IAM101", "modules/x/main.tf", 11, "aws_iam_role_policy.p", ("s3:PutObject",))]


# -- terraform.workspace -------------------------------------------------------------------------------

WORKSPACE = '''resource "aws_iam_role_policy" "p" {
  name = "p"
  role = "r"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Resource = "*",
                   Action = terraform.workspace == "prod" ? "cloudwatch:GetMetricData" : "s3:PutObject" }]
  })
}
'''


def test_an_unnamed_workspace_is_not_known(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TF_WORKSPACE", raising=False)
    _write(tmp_path, {"main.tf": WORKSPACE})
    report = check([tmp_path], Settings())
    found = [(f.rule_id, f.line) for f in report.findings]
    assert found == [("IAM002", 7)]
    assert "the workspace is not known" in report.findings[0].message


def test_the_workspace_named_with_the_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TF_WORKSPACE", raising=False)
    _write(tmp_path, {"main.tf": WORKSPACE})
    assert _found(check([tmp_path], Settings(workspace="prod")), tmp_path) == []
    assert _found(check([tmp_path], Settings(workspace="dev")), tmp_path) == [
        ("IAM101", "main.tf", 7, "aws_iam_role_policy.p", ("s3:PutObject",))]


def test_the_workspace_named_by_tf_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"main.tf": WORKSPACE})
    monkeypatch.setenv("TF_WORKSPACE", "prod")
    assert _found(check([tmp_path], Settings()), tmp_path) == []
    monkeypatch.setenv("TF_WORKSPACE", "staging")
    assert [f.rule_id for f in check([tmp_path], Settings()).findings] == ["IAM101"]


# terraform console's value of local.action in each workspace (TF_WORKSPACE names it; recorded
# with terraform 1.11.4, re-checked by test_workspace_answers_are_terraforms)
WORKSPACE_LOCAL = 'locals {\n  action = terraform.workspace == "prod" ? "cloudwatch:GetMetricData" : "s3:PutObject"\n}\n'
WORKSPACE_ANSWERS = {"default": "s3:PutObject", "prod": "cloudwatch:GetMetricData"}


def test_workspace_values_are_terraforms(tmp_path: Path) -> None:
    from checker.terraform.loader import load_module
    from checker.terraform.values import Unknown

    _write(tmp_path, {"main.tf": WORKSPACE_LOCAL})
    for workspace, answer in WORKSPACE_ANSWERS.items():
        assert load_module(tmp_path, env={}, workspace=workspace).local("action") == answer
    unknown = load_module(tmp_path, env={}).local("action")
    assert isinstance(unknown, Unknown) and "the workspace is not known" in unknown.reason


@pytest.mark.skipif(TERRAFORM is None, reason="terraform is not installed")
def test_workspace_answers_are_terraforms(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf": WORKSPACE_LOCAL})
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    env.update({"CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"})
    assert TERRAFORM is not None

    def tf(*args: str, stdin: str | None = None, **extra: str) -> str:
        done = subprocess.run([TERRAFORM, *args], cwd=tmp_path, env={**env, **extra}, input=stdin,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    tf("init", "-input=false")
    tf("workspace", "new", "prod")
    tf("workspace", "select", "default")
    got = {ws: json.loads(tf("console", stdin="local.action\n", TF_WORKSPACE=ws)) for ws in WORKSPACE_ANSWERS}
    assert got == WORKSPACE_ANSWERS


def test_the_workspace_option_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from checker.cli.app import app

    monkeypatch.delenv("TF_WORKSPACE", raising=False)
    _write(tmp_path, {"main.tf": WORKSPACE})
    runner = CliRunner()
    assert runner.invoke(app, ["check", str(tmp_path), "--no-config", "--workspace", "prod"]).exit_code == 0
    assert runner.invoke(app, ["check", str(tmp_path), "--no-config", "--workspace", "dev"]).exit_code == 1


# -- modules.json ----------------------------------------------------------------------------------------

OPS = '''variable "action" {}

resource "aws_iam_role_policy" "p" {
  name = "p"
  role = "r"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = var.action, Resource = "*" }]
  })
}
'''


def _installed(root: Path, source: str, version: str | None) -> None:
    _write(root, {".terraform/modules/ops/main.tf": OPS})
    record = {"Key": "ops", "Source": source, "Dir": ".terraform/modules/ops"}
    if version is not None:
        record["Version"] = version
    _write(root, {".terraform/modules/modules.json": json.dumps(
        {"Modules": [{"Key": "", "Source": "", "Dir": "."}, record]})})


CALL = 'module "ops" {\n  source  = "acme/ops/aws"\n  version = "~> 1.2"\n  action  = "s3:PutObject"\n}\n'


@pytest.mark.parametrize(("source", "version"), [
    ("registry.terraform.io/acme/ops/aws", "1.4.0"),  # as terraform init records it
    ("acme/ops/aws", "1.2.0"),
])
def test_a_matching_record_is_trusted(tmp_path: Path, source: str, version: str) -> None:
    _installed(tmp_path, source, version)
    _write(tmp_path, {"main.tf": CALL})
    assert _found(check([tmp_path], Settings()), tmp_path) == [
        ("IAM101", "main.tf", 4, "module.ops.aws_iam_role_policy.p", ("s3:PutObject",))]


@pytest.mark.parametrize(("source", "version", "reason"), [
    ("registry.terraform.io/acme/other/aws", "1.4.0",
     "modules.json records source registry.terraform.io/acme/other/aws, the module block says acme/ops/aws: run "
     "terraform init"),
    ("registry.terraform.io/acme/ops/aws", "2.0.0",
     "modules.json records version 2.0.0 of acme/ops/aws, the module block asks for ~> 1.2: run terraform init"),
    ("registry.terraform.io/acme/ops/aws", None,
     "modules.json records no version of acme/ops/aws, the module block asks for ~> 1.2: run terraform init"),
    ("git::https://example.com/ops.git", "1.4.0",
     "modules.json records source git::https://example.com/ops.git, the module block says acme/ops/aws: run "
     "terraform init"),
])
def test_a_stale_record_leaves_the_module_unresolved(tmp_path: Path, source: str, version: str | None,
                                                    reason: str) -> None:
    _installed(tmp_path, source, version)
    _write(tmp_path, {"main.tf": CALL})
    report = check([tmp_path], Settings())
    assert [(f.rule_id, f.line, f.address) for f in report.findings] == [("IAM004", 1, "module.ops")]
    assert report.findings[0].message.endswith(f"module.ops: {reason}")


@pytest.mark.parametrize(("written", "recorded"), [
    ("acme/ops/aws", "registry.terraform.io/acme/ops/aws"),
    ("app.terraform.io/acme/ops/aws", "app.terraform.io/acme/ops/aws"),
    ("acme/ops/aws//modules/role", "registry.terraform.io/acme/ops/aws//modules/role"),
    ("github.com/acme/ops", "git::https://github.com/acme/ops.git"),
    ("github.com/acme/ops?ref=v1.0.0", "git::https://github.com/acme/ops.git?ref=v1.0.0"),
    ("github.com/acme/ops//role?ref=v1", "git::https://github.com/acme/ops.git//role?ref=v1"),
    ("git@github.com:acme/ops.git", "git::ssh://git@github.com/acme/ops.git"),
    ("git::https://example.com/ops.git?ref=v2", "git::https://example.com/ops.git?ref=v2"),
    ("git::https://example.com/ops.git//sub?ref=v2", "git::https://example.com/ops.git//sub?ref=v2"),
    ("./local", "./local"),
])
def test_source_normalisation(written: str, recorded: str) -> None:
    assert normalize_source(written) == recorded


@pytest.mark.parametrize(("version", "constraint", "meets"), [
    ("1.2.0", "~> 1.2", True), ("1.9.3", "~> 1.2", True), ("2.0.0", "~> 1.2", False),
    ("1.2.9", "~> 1.2.3", True), ("1.3.0", "~> 1.2.3", False), ("1.2.2", "~> 1.2.3", False),
    ("7.0.0", "~> 1", True), ("1.0.0", "1.0.0", True), ("1.0.1", "= 1.0.0", False),
    ("1.5.0", ">= 1.2, < 2.0", True), ("2.0.0", ">= 1.2, < 2.0", False), ("1.0.0", "!= 1.0.0", False),
    ("1.3.0-beta1", ">= 1.0", False), ("1.3.0-beta1", "1.3.0-beta1", True), ("x", "1.0", None),
])
def test_version_constraints(version: str, constraint: str, meets: bool | None) -> None:
    assert version_meets(version, constraint) is meets


def test_a_record_without_version_constraint_is_trusted_on_its_source() -> None:
    record = ModuleRecord("ops", Path("."), "registry.terraform.io/acme/ops/aws", "3.0.0")
    assert record_mismatch(record, "acme/ops/aws", None) is None


@pytest.mark.skipif(TERRAFORM is None, reason="terraform is not installed")
def test_init_reinstalls_a_stale_record(tmp_path: Path) -> None:
    """Terraform's answer: a record whose source differs from the block is not kept by init."""
    _write(tmp_path, {"main.tf": 'module "ops" {\n  source = "./b"\n}\n', "a/main.tf": "", "b/main.tf": ""})
    _write(tmp_path, {".terraform/modules/modules.json": json.dumps(
        {"Modules": [{"Key": "", "Source": "", "Dir": "."}, {"Key": "ops", "Source": "./a", "Dir": "a"}]})})
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    env.update({"CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"})
    assert TERRAFORM is not None
    done = subprocess.run([TERRAFORM, "init", "-backend=false", "-input=false"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    records = json.loads((tmp_path / ".terraform/modules/modules.json").read_text())["Modules"]
    assert {r["Key"]: (r["Source"], r["Dir"]) for r in records}["ops"] == ("./b", "b")
