"""Reading a CloudFormation template (YAML or JSON) into values that know their lines.

YAML goes through PyYAML's composer (libyaml when available), whose nodes carry their positions;
JSON through :mod:`checker.sources.jsonpos`, the project's JSON parser with positions. Both give the
same values:

- a string is a :class:`~checker.terraform.values.TfStr` whose ``origin`` is its file and line;
- a mapping is a :class:`CfnMap` (a ``dict`` with ``origin`` and the line of each key), a sequence a
  :class:`CfnList`; numbers, booleans and nulls are Python's;
- the short forms of the intrinsic functions (``!Sub``, ``!GetAtt A.B`` ...) become their long
  forms (``{"Fn::Sub": ...}``, ``{"Fn::GetAtt": ["A", "B"]}``), as CloudFormation reads them.

A duplicate key, an unknown tag, more than one YAML document, nesting deeper than
:data:`MAX_DEPTH` or more than :data:`MAX_NODES` nodes (aliases counted as what they stand for) is
a :class:`TemplateSyntaxError` with its line: the template is invalid (IAM001), never half read.
"""

from __future__ import annotations

from typing import Any

from checker.terraform.values import Origin, TfStr

MAX_DEPTH = 200
"""Deepest nesting of mappings and sequences accepted (CloudFormation's own documents are shallow)."""
MAX_NODES = 500_000
"""Nodes of a template, each YAML alias counted as the nodes it stands for (a billion-laughs bomb stops here)."""

# Short-form tags -> the long form's key. !GetAtt and !Condition are read apart (see _tagged).
SHORT_TAGS = {
    "!Ref": "Ref", "!Condition": "Condition",
    **{f"!{name}": f"Fn::{name}" for name in (
        "Sub", "If", "GetAtt", "Join", "Select", "Split", "FindInMap", "Base64", "Cidr", "ImportValue", "GetAZs",
        "And", "Or", "Not", "Equals", "Transform", "Length", "ToJsonString", "ForEach")},
}


class TemplateSyntaxError(ValueError):
    """A template that cannot be read: what and where (1-based line)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class CfnMap(dict[str, Any]):
    """A template mapping: keys in order, ``origin`` (its first and last line), ``key_lines`` per key."""

    origin: Origin | None = None
    key_lines: dict[str, int]

    def __init__(self, *args: Any, origin: Origin | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.origin = origin
        self.key_lines = {}

    @property
    def line(self) -> int:
        return self.origin.line if self.origin else 0


class CfnList(list[Any]):
    """A template sequence with ``origin``."""

    origin: Origin | None = None

    def __init__(self, *args: Any, origin: Origin | None = None) -> None:
        super().__init__(*args)
        self.origin = origin


def line_of(value: Any, default: int = 0) -> int:
    """The line a value is written on (0 when it does not know)."""
    o = getattr(value, "origin", None)
    return o.line if isinstance(o, Origin) else default


class _Budget:
    def __init__(self, file: str) -> None:
        self.file = file
        self.nodes = 0

    def count(self, line: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise TemplateSyntaxError(f"the template has more than {MAX_NODES:,} values (YAML aliases counted as "
                                      "what they repeat): not read", line)


# --- YAML ------------------------------------------------------------------------------------------


def parse_yaml(text: str, file: str) -> Any:
    """A YAML template's values (see the module doc)."""
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        loader = loader_cls(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = exc.problem or exc.context or "invalid YAML"
        raise TemplateSyntaxError(f"not valid YAML: {what}", line) from None
    except yaml.YAMLError as exc:
        raise TemplateSyntaxError(f"not valid YAML: {exc}", 1) from None
    except RecursionError:
        raise TemplateSyntaxError("the YAML nests too deeply to be read", 1) from None
    if node is None:
        return None
    return _from_yaml(node, file, _Budget(file))


def _from_yaml(root: Any, file: str, budget: _Budget) -> Any:
    """Iterative conversion of a composed YAML node graph (aliases are shared nodes)."""
    import yaml

    # Each work item: (node, depth, setter) where setter stores the converted value.
    result: list[Any] = [None]
    stack: list[tuple[Any, int, Any, Any]] = [(root, 1, result, 0)]
    while stack:
        node, depth, holder, slot = stack.pop()
        line = node.start_mark.line + 1
        budget.count(line)
        if depth > MAX_DEPTH:
            raise TemplateSyntaxError(f"the template nests more than {MAX_DEPTH} levels deep: not read", line)
        tag = node.tag or ""
        end_line = node.end_mark.line + (1 if node.end_mark.column else 0)
        origin = Origin(file, line, max(end_line, line))
        if tag.startswith("!"):
            value: Any = _tagged(node, tag, file, line)
            if value is not None:
                holder[slot] = value
                continue
            # a tag on a sequence or mapping: the long form's key holding the converted content
            key = SHORT_TAGS[tag]
            wrapper = CfnMap(origin=origin)
            wrapper.key_lines[key] = line
            wrapper[key] = None
            holder[slot] = wrapper
            stack.append((_untagged(node), depth + 1, wrapper, key))
            continue
        if isinstance(node, yaml.ScalarNode):
            holder[slot] = _scalar(node, file, line)
        elif isinstance(node, yaml.SequenceNode):
            seq = CfnList([None] * len(node.value), origin=origin)
            holder[slot] = seq
            for i in range(len(node.value) - 1, -1, -1):
                stack.append((node.value[i], depth + 1, seq, i))
        elif isinstance(node, yaml.MappingNode):
            mapping = CfnMap(origin=origin)
            holder[slot] = mapping
            for knode, _vnode in node.value:
                kline = knode.start_mark.line + 1
                if not isinstance(knode, yaml.ScalarNode) or (knode.tag or "").startswith("!"):
                    raise TemplateSyntaxError("a mapping key must be a plain string", kline)
                key = str(knode.value)
                if key in mapping.key_lines:
                    raise TemplateSyntaxError(
                        f"duplicate key {key!r} (first at line {mapping.key_lines[key]}): YAML readers keep only one "
                        "of them, so the template is ambiguous", kline)
                mapping.key_lines[key] = kline
                mapping[key] = None
            for knode, vnode in reversed(node.value):
                stack.append((vnode, depth + 1, mapping, str(knode.value)))
    return result[0]


def _untagged(node: Any) -> Any:
    """The same node without its tag, to convert its content."""
    import yaml

    cls = type(node)
    if isinstance(node, yaml.ScalarNode):
        return cls("tag:yaml.org,2002:str", node.value, node.start_mark, node.end_mark, node.style)
    tag = "tag:yaml.org,2002:seq" if isinstance(node, yaml.SequenceNode) else "tag:yaml.org,2002:map"
    return cls(tag, node.value, node.start_mark, node.end_mark, node.flow_style)


def _tagged(node: Any, tag: str, file: str, line: int) -> Any:
    """A short-form intrinsic on a scalar as its long form; None for a tag on a collection (read by the caller)."""
    import yaml

    if tag not in SHORT_TAGS:
        raise TemplateSyntaxError(f"unknown tag {tag} (CloudFormation's short forms are "
                                  f"{', '.join(sorted(SHORT_TAGS))})", line)
    if not isinstance(node, yaml.ScalarNode):
        return None
    key = SHORT_TAGS[tag]
    text = TfStr(str(node.value), Origin(file, line))
    value: Any = text
    if tag == "!GetAtt":
        name, dot, attr = str(node.value).partition(".")
        if not dot:
            raise TemplateSyntaxError(f"!GetAtt {node.value!r}: expected LogicalId.Attribute", line)
        value = CfnList([TfStr(name, Origin(file, line)), TfStr(attr, Origin(file, line))],
                        origin=Origin(file, line, line))
    out = CfnMap(origin=Origin(file, line, line))
    out.key_lines[key] = line
    out[key] = value
    return out


def _scalar(node: Any, file: str, line: int) -> Any:
    """A plain scalar as YAML 1.1 resolves it (bool, int, null); everything else is the text written."""
    tag = node.tag
    raw = str(node.value)
    if tag == "tag:yaml.org,2002:bool":
        return raw.lower() in ("true", "yes", "on", "y")
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:int" and raw.lstrip("+-").isdigit() and len(raw) < 20:
        return int(raw)
    # strings, floats, timestamps (Version: 2012-10-17) and binary: the text as written
    return TfStr(raw, Origin(file, line))


# --- JSON ------------------------------------------------------------------------------------------


def parse_json_template(text: str | bytes, file: str) -> Any:
    """A JSON template's values (see the module doc)."""
    from checker.sources.jsonpos import JsonSyntaxError, parse_json

    try:
        parsed = parse_json(text)
    except JsonSyntaxError as exc:
        raise TemplateSyntaxError(f"not valid JSON: {exc}", max(exc.line, 1)) from None
    for dup in parsed.duplicates:
        where = "/".join(str(p) for p in dup.path) or "(top level)"
        raise TemplateSyntaxError(f"duplicate key {dup.key!r} in {where} (first at line {dup.first_line}): JSON "
                                  "readers keep only one of them, so the template is ambiguous", dup.line)
    budget = _Budget(file)
    result: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(parsed.root, result, 0)]
    while stack:
        node, holder, slot = stack.pop()
        budget.count(node.line)
        origin = Origin(file, node.line, node.end_line)
        if node.kind == "object":
            mapping = CfnMap(origin=origin)
            holder[slot] = mapping
            for key, kline, value in node.members:
                mapping.key_lines[key] = kline
                mapping[key] = None
                stack.append((value, mapping, key))
        elif node.kind == "array":
            seq = CfnList([None] * len(node.items), origin=origin)
            holder[slot] = seq
            for i, item in enumerate(node.items):
                stack.append((item, seq, i))
        elif node.kind == "string":
            holder[slot] = TfStr(node.value, Origin(file, node.line))
        else:
            holder[slot] = node.value
    return result[0]
