from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import DocumentKind, PolicyDocument


class NotPrincipalAllow(Rule):
    """Allow with NotPrincipal grants every principal except the listed ones

    ## What it does
    Reports every Allow statement of a trust or resource policy that uses `NotPrincipal`.

    ## Why is this bad?
    `"Effect": "Allow", "NotPrincipal": {...}` allows every principal in every AWS account except
    those listed, anonymous users included. AWS recommends against it; it is almost always a
    misreading of `NotPrincipal` in a Deny, where it is a (fragile) guard.

    ## Example
    ```json
    {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
     "Action": "sts:AssumeRole"}
    ```
    Use instead: a `Principal` naming who may act:
    ```json
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole",
     "Condition": {"StringEquals": {"sts:ExternalId": "abc"}}}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
    """

    id = "IAM403"
    name = "not-principal-allow"
    severity = Severity.ERROR
    kinds: ClassVar[frozenset[DocumentKind]] = frozenset({DocumentKind.TRUST, DocumentKind.RESOURCE})

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        for stmt in doc.statements:
            if not stmt.is_allow or stmt.not_principal is None:
                continue
            excluded = ", ".join(repr(v.value) for vals in stmt.not_principal.values() for v in vals) or "nothing"
            yield Violation(path=f"{stmt.path}/NotPrincipal",
                            message=f"{stmt.label} allows every principal except {excluded}, "
                                    "anonymous users and every other account included")
