from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from checker.analysis.sensitivity import MANY_ACTIONS, actions_with_levels, corrected_level
from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import DocumentKind, Located, PolicyDocument, Statement

from ._util import action_path, granted_to, summarize, via


class WriteActionAllowed(Rule):
    """Allow grants actions beyond the profile's access levels (Write, Permissions management, Tagging)

    ## What it does
    Expands every Allow statement against the AWS service catalog (wildcards and `NotAction`
    included, unconditional Denies subtracted) and reports each action whose access level the
    profile does not allow. In the `read-only` profile only `List` and `Read` are allowed. One
    finding per statement names the patterns that grant the actions and lists every one with its
    level.
    Levels are AWS's, corrected where AWS labels an action Write that only reads
    (`checker/data/level_corrections.json`, e.g. `billing:GetResourcePolicy`).

    ## Why is this bad?
    A role meant to be read-only that can write, change permissions or tag can change the account
    it was trusted to observe. Wildcards hide this: `s3:*` looks like "S3 access" and grants
    deleting every bucket; `NotAction` grants everything not listed.

    ## Example
    ```json
    {"Effect": "Allow", "Action": ["ce:*"], "Resource": "*"}
    ```
    Use instead: the read actions that are needed, `ce:Get*`, `ce:Describe*`, `ce:List*`, or better
    each action by name.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_understand-policy-summary-access-level-summaries.html
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    """

    id = "IAM101"
    name = "write-action-allowed"
    severity = Severity.ERROR
    kinds: ClassVar[frozenset[DocumentKind]] = frozenset({DocumentKind.IDENTITY, DocumentKind.RESOURCE})

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        allowed = frozenset(ctx.profile.allowed_levels)
        for sg in ctx.grants(doc).allows:
            by_pattern: dict[int, tuple[Located, list[str]]] = {}
            granted = sg.actions
            if len(granted) > MANY_ACTIONS:  # one set difference instead of a lookup per action
                beyond: Iterable[str] = granted.keys() - actions_with_levels(allowed)
            else:
                beyond = [a for a in granted if corrected_level(a) not in allowed]
            for action in beyond:
                loc = granted[action]
                by_pattern.setdefault(id(loc), (loc, []))[1].append(action)
            stmt = sg.statement
            for loc, actions in by_pattern.values():
                actions.sort()
                shown = summarize(actions, show=_with_level)
                through = via(stmt, loc)
                yield Violation(
                    path=action_path(stmt, loc),
                    message=(f"{stmt.label} allows {len(actions)} action(s) beyond "
                             f"{'/'.join(ctx.profile.allowed_levels)} through {through}: {shown}"
                             f"{granted_to(stmt, ctx)}"),
                    actions=tuple(actions),
                    detail=through,
                )

    def group_message(self, stmt: Statement | None, violations: Sequence[Violation], actions: Sequence[str],
                      ctx: RuleContext) -> str:
        label = stmt.label if stmt is not None else "the policy"
        return (f"{label} allows {len(actions)} action(s) beyond {'/'.join(ctx.profile.allowed_levels)} "
                f"through {summarize([v.detail for v in violations], 5)}: {summarize(actions, show=_with_level)}"
                f"{granted_to(stmt, ctx)}")


def _with_level(action: str) -> str:
    return f"{action} ({corrected_level(action)})"
