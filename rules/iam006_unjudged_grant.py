from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import PolicyDocument, ProblemKind


class UnjudgedGrant(Rule):
    """Resource grants permissions in a way the gate does not judge

    ## What it does
    Reports a Terraform resource that grants, or can create, permissions in a form the analyzer
    cannot judge: a grant that is not a JSON policy (Lake Formation permissions, a RAM share, an
    S3 ACL, an EKS access entry ...), IAM created indirectly (a CloudFormation stack or stack set,
    a Service Catalog product, a Cloud Control resource, a new Organizations account), a type the
    recorded AWS provider schema does not list, a resource of another provider whose type or
    arguments say IAM, policy, role, permission or grant, and a resource that lends the permissions
    of an entity the configuration does not define: a membership of an existing group, credentials
    of an existing user, an existing role handed to an instance profile, an identity pool or a
    Lambda function, a permission set assigned on an account, a member added to an Identity Center
    group. The message names the resource, the argument and why.

    ## Why is this bad?
    `terraform plan` may grant `*` through any of these; a gate that skipped them without a word
    would pass a configuration it never read. Every way to grant is either judged or reported.

    ## Example
    ```hcl
    resource "aws_lakeformation_permissions" "etl" {
      principal   = aws_iam_role.etl.arn
      permissions = ["ALL"]
      database { name = "sales" }
    }
    ```
    Use instead: grant through an IAM or resource policy the gate reads, or review the grant and
    suppress the finding with a reason (`# check-permissions:ignore IAM006 reason: ...`).

    ## References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs
    - https://developer.hashicorp.com/terraform/cli/commands/providers/schema
    """

    id = "IAM006"
    name = "unjudged-grant"
    severity = Severity.ERROR
    ignorable: ClassVar[bool] = True

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        for p in doc.problems:
            if p.rule is ProblemKind.UNJUDGED:
                yield Violation(path=p.path, message=p.message, line=p.line or None)
