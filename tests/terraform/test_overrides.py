"""Override files (``override.tf``, ``*_override.tf``, ``.tf.json`` forms) merged as Terraform merges them.

Each case is a module folder whose ``out`` output shows the merged configuration; ``ANSWERS`` holds
Terraform's own value of it (terraform 1.11.4, hashicorp/aws 5.100.0: ``terraform plan`` of a root
that calls every case, outputs read from ``terraform show -json``), and ``ERROR_ANSWERS`` the
summary of the error ``terraform validate`` gives. The tests compare our loader to the recorded
answers (no terraform needed); ``test_answers_are_terraforms`` re-computes them when terraform and
the provider mirror are installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from checker.api import check
from checker.settings import Settings
from checker.terraform.iam import Walker
from checker.terraform.loader import load_module
from checker.terraform.overrides import is_override_file

TERRAFORM = shutil.which("terraform")
PLUGIN_MIRROR = Path(os.environ.get("CHECK_PERMISSIONS_TF_PLUGINS", "/opt/tf-plugins"))

READ = '{ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] }'

DOC = '''data "aws_iam_policy_document" "d" {
  policy_id = "base"
  statement {
    sid       = "A"
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
  dynamic "statement" {
    for_each = ["x"]
    content {
      sid       = "Dyn"
      actions   = ["s3:ListBucket"]
      resources = ["*"]
    }
  }
}

output "out" {
  value = jsondecode(data.aws_iam_policy_document.d.json)
}
'''

CASES: dict[str, dict[str, str]] = {
    # a variable's default replaced: no duplicate declaration, the override's value wins
    "variable_default": {
        "main.tf": 'variable "write" {\n  type    = bool\n  default = false\n}\n\n'
                   'output "out" {\n  value = var.write ? "s3:PutObject" : "s3:GetObject"\n}\n',
        "override.tf": 'variable "write" {\n  default = true\n}\n',
    },
    # the override's type converts the primary's default
    "variable_type": {
        "main.tf": 'variable "n" {\n  default = "5"\n}\n\noutput "out" {\n  value = var.n\n}\n',
        "override.tf": 'variable "n" {\n  type = number\n}\n',
    },
    # override files apply in lexical order: the last wins
    "variable_order": {
        "main.tf": 'variable "v" {\n  default = "main"\n}\n\noutput "out" {\n  value = var.v\n}\n',
        "a_override.tf": 'variable "v" {\n  default = "a"\n}\n',
        "b_override.tf.json": '{"variable": {"v": {"default": "b"}}}\n',
    },
    # locals merged value by value, whichever locals block holds them
    "locals": {
        "main.tf": 'locals {\n  a = "x"\n  b = "y"\n}\n\nlocals {\n  c = "w"\n}\n\n'
                   'output "out" {\n  value = [local.a, local.b, local.c]\n}\n',
        "override.tf": 'locals {\n  a = "z"\n  c = "v"\n}\n',
    },
    # a module call's source replaced
    "module_source": {
        "main.tf": 'module "m" {\n  source = "./read"\n}\n\noutput "out" {\n  value = module.m.action\n}\n',
        "override.tf": 'module "m" {\n  source = "./write"\n}\n',
        "read/main.tf": 'output "action" {\n  value = "s3:GetObject"\n}\n',
        "write/main.tf": 'output "action" {\n  value = "s3:PutObject"\n}\n',
    },
    # nested blocks of a type replaced as a whole, dynamic ones of that type too
    "nested_static": {
        "main.tf": DOC,
        "override.tf": 'data "aws_iam_policy_document" "d" {\n  statement {\n    sid       = "B"\n'
                       '    actions   = ["s3:PutObject"]\n    resources = ["*"]\n  }\n}\n',
    },
    "nested_dynamic": {
        "main.tf": DOC,
        "override.tf": 'data "aws_iam_policy_document" "d" {\n  dynamic "statement" {\n    for_each = ["y"]\n'
                       '    content {\n      sid       = "Over"\n      actions   = ["s3:DeleteObject"]\n'
                       '      resources = ["*"]\n    }\n  }\n}\n',
    },
    # an argument replaced, nested blocks the override does not write are kept
    "nested_kept": {
        "main.tf": DOC,
        "override.tf": 'data "aws_iam_policy_document" "d" {\n  policy_id = "over"\n}\n',
    },
    # a resource's policy replaced by a JSON override file
    "resource_json": {
        "main.tf": 'resource "aws_iam_role_policy" "p" {\n  name   = "p"\n  role   = "r"\n'
                   f'  policy = jsonencode({READ})\n}}\n\n'
                   'output "out" {\n  value = jsondecode(aws_iam_role_policy.p.policy)\n}\n',
        "p_override.tf.json": json.dumps({"resource": {"aws_iam_role_policy": {"p": {
            "policy": '${jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", '
                      'Action = "s3:PutObject", Resource = "*"}]})}'}}}}, indent=2) + "\n",
    },
}

# Terraform's answers (terraform 1.11.4 plan; see the module docstring).
ANSWERS: dict[str, Any] = {
    "variable_default": "s3:PutObject",
    "variable_type": 5,
    "variable_order": "b",
    "locals": ["z", "y", "v"],
    "module_source": "s3:PutObject",
    "nested_static": {"Version": "2012-10-17", "Id": "base", "Statement": [
        {"Sid": "B", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]},
    "nested_dynamic": {"Version": "2012-10-17", "Id": "base", "Statement": [
        {"Sid": "Over", "Effect": "Allow", "Action": "s3:DeleteObject", "Resource": "*"}]},
    "nested_kept": {"Version": "2012-10-17", "Id": "over", "Statement": [
        {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Sid": "Dyn", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]},
    "resource_json": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]},
}

ERROR_CASES: dict[str, dict[str, str]] = {
    "missing_variable": {
        "main.tf": 'output "out" {\n  value = "x"\n}\n',
        "override.tf": 'variable "nope" {\n  default = 1\n}\n',
    },
    "missing_local": {
        "main.tf": 'locals {\n  a = 1\n}\n',
        "override.tf": 'locals {\n  b = 2\n}\n',
    },
    "missing_resource": {
        "main.tf": 'output "out" {\n  value = "x"\n}\n',
        "x_override.tf": 'resource "aws_iam_policy" "p" {\n  policy = "{}"\n}\n',
    },
    "missing_module": {
        "main.tf": 'output "out" {\n  value = "x"\n}\n',
        "override.tf.json": '{"module": {"m": {"source": "./x"}}}\n',
    },
    "missing_provider_alias": {
        "main.tf": 'provider "aws" {\n  region = "us-east-1"\n}\n',
        "override.tf": 'provider "aws" {\n  alias  = "west"\n  region = "us-west-2"\n}\n',
    },
    "moved_in_override": {
        "main.tf": 'resource "terraform_data" "a" {}\n',
        "override.tf": 'moved {\n  from = terraform_data.b\n  to   = terraform_data.a\n}\n',
    },
    "import_in_override": {
        "main.tf": 'resource "terraform_data" "a" {}\n',
        "override.tf": 'import {\n  to = terraform_data.a\n  id = "x"\n}\n',
    },
    "check_in_override": {
        "main.tf": 'resource "terraform_data" "a" {}\n',
        "override.tf": 'check "c" {\n  assert {\n    condition     = true\n    error_message = "x"\n  }\n}\n',
    },
}

# The summary of the error terraform validate reports, and the file and line it names.
ERROR_ANSWERS: dict[str, tuple[str, str, int]] = {
    "missing_variable": ("Missing base variable declaration to override", "override.tf", 1),
    "missing_local": ("Missing base local value definition to override", "override.tf", 2),
    "missing_resource": ("Missing resource to override", "x_override.tf", 1),
    "missing_module": ("Missing module call to override", "override.tf.json", 1),
    "missing_provider_alias": ("Missing base provider configuration for override", "override.tf", 1),
    "moved_in_override": ("Cannot override 'moved' blocks", "override.tf", 1),
    "import_in_override": ("Cannot override 'import' blocks", "override.tf", 1),
    "check_in_override": ("Can't override check blocks", "override.tf", 1),
}


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


def _ours(folder: Path) -> Any:
    module = load_module(folder, env={}, workspace="default")
    Walker(module)  # resolves data.aws_iam_policy_document.*.json
    assert [d for d in module.diagnostics if d.severity == "error"] == []
    return json.loads(json.dumps(module.output("out")))


@pytest.mark.parametrize("name", sorted(CASES))
def test_merged_as_terraform_merges(name: str, tmp_path: Path) -> None:
    _write(tmp_path, CASES[name])
    assert _ours(tmp_path) == ANSWERS[name]


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_an_override_of_nothing_is_terraforms_error(name: str, tmp_path: Path) -> None:
    _write(tmp_path, ERROR_CASES[name])
    module = load_module(tmp_path, env={}, workspace="default")
    summary, file, line = ERROR_ANSWERS[name]
    found = [(d.message.split(":")[0], Path(d.file).name, d.line) for d in module.diagnostics if d.severity == "error"]
    assert found == [(summary, file, line)]


def test_override_file_names() -> None:
    names = ["override.tf", "override.tf.json", "a_override.tf", "x_override.tf.json", "overrides.tf",
             "my-override.tf", "override.tfvars", "main.tf", "_override.tf"]
    assert [n for n in names if is_override_file(Path(n))] == [
        "override.tf", "override.tf.json", "a_override.tf", "x_override.tf.json", "_override.tf"]


# -- the gate: what an override writes is judged, and found where the override writes it ----------

WRITE_OVERRIDE = '''resource "aws_iam_role_policy" "p" {
  name = "p"
  role = "r"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:PutObject", Resource = "*" }]
  })
}
'''


def test_an_override_that_replaces_a_policy_is_judged_there(tmp_path: Path) -> None:
    _write(tmp_path, {
        "main.tf": f'resource "aws_iam_role_policy" "p" {{\n  name   = "p"\n  role   = "r"\n'
                   f'  policy = jsonencode({READ})\n}}\n',
        "override.tf": WRITE_OVERRIDE,
    })
    report = check([tmp_path], Settings())
    found = [(f.rule_id, Path(f.file).name, f.line, f.address, f.actions) for f in report.findings]
    assert found == [("IAM101", "override.tf", 6, "aws_iam_role_policy.p", ("s3:PutObject",))]


def test_an_override_that_replaces_a_module_source_is_judged(tmp_path: Path) -> None:
    _write(tmp_path, {
        "main.tf": 'module "m" {\n  source = "./read"\n  action = "s3:PutObject"\n}\n',
        "override.tf": 'module "m" {\n  source = "./write"\n}\n',
        "read/main.tf": 'variable "action" {}\n',
        "write/main.tf": 'variable "action" {}\n\n' + WRITE_OVERRIDE.replace('"s3:PutObject"', "var.action"),
    })
    report = check([tmp_path], Settings())
    assert [(f.rule_id, Path(f.file).relative_to(tmp_path).as_posix(), f.line, f.address, f.actions)
            for f in report.findings] == [
        ("IAM101", "main.tf", 3, "module.m.aws_iam_role_policy.p", ("s3:PutObject",))]


def test_a_variable_default_override_is_no_duplicate_and_turns_the_write_on(tmp_path: Path) -> None:
    _write(tmp_path, {
        "main.tf": 'variable "write" {\n  type    = bool\n  default = false\n}\n\n'
                   'resource "aws_iam_role_policy" "p" {\n  name = "p"\n  role = "r"\n'
                   '  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",\n'
                   '    Action = var.write ? "s3:PutObject" : "s3:GetObject", Resource = "*" }] })\n}\n',
        "override.tf": 'variable "write" {\n  default = true\n}\n',
    })
    report = check([tmp_path], Settings())
    assert [(f.rule_id, Path(f.file).name, f.line, f.actions) for f in report.findings] == [
        ("IAM101", "main.tf", 10, ("s3:PutObject",))]
    assert list(report.load.errors) == []


# -- Terraform's own answers ------------------------------------------------------------------------

PROVIDER = '''provider "aws" {
  region                      = "us-east-1"
  access_key                  = "x"
  secret_key                  = "x"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}
'''

needs_terraform = pytest.mark.skipif(
    TERRAFORM is None or not (PLUGIN_MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir(),
    reason="terraform or the local AWS provider mirror is not installed")


def _tf(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    assert TERRAFORM is not None
    rc = cwd / ".terraformrc"
    rc.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{PLUGIN_MIRROR}"\n  }}\n}}\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_VAR_", "TF_WORKSPACE"))}
    env.update({"TF_CLI_CONFIG_FILE": str(rc), "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "NO_COLOR": "1"})
    return subprocess.run([TERRAFORM, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def terraform_answers(work: Path) -> dict[str, Any]:
    """Terraform's value of every case's ``out``: one root calls each case folder as a module."""
    calls = "".join(f'module "{n}" {{\n  source = "./{n}"\n}}\n\noutput "{n}" {{\n  value = module.{n}.out\n}}\n\n'
                    for n in sorted(CASES))
    _write(work, {"main.tf": PROVIDER + "\n" + calls})
    for name, files in CASES.items():
        _write(work / name, files)
    init = _tf(["init", "-backend=false", "-input=false"], work)
    assert init.returncode == 0, init.stdout + init.stderr
    plan = _tf(["plan", "-input=false", "-out=plan.bin"], work)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    shown = _tf(["show", "-json", "plan.bin"], work)
    outputs = json.loads(shown.stdout)["planned_values"]["outputs"]
    return {name: json.loads(json.dumps(outputs[name]["value"])) for name in CASES}


def terraform_errors(work: Path) -> dict[str, tuple[str, str, int]]:
    """The first error ``terraform init`` reports for each error case (init loads the configuration
    first, as validate does): its summary, file and line."""
    out: dict[str, tuple[str, str, int]] = {}
    for name, files in ERROR_CASES.items():
        folder = work / name
        _write(folder, files)
        init = _tf(["init", "-backend=false", "-input=false", "-no-color"], folder)
        found = re.search(r"^Error: (?!Terraform encountered)(.+)\n\n  on (\S+) line (\d+)", init.stderr, re.M)
        assert found is not None, init.stdout + init.stderr
        out[name] = (found.group(1).strip(), found.group(2), int(found.group(3)))
    return out


@needs_terraform
def test_answers_are_terraforms(tmp_path: Path) -> None:
    assert terraform_answers(tmp_path / "cases") == ANSWERS
    assert terraform_errors(tmp_path / "errors") == ERROR_ANSWERS
