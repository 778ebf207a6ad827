"""The policy model every front end produces and every rule reads.

A :class:`PolicyDocument` is one IAM policy (identity, trust, resource or boundary) wherever it came
from: a JSON file, an AWS CLI export, a Terraform attribute or a plan. Each statement and each value
in it knows the line where it was written (:class:`Located`), and the document maps model paths such
as ``Statement/0/Action/2`` to source lines, so rules never compute line numbers themselves.

A value the front end could not resolve (a Terraform value known only after apply, say) is kept as
a :class:`Located` whose ``unknown`` says why; rules treat it as "not proven", never as absent.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class DocumentKind(StrEnum):
    """What a policy document is for; decides which rules judge it."""

    IDENTITY = "identity"  # attached to a role, user or group: its Allow statements are grants
    TRUST = "trust"  # a role's assume-role policy: who may assume it
    RESOURCE = "resource"  # attached to a resource (bucket, key, queue ...): grants to principals
    BOUNDARY = "boundary"  # a permissions boundary: caps, grants nothing by itself
    SCP = "scp"  # an organizations service control policy


TRUST_ACTIONS = (
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:SetContext",
)


class _Frozen(BaseModel):
    """Base of the model: frozen, no extra fields, validated by pydantic when built with ``Model(...)``.

    ``model_construct`` (no validation) is used only where the values come from the project's own
    validated code, already of the declared types: the JSON policy front end's documents, statements,
    values, problems and errors (:mod:`checker.sources.json_policy`: validating would first build the
    model's validation schema, a one-off cost larger than a small run's whole analysis), the Terraform
    front end (:mod:`checker.terraform.to_model`, values the evaluator resolved), the plan
    front end's errors (:mod:`checker.sources.plan_json`), the merge of parsed documents in
    :mod:`checker.api`, the NotAction key of :mod:`checker.analysis.grants` and the profiles read by
    :mod:`checker.engine.profiles`. ``tests/test_model_construction.py`` checks that what the JSON front
    end builds validates to the same object.
    """

    # defer_build: a model's validation schema is built on its first validation only.
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True, defer_build=True)


class HoleKind(StrEnum):
    """What an unknown part of a value is known to be (see :class:`Part`)."""

    PARTITION = "partition"  # aws, aws-cn or aws-us-gov
    ACCOUNT = "account"  # a twelve-digit account id
    REGION = "region"  # a region name (us-east-1)
    DNS_SUFFIX = "dns-suffix"  # amazonaws.com, amazonaws.com.cn ...
    ARN = "arn"  # the ARN of one resource or data source of the configuration (no wildcard in it)
    NAME = "name"  # the name or id of one resource or data source of the configuration (no wildcard)
    ANY = "any"  # nothing is known: it may be any text, "*" included


class Part(_Frozen):
    """One piece of a value that is partly known: literal ``text`` (``kind`` None), or a hole of
    ``kind`` whose value matches the IAM glob ``pattern`` (``*`` any text, ``?`` one character);
    ``ref`` is the Terraform expression it comes from (``aws_s3_bucket.cur.arn``).

    Every hole but ``ANY`` stands for one value fixed when Terraform applies, and that value holds no
    wildcard (``*`` and ``?`` in a typed hole's pattern say which text it may be, not that the value is
    a pattern)."""

    text: str = ""
    kind: HoleKind | None = None
    pattern: str = ""
    ref: str | None = None


class Located(_Frozen):
    """A scalar value of a policy with the line it was written on.

    ``unknown`` is set (and ``value`` is a placeholder such as ``"${var.actions}"``) when the
    front end could not resolve the value; ``origin`` names the file of ``line`` when it differs
    from the document's file (a Terraform local in another file, a template, a tfvars file).

    For an unknown value, ``parts`` keeps what is known of it: its literal text and the kind of each
    unknown piece (``"${aws_s3_bucket.cur.arn}/*"`` is a bucket ARN hole then ``"/*"``); ``pattern``
    is the IAM glob every value it can take matches (``"arn:aws*:s3:::*/*"``), ``"*"`` when nothing
    is known. Both are None for a known value. :mod:`checker.analysis.partial` reads them.
    """

    value: str
    line: int = 0
    unknown: str | None = None
    origin: str | None = None
    parts: tuple[Part, ...] | None = None
    pattern: str | None = None
    # For an unknown value made of references only: the value as written with each reference as
    # ``${address.attribute}`` (``arn:aws:iam::${data.aws_caller_identity.current.account_id}:root``),
    # so rules can tell a principal of the scanned account from any other (checker.analysis.trust).
    template: str | None = None


class Statement(_Frozen):
    """One IAM statement, with every element as AWS accepts it (strings become one-item tuples)."""

    index: int
    sid: str | None = None
    effect: str = "Allow"
    principal: dict[str, tuple[Located, ...]] | None = None  # {"AWS": (...), "Service": (...)}; "*" -> {"*": ("*",)}
    not_principal: dict[str, tuple[Located, ...]] | None = None
    action: tuple[Located, ...] | None = None
    not_action: tuple[Located, ...] | None = None
    resource: tuple[Located, ...] | None = None
    not_resource: tuple[Located, ...] | None = None
    condition: dict[str, dict[str, tuple[Located, ...]]] = Field(default_factory=dict)
    line: int = 0
    end_line: int = 0
    unknown: str | None = None  # the statement as a whole could not be resolved (e.g. an unknown Effect)

    @property
    def path(self) -> str:
        return f"Statement/{self.index}"

    @property
    def label(self) -> str:
        """How users name the statement: its Sid when it has one, else its index."""
        return f"Sid {self.sid!r}" if self.sid else f"statement {self.index}"

    @property
    def is_allow(self) -> bool:
        """Anything but a valid Deny is judged as an Allow (an invalid Effect fails closed)."""
        return self.effect != "Deny"

    @property
    def has_condition(self) -> bool:
        return bool(self.condition)


class PolicyDocument(_Frozen):
    """One policy document with its provenance.

    ``address`` identifies it to users (``policies/ro.json``, ``aws_iam_role_policy.cost``,
    ``role/Audit/inline/Cost``); ``lines`` maps model paths (``Statement/0/Action/2``) to
    ``(line, end_line)`` in ``file``; ``raw`` is the document exactly as found or evaluated.
    """

    file: str
    address: str
    kind: DocumentKind = DocumentKind.IDENTITY
    name: str | None = None
    principal: str | None = None  # the role/user/group it belongs to, when known
    version: str | None = None
    id: str | None = None
    statements: tuple[Statement, ...] = ()
    line: int = 1
    end_line: int = 1
    lines: dict[str, tuple[int, int]] = Field(default_factory=dict)
    raw: Any = None
    size: int | None = None  # characters without whitespace, as AWS counts for its limits
    problems: tuple[Problem, ...] = ()
    # model path -> file, for values written in another file than ``file`` (a Terraform local in
    # locals.tf, a template, a tfvars file); ``lines`` holds their lines in that file.
    files: dict[str, str] = Field(default_factory=dict)
    # Strings of the document (or of the module it came from) that derive from a sensitive value
    # (a Terraform variable declared ``sensitive = true``): rules read them as any other value;
    # reports print ``(sensitive)`` in their place (checker/reporters/_redact.py).
    sensitive: frozenset[str] = frozenset()

    def file_of(self, path: str) -> str:
        """The file of a model path's line (see :meth:`locate`): ``file`` unless it was written elsewhere."""
        if not self.files:
            return self.file
        p = path
        while p:
            if p in self.lines:
                return self.files.get(p, self.file)
            p = p.rpartition("/")[0]
        return self.file

    def locate(self, path: str) -> tuple[int, int]:
        """The source lines of a model path, falling back to its closest located parent."""
        p = path
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p.rpartition("/")[0]
        return (self.line, self.end_line)


class ProblemKind(StrEnum):
    """What a :class:`Problem` is, which decides the rule that reports it (the values are stable)."""

    INVALID = "invalid"  # IAM001: what AWS would reject
    UNRESOLVED = "unresolved"  # IAM002: a value known only when Terraform applies
    UNRESOLVED_MODULE = "unresolved-module"  # IAM004: a module that cannot be read
    UNJUDGED = "unjudged"  # IAM006: a resource that grants (or may) in a form the gate does not judge
    RUNS_CODE = "runs-code"  # IAM007: code that runs during apply (a provisioner, an external data source)
    OUTSIDE_READ = "outside-read"  # IAM005: a file read from outside the scanned folder


class Problem(_Frozen):
    """A structural defect found while reading a document (what AWS would reject).

    The invalid-policy rule reports these; ``path`` is a model path, ``line`` a source line.
    """

    message: str
    path: str = ""
    line: int = 0
    rule: ProblemKind = ProblemKind.INVALID


class SourceError(_Frozen):
    """A file that could not be read or parsed at all (reported as IAM001 at the given line)."""

    file: str
    line: int
    message: str


class SkippedItem(_Frozen):
    """Something deliberately not judged (a count = 0 instance, a non-policy JSON file) and why."""

    file: str
    address: str
    reason: str


class Principal(_Frozen):
    """A role, user or group, and the documents that make its permissions (Terraform, plans).

    Documents are named by ``(file, address)`` of their :class:`PolicyDocument`. Its effective
    permissions are the union of its identity policies (and, for a user, its groups' policies),
    minus unconditional Denies of any of them certainly in force, within its permissions boundary
    when it has one.
    """

    address: str  # aws_iam_role.audit, module.ops.aws_iam_user.ci, role/Name for one outside Terraform
    kind: str  # role | user | group
    name: str | None = None
    file: str = ""
    line: int = 0
    policies: tuple[tuple[str, str], ...] = ()  # identity documents: inline, attached, managed
    boundary: tuple[str, str] | None = None
    trust: tuple[str, str] | None = None
    groups: tuple[str, ...] = ()  # addresses of the groups a user belongs to
    # Documents (policies or boundary) that may not be in force for this principal once the change
    # is applied: an inline policy an ``aws_iam_*_policies_exclusive`` resource deletes, an
    # attachment by an ARN that may name a policy outside the configuration. Their Allows are judged
    # (conservative), their Denies never subtract and such a boundary narrows nothing.
    uncertain: tuple[tuple[str, str], ...] = ()
    # A role's instance profiles (an account export's InstanceProfileList): what EC2 instances get.
    instance_profiles: tuple[str, ...] = ()


class LoadResult(_Frozen):
    """What the front ends found under the given paths."""

    documents: tuple[PolicyDocument, ...] = ()
    errors: tuple[SourceError, ...] = ()
    skipped: tuple[SkippedItem, ...] = ()
    files: tuple[str, ...] = ()
    principals: tuple[Principal, ...] = ()  # empty for lone JSON documents: each is its own principal
    notices: tuple[str, ...] = ()  # things users should know that are no finding (files read outside the tree)
