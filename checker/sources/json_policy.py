"""JSON front end: IAM policy documents and the AWS CLI wrappers around them, to the model.

Recognised shapes (by content, never by file name):

- a policy document (``{"Version": ..., "Statement": ...}``); its kind is guessed from content:
  statements with a Principal whose actions are all ``sts:AssumeRole*``/``sts:TagSession``/... make
  a trust policy, other statements with a Principal a resource policy, else an identity policy;
- ``aws iam get-policy-version`` (``PolicyVersion.Document``), ``get-role``
  (``Role.AssumeRolePolicyDocument``), ``get-role-policy``/``get-user-policy``/``get-group-policy``
  (``PolicyDocument``);
- ``aws iam get-account-authorization-details`` (roles, users, groups and managed policies), read
  with its principals by :mod:`checker.sources.export`.

Documents may also be URL-encoded JSON strings, as the IAM API returns them.
Everything AWS would reject becomes a :class:`~checker.model.Problem` with the line it is on.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field

from checker.model import (
    TRUST_ACTIONS,
    DocumentKind,
    Located,
    PolicyDocument,
    Principal,
    Problem,
    SkippedItem,
    SourceError,
    Statement,
)
from checker.sources.jsonpos import JsonNode, JsonSyntaxError, parse_json

VERSIONS = ("2012-10-17", "2008-10-17")
# A statement takes at least ~30 characters; the largest AWS policy limits (SQS, SNS) are 256 KB.
MAX_STATEMENTS = 10_000
TOP_KEYS = ("Version", "Id", "Statement")
STATEMENT_KEYS = (
    "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition",
)
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
_TRUST_LOWER = frozenset(a.lower() for a in TRUST_ACTIONS)

# Each value is a copy of this one with its text and line: pydantic's model_copy with an update does not
# validate (a small run never builds the validation schema) and costs about what validating costs, where
# model_construct, which fills every default anew, costs half as much again (benchmarks/README.md).
_VALUE = Located.model_construct(value="", line=0)


def _located(value: str, line: int) -> Located:
    return _VALUE.model_copy(update={"value": value, "line": line})


@dataclass(slots=True)
class _Found:
    node: JsonNode
    address: str
    kind: DocumentKind | None  # None: guess from content
    name: str | None = None
    principal: str | None = None


@dataclass(slots=True)
class JsonLoad:
    documents: list[PolicyDocument]
    errors: list[SourceError]
    skipped: list[SkippedItem]
    principals: list[Principal] = field(default_factory=list)  # an account export's roles, users, groups


def load_json_text(data: bytes | str, file: str) -> JsonLoad:
    """Every policy document in one JSON file (``file`` is the name findings will show)."""
    out = JsonLoad([], [], [])
    try:
        parsed = parse_json(data)
    except JsonSyntaxError as exc:
        out.errors.append(SourceError.model_construct(file=file, line=max(exc.line, 1), message=f"not valid JSON: {exc}"))
        return out
    if parsed.had_bom:
        # AWS reads the raw bytes: S3 answers "the first byte must be '{'", IAM "Syntax errors".
        out.errors.append(SourceError.model_construct(
            file=file, line=1,
            message="the file starts with a byte order mark (BOM) before the JSON: AWS rejects such a "
                    "policy document; save it as UTF-8 without BOM"))
    for dup in parsed.duplicates:
        where = "/".join(str(p) for p in dup.path) or "(top level)"
        out.errors.append(SourceError.model_construct(
            file=file, line=dup.line,
            message=f"duplicate key {dup.key!r} in {where} (first at line {dup.first_line}): "
                    "JSON readers keep only one of them, so the policy is ambiguous",
        ))
    found = list(_find_documents(parsed.root, file))
    if not found:
        from checker.sources.export import is_export, load_export

        if is_export(parsed.root):
            def build(node: JsonNode, address: str, kind: DocumentKind, name: str | None, principal: str | None,
                      base_line: int | None) -> PolicyDocument | None:
                if base_line is not None:  # not written in the file: every line is ``base_line``
                    return build_document(node, _Builder(file, base_line), file=file, address=address, kind=kind,
                                          name=name, principal=principal)
                return _document_from(_Found(node, address, kind, name, principal), file, out)

            out.principals.extend(load_export(parsed.root, file, out.documents, build))
            if out.documents or out.principals:
                return out
        out.skipped.append(SkippedItem.model_construct(file=file, address=file, reason="not an IAM policy or AWS IAM export"))
        return out
    for item in found:
        doc = _document_from(item, file, out)
        if doc is not None:
            out.documents.append(doc)
    return out


# --- recognising the shapes -------------------------------------------------------------------


def _is_policy_object(node: JsonNode) -> bool:
    if node.kind != "object":
        return False
    keys = {k for k, _, _ in node.members}
    if "Statement" in keys:
        return True
    # A misspelt policy must not be skipped as "other JSON": a Version of IAM's grammar, or a
    # statement-like key in any letter case, makes it a (broken) policy.
    version = node.get("Version")
    if version is not None and version.value in VERSIONS:
        return True
    return any(k.lower() in ("statement", "statements", "statment") for k in keys)


def _find_documents(root: JsonNode, file: str) -> Iterator[_Found]:
    if _is_policy_object(root):
        yield _Found(root, file, None)
        return
    if root.kind != "object":
        return
    pv = root.get("PolicyVersion")
    if pv is not None and pv.kind == "object" and pv.get("Document") is not None:
        vid = pv.get("VersionId")
        name = f"version {vid.value}" if vid is not None and vid.kind == "string" else None
        yield _Found(_req(pv.get("Document")), f"{file}#PolicyVersion/Document", DocumentKind.IDENTITY, name)
        return
    role = root.get("Role")
    if role is not None and role.kind == "object" and role.get("AssumeRolePolicyDocument") is not None:
        rname = _str(role.get("RoleName")) or "role"
        yield _Found(_req(role.get("AssumeRolePolicyDocument")), f"role/{rname}/trust", DocumentKind.TRUST,
                     "AssumeRolePolicyDocument", rname)
        return
    pd = root.get("PolicyDocument")
    if pd is not None:
        owner = _str(root.get("RoleName")) or _str(root.get("UserName")) or _str(root.get("GroupName"))
        pname = _str(root.get("PolicyName")) or "inline"
        yield _Found(pd, f"{file}#PolicyDocument", DocumentKind.IDENTITY, pname, owner)
        return
    # an account export (RoleDetailList ...) is read by checker.sources.export: documents and principals


def _req(node: JsonNode | None) -> JsonNode:
    assert node is not None
    return node


def _str(node: JsonNode | None) -> str | None:
    return node.value if node is not None and node.kind == "string" else None


# --- building a document --------------------------------------------------------------------


class _Builder:
    def __init__(self, file: str, base_line: int | None) -> None:
        self.file = file
        self.base_line = base_line  # set for documents parsed out of a string: all lines are its line
        self.lines: dict[str, tuple[int, int]] = {}
        self.problems: list[Problem] = []

    def ln(self, node: JsonNode) -> int:
        return self.base_line if self.base_line is not None else node.line

    def mark(self, path: str, node: JsonNode) -> None:
        if self.base_line is not None:
            self.lines[path] = (self.base_line, self.base_line)
        else:
            self.lines[path] = (node.line, node.end_line)

    def problem(self, message: str, path: str, node: JsonNode) -> None:
        self.problems.append(Problem.model_construct(message=message, path=path, line=self.ln(node)))

    def members(self, node: JsonNode, path: str) -> dict[str, list[JsonNode]]:
        """Members by key; duplicates are kept (all of them are analysed) and reported by the caller."""
        out: dict[str, list[JsonNode]] = {}
        for key, _key_line, value in node.members:
            out.setdefault(key, []).append(value)
        return out

    def strings(self, nodes: list[JsonNode], path: str, what: str) -> tuple[Located, ...] | None:
        """A string or a list of strings (all duplicates merged); anything else is a problem."""
        result: list[Located] = []
        idx = 0
        for node in nodes:
            items = node.items if node.kind == "array" else (node,)
            if node.kind == "array" and not node.items:
                self.problem(f"{what} is an empty list", path, node)
            for item in items:
                item_path = f"{path}/{idx}"
                self.mark(item_path, item)
                if item.kind == "string":
                    result.append(_located(item.value, self.ln(item)))
                else:
                    self.problem(f"{what} must be a string or a list of strings, found {_kind(item)}",
                                 item_path, item)
                idx += 1
        return tuple(result)


def _kind(node: JsonNode) -> str:
    return {"object": "an object", "array": "a list", "string": "a string", "number": "a number",
            "true": "a boolean", "false": "a boolean", "null": "null"}[node.kind]


def _document_from(item: _Found, file: str, out: JsonLoad) -> PolicyDocument | None:
    node = item.node
    base_line: int | None = None
    if node.kind == "string":
        # The IAM API returns documents URL-encoded; the CLI usually decodes them.
        text = urllib.parse.unquote(node.value) if "%" in node.value else node.value
        try:
            node = parse_json(text).root
        except JsonSyntaxError as exc:
            out.errors.append(SourceError.model_construct(file=file, line=item.node.line,
                                          message=f"{item.address}: embedded policy document is not valid JSON: {exc}"))
            return None
        base_line = item.node.line
    b = _Builder(file, base_line)
    if node.kind != "object":
        out.errors.append(SourceError.model_construct(file=file, line=node.line,
                                      message=f"{item.address}: a policy document must be a JSON object, found {_kind(node)}"))
        return None
    return build_document(node, b, file=file, address=item.address, kind=item.kind, name=item.name,
                          principal=item.principal)


def build_document(node: JsonNode, b: _Builder, *, file: str, address: str, kind: DocumentKind | None,
                   name: str | None = None, principal: str | None = None) -> PolicyDocument:
    top = b.members(node, "")
    for key, nodes in top.items():
        if key not in TOP_KEYS:
            b.problem(f"unknown top-level element {key!r} (IAM accepts {', '.join(TOP_KEYS)})", key, nodes[0])
    version = None
    for vnode in top.get("Version", []):
        b.mark("Version", vnode)
        if vnode.kind != "string" or vnode.value not in VERSIONS:
            b.problem(f"Version must be one of {', '.join(VERSIONS)}, found {json.dumps(vnode.to_python())}",
                      "Version", vnode)
        else:
            version = vnode.value
    pid = None
    for inode in top.get("Id", []):
        if inode.kind != "string":
            b.problem(f"Id must be a string, found {_kind(inode)}", "Id", inode)
        else:
            pid = inode.value
    stmt_nodes: list[JsonNode] = []
    if "Statement" not in top:
        b.problem("policy has no Statement", "", node)
    for snode in top.get("Statement", []):
        b.mark("Statement", snode)
        if snode.kind == "array":
            if not snode.items:
                b.problem("Statement is an empty list", "Statement", snode)
            stmt_nodes.extend(snode.items)
        else:
            stmt_nodes.append(snode)
    if len(stmt_nodes) > MAX_STATEMENTS:
        # No AWS policy can be this large (the largest limits are a few hundred KB): refuse it as a
        # whole rather than spend minutes and gigabytes analysing what AWS would reject anyway.
        b.problem(f"policy has {len(stmt_nodes):,} statements: no AWS policy can hold more than "
                  f"{MAX_STATEMENTS:,} (AWS limits policies to at most a few hundred KB); not analysed further",
                  "Statement", top["Statement"][0])
        return PolicyDocument.model_construct(
            file=file, address=address, kind=kind or DocumentKind.IDENTITY, name=name, principal=principal,
            version=version, id=pid, statements=(), line=b.ln(node), end_line=b.base_line or node.end_line,
            lines=b.lines, raw=None, size=None, problems=tuple(b.problems))
    statements: list[Statement] = []
    for i, snode in enumerate(stmt_nodes):
        stmt = _statement(snode, i, b)
        if stmt is not None:
            statements.append(stmt)
    doc_kind = kind if kind is not None else _guess_kind(statements)
    if doc_kind in (DocumentKind.IDENTITY, DocumentKind.BOUNDARY, DocumentKind.SCP):
        for s in statements:
            if s.resource is None and s.not_resource is None:
                b.problems.append(Problem.model_construct(
                    message=f"{s.label} has neither Resource nor NotResource (required in this kind of policy)",
                    path=s.path, line=s.line))
    raw = node.to_python()
    return PolicyDocument.model_construct(
        file=file, address=address, kind=doc_kind, name=name, principal=principal, version=version, id=pid,
        statements=tuple(statements), line=b.ln(node), end_line=b.base_line or node.end_line,
        lines=b.lines, raw=raw, size=len(json.dumps(raw, separators=(",", ":"), ensure_ascii=False)),
        problems=tuple(b.problems),
    )


def _guess_kind(statements: list[Statement]) -> DocumentKind:
    with_principal = [s for s in statements if s.principal is not None or s.not_principal is not None]
    if not with_principal:
        return DocumentKind.IDENTITY
    actions = [a.value.lower() for s in statements for a in (s.action or ())]
    if len(with_principal) == len(statements) and actions and all(a in _TRUST_LOWER for a in actions) \
            and all(s.not_action is None for s in statements):
        return DocumentKind.TRUST
    return DocumentKind.RESOURCE


def _statement(node: JsonNode, index: int, b: _Builder) -> Statement | None:
    path = f"Statement/{index}"
    b.mark(path, node)
    if node.kind != "object":
        b.problem(f"Statement {index} must be an object, found {_kind(node)}", path, node)
        return None
    m = b.members(node, path)
    for key, nodes in m.items():
        if key not in STATEMENT_KEYS:
            b.problem(f"unknown element {key!r} in statement {index} (IAM accepts {', '.join(STATEMENT_KEYS)})",
                      f"{path}/{key}", nodes[0])
        b.mark(f"{path}/{key}", nodes[-1])
    sid = None
    for n in m.get("Sid", []):
        if n.kind != "string":
            b.problem(f"Sid must be a string, found {_kind(n)}", f"{path}/Sid", n)
        else:
            sid = n.value
    effect = "Allow"
    effects = m.get("Effect", [])
    if not effects:
        b.problem(f"statement {index} has no Effect", path, node)
        effect = "(missing)"
    for n in effects:
        if n.kind != "string" or n.value not in ("Allow", "Deny"):
            b.problem(f"Effect must be \"Allow\" or \"Deny\", found {json.dumps(n.to_python())}", f"{path}/Effect", n)
            effect = str(n.to_python())
        elif effect in ("Allow", "Deny") and len(effects) > 1 and n.value != effects[0].value:
            effect = "(ambiguous)"  # duplicate Effect keys that disagree: judged as an Allow
        elif effect in ("Allow", "Deny"):
            effect = n.value
    fields: dict[str, tuple[Located, ...] | None] = {}
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        fields[key] = b.strings(m[key], f"{path}/{key}", key) if key in m else None
    if fields["Action"] is not None and fields["NotAction"] is not None:
        b.problem(f"statement {index} has both Action and NotAction", path, node)
    if fields["Action"] is None and fields["NotAction"] is None:
        b.problem(f"statement {index} has neither Action nor NotAction", path, node)
    if fields["Resource"] is not None and fields["NotResource"] is not None:
        b.problem(f"statement {index} has both Resource and NotResource", path, node)
    principal = _principal(m.get("Principal"), f"{path}/Principal", b)
    not_principal = _principal(m.get("NotPrincipal"), f"{path}/NotPrincipal", b)
    if principal is not None and not_principal is not None:
        b.problem(f"statement {index} has both Principal and NotPrincipal", path, node)
    condition = _condition(m.get("Condition", []), f"{path}/Condition", b)
    return Statement.model_construct(
        index=index, sid=sid, effect=effect, principal=principal, not_principal=not_principal,
        action=fields["Action"], not_action=fields["NotAction"], resource=fields["Resource"],
        not_resource=fields["NotResource"], condition=condition, line=b.ln(node),
        end_line=b.base_line or node.end_line,
    )


def _principal(nodes: list[JsonNode] | None, path: str, b: _Builder) -> dict[str, tuple[Located, ...]] | None:
    if nodes is None:
        return None
    out: dict[str, list[Located]] = {}
    for node in nodes:
        if node.kind == "string":
            if node.value != "*":
                b.problem(f"a Principal given as a string must be \"*\", found {node.value!r}", path, node)
            out.setdefault("*", []).append(_located(node.value, b.ln(node)))
            continue
        if node.kind != "object":
            b.problem(f"Principal must be \"*\" or an object, found {_kind(node)}", path, node)
            continue
        for key, _kl, value in node.members:
            if key not in PRINCIPAL_TYPES:
                b.problem(f"unknown principal type {key!r} (IAM accepts {', '.join(PRINCIPAL_TYPES)})",
                          f"{path}/{key}", value)
            b.mark(f"{path}/{key}", value)
            vals = b.strings([value], f"{path}/{key}", f"Principal {key}") or ()
            out.setdefault(key, []).extend(vals)
    return {k: tuple(v) for k, v in out.items()}


def _condition(nodes: list[JsonNode], path: str, b: _Builder) -> dict[str, dict[str, tuple[Located, ...]]]:
    out: dict[str, dict[str, list[Located]]] = {}
    for node in nodes:
        if node.kind != "object":
            b.problem(f"Condition must be an object, found {_kind(node)}", path, node)
            out.setdefault("(invalid)", {})
            continue
        for op, _ol, block in node.members:
            b.mark(f"{path}/{op}", block)
            if block.kind != "object":
                b.problem(f"condition operator {op} must map to an object, found {_kind(block)}",
                          f"{path}/{op}", block)
                out.setdefault(op, {})
                continue
            for key, _kl, value in block.members:
                kpath = f"{path}/{op}/{key}"
                b.mark(kpath, value)
                items = value.items if value.kind == "array" else (value,)
                for item in items:
                    if item.kind in ("object", "array", "null"):
                        b.problem(f"condition value for {key} must be a string, number or boolean, found "
                                  f"{_kind(item)}", kpath, item)
                        continue
                    text = item.value if item.kind == "string" else json.dumps(item.to_python())
                    out.setdefault(op, {}).setdefault(key, []).append(_located(text, b.ln(item)))
                out.setdefault(op, {}).setdefault(key, [])
    return {op: {k: tuple(v) for k, v in keys.items()} for op, keys in out.items()}


