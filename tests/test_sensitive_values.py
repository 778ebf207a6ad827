"""Secrets stay secret: a value Terraform marks sensitive is never printed, in any report format.

Three parts:

* mark propagation in the evaluator, against terraform's own answers (``terraform console`` prints
  ``(sensitive value)`` for a marked value). The answers are recorded in :data:`CONSOLE`, so the
  tests need no terraform; :func:`test_recorded_answers_are_terraforms` checks the recording
  against the real terraform when it is installed.
* every report: ``check`` in each format and ``explain`` in each format, on a module whose
  sensitive variable (:data:`SECRET`) appears in a trust condition, a principal and a resource ARN,
  with findings that quote it and without; the value must be absent and ``(sensitive)`` shown.
* the analysis still reads the real value (IAM401 sees the ExternalId condition).
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from checker.cli.app import app
from checker.reporters._redact import SHOWN, redact
from checker.terraform import load_module
from checker.terraform.values import TfStr, has_marks, is_marked, mark, unmark, wholly_marked

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s3cr3t-value-4711"
runner = CliRunner()

# --------------------------------------------------------------------------------------------
# Mark propagation, against terraform console
# --------------------------------------------------------------------------------------------

CONSOLE_MODULE = """
variable "s" {
  type      = string
  sensitive = true
}
variable "l" {
  type      = list(string)
  sensitive = true
  default   = ["a1", "b2"]
}
variable "p" {
  type    = string
  default = "plain"
}
locals {
  tmpl = "arn:aws:s3:::bucket-${var.s}/*"
  tup  = [var.s, var.p]
}
"""
CONSOLE_TFVARS = f's = "{SECRET}"\n'

# expression -> what terraform 1.11.4 console prints (whitespace collapsed). Recorded with
# ``echo EXPR | terraform console -var-file=t.tfvars`` in a folder holding CONSOLE_MODULE.
CONSOLE: dict[str, str] = {
    "var.s": "(sensitive value)",
    "local.tmpl": "(sensitive value)",
    "local.tup": '[ (sensitive value), "plain", ]',
    "local.tup[1]": '"plain"',
    "local.tup[0]": "(sensitive value)",
    'jsonencode({a = var.s, b = "x"})': "(sensitive value)",
    "upper(var.s)": "(sensitive value)",
    'var.s == "x" ? "a" : "b"': "(sensitive value)",
    'true ? var.s : "b"': "(sensitive value)",
    'false ? var.s : "b"': "(sensitive value)",
    'false ? local.tup : ["x", "y"]': '[ "x", "y", ]',
    'true ? ["x", "y"] : local.tup': '[ "x", "y", ]',
    'concat(local.tup, ["z"])': '[ (sensitive value), "plain", "z", ]',
    "[for x in local.tup : upper(x)]": '[ (sensitive value), "PLAIN", ]',
    '[for x in local.tup : x if x == "plain"]': "(sensitive value)",
    '[for x in var.l : "p"]': "(sensitive value)",
    '[for x in local.tup : "p"]': '[ "p", "p", ]',
    "[for i, x in local.tup : i]": "[ 0, 1, ]",
    '{for k, v in {a = var.s, b = "c"} : k => v}': '{ "a" = (sensitive value) "b" = "c" }',
    '{for k, v in {a = var.s, b = "c"} : v => k}': "(sensitive value)",
    '{for k, v in {a = var.s, b = "c"} : k => "x"}': '{ "a" = "x" "b" = "x" }',
    "var.l": "(sensitive value)",
    "var.l[0]": "(sensitive value)",
    "var.l[*]": "(sensitive value)",
    "local.tup[*]": '[ (sensitive value), "plain", ]',
    '[{a = var.s, b = "c"}][*].b': '[ "c", ]',
    "nonsensitive(var.s)": f'"{SECRET}"',
    'sensitive("x")': "(sensitive value)",
    'nonsensitive("x")': '"x"',
    'sensitive(["x", "y"])[0]': "(sensitive value)",
    "{(var.s) = 1}": "(sensitive value)",
    '{a = var.s}["a"]': "(sensitive value)",
    "local.tup[length(var.s) - 17]": "(sensitive value)",
    '"%{ if var.s == "x" }a%{ endif }"': "(sensitive value)",
    '"%{ for x in local.tup }${x}%{ endfor }"': "(sensitive value)",
    '"%{ for x in local.tup }q%{ endfor }"': '"qq"',
    '"${var.s == "x" ? "a" : "b"}"': "(sensitive value)",
    'merge({a = var.s}, {b = "c"})': '{ "a" = (sensitive value) "b" = "c" }',
    'merge({a = "x"}, sensitive({b = "c"}))': "(sensitive value)",
    "tolist(local.tup)": 'tolist([ (sensitive value), "plain", ])',
    "tolist(var.l)": "(sensitive value)",
    'concat(var.l, ["z"])': "(sensitive value)",
    'tomap({a = var.s, b = "c"})': 'tomap({ "a" = (sensitive value) "b" = "c" })',
    'lookup({a = var.s, b = "c"}, "b")': '"c"',
    'lookup({a = var.s, b = "c"}, var.s, "d")': "(sensitive value)",
    "element(local.tup, 1)": '"plain"',
    'flatten([local.tup, ["q"]])': '[ (sensitive value), "plain", "q", ]',
    "keys({a = var.s})": '[ "a", ]',
    'values({a = var.s, b = "c"})': '[ (sensitive value), "c", ]',
    "slice(local.tup, 1, 2)": '[ "plain", ]',
    "reverse(local.tup)": '[ "plain", (sensitive value), ]',
    'zipmap(["a","b"], local.tup)': '{ "a" = (sensitive value) "b" = "plain" }',
    "length(local.tup)": "2",
    'coalesce(var.s, "x")': "(sensitive value)",
    'join(",", local.tup)': "(sensitive value)",
    "distinct(local.tup)": "(sensitive value)",
    "toset(local.tup)": "(sensitive value)",
    "compact(local.tup)": "(sensitive value)",
    'format("%s-x", var.s)': "(sensitive value)",
    'try(var.s, "x")': "(sensitive value)",
    "can(var.s)": "true",
    "tostring(var.s)": "(sensitive value)",
    'split("-", var.s)': "(sensitive value)",
    "one([var.s])": "(sensitive value)",
    'setunion(local.tup, ["z"])': "(sensitive value)",
    "sort(local.tup)": "(sensitive value)",
    'formatlist("%s!", local.tup)': "(sensitive value)",
    "yamlencode({a = var.s})": "(sensitive value)",
    'coalescelist(local.tup, ["x"])': "(sensitive value)",
    "jsonencode(local.tup[1])": '"\\"plain\\""',
    "base64encode(var.s)": "(sensitive value)",
    'replace(var.s, "s3", "xx")': "(sensitive value)",
    'regex("^s3", var.s)': "(sensitive value)",
    "trimspace(var.s)": "(sensitive value)",
    "substr(var.s, 0, 3)": "(sensitive value)",
    "jsondecode(jsonencode({a = var.s}))": "(sensitive value)",
    # a number or bool cannot carry the mark here (see OURS)
    "length(var.s)": "(sensitive value)",
    "length(var.l)": "(sensitive value)",
    'var.s == "x"': "(sensitive value)",
    'local.tup == ["a","b"]': "(sensitive value)",
    "length(var.s) + 1": "(sensitive value)",
    'contains(local.tup, "plain")': "(sensitive value)",
    'index(local.tup, "plain")': "(sensitive value)",
    'startswith(var.s, "s3")': "(sensitive value)",
}
# Where the analyzer differs from terraform, and why: a number or bool is a plain Python value and
# cannot carry the mark. What consumes it (a conditional, a template, a 'for' condition, an index)
# is sensitive, as the cases above show; the number or bool itself is printed by no report.
OURS: dict[str, str] = {
    "length(var.s)": "17",
    "length(var.l)": "2",
    'var.s == "x"': "false",
    'local.tup == ["a","b"]': "false",
    "length(var.s) + 1": "18",
    'contains(local.tup, "plain")': "true",
    'index(local.tup, "plain")': "1",
    'startswith(var.s, "s3")': "true",
}


def _canonical(text: str) -> str:
    """A console answer without whitespace, trailing commas and conversion-function wrappers."""
    text = "".join(text.split())
    m = re.fullmatch(r"(?:tolist|tomap|toset)\((.*)\)", text)
    if m:
        text = m.group(1)
    return text.replace(",]", "]").replace(",}", "}")


def _console(value: Any) -> str:
    """Our value as terraform console prints it (in :func:`_canonical` form)."""
    if isinstance(value, str):
        return "(sensitivevalue)" if is_marked(value) else json.dumps(str(value))
    if isinstance(value, (list, tuple, dict)) and wholly_marked(value):
        return "(sensitivevalue)"
    if isinstance(value, dict):
        return "{" + "".join(f"{json.dumps(str(k))}={_console(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_console(v) for v in value) + "]"
    return json.dumps(value)


@pytest.fixture(scope="module")
def console_module(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("console")
    body = CONSOLE_MODULE + "locals {\n" + "".join(
        f"  q{i} = {expr}\n" for i, expr in enumerate(CONSOLE)) + "}\n"
    (folder / "main.tf").write_text(body, encoding="utf-8")
    (folder / "t.tfvars").write_text(CONSOLE_TFVARS, encoding="utf-8")
    return load_module(folder, var_files=[folder / "t.tfvars"], env={})


@pytest.mark.parametrize("expr", list(CONSOLE))
def test_marks_propagate_as_terraform_does(console_module: Any, expr: str) -> None:
    i = list(CONSOLE).index(expr)
    ours = _console(console_module.local(f"q{i}"))
    expected = _canonical(OURS.get(expr, CONSOLE[expr]))
    assert ours == expected


def test_recorded_answers_are_terraforms(tmp_path: Path) -> None:
    """The recording in CONSOLE is what terraform prints (skipped without terraform)."""
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not installed: the recorded answers are used")
    (tmp_path / "main.tf").write_text(CONSOLE_MODULE, encoding="utf-8")
    (tmp_path / "t.tfvars").write_text(CONSOLE_TFVARS, encoding="utf-8")
    rc = tmp_path / "terraformrc"
    rc.write_text("", encoding="utf-8")
    # terraform console prints the value of its last line only: one object holds every case, and
    # each of its attributes is printed on lines of its own ("  "q1" = ...")
    script = "{" + ", ".join(f"q{i} = ({expr})" for i, expr in enumerate(CONSOLE)) + "}\n"
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(rc), "CHECKPOINT_DISABLE": "1", "NO_COLOR": "1"}
    done = subprocess.run([terraform, "console", "-var-file=t.tfvars"], cwd=tmp_path, input=script, text=True,
                          capture_output=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    answers = re.split(r'^  "q(\d+)" = ', done.stdout.strip().removeprefix("{").removesuffix("}"), flags=re.MULTILINE)
    live = {list(CONSOLE)[int(answers[k])]: _canonical(answers[k + 1]) for k in range(1, len(answers), 2)}
    assert live == {expr: _canonical(answer) for expr, answer in CONSOLE.items()}


def test_marks_survive_pickling_and_can_be_removed() -> None:
    s = mark(TfStr("x"))
    assert is_marked(pickle.loads(pickle.dumps(s)))  # --jobs sends values between processes
    nested = mark({"k": ["a", {"b": "c"}]})
    assert wholly_marked(nested) and all(is_marked(k) for k in nested)
    assert not has_marks(unmark(nested)) and unmark(nested) == {"k": ["a", {"b": "c"}]}


def test_module_outputs_and_inputs_keep_marks(tmp_path: Path) -> None:
    """A module output derived from a sensitive value is sensitive in the caller; an output or a
    child variable declared sensitive marks its value; a local derived from one is sensitive."""
    child = tmp_path / "child"
    child.mkdir()
    (tmp_path / "main.tf").write_text("""
variable "secret" {
  type      = string
  sensitive = true
}
module "child" {
  source = "./child"
  plain  = "tenant-${var.secret}"
  hidden = "given-in-clear"
}
locals {
  derived = module.child.id
  clear   = module.child.clear
  hidden  = module.child.hidden_out
}
""", encoding="utf-8")
    (child / "main.tf").write_text("""
variable "plain" { type = string }
variable "hidden" {
  type      = string
  sensitive = true
}
output "id" { value = upper(var.plain) }
output "clear" { value = "no-secret-here" }
output "hidden_out" {
  value     = nonsensitive(var.hidden)
  sensitive = true
}
""", encoding="utf-8")
    module = load_module(tmp_path, vars=[f"secret={SECRET}"], env={})
    assert module.local("derived") == f"TENANT-{SECRET.upper()}" and is_marked(module.local("derived"))
    assert not is_marked(module.local("clear"))
    assert module.local("hidden") == "given-in-clear" and is_marked(module.local("hidden"))
    assert module.sensitive_strings() == {SECRET, f"tenant-{SECRET}", "given-in-clear"}


# --------------------------------------------------------------------------------------------
# Every report
# --------------------------------------------------------------------------------------------

# A trust policy whose ExternalId is the secret, a second statement whose principal is named after
# it (IAM401 quotes the principal), an identity policy writing to a bucket named after it (IAM101).
QUOTED = """
variable "secret" {
  type      = string
  sensitive = true
}

locals {
  bucket_arn = "arn:aws:s3:::bucket-${var.secret}/*"
}

resource "aws_iam_role" "vendor" {
  name = "vendor"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "WithExternalId"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::111122223333:root" }
        Action    = "sts:AssumeRole"
        Condition = { StringEquals = { "sts:ExternalId" = var.secret } }
      },
      {
        Sid       = "NamedAfterTheSecret"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::111122223333:role/${var.secret}" }
        Action    = "sts:AssumeRole"
      },
    ]
  })
}

resource "aws_iam_role_policy" "writes" {
  role = aws_iam_role.vendor.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "Writes"
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:PutObject"]
      Resource = local.bucket_arn
    }]
  })
}
"""
# The same without the statement naming the principal after the secret and without the write:
# no finding quotes the secret, explain still shows where it is.
UNQUOTED = QUOTED.replace("""      {
        Sid       = "NamedAfterTheSecret"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::111122223333:role/${var.secret}" }
        Action    = "sts:AssumeRole"
      },
""", "").replace('["s3:GetObject", "s3:PutObject"]', '["s3:ListBucket"]')
CHECK_FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")
EXPLAIN_FORMATS = ("text", "json", "markdown")


def _module(tmp_path: Path, body: str, tfvars: str | None) -> Path:
    folder = tmp_path / "mod"
    folder.mkdir()
    (folder / "main.tf").write_text(body, encoding="utf-8")
    if tfvars is not None:
        (folder / "terraform.tfvars").write_text(tfvars, encoding="utf-8")
    return folder


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


@pytest.mark.parametrize("given", ["tfvars", "var"])
def test_quoted_secret_absent_from_every_report(tmp_path: Path, given: str) -> None:
    folder = _module(tmp_path, QUOTED, f'secret = "{SECRET}"\n' if given == "tfvars" else None)
    extra = ["--var", f"secret={SECRET}"] if given == "var" else []
    for fmt in CHECK_FORMATS:
        code, out = _run("check", str(folder), "--no-config", "--format", fmt, *extra)
        assert code == 1, out
        assert SECRET not in out, fmt
        assert SHOWN in out, fmt  # where the IAM401 message quotes the principal
        if fmt == "json":
            found = sorted((f["rule_id"], f["line"], f["path"]) for f in json.loads(out)["findings"])
            # the ExternalId statement passes IAM401: the analysis reads the real value
            assert found == [("IAM101", 40, "Statement/0"), ("IAM401", 26, "Statement/1/Principal/AWS")]
            message = next(f["message"] for f in json.loads(out)["findings"] if f["rule_id"] == "IAM401")
            assert "lets '(sensitive)' assume the role" in message
    for fmt in EXPLAIN_FORMATS:
        code, out = _run("explain", str(folder), "--format", fmt, *extra)
        assert code == 0, out
        assert SECRET not in out, fmt
        assert SHOWN in out, fmt
    code, out = _run("explain", str(folder), "--format", "json", *extra)
    policies = {p["address"]: p["document"] for p in json.loads(out)["policies"]}
    trust = policies["aws_iam_role.vendor.assume_role_policy"]
    assert trust["Statement"][0]["Condition"] == {"StringEquals": {"sts:ExternalId": SHOWN}}
    assert trust["Statement"][1]["Principal"] == {"AWS": SHOWN}
    # the ARN is derived from the secret: Terraform marks it whole
    assert policies["aws_iam_role_policy.writes"]["Statement"][0]["Resource"] == SHOWN


def test_github_step_summary_hides_the_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _module(tmp_path, QUOTED, f'secret = "{SECRET}"\n')
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out = _run("check", str(folder), "--no-config", "--format", "github")
    assert code == 1 and SECRET not in out
    text = summary.read_text(encoding="utf-8")
    assert SECRET not in text and SHOWN in text


def test_unquoted_secret_absent_from_every_report(tmp_path: Path) -> None:
    folder = _module(tmp_path, UNQUOTED, f'secret = "{SECRET}"\n')
    for fmt in CHECK_FORMATS:
        code, out = _run("check", str(folder), "--no-config", "--format", fmt)
        assert code == 0, out
        assert SECRET not in out, fmt
    for fmt in EXPLAIN_FORMATS:
        code, out = _run("explain", str(folder), "--format", fmt)
        assert SECRET not in out and SHOWN in out, fmt
    code, out = _run("explain", str(folder))
    assert "if StringEquals sts:ExternalId = (sensitive)" in out


def test_tfvars_source_line_is_not_shown(tmp_path: Path) -> None:
    """A finding pointing into terraform.tfvars: the text report's source line hides the value."""
    value = f"{SECRET}-*"  # a wildcard: IAM401 quotes the value and points at the tfvars line
    folder = _module(tmp_path, UNQUOTED, f'secret = "{value}"\n')
    for fmt in CHECK_FORMATS:
        code, out = _run("check", str(folder), "--no-config", "--format", fmt)
        assert code == 1, out
        assert SECRET not in out, fmt
        assert SHOWN in out, fmt
    code, out = _run("check", str(folder), "--no-config", "--format", "json")
    (finding,) = json.loads(out)["findings"]
    assert (finding["rule_id"], Path(finding["file"]).name, finding["line"]) == ("IAM401", "terraform.tfvars", 1)
    assert "has a placeholder or wildcard value '(sensitive)'" in finding["message"]
    code, out = _run("check", str(folder), "--no-config")
    assert "1 | secret = \"(sensitive)\"" in out


def test_analysis_reads_the_real_value(tmp_path: Path) -> None:
    from checker.pipeline import load_paths
    from checker.settings import Settings

    folder = _module(tmp_path, QUOTED, f'secret = "{SECRET}"\n')
    result = load_paths([folder], Settings())
    trust = next(d for d in result.documents if d.address == "aws_iam_role.vendor.assume_role_policy")
    (external_id,) = trust.statements[0].condition["StringEquals"]["sts:ExternalId"]
    assert external_id.value == SECRET
    assert trust.sensitive == {SECRET, f"arn:aws:iam::111122223333:role/{SECRET}"}
    writes = next(d for d in result.documents if d.address == "aws_iam_role_policy.writes")
    assert writes.sensitive == {SECRET, f"arn:aws:s3:::bucket-{SECRET}/*"}
    assert writes.statements[0].resource is not None
    assert [r.value for r in writes.statements[0].resource] == [f"arn:aws:s3:::bucket-{SECRET}/*"]


def test_plan_sensitive_variable_absent_from_every_report() -> None:
    """A plan (terraform show -json of QUOTED) writes the variable's value in clear: never printed."""
    plan = ROOT / "tests" / "terraform_iam" / "fixtures" / "plan_sensitive.json"
    assert SECRET in plan.read_text(encoding="utf-8")
    for fmt in CHECK_FORMATS:
        code, out = _run("check", str(plan), "--no-config", "--format", fmt)
        assert code == 1, out
        assert SECRET not in out and SHOWN in out, fmt
    for fmt in EXPLAIN_FORMATS:
        code, out = _run("explain", str(plan), "--format", fmt)
        assert SECRET not in out and SHOWN in out, fmt


def test_onboarding_external_id_is_not_printed() -> None:
    """infra/aws/onboarding declares external_id sensitive: explain printed it before."""
    module = ROOT / "infra" / "aws" / "onboarding"
    example = module / "terraform.tfvars.example"
    external_id = re.search(r'^external_id\s*=\s*"([^"]+)"', example.read_text(encoding="utf-8"), re.MULTILINE)
    assert external_id is not None
    assert re.search(r'variable "external_id" \{[^}]*sensitive\s*=\s*true', (module / "variables.tf").read_text(
        encoding="utf-8"))
    for fmt in EXPLAIN_FORMATS:
        code, out = _run("explain", str(module), "--var-file", str(example), "--format", fmt)
        assert code == 0, out
        assert external_id.group(1) not in out, fmt
        assert SHOWN in out, fmt
    for fmt in CHECK_FORMATS:
        code, out = _run("check", str(module), "--no-config", "--var-file", str(example), "--format", fmt)
        assert external_id.group(1) not in out, fmt


# --------------------------------------------------------------------------------------------
# The redaction
# --------------------------------------------------------------------------------------------


def test_redact_matches_each_format_escaping() -> None:
    secret = 'a"b<c>&d|e%f\\g'
    rendered = {
        "raw": secret,
        "json": json.dumps(secret)[1:-1],
        "xml": secret.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;"),
        "markdown": secret.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;"),
        "github": secret.replace("%", "%25"),
    }
    for name, text in rendered.items():
        assert redact(f"x {text} y", [secret]) == f"x {SHOWN} y", name


def test_redact_short_values_only_as_whole_words_and_cut_lines() -> None:
    assert redact("abc abcd xabc 'abc'", ["abc"]) == "(sensitive) abcd xabc '(sensitive)'"
    assert redact("line: secret = \"s3cr3t-val...", [SECRET]) == f"line: secret = \"{SHOWN}"
    assert redact("nothing to hide", []) == "nothing to hide"
