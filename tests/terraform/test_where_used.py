"""Judging what will exist, and modules that terraform init fetched.

- A policy document is judged where it is used, with the principal it attaches to, and on its own only
  when nothing in the module uses it. Used only by instances that do not exist (``count = 0``, an empty
  ``for_each``, a module call with ``count = 0``) it is skipped, with the reason; used by an instance
  whose count is not known it is still judged (fail closed). Rendered once per using instance, it gives
  one finding per rule and statement.
- Registry and Git modules that ``terraform init`` fetched into ``.terraform/modules`` are evaluated like
  local ones: their outputs feed the caller (``count = module.this.enabled ? 1 : 0``), nested ones and
  ``count``/``for_each`` calls included. tests/fixtures/registry is a vendor-like module on Cloud Posse's
  label module (a small reimplementation of its enabled/id/tags/context) and a Git module; what terraform
  1.11 plans for it is recorded in tests/terraform/fixtures/oracle_registry_plan.json (re-recorded with
  ``CHECK_PERMISSIONS_TF_ORACLE=refresh`` where terraform and the AWS provider mirror are).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest
from tforacle import ENV_VAR, terraform_eval

from checker.api import check
from checker.model import SkippedItem
from checker.report import Report
from checker.settings import Settings

HERE = Path(__file__).parent
REGISTRY = HERE.parent / "fixtures" / "registry"
PLAN_ORACLE = HERE / "fixtures" / "oracle_registry_plan.json"
EXPR_ORACLE = HERE / "fixtures" / "oracle_where_used.json"
PLUGIN_MIRROR = Path(os.environ.get("CHECK_PERMISSIONS_TF_PLUGINS", "/opt/tf-plugins"))

Found = list[tuple[str, str, int, str, tuple[str, ...]]]


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


def _check(root: Path, monkeypatch: pytest.MonkeyPatch, *vars: str, **settings: Any) -> Report:
    monkeypatch.chdir(root)
    return check([Path(".")], Settings(vars=tuple(vars), **settings))


def found(report: Report) -> Found:
    return sorted((f.rule_id, f.file, f.line, f.address, f.actions) for f in report.findings)


def skipped(report: Report) -> list[tuple[str, str, str]]:
    return sorted((s.file, s.address, s.reason) for s in report.load.skipped)


# A role any vendor module has, with a trust policy that passes the gate.
ROLE = '''
resource "aws_iam_role" "reader" {
  name = "reader"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "arn:aws:iam::111122223333:root" }
      Condition = { StringEquals = { "sts:ExternalId" = "cost-reader" } }
    }]
  })
}
'''  # 12 lines

# A feature the module leaves off by default: its document and the resource that uses it.
FEATURE = ROLE + '''
variable "enable_cur" {
  type    = bool
  default = false
}

data "aws_iam_policy_document" "cur" {
  statement {
    actions   = ["cur:DescribeReportDefinitions", "cur:PutReportDefinition"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "cur" {
  count  = var.enable_cur ? 1 : 0
  role   = aws_iam_role.reader.id
  policy = data.aws_iam_policy_document.cur.json
}
'''
CUR_WRITE = 21  # the line of cur:PutReportDefinition
CUR_MODULE = 'variable "policy" {}\nresource "aws_iam_role_policy" "p" {\n  role   = "r"\n  policy = var.policy\n}\n'


# --- 1. a document used only by instances that do not exist ----------------------------------------


def test_disabled_feature_document_is_skipped_with_the_reason(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"main.tf": FEATURE})
    report = _check(tmp_path, monkeypatch)
    assert found(report) == []
    assert skipped(report) == [
        ("main.tf", "aws_iam_role_policy.cur", "count = 0: no instance is created"),
        ("main.tf", "data.aws_iam_policy_document.cur", "used only by aws_iam_role_policy.cur, which has count = 0"),
    ]
    assert [d.address for d in report.load.documents] == ["aws_iam_role.reader.assume_role_policy"]
    assert SkippedItem(file="main.tf", address="data.aws_iam_policy_document.cur",
                       reason="used only by aws_iam_role_policy.cur, which has count = 0") in report.load.skipped


def test_disabled_feature_is_shown_like_other_skipped_instances(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.reporters import get_reporter

    _write(tmp_path, {"main.tf": FEATURE})
    text = get_reporter("text")(_check(tmp_path, monkeypatch))
    assert ("skipped data.aws_iam_policy_document.cur: used only by aws_iam_role_policy.cur, which has count = 0"
            in text)


def test_the_same_feature_on_is_judged_with_its_principal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"main.tf": FEATURE})
    report = _check(tmp_path, monkeypatch, "enable_cur=true")
    assert found(report) == [
        ("IAM101", "main.tf", CUR_WRITE, "aws_iam_role_policy.cur[0]", ("cur:PutReportDefinition",))]
    assert skipped(report) == []
    role = next(p for p in report.load.principals if p.address == "aws_iam_role.reader")
    assert role.policies == (("main.tf", "aws_iam_role_policy.cur[0]"),)


@pytest.mark.parametrize(("user", "reason"), [
    ('''
     locals {
       cur_policy = { name = "cur", json = data.aws_iam_policy_document.cur.json }
     }
     resource "aws_iam_role_policy" "cur" {
       for_each = var.enable_cur ? toset(["cur"]) : toset([])
       role     = aws_iam_role.reader.id
       policy   = local.cur_policy.json
     }
     ''', "used only by aws_iam_role_policy.cur, whose for_each is empty"),
    ('''
     resource "aws_iam_policy" "cur" {
       count  = var.enable_cur ? 1 : 0
       policy = data.aws_iam_policy_document.cur.json
     }
     module "cur" {
       source = "./cur"
       count  = var.enable_cur ? 1 : 0
       policy = data.aws_iam_policy_document.cur.json
     }
     ''', "used only by aws_iam_policy.cur, which has count = 0; and by module.cur, which has count = 0"),
])
def test_other_uses_that_do_not_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, user: str,
                                      reason: str) -> None:
    """Through a local, by an empty for_each, by a customer-managed policy and a module call with count = 0."""
    doc = FEATURE[:FEATURE.index('resource "aws_iam_role_policy" "cur"')]
    _write(tmp_path, {"main.tf": doc + textwrap.dedent(user)})
    if 'module "cur"' in user:
        _write(tmp_path, {"cur/main.tf": CUR_MODULE})
    report = _check(tmp_path, monkeypatch)
    assert found(report) == []
    assert ("main.tf", "data.aws_iam_policy_document.cur", reason) in skipped(report)


def test_a_module_that_uses_the_document_is_judged_when_called(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    doc = FEATURE[:FEATURE.index('resource "aws_iam_role_policy" "cur"')]
    _write(tmp_path, {"main.tf": doc + 'module "cur" {\n  source = "./cur"\n  count  = var.enable_cur ? 1 : 0\n'
                                      "  policy = data.aws_iam_policy_document.cur.json\n}\n",
                      "cur/main.tf": CUR_MODULE})
    report = _check(tmp_path, monkeypatch, "enable_cur=true")
    assert found(report) == [
        ("IAM101", "main.tf", CUR_WRITE, "module.cur[0].aws_iam_role_policy.p", ("cur:PutReportDefinition",))]


def test_a_use_whose_count_is_not_known_keeps_the_document_judged(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"main.tf": FEATURE.replace("var.enable_cur ? 1 : 0", 'uuid() == "" ? 1 : 0')})
    report = _check(tmp_path, monkeypatch)
    assert found(report) == [
        ("IAM002", "main.tf", 26, "aws_iam_role_policy.cur", ()),
        ("IAM101", "main.tf", CUR_WRITE, "data.aws_iam_policy_document.cur", ("cur:PutReportDefinition",)),
    ]
    assert skipped(report) == []


def test_a_document_an_output_uses_is_judged_on_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"main.tf": FEATURE + 'output "cur" {\n  value = data.aws_iam_policy_document.cur.json\n}\n'})
    report = _check(tmp_path, monkeypatch)
    assert found(report) == [
        ("IAM101", "main.tf", CUR_WRITE, "data.aws_iam_policy_document.cur", ("cur:PutReportDefinition",))]


# --- 2. a document used twice, and one nothing uses ------------------------------------------------

TWICE = ROLE + '''
resource "aws_iam_role" "auditor" {
  name               = "auditor"
  assume_role_policy = aws_iam_role.reader.assume_role_policy
}

data "aws_iam_policy_document" "shared" {
  statement {
    actions   = ["cur:DescribeReportDefinitions", "cur:PutReportDefinition"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "reader" {
  role   = aws_iam_role.reader.id
  policy = data.aws_iam_policy_document.shared.json
}

resource "aws_iam_role_policy" "auditor" {
  for_each = toset(["a", "b"])
  role     = aws_iam_role.auditor.id
  policy   = data.aws_iam_policy_document.shared.json
}
'''


def test_a_document_used_twice_gives_one_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"main.tf": TWICE})
    report = _check(tmp_path, monkeypatch)
    assert found(report) == [
        ("IAM101", "main.tf", 21, 'aws_iam_role_policy.auditor["a"]', ("cur:PutReportDefinition",))]
    assert report.findings[0].message.endswith(
        '(also used by aws_iam_role_policy.auditor["b"], aws_iam_role_policy.reader)')
    # each role is still judged with its own policies
    policies = {p.address: p.policies for p in report.load.principals}
    assert policies == {"aws_iam_role.reader": (("main.tf", "aws_iam_role_policy.reader"),),
                        "aws_iam_role.auditor": (("main.tf", 'aws_iam_role_policy.auditor["a"]'),
                                                 ("main.tf", 'aws_iam_role_policy.auditor["b"]'))}


def test_a_grant_one_principal_denies_is_reported_for_the_other(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    deny = '''
resource "aws_iam_role_policy" "guard" {
  role   = aws_iam_role.reader.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Deny", Action = "cur:PutReportDefinition", Resource = "*" }]
  })
}
'''
    _write(tmp_path, {"main.tf": TWICE + deny})
    report = _check(tmp_path, monkeypatch)
    assert found(report) == [
        ("IAM101", "main.tf", 21, 'aws_iam_role_policy.auditor["a"]', ("cur:PutReportDefinition",))]
    assert report.findings[0].message.endswith('(also used by aws_iam_role_policy.auditor["b"])')


def test_a_module_called_five_times_gives_one_finding_per_statement(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The same text rendered at five addresses, an unresolved value among it: one finding per rule."""
    calls = "".join(f'module "m{i}" {{\n  source = "./m"\n}}\n' for i in range(5))
    _write(tmp_path, {"main.tf": calls, "m/main.tf": CUR_MODULE.replace(
        "var.policy", 'jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Resource = "*", '
        'Action = ["cur:PutReportDefinition", var.extra] }] })').replace('"policy" {}', '"extra" {}')})
    report = _check(tmp_path, monkeypatch)
    assert found(report) == [
        ("IAM002", "m/main.tf", 4, "module.m0.aws_iam_role_policy.p", ()),
        ("IAM101", "m/main.tf", 4, "module.m0.aws_iam_role_policy.p", ("cur:PutReportDefinition",)),
    ]
    for f in report.findings:
        assert f.message.endswith("(also used by module.m1.aws_iam_role_policy.p, module.m2.aws_iam_role_policy.p, "
                                  "module.m3.aws_iam_role_policy.p and 1 more)"), f.message


def test_an_unused_document_is_judged_on_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = FEATURE[:FEATURE.index('resource "aws_iam_role_policy" "cur"')]
    _write(tmp_path, {"main.tf": doc})
    report = _check(tmp_path, monkeypatch)
    assert found(report) == [
        ("IAM101", "main.tf", CUR_WRITE, "data.aws_iam_policy_document.cur", ("cur:PutReportDefinition",))]
    assert skipped(report) == []


# --- 3. fetched registry modules -------------------------------------------------------------------


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    target = tmp_path / "registry"
    shutil.copytree(REGISTRY, target, symlinks=True)
    return target


ENABLED_FINDINGS: Found = [
    ("IAM101", ".terraform/modules/exporter/main.tf", 34,
     "module.exporter[0].aws_iam_role_policy.exporter[0]", ("sqs:SendMessage",)),
    ("IAM101", "main.tf", 30, "aws_iam_role_policy.reader[0]", ("cloudwatch:PutDashboard",)),
]


@pytest.mark.parametrize("vars", [(), ("enabled=true",)])
def test_registry_module_enabled_is_judged(registry: Path, monkeypatch: pytest.MonkeyPatch,
                                          vars: tuple[str, ...]) -> None:
    report = _check(registry, monkeypatch, *vars)
    assert found(report) == ENABLED_FINDINGS
    assert skipped(report) == []


def test_registry_module_disabled_skips_what_it_gates(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = _check(registry, monkeypatch, "enabled=false")
    assert found(report) == []
    assert report.load.documents == ()
    assert skipped(report) == [
        ("main.tf", "aws_iam_role.reader", "count = 0: no instance is created"),
        ("main.tf", "aws_iam_role_policy.reader", "count = 0: no instance is created"),
        ("main.tf", "data.aws_iam_policy_document.reader",
         "used only by aws_iam_role_policy.reader, which has count = 0"),
        ("main.tf", "data.aws_iam_policy_document.trust", "used only by aws_iam_role.reader, which has count = 0"),
        ("main.tf", "module.exporter", "count = 0: no instance is created"),
    ]


def test_registry_module_enabled_not_known_is_unresolved(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    context = (registry / "context.tf").read_text(encoding="utf-8")
    (registry / "context.tf").write_text(context.replace("enabled   = var.enabled", 'enabled   = uuid() == ""'),
                                         encoding="utf-8")
    report = _check(registry, monkeypatch)
    assert found(report) == [
        ("IAM002", "main.tf", 19, "aws_iam_role.reader", ()),
        ("IAM002", "main.tf", 36, "aws_iam_role_policy.reader", ()),
        ("IAM002", "main.tf", 43, "module.exporter", ()),
        ("IAM101", "main.tf", 30, "data.aws_iam_policy_document.reader", ("cloudwatch:PutDashboard",)),
    ]
    assert "uuid() is random" in next(f.message for f in report.findings if f.address == "aws_iam_role.reader")


def test_a_stale_record_of_the_label_module_is_unresolved(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = registry / ".terraform" / "modules" / "modules.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    for m in data["Modules"]:
        if m["Key"] == "this":
            m["Version"] = "0.24.1"
    manifest.write_text(json.dumps(data), encoding="utf-8")
    report = _check(registry, monkeypatch)
    assert [(f.rule_id, f.file, f.line, f.address) for f in report.findings] == [
        ("IAM004", "context.tf", 3, "module.this"),
        ("IAM002", "main.tf", 19, "aws_iam_role.reader"),
        ("IAM101", "main.tf", 30, "data.aws_iam_policy_document.reader"),
        ("IAM002", "main.tf", 36, "aws_iam_role_policy.reader"),
        ("IAM002", "main.tf", 43, "module.exporter"),
    ]
    assert report.findings[0].message.endswith(
        "modules.json records version 0.24.1 of cloudposse/label/null, the module block asks for 0.25.0: run "
        "terraform init")


def test_a_record_outside_the_scanned_tree_needs_allow_outside(tmp_path: Path, registry: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    modules = registry / ".terraform" / "modules"
    shutil.move(modules / "this", tmp_path / "label")
    manifest = modules / "modules.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    for m in data["Modules"]:
        if m["Key"] == "this":
            m["Dir"] = "../label"
    manifest.write_text(json.dumps(data), encoding="utf-8")
    report = _check(registry, monkeypatch)
    assert ("IAM004", "context.tf", 3, "module.this") in [(f.rule_id, f.file, f.line, f.address)
                                                          for f in report.findings]
    assert "outside the scanned tree; pass --allow-outside to read it" in report.findings[0].message
    allowed = _check(registry, monkeypatch, allow_outside=True)
    assert [(f.rule_id, f.address) for f in allowed.findings if f.rule_id != "IAM005"] == [
        ("IAM101", "module.exporter[0].aws_iam_role_policy.exporter[0]"),
        ("IAM101", "aws_iam_role_policy.reader[0]")]


def test_registry_outputs_as_terraform_plans_them(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the gate reads of the fixture (role names and tags from module.this, which instances exist,
    the policies) is what terraform plans, for each recorded set of variables."""
    recording = _plan_oracle()
    assert set(recording["cases"]) == {"default", "disabled", "renamed"}
    for case, entry in recording["cases"].items():
        report = _check(registry, monkeypatch, *entry["vars"])
        gate_roles = {p.address: p.name for p in report.load.principals}
        assert gate_roles == {a: r["name"] for a, r in entry["roles"].items()}, case
        gate_policies = {d.address: d.raw for d in report.load.documents if d.address.endswith("]")
                         and "aws_iam_role_policy." in d.address}
        assert gate_policies == {a: json.loads(p) for a, p in entry["policies"].items()}, case
        planned = {a for a in entry["resources"]}
        gate = {d.address.removesuffix(".assume_role_policy") for d in report.load.documents}
        assert gate == planned, case


def test_label_tags_as_terraform_computes_them(tmp_path: Path) -> None:
    """module.this.tags and id (the label module reimplementation) against the recorded plan."""
    from checker.terraform import load_module
    from checker.terraform.blocks import Expr
    from checker.terraform.parser import parse_expression

    recording = _plan_oracle()
    for case, entry in recording["cases"].items():
        module = load_module(REGISTRY, vars=list(entry["vars"]), env={})
        for address, role in entry["roles"].items():
            prefix = "module.exporter[0]." if address.startswith("module.exporter") else ""
            expr = "module.exporter[0].label_id" if prefix else "module.this.id"
            node = parse_expression(expr, "x.tf", 1)
            assert module.evaluate(Expr(node, "x.tf", 1, 1)) == role["name"], (case, address)
            if not prefix:
                tags = module.evaluate(Expr(parse_expression("module.this.tags", "x.tf", 1), "x.tf", 1, 1))
                assert tags == role["tags"], case


# --- 4. terraform's answers: a failed function in the result not selected --------------------------

CONDITIONALS = {
    "null_guard": 'var.n == null ? "" : lower(var.n)',
    "selected_then": 'true ? "a" : lower(null)',
    "selected_else": 'false ? upper([1]) : "b"',
    "arity": 'true ? "a" : lower("a", "b")',
    "index": 'true ? "a" : element([], 0)',
    "object": "true ? { a = 1 } : merge(null, 5)",
    "in_can": 'can(true ? "ab" : flatten({ x = "1" }))',
}


def test_a_failed_call_in_the_result_not_selected_is_no_error(tmp_path: Path) -> None:
    from checker.terraform import load_module
    from checker.terraform.blocks import Expr
    from checker.terraform.parser import parse_expression

    files = {"vars.tf": 'variable "n" {\n  type    = string\n  default = null\n}\n'}
    expected = terraform_eval(CONDITIONALS, files=files, fixture=EXPR_ORACLE)
    (tmp_path / "vars.tf").write_text(files["vars.tf"], encoding="utf-8")
    module = load_module(tmp_path, env={})
    for name, text in CONDITIONALS.items():
        value = module.evaluate(Expr(parse_expression(text, "x.tf", 1), "x.tf", 1, 1))
        assert value == expected[name], name


def test_an_operator_around_a_failed_call_is_still_rejected(tmp_path: Path) -> None:
    """``1 - f()`` that fails has a type (number) that must unify: not known, never a value."""
    from checker.terraform import load_module
    from checker.terraform.blocks import Expr
    from checker.terraform.errors import TerraformError
    from checker.terraform.parser import parse_expression

    module = load_module(tmp_path, env={})
    with pytest.raises(TerraformError, match="does not select"):
        module.evaluate(Expr(parse_expression('false ? (1 - lower(null)) : ["x"]', "x.tf", 1), "x.tf", 1, 1))


# --- the plan oracle --------------------------------------------------------------------------------

PLAN_CASES = {"default": [], "disabled": ["enabled=false"],
              "renamed": ["enabled=true", "namespace=Corp", "stage=DEV", "name=Billing"]}
PROVIDER = '''provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  access_key                  = "AKIAEXAMPLE"
  secret_key                  = "example"
}
'''


def _plan_oracle() -> dict[str, Any]:
    refresh = os.environ.get(ENV_VAR, "").strip().lower() == "refresh"
    if refresh or not PLAN_ORACLE.is_file():
        if shutil.which("terraform") is None or not (PLUGIN_MIRROR / "registry.terraform.io").is_dir():
            pytest.skip("terraform or the AWS provider mirror is not available to record the plan oracle")
        recording = {"terraform": _terraform_version(), "cases": {n: _plan(v) for n, v in PLAN_CASES.items()}}
        PLAN_ORACLE.write_text(json.dumps(recording, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    data: dict[str, Any] = json.loads(PLAN_ORACLE.read_text(encoding="utf-8"))
    return data


def _tf_env(work: Path) -> dict[str, str]:
    rc = work / "terraformrc"
    rc.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_VAR_", "TF_CLI_ARGS", "TF_WORKSPACE"))}
    return {**env, "TF_CLI_CONFIG_FILE": str(rc), "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1",
            "NO_COLOR": "1"}


def _terraform_version() -> str:
    done = subprocess.run(["terraform", "version", "-json"], capture_output=True, text=True, check=True, timeout=60)
    return str(json.loads(done.stdout)["terraform_version"])


def _plan(vars: list[str]) -> dict[str, Any]:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="where-used-") as tmp:
        work = Path(tmp) / "registry"
        shutil.copytree(REGISTRY, work, symlinks=True)
        (work / "provider.tf").write_text(PROVIDER, encoding="utf-8")
        env = _tf_env(Path(tmp))

        def tf(*args: str) -> str:
            done = subprocess.run(["terraform", f"-chdir={work}", *args], capture_output=True, text=True,
                                  env=env, timeout=300)
            assert done.returncode == 0, done.stdout + done.stderr
            return done.stdout

        # -get=false: the modules are installed already (modules.json), as terraform init wrote them
        tf("init", "-backend=false", "-get=false", "-input=false", f"-plugin-dir={PLUGIN_MIRROR}")
        tf("plan", "-refresh=false", "-input=false", "-out=plan.out", *(f"-var={v}" for v in vars))
        plan = json.loads(tf("show", "-json", "plan.out"))
    roles: dict[str, Any] = {}
    policies: dict[str, str] = {}
    stack = [plan["planned_values"]["root_module"]]
    while stack:
        mod = stack.pop()
        stack.extend(mod.get("child_modules", []))
        for r in mod.get("resources", []):
            if r["type"] == "aws_iam_role":
                roles[r["address"]] = {"name": r["values"]["name"], "tags": r["values"]["tags"]}
            elif r["type"] == "aws_iam_role_policy":
                policies[r["address"]] = r["values"]["policy"]
    return {"vars": vars, "resources": sorted(r["address"] for r in plan.get("resource_changes", [])),
            "roles": roles, "policies": policies}
