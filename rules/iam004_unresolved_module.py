from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import PolicyDocument, ProblemKind


class UnresolvedModule(Rule):
    """Terraform module cannot be read, so the IAM it creates is not judged

    ## What it does
    Reports a `module` block whose source is not available: a registry, Git or other remote source
    that `terraform init` has not fetched into `.terraform/modules`, or a local path that does not
    exist. It is an error whatever the module's inputs are called: the message names the inputs
    that can feed a policy (named like a policy, an action, a role or an ARN, or given a policy
    document) when there are some.

    ## Why is this bad?
    A module the analyzer cannot read may create roles and policies of any kind, whatever it
    receives. Passing a gate over it would prove nothing about them.

    ## Example
    ```hcl
    module "role" {
      source          = "terraform-aws-modules/iam/aws//modules/iam-assumable-role"
      custom_role_policy_arns = [aws_iam_policy.cost.arn]
    }
    ```
    Use instead: run `terraform init -backend=false` before the check, so that the module's code
    is in `.terraform/modules`, or vendor the module as a local path. To accept a module you have
    reviewed, suppress the finding with a reason (`# check-permissions:ignore IAM004 reason: ...`).

    ## References
    - https://developer.hashicorp.com/terraform/cli/commands/init
    - https://developer.hashicorp.com/terraform/language/modules/sources
    """

    id = "IAM004"
    name = "unresolved-module"
    severity = Severity.ERROR
    ignorable: ClassVar[bool] = True

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        for p in doc.problems:
            if p.rule is ProblemKind.UNRESOLVED_MODULE:
                yield Violation(path=p.path, message=p.message, line=p.line or None)
