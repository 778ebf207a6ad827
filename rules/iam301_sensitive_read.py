from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from typing import ClassVar

from checker.analysis.sensitivity import categories, sensitive_candidates, sensitive_on
from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import DocumentKind, Located, PolicyDocument, Statement

from ._util import action_path, granted_to, summarize, via


def _with_categories(found: dict[str, list[str]], action: str) -> str:
    """``s3:GetObject (data)``: an action shown with the categories it was reported for."""
    return f"{action} ({', '.join(found[action])})"


class SensitiveRead(Rule):
    """Allow grants actions in a sensitive category the profile forbids (credentials, data, config-secrets, side-effect, cost)

    ## What it does
    Looks up every allowed action (wildcards and `NotAction` expanded, unconditional Denies
    subtracted) in the curated classification `checker/data/sensitive_actions.json` and reports
    those in a category the profile lists in `forbidden_categories`, unless the profile's
    `category_exceptions` accepts the action for that category. One finding per statement, naming
    the granting patterns and listing each action with its categories:

    - `credentials`: returns secrets, keys, tokens or passwords (`secretsmanager:GetSecretValue`,
      `ecr:GetAuthorizationToken`, `sts:AssumeRole`);
    - `data`: returns customer data (`s3:GetObject`, `dynamodb:Scan`, `logs:GetLogEvents`);
    - `config-secrets`: returns configuration where owners often put secrets in plain text:
      environment variables (`lambda:GetFunctionConfiguration`, `ecs:DescribeTaskDefinition`,
      `codebuild:BatchGetProjects`), instance user data (`ec2:DescribeInstanceAttribute`), job
      arguments (`glue:GetJob`);
    - `side-effect`: labelled Read but changes state or starts work (`sqs:ReceiveMessage`,
      `logs:StartQuery`);
    - `cost`: billed per call or volume (`bedrock:InvokeModel`, `ce:GetCostAndUsage`).

    The `read-only` profile forbids `credentials`, `config-secrets`, `side-effect` and `cost` (with
    the Cost Explorer API, `ce:*`, accepted); `data` reads are judged by unscoped-data-read (IAM302)
    instead. A profile that must read such configuration removes `config-secrets` from
    `forbidden_categories`, or accepts single actions in `category_exceptions`.

    ## Why is this bad?
    AWS labels these actions Read or List, so a "read-only" role that holds them passes a check by
    access level, yet it can hand out secrets, read every object, consume messages or run up a
    bill. `secretsmanager:Get*` looks as harmless as `ce:Get*`.

    ## Example
    ```json
    {"Effect": "Allow", "Action": ["secretsmanager:Get*", "bedrock:InvokeModel"], "Resource": "*"}
    ```
    Use instead: only the metadata reads that are needed, e.g. `secretsmanager:DescribeSecret`,
    `bedrock:GetFoundationModel`, `bedrock:ListFoundationModels`.

    ## References
    - https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
    - https://github.com/salesforce/policy_sentry/blob/master/policy_sentry/shared/data/audit/credentials-exposure.txt
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_understand-policy-summary-access-level-summaries.html
    """

    id = "IAM301"
    name = "sensitive-read"
    severity = Severity.ERROR
    kinds: ClassVar[frozenset[DocumentKind]] = frozenset({DocumentKind.IDENTITY, DocumentKind.RESOURCE})

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        profile = ctx.profile
        forbidden = frozenset(profile.forbidden_categories)
        if not forbidden:
            return
        judged: dict[str, list[str]] = {}  # action -> its forbidden categories after the exceptions
        for sg in ctx.grants(doc).allows:
            by_pattern: dict[int, tuple[Located, dict[str, list[str]]]] = {}
            for action in sensitive_candidates(sg.actions):
                loc = sg.actions[action]
                hit = categories(action) & forbidden
                if not hit or not sensitive_on(action, sg.statement):
                    continue
                cats = judged.get(action)
                if cats is None:
                    cats = judged[action] = sorted(c for c in hit if not profile.category_exempt(action, c))
                if cats:
                    by_pattern.setdefault(id(loc), (loc, {}))[1][action] = cats
            stmt = sg.statement
            for loc, found in by_pattern.values():
                actions = sorted(found)
                shown = summarize(actions, show=partial(_with_categories, found))
                used = sorted({c for cats in found.values() for c in cats})
                through = via(stmt, loc)
                yield Violation(
                    path=action_path(stmt, loc),
                    message=(f"{stmt.label} allows {len(actions)} action(s) in categories the profile forbids "
                             f"({', '.join(used)}) through {through}: {shown}{granted_to(stmt, ctx)}"),
                    actions=tuple(actions),
                    detail=through,
                )

    def group_message(self, stmt: Statement | None, violations: Sequence[Violation], actions: Sequence[str],
                      ctx: RuleContext) -> str:
        label = stmt.label if stmt is not None else "the policy"
        profile = ctx.profile
        forbidden = frozenset(profile.forbidden_categories)

        def cats(action: str) -> list[str]:
            return sorted(c for c in categories(action) & forbidden if not profile.category_exempt(action, c))

        def show(action: str) -> str:
            return f"{action} ({', '.join(cats(action))})"

        used = sorted({c for a in actions for c in cats(a)})
        return (f"{label} allows {len(actions)} action(s) in categories the profile forbids ({', '.join(used)}) "
                f"through {summarize([v.detail for v in violations], 5)}: "
                f"{summarize(actions, show=show)}{granted_to(stmt, ctx)}")
