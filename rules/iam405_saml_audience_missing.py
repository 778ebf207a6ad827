from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from checker.analysis.trust import (
    MATCH_OPERATORS,
    condition_uses,
    describe_operator_problem,
    grants_action,
    principal_values,
)
from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import DocumentKind, PolicyDocument

SAML_AUD = "SAML:aud"


class SamlAudienceMissing(Rule):
    """SAML trust without a SAML:aud condition

    ## What it does
    Examines every Allow statement of a trust policy whose `Federated` principal is a SAML provider
    (`arn:aws:iam::<account>:saml-provider/<name>`) and that allows `sts:AssumeRoleWithSAML`, and
    requires a `SAML:aud` condition with `StringEquals`, `StringEqualsIgnoreCase` or `StringLike`
    and a value that is not a bare wildcard (normally `https://signin.aws.amazon.com/saml`, or the
    regional sign-in endpoint). `...IfExists`, set and negated operators do not count.

    ## Why is this bad?
    `SAML:aud` is the endpoint the assertion was issued for. Without it the role accepts an assertion
    from the identity provider that was minted for another service provider, which AWS's own console
    wizard never produces: it always adds the condition.

    ## Example
    ```json
    {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/Okta"},
     "Action": "sts:AssumeRoleWithSAML"}
    ```
    Use instead:
    ```json
    {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/Okta"},
     "Action": "sts:AssumeRoleWithSAML",
     "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_saml.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-saml
    """

    id = "IAM405"
    name = "saml-audience-missing"
    severity = Severity.ERROR
    kinds: ClassVar[frozenset[DocumentKind]] = frozenset({DocumentKind.TRUST, DocumentKind.RESOURCE})

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        for stmt in doc.statements:
            if not stmt.is_allow or not grants_action(stmt, "sts:AssumeRoleWithSAML"):
                continue
            saml = [(loc, path) for loc, path in principal_values(stmt, "Federated")
                    if loc.unknown is None and ":saml-provider/" in loc.value]
            if not saml:
                continue
            uses = condition_uses(stmt, SAML_AUD)
            good = [u for u in uses if u.operator in MATCH_OPERATORS and u.values and all(
                v.unknown is not None or v.value.strip("*? ") != "" for v in u.values)]
            if good:
                continue
            providers = ", ".join(repr(loc.value) for loc, _ in saml)
            if uses:
                u = uses[0]
                why = (describe_operator_problem(u.operator) if u.operator not in MATCH_OPERATORS
                       else "its value admits any audience")
                path = u.path if u.operator in MATCH_OPERATORS else f"{stmt.path}/Condition/{u.operator}"
                yield Violation(path=path, message=f"{stmt.label} trusts {providers} but its {u.key} "
                                                     f"condition does not pin the audience: {why}")
            else:
                yield Violation(path=saml[0][1], message=f"{stmt.label} trusts {providers} without a "
                                                         f"{SAML_AUD} condition")
