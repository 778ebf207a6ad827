from __future__ import annotations

from checker.engine.findings import Severity

from ._parliament import ParliamentRule


class ConditionTypeMismatch(ParliamentRule):
    """Condition operator or value does not fit the key's type

    ## What it does
    Reports a condition whose operator type does not fit the key (`StringEquals` on a date key,
    `DateGreaterThan` on a string), a value that is not of the key's type (`aws:CurrentTime`
    compared with `"yesterday"`), and a `Null` operator given something other than `true` or
    `false`. Epoch seconds for `aws:EpochTime` are accepted. Using `StringLike` on an ARN key
    (which AWS's own examples do) is not reported.

    Found by parliament's grammar lint, run once per policy and shared by the lint rules
    (IAM510-IAM520); see docs/rules.md, "Grammar lint", for what the adapter filters.

    ## Why is this bad?
    A condition that compares values of the wrong type never matches (or IAM rejects it): an Allow
    grants nothing and a Deny denies nothing, silently.

    ## Example
    ```json
    {"Effect": "Deny", "Action": "*", "Resource": "*",
     "Condition": {"DateGreaterThan": {"aws:CurrentTime": "end of 2025"}}}
    ```
    Use instead: `"DateGreaterThan": {"aws:CurrentTime": "2025-12-31T23:59:59Z"}`.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """

    id = "IAM513"
    name = "condition-type-mismatch"
    severity = Severity.WARNING
    issues = frozenset({"MISMATCHED_TYPE", "MISMATCHED_TYPE_OPERATION_TO_NULL"})
