"""Finding IAM in a loaded Terraform module and its child modules.

:func:`extract` walks a root module and every module it calls (local sources, and remote ones that
``terraform init`` fetched into ``.terraform/modules``), instance by instance (``count`` /
``for_each``), and lists:

- policy-bearing values (:class:`PolicyItem`): inline policies of roles, users and groups,
  ``aws_iam_policy``, trust policies, ``inline_policy`` blocks, resource policies (S3, KMS, SQS,
  SNS, Secrets Manager, ECR ...), service control policies, unused ``aws_iam_policy_document``s;
- principals (:class:`PrincipalItem`): ``aws_iam_role``/``user``/``group`` with their permissions
  boundary and ``managed_policy_arns``;
- attachments (:class:`AttachmentItem`): the ``*_policy_attachment`` resources, their exclusive
  variants, ``aws_iam_policy_attachment`` and group memberships;
- exclusive sets (:class:`ExclusiveItem`): what a principal keeps when the change is applied
  (``aws_iam_*_policies_exclusive``, ``aws_iam_*_policy_attachments_exclusive``, a role's
  ``managed_policy_arns`` and ``inline_policy`` blocks): AWS removes every other inline policy or
  attachment of the principal, so their Denies are not in force (``aws_iam_policy_attachment`` and
  ``aws_iam_group_membership`` are exclusive too: for a policy's attachments, for a group's users);
- what was skipped (``count = 0``) and what could not be resolved (unknown ``count``, modules
  whose source is not available).

References between them are kept as evaluated values: a known name, or an :class:`Unknown` whose
``ref`` is the full address of the resource it points at (``module.ops.aws_iam_role.this``); the
reference hook installed on every module makes sure of that, and renders
``data.aws_iam_policy_document.<name>.json`` with the provider's semantics.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.model import DocumentKind, ProblemKind
from checker.terraform.blocks import Block
from checker.terraform.errors import TerraformError
from checker.terraform.loader import Module, linked_outside, load_module
from checker.terraform.modsdir import ModuleRecord, read_modules_json, record_mismatch
from checker.terraform.policy_document import render_policy_document
from checker.terraform.values import Origin, TfStr, Unknown

# resource type -> (policy attribute, kind, owner kind, owner attribute)
INLINE_POLICIES: dict[str, tuple[str, str]] = {
    "aws_iam_role_policy": ("role", "role"),
    "aws_iam_user_policy": ("user", "user"),
    "aws_iam_group_policy": ("group", "group"),
}
RESOURCE_POLICIES: dict[str, str] = {
    "aws_s3_bucket_policy": "policy",
    "aws_s3_bucket": "policy",
    "aws_kms_key": "policy",
    "aws_kms_replica_key": "policy",
    "aws_sqs_queue_policy": "policy",
    "aws_sqs_queue": "policy",
    "aws_sns_topic_policy": "policy",
    "aws_sns_topic": "policy",
    "aws_secretsmanager_secret_policy": "policy",
    "aws_secretsmanager_secret": "policy",
    "aws_ecr_repository_policy": "policy",
    "aws_ecr_registry_policy": "policy",
    "aws_ecrpublic_repository_policy": "policy",
    "aws_glacier_vault": "access_policy",
    "aws_elasticsearch_domain_policy": "access_policies",
    "aws_opensearch_domain_policy": "access_policies",
    "aws_cloudwatch_log_resource_policy": "policy_document",
    "aws_lambda_layer_version_permission": "policy",
    "aws_backup_vault_policy": "policy",
    "aws_efs_file_system_policy": "policy",
    "aws_s3control_access_point_policy": "policy",
    "aws_api_gateway_rest_api_policy": "policy",
    "aws_iot_policy": "policy",
}
PRINCIPAL_TYPES = {"aws_iam_role": "role", "aws_iam_user": "user", "aws_iam_group": "group"}
# attachment type -> (owner kind, owner attribute, is list, policy attribute, is list)
ATTACHMENTS: dict[str, tuple[str, str, bool, str, bool]] = {
    "aws_iam_role_policy_attachment": ("role", "role", False, "policy_arn", False),
    "aws_iam_user_policy_attachment": ("user", "user", False, "policy_arn", False),
    "aws_iam_group_policy_attachment": ("group", "group", False, "policy_arn", False),
    "aws_iam_role_policy_attachments_exclusive": ("role", "role_name", False, "policy_arns", True),
    "aws_iam_user_policy_attachments_exclusive": ("user", "user_name", False, "policy_arns", True),
    "aws_iam_group_policy_attachments_exclusive": ("group", "group_name", False, "policy_arns", True),
}
MEMBERSHIPS = {"aws_iam_user_group_membership", "aws_iam_group_membership"}
# exclusive inline policy type -> (owner kind, owner attribute); the kept names are policy_names
EXCLUSIVE_INLINE: dict[str, tuple[str, str]] = {
    "aws_iam_role_policies_exclusive": ("role", "role_name"),
    "aws_iam_user_policies_exclusive": ("user", "user_name"),
    "aws_iam_group_policies_exclusive": ("group", "group_name"),
}
# Inputs of an unavailable module whose names suggest they feed a policy.
_POLICY_INPUT = re.compile(r"polic|statement|action|permission|principal|trust|assume|arn|role|grant|access",
                           re.IGNORECASE)


@dataclass
class PolicyItem:
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


@dataclass
class AttachmentItem:
    address: str
    rtype: str
    owner_kind: str
    owners: list[Any]
    policy: Any  # an ARN value
    file: str
    line: int  # the line of the policy ARN


@dataclass
class ExclusiveItem:
    """What one principal keeps of its inline policies (``what == "inline"``: names) or attached
    policies (``"attached"``: ARNs) once the change is applied; AWS removes the others."""

    address: str
    what: str  # inline | attached
    owner_kind: str
    owner: Any  # evaluated role/user/group reference
    kept: Any  # a list of names or ARNs (items may be Unknown), or Unknown
    file: str
    line: int


@dataclass
class MembershipItem:
    address: str
    users: list[Any]
    groups: list[Any]
    file: str
    line: int
    # aws_iam_group_membership: the group's users are exactly these (the provider removes the others)
    exclusive: bool = False


@dataclass
class Unresolved:
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


def join(prefix: str, address: str) -> str:
    return f"{prefix}.{address}" if prefix else address


_SEGMENT = re.compile(r'module\.([A-Za-z0-9_-]+)(\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?\.')


def split_address(address: str) -> tuple[str, str]:
    """``module.a.module.b["x"].aws_iam_role.r`` -> (``module.a.module.b["x"]``, ``aws_iam_role.r``)."""
    pos = 0
    while True:
        m = _SEGMENT.match(address, pos)
        if not m:
            break
        pos = m.end()
    return address[: pos - 1] if pos else "", address[pos:]


_LOCAL = re.compile(r'^(data\.)?([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)(\[.*\])?$')


class Walker:
    """Walks one root module; owns the reference hook shared by all its module instances."""

    def __init__(self, root: Module, modules_json: Mapping[str, ModuleRecord] | None = None) -> None:
        self.root = root
        self.modules: dict[str, Module] = {"": root}
        self.out = Extracted()
        self._blocks: dict[int, dict[tuple[str, str, str], Block]] = {}
        self.modules_json = dict(modules_json or {})
        self._rendering: set[str] = set()
        root.resolve_reference = self.resolve
        root.address = ""

    # -- reference hook --------------------------------------------------------------------

    def _block(self, module: Module, mode: str, rtype: str, name: str) -> Block | None:
        index = self._blocks.get(id(module))
        if index is None:
            index = {(b.kind, b.type or "", b.name): b for b in module.blocks if b.kind in ("resource", "data")}
            self._blocks[id(module)] = index
        return index.get((mode, rtype, name))

    def _module_at(self, prefix: str) -> Module | None:
        found = self.modules.get(prefix)
        if found is not None or not prefix:
            return found
        idx = prefix.rfind(".module.")
        head, last = (prefix[:idx], prefix[idx + len(".module."):]) if idx >= 0 else ("", prefix[len("module."):])
        parent = self._module_at(head)
        if parent is None or "[" in last:
            return None
        try:
            child = parent.child_module(last)
        except (KeyError, TerraformError):
            return None
        if isinstance(child, Module):
            self.modules[prefix] = child
            return child
        return None

    def resolve(self, address: str, attribute: str, origin: Origin) -> Any:
        prefix, local = split_address(address)
        m = _LOCAL.match(local)
        module = self._module_at(prefix)
        if m is None or module is None:
            return None
        mode = "data" if m.group(1) else "resource"
        block = self._block(module, mode, m.group(2), m.group(3))
        if block is None:
            return None
        if mode == "data" and block.type == "aws_iam_policy_document" and attribute in ("json", "minified_json"):
            extra = self._instance_extra(module, block, local)
            if isinstance(extra, Unknown):
                return extra
            self.out.consumed_documents.add(address)
            if address in self._rendering:
                return Unknown(f"Cycle: {address} uses its own json", origin, address, attribute)
            self._rendering.add(address)
            try:
                return render_policy_document(module, block, extra, attribute)
            finally:
                self._rendering.discard(address)
        if mode == "data" and block.type == "aws_iam_policy" and attribute == "policy":
            return self._managed_data_policy(module, block, local, origin)
        if attribute in block.attributes:
            return None  # configured: the loader evaluates it
        if mode == "resource" and attribute == "id" and block.type in PRINCIPAL_TYPES and "name" in block.attributes:
            extra = self._instance_extra(module, block, local)
            if not isinstance(extra, Unknown):
                return module.try_evaluate(block.attributes["name"].expr, extra)  # a role's id is its name
        when = "the data source is read" if mode == "data" else "apply"
        return Unknown(f"{address}.{attribute} is known only after {when}", origin, address, attribute)

    def _instance_extra(self, module: Module, block: Block, local: str) -> Mapping[str, Any] | Unknown | None:
        try:
            instances = module.instances(block)
        except TerraformError as exc:
            return Unknown(exc.message, exc.origin)
        if isinstance(instances, Unknown):
            return instances
        for addr, extra, _skipped in instances:
            if addr == local:
                return extra
        return instances[0][1] if instances else None

    def _managed_data_policy(self, module: Module, block: Block, local: str, origin: Origin) -> Any:
        from checker.analysis.managed_policies import find_managed_policy

        extra = self._instance_extra(module, block, local)
        if isinstance(extra, Unknown):
            return extra
        arn_attr = block.attributes.get("arn")
        name_attr = block.attributes.get("name")
        value: Any = None
        if arn_attr is not None:
            value = module.try_evaluate(arn_attr.expr, extra)
        elif name_attr is not None:
            value = module.try_evaluate(name_attr.expr, extra)
        if isinstance(value, str):
            found = find_managed_policy(str(value))
            if found is not None:
                return TfStr(json.dumps(found.document), Origin(str(block.file), block.line),
                             encoded_from=None)
        return Unknown(f"the policy of {local} is read from the AWS account; it is not an AWS managed policy this "
                       "tool knows", origin, local, "policy")

    # -- walking ---------------------------------------------------------------------------

    def walk(self) -> Extracted:
        self._walk(self.root, "")
        self._providers()
        for mod in self.modules.values():
            for f in mod.files:
                if str(f) not in self.out.module_files:
                    self.out.module_files.append(str(f))
            for d in mod.diagnostics:
                if d.severity == "error":
                    item = (d.file, d.line, d.message)
                    if item not in self.out.diagnostics:
                        self.out.diagnostics.append(item)
            for p in mod.outside_reads:
                if str(p) not in self.out.outside_reads:
                    self.out.outside_reads.append(str(p))
        return self.out

    def _providers(self) -> None:
        """The accounts and partitions the root module's AWS providers pin (each must pin them)."""
        providers = [b for b in self.root.blocks if b.kind == "provider" and b.name == "aws"]
        accounts: set[str] | None = set() if providers else None
        partitions: set[str] | None = set() if providers else None
        for b in providers:
            pinned = provider_accounts(
                self._eval(self.root, b, "allowed_account_ids", {}),
                [self.root.try_evaluate(nb.attributes["role_arn"].expr, {}) for nb in b.blocks
                 if nb.kind == "assume_role" and "role_arn" in nb.attributes])
            accounts = None if pinned is None or accounts is None else accounts | pinned
            partition = region_partition(self._eval(self.root, b, "region", {}))
            partitions = None if partition is None or partitions is None else partitions | {partition}
        self.out.accounts, self.out.partitions = accounts, partitions

    def _instances(self, module: Module, block: Block, prefix: str
                   ) -> list[tuple[str, dict[str, Any]]] | None:
        """Instances to judge; None when there are none (recorded as skipped or unresolved)."""
        try:
            instances = module.instances(block)
        except TerraformError as exc:
            module._error(exc, Origin(str(block.file), block.line))
            self.out.unresolved.append(Unresolved(join(prefix, block.address), str(block.file), block.line,
                                                  f"{join(prefix, block.address)}: {exc.message}"))
            return None
        if isinstance(instances, Unknown):
            self.out.unresolved.append(Unresolved(
                join(prefix, block.address), str(block.file), block.line,
                f"{join(prefix, block.address)}: {instances.reason}; whether (and how often) it exists is not known"))
            return None
        out = []
        for addr, extra, skipped in instances:
            if skipped:
                self.out.skipped.append((str(block.file), join(prefix, addr), skipped))
                continue
            out.append((join(prefix, addr), extra))
        return out

    def _walk(self, module: Module, prefix: str) -> None:
        for block in module.blocks:
            if block.kind == "resource" and block.type:
                self._resource(module, block, prefix)
            elif block.kind == "data" and block.type == "aws_iam_policy_document":
                self._data_document(module, block, prefix)
            elif block.kind == "module":
                self._module_call(module, block, prefix)

    def _eval(self, module: Module, block: Block, name: str, extra: Mapping[str, Any]) -> Any:
        attr = block.attributes.get(name)
        if attr is None:
            return None
        return module.try_evaluate(attr.expr, extra)

    def _line(self, block: Block, name: str) -> int:
        attr = block.attributes.get(name)
        return attr.line if attr is not None else block.line

    def _file(self, block: Block, name: str) -> str:
        """The file of the argument ``name`` (an override file may write it), else of the block."""
        attr = block.attributes.get(name)
        return attr.expr.file if attr is not None else str(block.file)

    def _note_files(self, value: Any) -> None:
        if isinstance(value, TfStr) and value.from_file:
            self.out.read_files.add(value.from_file)

    def _policy(self, module: Module, block: Block, addr: str, extra: Mapping[str, Any], attr: str,
                kind: DocumentKind | None, **kw: Any) -> None:
        value = self._eval(module, block, attr, extra)
        self._note_files(value)
        self.out.policies.append(PolicyItem(addr, addr, block.type or "", kind, value, self._file(block, attr),
                                            self._line(block, attr), **kw))

    def _resource(self, module: Module, block: Block, prefix: str) -> None:
        rtype = block.type or ""
        relevant = (rtype in INLINE_POLICIES or rtype in RESOURCE_POLICIES or rtype in PRINCIPAL_TYPES
                    or rtype in ATTACHMENTS or rtype in MEMBERSHIPS or rtype == "aws_iam_policy"
                    or rtype == "aws_iam_policy_attachment" or rtype == "aws_organizations_policy"
                    or rtype in EXCLUSIVE_INLINE
                    or (rtype.startswith("aws_") and "policy" in block.attributes))
        if not relevant:
            return
        instances = self._instances(module, block, prefix)
        if instances is None:
            return
        for addr, extra in instances:
            if rtype in INLINE_POLICIES:
                owner_kind, owner_attr = INLINE_POLICIES[rtype]
                self._policy(module, block, addr, extra, "policy", DocumentKind.IDENTITY,
                             name=self._eval(module, block, "name", extra), owner_kind=owner_kind,
                             owner=self._eval(module, block, owner_attr, extra))
            elif rtype == "aws_iam_policy":
                path = self._eval(module, block, "path", extra) if "path" in block.attributes else "/"
                self._policy(module, block, addr, extra, "policy", DocumentKind.IDENTITY,
                             name=self._eval(module, block, "name", extra), arn_of=addr, policy_path=path)
            elif rtype == "aws_organizations_policy":
                ptype = self._eval(module, block, "type", extra)
                if ptype in (None, "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"):
                    self._policy(module, block, addr, extra, "content", DocumentKind.SCP,
                                 name=self._eval(module, block, "name", extra))
            elif rtype in PRINCIPAL_TYPES:
                self._principal(module, block, addr, extra)
            elif rtype in ATTACHMENTS:
                owner_kind, owner_attr, _many, pol_attr, pol_many = ATTACHMENTS[rtype]
                owner = self._eval(module, block, owner_attr, extra)
                pols = self._eval(module, block, pol_attr, extra)
                items = _listify(pols) if pol_many else [pols]
                for i, p in enumerate(items):
                    self.out.attachments.append(AttachmentItem(
                        f"{addr}" + (f".{pol_attr}[{i}]" if pol_many else ""), rtype, owner_kind, [owner], p,
                        self._file(block, pol_attr), _item_line(p, self._line(block, pol_attr))))
                if rtype.endswith("_exclusive"):
                    self.out.exclusives.append(ExclusiveItem(addr, "attached", owner_kind, owner, pols,
                                                             self._file(block, pol_attr), self._line(block, pol_attr)))
            elif rtype == "aws_iam_policy_attachment":
                pol = self._eval(module, block, "policy_arn", extra)
                for owner_kind, attr in (("role", "roles"), ("user", "users"), ("group", "groups")):
                    owners = _listify(self._eval(module, block, attr, extra))
                    if owners:
                        self.out.attachments.append(AttachmentItem(
                            addr, rtype, owner_kind, owners, pol, self._file(block, "policy_arn"),
                            self._line(block, "policy_arn")))
            elif rtype in MEMBERSHIPS:
                if rtype == "aws_iam_user_group_membership":
                    users = [self._eval(module, block, "user", extra)]
                    groups = _listify(self._eval(module, block, "groups", extra))
                else:
                    users = _listify(self._eval(module, block, "users", extra))
                    groups = [self._eval(module, block, "group", extra)]
                self.out.memberships.append(MembershipItem(addr, users, groups, str(block.file), block.line,
                                                           exclusive=rtype == "aws_iam_group_membership"))
            elif rtype in EXCLUSIVE_INLINE:
                # names the inline policies a principal keeps; they are judged where they are written,
                # and the Denies of the others (deleted at apply) are not in force
                owner_kind, owner_attr = EXCLUSIVE_INLINE[rtype]
                self.out.exclusives.append(ExclusiveItem(
                    addr, "inline", owner_kind, self._eval(module, block, owner_attr, extra),
                    self._eval(module, block, "policy_names", extra), self._file(block, "policy_names"),
                    self._line(block, "policy_names")))
            else:
                attr = RESOURCE_POLICIES.get(rtype, "policy")
                if attr in block.attributes:
                    kind = DocumentKind.RESOURCE if rtype in RESOURCE_POLICIES else None
                    self._policy(module, block, addr, extra, attr, kind)

    def _principal(self, module: Module, block: Block, addr: str, extra: Mapping[str, Any]) -> None:
        kind = PRINCIPAL_TYPES[block.type or ""]
        item = PrincipalItem(addr, kind, self._eval(module, block, "name", extra), str(block.file), block.line)
        if "permissions_boundary" in block.attributes:
            item.boundary = self._eval(module, block, "permissions_boundary", extra)
            item.boundary_line = self._line(block, "permissions_boundary")
        if kind == "role":
            if "assume_role_policy" in block.attributes:
                self._policy(module, block, f"{addr}.assume_role_policy", extra, "assume_role_policy",
                             DocumentKind.TRUST, owner_kind="role", owner=_self_ref(addr))
                self.out.policies[-1].resource = addr
                item.trust = f"{addr}.assume_role_policy"
            if "managed_policy_arns" in block.attributes:
                arns = self._eval(module, block, "managed_policy_arns", extra)
                line = self._line(block, "managed_policy_arns")
                item.managed_arns = [(a, _item_line(a, line)) for a in _listify(arns)]
                # the provider detaches every policy not listed (an exclusive set)
                self.out.exclusives.append(ExclusiveItem(f"{addr}.managed_policy_arns", "attached", "role",
                                                         _self_ref(addr), arns, str(block.file), line))
            inline_blocks = [b for b in block.blocks if b.kind == "inline_policy"]
            if inline_blocks:
                # the provider deletes every inline policy of the role not written in these blocks
                names = [module.try_evaluate(nb.attributes["name"].expr, extra) if "name" in nb.attributes
                         else None for nb in inline_blocks]
                self.out.exclusives.append(ExclusiveItem(
                    f"{addr}.inline_policy", "inline", "role", _self_ref(addr), [n for n in names if n is not None],
                    str(inline_blocks[0].file), inline_blocks[0].line))
            for i, nb in enumerate(inline_blocks):
                if "policy" not in nb.attributes:
                    continue
                value = module.try_evaluate(nb.attributes["policy"].expr, extra)
                self._note_files(value)
                name = module.try_evaluate(nb.attributes["name"].expr, extra) if "name" in nb.attributes else None
                self.out.policies.append(PolicyItem(
                    f"{addr}.inline_policy[{i}]", addr, "aws_iam_role", DocumentKind.IDENTITY, value, str(nb.file),
                    nb.attributes["policy"].line, name=name, owner_kind="role", owner=_self_ref(addr)))
        self.out.principals.append(item)

    def _data_document(self, module: Module, block: Block, prefix: str) -> None:
        instances = self._instances(module, block, prefix)
        if instances is None:
            return
        for addr, extra in instances:
            value = render_policy_document(module, block, extra)
            self.out.policies.append(PolicyItem(addr, addr, "aws_iam_policy_document", None, value,
                                                str(block.file), block.line))

    # -- modules -----------------------------------------------------------------------------

    def _module_call(self, module: Module, block: Block, prefix: str) -> None:
        instances = self._instances(module, block, prefix)
        if instances is None:
            return
        src_attr = block.attributes.get("source")
        source = module.try_evaluate(src_attr.expr) if src_attr else None
        counted = "count" in block.attributes or "for_each" in block.attributes
        for addr, extra in instances:
            child: Module | Unknown | None = None
            local = isinstance(source, str) and (source.startswith("./") or source.startswith("../"))
            if local and not counted:
                child = module.child_module(block.name)
            else:
                directory = None
                if local:
                    directory = (module.path / str(source)).resolve()
                elif isinstance(source, str):
                    record = self.modules_json.get(_module_key(addr))
                    if record is not None:
                        version = module.try_evaluate(block.attributes["version"].expr) \
                            if "version" in block.attributes else None
                        stale = record_mismatch(record, str(source), str(version) if isinstance(version, str)
                                                else None if version is None else "(not a constant string)")
                        if stale is not None:
                            self.out.unresolved.append(Unresolved(addr, str(block.file), block.line,
                                                                  f"{addr}: {stale}",
                                                                  rule=ProblemKind.UNRESOLVED_MODULE))
                            continue
                        directory = record.dir
                if directory is None or not directory.is_dir():
                    self._unavailable(module, block, addr, extra, source)
                    continue
                linked = linked_outside(module.path / str(source), module.scan_root) if local else None
                if linked is not None and not module.allow_outside:
                    self.out.unresolved.append(Unresolved(
                        addr, str(block.file), block.line, f"{addr}: its source {source} links to {linked}, outside "
                        "the scanned tree; pass --allow-outside to read it", rule=ProblemKind.UNRESOLVED_MODULE))
                    continue
                if linked is not None:
                    module.note_outside(linked)
                if directory.resolve() in getattr(module, "_loading", ()):
                    self.out.unresolved.append(Unresolved(addr, str(block.file), block.line,
                                                          f"{addr} calls a module that is already being loaded"))
                    continue
                inputs = {k: module.try_evaluate(a.expr, extra) for k, a in block.attributes.items()
                          if k not in ("source", "version", "count", "for_each", "depends_on", "providers")}
                try:
                    child = load_module(directory, inputs=inputs, workspace=module.workspace,
                                        scan_root=module.scan_root, allow_outside=module.allow_outside)
                except OSError as exc:
                    self.out.unresolved.append(Unresolved(
                        addr, str(block.file), block.line, f'{addr}: cannot read the source directory "{source}": '
                        f"{exc.strerror or exc}", rule=ProblemKind.UNRESOLVED_MODULE))
                    continue
                child.root_dir = module.root_dir
                child.base_dir = module.base_dir
                child.resolve_reference = self.resolve
                child.address = addr
            if isinstance(child, Unknown) and local:
                # a local source that is missing or calls itself (a -> b -> a): Terraform rejects the
                # configuration, and what the module would create is not judged
                why = child.reason if child.reason.startswith(f"{addr}:") else f"{addr}: {child.reason}"
                self.out.unresolved.append(Unresolved(addr, str(block.file), block.line, why,
                                                      rule=ProblemKind.UNRESOLVED_MODULE))
                continue
            if isinstance(child, Unknown) or child is None:
                self._unavailable(module, block, addr, extra, source)
                continue
            self.modules[addr] = child
            self._walk(child, addr)

    def _unavailable(self, module: Module, block: Block, addr: str, extra: Mapping[str, Any], source: Any) -> None:
        feeds = [k for k in block.attributes if k not in ("source", "version", "count", "for_each", "providers",
                                                          "depends_on") and _POLICY_INPUT.search(k)]
        if not feeds:
            for k, a in block.attributes.items():
                if k in ("source", "version", "count", "for_each", "providers", "depends_on"):
                    continue
                v = module.try_evaluate(a.expr, extra)
                if _policy_like(v):
                    feeds.append(k)
        src = source if isinstance(source, str) else "(unknown source)"
        why = (f'{addr} (source "{src}") is not available: run `terraform init` so that .terraform/modules holds it, '
               "or the module's own IAM cannot be judged")
        if feeds:
            self.out.unresolved.append(Unresolved(addr, str(block.file), block.line,
                                                  f"{why}; it receives {', '.join(sorted(feeds))}, which can feed a "
                                                  "policy", rule=ProblemKind.UNRESOLVED_MODULE))
        else:
            self.out.unresolved.append(Unresolved(addr, str(block.file), block.line, why,
                                                  rule=ProblemKind.UNRESOLVED_MODULE_WARNING))


def provider_accounts(allowed: Any, role_arns: list[Any]) -> set[str] | None:
    """The accounts an AWS provider may work in: ``allowed_account_ids`` (a known list of known
    strings), narrowed by the accounts of the roles it assumes; None when not known."""
    accounts: set[str] | None = None
    if isinstance(allowed, (list, tuple)) and allowed and all(isinstance(a, str) for a in allowed):
        accounts = {str(a) for a in allowed}
    for arn in role_arns:
        m = re.match(r"^arn:[a-z-]+:iam::(\d{12}):role/", arn) if isinstance(arn, str) else None
        if m is None:
            continue  # an unknown role ARN pins nothing
        accounts = {m.group(1)} if accounts is None else accounts & {m.group(1)}
    return accounts


_PARTITIONS = (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-isob-", "aws-iso-b"), ("us-iso-", "aws-iso"),
               ("eu-isoe-", "aws-iso-e"), ("us-isof-", "aws-iso-f"), ("eusc-", "aws-eusc"))


def region_partition(region: Any) -> str | None:
    """The partition of a known region name (None when the region is not known)."""
    if not isinstance(region, str) or not re.match(r"^[a-z]{2}(-[a-z]+)+-\d+$", region):
        return None
    return next((p for prefix, p in _PARTITIONS if region.startswith(prefix)), "aws")


def _policy_like(value: Any) -> bool:
    if isinstance(value, str):
        return '"Statement"' in value or ("Statement" in value and "Effect" in value)
    if isinstance(value, dict):
        return "Statement" in value or any(_policy_like(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_policy_like(v) for v in value)
    if isinstance(value, Unknown):
        return value.attribute in ("json", "arn", "policy", "minified_json") or (
            value.ref is not None and ("aws_iam" in value.ref))
    return False


def _module_key(address: str) -> str:
    """``module.a["x"].module.b`` -> ``a.b`` as in .terraform/modules/modules.json (keys are per call)."""
    return ".".join(re.findall(r"module\.([A-Za-z0-9_-]+)", address))


def _listify(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)) and not isinstance(value, str):
        return list(value)
    return [value]


def _item_line(value: Any, fallback: int) -> int:
    origin = getattr(value, "origin", None)
    if isinstance(origin, Origin) and origin.line:
        return origin.line
    return fallback


def _self_ref(address: str) -> Unknown:
    return Unknown("the role itself", None, address, "name")


def extract(root: Module) -> Extracted:
    """Every policy, principal and attachment of a root module and the modules it calls."""
    return Walker(root, read_modules_json(root.path)).walk()
