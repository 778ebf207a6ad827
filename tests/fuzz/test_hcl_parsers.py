"""Fuzzing the two HCL readings against each other (hypothesis): python-hcl2 and HashiCorp's parser.

Documents are generated from a small grammar of HCL (blocks with labels, attributes, numbers,
strings with the escapes ``$${``, ``%%{``, ``\\"``, interpolations and directives, heredocs,
comments ``#``, ``//`` and ``/* */`` between items, stray quotes and braces inside comments
and strings, CRLF and lone CR line ends). Each is checked as the loader checks a file: python-hcl2
reads it with universal newlines, HashiCorp's parser its own characters. For each document:

- the cross-check never fails in an unplanned way (no exception but python-hcl2's own parse error);
- a document read differently (or rejected by HashiCorp's parser) is an error diagnostic of the
  loader, the one that becomes IAM001: never a silent difference;
- when the cross-check finds the readings equal, every literal value that python-hcl2's tree gives
  the evaluator is the value HashiCorp's parser read (an oracle independent of the projection).

The suite runs a few hundred derandomized examples; ``HCL_FUZZ_EXAMPLES=5000 pytest
tests/fuzz/test_hcl_parsers.py -s`` runs more and prints how many documents disagreed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.terraform import parser as tfparser
from checker.terraform.crosscheck import cross_check, hashicorp_reading
from checker.terraform.errors import TerraformError
from checker.terraform.evaluator import Evaluator, Scope, no_references
from checker.terraform.loader import parse_hcl_file

EXAMPLES = int(os.environ.get("HCL_FUZZ_EXAMPLES", "300"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 300, database=None,
                    suppress_health_check=list(HealthCheck))
STATS = {"documents": 0, "python-hcl2 rejects": 0, "disagree": 0, "agree": 0}

names = st.sampled_from(["a", "b", "actions", "resources", "in", "for", "x-y", "_z", "effect"])
labels = st.sampled_from(['"l"', '"aws_iam_policy"', '"a b"', "bare", '"x\\"y"', '""'])
comments = st.sampled_from([
    "", " # c", " // c", " /* c */", ' /* "} */', " # }\"", " /* ${ */", " // \"$${\"", " # c\rd = 1", "\r",
])
string_bits = st.sampled_from([
    "a", " ", "$${", "%%{", "$${x}", "%%{y}", "}", "\\\"", "\\n", "\\\\", "\\u00e9", "${var.x}", "${1}",
    "%{if true}t%{else}f%{endif}", "%{for v in var.l}${v}%{endfor}", "$", "%", "{", "/*", "*/", "#", "'",
    "${\"q\"}", "${ var.x[0] }", "\r\n",
])
plain_values = st.one_of(
    st.integers(-10**6, 10**6).map(str),
    st.sampled_from(["1.5", "0.0", "1e3", "-2.5e-3", "true", "false", "null", "-1", "!true", "var.x",
                     "var.x[0]", "upper(\"a\")", "1 + 2", "(3)", "[for v in var.l : v]", "var.l[*]"]),
    st.lists(string_bits, max_size=6).map(lambda parts: '"' + "".join(parts) + '"'),
)
heredocs = st.tuples(st.sampled_from(["<<", "<<-"]), st.lists(string_bits.filter(lambda b: "\\" not in b), max_size=4)).map(
    lambda t: f"{t[0]}EOT\n  {''.join(t[1])}\n  EOT")


def _values(depth: int) -> st.SearchStrategy[str]:
    if depth <= 0:
        return plain_values
    inner = _values(depth - 1)
    return st.one_of(
        plain_values,
        st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(st.tuples(names, inner), max_size=3).map(
            lambda kv: "{" + ", ".join(f"{k} = {v}" for k, v in kv) + "}"),
        heredocs,
    )


values = _values(2)
attributes = st.tuples(names, values, comments).map(lambda t: f"{t[0]} = {t[1]}{t[2]}\n")


def _bodies(depth: int) -> st.SearchStrategy[str]:
    items: st.SearchStrategy[str] = attributes
    if depth > 0:
        items = st.one_of(attributes, attributes, _blocks(depth - 1))
    return st.lists(items, max_size=4).map("".join)


def _blocks(depth: int) -> st.SearchStrategy[str]:
    return st.tuples(names, st.lists(labels, max_size=2), comments, _bodies(depth)).map(
        lambda t: f"{t[0]} {' '.join(t[1])} {{{t[2]}\n{t[3]}}}\n")


documents = st.lists(st.one_of(_blocks(2), comments.map(lambda c: c.strip() + "\n")), min_size=1, max_size=4).map("".join)


def _literals(tree: Any, file: str) -> list[tuple[tuple[str, ...], Any]]:
    """(path, value) of each attribute of the document that evaluates without references."""
    out: list[tuple[tuple[str, ...], Any]] = []
    stack: list[tuple[Any, tuple[str, ...]]] = [(tree.children[0], ())]
    while stack:
        body, path = stack.pop()
        for item in body.children:
            if not hasattr(item, "data"):
                continue
            if item.data == "attribute":
                name = str(item.children[0].children[0])
                try:
                    value = Evaluator().evaluate(item.children[-1], Scope(file, no_references, None))
                except TerraformError:
                    continue
                out.append(((*path, name), value))
    return out


def _plain(value: Any) -> Any:
    """A literal value of the evaluator in JSON terms (the form pygohcl gives)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, str):
        return str(value)
    return value


@SETTINGS
@given(documents)
def test_parsers_agree_or_the_file_fails(tmp_path_factory: Any, raw: str) -> None:
    STATS["documents"] += 1
    text = raw.replace("\r\n", "\n").replace("\r", "\n")  # what the loader gives python-hcl2
    try:
        tree = tfparser.parse_hcl(text, "fuzz.tf")
    except TerraformError:
        STATS["python-hcl2 rejects"] += 1
        return  # the gate reports python-hcl2's own parse error (IAM001)
    verdict = cross_check(text + "\n", tree, "fuzz.tf", raw=raw + "\n")
    if verdict is not None:
        STATS["disagree"] += 1
        path = Path(tmp_path_factory.mktemp("fuzz")) / "main.tf"
        path.write_bytes(raw.encode())
        _, diags = parse_hcl_file(path)
        assert (diags[0].severity, diags[0].message, diags[0].line) == ("error", verdict[0], verdict[1])
        assert verdict[1] >= 1
        return
    STATS["agree"] += 1
    if "\r" in raw:
        return  # HCL's strings hold CRLF where the evaluator's hold LF (the documented tolerance)
    hcl, rejected = hashicorp_reading(text + "\n")
    assert rejected is None
    # Top-level attributes only exist in a document without blocks; check each block's literal
    # attributes where HashiCorp's reading holds one block of that name (no list of them).
    for block in (c for c in tree.children[0].children if getattr(c, "data", None) == "block"):
        heads = [c for c in block.children if hasattr(c, "data") and c.data not in ("body", "new_line_or_comment")]
        if len(heads) != 1:
            continue
        name = str(heads[0].children[0])
        theirs = hcl.get(name)
        if not isinstance(theirs, dict):
            continue
        body = next(c for c in block.children if getattr(c, "data", None) == "body")
        for (attr,), value in _literals(type(tree)("start", [body]), "fuzz.tf"):
            if attr in theirs and isinstance(value, (str, int, float, bool, list)):
                assert _plain(value) == theirs[attr] or not _comparable(theirs[attr]), (attr, value, theirs[attr])


def _comparable(value: Any) -> bool:
    """HashiCorp's projection renders expressions as source text: only literal strings without
    interpolation markers and numbers are values to compare with the evaluator's."""
    if isinstance(value, list):
        return all(_comparable(v) for v in value)
    if isinstance(value, str):
        return "${" not in value and "%{" not in value and not any(c in value for c in "()+[.")
    return isinstance(value, (int, float, bool))


def teardown_module() -> None:
    if EXAMPLES > 300:
        print(f"\nHCL parser fuzz: {STATS}")
