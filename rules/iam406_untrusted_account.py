from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from checker.analysis.trust import account_of_arn, aws_principals, principal_values
from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import DocumentKind, PolicyDocument


class UntrustedAccount(Rule):
    """Trust policy names an account the profile does not trust

    ## What it does
    Runs only when the profile sets `trusted_accounts`. Then every AWS principal of every Allow
    statement of a trust policy must belong to one of those accounts (an account id, its `root`, or
    a role, user or session ARN in it), and so must every federated provider ARN
    (`arn:aws:iam::<account>:oidc-provider/...`, `saml-provider/...`). It reports every other account,
    `"*"`, an account wildcard, an AWS principal with no readable account (a unique id such as
    `AROA...`), and a principal the front end could not resolve: none of these can be proven to be a
    trusted account. Service principals carry no account and are not judged here.

    ## Why is this bad?
    The onboarding role exists for one party: the company that analyses the account. An additional
    account in its trust policy, by mistake or by a malicious change in review, hands the same
    read access to someone else; a gate that knows which accounts are expected catches it.

    ## Example
    With `trusted_accounts = ["111122223333"]`:
    ```json
    {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::999988887777:root"]},
     "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "abc"}}}
    ```
    Use instead: only the trusted account,
    `"Principal": {"AWS": "arn:aws:iam::111122223333:root"}`.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html
    """

    id = "IAM406"
    name = "untrusted-account"
    severity = Severity.ERROR
    kinds: ClassVar[frozenset[DocumentKind]] = frozenset({DocumentKind.TRUST})

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        trusted = ctx.profile.trusted_accounts
        if not trusted:
            return
        listed = ", ".join(trusted)
        for stmt in doc.statements:
            if not stmt.is_allow:
                continue
            if stmt.principal and "*" in stmt.principal:
                yield Violation(path=f"{stmt.path}/Principal",
                                message=f"{stmt.label} trusts every principal (\"*\"), not only {listed}")
            for p in aws_principals(stmt):
                value = p.loc.value
                if p.unresolved:
                    why = f"cannot be resolved ({p.loc.unknown}), so it cannot be proven to be in {listed}"
                elif p.everyone:
                    why = f"is every principal, not only {listed}"
                elif p.account is None:
                    why = f"names no account the analyzer can read, so it cannot be proven to be in {listed}"
                elif p.account_wildcard:
                    why = f"is an account wildcard, not only {listed}"
                elif p.account not in trusted:
                    why = f"is in account {p.account}, which the profile does not trust ({listed})"
                else:
                    continue
                yield Violation(path=p.path, message=f"{stmt.label}: principal {value!r} {why}")
            for loc, path in principal_values(stmt, "Federated"):
                if loc.unknown is not None:
                    yield Violation(path=path, message=f"{stmt.label}: federated principal {loc.value!r} cannot be "
                                                       f"resolved ({loc.unknown}), so it cannot be proven to be in "
                                                       f"{listed}")
                    continue
                account = account_of_arn(loc.value)
                if account is not None and account not in trusted:
                    yield Violation(path=path, message=f"{stmt.label}: identity provider {loc.value!r} is in account "
                                                       f"{account}, which the profile does not trust ({listed})")
