from __future__ import annotations

from collections.abc import Iterable

from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import PolicyDocument, ProblemKind


class OutsideRead(Rule):
    """Policy read from outside the scanned folder

    ## What it does
    Reports a Terraform `file()` or `templatefile()` that reads a policy from outside the folder
    being checked. Such reads are refused (the value is then unresolved, IAM002) unless
    `--allow-outside` is given; with it, each one is reported by this rule as a note.

    ## Why is this bad?
    A review of the folder does not show the policy: it lives elsewhere, maybe in another
    repository or on the build machine only, and can change without this folder changing.

    ## Example
    ```hcl
    resource "aws_iam_policy" "cost" {
      policy = file("/etc/policies/cost.json")
    }
    ```
    Use instead: keep the policy file inside the module, `file("${path.module}/cost.json")`.

    ## References
    - https://developer.hashicorp.com/terraform/language/functions/file
    - https://developer.hashicorp.com/terraform/language/expressions/references#filesystem-and-workspace-info
    """

    id = "IAM005"
    name = "outside-read"
    severity = Severity.NOTE

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        for p in doc.problems:
            if p.rule is ProblemKind.OUTSIDE_READ:
                yield Violation(path=p.path, message=p.message, line=p.line or None)
