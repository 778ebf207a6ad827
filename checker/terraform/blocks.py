"""What a module's files hold once parsed: blocks with their attributes and positions, and the
diagnostics of reading them. Data only: the loader fills them, the override merge and the Terraform
front end read them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from checker.terraform.values import Origin


@dataclass
class Diagnostic:
    severity: Literal["error", "warning"]
    message: str
    file: str
    line: int


@dataclass(frozen=True)
class Expr:
    """An unevaluated expression: a node of python-hcl2's Lark tree and where it was written."""

    node: Any
    file: str
    line: int
    end_line: int

    @property
    def origin(self) -> Origin:
        return Origin(self.file, self.line, self.end_line)


@dataclass
class Attribute:
    name: str
    expr: Expr
    line: int
    end_line: int


@dataclass
class Block:
    kind: str
    type: str | None
    name: str
    file: Path
    line: int
    end_line: int
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    labels: tuple[str, ...] = ()

    @property
    def address(self) -> str:
        if self.kind == "resource":
            return f"{self.type}.{self.name}"
        if self.kind == "data":
            return f"data.{self.type}.{self.name}"
        if self.kind == "module":
            return f"module.{self.name}"
        if self.kind in ("output", "variable"):
            return f"{self.kind}.{self.name}"
        return ".".join((self.kind, *self.labels)) if self.labels else self.kind
