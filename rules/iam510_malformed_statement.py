from __future__ import annotations

from checker.engine.findings import Severity

from ._parliament import ParliamentRule


class MalformedStatement(ParliamentRule):
    """Statement is malformed or uses an unknown condition operator

    ## What it does
    Reports what parliament finds structurally wrong and IAM001 does not already report: a
    statement of a resource policy with neither `Resource` nor `NotResource` (most services require
    one; ECR repository policies are the exception), and a condition operator IAM does not know
    (`StringEqual`, `DateAfter`). When the lint cannot analyse a policy at all it says so here,
    naming the reason.

    Found by parliament's grammar lint, run once per policy and shared by the lint rules
    (IAM510-IAM520); see docs/rules.md, "Grammar lint", for what the adapter filters.

    ## Why is this bad?
    IAM rejects an unknown operator when the policy is created; services reject resource policies
    without a resource. A policy that cannot be applied is a change that fails late, and a typo
    in an operator of a Deny that some tool accepted silently denies nothing.

    ## Example
    ```json
    {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
     "Condition": {"StringEqual": {"aws:RequestedRegion": "eu-west-1"}}}
    ```
    Use instead: `"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}` (an operator IAM knows).

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """

    id = "IAM510"
    name = "malformed-statement"
    severity = Severity.WARNING
    issues = frozenset({"MALFORMED", "EXCEPTION", "MALFORMED_JSON", "UNKNOWN_OPERATOR", "LINT_FAILED"})
