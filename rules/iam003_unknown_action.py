from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import PolicyDocument, Statement

from ._util import real_service_wildcard, summarize

_SHAPE = re.compile(r"^(\*|[A-Za-z0-9*?_.-]+:[A-Za-z0-9*?_.-]*)$")


class UnknownAction(Rule):
    """Action matches nothing in the AWS service catalog

    ## What it does
    Reports every `Action` or `NotAction` entry that matches no action of the AWS service catalog:
    an action name the catalog does not know, a pattern whose service does not exist, or an entry
    that is not of the form `service:action`; one finding per statement listing them. In an Allow it
    is an error; in a Deny it is a warning. A wildcard of a real service in an Allow's `Action` that
    matches no action today (`autoscaling:List*`) is not reported here: it grants nothing today and
    whatever AWS adds later, which is wildcard-future-risk (IAM103), a warning.

    ## Why is this bad?
    An action the catalog does not know cannot be proven read-only: it may be an action AWS added
    after the catalog was built, a typo that AWS silently accepts, or a name crafted to look
    harmless. In a Deny it grants nothing, but the guard it was meant to be is weaker than it looks
    (a misspelt Deny denies nothing).

    ## Example
    ```json
    {"Effect": "Allow", "Action": ["s3:GetObjects"], "Resource": "*"}
    ```
    Use instead: the action as AWS spells it, `s3:GetObject`.

    ## References
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    """

    id = "IAM003"
    name = "unknown-action"
    severity = Severity.ERROR

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        # The grants already expanded every pattern: those that matched nothing are its ``unmatched``.
        unmatched = {id(loc) for sg in ctx.grants(doc).statements for loc in sg.unmatched}
        for stmt in doc.statements:
            for key, values in (("Action", stmt.action), ("NotAction", stmt.not_action)):
                for j, loc in enumerate(values or ()):
                    if loc.unknown is not None:
                        continue
                    severity = None if stmt.is_allow else Severity.WARNING
                    where = "an Allow" if stmt.is_allow else "a Deny"
                    if not _SHAPE.match(loc.value):
                        msg = (f"{key} {loc.value!r} in {stmt.label} is not of the form service:action; "
                               "IAM rejects it or it matches nothing")
                    elif id(loc) in unmatched and not (key == "Action" and stmt.is_allow
                                                        and real_service_wildcard(loc.value, ctx)):
                        msg = (f"{key} {loc.value!r} in {stmt.label} ({where}) matches no action in the AWS "
                               "service catalog, so it cannot be proven read-only"
                               if stmt.is_allow else
                               f"{key} {loc.value!r} in {stmt.label} ({where}) matches no action in the AWS "
                               "service catalog: this guard denies nothing")
                    else:
                        continue
                    yield Violation(path=f"{stmt.path}/{key}/{j}", message=msg, actions=(loc.value,),
                                    severity=severity, detail=key)

    def group_message(self, stmt: Statement | None, violations: Sequence[Violation], actions: Sequence[str],
                      ctx: RuleContext) -> str:
        label = stmt.label if stmt is not None else "the policy"
        allow = stmt is None or stmt.is_allow
        keys = "/".join(sorted({v.detail for v in violations}))
        odd = [a for a in actions if not _SHAPE.match(a)]
        shape = (f" ({summarize(odd, 5)} not of the form service:action: IAM rejects or matches nothing)"
                 if odd else "")
        tail = "so they cannot be proven read-only" if allow else "these guards deny nothing"
        return (f"{label} ({'an Allow' if allow else 'a Deny'}) has {len(actions)} {keys} entries that match no "
                f"action in the AWS service catalog{shape}, {tail}: {summarize(actions)}")
