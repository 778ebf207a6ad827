from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import PolicyDocument, ProblemKind


class InvalidPolicy(Rule):
    """Policy is not valid IAM policy grammar

    ## What it does
    Reports what AWS would reject when the policy is created or attached: a file that is not valid
    JSON, a Statement that is not an object, an Effect other than `Allow` or `Deny`, an action that
    is not a string, a statement with both `Action` and `NotAction` (or neither), elements IAM does
    not know, and duplicate keys in one JSON object.

    ## Why is this bad?
    A policy the analyzer cannot read with certainty cannot be proven read-only. Duplicate keys are
    worse than a syntax error: most JSON readers keep only the last `"Action"`, so a grant can hide
    behind the first one while a review tool sees only the harmless second one.

    ## Example
    ```json
    {"Version": "2012-10-17",
     "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Action": "s3:GetObject", "Resource": "*"}]}
    ```
    Use instead: one `Action` element listing exactly what is granted.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
    """

    id = "IAM001"
    name = "invalid-policy"
    severity = Severity.ERROR
    ignorable: ClassVar[bool] = False
    # Also reported by the engine for a file that could not be read at all (no document to check).
    emitted_by_engine: ClassVar[bool] = True

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        for p in doc.problems:
            if p.rule is ProblemKind.INVALID:
                yield Violation(path=p.path, message=p.message, line=p.line or None)
