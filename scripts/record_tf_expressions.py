"""Record what terraform computes for generated expressions: the oracle of the differential test.

    python scripts/record_tf_expressions.py [--count 6000] [--seed 1411] [--out tests/terraform/data/expressions.json]

Expressions are drawn by a seeded generator over the expression grammar (every value type, collections,
operators, conditionals, ``for``, splats, templates with directives, function calls typed from
``terraform metadata functions -json``) plus the hand-written cases of :data:`HANDWRITTEN`, so the same seed
records the same expressions. They are evaluated offline with ``terraform console`` in a folder holding
:data:`VARS_TF` (typed variables), a few hundred per console run: each expression ``E`` becomes
``eN = try([nonsensitive(jsonencode(E)), issensitive(jsonencode(E))], null)`` inside one ``jsonencode({...})``,
so an expression Terraform rejects yields null without stopping the others. A batch that fails as a whole
(a static error) is split in halves until each failing expression is alone.

Each record is ``{"expr": E, "ok": bool, "value": <E as JSON>, "sensitive": bool}``. The test
tests/terraform/test_expressions_differential.py evaluates every record with the gate; it needs no terraform.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "tests" / "terraform" / "data" / "expressions.json"
BATCH = 250

VARS_TF = """
variable "ls" {
  type    = list(string)
  default = []
}
variable "l" {
  type    = list(string)
  default = ["a", "b", "c"]
}
variable "ln" {
  type    = list(number)
  default = [3, 1, 2]
}
variable "s" {
  type    = set(string)
  default = ["b", "a"]
}
variable "m" {
  type    = map(string)
  default = { x = "1", y = "two" }
}
variable "n" {
  type    = number
  default = 0.1
}
variable "str" {
  type    = string
  default = "Hello"
}
variable "flag" {
  type    = bool
  default = true
}
variable "o" {
  type    = object({ name = string, tags = map(string), ids = list(number) })
  default = { name = "n", tags = { k = "v" }, ids = [1, 2] }
}
variable "objs" {
  type    = list(object({ id = string, n = number }))
  default = [{ id = "a", n = 1 }, { id = "b", n = 2 }]
}
variable "t" {
  type    = tuple([string, number, bool])
  default = ["x", 1, false]
}
variable "secret" {
  type      = string
  default   = "hunter2"
  sensitive = true
}
variable "nul" {
  type    = string
  default = null
}
"""

HANDWRITTEN = [
    "var.ls == []", "var.ls != []", '["a"] == tolist(["a"])', '["a"] == ["a"]', "[] == []", "{} == {}",
    "var.m == {}", "tomap({}) == {}", 'var.l == ["a", "b", "c"]', 'var.s == toset(["a", "b"])',
    "0.1 + 0.2 == 0.3", "0.1 + 0.2", "1 / 3", "1 / 3 * 3 == 1", "var.n * 3 == 0.3", "2 / 3 == 0.6666666666666666",
    "0.3 - 0.1 == 0.2", "1.1 * 1.1 == 1.21", "floor(7 / 3)", "ceil(10 / 4)", "10 % 3.5", "-7 % 3", "1e3 == 1000",
    "100000000000000000000000000001 == 100000000000000000000000000000", "9007199254740993 == 9007199254740992",
    '"e\\u0301" == "\\u00e9"', '"\\u00e9" == "e\\u0301"', 'length("e\\u0301")', 'upper("e\\u0301")',
    'regex("(?i)abc", "xABCx")', 'can(regex("\\\\pL+", "é"))', 'regex("\\\\pL+", "éa1")', 'regex("\\\\s+", "a \\u00a0b")',
    'regexall("[[:alpha:]]+", "ab1cd")', 'regex("a{2,}", "caaat")', 'replace("aXbX", "/(?i)x/", "-")',
    'regex("\\\\w+", "héllo")', 'regex("\\\\d+", "x٣4")', 'regex("(?s).+", "a\\nb")', 'regex("\\\\bb", "a b")',
    "!!true", "!!!false", "- -1", "true ? 1 : \"a\"", 'false ? 1 : "a"', "true ? [1] : []", 'true ? ["a"] : var.l',
    "true ? {a = 1} : {}", 'false ? null : "x"', "true ? 1 : true", 'true ? tolist(["a"]) : ["b"]',
    "sensitive(1) + 1", "nonsensitive(sensitive(\"x\"))", "alltrue([true, true])", "anytrue([false])", "alltrue([])",
    "sum([1, 2.5])", "sum([])", 'parseint("ff", 16)', 'parseint("-1010", 2)', "setproduct([1, 2], [\"a\"])",
    'transpose({a = ["1", "2"], b = ["2"]})', "chunklist([1, 2, 3], 2)", 'templatestring("x${1}", {})',
    'urlencode("a b&c=d/é")', 'cidrhost("10.0.0.0/8", 5)', 'cidrnetmask("10.0.0.0/12")',
    'cidrsubnet("10.0.0.0/16", 8, 3)', 'cidrsubnets("10.0.0.0/16", 4, 4, 8)', 'textdecodebase64("aGk=", "UTF-8")',
    'textencodebase64("hi", "UTF-16LE")', "log(8, 2)", "pow(2, 10)", "pow(2, 0.5)", 'base64sha256("x")',
    'base64sha512("x")', 'matchkeys(["a", "b"], ["1", "2"], ["2"])', 'csvdecode("a,b\\n1,2\\n")', 'basename("/a/b.c")',
    'dirname("/a/b.c")', 'abspath("/a/../b")', 'title("hello world")', 'trimspace("  x ")', 'issensitive(var.secret)',
    'formatdate("YYYY-MM-DD", "2024-01-02T03:04:05Z")', 'timecmp("2024-01-02T03:04:05Z", "2024-01-02T03:04:06Z")',
    'uuidv5("dns", "example.com")', 'ephemeralasnull("x")', 'provider::terraform::encode_tfvars({a = 1})',
    'core::upper("x")', 'lower("ÀB")', 'format("%.2f", 1 / 3)', 'format("%d", 3)', 'format("%v", 0.1 + 0.2)',
    'tostring(0.1 + 0.2)', 'tostring(1 / 3)', '"${1 / 3}"', '"${0.1 + 0.2}"', "max(0.1 + 0.2, 0.3)",
    'jsonencode(0.1 + 0.2)', 'jsonencode(1 / 3)', 'tonumber("0.1") + 0.2 == 0.3', "[for x in var.ls : x] == []",
    "{for k, v in var.m : k => v} == var.m", "var.o == {name = \"n\", tags = {k = \"v\"}, ids = [1, 2]}",
    'toset(["a"]) == toset(["a"])', 'tolist(["a"]) == tolist(["a"])', "var.t == [\"x\", 1, false]",
    'coalesce("", "a")', 'coalesce(1, "a")', "one([])", "one(toset([]))", 'element(["a"], -1)', "range(0.5, 2)",
    "var.objs[*].id", "var.objs.*.n", "var.o.ids[*]", "var.str[*]", "var.nul[*]", "var.secret == \"x\"",
    'startswith("é", "e")', 'strrev("e\\u0301x")', 'substr("e\\u0301xy", 0, 1)', 'split("", "abc")', "min()",
    'sort(["b", "a", "B"])', 'sort([3, 20, 1])', "distinct([1, \"1\"])", 'toset([1, "1"])', "tolist([1, \"a\"])",
    'flatten([[1], [[2]], 3])', 'keys({b = 1, a = 2})', 'lookup({a = 1}, "b", "x")', 'merge({a = 1}, {a = "x"})',
    'zipmap(["a", "b"], [1, 2])', 'concat([1], ["a"])', 'index(["a", "b"], "b")', 'contains([1], "1")',
    'cidrhost("10.12.112.0/20", 16)', 'cidrhost("10.12.112.0/20", 268)', 'cidrhost("10.12.112.0/20", -1)',
    'cidrhost("fd00:fd12:3456:7890::/56", 16)', 'cidrhost("10.0.0.0/30", 4)', 'cidrhost("10.0.0.0/30", -5)',
    'cidrnetmask("172.16.0.0/12")', 'cidrnetmask("fd00::/8")', 'cidrnetmask("10.0.0.0/33")', 'cidrnetmask("x")',
    'cidrsubnet("172.16.0.0/12", 4, 2)', 'cidrsubnet("10.1.2.0/24", 4, 15)', 'cidrsubnet("10.1.2.0/24", 4, 16)',
    'cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)', 'cidrsubnet("10.0.0.0/8", 25, 0)',
    'cidrsubnet("10.1.2.5/24", 0, 0)', 'cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)', 'cidrsubnets("fd00::/56", 16, 16)',
    'cidrsubnets("10.0.0.0/30", 1, 1, 1)', 'cidrsubnets("10.0.0.0/24", 2, 1)', 'cidrsubnets("10.0.0.0/8")',
    "alltrue([true, \"true\"])", "alltrue([null])", "anytrue([null, true])", "alltrue([1])", "anytrue([])",
    "sum([0.1, 0.2])", "sum([\"1\", 2])", "sum(toset([1, 2]))", "sum([null])", "sum([1, true])",
    'parseint("zz", 36)', 'parseint("ZZ", 62)', 'parseint("12", 1)', 'parseint("+7", 8)', 'parseint("0x1f", 16)',
    'parseint("1_000", 10)', 'parseint("", 10)', "chunklist([1, 2, 3, 4, 5], 2)", "chunklist([], 3)",
    'chunklist(["a"], 0)', "chunklist([1], -1)", 'chunklist(toset(["a"]), 1)',
    'transpose({a = ["1"], b = ["1", "2"], c = []})', 'transpose({})', 'transpose({a = [1]})',
    'setproduct(["a", "b"], ["x", "y"])', 'setproduct(toset(["b", "a"]), [1, 2])', 'setproduct([], ["a"])',
    'setproduct(["a"])', 'urlencode("~-_.!*\'()")', 'urlencode("")', 'base64sha256("")', 'base64sha512("é")',
    'basename("")', 'basename("/")', 'basename("a/b/")', 'basename("//a//")', 'dirname("")', 'dirname("a")',
    'dirname("/a/b/../c")', 'dirname("//x")', 'dirname("a/")', 'timecmp("2024-01-02T03:04:05+01:00", "2024-01-02T02:04:05Z")',
    'timecmp("2024-13-02T03:04:05Z", "2024-01-02T03:04:05Z")', 'timecmp("2024-01-02", "2024-01-02T03:04:05Z")',
    'timecmp("2024-01-02T03:04:05.5Z", "2024-01-02T03:04:05.25Z")', 'uuidv5("url", "https://example.com")',
    'uuidv5("x", "y")', 'matchkeys(["a", "b", "c"], [1, 2, 3], [3, 1])', 'matchkeys(["a"], ["1", "2"], ["1"])',
    'textencodebase64("hé", "UTF-8")', 'textdecodebase64("aADpAA==", "UTF-16LE")', 'textencodebase64("x", "nope")',
    "pow(3, 3)", "pow(2, -1)", "pow(0, 0)", 'log(16, 2)', 'issensitive("x")', 'issensitive([var.secret])',
    'core::cidrhost("10.0.0.0/8", 1)', 'core::sum([1])', 'core::timestamp()', 'ephemeralasnull(var.l)',
    'filebase64("nope")', 'filemd5("nope")', 'fileset(".", "*")',
]

WORDS = ["a", "b", "x", "ab", "Hello", "s3:GetObject", "arn:aws:s3:::b/*", "", " ", "é", "e\\u0301", "A-B_c",
         "1", "0.5", "true", "null", "ff", "10.0.0.0/16", "a,b", "%d", "\\u00e9", "\\n", "Ω", "ß", "İ"]
NUMBERS = ["0", "1", "2", "3", "-1", "7", "10", "16", "255", "0.1", "0.2", "0.3", "0.5", "1.5", "-2.25", "1e3", "3.14159",
           "1e-3", "123456789012345678901234567890", "2.5e1"]
VARS = {
    "string": ["var.str", "var.secret", "var.nul", "var.l[0]", "var.o.name", "var.m.x"],
    "number": ["var.n", "var.ln[0]", "var.t[1]", "var.o.ids[1]", "length(var.l)"],
    "bool": ["var.flag", "var.t[2]"],
    "list": ["var.ls", "var.l", "var.ln", "var.s", "var.t", "var.o.ids", "var.objs"],
    "map": ["var.m", "var.o", "var.o.tags", "var.objs[0]"],
}
REGEXES = ['"[a-z]+"', '"(?i)[a-z]+"', '"\\\\pL+"', '"\\\\s"', '"\\\\w+"', '"(\\\\d)(\\\\d)?"', '"^a"', '"b$"',
           '"(?P<x>a)(b)?"', '"[[:upper:]]"', '"\\\\bx"', '"."', '"a|b"']


class Gen:
    """A seeded generator of Terraform expressions (deterministic for a seed and a function table)."""

    def __init__(self, seed: int, functions: dict[str, Any]) -> None:
        self.r = random.Random(seed)
        self.functions = {n: f for n, f in sorted(functions.items()) if "::" not in n}

    def pick(self, items: list[str]) -> str:
        return items[self.r.randrange(len(items))]

    def string(self, depth: int) -> str:
        r = self.r.random()
        if depth <= 0 or r < 0.35:
            return f'"{self.pick(WORDS)}"'
        if r < 0.45:
            return self.pick(VARS["string"])
        if r < 0.6:
            return self.template(depth - 1)
        if r < 0.7:
            return f"tostring({self.number(depth - 1) if self.r.random() < 0.6 else self.boolean(depth - 1)})"
        if r < 0.8:
            return self.conditional(depth - 1, self.string)
        return self.call(depth - 1, want="string")

    def template(self, depth: int) -> str:
        kind = self.r.randrange(4)
        if kind == 0:
            return f'"{self.pick(WORDS)}${{{self.any(depth)}}}-${{{self.any(depth)}}}"'
        if kind == 1:
            return f'"%{{if {self.boolean(depth)}}}{self.pick(WORDS)}%{{else}}y%{{endif}}"'
        if kind == 2:
            return f'"%{{for x in {self.list(depth)}}}${{x}},%{{endfor}}"'
        return f'"%{{for k, v in {self.mapping(depth)}}}${{k}}=${{v}};%{{endfor}}"'

    def number(self, depth: int) -> str:
        r = self.r.random()
        if depth <= 0 or r < 0.35:
            return self.pick(NUMBERS)
        if r < 0.45:
            return self.pick(VARS["number"])
        if r < 0.75:
            op = self.pick(["+", "-", "*", "/", "%"])
            return f"({self.number(depth - 1)} {op} {self.number(depth - 1)})"
        if r < 0.8:
            return f"-{self.number(depth - 1)}"
        if r < 0.85:
            return f"length({self.list(depth - 1)})"
        if r < 0.9:
            return self.conditional(depth - 1, self.number)
        return self.call(depth - 1, want="number")

    def boolean(self, depth: int) -> str:
        r = self.r.random()
        if depth <= 0 or r < 0.15:
            return self.pick(["true", "false", "var.flag"])
        if r < 0.4:
            op = self.pick(["==", "!="])
            make = self.r.choice([self.number, self.string, self.list, self.mapping, self.any])
            other = self.r.choice([make, self.any])
            return f"({make(depth - 1)} {op} {other(depth - 1)})"
        if r < 0.55:
            op = self.pick(["<", ">", "<=", ">="])
            return f"({self.number(depth - 1)} {op} {self.number(depth - 1)})"
        if r < 0.7:
            op = self.pick(["&&", "||"])
            return f"({self.boolean(depth - 1)} {op} {self.boolean(depth - 1)})"
        if r < 0.8:
            return f"!{self.boolean(depth - 1)}"
        if r < 0.9:
            return self.call(depth - 1, want="bool")
        return f"can({self.any(depth - 1)})"

    def list(self, depth: int) -> str:
        r = self.r.random()
        if depth <= 0 or r < 0.2:
            return self.pick(VARS["list"])
        make = self.r.choice([self.number, self.string, self.boolean, self.any])
        n = self.r.randrange(4)
        items = ", ".join(make(depth - 1) for _ in range(n))
        if r < 0.45:
            return f"[{items}]"
        if r < 0.6:
            return f"{self.pick(['tolist', 'toset'])}([{items}])"
        if r < 0.7:
            coll = self.r.choice([self.list, self.mapping])(depth - 1)
            cond = f" if {self.boolean(depth - 1)}" if self.r.random() < 0.3 else ""
            body = self.pick(["x", "k", "[k, x]", "\"${k}:${x}\"", "x == null"])
            return f"[for k, x in {coll} : {body}{cond}]"
        if r < 0.75:
            return self.pick(["var.objs[*].id", "var.objs.*.n", "var.o.ids[*]", "var.l[*]", "var.objs[*]"])
        if r < 0.85:
            return self.conditional(depth - 1, self.list)
        return self.call(depth - 1, want="list")

    def mapping(self, depth: int) -> str:
        r = self.r.random()
        if depth <= 0 or r < 0.2:
            return self.pick(VARS["map"])
        make = self.r.choice([self.number, self.string, self.boolean, self.any])
        keys = sorted({self.pick(["a", "b", "c", "k", '"x y"', "(\"b\")"]) for _ in range(self.r.randrange(4))})
        items = ", ".join(f"{k} = {make(depth - 1)}" for k in keys)
        if r < 0.5:
            return f"{{{items}}}"
        if r < 0.6:
            return f"tomap({{{items}}})"
        if r < 0.72:
            coll = self.r.choice([self.list, self.mapping])(depth - 1)
            grouping = "..." if self.r.random() < 0.2 else ""
            return f"{{for k, v in {coll} : tostring(k) => v{grouping}}}"
        if r < 0.8:
            return self.conditional(depth - 1, self.mapping)
        return self.call(depth - 1, want="map")

    def conditional(self, depth: int, make: Any) -> str:
        other = make if self.r.random() < 0.7 else self.any
        return f"({self.boolean(depth)} ? {make(depth)} : {other(depth)})"

    def any(self, depth: int) -> str:
        r = self.r.random()
        if r < 0.05:
            return "null"
        make = self.r.choice([self.number, self.string, self.boolean, self.list, self.mapping])
        return str(make(depth))

    def arg(self, spec: Any, depth: int) -> str:
        if spec == "string":
            if self.r.random() < 0.15:
                return self.pick(REGEXES)
            return self.string(depth)
        if spec == "number":
            return self.number(depth)
        if spec == "bool":
            return self.boolean(depth)
        if isinstance(spec, list) and spec and spec[0] in ("list", "set"):
            return self.list(depth)
        if isinstance(spec, list) and spec and spec[0] in ("map", "object"):
            return self.mapping(depth)
        return self.any(depth)

    def call(self, depth: int, want: str | None = None) -> str:
        names = [n for n in self.functions if want is None or _returns(self.functions[n], want)]
        if not names:
            names = list(self.functions)
        name = self.pick(names)
        sig = self.functions[name]
        args = [self.arg(p["type"], depth) for p in sig.get("parameters", [])]
        variadic = sig.get("variadic_parameter")
        if variadic is not None:
            args += [self.arg(variadic["type"], depth) for _ in range(self.r.randrange(3))]
        return f"{name}({', '.join(args)})"

    def expression(self) -> str:
        depth = self.r.randrange(1, 4)
        if self.r.random() < 0.3:
            return self.call(depth)
        return self.any(depth)


def _returns(sig: dict[str, Any], want: str) -> bool:
    rt = sig.get("return_type")
    if rt == "dynamic":
        return True
    if want in ("list", "map"):
        return isinstance(rt, list) and rt[0] in (("list", "set", "tuple") if want == "list" else ("map", "object"))
    return bool(rt == want)


# Functions whose value differs between runs or reads the machine: not worth recording.
SKIP_FUNCTIONS = {"timestamp", "plantimestamp", "uuid", "bcrypt", "rsadecrypt", "file", "fileexists", "fileset",
                  "filebase64", "filemd5", "filesha1", "filesha256", "filesha512", "filebase64sha256",
                  "filebase64sha512", "templatefile", "pathexpand", "abspath"}


def terraform_functions() -> dict[str, Any]:
    out = subprocess.run(["terraform", "metadata", "functions", "-json"], capture_output=True, text=True,
                         check=True, env=_env())
    sigs: dict[str, Any] = json.loads(out.stdout)["function_signatures"]
    return {n: s for n, s in sigs.items() if n not in SKIP_FUNCTIONS}


def generate(count: int, seed: int, functions: dict[str, Any]) -> list[str]:
    gen = Gen(seed, functions)
    seen: set[str] = set()
    out: list[str] = []
    for e in HANDWRITTEN:
        if e not in seen:
            seen.add(e)
            out.append(e)
    guard = 0
    while len(out) < count and guard < count * 20:
        guard += 1
        e = gen.expression()
        if len(e) <= 400 and e not in seen:
            seen.add(e)
            out.append(e)
    return out


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["TF_CLI_CONFIG_FILE"] = os.devnull
    env["CHECKPOINT_DISABLE"] = "1"
    env.pop("TF_LOG", None)
    return env


def _console(folder: Path, line: str) -> str | None:
    proc = subprocess.run(["terraform", "console", "-no-color"], input=line + "\n", cwd=folder, capture_output=True,
                          text=True, env=_env(), timeout=600)
    if proc.returncode != 0:
        return None
    text = proc.stdout.strip()
    return text


def _batch(folder: Path, exprs: list[str]) -> list[dict[str, Any]]:
    items = ", ".join(
        f"e{i} = try([nonsensitive(jsonencode({e})), issensitive(jsonencode({e}))], null)" for i, e in enumerate(exprs)
    )
    printed = _console(folder, f"jsonencode({{{items}}})")
    data: Any = None
    if printed is not None:
        try:
            data = json.loads(json.loads(printed))
        except ValueError:
            data = None
    if data is None:
        if len(exprs) == 1:  # rejected before evaluation (a static error): an error all the same
            return [{"expr": exprs[0], "ok": False, "printed": printed}]
        half = len(exprs) // 2
        return _batch(folder, exprs[:half]) + _batch(folder, exprs[half:])
    out: list[dict[str, Any]] = []
    for i, e in enumerate(exprs):
        got = data[f"e{i}"]
        if got is None:
            out.append({"expr": e, "ok": False})
        else:
            out.append({"expr": e, "ok": True, "value": json.loads(got[0]), "sensitive": bool(got[1])})
    return out


def record(exprs: list[str]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="tf-exprs-") as tmp:
        folder = Path(tmp)
        (folder / "vars.tf").write_text(VARS_TF, encoding="utf-8")
        for start in range(0, len(exprs), BATCH):
            results += _batch(folder, exprs[start:start + BATCH])
            print(f"{len(results)}/{len(exprs)}", file=sys.stderr)
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=6000)
    p.add_argument("--seed", type=int, default=1411)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--expressions", type=Path, help="a file of expressions, one a line, instead of generating")
    args = p.parse_args(argv)
    if args.expressions:
        exprs = [x for x in args.expressions.read_text(encoding="utf-8").splitlines() if x.strip()]
    else:
        exprs = generate(args.count, args.seed, terraform_functions())
    results = record(exprs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"terraform": _version(), "seed": args.seed, "vars_tf": VARS_TF, "records": results}
    args.out.write_text(json.dumps(payload, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    ok = sum(1 for r in results if r["ok"])
    print(f"recorded {len(results)} expressions ({ok} evaluated, {len(results) - ok} rejected) in {args.out}")
    return 0


def _version() -> str:
    out = subprocess.run(["terraform", "version", "-json"], capture_output=True, text=True, check=True, env=_env())
    return str(json.loads(out.stdout)["terraform_version"])


if __name__ == "__main__":
    raise SystemExit(main())
