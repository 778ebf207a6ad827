"""The hand-written HCL parser (checker.terraform.fastparse) against python-hcl2's Lark parser.

The fast parser must build exactly python-hcl2's tree (rule names, children, token types and
values, line/column/offset metadata) for everything it accepts, and accept nothing that Lark
rejects; whatever it leaves to Lark must still parse (through the fallback) or fail with Lark's
own message. The corpus: hand-written snippets for each construct and layout quirk, every HCL
text of the Terraform oracle fixtures, the repository's Terraform module, and seeded random
documents (mostly invalid: they exercise the rejecting side).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from lark import Token, Tree

from checker.terraform import fastparse, larkcache, load_module, syntax
from checker.terraform import parser as tfparser
from checker.terraform.errors import TerraformError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"

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


def _check(text: str) -> str:
    """'same', 'left' (fast parser declined, Lark parses) or 'invalid' (both reject); fails on
    a different tree or on text the fast parser accepts and Lark rejects."""
    text += "\n"
    try:
        ref = tfparser.get_parser().parse(text)
    except Exception:
        ref = None
    try:
        mine = fastparse.parse(text)
    except fastparse.FastParseError:
        return "left" if ref is not None else "invalid"
    assert ref is not None, f"fast parser accepts what python-hcl2 rejects: {text!r}"
    d = _diff(mine, ref)
    assert d is None, f"{d}\n{text!r}"
    return "same"


def test_grammar_is_the_one_the_fast_parser_follows() -> None:
    # A new python-hcl2 grammar disables the fast parser (everything goes to Lark): correct,
    # but slow. Re-run this file's corpus against the new grammar, then update the digest.
    assert larkcache.grammar_digest() == fastparse.GRAMMAR_DIGEST
    assert tfparser.fast_parser_usable()


@pytest.mark.parametrize("index", range(len(SNIPPETS)))
def test_snippets_same_tree(index: int) -> None:
    assert _check(SNIPPETS[index]) == "same"


@pytest.mark.parametrize("text", INVALID)
def test_invalid_text_rejected_with_lark_message(text: str) -> None:
    assert _check(text) == "invalid"
    try:
        tfparser.get_parser().parse(text + "\n")
    except Exception as exc:
        first = str(exc).strip().splitlines()[0]
    with pytest.raises(TerraformError) as info:
        tfparser.parse_hcl(text, "dir/x.tf")
    assert info.value.message == f"cannot parse x.tf: {first}"


def _fixture_texts() -> list[str]:
    texts: list[str] = []
    data = json.loads((FIXTURES / "oracle_evaluator.json").read_text(encoding="utf-8"))
    seen: set[str] = set()
    for case in data.values():
        texts.append(f"x = {case['expr']}")
        for name, content in case.get("files", {}).items():
            if (name.endswith(".tf") or name.endswith(".tfvars")) and content not in seen:
                seen.add(content)
                texts.append(content)
    functions = json.loads((FIXTURES / "oracle_functions.json").read_text(encoding="utf-8"))
    texts.extend(f"x = {case['expr']}" for case in functions.values())
    texts.extend(p.read_text(encoding="utf-8") for p in sorted((ROOT / "infra").rglob("*.tf")))
    return texts


def test_fixture_corpus_same_tree() -> None:
    texts = _fixture_texts()
    assert len(texts) > 400
    outcomes = [_check(t) for t in texts]
    # the oracle expressions are valid Terraform: almost all take the fast path
    assert outcomes.count("same") >= 0.97 * len([o for o in outcomes if o != "invalid"])


_WS = ["", " ", "  ", "\t", "\n", " \n  ", " # c\n", " // c\n", " /* c */ ", "/*x\ny*/", "\n\n", "\r\n"]
_NAMES = ["a", "b", "x_y", "in", "if", "for", "for_each", "true", "null", "else", "endif", "foo-bar", "var"]


def _random_doc(r: random.Random) -> str:
    def ws(p: float = 0.25) -> str:
        return r.choice(["", " ", " "]) if r.random() < 1 - p else r.choice(_WS)

    def string(d: int) -> str:
        parts = []
        for _ in range(r.randint(0, 3)):
            k = r.random()
            if k < 0.4:
                parts.append(r.choice(["abc", " x ", 'a\\"b', "\\n", "$", "%", "$${e}", "%%{e}", "a/b"]))
            elif k < 0.7:
                parts.append("${" + ws(0.1) + expr(d + 1) + ws(0.1) + "}")
            elif k < 0.85:
                parts.append("%{" + r.choice(["", "~"]) + " if " + expr(d + 1) + r.choice(["", "~"])
                             + "}x%{ else }y%{endif" + r.choice(["", "~"]) + "}")
            else:
                parts.append("%{ for " + r.choice(["v", "k, v"]) + " in " + expr(d + 1) + " }${v}%{ endfor }")
        return '"' + "".join(parts) + '"'

    def expr(d: int = 0) -> str:
        if d > 4:
            return r.choice(["1", "a", '"s"'])
        k = r.random()
        if k < 0.12:
            return r.choice(["1", "12", "-12", "1.5", "-1.5", "1e3", "0", "007", "-1"])
        if k < 0.22:
            return r.choice(_NAMES)
        if k < 0.3:
            return string(d)
        if k < 0.38:
            op = r.choice(["+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "&&", "||"])
            return expr(d + 1) + ws() + op + ws() + expr(d + 1)
        if k < 0.43:
            return r.choice(["-", "!"]) + ws(0.1) + expr(d + 1)
        if k < 0.49:
            return expr(d + 1) + ws() + "?" + ws() + expr(d + 1) + ws() + ":" + ws() + expr(d + 1)
        if k < 0.55:
            return "(" + ws() + expr(d + 1) + ws() + ")"
        if k < 0.62:
            items = [expr(d + 1) for _ in range(r.randint(0, 3))]
            return "[" + ws() + ("," + ws()).join(items) + r.choice(["", ",", ws()]) + ws() + "]"
        if k < 0.69:
            elems = [r.choice([r.choice(_NAMES), '"k"', "(a)"]) + r.choice([" = ", "=", " : "]) + expr(d + 1)
                     for _ in range(r.randint(0, 3))]
            return "{" + ws() + r.choice([",", "\n", ", ", ",\n", " "]).join(elems) + ws() + "}"
        if k < 0.76:
            steps = [".b", ".0", "[0]", "[" + expr(d + 1) + "]", ".*", ".*.c", "[*]", "[*].d", ".true", " .b"]
            return r.choice(_NAMES) + "".join(r.choice(steps) for _ in range(r.randint(1, 3)))
        if k < 0.83:
            args = [expr(d + 1) for _ in range(r.randint(0, 3))]
            tail = r.choice(["", ",", "...", ws()]) if args else ""
            return r.choice(["f", "provider::a::b", "f "]) + "(" + ws() + ("," + ws()).join(args) + tail + ws() + ")"
        if k < 0.89:
            cond = r.choice(["", " if " + expr(d + 1), ws() + "if" + ws() + expr(d + 1)])
            return ("[" + ws() + "for " + r.choice(["v", "k, v"]) + " in " + expr(d + 1) + ws() + ":" + ws()
                    + expr(d + 1) + ws() + cond + ws() + "]")
        if k < 0.94:
            return ("{" + ws() + "for " + r.choice(["v", "k, v"]) + " in " + expr(d + 1) + " :" + ws() + expr(d + 1)
                    + " => " + ws() + expr(d + 1) + r.choice(["", "...", ws()])
                    + r.choice(["", " if " + expr(d + 1)]) + ws() + "}")
        if k < 0.97:
            return r.choice(["<<EOT\nhello ${a}\nEOT\n", "<<-EOT\n  x\n  EOT\n", '\\"q\\"'])
        return expr(d + 1) + ws(0.3) + expr(d + 1)

    items = []
    for _ in range(r.randint(1, 4)):
        if r.random() < 0.25:
            items.append(r.choice(_NAMES) + ' "l" ' + ws(0.2) + "{" + ws(0.5) + r.choice(_NAMES) + " = "
                         + expr() + ws(0.5) + "}")
        else:
            items.append(r.choice(_NAMES) + r.choice([" = ", "=", "  =  "]) + expr())
    return r.choice(["\n", "\n\n", " # c\n", " "]).join(items)


def test_random_documents_same_tree_or_left_to_lark() -> None:
    r = random.Random(20261128)
    outcomes = [_check(_random_doc(r)) for _ in range(400)]
    assert outcomes.count("same") > 100  # the valid ones mostly take the fast path
    assert outcomes.count("left") < 0.1 * (outcomes.count("same") + outcomes.count("left"))


def test_parse_expression_lines_match_lark() -> None:
    for text in ["a + b", "{ k = [1,\n 2] }", "f(x)\n", '"${a}-${b}"']:
        fast = tfparser.parse_expression(text, "t.tf", 40)
        ref = tfparser._lark_parse(f"__expr__ = (\n{text}\n)\n", "t.tf")
        tfparser._shift_lines(ref, 38)
        expr = ref.children[0].children[0].children[-1]
        inner = next(c for c in expr.children if isinstance(c, Tree) and c.data != "new_line_or_comment")
        assert _diff(fast, inner) is None
        assert fast.meta.line == 40


def test_deep_nesting_goes_to_lark_and_is_reported(tmp_path: Path) -> None:
    depth = 3000
    text = "x = " + "[" * depth + "1" + "]" * depth
    with pytest.raises(fastparse.FastParseError):
        fastparse.parse(text + "\n")
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
    # 200,000 elements: parsed (the fast parser loops over tuple elements, no recursion); a
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


@pytest.mark.parametrize("index", range(len(TEMPLATES)))
def test_template_expressions_in_place_same_value(index: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Template expressions parsed where they stand give the values and lines of the
    expressions parsed one by one (the previous way, still the fallback)."""
    from checker.terraform.evaluator import Evaluator, Scope, no_references

    def render() -> tuple[Any, list[int]]:
        tree = tfparser.template_from_text(TEMPLATES[index], "t.tftpl", 10)
        lines = sorted({t.meta.line for t in tree.iter_subtrees() if not t.meta.empty})
        scope = Scope("t.tftpl", no_references, None, {"x": 2, "m": {"k": 3, "j": 4}})
        return Evaluator().evaluate(tree, scope), lines

    in_place = render()
    monkeypatch.setattr(fastparse.InPlace, "expression", lambda self, start, stop: None)
    assert render() == in_place


def test_lark_trees_are_converted_node_for_node() -> None:
    # The fallback's trees become checker.terraform.syntax nodes: the same rules, tokens and positions.
    for text in [*SNIPPETS, "x = " + "[" * 200 + "1" + "]" * 200 + "\n"]:
        ref = tfparser.get_parser().parse(text + "\n")
        converted = syntax.from_lark(ref)
        assert isinstance(converted, syntax.Tree)
        assert all(isinstance(t, syntax.Tree) for t in converted.iter_subtrees())
        assert _diff(converted, ref) is None


def test_fast_path_does_not_import_lark(tmp_path: Path) -> None:
    # Lark (and its regex dependency) is for the fallback only: a module the fast parser reads
    # whole is loaded and evaluated without importing it.
    import subprocess
    import sys

    (tmp_path / "main.tf").write_text(SNIPPETS[1] + SNIPPETS[9] + 'locals {\n  n = length("abc")\n}\n',
                                      encoding="utf-8")
    code = (
        "import sys\nfrom pathlib import Path\nfrom checker.terraform import load_module\n"
        "m = load_module(Path(sys.argv[1]), env={})\nm.evaluate_all()\n"
        "print(sorted(n for n in ('lark', 'hcl2', 'regex') if n in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
