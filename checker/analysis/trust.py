"""Principals and conditions of trust and resource policies, as the trust rules (IAM4xx) read them.

Helpers only; the rules in ``rules/iam40*.py`` decide what is a finding. Semantics follow IAM:

- an AWS principal is ``"*"``, a 12-digit account id, or an ``arn:<partition>:iam::<account>:...`` /
  ``arn:<partition>:sts::<account>:...`` ARN; anything else (a unique id such as ``AROA...`` left by a
  deleted role) has no account the analyzer can read;
- condition keys are case-insensitive, condition operators are matched exactly as written (IAM
  rejects the others);
- a value the front end could not resolve (``Located.unknown``) is never taken for a concrete one
  where a wildcard would change the verdict.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from checker.analysis.partial import samples
from checker.catalog import iam_pattern_matches
from checker.model import Located, Statement

ACCOUNT_RE = re.compile(r"^\d{12}$")
_ARN_RE = re.compile(r"^arn:(?P<partition>[^:]*):(?P<service>iam|sts)::(?P<account>[^:]*):(?P<rest>.*)$", re.S)

# Positive string operators: the request's value must equal (or match) one of the listed values,
# and the key must be present. IfExists variants pass when the key is absent; ForAllValues passes
# when the key is absent; ForAnyValue on a single-valued key is a misuse. None of those count.
EQUALS_OPERATORS = frozenset({"StringEquals"})
MATCH_OPERATORS = frozenset({"StringEquals", "StringLike", "StringEqualsIgnoreCase"})
LIKE_OPERATORS = frozenset({"StringLike"})


class AwsPrincipal(NamedTuple):
    """One value of a ``Principal: {"AWS": ...}`` element, classified."""

    loc: Located
    path: str
    everyone: bool = False  # "*"
    account: str | None = None  # the account field as written (may hold wildcards)
    unresolved: bool = False  # the front end could not compute the value

    @property
    def account_wildcard(self) -> bool:
        return self.account is not None and ("*" in self.account or "?" in self.account)

    @property
    def other_wildcard(self) -> bool:
        """A wildcard outside the account field (IAM supports only a whole ``"*"``)."""
        v = self.loc.value
        return not self.everyone and not self.unresolved and not self.account_wildcard and ("*" in v or "?" in v)


def classify_aws(loc: Located, path: str) -> AwsPrincipal:
    if loc.unknown is not None:
        # partly known (arn:${partition}:iam::111122223333:root): its account, when the known text
        # fixes it and no typed part can make it a wildcard (see checker.analysis.partial)
        stand_ins = samples(loc)
        if stand_ins is not None:
            first, second = (classify_aws(Located.model_construct(value=v), path) for v in stand_ins)
            if (first.account is not None and first.account == second.account and not first.account_wildcard
                    and not first.everyone and not first.other_wildcard):
                return AwsPrincipal(loc, path, account=first.account)
        return AwsPrincipal(loc, path, unresolved=True)
    v = loc.value.strip()
    if v == "*":
        return AwsPrincipal(loc, path, everyone=True)
    if ACCOUNT_RE.match(v) or (("*" in v or "?" in v) and re.fullmatch(r"[0-9*?]+", v)):
        return AwsPrincipal(loc, path, account=v)
    m = _ARN_RE.match(v)
    if m:
        return AwsPrincipal(loc, path, account=m.group("account"))
    return AwsPrincipal(loc, path)


def principal_values(stmt: Statement, ptype: str, *, negated: bool = False) -> Iterator[tuple[Located, str]]:
    """``(value, model path)`` of every value of one principal type (``AWS``, ``Federated`` ...)."""
    element = stmt.not_principal if negated else stmt.principal
    key = "NotPrincipal" if negated else "Principal"
    for j, loc in enumerate((element or {}).get(ptype, ())):
        yield loc, f"{stmt.path}/{key}/{ptype}/{j}"


def aws_principals(stmt: Statement) -> list[AwsPrincipal]:
    return [classify_aws(loc, path) for loc, path in principal_values(stmt, "AWS")]


def grants_action(stmt: Statement, action: str) -> bool:
    """True when the statement's Action/NotAction covers ``action`` (an unresolved value may)."""
    if stmt.not_action is not None:
        if any(v.unknown is not None for v in stmt.not_action):
            return True
        return not any(iam_pattern_matches(v.value, action) for v in stmt.not_action)
    return any(v.unknown is not None or iam_pattern_matches(v.value, action) for v in stmt.action or ())


def names_sts(stmt: Statement) -> bool:
    """True when the statement's Action names an ``sts:`` pattern (or an unresolved value): a trust
    statement even in a document read as a resource policy."""
    return any(v.unknown is not None or v.value.lower().startswith("sts:") for v in stmt.action or ())


class ConditionUse(NamedTuple):
    """One use of a condition key: the operator, the key as written, its values and model path."""

    operator: str
    key: str
    values: tuple[Located, ...]
    path: str


def condition_uses(stmt: Statement, key: str) -> list[ConditionUse]:
    """Every operator block of the statement that tests ``key`` (case-insensitive)."""
    want = key.lower()
    out = []
    for op, block in stmt.condition.items():
        for k, values in block.items():
            if k.lower() == want:
                out.append(ConditionUse(op, k, values, f"{stmt.path}/Condition/{op}/{k}"))
    return out


def literal_prefix(value: str) -> str:
    """The part of a StringLike pattern before its first wildcard."""
    cut = [i for i in (value.find("*"), value.find("?")) if i >= 0]
    return value[: min(cut)] if cut else value


def is_wildcard_value(value: str) -> bool:
    return "*" in value or "?" in value


def describe_operator_problem(op: str) -> str:
    """Why an operator does not pin a value (used in messages)."""
    lower = op.lower()
    if lower.endswith("ifexists"):
        return f"{op} also passes when the key is absent from the request"
    if lower.startswith("forallvalues:"):
        return f"{op} passes when the key is absent from the request"
    if lower.startswith("foranyvalue:"):
        return f"{op} is a set operator meant for multivalued keys"
    if "not" in lower:
        return f"{op} is a negated operator: it admits every other value"
    return f"{op} is not an exact-match string operator"


def account_of_arn(value: str) -> str | None:
    """The account field of an IAM/STS ARN (``oidc-provider``/``saml-provider`` ARNs included)."""
    m = _ARN_RE.match(value.strip())
    return m.group("account") if m else None


# --- the scanned account: values a front end can prove to be its own ------------------------------
#
# Statically the scanned account's id is unknown: a literal account id is never proven to be it. A
# Terraform value that is a reference to the caller identity (``data.aws_caller_identity.x.account_id``
# or ``.arn``), to the organization (``data.aws_organizations_organization.x.id``) or to a role, user,
# VPC or VPC endpoint the configuration creates is (``Located.template`` keeps such references).
# Resources created through a provider alias for another account are not told apart
# (docs/grants.md, "Resource policies").

_MODULES = r"(?:module\.[A-Za-z0-9_-]+(?:\[[^\]]*\])?\.)*"
_INSTANCE = r"(?:\[[^\]]*\])?"
_CALLER = rf"\$\{{{_MODULES}data\.aws_caller_identity\.[A-Za-z0-9_-]+{_INSTANCE}\.(?P<attr>account_id|arn)\}}"
_CALLER_RE = re.compile(_CALLER)
_ORG_RE = re.compile(rf"\$\{{{_MODULES}(?:data\.)?aws_organizations_organization\.[A-Za-z0-9_-]+{_INSTANCE}\.id\}}")
_NETWORK_RE = re.compile(rf"\$\{{{_MODULES}aws_(?:vpc|vpc_endpoint)\.[A-Za-z0-9_-]+{_INSTANCE}\.id\}}")
_PRINCIPAL_REF_RE = re.compile(
    rf"\$\{{(?P<address>{_MODULES}aws_iam_(?:role|user)\.[A-Za-z0-9_-]+{_INSTANCE})\.arn\}}")
_TEMPLATE_ARN_RE = re.compile(r"^arn:[^:]*:(?:iam|sts)::(?P<account>[^:]*):(?P<rest>.*)$", re.S)


def own_account_value(loc: Located) -> bool:
    """True when ``loc`` is provably the scanned account's id, or an IAM/STS ARN in it."""
    t = loc.template if loc.unknown is not None else None
    if not t:
        return False
    if _CALLER_RE.fullmatch(t):
        return True
    m = _TEMPLATE_ARN_RE.match(t)
    if m is None:
        return False
    account = _CALLER_RE.fullmatch(m.group("account"))
    return account is not None and account.group("attr") == "account_id" and "${" not in m.group("rest")


def own_arn_name(loc: Located) -> tuple[str, str] | None:
    """``("role", "Name")`` for ``arn:aws:iam::${<the scanned account>}:role/path/Name``, else None."""
    if not own_account_value(loc) or loc.template is None:
        return None
    m = _TEMPLATE_ARN_RE.match(loc.template)
    if m is None:
        return None
    kind, _, rest = m.group("rest").partition("/")
    if kind not in ("role", "user") or not rest:
        return None
    return kind, rest.rpartition("/")[2]


def principal_reference(loc: Located) -> str | None:
    """The Terraform address of the role or user whose ``arn`` ``loc`` is (``aws_iam_role.audit``)."""
    t = loc.template if loc.unknown is not None else None
    m = _PRINCIPAL_REF_RE.fullmatch(t) if t else None
    return m.group("address") if m else None


def own_organization_value(loc: Located) -> bool:
    t = loc.template if loc.unknown is not None else None
    return bool(t) and _ORG_RE.fullmatch(t or "") is not None


def own_network_value(loc: Located) -> bool:
    """A VPC or VPC endpoint the configuration creates (in the scanned account)."""
    t = loc.template if loc.unknown is not None else None
    return bool(t) and _NETWORK_RE.fullmatch(t or "") is not None


# Condition operators that make a request match one of the listed values and require the key.
POSITIVE_OPERATORS = frozenset({
    "StringEquals", "StringLike", "StringEqualsIgnoreCase", "ArnEquals", "ArnLike",
    "ForAnyValue:StringEquals", "ForAnyValue:StringLike",
})
ACCOUNT_KEYS = frozenset({"aws:principalaccount", "aws:sourceaccount", "aws:sourceowner"})
ARN_KEYS = frozenset({"aws:principalarn", "aws:sourcearn"})
ORG_KEYS = frozenset({"aws:principalorgid", "aws:sourceorgid", "aws:principalorgpaths", "aws:sourceorgpaths"})
NETWORK_KEYS = frozenset({"aws:sourcevpc", "aws:sourcevpce"})


class Restriction(NamedTuple):
    """A condition that pins who may use a statement to an account, organization or network."""

    key: str  # as written
    path: str
    own: bool  # every value is provably the scanned account's (organization's, network's)
    values: tuple[Located, ...]
    network: bool = False  # aws:SourceVpc / aws:SourceVpce: pins where a request comes from, not who sends it


def restrictions(stmt: Statement) -> list[Restriction]:
    """Every positive condition of the statement on an account, ARN, organization or network key,
    with no bare-wildcard value; ``own`` when all its values are provably the scanned account's."""
    out = []
    for op, block in stmt.condition.items():
        if op not in POSITIVE_OPERATORS:
            continue
        for key, values in block.items():
            k = key.lower()
            if not values or any(v.unknown is None and v.value.strip("*?") == "" for v in values):
                continue
            if k in ACCOUNT_KEYS or k in ARN_KEYS:
                own = all(own_account_value(v) or principal_reference(v) is not None for v in values)
            elif k in ORG_KEYS:
                own = all(own_organization_value(v) for v in values)
            elif k in NETWORK_KEYS:
                own = all(own_network_value(v) for v in values)
            else:
                continue
            out.append(Restriction(key, f"{stmt.path}/Condition/{op}/{key}", own, values, k in NETWORK_KEYS))
    return out
