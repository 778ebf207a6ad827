"""The onboarding module (infra/aws/onboarding): formatting, variable validations and its output
under the real ``terraform``, the gate's verdict on it and on copies with planted defects, and the
``granted_permissions`` output against ``check-permissions explain``."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from checker.api import check, explain
from checker.catalog import get_catalog
from checker.model import DocumentKind
from checker.settings import Settings

REPO = Path(__file__).resolve().parents[1]
MODULE = REPO / "infra" / "aws" / "onboarding"
EXAMPLE = MODULE / "terraform.tfvars.example"
TERRAFORM = shutil.which("terraform")
needs_terraform = pytest.mark.skipif(TERRAFORM is None, reason="terraform CLI not on PATH")


def _front_end() -> str | None:
    """Why the gate cannot read the module yet, or None when the Terraform front end is there."""
    if not (REPO / "checker" / "terraform" / "to_model.py").is_file():
        return "the Terraform front end (checker/terraform/to_model.py) is not there yet"
    if "var_files" not in Settings.__dataclass_fields__:
        return "Settings has no var_files (the Terraform front end's --var-file) yet"
    return None


needs_front_end = pytest.mark.skipif(_front_end() is not None, reason=_front_end() or "")


def _tf(args: list[str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    assert TERRAFORM is not None
    rc = cwd / ".terraformrc"
    if not rc.exists():
        rc.write_text("")
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(rc), "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1",
           "NO_COLOR": "1"}
    env = {k: v for k, v in env.items() if not k.startswith("TF_VAR_")}
    return subprocess.run([TERRAFORM, *args], cwd=cwd, env=env, input=stdin, capture_output=True, text=True,
                          timeout=300)


# --------------------------------------------------------------------------------------------
# Terraform itself
# --------------------------------------------------------------------------------------------


@needs_terraform
def test_terraform_fmt_is_clean(tmp_path: Path) -> None:
    done = _tf(["fmt", "-check", "-diff", "-recursive", str(MODULE)], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    example = _tf(["fmt", "-check", "-"], tmp_path, stdin=EXAMPLE.read_text())
    assert example.returncode == 0, example.stdout + example.stderr


PLUGIN_MIRROR = Path(os.environ.get("CHECK_PERMISSIONS_TF_PLUGINS", "/opt/tf-plugins"))


@needs_terraform
def test_terraform_validate_with_the_local_provider_mirror(tmp_path: Path) -> None:
    """`terraform validate` needs the AWS provider; these machines carry a local mirror of it."""
    if not (PLUGIN_MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        pytest.skip(f"no local mirror of the AWS provider at {PLUGIN_MIRROR} (no registry access here)")
    work = tmp_path / "onboarding"
    shutil.copytree(MODULE, work, ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate*"))
    init = _tf(["-chdir=" + str(work), "init", "-backend=false", "-input=false", f"-plugin-dir={PLUGIN_MIRROR}"],
               tmp_path)
    assert init.returncode == 0, init.stdout + init.stderr
    done = _tf(["-chdir=" + str(work), "validate", "-no-color"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "The configuration is valid." in done.stdout


def _output_only_copy(dest: Path) -> None:
    """The module's variables and its granted_permissions output, without provider or resources:
    ``terraform apply`` evaluates it (and the variable validations) without ``init``."""
    shutil.copy(MODULE / "variables.tf", dest / "variables.tf")
    outputs = (MODULE / "outputs.tf").read_text()
    start = outputs.index('output "granted_permissions"')
    (dest / "outputs.tf").write_text(outputs[start:])


@needs_terraform
@pytest.mark.parametrize("bedrock", [True, False])
def test_granted_permissions_output_matches_terraform(tmp_path: Path, bedrock: bool) -> None:
    """Our evaluator computes the output exactly as terraform does (the value compared with
    explain below)."""
    from checker.terraform import load_module

    _output_only_copy(tmp_path)
    flag = f"enable_bedrock_access={'true' if bedrock else 'false'}"
    done = _tf(["apply", "-auto-approve", "-input=false", f"-var-file={EXAMPLE}", "-var", flag], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    shown = _tf(["output", "-json", "granted_permissions"], tmp_path)
    expected = json.loads(shown.stdout)
    ours = load_module(MODULE, var_files=[EXAMPLE], vars=[flag], env={}).output("granted_permissions")
    assert json.loads(json.dumps(ours)) == expected
    assert ("bedrock" in expected) is bedrock


@needs_terraform
@pytest.mark.parametrize(("name", "value"), [
    ("venturi_account_id", "11112222333"),
    ("venturi_account_id", "1111-2222-3333"),
    ("external_id", "x"),
    ("external_id", "venturi-*"),
    ("external_id", "a" * 1225),
    ("retiring_external_ids", '["old?"]'),
    ("cur_bucket_name", "*"),
    ("cur_bucket_name", "arn:aws:s3:::bucket"),
    ("cur_report_prefix", "cur"),
    ("cur_report_prefix", "/cur/"),
    ("cur_report_prefix", "cur/*/"),
    ("role_name", "a role"),
    ("bedrock_regions", '["*"]'),
    ("log_regions", '["us-east-*"]'),
    ("verifier_principal_arns", '["arn:aws:iam::123456789012:root"]'),
    ("verifier_principal_arns", '["arn:aws:iam::123456789012:role/*"]'),
])
def test_variable_validations_refuse(tmp_path: Path, name: str, value: str) -> None:
    _output_only_copy(tmp_path)
    done = _tf(["plan", "-input=false", f"-var-file={EXAMPLE}", "-var", f"{name}={value}"], tmp_path)
    assert done.returncode == 1
    assert "Invalid value for variable" in done.stderr
    assert re.search(rf'variable "{name}"', done.stderr), done.stderr


@needs_terraform
def test_variable_validations_accept_the_example(tmp_path: Path) -> None:
    _output_only_copy(tmp_path)
    done = _tf(["plan", "-input=false", f"-var-file={EXAMPLE}", "-var", "cur_report_prefix=",
                "-var", 'verifier_principal_arns=["arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123"]'],
               tmp_path)
    assert done.returncode == 0, done.stderr


# --------------------------------------------------------------------------------------------
# The gate
# --------------------------------------------------------------------------------------------


def _gate(module: Path, var_files: tuple[Path, ...] = (EXAMPLE,), vars: tuple[str, ...] = ()) -> Any:
    return check([module], Settings(var_files=tuple(str(f) for f in var_files), vars=vars))


def _where(report: Any, severities: tuple[str, ...] = ("error",)) -> set[tuple[str, str, int, tuple[str, ...]]]:
    return {(f.rule_id, Path(f.file).name, f.line, tuple(f.actions)) for f in report.findings
            if f.severity.value in severities}


@needs_front_end
def test_gate_passes_on_the_module_with_example_values() -> None:
    report = _gate(MODULE)
    assert report.passed, [f.to_dict() for f in report.failing]
    # the folder also holds the role as a CloudFormation template (cloudformation/), read without its
    # parameters: the vendor account is twelve digits (its AllowedPattern), but which is not proven
    assert _where(report, ("error", "warning")) == {("IAM002", "onboarding-role.yaml", 95, ())}
    addresses = {d.address for d in report.load.documents if d.file.endswith(".tf")}
    assert addresses == {
        "aws_iam_role.venturi.assume_role_policy", "aws_iam_role_policy.cost_and_usage",
        "aws_iam_role_policy.bedrock[0]", "aws_iam_role_policy.observability", "aws_iam_role_policy.directory"}
    assert {d.address for d in report.load.documents if not d.file.endswith(".tf")} == {
        "Resources/VenturiRole/AssumeRolePolicyDocument", *(f"Resources/VenturiRole/Policies/{i}" for i in range(4))}
    assert not report.load.errors


@needs_front_end
def test_gate_without_values_fails_closed() -> None:
    """Without tfvars the account id and the bucket are unknown. The trust's principal could then
    be anyone (IAM402). The bucket ARN ``arn:aws:s3:::${var.cur_bucket_name}/...`` is judged as "*"
    (IAM302): the evaluator returns the variable's Unknown for the whole template, so the ARN's
    shape (one bucket, the report prefix) is not kept for the rule to see."""
    report = _gate(MODULE, var_files=())
    assert not report.passed
    assert _where(report) == {
        ("IAM302", "main.tf", 14, ("s3:GetObject",)),
        ("IAM402", "main.tf", 30, ()),
    }


@needs_front_end
def test_gate_with_only_the_external_id_unknown() -> None:
    """The external id is a secret a repository should not hold: with the account and the bucket
    given, the gate's verdict does not depend on the id's value (any value passes the trust rule,
    since StringEquals compares it literally and the variable's validation refuses wildcards)."""
    report = _gate(MODULE, var_files=(), vars=("venturi_account_id=111122223333", "cur_bucket_name=cur-bucket"))
    assert report.passed, [f.to_dict() for f in report.failing]


def _copy(tmp_path: Path) -> Path:
    dest = tmp_path / "onboarding"
    shutil.copytree(MODULE, dest, ignore=shutil.ignore_patterns(".terraform*", "terraform.tfstate*"))
    return dest


def _plant(main: Path, old: str, new: str) -> int:
    text = main.read_text()
    assert text.count(old) == 1, old
    text = text.replace(old, new)
    main.write_text(text)
    return text[: text.index(new)].count("\n") + 1


@needs_front_end
@pytest.mark.parametrize(("case", "old", "new", "rule", "actions", "line_offset"), [
    ("write on the CUR bucket",
     '    actions   = ["s3:GetObject"]\n', '    actions   = ["s3:GetObject", "s3:PutObject"]\n',
     "IAM101", ("s3:PutObject",), 0),
    ("permissions management", '      "iam:ListUsers",\n', '      "iam:ListUsers",\n      "iam:AttachRolePolicy",\n',
     "IAM101", ("iam:AttachRolePolicy",), 1),
    ("credentials read", '      "iam:ListUsers",\n', '      "iam:ListUsers",\n      "secretsmanager:GetSecretValue",\n',
     "IAM301", ("secretsmanager:GetSecretValue",), 1),
    ("model invocation (cost)", '      "bedrock:ListTagsForResource",\n',
     '      "bedrock:ListTagsForResource",\n      "bedrock:InvokeModel",\n', "IAM301", ("bedrock:InvokeModel",), 1),
    ("every bucket's objects", "    resources = [local.cur_objects_arn]\n", '    resources = ["arn:aws:s3:::*/*"]\n',
     "IAM302", ("s3:GetObject",), 0),
])
def test_planted_grants_fail_at_their_line(tmp_path: Path, case: str, old: str, new: str, rule: str,
                                           actions: tuple[str, ...], line_offset: int) -> None:
    module = _copy(tmp_path)
    line = _plant(module / "main.tf", old, new) + line_offset
    report = _gate(module)
    assert not report.passed, case
    hits = {(f.rule_id, Path(f.file).name, f.line, tuple(f.actions)) for f in report.failing}
    assert (rule, "main.tf", line, actions) in hits, (case, hits)
    # Nothing else fails: the finding is the planted grant, not noise around it.
    # (a planted credentials or model read on "*" is also an unscoped data read: IAM302).
    assert {h[0] for h in hits} <= {rule, "IAM201", "IAM301", "IAM302"}, hits


@needs_front_end
def test_trust_without_external_id_fails(tmp_path: Path) -> None:
    module = _copy(tmp_path)
    main = module / "main.tf"
    text = main.read_text()
    start = text.index("    condition {\n      test     = \"StringEquals\"\n      variable = \"sts:ExternalId\"")
    end = text.index("    }\n", start) + len("    }\n")
    main.write_text(text[:start] + text[end:])
    line = text[: text.index("principals {")].count("\n") + 1
    report = _gate(module)
    failing = {(f.rule_id, Path(f.file).name) for f in report.failing}
    assert failing == {("IAM401", "main.tf")}, [f.to_dict() for f in report.failing]
    finding = next(f for f in report.failing if f.rule_id == "IAM401")
    assert line <= finding.line <= line + 4, (finding.line, line)
    assert finding.address == "aws_iam_role.venturi.assume_role_policy"


@needs_front_end
def test_trust_with_string_like_external_id_fails(tmp_path: Path) -> None:
    module = _copy(tmp_path)
    _plant(module / "main.tf", '      test     = "StringEquals"\n      variable = "sts:ExternalId"\n',
           '      test     = "StringLike"\n      variable = "sts:ExternalId"\n')
    report = _gate(module)
    assert [(f.rule_id, f.address) for f in report.failing] == [("IAM401", "aws_iam_role.venturi.assume_role_policy")]


@needs_front_end
def test_trust_with_string_like_external_id_points_at_the_operator(tmp_path: Path) -> None:
    module = _copy(tmp_path)
    line = _plant(module / "main.tf", '      test     = "StringEquals"\n      variable = "sts:ExternalId"\n',
                  '      test     = "StringLike"\n      variable = "sts:ExternalId"\n')
    report = _gate(module)
    assert [(Path(f.file).name, f.line) for f in report.failing] == [("main.tf", line)]


# --------------------------------------------------------------------------------------------
# granted_permissions == explain
# --------------------------------------------------------------------------------------------


def _explained(bedrock: bool) -> dict[str, dict[str, list[str]]]:
    entries, load = explain([MODULE], Settings(var_files=(str(EXAMPLE),),
                                               vars=(f"enable_bedrock_access={str(bedrock).lower()}",)))
    assert not load.errors
    out: dict[str, dict[str, list[str]]] = {}
    for e in entries:
        if e.document.kind != DocumentKind.IDENTITY or not e.document.file.endswith(".tf"):
            continue  # the template in cloudformation/ is compared in tests/cloudformation/test_cfn_onboarding.py
        for level, actions in e.grants.items():
            for a in actions:
                out.setdefault(a.split(":", 1)[0], {}).setdefault(level, []).append(a)
    return {s: {lv: sorted(set(a)) for lv, a in levels.items()} for s, levels in out.items()}


@needs_front_end
@pytest.mark.parametrize("bedrock", [True, False])
def test_granted_permissions_output_agrees_with_explain(bedrock: bool) -> None:
    from checker.terraform import load_module

    flag = f"enable_bedrock_access={str(bedrock).lower()}"
    output = load_module(MODULE, var_files=[EXAMPLE], vars=[flag], env={}).output("granted_permissions")
    ours = {s: {lv: sorted(a) for lv, a in levels.items() if a} for s, levels in output.items()}
    assert ours == _explained(bedrock)
    assert ("bedrock" in ours) is bedrock


def test_module_names_only_catalog_actions_at_their_documented_level() -> None:
    """Every action the output lists exists in the catalog at the level the output gives it
    (independent of the Terraform front end: the output is evaluated by our evaluator)."""
    from checker.terraform import load_module

    output = load_module(MODULE, var_files=[EXAMPLE], env={}).output("granted_permissions")
    cat = get_catalog()
    listed = set()
    for service, levels in output.items():
        for level, actions in levels.items():
            assert level in ("List", "Read"), (service, level)
            for action in actions:
                info = cat.get(action)
                assert info is not None, action
                assert (info.name, info.level) == (action, level)
                assert action.startswith(f"{service}:")
                listed.add(action)
    # Every action written in main.tf is listed in the output, and nothing else.
    written = set(re.findall(r'"([a-z0-9-]+:[A-Za-z0-9*]+)"', (MODULE / "main.tf").read_text()))
    written -= {"sts:AssumeRole", "sts:ExternalId", "s3:prefix", "aws:RequestedRegion"}
    assert written == listed


@needs_front_end
def test_verify_reads_the_grants_and_bucket_from_the_module() -> None:
    from checker.cli.verify import granted_by

    granted = granted_by(MODULE, [EXAMPLE])
    assert (granted.cur_bucket, granted.cur_prefix) == ("example-corp-cur-reports", "cur/")
    output = _explained(True)
    assert granted.actions == {a: lv for levels in output.values() for lv, acts in levels.items() for a in acts}
