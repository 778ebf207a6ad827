from __future__ import annotations

from checker.engine.findings import Severity

from ._parliament import ParliamentRule


class ResourceStar(ParliamentRule):
    """Resource "*" for actions that can be scoped to resources

    ## What it does
    A least-privilege hint for audits: reports Allow statements that grant on `"*"` actions that
    accept resource ARNs (re-checked against the catalog; actions that only take `"*"`, such as
    `ce:GetCostAndUsage` or `cloudwatch:GetMetricData`, are not reported), and statements whose
    wildcard ARNs cover every resource the actions act on (`"*"` in all but name).

    Found by parliament's grammar lint, run once per policy and shared by the lint rules
    (IAM510-IAM520); see docs/rules.md, "Grammar lint", for what the adapter filters.

    ## Why is this bad?
    `"*"` reaches every present and future resource of the type in the account: a role meant for
    one bucket can read all of them. It is often fine (listing, describing), which is why this is
    a note, off in the `read-only` gate.

    ## Example
    ```json
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    ```
    Use instead: `"Resource": "arn:aws:s3:::cur-bucket/*"`.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    """

    id = "IAM519"
    name = "resource-star"
    severity = Severity.NOTE
    issues = frozenset({"RESOURCE_STAR", "RESOURCE_EFFECTIVELY_STAR"})
