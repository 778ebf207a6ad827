from __future__ import annotations

from checker.engine.findings import Severity

from ._parliament import ParliamentRule


class PolicyVersion(ParliamentRule):
    """Policy has no Version or the old 2008-10-17 version

    ## What it does
    Reports a policy without a `Version` element, and one with `"Version": "2008-10-17"`. (A
    `Version` that is neither is an error of IAM001.)

    Found by parliament's grammar lint, run once per policy and shared by the lint rules
    (IAM510-IAM520); see docs/rules.md, "Grammar lint", for what the adapter filters.

    ## Why is this bad?
    Without `Version`, and with the 2008 version, IAM does not substitute policy variables:
    `arn:aws:s3:::home/${aws:username}/*` is taken literally, so the statement grants or denies
    something else than it says. Newer features (some condition operators) need 2012-10-17.

    ## Example
    ```json
    {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}
    ```
    Use instead: `{"Version": "2012-10-17", "Statement": [...]}`.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
    """

    id = "IAM516"
    name = "policy-version"
    severity = Severity.WARNING
    issues = frozenset({"NO_VERSION", "OLD_VERSION"})
