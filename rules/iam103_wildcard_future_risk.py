from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from checker.analysis.sensitivity import corrected_level
from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import DocumentKind, Located, PolicyDocument, Statement

from ._util import action_path, real_service_wildcard, summarize


class WildcardFutureRisk(Rule):
    """Wildcard grants only reads today but will also grant the actions AWS adds later

    ## What it does
    Reports every `Action` pattern of an Allow with a wildcard (`*` or `?`) whose expansion today
    holds only actions of the profile's access levels (List and Read in `read-only`): `ce:Get*`,
    `organizations:List*`, `*:Describe*`. One finding per statement names its patterns, gives
    today's expansion count and lists the actions, ready to replace the patterns. A full action name is no risk and is not
    reported; a pattern that already grants a write is reported by write-action-allowed (IAM101)
    instead. A wildcard in the service part (`*:Get*`) also matches every service AWS launches.
    A wildcard of a real service that matches no action today (`autoscaling:List*`) is reported
    too: it grants nothing now and whatever AWS adds later whose name fits. (A pattern of a service
    that does not exist, or an action name that does not exist, is unknown-action, IAM003, an error.)

    A warning by default; `check --strict-wildcards` (or `strict-wildcards = true` in the
    configuration, or `rules.IAM103.severity = "error"` in a profile) makes it an error.

    ## Why is this bad?
    A pattern is evaluated when a request is made, against the actions that exist then. AWS adds
    actions every week, and nothing guarantees that a new `Get*` only reads: `ce:GetCostAndUsage`
    is billed per call, `bedrock:GetInvoke` returns model output, `secretsmanager:GetSecretValue`
    returns secrets. A role proven read-only today can silently gain a new capability tomorrow.

    ## Example
    ```json
    {"Effect": "Allow", "Action": ["organizations:List*"], "Resource": "*"}
    ```
    Use instead: the actions by name, `organizations:ListAccounts`,
    `organizations:ListOrganizationalUnitsForParent`, `organizations:ListRoots`, ...

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    """

    id = "IAM103"
    name = "wildcard-future-risk"
    severity = Severity.WARNING
    kinds: ClassVar[frozenset[DocumentKind]] = frozenset({DocumentKind.IDENTITY, DocumentKind.RESOURCE})

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        allowed = frozenset(ctx.profile.allowed_levels)
        levels_of: dict[str, frozenset[str] | None] = {}  # pattern -> levels of today's expansion, None: beyond
        for sg in ctx.grants(doc).allows:
            stmt = sg.statement
            if stmt.not_action is not None:
                continue  # not-action-allow (IAM102) reports it
            for loc in stmt.action or ():
                pattern = loc.value
                if loc.unknown is not None or ("*" not in pattern and "?" not in pattern):
                    continue
                expansion = ctx.catalog.expand(pattern)
                if not expansion:
                    if real_service_wildcard(pattern, ctx):
                        yield self._nothing_today(stmt, loc)
                    continue  # else: matches nothing in a service that does not exist (unknown-action)
                # what the pattern grants through this statement: not what a Deny removes, nor what
                # no Resource of it can name (checker/analysis/resources.py)
                gone = sg.denied | sg.off_resource if sg.off_resource else sg.denied
                today = [a for a in expansion if a not in gone] if gone else list(expansion)
                if not today:
                    continue  # all denied or all off its resources
                key = pattern.lower()
                if gone:  # today's expansion depends on this statement's Denies and Resources
                    levels = _levels(today, allowed)
                elif key in levels_of:
                    levels = levels_of[key]
                else:
                    levels = levels_of[key] = _levels(today, allowed)
                if levels is None:
                    continue  # write-action-allowed reports the grants beyond the profile
                service = pattern.split(":", 1)[0] if ":" in pattern else "*"
                yield self._violation(stmt, loc, today, levels, "*" in service or "?" in service, ctx)

    @staticmethod
    def _nothing_today(stmt: Statement, loc: Located) -> Violation:
        return Violation(
            path=action_path(stmt, loc),
            message=(f"{stmt.label} allows {loc.value!r}, which matches no action today; it will grant what "
                     "AWS adds whose name fits: list the actions meant by name"),
            actions=(loc.value,),
            detail=repr(loc.value),
        )

    @staticmethod
    def _violation(stmt: Statement, loc: Located, today: list[str], levels: frozenset[str], service_wild: bool,
                   ctx: RuleContext) -> Violation:
        pattern = loc.value
        later = ("every action, in any service AWS launches later, whose name fits"
                 if service_wild else "every action AWS adds later whose name fits")
        shown = "/".join(level for level in ctx.profile.allowed_levels if level in levels)
        return Violation(
            path=action_path(stmt, loc),
            message=(f"{stmt.label} allows {pattern!r}, which matches {len(today)} {shown} action(s) "
                     f"today and {later}; list the {len(today)} action(s) by name"),
            actions=tuple(today),
            detail=repr(pattern),
        )

    def group_message(self, stmt: Statement | None, violations: Sequence[Violation], actions: Sequence[str],
                      ctx: RuleContext) -> str:
        label = stmt.label if stmt is not None else "the policy"
        empty = [a for a in actions if "*" in a or "?" in a]  # patterns that match no action today
        names = [a for a in actions if "*" not in a and "?" not in a]
        if not names:
            return (f"{label} allows {len(empty)} wildcard(s), {summarize(empty, 5)}, which match no action "
                    "today; they will grant what AWS adds whose name fits: list the actions meant by name")
        levels = {corrected_level(a) for a in names}
        shown = "/".join(level for level in ctx.profile.allowed_levels if level in levels)
        tail = (f"; {summarize(empty, 5)} match(es) no action today and will grant what AWS adds" if empty else "")
        return (f"{label} allows {len(violations)} wildcard(s), {summarize([v.detail for v in violations], 5)}, "
                f"which match {len(names)} {shown} action(s) today and every action AWS adds later whose "
                f"name fits; list the {len(names)} action(s) by name: {summarize(names)}{tail}")


def _levels(actions: list[str], allowed: frozenset[str]) -> frozenset[str] | None:
    """The corrected levels of ``actions``, or None as soon as one is beyond ``allowed``."""
    levels: set[str] = set()
    for a in actions:
        level = corrected_level(a)
        if level not in allowed:
            return None
        levels.add(level)
    return frozenset(levels)
