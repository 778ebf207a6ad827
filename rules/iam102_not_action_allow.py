from __future__ import annotations

from collections.abc import Iterable

from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import PolicyDocument


class NotActionAllow(Rule):
    """Allow with NotAction grants every action except the listed ones

    ## What it does
    Reports every Allow statement that uses `NotAction`.

    ## Why is this bad?
    `"Effect": "Allow", "NotAction": [...]` grants every action of every service except those
    listed, today and every action AWS adds in the future. It is almost never what was meant, and
    no list of exclusions keeps it read-only. (`NotAction` in a Deny is a legitimate guard.)

    ## Example
    ```json
    {"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"}
    ```
    Use instead: an `Action` list of what is needed.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
    """

    id = "IAM102"
    name = "not-action-allow"
    severity = Severity.ERROR

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        for sg in ctx.grants(doc).allows:
            stmt = sg.statement
            if stmt.not_action is None:
                continue
            excluded = ", ".join(repr(v.value) for v in stmt.not_action) or "nothing"
            yield Violation(
                path=f"{stmt.path}/NotAction",
                message=(f"{stmt.label} allows every action except {excluded}: {len(sg.actions)} actions "
                         "today and every action AWS adds later"),
            )
