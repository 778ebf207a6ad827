"""The nodes of parsed HCL: python-hcl2's tree shape.

A tree from python-hcl2's Lark parser is converted by :func:`from_lark`. They mirror Lark's
``Tree`` (``data``, ``children``, ``meta``) and ``Token`` (a ``str`` with ``type``, ``value`` and
positions), so the rest of the front end reads them as it read Lark's; a tree node also carries
the evaluator's per-node caches.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class Tree:
    """A rule of the grammar (``data``), its children (trees and tokens) and its positions.

    The positions (Lark's ``Meta``: ``empty``, then ``line``, ``column``, ``start_pos``,
    ``end_line``, ``end_column``, ``end_pos`` when not empty) and the evaluator's per-node caches
    (``cp_origin``, ``cp_template``) are kept on the node itself: ``meta`` is the node, so
    ``tree.meta.line`` reads as with Lark, and a tree is one object instead of three. An attribute
    that was never set is missing (``getattr(tree.meta, "end_line", None)``).
    """

    __slots__ = ("children", "column", "cp_origin", "cp_template", "data", "empty", "end_column", "end_line",
                 "end_pos", "line", "start_pos")

    data: str
    children: list[Any]
    empty: bool
    line: int
    column: int
    start_pos: int
    end_line: int
    end_column: int
    end_pos: int
    cp_origin: Any
    cp_template: Any

    def __init__(self, data: str, children: list[Any]) -> None:
        self.data = data
        self.children = children
        self.empty = True

    @property
    def meta(self) -> Tree:
        return self

    def __repr__(self) -> str:
        return f"Tree({self.data!r}, {self.children!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tree):
            return NotImplemented
        return self.data == other.data and self.children == other.children

    def __hash__(self) -> int:
        return hash((self.data, tuple(self.children)))

    def iter_subtrees(self) -> Iterator[Tree]:
        """This tree and every tree below it (iterative: deep trees do not recurse)."""
        stack: list[Tree] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(c for c in reversed(node.children) if isinstance(c, Tree))


class Token(str):
    """A terminal: the matched text, its terminal ``type`` and its positions (as Lark's Token)."""

    __slots__ = ("column", "end_column", "end_line", "end_pos", "line", "start_pos", "type", "value")

    type: str
    value: Any
    start_pos: int | None
    line: int | None
    column: int | None
    end_line: int | None
    end_column: int | None
    end_pos: int | None

    def __new__(
        cls,
        type: str,
        value: Any,
        start_pos: int | None = None,
        line: int | None = None,
        column: int | None = None,
        end_line: int | None = None,
        end_column: int | None = None,
        end_pos: int | None = None,
    ) -> Token:
        self = super().__new__(cls, value)
        self.type = type
        self.value = value
        self.start_pos = start_pos
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.end_pos = end_pos
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Token, (self.type, self.value, self.start_pos, self.line, self.column, self.end_line,
                        self.end_column, self.end_pos))

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {self.value!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Token) and self.type != other.type:
            return False
        return str.__eq__(self, other)

    __hash__ = str.__hash__


_META_KEYS = ("line", "column", "start_pos", "end_line", "end_column", "end_pos")


def from_lark(tree: Any) -> Tree:
    """The same tree built of these classes, from a tree of Lark's parser (iterative)."""
    from lark import Token as LarkToken
    from lark import Tree as LarkTree

    root = Tree(str(tree.data), [])
    stack: list[tuple[Any, Tree]] = [(tree, root)]
    while stack:
        src, dst = stack.pop()
        meta = src.meta
        if not getattr(meta, "empty", True):
            dst.empty = False
            for k in _META_KEYS:
                setattr(dst, k, getattr(meta, k))
        children = dst.children
        for c in src.children:
            if isinstance(c, LarkTree):
                sub = Tree(str(c.data), [])
                children.append(sub)
                stack.append((c, sub))
            elif isinstance(c, LarkToken):
                children.append(Token(c.type, c.value, c.start_pos, c.line, c.column, c.end_line, c.end_column,
                                      c.end_pos))
            else:
                children.append(c)
    return root


def name_of(node: Any) -> str:
    """A block's type or label, or an attribute's name, as python-hcl2's tree holds it (a quoted label
    raw, as python-hcl2 gives it)."""
    if isinstance(node, Token):
        return str(node)
    if node.data == "string":
        return "".join(str(p.children[0]) for p in node.children if isinstance(p, Tree))
    return str(node.children[0])
