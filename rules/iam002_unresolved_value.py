from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from checker.analysis.partial import only_partition_unknown
from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import DocumentKind, PolicyDocument, ProblemKind


class UnresolvedValue(Rule):
    """Policy value cannot be resolved, so the policy cannot be proven

    ## What it does
    Reports every value of a policy that the analyzer could not compute: a Terraform expression
    known only after apply (`aws_iam_role.x.arn`), a variable without a value, an unsupported
    function, a policy ARN that names no document it can read, a `count` or `for_each` that is not
    known. In an `Action`, `NotAction` or `Effect`, or a whole policy or statement, it is an error
    naming the expression, file, line and reason; in a Deny's actions, a `Resource` that may be
    every resource, or a principal whose identity is not proven, a warning. A value that is known but
    for typed parts (`"${aws_s3_bucket.cur.arn}/*"`, a principal
    `"arn:${data.aws_partition.current.partition}:iam::111122223333:root"`) names one resource or
    principal: it is not reported here, and the other rules judge what is known of it.

    ## Why is this bad?
    A gate that cannot see a value must not guess it: `Action = var.actions` may be
    `["ce:Get*"]` in one workspace and `["*"]` in another. Silently skipping it would let any grant
    through; the only safe verdict is "not proven".

    ## Example
    ```hcl
    resource "aws_iam_role_policy" "cost" {
      policy = jsonencode({ Version = "2012-10-17", Statement = [
        { Effect = "Allow", Action = var.actions, Resource = "*" }] })
    }
    ```
    Use instead: give the value (a default, `--var-file`, `--var actions=...`), or write the
    actions in the policy itself.

    ## References
    - https://developer.hashicorp.com/terraform/language/expressions/references
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    """

    id = "IAM002"
    name = "unresolved-value"
    severity = Severity.ERROR
    ignorable: ClassVar[bool] = False

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        for p in doc.problems:
            if p.rule is ProblemKind.UNRESOLVED:
                yield Violation(path=p.path, message=p.message, line=p.line or None)
        judged_principals = doc.kind in (DocumentKind.TRUST, DocumentKind.RESOURCE)
        for s in doc.statements:
            for key, values in (("Action", s.action), ("NotAction", s.not_action)):
                for j, loc in enumerate(values or ()):
                    if loc.unknown is None:
                        continue
                    if s.is_allow:
                        yield Violation(path=f"{s.path}/{key}/{j}", message=(
                            f"{loc.unknown}; {s.label} cannot be proven to allow only what the profile allows"))
                    else:
                        yield Violation(path=f"{s.path}/{key}/{j}", severity=Severity.WARNING, message=(
                            f"{loc.unknown}; the Deny of {s.label} may deny less than it seems, so it removes "
                            "nothing from other statements"))
            if s.is_allow:
                for j, loc in enumerate(s.resource or ()):
                    if loc.unknown is not None and loc.value == "*":
                        yield Violation(path=f"{s.path}/Resource/{j}", severity=Severity.WARNING, message=(
                            f"{loc.unknown}; it is judged as every resource (\"*\")"))
            if judged_principals:
                for key, principals in (("Principal", s.principal), ("NotPrincipal", s.not_principal)):
                    for ptype, locs in (principals or {}).items():
                        for j, loc in enumerate(locs):
                            if loc.unknown is not None and not only_partition_unknown(loc):
                                yield Violation(path=f"{s.path}/{key}/{ptype}/{j}", severity=Severity.WARNING,
                                                message=f"{loc.unknown}; who {s.label} applies to is not proven")
