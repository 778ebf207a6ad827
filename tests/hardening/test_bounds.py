"""Bounded work on hostile input (checker/terraform/limits.py, docs/hardening.md).

Each fixture in tests/fixtures/hostile/ would, without a bound, take minutes or gigabytes (35 locals
that each double a string reach 2**36 characters; a YAML billion laughs expands to 9**9 nodes;
``format("%999999999s")`` asks for a gigabyte). The gate runs in a child process that may use at
most 1 GiB of memory (its peak resident set, measured) within 30 s, and must end with exit 1 and
the exact findings below (the
value is unresolved, IAM002, with the limit as its reason; or Terraform's own error, IAM001), or
with exit 2 and one line on standard error. Never a traceback, never a pass.

The child's address space is capped too (RLIMIT_AS, 4 GiB), so that a bound that fails cannot take
the machine's memory; the cap is not the measure: HashiCorp's parser (pygohcl, Go) reserves about
1.5 GiB of address space it never touches, so 1 GiB of address space would starve the gate.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HOSTILE = "tests/fixtures/hostile"
GIB = 1024**3
TIMEOUT_S = 30


# Runs the gate as its only child and reports the child's peak resident set on the last line of
# standard error, so that the measure is the gate's own whatever else the test process has run.
_LAUNCHER = (
    "import resource, subprocess, sys\n"
    "cap = 4 * 1024**3\n"
    "r = subprocess.run(sys.argv[1:], preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (cap, cap)))\n"
    "sys.stderr.write(f'peak-rss-kib {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\\n')\n"
    "sys.exit(r.returncode)\n"
)


def run_limited(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """The gate's run; fails the test when it uses more than 1 GiB of memory or 30 s."""
    r = subprocess.run([sys.executable, "-c", _LAUNCHER, sys.executable, str(REPO / "check_permissions.py"), *args],
                       cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S)
    stderr, _, last = r.stderr.rstrip("\n").rpartition("\n")
    assert last.startswith("peak-rss-kib "), r.stderr
    assert int(last.split()[1]) * 1024 <= GIB, f"the gate used {last.split()[1]} KiB of memory"
    return subprocess.CompletedProcess(r.args, r.returncode, r.stdout, stderr + "\n" if stderr else "")


F = "main.tf"
# fixture -> the findings, each (rule id, file in the fixture, line, text its message contains)
CASES: dict[str, list[tuple[str, str, int, str]]] = {
    "doubling_locals": [("IAM002", F, 44, "evaluation limit: template result of 8,388,608 characters exceeds "
                                          "the limit of 4,194,304")],
    "yaml_bomb": [("IAM002", F, 2, "evaluation limit: YAML document expands to more than 100,000 nodes")],
    "format_width": [("IAM002", F, 6, "evaluation limit: format width of 999,999,999 exceeds the limit of "
                                      "4,194,304")],
    "format_precision": [("IAM002", F, 6, "evaluation limit: format precision of 999,999,999 exceeds")],
    "format_many_widths": [("IAM002", F, 6, "evaluation limit: format() result of 8,000,000 characters")],
    "indent_count": [("IAM002", F, 9, "evaluation limit: indent() result of 2,000,000,003 characters")],
    "range_huge": [("IAM001", F, 6, 'Call to function "range" failed: more than 1024 values were generated'),
                   ("IAM002", F, 4, 'Call to function "range" failed: more than 1024 values were generated')],
    "for_repetition": [("IAM002", F, 10, "evaluation limit: this module's expressions build more than "
                                         "67,108,864 characters and elements in all")],
    "strrev_replace": [("IAM002", F, 11, "evaluation limit: replace() result of 7,999,999 characters")],
    "join_bomb": [("IAM002", F, 11, "evaluation limit: join() result of 8,000,001 characters")],
    "jsonencode_dag": [("IAM002", F, 14, "evaluation limit: this module's expressions build collections of "
                                         "more than 4,000,000 nodes")],
    "multiply_bomb": [("IAM002", F, 13, "evaluation limit: a product of 6,804 bits exceeds the limit of 4,096")],
    "template_for_bomb": [("IAM002", F, 10, "evaluation limit: template of parts of 1,000,001 elements")],
    "deep_parens": [("IAM001", F, 6, "the file nests brackets more than 1000 deep; HashiCorp's parser is not"),
                    ("IAM001", F, 6, "expression is nested too deeply (more than 120 levels)"),
                    ("IAM002", F, 4, "expression is nested too deeply (more than 120 levels)")],
    "deep_brackets": [("IAM001", F, 6, "the file nests brackets more than 1000 deep; HashiCorp's parser is not"),
                      ("IAM001", F, 6, "expression is nested too deeply (more than 120 levels)"),
                      ("IAM002", F, 4, "expression is nested too deeply (more than 120 levels)")],
    "deep_json": [("IAM001", "policy.json", 1, "Nesting deeper than 500 arrays and objects")],
    # try() and can() do not fall back when a bound (not Terraform) stops the first argument:
    # Terraform would compute it, so the fallback is not what Terraform judges
    "try_no_fallback": [
        ("IAM002", F, 9, "try() depends on a value that is not known: evaluation limit: format width"),
        ("IAM002", F, 17, "can() depends on a value that is not known: evaluation limit: format width"),
        ("IAM001", F, 25, "a 'for' over 20,000 elements: more than the 10,000 the analyzer evaluates"),
        ("IAM002", F, 23, "a 'for' over 20,000 elements"),
    ],
}


def test_every_fixture_has_a_case() -> None:
    assert sorted(p.name for p in (REPO / HOSTILE).iterdir()) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input_ends_bounded_with_a_finding(name: str) -> None:
    r = run_limited("check", f"{HOSTILE}/{name}", "--no-config", "-f", "json")
    assert r.returncode == 1, r.stderr
    assert r.stderr == ""
    findings = json.loads(r.stdout)["findings"]
    got = sorted((f["rule_id"], f["file"], f["line"]) for f in findings)
    want = sorted((rule, f"{HOSTILE}/{name}/{file}", line) for rule, file, line, _ in CASES[name])
    assert got == want
    for rule, file, line, text in CASES[name]:
        messages = [f["message"] for f in findings
                    if (f["rule_id"], f["file"], f["line"]) == (rule, f"{HOSTILE}/{name}/{file}", line)]
        assert any(text in m for m in messages), messages


def test_an_input_error_is_one_line_under_the_limits(tmp_path: Path) -> None:
    # exit 2 under the same limits: one line on standard error, nothing on standard output
    policy = tmp_path / "p.json"
    policy.write_text('{"Version": "2012-10-17", "Statement": []}', encoding="utf-8")
    (tmp_path / "mine.toml").write_text('name = "read-only"\nallowed_levels = ["List", "Read", "Write"]\n',
                                        encoding="utf-8")
    r = run_limited("check", "p.json", "--no-config", "--profile", "mine.toml", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == ("check-permissions: error: mine.toml: invalid profile: name 'read-only' is a built-in "
                        "profile's name; a profile file must have a name of its own\n")


@pytest.mark.parametrize("call", ['file("big.txt")', 'templatefile("big.txt", {})', 'filebase64("big.txt")',
                                  'filesha256("big.txt")', 'filebase64sha512("big.txt")'])
def test_a_file_read_is_bounded(tmp_path: Path, call: str) -> None:
    (tmp_path / "big.txt").write_text("s3:GetObject\n" * 420_000, encoding="utf-8")  # 5,460,000 bytes
    (tmp_path / "main.tf").write_text(f"""locals {{
  text = {call}
}}

resource "aws_iam_policy" "p" {{
  name   = "p"
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow",
    Action = [trimspace(substr(local.text, 0, 13))], Resource = "*" }}] }})
}}
""", encoding="utf-8")
    r = run_limited("check", ".", "--no-config", "-f", "json", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    findings = json.loads(r.stdout)["findings"]
    assert [(f["rule_id"], f["file"], f["line"]) for f in findings] == [("IAM002", "main.tf", 8)]
    assert "evaluation limit: file big.txt of 5,460,000 bytes exceeds the limit of 4,194,304" in findings[0]["message"]
