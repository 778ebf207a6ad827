"""Terraform front end: a module (and the modules it calls) to the model.

A policy value becomes a :class:`PolicyDocument` through the JSON front end's builder, so every
form (a JSON string, a heredoc, ``file()``, ``templatefile()``, ``jsonencode``, an
``aws_iam_policy_document``, a value passed through a module) is validated alike. Each value keeps
the file and line where it was written: the builder is given a tree whose "lines" are ids into a
table of (file, line, unknown) and the document is mapped back afterwards, so a finding points at
``locals.tf`` line 7 when that is where the action is written, with the address of the resource
that uses it. Values Terraform knows only after apply stay in the document as
``Located.unknown``.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from checker.model import (
    DocumentKind,
    HoleKind,
    Located,
    Part,
    PolicyDocument,
    Principal,
    Problem,
    ProblemKind,
    SkippedItem,
    SourceError,
    Statement,
)
from checker.sources.jsonpos import JsonNode, JsonSyntaxError, parse_json
from checker.terraform.typed import hole_of, parts_of, placeholder, template_of
from checker.terraform.values import Origin, TfStr, Unknown, is_marked, marked_strings

if TYPE_CHECKING:
    from checker.terraform.items import Extracted



def _display(file: str) -> str:
    """A file as reports show it: relative to the working directory when inside it."""
    return _display_in(file, os.getcwd())


@functools.lru_cache(maxsize=4096)
def _display_in(file: str, cwd: str) -> str:
    if not file or file.startswith("<") or file.startswith("-var") or file.startswith("TF_VAR_"):
        return file
    p = Path(file)
    try:
        rel = os.path.relpath(p.absolute(), cwd)
    except ValueError:
        return p.as_posix()
    if rel == "." or rel.startswith(".."):
        return p.as_posix()
    return Path(rel).as_posix()


def model_parts(u: Unknown) -> tuple[Part, ...]:
    """What is known of an unknown value, as the model keeps it (:attr:`Located.parts`)."""
    pieces = parts_of(u)
    out: list[Part] = []
    for p in pieces if pieces is not None else (u,):
        if isinstance(p, str):
            out.append(Part.model_construct(text=p, kind=None, pattern="", ref=None))
        else:
            hole = hole_of(p)
            ref = (p.ref + (f".{p.attribute}" if p.attribute else "")) if p.ref else None
            out.append(Part.model_construct(text="", kind=hole.kind, pattern=hole.pattern, ref=ref))
    return tuple(out)


def names_specific_resource(u: Unknown) -> bool:
    """An unknown Resource that is a reference to a named resource's ARN is a specific resource; a
    string with unknown parts is one when each part is typed (a partition, account, region, or one
    resource's ARN or name) or such a reference."""
    pieces = parts_of(u)
    if pieces is not None:
        return all(isinstance(p, str) or hole_of(p).kind is not HoleKind.ANY or names_specific_resource(p)
                   for p in pieces)
    if hole_of(u).kind in (HoleKind.ARN, HoleKind.NAME):
        return True
    if not u.ref:
        return False
    if u.ref.startswith("var.") or u.ref.startswith("module."):
        # a module output may be anything; a resource inside a module has a full address
        return ".aws_" in u.ref and (u.attribute or "").endswith("arn")
    return (u.attribute or "") == "arn" or (u.attribute or "").endswith("_arn")


# --------------------------------------------------------------------------------------------
# Building a document with lines in several files
# --------------------------------------------------------------------------------------------


@dataclass
class _Table:
    entries: list[tuple[str, int, Unknown | None]] = field(default_factory=lambda: [("", 0, None)])

    def add(self, file: str, line: int, unknown: Unknown | None = None) -> int:
        self.entries.append((file, line, unknown))
        return len(self.entries) - 1


def _node(kind: str, line: int, end: int, value: Any, items: tuple[JsonNode, ...] = (),
          members: tuple[tuple[str, int, JsonNode], ...] = ()) -> JsonNode:
    return JsonNode(kind, line, 1, end, value, items, members)  # type: ignore[arg-type]


def _where(value: Any, parent: tuple[str, int]) -> tuple[str, int] | None:
    o = getattr(value, "origin", None)
    if isinstance(o, Origin) and o.line and not _pseudo_file(o.file):
        return o.file, o.line
    return None


def _pseudo_file(file: str) -> bool:
    """Values given on the command line or in the environment are written in no file: they are
    reported where the policy that uses them is."""
    return file.startswith(("-var ", "TF_VAR_", "<"))


def _tree_from_structure(value: Any, table: _Table, parent: tuple[str, int]) -> JsonNode:
    """A JsonNode tree of a Terraform structure; lines are ids into ``table``."""
    own = _where(value, parent)
    if isinstance(value, Unknown):
        f, ln = own or parent
        i = table.add(f, ln, value)
        return _node("string", i, i, placeholder(value))
    if isinstance(value, dict):
        here = own or parent
        members = tuple((str(k), 0, _tree_from_structure(v, table, here)) for k, v in value.items())
        start = own or (table.entries[members[0][2].line][:2] if members else parent)
        sid = table.add(*start)
        end_o = getattr(value, "origin", None)
        if isinstance(end_o, Origin) and end_o.end_line:
            eid = table.add(end_o.file, end_o.end_line)
        else:
            eid = members[-1][2].end_line if members else sid
        return _node("object", sid, eid, None, members=tuple((k, sid, n) for k, _, n in members))
    if isinstance(value, (list, tuple)) and not isinstance(value, str):
        here = own or parent
        items = tuple(_tree_from_structure(v, table, here) for v in value)
        start = own or (table.entries[items[0].line][:2] if items else parent)
        sid = table.add(*start)
        end_o = getattr(value, "origin", None)
        if isinstance(end_o, Origin) and end_o.end_line:
            eid = table.add(end_o.file, end_o.end_line)
        else:
            eid = items[-1].end_line if items else sid
        return _node("array", sid, eid, None, items=items)
    f, ln = own or parent
    i = table.add(f, ln)
    if isinstance(value, str):
        return _node("string", i, i, str(value))
    if value is None:
        return _node("null", i, i, None)
    if value is True:
        return _node("true", i, i, True)
    if value is False:
        return _node("false", i, i, False)
    if isinstance(value, (int, float)):
        return _node("number", i, i, value)
    return _node("string", i, i, str(value))


def _tree_from_json(node: JsonNode, table: _Table, file: str, offset: int, flat: bool = False) -> JsonNode:
    """The same tree with lines as ids (``file``, ``offset + line``, or ``offset + 1`` when
    ``flat``); duplicates kept."""
    sid = table.add(file, offset + (1 if flat else node.line))
    eid = table.add(file, offset + node.end_line) if node.end_line != node.line and not flat else sid
    if node.kind == "object":
        members = tuple((k, sid, _tree_from_json(v, table, file, offset, flat)) for k, _, v in node.members)
        return _node("object", sid, eid, None, members=members)
    if node.kind == "array":
        return _node("array", sid, eid, None,
                     items=tuple(_tree_from_json(v, table, file, offset, flat) for v in node.items))
    return _node(node.kind, sid, eid, node.value)


class Source(NamedTuple):
    """Where a policy value is used: the resource address and the attribute's place."""

    address: str
    file: str  # display path of the .tf file of the attribute
    line: int
    kind: DocumentKind | None
    name: str | None = None
    principal: str | None = None
    flat: bool = False  # the JSON text is written on one line (a string in a plan file)


def _empty(src: Source, problems: Sequence[Problem], raw: Any = None, *, kind: DocumentKind | None = None,
           name: str | None = None) -> PolicyDocument:
    return PolicyDocument.model_construct(
        file=src.file, address=src.address, kind=kind or src.kind or DocumentKind.IDENTITY, name=name or src.name,
        principal=src.principal, version=None, id=None, statements=(), line=src.line, end_line=src.line, lines={},
        raw=raw, size=None, problems=tuple(problems), files={})


def unresolved_document(src: Source, message: str, rule: ProblemKind = ProblemKind.UNRESOLVED) -> PolicyDocument:
    return _empty(src, [Problem.model_construct(message=message, path="", line=src.line, rule=rule)])


def _unknown_message(u: Unknown, what: str) -> str:
    where = f" (at {_display(u.origin.file)}:{u.origin.line})" if u.origin else ""
    expr = f" {placeholder(u)}" if u.ref or parts_of(u) is not None else ""
    return f"{what}{expr} is not known: {u.reason}{where}"


def document_from_value(value: Any, src: Source) -> PolicyDocument:
    """The PolicyDocument of a Terraform policy value (string, jsonencode result, Unknown ...)."""
    from checker.sources.json_policy import _Builder, build_document
    from checker.terraform.values import plain

    table = _Table()
    parent = (src.file, src.line)
    duplicates: list[tuple[str, int, str]] = []  # (path, id, message)
    if value is None:
        return unresolved_document(src, "the policy is null: its value is not known")
    structure: Any = None
    if isinstance(value, Unknown):
        for k, v in value.extra:
            if k == "encoded_from":
                structure = v
        if structure is None and parts_of(value) is not None:
            # a JSON text with unknown interpolations: read as jsonencode of the same document
            from checker.terraform.policy_document import partial_json

            structure = partial_json(value)
            if isinstance(structure, Unknown):
                return unresolved_document(src, _unknown_message(structure, "the policy"))
        if structure is None:
            return unresolved_document(src, _unknown_message(value, "the policy"))
    elif isinstance(value, TfStr) and value.encoded_from is not None and not isinstance(value.encoded_from, str):
        structure = value.encoded_from
    if structure is not None:
        root = _tree_from_structure(structure, table, parent)
    elif isinstance(value, str):
        from checker.terraform.values import text_origin

        where = text_origin(value)
        file, offset = (_display(where[0]), where[1]) if where else (src.file, src.line - 1)
        text = str(value)
        try:
            parsed = parse_json(text)
        except JsonSyntaxError as exc:
            return _invalid(src, f"the policy is not valid JSON: {exc}", file,
                            offset + (1 if src.flat else max(exc.line, 1)))
        root = _tree_from_json(parsed.root, table, file, offset, src.flat)
        for dup in parsed.duplicates:
            path = "/".join(str(p) for p in (*dup.path, dup.key))
            duplicates.append((path, table.add(file, offset + (1 if src.flat else dup.line)),
                               f"duplicate key {dup.key!r} (first at line {offset + dup.first_line}): JSON readers "
                               "keep only one of them, so the policy is ambiguous"))
    else:
        return _invalid(src, f"the policy must be a JSON string, found {type(value).__name__}", src.file, src.line)
    if root.kind != "object":
        if root.kind == "string" and table.entries[root.line][2] is not None:
            u = table.entries[root.line][2]
            assert u is not None
            return unresolved_document(src, _unknown_message(u, "the policy"))
        f, ln, _ = table.entries[root.line]
        return _invalid(src, "a policy document must be a JSON object", _display(f), ln)
    b = _Builder(src.file, None)
    for path, i, message in duplicates:
        b.problems.append(Problem.model_construct(message=message, path=path, line=i, rule=ProblemKind.INVALID))
    doc = build_document(root, b, file=src.file, address=src.address, kind=src.kind, name=src.name,
                         principal=src.principal)
    raw = plain(structure, placeholder) if structure is not None else doc.raw
    # the document as a whole is where the policy argument is written
    update: dict[str, Any] = {"line": src.line, "end_line": src.line}
    sensitive = marked_strings(structure) if structure is not None else set()
    if structure is None and is_marked(value):
        sensitive = _leaf_strings(raw)  # a sensitive JSON text: every value in it is sensitive
    if sensitive:
        update["sensitive"] = frozenset(sensitive)
    return _remap(doc, table, raw).model_copy(update=update)


def _leaf_strings(value: Any) -> set[str]:
    out: set[str] = set()
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            out.add(str(v))
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
    return out


def _invalid(src: Source, message: str, file: str, line: int) -> PolicyDocument:
    doc = _empty(src, [Problem.model_construct(message=message, path="", line=line, rule=ProblemKind.INVALID)])
    if file != src.file:
        # the whole document is in another file: point there
        return doc.model_copy(update={"file": file, "line": line, "end_line": line})
    return doc


def _remap(doc: PolicyDocument, table: _Table, raw: Any) -> PolicyDocument:
    entries = table.entries
    files: dict[str, str] = {}
    lines: dict[str, tuple[int, int]] = {}
    unknown_paths: dict[str, Unknown] = {}
    for path, (sid, eid) in doc.lines.items():
        f, ln, u = entries[sid]
        f = _display(f)
        ef, eln, _ = entries[eid]
        end = eln if _display(ef) == f and eln >= ln else ln
        lines[path] = (ln, end)
        if f != doc.file:
            files[path] = f
        if u is not None:
            unknown_paths[path] = u

    def loc(item: Located, key: str) -> Located:
        f, ln, u = entries[item.line]
        f = _display(f)
        value = item.value
        reason = template = None
        parts: tuple[Part, ...] | None = None
        pattern: str | None = None
        if u is not None:
            reason = _unknown_message(u, key)
            parts = model_parts(u)
            template = template_of(u)
            pattern = "".join(p.text if p.kind is None else p.pattern for p in parts)
            if key == "Resource" and not names_specific_resource(u):
                value = "*"  # possibly every resource
        return Located.model_construct(value=value, line=ln, unknown=reason, origin=f if f != doc.file else None,
                                       parts=parts, pattern=pattern, template=template)

    def locs(items: tuple[Located, ...] | None, key: str) -> tuple[Located, ...] | None:
        return None if items is None else tuple(loc(i, key) for i in items)

    statements: list[Statement] = []
    for s in doc.statements:
        f, ln, _ = entries[s.line]
        _ef, eln, _ = entries[s.end_line]
        effect_u = unknown_paths.get(f"{s.path}/Effect")
        stmt_u = unknown_paths.get(s.path)
        unknown = None
        if effect_u is not None:
            unknown = _unknown_message(effect_u, "Effect")
        elif stmt_u is not None:
            unknown = _unknown_message(stmt_u, "the statement")
        statements.append(Statement.model_construct(
            index=s.index, sid=s.sid, effect=s.effect,
            principal=None if s.principal is None else {k: tuple(loc(v, "Principal") for v in vs)
                                                        for k, vs in s.principal.items()},
            not_principal=None if s.not_principal is None else {k: tuple(loc(v, "NotPrincipal") for v in vs)
                                                                for k, vs in s.not_principal.items()},
            action=locs(s.action, "Action"), not_action=locs(s.not_action, "NotAction"),
            resource=locs(s.resource, "Resource"), not_resource=locs(s.not_resource, "NotResource"),
            condition={op: {k: tuple(loc(v, "Condition") for v in vs) for k, vs in keys.items()}
                       for op, keys in s.condition.items()},
            line=ln, end_line=eln if eln >= ln else ln, unknown=unknown))
    problems: list[Problem] = []
    for p in doc.problems:
        f, ln, u = entries[p.line] if 0 < p.line < len(entries) else (doc.file, p.line, None)
        u = u or unknown_paths.get(p.path)
        if u is not None:
            what = p.path.replace("/", " ") if p.path else "the policy"
            msg = _unknown_message(u, what)
            if all(q.message != msg for q in problems):
                problems.append(Problem.model_construct(message=msg, path=p.path, line=ln, rule=ProblemKind.UNRESOLVED))
            continue
        problems.append(Problem.model_construct(message=p.message, path=p.path, line=ln, rule=p.rule))
    # the whole document: the line of the attribute that holds it
    return doc.model_copy(update={
        "statements": tuple(statements), "lines": lines, "files": files, "problems": tuple(problems),
        "raw": raw, "line": 0, "end_line": 0,
    })


# --------------------------------------------------------------------------------------------
# A module tree -> documents and principals
# --------------------------------------------------------------------------------------------


@dataclass
class TerraformLoad:
    documents: list[PolicyDocument] = field(default_factory=list)
    errors: list[SourceError] = field(default_factory=list)
    skipped: list[SkippedItem] = field(default_factory=list)
    principals: list[Principal] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    read_files: set[str] = field(default_factory=set)  # absolute paths read by file()/templatefile()


def _key(doc: PolicyDocument) -> tuple[str, str]:
    return (doc.file, doc.address)


def load_terraform(directory: Path, *, var_files: Sequence[str] = (), vars: Sequence[str] = (),
                   allow_outside: bool = False, scan_root: Path | None = None,
                   env: Mapping[str, str] | None = None, workspace: str | None = None) -> TerraformLoad:
    """Load the root module in ``directory`` and everything it calls. ``workspace``: the value of
    ``terraform.workspace`` (None: not known)."""
    from checker.terraform.iam import extract
    from checker.terraform.loader import load_module

    shown = Path(_display(str(directory))) if _display(str(directory)) else directory
    module = load_module(shown, var_files=[Path(f) for f in var_files], vars=list(vars), env=env,
                         scan_root=scan_root or directory, allow_outside=allow_outside, workspace=workspace)
    ex = extract(module)
    out = TerraformLoad()
    out.files = sorted({_display(str(f)) for f in (*module.files, *ex.module_files)})
    out.read_files = {str(Path(f).resolve()) for f in ex.read_files}
    for mod_path in ex.outside_reads:
        out.notices.append(f"{_display(str(directory))}: read {mod_path}, outside the scanned tree (--allow-outside)")
    build_from_extracted(ex, out)
    # each policy read from outside the scanned tree is reported (a note: IAM005)
    root = (scan_root or directory).resolve()
    reported: set[str] = set()
    for item in ex.policies:
        src_file = item.value.from_file if isinstance(item.value, TfStr) else None
        if src_file and root not in Path(src_file).resolve().parents:
            out.documents.append(unresolved_document(
                Source(f"{item.address} (file)", _display(item.file), item.line, DocumentKind.IDENTITY),
                f"{item.address} reads its policy from {src_file}, outside the scanned folder {_display(str(root))} "
                "(allowed by --allow-outside)", rule=ProblemKind.OUTSIDE_READ))
            reported.add(str(Path(src_file).resolve()))
    # every other read outside the tree (a value inside a policy, a linked .tf file or module
    # folder) is reported too: where a policy uses it, else where the module holds it
    for read in ex.outside_reads:
        if str(Path(read).resolve()) in reported:
            continue
        shown_read = _display(read)
        user = next((d for d in out.documents if d.statements and shown_read in d.files.values()), None)
        if user is not None:
            src = Source(f"{user.address} (file)", user.file, user.line, DocumentKind.IDENTITY)
        else:
            holder = next((f for f in ex.module_files if os.path.realpath(f) == str(Path(read).resolve())
                           or Path(read) in Path(os.path.realpath(f)).parents), None)
            holder = holder or next(iter(sorted(str(f) for f in module.files)), str(directory))
            src = Source("(outside read)", _display(holder), 1, DocumentKind.IDENTITY)
        out.documents.append(unresolved_document(
            src, f"read {read}, outside the scanned folder {_display(str(root))} (allowed by --allow-outside)",
            rule=ProblemKind.OUTSIDE_READ))
    # the values of sensitive variables are never printed, wherever a report would show them
    secrets = frozenset(module.sensitive_strings())
    if secrets:
        out.documents = [d.model_copy(update={"sensitive": d.sensitive | secrets}) for d in out.documents]
    return out


def build_from_extracted(ex: Extracted, out: TerraformLoad) -> None:
    """Documents, principals, skipped items and errors of what :func:`checker.terraform.iam.extract`
    (or the plan front end) found."""
    by_key: dict[tuple[str, str], PolicyDocument] = {}
    docs_by_address: dict[str, PolicyDocument] = {}
    covered_lines: set[tuple[str, int]] = set()

    def add(doc: PolicyDocument) -> None:
        out.documents.append(doc)
        by_key[_key(doc)] = doc
        docs_by_address[doc.address] = doc
        for p in doc.problems:
            covered_lines.add((doc.file_of(p.path), p.line))
        for s in doc.statements:
            for items in (s.action, s.not_action, s.resource):
                for loc in items or ():
                    if loc.unknown is not None:
                        covered_lines.add((loc.origin or doc.file, loc.line))

    for item in ex.policies:
        if item.rtype == "aws_iam_policy_document" and item.address in ex.consumed_documents:
            continue
        name = str(item.name) if isinstance(item.name, str) else None
        src = Source(item.address, _display(item.file), item.line, item.kind, name, flat=item.flat)
        add(document_from_value(item.value, src))

    for u in ex.unresolved:
        add(unresolved_document(Source(u.address, _display(u.file), u.line, DocumentKind.IDENTITY), u.message,
                                u.rule))

    # -- principals ---------------------------------------------------------------------------
    principals: dict[str, dict[str, Any]] = {}
    by_name: dict[tuple[str, str], str] = {}
    for p in ex.principals:
        principals[p.address] = {"item": p, "policies": [], "boundary": None, "groups": [], "kind": p.kind}
        if isinstance(p.name, str):
            by_name[(p.kind, str(p.name))] = p.address

    def principal_of(kind: str, value: Any) -> str | None:
        if isinstance(value, Unknown):
            if value.ref and value.ref in principals and principals[value.ref]["item"].kind == kind:
                return value.ref
            return None
        if isinstance(value, str):
            found = by_name.get((kind, str(value)))
            if found:
                return found
            if ":" in value and "/" in value:  # an ARN: its last segment is the name
                found = by_name.get((kind, value.rsplit("/", 1)[-1]))
                if found:
                    return found
            ext = f"{kind}/{value}"
            if ext not in principals:
                principals[ext] = {"item": None, "kind": kind, "name": str(value), "policies": [], "boundary": None,
                                   "groups": []}
            return ext
        return None

    profiles = {str(lent.name) for lent in ex.lent
                if lent.rtype == "aws_iam_instance_profile" and isinstance(lent.name, str)}

    def defined(value: Any, kind: str) -> bool:
        """Whether ``value`` names a principal (or Identity Center group) this configuration defines."""
        if isinstance(value, Unknown):
            if kind in _LENT_TYPES:
                return re.search(rf"(?:^|\.){_LENT_TYPES[kind]}\.[^.]+$", value.ref or "") is not None
            item = principals.get(value.ref or "", {}).get("item")
            return item is not None and item.kind == kind
        if isinstance(value, str):
            if kind == "instance-profile":
                return value == "" or value in profiles or value.rsplit("/", 1)[-1] in profiles
            if kind == "role" and ":role/aws-service-role/" in value:
                return True  # a service-linked role: AWS defines its permissions, only the service uses it
            return value == "" or (kind, str(value)) in by_name or (
                ":" in value and "/" in value and (kind, value.rsplit("/", 1)[-1]) in by_name)
        return False

    policy_by_arn_ref: dict[str, PolicyDocument] = {}
    for item in ex.policies:
        if item.arn_of:
            d = docs_by_address.get(item.address)
            if d is not None:
                policy_by_arn_ref[item.arn_of] = d
    policy_names: dict[str, list[tuple[Any, Any, PolicyDocument]]] = {}  # name -> (path, arn, document)
    for item in ex.policies:
        if item.arn_of and isinstance(item.name, str) and item.address in docs_by_address:
            policy_names.setdefault(str(item.name), []).append(
                (item.policy_path, item.arn, docs_by_address[item.address]))
    used_as: dict[tuple[str, str], set[str]] = {}

    def resolve_arn(value: Any, address: str, file: str, line: int, what: str,
                    quiet: bool = False) -> tuple[PolicyDocument | None, bool]:
        """The document an ARN names, a managed-policy document, or an unresolved one (None when
        ``quiet``: a permissions boundary that cannot be read narrows nothing, which is safe); and
        whether it is certainly that document (a reference to the policy's ``arn``, its known ARN,
        an AWS managed policy). An ARN string matches a policy of the configuration only when the
        whole ARN can be equal (partition, account, path and name); unless the providers pin the
        one account and partition (``ex.accounts``, ``ex.partitions``), such a match is not certain:
        the policy's Denies are not credited."""
        src = Source(address, _display(file), line, DocumentKind.IDENTITY)
        if isinstance(value, Unknown):
            if value.ref and value.ref in policy_by_arn_ref and parts_of(value) is None:
                return policy_by_arn_ref[value.ref], True
            named = _named_arn(value)
            if named is not None:  # arn:${partition}:iam::aws:policy/X is X in every partition
                doc, _ = resolve_arn(TfStr(named, value.origin), address, file, line, what, quiet)
                # an AWS managed policy is that policy; a customer policy is matched by its name only
                return doc, named.startswith("arn:aws:iam::aws:")
            if quiet:
                return None, False
            doc = unresolved_document(src, _unknown_message(value, what) + "; the policy it names cannot be judged")
            add(doc)
            return doc, True
        if isinstance(value, str):
            from checker.analysis.managed_policies import find_managed_policy, is_aws_managed_arn

            arn = str(value)
            if is_aws_managed_arn(arn):
                found = find_managed_policy(arn)
                if found is None and quiet:
                    return None, False
                if found is None:
                    doc = unresolved_document(
                        src, f"{what} {arn!r} is not an AWS managed policy this tool knows (its copy is dated "
                        f"{_managed_date()}): its document cannot be judged")
                    add(doc)
                    return doc, True
                managed_src = Source(address, _display(file), line, DocumentKind.IDENTITY, name=arn)
                doc = document_from_value(TfStr(json.dumps(found.document), Origin(file, line)), managed_src)
                add(doc)
                return doc, True
            m = _POLICY_ARN.match(arn)
            # account "*": a policy referenced by name in every account it is provisioned to (an SSO
            # permission set's customer managed policy): it may be the configuration's, never certainly
            any_account = m is not None and m.group(2) == "*"
            if m is not None and ((ex.accounts is not None and not any_account and m.group(2) not in ex.accounts)
                                  or (ex.partitions is not None and m.group(1) not in ex.partitions)):
                m = None  # another account's (or partition's) policy: not one of this configuration
            for path, known_arn, candidate in policy_names.get(m.group(4), []) if m else []:
                assert m is not None
                if isinstance(known_arn, str):
                    if str(known_arn) == arn:
                        return candidate, True
                    continue  # its ARN is known, and another one
                if not isinstance(path, str) or str(path) == m.group(3):
                    pinned = ex.accounts is not None and len(ex.accounts) == 1 and ex.partitions is not None \
                        and len(ex.partitions) == 1 and not any_account
                    return candidate, pinned and isinstance(path, str)
            if quiet:
                return None, False
            doc = unresolved_document(src, f"{what} {arn!r} names a policy that is not defined in this configuration "
                                           "(no policy of it has that path and name, nor is it an AWS managed "
                                           "policy): its document cannot be judged")
            add(doc)
            return doc, True
        doc = unresolved_document(src, f"{what} is missing or not a string")
        add(doc)
        return doc, True

    def attach(principal: str | None, doc: PolicyDocument, role: str = "policy", *, certain: bool = True,
               via: str = "", inline: Any = None) -> None:
        """``via``: the resource (or role argument) that attaches ``doc`` by ARN; ``inline``: the
        name of an inline policy (a value, maybe Unknown)."""
        used_as.setdefault(_key(doc), set()).add(role)
        if principal is None:
            return
        entry = principals[principal]
        if not certain:
            entry.setdefault("uncertain", set()).add(_key(doc))
        if role == "boundary":
            entry["boundary"] = _key(doc)
            return
        if _key(doc) not in entry["policies"]:
            entry["policies"].append(_key(doc))
        if via:
            entry.setdefault("attached", {}).setdefault(_key(doc), set()).add(via)
        else:
            entry.setdefault("inline", {})[_key(doc)] = inline

    for item in ex.policies:
        if item.owner_kind is None or item.kind == DocumentKind.TRUST:
            continue
        doc = docs_by_address.get(item.address)
        if doc is not None:
            attach(principal_of(item.owner_kind, item.owner), doc, inline=item.name)
    for p in ex.principals:
        for arn, line in p.managed_arns:
            doc, certain = resolve_arn(arn, f"{p.address}{p.managed_suffix}", p.file, line,
                                       "managed_policy_arns entry")
            if doc is not None:
                attach(p.address, doc, certain=certain, via=f"{p.address}.managed_policy_arns")
        if p.boundary is not None:
            doc, certain = resolve_arn(p.boundary, f"{p.address}{p.boundary_suffix}", p.file, p.boundary_line,
                                       "permissions_boundary", quiet=True)
            if doc is not None:
                attach(p.address, doc, "boundary", certain=certain)
    # aws_iam_policy_attachment is exclusive for its policy: it detaches the policy from every
    # principal it does not list
    policy_exclusive: dict[tuple[str, str], set[str]] = {}
    for a in ex.attachments:
        doc, certain = resolve_arn(a.policy, a.address, a.file, a.line, "policy_arn", quiet=a.boundary)
        if doc is None:
            continue
        if a.rtype == "aws_iam_policy_attachment":
            policy_exclusive.setdefault(_key(doc), set()).add(a.address)
        for owner in a.owners:
            attach(principal_of(a.owner_kind, owner), doc, "boundary" if a.boundary else "policy", certain=certain,
                   via=_attachment_resource(a.address))
        if not a.owners:
            used_as.setdefault(_key(doc), set()).add("policy")
    # What an exclusive set leaves out is removed at apply: its Denies are not in force.
    for x in ex.exclusives:
        target = principal_of(x.owner_kind, x.owner)
        # an owner that cannot be resolved may be any principal of its kind
        targets = [target] if target is not None else [k for k, e in principals.items() if e["kind"] == x.owner_kind]
        for owner_address in targets:
            entry = principals[owner_address]
            if x.what == "inline":
                kept = {str(n) for n in _listify_plain(x.kept) if isinstance(n, str)}
                for key, name in entry.get("inline", {}).items():
                    if not (isinstance(name, str) and str(name) in kept):
                        entry.setdefault("uncertain", set()).add(key)
            else:
                for key, vias in entry.get("attached", {}).items():
                    if x.address not in vias:
                        entry.setdefault("uncertain", set()).add(key)
    for entry in principals.values():
        for key, vias in entry.get("attached", {}).items():
            if policy_exclusive.get(key, vias) - vias:
                entry.setdefault("uncertain", set()).add(key)
    # aws_iam_group_membership is exclusive for its group: users it does not list leave the group
    members: dict[str, set[str]] = {}  # group -> the users an exclusive membership certainly keeps
    for m in ex.memberships:
        for group in m.groups if m.exclusive else ():
            gaddr = principal_of("group", group)
            if gaddr is not None:
                kept = members.setdefault(gaddr, set())
                kept.update(u for u in (principal_of("user", user) for user in m.users) if u is not None)
        for user in m.users:
            uaddr = principal_of("user", user)
            if uaddr is None:
                continue
            for group in m.groups:
                gaddr = principal_of("group", group)
                if gaddr is not None and gaddr not in principals[uaddr]["groups"]:
                    principals[uaddr]["groups"].append(gaddr)
        for group in m.groups:
            if not defined(group, "group"):
                add(unresolved_document(
                    Source(m.address, *_place_of_value(group, m.file, m.line), DocumentKind.IDENTITY),
                    f"{m.address} adds users to the group {_shown(group)}, which this configuration does not "
                    "define: the permissions the group has are not known", ProblemKind.UNJUDGED))
    for lent in ex.lent:
        for value in lent.values:
            if not defined(value, lent.kind):
                add(unresolved_document(
                    Source(lent.address, *_place_of_value(value, lent.file, lent.line), DocumentKind.IDENTITY),
                    f"{lent.address} {lent.what} {_shown(value)}, which this configuration does not define: the "
                    "permissions it lends are not known", ProblemKind.UNJUDGED))
    for uaddr, entry in principals.items():
        for gaddr in entry["groups"]:
            if gaddr in members and uaddr not in members[gaddr]:
                entry.setdefault("uncertain", set()).update(principals[gaddr]["policies"])

    # a customer-managed policy used only as a permissions boundary is a boundary
    for i, doc in enumerate(out.documents):
        roles = used_as.get(_key(doc), set())
        if roles == {"boundary"} and doc.kind == DocumentKind.IDENTITY:
            out.documents[i] = doc.model_copy(update={"kind": DocumentKind.BOUNDARY})

    trust_by_address = {item.address: item for item in ex.policies if item.kind == DocumentKind.TRUST}
    for address, entry in principals.items():
        item = entry["item"]
        trust = None
        if item is not None and item.trust and item.trust in trust_by_address:
            t = docs_by_address.get(item.trust)
            trust = _key(t) if t is not None else None
        out.principals.append(Principal.model_construct(
            address=address, kind=item.kind if item else entry["kind"],
            name=(str(item.name) if item is not None and isinstance(item.name, str) else entry.get("name")),
            file=_display(item.file) if item else "", line=item.line if item else 0,
            policies=tuple(entry["policies"]), boundary=entry["boundary"], trust=trust, groups=tuple(entry["groups"]),
            uncertain=tuple(sorted(entry.get("uncertain", ())))))

    for file, address, reason in ex.skipped:
        out.skipped.append(SkippedItem.model_construct(file=_display(file), address=address, reason=reason))
    for file, line, message in ex.diagnostics:
        shown_file = _display(file)
        if (shown_file, line) in covered_lines:
            continue
        out.errors.append(SourceError.model_construct(file=shown_file, line=line, message=f"terraform: {message}"))


# Lent entities that are not principals: the resource type that defines them.
_LENT_TYPES = {"identitystore-group": "aws_identitystore_group", "instance-profile": "aws_iam_instance_profile"}


def _place_of_value(value: Any, file: str, line: int) -> tuple[str, int]:
    """The file (as shown) and line where a known value is written (a variable's default, a tfvars
    file, the module call that passes it); an unknown one is shown where it is used."""
    origin = getattr(value, "origin", None)
    if isinstance(value, str) and isinstance(origin, Origin) and origin.line:
        return _display(origin.file or file), origin.line
    return _display(file), line


def _shown(value: Any) -> str:
    """A value naming an entity, as a message shows it."""
    if isinstance(value, Unknown):
        return f"{placeholder(value)} (not known: {value.reason})" if value.ref else f"(not known: {value.reason})"
    return repr(str(value)) if isinstance(value, str) else "(missing)"


def _named_arn(value: Unknown) -> str | None:
    """The policy ARN a partly known value names whatever its typed parts are (the partition of an
    AWS managed policy's ARN; the partition and account of a customer policy's ARN, which is named by
    its last part), in the ``aws`` partition; None when the known text does not fix it."""
    from checker.analysis.partial import samples

    if parts_of(value) is None:
        return None
    stand_ins = samples(Located.model_construct(value="", line=0, unknown="", origin=None,
                                                parts=model_parts(value), pattern=None))
    if stand_ins is None:
        return None
    first, second = stand_ins
    m1, m2 = _NAMED_POLICY_ARN.match(first), _NAMED_POLICY_ARN.match(second)
    if m1 is None or m2 is None or m1.group("path") != m2.group("path"):
        return None
    if m1.group("account") == "aws" == m2.group("account"):
        return f"arn:aws:iam::aws:{m1.group('path')}"
    # a customer policy: only its name is used (see resolve_arn), the account is this configuration's
    return f"arn:aws:iam::{m1.group('account')}:{m1.group('path')}"


_NAMED_POLICY_ARN = re.compile(r"^arn:aws(?:-cn|-us-gov)?:iam::(?P<account>aws|\d{12}):(?P<path>policy/[^*?]+)$")

# A customer managed policy's ARN: partition, account, path (``/`` or ``/a/b/``) and name.
_POLICY_ARN = re.compile(r"^arn:(aws(?:-[a-z]+)*):iam::(\d{12}|\*):policy(/(?:[^/]+/)*)([^/]+)$")


def _attachment_resource(address: str) -> str:
    """``aws_iam_role_policy_attachments_exclusive.x`` from its ``....policy_arns[2]`` item."""
    return re.sub(r"\.policy_arns\[\d+\]$", "", address)


def _listify_plain(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return list(value)
    return [] if value is None or isinstance(value, Unknown) else [value]


def _managed_date() -> str:
    from checker.analysis.managed_policies import source_info

    return str(source_info().get("date", "?"))


# --------------------------------------------------------------------------------------------
# Paths -> root modules
# --------------------------------------------------------------------------------------------



@dataclass
class TerraformPaths(TerraformLoad):
    roots: list[str] = field(default_factory=list)


def _terraform_dirs(directory: Path, limit: int = 2) -> list[Path]:
    """The first ``limit`` folders under ``directory`` holding .tf/.tf.json files (as
    find_root_modules walks: no .terraform, .git, node_modules or hidden folders)."""
    skip = {".terraform", ".git", "node_modules"}
    found: list[Path] = []
    for current, subdirs, filenames in os.walk(directory):
        subdirs[:] = sorted(d for d in subdirs if d not in skip and not d.startswith("."))
        if any(n.endswith((".tf", ".tf.json")) for n in filenames):
            found.append(Path(current))
            if len(found) >= limit:
                break
    return found


def _load_root(args: tuple[str, tuple[str, ...], tuple[str, ...], bool, str, str | None]) -> TerraformLoad:
    root, var_files, vars, allow_outside, scan_root, workspace = args
    return load_terraform(Path(root), var_files=var_files, vars=vars, allow_outside=allow_outside,
                          scan_root=Path(scan_root), workspace=workspace)


# --jobs 0 (auto) loads root modules in parallel only from this many: a small module loads faster
# than a worker starts (benchmarks/README.md has both costs).
PARALLEL_MIN_ROOTS = 32


def load_terraform_paths(paths: Sequence[str | Path], settings: Any, input_error: type[Exception]) -> TerraformPaths:
    """Every Terraform root module under ``paths`` (a folder named on the command line, a folder with
    its own tfvars, backend or provider configuration, a folder no other module of the tree calls
    through a local source: see ``find_root_modules``; a named ``.tf`` file: its folder), loaded and
    judged as a whole. ``settings`` supplies var_files, vars, allow_outside, jobs and exclude."""
    import fnmatch

    roots: list[tuple[Path, Path]] = []
    for raw in paths:
        p = Path(raw)
        if p.is_file() and p.name.endswith((".tf", ".tf.json")):
            roots.append((p.parent, p.parent))
        elif p.is_dir() and (tf_dirs := _terraform_dirs(p)):
            if tf_dirs == [p]:  # one module folder: it is the root, nothing to search
                roots.append((p, p))
                continue
            from checker.terraform.loader import find_root_modules  # only when there is Terraform

            try:
                found = find_root_modules(p)
            except OSError as exc:
                raise input_error(f"{raw}: cannot read directory: {exc.strerror or exc}") from None
            roots.extend((r, p) for r in found)
    out = TerraformPaths()
    unique: list[tuple[Path, Path]] = []
    seen: set[Path] = set()
    for root, scan in roots:
        key = root.resolve()
        shown = _display(str(root))
        if key in seen or any(fnmatch.fnmatch(shown, pat) or fnmatch.fnmatch(root.name, pat)
                              or fnmatch.fnmatch(key.as_posix(), pat) for pat in settings.exclude):
            continue
        seen.add(key)
        unique.append((root, scan))
    for f in settings.var_files:
        if not Path(f).is_file():
            raise input_error(f"{f}: no such variable file (--var-file)")
    from checker.parallel import worker_count

    given_root = getattr(settings, "scan_root", None)
    # terraform.workspace: --workspace NAME, else TF_WORKSPACE, else not known (as Terraform: the
    # workspace selected in .terraform/environment is state of one machine, not of the code)
    workspace = getattr(settings, "workspace", None) or os.environ.get("TF_WORKSPACE") or None
    args = [(str(root), tuple(settings.var_files), tuple(settings.vars), bool(settings.allow_outside),
             str(given_root) if given_root else str(scan), workspace) for root, scan in unique]
    results: list[TerraformLoad]
    jobs = worker_count(int(getattr(settings, "jobs", 1)), len(args), auto_minimum=PARALLEL_MIN_ROOTS)
    if jobs > 1:
        from checker.parallel import process_pool

        with process_pool(jobs) as pool:
            results = list(pool.map(_load_root, args, chunksize=max(1, len(args) // (jobs * 4))))
    else:
        results = [_load_root(a) for a in args]
    for root_args, r in zip(args, results, strict=True):
        out.roots.append(_display(root_args[0]))
        out.documents.extend(r.documents)
        out.errors.extend(r.errors)
        out.skipped.extend(r.skipped)
        out.principals.extend(r.principals)
        out.files.extend(f for f in r.files if f not in out.files)
        out.notices.extend(r.notices)
        out.read_files |= r.read_files
    return out
