"""Principals and their effective permissions.

A principal (role, user, group) holds identity policies: inline ones, attached customer-managed
ones, attached AWS-managed ones, and for a user those of its groups. Its effective permissions are
judged as a whole:

- the union of what its identity policies allow,
- minus what an unconditional Deny in *any* of them removes (a Deny applies across the
  principal's policies, not only inside its own document; see :func:`checker.analysis.grants.deny_applies_to`),
- intersected with its permissions boundary when it has one (an action the boundary allows in no
  statement is not effective; a boundary that cannot be read, that AWS would refuse or that may not
  be the one in force narrows nothing).

Only Denies certainly in force subtract: none of a document AWS would refuse
(:func:`checker.analysis.rejected.rejection`), none of a document that may not be the principal's
when the change is applied (``Principal.uncertain``: an inline policy an ``*_policies_exclusive``
resource deletes, an attachment by an ARN that may name another policy), none that depends on
anything unknown (:func:`checker.analysis.grants.deny_credited`, ``deny_applies_to``).

A document attached to several principals grants an action when it is effective for at least one
of them. A document attached to none (a lone JSON policy, an unattached ``aws_iam_policy``) is its
own principal: its grants are its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from checker.analysis.grants import (
    DocumentGrants,
    StatementGrants,
    compute_grants,
    deny_applies_to,
    deny_credited,
    statement_actions,
)
from checker.analysis.rejected import rejection
from checker.analysis.resource_grants import Gated, resource_grants
from checker.model import DocumentKind, LoadResult, PolicyDocument, Principal, Statement

if TYPE_CHECKING:
    from checker.catalog import Catalog

IDENTITY_KINDS = frozenset({DocumentKind.IDENTITY})


@dataclass
class PrincipalView:
    principal: Principal
    documents: list[PolicyDocument] = field(default_factory=list)  # identity documents, groups' included
    boundary: PolicyDocument | None = None
    # documents (by id) that may not be in force for the principal: their Denies never subtract
    uncertain: set[int] = field(default_factory=set)


class PrincipalIndex:
    """The principals of a load, and for each document the principals it belongs to."""

    def __init__(self, load: LoadResult, catalog: Catalog) -> None:
        self.catalog = catalog
        docs = {(d.file, d.address): d for d in load.documents}
        by_address = {p.address: p for p in load.principals}
        self.views: list[PrincipalView] = []
        self.of_document: dict[int, list[PrincipalView]] = {}
        for p in load.principals:
            view = PrincipalView(p)
            keys = list(p.policies)
            for g in p.groups:
                group = by_address.get(g)
                if group is not None:
                    keys.extend(k for k in group.policies if k not in keys)
            for k in keys:
                d = docs.get(k)
                if d is not None and d.kind in IDENTITY_KINDS:
                    view.documents.append(d)
            if p.boundary is not None:
                view.boundary = docs.get(p.boundary)
            view.uncertain = {id(d) for k in p.uncertain if (d := docs.get(k)) is not None}
            self.views.append(view)
            for d in view.documents:
                self.of_document.setdefault(id(d), []).append(view)
        self._grants: dict[int, DocumentGrants] = {}
        self._denies: dict[int, list[tuple[Statement, set[str]]]] = {}
        self._boundary: dict[int, set[str] | None] = {}
        self._for: dict[tuple[int, int], DocumentGrants] = {}

    def own_grants(self, doc: PolicyDocument) -> DocumentGrants:
        g = self._grants.get(id(doc))
        if g is None:
            g = compute_grants(doc, self.catalog)
            self._grants[id(doc)] = g
        return g

    def _deny_statements(self, doc: PolicyDocument) -> list[tuple[Statement, set[str]]]:
        found = self._denies.get(id(doc))
        if found is None:
            found = []
            denies = [s for s in doc.statements if s.effect == "Deny"]
            if denies and rejection(doc) is None:
                for s in denies:
                    expanded = statement_actions(s, self.catalog)
                    if deny_credited(s, expanded):
                        found.append((s, set(expanded[0])))
            self._denies[id(doc)] = found
        return found

    def boundary_allows(self, boundary: PolicyDocument) -> set[str] | None:
        """Every action some Allow of the boundary allows (conditions ignored), or None when the
        boundary cannot be read with certainty (then it narrows nothing)."""
        if id(boundary) in self._boundary:
            return self._boundary[id(boundary)]
        allowed: set[str] | None = set()
        if rejection(boundary) is not None or not boundary.statements:
            allowed = None
        else:
            for sg in self.own_grants(boundary).allows:
                if sg.unresolved or sg.statement.unknown is not None:
                    allowed = None
                    break
                assert allowed is not None
                allowed.update(sg.actions)
        self._boundary[id(boundary)] = allowed
        return allowed

    def removed_in(self, view: PrincipalView, doc: PolicyDocument, sg: StatementGrants) -> set[str]:
        """Actions of one Allow statement of ``doc`` that are not effective for the principal."""
        removed: set[str] = set()
        for other in view.documents:
            if other is doc or id(other) in view.uncertain:
                continue  # the document's own Denies are already applied by compute_grants
            for deny, denied in self._deny_statements(other):
                if deny_applies_to(deny, sg.statement):
                    removed |= denied
        if view.boundary is not None and id(view.boundary) not in view.uncertain:
            allowed = self.boundary_allows(view.boundary)
            if allowed is not None:
                removed |= {a for a in sg.actions if a not in allowed}
        return removed

    def grants(self, doc: PolicyDocument) -> DocumentGrants:
        """The document's grants as its principals receive them (union over its principals)."""
        base = self.own_grants(doc)
        views = self.of_document.get(id(doc))
        if not views:
            return base
        out = DocumentGrants(document=doc)
        for sg in base.statements:
            if not sg.statement.is_allow:
                out.statements.append(sg)
                continue
            surviving: set[str] = set()
            for view in views:
                removed = self.removed_in(view, doc, sg)
                surviving |= {a for a in sg.actions if a not in removed}
            out.statements.append(StatementGrants(
                statement=sg.statement,
                actions={a: loc for a, loc in sg.actions.items() if a in surviving},
                unmatched=sg.unmatched, unresolved=sg.unresolved,
                denied=sg.denied | {a for a in sg.actions if a not in surviving},
                off_resource=sg.off_resource,
            ))
        return out

    def grants_for(self, view: PrincipalView, doc: PolicyDocument) -> DocumentGrants:
        """The document's grants as this one principal receives them (computed once)."""
        key = (id(view), id(doc))
        cached = self._for.get(key)
        if cached is not None:
            return cached
        base = self.own_grants(doc)
        out = DocumentGrants(document=doc)
        self._for[key] = out
        for sg in base.statements:
            if not sg.statement.is_allow:
                out.statements.append(sg)
                continue
            removed = self.removed_in(view, doc, sg)
            out.statements.append(StatementGrants(
                statement=sg.statement, actions={a: loc for a, loc in sg.actions.items() if a not in removed},
                unmatched=sg.unmatched, unresolved=sg.unresolved, denied=sg.denied | (removed & set(sg.actions)),
                off_resource=sg.off_resource))
        return out


_REACH_LABEL = {
    "public": "public",
    "external": "outside the account",
    "unresolved": "unresolved principal",
    "principal": "every principal of the account",
    "account": "this account",
    "service": "AWS service",
}


def principal_label(p: Principal) -> str:
    """How explain names a principal: its address, with its name when the address does not end with it."""
    label = p.address if p.name is None or p.address.endswith(p.name) else f"{p.address} ({p.name})"
    if p.instance_profiles:
        label += f" (instance profile {', '.join(p.instance_profiles)})"
    return label


def resource_entries(doc: PolicyDocument, grants: DocumentGrants, gated: Gated,
                     labels: dict[str, str]) -> list[tuple[str | None, PolicyDocument, DocumentGrants]]:
    """A resource policy once per principal its Allow statements name, with the statements that
    name it: ``(address of the configuration's role or user, or None; the document labelled with
    the principal; its grants)``, in the order the principals are first named."""
    by_key: dict[tuple[str | None, str], list[StatementGrants]] = {}
    for rg in resource_grants(doc, grants, gated):
        g, sg = rg.grantee, rg.grants
        key: tuple[str | None, str]
        if g.address is not None:
            key = (g.address, labels.get(g.address, g.address))
        else:
            key = (None, f"{g.name} ({_REACH_LABEL[g.reach.value]})")
        found = by_key.setdefault(key, [])
        if not any(x is sg for x in found):
            found.append(sg)
    out: list[tuple[str | None, PolicyDocument, DocumentGrants]] = []
    for (address, label), statements in by_key.items():
        copy = doc.model_copy(update={"principal": label})
        out.append((address, copy, DocumentGrants(document=copy, statements=statements)))
    return out


def explain_documents(load: LoadResult, catalog: Catalog) -> list[tuple[PolicyDocument, DocumentGrants]]:
    """What ``explain`` lists: for each principal its trust policy, its identity policies with the
    grants it receives from each (other policies' Denies and its boundary applied), its
    boundary and the resource policies that name it, each document labelled with the principal
    (``document.principal``); then every document that belongs to no principal, with its own
    grants, a resource policy once per other principal it names (another account, the public, a
    service: see :mod:`checker.analysis.resource_grants`)."""
    gated = Gated(load.principals)
    index = PrincipalIndex(load, catalog)
    labels = {v.principal.address: principal_label(v.principal) for v in index.views}
    # Resource policies split per principal they name; the configuration's roles and users get theirs.
    split: dict[int, list[tuple[str | None, PolicyDocument, DocumentGrants]]] = {}
    for d in load.documents:
        if d.kind is DocumentKind.RESOURCE and any(s.is_allow for s in d.statements):
            split[id(d)] = resource_entries(d, index.own_grants(d), gated, labels)
    gated_resource: dict[str, list[tuple[PolicyDocument, DocumentGrants]]] = {}
    for entries in split.values():
        for address, copy, g in entries:
            if address is not None and address in labels:
                gated_resource.setdefault(address, []).append((copy, g))
    docs = {(d.file, d.address): d for d in load.documents}
    used: set[int] = set()
    out: list[tuple[PolicyDocument, DocumentGrants]] = []
    for view in index.views:
        p = view.principal
        label = labels[p.address]
        trust = docs.get(p.trust) if p.trust else None
        if trust is not None:
            used.add(id(trust))
            out.append((trust.model_copy(update={"principal": label}), index.own_grants(trust)))
        for d in view.documents:
            used.add(id(d))
            copy = d.model_copy(update={"principal": label})
            out.append((copy, DocumentGrants(document=copy, statements=index.grants_for(view, d).statements)))
        if view.boundary is not None:
            used.add(id(view.boundary))
            out.append((view.boundary.model_copy(update={"principal": label}), index.own_grants(view.boundary)))
        out.extend(gated_resource.get(p.address, []))
    for d in load.documents:
        if id(d) in used:
            continue
        if id(d) not in split:
            out.append((d, index.own_grants(d)))
            continue
        out.extend((copy, g) for address, copy, g in split[id(d)] if address is None or address not in labels)
    return out
