from __future__ import annotations

from checker.engine.findings import Severity

from ._parliament import ParliamentRule


class MfaConditionPattern(ParliamentRule):
    """MFA condition that does not enforce MFA

    ## What it does
    Reports `{"Bool": {"aws:MultiFactorAuthPresent": "false"}}` (and the same under `Null`).

    Found by parliament's grammar lint, run once per policy and shared by the lint rules
    (IAM510-IAM520); see docs/rules.md, "Grammar lint", for what the adapter filters.

    ## Why is this bad?
    `aws:MultiFactorAuthPresent` is absent from requests signed with long-term access keys, so a
    Deny on `"false"` does not apply to them: the guard meant to require MFA lets every access-key
    request through.

    ## Example
    ```json
    {"Effect": "Deny", "Action": "*", "Resource": "*",
     "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}
    ```
    Use instead: `{"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}` in the Deny.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent
    """

    id = "IAM518"
    name = "mfa-condition-pattern"
    severity = Severity.WARNING
    issues = frozenset({"BAD_PATTERN_FOR_MFA"})
