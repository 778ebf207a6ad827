"""Evaluating a template's intrinsic functions, parameters, mappings and conditions, failing closed.

Values are those of :mod:`checker.sources.cloudformation.decode` (strings know their line). What
cannot be known before the stack is created stays unknown and keeps what is known:

- ``Ref``/``Fn::GetAtt`` of a resource of the template is an :class:`~checker.terraform.values.Unknown`
  whose ``ref`` is the resource's address and ``attribute`` ``"arn"`` when the value is an ARN (a
  ``GetAtt X.Arn``, a ``Ref`` of a type whose Ref is its ARN, a ``Fn::Sub``/``Fn::Join`` that builds
  an ``arn:`` string from such values): a specific resource, as Terraform's ``aws_s3_bucket.x.arn``;
- a parameter without a value is unknown, or, with ``AllowedValues``, an :class:`Either` of them;
- ``Fn::If`` on a condition that is not known is an :class:`Either` of both branches; the front end
  judges every combination (:func:`variants`);
- pseudo parameters: ``AWS::Partition`` renders ``aws`` (the actions and resources a policy grants
  do not depend on the partition's name) and is one of three in ``Fn::Equals``; ``AWS::AccountId``
  renders twelve ``?`` (an ARN pattern matching any account id), ``AWS::Region`` and
  ``AWS::StackName`` ``*``, ``AWS::URLSuffix`` ``amazonaws.com``; a condition comparing a pseudo
  parameter is not known (both branches are judged); ``AWS::NoValue`` removes the key;
- ``Fn::ImportValue``, ``Fn::GetAZs``, ``Fn::Cidr`` are unknown.

Every loop is bounded by the input (:data:`MAX_STEPS`, :data:`MAX_STRING`, :data:`MAX_VARIANTS`); an
invalid use (a Ref to nothing, an index out of range, an unknown function) is an
:class:`EvalError` naming its line.
"""

from __future__ import annotations

import base64
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from checker.model import HoleKind
from checker.sources.cloudformation.decode import CfnList, CfnMap, line_of
from checker.sources.cloudformation.patterns import hole_of_pattern
from checker.terraform.typed import Piece, hole_of, partial, parts_of
from checker.terraform.values import Origin, TfStr, Unknown

MAX_STEPS = 2_000_000
"""Values evaluated in one template."""
MAX_STRING = 1_000_000
"""Characters of one string that Fn::Sub, Fn::Join or Fn::Base64 builds."""
MAX_VARIANTS = 64
"""Combinations of unknown conditions and parameters judged for one value (beyond: unknown)."""
MAX_DEPTH = 150
"""Nesting of intrinsic functions and values evaluated."""

PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
ACCOUNT_PATTERN = "?" * 12
PSEUDO: dict[str, str] = {
    "AWS::Partition": "aws",
    "AWS::AccountId": ACCOUNT_PATTERN,
    "AWS::Region": "*",
    "AWS::StackName": "*",
    "AWS::StackId": f"arn:aws:cloudformation:*:{ACCOUNT_PATTERN}:stack/*/*",
    "AWS::URLSuffix": "amazonaws.com",
}
NO_VALUE = "AWS::NoValue"
# Types whose Ref is an ARN (so a Ref to one names a specific resource in a policy).
REF_IS_ARN = frozenset({"AWS::IAM::ManagedPolicy", "AWS::SNS::Topic", "AWS::StepFunctions::StateMachine",
                        "AWS::SSO::PermissionSet", "AWS::CloudFormation::Stack", "AWS::ElasticLoadBalancingV2::LoadBalancer",
                        "AWS::ElasticLoadBalancingV2::TargetGroup", "AWS::Batch::JobQueue", "AWS::Batch::JobDefinition"})
CONDITION_FUNCTIONS = ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Condition")
# Functions that only a transform (AWS::LanguageExtensions) defines.
TRANSFORM_FUNCTIONS = ("Fn::Length", "Fn::ToJsonString", "Fn::ForEach", "Fn::Transform")
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


class _NoValue:
    """``AWS::NoValue``: removes the key (or list item) that holds it."""

    def __repr__(self) -> str:
        return "NoValue"


NOVALUE = _NoValue()


class EvalError(Exception):
    """An invalid use of an intrinsic function (CloudFormation would reject the template)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class MacroError(EvalError):
    """A value a macro makes (``Fn::Transform``): the macro's code runs when CloudFormation processes
    the template, so the value cannot be read (unresolved, as a macro declared in ``Transform``)."""


def macro_name(arg: Any) -> str:
    """The macro an ``Fn::Transform`` names, as written (with an ``AWS::Include`` location)."""
    if not isinstance(arg, dict) or not isinstance(arg.get("Name"), str):
        return "(not named)"
    params = arg.get("Parameters")
    where = params.get("Location") if isinstance(params, dict) else None
    return f"{arg['Name']} ({where})" if isinstance(where, str) else str(arg["Name"])


class TooMany(Exception):
    """A value with more combinations of unknown choices than :data:`MAX_VARIANTS`."""


@dataclass(frozen=True, slots=True)
class Either:
    """One of ``options``, chosen by ``key`` (``cond:Name`` for a condition, ``param:Name`` for a
    parameter's allowed values): the same key chooses the same index everywhere."""

    key: str
    options: tuple[Any, ...]
    why: str


@dataclass(frozen=True, slots=True)
class Resource:
    logical_id: str
    rtype: str
    address: str


class Evaluator:
    """Evaluates one template's values (see the module doc)."""

    def __init__(self, template: Mapping[str, Any], file: str, resources: Mapping[str, Resource],
                 given: Mapping[str, Any]) -> None:
        self.file = file
        self.resources = resources
        self.steps = 0
        self.errors: list[EvalError] = []
        self.sensitive_params: set[str] = set()
        mappings = template.get("Mappings")
        self.mappings: Mapping[str, Any] = mappings if isinstance(mappings, dict) else {}
        conditions = template.get("Conditions")
        self.conditions: Mapping[str, Any] = conditions if isinstance(conditions, dict) else {}
        self._cond_cache: dict[str, bool | None] = {}
        self._cond_active: set[str] = set()
        self.params: dict[str, Any] = {}
        self._param_defs: Mapping[str, Any] = {}
        params = template.get("Parameters")
        if isinstance(params, dict):
            self._param_defs = params
        # values for parameters the template does not declare are ignored: --parameters applies to
        # every template of a run
        key_lines: dict[str, int] = getattr(self._param_defs, "key_lines", {})
        for name, definition in self._param_defs.items():
            self.params[name] = self._parameter(str(name), definition, given.get(str(name)),
                                                key_lines.get(name, line_of(definition, 1)))

    # -- parameters -------------------------------------------------------------------------

    def _parameter(self, name: str, definition: Any, given: Any, line: int) -> Any:
        if not isinstance(definition, dict):
            raise EvalError(f"parameter {name!r} must be a mapping", line)
        ptype = str(definition.get("Type", "String"))
        sensitive = str(definition.get("NoEcho", "false")).lower() == "true" or bool(getattr(given, "sensitive", False))
        if isinstance(given, Unknown):  # a value given that is not known (a Terraform stack's parameters)
            if sensitive:
                self.sensitive_params.add(name)
            return Unknown(f"parameter {name}: {given.reason}", given.origin, extra=(("parameter", name),))
        if sensitive:
            self.sensitive_params.add(name)
        allowed = definition.get("AllowedValues")
        allowed_values = [str(a) for a in allowed] if isinstance(allowed, list) else None
        origin = Origin(self.file, line)
        if ptype.startswith("AWS::SSM::Parameter::Value<"):
            return Unknown(f"parameter {name} is read from SSM Parameter Store when the stack is deployed",
                           origin)
        if given is not None:
            raw: Any = given
            if allowed_values is not None and given not in allowed_values:
                raise EvalError(f"parameter {name}: the value given ({'(sensitive)' if sensitive else repr(given)}) "
                                f"is not one of its AllowedValues", line)
        elif "Default" in definition and definition["Default"] is not None:
            raw = definition["Default"]
            origin = Origin(self.file, line_of(raw, line))
        elif allowed_values:
            options = tuple(self._typed(ptype, a, origin, sensitive) for a in allowed_values)
            return Either(f"param:{name}", options, f"parameter {name} has no value: each of its AllowedValues")
        else:
            extra: tuple[tuple[str, Any], ...] = (("parameter", name),)
            pattern = definition.get("AllowedPattern")
            hole = hole_of_pattern(str(pattern)) if isinstance(pattern, str) and ptype == "String" else None
            if hole is not None:  # what its AllowedPattern proves (patterns.py): a typed unknown
                extra += (("hole", hole),)
            return Unknown(f"parameter {name} has no value (no Default, not given with --parameters)", origin,
                           extra=extra)
        return self._typed(ptype, raw, origin, sensitive)

    @staticmethod
    def _typed(ptype: str, raw: Any, origin: Origin, sensitive: bool) -> Any:
        text = "true" if raw is True else "false" if raw is False else str(raw)
        if ptype == "CommaDelimitedList" or ptype.startswith("List<"):
            return CfnList([TfStr(p.strip() if ptype.startswith("List<") else p, origin, sensitive=sensitive)
                            for p in text.split(",")], origin=origin)
        return TfStr(text, origin, sensitive=sensitive)

    # -- evaluation -------------------------------------------------------------------------

    def eval(self, value: Any, depth: int = 0) -> Any:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise EvalError(f"the template needs more than {MAX_STEPS:,} evaluation steps: not evaluated",
                            line_of(value, 1))
        if depth > MAX_DEPTH:
            raise EvalError(f"intrinsic functions nest more than {MAX_DEPTH} levels deep", line_of(value, 1))
        if isinstance(value, dict):
            if len(value) == 1:
                key = next(iter(value))
                if key == "Ref" or key.startswith("Fn::"):
                    return self._function(str(key), value[key], value, depth + 1)
            out = CfnMap(origin=getattr(value, "origin", None))
            for k, v in value.items():
                ev = self.eval(v, depth + 1)
                if ev is NOVALUE:
                    continue
                out[k] = ev
                out.key_lines[k] = getattr(value, "key_lines", {}).get(k, line_of(v))
            return out
        if isinstance(value, list):
            items = [self.eval(v, depth + 1) for v in value]
            return CfnList([i for i in items if i is not NOVALUE], origin=getattr(value, "origin", None))
        return value

    def _function(self, name: str, arg: Any, node: Any, depth: int) -> Any:
        line = line_of(node) or line_of(arg, 1)
        origin = Origin(self.file, line)
        if name == "Ref":
            return self.ref(arg, origin)
        handler = _FUNCTIONS.get(name)
        if handler is None:
            if name in CONDITION_FUNCTIONS:
                raise EvalError(f"{name} is a condition function: it is valid only in Conditions or Fn::If", line)
            if name == "Fn::Transform":
                raise MacroError(f"Fn::Transform runs the macro {macro_name(arg)}: its code makes this value when "
                                 "CloudFormation processes the template, so what it grants cannot be read", line)
            if name in TRANSFORM_FUNCTIONS:
                raise EvalError(f"{name} needs the AWS::LanguageExtensions transform, which is not read", line)
            raise EvalError(f"unknown intrinsic function {name}", line)
        return handler(self, arg, origin, depth)

    def ref(self, name: Any, origin: Origin) -> Any:
        if not isinstance(name, str):
            raise EvalError("Ref takes the name of a parameter or resource", origin.line)
        if name in self.params:
            return _at(self.params[name], origin)
        if name == NO_VALUE:
            return NOVALUE
        if name in PSEUDO:
            return TfStr(PSEUDO[name], origin)
        if name == "AWS::NotificationARNs":
            return Unknown("AWS::NotificationARNs is known when the stack is deployed", origin)
        if name in self.resources:
            r = self.resources[name]
            return Unknown(f"Ref {name} is known once the stack is created", origin, ref=r.address,
                           attribute="arn" if r.rtype in REF_IS_ARN else None)
        raise EvalError(f"Ref {name}: no parameter, pseudo parameter or resource of that name", origin.line)

    def get_att(self, arg: Any, origin: Origin, depth: int) -> Any:
        if isinstance(arg, str) and "." in arg:
            arg = list(arg.split(".", 1))
        if not isinstance(arg, list) or len(arg) != 2 or not isinstance(arg[0], str):
            raise EvalError("Fn::GetAtt takes [LogicalId, Attribute]", origin.line)
        attr = self.eval(arg[1], depth)
        name = str(arg[0])
        if name not in self.resources:
            raise EvalError(f"Fn::GetAtt {name}: no resource of that name", origin.line)
        r = self.resources[name]
        shown = attr if isinstance(attr, str) else "?"
        return Unknown(f"{name}.{shown} is known once the stack is created", origin, ref=r.address,
                       attribute="arn" if isinstance(attr, str) and attr.endswith("Arn") else str(shown))

    # -- conditions -------------------------------------------------------------------------

    def condition(self, name: Any, line: int) -> bool | None:
        """A condition's value: True, False, or None when it cannot be known before deployment."""
        if not isinstance(name, str) or name not in self.conditions:
            raise EvalError(f"condition {name!r} is not defined in Conditions", line)
        if name in self._cond_cache:
            return self._cond_cache[name]
        if name in self._cond_active:
            raise EvalError(f"condition {name} refers to itself", line)
        self._cond_active.add(name)
        try:
            value = self.cond_value(self.conditions[name], 0)
        finally:
            self._cond_active.discard(name)
        self._cond_cache[name] = value
        return value

    def cond_value(self, expr: Any, depth: int) -> bool | None:
        self.steps += 1
        line = line_of(expr, 1)
        if depth > MAX_DEPTH or self.steps > MAX_STEPS:
            raise EvalError("conditions nest too deeply", line)
        if not isinstance(expr, dict) or len(expr) != 1:
            raise EvalError("a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition", line)
        fn, arg = next(iter(expr.items()))
        if fn == "Condition":
            return self.condition(arg, line)
        if fn in ("Fn::And", "Fn::Or", "Fn::Not"):
            if not isinstance(arg, list) or not arg or (fn == "Fn::Not" and len(arg) != 1) or len(arg) > 10:
                raise EvalError(f"{fn} takes a list of conditions (Fn::Not: one; Fn::And, Fn::Or: 2 to 10)", line)
            values = [self.cond_value(a, depth + 1) for a in arg]
            if fn == "Fn::Not":
                return None if values[0] is None else not values[0]
            if fn == "Fn::And":
                return False if False in values else (None if None in values else True)
            return True if True in values else (None if None in values else False)
        if fn == "Fn::Equals":
            if not isinstance(arg, list) or len(arg) != 2:
                raise EvalError("Fn::Equals takes two values", line)
            if any(_uses_pseudo(a) for a in arg):
                return _pseudo_equals(arg)
            left, right = self.eval(arg[0], depth + 1), self.eval(arg[1], depth + 1)
            return _equals(left, right)
        raise EvalError(f"{fn} is not a condition function", line)


def _comparable(value: Any) -> list[str] | None:
    """The strings a value may be (None: not known)."""
    if isinstance(value, Either):
        out: list[str] = []
        for o in value.options:
            got = _comparable(o)
            if got is None:
                return None
            out.extend(got)
        return out
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, (str, int, float)):
        return [str(value)]
    if isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
        return [",".join(str(v) for v in value)]
    return None


def _equals(left: Any, right: Any) -> bool | None:
    a, b = _comparable(left), _comparable(right)
    if a is None or b is None:
        return None
    results = {x == y for x in a for y in b}
    return results.pop() if len(results) == 1 else None


def _uses_pseudo(value: Any) -> bool:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            if v.get("Ref") in PSEUDO or v.get("Ref") == "AWS::NotificationARNs":
                return True
            sub = v.get("Fn::Sub")
            text = sub[0] if isinstance(sub, list) and sub else sub
            if isinstance(text, str) and "${AWS::" in text:
                return True
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def _pseudo_equals(arg: list[Any]) -> bool | None:
    """Fn::Equals with a pseudo parameter: AWS::Partition against a literal that is no partition is
    false; anything else depends on where the stack is deployed (not known)."""
    refs = [a.get("Ref") if isinstance(a, dict) else None for a in arg]
    others = [a for a in arg if isinstance(a, str)]
    if "AWS::Partition" in refs and len(others) == 1 and others[0] not in PARTITIONS:
        return False
    return None


def _at(value: Any, origin: Origin) -> Any:
    """A parameter's value where it is used (its strings take the line of the Ref)."""
    if isinstance(value, TfStr):
        return TfStr(str(value), origin, sensitive=value.sensitive)
    if isinstance(value, list):
        return CfnList([_at(v, origin) for v in value], origin=origin)
    if isinstance(value, Either):
        return Either(value.key, tuple(_at(o, origin) for o in value.options), value.why)
    if isinstance(value, Unknown):
        return replace(value, origin=origin)
    return value


# --- the functions ---------------------------------------------------------------------------------


def _args(arg: Any, n: tuple[int, ...], name: str, origin: Origin) -> list[Any]:
    if not isinstance(arg, list) or len(arg) not in n:
        raise EvalError(f"{name} takes a list of {' or '.join(str(i) for i in n)} values", origin.line)
    return list(arg)


def _string_parts(parts: list[Any], origin: Origin, what: str) -> Any:
    """Strings (and unknowns, choices) joined into one value."""
    eithers = [p for p in parts if isinstance(p, Either)]
    if eithers:
        keys = list(dict.fromkeys(e.key for e in eithers))
        sizes = {e.key: len(e.options) for e in eithers}
        total = 1
        for k in keys:
            total *= sizes[k]
        if total > MAX_VARIANTS:
            return Unknown(f"{what} has more than {MAX_VARIANTS} possible values", origin)
        options = []
        for combo in itertools.product(*(range(sizes[k]) for k in keys)):
            chosen = dict(zip(keys, combo, strict=True))
            options.append(_string_parts([p.options[chosen[p.key]] if isinstance(p, Either) else p for p in parts],
                                         origin, what))
        key = keys[0] if len(keys) == 1 else "+".join(keys)
        return Either(key, tuple(options), eithers[0].why)
    unknowns = [p for p in parts if isinstance(p, Unknown)]
    sensitive = any(isinstance(p, TfStr) and p.sensitive for p in parts)
    if unknowns and all(isinstance(p, str | Unknown | bool | int | float) for p in parts) and any(
            hole_of(u).kind is not HoleKind.ANY or parts_of(u) is not None for u in unknowns):
        # typed parts (a parameter whose AllowedPattern proves an account id or a name): the text
        # and its holes, as Terraform keeps "arn:aws:iam::${data.aws_caller_identity.x.account_id}:root"
        pieces: list[Piece] = [p if isinstance(p, Unknown) else ("true" if p else "false") if isinstance(p, bool)
                               else p if isinstance(p, str) else str(p) for p in parts]
        return partial(pieces, unknowns[0], origin)
    if unknowns:
        text = "".join(str(p) if isinstance(p, str) else _shown(p) for p in parts)
        lead = next((p for p in parts if not (isinstance(p, str) and not p)), None)
        arn = text.startswith("arn:") or (isinstance(lead, Unknown) and lead.attribute == "arn")
        specific = arn and all(u.ref for u in unknowns)
        first = unknowns[0]
        reasons = "; ".join(dict.fromkeys(u.reason for u in unknowns))
        return Unknown(f"{text!r}: {reasons}", origin, ref=first.ref if specific else None,
                       attribute="arn" if specific else None)
    out: list[str] = []
    size = 0
    for p in parts:
        if p is NOVALUE or p is None or isinstance(p, (dict, list)):
            raise EvalError(f"{what}: a {'list' if isinstance(p, list) else 'mapping' if isinstance(p, dict) else 'null'} "
                            "where a string is expected", origin.line)
        s = ("true" if p else "false") if isinstance(p, bool) else str(p)
        size += len(s)
        if size > MAX_STRING:
            raise EvalError(f"{what} builds a string longer than {MAX_STRING:,} characters", origin.line)
        out.append(s)
    return TfStr("".join(out), origin, sensitive=sensitive)


def _shown(u: Unknown) -> str:
    if u.ref:
        return "${" + u.ref + (f".{u.attribute}" if u.attribute else "") + "}"
    name = next((str(v) for k, v in u.extra if k == "parameter"), "unknown")
    return "${" + name + "}"


def _sub(ev: Evaluator, arg: Any, origin: Origin, depth: int) -> Any:
    variables: dict[str, Any] = {}
    if isinstance(arg, list):
        if len(arg) != 2 or not isinstance(arg[1], dict):
            raise EvalError("Fn::Sub takes a string or [string, {variables}]", origin.line)
        text, given = arg
        for k, v in given.items():
            variables[str(k)] = ev.eval(v, depth)
    else:
        text = arg
    if not isinstance(text, str):
        raise EvalError("Fn::Sub takes a string", origin.line)
    parts: list[Any] = []
    pos = 0
    for m in _SUB_VAR.finditer(text):
        parts.append(text[pos:m.start()])
        pos = m.end()
        name = m.group(1)
        if name.startswith("!"):
            parts.append("${" + name[1:] + "}")
            continue
        name = name.strip()
        if name in variables:
            parts.append(_at(variables[name], origin))
        elif name in ev.params or name in PSEUDO or name == NO_VALUE or name in ev.resources \
                or name == "AWS::NotificationARNs":
            parts.append(ev.ref(name, origin))
        elif "." in name and name.split(".", 1)[0] in ev.resources:
            parts.append(ev.get_att(name, origin, depth))
        else:
            raise EvalError(f"Fn::Sub: ${{{name}}} names no parameter, resource or variable", origin.line)
    parts.append(text[pos:])
    return _string_parts(parts, origin, "Fn::Sub")


def _join(ev: Evaluator, arg: Any, origin: Origin, depth: int) -> Any:
    delim, items = _args(arg, (2,), "Fn::Join", origin)
    if not isinstance(delim, str):
        raise EvalError("Fn::Join: the delimiter must be a string", origin.line)
    values = ev.eval(items, depth)
    return _join_values(str(delim), values, origin)


def _join_values(delim: str, values: Any, origin: Origin) -> Any:
    if isinstance(values, Unknown):
        return Unknown(f"Fn::Join of a list that is not known: {values.reason}", origin)
    if isinstance(values, Either):
        return Either(values.key, tuple(_join_values(delim, o, origin) for o in values.options), values.why)
    if not isinstance(values, list):
        raise EvalError("Fn::Join takes a list of values", origin.line)
    parts: list[Any] = []
    for i, v in enumerate(values):
        if i:
            parts.append(delim)
        parts.append(v)
    return _string_parts(parts, origin, "Fn::Join")


def _select(ev: Evaluator, arg: Any, origin: Origin, depth: int) -> Any:
    index, items = _args(arg, (2,), "Fn::Select", origin)
    i = ev.eval(index, depth)
    values = ev.eval(items, depth)
    if isinstance(i, Unknown):
        return Unknown(f"Fn::Select with an index that is not known: {i.reason}", origin)
    return _select_values(i, values, origin)


def _select_values(i: Any, values: Any, origin: Origin) -> Any:
    if isinstance(i, Either):
        return Either(i.key, tuple(_select_values(o, values, origin) for o in i.options), i.why)
    if isinstance(values, Either):
        return Either(values.key, tuple(_select_values(i, o, origin) for o in values.options), values.why)
    if isinstance(values, Unknown):
        return Unknown(f"Fn::Select from a list that is not known: {values.reason}", origin)
    text = str(i)
    if isinstance(i, bool) or not text.isdigit() or len(text) > 9:
        raise EvalError(f"Fn::Select: the index must be a non-negative integer, found {text[:40]!r}", origin.line)
    n = int(text)
    if not isinstance(values, list):
        raise EvalError("Fn::Select takes a list", origin.line)
    if n >= len(values):
        raise EvalError(f"Fn::Select: index {n} is out of range (the list has {len(values)} items)", origin.line)
    return values[n]


def _split(ev: Evaluator, arg: Any, origin: Origin, depth: int) -> Any:
    delim, source = _args(arg, (2,), "Fn::Split", origin)
    if not isinstance(delim, str) or not delim:
        raise EvalError("Fn::Split: the delimiter must be a non-empty string", origin.line)
    return _split_value(str(delim), ev.eval(source, depth), origin)


def _split_value(delim: str, value: Any, origin: Origin) -> Any:
    if isinstance(value, Either):
        return Either(value.key, tuple(_split_value(delim, o, origin) for o in value.options), value.why)
    if isinstance(value, Unknown):
        return Unknown(f"Fn::Split of a value that is not known: {value.reason}", origin)
    if not isinstance(value, str):
        raise EvalError("Fn::Split takes a string", origin.line)
    sensitive = isinstance(value, TfStr) and value.sensitive
    return CfnList([TfStr(p, origin, sensitive=sensitive) for p in str(value).split(delim)], origin=origin)


def _find_in_map(ev: Evaluator, arg: Any, origin: Origin, depth: int) -> Any:
    args = _args(arg, (3,), "Fn::FindInMap", origin)
    name, k1, k2 = (ev.eval(a, depth) for a in args)
    if not isinstance(name, str) or name not in ev.mappings:
        raise EvalError(f"Fn::FindInMap: no mapping {name!r} in Mappings", origin.line)
    mapping = ev.mappings[name]
    if not isinstance(mapping, dict):
        raise EvalError(f"Fn::FindInMap: mapping {name} must be a mapping", origin.line)
    return _lookup(ev, mapping, name, [k1, k2], origin, depth)


def _lookup(ev: Evaluator, table: Any, name: str, keys: list[Any], origin: Origin, depth: int) -> Any:
    if not keys:
        return ev.eval(table, depth)
    key, rest = keys[0], keys[1:]
    if not isinstance(table, dict):
        raise EvalError(f"Fn::FindInMap: {name} is not a mapping at that level", origin.line)
    if isinstance(key, Either):
        return Either(key.key, tuple(_lookup(ev, table, name, [o, *rest], origin, depth) for o in key.options),
                      key.why)
    if isinstance(key, Unknown):
        # every entry the key may select (those that hold the next keys)
        options = []
        for k in table:
            try:
                options.append(_lookup(ev, table, name, [TfStr(str(k), origin), *rest], origin, depth))
            except EvalError:
                continue
        if not options:
            raise EvalError(f"Fn::FindInMap: no entry of {name} holds the keys asked", origin.line)
        if len(options) > MAX_VARIANTS:
            return Unknown(f"Fn::FindInMap {name} with a key that is not known ({key.reason})", origin)
        return Either(f"map:{name}:{origin.line}", tuple(options), f"Fn::FindInMap with a key that is not known "
                      f"({key.reason}): every entry")
    text = "true" if key is True else "false" if key is False else str(key)
    if text not in table:
        raise EvalError(f"Fn::FindInMap: {name} has no key {text!r}", origin.line)
    return _lookup(ev, table[text], name, rest, origin, depth)


def _base64(ev: Evaluator, arg: Any, origin: Origin, depth: int) -> Any:
    value = ev.eval(arg, depth)
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise EvalError("Fn::Base64 of a string that is too long", origin.line)
        return TfStr(base64.b64encode(str(value).encode()).decode(), origin)
    return Unknown("Fn::Base64 of a value that is not known", origin)


def _unknown(what: str) -> Any:
    def handler(ev: Evaluator, arg: Any, origin: Origin, depth: int) -> Any:
        ev.eval(arg, depth)  # its arguments must be valid too
        return Unknown(f"{what} is known only when the stack is deployed", origin)

    return handler


def _get_att(ev: Evaluator, arg: Any, origin: Origin, depth: int) -> Any:
    return ev.get_att(arg, origin, depth)


def _if(ev: Evaluator, arg: Any, origin: Origin, depth: int) -> Any:
    cond, yes, no = _args(arg, (3,), "Fn::If", origin)
    value = ev.condition(cond, origin.line)
    if value is True:
        return ev.eval(yes, depth)
    if value is False:
        return ev.eval(no, depth)
    return Either(f"cond:{cond}", (ev.eval(yes, depth), ev.eval(no, depth)),
                  f"condition {cond} is not known before deployment: both branches")


_FUNCTIONS = {
    "Fn::Sub": _sub, "Fn::Join": _join, "Fn::Select": _select, "Fn::Split": _split, "Fn::FindInMap": _find_in_map,
    "Fn::Base64": _base64, "Fn::GetAtt": _get_att, "Fn::If": _if,
    "Fn::ImportValue": _unknown("Fn::ImportValue (another stack's export)"),
    "Fn::GetAZs": _unknown("Fn::GetAZs"), "Fn::Cidr": _unknown("Fn::Cidr"),
}


# --- choices ---------------------------------------------------------------------------------------


def choice_keys(value: Any) -> dict[str, int]:
    """The :class:`Either` keys inside ``value`` with their number of options."""
    out: dict[str, int] = {}
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, Either):
            out[v.key] = max(out.get(v.key, 0), len(v.options))
            stack.extend(v.options)
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return out


def choose(value: Any, chosen: Mapping[str, int]) -> Any:
    """``value`` with each :class:`Either` replaced by the option ``chosen`` names (NoValue removed)."""
    if isinstance(value, Either):
        i = chosen.get(value.key, 0)
        return choose(value.options[min(i, len(value.options) - 1)], chosen)
    if isinstance(value, dict):
        out = CfnMap(origin=getattr(value, "origin", None))
        for k, v in value.items():
            c = choose(v, chosen)
            if c is not NOVALUE:
                out[k] = c
                out.key_lines[k] = getattr(value, "key_lines", {}).get(k, 0)
        return out
    if isinstance(value, list):
        items = (choose(v, chosen) for v in value)
        return CfnList([i for i in items if i is not NOVALUE], origin=getattr(value, "origin", None))
    return value


def variants(value: Any) -> list[Any]:
    """Every value ``value`` may be, one per combination of its choices (at most :data:`MAX_VARIANTS`)."""
    keys = choice_keys(value)
    if not keys:
        return [value]
    total = 1
    for n in keys.values():
        total *= n
        if total > MAX_VARIANTS:
            raise TooMany(f"{total:,}+ combinations of conditions and parameters that are not known")
    names = list(keys)
    return [choose(value, dict(zip(names, combo, strict=True)))
            for combo in itertools.product(*(range(keys[k]) for k in names))]


def alternatives(value: Any, *, items: bool = False) -> list[Any]:
    """What ``value`` may be under any choice: an :class:`Either` stands for all of its options, and
    ``AWS::NoValue`` for nothing (a choice without the value holds nothing to read). With ``items``,
    the items of a list value under any choice (attaching, listing more never hides a grant)."""
    out: list[Any] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, Either):
            stack.extend(reversed(v.options))
        elif items and isinstance(v, list):
            stack.extend(reversed(v))
        elif v is not NOVALUE:
            out.append(v)
    return out


def items_of(value: Any) -> list[Any]:
    """The items a list value may hold under any choice (see :func:`alternatives`)."""
    return alternatives(value, items=True)
