from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import DocumentKind, PolicyDocument, Statement

_SID_RE = re.compile(r"^[0-9A-Za-z]*$")
_IAM_KINDS = (DocumentKind.IDENTITY, DocumentKind.TRUST, DocumentKind.BOUNDARY)


class InvalidSid(Rule):
    """Duplicate Sid, or a Sid with characters IAM rejects

    ## What it does
    Reports a statement whose `Sid` repeats the `Sid` of an earlier statement of the same policy,
    and, in IAM's own policies (identity, trust, permissions boundary), a `Sid` with characters
    other than letters and digits. Resource policies of other services (S3, SNS, KMS) accept more
    characters and are judged for duplicates only.

    This is part of the grammar lint (IAM510-IAM520) but needs no parliament: parliament stops
    analysing a statement at an invalid Sid, so the adapter checks Sids itself and hides them from
    parliament, which then checks the rest of the statement.

    ## Why is this bad?
    IAM refuses the policy ("Statement IDs (SID) in a single policy must be unique", "must be
    alpha-numeric"): the apply fails after review. Duplicate Sids also make findings, suppressions and
    reviews that name a statement by its Sid ambiguous.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [
      {"Sid": "cost-read", "Effect": "Allow", "Action": "ce:GetCostAndUsage", "Resource": "*"},
      {"Sid": "cost-read", "Effect": "Allow", "Action": "ce:GetCostForecast", "Resource": "*"}]}
    ```
    Use instead: unique alphanumeric Sids, `CostRead` and `CostForecast`.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html
    """

    id = "IAM515"
    name = "invalid-sid"
    severity = Severity.WARNING
    kinds: ClassVar[frozenset[DocumentKind]] = frozenset(DocumentKind)

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        """Duplicate Sids, and Sids with characters IAM rejects (in IAM's own policies); no parliament."""
        seen: dict[str, Statement] = {}
        for stmt in doc.statements:
            if stmt.sid is None:
                continue
            if doc.kind in _IAM_KINDS and not _SID_RE.match(stmt.sid):
                yield Violation(path=f"{stmt.path}/Sid",
                                message=f"Sid {stmt.sid!r} has characters IAM rejects: IAM accepts only letters and digits")
            first = seen.get(stmt.sid)
            if first is not None:
                yield Violation(path=f"{stmt.path}/Sid",
                                message=f"Sid {stmt.sid!r} of statement {stmt.index} is also the Sid of statement "
                                        f"{first.index}; AWS requires Sids to be unique within a policy")
            else:
                seen[stmt.sid] = stmt
