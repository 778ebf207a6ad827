"""Loader and evaluator behaviour that Terraform cannot show: unknowns, cycles, provenance."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.terraform import (
    TerraformError,
    TfStr,
    Unknown,
    find_policy_values,
    find_root_modules,
    load_module,
)

MAIN = '''variable "env" {
  type    = string
  default = "prod"
}
variable "required" {
  type = string
}
variable "prec" {
  type    = string
  default = "default"
}
locals {
  name  = "svc-${var.env}"
  arn   = aws_iam_role.audit.arn
  rname = aws_iam_role.audit.name
  both  = [local.arn, "x"]
  eq    = local.arn == "x"
  orr   = true || local.arn == "x"
  cond  = local.arn == "x" ? "a" : "b"
  cyc_a = local.cyc_b
  cyc_b = local.cyc_a
  uses  = local.cyc_a
  doc   = data.aws_iam_policy_document.ro.json
  fn    = provider::aws::arn_parse("x")
  heredoc = <<EOT
first ${var.env}
EOT
}
resource "aws_iam_role" "audit" {
  name = "audit"
}
resource "aws_iam_role_policy" "inline" {
  for_each = { queue = "sqs:ReceiveMessage", topic = "sns:GetTopicAttributes" }
  role     = aws_iam_role.audit.name
  policy   = jsonencode({ Statement = [{ Effect = "Allow", Action = each.value, Resource = "*" }] })
}
resource "aws_iam_policy" "none" {
  count  = 0
  policy = "{}"
}
data "aws_iam_policy_document" "ro" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::${var.env}/*"]
  }
  dynamic "statement" {
    for_each = ["a", "b"]
    content {
      sid     = "S${statement.key}"
      actions = ["s3:${statement.value}"]
    }
  }
}
'''


@pytest.fixture
def module_dir(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(MAIN, encoding="utf-8")
    (tmp_path / "terraform.tfvars").write_text('prec = "tfvars"\n', encoding="utf-8")
    (tmp_path / "a.auto.tfvars").write_text('prec = "a.auto"\n', encoding="utf-8")
    (tmp_path / "z.auto.tfvars").write_text('prec = "z.auto"\n', encoding="utf-8")
    return tmp_path


def test_variable_without_value_is_unknown(module_dir: Path) -> None:
    m = load_module(module_dir, env={})
    value = m.variables["required"]
    assert isinstance(value, Unknown)
    assert value.reason == "variable required has no value: set it with --var or a tfvars file"
    assert value.origin is not None and value.origin.line == 5


def test_precedence(module_dir: Path, tmp_path: Path) -> None:
    assert load_module(module_dir, env={"TF_VAR_prec": "env"}).variables["prec"] == "z.auto"
    extra = tmp_path / "extra.tfvars"
    extra.write_text('prec = "file"\n', encoding="utf-8")
    m = load_module(module_dir, env={}, var_files=[extra])
    assert m.variables["prec"] == "file"
    m = load_module(module_dir, env={}, var_files=[extra], vars=["prec=cli", "required=r"])
    assert m.variables["prec"] == "cli"
    assert m.variables["required"] == "r"
    (module_dir / "a.auto.tfvars").unlink()
    (module_dir / "z.auto.tfvars").unlink()
    (module_dir / "terraform.tfvars").unlink()
    assert load_module(module_dir, env={"TF_VAR_prec": "env"}).variables["prec"] == "env"


def test_provenance_of_tfvars_and_locals(module_dir: Path) -> None:
    m = load_module(module_dir, env={})
    prec = m.variables["prec"]
    assert isinstance(prec, TfStr) and prec.origin is not None
    assert (Path(prec.origin.file).name, prec.origin.line) == ("z.auto.tfvars", 1)
    env = m.variables["env"]
    assert isinstance(env, TfStr) and env.origin is not None and env.origin.line == 3
    name = m.local("name")
    assert isinstance(name, TfStr) and name.origin is not None and name.origin.line == 13
    heredoc = m.local("heredoc")
    assert heredoc == "first prod\n"
    assert isinstance(heredoc, TfStr) and heredoc.origin is not None and heredoc.origin.line == 26


def test_resource_attributes(module_dir: Path) -> None:
    m = load_module(module_dir, env={})
    assert m.local("rname") == "audit"
    arn = m.local("arn")
    assert isinstance(arn, Unknown)
    assert (arn.reason, arn.ref, arn.attribute) == (
        "aws_iam_role.audit.arn is known only after apply", "aws_iam_role.audit", "arn")


def test_unknown_propagation(module_dir: Path) -> None:
    m = load_module(module_dir, env={})
    both = m.local("both")
    assert isinstance(both, list) and isinstance(both[0], Unknown) and both[1] == "x"
    assert isinstance(m.local("eq"), Unknown)
    # unknown || true is unknown in Terraform too (no short circuit: `terraform plan` shows
    # (known after apply) for (timestamp() == "x") || true)
    assert isinstance(m.local("orr"), Unknown)
    cond = m.local("cond")
    assert isinstance(cond, Unknown)
    assert cond.reason == "the condition is not known: aws_iam_role.audit.arn is known only after apply"


def test_cycle_between_locals(module_dir: Path) -> None:
    m = load_module(module_dir, env={})
    with pytest.raises(TerraformError) as err:
        m.local("uses")
    assert err.value.message == "Cycle in local values: local.cyc_a -> local.cyc_b -> local.cyc_a"


def test_data_source_reference_and_hook(module_dir: Path) -> None:
    m = load_module(module_dir, env={})
    doc = m.local("doc")
    assert isinstance(doc, Unknown)
    assert (doc.ref, doc.attribute) == ("data.aws_iam_policy_document.ro", "json")
    m2 = load_module(module_dir, env={})
    m2.resolve_reference = lambda address, attr, origin: "{}" if attr == "json" else None
    assert m2.local("doc") == "{}"


def test_unsupported_function_is_unknown(module_dir: Path) -> None:
    m = load_module(module_dir, env={})
    fn = m.local("fn")
    assert isinstance(fn, Unknown)
    assert fn.reason == "provider function provider::aws::arn_parse is not supported"


def test_policy_values(module_dir: Path) -> None:
    m = load_module(module_dir, env={})
    found = {(p.address, p.attribute): p for p in find_policy_values(m)}
    assert sorted(found) == [
        ("aws_iam_policy.none", "policy"),
        ('aws_iam_role_policy.inline["queue"]', "policy"),
        ('aws_iam_role_policy.inline["topic"]', "policy"),
        ("data.aws_iam_policy_document.ro", "json"),
    ]
    assert found[("aws_iam_policy.none", "policy")].skipped == "count = 0: no instance is created"
    queue = found[('aws_iam_role_policy.inline["queue"]', "policy")]
    assert queue.value == '{"Statement":[{"Action":"sqs:ReceiveMessage","Effect":"Allow","Resource":"*"}]}'
    assert queue.line == 35
    doc = found[("data.aws_iam_policy_document.ro", "json")].value
    assert doc == {
        "statement": [
            {"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::prod/*"]},
            {"sid": "S0", "actions": ["s3:a"]},
            {"sid": "S1", "actions": ["s3:b"]},
        ]
    }
    assert doc["statement"][0]["actions"][0].origin.line == 43


def test_deep_nesting_is_an_error_not_a_crash(tmp_path: Path) -> None:
    expr = "[" * 400 + "1" + "]" * 400
    (tmp_path / "main.tf").write_text(f"locals {{\n  deep = {expr}\n}}\n", encoding="utf-8")
    m = load_module(tmp_path, env={})
    with pytest.raises(TerraformError) as err:
        m.local("deep")
    assert err.value.message == "expression is nested too deeply (more than 120 levels); simplify it"


def test_long_chains_do_not_recurse(tmp_path: Path) -> None:
    lines = ["locals {", "  l0 = 0"] + [f"  l{i} = local.l{i - 1} + 1" for i in range(1, 1500)] + ["}"]
    (tmp_path / "main.tf").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert load_module(tmp_path, env={}).local("l1499") == 1499


def test_tf_json_module(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text(
        '{\n "variable": {"env": {"default": "dev"}},\n'
        ' "locals": {"arn": "arn:aws:s3:::${var.env}/$${aws:username}"},\n'
        ' "output": {"o": {"value": "${local.arn}"}}\n}\n',
        encoding="utf-8",
    )
    m = load_module(tmp_path, env={})
    arn = m.output("o")
    assert arn == "arn:aws:s3:::dev/${aws:username}"
    assert isinstance(arn, TfStr) and arn.origin is not None and arn.origin.line == 3


def test_find_root_modules(tmp_path: Path) -> None:
    (tmp_path / "live" / "a").mkdir(parents=True)
    (tmp_path / "modules" / "iam").mkdir(parents=True)
    (tmp_path / "live" / "a" / "main.tf").write_text(
        'module "iam" {\n  source = "../../modules/iam"\n}\n', encoding="utf-8")
    (tmp_path / "modules" / "iam" / "main.tf").write_text('output "x" { value = 1 }\n', encoding="utf-8")
    assert find_root_modules(tmp_path) == [(tmp_path / "live" / "a").resolve()]


def test_child_module_outputs(tmp_path: Path) -> None:
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "main.tf").write_text(
        'variable "name" {\n  type = string\n}\noutput "arn" {\n  value = "arn:aws:iam::1:role/${var.name}"\n}\n',
        encoding="utf-8")
    (tmp_path / "main.tf").write_text(
        'module "ops" {\n  source = "./mod"\n  name   = "ops"\n}\nlocals {\n  x = module.ops.arn\n}\n',
        encoding="utf-8")
    m = load_module(tmp_path, env={})
    assert m.local("x") == "arn:aws:iam::1:role/ops"


def test_opentofu_files_are_an_error_never_a_silent_difference(tmp_path: Path) -> None:
    """OpenTofu reads main.tofu instead of main.tf; Terraform ignores it. The gate judges what
    Terraform reads and says that the .tofu file is not judged (red team: an iam:* grant in a .tofu
    file passed)."""
    from checker.api import check
    from checker.settings import Settings

    policy = ('resource "aws_iam_role_policy" "p" {{\n  role = "r"\n  policy = jsonencode({{Version = "2012-10-17", '
              'Statement = [{{Effect = "Allow", Action = "{action}", Resource = "{resource}"}}]}})\n}}\n')
    (tmp_path / "main.tf").write_text(policy.format(action="s3:GetObject", resource="arn:aws:s3:::b/*"))
    (tmp_path / "main.tofu").write_text(policy.format(action="iam:*", resource="*"))
    (tmp_path / "extra.tofu.json").write_text("{}")
    report = check([tmp_path], Settings())
    found = [(f.rule_id, Path(f.file).name, f.line) for f in report.findings]
    assert found == [("IAM001", "extra.tofu.json", 1), ("IAM001", "main.tofu", 1)]
    assert "read by OpenTofu" in report.findings[1].message
    assert not report.passed
