from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import PolicyDocument, ProblemKind


class RunsCode(Rule):
    """Terraform runs code during plan or apply, which can do anything its credentials allow

    ## What it does
    Reports a `local-exec` or `remote-exec` provisioner (usually on a `null_resource` or
    `terraform_data`), an `external` data source, and AWS resources that run code when applied
    (`aws_lambda_invocation`, `aws_ssm_association`).

    ## Why is this bad?
    A command run by Terraform uses the deploying credentials: `aws iam attach-role-policy ...`
    in a provisioner grants what no resource of the configuration shows. The gate cannot judge
    what a program does.

    ## Example
    ```hcl
    resource "terraform_data" "bootstrap" {
      provisioner "local-exec" {
        command = "aws iam attach-role-policy --role-name ci --policy-arn arn:aws:iam::aws:policy/AdministratorAccess"
      }
    }
    ```
    Use instead: create what the command creates as resources the gate reads, or review the
    command and suppress the finding with a reason.

    ## References
    - https://developer.hashicorp.com/terraform/language/resources/provisioners/local-exec
    - https://registry.terraform.io/providers/hashicorp/external/latest/docs/data-sources/external
    """

    id = "IAM007"
    name = "runs-code"
    severity = Severity.ERROR
    ignorable: ClassVar[bool] = True

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        for p in doc.problems:
            if p.rule is ProblemKind.RUNS_CODE:
                yield Violation(path=p.path, message=p.message, line=p.line or None)
