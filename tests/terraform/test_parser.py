"""Parsing Terraform native syntax with python-hcl2's Lark parser (checker.terraform.parser).

Its trees are converted to checker.terraform.syntax nodes (the same rules, tokens and positions);
syntax errors carry Lark's message; expressions of templates and ``.tf.json`` strings are parsed
with their lines where they are written; the parser shipped in the package is the installed one's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lark import Token, Tree

from checker.terraform import larkcache, load_module, syntax
from checker.terraform import parser as tfparser
from checker.terraform.errors import TerraformError

SNIPPETS = [
    "a = 1\nb = -1 + x.y[0].*.z\n",
    'resource "aws_x" "y" {\n  # c\n  a = -12 // t\n  b = { k = 1, "q" = 2\n    (x) : 3 }\n'
    '  c = [for i, v in xs : "${i}-%{if v}yes%{ else }no%{endif}" if v]\n}\n',
    "x = f(a\n)\ny = f(\n  a,\n  b...\n)\nz = {for k, v in m :\n  k => v if v}\nw = c ? a + 1 : b * 2\n"
    "v = <<EOT\nhi ${x}\nEOT\nfor_each = x[*].y.0\nblock \"l\" x {}\nin { a = 1 }\nt = a * b\n - c\n",
    "a = (a * b) / c\nb = a\n  == b\n  ? 1\n  : 2\nc = !a && b || -c\nd = a.b.5\ne = a[*][c].a.*.1\n",
    "keys = {\n  if = 1\n  in = 2\n  for = 3\n  for_each = 4\n  true = 5\n  null = 6\n  a : 7,\n}\n",
    'p = provider::aws::arn_parse("x")\nq = "%{ for k, v in m ~}${k}=${v}%{~ endfor }"\n'
    'r = "$${aws:username} %%{x} \\"q\\" \\u00e9"\ns = <<-EOT\n    a ${b}\n    EOT\n',
    "t = [\n  /* c */ 1, # c\n  2 // c\n  ,\n]\nu = f(\n  # c\n  a,\n  b\n  # d\n)\n",
    "v = 1.5e3 + 2E-2 + 007 - -12\nw = x == y ? [for a in b : a] : {}\nx = {}\ny = []\nz = f()\n",
    "a = b + c\n\nfor_each = 1\n\n\nif = 2\nlocals {\n\n  x = 1\n\n}\n",
    'm = jsonencode({\n  Version = "2012-10-17"\n  Statement = [{\n    Effect   = "Allow"\n'
    '    Action   = ["s3:GetObject"]\n    Resource = "arn:aws:s3:::${var.b}/*"\n  }]\n})\n',
    "k = { for k, v in m : k => v... if v != null }\nl = [for x in y : x\n  if x]\n",
    "a = x ? y ? 1 : 2 : z ? 3 : 4\nb = (x ? 1 : 2) + 3\nc = x.*.y[0]\nd = x[*]\n",
    "a = -1\nb = - 1\nc = -12\nd = -1.5\ne = 1-2\nf = a -1\n",
    'data "aws_iam_policy_document" "d" {\n  statement {\n    actions = ["s3:*"]\n'
    '    dynamic "principals" {\n      for_each = var.p\n      content {\n        type = principals.value\n'
    "      }\n    }\n  }\n}\n",
]

INVALID = ["a = = 1\n", "a = (1\n", 'a = "x\n', "a = [1 2]\n", "a {\n", "= 1\n", "a = 1 +\n", "a = <<EOT\nx\n"]


INVALID = ["a = = 1\n", "a = (1\n", 'a = "x\n', "a = [1 2]\n", "a {\n", "= 1\n", "a = 1 +\n", "a = <<EOT\nx\n"]


def _is_token(x: Any) -> bool:
    return isinstance(x, (Token, syntax.Token))


def _diff(a: Any, b: Any, path: str = "start") -> str | None:
    """The first difference between two trees (the fast parser's syntax nodes or Lark's)."""
    if _is_token(a) or _is_token(b):
        if not (_is_token(a) and _is_token(b)):
            return f"{path}: {a!r} vs {b!r}"
        for k in ("type", "value", "start_pos", "line", "column", "end_line", "end_column", "end_pos"):
            if getattr(a, k) != getattr(b, k):
                return f"{path}: token {k} {getattr(a, k)!r} != {getattr(b, k)!r}"
        return None
    assert isinstance(a, (Tree, syntax.Tree)) and isinstance(b, (Tree, syntax.Tree)), (path, a, b)
    if a.data != b.data:
        return f"{path}: {a.data} != {b.data}"
    keys = ("empty",) if b.meta.empty else ("empty", "line", "column", "start_pos", "end_line", "end_column", "end_pos")
    for k in keys:
        if getattr(a.meta, k, None) != getattr(b.meta, k, None):
            return f"{path}/{a.data}: meta {k} {getattr(a.meta, k, None)} != {getattr(b.meta, k, None)}"
    if len(a.children) != len(b.children):
        return f"{path}/{a.data}: {len(a.children)} children != {len(b.children)}"
    for i, (x, y) in enumerate(zip(a.children, b.children, strict=True)):
        d = _diff(x, y, f"{path}/{a.data}[{i}]")
        if d:
            return d
    return None


@pytest.mark.parametrize("text", INVALID)
def test_invalid_text_rejected_with_lark_message(text: str) -> None:
    with pytest.raises(Exception) as lark_error:
        tfparser.get_parser().parse(text + "\n")
    first = str(lark_error.value).strip().splitlines()[0]
    with pytest.raises(TerraformError) as info:
        tfparser.parse_hcl(text, "dir/x.tf")
    assert info.value.message == f"cannot parse x.tf: {first}"


def test_parse_expression_is_the_wrapped_parse_moved_to_its_line() -> None:
    for text in ["a + b", "{ k = [1,\n 2] }", "f(x)\n", '"${a}-${b}"']:
        mine = tfparser.parse_expression(text, "t.tf", 40)
        ref = tfparser._lark_parse(f"__expr__ = (\n{text}\n)\n", "t.tf")
        tfparser._shift_lines(ref, 38)
        expr = ref.children[0].children[0].children[-1]
        inner = next(c for c in expr.children if isinstance(c, Tree) and c.data != "new_line_or_comment")
        assert _diff(mine, inner) is None
        assert mine.meta.line == 40


def test_deep_nesting_is_parsed_and_reported(tmp_path: Path) -> None:
    depth = 3000
    text = "x = " + "[" * depth + "1" + "]" * depth
    tree = tfparser.parse_hcl(text, "deep.tf")  # Lark's parser does not recurse
    assert tree.data == "start"
    (tmp_path / "main.tf").write_text("locals {\n  " + text + "\n}\n", encoding="utf-8")
    module = load_module(tmp_path, env={})
    module.evaluate_all()
    assert [d.message for d in module.diagnostics] == [
        "expression is nested too deeply (more than 120 levels); simplify it"
    ]
    assert module.diagnostics[0].line == 2


_HUGE = """
import json, sys
from pathlib import Path
from checker.terraform import TerraformError, load_module
module = load_module(Path(sys.argv[1]), env={})
out = {"diagnostics": [d.message for d in module.diagnostics], "lit": len(module.local("lit"))}
try:
    module.local("big")
except TerraformError as exc:
    out["big"] = exc.message
ok = module.local("ok")
out["ok"] = [len(ok), ok["1"], ok[sys.argv[2]]]
print(json.dumps(out))
"""


def test_huge_for_expression(tmp_path: Path) -> None:
    # 200,000 elements: parsed (Lark's LALR parser does not recurse); a
    # 'for' over more than MAX_FOR_ELEMENTS is refused with a clear error (fails closed), one of
    # MAX_FOR_ELEMENTS is evaluated in full. In a child process: the trees take hundreds of MB.
    import subprocess
    import sys

    from checker.terraform.evaluator import MAX_FOR_ELEMENTS

    n = 200_000
    (tmp_path / "main.tf").write_text(
        "locals {\n  lit = [" + ", ".join(str(i) for i in range(n)) + "]\n"
        "  big = [for i in local.lit : i * 2 if i % 2 == 0]\n"
        f"  part = slice(local.lit, 0, {MAX_FOR_ELEMENTS})\n"
        "  ok = { for i in local.part : tostring(i) => i * 2 if i % 2 == 1 }\n}\n",
        encoding="utf-8",
    )
    last = str(MAX_FOR_ELEMENTS - 1)
    run = subprocess.run([sys.executable, "-c", _HUGE, str(tmp_path), last], capture_output=True, text=True,
                         check=True)
    out = json.loads(run.stdout)
    assert out["diagnostics"] == [] and out["lit"] == n
    assert out["big"].startswith("a 'for' over 200,000 elements")
    assert out["ok"] == [MAX_FOR_ELEMENTS // 2, 2, 2 * (MAX_FOR_ELEMENTS - 1)]


def test_shipped_parser_matches_installed_packages() -> None:
    # Regenerate with: .venv/bin/python scripts/generate_hcl2_parser.py
    shipped = larkcache.load_shipped()
    assert shipped is not None, "checker/data/hcl2_lark_parser.pickle.gz is stale or missing"
    from hcl2 import parser as hcl2_parser

    reference = hcl2_parser.parser() if Path(hcl2_parser.PARSER_FILE).exists() else larkcache.build()
    text = SNIPPETS[1] + SNIPPETS[2]
    assert _diff(shipped.parse(text), reference.parse(text)) is None


def test_get_parser_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    tfparser.get_parser.cache_clear()
    try:
        parser = tfparser.get_parser()
        assert parser.parse("a = 1\n").data == "start"
    finally:
        tfparser.get_parser.cache_clear()
    assert list(tmp_path.iterdir()) == []


TEMPLATES = [
    "a ${x} b ${x + 1}\n%{ for k, v in m ~}\n${k}=${v * 2}\n%{~ endfor }\n",
    '%{ if x > 1 }big%{ else }small%{ endif } ${ "q" } ${ [for i in [1, 2] : i][1] }\n',
    "${ { a = 1 }[\"a\"] } ${ m[\n\"k\"] } $${esc} %%{esc}\n",
    "${x # comment\n}\n",  # a comment inside: left to the wrapped parse
    "${\n  x\n  + 1\n}\n",
]


EXPECTED = [
    ("a 2 b 3\nj=8k=6\n", [10, 11, 12]),
    ("big q 2\n", [10]),
    ("1 3 ${esc} %{esc}\n", [10, 11]),
    ("2\n", [10]),
    ("3\n", [10, 11, 12]),
]


@pytest.mark.parametrize("index", range(len(TEMPLATES)))
def test_template_expressions_values_and_lines(index: int) -> None:
    """Template text written at line 10: the value and the lines of its expressions."""
    from checker.terraform.evaluator import Evaluator, Scope, no_references

    tree = tfparser.template_from_text(TEMPLATES[index], "t.tftpl", 10)
    lines = sorted({t.meta.line for t in tree.iter_subtrees() if not t.meta.empty})
    scope = Scope("t.tftpl", no_references, None, {"x": 2, "m": {"k": 3, "j": 4}})
    assert (Evaluator().evaluate(tree, scope), lines) == EXPECTED[index]


def test_lark_trees_are_converted_node_for_node() -> None:
    # Lark's trees become checker.terraform.syntax nodes: the same rules, tokens and positions.
    for text in [*SNIPPETS, "x = " + "[" * 200 + "1" + "]" * 200 + "\n"]:
        ref = tfparser.get_parser().parse(text + "\n")
        converted = syntax.from_lark(ref)
        assert isinstance(converted, syntax.Tree)
        assert all(isinstance(t, syntax.Tree) for t in converted.iter_subtrees())
        assert _diff(converted, ref) is None
