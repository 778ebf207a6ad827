"""HashiCorp's HCL parser as the authority on what a ``.tf`` file says.

The gate evaluates python-hcl2's tree (its grammar is an emulation of HCL's). Each native-syntax
file is parsed a second time by ``hashicorp/hcl/v2`` itself (the ``pygohcl`` binding, one call
per file, imported only when a ``.tf`` file is read) and both readings are compared; any
difference, and any file HashiCorp's parser rejects, is an error diagnostic (reported as IAM001):
the file fails closed, and python-hcl2's tree stays the one evaluated and located.

What is compared
    pygohcl returns a *projection* of HCL's syntax tree (its ``hcl_to_json.go``, adapted from
    hcl2json, with ``keep_interpolations``): blocks nested by type and labels (a repeated key
    becomes a list, in file order), attribute names, literal values (numbers, bools, null,
    strings with escapes resolved), templates rendered back to text (``${ref}`` for a plain
    reference, ``%{if ...}``/``%{for ...}`` for directives, other interpolated expressions as
    their source text) and every other expression as its source text. :func:`project` computes
    the same projection from python-hcl2's tree, node by node, and :func:`compare` compares the
    two values exactly (a bool is never equal to a number).

Tolerances (nothing else is forgiven)
    * Expression source text: comments are removed and whitespace runs are collapsed to one
      space (``rangeSource`` of ``hcl_to_json.go``), so layout never differs; the expression's
      extent is still each parser's own, so a parser that reads a longer or shorter expression
      differs.
    * Attribute order (HCL keeps attributes in a map) and object key order.
    * Numbers compare by value as JSON numbers (``1.0`` and ``1`` are one number in HCL).
    * Line ends: the loader reads files with universal newlines, HashiCorp's parser reads the
      file's own characters; a CRLF in HCL's strings is compared as LF. A lone CR is not a line
      break for HCL (``# c\\rb = 2`` is one comment) and is never forgiven.

What the projection cannot see (documented limits of the authority's interface)
    * A block and an object-valued attribute of the same name project alike, a plain string
      ``"a.b"`` projects like the reference ``a.b``, and ``"p${f(1)}q"`` like ``"pf(1)q"``; a
      disagreement that only swaps such forms is not seen. Terraform rejects an attribute where
      its schema wants a block, and python-hcl2 keeps an escaped ``$${`` as ``${`` text, so the
      escape differences read differently here (the fuzz test generates such forms).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from checker.terraform import parser as tfparser
from checker.terraform.errors import TerraformError
from checker.terraform.evaluator import MAX_DEPTH
from checker.terraform.syntax import Token, Tree, name_of
from checker.terraform.values import Origin

KeyPath = tuple[str | int, ...]

MAX_DIFFERENCES = 50
"""Differences collected per file before the first (by line) is reported."""

_POSITION_RE = re.compile(r"tmp\.hcl:(\d+),(\d+)(?:-(?:\d+,)?\d+)?: ")
_MENTION_RE = re.compile(r"tmp\.hcl:(\d+),\d+(?:-(?:\d+,)?\d+)?")
_NL = "new_line_or_comment"


class _Unreadable(Exception):
    """python-hcl2's tree has a node this projection cannot render (it is then a finding)."""


# --------------------------------------------------------------------------------------
# HashiCorp's reading
# --------------------------------------------------------------------------------------


def hashicorp_reading(text: str) -> tuple[Any, tuple[str, int, int] | None]:
    """pygohcl's projection of ``text``, or None and (message, line, column) of its rejection."""
    if "\x00" in text:
        # pygohcl hands the text over as a C string: it would read only up to the NUL byte.
        line = text.count("\n", 0, text.index("\x00")) + 1
        return None, ("the file contains a NUL byte; HashiCorp's parser cannot read it whole", line, 1)
    deep = _deepest_bracket(text)
    if deep is not None:
        # HCL's parser recurses once per level on a goroutine stack that grows by copying: a file
        # nested thousands deep costs it megabytes a level, past any memory limit of the process
        return None, (f"the file nests brackets more than {MAX_BRACKETS} deep; HashiCorp's parser is not "
                      "asked to read it", deep, 1)
    import pygohcl

    try:
        return pygohcl.loads(text, keep_interpolations=True), None
    except RecursionError:  # its JSON nests deeper than Python's decoder goes
        return None, ("the file nests too deeply for HashiCorp's parser's reading to be compared", 1, 1)
    except pygohcl.HCLParseError as exc:
        return None, _rejection(str(exc))
    except pygohcl.HCLInternalError as exc:  # HCL parsed it; its projection failed (e.g. "${null}")
        return None, (f"HashiCorp's parser's reading cannot be compared: {exc}", 1, 1)


# Brackets counted everywhere (in strings and comments too, so a count over-estimates the nesting):
# far beyond what a real module nests, and within what HCL's parser reads in bounded memory.
MAX_BRACKETS = 1000
_BRACKET_RE = re.compile(r"[()\[\]{}]")


def _deepest_bracket(text: str) -> int | None:
    """The line where ``text`` first nests brackets more than :data:`MAX_BRACKETS` deep, or None."""
    depth = 0
    for m in _BRACKET_RE.finditer(text):
        depth += 1 if m.group() in "([{" else -1
        if depth > MAX_BRACKETS:
            return text.count("\n", 0, m.start()) + 1
    return None


def _rejection(error: str) -> tuple[str, int, int]:
    body = error.removeprefix("invalid HCL: ")
    m = _POSITION_RE.match(body)
    if m is None:
        return f"HashiCorp's HCL parser rejects this file: {body}", 1, 1
    first = _POSITION_RE.split(body[m.end():])[0].rstrip(", ")
    first = _MENTION_RE.sub(r"line \1", first)  # "already set at tmp.hcl:1,1-2": pygohcl's name for the file
    line, column = int(m.group(1)), int(m.group(2))
    return f"HashiCorp's HCL parser rejects this file: {first} (line {line}, column {column})", line, column


# --------------------------------------------------------------------------------------
# python-hcl2's reading, projected as hcl_to_json.go projects HCL's
# --------------------------------------------------------------------------------------


class _Projector:
    """python-hcl2's tree as pygohcl's dict; with ``track``, also the source line of each path
    (a second pass made only for a file whose readings differ)."""

    def __init__(self, text: str, file: str, *, track: bool = False) -> None:
        self.text = text
        self.file = file
        self.track = track
        self.lines: dict[KeyPath, int] = {}
        self.in_heredoc = 0
        self.depth = 0
        self.line = 1  # of the expression being projected (where an unreadable node is reported)

    # -- bodies and blocks (convertBody, convertBlock) ----------------------------------

    def body(self, node: Tree, path: KeyPath) -> dict[str, Any]:
        self._enter(node)
        try:
            return self._body(node, path)
        finally:
            self.depth -= 1

    def _body(self, node: Tree, path: KeyPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        blocks: list[Tree] = []
        for item in node.children:
            if not isinstance(item, Tree):
                continue
            if item.data == "attribute":
                name = name_of(item.children[0])
                if self.track:
                    self.lines[(*path, name)] = int(item.line)
                out[name] = self.expression(item.children[-1], (*path, name))
            elif item.data == "block":
                blocks.append(item)
        for block in blocks:
            self.block(block, out, path)
        return out

    def block(self, node: Tree, out: dict[str, Any], path: KeyPath) -> None:
        heads: list[str] = []
        body: Tree | None = None
        for c in node.children:
            if isinstance(c, Tree) and c.data == "body":
                body = c
                break
            if isinstance(c, Tree) and c.data != _NL:
                heads.append(name_of(c))
        key = heads[0]
        where = path
        for label in heads[1:]:
            if key in out:
                inner = out[key]
                if not isinstance(inner, dict):
                    raise _Unreadable(f"block {'.'.join(heads)} shares its name with an argument")
                out = inner
            else:
                out[key] = {}
                out = out[key]
            where = (*where, key)
            key = label
        where = (*where, key)
        if key in out and self.track:
            current = out[key]
            if isinstance(current, list):
                where = (*where, len(current))
            else:
                # the first becomes item 0 of a list: move the lines recorded for it
                self._relocate(where, (*where, 0))
                where = (*where, 1)
        if self.track:
            self.lines.setdefault(where, int(node.line))
        value = self.body(body, where) if body is not None else {}
        if key in out:
            current = out[key]
            out[key] = [*current, value] if isinstance(current, list) else [current, value]
        else:
            out[key] = value

    def _relocate(self, old: KeyPath, new: KeyPath) -> None:
        n = len(old)
        moved = {(*new, *p[n:]): line for p, line in self.lines.items() if p[:n] == old}
        for p in [p for p in self.lines if p[:n] == old]:
            del self.lines[p]
        self.lines.update(moved)

    # -- expressions (convertExpression) ------------------------------------------------

    def expression(self, node: Any, path: KeyPath) -> Any:
        self._enter(node)
        try:
            return self._expression(node, path)
        finally:
            self.depth -= 1

    def _enter(self, node: Any) -> None:
        """Bounded nesting: each level here is at least one level of the evaluator, which refuses
        more than MAX_DEPTH with this message (the diagnostic is then the same, reported once)."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            line = int(node.line) if isinstance(node, Tree) and not node.empty else 1
            raise TerraformError(f"expression is nested too deeply (more than {MAX_DEPTH} levels); simplify it",
                                 Origin(self.file, line))

    def _expression(self, node: Any, path: KeyPath) -> Any:
        if isinstance(node, Tree):
            self.line = int(node.line)
            if self.track:
                self.lines.setdefault(path, self.line)
        term = _term(node)
        if term is None:
            return self.source(node)
        kind = term.data
        if kind in ("int_lit", "float_lit"):
            return _number(str(term.children[0]))
        if kind == "literal_value":
            return _LITERALS[str(term.children[0])]
        if kind == "string":
            parts = [c for c in term.children if isinstance(c, Tree)]
            if len(parts) == 1 and isinstance(parts[0].children[0], Tree) and \
                    parts[0].children[0].data == "interpolation":  # "${x}" alone: TemplateWrapExpr
                return self.expression(_significant(parts[0].children[0])[0], path)
            return self.template(self._string_template(term))
        if kind in ("heredoc_template", "heredoc_template_trim"):
            return self.heredoc(term)
        if kind == "tuple":
            items = _significant(term)
            return [self.expression(e, (*path, i)) for i, e in enumerate(items)]
        if kind == "object":
            out: dict[str, Any] = {}
            for elem in _significant(term):
                key_node, value_node = elem.children[0], elem.children[-1]
                key = self.key(key_node)
                if self.track:
                    self.lines.setdefault((*path, key), int(elem.line))
                out[key] = self.expression(value_node, (*path, key))
            return out
        if kind == "unary_op":
            return self.unary(term)
        return self.source(node)

    def unary(self, node: Tree) -> Any:
        op = str(node.children[0])
        inner = _term(node.children[1])
        if inner is not None and inner.data in ("int_lit", "float_lit") and op == "-":
            value = _number(str(inner.children[0]))
            return -value if not isinstance(value, bool) else value
        if inner is not None and inner.data == "literal_value" and op == "!":
            value = _LITERALS[str(inner.children[0])]
            if isinstance(value, bool):
                return not value
        return self.source(node)

    def key(self, node: Tree) -> str:
        """convertKey: a bare name or traversal is its source text, anything else a string part."""
        inner = _significant(node)[0]
        if isinstance(inner, Tree) and inner.data == "keyword":
            return str(inner.children[0])
        term = _term(inner)
        if term is not None and _is_traversal(term):
            return self.source(inner)
        return self.string_part(inner)

    # -- templates (convertTemplate, convertStringPart) ---------------------------------

    def _string_template(self, node: Tree) -> Tree:
        try:
            return tfparser.string_template(node, self.file, int(node.line))
        except TerraformError as exc:
            raise _Unreadable(exc.message) from None

    def heredoc(self, node: Tree) -> str:
        """A heredoc's template: its expressions were parsed out of the heredoc body (their
        positions are not offsets of the file), so their source text is rebuilt from tokens."""
        try:
            tmpl = tfparser.heredoc_template(node.children[0], self.file)
        except TerraformError as exc:
            raise _Unreadable(exc.message) from None
        self.in_heredoc += 1
        try:
            return self.template(tmpl)
        finally:
            self.in_heredoc -= 1

    def template(self, tmpl: Tree) -> str:
        self._enter(tmpl)
        try:
            return self._template(tmpl)
        finally:
            self.depth -= 1

    def _template(self, tmpl: Tree) -> str:
        out: list[str] = []
        for part in tmpl.children:
            if isinstance(part, Token):
                out.append(str(part))
            elif part.data == "tmpl_interp":
                out.append(self.string_part(part.children[0]))
            elif part.data == "tmpl_if":
                cond, then, other = part.children
                rest = self.template(other)
                out.append(f"%{{if {self.source(cond)}}}{self.template(then)}"
                           f"{'%{else}' + rest if rest else ''}%{{endif}}")
            elif part.data == "tmpl_for":
                key, value, coll, body = part.children
                names = f"{key}, {value}" if key else str(value)
                out.append(f"%{{for {names} in {self.source(coll)}}}{self.template(body)}%{{endfor}}")
            else:  # pragma: no cover - parser.build_template makes no other node
                raise _Unreadable(f"template part {part.data}")
        return "".join(out)

    def string_part(self, node: Any) -> str:
        self._enter(node)
        try:
            return self._string_part(node)
        finally:
            self.depth -= 1

    def _string_part(self, node: Any) -> str:
        term = _term(node)
        if term is None:
            if isinstance(node, Tree) and node.data == "conditional":
                cond, yes, no = _significant(node)[0], _significant(node)[-2], _significant(node)[-1]
                rest = self.string_part(no)
                return (f"%{{if {self.source(cond)}}}{self.string_part(yes)}"
                        f"{'%{else}' + rest if rest else ''}%{{endif}}")
            return self.source(node)
        kind = term.data
        if kind in ("int_lit", "float_lit"):
            return _number_text(str(term.children[0]))
        if kind == "literal_value":
            word = str(term.children[0])
            if word == "null":
                raise _Unreadable("null interpolated in a template")
            return word
        if kind == "string":
            return self.template(self._string_template(term))
        if kind in ("heredoc_template", "heredoc_template_trim"):
            return self.heredoc(term)
        if _is_traversal(term):
            return "${" + self.source(node) + "}"
        return self.source(node)

    # -- source text (rangeSource) ------------------------------------------------------

    def source(self, node: Any) -> str:
        if self.in_heredoc:
            return range_source(_token_text(node))
        start = _start(node)
        end = _end(node)
        if start is None or end is None:
            raise _Unreadable("an expression without positions")
        return range_source(self.text[start:end])


_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


def _significant(node: Tree) -> list[Any]:
    """Children that are neither punctuation tokens nor newlines and comments."""
    return [c for c in node.children if isinstance(c, Tree) and c.data != _NL]


def _term(node: Any) -> Tree | None:
    """The inside of an ``expr_term`` (None for operators, conditionals, parentheses...)."""
    if not isinstance(node, Tree):
        return None
    if node.data == "unary_op":
        return node
    if node.data != "expr_term":
        return None
    if any(isinstance(c, Token) and c.type == "LPAR" for c in node.children):
        return None  # ParenthesesExpr: its source text
    inner = _significant(node)
    return inner[0] if len(inner) == 1 else None


def _is_traversal(term: Tree) -> bool:
    """A ScopeTraversalExpr of HCL: a name, then ``.name``, ``.0`` or ``[literal]`` steps."""
    node = term
    while True:
        if node.data == "identifier":
            return True
        if node.data not in ("get_attr_expr_term", "index_expr_term"):
            return False
        base, step = node.children[0], node.children[-1]
        if step.data == "braces_index":
            key = _term(_significant(step)[0])
            if key is None or key.data not in ("int_lit", "float_lit", "literal_value", "string"):
                return False
            if key.data == "string" and any(
                isinstance(p.children[0], Tree) for p in key.children if isinstance(p, Tree)
            ):
                return False
        inner = _term(base)
        if inner is None:
            return False
        node = inner


def _start(node: Any) -> int | None:
    pos = node.start_pos
    return int(pos) if pos is not None else None


def _end(node: Any) -> int | None:
    """End of the last token that is not a newline or comment (python-hcl2 lets some
    expressions end with the newline that follows them)."""
    while isinstance(node, Tree):
        kids = [c for c in node.children
                if not (isinstance(c, Tree) and c.data == _NL) and not (isinstance(c, Token) and c.type == "NL_OR_COMMENT")]
        if not kids:
            return int(node.end_pos) if not node.empty else None
        node = kids[-1]
    pos = node.end_pos
    return int(pos) if pos is not None else None


def _token_text(node: Any) -> str:
    """The text of a node's tokens, a space where the source had blank space between two
    (python-hcl2 ignores only blanks between tokens; comments and newlines are tokens)."""
    tokens: list[Token] = []
    stack: list[Any] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Tree):
            stack.extend(reversed(n.children))
        elif isinstance(n, Token):
            tokens.append(n)
    while tokens and tokens[-1].type == "NL_OR_COMMENT":
        tokens.pop()
    out: list[str] = []
    end: int | None = None
    for t in tokens:
        if end is not None and t.start_pos is not None and t.start_pos > end:
            out.append(" ")
        out.append(str(t))
        end = t.end_pos
    return "".join(out)


def _number(text: str) -> Any:
    """A number as pygohcl's JSON gives it (cty's ``Text('f', -1)``, read by ``json.loads``)."""
    return json.loads(_number_text(text))


def _number_text(text: str) -> str:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _Unreadable(f"number {text}") from None
    out = format(value.normalize(), "f")
    return "0" if out == "-0" else out


def _strip_block_comments(text: str) -> str:
    out: list[str] = []
    in_string = False
    quote = ""
    in_comment = False
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":
            if not in_string:
                in_string, quote = True, ch
            elif quote == ch:
                in_string = False
        if not in_string:
            if not in_comment and ch == "/" and i + 1 < n and text[i + 1] == "*":
                in_comment = True
                i += 2
                continue
            if in_comment and ch == "*" and i + 1 < n and text[i + 1] == "/":
                in_comment = False
                i += 2
                continue
        if not in_comment:
            out.append(ch)
        i += 1
    return "".join(out)


def _strip_inline_comments(line: str) -> str:
    in_string = False
    quote = ""
    for j, ch in enumerate(line):
        if ch in "\"'":
            if not in_string:
                in_string, quote = True, ch
            elif quote == ch:
                in_string = False
        if not in_string and (ch == "#" or (ch == "/" and line[j + 1:j + 2] == "/")):
            return line[:j]
    return line


_GO_SPACE = " \t\n\v\f\r\x85\xa0"


def range_source(text: str) -> str:
    """``rangeSource`` of ``hcl_to_json.go``: comments removed (its own scanner, quote-naive as
    it is), lines joined, whitespace runs collapsed."""
    if "/*" in text:
        text = _strip_block_comments(text)
    if "#" in text or "//" in text:
        text = " ".join(_strip_inline_comments(line) for line in text.split("\n"))
    return " ".join(text.split())


# --------------------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------------------

_MISSING = object()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def compare(hcl: Any, ours: Any, path: KeyPath = ()) -> list[tuple[KeyPath, Any, Any]]:
    """The differences (path, HashiCorp's value, python-hcl2's value), at most MAX_DIFFERENCES."""
    out: list[tuple[KeyPath, Any, Any]] = []
    stack: list[tuple[KeyPath, Any, Any]] = [(path, hcl, ours)]
    while stack and len(out) < MAX_DIFFERENCES:
        p, a, b = stack.pop()
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b), reverse=True):
                stack.append(((*p, k), a.get(k, _MISSING), b.get(k, _MISSING)))
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i in range(len(a) - 1, -1, -1):
                stack.append(((*p, i), a[i], b[i]))
        elif isinstance(a, (dict, list)) or isinstance(b, (dict, list)) or not _same(a, b):
            out.append((p, a, b))
    return out


def _crlf_as_lf(value: Any) -> Any:
    """HCL's projection with each CRLF of its strings (values and keys) read as LF."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n")
    if isinstance(value, list):
        return [_crlf_as_lf(v) for v in value]
    if isinstance(value, dict):
        return {k.replace("\r\n", "\n"): _crlf_as_lf(v) for k, v in value.items()}
    return value


def _show(value: Any) -> str:
    if value is _MISSING:
        return "nothing"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


def _show_path(path: KeyPath) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "the file"


def _line_of(path: KeyPath, lines: dict[KeyPath, int]) -> int:
    for n in range(len(path), 0, -1):
        line = lines.get(path[:n])
        if line is not None:
            return line
    return 1


# --------------------------------------------------------------------------------------
# The check
# --------------------------------------------------------------------------------------


def project(tree: Tree, text: str, file: str) -> tuple[dict[str, Any], dict[KeyPath, int]]:
    """python-hcl2's tree (``start`` node) projected as pygohcl projects HCL's, and the source
    line of each projected path. Raises TerraformError for a node it cannot render."""
    projector = _Projector(text, file, track=True)
    try:
        value = projector.body(tree.children[0], ())
    except _Unreadable as exc:
        raise TerraformError(f"HCL parsers cannot be compared: python-hcl2's tree has {exc}", Origin(file, 1)) from None
    return value, projector.lines


def cross_check(text: str, tree: Tree, file: str, *, raw: str | None = None) -> tuple[str, int] | None:
    """None when HashiCorp's parser reads the file as python-hcl2 did (``tree``, as given by
    :func:`checker.terraform.parser.parse_hcl` for ``text``); otherwise the error message and the
    first line where the readings differ (or where HashiCorp's parser rejects it).

    ``raw`` is the file as Terraform reads it, when ``text`` is it with universal newlines (as the
    loader reads files): HashiCorp's parser reads ``raw``, so a lone carriage return, which HCL
    does not take for a line break (``# c\rb = 2`` is one comment), differs. A CRLF line break
    in HCL's literal text is read as LF, as the loader reads it (the one tolerance on values).
    """
    projector = _Projector(text, file)
    unreadable: str | None = None
    try:
        ours = projector.body(tree.children[0], ())
    except TerraformError as exc:  # nested deeper than the evaluator goes: its own error, before pygohcl
        return exc.message, exc.origin.line if exc.origin else 1
    except _Unreadable as exc:
        ours, unreadable = None, f"HCL parsers cannot be compared: python-hcl2's tree has {exc}"
    hcl, rejected = hashicorp_reading(raw if raw is not None else text)
    if rejected is not None:
        return rejected[0], rejected[1]
    if raw is not None and raw != text:
        try:
            hcl = _crlf_as_lf(hcl)
        except RecursionError:
            return "the file nests too deeply for HashiCorp's parser's reading to be compared", 1
    if unreadable is not None:
        return unreadable, projector.line
    diffs = compare(hcl, ours)
    if not diffs:
        return None
    _, lines = project(tree, text, file)  # again, with the line of each path
    path, theirs, mine = min(diffs, key=lambda d: (_locate(d[0], d[1], d[2], lines), len(d[0])))
    return (f"HCL parsers disagree on {_show_path(path)} (HashiCorp's parser reads {_show(theirs)}, "
            f"python-hcl2 reads {_show(mine)})"), _locate(path, theirs, mine, lines)


def _locate(path: KeyPath, theirs: Any, mine: Any, lines: dict[KeyPath, int]) -> int:
    """The line of a difference: where python-hcl2's list (of blocks or items) first differs from
    HashiCorp's reading (one block where python-hcl2 has two: the second), else the path's own."""
    if isinstance(mine, list):
        others = theirs if isinstance(theirs, list) else [theirs]
        k = next((i for i, item in enumerate(mine) if i >= len(others) or compare(others[i], item)), None)
        if k is not None and (*path, k) in lines:
            return lines[(*path, k)]
    return _line_of(path, lines)

