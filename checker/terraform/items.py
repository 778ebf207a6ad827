"""What a front end finds of IAM in a configuration, before it becomes the model.

The Terraform front end (:mod:`checker.terraform.iam`), the plan front end and the CloudFormation
front end list policy values, principals, attachments and memberships in these items; one builder,
:func:`checker.terraform.to_model.build_from_extracted`, turns them into documents and principals.
They live apart from :mod:`checker.terraform.iam` so that a front end that needs only them does not
import the Terraform loader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from checker.model import DocumentKind, ProblemKind


class PolicyItem(NamedTuple):
    """One policy value of one resource instance."""

    address: str  # e.g. module.ops.aws_iam_role_policy.this["q"], or aws_iam_role.r.inline_policy[0]
    resource: str  # the resource instance address
    rtype: str
    kind: DocumentKind | None  # None: guess from content
    value: Any
    file: str
    line: int
    name: Any = None
    owner_kind: str | None = None
    owner: Any = None  # evaluated role/user/group reference
    arn_of: str | None = None  # for aws_iam_policy: the address whose .arn attaches it
    policy_path: Any = "/"  # for aws_iam_policy: its path (part of its ARN)
    arn: Any = None  # for aws_iam_policy: its ARN when known (a plan of an existing policy)
    flat: bool = False  # a JSON string written on one line (a plan): every value is on ``line``


@dataclass
class PrincipalItem:
    address: str
    kind: str  # role | user | group
    name: Any
    file: str
    line: int
    boundary: Any = None
    boundary_line: int = 0
    managed_arns: list[tuple[Any, int]] = field(default_factory=list)  # (arn value, line)
    trust: str | None = None  # address of the trust PolicyItem
    # how the addresses of its managed policies and boundary are named after its own (CloudFormation:
    # "/ManagedPolicyArns", "/PermissionsBoundary")
    managed_suffix: str = ".managed_policy_arns"
    boundary_suffix: str = ".permissions_boundary"


class AttachmentItem(NamedTuple):
    address: str
    rtype: str
    owner_kind: str
    owners: list[Any]
    policy: Any  # an ARN value
    file: str
    line: int  # the line of the policy ARN
    boundary: bool = False  # the policy is the owners' permissions boundary (a permission set's)


class ExclusiveItem(NamedTuple):
    """What one principal keeps of its inline policies (``what == "inline"``: names) or attached
    policies (``"attached"``: ARNs) once the change is applied; AWS removes the others."""

    address: str
    what: str  # inline | attached
    owner_kind: str
    owner: Any  # evaluated role/user/group reference
    kept: Any  # a list of names or ARNs (items may be Unknown), or Unknown
    file: str
    line: int


class MembershipItem(NamedTuple):
    address: str
    users: list[Any]
    groups: list[Any]
    file: str
    line: int
    # aws_iam_group_membership: the group's users are exactly these (the provider removes the others)
    exclusive: bool = False


class LentItem(NamedTuple):
    """An entity whose permissions a resource lends (see ``checker.terraform.iam.LENDERS``); ``values`` name it."""

    address: str
    rtype: str
    kind: str  # user | role | permission-set | identitystore-group
    values: list[Any]
    what: str
    file: str
    line: int
    name: Any = None  # an instance profile's own name (others hand it over by name)


class Unresolved(NamedTuple):
    """Something that keeps a policy from being proven: an unknown count, an unavailable module."""

    address: str
    file: str
    line: int
    message: str
    rule: ProblemKind = ProblemKind.UNRESOLVED


@dataclass
class Extracted:
    policies: list[PolicyItem] = field(default_factory=list)
    principals: list[PrincipalItem] = field(default_factory=list)
    attachments: list[AttachmentItem] = field(default_factory=list)
    memberships: list[MembershipItem] = field(default_factory=list)
    exclusives: list[ExclusiveItem] = field(default_factory=list)
    lent: list[LentItem] = field(default_factory=list)
    # Where the configuration's resources are created, when its AWS providers pin it
    # (``allowed_account_ids``, the account of ``assume_role.role_arn``; the partition of ``region``):
    # None when not known (then an ARN of any account or partition may be the configuration's).
    accounts: set[str] | None = None
    partitions: set[str] | None = None
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (file, address, reason)
    unresolved: list[Unresolved] = field(default_factory=list)
    diagnostics: list[tuple[str, int, str]] = field(default_factory=list)
    outside_reads: list[str] = field(default_factory=list)
    consumed_documents: set[str] = field(default_factory=set)  # data sources rendered for a resource
    read_files: set[str] = field(default_factory=set)  # files read by file()/templatefile()
    module_files: list[str] = field(default_factory=list)  # .tf files of every module instance walked
