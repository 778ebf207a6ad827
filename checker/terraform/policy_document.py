"""``data "aws_iam_policy_document"`` rendered with the AWS provider's semantics.

What the provider does (``internal/service/iam/policy_document_data_source.go`` and
``policy_model.go`` of terraform-provider-aws), reproduced here:

- ``source_policy_documents`` are merged first, in order; a Sid repeated across them is an error;
- then the block's own statements (``statement`` and ``dynamic "statement"``; a Sid repeated
  among them is an error), ``version`` (default ``2012-10-17``) and ``policy_id``;
- then ``override_policy_documents``, in order: a statement whose Sid is already present
  replaces it in place, any other statement is appended. Merging adopts a newer ``Version`` and
  any non-empty ``Id``. The legacy ``source_json`` / ``override_json`` (provider v3) are merged
  before the source documents and after the override documents.
- ``actions``, ``resources`` (and the ``not_`` variants) and principal ``identifiers`` are sets: a
  single value is rendered as a string, several as a list sorted in reverse order; condition
  ``values`` keep their order (a single one is a string). ``&{`` becomes ``${`` in resources,
  identifiers and condition values. Principals of one type are merged; ``type = "*"`` with
  identifiers ``["*"]`` alone renders as ``"Principal": "*"``. Principal types and condition keys
  are sorted (Go maps). An empty ``Sid`` is omitted.

The result keeps where each value was written: dicts and lists are :class:`ODict` / :class:`OList`
with an ``origin``, strings are :class:`TfStr`. Values that are not known stay :class:`Unknown`
inside the structure, so a policy with one unknown action is still a policy whose other actions
are known. ``render_policy_document`` returns the ``json`` attribute: a :class:`TfStr` whose
``encoded_from`` is the structure, or an :class:`Unknown` carrying it in ``extra``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from checker.model import HoleKind
from checker.terraform.blocks import Block
from checker.terraform.errors import TerraformError
from checker.terraform.loader import Module, expand_dynamic
from checker.terraform.typed import from_file_of, hole_of, partial, parts_of, text_origin_of
from checker.terraform.values import Origin, TfStr, Unknown, first_unknown, is_marked, text_origin

DEFAULT_VERSION = "2012-10-17"


class ODict(dict):  # type: ignore[type-arg]
    """A JSON object of a rendered policy with the place it was written."""

    __slots__ = ("origin",)

    def __init__(self, *args: Any, origin: Origin | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.origin = origin

    def __reduce__(self) -> Any:
        return (_make_odict, (dict(self), self.origin))


class OList(list):  # type: ignore[type-arg]
    """A JSON array of a rendered policy with the place it was written."""

    __slots__ = ("origin",)

    def __init__(self, *args: Any, origin: Origin | None = None) -> None:
        super().__init__(*args)
        self.origin = origin

    def __reduce__(self) -> Any:
        return (_make_olist, (list(self), self.origin))


def _make_odict(d: dict[str, Any], origin: Origin | None) -> ODict:
    return ODict(d, origin=origin)


def _make_olist(items: list[Any], origin: Origin | None) -> OList:
    return OList(items, origin=origin)


def origin_of(value: Any) -> Origin | None:
    o = getattr(value, "origin", None)
    return o if isinstance(o, Origin) else None


# --------------------------------------------------------------------------------------------
# Policy JSON strings -> structures (for source/override documents)
# --------------------------------------------------------------------------------------------


def structure_of(value: Any) -> Any:
    """The JSON structure of a policy value (a string, a ``jsonencode`` result, an Unknown that
    wraps one, a JSON text with unknown interpolations) with origins; an Unknown when nothing is
    known; TerraformError for invalid JSON."""
    if isinstance(value, Unknown):
        for k, v in value.extra:
            if k == "encoded_from":
                return v
        if parts_of(value) is not None:
            return partial_json(value)
        return value
    if isinstance(value, TfStr) and value.encoded_from is not None and not isinstance(value.encoded_from, str):
        return value.encoded_from
    if not isinstance(value, str):
        raise TerraformError(f"a policy document must be a JSON string, found {type(value).__name__}")
    from checker.sources.jsonpos import JsonNode, JsonSyntaxError, parse_json

    where = text_origin(value)
    sensitive = is_marked(value)  # a sensitive JSON text: every string in it is sensitive
    try:
        root = parse_json(str(value)).root
    except JsonSyntaxError as exc:
        origin = Origin(where[0], where[1] + exc.line) if where else None
        raise TerraformError(f"not valid JSON: {exc}", origin) from None

    def conv(node: JsonNode) -> Any:
        o = Origin(where[0], where[1] + node.line, where[1] + node.end_line) if where else None
        if node.kind == "object":
            return ODict({k: conv(v) for k, _, v in node.members}, origin=o)
        if node.kind == "array":
            return OList([conv(v) for v in node.items], origin=o)
        if node.kind == "string":
            return TfStr(node.value, o, sensitive=sensitive)
        return node.value

    return conv(root)


# Unknown interpolations of a JSON text are replaced by these tokens while it is parsed: characters
# of Unicode's private use area, never in a policy (a text holding one is not parsed in parts).
_HOLE_OPEN, _HOLE_CLOSE = "\ue000", "\ue001"


def _after(text: str, in_string: bool, escaped: bool) -> tuple[bool, bool]:
    """JSON lexer state (inside a string, after a backslash) after ``text``."""
    for ch in text:
        if escaped:
            escaped = False
        elif in_string and ch == "\\":
            escaped = True
        elif ch == '"':
            in_string = not in_string
    return in_string, escaped


def partial_json(value: Unknown) -> Any:
    """The JSON structure of a text with unknown interpolations (a heredoc, template, templatefile()
    or format() result whose known parts are JSON), as ``jsonencode`` of the same document gives it:
    each unknown is the element (or the part of a string) where it is written, typed as it was.

    An interpolation is placed only where its text cannot change the structure around it: inside a
    JSON string, a typed unknown (a partition, account, region, resource ARN or name: none holds a
    quote or backslash); between values, the result of ``jsonencode()`` (one JSON value). Anything
    else (an untyped value inside a string may end it; a key; text that is not JSON with the
    unknowns in place) makes the whole document an Unknown that says why."""
    from checker.sources.jsonpos import JsonNode, JsonSyntaxError, parse_json

    pieces = parts_of(value) or ()
    where = (text_origin_of(value), from_file_of(value))
    file, offset = (where[1], 0) if where[1] else (
        (where[0].file, where[0].line - 1) if where[0] is not None else ("", 0))
    holes: list[Unknown] = []
    chunks: list[str] = []
    in_string = escaped = False

    def whole(reason: str, u: Unknown | None = None) -> Unknown:
        u = u or value
        return Unknown(f"{reason}: {u.reason}", u.origin, u.ref, u.attribute)

    for piece in pieces:
        if isinstance(piece, str):
            if _HOLE_OPEN in piece or _HOLE_CLOSE in piece:
                return whole("the policy text is not known")
            chunks.append(piece)
            in_string, escaped = _after(piece, in_string, escaped)
            continue
        token = f"{_HOLE_OPEN}{len(holes)}{_HOLE_CLOSE}"
        if in_string and not escaped and hole_of(piece).kind is not HoleKind.ANY:
            chunks.append(token)
        elif not in_string and ("function", "jsonencode") in piece.extra:
            chunks.append(f'"{token}"')
        else:
            where_ = "inside a JSON string" if in_string else "between JSON values"
            return whole(f"an unknown value {where_} of the policy text may change its structure", piece)
        holes.append(piece)
    try:
        parsed = parse_json("".join(chunks))
    except JsonSyntaxError:
        return whole("the policy text with unknown parts is not JSON")
    if parsed.duplicates:
        return whole(f"the policy text has a duplicate key {parsed.duplicates[0].key!r}")

    def origin(node: JsonNode) -> Origin | None:
        return Origin(file, offset + node.line, offset + node.end_line) if file else None

    def leaf(text: str, o: Origin | None) -> Any:
        found: list[str | Unknown] = []
        rest = text
        while _HOLE_OPEN in rest:
            before, _, after = rest.partition(_HOLE_OPEN)
            index, _, rest = after.partition(_HOLE_CLOSE)
            if before:
                found.append(before)
            found.append(holes[int(index)])
        if rest:
            found.append(rest)
        if len(found) == 1 and isinstance(found[0], Unknown):
            u = found[0]
            for k, v in u.extra:
                if k == "encoded_from":  # jsonencode(x) between values: x, as far as it is known
                    return v
            return Unknown(u.reason, o or u.origin, u.ref, u.attribute, u.extra)
        first = next(p for p in found if isinstance(p, Unknown))
        made = partial(found, first, None)
        return Unknown(made.reason, o or made.origin, made.ref, made.attribute, made.extra)

    def conv(node: JsonNode) -> Any:
        o = origin(node)
        if node.kind == "object":
            out = ODict(origin=o)
            for k, _, v in node.members:
                if _HOLE_OPEN in k:
                    raise _KeyUnknown
                out[k] = conv(v)
            return out
        if node.kind == "array":
            return OList([conv(v) for v in node.items], origin=o)
        if node.kind == "string":
            return leaf(node.value, o) if _HOLE_OPEN in node.value else TfStr(node.value, o)
        return node.value

    try:
        return conv(parsed.root)
    except _KeyUnknown:
        return whole("a key of the policy text is not known")


class _KeyUnknown(Exception):
    pass


# --------------------------------------------------------------------------------------------
# The provider's model
# --------------------------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _decode_strings(value: Any, origin: Origin | None, replace_vars: bool) -> Any:
    """policyDecodeConfigStringList: one value -> the string; several -> reverse-sorted list."""
    if isinstance(value, Unknown) or value is None:
        return value
    items: list[Any] = []
    seen: set[str] = set()
    unknown: list[Any] = []
    for v in _as_list(value):
        if isinstance(v, Unknown):
            unknown.append(v)
            continue
        if v is None:
            continue
        s = v if isinstance(v, str) else TfStr(json.dumps(v) if not isinstance(v, (int, float)) else str(v))
        if replace_vars and "&{" in s:
            s = TfStr(s.replace("&{", "${"), s.origin if isinstance(s, TfStr) else None, sensitive=is_marked(s))
        if str(s) in seen:  # a set
            continue
        seen.add(str(s))
        items.append(s)
    if not items and not unknown:
        return None
    if len(items) == 1 and not unknown:
        return items[0]
    items.sort(key=str, reverse=True)
    return OList(items + unknown, origin=origin_of(value) or origin)


def _principals(entries: list[tuple[Any, Any]], origin: Origin) -> Any:
    """iamPolicyStatementPrincipalSet.MarshalJSON."""
    if len(entries) == 1:
        ptype, idents = entries[0]
        if ptype == "*" and (idents == "*" or (isinstance(idents, list) and len(idents) == 1 and idents[0] == "*")):
            return TfStr("*", origin_of(idents) or origin)
    raw = ODict(origin=origin)
    for ptype, idents in entries:
        if isinstance(ptype, Unknown):
            return ptype
        key = str(ptype)
        current = raw.get(key)
        if isinstance(idents, Unknown):
            raw[key] = idents if current is None else OList([*_as_list(current), idents], origin=origin)
            continue
        if isinstance(idents, list):
            ordered = sorted((i for i in idents if not isinstance(i, Unknown)), key=str, reverse=True)
            ordered += [i for i in idents if isinstance(i, Unknown)]
            base: list[Any] = [] if current is None else _as_list(current)
            raw[key] = OList([*base, *ordered], origin=origin_of(idents) or origin)
        else:
            if current is None:
                raw[key] = idents
            else:
                raw[key] = OList([*_as_list(current), idents], origin=origin_of(current) or origin)
    return ODict(sorted(raw.items()), origin=origin)


def _conditions(entries: list[tuple[Any, Any, Any]], origin: Origin) -> Any:
    """iamPolicyStatementConditionSet.MarshalJSON: values appended per test and variable, a single
    value flattened to a string, keys sorted."""
    raw: dict[str, dict[str, list[Any]]] = {}
    origins: dict[str, Origin | None] = {}
    for test, variable, values in entries:
        if isinstance(test, Unknown) or isinstance(variable, Unknown):
            return test if isinstance(test, Unknown) else variable
        tkey, vkey = str(test), str(variable)
        origins.setdefault(tkey, origin_of(test))
        target = raw.setdefault(tkey, {}).setdefault(vkey, [])
        target.extend(_as_list(values) if not isinstance(values, Unknown) else [values])
    out = ODict(origin=origin)
    for tkey in sorted(raw):
        inner = ODict(origin=origins.get(tkey) or origin)
        for vkey in sorted(raw[tkey]):
            items = raw[tkey][vkey]
            # ``values = []`` renders as an empty list (found by fuzzing: it used to crash here).
            first = origin_of(items[0]) if items else None
            inner[vkey] = items[0] if len(items) == 1 else OList(items, origin=first or origin)
        out[tkey] = inner
    return out


def _normalise_statement(stmt: Any) -> Any:
    """A statement of a source/override document as the provider reads it back (Unmarshal into
    its model, Marshal again): only IAM's keys, principals and conditions normalised."""
    if not isinstance(stmt, dict):
        return stmt
    origin = origin_of(stmt)
    out = ODict(origin=origin)
    sid = stmt.get("Sid")
    if sid not in (None, ""):
        out["Sid"] = sid
    for key in ("Effect", "Action", "NotAction", "Resource", "NotResource"):
        v = stmt.get(key)
        if v not in (None, "", [], {}):
            out[key] = v
    for key in ("Principal", "NotPrincipal"):
        p = stmt.get(key)
        if p is None or isinstance(p, Unknown):
            if p is not None:
                out[key] = p
            continue
        if isinstance(p, str):
            out[key] = TfStr("*", origin_of(p) or origin)
            continue
        if isinstance(p, dict):
            entries: list[tuple[Any, Any]] = []
            for ptype, idents in p.items():
                if isinstance(idents, list):
                    entries.append((ptype, OList(sorted(idents, key=str), origin=origin_of(idents))))
                else:
                    entries.append((ptype, idents))
            out[key] = _principals(entries, origin_of(p) or origin or Origin("", 0))
    cond = stmt.get("Condition")
    if isinstance(cond, Unknown):
        out["Condition"] = cond
    elif isinstance(cond, dict) and cond:
        centries: list[tuple[Any, Any, Any]] = []
        for test, keys in cond.items():
            if not isinstance(keys, dict):
                continue
            for var, values in keys.items():
                if isinstance(values, bool):
                    values = TfStr("true" if values else "false", origin_of(keys))
                elif isinstance(values, (int, float)):
                    continue  # the provider drops numbers it cannot read back
                centries.append((test, var, values))
        out["Condition"] = _conditions(centries, origin_of(cond) or origin or Origin("", 0))
    return out


def _doc_of(value: Any, what: str) -> dict[str, Any] | None:
    """A source/override document as {Version, Id, Statement: [...]}."""
    if value is None:
        return None
    struct = structure_of(value)
    if isinstance(struct, Unknown):
        return {"Version": "", "Id": "", "Statement": [struct]}
    if not isinstance(struct, dict):
        raise TerraformError(f"{what} is not a JSON object", origin_of(value))
    stmts = struct.get("Statement")
    if isinstance(stmts, dict):
        stmts = [stmts]
    elif stmts is None:
        stmts = []
    elif isinstance(stmts, Unknown):
        stmts = [stmts]
    return {
        "Version": struct.get("Version") or "",
        "Id": struct.get("Id") or "",
        "Statement": [_normalise_statement(s) for s in stmts],
    }


def _sid(stmt: Any) -> Any:
    return stmt.get("Sid") if isinstance(stmt, dict) else None


def merge(base: dict[str, Any], new: dict[str, Any]) -> None:
    """IAMPolicyDoc.Merge."""
    if new["Id"] not in (None, ""):
        base["Id"] = new["Id"]
    if isinstance(new["Version"], Unknown) or (
        not isinstance(base["Version"], Unknown) and str(new["Version"]) > str(base["Version"])
    ):
        base["Version"] = new["Version"]
    for stmt in new["Statement"]:
        sid = _sid(stmt)
        if not sid or isinstance(sid, Unknown):
            base["Statement"].append(stmt)
            continue
        for i, existing in enumerate(base["Statement"]):
            if _sid(existing) == sid and not isinstance(_sid(existing), Unknown):
                base["Statement"][i] = stmt
                break
        else:
            base["Statement"].append(stmt)


# --------------------------------------------------------------------------------------------
# Rendering a block
# --------------------------------------------------------------------------------------------


def _attrs(module: Module, block: Block, extra: Mapping[str, Any] | None) -> dict[str, Any]:
    return {n: module.try_evaluate(a.expr, extra) for n, a in block.attributes.items()
            if n not in ("count", "for_each", "depends_on", "provider", "lifecycle")}


def _nested(module: Module, block: Block, kind: str, extra: Mapping[str, Any] | None
            ) -> list[tuple[Block, Mapping[str, Any] | None] | Unknown]:
    out: list[tuple[Block, Mapping[str, Any] | None] | Unknown] = []
    for b in block.blocks:
        if b.kind == kind:
            out.append((b, extra))
        elif b.kind == "dynamic" and b.type == kind:
            try:
                expanded = expand_dynamic(module, b, extra)
            except TerraformError as exc:
                module._error(exc, Origin(str(b.file), b.line))
                out.append(Unknown(exc.message, exc.origin or Origin(str(b.file), b.line)))
                continue
            if isinstance(expanded, Unknown):
                out.append(expanded)
            else:
                out.extend(expanded)
    return out


def _block_origin(b: Block) -> Origin:
    return Origin(str(b.file), b.line, b.end_line)


def _statement(module: Module, block: Block, extra: Mapping[str, Any] | None) -> ODict:
    origin = _block_origin(block)
    attrs = _attrs(module, block, extra)
    stmt = ODict(origin=origin)
    sid = attrs.get("sid")
    if sid not in (None, ""):
        stmt["Sid"] = sid
    effect = attrs.get("effect")
    if effect is not None and not isinstance(effect, Unknown) and effect not in ("Allow", "Deny"):
        raise TerraformError(f'expected effect to be one of ["Allow" "Deny"], got {effect}', origin_of(effect) or origin)
    stmt["Effect"] = effect if effect is not None else TfStr("Allow", origin)
    for attr, key, replace in (("actions", "Action", False), ("not_actions", "NotAction", False),
                               ("resources", "Resource", True), ("not_resources", "NotResource", True)):
        if attr not in attrs:
            continue
        a = block.attributes[attr]
        decoded = _decode_strings(attrs[attr], Origin(a.expr.file, a.expr.line, a.expr.end_line), replace)
        if decoded is not None:
            stmt[key] = decoded
    for kind, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        entries: list[tuple[Any, Any]] = []
        unknown: Unknown | None = None
        for item in _nested(module, block, kind, extra):
            if isinstance(item, Unknown):
                unknown = unknown or item
                continue
            pb, pextra = item
            pa = _attrs(module, pb, pextra)
            ptype = pa.get("type", Unknown(f"{kind} block without type", _block_origin(pb)))
            idents = pa.get("identifiers", Unknown(f"{kind} block without identifiers", _block_origin(pb)))
            po = _block_origin(pb)
            decoded = _decode_strings(idents, po, True)
            entries.append((ptype, decoded if decoded is not None else idents))
        if unknown is not None:
            stmt[key] = unknown
        elif entries:
            stmt[key] = _principals(entries, origin)
    centries: list[tuple[Any, Any, Any]] = []
    cunknown: Unknown | None = None
    for item in _nested(module, block, "condition", extra):
        if isinstance(item, Unknown):
            cunknown = cunknown or item
            continue
        cb, cextra = item
        ca = _attrs(module, cb, cextra)
        co = _block_origin(cb)
        values = ca.get("values", Unknown("condition block without values", co))
        if not isinstance(values, Unknown):
            vals = [TfStr(v.replace("&{", "${"), v.origin if isinstance(v, TfStr) else co, sensitive=is_marked(v))
                    if isinstance(v, str) else v for v in _as_list(values)]
            values = vals[0] if len(vals) == 1 else OList(vals, origin=origin_of(values) or co)
        centries.append((ca.get("test", Unknown("condition block without test", co)),
                         ca.get("variable", Unknown("condition block without variable", co)), values))
    if cunknown is not None:
        stmt["Condition"] = cunknown
    elif centries:
        stmt["Condition"] = _conditions(centries, origin)
    return stmt


def render_structure(module: Module, block: Block, extra: Mapping[str, Any] | None = None) -> ODict:
    """The merged policy of one instance of the data source, as a structure with origins.
    TerraformError for what the provider rejects (duplicate Sids, invalid JSON, bad effect)."""
    origin = _block_origin(block)
    attrs = _attrs(module, block, extra)
    merged: dict[str, Any] = {"Version": "", "Id": "", "Statement": []}
    legacy_source = attrs.get("source_json")
    if legacy_source not in (None, ""):
        doc = _doc_of(legacy_source, "source_json")
        if doc is not None:
            merge(merged, doc)
    sources = attrs.get("source_policy_documents")
    if isinstance(sources, Unknown):
        merged["Statement"].append(sources)
    elif sources is not None:
        sids: set[str] = {str(s) for s in map(_sid, merged["Statement"]) if s and not isinstance(s, Unknown)}
        for i, src in enumerate(_as_list(sources)):
            doc = _doc_of(src, f"source_policy_documents[{i}]")
            if doc is None:
                continue
            for j, stmt in enumerate(doc["Statement"]):
                sid = _sid(stmt)
                if sid and not isinstance(sid, Unknown):
                    if str(sid) in sids:
                        raise TerraformError(
                            f"merging source document {i}: duplicate Sid ({sid}) in source_policy_documents "
                            f"(statement {j}). Remove the Sid or ensure Sids are unique.",
                            origin_of(stmt) or origin)
                    sids.add(str(sid))
            merge(merged, doc)
    version = attrs.get("version")
    if version is None:
        version = TfStr(DEFAULT_VERSION, origin)
    elif not isinstance(version, Unknown) and version not in ("2008-10-17", "2012-10-17"):
        raise TerraformError(f'expected version to be one of ["2008-10-17" "2012-10-17"], got {version}',
                             origin_of(version) or origin)
    current: dict[str, Any] = {"Version": version, "Id": attrs.get("policy_id") or "", "Statement": []}
    own_sids: set[str] = set()
    for item in _nested(module, block, "statement", extra):
        if isinstance(item, Unknown):
            current["Statement"].append(item)
            continue
        sb, sextra = item
        stmt = _statement(module, sb, sextra)
        sid = stmt.get("Sid")
        if sid and not isinstance(sid, Unknown):
            if str(sid) in own_sids:
                raise TerraformError(f"duplicate Sid ({sid}). Remove the Sid or ensure the Sid is unique.",
                                     origin_of(sid) or origin)
            own_sids.add(str(sid))
        current["Statement"].append(stmt)
    merge(merged, current)
    overrides = attrs.get("override_policy_documents")
    if isinstance(overrides, Unknown):
        merged["Statement"].append(overrides)
    elif overrides is not None:
        for i, ov in enumerate(_as_list(overrides)):
            doc = _doc_of(ov, f"override_policy_documents[{i}]")
            if doc is not None:
                merge(merged, doc)
    legacy_override = attrs.get("override_json")
    if legacy_override not in (None, ""):
        doc = _doc_of(legacy_override, "override_json")
        if doc is not None:
            merge(merged, doc)
    out = ODict(origin=origin)
    if merged["Version"] not in (None, ""):
        out["Version"] = merged["Version"]
    if merged["Id"] not in (None, ""):
        out["Id"] = merged["Id"]
    if merged["Statement"]:
        out["Statement"] = OList(merged["Statement"], origin=origin)
    return out


def to_json(structure: Any, *, indent: bool = True) -> str:
    """The JSON text as Go's encoding/json writes it (HTML characters escaped)."""
    text = json.dumps(structure, indent=2 if indent else None, separators=None if indent else (",", ":"),
                      ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") \
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_attribute(structure: Any, attribute: str, origin: Origin) -> Any:
    """The ``json`` / ``minified_json`` attribute: a TfStr carrying the structure, or an Unknown."""
    u = first_unknown(structure)
    if u is not None:
        return Unknown(f"the policy document is not fully known: {u.reason}", u.origin or origin, u.ref, u.attribute,
                       extra=(("encoded_from", structure),))
    return TfStr(to_json(structure, indent=attribute == "json"), origin, encoded_from=structure)


def render_policy_document(module: Module, block: Block, extra: Mapping[str, Any] | None = None,
                           attribute: str = "json") -> Any:
    """``data.aws_iam_policy_document.<name>.json`` (or ``minified_json``) of one instance."""
    origin = _block_origin(block)
    try:
        structure = render_structure(module, block, extra)
    except TerraformError as exc:
        module._error(exc, origin)
        return Unknown(f"the provider rejects {block.address}: {exc.message}", exc.origin or origin)
    return render_attribute(structure, attribute, origin)
