"""Finding the IAM policy values of a module: ``policy`` and ``assume_role_policy`` arguments
of resources (per instance) and ``data "aws_iam_policy_document"`` blocks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.terraform.blocks import Block
from checker.terraform.errors import TerraformError
from checker.terraform.loader import Module
from checker.terraform.values import Origin, Unknown

POLICY_ATTRIBUTES = ("policy", "assume_role_policy")


@dataclass
class PolicyValue:
    """One policy of one instance. ``value`` is the evaluated argument (a string or an Unknown),
    or for a ``data "aws_iam_policy_document"`` the evaluated block as a dict (arguments and nested
    blocks as lists). ``skipped`` says why there is no instance (``count = 0``), value is None then."""

    address: str
    attribute: str
    value: Any
    file: Path
    line: int
    skipped: str | None = None


def _instances(module: Module, block: Block) -> list[tuple[str, dict[str, Any], str | None]] | Unknown:
    try:
        return module.instances(block)
    except TerraformError as exc:
        module._error(exc, Origin(str(block.file), block.line))
        return Unknown(exc.message, exc.origin)


def find_policy_values(module: Module) -> list[PolicyValue]:
    found: list[PolicyValue] = []
    for block in module.blocks:
        if block.kind == "resource":
            targets = [(name, block.attributes[name]) for name in POLICY_ATTRIBUTES if name in block.attributes]
            nested = [
                (f"{nb.kind}[{i}].policy", nb.attributes["policy"])
                for i, nb in enumerate(b for b in block.blocks if b.kind != "dynamic")
                if "policy" in nb.attributes
            ]
            targets.extend(nested)
            if not targets:
                continue
            instances = _instances(module, block)
            for name, attr in targets:
                if isinstance(instances, Unknown):
                    found.append(PolicyValue(block.address, name, instances, block.file, attr.line))
                    continue
                for address, extra, skipped in instances:
                    value = None if skipped else module.try_evaluate(attr.expr, extra)
                    found.append(PolicyValue(address, name, value, block.file, attr.line, skipped))
        elif block.kind == "data" and block.type == "aws_iam_policy_document":
            instances = _instances(module, block)
            if isinstance(instances, Unknown):
                found.append(PolicyValue(block.address, "json", instances, block.file, block.line))
                continue
            for address, extra, skipped in instances:
                value = None if skipped else module.evaluate_block(block, extra)
                found.append(PolicyValue(address, "json", value, block.file, block.line, skipped))
    return found
