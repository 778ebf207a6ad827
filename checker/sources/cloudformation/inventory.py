"""What each CloudFormation resource type does to permissions, for every type CloudFormation knows.

Two vendored files under ``data/``:

- ``resource_types.json``: every resource type of the CloudFormation resource provider schemas that
  cfn-lint ships (the union over its regions), with its policy-shaped properties; written by
  ``scripts/gen_cfn_inventory.py``, which also says what "policy-shaped" means;
- ``classification.json``: the decisions, by hand. ``types`` gives a type its kind (below) and the
  property paths that matter (``policy``: path -> what it holds) or that were looked at and grant
  nothing (``not_policy``: path -> why); ``not_policy`` at the top gives property names that never
  hold a policy (TLS policies, role ARNs, credentials ...), with the reason.

A type in the recorded list without a decision grants nothing: tests/cloudformation/test_cfn_inventory.py
makes sure that only happens to types without a policy-shaped property or name. A type outside the
list (a third-party registry type, a module, a misspelling) is unknown: :func:`classify` returns None
and the caller reports it. ``Custom::*`` types are custom resources (``runs-code``).

Both files are read on the first :func:`classify`, not on import.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Literal, NamedTuple, cast, get_args

Kind = Literal[
    "identity",  # holds or creates an identity's permissions (IAM roles, users, groups, policies)
    "attachment",  # links a principal to policies, a group, a role or a permission set
    "trust",  # decides who can become a principal (identity providers, trust anchors, session tags)
    "resource-policy",  # a JSON policy on a resource, naming principals
    "organizations-policy",  # an AWS Organizations policy (SCP, RCP, tag, backup ...)
    "permission-set",  # an IAM Identity Center permission set
    "grant",  # a grant that is not a JSON policy (Lambda permissions, Lake Formation, RAM shares ...)
    "nested",  # creates IAM indirectly: a template of its own (nested stacks, stack sets, products)
    "runs-code",  # runs code during deployment or on templates (custom resources, macros, hooks)
    "transform",  # a SAM resource: translate the template first (checker.sources.cloudformation.sam)
    "none",  # grants nothing
]
Holds = Literal[
    "identity-policy",  # a JSON policy document granting to a principal
    "trust-policy",  # a role's trust policy
    "resource-policy",  # a JSON policy document on a resource
    "organizations-policy",  # the content of an AWS Organizations policy
    "session-policy",  # a session policy (narrows a role's session)
    "policy-refs",  # managed policy ARNs or names, a permission set or RAM permission ARN
    "boundary",  # a permissions boundary
    "principals",  # who is attached or granted (roles, users, groups, accounts, service principals)
    "membership",  # the group a principal joins
    "target",  # what an attachment or grant applies to (accounts, OUs, shared resources)
    "condition",  # narrows a grant (SourceArn, SourceAccount, organisation id)
    "grant",  # the actions or permissions of a non-JSON grant
    "template",  # where a nested template comes from (URL, body, product)
    "code",  # the code that runs (function, service token, handler package)
    "service",  # the AWS service a service-linked role is for
    "identity-provider",  # an identity provider's configuration
    "session-tags",  # attributes that become session tags
]
KINDS: tuple[str, ...] = get_args(Kind)
HOLDS: tuple[str, ...] = get_args(Holds)
CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"  # the transform that makes the "transform" kind exist


class PolicyProperty(NamedTuple):
    """A property path (``Policies[*].PolicyDocument``, relative to ``Properties``) and what it holds."""

    path: str
    holds: Holds


class Entry(NamedTuple):
    rtype: str
    kind: Kind
    policy_properties: tuple[PolicyProperty, ...] = ()
    # resource policies and grants: the property naming the guarded resource, "self" for the
    # resource that carries the policy, a phrase, or None when the statements' Resource elements say
    guards: str | None = None
    note: str = ""

    def paths(self, holds: Holds) -> tuple[str, ...]:
        return tuple(p.path for p in self.policy_properties if p.holds == holds)


def _read(name: str) -> Any:
    return json.loads((Path(__file__).parent / "data" / name).read_text(encoding="utf-8"))


@cache
def recorded() -> dict[str, Any]:
    """The recorded list (``resource_types.json``): ``source``, ``named`` and ``types``."""
    data: dict[str, Any] = _read("resource_types.json")
    return data


@cache
def decisions() -> dict[str, Any]:
    """The hand-made decisions (``classification.json``): ``not_policy`` and ``types``."""
    data: dict[str, Any] = _read("classification.json")
    return data


def _entry(rtype: str, raw: dict[str, Any]) -> Entry:
    kind = raw["kind"]
    if kind not in KINDS:
        raise ValueError(f"classification.json: {rtype}: unknown kind {kind!r}")
    props: list[PolicyProperty] = []
    for path, holds in sorted(raw.get("policy", {}).items()):
        if holds not in HOLDS:
            raise ValueError(f"classification.json: {rtype}: {path}: unknown holds {holds!r}")
        props.append(PolicyProperty(path, cast(Holds, holds)))
    return Entry(rtype, cast(Kind, kind), tuple(props), raw.get("guards"), raw.get("note", ""))


@cache
def classify(rtype: str) -> Entry | None:
    """The entry of a resource type, or None when CloudFormation does not know the type."""
    if rtype.startswith("Custom::"):
        return _entry(rtype, decisions()["types"][CUSTOM_RESOURCE])
    raw = decisions()["types"].get(rtype)
    if raw is not None:
        return _entry(rtype, raw)
    if rtype in recorded()["types"]:
        return Entry(rtype, "none")
    return None


@cache
def passed_roles(rtype: str) -> dict[str, str]:
    """Property path (as :class:`PolicyProperty` paths) -> ``role`` or ``instance-profile``: the
    properties of ``rtype`` that hand a role or an instance profile to a service
    (``passed_roles.json``, written by scripts/gen_cfn_inventory.py from cfn-lint's schemas)."""
    if rtype.startswith("AWS::IAM::"):  # IAM's own types link roles: read by the reader, not recorded
        return {}
    types: dict[str, dict[str, str]] = _read("passed_roles.json")["types"]
    return types.get(rtype, {})
