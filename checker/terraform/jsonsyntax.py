"""Terraform's JSON configuration syntax (``*.tf.json``): a JSON parser that keeps line numbers,
and the conversion of JSON values into expression trees the evaluator understands.

In ``.tf.json`` files, strings are templates (``"${var.x}"``), numbers, bools and null are
literals, arrays are tuples and objects are objects whose keys are templates too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from checker.terraform import parser as tfparser
from checker.terraform.errors import TerraformError
from checker.terraform.syntax import Tree
from checker.terraform.values import Origin, TfStr


@dataclass
class JNode:
    """A JSON value with the line it starts on. ``value``: a Python scalar, list of JNode,
    or list of (key: str, key_line: int, JNode) pairs for an object."""

    kind: str  # "object", "array", "string", "scalar"
    value: Any
    line: int


_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?)'
    r"|(?P<kw>true|false|null)|(?P<punct>[{}\[\]:,]))",
    re.S,
)


def parse_json(text: str, file: str) -> JNode:
    """Parse JSON text keeping the starting line of every value (iterative, no recursion limit)."""
    import json

    pos = 0
    line = 1
    n = len(text)

    def next_token() -> tuple[str, str, int]:
        nonlocal pos, line
        m = _TOKEN.match(text, pos)
        if not m or (m.end() == pos and pos < n):
            if text[pos:].strip() == "":
                pos = n
                return ("eof", "", line)
            raise TerraformError(f"invalid JSON in {file}", Origin(file, line + text.count("\n", pos, pos + 1)))
        ws_end = m.start(m.lastgroup) if m.lastgroup else m.end()
        line += text.count("\n", pos, ws_end)
        tok_line = line
        kind = m.lastgroup or "eof"
        value = m.group(kind) if m.lastgroup else ""
        line += value.count("\n")
        pos = m.end()
        return (kind, value, tok_line)

    # iterative parser with an explicit stack
    stack: list[tuple[JNode, str | None, int]] = []  # container, pending key, key line
    result: JNode | None = None
    expect_value = True
    while True:
        kind, tok, tline = next_token()
        if kind == "eof" and pos >= n and text[pos:].strip() == "":
            break
        node: JNode | None = None
        if kind == "str":
            s = json.loads(tok)
            if stack and stack[-1][0].kind == "object" and stack[-1][1] is None and not expect_value:
                # an object key
                container, _, _ = stack[-1]
                stack[-1] = (container, s, tline)
                _k2, t2, _ = next_token()
                if t2 != ":":
                    raise TerraformError(f"invalid JSON in {file}: expected ':'", Origin(file, tline))
                expect_value = True
                continue
            node = JNode("string", s, tline)
        elif kind == "num":
            node = JNode("scalar", _json_number(tok), tline)
        elif kind == "kw":
            node = JNode("scalar", {"true": True, "false": False, "null": None}[tok], tline)
        elif tok == "{":
            stack.append((JNode("object", [], tline), None, 0))
            expect_value = False
            continue
        elif tok == "[":
            stack.append((JNode("array", [], tline), None, 0))
            expect_value = True
            continue
        elif tok in ("}", "]"):
            if not stack:
                raise TerraformError(f"invalid JSON in {file}", Origin(file, tline))
            node = stack.pop()[0]
        elif tok == ",":
            expect_value = bool(stack and stack[-1][0].kind == "array")
            continue
        elif kind == "eof":
            raise TerraformError(f"invalid JSON in {file}: unexpected end", Origin(file, tline))
        else:
            raise TerraformError(f"invalid JSON in {file}: unexpected {tok!r}", Origin(file, tline))
        # attach node
        if not stack:
            if result is not None:
                raise TerraformError(f"invalid JSON in {file}: extra data", Origin(file, tline))
            result = node
            continue
        container, key, key_line = stack[-1]
        if container.kind == "array":
            container.value.append(node)
        else:
            if key is None:
                raise TerraformError(f"invalid JSON in {file}: expected a key", Origin(file, tline))
            container.value.append((key, key_line, node))
            stack[-1] = (container, None, 0)
            expect_value = False
    if result is None or stack:
        raise TerraformError(f"invalid JSON in {file}: unexpected end", Origin(file, line))
    return result


def _json_number(tok: str) -> int | float:
    from decimal import Decimal

    d = Decimal(tok)
    return int(d) if d == d.to_integral_value() else float(d)


def _tree(data: str, children: list[Any], line: int) -> Tree:
    t: Tree = Tree(data, children)
    t.meta.line = line
    t.meta.end_line = line
    t.meta.empty = False
    return t


def to_expr(node: JNode, file: str, *, literal: bool = False) -> Tree:
    """The expression tree of a JSON value; ``literal``: strings are not templates."""
    if node.kind == "string":
        if literal or ("${" not in node.value and "%{" not in node.value):
            text = node.value
            if not literal:
                text = text.replace("$${", "${").replace("%%{", "%{")
            return _tree("json_literal", [TfStr(text, Origin(file, node.line))], node.line)
        return tfparser.template_from_text(node.value, file, node.line)
    if node.kind == "scalar":
        return _tree("json_literal", [node.value], node.line)
    if node.kind == "array":
        return _tree("json_array", [to_expr(c, file, literal=literal) for c in node.value], node.line)
    pairs = []
    for key, key_line, value in node.value:
        key_node = to_expr(JNode("string", key, key_line), file, literal=literal)
        pairs.append(_tree("json_pair", [key_node, to_expr(value, file, literal=literal)], key_line))
    return _tree("json_object", pairs, node.line)


def to_plain(node: JNode, file: str) -> Any:
    """The JSON value as plain Terraform values (strings are TfStr with their line)."""
    if node.kind == "string":
        return TfStr(node.value, Origin(file, node.line))
    if node.kind == "scalar":
        return node.value
    if node.kind == "array":
        return [to_plain(c, file) for c in node.value]
    return {k: to_plain(v, file) for k, _, v in node.value}
