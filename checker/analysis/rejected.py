"""Whether AWS would refuse a policy document as a whole, so that none of its Denies is in force.

A policy AWS refuses is never created (or never attached): its Allows do not apply either, but the
gate stays conservative there (they are still judged, and the refusal is reported by its own
rule); its Denies must never subtract anything. What makes IAM refuse a document:

- a grammar problem (:class:`~checker.model.ProblemKind` ``INVALID``, what IAM001 reports: not
  JSON, an Effect other than Allow/Deny, an unknown element, duplicate keys ...);
- a part that is not known (``UNRESOLVED``: an unknown Version or Effect, a policy that is not
  known at all): what it will be, and whether AWS accepts it, is not proven;
- a Sid with characters other than letters and digits in IAM's own policies (identity, trust,
  permissions boundary), or a Sid repeated in one policy (what IAM515 reports);
- a document larger than AWS accepts for it alone (what IAM501 reports; the limit of a principal's
  inline policies *together* is left to IAM501: one document over its own limit is enough here).
"""

from __future__ import annotations

import re

from checker.analysis.managed_policies import find_managed_policy, is_aws_managed_arn
from checker.analysis.principal_docs import inline_owner_kind
from checker.model import DocumentKind, PolicyDocument, ProblemKind

_SID = re.compile(r"^[0-9A-Za-z]*$")
_IAM_KINDS = frozenset({DocumentKind.IDENTITY, DocumentKind.TRUST, DocumentKind.BOUNDARY})
_NOT_KNOWN = frozenset({ProblemKind.UNRESOLVED, ProblemKind.UNRESOLVED_MODULE})

# Characters without whitespace that AWS accepts for one document (IAM501 has the full table).
MANAGED_LIMIT = 6_144  # a managed policy, a permissions boundary
TRUST_MAX = 4_096  # a role trust policy with the quota raised to its maximum
SCP_LIMIT = 5_120
INLINE_LIMITS = {"role": 10_240, "user": 2_048, "group": 5_120}


def rejection(doc: PolicyDocument) -> str | None:
    """Why AWS would refuse ``doc`` (or why that is not proven), None when nothing says so."""
    for p in doc.problems:
        if p.rule is ProblemKind.INVALID:
            return f"AWS rejects the policy: {p.message}"
        if p.rule in _NOT_KNOWN:
            return f"the policy is not fully known: {p.message}"
    seen: set[str] = set()
    for stmt in doc.statements:
        if stmt.sid is None:
            continue
        if doc.kind in _IAM_KINDS and not _SID.match(stmt.sid):
            return f"AWS rejects the policy: Sid {stmt.sid!r} has characters IAM rejects"
        if stmt.sid in seen:
            return f"AWS rejects the policy: Sid {stmt.sid!r} is not unique"
        seen.add(stmt.sid)
    limit = _limit(doc)
    if limit is not None and doc.size is not None and doc.size > limit:
        return f"AWS rejects the policy: it is {doc.size:,} characters without whitespace (at most {limit:,})"
    return None


def _limit(doc: PolicyDocument) -> int | None:
    if doc.kind is DocumentKind.TRUST:
        return TRUST_MAX
    if doc.kind is DocumentKind.SCP:
        return SCP_LIMIT
    if doc.kind not in (DocumentKind.IDENTITY, DocumentKind.BOUNDARY):
        return None  # resource policies: each service has its own limit
    owner = inline_owner_kind(doc) if doc.kind is DocumentKind.IDENTITY else None
    if owner is None:
        return None if aws_managed(doc) else MANAGED_LIMIT
    return INLINE_LIMITS.get(owner, INLINE_LIMITS["role"])


def aws_managed(doc: PolicyDocument) -> bool:
    """True for a policy AWS manages (they exceed the customer limits): a Terraform attachment of an
    ``arn:aws:iam::aws:policy/...``, an export's AWS managed policy."""
    if doc.name and is_aws_managed_arn(doc.name):
        return True
    if doc.address.startswith("policy/") and doc.name:
        return any(find_managed_policy(f"arn:aws:iam::aws:policy/{path}{doc.name}") is not None
                   for path in ("", "service-role/", "job-function/", "aws-service-role/"))
    return False
