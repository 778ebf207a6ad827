from __future__ import annotations

from checker.engine.findings import Severity

from ._parliament import ParliamentRule


class BucketPolicyEscalation(ParliamentRule):
    """Bucket-level permission that can grant the object permission it withholds

    ## What it does
    Reports a policy that allows `s3:PutBucketPolicy` or `s3:PutBucketAcl` on a bucket without
    allowing `s3:GetObject`, `s3:PutObject` or `s3:DeleteObject` on its objects, or
    `s3:PutLifecycleConfiguration` without `s3:DeleteObject` (parliament's resource-policy
    escalation check).

    Found by parliament's grammar lint, run once per policy and shared by the lint rules
    (IAM510-IAM520); see docs/rules.md, "Grammar lint", for what the adapter filters.

    ## Why is this bad?
    Whoever may rewrite a bucket's policy or ACL may grant themselves (or everyone) the object
    access the policy withholds; a lifecycle rule deletes every object. The restriction is
    cosmetic.

    ## Example
    ```json
    {"Effect": "Allow", "Action": ["s3:PutBucketPolicy", "s3:GetObject"], "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]}
    ```
    Use instead: no `s3:PutBucketPolicy`/`s3:PutBucketAcl` in a role that is not meant to administer
    the bucket.

    ## References
    - https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-iam-policies.html
    """

    id = "IAM520"
    name = "bucket-policy-escalation"
    severity = Severity.WARNING
    issues = frozenset({"RESOURCE_POLICY_PRIVILEGE_ESCALATION"})
