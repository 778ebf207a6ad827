from __future__ import annotations

from typing import ClassVar

from checker.engine.findings import Severity
from checker.engine.rule import EngineRule


class InvalidSuppression(EngineRule):
    """Suppression or exception that cannot apply

    ## What it does
    Reports a `check-permissions:ignore` comment or a configuration exception that does not apply:
    one without a reason (or with an empty one), one naming no rule or an unknown rule, one naming a
    rule that cannot be suppressed (`ignorable = False`, such as IAM001 invalid-policy), and an
    exception that selects nothing (no `path`, `address`, `sid` or `actions`). The finding it meant
    to silence stays reported. The engine reports this rule; it cannot be suppressed itself.

    ## Why is this bad?
    A suppression is a decision that someone reviewed: without a reason nobody can later tell
    whether it still holds. Rules such as invalid-policy guard what the analyzer can prove at all; a
    policy that cannot be read cannot be proven read-only, so silencing them would turn "unknown"
    into "pass".

    ## Example
    ```hcl
    # check-permissions:ignore IAM101
    actions = ["s3:PutObject"]
    ```
    Use instead: give the reason, e.g.
    `# check-permissions:ignore IAM101 reason: CUR delivery writes the report (ticket SEC-42)`.

    ## References
    - https://github.com/terraform-linters/tflint/blob/master/docs/user-guide/annotations.md
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html
    """

    id = "IAM011"
    name = "invalid-suppression"
    severity = Severity.ERROR
    ignorable: ClassVar[bool] = False
