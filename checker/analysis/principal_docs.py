"""The documents that belong to one principal, for rules that judge a principal as a whole.

Privilege escalation (IAM201) and the inline-size limits (IAM501) look beyond one document: every
policy of a role counts. Two sources say which documents belong together:

- ``LoadResult.principals`` (Terraform, plans): each :class:`~checker.model.Principal` lists its
  identity documents by ``(file, address)``, and a user its groups;
- otherwise ``PolicyDocument.principal`` (account exports: ``role/Name``): documents of one file that
  name the same principal.

A lone JSON policy belongs to nobody: it is judged alone.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from checker.model import DocumentKind, LoadResult, PolicyDocument, Principal

if TYPE_CHECKING:
    from checker.analysis.grants import DocumentGrants
    from checker.engine.rule import RuleContext

INLINE_RESOURCE_TYPES = {"aws_iam_role_policy": "role", "aws_iam_user_policy": "user",
                         "aws_iam_group_policy": "group"}
PRINCIPAL_RESOURCE_TYPES = {"aws_iam_role": "role", "aws_iam_user": "user", "aws_iam_group": "group"}
_EXPORT_PRINCIPAL = re.compile(r"^(role|user|group)/")


class PrincipalDocs(NamedTuple):
    """One principal and its identity documents (the document asked about first)."""

    key: str  # the principal's address, or the document's own address when it has none
    kind: str | None  # role | user | group, None when unknown
    documents: tuple[PolicyDocument, ...]
    # The grants of one of the documents as this principal receives them (its other policies'
    # Denies and its permissions boundary applied); None: use ``ctx.grants``.
    grants: Callable[[PolicyDocument], DocumentGrants] | None = None

    def grants_of(self, doc: PolicyDocument, ctx: RuleContext) -> DocumentGrants:
        return self.grants(doc) if self.grants is not None else ctx.grants(doc)


def _resource_type(address: str) -> str | None:
    """``aws_iam_role_policy`` from ``module.a.aws_iam_role_policy.cost["x"]``."""
    parts = [p for p in re.sub(r"\[[^\]]*\]", "", address).split(".") if p]
    while parts and parts[0] in ("module", "data"):
        parts = parts[2:] if parts[0] == "module" else parts[1:]
    return parts[0] if len(parts) >= 2 and parts[0].startswith("aws_") else None


def inline_owner_kind(doc: PolicyDocument) -> str | None:
    """``role``/``user``/``group`` when ``doc`` is an inline policy of that kind of principal, ``""``
    when it is inline but the owner's kind is unknown, None when it is not an inline policy."""
    if doc.kind is not DocumentKind.IDENTITY:
        return None
    m = _EXPORT_PRINCIPAL.match(doc.address)
    if m and "/inline/" in doc.address:
        return m.group(1)
    if doc.address.endswith("#PolicyDocument"):  # aws iam get-role-policy / get-user-policy output
        return ""
    rtype = _resource_type(doc.address)
    if rtype in INLINE_RESOURCE_TYPES:
        return INLINE_RESOURCE_TYPES[rtype]
    if rtype in PRINCIPAL_RESOURCE_TYPES and ".inline_policy" in doc.address:  # an inline_policy block of aws_iam_role
        return PRINCIPAL_RESOURCE_TYPES[rtype]
    return None


def _load(ctx: RuleContext) -> LoadResult | None:
    load = getattr(ctx, "load", None)
    return load if isinstance(load, LoadResult) else None


def principals_of(doc: PolicyDocument, ctx: RuleContext, *, with_groups: bool = True) -> list[PrincipalDocs]:
    """Every principal ``doc`` is an identity policy of, with all of that principal's identity
    documents (a user's groups' too, unless ``with_groups`` is false); ``[doc alone]`` when it
    belongs to none the run knows."""
    load = _load(ctx)
    if doc.kind is not DocumentKind.IDENTITY or load is None:
        return [PrincipalDocs(doc.address, None, (doc,))]
    me = (doc.file, doc.address)
    index = ctx.principals if load.principals else None
    views = index.of_document.get(id(doc)) if index is not None else None
    if index is not None and views:
        out = []
        for view in views:
            own = set(view.principal.policies)
            docs = [doc] + [d for d in view.documents if d is not doc
                            and (with_groups or (d.file, d.address) in own)]
            out.append(PrincipalDocs(view.principal.address, view.principal.kind, tuple(docs),
                                     grants=functools.partial(index.grants_for, view)))
        return out
    if load.principals:
        by_key = {(d.file, d.address): d for d in load.documents}
        by_address = {p.address: p for p in load.principals}
        out = []
        for p in load.principals:
            keys = _policy_keys(p, by_address) if with_groups else list(p.policies)
            if me not in keys:
                continue
            docs = [doc] + [by_key[k] for k in keys if k != me and k in by_key
                            and by_key[k].kind is DocumentKind.IDENTITY]
            out.append(PrincipalDocs(p.address, p.kind, tuple(docs)))
        if out:
            return out
    if doc.principal is not None:
        m = _EXPORT_PRINCIPAL.match(doc.principal)
        docs = [doc] + [d for d in load.documents if d is not doc and d.principal == doc.principal
                        and d.file == doc.file and d.kind is DocumentKind.IDENTITY]
        return [PrincipalDocs(doc.principal, m.group(1) if m else None, tuple(docs))]
    return [PrincipalDocs(doc.address, None, (doc,))]


def _policy_keys(p: Principal, by_address: dict[str, Principal]) -> list[tuple[str, str]]:
    keys = list(p.policies)
    for g in p.groups:  # a user holds its groups' policies too
        group = by_address.get(g)
        if group is not None:
            keys.extend(k for k in group.policies if k not in keys)
    return keys
