from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import DocumentKind, PolicyDocument
from checker.parliament_lint import sid_issues


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
        for item in sid_issues(doc):
            yield Violation(path=item.path, message=item.message)
