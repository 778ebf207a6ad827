"""What each Terraform resource and data source type does to permissions: the one place that knows.

The AWS provider's types come from its own schema (``checker/data/aws_provider_schema.json``,
recorded by ``scripts/gen_provider_inventory.py`` from ``terraform providers schema -json``) and a
judgement of each type that has a policy-shaped argument (``checker/data/aws_provider_inventory.json``,
written by hand). :func:`classify` answers with an :class:`Entry`:

- ``kind`` (:class:`Kind`): a principal, an identity policy, an attachment, a resource policy, an
  SCP, a grant that is not a JSON policy, something that creates IAM indirectly (a CloudFormation
  stack), something that runs code during apply, a policy document data source, or nothing;
- ``policy_attributes``: the arguments (``block.argument`` when nested) holding a JSON policy, and
  which kind of document each is;
- ``grant_attributes``: arguments that grant when written, in a form the gate does not judge
  (``["*"]``: the resource itself grants);
- ``synthesised``: the gate turns the grant into a resource policy statement it judges.

A type of the AWS provider that the schema does not list is unknown (:func:`classify` returns
None): the gate says so rather than guess. :func:`foreign_iam` judges other providers' types by
their names. :func:`passed_roles` answers which arguments of a type hand an IAM role or an
instance profile over to a service (from ``checker/data/aws_provider_roles.json``, derived from the
same schema, and the decisions of ``checker/data/aws_passed_roles.json``). Loading is lazy: the
data is read on the first question.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from typing import Any

from checker.model import DocumentKind


class Kind(StrEnum):
    PRINCIPAL = "principal"  # aws_iam_role/user/group, aws_ssoadmin_permission_set
    IDENTITY_POLICY = "identity-policy"  # aws_iam_policy, aws_iam_role_policy ...
    ATTACHMENT = "attachment"  # policy attachments, group memberships, permission set attachments
    RESOURCE_POLICY = "resource-policy"  # a JSON resource policy in one of its arguments
    SCP = "scp"  # aws_organizations_policy
    GRANT = "grant"  # a grant that is not a JSON policy (lambda permission, KMS grant, Lake Formation ...)
    CREATES_IAM = "creates-iam"  # creates IAM the configuration does not show (CloudFormation stacks ...)
    RUNS_CODE = "runs-code"  # runs code during apply (a Lambda invocation, an SSM association)
    POLICY_DOCUMENT = "policy-document"  # data sources that render or read a policy
    NONE = "none"  # grants nothing


_DOC_KINDS = {k.value: k for k in DocumentKind}


@dataclass(frozen=True)
class Entry:
    """What a type does (see the module docstring)."""

    mode: str  # resource | data
    type: str
    kind: Kind
    policy_attributes: Mapping[str, DocumentKind] = field(default_factory=dict)
    grant_attributes: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()  # for creates-iam: the arguments that say what it creates
    ignored: tuple[str, ...] = ()  # policy-shaped arguments judged to grant nothing
    synthesised: bool = False
    note: str | None = None


def _mode(mode: str) -> str:
    return "data" if mode == "data" else "resource"


@functools.cache
def _load(name: str) -> dict[str, Any]:
    """One of the recorded files of ``checker/data``, read on the first question (never at import)."""
    data: dict[str, Any] = json.loads((resources.files("checker") / "data" / name).read_text(encoding="utf-8"))
    return data


def schema() -> Mapping[str, Any]:
    """The recorded schema: provider, version, and ``{mode: {type: [policy-shaped arguments]}}``."""
    return _load("aws_provider_schema.json")


def judgement() -> Mapping[str, Any]:
    """The hand-written classification, as stored."""
    return _load("aws_provider_inventory.json")


def provider_version() -> str:
    return str(schema()["version"])


@functools.cache
def _entry(mode: str, rtype: str) -> Entry | None:
    recorded, judged = schema(), judgement()
    if rtype not in recorded[mode]:
        return None
    raw = judged[mode].get(rtype)
    if raw is None:
        return Entry(mode, rtype, Kind(judged.get("default", "none")))
    return Entry(
        mode, rtype, Kind(raw["kind"]),
        policy_attributes={k: _DOC_KINDS[v] for k, v in raw.get("policy", {}).items()},
        grant_attributes=tuple(raw.get("grant", ())), attributes=tuple(raw.get("attributes", ())),
        ignored=tuple(raw.get("ignore", ())), synthesised=bool(raw.get("synthesised", False)),
        note=raw.get("note"))


def classify(mode: str, rtype: str) -> Entry | None:
    """What an AWS provider type does; None when the recorded schema does not list it (another
    provider, or a type newer than the recorded provider version). ``mode``: resource (or
    managed, as plans say) or data."""
    return _entry(_mode(mode), rtype)


def is_aws(rtype: str) -> bool:
    """A type of the hashicorp/aws provider (by Terraform's rule: the name before the first ``_``)."""
    return rtype.startswith("aws_")


# Types of other providers the gate reads (checker/terraform/iam.py maps them into the model).
AWSCC_READ = frozenset({
    "awscc_iam_role", "awscc_iam_user", "awscc_iam_group", "awscc_iam_policy", "awscc_iam_managed_policy",
    "awscc_iam_role_policy", "awscc_iam_user_policy", "awscc_iam_group_policy",
})
# Types of other providers that grant nothing a principal can use (identity providers, profiles).
FOREIGN_NONE = frozenset({
    "awscc_iam_oidc_provider", "awscc_iam_saml_provider", "awscc_iam_instance_profile",
    "awscc_iam_server_certificate", "awscc_iam_virtual_mfa_device", "awscc_iam_service_linked_role",
})
_FOREIGN_IAM = re.compile(r"iam|polic|role|permission|grant", re.IGNORECASE)
# Providers whose own types never touch cloud permissions.
_HARMLESS_PROVIDERS = frozenset({"terraform", "null", "random", "time", "tls", "local", "archive", "cloudinit",
                                 "http", "template"})


def foreign_iam(rtype: str, argument_names: Iterable[str]) -> str | None:
    """Why a type of another provider looks like IAM (its name or an argument says iam, policy,
    role, permission or grant), or None. The types the gate reads (:data:`AWSCC_READ`) and
    :data:`FOREIGN_NONE` are never foreign IAM."""
    if is_aws(rtype) or rtype in AWSCC_READ or rtype in FOREIGN_NONE:
        return None
    provider = rtype.split("_", 1)[0]
    if provider in _HARMLESS_PROVIDERS:
        return None
    if _FOREIGN_IAM.search(rtype.split("_", 1)[-1] if "_" in rtype else rtype):
        return f"the type {rtype} (provider {provider})"
    named = sorted(n for n in argument_names if _FOREIGN_IAM.search(n))
    if named:
        return f"the argument{'s' if len(named) > 1 else ''} {', '.join(named)} of {rtype} (provider {provider})"
    return None


# Provisioners that run commands during apply.
CODE_PROVISIONERS = frozenset({"local-exec", "remote-exec"})
# Data sources of other providers that run code when they are read.
CODE_DATA_SOURCES = frozenset({"external"})


def gaps(recorded: Mapping[str, Any] | None = None, judged: Mapping[str, Any] | None = None) -> list[str]:
    """What the judgement misses of the recorded schema (empty when complete): a type with a
    policy-shaped argument and no entry, an argument of such a type that no entry field names
    (policy, grant, attributes, ignore), an entry for a type the schema does not list, a kind or
    document kind that does not exist."""
    recorded = recorded if recorded is not None else schema()
    judged = judged if judged is not None else judgement()
    out: list[str] = []
    kinds = {k.value for k in Kind}
    for mode in ("resource", "data"):
        types: Mapping[str, list[str]] = recorded[mode]
        entries: Mapping[str, Any] = judged.get(mode, {})
        for rtype, attrs in types.items():
            entry = entries.get(rtype)
            if entry is None:
                if attrs:
                    out.append(f"{mode} {rtype}: no judgement for its policy-shaped arguments {', '.join(attrs)}")
                continue
            named = {*entry.get("policy", {}), *entry.get("grant", ()), *entry.get("attributes", ()),
                     *entry.get("ignore", ())}
            missing = [a for a in attrs if a not in named]
            if missing:
                out.append(f"{mode} {rtype}: no judgement for {', '.join(missing)}")
        for rtype, entry in entries.items():
            if rtype not in types:
                out.append(f"{mode} {rtype}: judged, but the recorded schema does not list it")
            if entry.get("kind") not in kinds:
                out.append(f"{mode} {rtype}: unknown kind {entry.get('kind')!r}")
            for attr, dkind in entry.get("policy", {}).items():
                if dkind not in _DOC_KINDS:
                    out.append(f"{mode} {rtype}: {attr} has unknown document kind {dkind!r}")
    return out


# What an argument that mentions a role does (checker/data/aws_provider_roles.json derives it,
# checker/data/aws_passed_roles.json decides the undecided and corrects the rule).
ROLE_DECISIONS = ("passes-role", "passes-profile", "not-a-hand-over")
_LENT_KIND = {"passes-role": "role", "passes-profile": "instance-profile"}


def role_recording() -> Mapping[str, Any]:
    """The recorded derivation: ``{"resource": {type: {argument path: derived}}}``."""
    return _load("aws_provider_roles.json")


def role_decisions() -> Mapping[str, Any]:
    """The hand-made decision table: ``{"resource": {type: {argument path: {"decision", "reason"}}}}``."""
    return _load("aws_passed_roles.json")


def role_decision(rtype: str, path: str) -> tuple[str, str | None]:
    """What the argument ``path`` of ``rtype`` does (one of :data:`ROLE_DECISIONS`, or ``undecided``)
    and the decision table's reason, if it decides it."""
    derived, decided = role_recording(), role_decisions()
    entry = decided["resource"].get(rtype, {}).get(path)
    if entry is not None:
        return str(entry["decision"]), str(entry["reason"])
    return str(derived["resource"].get(rtype, {}).get(path, "not-a-hand-over")), None


@functools.cache
def passed_roles(rtype: str) -> tuple[tuple[str, str], ...]:
    """The arguments of an AWS resource type that hand an IAM role or an instance profile over, as
    ``(path, kind)``: ``path`` is ``argument`` or ``block.argument`` (any depth; the head may also be an
    object-typed attribute), ``kind`` is ``role`` or ``instance-profile``. An argument neither the
    rule nor the table decides counts as a role: unknown is not a pass."""
    out: list[tuple[str, str]] = []
    for path in role_recording()["resource"].get(rtype, {}):
        decision, _ = role_decision(rtype, path)
        if decision != "not-a-hand-over":
            out.append((path, _LENT_KIND.get(decision, "role")))
    return tuple(out)


def role_gaps(recorded: Mapping[str, Any] | None = None, decided: Mapping[str, Any] | None = None) -> list[str]:
    """What the decision table misses of the recorded derivation (empty when complete): an argument
    the rule leaves undecided and the table does not decide, a decision for an argument the
    recording does not list, a decision that is not one of :data:`ROLE_DECISIONS`, or one without a
    reason."""
    recorded = recorded if recorded is not None else role_recording()
    decided = decided if decided is not None else role_decisions()
    out: list[str] = []
    types: Mapping[str, Mapping[str, str]] = recorded["resource"]
    table: Mapping[str, Mapping[str, Any]] = decided.get("resource", {})
    for rtype, paths in types.items():
        for path, derived in paths.items():
            if derived == "undecided" and path not in table.get(rtype, {}):
                out.append(f"resource {rtype}: {path} mentions a role and is not decided")
    for rtype, entries in table.items():
        for path, entry in entries.items():
            if path not in types.get(rtype, {}):
                out.append(f"resource {rtype}: {path} is decided, but the recording does not list it")
            elif not isinstance(entry, dict) or entry.get("decision") not in ROLE_DECISIONS:
                out.append(f"resource {rtype}: {path} has no decision among {', '.join(ROLE_DECISIONS)}")
            elif not str(entry.get("reason") or "").strip():
                out.append(f"resource {rtype}: {path} is decided without a reason")
    return out
