from __future__ import annotations

from checker.engine.findings import Severity

from ._parliament import ParliamentRule


class InvalidPrincipal(ParliamentRule):
    """Principal is not an account, ARN or identity provider IAM accepts

    ## What it does
    Reports an `AWS` principal that is not `"*"`, a 12-digit account id or an IAM/STS ARN (with a
    12-digit account), a `Federated` principal that is not a SAML or OIDC provider ARN or one of the
    built-in web identity providers, and a principal given as a string other than `"*"`.
    `CanonicalUser` (S3) principals and STS session ARNs are accepted.

    Found by parliament's grammar lint, run once per policy and shared by the lint rules
    (IAM510-IAM520); see docs/rules.md, "Grammar lint", for what the adapter filters.

    ## Why is this bad?
    IAM rejects the policy ("Invalid principal"), or the principal matches nothing: a trust policy
    that does not trust whom it should, or a role name where an ARN belongs.

    ## Example
    ```json
    {"Effect": "Allow", "Principal": {"AWS": "CostCollector"}, "Action": "sts:AssumeRole"}
    ```
    Use instead: `"Principal": {"AWS": "arn:aws:iam::111122223333:role/CostCollector"}`.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """

    id = "IAM517"
    name = "invalid-principal"
    severity = Severity.WARNING
    issues = frozenset({"UNKNOWN_PRINCIPAL", "UNKNOWN_FEDERATION_SOURCE"})
