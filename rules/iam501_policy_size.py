from __future__ import annotations

import json
from collections.abc import Iterable
from typing import ClassVar

from checker.analysis.principal_docs import inline_owner_kind, principals_of
from checker.analysis.rejected import INLINE_LIMITS, MANAGED_LIMIT, SCP_LIMIT, TRUST_MAX, aws_managed
from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import DocumentKind, PolicyDocument

TRUST_LIMIT = 2_048  # default quota; AWS raises it to at most 4,096 on request (TRUST_MAX)


def policy_size(doc: PolicyDocument) -> int | None:
    """Characters without whitespace, as IAM counts them (the front end's figure when it has one)."""
    if doc.size is not None:
        return doc.size
    if doc.raw is None:
        return None
    return len(json.dumps(doc.raw, separators=(",", ":"), ensure_ascii=False))


class PolicySize(Rule):
    """Policy is larger than AWS accepts

    ## What it does
    Measures each policy as IAM does (characters, whitespace outside strings not counted) and reports
    what AWS would refuse to create or attach:

    | policy | limit |
    |--------|-------|
    | managed policy, permissions boundary, and a lone JSON identity policy | 6,144 |
    | a role's inline policies together | 10,240 |
    | a user's inline policies together | 2,048 |
    | a group's inline policies together | 5,120 |
    | role trust policy | 2,048 (the default quota; AWS raises it to 4,096 on request) |
    | service control policy | 5,120 |

    Inline policies are summed per principal when the front end knows the owner (Terraform
    `aws_iam_role_policy`, `inline_policy` blocks, account exports), and reported once, on the
    first of them. When the owner's kind is unknown (`aws iam get-role-policy` output names only
    the owner), more than 10,240 is an error and more than 2,048 a warning (too large for a user).
    Resource policies have per-service limits and are not judged, nor are policies AWS manages (an
    attached `arn:aws:iam::aws:policy/...`, an export's AWS managed policy): AWS's own policies exceed
    the customer limits.

    ## Why is this bad?
    The apply fails (`LimitExceeded`, `MalformedPolicyDocument`) after review, often halfway through
    a Terraform run; people then split policies in a hurry. Wildcards to save space are worse: a
    policy trimmed with `ce:*` to fit grants every Cost Explorer write.

    ## Example
    A role with three inline policies of 4,000 characters each (12,000 > 10,240).

    Use instead: managed policies (up to 10 per role by default, 6,144 characters each), or fewer
    actions listed precisely; never wider wildcards.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entity-length
    - https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
    """

    id = "IAM501"
    name = "policy-size"
    severity = Severity.ERROR
    kinds: ClassVar[frozenset[DocumentKind]] = frozenset(
        {DocumentKind.IDENTITY, DocumentKind.TRUST, DocumentKind.BOUNDARY, DocumentKind.SCP})

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        size = policy_size(doc)
        if size is None:
            return
        if doc.kind is DocumentKind.TRUST:
            if size > TRUST_LIMIT:
                more = ("more than even the raised quota of 4,096" if size > TRUST_MAX
                        else "unless the account's quota was raised (at most 4,096)")
                yield Violation(path="", message=f"trust policy is {size:,} characters without whitespace; AWS "
                                                 f"accepts {TRUST_LIMIT:,} for a role trust policy, {more}")
            return
        if doc.kind is DocumentKind.SCP:
            if size > SCP_LIMIT:
                yield Violation(path="", message=f"service control policy is {size:,} characters without "
                                                 f"whitespace; AWS Organizations accepts {SCP_LIMIT:,}")
            return
        owner = inline_owner_kind(doc) if doc.kind is DocumentKind.IDENTITY else None
        if owner is None:
            if size > MANAGED_LIMIT and not aws_managed(doc):
                what = "permissions boundary" if doc.kind is DocumentKind.BOUNDARY else "policy"
                yield Violation(path="", message=f"{what} is {size:,} characters without whitespace; AWS accepts "
                                                 f"{MANAGED_LIMIT:,} for a managed policy")
            return
        yield from self._inline(doc, owner, ctx)

    def _inline(self, doc: PolicyDocument, owner: str, ctx: RuleContext) -> Iterable[Violation]:
        for pd in principals_of(doc, ctx, with_groups=False):
            inline = sorted((d for d in pd.documents if inline_owner_kind(d) is not None),
                            key=lambda d: (d.file, d.address))
            if not inline or inline[0] is not doc:
                continue  # the aggregate is reported once, on the principal's first inline policy
            sizes = [(d, policy_size(d) or 0) for d in inline]
            total = sum(s for _, s in sizes)
            kind = pd.kind or owner or None
            listing = "" if len(sizes) == 1 else " (" + "; ".join(f"{d.name or d.address}: {s:,}" for d, s in sizes) + ")"
            who = pd.key if doc.principal or pd.key != doc.address else "this inline policy's owner"
            if kind in INLINE_LIMITS:
                limit = INLINE_LIMITS[kind]
                if total > limit:
                    yield Violation(path="", message=f"the inline policies of {kind} {who} total {total:,} characters "
                                                     f"without whitespace{listing}; AWS accepts {limit:,} for a {kind}")
                continue
            if total > INLINE_LIMITS["role"]:
                yield Violation(path="", message=f"the inline policies of {who} total {total:,} characters without "
                                                 f"whitespace{listing}; AWS accepts at most 10,240 (a role)")
            elif total > INLINE_LIMITS["user"]:
                yield Violation(path="", severity=Severity.WARNING,
                                message=f"the inline policies of {who} total {total:,} characters without whitespace"
                                        f"{listing}: too large if it is a user (2,048) or group (5,120); a role "
                                        "accepts 10,240")
