from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from checker.analysis.trust import (
    LIKE_OPERATORS,
    MATCH_OPERATORS,
    condition_uses,
    describe_operator_problem,
    grants_action,
    literal_prefix,
    principal_values,
)
from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import DocumentKind, PolicyDocument, Statement

GITHUB = "token.actions.githubusercontent.com"
# Web identity providers whose audience key is not ``<provider>:aud``.
AUDIENCE_KEYS = {"graph.facebook.com": "app_id", "www.amazon.com": "app_id"}
# Built-in providers whose tokens are scoped by their audience (an app or identity pool id): AWS
# documents no subject condition for them.
AUDIENCE_SCOPED = frozenset({"cognito-identity.amazonaws.com", "graph.facebook.com", "www.amazon.com",
                             "accounts.google.com"})


def provider_of(value: str) -> str:
    """``token.actions.githubusercontent.com`` from its oidc-provider ARN; a bare provider stays as is."""
    marker = ":oidc-provider/"
    return value.split(marker, 1)[1] if marker in value else value


def is_saml(value: str) -> bool:
    return ":saml-provider/" in value


class WebIdentityUnscoped(Rule):
    """Web-identity trust without a subject and audience that pin who may assume the role

    ## What it does
    Examines every Allow statement of a trust policy whose `Federated` principal is an OIDC provider
    (GitHub Actions `token.actions.githubusercontent.com`, EKS `oidc.eks.<region>.amazonaws.com/id/...`,
    GitLab, Terraform Cloud, any `oidc-provider/` ARN, or Cognito, Google, Facebook, Login with
    Amazon) and that allows `sts:AssumeRoleWithWebIdentity`. It requires:

    - an audience condition, `<provider>:aud` (`:app_id` for Facebook and Amazon);
    - for OIDC providers, a subject condition `<provider>:sub`;
    - each with `StringEquals`, `StringEqualsIgnoreCase` or `StringLike` (an `...IfExists` or
      `ForAllValues:` operator passes when the claim is absent; negated operators admit everything
      else), and values that do not admit everyone.

    Subject values under `StringLike` are judged per provider:

    - GitHub: the owner must be literal. `repo:*`, `*`, `repo:octo-*` are errors (any repository of
      any owner); `repo:octo-org/*` (every repository of one organisation) is a warning, since
      GitHub documents it but AWS recommends naming the repository; `repo:octo-org/app:*` (any branch
      or environment of one repository) passes.
    - EKS: `system:serviceaccount:*` or a wildcard namespace is an error (any service account of the
      cluster); a wildcard service-account name in a literal namespace (`system:serviceaccount:ci:*`)
      is a warning.
    - other providers: a subject that begins with a wildcard is an error.

    A federated principal the front end could not resolve is reported: its conditions cannot be
    checked. SAML providers are judged by IAM405.

    ## Why is this bad?
    An OIDC provider such as GitHub issues tokens to every workflow of every repository on
    github.com. Without a `sub` condition, any GitHub user can write a workflow that assumes the
    role; `repo:*` says the same thing with more characters. Without `aud`, tokens minted for another
    audience are accepted.

    ## Example
    ```json
    {"Effect": "Allow",
     "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
     "Action": "sts:AssumeRoleWithWebIdentity",
     "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}}
    ```
    Use instead:
    ```json
    {"Effect": "Allow",
     "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
     "Action": "sts:AssumeRoleWithWebIdentity",
     "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                                    "token.actions.githubusercontent.com:sub": "repo:octo-org/app:ref:refs/heads/main"}}}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html#idp_oidc_Create_GitHub
    - https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#example-subject-claims
    - https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
    """

    id = "IAM404"
    name = "web-identity-unscoped"
    severity = Severity.ERROR
    kinds: ClassVar[frozenset[DocumentKind]] = frozenset({DocumentKind.TRUST, DocumentKind.RESOURCE})

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        for stmt in doc.statements:
            if not stmt.is_allow or not grants_action(stmt, "sts:AssumeRoleWithWebIdentity"):
                continue
            for loc, path in principal_values(stmt, "Federated"):
                if loc.unknown is not None:
                    yield Violation(path=path, message=f"{stmt.label}: the federated principal cannot be "
                                                       f"resolved ({loc.unknown}), so its conditions cannot be checked")
                    continue
                if is_saml(loc.value):
                    continue
                yield from self._provider(stmt, provider_of(loc.value.strip()), path)

    def _provider(self, stmt: Statement, provider: str, principal_path: str) -> Iterable[Violation]:
        aud_key = f"{provider}:{AUDIENCE_KEYS.get(provider, 'aud')}"
        keys = [aud_key] if provider in AUDIENCE_SCOPED else [aud_key, f"{provider}:sub"]
        missing: list[str] = []
        for key in keys:
            uses = condition_uses(stmt, key)
            good = [u for u in uses if u.operator in MATCH_OPERATORS and u.values]
            if not good:
                if uses:
                    u = uses[0]
                    yield Violation(path=f"{stmt.path}/Condition/{u.operator}",
                                    message=f"{stmt.label} tests {key} with {u.operator}: "
                                                         f"{describe_operator_problem(u.operator)}")
                else:
                    missing.append(key)
                continue
            verdicts = [self._judge(provider, key, u.operator, [v.value for v in u.values if v.unknown is None])
                        for u in good]
            # Condition blocks are ANDed: the narrowest block decides.
            best = min(verdicts, key=lambda v: (0 if v is None else 1 if v[0] is Severity.WARNING else 2))
            if best is None:
                continue
            severity, reason = best
            u = good[verdicts.index(best)]
            yield Violation(path=u.path, message=f"{stmt.label}: {key} {reason}",
                            severity=None if severity is Severity.ERROR else severity)
        if missing:
            scope = "" if missing == [aud_key] else " (any repository, workflow or service account)"
            yield Violation(path=principal_path,
                            message=f"{stmt.label} trusts {provider} without a condition on "
                                    f"{' and '.join(missing)}: any identity of that provider{scope} "
                                    "may assume the role")

    @staticmethod
    def _judge(provider: str, key: str, operator: str, values: list[str]) -> tuple[Severity, str] | None:
        """The worst verdict over the values of one condition block, or None when all are narrow."""
        worst: tuple[Severity, str] | None = None
        for value in values:
            verdict = _judge_value(provider, key, operator, value)
            if verdict is not None and (worst is None or verdict[0] is Severity.ERROR):
                worst = verdict
                if verdict[0] is Severity.ERROR:
                    break
        return worst


def _judge_value(provider: str, key: str, operator: str, value: str) -> tuple[Severity, str] | None:
    v = value.strip()
    if operator not in LIKE_OPERATORS:
        return (Severity.ERROR, f"is empty under {operator}") if v == "" else None
    prefix = literal_prefix(v)
    if prefix == v:
        return None
    if key.endswith(":aud") or key.endswith(":app_id"):
        return (Severity.ERROR, f"value {value!r} admits any audience") if prefix == "" else None
    if provider == GITHUB:
        if not prefix.startswith("repo:"):
            return (Severity.ERROR, f"value {value!r} admits any repository") if prefix == "" or \
                "repo:".startswith(prefix) else None
        owner_repo = prefix[len("repo:"):]
        if "/" not in owner_repo:
            return (Severity.ERROR, f"value {value!r} admits repositories of any owner (the owner must be literal)")
        repo = owner_repo.split("/", 1)[1]
        if ":" not in repo:
            owner = owner_repo.split("/", 1)[0]
            return (Severity.WARNING, f"value {value!r} admits every repository of {owner!r} matching it; "
                                      "name the repository")
        return None
    if provider.startswith("oidc.eks."):
        head = "system:serviceaccount:"
        if not prefix.startswith(head) or ":" not in prefix[len(head):]:
            return (Severity.ERROR, f"value {value!r} admits service accounts of any namespace")
        return (Severity.WARNING, f"value {value!r} admits every service account of namespace "
                                  f"{prefix[len(head):].split(':', 1)[0]!r} matching it; name the service account")
    return (Severity.ERROR, f"value {value!r} admits any subject") if prefix == "" else None
