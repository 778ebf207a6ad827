"""A hand-written parser for native HCL that builds exactly python-hcl2's Lark tree.

python-hcl2's grammar (``hcl2.lark``, LALR, contextual lexer, ``propagate_positions``, and its
post-lexer that merges a newline into a following binary operator) is the reference: this module
produces the same tree (as :mod:`checker.terraform.syntax` nodes, which mirror Lark's ``Tree`` and
``Token``), with the same rule names, children, token types and values, and the same
line/column/position metadata, three to four times faster, and without importing Lark at all
(Lark and its parse tables are needed only for the fallback). It follows the
grammar rule by rule; where the LALR parser resolves a conflict (an optional newline that two
rules could take) it takes the same decision (shift: the innermost rule takes the newline).

It is the fast path only. Whatever it does not accept raises :class:`FastParseError` and the
caller parses the text again with python-hcl2's Lark parser, which then decides (and gives its
own error message). Very deep nesting also goes to Lark (its parser does not recurse).
``tests/terraform/test_fastparse.py`` compares both parsers tree for tree on a corpus.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Any

from checker.terraform.syntax import Token, Tree

GRAMMAR_DIGEST = "01566041416dda3cb40ed529423bc211c8f7982f1de069c2a6fb7ecbf10e1a15"
"""sha256 of the python-hcl2 grammar and post-lexer this parser follows
(:func:`checker.terraform.larkcache.grammar_digest`); with any other, Lark parses everything."""

MAX_NESTING = 90
"""Deeper nesting than this is left to Lark (whose parser does not recurse)."""


class FastParseError(Exception):
    """The fast parser does not accept this text; Lark decides."""


# Terminals, as python-hcl2's grammar compiles them (see Lark's ``TerminalDef.pattern``).
_NL_RE = re.compile(r"(?:\/\*(.|\n)*?(\*\/)|\/\/.*\n|#.*\n|\n[ \t]*)")
_WS_RE = re.compile(r"[ \t\r]+")
_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_-]*")
_INT_RE = re.compile(r"(?:\-[0-9])?(?:[0-9])+")
_FLOAT_RE = re.compile(
    r"(?:(?:(?:\-[0-9])+|(?:\-[0-9])?(?:[0-9])+)\.(?:[0-9])+(?:(?:e|E)(?:(?:\+|\-))?(?:[0-9])+)?"
    r"|(?:(?:\-[0-9])+|(?:\-[0-9])?(?:[0-9])+)(?:e|E)(?:(?:\+|\-))?(?:[0-9])+)"
)
_EQ_RE = re.compile(r"[ \t]*=(?!=|>)")
_COLON_RE = re.compile(r"[ \t]*:(?!:)")
_ESC_INTERP_RE = re.compile(r"\$\$\{[^}]*\}")
_ESC_DIRECTIVE_RE = re.compile(r"%%\{[^}]*\}")
_STRING_CHARS_RE = re.compile(r'(?:(?!\$\$\{)(?!\$\{)(?!%%\{)(?!%\{)[^"\\]|\\.|(?:\$(?!\$?\{))|(?:%(?!%?\{)))+')
_TEMPLATE_STRING_RE = re.compile(r'\\"(?:[^"\\\\]|\\\\.)*\\"')
_HEREDOC_RE = re.compile(
    r"<<(?P<heredoc>[a-zA-Z][a-zA-Z0-9._-]*)\r?\n(?:(?:.|\n)*?\r?\n)??\s*(?P=heredoc)\r?\n"
)
_HEREDOC_TRIM_RE = re.compile(
    r"<<-(?P<heredoc_trim>[a-zA-Z][a-zA-Z0-9._-]*)\r?\n(?:(?:.|\n)*?\r?\n)??\s*(?P=heredoc_trim)\r?\n"
)

_KEYWORDS = {
    "if": "IF", "in": "IN", "for": "FOR", "for_each": "FOR_EACH",
    "else": "ELSE", "endif": "ENDIF", "endfor": "ENDFOR",
}
_LITERALS = {"null": "NULL", "true": "TRUE", "false": "FALSE"}

# binary operators: (text, token type, precedence); longest first
_OPS = (
    ("==", "DOUBLE_EQ", 3), ("!=", "NEQ", 3), ("<=", "LEQ", 4), (">=", "GEQ", 4),
    ("&&", "DOUBLE_AMP", 2), ("||", "DOUBLE_PIPE", 1),
    ("<", "LT", 4), (">", "GT", 4), ("+", "PLUS", 5), ("-", "MINUS", 5),
    ("*", "ASTERISK", 6), ("/", "SLASH", 6), ("%", "PERCENT", 6),
)
_OP_FIRST = frozenset(o[0][0] for o in _OPS)
# python-hcl2's post-lexer merges a newline into these (not MINUS: it is also unary)
_MERGING = frozenset(
    {"DOUBLE_EQ", "NEQ", "LT", "GT", "LEQ", "GEQ", "ASTERISK", "SLASH", "PERCENT", "DOUBLE_AMP",
     "DOUBLE_PIPE", "PLUS", "QMARK"}
)
_NL_FIRST = frozenset("\n#/")
_WS_FIRST = frozenset(" \t\r")

_new_tree = Tree.__new__
_new_str = str.__new__


def parse(text: str, line_offset: int = 0) -> Tree:
    """The ``start`` tree of ``text`` (which must end with a newline, as python-hcl2 requires).

    ``line_offset`` is added to every line number. Raises FastParseError when the text is not
    accepted here (then Lark must decide).
    """
    try:
        return _Parser(text, line_offset).parse_start()
    except RecursionError:
        raise FastParseError("nested too deeply for the fast parser") from None


class InPlace:
    """Parses expressions where they stand in a template text (heredoc body, template file):
    one parser (and one line table) for all the interpolations and directives of the text."""

    def __init__(self, text: str, first_line: int) -> None:
        self.text = text
        self.parser = _Parser(text, first_line - 1)

    def expression(self, start: int, stop: int) -> Tree | None:
        """The expression that is exactly ``text[start:stop]`` (blank space and newlines around it
        allowed), or None when this parser does not accept it (the caller parses it otherwise)."""
        p = self.parser
        p.pos = start
        p.depth = 0
        try:
            p.opt_nl(expr_next=True)
            p.ws()
            node = p.parse_expression()
            p.opt_nl()
            p.ws()
            return node if p.pos == stop else None
        except (FastParseError, RecursionError):
            return None


class _Parser:
    def __init__(self, text: str, line_offset: int) -> None:
        self.text = text
        self.n = len(text)
        self.pos = 0
        self.offset = line_offset
        starts = [0]
        find = text.find
        i = find("\n")
        while i >= 0:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self.starts = starts
        self.depth = 0

    # -- tokens and trees ------------------------------------------------------------------

    def tok(self, type_: str, start: int, end: int, value: str | None = None) -> Token:
        starts = self.starts
        line = bisect_right(starts, start)
        s = self.text[start:end] if value is None else value
        t = _new_str(Token, s)
        t.type = type_
        t.start_pos = start
        t.value = s
        t.line = line + self.offset
        t.column = start - starts[line - 1] + 1
        if "\n" not in s:
            t.end_line = t.line
            t.end_column = t.column + (end - start)
        else:
            eline = bisect_right(starts, end)
            t.end_line = eline + self.offset
            t.end_column = end - starts[eline - 1] + 1
        t.end_pos = end
        return t

    @staticmethod
    def tree(data: str, children: list[Any]) -> Tree:
        """A Tree with python-hcl2's position metadata: from its first and last children that
        have positions (Lark's ``propagate_positions``; a token always has one)."""
        t = _new_tree(Tree)
        t.data = data
        t.children = children
        for c in children:
            if type(c) is Token or not c.empty:
                break
        else:
            t.empty = True
            return t
        t.empty = False
        t.line = c.line
        t.column = c.column
        t.start_pos = c.start_pos
        for c in reversed(children):
            if type(c) is Token or not c.empty:
                break
        t.end_line = c.end_line
        t.end_column = c.end_column
        t.end_pos = c.end_pos
        return t

    @staticmethod
    def wrap(data: str, child: Any) -> Tree:
        """``tree(data, [child])`` for one child (a token, or a tree with or without a position)."""
        t = _new_tree(Tree)
        t.data = data
        t.children = [child]
        if type(child) is not Token and child.empty:
            t.empty = True
            return t
        t.empty = False
        t.line = child.line
        t.column = child.column
        t.start_pos = child.start_pos
        t.end_line = child.end_line
        t.end_column = child.end_column
        t.end_pos = child.end_pos
        return t

    leaf = wrap
    """``tree(data, [tok])``."""

    def fail(self, what: str) -> FastParseError:
        return FastParseError(f"{what} at offset {self.pos}")

    # -- lexing helpers --------------------------------------------------------------------

    def ws(self) -> None:
        pos = self.pos
        if pos < self.n and self.text[pos] in _WS_FIRST:
            m = _WS_RE.match(self.text, pos)
            assert m is not None
            self.pos = m.end()

    def peek(self) -> str:
        """The next significant character (whitespace skipped), '' at the end."""
        self.ws()
        return self.text[self.pos] if self.pos < self.n else ""

    def expect(self, ch: str, type_: str) -> Token:
        if self.peek() != ch:
            raise self.fail(f"expected {ch!r}")
        p = self.pos
        self.pos = p + 1
        return self.tok(type_, p, p + 1)

    def op_at(self, pos: int) -> tuple[str, str, int] | None:
        """The binary operator (or QMARK) starting at ``pos``, if any."""
        text = self.text
        if pos >= self.n:
            return None
        ch = text[pos]
        if ch == "?":
            return ("?", "QMARK", 0)
        if ch not in _OP_FIRST:
            return None
        for op in _OPS:
            if text.startswith(op[0], pos):
                if op[1] == "SLASH" and text.startswith(("//", "/*"), pos):
                    return None  # a comment
                if op[1] == "LT" and text.startswith("<<", pos):
                    return None  # a heredoc (or an error)
                return op
        return None

    def nl_run(self) -> tuple[list[tuple[int, int]], int]:
        """Spans of the newline/comment tokens starting here, and the position after them."""
        text = self.text
        spans: list[tuple[int, int]] = []
        pos = self.pos
        n = self.n
        while True:
            if pos < n and text[pos] in _WS_FIRST:
                m = _WS_RE.match(text, pos)
                assert m is not None
                pos = m.end()
            if pos >= n or text[pos] not in _NL_FIRST:
                return spans, pos
            m = _NL_RE.match(text, pos)
            if m is None:
                return spans, pos
            spans.append((pos, m.end()))
            pos = m.end()

    def opt_nl(self, expr_next: bool = False) -> Tree | None:
        """``new_line_or_comment?`` where the grammar allows it. A newline just before a binary
        operator is left alone (python-hcl2's post-lexer merges it into the operator).

        After two or more newline tokens, Lark lexes the next token in the state of a pending
        newline, where every keyword and number terminal is accepted: where that could lex
        differently from here (a keyword where an expression or name is next: ``expr_next``; a
        minus that starts a number), Lark decides.
        """
        pos = self.pos
        if pos < self.n and self.text[pos] not in _NL_FIRST and self.text[pos] not in _WS_FIRST:
            return None
        spans, after = self.nl_run()
        if not spans:
            return None
        op = self.op_at(after)
        if op is not None and op[1] in _MERGING:
            spans.pop()
            if len(spans) >= 1:
                raise self.fail("newlines before an operator")
            return None
        if len(spans) >= 2 and after < self.n:
            text = self.text
            if text[after] == "-" and _starts_number(text, after):
                raise self.fail("number after newlines left to Lark")
            if expr_next:
                m = _NAME_RE.match(text, after)
                if m is not None and m.group() in _KEYWORDS:
                    raise self.fail("keyword after newlines left to Lark")
        self.pos = spans[-1][1]
        return self.tree("new_line_or_comment", [self.tok("NL_OR_COMMENT", s, e) for s, e in spans])

    def next_op(self) -> Token | None:
        """The binary operator or ``?`` that follows, with a preceding newline merged into it."""
        self.ws()
        pos = self.pos
        text = self.text
        if pos >= self.n:
            return None
        ch = text[pos]
        spans: list[tuple[int, int]] = []
        if ch in _NL_FIRST:
            spans, after = self.nl_run()
        if spans:
            if len(spans) != 1:
                return None
            op = self.op_at(after)
            if op is None or op[1] not in _MERGING:
                return None
            end = after + len(op[0])
            t = self.tok(op[1], after, end)
            merged = text[spans[0][0]:spans[0][1]] + op[0]
            t2 = _new_str(Token, merged)
            for slot in ("type", "start_pos", "line", "column", "end_line", "end_column", "end_pos"):
                setattr(t2, slot, getattr(t, slot))
            t2.value = merged
            return t2
        op = self.op_at(pos)
        if op is None:
            return None
        if op[1] == "MINUS" and _starts_number(text, pos):
            # Lark's contextual lexer may take a negative number here
            raise self.fail("operator lexed by parser state")
        return self.tok(op[1], pos, pos + len(op[0]))

    # -- structure -------------------------------------------------------------------------

    def parse_start(self) -> Tree:
        body = self.parse_body(False)
        self.ws()
        if self.pos < self.n:
            raise self.fail("unexpected text")
        return self.tree("start", [body])

    def name_node(self) -> Tree:
        """``_attribute_name``: identifier, keyword or literal_value (every keyword allowed)."""
        m = _NAME_RE.match(self.text, self.pos)
        if m is None:
            raise self.fail("expected a name")
        value = m.group()
        start, end = m.span()
        self.pos = end
        kw = _KEYWORDS.get(value)
        if kw is not None:
            return self.leaf("keyword", self.tok(kw, start, end))
        lit = _LITERALS.get(value)
        if lit is not None:
            return self.leaf("literal_value", self.tok(lit, start, end))
        return self.leaf("identifier", self.tok("NAME", start, end))

    def parse_body(self, in_block: bool) -> Tree:
        children: list[Any] = []
        text = self.text
        while True:
            nl = self.opt_nl()
            if nl is not None:
                children.append(nl)
            ch = self.peek()
            if ch == "" or (ch == "}" and in_block):
                break
            name = self.name_node()
            m = _EQ_RE.match(text, self.pos)
            if m is not None:
                eq = self.tok("EQ", self.pos, m.end())
                self.pos = m.end()
                self.ws()
                expr = self.parse_expression()
                children.append(self.tree("attribute", [name, eq, expr]))
                continue
            heads: list[Any] = [name]
            while True:
                ch = self.peek()
                if ch == '"':
                    heads.append(self.parse_string())
                elif ch.isalpha() or ch == "_":
                    heads.append(self.name_node())
                else:
                    break
            nl = self.opt_nl()
            if nl is not None:
                heads.append(nl)
            heads.append(self.expect("{", "LBRACE"))
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise self.fail("nested too deeply")
            heads.append(self.parse_body(True))
            self.depth -= 1
            heads.append(self.expect("}", "RBRACE"))
            children.append(self.tree("block", heads))
        return self.tree("body", children)

    # -- expressions -----------------------------------------------------------------------

    def parse_expression(self) -> Any:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.fail("nested too deeply")
        cond = self.parse_binary(1)
        save = self.pos
        op = self.next_op()
        if op is None or op.type != "QMARK":
            self.pos = save
            self.depth -= 1
            return cond
        self.pos = op.end_pos  # type: ignore[assignment]  # set on every token here
        children: list[Any] = [cond, op]
        nl = self.opt_nl(expr_next=True)
        if nl is not None:
            children.append(nl)
        self.ws()
        children.append(self.parse_expression())
        nl = self.opt_nl()
        if nl is not None:
            children.append(nl)
        m = _COLON_RE.match(self.text, self.pos)
        if m is None:
            raise self.fail("expected ':'")
        children.append(self.tok("COLON", self.pos, m.end()))
        self.pos = m.end()
        nl = self.opt_nl(expr_next=True)
        if nl is not None:
            children.append(nl)
        self.ws()
        children.append(self.parse_expression())
        self.depth -= 1
        return self.tree("conditional", children)

    def parse_binary(self, min_prec: int) -> Any:
        lhs = self.parse_unary()
        last = 99
        while True:
            save = self.pos
            op = self.next_op()
            if op is None or op.type == "QMARK":
                self.pos = save
                return lhs
            prec = _PREC[op.type]
            if prec < min_prec:
                self.pos = save
                return lhs
            if prec > last:
                # only after a newline taken by the operation on the left: in the grammar
                # that operation cannot be the operand of a tighter operator
                raise self.fail("operator after a newline")
            last = prec
            self.pos = op.end_pos  # type: ignore[assignment]  # set on every token here
            term: list[Any] = [self.leaf("binary_operator", op)]
            nl = self.opt_nl(expr_next=True)
            if nl is not None:
                term.append(nl)
            self.ws()
            term.append(self.parse_binary(prec + 1))
            node: list[Any] = [lhs, self.tree("binary_term", term)]
            nl = self.opt_nl()
            if nl is not None:
                node.append(nl)
            lhs = self.tree("binary_op", node)

    def parse_unary(self) -> Any:
        text = self.text
        pos = self.pos
        ch = text[pos] if pos < self.n else ""
        if ch == "!" or (ch == "-" and not _starts_number(text, pos)):
            op = self.tok("NOT" if ch == "!" else "MINUS", pos, pos + 1)
            self.pos = pos + 1
            self.ws()
            return self.tree("unary_op", [op, self.parse_term()])
        return self.parse_term()

    def parse_term(self) -> Tree:
        """``expr_term`` with its postfix chain (attributes, indexes, splats)."""
        term = self.parse_primary()
        text = self.text
        n = self.n
        while True:
            save = self.pos
            self.ws()
            pos = self.pos
            ch = text[pos] if pos < n else ""
            if ch == ".":
                if text.startswith("...", pos):
                    break
                if text.startswith(".*", pos):
                    self.pos = pos + 2
                    parts: list[Any] = [self.tok("ATTR_SPLAT", pos, pos + 2), *self.splat_steps()]
                    term = self.tree("expr_term", [self.tree("attr_splat_expr_term",
                                                             [term, self.tree("attr_splat", parts)])])
                    continue
                suffix = self.dot_suffix()
                kind = "get_attr_expr_term" if suffix.data == "get_attr" else "index_expr_term"
                term = self.wrap("expr_term", self.tree(kind, [term, suffix]))
                continue
            if ch == "[":
                if text.startswith("[*]", pos):
                    self.pos = pos + 3
                    parts = [self.tok("FULL_SPLAT_START", pos, pos + 3), *self.splat_steps()]
                    term = self.tree("expr_term", [self.tree("full_splat_expr_term",
                                                             [term, self.tree("full_splat", parts)])])
                    continue
                term = self.wrap("expr_term", self.tree("index_expr_term", [term, self.braces_index()]))
                continue
            self.pos = save
            break
        return term

    def dot_suffix(self) -> Tree:
        """``get_attr`` or ``short_index`` at a ``.``."""
        pos = self.pos
        dot = self.tok("DOT", pos, pos + 1)
        self.pos = pos + 1
        self.ws()
        m = _INT_RE.match(self.text, self.pos)
        if m is not None and self.text[self.pos] != "-":
            self.pos = m.end()
            return self.tree("short_index", [dot, self.tok("INT_LITERAL", m.start(), m.end())])
        m = _NAME_RE.match(self.text, self.pos)
        if m is None:
            raise self.fail("expected an attribute name")
        self.pos = m.end()
        lit = _LITERALS.get(m.group())
        if lit is not None:
            name = self.leaf("literal_value", self.tok(lit, m.start(), m.end()))
        else:
            name = self.leaf("identifier", self.tok("NAME", m.start(), m.end()))
        return self.tree("get_attr", [dot, name])

    def braces_index(self) -> Tree:
        children: list[Any] = [self.tok("LSQB", self.pos, self.pos + 1)]
        self.pos += 1
        nl = self.opt_nl(expr_next=True)
        if nl is not None:
            children.append(nl)
        self.ws()
        children.append(self.parse_expression())
        nl = self.opt_nl()
        if nl is not None:
            children.append(nl)
        children.append(self.expect("]", "RSQB"))
        return self.tree("braces_index", children)

    def splat_steps(self) -> list[Any]:
        steps: list[Any] = []
        text = self.text
        while True:
            save = self.pos
            ch = self.peek()
            pos = self.pos
            if ch == "." and not text.startswith("...", pos) and not text.startswith(".*", pos):
                steps.append(self.dot_suffix())
            elif ch == "[" and not text.startswith("[*]", pos):
                steps.append(self.braces_index())
            else:
                self.pos = save
                return steps

    def parse_primary(self) -> Tree:
        text = self.text
        pos = self.pos
        if pos >= self.n:
            raise self.fail("expected an expression")
        ch = text[pos]
        if ch == '"':
            return self.wrap("expr_term", self.parse_string())
        if ch.isalpha() or ch == "_":
            m = _NAME_RE.match(text, pos)
            if m is None:
                raise self.fail("unexpected character")
            value = m.group()
            end = m.end()
            self.pos = end
            lit = _LITERALS.get(value)
            if lit is not None:
                return self.wrap("expr_term", self.leaf("literal_value", self.tok(lit, pos, end)))
            ident = self.leaf("identifier", self.tok("NAME", pos, end))
            nxt = self.peek()
            if nxt == "(" or (nxt == ":" and text.startswith("::", self.pos)):
                return self.wrap("expr_term", self.function_call(ident))
            self.pos = end
            return self.wrap("expr_term", ident)
        if ch.isdigit() or ch == "-":
            m = _FLOAT_RE.match(text, pos)
            if m is not None:
                self.pos = m.end()
                return self.wrap("expr_term", self.leaf("float_lit", self.tok("FLOAT_LITERAL", pos, m.end())))
            m = _INT_RE.match(text, pos)
            if m is None:
                raise self.fail("expected a number")
            self.pos = m.end()
            return self.wrap("expr_term", self.leaf("int_lit", self.tok("INT_LITERAL", pos, m.end())))
        if ch == "(":
            children: list[Any] = [self.tok("LPAR", pos, pos + 1)]
            self.pos = pos + 1
            nl = self.opt_nl(expr_next=True)
            if nl is not None:
                children.append(nl)
            self.ws()
            children.append(self.parse_expression())
            nl = self.opt_nl()
            if nl is not None:
                children.append(nl)
            children.append(self.expect(")", "RPAR"))
            return self.tree("expr_term", children)
        if ch == "[":
            return self.wrap("expr_term", self.tuple_or_for())
        if ch == "{":
            return self.wrap("expr_term", self.object_or_for())
        if ch == "<":
            rx, data, type_ = (
                (_HEREDOC_TRIM_RE, "heredoc_template_trim", "HEREDOC_TEMPLATE_TRIM")
                if text.startswith("<<-", pos) else (_HEREDOC_RE, "heredoc_template", "HEREDOC_TEMPLATE")
            )
            m = rx.match(text, pos)
            if m is None:
                raise self.fail("invalid heredoc")
            self.pos = m.end()
            return self.wrap("expr_term", self.leaf(data, self.tok(type_, pos, m.end())))
        if ch == "\\":
            m = _TEMPLATE_STRING_RE.match(text, pos)
            if m is None:
                raise self.fail("unexpected backslash")
            self.pos = m.end()
            return self.wrap("expr_term", self.leaf("template_string", self.tok("TEMPLATE_STRING", pos, m.end())))
        raise self.fail("expected an expression")

    def function_call(self, ident: Tree) -> Tree:
        children: list[Any] = [ident]
        text = self.text
        if text.startswith("::", self.pos):
            for _ in range(2):
                children.append(self.tok("COLONS", self.pos, self.pos + 2))
                self.pos += 2
                self.ws()
                m = _NAME_RE.match(text, self.pos)
                if m is None:
                    raise self.fail("expected a function name")
                children.append(self.leaf("identifier", self.tok("NAME", m.start(), m.end())))
                self.pos = m.end()
                if _ == 0 and not (self.peek() == ":" and text.startswith("::", self.pos)):
                    raise self.fail("expected '::'")
        children.append(self.expect("(", "LPAR"))
        nl = self.opt_nl(expr_next=True)
        if nl is not None:
            children.append(nl)
        if self.peek() != ")":
            args: list[Any] = [self.parse_expression()]
            while True:
                nl = self.opt_nl()
                ch = self.peek()
                if ch == ",":
                    if nl is not None:
                        args.append(nl)
                    args.append(self.tok("COMMA", self.pos, self.pos + 1))
                    self.pos += 1
                    nl = self.opt_nl(expr_next=True)
                    if nl is not None:
                        args.append(nl)
                    if self.peek() == ")":
                        break
                    args.append(self.parse_expression())
                    continue
                if nl is None and ch == "." and text.startswith("...", self.pos):
                    args.append(self.tok("ELLIPSIS", self.pos, self.pos + 3))
                    self.pos += 3
                    nl = self.opt_nl()
                if nl is not None:
                    args.append(nl)
                break
            children.append(self.tree("arguments", args))
        children.append(self.expect(")", "RPAR"))
        return self.tree("function_call", children)

    def at_word(self, word: str) -> bool:
        m = _NAME_RE.match(self.text, self.pos)
        return m is not None and m.group() == word

    def keyword_tok(self, word: str) -> Token:
        self.ws()
        if not self.at_word(word):
            raise self.fail(f"expected {word!r}")
        pos = self.pos
        self.pos = pos + len(word)
        return self.tok(_KEYWORDS[word], pos, pos + len(word))

    def identifier(self) -> Tree:
        self.ws()
        m = _NAME_RE.match(self.text, self.pos)
        if m is None:
            raise self.fail("expected a name")
        self.pos = m.end()
        return self.leaf("identifier", self.tok("NAME", m.start(), m.end()))

    def add_nl(self, children: list[Any], expr_next: bool = False) -> None:
        nl = self.opt_nl(expr_next)
        if nl is not None:
            children.append(nl)

    def colon(self) -> Token:
        m = _COLON_RE.match(self.text, self.pos)
        if m is None:
            raise self.fail("expected ':'")
        t = self.tok("COLON", self.pos, m.end())
        self.pos = m.end()
        return t

    def for_intro(self) -> Tree:
        children: list[Any] = [self.keyword_tok("for")]
        self.add_nl(children, expr_next=True)
        children.append(self.identifier())
        if self.peek() == ",":
            children.append(self.tok("COMMA", self.pos, self.pos + 1))
            self.pos += 1
            children.append(self.identifier())
            self.add_nl(children)
        self.add_nl(children)
        children.append(self.keyword_tok("in"))
        self.add_nl(children, expr_next=True)
        self.ws()
        children.append(self.parse_expression())
        self.add_nl(children)
        children.append(self.colon())
        self.add_nl(children, expr_next=True)
        return self.tree("for_intro", children)

    def for_cond(self) -> Tree:
        children: list[Any] = [self.keyword_tok("if")]
        self.add_nl(children, expr_next=True)
        self.ws()
        children.append(self.parse_expression())
        return self.tree("for_cond", children)

    def tuple_or_for(self) -> Tree:
        children: list[Any] = [self.tok("LSQB", self.pos, self.pos + 1)]
        self.pos += 1
        self.add_nl(children, expr_next=True)
        self.ws()
        if self.at_word("for"):  # (after two newlines, "for" is left to Lark by add_nl)
            children.append(self.for_intro())
            self.add_nl(children, expr_next=True)
            self.ws()
            children.append(self.parse_expression())
            self.add_nl(children)
            self.ws()
            if self.at_word("if"):
                children.append(self.for_cond())
                self.add_nl(children)
            children.append(self.expect("]", "RSQB"))
            return self.tree("for_tuple_expr", children)
        while self.peek() != "]":
            children.append(self.parse_expression())
            self.add_nl(children)
            if self.peek() != ",":
                break
            children.append(self.tok("COMMA", self.pos, self.pos + 1))
            self.pos += 1
            self.add_nl(children, expr_next=True)
        children.append(self.expect("]", "RSQB"))
        return self.tree("tuple", children)

    def object_or_for(self) -> Tree:
        children: list[Any] = [self.tok("LBRACE", self.pos, self.pos + 1)]
        self.pos += 1
        self.add_nl(children)
        self.ws()
        text = self.text
        if self.at_word("for"):
            after = self.pos + 3
            if not (_EQ_RE.match(text, after) or _COLON_RE.match(text, after)):
                children.append(self.for_intro())
                self.add_nl(children, expr_next=True)
                self.ws()
                children.append(self.parse_expression())
                self.ws()
                if not text.startswith("=>", self.pos):
                    raise self.fail("expected '=>'")
                children.append(self.tok("FOR_OBJECT_ARROW", self.pos, self.pos + 2))
                self.pos += 2
                self.add_nl(children, expr_next=True)
                self.ws()
                children.append(self.parse_expression())
                self.add_nl(children)
                self.ws()
                if text.startswith("...", self.pos):
                    children.append(self.tok("ELLIPSIS", self.pos, self.pos + 3))
                    self.pos += 3
                    self.add_nl(children)
                    self.ws()
                if self.at_word("if"):
                    children.append(self.for_cond())
                    self.add_nl(children)
                children.append(self.expect("}", "RBRACE"))
                return self.tree("for_object_expr", children)
        while self.peek() != "}":
            children.append(self.object_elem())
            self.add_nl(children)
            if self.peek() == ",":
                children.append(self.tok("COMMA", self.pos, self.pos + 1))
                self.pos += 1
                self.add_nl(children)
        children.append(self.expect("}", "RBRACE"))
        return self.tree("object", children)

    def object_elem(self) -> Tree:
        m = _NAME_RE.match(self.text, self.pos)
        key: Any
        if m is not None and m.group() in _KEYWORDS:
            self.pos = m.end()
            key = self.tree("keyword", [self.tok(_KEYWORDS[m.group()], m.start(), m.end())])
        else:
            key = self.parse_expression()
        children: list[Any] = [self.tree("object_elem_key", [key])]
        m = _EQ_RE.match(self.text, self.pos)
        if m is not None:
            children.append(self.tok("EQ", self.pos, m.end()))
            self.pos = m.end()
        else:
            children.append(self.colon())
        self.ws()
        children.append(self.parse_expression())
        return self.tree("object_elem", children)

    # -- quoted strings and their templates ----------------------------------------------------

    def parse_string(self) -> Tree:
        text = self.text
        n = self.n
        children: list[Any] = [self.tok("DBLQUOTE", self.pos, self.pos + 1)]
        self.pos += 1
        while True:
            pos = self.pos
            if pos >= n:
                raise self.fail("unterminated string")
            ch = text[pos]
            if ch == '"':
                children.append(self.tok("DBLQUOTE", pos, pos + 1))
                self.pos = pos + 1
                return self.tree("string", children)
            part: Any
            if ch == "$" and text.startswith("$${", pos):
                m = _ESC_INTERP_RE.match(text, pos)
                if m is None:
                    raise self.fail("invalid escaped interpolation")
                part = self.tok("ESCAPED_INTERPOLATION", pos, m.end())
                self.pos = m.end()
            elif ch == "%" and text.startswith("%%{", pos):
                m = _ESC_DIRECTIVE_RE.match(text, pos)
                if m is None:
                    raise self.fail("invalid escaped directive")
                part = self.tok("ESCAPED_DIRECTIVE", pos, m.end())
                self.pos = m.end()
            elif ch == "$" and text.startswith("${", pos):
                part = self.interpolation()
            elif ch == "%" and text.startswith("%{", pos):
                part = self.directive()
            else:
                m = _STRING_CHARS_RE.match(text, pos)
                if m is None:
                    raise self.fail("invalid string")
                part = self.tok("STRING_CHARS", pos, m.end())
                self.pos = m.end()
            children.append(self.leaf("string_part", part) if type(part) is Token else self.wrap("string_part", part))

    def interpolation(self) -> Tree:
        children: list[Any] = [self.tok("INTERP_START", self.pos, self.pos + 2)]
        self.pos += 2
        self.ws()
        children.append(self.parse_expression())
        children.append(self.expect("}", "RBRACE"))
        return self.tree("interpolation", children)

    def strip_marker(self, children: list[Any]) -> None:
        if self.peek() == "~":
            children.append(self.tok("STRIP_MARKER", self.pos, self.pos + 1))
            self.pos += 1

    def directive(self) -> Tree:
        children: list[Any] = [self.tok("DIRECTIVE_START", self.pos, self.pos + 2)]
        self.pos += 2
        self.strip_marker(children)
        self.ws()
        m = _NAME_RE.match(self.text, self.pos)
        word = m.group() if m else ""
        if word not in ("if", "else", "endif", "for", "endfor"):
            raise self.fail("invalid template directive")
        children.append(self.keyword_tok(word))
        if word == "if":
            self.ws()
            children.append(self.parse_expression())
        elif word == "for":
            children.append(self.identifier())
            if self.peek() == ",":
                children.append(self.tok("COMMA", self.pos, self.pos + 1))
                self.pos += 1
                children.append(self.identifier())
            children.append(self.keyword_tok("in"))
            self.ws()
            children.append(self.parse_expression())
        self.strip_marker(children)
        children.append(self.expect("}", "RBRACE"))
        kind = {"if": "template_if_start", "else": "template_else", "endif": "template_endif",
                "for": "template_for_start", "endfor": "template_endfor"}[word]
        return self.tree(kind, children)


_PREC = {o[1]: o[2] for o in _OPS}


def _starts_number(text: str, pos: int) -> bool:
    """Whether a ``-`` at ``pos`` starts a number literal (python-hcl2's INT/FLOAT terminals
    include a leading minus followed by at least two digits, or a fraction or exponent)."""
    return _FLOAT_RE.match(text, pos) is not None or _INT_RE.match(text, pos) is not None
