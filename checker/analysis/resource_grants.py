"""What a resource policy grants, and to whom: IAM Access Analyzer's external access, read statically.

A resource policy (``DocumentKind.RESOURCE``: bucket, key, queue, topic, secret, repository, domain,
function permission ...) grants the actions of each Allow statement (expanded by
:func:`checker.analysis.grants.compute_grants`, unconditional Denies subtracted) to every principal
the statement names. Each principal is classified (:class:`Reach`):

- ``public``: ``"*"``, ``{"AWS": "*"}``, an account wildcard, a ``NotPrincipal`` Allow (everyone but
  a few), with no condition that pins it to an account, organization or network;
- ``external``: another account (an account id, its ``root``, a role, user or session ARN in it), a
  federated or canonical user, or ``"*"`` pinned to an account or organization that is not provably
  the scanned one. A literal account id is never proven to be the scanned account;
- ``unresolved``: a value the front end could not compute: it may be anyone (fail closed);
- ``principal``: a role or user of the scanned configuration (``aws_iam_role.audit.arn``, or an ARN
  in the scanned account with its name), or ``"*"`` pinned to the scanned account while the
  configuration has roles or users: the gate's own principals, judged as their identity policies are;
- ``account``: provably the scanned account and none of the gate's principals
  (``arn:aws:iam::${data.aws_caller_identity.current.account_id}:root``, or any principal with a
  condition that pins it to the scanned account, organization or network: ``aws:PrincipalAccount``,
  ``aws:SourceAccount``, ``aws:PrincipalOrgID``, ``aws:SourceVpce`` ... with provable values): not
  external, as Access Analyzer does not report it;
- ``service``: an AWS service principal (``billingreports.amazonaws.com``): the service's grant,
  judged by service-confused-deputy (IAM408), not as an external grant.

The judged principals (``public``, ``external``, ``unresolved``, ``principal``) are what the grant
rules (IAM101, IAM301, IAM302, IAM201) judge in a resource policy; see docs/grants.md, "Resource policies".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import NamedTuple

from checker.analysis.grants import DocumentGrants, StatementGrants
from checker.analysis.trust import (
    Restriction,
    classify_aws,
    own_account_value,
    own_arn_name,
    principal_reference,
    restrictions,
)
from checker.model import DocumentKind, Located, PolicyDocument, Principal, Statement


class Reach(StrEnum):
    PUBLIC = "public"
    EXTERNAL = "external"
    UNRESOLVED = "unresolved"
    PRINCIPAL = "principal"
    ACCOUNT = "account"
    SERVICE = "service"


JUDGED = frozenset({Reach.PUBLIC, Reach.EXTERNAL, Reach.UNRESOLVED, Reach.PRINCIPAL})


class Grantee(NamedTuple):
    """One principal a resource-policy statement names, classified."""

    ptype: str  # AWS, Service, Federated, CanonicalUser, * (Principal: "*"), NotPrincipal
    value: str  # as written (a placeholder for an unresolved value)
    path: str  # model path of the value
    line: int
    reach: Reach
    why: str  # for messages: "another account 111122223333", "every principal", ...
    address: str | None = None  # the scanned configuration's role or user, for Reach.PRINCIPAL

    @property
    def judged(self) -> bool:
        return self.reach in JUDGED

    @property
    def name(self) -> str:
        """How reports name the principal: the gate's principal by address, else the value as written."""
        return self.address or (self.value if self.ptype in ("*", "AWS") else f"{self.ptype}:{self.value}")

    def describe(self) -> str:
        return f"{self.name} ({self.why})"


class ResourceGrant(NamedTuple):
    """The actions one resource-policy statement grants one principal."""

    document: PolicyDocument
    grantee: Grantee
    grants: StatementGrants

    @property
    def statement(self) -> Statement:
        return self.grants.statement


class Gated:
    """The roles and users of the scanned configuration (``LoadResult.principals``), by address and name."""

    def __init__(self, principals: Iterable[Principal] = ()) -> None:
        self.by_address: dict[str, Principal] = {}
        self.by_name: dict[tuple[str, str], Principal] = {}
        for p in principals:
            if p.kind not in ("role", "user"):
                continue
            self.by_address[p.address] = p
            if p.name:
                self.by_name.setdefault((p.kind, p.name), p)

    def __bool__(self) -> bool:
        return bool(self.by_address)

    def named(self, loc: Located) -> Principal | None:
        address = principal_reference(loc)
        if address is not None:
            found = self.by_address.get(address)
            if found is not None:
                return found
            # a role or user of the configuration the load did not list (count = 0 ...): still ours
            kind = "user" if ".aws_iam_user." in f".{address}" else "role"
            return Principal.model_construct(address=address, kind=kind, name=None, file="", line=0, policies=(),
                                             boundary=None, trust=None, groups=())
        named = own_arn_name(loc)
        return self.by_name.get(named) if named is not None else None


def grantees(stmt: Statement, gated: Gated | None = None) -> list[Grantee]:
    """Every principal an Allow statement names, classified (empty for a Deny)."""
    if not stmt.is_allow:
        return []
    gated = gated or Gated()
    pinned = restrictions(stmt)
    own = [r for r in pinned if r.own]
    others = [r for r in pinned if not r.own]
    out: list[Grantee] = []
    if stmt.not_principal is not None:
        out.append(_everyone(stmt, "NotPrincipal", "*", f"{stmt.path}/NotPrincipal", stmt.line,
                             "every principal but those NotPrincipal lists", own, others, gated))
    for ptype, values in (stmt.principal or {}).items():
        for j, loc in enumerate(values):
            path = f"{stmt.path}/Principal" if ptype == "*" else f"{stmt.path}/Principal/{ptype}/{j}"
            out.append(_classify(ptype, loc, path, stmt, own, others, gated))
    if stmt.principal is None and stmt.not_principal is None:
        # A resource-policy Allow without a principal is invalid (IAM001); fail closed.
        out.append(Grantee("*", "(no Principal)", stmt.path, stmt.line, Reach.UNRESOLVED,
                           "the statement names no principal, so who it grants to is not proven"))
    return out


def _everyone(stmt: Statement, ptype: str, value: str, path: str, line: int, what: str,
              own: Sequence[Restriction], others: Sequence[Restriction], gated: Gated) -> Grantee:
    if own:
        if gated:
            return Grantee(ptype, value, path, line, Reach.PRINCIPAL,
                           f"{what} of the scanned account, whose roles and users include "
                           f"{', '.join(sorted(gated.by_address)[:3])}")
        return Grantee(ptype, value, path, line, Reach.ACCOUNT, f"{what} of the scanned account")
    if others:
        keys = ", ".join(sorted({r.key for r in others}))
        return Grantee(ptype, value, path, line, Reach.EXTERNAL,
                       f"{what} that {keys} admits, not proven to be the scanned account")
    return Grantee(ptype, value, path, line, Reach.PUBLIC, what)


def _classify(ptype: str, loc: Located, path: str, stmt: Statement, own: Sequence[Restriction],
              others: Sequence[Restriction], gated: Gated) -> Grantee:
    everyone = own
    # A network pin (the scanned account's VPC or endpoint) narrows "everyone" to whoever can reach
    # that network; it does not make a named principal of another account the scanned account's.
    own = [r for r in own if not r.network]
    # an unresolved value is shown with its references (arn:aws:iam::${data.aws_caller_identity.x.account_id}:root)
    value, line = loc.template or loc.value, loc.line or stmt.line
    if ptype == "*" or (loc.unknown is None and loc.value.strip() == "*"):
        return _everyone(stmt, ptype, "*", path, line, "every principal", everyone, others, gated)
    if ptype == "Service":
        if loc.unknown is not None:
            return _unresolved(ptype, loc, path, line, own, gated)
        if "*" in value or "?" in value:
            return _everyone(stmt, ptype, value, path, line, f"every service matching {value!r}", everyone, others,
                             gated)
        return Grantee(ptype, value, path, line, Reach.SERVICE, "an AWS service")
    if ptype != "AWS":
        if loc.unknown is not None:
            return _unresolved(ptype, loc, path, line, own, gated)
        what = {"Federated": "federated users", "CanonicalUser": "an S3 canonical user"}.get(ptype, f"a {ptype} principal")
        if own:
            return Grantee(ptype, value, path, line, Reach.ACCOUNT, f"{what}, pinned to the scanned account")
        return Grantee(ptype, value, path, line, Reach.EXTERNAL, f"{what}, outside the scanned account")
    mine = gated.named(loc)
    if mine is not None:
        return Grantee(ptype, value, path, line, Reach.PRINCIPAL, f"a {mine.kind} of the scanned configuration",
                       address=mine.address)
    if loc.unknown is not None:
        if own_account_value(loc):
            return Grantee(ptype, value, path, line, Reach.ACCOUNT, "the scanned account")
        return _unresolved(ptype, loc, path, line, own, gated)
    p = classify_aws(loc, path)
    if p.account_wildcard or p.other_wildcard:
        return _everyone(stmt, ptype, value, path, line, f"every principal matching {value!r}", everyone, others,
                         gated)
    if own:
        return Grantee(ptype, value, path, line, Reach.ACCOUNT, "pinned to the scanned account by a condition")
    if p.account is None:
        return Grantee(ptype, value, path, line, Reach.EXTERNAL,
                       "no account the analyzer can read, so not proven to be the scanned account")
    return Grantee(ptype, value, path, line, Reach.EXTERNAL,
                   f"account {p.account}, not proven to be the scanned account")


def _unresolved(ptype: str, loc: Located, path: str, line: int, own: Sequence[Restriction],
                gated: Gated) -> Grantee:
    if own and not gated:
        return Grantee(ptype, loc.template or loc.value, path, line, Reach.ACCOUNT,
                       "not resolved, but pinned to the scanned account by a condition")
    return Grantee(ptype, loc.template or loc.value, path, line, Reach.UNRESOLVED,
                   f"not resolved ({loc.unknown}), so it may be anyone")


def resource_grants(doc: PolicyDocument, grants: DocumentGrants, gated: Gated | None = None) -> list[ResourceGrant]:
    """Per Allow statement of a resource policy and principal it names, what the statement grants
    (``grants`` is the document's :func:`~checker.analysis.grants.compute_grants`)."""
    if doc.kind is not DocumentKind.RESOURCE:
        return []
    gated = gated or Gated()
    out = []
    for sg in grants.allows:
        for g in grantees(sg.statement, gated):
            out.append(ResourceGrant(doc, g, sg))
    return out


def judged_grants(doc: PolicyDocument, grants: DocumentGrants, gated: Gated | None = None) -> DocumentGrants:
    """The grants of a resource policy that the gate judges: an Allow statement keeps its actions
    when it names a judged principal (public, external, unresolved or one of the gate's own),
    and grants nothing otherwise (an AWS service's or the scanned account's own grant)."""
    if doc.kind is not DocumentKind.RESOURCE:
        return grants
    gated = gated or Gated()
    out = DocumentGrants(document=doc)
    for sg in grants.statements:
        if not sg.statement.is_allow or any(g.judged for g in grantees(sg.statement, gated)):
            out.statements.append(sg)
        else:
            out.statements.append(StatementGrants(statement=sg.statement, actions={}, unmatched=sg.unmatched,
                                                  unresolved=sg.unresolved, denied=sg.denied))
    return out


def judged_grantees(stmt: Statement, gated: Gated | None = None) -> list[Grantee]:
    return [g for g in grantees(stmt, gated) if g.judged]


def granted_to(stmt: Statement, gated: Gated | None = None, limit: int = 3) -> str:
    """``arn:aws:iam::111122223333:root (account 111122223333, ...)``: the judged principals of a
    resource-policy statement, for messages; empty when it names none."""
    found = judged_grantees(stmt, gated)
    shown = [g.describe() for g in found[:limit]]
    more = f" and {len(found) - limit} more" if len(found) > limit else ""
    return "; ".join(shown) + more
