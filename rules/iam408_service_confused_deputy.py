from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from checker.analysis.resource_grants import Reach, grantees
from checker.analysis.trust import POSITIVE_OPERATORS, describe_operator_problem, names_sts
from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import DocumentKind, Located, PolicyDocument, Statement

# The keys AWS documents against the confused deputy: they pin the account (or organization) the
# service acts for. Matched case-insensitively.
SOURCE_KEYS = {"aws:sourceaccount": "account", "aws:sourcearn": "arn", "aws:sourceorgid": "org",
               "aws:sourceorgpaths": "org"}


def _pins(kind: str, value: Located) -> bool:
    """A value that names one account (organization): a resolved value without a wildcard where the
    account is, or a value the front end could not resolve (a concrete one at apply)."""
    if value.unknown is not None:
        return True
    v = value.value.strip()
    if kind == "arn":
        parts = v.split(":")
        return len(parts) >= 6 and parts[0] == "arn" and parts[4] != "" and not any(c in parts[4] for c in "*?")
    head = v.split("/", 1)[0]
    return head != "" and not any(c in head for c in "*?")


def source_pinned(stmt: Statement) -> tuple[bool, list[str]]:
    """Whether a positive condition on aws:SourceAccount / aws:SourceArn / aws:SourceOrgID /
    aws:SourceOrgPaths pins every value to one account or organization; else why not (per key)."""
    why: list[str] = []
    for op, block in stmt.condition.items():
        for key, values in block.items():
            kind = SOURCE_KEYS.get(key.lower())
            if kind is None:
                continue
            if op not in POSITIVE_OPERATORS:
                why.append(f"{key}: {describe_operator_problem(op)}")
                continue
            loose = [v.value for v in values if not _pins(kind, v)]
            if values and not loose:
                return True, []
            why.append(f"{key} {loose[0]!r} does not name one account" if loose else f"{key} lists no value")
    return False, why


class ServiceConfusedDeputy(Rule):
    """Resource policy lets an AWS service act without aws:SourceAccount or aws:SourceArn (confused deputy)

    ## What it does
    Reports every Allow statement of a resource policy (bucket, key, queue, topic ...) that names an
    AWS service principal (`billingreports.amazonaws.com`, `cloudtrail.amazonaws.com` ...) without a
    condition that pins the account the service acts for: `aws:SourceAccount` or `aws:SourceArn`
    (or `aws:SourceOrgID` / `aws:SourceOrgPaths`), with a positive operator (`StringEquals`,
    `StringLike`, `ArnEquals`, `ArnLike` ...; keys in any case) and a value whose account is not a
    wildcard. `...IfExists` and negated operators do not pin anything. A service's grant is not
    judged as an external grant (write-action-allowed and the other grant rules judge the
    principals outside the account, see docs/grants.md, "Resource policies"); this rule is a warning about how
    it is written.

    ## Why is this bad?
    A service principal acts for every AWS customer. Without a source condition, anyone can ask the
    service to use the grant on their behalf: another account's Cost and Usage Report, trail or
    topic subscription delivered into (or read from) your bucket, key or queue. This is the
    confused-deputy problem AWS documents for cross-service access.

    ## Example
    ```json
    {"Effect": "Allow", "Principal": {"Service": "billingreports.amazonaws.com"},
     "Action": "s3:PutObject", "Resource": "arn:aws:s3:::cur-bucket/*"}
    ```
    Use instead: pin the account (and the report) the service writes for:
    ```json
    {"Effect": "Allow", "Principal": {"Service": "billingreports.amazonaws.com"},
     "Action": "s3:PutObject", "Resource": "arn:aws:s3:::cur-bucket/*",
     "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"},
                   "ArnLike": {"aws:SourceArn": "arn:aws:cur:us-east-1:111122223333:definition/*"}}}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
    - https://docs.aws.amazon.com/cur/latest/userguide/cur-s3.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceaccount
    """

    id = "IAM408"
    name = "service-confused-deputy"
    severity = Severity.WARNING
    kinds: ClassVar[frozenset[DocumentKind]] = frozenset({DocumentKind.RESOURCE})

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        for stmt in doc.statements:
            if not stmt.is_allow or not stmt.principal or names_sts(stmt):
                continue
            services = [g for g in grantees(stmt, ctx.gated) if g.reach is Reach.SERVICE]
            if not services:
                continue
            pinned, why = source_pinned(stmt)
            if pinned:
                continue
            reason = "; ".join(why) if why else "no aws:SourceAccount or aws:SourceArn condition"
            for g in services:
                yield Violation(path=g.path, message=(
                    f"{stmt.label} lets the AWS service {g.value!r} use this grant for any account: {reason} "
                    "(confused deputy)"))
