"""Account export front end: ``aws iam get-account-authorization-details`` to documents and principals.

Every role, user and group becomes a :class:`~checker.model.Principal` judged as a whole, as a
Terraform one is: its inline policies, its ``AttachedManagedPolicies``, a user's groups (their
inline and attached policies), its ``PermissionsBoundary`` and, for a role, its trust policy. A role
in an instance profile is what EC2 instances get: the role's principal lists its instance profiles
(``Principal.instance_profiles``; ``explain`` names them with the role).

An attached policy's document is, in this order:

1. the default version (``IsDefaultVersion``, else ``DefaultVersionId``) of the entry with that
   ``Arn`` in the export's own ``Policies`` (lines in the file); other versions are not in force;
2. the vendored copy of an AWS managed policy (:mod:`checker.analysis.managed_policies`): it is not
   in the file, so its statements point at the ``AttachedManagedPolicies`` entry that attaches it;
3. else unknown: an unresolved document (IAM002, an error) naming the ARN, never a grant of nothing.

A permissions boundary that cannot be read narrows nothing (safe). A user's group the export does
not list is an unresolved document too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from checker.model import DocumentKind, PolicyDocument, Principal, Problem, ProblemKind
from checker.sources.jsonpos import JsonNode, parse_json

# How the JSON front end builds one document: (node, address, kind, name, principal, base_line) ->
# the document (None when it cannot: the front end has recorded the error). ``base_line``: every
# line of the document is that line (a document that is not in the file).
DocumentBuilder = Callable[[JsonNode, str, DocumentKind, str | None, str | None, int | None], PolicyDocument | None]

# The keys that make a JSON object an account export.
EXPORT_KEYS = ("RoleDetailList", "UserDetailList", "GroupDetailList", "Policies")
_LISTS = (
    ("GroupDetailList", "group", "GroupName", "GroupPolicyList"),
    ("UserDetailList", "user", "UserName", "UserPolicyList"),
    ("RoleDetailList", "role", "RoleName", "RolePolicyList"),
)


def is_export(root: JsonNode) -> bool:
    return root.kind == "object" and any(root.get(k) is not None for k in EXPORT_KEYS)


@dataclass
class _Entry:
    kind: str
    name: str
    node: JsonNode
    policies: list[tuple[str, str]] = field(default_factory=list)
    boundary: tuple[str, str] | None = None
    trust: tuple[str, str] | None = None
    groups: list[str] = field(default_factory=list)
    instance_profiles: list[str] = field(default_factory=list)


class _Export:
    def __init__(self, root: JsonNode, file: str, documents: list[PolicyDocument], build: DocumentBuilder) -> None:
        self.root = root
        self.file = file
        self.documents = documents
        self.build = build
        self.by_arn: dict[str, PolicyDocument | str] = {}  # ARN -> its default document, or why there is none
        self.vendored: dict[tuple[str, str], PolicyDocument] = {}  # (ARN, use) -> the vendored document
        self.used_as: dict[tuple[str, str], set[str]] = {}

    # -- documents ------------------------------------------------------------------------------

    def _document(self, node: JsonNode, address: str, kind: DocumentKind, name: str | None,
                  principal: str | None, base_line: int | None = None) -> PolicyDocument | None:
        doc = self.build(node, address, kind, name, principal, base_line)
        if doc is not None:
            self.documents.append(doc)
        return doc

    def _unresolved(self, address: str, line: int, message: str, principal: str | None) -> PolicyDocument:
        doc = PolicyDocument.model_construct(
            file=self.file, address=address, kind=DocumentKind.IDENTITY, name=None, principal=principal,
            version=None, id=None, statements=(), line=line, end_line=line, lines={}, raw=None, size=None,
            problems=(Problem.model_construct(message=message, path="", line=line, rule=ProblemKind.UNRESOLVED),),
            files={}, sensitive=frozenset())
        self.documents.append(doc)
        return doc

    def policies(self) -> None:
        """Each entry of ``Policies``: its default version's document, by ARN."""
        pols = self.root.get("Policies")
        for pol in pols.items if pols is not None and pols.kind == "array" else ():
            if pol.kind != "object":
                continue
            polname = _str(pol.get("PolicyName")) or "?"
            arn = _str(pol.get("Arn"))
            versions = pol.get("PolicyVersionList")
            items = [v for v in (versions.items if versions is not None and versions.kind == "array" else ())
                     if v.kind == "object"]
            flagged = [v for v in items if _true(v.get("IsDefaultVersion"))]
            default_id = _str(pol.get("DefaultVersionId"))
            if len(flagged) != 1:
                flagged = [v for v in items if default_id is not None and _str(v.get("VersionId")) == default_id]
            chosen = flagged[0] if len(flagged) == 1 else None
            doc: PolicyDocument | None = None
            if chosen is not None and chosen.get("Document") is not None:
                vid = _str(chosen.get("VersionId")) or "?"
                node = chosen.get("Document")
                assert node is not None
                doc = self._document(node, f"policy/{polname}@{vid}", DocumentKind.IDENTITY, polname, None)
            if arn is None:
                continue
            if doc is not None:
                self.by_arn[arn] = doc
            else:
                self.by_arn[arn] = (f"the export lists policy {arn} without a readable default version "
                                    f"(DefaultVersionId {default_id or 'missing'})")

    def attached(self, arn: str, line: int, principal: str, use: str = "policy") -> PolicyDocument | None:
        """The document an attached (or boundary) ARN names; None for a boundary that cannot be read."""
        found = self.by_arn.get(arn)
        if isinstance(found, PolicyDocument):
            self.used_as.setdefault(_key(found), set()).add(use)
            return found
        why = found
        if why is None:
            from checker.analysis.managed_policies import find_managed_policy, is_aws_managed_arn

            managed = find_managed_policy(arn) if is_aws_managed_arn(arn) else None
            if managed is not None:
                doc = self.vendored.get((arn, use))
                if doc is None:
                    doc = self._vendored(arn, managed.document, line, use)
                self.used_as.setdefault(_key(doc), set()).add(use)
                return doc
            why = (f"{arn} is neither in the export's Policies nor an AWS managed policy this tool knows: its "
                   "document cannot be judged")
        if use == "boundary":
            return None
        return self._unresolved(f"{principal}/attached/{arn}", line, f"{principal}: attached policy {why}", principal)

    def _vendored(self, arn: str, document: object, line: int, use: str) -> PolicyDocument:
        """An AWS managed policy from the vendored copy: every line is that of the entry attaching it."""
        node = parse_json(json.dumps(document)).root
        kind = DocumentKind.BOUNDARY if use == "boundary" else DocumentKind.IDENTITY
        address = arn if use == "policy" else f"{arn} (boundary)"
        doc = self._document(node, address, kind, arn, None, line)
        assert doc is not None  # AWS's own policy documents are JSON objects
        self.vendored[(arn, use)] = doc
        return doc

    # -- principals -----------------------------------------------------------------------------

    def principals(self) -> list[Principal]:
        entries: dict[str, _Entry] = {}
        for list_key, kind, name_key, inline_key in _LISTS:
            lst = self.root.get(list_key)
            for node in lst.items if lst is not None and lst.kind == "array" else ():
                if node.kind != "object":
                    continue
                name = _str(node.get(name_key)) or "?"
                address = f"{kind}/{name}"
                entry = entries.setdefault(address, _Entry(kind, name, node))
                trust = node.get("AssumeRolePolicyDocument") if kind == "role" else None
                if trust is not None:
                    doc = self._document(trust, f"{address}/trust", DocumentKind.TRUST, "AssumeRolePolicyDocument",
                                         address)
                    entry.trust = _key(doc) if doc is not None else None
                inline = node.get(inline_key)
                for pol in inline.items if inline is not None and inline.kind == "array" else ():
                    pd = pol.get("PolicyDocument") if pol.kind == "object" else None
                    if pd is None:
                        continue
                    polname = _str(pol.get("PolicyName")) or "?"
                    doc = self._document(pd, f"{address}/inline/{polname}", DocumentKind.IDENTITY, polname, address)
                    if doc is not None:
                        _add(entry.policies, _key(doc))
                attached = node.get("AttachedManagedPolicies")
                for item in attached.items if attached is not None and attached.kind == "array" else ():
                    arn_node = item.get("PolicyArn") if item.kind == "object" else None
                    if arn_node is None or arn_node.kind != "string":
                        self._unresolved(f"{address}/attached/?", item.line,
                                         f"{address}: an AttachedManagedPolicies entry without a PolicyArn: the policy "
                                         "it attaches cannot be judged", address)
                        continue
                    doc = self.attached(arn_node.value, arn_node.line, address)
                    if doc is not None:
                        _add(entry.policies, _key(doc))
                pb = node.get("PermissionsBoundary")
                pb_arn = pb.get("PermissionsBoundaryArn") if pb is not None and pb.kind == "object" else None
                if pb_arn is not None and pb_arn.kind == "string":
                    doc = self.attached(pb_arn.value, pb_arn.line, address, "boundary")
                    entry.boundary = _key(doc) if doc is not None else None
                if kind == "user":
                    groups = node.get("GroupList")
                    for g in groups.items if groups is not None and groups.kind == "array" else ():
                        if g.kind == "string":
                            entry.groups.append(f"group/{g.value}")
                            if f"group/{g.value}" not in entries:
                                doc = self._unresolved(
                                    f"{address}/group/{g.value}", g.line, f"{address} is in group {g.value}, which "
                                    "the export does not list: the group's policies cannot be judged", address)
                                _add(entry.policies, _key(doc))
                if kind == "role":
                    ips = node.get("InstanceProfileList")
                    for ip in ips.items if ips is not None and ips.kind == "array" else ():
                        ipname = _str(ip.get("InstanceProfileName")) if ip.kind == "object" else None
                        if ipname:
                            entry.instance_profiles.append(ipname)
        # a customer managed policy used only as a permissions boundary is a boundary
        for i, doc in enumerate(self.documents):
            if self.used_as.get(_key(doc)) == {"boundary"} and doc.kind is DocumentKind.IDENTITY:
                self.documents[i] = doc.model_copy(update={"kind": DocumentKind.BOUNDARY})
        out = [Principal.model_construct(
            address=address, kind=e.kind, name=e.name, file=self.file, line=e.node.line, policies=tuple(e.policies),
            boundary=e.boundary, trust=e.trust, groups=tuple(e.groups), uncertain=(),
            instance_profiles=tuple(e.instance_profiles))
            for address, e in entries.items()]
        return out


def load_export(root: JsonNode, file: str, documents: list[PolicyDocument],
                build: DocumentBuilder) -> list[Principal]:
    """The documents of one export (appended to ``documents``, each built by ``build``: the JSON
    front end's builder) and its principals."""
    export = _Export(root, file, documents, build)
    export.policies()
    return export.principals()


def _key(doc: PolicyDocument) -> tuple[str, str]:
    return (doc.file, doc.address)


def _add(keys: list[tuple[str, str]], key: tuple[str, str]) -> None:
    if key not in keys:
        keys.append(key)


def _str(node: JsonNode | None) -> str | None:
    return node.value if node is not None and node.kind == "string" else None


def _true(node: JsonNode | None) -> bool:
    return node is not None and node.kind == "true"
