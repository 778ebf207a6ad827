"""The GitHub Action (action.yml) run locally in a simulated job.

The test reads action.yml and executes its `run` steps with bash, as the runner does for a
composite action: `${{ inputs.* }}`, `${{ steps.*.outputs.* }}`, `${{ github.* }}` and
`${{ runner.* }}` substituted, a fresh `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` file per step,
the workspace as working directory. So the test breaks when action.yml and checker/cli/action.py drift
apart. `actions/setup-python` is the one step simulated (it answers with this Python); the install
step really runs in one test (it needs the package index), the others start from this venv.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from repo_snapshot import REPO, git, package_index_reachable, snapshot

ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

READ_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Cost", "Effect": "Allow", "Action": ["ce:GetCostAndUsage", "ce:GetCostForecast"],
                   "Resource": "*"}],
}
# json.dumps(indent=2): line 9 is "s3:PutObject".
WRITE = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Cost", "Effect": "Allow", "Action": ["ce:GetCostAndUsage", "s3:PutObject"],
                   "Resource": "*"}],
}
WRITE_LINE = 9


@dataclass
class Job:
    """One simulated run of the action: per-step results and the action's resolved outputs."""

    returncode: int
    stdout: str
    stderr: str
    step_outputs: dict[str, dict[str, str]]
    summaries: dict[str, str]
    outputs: dict[str, str] = field(default_factory=dict)


def parse_output_file(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT's two syntaxes: `name=value` and `name<<DELIMITER` ... `DELIMITER`."""
    out: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            end = lines.index(delim, i + 1)
            out[name] = "\n".join(lines[i + 1:end])
            i = end + 1
            continue
        if line:
            name, value = line.split("=", 1)
            out[name] = value
        i += 1
    return out


class Runner:
    def __init__(self, workspace: Path, temp: Path, inputs: Mapping[str, str], action_path: Path = REPO) -> None:
        unknown = set(inputs) - set(ACTION["inputs"])
        assert not unknown, f"inputs not declared in action.yml: {unknown}"
        self.workspace = workspace
        self.temp = temp
        self.action_path = action_path
        self.inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
        self.inputs.update(inputs)
        self.steps: dict[str, dict[str, str]] = {}

    def resolve(self, text: Any) -> str:
        def one(m: re.Match[str]) -> str:
            expr = m.group(1)
            parts = expr.split(".")
            if parts[0] == "inputs" and len(parts) == 2:
                return self.inputs[parts[1]]
            if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
                return self.steps.get(parts[1], {}).get(parts[3], "")
            if expr == "github.action_path":
                return str(self.action_path)
            if expr == "github.workspace":
                return str(self.workspace)
            if expr == "runner.temp":
                return str(self.temp)
            raise AssertionError(f"action.yml uses an expression this simulation does not know: {expr}")

        if isinstance(text, bool):
            return "true" if text else "false"
        return EXPR.sub(one, str(text))

    def run(self, *, preset: Mapping[str, Mapping[str, str]] | None = None) -> Job:
        """Run every step; a step whose id is in ``preset`` is not run and answers those outputs."""
        preset = preset or {}
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_", "CHECK_PERMISSIONS_"))}
        stdout, stderr, summaries = [], [], {}
        code = 0
        for n, step in enumerate(ACTION["runs"]["steps"]):
            sid = step.get("id", f"step{n}")
            assert "if" not in step, "conditional steps are not simulated: extend the test"
            if sid in preset:
                self.steps[sid] = dict(preset[sid])
                continue
            if "uses" in step:
                assert step["uses"].startswith("actions/setup-python@"), f"unsimulated step {step['uses']}"
                with_ = {k: self.resolve(v) for k, v in step.get("with", {}).items()}
                assert with_["python-version"] == self.inputs["python-version"]
                assert with_["update-environment"] == "false", "the action must leave the job's Python alone"
                self.steps[sid] = {"python-path": sys.executable, "python-version": "3.11"}
                continue
            assert step["shell"] == "bash"
            output_file = self.temp / f"output-{sid}"
            summary_file = self.temp / f"summary-{sid}"
            output_file.write_text("")
            summary_file.write_text("")
            script = self.temp / f"step-{sid}.sh"
            script.write_text(self.resolve(step["run"]))
            env = {**base, "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(self.workspace),
                   "GITHUB_ACTION_PATH": str(self.action_path), "RUNNER_TEMP": str(self.temp),
                   "GITHUB_OUTPUT": str(output_file), "GITHUB_STEP_SUMMARY": str(summary_file),
                   "PIP_NO_COMPILE": "1"}
            env.update({k: self.resolve(v) for k, v in step.get("env", {}).items()})
            r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                               cwd=step.get("working-directory", self.workspace), env=env,
                               capture_output=True, text=True, timeout=600)
            stdout.append(r.stdout)
            stderr.append(r.stderr)
            self.steps[sid] = parse_output_file(output_file.read_text())
            summaries[sid] = summary_file.read_text()
            code = r.returncode
            if code != 0:
                break
        job = Job(code, "".join(stdout), "".join(stderr), self.steps, summaries)
        if code == 0 or "gate" in self.steps:
            job.outputs = {name: self.resolve(spec["value"]) for name, spec in ACTION["outputs"].items()}
        return job


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "workspace"
    (ws / "policies").mkdir(parents=True)
    git("init", "-q", ".", cwd=ws)
    return ws


def write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")
    return path


def gate(workspace: Path, tmp_path: Path, **inputs: str) -> Job:
    """The action's steps after the install, with this venv's Python as the installed one."""
    temp = tmp_path / "runner-temp"
    temp.mkdir(exist_ok=True)
    return Runner(workspace, temp, inputs).run(preset={"install": {"python": sys.executable}})


# --- the action's shape --------------------------------------------------------------------------


def test_action_is_composite_and_every_input_reaches_the_gate() -> None:
    assert ACTION["runs"]["using"] == "composite"
    ids = [s.get("id") for s in ACTION["runs"]["steps"]]
    assert ids == ["python", "install", "gate"]
    install = ACTION["runs"]["steps"][1]
    assert "${{ github.action_path }}" in install["env"].values()
    assert "pip install" in install["run"]
    gate_step = ACTION["runs"]["steps"][2]
    assert gate_step["run"].strip() == '"$CHECK_PERMISSIONS_PYTHON" -m checker.cli.action'
    # Inputs reach the script only through env (never interpolated into a script: no injection).
    for step in ACTION["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), f"step {step.get('id')} interpolates into its script"
    mapped = {k: v for k, v in gate_step["env"].items() if k.startswith("INPUT_")}
    declared = set(ACTION["inputs"]) - {"python-version"}
    assert {m.group(1) for v in mapped.values() for m in [re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", v)]
            if m} == declared
    for env_name, value in mapped.items():
        name = value.split("inputs.")[1].rstrip(" }")
        assert env_name == "INPUT_" + name.upper().replace("-", "_")
    # ... and checker/cli/action.py reads each of them.
    source = (REPO / "checker" / "cli" / "action.py").read_text(encoding="utf-8")
    read = set(re.findall(r'_(?:input|bool|split)\(env, "([\w-]+)"', source))
    assert read == declared
    assert set(ACTION["outputs"]) == {"findings", "failing", "passed", "sarif-file", "exit-code"}


# --- the gate step in a simulated job -------------------------------------------------------------


def test_read_only_policy_passes_with_outputs_sarif_and_summary(workspace: Path, tmp_path: Path) -> None:
    write(workspace / "policies" / "ro.json", READ_ONLY)
    job = gate(workspace, tmp_path)
    assert job.returncode == 0, job.stdout + job.stderr
    assert job.outputs == {"findings": "0", "failing": "0", "passed": "true",
                           "sarif-file": "check-permissions.sarif", "exit-code": "0"}
    sarif = json.loads((workspace / "check-permissions.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["results"] == []
    assert not [line for line in job.stdout.splitlines() if line.startswith("::")]
    assert "✅ check-permissions passed: 1 policies in 1 files" in job.summaries["gate"]


def test_write_fails_with_annotation_sarif_result_and_summary(workspace: Path, tmp_path: Path) -> None:
    write(workspace / "policies" / "ro.json", READ_ONLY)
    write(workspace / "policies" / "w.json", WRITE)
    job = gate(workspace, tmp_path, paths="policies", **{"sarif-file": "reports/cp.sarif"})
    assert job.returncode == 1, job.stdout + job.stderr
    assert job.outputs == {"findings": "1", "failing": "1", "passed": "false",
                           "sarif-file": "reports/cp.sarif", "exit-code": "1"}
    commands = [line for line in job.stdout.splitlines() if line.startswith("::")]
    assert commands == [
        f"::error file=policies/w.json,line={WRITE_LINE},endLine={WRITE_LINE},"
        "title=IAM101 write-action-allowed::" + commands[0].split("::", 2)[2]]
    assert "s3:PutObject" in commands[0]
    # The text report is in the log too, with the source line.
    assert f"policies/w.json:{WRITE_LINE}: error IAM101 write-action-allowed" in job.stdout
    [result] = json.loads((workspace / "reports" / "cp.sarif").read_text(encoding="utf-8"))["runs"][0]["results"]
    assert result["ruleId"] == "IAM101"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "policies/w.json"
    assert location["region"]["startLine"] == WRITE_LINE
    assert "s3:PutObject" in result["message"]["text"]
    assert "❌ check-permissions FAILED" in job.summaries["gate"]
    assert "IAM101" in job.summaries["gate"]


def test_sarif_is_valid_against_the_official_schema(workspace: Path, tmp_path: Path, shared_data: Path) -> None:
    import jsonschema

    write(workspace / "policies" / "w.json", WRITE)
    job = gate(workspace, tmp_path)
    assert job.returncode == 1
    schema = json.loads((shared_data / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(
        json.loads((workspace / "check-permissions.sarif").read_text(encoding="utf-8")))


def test_annotations_and_summary_can_be_turned_off(workspace: Path, tmp_path: Path) -> None:
    write(workspace / "policies" / "w.json", WRITE)
    job = gate(workspace, tmp_path, annotations="false", summary="false", **{"sarif-file": ""})
    assert job.returncode == 1
    assert not [line for line in job.stdout.splitlines() if line.startswith("::")]
    assert job.summaries["gate"] == ""
    assert job.outputs["sarif-file"] == ""
    assert not list(workspace.rglob("*.sarif"))
    # Summary without annotations: the summary alone, written once.
    job = gate(workspace, tmp_path, annotations="false")
    assert not [line for line in job.stdout.splitlines() if line.startswith("::")]
    assert job.summaries["gate"].count("## check-permissions") == 1


def test_summary_is_written_once_with_annotations(workspace: Path, tmp_path: Path) -> None:
    write(workspace / "policies" / "w.json", WRITE)
    job = gate(workspace, tmp_path)
    assert job.summaries["gate"].count("## check-permissions") == 1


def test_fail_on_none_reports_without_failing(workspace: Path, tmp_path: Path) -> None:
    write(workspace / "policies" / "w.json", WRITE)
    job = gate(workspace, tmp_path, **{"fail-on": "none"})
    assert job.returncode == 0, job.stdout + job.stderr
    assert job.outputs == {"findings": "1", "failing": "1", "passed": "false",
                           "sarif-file": "check-permissions.sarif", "exit-code": "0"}
    assert any(line.startswith("::error file=policies/w.json") for line in job.stdout.splitlines())


def test_profile_input_is_used(workspace: Path, tmp_path: Path) -> None:
    write(workspace / "policies" / "w.json", WRITE)
    job = gate(workspace, tmp_path, profile="audit")
    # The audit profile makes writes warnings; it fails only on errors.
    assert job.returncode == 0, job.stdout + job.stderr
    assert any(line.startswith(f"::warning file=policies/w.json,line={WRITE_LINE},")
               and "IAM101" in line for line in job.stdout.splitlines())
    assert job.outputs["failing"] == "0"


def test_several_paths_on_lines_and_quoted(workspace: Path, tmp_path: Path) -> None:
    write(workspace / "a dir" / "ro.json", READ_ONLY)
    write(workspace / "policies" / "w.json", WRITE)
    job = gate(workspace, tmp_path, paths='"a dir/ro.json"\npolicies/w.json\n')
    assert job.returncode == 1
    assert job.outputs["findings"] == "1"
    assert "2 policies in 2 files" in job.stdout


@pytest.mark.parametrize(("inputs", "message"), [
    ({"fail-on": "sometimes"}, "input 'fail-on' must be error, warning, note or none, not 'sometimes'"),
    ({"annotations": "yes"}, "input 'annotations' must be true or false, not 'yes'"),
    ({"paths": "missing.json"}, "missing.json: no such file or directory"),
    ({"profile": "no-such-profile"}, "no-such-profile"),
])
def test_bad_inputs_exit_2_with_an_annotation(workspace: Path, tmp_path: Path, inputs: dict[str, str],
                                             message: str) -> None:
    write(workspace / "policies" / "ro.json", READ_ONLY)
    job = gate(workspace, tmp_path, **inputs)
    assert job.returncode == 2, job.stdout + job.stderr
    assert "Traceback" not in job.stderr
    assert message in job.stderr
    [annotation] = [line for line in job.stdout.splitlines() if line.startswith("::")]
    assert annotation.startswith("::error title=check-permissions::check-permissions: error: ")
    assert job.outputs["exit-code"] == "2"
    assert job.outputs["findings"] == ""


def test_no_policy_found_exits_2(workspace: Path, tmp_path: Path) -> None:
    write(workspace / "package.json", {"name": "x"})
    job = gate(workspace, tmp_path, paths="package.json")
    assert job.returncode == 2
    assert "no policies found in package.json" in job.stderr


def onboarding_workspace(workspace: Path) -> Path:
    """The workspace of a repository holding a copy of infra/aws/onboarding (with its example tfvars)."""
    shutil.copytree(REPO / "infra" / "aws" / "onboarding", workspace / "infra" / "aws" / "onboarding",
                    ignore=shutil.ignore_patterns(".terraform", "terraform.tfvars", "*.tfstate*"))
    return workspace / "infra" / "aws" / "onboarding"


def test_var_files_let_the_onboarding_module_pass(workspace: Path, tmp_path: Path) -> None:
    onboarding_workspace(workspace)
    job = gate(workspace, tmp_path, paths="infra/aws/onboarding",
               **{"var-files": "infra/aws/onboarding/terraform.tfvars.example"})
    assert job.returncode == 0, job.stdout + job.stderr
    # one warning: the role as a CloudFormation template (cloudformation/), read without its parameters,
    # trusts one twelve-digit account (its AllowedPattern) that is not proven
    assert job.outputs == {"findings": "1", "failing": "0", "passed": "true",
                           "sarif-file": "check-permissions.sarif", "exit-code": "0"}
    # Without the values the account id and the bucket are unknown: the gate fails closed.
    job = gate(workspace, tmp_path, paths="infra/aws/onboarding")
    assert job.returncode == 1, job.stdout + job.stderr
    rules = {line.split("title=")[1].split(" ")[0] for line in job.stdout.splitlines() if line.startswith("::error")}
    assert {"IAM402", "IAM302"} <= rules


def test_vars_override_the_var_files_line_by_line(workspace: Path, tmp_path: Path) -> None:
    onboarding_workspace(workspace)
    # One NAME=VALUE a line, a value with a space kept whole; later values win over the tfvars file.
    job = gate(workspace, tmp_path, paths="infra/aws/onboarding", format="json", annotations="false",
               **{"var-files": "infra/aws/onboarding/terraform.tfvars.example",
                  "vars": "cur_bucket_name=*\n\n  cur_report_prefix=cost reports/  \n"})
    assert job.returncode == 1, job.stdout + job.stderr
    report = json.loads(job.stdout)
    assert [(f["rule_id"], f["file"], f["line"], f["actions"]) for f in report["findings"]] == [
        ("IAM002", "infra/aws/onboarding/cloudformation/onboarding-role.yaml", 95, []),
        ("IAM302", "infra/aws/onboarding/main.tf", 14, ["s3:GetObject"])]
    assert "Resource 'arn:aws:s3:::*/cost reports/*'" in report["findings"][1]["message"]


def test_planted_write_in_the_onboarding_module_fails_at_its_line(workspace: Path, tmp_path: Path) -> None:
    module = onboarding_workspace(workspace)
    main_tf = module / "main.tf"
    text = main_tf.read_text(encoding="utf-8")
    anchor = '      "ce:DescribeCostCategoryDefinition",\n'
    assert anchor in text
    main_tf.write_text(text.replace(anchor, anchor + '      "ce:DeleteCostCategoryDefinition",\n', 1),
                       encoding="utf-8")
    line = text[: text.index(anchor)].count("\n") + 2
    job = gate(workspace, tmp_path, paths="infra/aws/onboarding",
               **{"var-files": "infra/aws/onboarding/terraform.tfvars.example", "format": "junit",
                  "output": "reports/check-permissions.xml"})
    assert job.returncode == 1, job.stdout + job.stderr
    assert job.outputs["exit-code"] == "1" and job.outputs["failing"] == "1"
    [annotation] = [x for x in job.stdout.splitlines() if x.startswith("::error")]
    assert annotation.startswith(f"::error file=infra/aws/onboarding/main.tf,line={line},endLine={line},"
                                 "title=IAM101 write-action-allowed::")
    assert "ce:DeleteCostCategoryDefinition" in annotation
    # The junit report went to its file; the log keeps the text report.
    junit = (workspace / "reports" / "check-permissions.xml").read_text(encoding="utf-8")
    assert junit.startswith("<?xml") and 'name="IAM101 write-action-allowed"' in junit and "<failure" in junit
    assert f"infra/aws/onboarding/main.tf:{line}: error IAM101 write-action-allowed" in job.stdout


def test_bad_format_exits_2(workspace: Path, tmp_path: Path) -> None:
    write(workspace / "policies" / "ro.json", READ_ONLY)
    job = gate(workspace, tmp_path, format="yaml")
    assert job.returncode == 2
    assert "input 'format' must be one of text, json, sarif, junit, github, markdown, not 'yaml'" in job.stderr


# --- the README's workflow is the action's --------------------------------------------------------


def workflows(doc: str) -> list[dict[str, Any]]:
    """The GitHub Actions workflows of a Markdown file: its yaml blocks that use this action."""
    text = (REPO / doc).read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"^```ya?ml\n(.*?)^```", text, re.S | re.M) if "/check-permissions@" in b]
    return [yaml.safe_load(b) for b in blocks]


def gate_step(workflow: dict[str, Any]) -> dict[str, Any]:
    [step] = [s for job in workflow["jobs"].values() for s in job["steps"] if "/check-permissions@" in s.get("uses", "")]
    return step


def readme_gate_step() -> dict[str, Any]:
    [workflow] = workflows("README.md")  # exactly one workflow on the front page
    return gate_step(workflow)


@pytest.mark.parametrize("doc", ["README.md", "docs/action.md"])
def test_documented_workflows_use_declared_inputs_and_an_existing_ref(doc: str) -> None:
    found = workflows(doc)
    assert found, f"{doc} shows no workflow that uses the action"
    tags = git("tag", "--list", cwd=REPO).split()
    for workflow in found:
        step = gate_step(workflow)
        assert set(step["with"]) <= set(ACTION["inputs"]), set(step["with"]) - set(ACTION["inputs"])
        ref = step["uses"].split("@", 1)[1]
        # The default branch until a release is tagged; then a tag that exists (or a full commit SHA).
        assert ref == "main" or ref in tags or re.fullmatch(r"[0-9a-f]{40}", ref), ref
        # The outputs the workflow reads exist.
        for name in re.findall(r"steps\.gate\.outputs\.([\w-]+)", yaml.safe_dump(workflow)):
            assert name in ACTION["outputs"], name


def test_readme_workflow_gates_the_onboarding_module_and_passes(workspace: Path, tmp_path: Path) -> None:
    onboarding_workspace(workspace)
    inputs = {k: str(v) for k, v in readme_gate_step()["with"].items()}
    assert inputs["paths"] == "infra/aws/onboarding"
    job = gate(workspace, tmp_path, **inputs)
    assert job.returncode == 0, job.stdout + job.stderr
    # the template in cloudformation/ without its parameters: one warning (IAM002), no failure
    assert job.outputs["passed"] == "true" and job.outputs["findings"] == "1" and job.outputs["failing"] == "0"


# --- the whole action, install included --------------------------------------------------------------


@pytest.mark.install
@pytest.mark.skipif(not package_index_reachable(), reason="the package index is unreachable: the install "
                    "step (pip install of the action's source and its dependencies) cannot run")
def test_whole_action_installs_the_package_at_the_actions_ref(workspace: Path, tmp_path: Path) -> None:
    action_path = snapshot(tmp_path / "action-src")  # the action as checked out at its ref
    write(workspace / "policies" / "w.json", WRITE)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    job = Runner(workspace, temp, {"paths": "policies"}, action_path=action_path).run()
    installed = job.step_outputs["install"]["python"]
    assert installed == str(temp / "check-permissions-venv" / "bin" / "python")
    # The gate ran from the installed copy, not from this checkout.
    where = subprocess.run([installed, "-c", "import checker; print(checker.__file__)"], cwd=workspace,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(temp / "check-permissions-venv"))
    assert job.returncode == 1, job.stdout + job.stderr
    assert job.outputs["findings"] == "1"
    assert f"::error file=policies/w.json,line={WRITE_LINE}," in job.stdout
