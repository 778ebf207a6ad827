"""Configuration files: discovery, validation (unknown keys), precedence of the command line, relative paths."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from checker.engine.findings import Severity
from checker.settings import InputError, Settings, find_config, load_config, load_settings

REPO = Path(__file__).resolve().parents[1]
# Named actions only (no wildcard), so that rules other than IAM101 stay quiet in the read-only profile.
WRITE = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "W", "Effect": "Allow", "Action": ["ce:GetCostAndUsage", "ce:CreateAnomalyMonitor"],
                   "Resource": "*"}],
}
READ = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ce:GetCostAndUsage", "Resource": "*"}]}


def iam101(report: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    return [(f["file"], f["severity"], f["actions"]) for f in report["findings"] if f["rule_id"] == "IAM101"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "check_permissions.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository root (it has .git), so that discovery never climbs above the test's folder."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    return root


# --- discovery -----------------------------------------------------------------------------------


def test_discovery_goes_upward_from_the_working_directory_and_skips_pyproject_without_table(repo: Path) -> None:
    cfg = write(repo / ".check-permissions.toml", 'profile = "audit"\n')
    write(repo / "infra" / "pyproject.toml", '[project]\nname = "x"\n')  # no [tool.check-permissions]
    policy = write(repo / "infra" / "iam" / "p.json", READ)
    assert find_config(policy.parent) == cfg
    assert load_settings([policy], cwd=policy.parent).profile == "audit"
    write(repo / "infra" / "pyproject.toml", '[project]\nname = "x"\n[tool.check-permissions]\nfail-on = "note"\n')
    assert find_config(policy.parent) == repo / "infra" / "pyproject.toml"
    assert load_settings([policy], cwd=policy.parent).fail_on is Severity.NOTE


def test_dedicated_file_wins_over_pyproject_in_the_same_folder(repo: Path) -> None:
    write(repo / "pyproject.toml", '[tool.check-permissions]\nprofile = "audit"\n')
    write(repo / ".check-permissions.toml", 'profile = "read-only"\n')
    assert find_config(repo) == repo / ".check-permissions.toml"
    assert load_settings([repo], cwd=repo).profile == "read-only"


def test_discovery_stops_at_the_git_root(tmp_path: Path) -> None:
    write(tmp_path / ".check-permissions.toml", 'profile = "audit"\n')  # above the repository: not read
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    policy = write(tmp_path / "repo" / "p.json", READ)
    assert find_config(policy.parent) is None
    assert load_settings([policy], cwd=policy.parent) == Settings()


def test_the_working_directory_decides_never_a_scanned_path(repo: Path) -> None:
    write(repo / "a" / ".check-permissions.toml", 'profile = "audit"\n')
    a = write(repo / "a" / "p.json", READ)
    b = write(repo / "b" / "p.json", READ)
    assert load_settings([a, b], cwd=repo).profile == "read-only"
    assert load_settings([a], cwd=repo).profile == "read-only"
    assert load_settings([b], cwd=repo / "a").profile == "audit"
    assert load_settings([a], cwd=repo / "b").profile == "read-only"


# --- validation ----------------------------------------------------------------------------------


def test_unknown_key_is_exit_2_with_file_and_key(repo: Path) -> None:
    write(repo / "p.json", READ)
    write(repo / "pyproject.toml", '[tool.check-permissions]\nprofile = "audit"\nfail_on = "error"\n')
    r = run("check", "p.json", cwd=repo)
    assert r.returncode == 2
    assert r.stderr.strip() == ("check-permissions: error: pyproject.toml: invalid configuration: "
                                "unknown key 'tool.check-permissions.fail_on'")


def test_unknown_key_in_an_exception_and_a_bad_value(repo: Path) -> None:
    write(repo / "p.json", READ)
    write(repo / ".check-permissions.toml",
          'fail-on = "fatal"\n[[exceptions]]\nrule = "IAM101"\npath = "p.json"\nreason = "x"\nuntil = 2030-01-01\n')
    r = run("check", "p.json", cwd=repo)
    assert r.returncode == 2, r.stdout
    assert r.stderr.startswith("check-permissions: error: .check-permissions.toml: invalid configuration: ")
    assert "fail-on: Input should be 'error', 'warning' or 'note'" in r.stderr
    assert "unknown key 'exceptions[0].until'" in r.stderr
    assert "Traceback" not in r.stderr


def test_invalid_toml_is_exit_2(repo: Path) -> None:
    write(repo / "p.json", READ)
    write(repo / ".check-permissions.toml", 'profile = "audit\n')
    r = run("check", "p.json", cwd=repo)
    assert r.returncode == 2
    assert r.stderr.startswith("check-permissions: error: .check-permissions.toml: not valid TOML: ")


def test_pyproject_given_explicitly_needs_the_table(repo: Path) -> None:
    write(repo / "p.json", READ)
    write(repo / "pyproject.toml", '[project]\nname = "x"\n')
    r = run("check", "p.json", "--config", "pyproject.toml", cwd=repo)
    assert (r.returncode, r.stderr.strip()) == (
        2, "check-permissions: error: pyproject.toml: has no [tool.check-permissions] table")
    r = run("check", "p.json", "--config", "nope.toml", cwd=repo)
    assert (r.returncode, r.stderr.strip()) == (2, "check-permissions: error: nope.toml: configuration file not found")


# --- precedence ----------------------------------------------------------------------------------


def test_command_line_overrides_the_config(repo: Path) -> None:
    write(repo / "w.json", WRITE)
    write(repo / "pyproject.toml", '[tool.check-permissions]\nprofile = "audit"\nfail-on = "warning"\n')
    # audit makes IAM101 a warning, fail-on warning fails on it
    r = run("check", "w.json", "-f", "json", cwd=repo)
    report = json.loads(r.stdout)
    assert (r.returncode, report["profile"]) == (1, {"name": "audit", "fail_on": "warning"})
    assert iam101(report) == [("w.json", "warning", ["ce:CreateAnomalyMonitor"])]
    # --fail-on from the command line wins: the warning no longer fails
    r = run("check", "w.json", "--fail-on", "error", "-f", "json", cwd=repo)
    assert (r.returncode, json.loads(r.stdout)["profile"]) == (0, {"name": "audit", "fail_on": "error"})
    # --profile wins too: read-only makes IAM101 an error
    r = run("check", "w.json", "--profile", "read-only", "-f", "json", cwd=repo)
    report = json.loads(r.stdout)
    assert (r.returncode, report["profile"]["name"]) == (1, "read-only")
    assert iam101(report) == [("w.json", "error", ["ce:CreateAnomalyMonitor"])]
    # --no-config ignores the file: the default profile
    r = run("check", "w.json", "--no-config", "-f", "json", cwd=repo)
    assert json.loads(r.stdout)["profile"] == {"name": "read-only", "fail_on": "error"}
    r = run("check", "w.json", "--no-config", "--config", "pyproject.toml", cwd=repo)
    assert (r.returncode, r.stderr.strip()) == (
        2, "check-permissions: error: --config and --no-config cannot be used together")


def test_explicit_config_file_replaces_discovery(repo: Path) -> None:
    write(repo / "w.json", WRITE)
    write(repo / ".check-permissions.toml", 'profile = "read-only"\n')
    write(repo / "ci" / "gate.toml", 'profile = "audit"\n')
    r = run("check", "w.json", "--config", "ci/gate.toml", "-f", "json", cwd=repo)
    report = json.loads(r.stdout)
    assert (r.returncode, report["profile"]["name"]) == (0, "audit")
    assert iam101(report) == [("w.json", "warning", ["ce:CreateAnomalyMonitor"])]


def test_exclude_from_command_line_replaces_the_configs(repo: Path) -> None:
    write(repo / "pol" / "w.json", WRITE)
    write(repo / "pol" / "gen" / "x.json", WRITE)
    write(repo / ".check-permissions.toml", 'exclude = ["pol/gen/*"]\n')
    r = run("check", "pol", "-f", "json", cwd=repo)
    assert [f[0] for f in iam101(json.loads(r.stdout))] == ["pol/w.json"]
    r = run("check", "pol", "-f", "json", "--exclude", "w.json", cwd=repo)
    assert [f[0] for f in iam101(json.loads(r.stdout))] == ["pol/gen/x.json"]


# --- paths relative to the config file -----------------------------------------------------------


def test_paths_in_the_config_are_relative_to_its_folder(repo: Path) -> None:
    write(repo / "policies" / "w.json", WRITE)
    write(repo / "policies" / "legacy" / "old.json", WRITE)
    write(repo / "policies" / "legacy" / "also-by-name.json", WRITE)
    write(repo / "gates" / "strict.toml", 'name = "strict"\nallowed_levels = ["List"]\n')
    write(repo / ".check-permissions.toml",
          'profile = "gates/strict.toml"\nexclude = ["policies/legacy/old.json", "also-by-name.json"]\n')
    (repo / "tools").mkdir()
    # run from another folder: the globs and the profile path still resolve from the config's folder
    r = run("check", "../policies", "-f", "json", cwd=repo / "tools")
    report = json.loads(r.stdout)
    assert report["profile"]["name"] == "../gates/strict.toml"  # a profile file is named by its path
    # only w.json is read; ce:GetCostAndUsage is Read, which the strict profile does not allow
    assert report["summary"]["files"] == 1
    assert iam101(report) == [("../policies/w.json", "error", ["ce:CreateAnomalyMonitor", "ce:GetCostAndUsage"])]


def test_settings_from_config_resolve_relative_paths(repo: Path) -> None:
    write(repo / "sub" / ".check-permissions.toml",
          'baseline = "bl/base.json"\nexclude = ["gen/*", "*.tmp.json"]\nfail-on = "note"\n')
    s = load_settings([repo / "sub"], cwd=repo / "sub")
    assert s.baseline is not None and os.path.abspath(s.baseline) == str(repo / "sub" / "bl" / "base.json")
    assert s.exclude == (f"{(repo / 'sub').as_posix()}/gen/*", "*.tmp.json")
    assert s.fail_on is Severity.NOTE
    assert s.config_file is not None and s.config_file.endswith("sub/.check-permissions.toml")
    # command line values replace, None means "not given"
    s2 = load_settings([repo / "sub"], cwd=repo / "sub", fail_on=Severity.ERROR, baseline=None, exclude=("x",))
    assert (s2.fail_on, s2.baseline, s2.exclude) == (Severity.ERROR, s.baseline, ("x",))


def test_keys_for_settings_this_version_lacks_are_refused(repo: Path) -> None:
    write(repo / ".check-permissions.toml", 'var-files = ["prod.tfvars"]\nallow-outside = true\n')
    fields = {f.name for f in dataclasses.fields(Settings)}
    if "var_files" in fields and "allow_outside" in fields:
        s = load_settings([repo], cwd=repo)
        assert [os.path.abspath(f) for f in s.var_files] == [str(repo / "prod.tfvars")]
        assert s.allow_outside is True
    else:
        with pytest.raises(InputError, match=r"\.check-permissions\.toml: key '(var-files|allow-outside)' "
                                             r"is not supported by this version"):
            load_settings([repo], cwd=repo)


def test_exceptions_are_read_with_their_lines(repo: Path) -> None:
    cfg = write(repo / "pyproject.toml", """[project]
name = "x"

[tool.check-permissions]
profile = "read-only"

[[tool.check-permissions.exceptions]]
rule = "IAM101"
path = "policies/*.json"
sid = "Cur*"
actions = ["s3:PutObject"]
reason = "CUR delivery"
expires = 2030-01-31

[[tool."check-permissions".exceptions]]
rule = "write-action-allowed"
address = "aws_iam_policy.legacy"
reason = "legacy"
""")
    c = load_config(cfg)
    assert [(e.rule, e.line, e.index, e.path, e.sid, e.actions, e.reason, str(e.expires)) for e in c.exceptions] == [
        ("IAM101", 7, 0, "policies/*.json", "Cur*", ("s3:PutObject",), "CUR delivery", "2030-01-31"),
        ("write-action-allowed", 15, 1, None, None, None, "legacy", "None"),
    ]
    assert c.exceptions[0].base_dir == str(repo)


def test_inline_exception_array_lines(repo: Path) -> None:
    cfg = write(repo / ".check-permissions.toml", """exceptions = [
  {rule = "IAM101", path = "a.json", reason = "a"},
  {path = "b.json", rule = "IAM101", reason = "b"},
]
""")
    assert [e.line for e in load_config(cfg).exceptions] == [2, 3]


def test_var_files_from_the_config_reach_terraform(repo: Path) -> None:
    write(repo / "infra" / "main.tf", """variable "actions" {
  type    = list(string)
  default = ["ce:GetCostAndUsage"]
}

resource "aws_iam_policy" "cost" {
  name = "cost"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Cost", Effect = "Allow", Action = var.actions, Resource = "*" }]
  })
}
""")
    write(repo / "env" / "prod.tfvars", 'actions = ["ce:GetCostAndUsage", "ce:CreateAnomalyMonitor"]\n')
    write(repo / "env" / "dev.tfvars", 'actions = ["ce:GetCostAndUsage"]\n')
    write(repo / ".check-permissions.toml", 'var-files = ["env/prod.tfvars"]\n')
    (repo / "tools").mkdir()
    r = run("check", "../infra", "-f", "json", cwd=repo / "tools")
    assert r.returncode == 1, r.stderr
    # the finding points where the value is written: the tfvars file, shown relative to the working folder
    assert iam101(json.loads(r.stdout)) == [("../env/prod.tfvars", "error", ["ce:CreateAnomalyMonitor"])]
    # --var-file on the command line replaces the config's list
    r = run("check", "infra", "--var-file", "env/dev.tfvars", "-f", "json", cwd=repo)
    assert iam101(json.loads(r.stdout)) == []


# --- the input never steers the gate -------------------------------------------------------------


VENDOR_CONFIGS = {
    # a permissive profile of its own
    "profile": 'profile = "lax.toml"\n',
    # its own findings excepted
    "exception": '[[exceptions]]\nrule = "IAM101"\npath = "w.json"\nreason = "trust us"\n',
    # a built-in profile that does not fail on warnings
    "audit": 'profile = "audit"\n',
}


def _vendor(repo: Path, config: str) -> Path:
    """A vendored module that ships a configuration allowing its own writes."""
    vendor = repo / "vendor-module"
    write(vendor / "w.json", WRITE)
    write(vendor / "lax.toml", 'name = "lax"\nallowed_levels = ["List", "Read", "Write"]\n')
    write(vendor / ".check-permissions.toml", VENDOR_CONFIGS[config])
    return vendor


@pytest.mark.parametrize("config", sorted(VENDOR_CONFIGS))
def test_a_config_inside_a_scanned_folder_is_not_used(repo: Path, config: str) -> None:
    vendor = _vendor(repo, config)
    for target in ("vendor-module", "vendor-module/w.json"):
        r = run("check", target, "-f", "json", cwd=repo)
        report = json.loads(r.stdout)
        assert (r.returncode, report["profile"]) == (1, {"name": "read-only", "fail_on": "error"})
        assert iam101(report) == [("vendor-module/w.json", "error", ["ce:CreateAnomalyMonitor"])]
        assert report["suppressed"] == []
    r = run("check", "vendor-module", cwd=repo)
    assert r.returncode == 1
    assert r.stdout.splitlines()[-1].endswith("(profile read-only, fails on error)")
    # run from inside the folder, its configuration is the user's own: it applies
    r = run("check", ".", "-f", "json", cwd=vendor)
    report = json.loads(r.stdout)
    assert r.returncode == 0, r.stdout
    assert report["profile"]["name"] == {"profile": "lax.toml", "exception": "read-only", "audit": "audit"}[config]
    suppressed = [(s["rule_id"], s["file"], s["suppressed_by"]["kind"]) for s in report["suppressed"]]
    assert suppressed == ([("IAM101", "w.json", "exception")] if config == "exception" else [])


def test_config_named_with_option_applies_from_anywhere(repo: Path) -> None:
    _vendor(repo, "profile")
    r = run("check", "vendor-module", "--config", "vendor-module/.check-permissions.toml", "-f", "json", cwd=repo)
    report = json.loads(r.stdout)
    # a profile from a file is named by its path (as the working directory reaches it)
    assert (r.returncode, report["profile"]["name"]) == (0, "vendor-module/lax.toml")
    assert iam101(report) == []
