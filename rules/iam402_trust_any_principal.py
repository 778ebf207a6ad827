from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from checker.analysis.partial import samples
from checker.analysis.trust import (
    classify_aws,
    is_wildcard_value,
    names_sts,
    own_account_value,
    principal_reference,
)
from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import DocumentKind, Located, PolicyDocument, Statement

# Condition keys that pin who may use a resource policy's "*" principal (AWS documents each of them
# as a way to restrict a public principal). Matched case-insensitively.
RESTRICTING_KEYS = frozenset(k.lower() for k in (
    "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount", "aws:PrincipalArn",
    "aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:SourceOwner",
    "aws:SourceVpc", "aws:SourceVpce", "aws:PrincipalServiceName", "aws:userid",
))
_POSITIVE = frozenset({
    "StringEquals", "StringLike", "StringEqualsIgnoreCase", "ArnEquals", "ArnLike",
    "ForAnyValue:StringEquals", "ForAnyValue:StringLike",
})


def restricting_condition(stmt: Statement) -> str | None:
    """The first condition key that restricts a public principal to an organisation, account, source
    or network endpoint, with a positive operator and no bare-wildcard value; else None."""
    for op, block in stmt.condition.items():
        if op not in _POSITIVE:
            continue
        for key, values in block.items():
            if key.lower() not in RESTRICTING_KEYS or not values:
                continue
            if all(v.unknown is not None or v.value.strip("*?") != "" for v in values):
                return key
    return None


class TrustAnyPrincipal(Rule):
    """Allow names every principal: "*", {"AWS": "*"} or a wildcard account

    ## What it does
    Reports every Allow statement of a trust policy whose `Principal` is `"*"`, `{"AWS": "*"}` (or
    any principal type given as `"*"`), an account wildcard such as `arn:aws:iam::*:root` or
    `arn:aws:iam::1234*:root`, or another wildcard inside a principal ARN. In a trust policy this is an
    error whatever the conditions: a condition on a public principal is one typo away from letting
    the world assume the role.

    In a resource policy (bucket, key, queue ...) the same principals are reported unless a
    condition with a positive operator restricts them to an organisation, account, source or
    endpoint (`aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:SourceArn`, `aws:SourceVpce` ...),
    the pattern AWS documents for sharing within an organisation. A statement that names an `sts:`
    action is judged as a trust statement wherever it is.

    A principal the front end could not resolve (a Terraform value known only after apply) is
    reported as well: it cannot be proven not to be `"*"`, unless it is provably of the scanned
    account (`data.aws_caller_identity.current.account_id` or `.arn`, an ARN in that account, or
    the `arn` of a role or user the configuration creates).

    ## Why is this bad?
    `"Principal": {"AWS": "*"}` in a trust policy lets any AWS account in the world, including
    accounts an attacker opens for free, call `sts:AssumeRole` on the role; only the conditions stand
    between the role and everyone. An account wildcard is the same with a few more characters.

    ## Example
    ```json
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
     "Condition": {"StringEquals": {"sts:ExternalId": "abc"}}}
    ```
    Use instead: the account that needs the role, by id:
    ```json
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole",
     "Condition": {"StringEquals": {"sts:ExternalId": "abc"}}}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid
    """

    id = "IAM402"
    name = "trust-any-principal"
    severity = Severity.ERROR
    kinds: ClassVar[frozenset[DocumentKind]] = frozenset({DocumentKind.TRUST, DocumentKind.RESOURCE})

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        for stmt in doc.statements:
            if not stmt.is_allow or not stmt.principal:
                continue
            trust = doc.kind is DocumentKind.TRUST or names_sts(stmt)
            restricted = None if trust else restricting_condition(stmt)
            for ptype, values in stmt.principal.items():
                for j, loc in enumerate(values):
                    what: str | None
                    if ptype == "*":
                        path, what = f"{stmt.path}/Principal", '"Principal": "*" (every principal)'
                    else:
                        path = f"{stmt.path}/Principal/{ptype}/{j}"
                        what = None if _provably_own(ptype, loc) else self._what(ptype, loc.value, loc.unknown, path, loc)
                    if what is None:
                        continue
                    if restricted is not None and loc.unknown is None:
                        continue
                    tail = ("whatever the conditions say" if trust
                            else "and no condition restricts it to an organisation, account or source")
                    yield Violation(path=path, message=f"{stmt.label} allows {what}, {tail}")

    @staticmethod
    def _what(ptype: str, value: str, unknown: str | None, path: str, loc: Located | None = None) -> str | None:
        stand_ins = samples(loc) if loc is not None else None
        if stand_ins is not None:
            # partly known, each unknown part typed (a partition, an account id, a role's ARN): it is
            # anyone only if the known text makes it so, whichever values the parts take
            for v in stand_ins:
                what = TrustAnyPrincipal._what(ptype, v, None, path)
                if what is not None:
                    return what.replace(repr(v), repr(value))  # name the value as written
            return None
        if unknown is not None:
            article = "an" if ptype[:1] in "AEIOU" else "a"
            return f"{article} {ptype} principal that cannot be resolved ({unknown}), so it may be anyone"
        if value.strip() == "*":
            return f'{{"{ptype}": "*"}} (every principal)'
        if ptype != "AWS":
            return f"a wildcard {ptype} principal {value!r}" if is_wildcard_value(value) else None
        p = classify_aws_value(value, path)
        if p == "account":
            return f"an account wildcard {value!r} (every matching account)"
        if p == "other":
            return f"a wildcard in the principal {value!r} (IAM does not support partial wildcards)"
        return None


def _provably_own(ptype: str, loc: Located) -> bool:
    """An unresolved AWS principal that is provably of the scanned account: the caller identity's
    account or ARN, or a role or user the configuration creates (checker.analysis.trust)."""
    return ptype == "AWS" and loc.unknown is not None and (
        own_account_value(loc) or principal_reference(loc) is not None)


def classify_aws_value(value: str, path: str) -> str | None:
    p = classify_aws(Located.model_construct(value=value), path)
    if p.account_wildcard:
        return "account"
    if p.other_wildcard:
        return "other"
    return None
