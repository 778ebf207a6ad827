from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import DocumentKind, Located, PolicyDocument, Statement

from ._util import action_path, summarize, via


class ServiceNotAllowed(Rule):
    """Allow grants actions of a service outside the profile's allowed services

    ## What it does
    When the profile sets `allowed_services` (service prefixes such as `ce`, `s3`, `pricing`),
    reports every allowed action (wildcards and `NotAction` expanded, unconditional Denies
    subtracted) of any other service: one finding per statement, naming the granting patterns and
    listing the actions. A
    profile without `allowed_services` (both built-in profiles) allows every service and this rule
    reports nothing.

    ## Why is this bad?
    A role built for one purpose (reading costs) should touch only the services that purpose
    needs. A read of another service, even a harmless-looking `ec2:Describe*`, widens what the
    holder of the role learns about the account, and usually means a statement was copied from
    elsewhere.

    ## Example
    With `allowed_services = ["ce", "cur", "pricing", "s3"]`:
    ```json
    {"Effect": "Allow", "Action": ["ce:GetCostAndUsage", "ec2:DescribeInstances"], "Resource": "*"}
    ```
    Use instead: only the actions of the allowed services, or add the service to the profile
    after review.

    ## References
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    """

    id = "IAM104"
    name = "service-not-allowed"
    severity = Severity.ERROR
    kinds: ClassVar[frozenset[DocumentKind]] = frozenset({DocumentKind.IDENTITY, DocumentKind.RESOURCE})

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        profile = ctx.profile
        if profile.allowed_services is None:
            return
        allowed = ", ".join(profile.allowed_services)
        for sg in ctx.grants(doc).allows:
            by_pattern: dict[int, tuple[Located, list[str]]] = {}
            for action, loc in sg.actions.items():
                if not profile.service_allowed(action.split(":", 1)[0]):
                    by_pattern.setdefault(id(loc), (loc, []))[1].append(action)
            stmt = sg.statement
            for loc, actions in by_pattern.values():
                actions.sort()
                services = sorted({a.split(":", 1)[0] for a in actions})
                through = via(stmt, loc)
                yield Violation(
                    path=action_path(stmt, loc),
                    message=(f"{stmt.label} allows {len(actions)} action(s) of service(s) the profile does not "
                             f"allow ({summarize(services, 5)}; allowed: {allowed}) through {through}: "
                             f"{summarize(actions)}"),
                    actions=tuple(actions),
                    detail=through,
                )

    def group_message(self, stmt: Statement | None, violations: Sequence[Violation], actions: Sequence[str],
                      ctx: RuleContext) -> str:
        label = stmt.label if stmt is not None else "the policy"
        services = sorted({a.split(":", 1)[0] for a in actions})
        allowed = ", ".join(ctx.profile.allowed_services or ())
        return (f"{label} allows {len(actions)} action(s) of service(s) the profile does not allow "
                f"({summarize(services, 5)}; allowed: {allowed}) through "
                f"{summarize([v.detail for v in violations], 5)}: {summarize(actions)}")
