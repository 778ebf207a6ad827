from __future__ import annotations

from typing import ClassVar

from checker.engine.findings import Severity
from checker.engine.rule import EngineRule


class ExpiredException(EngineRule):
    """Configuration exception has expired and no longer applies

    ## What it does
    Reports an exception of the configuration file whose `expires` date has passed (an exception
    applies up to and including that date). The exception no longer silences anything, so the
    findings it covered are reported again beside this warning. The engine reports this rule; it
    cannot be suppressed itself.

    ## Why is this bad?
    An expiry date records a promise: "this write is accepted until the migration ends". When the
    date passes, the promise is due. Reporting the expiry, instead of silently extending it, makes
    someone either fix the policy or renew the exception with a fresh reason.

    ## Example
    ```toml
    [[tool.check-permissions.exceptions]]
    rule = "IAM101"
    path = "policies/legacy-export.json"
    reason = "legacy export job writes its own report"
    expires = 2024-06-30
    ```
    Use instead: remove the write from the policy and the exception, or renew it with a new date and
    reason.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_access-advisor.html
    """

    id = "IAM012"
    name = "expired-exception"
    severity = Severity.WARNING
    ignorable: ClassVar[bool] = False
