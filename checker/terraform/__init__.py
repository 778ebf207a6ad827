"""The Terraform front end: load a module like Terraform and evaluate its expressions.

``load_module(path, ...)`` gives a :class:`Module` with its blocks (with lines), its input
variables' final values, lazily evaluated locals and outputs, and ``evaluate(expr, extra)``.
``find_policy_values(module)`` lists the IAM policies of the module; ``find_root_modules(path)``
the root modules of a tree. Values are described in :mod:`checker.terraform.values`.
"""

from __future__ import annotations

from checker.terraform.errors import TerraformError
from checker.terraform.loader import (
    Attribute,
    Block,
    Diagnostic,
    Expr,
    Module,
    ReferenceResolver,
    expand_dynamic,
    find_root_modules,
    load_module,
)
from checker.terraform.policies import PolicyValue, find_policy_values
from checker.terraform.values import Origin, TfSet, TfStr, Unknown

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
