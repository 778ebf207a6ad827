"""Type constraints of input variables: parsing ``type = ...`` and converting values to them.

A type is a tuple: ``("string",)``, ``("number",)``, ``("bool",)``, ``("any",)``,
``("list", T)``, ``("set", T)``, ``("map", T)``, ``("tuple", (T, ...))`` and
``("object", ((name, T, optional, default), ...))`` where ``default`` is the already
evaluated default of an ``optional(T, default)`` attribute (None without one).
"""

from __future__ import annotations

from typing import Any

from checker.terraform import functions_types as ft
from checker.terraform.errors import TerraformError
from checker.terraform.evaluator import Evaluator, Scope, format_number
from checker.terraform.syntax import Token, Tree
from checker.terraform.values import Origin, TfSet, TfStr, Unknown, typed_empty

TypeSpec = tuple[Any, ...]

ANY: TypeSpec = ("any",)
STRING: TypeSpec = ("string",)
PRIMITIVE_NAMES = ("string", "number", "bool")


def _inner(node: Any) -> Any:
    while isinstance(node, Tree) and node.data == "expr_term":
        kids = [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
        if len(kids) != 1:
            break
        node = kids[0]
    return node


def _call_args(node: Tree) -> list[Any]:
    args = next((c for c in node.children if isinstance(c, Tree) and c.data == "arguments"), None)
    if args is None:
        return []
    return [c for c in args.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def parse_type(node: Any, file: str, evaluator: Evaluator, scope: Scope, *, in_object: bool = False) -> TypeSpec:
    """The type written by the expression ``node`` (a ``type = ...`` argument)."""
    node = _inner(node)
    origin = Evaluator._origin(node, scope)
    if isinstance(node, Tree) and node.data == "identifier":
        name = str(node.children[0])
        if name in PRIMITIVE_NAMES or name == "any":
            return (name,)
        if name in ("list", "set", "map"):  # legacy: list = list(any)
            return (name, ANY)
        raise TerraformError(f'Invalid type specification: the keyword "{name}" is not a valid type', origin)
    if isinstance(node, Tree) and node.data == "function_call":
        name = str(node.children[0].children[0])
        args = _call_args(node)
        if name in ("list", "set", "map"):
            if len(args) != 1:
                raise TerraformError(f"Invalid type specification: {name}() takes one type argument", origin)
            return (name, parse_type(args[0], file, evaluator, scope))
        if name == "tuple":
            elems = _inner(args[0]) if len(args) == 1 else None
            if not (isinstance(elems, Tree) and elems.data == "tuple"):
                raise TerraformError("Invalid type specification: tuple() takes a list of types", origin)
            items = [c for c in elems.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
            return ("tuple", tuple(parse_type(c, file, evaluator, scope) for c in items))
        if name == "object":
            obj = _inner(args[0]) if len(args) == 1 else None
            if not (isinstance(obj, Tree) and obj.data == "object"):
                raise TerraformError("Invalid type specification: object() takes an object of types", origin)
            attrs: list[tuple[str, TypeSpec, bool, Any]] = []
            for elem in obj.children:
                if not isinstance(elem, Tree) or elem.data != "object_elem":
                    continue
                key = _inner(elem.children[0].children[0])
                if isinstance(key, Tree) and key.data in ("identifier", "keyword"):
                    attr_name = str(key.children[0])
                else:
                    attr_name = str(evaluator.evaluate(key, scope))
                value_node = _inner(elem.children[-1])
                if (
                    isinstance(value_node, Tree)
                    and value_node.data == "function_call"
                    and str(value_node.children[0].children[0]) == "optional"
                ):
                    oargs = _call_args(value_node)
                    if not 1 <= len(oargs) <= 2:
                        raise TerraformError("Invalid type specification: optional() takes a type and a default", origin)
                    atype = parse_type(oargs[0], file, evaluator, scope)
                    default = None
                    if len(oargs) == 2:
                        raw = evaluator.evaluate(oargs[1], scope)
                        default = convert(raw, atype, Evaluator._origin(oargs[1], scope), "")
                    attrs.append((attr_name, atype, True, default))
                else:
                    attrs.append((attr_name, parse_type(value_node, file, evaluator, scope), False, None))
            return ("object", tuple(attrs))
        if name == "optional":
            raise TerraformError(
                "Invalid type specification: optional() is allowed only for an attribute of an object type", origin
            )
        raise TerraformError(f'Invalid type specification: the keyword "{name}" is not a valid type', origin)
    if isinstance(node, Token):
        return parse_type(Tree("identifier", [node]), file, evaluator, scope)
    raise TerraformError("Invalid type specification: a type is required here", origin)


def describe(t: TypeSpec) -> str:
    kind = t[0]
    if kind in ("list", "set", "map"):
        return f"{kind} of {describe(t[1])}"
    return str(kind)


def _at(path: str) -> str:
    return f"{path}: " if path else ""


def convert(value: Any, t: TypeSpec, origin: Origin, path: str = "") -> Any:
    """``value`` converted to ``t`` as Terraform converts input variables; TerraformError if it cannot."""
    if value is None or isinstance(value, Unknown):
        return value
    kind = t[0]
    if kind == "any":
        return value
    if kind == "string":
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return TfStr("true" if value else "false", origin)
        if isinstance(value, (int, float)):
            return TfStr(format_number(value), origin)
        raise TerraformError(f"{_at(path)}string required", origin)
    if kind == "number":
        if isinstance(value, bool):
            raise TerraformError(f"{_at(path)}number required", origin)
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, str):
            try:
                return ft.parse_number(str(value))
            except ft.TfConversionError as exc:
                raise TerraformError(f"{_at(path)}{exc}", origin) from None
        raise TerraformError(f"{_at(path)}number required", origin)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and str(value) in ("true", "false"):
            return str(value) == "true"
        if isinstance(value, str):
            raise TerraformError(
                f'{_at(path)}cannot convert "{value}" to bool; only the strings "true" or "false" are allowed', origin
            )
        raise TerraformError(f"{_at(path)}bool required", origin)
    if kind in ("list", "set"):
        if not isinstance(value, (list, tuple)):
            raise TerraformError(f"{_at(path)}{describe(t)} required", origin)
        items = [convert(v, t[1], origin, f"{path}[{i}]") for i, v in enumerate(value)]
        if not items and t[1] != ANY:
            return typed_empty(cty_type(t))
        if t[1] == ANY:
            items = _unify_any(items, origin, path, kind)
        if kind == "set":
            return ft.make_set(items)
        return items
    if kind == "map":
        if not isinstance(value, dict):
            raise TerraformError(f"{_at(path)}{describe(t)} required", origin)
        out = {k: convert(v, t[1], origin, f'{path}["{k}"]') for k, v in value.items()}
        if not out and t[1] != ANY:
            return typed_empty(cty_type(t))
        if t[1] == ANY:
            keys = list(out)
            unified = _unify_any([out[k] for k in keys], origin, path, "map")
            out = dict(zip(keys, unified, strict=False))
        return out
    if kind == "tuple":
        if not isinstance(value, (list, tuple)) or (isinstance(value, TfSet) and len(value) != len(t[1])):
            raise TerraformError(f"{_at(path)}tuple required", origin)
        if len(value) != len(t[1]):
            raise TerraformError(f"{_at(path)}tuple required with {len(t[1])} elements", origin)
        return [convert(v, et, origin, f"{path}[{i}]") for i, (v, et) in enumerate(zip(value, t[1], strict=False))]
    if kind == "object":
        if not isinstance(value, dict):
            raise TerraformError(f"{_at(path)}object required", origin)
        result: dict[str, Any] = {}
        for name, at, optional, default in t[1]:
            sub = f"{path}.{name}" if path else name
            if name not in value or value[name] is None:
                if not optional and name not in value:
                    raise TerraformError(f'{_at(path)}attribute "{name}" is required', origin)
                result[name] = default if optional else None
                continue
            result[name] = convert(value[name], at, origin, sub)
        return result
    raise TerraformError(f"unsupported type {kind}", origin)  # pragma: no cover


def cty_type(t: TypeSpec) -> ft.TfType:
    """A type constraint as :mod:`functions_types` spells types (``any`` is ``dynamic``)."""
    kind = t[0]
    if kind in PRIMITIVE_NAMES:
        return str(kind)
    if kind == "any":
        return ft.DYNAMIC
    if kind in ("list", "set", "map"):
        return (kind, cty_type(t[1]))
    if kind == "tuple":
        return ("tuple", tuple(cty_type(e) for e in t[1]))
    return ("object", tuple(sorted((name, cty_type(at)) for name, at, _, _ in t[1])))


def _unify_any(items: list[Any], origin: Origin, path: str, kind: str) -> list[Any]:
    """Elements of ``list(any)``/``map(any)`` must share one type: cty's unification."""
    known = [v for v in items if not isinstance(v, Unknown)]
    try:
        elem = ft.unify([ft.type_of(v) for v in known])
        if elem is None:
            raise TerraformError(f"{_at(path)}all {kind} elements must have the same type", origin)
        return [ft.convert(v, elem) if not isinstance(v, Unknown) else v for v in items]
    except ft.TfConversionError as exc:
        raise TerraformError(f"{_at(path)}{exc}", origin) from None


