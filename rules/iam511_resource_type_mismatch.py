from __future__ import annotations

from checker.engine.findings import Severity

from ._parliament import ParliamentRule


class ResourceTypeMismatch(ParliamentRule):
    """Resource does not fit the actions of the statement

    ## What it does
    Reports Allow statements where, for some actions, no `Resource` entry is an ARN of a resource
    type the action acts on (`s3:GetObject` on a bucket ARN instead of `bucket/*`, `iam:ListRoles`
    on a role ARN when it only takes `"*"`). The finding lists the actions and the ARN format each
    needs. Verdicts are re-checked against the catalog's newer resource types: an action the
    catalog says fits is not reported.

    Found by parliament's grammar lint, run once per policy and shared by the lint rules
    (IAM510-IAM520); see docs/rules.md, "Grammar lint", for what the adapter filters.

    ## Why is this bad?
    Such an action is granted on nothing: the policy does not do what its author believes, and the
    usual "fix" after a failed call is to widen the Resource to `"*"`. In a Deny the same
    mismatch means the guard guards nothing (parliament judges Allow statements only).

    ## Example
    ```json
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cur-bucket"}
    ```
    Use instead: `"Resource": "arn:aws:s3:::cur-bucket/*"` (objects), and the bucket ARN for
    `s3:ListBucket`.

    ## References
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    """

    id = "IAM511"
    name = "resource-type-mismatch"
    severity = Severity.WARNING
    issues = frozenset({"RESOURCE_MISMATCH"})
