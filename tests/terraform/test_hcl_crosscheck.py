"""HashiCorp's HCL parser is the authority on what a ``.tf`` file says (checker/terraform/crosscheck.py).

Every native-syntax file is parsed by python-hcl2 (the tree the gate evaluates) and by
``hashicorp/hcl/v2`` (through pygohcl); a file the two read differently, or one HashiCorp's parser
rejects, is an IAM001 error at the first line where they differ, and the run fails.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checker.api import check
from checker.settings import Settings
from checker.terraform import parser as tfparser
from checker.terraform.crosscheck import compare, cross_check, project, range_source
from checker.terraform.loader import parse_hcl_file

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = shutil.which("terraform")

# The escape attack: python-hcl2's grammar ends the escape `$${` (and `%%{`) at the next `}`,
# across quotes and lines, while HCL ends the string at the next quote. Terraform reads
# policy_id = "${" and one statement granting iam:* (the decoy sits in a /* */ comment that ends
# inside the `# */` line); python-hcl2 reads policy_id as the whole escaped run and a statement
# granting only ce:GetCostAndUsage. `terraform console` on the same text as locals
# (test_terraform_reads_the_real_actions) prints ["iam:*"] for both escapes.
DECOY = """\
data "aws_iam_policy_document" "cost" {{
  policy_id = "{escape}"
  statement {{
    actions   = ["iam:*"] /* }}"
  statement {{
    actions   = ["ce:GetCostAndUsage"]
    # */
    resources = ["*"]
  }}
}}

resource "aws_iam_policy" "cost" {{
  name   = "cost"
  policy = data.aws_iam_policy_document.cost.json
}}
"""

# python-hcl2 accepts an object whose items have no separator; HCL (and so Terraform) rejects it.
REJECTED = """\
resource "aws_iam_policy" "cost" {
  name = "cost"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow" Action = "ce:GetCostAndUsage", Resource = "*" }]
  })
}
"""


def _findings(module: Path) -> list[tuple[str, str, int, str]]:
    report = check([module], Settings())
    return sorted((f.rule_id, Path(f.file).name, f.line, f.message) for f in report.findings)


def _cli(module: Path) -> tuple[int, list[tuple[str, str, int]]]:
    """Exit code and (rule, file name, line) of each finding of the command line's JSON report."""
    out = subprocess.run([sys.executable, str(REPO / "check_permissions.py"), "check", str(module), "--format", "json"],
                         capture_output=True, text=True, cwd=module, timeout=120)
    findings = json.loads(out.stdout)["findings"] if out.stdout.strip() else []
    return out.returncode, sorted((f["rule_id"], Path(f["file"]).name, f["line"]) for f in findings)


@pytest.mark.parametrize("escape", ["$${", "%%{"])
def test_escape_decoy_is_an_iam001_error_and_fails_the_run(tmp_path: Path, escape: str) -> None:
    module = tmp_path / "m"
    module.mkdir()
    (module / "main.tf").write_text(DECOY.format(escape=escape), encoding="utf-8")

    # python-hcl2 alone reads the decoy: the statement it gives the evaluator grants a read only
    blocks, _ = parse_hcl_file(module / "main.tf", cross_check=False)
    statement = blocks[0].blocks[0]
    assert sorted(statement.attributes) == ["actions", "resources"]
    assert statement.attributes["actions"].line == 6

    read = escape[1:]  # what HCL reads: the escape stands for its literal "${" or "%{"
    swallowed = f'{read}\\"\\n  statement {{\\n    actions   = [\\"iam:*\\"] /* }}'
    assert _findings(module) == [(
        "IAM001", "main.tf", 2,
        f"terraform: HCL parsers disagree on data.aws_iam_policy_document.cost.policy_id (HashiCorp's parser "
        f'reads "{read}", python-hcl2 reads "{swallowed}")',
    )]
    assert _cli(module) == (1, [("IAM001", "main.tf", 2)])


@pytest.mark.skipif(TERRAFORM is None, reason="terraform CLI not on PATH")
@pytest.mark.parametrize("escape", ["$${", "%%{"])
def test_terraform_reads_the_real_actions(tmp_path: Path, escape: str) -> None:
    """The oracle for the decoy: Terraform itself reads the actions python-hcl2 does not see."""
    (tmp_path / "main.tf").write_text(
        f'locals {{\n  policy_id = "{escape}"\n  actions = ["iam:*"] /* }}"\n  actions = ["ce:GetCostAndUsage"]\n'
        "  # */\n}\n", encoding="utf-8")
    out = subprocess.run([str(TERRAFORM), "console"], input="jsonencode([local.policy_id, local.actions])\n",
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == '"[\\"' + escape[1:] + '\\",[\\"iam:*\\"]]"'


def test_file_hashicorp_rejects_is_an_iam001_error(tmp_path: Path) -> None:
    module = tmp_path / "m"
    module.mkdir()
    (module / "main.tf").write_text(REJECTED, encoding="utf-8")
    tfparser.parse_hcl(REJECTED, "main.tf")  # python-hcl2 accepts it
    assert _findings(module) == [(
        "IAM001", "main.tf", 5,
        "terraform: HashiCorp's HCL parser rejects this file: Missing attribute separator; Expected a newline or "
        "comma to mark the beginning of the next attribute. (line 5, column 37)",
    )]
    assert _cli(module) == (1, [("IAM001", "main.tf", 5)])


def test_invalid_escape_python_hcl2_keeps_raw_is_rejected(tmp_path: Path) -> None:
    """python-hcl2 keeps ``\\q`` as text; HCL rejects the escape (so Terraform rejects the file)."""
    text = 'variable "x" {\n  description = "a\\qb"\n}\n'
    assert cross_check(text + "\n", tfparser.parse_hcl(text, "v.tf"), "v.tf") == (
        'HashiCorp\'s HCL parser rejects this file: Invalid escape sequence; The symbol "q" is not a valid '
        "escape sequence selector. (line 2, column 19)", 2)


def test_nul_byte_is_an_error_not_a_truncated_read() -> None:
    text = 'locals {\n  a = 1\n}\n# \x00\nlocals {\n  b = 2\n}\n'
    assert cross_check(text, tfparser.parse_hcl(text, "n.tf"), "n.tf") == (
        "the file contains a NUL byte; HashiCorp's parser cannot read it whole", 4)


def test_disagreement_line_is_the_first_differing_one() -> None:
    """Two differences: the one reported is at the smaller line (the lines are python-hcl2's)."""
    text = 'locals {\n  a = 1\n  b = "$${"\n  c = 2 /* }"\n  c = 3\n  # */\n}\n'
    message, line = cross_check(text + "\n", tfparser.parse_hcl(text, "l.tf"), "l.tf") or ("", 0)
    assert line == 3
    assert message.startswith('HCL parsers disagree on locals.b (HashiCorp\'s parser reads "${", python-hcl2 reads')


# --------------------------------------------------------------------------------------
# No false alarms: the projection matches HashiCorp's on the forms HCL has
# --------------------------------------------------------------------------------------

AGREEING = """\
terraform {
  required_version = ">= 1.5"
}
variable "x" {
  type    = list(string)
  default = ["a", "b"]
}
locals {
  n    = 1
  f    = 1.50
  e    = 1e3
  neg  = -2
  not  = !true
  s    = "plain \\"quoted\\" \\u00e9 \\n"
  esc  = "a$${b}c%%{d}e"
  ref  = var.x
  wrap = "${var.x}"
  tmpl = "p${var.x[0]}q${upper("x")}r${local.n + 1}"
  cond = "${local.n > 0 ? "a" : var.x[0]}-x"
  dirs = "%{if local.n > 0~} yes %{~else}no%{endif}%{for i, v in var.x}${i}=${v},%{endfor}"
  fn   = concat(var.x, # comment
    ["c"]) /* trailing */
  obj  = { a = 1, "b" = "2", (local.ref[0]) = 3, "${local.n}" = 4 }
  idx  = var.x[*]
  for  = [for v in var.x : upper(v) if v != ""]
  par  = (1 + 2) * 3
  hd   = <<EOT
line ${var.x[0]}
  %{~ if true ~}
kept
%{ endif }
EOT
  hd2  = <<-EOT
    indented
      more ${local.n}
    EOT
}
resource "aws_iam_policy" "p" {
  for_each = toset(var.x)
  name     = "p-${each.key}"
  policy   = jsonencode({ Version = "2012-10-17", Statement = [] })
  lifecycle {
    ignore_changes = [name]
  }
}
resource "aws_iam_policy" "p2" {}
resource "aws_iam_policy" "p2" {}
output "o" { value = local.n }
"""


def test_every_form_agrees() -> None:
    assert cross_check(AGREEING + "\n", tfparser.parse_hcl(AGREEING, "a.tf"), "a.tf") is None


def test_projection_matches_hashicorp_value_by_value() -> None:
    """Not only equal overall: the projection has the values pygohcl documents for each form."""
    import pygohcl

    ours, lines = project(tfparser.parse_hcl(AGREEING, "a.tf"), AGREEING + "\n", "a.tf")
    theirs = pygohcl.loads(AGREEING, keep_interpolations=True)
    assert compare(theirs, ours) == []
    local = ours["locals"]
    assert local["wrap"] == "var.x" and local["ref"] == "var.x"
    assert local["tmpl"] == 'p${var.x[0]}qupper("x")rlocal.n + 1'
    assert local["esc"] == "a${b}c%{d}e"
    assert local["not"] is False and local["e"] == 1000 and local["f"] == 1.5
    assert local["fn"] == 'concat(var.x, ["c"])'
    assert local["obj"] == {"a": 1, "b": "2", "(local.ref[0])": 3, "${local.n}": 4}
    assert lines[("locals", "hd")] == 27
    assert ours["resource"]["aws_iam_policy"]["p2"] == [{}, {}]


def test_range_source_is_hcl_to_json_normalisation() -> None:
    assert range_source('f(a, # x\n  b) /* c */') == "f(a, b)"
    assert range_source('"it\'s" == "#"') == '"it\'s" == "#"'


def test_every_tf_file_of_the_repository_agrees() -> None:
    """The onboarding module, the fixtures and every other tracked .tf file: no disagreement,
    except a file python-hcl2 itself rejects (a fuzz seed that is cut off on purpose)."""
    listed = subprocess.run(["git", "ls-files", "*.tf"], cwd=REPO, capture_output=True, text=True, check=True)
    files = [REPO / f for f in listed.stdout.split()]
    assert REPO / "infra/aws/onboarding/main.tf" in files
    checked = []
    for f in files:
        text = f.read_text(encoding="utf-8")
        if f.name == "truncated.tf":
            continue  # python-hcl2 rejects it (the gate reports its own parse error)
        if f.parent.parent.name == "hostile" and f.parent.name in ("deep_brackets", "deep_parens"):
            # nested deeper than HashiCorp's parser is asked to read: an IAM001 of its own
            verdict = cross_check(text + "\n", tfparser.parse_hcl(text, str(f)), str(f))
            assert verdict is not None and "nests brackets more than 1000 deep" in verdict[0], f
            continue
        assert cross_check(text + "\n", tfparser.parse_hcl(text, str(f)), str(f)) is None, f
        checked.append(f.name)
    assert len(checked) >= 12


def test_every_terraform_snippet_of_the_rule_cases_agrees(tmp_path: Path) -> None:
    """The Terraform cases of tests/rules/*.yaml (files named *.tf) read alike in both parsers."""
    import yaml

    count = 0
    for path in sorted((REPO / "tests" / "rules").glob("*.yaml")):
        for name, case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"].items():
            for rel, content in (case.get("files") or {}).items():
                if not rel.endswith(".tf") or not isinstance(content, str):
                    continue
                tree = tfparser.parse_hcl(content, rel)
                assert cross_check(content + "\n", tree, rel) is None, f"{path.name}::{name}::{rel}"
                count += 1
    assert count >= 10


def test_deep_nesting_is_the_evaluators_error_not_a_recursion_error(tmp_path: Path) -> None:
    """3,000 nested lists: python-hcl2 (Lark) reads them; the projection stops at the evaluator's
    limit with the evaluator's own message, so the module reports it once."""
    from checker.terraform import load_module

    text = "locals {\n  x = " + "[" * 3000 + "1" + "]" * 3000 + "\n}\n"
    assert cross_check(text + "\n", tfparser.parse_hcl(text, "deep.tf"), "deep.tf") == (
        "expression is nested too deeply (more than 120 levels); simplify it", 2)
    (tmp_path / "main.tf").write_text(text, encoding="utf-8")
    module = load_module(tmp_path, env={})
    module.evaluate_all()
    assert [(d.message, d.line) for d in module.diagnostics] == [
        ("expression is nested too deeply (more than 120 levels); simplify it", 2)]


def test_unreadable_template_is_reported_at_its_line() -> None:
    """HashiCorp's parser accepts the file; python-hcl2 swallows `%%{a%{if true}` into one escape
    and is left with an %{else} without its %{if}: the readings cannot agree."""
    text = 'locals {\n  a = 1\n  b = "%%{a%{if true}t%{else}f%{endif}"\n}\n'
    assert cross_check(text + "\n", tfparser.parse_hcl(text, "t.tf"), "t.tf") == (
        "HCL parsers cannot be compared: python-hcl2's tree has unexpected %{else} in a template", 3)


def test_rejection_names_lines_not_pygohcls_file_name() -> None:
    text = 'locals {\n  a = 1\n  a = 2\n}\n'
    assert cross_check(text + "\n", tfparser.parse_hcl(text, "r.tf"), "r.tf") == (
        'HashiCorp\'s HCL parser rejects this file: Attribute redefined; The argument "a" was already set at '
        "line 2. Each argument may be set only once. (line 3, column 3)", 3)



def test_empty_line_heredoc_reads_as_terraform_reads_it(tmp_path: Path) -> None:
    """Found by the cross-check: the heredoc reader read a body of one empty line as "" (and
    dropped the CR ending a CRLF body). `terraform console` on the CRLF file below prints
    ["\\r\\n","x\\r\\n  z\\r\\n"]; the loader reads files with universal newlines (LF)."""
    from checker.terraform import load_module

    text = 'locals {\r\n  c = <<EOT\r\n\r\nEOT\r\n  a = <<-EOT\r\n    x\r\n      z\r\n    EOT\r\n}\r\n'
    assert cross_check(text + "\n", tfparser.parse_hcl(text, "h.tf"), "h.tf") is None
    (tmp_path / "main.tf").write_bytes(text.encode())
    module = load_module(tmp_path, env={})
    assert (module.local("c"), module.local("a")) == ("\n", "x\n  z\n")
    assert module.diagnostics == []


def test_lone_carriage_return_ends_no_comment_for_hcl(tmp_path: Path) -> None:
    """HCL does not end a `#` comment at a lone CR (`a = 1 # c\\rb = 2` holds only a); read with
    universal newlines, the loader would see `b` as code, so a statement hidden that way (a decoy
    Deny only the gate sees) is a disagreement."""
    module = tmp_path / "m"
    module.mkdir()
    (module / "main.tf").write_bytes(
        b'data "aws_iam_policy_document" "p" {\n'
        b'  statement {\n    actions   = ["iam:*"]\n    resources = ["*"]\n  }\n'
        b'  # \r  statement {\r    effect = "Deny"\r    actions = ["iam:*"]\r    resources = ["*"]\r  }\n'
        b'}\n'
        b'resource "aws_iam_policy" "p" {\n  name   = "p"\n  policy = data.aws_iam_policy_document.p.json\n}\n')
    assert _findings(module)[0][:3] == ("IAM001", "main.tf", 7)
    assert _findings(module)[0][3].startswith(
        "terraform: HCL parsers disagree on data.aws_iam_policy_document.p.statement (HashiCorp's parser reads {")
