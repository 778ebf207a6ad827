from __future__ import annotations

from checker.engine.findings import Severity

from ._parliament import ParliamentRule


class InvalidArn(ParliamentRule):
    """Resource is not a valid ARN

    ## What it does
    Reports each `Resource` entry that is not `"*"` and not an ARN of the form
    `arn:partition:service:region:account:resource`: fewer than six parts, an unknown partition, a
    region or account field of the wrong shape (`arn:aws:s3:us-east-1:1234:x`). Values known only
    after apply are not judged.

    Found by parliament's grammar lint, run once per policy and shared by the lint rules
    (IAM510-IAM520); see docs/rules.md, "Grammar lint", for what the adapter filters.

    ## Why is this bad?
    IAM rejects some malformed ARNs and accepts others that then match nothing: the statement grants
    nothing (or a Deny denies nothing), and the fix after a failed call is often `"*"`.

    ## Example
    ```json
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "cur-bucket/*"}
    ```
    Use instead: `"Resource": "arn:aws:s3:::cur-bucket/*"`.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
    """

    id = "IAM514"
    name = "invalid-arn"
    severity = Severity.WARNING
    issues = frozenset({"INVALID_ARN"})
