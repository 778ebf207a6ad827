"""Parsing Terraform text: python-hcl2's Lark parser (built once per process) and templates.

python-hcl2 parses native HCL into a Lark tree whose nodes carry line numbers
(``propagate_positions``). It keeps heredoc bodies as raw text and strings as flat lists of
parts, so this module also assembles templates into a small structured form that the
evaluator walks:

``Tree("tmpl", parts)``
    parts are ``Token("TLIT", text)`` (escapes resolved), ``Tree("tmpl_interp", [expr])``,
    ``Tree("tmpl_if", [cond, Tree("tmpl", then), Tree("tmpl", else)])`` and
    ``Tree("tmpl_for", [key_name | None, value_name, collection, Tree("tmpl", body)])``.

Template text outside quoted strings (heredoc bodies, ``templatefile`` files, strings of
``.tf.json`` files) is split here into literal text, ``${...}`` and ``%{...}`` parts; each
embedded expression is parsed with the same Lark parser, so line numbers stay exact.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import LarkError

from checker.terraform.errors import TerraformError
from checker.terraform.values import Origin


@functools.lru_cache(maxsize=1)
def get_parser() -> Lark:
    """python-hcl2's LALR parser, built once per process and cached on disk.

    python-hcl2 caches its parser (``functools.lru_cache`` in the process and a Lark cache
    file next to its grammar). When that file is missing and the package directory is not
    writable, every process would rebuild the tables (seconds); then a cache file in the
    user's cache directory is used instead, with the same options so that the tables match.
    """
    from hcl2 import parser as hcl2_parser
    from hcl2.postlexer import PostLexer

    default = Path(hcl2_parser.PARSER_FILE)
    if default.exists() or os.access(default.parent, os.W_OK):
        return hcl2_parser.parser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    cache_dir = Path(base) / "check-permissions"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError:
        cache_dir = Path(tempfile.gettempdir())
    return Lark.open(
        "hcl2.lark",
        parser="lalr",
        cache=str(cache_dir / "hcl2-lark-cache.bin"),
        rel_to=hcl2_parser.__file__,
        propagate_positions=True,
        postlex=PostLexer(),
    )


def parse_hcl(text: str, file: str) -> Tree[Any]:
    """Parse a native-syntax file (``.tf``, ``.tfvars``) into a Lark tree."""
    try:
        return get_parser().parse(text + "\n")
    except LarkError as exc:
        line = getattr(exc, "line", 1)
        if not isinstance(line, int) or line < 1:
            line = 1
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TerraformError(f"cannot parse {Path(file).name}: {first}", Origin(file, line)) from None


def parse_expression(text: str, file: str, line: int) -> Tree[Any]:
    """Parse one expression written at ``line`` of ``file`` (for templates and JSON syntax)."""
    tree = parse_hcl(f"__expr__ = (\n{text}\n)", file)
    _shift_lines(tree, line - 2)
    body = tree.children[0]
    for child in body.children:
        if isinstance(child, Tree) and child.data == "attribute":
            expr = child.children[-1]
            # unwrap the parentheses added above: expr_term( "(" nl expression nl ")" )
            inner = [c for c in expr.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
            if isinstance(expr, Tree) and expr.data == "expr_term" and len(inner) == 1:
                result: Tree[Any] = inner[0]
                return result
            return expr
    raise TerraformError("empty expression", Origin(file, line))


def _shift_lines(tree: Tree[Any], offset: int) -> None:
    """Move the line numbers of a parsed snippet to where the snippet was written."""
    if offset == 0:
        return
    for sub in tree.iter_subtrees():
        meta = sub.meta
        if not getattr(meta, "empty", True):
            meta.line += offset
            meta.end_line += offset
        for child in sub.children:
            if isinstance(child, Token) and child.line is not None:
                child.line += offset
                if child.end_line is not None:
                    child.end_line += offset


# --------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)


def unescape(text: str, origin: Origin) -> str:
    """Resolve the backslash escapes of a quoted HCL string."""

    def repl(m: re.Match[str]) -> str:
        if m.group(1) or m.group(2):
            return chr(int(m.group(1) or m.group(2), 16))
        ch = m.group(3)
        if ch in _ESCAPES:
            return _ESCAPES[ch]
        raise TerraformError(f"invalid escape sequence \\{ch} in a quoted string", origin)

    return _ESCAPE_RE.sub(repl, text) if "\\" in text else text


@dataclass
class _Part:
    """One flat piece of a template before directives are nested."""

    kind: str  # "lit", "interp", "if", "else", "endif", "for", "endfor"
    text: str = ""
    line: int = 0
    expr: Any = None
    names: tuple[str | None, str] | None = None
    strip_left: bool = False
    strip_right: bool = False


def _token_line(node: Any, default: int) -> int:
    if isinstance(node, Token):
        return node.line if node.line is not None else default
    meta = getattr(node, "meta", None)
    if meta is not None and not getattr(meta, "empty", True):
        return int(meta.line)
    return default


def _children(tree: Tree[Any]) -> list[Any]:
    return [c for c in tree.children if not (isinstance(c, Tree) and c.data == "new_line_or_comment")]


def parts_from_string_node(node: Tree[Any], file: str) -> list[_Part]:
    """Flat template parts of a quoted ``string`` node of the Lark tree."""
    parts: list[_Part] = []
    line = _token_line(node, 1)
    for sp in node.children:
        if not isinstance(sp, Tree):
            continue  # the quotes
        content = sp.children[0]
        if isinstance(content, Token):
            ln = content.line or line
            if content.type == "STRING_CHARS":
                parts.append(_Part("lit", unescape(str(content), Origin(file, ln)), ln))
            elif content.type == "ESCAPED_INTERPOLATION" or content.type == "ESCAPED_DIRECTIVE":
                parts.append(_Part("lit", str(content)[1:], ln))
            else:  # pragma: no cover - grammar has no other tokens here
                parts.append(_Part("lit", str(content), ln))
            continue
        kind = content.data
        ln = _token_line(content, line)
        toks = [c for c in content.children if isinstance(c, Token)]
        strips = [t for t in toks if t.type == "STRIP_MARKER"]
        exprs = [c for c in content.children if isinstance(c, Tree)]
        # strip markers: one right after "%{" (left), one before "}" (right)
        left = bool(toks) and len(toks) > 1 and toks[1].type == "STRIP_MARKER"
        right = bool(strips) and toks[-2].type == "STRIP_MARKER" if len(toks) >= 2 else False
        if kind == "interpolation":
            parts.append(_Part("interp", line=ln, expr=exprs[0]))
        elif kind == "template_if_start":
            parts.append(_Part("if", line=ln, expr=exprs[-1], strip_left=left, strip_right=right))
        elif kind == "template_else":
            parts.append(_Part("else", line=ln, strip_left=left, strip_right=right))
        elif kind == "template_endif":
            parts.append(_Part("endif", line=ln, strip_left=left, strip_right=right))
        elif kind == "template_endfor":
            parts.append(_Part("endfor", line=ln, strip_left=left, strip_right=right))
        elif kind == "template_for_start":
            idents = [str(c.children[0]) for c in exprs if c.data == "identifier"]
            coll = [c for c in exprs if c.data != "identifier"]
            names: tuple[str | None, str] = (idents[0], idents[1]) if len(idents) == 2 else (None, idents[0])
            parts.append(
                _Part("for", line=ln, expr=coll[-1], names=names, strip_left=left, strip_right=right)
            )
        else:  # pragma: no cover
            raise TerraformError(f"unsupported template part {kind}", Origin(file, ln))
    return parts


_DIRECTIVE_RE = re.compile(
    r"\s*(?:(?P<if>if)\b(?P<cond>.*)|(?P<else>else)|(?P<endif>endif)|(?P<endfor>endfor)|"
    r"(?P<for>for)\s+(?P<n1>[A-Za-z_][\w-]*)\s*(?:,\s*(?P<n2>[A-Za-z_][\w-]*)\s*)?\bin\b(?P<coll>.*))\s*\Z",
    re.S,
)


def _scan_expression_end(text: str, start: int, file: str, line: int) -> int:
    """Index of the ``}`` closing an interpolation or directive whose body starts at ``start``."""
    depth = 0
    i = start
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i = _skip_quoted(text, i + 1, file, line)
            continue
        if ch in "{[(":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    raise TerraformError("unclosed template interpolation or directive", Origin(file, line))


def _skip_quoted(text: str, i: int, file: str, line: int) -> int:
    """Index after the closing quote of a quoted string starting at ``i`` (after its quote)."""
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == '"':
            return i + 1
        if text.startswith("${", i) or text.startswith("%{", i):
            i = _scan_expression_end(text, i + 2, file, line) + 1
            continue
        i += 1
    raise TerraformError("unterminated string in a template expression", Origin(file, line))


def parts_from_text(text: str, file: str, line: int) -> list[_Part]:
    """Flat parts of template text (no quote escapes): heredoc bodies and template files."""
    parts: list[_Part] = []
    buf: list[str] = []
    buf_line = line
    i = 0
    n = len(text)
    cur_line = line
    while i < n:
        if text.startswith("$${", i) or text.startswith("%%{", i):
            if not buf:
                buf_line = cur_line
            buf.append(text[i + 1 : i + 3])
            i += 3
            continue
        if text.startswith("${", i) or text.startswith("%{", i):
            if buf:
                parts.append(_Part("lit", "".join(buf), buf_line))
                buf = []
            is_interp = text[i] == "$"
            end = _scan_expression_end(text, i + 2, file, cur_line)
            inner = text[i + 2 : end]
            left = inner.startswith("~")
            if left:
                inner = inner[1:]
            right = inner.endswith("~")
            if right:
                inner = inner[:-1]
            if is_interp:
                expr = parse_expression(inner, file, cur_line)
                parts.append(_Part("interp", line=cur_line, expr=expr, strip_left=left, strip_right=right))
            else:
                parts.append(_directive_part(inner, file, cur_line, left, right))
            cur_line += text.count("\n", i, end + 1)
            i = end + 1
            continue
        ch = text[i]
        if not buf:
            buf_line = cur_line
        buf.append(ch)
        i += 1
        if ch == "\n":
            # like HCL's scanner in template mode: one literal token per line
            parts.append(_Part("lit", "".join(buf), buf_line))
            buf = []
            cur_line += 1
    if buf:
        parts.append(_Part("lit", "".join(buf), buf_line))
    return parts


def _directive_part(inner: str, file: str, line: int, left: bool, right: bool) -> _Part:
    m = _DIRECTIVE_RE.match(inner)
    if not m:
        raise TerraformError(f"invalid template directive %{{{inner}}}", Origin(file, line))
    if m.group("if"):
        expr = parse_expression(m.group("cond"), file, line)
        return _Part("if", line=line, expr=expr, strip_left=left, strip_right=right)
    if m.group("for"):
        n1, n2 = m.group("n1"), m.group("n2")
        names: tuple[str | None, str] = (n1, n2) if n2 else (None, n1)
        expr = parse_expression(m.group("coll"), file, line)
        return _Part("for", line=line, expr=expr, names=names, strip_left=left, strip_right=right)
    for kind in ("else", "endif", "endfor"):
        if m.group(kind):
            return _Part(kind, line=line, strip_left=left, strip_right=right)
    raise TerraformError(f"invalid template directive %{{{inner}}}", Origin(file, line))  # pragma: no cover


def apply_strip_markers(parts: list[_Part]) -> None:
    """``~`` removes the whitespace of the adjacent literal token (in template text a token
    ends at a newline, so at most one line break goes)."""
    for idx, p in enumerate(parts):
        if p.strip_left and idx > 0 and parts[idx - 1].kind == "lit":
            parts[idx - 1].text = parts[idx - 1].text.rstrip()
        if p.strip_right and idx + 1 < len(parts) and parts[idx + 1].kind == "lit":
            parts[idx + 1].text = parts[idx + 1].text.lstrip()


def build_template(parts: list[_Part], file: str, line: int, *, strip: bool = True) -> Tree[Any]:
    """Apply strip markers and nest directives: the ``Tree("tmpl", ...)`` form."""
    if strip:
        apply_strip_markers(parts)

    # stack of (kind, part, branches); branches is a list of lists of nodes
    root: list[Any] = []
    stack: list[tuple[str, _Part, list[list[Any]]]] = []
    current = root
    for p in parts:
        if p.kind == "lit":
            if p.text:
                current.append(Token("TLIT", p.text, line=p.line))
        elif p.kind == "interp":
            node = Tree("tmpl_interp", [p.expr])
            node.meta.line = p.line
            node.meta.empty = False
            current.append(node)
        elif p.kind in ("if", "for"):
            branches: list[list[Any]] = [[]]
            stack.append((p.kind, p, branches))
            current = branches[0]
        elif p.kind == "else":
            if not stack or stack[-1][0] != "if" or len(stack[-1][2]) != 1:
                raise TerraformError("unexpected %{else} in a template", Origin(file, p.line))
            stack[-1][2].append([])
            current = stack[-1][2][1]
        elif p.kind in ("endif", "endfor"):
            want = "if" if p.kind == "endif" else "for"
            if not stack or stack[-1][0] != want:
                raise TerraformError(f"unexpected %{{{p.kind}}} in a template", Origin(file, p.line))
            kind, start, branches = stack.pop()
            current = stack[-1][2][-1] if stack else root
            if kind == "if":
                then = Tree("tmpl", branches[0])
                other = Tree("tmpl", branches[1] if len(branches) > 1 else [])
                node = Tree("tmpl_if", [start.expr, then, other])
            else:
                assert start.names is not None
                node = Tree("tmpl_for", [start.names[0], start.names[1], start.expr, Tree("tmpl", branches[0])])
            node.meta.line = start.line
            node.meta.empty = False
            current.append(node)
    if stack:
        kind, start, _ = stack[-1]
        raise TerraformError(f"%{{{kind}}} directive without its %{{end{kind}}}", Origin(file, start.line))
    tree = Tree("tmpl", root)
    tree.meta.line = line
    tree.meta.empty = False
    return tree


_HEREDOC_RE = re.compile(r"<<(-?)([A-Za-z][\w.-]*)\r?\n(.*?)\r?\n?[ \t]*\2\r?\n?\Z", re.S)


def heredoc_template(token: Token, file: str) -> Tree[Any]:
    """The template of a heredoc token; for ``<<-`` the common indentation is removed."""
    raw = str(token)
    start = token.line or 1
    m = _HEREDOC_RE.match(raw.rstrip(" \t"))
    if not m:
        raise TerraformError("invalid heredoc", Origin(file, start))
    indented, body = m.group(1) == "-", m.group(3)
    # the body keeps the newline ending its last line
    if body:
        body += "\n"
    first = start + 1
    if not indented:
        return build_template(parts_from_text(body, file, first), file, first)
    parts = parts_from_text(body, file, first)
    apply_strip_markers(parts)
    _strip_indentation(parts)
    return build_template(parts, file, first, strip=False)


def _strip_indentation(parts: list[_Part]) -> None:
    """Terraform's ``<<-`` rule (HCL's ``flushHeredocTemplateParts``), after strip markers.

    The smallest count of leading whitespace characters of the tokens that start a line is
    removed from each of them; a line starting with an interpolation or directive counts 0; a
    whitespace-only line token ending with a newline is not counted and kept as it is.
    """
    big = 1 << 30
    width = big
    newline = True
    adjust: list[_Part] = []
    for p in parts:
        if newline:
            newline = False
            if p.kind == "lit":
                trimmed = p.text.lstrip()
                if not trimmed and p.text.endswith("\n"):
                    spaces = big
                else:
                    spaces = len(p.text) - len(trimmed)
                    adjust.append(p)
            else:
                spaces = 0
            width = min(width, spaces)
        if p.kind == "lit" and p.text.endswith("\n"):
            newline = True
    if width in (0, big):
        return
    for p in adjust:
        p.text = p.text[width:]


def template_from_text(text: str, file: str, line: int) -> Tree[Any]:
    """The template of free text (a template file, a ``.tf.json`` string)."""
    return build_template(parts_from_text(text, file, line), file, line)
