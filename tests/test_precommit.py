"""The pre-commit hook: changed files -> the modules and policies to judge, the sub-command, and the
real pre-commit framework (`pre-commit run` on a local hook built from .pre-commit-hooks.yaml, and
`pre-commit try-repo` on a committed copy of this repository, which installs the hook's own
environment with pip as users get it)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from repo_snapshot import REPO, git, package_index_reachable, snapshot

from checker.cli.precommit import kind_of, plan

HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
[HOOK] = HOOKS

READ_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Cost", "Effect": "Allow", "Action": ["ce:GetCostAndUsage"], "Resource": "*"}],
}
READ_ONLY_MORE = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Cost", "Effect": "Allow", "Action": ["ce:GetCostAndUsage", "ce:GetCostForecast"],
                   "Resource": "*"}],
}
# json.dumps(indent=2): line 9 is "s3:PutObject".
ADDS_WRITE = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Cost", "Effect": "Allow", "Action": ["ce:GetCostAndUsage", "s3:PutObject"],
                   "Resource": "*"}],
}
WRITE_LINE = 9

# A child module whose actions come from its caller, and a root module that calls it.
CHILD = """\
variable "actions" {
  type = list(string)
}

resource "aws_iam_policy" "this" {
  name = "cost-read"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = var.actions, Resource = "*" }]
  })
}
"""
ROOT = """\
module "iam" {
  source  = "../../modules/iam"
  actions = %s
}
"""
ROOT_ACTIONS_LINE = 3


def tree(root: Path, files: dict[str, str | dict[str, object]]) -> Path:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content if isinstance(content, str) else json.dumps(content, indent=2), encoding="utf-8")
    return root


def modules_of(root: Path, files: list[str]) -> dict[str, list[str]]:
    p = plan(files, root=root)
    return {m.relative_to(root).as_posix(): why for m, why in p.modules.items()}


# --- which files the hook reads, and what each leads to ---------------------------------------


@pytest.mark.parametrize(("name", "kind"), [
    ("main.tf", "terraform"), ("main.tf.json", "terraform"), ("prod.tfvars", "vars"),
    ("terraform.tfvars.json", "vars"), ("policy.json.tpl", "template"), ("policy.tftpl", "template"),
    ("policy.json", "json"), ("README.md", None), ("main.tf.bak", None),
])
def test_kind_of(name: str, kind: str | None) -> None:
    assert kind_of(name) == kind


def test_hook_definition() -> None:
    assert HOOK["id"] == "check-permissions"
    assert HOOK["language"] == "python"
    assert HOOK["entry"] == "check-permissions pre-commit"
    assert HOOK["require_serial"] is True  # one run sees every file of a module
    import re

    files = re.compile(HOOK["files"])
    for name in ["main.tf", "a/b.tf.json", "prod.tfvars", "x.tfvars.json", "p.json", "p.json.tpl", "p.tftpl",
                 "p.tpl"]:
        assert files.search(name), name
    for name in ["README.md", "main.tf.bak", "script.py", "tf"]:
        assert not files.search(name), name


def test_changed_tf_file_means_its_whole_module(tmp_path: Path) -> None:
    tree(tmp_path, {"stack/main.tf": "", "stack/variables.tf": "", "stack/sub/other.tf": ""})
    assert modules_of(tmp_path, [str(tmp_path / "stack/variables.tf")]) == {"stack": [
        str(tmp_path / "stack/variables.tf")]}


def test_child_module_maps_to_the_root_modules_that_call_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    tree(tmp_path, {
        "modules/iam/main.tf": CHILD,
        "modules/wrapper/main.tf": 'module "inner" {\n  source = "../iam"\n  actions = []\n}\n',
        "envs/prod/main.tf": ROOT % '["ce:GetCostAndUsage"]',
        "envs/dev/main.tf.json": json.dumps({"module": {"w": {"source": "../../modules/wrapper"}}}),
        # Not callers: a remote source, a commented-out call, a source that is not a module's.
        "envs/other/main.tf": 'module "r" {\n  source = "git::https://example.com/iam.git"\n}\n'
                              '# module "old" { source = "../../modules/iam" }\n',
        "tools/main.tf": 'resource "null_resource" "x" {\n  provisioner "file" {\n'
                         '    source = "./modules-list"\n    destination = "/tmp/x"\n  }\n}\n',
    })
    assert modules_of(tmp_path, ["modules/iam/main.tf"]) == {
        "envs/dev": ["modules/iam/main.tf"], "envs/prod": ["modules/iam/main.tf"]}
    # A root module changed together with the child is judged once.
    assert modules_of(tmp_path, ["modules/iam/main.tf", "envs/prod/main.tf"]) == {
        "envs/dev": ["modules/iam/main.tf"], "envs/prod": ["modules/iam/main.tf", "envs/prod/main.tf"]}
    assert modules_of(tmp_path, ["envs/other/main.tf"]) == {"envs/other": ["envs/other/main.tf"]}


def test_called_module_with_its_own_tfvars_is_judged_as_a_root_too(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    tree(tmp_path, {
        "modules/iam/main.tf": CHILD,
        "modules/iam/terraform.tfvars": "",
        "envs/prod/main.tf": ROOT % '["ce:GetCostAndUsage"]',
    })
    assert modules_of(tmp_path, ["modules/iam/main.tf"]) == {
        "envs/prod": ["modules/iam/main.tf"], "modules/iam": ["modules/iam/main.tf"]}


def test_module_nothing_calls_is_judged_as_a_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    tree(tmp_path, {"modules/iam/main.tf": CHILD})
    assert modules_of(tmp_path, ["modules/iam/main.tf"]) == {"modules/iam": ["modules/iam/main.tf"]}


def test_call_cycle_judges_the_module_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    tree(tmp_path, {"a/main.tf": 'module "b" {\n  source = "../b"\n}\n',
                    "b/main.tf": 'module "a" {\n  source = "../a"\n}\n'})
    assert modules_of(tmp_path, ["a/main.tf"]) == {"a": ["a/main.tf"]}


def test_tfvars_map_to_their_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    tree(tmp_path, {"stack/main.tf": "", "stack/terraform.tfvars": "", "stack/envs/prod.tfvars": "",
                    "loose/prod.tfvars": ""})
    assert modules_of(tmp_path, ["stack/terraform.tfvars", "stack/envs/prod.tfvars"]) == {
        "stack": ["stack/terraform.tfvars", "stack/envs/prod.tfvars"]}
    p = plan(["loose/prod.tfvars"], root=tmp_path)
    assert p.empty
    assert p.notes == ["loose/prod.tfvars: no Terraform module in its folder or above it; not checked"]


def test_templates_map_to_the_modules_that_name_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    tree(tmp_path, {
        "modules/iam/main.tf": 'locals {\n  p = templatefile("${path.module}/../../policies/read.json.tpl", {})\n}\n',
        "envs/prod/main.tf": 'module "iam" {\n  source = "../../modules/iam"\n}\n',
        "policies/read.json.tpl": '{"Statement": []}',
        "policies/other-read.json.tpl": '{"Statement": []}',
        "stack/main.tf": 'locals {\n  p = templatefile("${path.module}/t/${var.name}.tpl", {})\n}\n',
        "stack/t/x.tpl": "",
        "unused/x.tftpl": "",
    })
    # Named by modules/iam, which envs/prod calls.
    assert modules_of(tmp_path, ["policies/read.json.tpl"]) == {"envs/prod": ["policies/read.json.tpl"]}
    # `other-read.json.tpl` is not `read.json.tpl`: no module names it and none holds it.
    p = plan(["policies/other-read.json.tpl"], root=tmp_path)
    assert p.empty
    assert p.notes == ["policies/other-read.json.tpl: no Terraform module names it or holds it; not checked"]
    # A computed path: the nearest module above the template.
    assert modules_of(tmp_path, ["stack/t/x.tpl"]) == {"stack": ["stack/t/x.tpl"]}
    assert plan(["unused/x.tftpl"], root=tmp_path).notes == [
        "unused/x.tftpl: no Terraform module names it or holds it; not checked"]


def test_json_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    tree(tmp_path, {
        "stack/main.tf": 'resource "aws_iam_policy" "p" {\n  policy = file("${path.module}/policy.json")\n}\n'
                         'locals {\n  t = templatefile("${path.module}/tpl.json", {})\n}\n',
        "stack/policy.json": READ_ONLY,
        "stack/tpl.json": '{"Statement": [{"Effect": "Allow", "Action": "${action}", "Resource": "*"}]}',
        "policies/alone.json": READ_ONLY,
        "package.json": {"name": "x"},
        "tsconfig.json": "{\n  // comments are not JSON\n}\n",
        "broken-policy.json": '{"Statement": [}',
        "node_modules/x/policy.json": READ_ONLY,
        ".terraform/modules/m/policy.json": READ_ONLY,
    })
    p = plan(["stack/policy.json", "stack/tpl.json", "policies/alone.json", "package.json", "tsconfig.json",
              "broken-policy.json", "node_modules/x/policy.json", ".terraform/modules/m/policy.json", "README.md"],
             root=tmp_path)
    assert {m.relative_to(tmp_path).as_posix(): why for m, why in p.modules.items()} == {
        "stack": ["stack/policy.json", "stack/tpl.json"]}
    # A JSON file a module reads is judged through the module and alone (findings merged), unless
    # it is a template: alone, `${action}` is not an action.
    assert [f.relative_to(tmp_path).as_posix() for f in p.policies] == [
        "stack/policy.json", "policies/alone.json", "broken-policy.json"]
    assert [f.relative_to(tmp_path).as_posix() for f in p.also_read] == ["stack/policy.json"]
    assert p.ignored == ["package.json", "tsconfig.json", "node_modules/x/policy.json",
                         ".terraform/modules/m/policy.json", "README.md"]


def test_policy_hints_cover_every_shape_the_json_front_ends_read() -> None:
    """A JSON file without any hint never reaches the analyser: the hints must name every key the
    JSON front end looks for (a new AWS CLI wrapper there must be added here)."""
    import re

    from checker.cli.precommit import POLICY_HINTS
    from checker.sources.plan_json import is_plan

    source = "".join((REPO / "checker" / "sources" / name).read_text(encoding="utf-8")
                     for name in ("json_policy.py", "export.py"))  # policies and wrappers; account exports
    keys = set(re.findall(r'(?:root|pv|role)\.get\("(\w+)"\)', source))
    keys |= set(re.findall(r'\("(\w+DetailList)", ', source))
    assert {"PolicyVersion", "Role", "PolicyDocument", "RoleDetailList", "Policies"} <= keys
    hints = [h.decode() for h in POLICY_HINTS]
    wrappers = {"Role", "Document", "VersionId", "RoleName", "UserName", "GroupName", "PolicyName"}
    for key in keys - wrappers:
        assert any(key.lower() in h for h in hints), key
    # A plan is recognised by "format_version" (and more); a policy with a misspelt Statement by its Version.
    assert is_plan(b'{"format_version": "1.2", "terraform_version": "1.9.0", "planned_values": {}}')
    from checker.sources.json_policy import load_json_text

    for text in ['{"Version": "2012-10-17", "Statment": []}', '{"Statements": []}',
                 '{"PolicyVersion": {"Document": "%7B%22Statement%22%3A%5B%5D%7D"}}']:
        loaded = load_json_text(text, "x.json")
        assert loaded.documents or loaded.errors, text
        assert any(h in text.lower().encode() for h in POLICY_HINTS), text


def test_changed_actions_list_read_by_a_module_is_judged_through_it(tmp_path: Path) -> None:
    """JSON that is no policy by itself (a list of actions) still feeds one when a module reads it."""
    needs_terraform()
    git("init", "-q", ".", cwd=tmp_path)
    tree(tmp_path, {
        "stack/main.tf": 'resource "aws_iam_policy" "p" {\n  name = "p"\n  policy = jsonencode({\n'
                         '    Version = "2012-10-17"\n    Statement = [{ Effect = "Allow", Resource = "*",\n'
                         '      Action = jsondecode(file("${path.module}/actions.json")) }]\n  })\n}\n',
        "stack/actions.json": '["ce:GetCostAndUsage"]',
    })
    assert hook("stack/actions.json", cwd=tmp_path).returncode == 0
    tree(tmp_path, {"stack/actions.json": '["ce:GetCostAndUsage", "s3:PutObject"]'})
    r = hook("stack/actions.json", "--format", "json", cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "module stack: checked for stack/actions.json" in r.stdout
    report = json.loads(r.stdout[r.stdout.index("{"):])
    assert [(f["rule_id"], f["actions"]) for f in report["findings"] if f["rule_id"] == "IAM101"] == [
        ("IAM101", ["s3:PutObject"])]


def test_module_may_read_files_elsewhere_in_the_repository(tmp_path: Path) -> None:
    needs_terraform()
    git("init", "-q", ".", cwd=tmp_path)
    tree(tmp_path, {
        "modules/iam/main.tf": 'resource "aws_iam_policy" "p" {\n  name = "p"\n'
                               '  policy = file("${path.module}/../../policies/read.json")\n}\n',
        "envs/prod/main.tf": 'module "iam" {\n  source = "../../modules/iam"\n}\n',
        "policies/read.json": READ_ONLY,
    })
    r = hook("policies/read.json", "modules/iam/main.tf", cwd=tmp_path)
    assert "module envs/prod: checked for policies/read.json, modules/iam/main.tf" in r.stdout
    assert r.returncode == 0, r.stdout + r.stderr


def test_exclude_globs_drop_changed_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    tree(tmp_path, {"fixtures/bad.json": ADDS_WRITE, "stack/main.tf": ""})
    p = plan(["fixtures/bad.json", "stack/main.tf"], root=tmp_path, exclude=("fixtures/*",))
    assert p.policies == []
    assert list(p.modules) == [tmp_path / "stack"]


# --- the sub-command ---------------------------------------------------------------------------


def hook(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "check_permissions.py"), "pre-commit", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_nothing_to_check_passes_and_says_so(tmp_path: Path) -> None:
    tree(tmp_path, {"package.json": {"name": "x"}, "README.md": "x"})
    r = hook("package.json", "README.md", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == "check-permissions: nothing to check (no changed file is a policy or feeds one)\n"
    r = hook(cwd=tmp_path)
    assert r.returncode == 0


def test_write_is_blocked_with_the_action_and_other_json_stays_quiet(tmp_path: Path) -> None:
    tree(tmp_path, {"package.json": {"name": "x"}, "policy.json": ADDS_WRITE, "ro.json": READ_ONLY})
    r = hook("package.json", "policy.json", "ro.json", "--format", "json", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    report = json.loads(r.stdout)
    assert [(f["rule_id"], f["file"], f["line"], f["actions"]) for f in report["findings"]] == [
        ("IAM101", "policy.json", WRITE_LINE, ["s3:PutObject"])]
    assert report["summary"]["files"] == 2
    assert report["skipped"] == []
    r = hook("package.json", "policy.json", cwd=tmp_path)
    assert f"policy.json:{WRITE_LINE}: error IAM101 write-action-allowed" in r.stdout
    assert "package.json" not in r.stdout


def test_profile_option(tmp_path: Path) -> None:
    tree(tmp_path, {"policy.json": ADDS_WRITE})
    r = hook("--profile", "audit", "policy.json", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr  # audit: writes are warnings
    assert f"policy.json:{WRITE_LINE}: warning" in r.stdout


def test_broken_policy_fails_and_bad_profile_exits_2(tmp_path: Path) -> None:
    tree(tmp_path, {"broken.json": '{"Statement": [}'})
    r = hook("broken.json", cwd=tmp_path)
    assert r.returncode == 1
    assert "IAM001" in r.stdout
    r = hook("--profile", "nope", "broken.json", cwd=tmp_path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith("check-permissions: error: ")


# --- Terraform end to end (needs the Terraform front end in checker.api.check) -------------------


@cache
def terraform_front_end() -> str | None:
    """None when checker.api.check judges a Terraform module, else why not."""
    import tempfile

    from checker.api import check
    from checker.settings import Settings

    with tempfile.TemporaryDirectory() as d:
        main = tree(Path(d), {"main.tf": ROOT.replace("../../modules/iam", "./iam") % '["s3:PutObject"]',
                              "iam/main.tf": CHILD}) / "main.tf"
        try:
            report = check([main], Settings())
        except Exception as exc:
            return f"checker.api.check fails on a Terraform module: {type(exc).__name__}: {exc}"
        if not any(f.rule_id == "IAM101" for f in report.findings):
            return "checker.api.check does not judge Terraform modules (the Terraform front end is missing)"
    return None


def needs_terraform() -> None:
    reason = terraform_front_end()
    if reason:
        pytest.skip(f"missing feature: {reason}")


def test_changed_child_module_is_judged_with_its_callers_inputs(tmp_path: Path) -> None:
    needs_terraform()
    git("init", "-q", ".", cwd=tmp_path)
    tree(tmp_path, {"modules/iam/main.tf": CHILD,
                    "envs/prod/main.tf": ROOT % '["ce:GetCostAndUsage"]',
                    "envs/ops/main.tf": ROOT % '["ce:GetCostAndUsage", "s3:PutObject"]'})
    r = hook("modules/iam/main.tf", "--format", "json", cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    report = json.loads(r.stdout[r.stdout.index("{"):])
    assert [(f["rule_id"], f["file"], f["line"], f["actions"]) for f in report["findings"]] == [
        ("IAM101", "envs/ops/main.tf", ROOT_ACTIONS_LINE, ["s3:PutObject"])]
    assert "module envs/ops: checked for modules/iam/main.tf" in r.stdout
    assert "module envs/prod: checked for modules/iam/main.tf" in r.stdout
    # Only the read-only root changed: it passes, the other root is not judged.
    r = hook("envs/prod/main.tf", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr


def test_lone_child_module_without_caller_is_not_a_pass(tmp_path: Path) -> None:
    needs_terraform()
    git("init", "-q", ".", cwd=tmp_path)
    tree(tmp_path, {"modules/iam/main.tf": CHILD})
    r = hook("modules/iam/main.tf", "--format", "json", cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    report = json.loads(r.stdout[r.stdout.index("{"):])
    # var.actions has no value: the policy cannot be proven read-only, a finding at the Action line.
    assert [(f["file"], f["line"]) for f in report["findings"] if f["severity"] == "error"] == [
        ("modules/iam/main.tf", 9)]


def test_changed_tfvars_is_judged_through_its_module(tmp_path: Path) -> None:
    needs_terraform()
    git("init", "-q", ".", cwd=tmp_path)
    tree(tmp_path, {"stack/main.tf": CHILD, "stack/terraform.tfvars": 'actions = ["ce:GetCostAndUsage"]\n'})
    assert hook("stack/terraform.tfvars", cwd=tmp_path).returncode == 0
    tree(tmp_path, {"stack/terraform.tfvars": 'actions = ["ce:GetCostAndUsage",\n  "iam:CreateUser"]\n'})
    r = hook("stack/terraform.tfvars", "--format", "json", cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    report = json.loads(r.stdout[r.stdout.index("{"):])
    assert [(f["rule_id"], f["file"], f["line"], f["actions"]) for f in report["findings"]
            if f["rule_id"] == "IAM101"] == [("IAM101", "stack/terraform.tfvars", 2, ["iam:CreateUser"])]


def test_policy_file_read_by_a_module_is_reported_once(tmp_path: Path) -> None:
    needs_terraform()
    git("init", "-q", ".", cwd=tmp_path)
    tree(tmp_path, {"stack/main.tf": 'resource "aws_iam_policy" "p" {\n  name = "p"\n'
                                     '  policy = file("${path.module}/policy.json")\n}\n',
                    "stack/policy.json": ADDS_WRITE})
    r = hook("stack/policy.json", "--format", "json", cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    report = json.loads(r.stdout[r.stdout.index("{"):])
    assert [(f["rule_id"], f["file"], f["line"], f["address"]) for f in report["findings"]] == [
        ("IAM101", "stack/policy.json", WRITE_LINE, "aws_iam_policy.p")]


# --- the real pre-commit framework -------------------------------------------------------------


def consumer_repo(path: Path, files: dict[str, str | dict[str, object]]) -> Path:
    """A project that uses the hook, with ``files`` committed."""
    path.mkdir()
    git("init", "-q", ".", cwd=path)
    tree(path, files)
    git("add", "-A", cwd=path)
    git("commit", "-q", "-m", "initial", cwd=path)
    return path


def pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_"))}
    env.update(PRE_COMMIT_HOME=str(home), PIP_NO_COMPILE="1", PRE_COMMIT_COLOR="never")
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)


def local_config(path: Path) -> Path:
    """.pre-commit-hooks.yaml's hook as a `repo: local` hook run by this venv (no install: offline)."""
    entry = shlex.split(HOOK["entry"])
    script = Path(sys.executable).parent / entry[0]
    command = [str(script)] if script.exists() else [sys.executable, str(REPO / "check_permissions.py")]
    local = {k: v for k, v in HOOK.items() if k not in ("language", "entry", "minimum_pre_commit_version")}
    local.update(language="system", entry=shlex.join(command + entry[1:]))
    path.write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}), encoding="utf-8")
    return path


def test_framework_runs_the_hook_on_changed_files(tmp_path: Path) -> None:
    repo = consumer_repo(tmp_path / "project", {"iam/policy.json": READ_ONLY, "README.md": "x",
                                                 "package.json": {"name": "x"}})
    config = local_config(tmp_path / "config.yaml")
    home = tmp_path / "pre-commit-home"

    def run(*files: str) -> subprocess.CompletedProcess[str]:
        return pre_commit("run", "check-permissions", "-c", str(config), "--files", *files, cwd=repo, home=home)

    tree(repo, {"iam/policy.json": READ_ONLY_MORE})
    r = run("iam/policy.json", "README.md")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "check-permissions (AWS IAM gate)" in r.stdout and "Passed" in r.stdout
    r = run("README.md")
    assert r.returncode == 0 and "(no files to check)Skipped" in r.stdout, r.stdout
    r = run("package.json")
    assert r.returncode == 0 and "Passed" in r.stdout, r.stdout
    tree(repo, {"iam/policy.json": ADDS_WRITE})
    r = run("iam/policy.json", "package.json")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Failed" in r.stdout and "- exit code: 1" in r.stdout
    assert f"iam/policy.json:{WRITE_LINE}: error IAM101 write-action-allowed" in r.stdout
    assert "s3:PutObject" in r.stdout


def test_framework_judges_a_child_module_through_its_root(tmp_path: Path) -> None:
    needs_terraform()
    repo = consumer_repo(tmp_path / "project", {"modules/iam/main.tf": CHILD,
                                                 "envs/prod/main.tf": ROOT % '["ce:GetCostAndUsage"]'})
    config = local_config(tmp_path / "config.yaml")
    home = tmp_path / "pre-commit-home"
    r = pre_commit("run", "check-permissions", "-c", str(config), "--files", "modules/iam/main.tf",
                   cwd=repo, home=home)
    assert r.returncode == 0, r.stdout + r.stderr
    tree(repo, {"envs/prod/main.tf": ROOT % '["ce:GetCostAndUsage", "s3:PutObject"]'})
    r = pre_commit("run", "check-permissions", "-c", str(config), "--files", "envs/prod/main.tf",
                   cwd=repo, home=home)
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"envs/prod/main.tf:{ROOT_ACTIONS_LINE}: error IAM101 write-action-allowed" in r.stdout


_index_skip = pytest.mark.skipif(
    not package_index_reachable(),
    reason="the package index is unreachable: pre-commit cannot install the hook's environment "
           "(language: python installs this package and its dependencies with pip)")


def needs_index(test: Any) -> Any:
    return pytest.mark.install(_index_skip(test))


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository's working tree, committed: try-repo takes only committed and tracked files."""
    return snapshot(tmp_path_factory.mktemp("hook-repo"))


@needs_index
def test_try_repo_passes_a_read_only_change(tmp_path: Path, hook_repo: Path) -> None:
    repo = consumer_repo(tmp_path / "project", {"iam/policy.json": READ_ONLY})
    tree(repo, {"iam/policy.json": READ_ONLY_MORE})
    git("add", "-A", cwd=repo)
    r = pre_commit("try-repo", str(hook_repo), "check-permissions", "--files", "iam/policy.json",
                   cwd=repo, home=tmp_path / "home")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "check-permissions (AWS IAM gate)" in r.stdout and "Passed" in r.stdout


@needs_index
def test_try_repo_blocks_a_change_that_adds_a_write(tmp_path: Path, hook_repo: Path) -> None:
    repo = consumer_repo(tmp_path / "project", {"iam/policy.json": READ_ONLY})
    tree(repo, {"iam/policy.json": ADDS_WRITE})
    git("add", "-A", cwd=repo)
    r = pre_commit("try-repo", str(hook_repo), "check-permissions", "--files", "iam/policy.json",
                   cwd=repo, home=tmp_path / "home")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Failed" in r.stdout and "- exit code: 1" in r.stdout
    assert f"iam/policy.json:{WRITE_LINE}: error IAM101 write-action-allowed" in r.stdout
    assert "s3:PutObject" in r.stdout


def test_excluded_dirs_match_the_analysers() -> None:
    from checker.cli.precommit import EXCLUDED_DIRS
    from checker.pipeline import DEFAULT_EXCLUDED_DIRS

    assert EXCLUDED_DIRS == DEFAULT_EXCLUDED_DIRS


def test_nothing_to_check_does_not_load_the_analyser(tmp_path: Path) -> None:
    tree(tmp_path, {"package.json": {"name": "x"}})
    code = ("import sys; from checker.cli.app import main\nassert main(['pre-commit', 'package.json']) == 0\n"
            "loaded = sorted(m for m in sys.modules if m in ('checker.api', 'checker.model', 'checker.catalog',"
            " 'checker.terraform', 'pydantic'))\nprint(loaded)")
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(REPO)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "[]"
