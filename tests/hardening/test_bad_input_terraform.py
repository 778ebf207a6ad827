"""The corpus of bad input, Terraform part: whatever the module, the gate ends with exit 1 or 2,
one clear reason naming the file (and line), no traceback, in bounded time and memory.

Same contract and harness as ``test_bad_input.py`` (the JSON part): each case builds its input
in a temporary folder, runs the gate as a child whose wall time and peak memory are measured
(targets: 30 s, 1 GB), and states the exit code and the regular expressions the output must
match (all of them: a case that reads outside the tree with ``--allow-outside`` must show both
what it read and the note that it did).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("_bad_input_json", Path(__file__).with_name("test_bad_input.py"))
assert _spec is not None and _spec.loader is not None
_json_corpus = sys.modules.setdefault(_spec.name, importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(_json_corpus)
run_gate = _json_corpus.run_gate
write = _json_corpus.write
TIME_LIMIT_S: float = _json_corpus.TIME_LIMIT_S
MEMORY_LIMIT_MB: float = _json_corpus.MEMORY_LIMIT_MB
REPO: Path = _json_corpus.REPO

Builder = Callable[[Path], list[str]]  # makes the input in a folder, returns the CLI arguments


def policy_tf(policy: str, name: str = "p") -> str:
    return f'resource "aws_iam_policy" "{name}" {{\n  name   = "{name}"\n  policy = {policy}\n}}\n'


def jsonencode(action: str, resource: str = '["arn:aws:s3:::b", "arn:aws:s3:::b/*"]') -> str:
    return ('jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", '
            f'Action = {action}, Resource = {resource} }}] }})')


READ_ONLY_TF = policy_tf(jsonencode('["s3:ListBucket"]'))
WRITE_POLICY = {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}]}


def _module(files: dict[str, object], target: str = "mod", extra: tuple[str, ...] = ()) -> Builder:
    def build(d: Path) -> list[str]:
        for rel, content in files.items():
            write(d / rel, content)
        return ["check", target, *extra]
    return build


def _outside(d: Path) -> Path:
    """A folder next to the scanned one, with a policy that writes and an action list."""
    write(d / "outside" / "p.json", WRITE_POLICY)
    write(d / "outside" / "t.json.tpl", json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "${action}", "Resource": "arn:aws:s3:::b/*"}]}))
    write(d / "outside" / "actions.json", ["s3:ListBucket", "s3:PutObject"])
    write(d / "outside" / "mod" / "main.tf", policy_tf(jsonencode('"iam:PassRole"', '"*"'), "admin"))
    return d / "outside"


def _file_outside(function: str, allow: bool) -> Builder:
    def build(d: Path) -> list[str]:
        _outside(d)
        call = {"file": 'file("${path.module}/../outside/p.json")',
                "templatefile": 'templatefile("${path.module}/../outside/t.json.tpl", { action = "s3:PutObject" })',
                "nested": jsonencode('jsondecode(file("${path.module}/../outside/actions.json"))',
                                     '"arn:aws:s3:::b/*"')}[function]
        write(d / "mod" / "main.tf", "\n" + policy_tf(call))
        return ["check", "mod", *(["--allow-outside"] if allow else [])]
    return build


def _missing(function: str) -> Builder:
    call = {"file": 'file("${path.module}/policies/missing.json")',
            "templatefile": 'templatefile("${path.module}/missing.json.tpl", {})'}[function]
    return _module({"mod/main.tf": policy_tf(call)})


def _link_loops(d: Path) -> list[str]:
    write(d / "mod" / "main.tf", READ_ONLY_TF)
    (d / "mod" / "a.tf").symlink_to("b.tf")
    (d / "mod" / "b.tf").symlink_to("a.tf")
    return ["check", "mod"]


def _broken_link(d: Path) -> list[str]:
    write(d / "mod" / "main.tf", READ_ONLY_TF)
    (d / "mod" / "iam.tf").symlink_to("gone.tf")
    return ["check", "mod"]


def _fifo(d: Path) -> list[str]:
    write(d / "mod" / "main.tf", READ_ONLY_TF)
    os.mkfifo(d / "mod" / "pipe.tf")
    return ["check", "mod"]


def _dir_loop_for_file(d: Path) -> list[str]:
    write(d / "mod" / "main.tf", READ_ONLY_TF + policy_tf('file("${path.module}/loop/p.json")', "q"))
    (d / "mod" / "loop").symlink_to("loop")
    return ["check", "mod"]


def _tf_link_out(allow: bool) -> Builder:
    def build(d: Path) -> list[str]:
        out = _outside(d)
        write(d / "mod" / "main.tf", READ_ONLY_TF)
        (d / "mod" / "admin.tf").symlink_to(out / "mod" / "main.tf")
        return ["check", "mod", *(["--allow-outside"] if allow else [])]
    return build


def _module_dir_link_out(allow: bool) -> Builder:
    def build(d: Path) -> list[str]:
        out = _outside(d)
        write(d / "root" / "main.tf", 'module "shared" {\n  source = "./shared"\n}\n')
        (d / "root" / "shared").symlink_to(out / "mod")
        return ["check", "root", *(["--allow-outside"] if allow else [])]
    return build


def _file_via_link_out(d: Path) -> list[str]:
    out = _outside(d)
    write(d / "mod" / "main.tf", policy_tf('file("${path.module}/linked.txt")'))
    (d / "mod" / "linked.txt").symlink_to(out / "p.json")
    return ["check", "mod"]


def _json_link_out_in_module(d: Path) -> list[str]:
    out = _outside(d)
    write(d / "mod" / "main.tf", policy_tf('file("${path.module}/linked.json")'))
    (d / "mod" / "linked.json").symlink_to(out / "p.json")
    return ["check", "mod"]


def _for_200000_from_file(d: Path) -> list[str]:
    (d / "mod").mkdir()
    (d / "mod" / "buckets.txt").write_text("\n".join(f"bucket-{i:06d}" for i in range(200_000)), encoding="utf-8")
    write(d / "mod" / "main.tf", """
locals {
  buckets = split("\\n", file("${path.module}/buckets.txt"))
}

resource "aws_iam_policy" "p" {
  name = "p"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [for b in local.buckets : {
      Effect   = "Allow"
      Action   = b == "bucket-199999" ? "s3:PutObject" : "s3:ListBucket"
      Resource = "arn:aws:s3:::${b}"
    }]
  })
}
""")
    return ["check", "mod"]


FOR_200000_NESTED = """
locals {
  ids = flatten([for i in range(500) : [for j in range(400) : "${i}-${j}"]])
}

resource "aws_iam_policy" "p" {
  name = "p"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [for id in local.ids : {
      Effect   = "Allow"
      Action   = id == "499-399" ? "s3:PutObject" : "s3:ListBucket"
      Resource = "arn:aws:s3:::b-${id}"
    }]
  })
}
"""

CIRCULAR_LOCALS = """locals {
  a = local.b
  b = local.c
  c = local.a
}

""" + policy_tf(jsonencode("[local.a]"))

REMOTE_REGISTRY = """module "role" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-assumable-role"
  version = "5.39.0"

  create_role             = true
  role_name               = "cost-reader"
  custom_role_policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
}
"""

REMOTE_GIT = """module "policy" {
  source = "git::https://example.com/iam-modules.git//policy?ref=v1.2.0"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:ListBucket", Resource = "*" }] })
}
"""

UNKNOWN_BLOCK = """frobnicate "x" {
  policy = "anything"
}

""" + READ_ONLY_TF

UNKNOWN_BLOCK_JSON = json.dumps({
    "resource": {"aws_iam_policy": {"p": {"name": "p", "policy": json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"}]})}}},
    "frobnicate": {"x": {"a": 1}},
}, indent=2)


# name: (builder, exit code, regular expressions the output must all match)
CASES: dict[str, tuple[Builder, int, list[str]]] = {
    # -- syntax ------------------------------------------------------------------------------
    "hcl-missing-comma-and-brace": (_module({"mod/main.tf": (
        'resource "aws_iam_policy" "p" {\n  name = "p"\n  policy = jsonencode({\n    Version = "2012-10-17"\n'
        '    Statement = [{ Effect = "Allow", Action = ["s3:ListBucket"] Resource = "*" }\n  })\n')}),
        1, [r"mod/main\.tf:\d+: error IAM001 .*cannot parse main\.tf"]),
    "hcl-unclosed-heredoc": (_module({"mod/main.tf": (
        'resource "aws_iam_policy" "p" {\n  name = "p"\n  policy = <<EOT\n{"Version": "2012-10-17",\n')}),
        1, [r"mod/main\.tf:3: error IAM001 .*cannot parse main\.tf"]),
    "hcl-binary-file": (_module({"mod/main.tf": b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe" + bytes(range(256))}),
                        1, [r"mod/main\.tf:1: error IAM001 .*cannot read main\.tf"]),
    "hcl-latin-1": (_module({"mod/main.tf": ('# caf\u00e9\n' + READ_ONLY_TF).encode("latin-1")}),
                    1, [r"mod/main\.tf:1: error IAM001 .*cannot read main\.tf.*utf-8"]),
    "tf-json-truncated": (_module({"mod/main.tf.json": '{"resource": {"aws_iam_policy": {"p": {"name": '}),
                          1, [r"mod/main\.tf\.json:1: error IAM001"]),
    # Terraform's JSON syntax is strict JSON: what Terraform rejects is a finding at its line
    "tf-json-missing-comma": (_module({"mod/main.tf.json": '{\n  "locals": {\n    "a": [1 2]\n  }\n}\n'}),
                              1, [r"mod/main\.tf\.json:3: error IAM001 .*invalid JSON.*Expecting ',' delimiter"]),
    "tf-json-wrong-bracket": (_module({"mod/main.tf.json": '{\n  "locals": {\n    "a": [1, 2}\n  }\n}\n'}),
                              1, [r"mod/main\.tf\.json:3: error IAM001 .*invalid JSON.*found '\}'"]),
    "tf-json-trailing-comma": (_module({"mod/main.tf.json": '{\n  "locals": {\n    "a": [1, 2,]\n  }\n}\n'}),
                               1, [r"mod/main\.tf\.json:3: error IAM001 .*invalid JSON.*trailing comma"]),
    "tf-json-trailing-comma-object": (_module({"mod/main.tf.json": '{\n  "locals": {\n    "a": 1,\n  }\n}\n'}),
                                      1, [r"mod/main\.tf\.json:3: error IAM001 .*invalid JSON.*trailing comma"]),
    "empty-module": (_module({"mod/main.tf": ""}), 2, [r"no policies found in mod"]),
    "duplicate-argument": (_module({"mod/main.tf": (
        'resource "aws_iam_policy" "p" {\n  name = "p"\n  policy = "{}"\n  policy = '
        + jsonencode('"s3:ListBucket"') + '\n}\n')}), 1, [r"mod/main\.tf:4: error IAM001 .*Duplicate argument"]),
    "policy-not-json": (_module({"mod/main.tf": policy_tf('"not json"')}),
                        1, [r"mod/main\.tf:3: error IAM001 .*not valid JSON"]),
    "policy-a-number": (_module({"mod/main.tf": policy_tf("42")}),
                        1, [r"mod/main\.tf:3: error IAM001 .*must be a JSON string"]),
    "nested-5000-parentheses": (_module({"mod/main.tf": policy_tf(jsonencode(
        "(" * 5000 + '"s3:ListBucket"' + ")" * 5000))}), 1, [r"mod/main\.tf:3: error IAM00[12] .*nested too deeply"]),
    # -- blocks and functions Terraform rejects or the analyzer cannot evaluate -------------------
    "unknown-block": (_module({"mod/main.tf": UNKNOWN_BLOCK}),
                      1, [r'mod/main\.tf:1: error IAM001 .*Unsupported block type.*"frobnicate"']),
    "unknown-block-tf-json": (_module({"mod/main.tf.json": UNKNOWN_BLOCK_JSON}),
                              1, [r'mod/main\.tf\.json:\d+: error IAM001 .*Unsupported block type.*"frobnicate"']),
    "provider-function-in-action": (_module({"mod/main.tf": policy_tf(jsonencode(
        '[provider::aws::arn_parse("arn:aws:s3:::b").service]'))}),
        1, [r"mod/main\.tf:3: error IAM002 .*provider::aws::arn_parse is not supported"]),
    "provider-function-in-resource": (_module({"mod/main.tf": policy_tf(jsonencode(
        '["s3:GetObject"]', 'provider::aws::arn_build("aws", "s3", "", "", "b/*")'))}),
        1, [r"mod/main\.tf:3: error IAM302 .*provider::aws::arn_build is not supported"]),
    "unknown-function": (_module({"mod/main.tf": policy_tf(jsonencode('frobnicate("x")'))}),
                         1, [r"mod/main\.tf:3: error IAM002 .*function frobnicate is not supported"]),
    "variable-without-value": (_module({"mod/main.tf": 'variable "actions" {\n  type = list(string)\n}\n\n'
                                        + policy_tf(jsonencode("var.actions"))}),
                               1, [r"mod/main\.tf:7: error IAM002 .*variable actions has no value"]),
    "circular-locals": (_module({"mod/main.tf": CIRCULAR_LOCALS}),
                        1, [r"mod/main\.tf:\d: error IAM001 .*Cycle in local values"]),
    "circular-modules": (_module({
        "mod/main.tf": 'module "a" {\n  source = "./a"\n}\n',
        "mod/a/main.tf": 'module "b" {\n  source = "../b"\n}\n\n' + READ_ONLY_TF,
        "mod/b/main.tf": 'module "a" {\n  source = "../a"\n}\n'}),
        1, [r"mod/b/main\.tf:1: error IAM004 .*module\.a\.module\.b\.module\.a.*cycle of module calls"]),
    "circular-modules-without-a-root": (_module({
        "mod/a/main.tf": 'module "b" {\n  source = "../b"\n}\n',
        "mod/b/main.tf": 'module "a" {\n  source = "../a"\n}\n\n' + policy_tf(jsonencode('"s3:PutObject"'))}),
        1, [r"mod/b/main\.tf:1: error IAM004 .*cycle of module calls",
            r"mod/b/main\.tf:\d+: error IAM101 .*s3:PutObject"]),
    "missing-local-module": (_module({"mod/main.tf": 'module "gone" {\n  source = "./gone"\n  actions = []\n}\n'}),
                             1, [r'mod/main\.tf:1: error IAM004 .*"\./gone" does not exist']),
    "remote-module-registry": (_module({"mod/main.tf": REMOTE_REGISTRY}),
                               1, [r"mod/main\.tf:1: error IAM004 .*terraform-aws-modules/iam/aws.*not available"]),
    "remote-module-git": (_module({"mod/main.tf": REMOTE_GIT}),
                          1, [r"mod/main\.tf:1: error IAM004 .*git::https://example\.com.*not available"]),
    # -- reading files ---------------------------------------------------------------------
    "file-outside-the-tree": (_file_outside("file", allow=False), 1, [
        r"mod/main\.tf:4: error IAM002 .*file\(\): reads outside the scanned tree: \S*/outside/p\.json; "
        r"pass --allow-outside"]),
    "templatefile-outside-the-tree": (_file_outside("templatefile", allow=False), 1, [
        r"mod/main\.tf:4: error IAM002 .*templatefile\(\): \S*outside/t\.json\.tpl is outside the scanned directory"]),
    "file-inside-a-policy-outside-the-tree": (_file_outside("nested", allow=False), 1, [
        r"mod/main\.tf:4: error IAM002 .*reads outside the scanned tree: \S*/outside/actions\.json"]),
    "file-outside-allowed": (_file_outside("file", allow=True), 1, [
        r"mod/main\.tf:4: note .*IAM005 .*reads its policy from \S*/outside/p\.json, outside the scanned folder",
        r"error IAM101 .*s3:PutObject"]),
    "templatefile-outside-allowed": (_file_outside("templatefile", allow=True), 1, [
        r"mod/main\.tf:4: note .*IAM005 .*outside/t\.json\.tpl, outside the scanned folder",
        r"error IAM101 .*s3:PutObject"]),
    "file-inside-a-policy-outside-allowed": (_file_outside("nested", allow=True), 1, [
        r"mod/main\.tf:4: note .*IAM005 .*read \S*/outside/actions\.json, outside the scanned folder",
        r"outside/actions\.json:1: error IAM101 .*s3:PutObject"]),
    "file-missing": (_missing("file"), 1, [r'mod/main\.tf:3: error IAM002 .*no file exists at "\./policies/missing']),
    "templatefile-missing": (_missing("templatefile"), 1,
                             [r"mod/main\.tf:3: error IAM002 .*no file exists at \"\./missing\.json\.tpl"]),
    # -- links, loops, pipes -----------------------------------------------------------------
    "tf-symlink-loop": (_link_loops, 1, [r"mod/a\.tf:1: error IAM001 .*cannot read a\.tf: symbolic link loop",
                                         r"mod/b\.tf:1: error IAM001 .*symbolic link loop"]),
    "tf-broken-link": (_broken_link, 1, [r"mod/iam\.tf:1: error IAM001 .*cannot read iam\.tf: broken symbolic link"]),
    "tf-named-pipe": (_fifo, 1, [r"mod/pipe\.tf:1: error IAM001 .*cannot read pipe\.tf: not a regular file"]),
    "file-through-a-directory-loop": (_dir_loop_for_file, 1,
                                      [r"mod/main\.tf:7: error IAM002 .*file\(\).*loop/p\.json"]),
    "tf-link-out-of-tree": (_tf_link_out(allow=False), 1, [
        r"mod/admin\.tf:1: error IAM001 .*admin\.tf links to \S*/outside/mod/main\.tf, outside the scanned tree; "
        r"pass --allow-outside"]),
    "tf-link-out-of-tree-allowed": (_tf_link_out(allow=True), 1, [
        r"mod/admin\.tf:1: note .*IAM005 .*read \S*/outside/mod/main\.tf, outside the scanned folder",
        r"mod/admin\.tf:3: error IAM101 .*iam:PassRole"]),
    "module-folder-link-out-of-tree": (_module_dir_link_out(allow=False), 1, [
        r"root/main\.tf:1: error IAM004 .*its source \./shared links to \S*/outside/mod, outside the scanned tree"]),
    "module-folder-link-out-of-tree-allowed": (_module_dir_link_out(allow=True), 1, [
        r"note .*IAM005 .*read \S*/outside/mod, outside the scanned folder root",
        r"error IAM101 .*iam:PassRole"]),
    "file-through-a-link-out-of-tree": (_file_via_link_out, 1, [
        r"mod/main\.tf:3: error IAM002 .*reads outside the scanned tree: \S*/outside/p\.json"]),
    "json-link-out-of-tree-in-a-module": (_json_link_out_in_module, 2, [
        r"mod/linked\.json: links to \S*/outside/p\.json, outside the scanned tree"]),
    # -- size ----------------------------------------------------------------------------------
    "for-over-200000-elements": (_for_200000_from_file, 1, [
        r"mod/main\.tf:10: error IAM001 .*a 'for' over 200,000 elements",
        r"mod/main\.tf:8: error IAM002 .*the policy is not known"]),
    "for-over-200000-built-elements": (_module({"mod/main.tf": FOR_200000_NESTED}), 1, [
        r"mod/main\.tf:\d+: error IAM001 .*(evaluation stopped|a 'for' over 200,000 elements)",
        r"mod/main\.tf:8: error IAM002 .*the policy is not known"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_terraform_blocks_with_one_clear_reason(name: str, tmp_path: Path) -> None:
    build, expected_code, reasons = CASES[name]
    args = build(tmp_path)
    outcome = run_gate(args, tmp_path)
    combined = outcome.out + outcome.err
    assert "Traceback" not in combined and "internal error" not in combined, combined[-3000:]
    assert outcome.code == expected_code, (outcome.code, combined[-3000:])
    for reason in reasons:
        assert re.search(reason, combined), (reason, combined[-3000:])
    assert outcome.seconds < TIME_LIMIT_S, outcome.seconds
    assert outcome.peak_mb < MEMORY_LIMIT_MB, outcome.peak_mb
    if outcome.code == 2:
        lines = [ln for ln in outcome.err.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("check-permissions: error: "), outcome.err


def test_unreadable_terraform_files_and_folders_as_another_user() -> None:
    """Mode 000 means nothing to root: run the gate as nobody where we can switch users."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv to run the gate as another user")
    as_nobody = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    tmp = Path(tempfile.mkdtemp(prefix="cp-unreadable-tf-", dir="/tmp"))  # every parent searchable
    tmp.chmod(0o755)
    locked: list[Path] = []
    try:
        # a module with one unreadable .tf file
        write(tmp / "m1" / "main.tf", READ_ONLY_TF)
        write(tmp / "m1" / "iam.tf", policy_tf(jsonencode('"s3:PutObject"'), "q"))
        # a folder with an unreadable subfolder holding a module
        write(tmp / "m2" / "main.tf", READ_ONLY_TF)
        write(tmp / "m2" / "sub" / "main.tf", READ_ONLY_TF)
        # a module calling an unreadable child module (named by its file: the folder is not walked)
        write(tmp / "m3" / "main.tf", READ_ONLY_TF + '\nmodule "child" {\n  source = "./child"\n}\n')
        write(tmp / "m3" / "child" / "main.tf", READ_ONLY_TF)
        for p in tmp.rglob("*"):
            p.chmod(0o755 if p.is_dir() else 0o644)
        locked = [tmp / "m1" / "iam.tf", tmp / "m2" / "sub", tmp / "m3" / "child"]
        for p in locked:
            p.chmod(0)
        _json_corpus.skip_unless_user_can_run_the_gate(as_nobody, tmp)

        out = run_gate(["check", "m1"], tmp, as_user=as_nobody)
        assert out.code == 1 and "Traceback" not in out.out + out.err, out.out + out.err
        assert re.search(r"m1/iam\.tf:1: error IAM001 .*cannot read iam\.tf: .*Permission denied", out.out), out.out

        out = run_gate(["check", "m2"], tmp, as_user=as_nobody)
        assert out.code == 2 and re.fullmatch(
            r"check-permissions: error: m2/sub: cannot read directory: Permission denied\n", out.err), out.err

        out = run_gate(["check", "m3/main.tf"], tmp, as_user=as_nobody)
        assert out.code == 1 and "Traceback" not in out.out + out.err, out.out + out.err
        assert re.search(r'm3/main\.tf:6: error IAM004 .*module\.child: cannot read the source directory '
                         r'"\./child": Permission denied', out.out), out.out
    finally:
        for p in locked:
            p.chmod(0o755)
        shutil.rmtree(tmp, ignore_errors=True)
