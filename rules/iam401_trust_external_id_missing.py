from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from checker.analysis.trust import (
    EQUALS_OPERATORS,
    aws_principals,
    condition_uses,
    describe_operator_problem,
    grants_action,
    names_sts,
)
from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import DocumentKind, Located, PolicyDocument, Statement

EXTERNAL_ID = "sts:ExternalId"


def _wildcard_in_known_text(value: Located) -> bool:
    """A partly known value whose known text holds a wildcard (``"*-${random_id.x.hex}"``)."""
    return value.unknown is not None and any(
        p.kind is None and ("*" in p.text or "?" in p.text) for p in value.parts or ())


def external_id_problem(stmt: Statement) -> tuple[str, str] | None:
    """``None`` when the statement requires ``StringEquals sts:ExternalId`` with concrete values,
    else ``(path, reason)``."""
    uses = condition_uses(stmt, EXTERNAL_ID)
    reasons: list[tuple[str, str]] = []
    for use in uses:
        if use.operator not in EQUALS_OPERATORS:
            # The operator is the mistake: point at it (its values may be written in a tfvars file).
            reasons.append((f"{stmt.path}/Condition/{use.operator}", f"the condition on {use.key} uses {use.operator}: "
                                      f"{describe_operator_problem(use.operator)}; use StringEquals"))
            continue
        if not use.values:
            reasons.append((use.path, f"StringEquals {use.key} lists no value"))
            continue
        bad = [v.value for v in use.values if (v.unknown is None and (
            v.value.strip() == "" or "*" in v.value or "?" in v.value)) or _wildcard_in_known_text(v)]
        if bad:
            reasons.append((use.path, f"StringEquals {use.key} has a placeholder or wildcard value "
                                      f"{', '.join(repr(b) for b in bad)}: an external id must be a concrete "
                                      "value the trusted party is given"))
            continue
        return None  # one concrete StringEquals block suffices (condition blocks are ANDed)
    if reasons:
        return reasons[0]
    others = sorted({k for block in stmt.condition.values() for k in block})
    if others:
        return (f"{stmt.path}/Condition", "its conditions test " + ", ".join(others)
                + f" but not {EXTERNAL_ID}; no other key protects against the confused deputy")
    return (f"{stmt.path}/Principal/AWS", f"it has no condition on {EXTERNAL_ID}")


class TrustExternalIdMissing(Rule):
    """Trust policy lets an AWS account assume the role without an sts:ExternalId

    ## What it does
    Examines every Allow statement of a role's trust policy that lets an AWS principal (an account
    id, an account `root`, a role or user ARN) call `sts:AssumeRole`, and requires a condition
    `"StringEquals": {"sts:ExternalId": "<value>"}` with concrete values. It reports the statement
    when the condition is missing, when it tests another key instead, when it uses `StringLike`,
    `StringEqualsIfExists` (which passes when no external id is sent), a `ForAnyValue:`/`ForAllValues:`
    set operator or a negated operator, and when a value is empty or holds a `*` or `?`.

    Every AWS principal is treated as another account: a policy file does not say which account owns
    the role, so a same-account principal cannot be told apart. Listing your company's account in the
    profile's `trusted_accounts` does not exempt it either: that field says which accounts may appear
    (IAM406), this rule says how they must prove who asks. A value known only at apply time (a
    Terraform variable or `random_id`) is accepted: under `StringEquals` no value acts as a wildcard;
    but a value whose known text holds a `*` or `?` around it (`"*-${var.tenant}"`) is reported.
    Service principals (`ec2.amazonaws.com`) and federated principals are judged by IAM404/IAM405.
    A document read as a resource policy (a trust policy that also names `sts:*`, say) is judged
    when a statement names an `sts:` action that covers `sts:AssumeRole`.

    ## Why is this bad?
    A third party that assumes roles in many customers' accounts is a confused deputy: without an
    external id that only your tenancy knows, any other customer of that party can ask it to assume
    *your* role by giving your role ARN. AWS requires the external id for exactly this case.

    ## Example
    ```json
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
     "Action": "sts:AssumeRole"}
    ```
    Use instead:
    ```json
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
     "Action": "sts:AssumeRole",
     "Condition": {"StringEquals": {"sts:ExternalId": "c0ffee-tenant-42"}}}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_operators.html
    """

    id = "IAM401"
    name = "trust-external-id-missing"
    severity = Severity.ERROR
    kinds: ClassVar[frozenset[DocumentKind]] = frozenset({DocumentKind.TRUST, DocumentKind.RESOURCE})

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        for stmt in doc.statements:
            if not stmt.is_allow or not grants_action(stmt, "sts:AssumeRole"):
                continue
            if doc.kind is DocumentKind.RESOURCE and not names_sts(stmt):
                continue  # a bucket or key policy granting "*" is not a trust policy
            principals = [p for p in aws_principals(stmt) if not p.everyone]
            if not principals:
                continue
            problem = external_id_problem(stmt)
            if problem is None:
                continue
            path, reason = problem
            who = ", ".join(repr(p.loc.value) if p.loc.unknown is None else f"{p.loc.value} (unresolved)"
                            for p in principals)
            yield Violation(path=path, message=f"{stmt.label} lets {who} assume the role without a "
                                               f"required sts:ExternalId: {reason}")
