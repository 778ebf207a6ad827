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
- what was skipped (``count = 0``, and documents used only by instances that do not exist) and
  what could not be resolved (unknown ``count``, modules whose source is not available).

References between them are kept as evaluated values: a known name, or an :class:`Unknown` whose
``ref`` is the full address of the resource it points at (``module.ops.aws_iam_role.this``); the
reference hook installed on every module makes sure of that, and renders
``data.aws_iam_policy_document.<name>.json`` with the provider's semantics.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from checker.model import DocumentKind, ProblemKind
from checker.terraform import inventory
from checker.terraform.blocks import Block, Expr
from checker.terraform.errors import TerraformError
from checker.terraform.items import (  # the items are shared with the plan and CloudFormation front ends
    AttachmentItem,
    ExclusiveItem,
    Extracted,
    LentItem,
    MembershipItem,
    PolicyItem,
    PrincipalItem,
    Unresolved,
)
from checker.terraform.loader import Module, expand_dynamic, traversals
from checker.terraform.policy_document import render_policy_document
from checker.terraform.typed import placeholder, typed_unknown
from checker.terraform.values import Origin, TfStr, Unknown, plain

# Which types hold policies, grants, or create IAM is the inventory's answer
# (checker/terraform/inventory.py); the tables below say how the specialised types link a policy to
# its owner. tests/terraform/test_inventory.py checks they agree with the inventory.
# resource type -> (owner kind, owner attribute)
INLINE_POLICIES: dict[str, tuple[str, str]] = {
    "aws_iam_role_policy": ("role", "role"),
    "aws_iam_user_policy": ("user", "user"),
    "aws_iam_group_policy": ("group", "group"),
}
PRINCIPAL_TYPES = {"aws_iam_role": "role", "aws_iam_user": "user", "aws_iam_group": "group",
                   "aws_ssoadmin_permission_set": "permission-set"}
# attachment type -> (owner kind, owner attribute, is list, policy attribute, is list)
ATTACHMENTS: dict[str, tuple[str, str, bool, str, bool]] = {
    "aws_iam_role_policy_attachment": ("role", "role", False, "policy_arn", False),
    "aws_iam_user_policy_attachment": ("user", "user", False, "policy_arn", False),
    "aws_iam_group_policy_attachment": ("group", "group", False, "policy_arn", False),
    "aws_iam_role_policy_attachments_exclusive": ("role", "role_name", False, "policy_arns", True),
    "aws_iam_user_policy_attachments_exclusive": ("user", "user_name", False, "policy_arns", True),
    "aws_iam_group_policy_attachments_exclusive": ("group", "group_name", False, "policy_arns", True),
    "aws_ssoadmin_managed_policy_attachment": ("permission-set", "permission_set_arn", False, "managed_policy_arn",
                                               False),
}
MEMBERSHIPS = {"aws_iam_user_group_membership", "aws_iam_group_membership"}
# exclusive inline policy type -> (owner kind, owner attribute); the kept names are policy_names
EXCLUSIVE_INLINE: dict[str, tuple[str, str]] = {
    "aws_iam_role_policies_exclusive": ("role", "role_name"),
    "aws_iam_user_policies_exclusive": ("user", "user_name"),
    "aws_iam_group_policies_exclusive": ("group", "group_name"),
}
# Types that lend an entity's permissions to someone: credentials of a user, a role behind an
# instance profile or an identity pool, a permission set assigned to an account, a membership of an
# Identity Center group. What is lent is judged only when the entity is defined in the configuration
# (its policies are read there); an entity the configuration does not show lends unknown permissions.
# type -> (argument naming the entity, the entity's kind, what the resource does with it)
LENDERS: dict[str, tuple[str, str, str]] = {
    "aws_iam_access_key": ("user", "user", "creates an access key of the user"),
    "aws_iam_user_login_profile": ("user", "user", "sets a console password of the user"),
    "aws_iam_service_specific_credential": ("user_name", "user", "creates a service credential of the user"),
    "aws_iam_signing_certificate": ("user_name", "user", "uploads a signing certificate of the user"),
    "aws_iam_user_ssh_key": ("username", "user", "uploads an SSH key of the user"),
    "aws_iam_instance_profile": ("role", "role", "lets EC2 instances act as the role"),
    "aws_cognito_identity_pool_roles_attachment": ("roles", "role", "gives the identity pool's identities the role"),
    "aws_ssoadmin_account_assignment": ("permission_set_arn", "permission-set",
                                        "assigns the permission set on an account"),
    "aws_identitystore_group_membership": ("group_id", "identitystore-group",
                                           "adds a member to the Identity Center group"),
}
# Arguments of other AWS types that hand a role (or an instance profile) to a service or to compute
# the configuration controls: a Lambda function's role, an instance's profile, a task's roles, an
# event target's role ... Which arguments do is the provider schema's word, decided per type
# (:func:`checker.terraform.inventory.passed_roles`). A role the configuration defines is judged
# where it is written; any other lends permissions the gate cannot see (see :data:`LENDERS`).


def passes_roles(rtype: str) -> bool:
    """Whether an AWS type's role arguments hand a role over; the IAM types that link roles to
    policies, profiles and principals are read by their own tables."""
    return (inventory.is_aws(rtype) and rtype not in LENDERS and rtype not in ATTACHMENTS
            and rtype not in INLINE_POLICIES and rtype not in MEMBERSHIPS and rtype not in PRINCIPAL_TYPES
            and rtype != "aws_iam_policy_attachment")


def role_paths(rtype: str) -> tuple[tuple[str, str], ...]:
    """The arguments of ``rtype`` that hand a role or an instance profile over, as ``(path, kind)``
    (see :func:`checker.terraform.inventory.passed_roles`); none for the IAM types read by their
    own tables. Both readers (this walker and the plan reader) take them from here."""
    return inventory.passed_roles(rtype) if passes_roles(rtype) else ()


# The address an import block adopts, when it is a principal's.
_ADOPTED = re.compile(r"\b(aws_iam_role|aws_iam_user|aws_iam_group|aws_ssoadmin_permission_set)\.[A-Za-z_][\w-]*")
# Inputs of an unavailable module whose names suggest they feed a policy.
_POLICY_INPUT = re.compile(r"polic|statement|action|permission|principal|trust|assume|arn|role|grant|access",
                           re.IGNORECASE)


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

    def __init__(self, root: Module) -> None:
        self.root = root
        self.modules: dict[str, Module] = {"": root}
        self.out = Extracted()
        self._blocks: dict[int, dict[tuple[str, str, str], Block]] = {}
        self._rendering: set[str] = set()
        # each aws_iam_policy_document instance judged on its own unless something renders it
        self._documents: list[tuple[PolicyItem, Module, Block, str]] = []
        self._referrers: dict[int, dict[str, list[tuple[str, Block | None]]]] = {}
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
        head, last = (prefix[:idx], prefix[idx + 1:]) if idx >= 0 else ("", prefix)
        parent = self._module_at(head)
        if parent is None:
            return None
        child = parent.child_at(last)
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
        return typed_unknown(f"{address}.{attribute} is known only after {when}", origin, address, attribute)

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
        self._skip_unused_documents()
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
        self.out.accounts, self.out.partitions = provider_pins(
            (self._eval(self.root, b, "allowed_account_ids", {}),
             [self.root.try_evaluate(nb.attributes["role_arn"].expr, {}) for nb in b.blocks
              if nb.kind == "assume_role" and "role_arn" in nb.attributes],
             self._eval(self.root, b, "region", {}))
            for b in self.root.blocks if b.kind == "provider" and b.name == "aws")

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
            elif block.kind == "data" and block.type:
                self._data_source(module, block, prefix)
            elif block.kind == "module":
                self._module_call(module, block, prefix)
            elif block.kind == "import":
                self._import(block, prefix)

    def _import(self, block: Block, prefix: str) -> None:
        """An ``import`` block adopting an existing principal: the policies it already has (attached
        and inline) stay, and the configuration does not show them."""
        attr = block.attributes.get("to")
        if attr is None:
            return
        try:
            text = Path(attr.expr.file).read_text(encoding="utf-8-sig").splitlines()[attr.line - 1]
        except (OSError, IndexError, UnicodeDecodeError):
            text = ""
        m = _ADOPTED.search(text.partition("to")[2]) if text else None
        if text and m is None:
            return
        what = f"the existing {PRINCIPAL_TYPES[m.group(1)]} {m.group(0)}" if m else "an existing resource"
        self.out.unresolved.append(Unresolved(
            join(prefix, m.group(0)) if m else join(prefix, "import"), attr.expr.file, attr.line,
            f"an import block adopts {what}: the policies it already has (attached and inline) stay, and this "
            "configuration does not show them", rule=ProblemKind.UNJUDGED))

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
        entry = inventory.classify("resource", rtype) if inventory.is_aws(rtype) else None
        code = [b for b in block.blocks if b.kind == "provisioner" and b.name in inventory.CODE_PROVISIONERS]
        kind = entry.kind if entry is not None else None
        foreign = None if inventory.is_aws(rtype) else inventory.foreign_iam(rtype, _argument_names(block))
        relevant = (code or foreign is not None or (entry is None and inventory.is_aws(rtype))
                    or rtype in inventory.AWSCC_READ or rtype in EXCLUSIVE_INLINE or rtype in LENDERS
                    or any(_role_written(block, path.split(".")) for path, _ in role_paths(rtype))
                    or kind not in (None, inventory.Kind.NONE)
                    or bool(entry and (entry.policy_attributes or entry.grant_attributes)))
        if not relevant:
            return
        instances = self._instances(module, block, prefix)
        if instances is None:
            return
        for addr, extra in instances:
            for prov in code:
                self.out.unresolved.append(Unresolved(
                    addr, str(prov.file), prov.line, f"{addr}: a {prov.name} provisioner runs a command during apply "
                    "with the deploying credentials; what it does is not judged", rule=ProblemKind.RUNS_CODE))
            if foreign is not None:
                self.out.unresolved.append(Unresolved(
                    addr, str(block.file), block.line, f"{addr}: {foreign} says IAM, and the gate does not read that "
                    "provider: the permissions it grants are not judged", rule=ProblemKind.UNJUDGED))
                continue
            if rtype in inventory.AWSCC_READ:
                self._awscc(module, block, addr, extra)
                continue
            if entry is None:
                if inventory.is_aws(rtype):
                    self.out.unresolved.append(Unresolved(
                        addr, str(block.file), block.line, f"{addr}: {rtype} is not a resource type of the AWS provider "
                        f"{inventory.provider_version()} whose schema the gate records: what it grants is not known",
                        rule=ProblemKind.UNJUDGED))
                continue
            self._typed(module, block, addr, extra, entry)

    def _typed(self, module: Module, block: Block, addr: str, extra: Mapping[str, Any],
               entry: inventory.Entry) -> None:
        """One instance of an AWS resource, by what the inventory says its type does."""
        rtype = entry.type
        kind = entry.kind
        if rtype in INLINE_POLICIES:
            owner_kind, owner_attr = INLINE_POLICIES[rtype]
            self._policy(module, block, addr, extra, "policy", DocumentKind.IDENTITY,
                         name=self._eval(module, block, "name", extra), owner_kind=owner_kind,
                         owner=self._eval(module, block, owner_attr, extra))
        elif rtype == "aws_iam_policy":
            path = self._eval(module, block, "path", extra) if "path" in block.attributes else "/"
            self._policy(module, block, addr, extra, "policy", DocumentKind.IDENTITY,
                         name=self._eval(module, block, "name", extra), arn_of=addr, policy_path=path)
        elif rtype == "aws_ssoadmin_permission_set_inline_policy":
            self._policy(module, block, addr, extra, "inline_policy", DocumentKind.IDENTITY,
                         owner_kind="permission-set", owner=self._eval(module, block, "permission_set_arn", extra))
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
                    self._file(block, pol_attr), item_line(p, self._line(block, pol_attr))))
            if rtype.endswith("_exclusive"):
                self.out.exclusives.append(ExclusiveItem(addr, "attached", owner_kind, owner, pols,
                                                         self._file(block, pol_attr), self._line(block, pol_attr)))
        elif rtype in ("aws_ssoadmin_customer_managed_policy_attachment", "aws_ssoadmin_permissions_boundary_attachment"):
            self._sso_reference(module, block, addr, extra)
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
        elif rtype in LENDERS:
            attr, lent_kind, what = LENDERS[rtype]
            value = self._eval(module, block, attr, extra)
            values = list(value.values()) if isinstance(value, dict) else [value]
            if rtype == "aws_cognito_identity_pool_roles_attachment" and any(
                    b.kind in ("role_mapping", "dynamic") for b in block.blocks):
                values.append(Unknown("a role_mapping block maps claims to roles the gate does not read",
                                      Origin(str(block.file), block.line)))
            self.out.lent.append(LentItem(addr, rtype, lent_kind, values, what, self._file(block, attr),
                                          self._line(block, attr), name=self._eval(module, block, "name", extra)))
        elif kind is inventory.Kind.GRANT and entry.synthesised:
            synth = synthesise_grant(rtype, lambda name: self._eval(module, block, name, extra),
                                     lambda name: _nested_values(module, block, name, extra),
                                     Origin(str(block.file), block.line))
            self._synthesised(block, addr, synth)
        elif kind is inventory.Kind.CREATES_IAM:
            self._creates_iam(module, block, addr, extra, entry)
        elif kind is inventory.Kind.RUNS_CODE:
            self.out.unresolved.append(Unresolved(
                addr, str(block.file), block.line, f"{addr}: {rtype} runs code during apply ({entry.note}); what it "
                "does is not judged", rule=ProblemKind.RUNS_CODE))
        self._passed_roles(module, block, addr, extra)
        if entry.grant_attributes and not entry.synthesised:
            self._unjudged_grant(module, block, addr, extra, entry)  # also beside a policy (a bucket's ACL)
        if entry.policy_attributes and rtype not in SPECIALISED:
            self._policy_attributes(module, block, addr, extra, entry)

    def _passed_roles(self, module: Module, block: Block, addr: str, extra: Mapping[str, Any]) -> None:
        """The roles and instance profiles a resource hands over (:func:`role_paths`)."""
        for attr, kind in role_paths(block.type or ""):
            segments = attr.split(".")
            if not _role_written(block, segments):
                continue
            what = f"hands the {kind.replace('-', ' ')} over through {attr}:"
            for value, file, line in self._role_values(module, block, segments, extra):
                self.out.lent.append(LentItem(addr, block.type or "", kind, _listify(value), what, file, line))

    def _role_values(self, module: Module, block: Block, segments: list[str], extra: Mapping[str, Any]
                     ) -> list[tuple[Any, str, int]]:
        """The values written at an argument path (nested blocks, ``dynamic`` ones expanded, or the
        keys of an object-typed attribute), each with its file and line; a block whose expansion is
        not known gives that Unknown at the block's line."""
        name, rest = segments[0], segments[1:]
        if name in block.attributes:
            value = module.try_evaluate(block.attributes[name].expr, extra)
            return [(v, block.attributes[name].expr.file, block.attributes[name].line)
                    for v in _object_values(value, rest)]
        if not rest:
            return []
        found = _nested_blocks(module, block, name, extra)
        if isinstance(found, Unknown):
            return [(found, str(block.file), block.line)]
        out: list[tuple[Any, str, int]] = []
        for sub, scope in found:
            if _role_written(sub, rest):
                out.extend(self._role_values(module, sub, rest, scope))
        return out

    def _policy_attributes(self, module: Module, block: Block, addr: str, extra: Mapping[str, Any],
                           entry: inventory.Entry) -> None:
        """Each JSON policy the inventory says the type holds (``block.argument`` when nested)."""
        for attr, dkind in entry.policy_attributes.items():
            head, _, leaf = attr.rpartition(".")
            if not head:
                if attr in block.attributes:
                    self._policy(module, block, addr, extra, attr, dkind)
                continue
            found = _nested_blocks(module, block, head, extra)
            if isinstance(found, Unknown):
                self.out.unresolved.append(Unresolved(addr, str(block.file), block.line,
                                                      f"{addr}: {found.reason}; its {attr} cannot be judged"))
                continue
            for i, (nb, scope) in enumerate(found):
                if leaf not in nb.attributes:
                    continue
                value = module.try_evaluate(nb.attributes[leaf].expr, scope)
                self._note_files(value)
                self.out.policies.append(PolicyItem(f"{addr}.{head}[{i}].{leaf}", addr, entry.type, dkind, value,
                                                    nb.attributes[leaf].expr.file, nb.attributes[leaf].line))

    def _synthesised(self, block: Block, addr: str, synth: Any) -> None:
        if synth is None:
            return
        self.out.policies.append(PolicyItem(addr, addr, block.type or "", DocumentKind.RESOURCE,
                                            structure_value(synth, Origin(str(block.file), block.line)),
                                            str(block.file), block.line))

    def _unjudged_grant(self, module: Module, block: Block, addr: str, extra: Mapping[str, Any],
                        entry: inventory.Entry) -> None:
        written = [a for a in entry.grant_attributes if a == "*" or _written(block, a)]
        if (entry.type in _BENIGN_ACL and written == ["acl"]
                and self._eval(module, block, "acl", extra) in _BENIGN_ACL[entry.type]):
            return
        if not written:
            return
        first = next((a for a in written if a in block.attributes), None)
        line = self._line(block, first) if first else block.line
        what = "the resource itself" if written == ["*"] else ", ".join(written)
        self.out.unresolved.append(Unresolved(
            addr, str(block.file), line, f"{addr}: {entry.type} grants through {what}, in a form the gate does not "
            "judge (not a JSON policy); review it and suppress this finding with a reason, or grant through a policy",
            rule=ProblemKind.UNJUDGED))

    def _creates_iam(self, module: Module, block: Block, addr: str, extra: Mapping[str, Any],
                     entry: inventory.Entry) -> None:
        if entry.type in ("aws_cloudformation_stack", "aws_cloudformation_stack_set"):
            self._cloudformation(module, block, addr, extra)
            return
        self.out.unresolved.append(Unresolved(
            addr, str(block.file), block.line, f"{addr}: {entry.note or entry.type + ' creates IAM'}; the gate does not "
            "read what it creates", rule=ProblemKind.UNJUDGED))

    def _cloudformation(self, module: Module, block: Block, addr: str, extra: Mapping[str, Any]) -> None:
        """A CloudFormation stack or stack set: its ``template_body`` judged by the CloudFormation
        front end, what it creates joining this load under ``<addr>/Resources/...``; a template at
        ``template_url`` is not read (:func:`cloudformation_problem`)."""
        from checker.sources.cloudformation.reader import extract_embedded

        if "template_body" not in block.attributes:
            attr = "template_url" if "template_url" in block.attributes else "template_body"
            self.out.unresolved.append(Unresolved(addr, self._file(block, attr), self._line(block, attr),
                                                  cloudformation_problem(addr, attr == "template_url"),
                                                  rule=ProblemKind.UNJUDGED))
            return
        body = self._eval(module, block, "template_body", extra)
        self._note_files(body)
        parameters = self._eval(module, block, "parameters", extra) if "parameters" in block.attributes else {}
        extract_embedded(body, parameters, self.out, addr, self._file(block, "template_body"),
                         self._line(block, "template_body"))

    def _sso_reference(self, module: Module, block: Block, addr: str, extra: Mapping[str, Any]) -> None:
        """A permission set's customer-managed policy or boundary: an attachment by policy name
        (``arn:aws:iam::*:policy<path><name>``) or by ARN."""
        boundary = block.type == "aws_ssoadmin_permissions_boundary_attachment"
        owner = self._eval(module, block, "permission_set_arn", extra)
        holder = block
        scope: Mapping[str, Any] = extra
        if boundary:
            found = _nested_blocks(module, block, "permissions_boundary", extra)
            if isinstance(found, Unknown) or not found:
                return  # a boundary that cannot be read narrows nothing, which is safe
            holder, scope = found[0]
            arn_attr = holder.attributes.get("managed_policy_arn")
            if arn_attr is not None:
                self.out.attachments.append(AttachmentItem(
                    addr, block.type or "", "permission-set", [owner], module.try_evaluate(arn_attr.expr, scope),
                    arn_attr.expr.file, arn_attr.line, boundary=True))
                return
        refs = _nested_blocks(module, holder, "customer_managed_policy_reference", scope)
        if isinstance(refs, Unknown) or not refs:
            if not boundary:
                self.out.unresolved.append(Unresolved(
                    addr, str(block.file), block.line, f"{addr}: the customer managed policy it attaches is not known"))
            return
        ref, rscope = refs[0]
        name = module.try_evaluate(ref.attributes["name"].expr, rscope) if "name" in ref.attributes else None
        path = module.try_evaluate(ref.attributes["path"].expr, rscope) if "path" in ref.attributes else "/"
        line = ref.attributes["name"].line if "name" in ref.attributes else ref.line
        value: Any = name
        if isinstance(name, str) and isinstance(path, str):
            value = TfStr(f"arn:aws:iam::*:policy{path}{name}", Origin(str(ref.file), line))
        self.out.attachments.append(AttachmentItem(addr, block.type or "", "permission-set", [owner], value,
                                                   str(ref.file), line, boundary=boundary))

    def _awscc(self, module: Module, block: Block, addr: str, extra: Mapping[str, Any]) -> None:
        """The AWS Cloud Control provider's IAM types: the same items as their aws_iam twins."""
        rtype = block.type or ""
        what = rtype[len("awscc_iam_"):]
        ev = functools.partial(self._eval, module, block, extra=extra)

        def policy(attr: str, kind: DocumentKind, address: str, **kw: Any) -> None:
            if attr in block.attributes:
                value = _json_value(ev(attr))
                self._note_files(value)
                self.out.policies.append(PolicyItem(address, addr, rtype, kind, value, self._file(block, attr),
                                                    self._line(block, attr), **kw))

        if what in ("role", "user", "group"):
            name = ev(f"{what}_name")
            item = PrincipalItem(addr, what, name, str(block.file), block.line)
            if "permissions_boundary" in block.attributes:
                item.boundary = ev("permissions_boundary")
                item.boundary_line = self._line(block, "permissions_boundary")
            if what == "role" and "assume_role_policy_document" in block.attributes:
                policy("assume_role_policy_document", DocumentKind.TRUST, f"{addr}.assume_role_policy_document",
                       owner_kind="role", owner=_self_ref(addr))
                self.out.policies[-1] = self.out.policies[-1]._replace(resource=addr)
                item.trust = f"{addr}.assume_role_policy_document"
            if "managed_policy_arns" in block.attributes:
                line = self._line(block, "managed_policy_arns")
                item.managed_arns = [(a, item_line(a, line)) for a in _listify(ev("managed_policy_arns"))]
            pols = ev("policies")
            if isinstance(pols, Unknown):
                self.out.unresolved.append(Unresolved(addr, self._file(block, "policies"), self._line(block, "policies"),
                                                      f"{addr}: its policies are not known: {pols.reason}"))
            for i, entry in enumerate(_listify(pols)):
                doc = entry.get("policy_document") if isinstance(entry, dict) else entry
                self.out.policies.append(PolicyItem(
                    f"{addr}.policies[{i}]", addr, rtype, DocumentKind.IDENTITY, _json_value(doc),
                    self._file(block, "policies"), item_line(doc, self._line(block, "policies")),
                    name=entry.get("policy_name") if isinstance(entry, dict) else None, owner_kind=what,
                    owner=_self_ref(addr)))
            self.out.principals.append(item)
        elif what in ("role_policy", "user_policy", "group_policy"):
            owner_kind = what.split("_")[0]
            policy("policy_document", DocumentKind.IDENTITY, addr, name=ev("policy_name"), owner_kind=owner_kind,
                   owner=ev(f"{owner_kind}_name"))
        elif what in ("policy", "managed_policy"):
            # AWS::IAM::Policy is inline in each role/user/group it names; a managed policy is
            # attached to them and has an ARN
            policy("policy_document", DocumentKind.IDENTITY, addr,
                   name=ev("policy_name" if what == "policy" else "managed_policy_name"),
                   arn_of=addr if what == "managed_policy" else None)
            if "policy_document" not in block.attributes:
                return
            doc_index = len(self.out.policies) - 1
            for owner_kind, attr in (("role", "roles"), ("user", "users"), ("group", "groups")):
                owners = _listify(ev(attr))
                if owners:
                    self.out.attachments.append(AttachmentItem(
                        f"{addr}.{attr}", rtype, owner_kind, owners, _self_ref(addr, "arn"),
                        self._file(block, attr), self._line(block, attr)))
            if what == "policy":  # the attachments above name it by this reference
                self.out.policies[doc_index] = self.out.policies[doc_index]._replace(arn_of=addr)

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
                self.out.policies[-1] = self.out.policies[-1]._replace(resource=addr)
                item.trust = f"{addr}.assume_role_policy"
            if "managed_policy_arns" in block.attributes:
                arns = self._eval(module, block, "managed_policy_arns", extra)
                line = self._line(block, "managed_policy_arns")
                item.managed_arns = [(a, item_line(a, line)) for a in _listify(arns)]
                # the provider detaches every policy not listed (an exclusive set)
                self.out.exclusives.append(ExclusiveItem(f"{addr}.managed_policy_arns", "attached", "role",
                                                         _self_ref(addr), arns, str(block.file), line))
            inline = _nested_blocks(module, block, "inline_policy", extra)
            if isinstance(inline, Unknown):
                self.out.unresolved.append(Unresolved(f"{addr}.inline_policy", str(block.file), block.line,
                                                      f"{addr}: {inline.reason}; its inline policies cannot be judged"))
                inline = []
            if inline:
                # the provider deletes every inline policy of the role not written in these blocks
                names = [module.try_evaluate(nb.attributes["name"].expr, scope) if "name" in nb.attributes
                         else None for nb, scope in inline]
                first = inline[0][0]
                self.out.exclusives.append(ExclusiveItem(
                    f"{addr}.inline_policy", "inline", "role", _self_ref(addr), [n for n in names if n is not None],
                    str(first.file), first.line))
            for i, (nb, scope) in enumerate(inline):
                if "policy" not in nb.attributes:
                    continue
                value = module.try_evaluate(nb.attributes["policy"].expr, scope)
                self._note_files(value)
                name = module.try_evaluate(nb.attributes["name"].expr, scope) if "name" in nb.attributes else None
                self.out.policies.append(PolicyItem(
                    f"{addr}.inline_policy[{i}]", addr, "aws_iam_role", DocumentKind.IDENTITY, value, str(nb.file),
                    nb.attributes["policy"].line, name=name, owner_kind="role", owner=_self_ref(addr)))
        self.out.principals.append(item)

    def _data_source(self, module: Module, block: Block, prefix: str) -> None:
        """A data source grants nothing, but one may run code, and one the gate does not know (or
        another provider's IAM) is reported."""
        dtype = block.type or ""
        rule = ProblemKind.UNJUDGED
        if dtype in inventory.CODE_DATA_SOURCES:
            why, rule = "the external data source runs a program when it is read; what it does is not judged", \
                ProblemKind.RUNS_CODE
        elif inventory.is_aws(dtype):
            entry = inventory.classify("data", dtype)
            if entry is not None and entry.kind is inventory.Kind.RUNS_CODE:
                why, rule = f"{dtype} runs code when it is read ({entry.note}); what it does is not judged", \
                    ProblemKind.RUNS_CODE
            elif entry is None:
                why = (f"{dtype} is not a data source of the AWS provider {inventory.provider_version()} whose schema "
                       "the gate records: what it does is not known")
            else:
                return
        else:
            foreign = inventory.foreign_iam(dtype, _argument_names(block))
            if foreign is None:
                return
            why = f"{foreign} says IAM, and the gate does not read that provider: what it builds is not judged"
        instances = self._instances(module, block, prefix)
        for addr, _extra in instances or ():
            self.out.unresolved.append(Unresolved(addr, str(block.file), block.line, f"{addr}: {why}", rule=rule))

    def _data_document(self, module: Module, block: Block, prefix: str) -> None:
        instances = self._instances(module, block, prefix)
        if instances is None:
            return
        for addr, extra in instances:
            value = render_policy_document(module, block, extra)
            self.out.policies.append(PolicyItem(addr, addr, "aws_iam_policy_document", None, value,
                                                str(block.file), block.line))
            self._documents.append((self.out.policies[-1], module, block, prefix))

    # -- where documents are used --------------------------------------------------------------

    def _skip_unused_documents(self) -> None:
        """A document no resource rendered is judged on its own, unless everything that refers to it
        does not exist (``count = 0``, an empty ``for_each``): then it is skipped, with the reason."""
        dropped: set[int] = set()
        for item, module, block, prefix in self._documents:
            if item.address in self.out.consumed_documents:
                continue
            reason = self._absent_users(module, block, prefix)
            if reason is not None:
                dropped.add(id(item))
                self.out.skipped.append((str(block.file), item.address, reason))
        if dropped:
            self.out.policies = [p for p in self.out.policies if id(p) not in dropped]

    def _absent_users(self, module: Module, block: Block, prefix: str) -> str | None:
        """Why the document ``block`` is used only by instances that do not exist; None when it is
        unused, or used by something that exists or may exist (an unknown count, an output)."""
        referrers = self._referrer_index(module)
        absent: list[str] = []
        seen: set[str] = set()
        todo = [block.address]
        while todo:
            target = todo.pop()
            for site, user in referrers.get(target, ()):
                if site in seen:
                    continue
                seen.add(site)
                if user is None:
                    if not site.startswith("local."):
                        return None  # an output: used outside the module
                    todo.append(site)
                    continue
                try:
                    instances = module.instances(user)
                except TerraformError:
                    return None
                if isinstance(instances, Unknown) or any(not skipped for _a, _e, skipped in instances):
                    return None
                why = "which has count = 0" if "count" in user.attributes else "whose for_each is empty"
                absent.append(f"{join(prefix, user.address)}, {why}")
        if not absent:
            return None
        return "used only by " + "; and by ".join(sorted(absent))

    def _referrer_index(self, module: Module) -> dict[str, list[tuple[str, Block | None]]]:
        """What refers to what in ``module``: a document, resource, module call or local value's
        address -> the sites referring to it (a block, or a ``local.x`` / ``output.x`` with no block)."""
        index = self._referrers.get(id(module))
        if index is not None:
            return index
        index = {}
        for b in module.blocks:
            if b.kind in ("resource", "data", "module"):
                sites: list[tuple[str, Block | None, list[Expr]]] = [(b.address, b, _expressions(b))]
            elif b.kind == "locals":
                sites = [(f"local.{name}", None, [a.expr]) for name, a in b.attributes.items()]
            elif b.kind == "output":
                sites = [(b.address, None, _expressions(b))]
            else:
                continue
            for site, user, exprs in sites:
                targets: set[str] = set()
                for expr in exprs:
                    for chain in traversals(expr.node, expr.file):
                        if chain[0] == "data" and len(chain) >= 3:
                            targets.add(".".join(chain[:3]))
                        elif chain[0] == "local" and len(chain) >= 2:
                            targets.add(".".join(chain[:2]))
                for target in sorted(targets):
                    if target != site:
                        index.setdefault(target, []).append((site, user))
        self._referrers[id(module)] = index
        return index

    # -- modules -----------------------------------------------------------------------------

    def _module_call(self, module: Module, block: Block, prefix: str) -> None:
        instances = self._instances(module, block, prefix)
        if instances is None:
            return
        src_attr = block.attributes.get("source")
        source = module.try_evaluate(src_attr.expr) if src_attr else None
        for addr, extra in instances:
            child = module.child_module(block.name, addr[len(prefix) + 1:] if prefix else addr, extra)
            if isinstance(child, Unknown):
                kind = dict(child.extra).get("module_problem")
                if kind == "unavailable" or kind is None:
                    self._unavailable(module, block, addr, extra, source)
                else:
                    self.out.unresolved.append(Unresolved(addr, str(block.file), block.line, f"{addr}: {child.reason}",
                                                          rule=ProblemKind.UNRESOLVED_MODULE))
                continue
            child.resolve_reference = self.resolve
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
        why = (f'{addr} (source "{src}") is not available, so the IAM it creates is not judged: run `terraform init '
               "-backend=false` so that .terraform/modules holds it, or, having reviewed the module, suppress this "
               "finding with a reason (# check-permissions:ignore IAM004 reason: ...)")
        if feeds:
            why += f"; it receives {', '.join(sorted(feeds))}, which can feed a policy"
        self.out.unresolved.append(Unresolved(addr, str(block.file), block.line, why,
                                              rule=ProblemKind.UNRESOLVED_MODULE))


def _expressions(block: Block) -> list[Expr]:
    """Every expression written in a block and its nested blocks."""
    out: list[Expr] = []
    stack = [block]
    while stack:
        b = stack.pop()
        out.extend(a.expr for a in b.attributes.values())
        stack.extend(b.blocks)
    return out


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


def _listify(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)) and not isinstance(value, str):
        return list(value)
    return [value]


def item_line(value: Any, fallback: int) -> int:
    """The line a value was written on (its origin), else ``fallback``."""
    origin = getattr(value, "origin", None)
    if isinstance(origin, Origin) and origin.line:
        return origin.line
    return fallback


def cloudformation_problem(address: str, from_url: bool) -> str:
    """Why a CloudFormation stack or stack set is not judged: its template is not in the
    configuration (``template_url``), or none is given."""
    if from_url:
        return (f"{address}: its template is read from template_url at apply; the IAM it creates cannot be judged "
                "(give the template as template_body)")
    return f"{address}: it gives no template_body; the IAM the stack creates cannot be judged"


def _self_ref(address: str, attribute: str = "name") -> Unknown:
    return Unknown("the resource itself", None, address, attribute)


# Types whose policy arguments the walker reads with their owner (not by the inventory's list).
SPECIALISED = frozenset({*INLINE_POLICIES, "aws_iam_policy", "aws_iam_role", "aws_organizations_policy",
                          "aws_ssoadmin_permission_set_inline_policy"})
# Canned ACLs that grant nothing beyond the owner.
_BENIGN_ACL: dict[str, tuple[str, ...]] = {"aws_s3_bucket_acl": ("private",), "aws_s3_bucket": ("private",),
                                           "aws_s3_object": ("private",), "aws_s3_object_copy": ("private",)}


def _role_written(block: Block, segments: list[str]) -> bool:
    """Whether an argument path is written in a block: as an argument, inside nested blocks (a
    ``dynamic`` block's content too), or as an object-typed attribute holding it."""
    name, rest = segments[0], segments[1:]
    if name in block.attributes:
        return True
    if not rest:
        return False
    for nb in _children(block, name):
        bodies = [c for c in nb.blocks if c.kind == "content"] if nb.kind == "dynamic" else [nb]
        if any(_role_written(body, rest) for body in bodies):
            return True
    return False


def _object_values(value: Any, keys: list[str]) -> list[Any]:
    """The values at ``keys`` inside an object-typed attribute's value (lists and sets of objects
    walked); an unknown part is that Unknown."""
    if not keys or isinstance(value, Unknown):
        return [value]
    if isinstance(value, dict):
        return _object_values(value[keys[0]], keys[1:]) if keys[0] in value else []
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in _object_values(item, keys)]
    return []


def _argument_names(block: Block) -> list[str]:
    """The arguments and nested block types written in a block, nested ones too."""
    out: list[str] = []
    stack = [block]
    while stack:
        b = stack.pop()
        out.extend(b.attributes)
        for nb in b.blocks:
            out.append(nb.type if nb.kind == "dynamic" and nb.type else nb.kind)
            stack.append(nb)
    return out


def _children(block: Block, name: str) -> list[Block]:
    return [b for b in block.blocks if b.kind == name or (b.kind == "dynamic" and (b.type or b.name) == name)]


def _written(block: Block, path: str) -> bool:
    """Whether ``path`` (``argument`` or ``block.argument``) is written in the block."""
    head, _, rest = path.partition(".")
    if not rest:
        return head in block.attributes or bool(_children(block, head))
    for nb in _children(block, head):
        if nb.kind == "dynamic":
            return True
        if _written(nb, rest):
            return True
    return False


def _nested_blocks(module: Module, block: Block, path: str, extra: Mapping[str, Any]
                   ) -> list[tuple[Block, Mapping[str, Any]]] | Unknown:
    """The nested blocks at ``path`` (``a`` or ``a.b``), ``dynamic`` ones expanded, each with the
    scope its arguments are evaluated in."""
    level: list[tuple[Block, Mapping[str, Any]]] = [(block, extra)]
    for name in path.split("."):
        nxt: list[tuple[Block, Mapping[str, Any]]] = []
        for b, scope in level:
            for nb in _children(b, name):
                if nb.kind != "dynamic":
                    nxt.append((nb, scope))
                    continue
                try:
                    expanded = expand_dynamic(module, nb, scope)
                except TerraformError as exc:
                    return Unknown(exc.message, exc.origin)
                if isinstance(expanded, Unknown):
                    return expanded
                nxt.extend(expanded)
        level = nxt
    return level


def _nested_values(module: Module, block: Block, path: str, extra: Mapping[str, Any]) -> list[Any] | Unknown:
    found = _nested_blocks(module, block, path, extra)
    if isinstance(found, Unknown):
        return found
    return [module.evaluate_block(b, scope) for b, scope in found]


def _json_value(value: Any) -> Any:
    """A policy given as an object (the awscc provider's JSON arguments) as the JSON text it stands for."""
    if isinstance(value, (dict, list)):
        return structure_value(value, getattr(value, "origin", None))
    return value


def structure_value(structure: Any, origin: Origin | None) -> TfStr:
    """A structure (a synthesised grant, an awscc policy object) as the ``jsonencode`` of it:
    its strings keep where they were written."""
    return TfStr(json.dumps(plain(structure, placeholder)), origin, encoded_from=structure)


# --------------------------------------------------------------------------------------------
# Grants that are not JSON policies, as the resource policy statement they amount to
# --------------------------------------------------------------------------------------------

Getter = Callable[[str], Any]
NestedGetter = Callable[[str], "list[Any] | Unknown"]


def _principal_value(value: Any) -> dict[str, Any] | str:
    """A principal as an element: ``*``, a service (``*.amazonaws.com``), else an account or ARN."""
    if isinstance(value, str) and value == "*":
        return value
    if isinstance(value, str) and value.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        return {"Service": value}
    return {"AWS": value}


def _arn_of(value: Any, prefix: str, origin: Origin) -> Any:
    """A resource named by ARN or by name: the ARN, or ``prefix + name`` (any region and account)."""
    if isinstance(value, str):
        return value if value.startswith("arn:") else TfStr(prefix + str(value), getattr(value, "origin", origin))
    if isinstance(value, Unknown) and value.ref:
        if (value.attribute or "").endswith("arn"):
            return value
        # a reference to the resource that is granted on: that one resource, whatever its name
        return TfStr(prefix + placeholder(value), value.origin or origin)
    return value


def _const(text: str, origin: Origin) -> TfStr:
    return TfStr(text, origin)


def synthesise_grant(rtype: str, get: Getter, nested: NestedGetter, origin: Origin) -> dict[str, Any] | None:
    """The resource policy a grant of ``rtype`` amounts to (one Allow statement per principal),
    its values keeping where they were written. ``get(argument)`` evaluates an argument,
    ``nested(block)`` a nested block type's blocks as dicts."""
    def doc(*statements: dict[str, Any]) -> dict[str, Any]:
        return {"Version": _const("2012-10-17", origin), "Statement": list(statements)}

    def cond(pairs: list[tuple[str, str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for op, key, value in pairs:
            if value is not None:
                out.setdefault(op, {})[key] = value
        return out

    if rtype == "aws_lambda_permission":
        function = get("function_name")
        qualifier = get("qualifier")
        resource = _arn_of(function, "arn:aws:lambda:*:*:function:", origin)
        if isinstance(resource, str) and isinstance(qualifier, str) and qualifier:
            resource = TfStr(f"{resource}:{qualifier}", getattr(resource, "origin", origin))
        statement: dict[str, Any] = {
            "Sid": get("statement_id") if isinstance(get("statement_id"), str) else _const("lambda-permission", origin),
            "Effect": _const("Allow", origin), "Principal": _principal_value(get("principal")),
            "Action": get("action"), "Resource": resource}
        condition = cond([("StringEquals", "aws:SourceAccount", get("source_account")),
                          ("ArnLike", "aws:SourceArn", get("source_arn")),
                          ("StringEquals", "aws:PrincipalOrgID", get("principal_org_id")),
                          ("StringEquals", "lambda:FunctionUrlAuthType", get("function_url_auth_type"))])
        if condition:
            statement["Condition"] = condition
        return doc(statement)
    if rtype == "aws_lambda_layer_version_permission":
        layer = get("layer_name")
        version = get("version_number")
        resource = _arn_of(layer, "arn:aws:lambda:*:*:layer:", origin)
        if isinstance(resource, str) and version is not None and not isinstance(version, Unknown):
            resource = TfStr(f"{resource}:{version}", getattr(resource, "origin", origin))
        statement = {"Sid": get("statement_id") or _const("layer-permission", origin),
                     "Effect": _const("Allow", origin), "Principal": _principal_value(get("principal")),
                     "Action": get("action"), "Resource": resource}
        condition = cond([("StringEquals", "aws:PrincipalOrgID", get("organization_id"))])
        if condition:
            statement["Condition"] = condition
        return doc(statement)
    if rtype == "aws_cloudwatch_event_permission":
        bus = get("event_bus_name")
        resource = _arn_of(bus if bus is not None else _const("default", origin), "arn:aws:events:*:*:event-bus/",
                           origin)
        statement = {"Sid": get("statement_id") or _const("event-permission", origin),
                     "Effect": _const("Allow", origin), "Principal": _principal_value(get("principal")),
                     "Action": get("action") or _const("events:PutEvents", origin), "Resource": resource}
        blocks = nested("condition")
        pairs: list[tuple[str, str, Any]] = []
        if isinstance(blocks, Unknown):
            pairs.append(("StringEquals", "aws:PrincipalOrgID", blocks))
        else:
            for c in blocks:
                if isinstance(c, dict):
                    pairs.append(("StringEquals", str(c.get("key") or "aws:PrincipalOrgID"), c.get("value")))
        condition = cond(pairs)
        if condition:
            statement["Condition"] = condition
        return doc(statement)
    if rtype == "aws_kms_grant":
        key = _arn_of(get("key_id"), "arn:aws:kms:*:*:key/", origin)
        operations = get("operations")
        if isinstance(operations, (list, tuple)):
            actions: Any = [TfStr(f"kms:{op}", getattr(op, "origin", origin)) if isinstance(op, str) else op
                            for op in operations]
        else:
            actions = operations
        statement = {"Sid": _const("kms-grant", origin), "Effect": _const("Allow", origin),
                     "Principal": _principal_value(get("grantee_principal")), "Action": actions, "Resource": key}
        blocks = nested("constraints")
        pairs = []
        if isinstance(blocks, Unknown):
            pairs.append(("StringEquals", "kms:EncryptionContextKeys", blocks))
        else:
            for c in blocks:
                for attr in ("encryption_context_equals", "encryption_context_subset"):
                    ctx = c.get(attr) if isinstance(c, dict) else None
                    if isinstance(ctx, dict):
                        for k, v in ctx.items():
                            pairs.append(("StringEquals", f"kms:EncryptionContext:{k}", v))
                    elif isinstance(ctx, Unknown):
                        pairs.append(("StringEquals", "kms:EncryptionContextKeys", ctx))
        condition = cond(pairs)
        if condition:
            statement["Condition"] = condition
        statements = [statement]
        retiring = get("retiring_principal")
        if retiring is not None:
            statements.append({"Sid": _const("kms-grant-retiring", origin), "Effect": _const("Allow", origin),
                               "Principal": _principal_value(retiring), "Action": _const("kms:RetireGrant", origin),
                               "Resource": key})
        return doc(*statements)
    return None


def extract(root: Module) -> Extracted:
    """Every policy, principal and attachment of a root module and the modules it calls."""
    return Walker(root).walk()


def provider_pins(providers: Iterable[tuple[Any, list[Any], Any]]) -> tuple[set[str] | None, set[str] | None]:
    """The accounts and partitions a configuration's AWS providers pin, from each provider's
    ``(allowed_account_ids, assume_role role ARNs, region)`` values: every provider must pin them,
    else None (not known; then an ARN of any account or partition may be the configuration's)."""
    accounts: set[str] | None = None
    partitions: set[str] | None = None
    for i, (allowed, role_arns, region) in enumerate(providers):
        if i == 0:
            accounts, partitions = set(), set()
        pinned = provider_accounts(allowed, role_arns)
        accounts = None if pinned is None or accounts is None else accounts | pinned
        partition = region_partition(region)
        partitions = None if partition is None or partitions is None else partitions | {partition}
    return accounts, partitions


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
