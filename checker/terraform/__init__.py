"""The Terraform front end: load a module like Terraform and evaluate its expressions.

``load_module(path, ...)`` gives a :class:`Module` with its blocks (with lines), its input
variables' final values, lazily evaluated locals and outputs, and ``evaluate(expr, extra)``.
``find_policy_values(module)`` lists the IAM policies of the module; ``find_root_modules(path)``
the root modules of a tree. Values are described in :mod:`checker.terraform.values`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from checker.terraform.blocks import Attribute, Block, Diagnostic, Expr
    from checker.terraform.errors import TerraformError
    from checker.terraform.loader import (
        Module,
        ReferenceResolver,
        expand_dynamic,
        find_root_modules,
        load_module,
    )
    from checker.terraform.policies import PolicyValue, find_policy_values
    from checker.terraform.values import Origin, TfSet, TfStr, Unknown

# Imported on first use (PEP 562): ``checker.terraform.values`` alone must not pull in the parser,
# because the JSON path uses the value types and a pre-commit run on a JSON file should not pay for Lark.
_EXPORTS = {
    "TerraformError": "checker.terraform.errors",
    **dict.fromkeys(("Attribute", "Block", "Diagnostic", "Expr"), "checker.terraform.blocks"),
    **dict.fromkeys(("Module", "ReferenceResolver", "expand_dynamic", "find_root_modules", "load_module"),
                    "checker.terraform.loader"),
    **dict.fromkeys(("PolicyValue", "find_policy_values"), "checker.terraform.policies"),
    **dict.fromkeys(("Origin", "TfSet", "TfStr", "Unknown"), "checker.terraform.values"),
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'checker.terraform' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "Attribute",
    "Block",
    "Diagnostic",
    "Expr",
    "Module",
    "Origin",
    "PolicyValue",
    "ReferenceResolver",
    "TerraformError",
    "TfSet",
    "TfStr",
    "Unknown",
    "expand_dynamic",
    "find_policy_values",
    "find_root_modules",
    "load_module",
]
