from __future__ import annotations

from checker.engine.findings import Severity

from ._parliament import ParliamentRule


class UnsupportedConditionKey(ParliamentRule):
    """Condition key is not supported by the statement's actions

    ## What it does
    Reports each condition key of a statement that some of its actions do not support (per the
    service authorization reference; re-checked against the catalog, which knows newer keys), and
    every `aws:` key that is not an AWS global condition key (a misspelling such as
    `aws:SourceIpAddress`; keys are compared case-insensitively, as IAM does). Keys of
    identity providers (`token.actions.githubusercontent.com:sub`, `SAML:aud`) are left to the trust
    rules.

    Found by parliament's grammar lint, run once per policy and shared by the lint rules
    (IAM510-IAM520); see docs/rules.md, "Grammar lint", for what the adapter filters.

    ## Why is this bad?
    A key an action does not support is absent from that action's request context: the condition
    does not hold, so an Allow grants nothing for those actions and a Deny denies nothing. The
    second is how guards silently stop working.

    ## Example
    ```json
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
     "Condition": {"StringLike": {"s3:prefix": "reports/*"}}}
    ```
    Use instead: `s3:prefix` with `s3:ListBucket` on the bucket; objects are scoped by their ARN,
    `"Resource": "arn:aws:s3:::b/reports/*"`.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    """

    id = "IAM512"
    name = "unsupported-condition-key"
    severity = Severity.WARNING
    issues = frozenset({"UNKNOWN_CONDITION_FOR_ACTION"})
